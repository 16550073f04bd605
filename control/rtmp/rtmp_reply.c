/* rtmp_reply.c: RTMP command payloads the proxy sends beyond proto/'s builders (an error onStatus). */
#include "amf0.h"
#include "rtmp_session.h"

int mp_rtmp_reply_status_error(uint8_t *out, size_t cap, const char *code, const char *description)
{
	struct mp_amf0_writer w;

	/* RTMP spec 1.0 section 7.2.2: NetStream answers are onStatus with an information object;
	 * level "error" makes clients (ffmpeg, OBS, Flash) give up instead of waiting. */
	mp_amf0_writer_init(&w, out, cap);
	mp_amf0_put_cstr(&w, "onStatus");
	mp_amf0_put_number(&w, 0);
	mp_amf0_put_null(&w);
	mp_amf0_put_object_start(&w);
	mp_amf0_put_prop_str(&w, "level", "error");
	mp_amf0_put_prop_str(&w, "code", code);
	mp_amf0_put_prop_str(&w, "description", description ? description : "");
	mp_amf0_put_object_end(&w);
	return mp_amf0_writer_result(&w);
}
