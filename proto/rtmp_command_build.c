/* rtmp_command_build.c: AMF0 payloads of the RTMP commands a proxy sends (RTMP spec 1.0 section 7.2):
 * replies to clients and requests to origins. */
#include "amf0.h"
#include "mp_error.h"
#include "rtmp_command.h"

#include <string.h>

static void head(struct mp_amf0_writer *w, uint8_t *out, size_t cap, const char *name, double txn)
{
	mp_amf0_writer_init(w, out, cap);
	mp_amf0_put_cstr(w, name);
	mp_amf0_put_number(w, txn);
}

static void put_str(struct mp_amf0_writer *w, struct mp_rtmp_str s)
{
	mp_amf0_put_string(w, s.ptr ? s.ptr : "", s.ptr ? s.len : 0);
}

static void prop(struct mp_amf0_writer *w, const char *key, struct mp_rtmp_str s)
{
	mp_amf0_put_key(w, key);
	put_str(w, s);
}

int mp_rtmp_build_connect_result(uint8_t *out, size_t cap, double txn, double object_encoding)
{
	struct mp_amf0_writer w;

	/* 7.2.1.1: properties, then information with NetConnection.Connect.Success */
	head(&w, out, cap, "_result", txn);
	mp_amf0_put_object_start(&w);
	mp_amf0_put_prop_str(&w, "fmsVer", "FMS/3,5,3,888");
	mp_amf0_put_prop_num(&w, "capabilities", 127);
	mp_amf0_put_prop_num(&w, "mode", 1);
	mp_amf0_put_object_end(&w);
	mp_amf0_put_object_start(&w);
	mp_amf0_put_prop_str(&w, "level", "status");
	mp_amf0_put_prop_str(&w, "code", "NetConnection.Connect.Success");
	mp_amf0_put_prop_str(&w, "description", "Connection succeeded.");
	mp_amf0_put_prop_num(&w, "objectEncoding", object_encoding);
	mp_amf0_put_object_end(&w);
	return mp_amf0_writer_result(&w);
}

int mp_rtmp_build_result(uint8_t *out, size_t cap, double txn)
{
	struct mp_amf0_writer w;

	head(&w, out, cap, "_result", txn);
	mp_amf0_put_null(&w);
	mp_amf0_put_undefined(&w);
	return mp_amf0_writer_result(&w);
}

int mp_rtmp_build_create_stream_result(uint8_t *out, size_t cap, double txn, double stream_id)
{
	struct mp_amf0_writer w;

	head(&w, out, cap, "_result", txn); /* 7.2.1.3 */
	mp_amf0_put_null(&w);
	mp_amf0_put_number(&w, stream_id);
	return mp_amf0_writer_result(&w);
}

int mp_rtmp_build_error(uint8_t *out, size_t cap, double txn, const char *code, const char *description)
{
	struct mp_amf0_writer w;

	head(&w, out, cap, "_error", txn);
	mp_amf0_put_null(&w);
	mp_amf0_put_object_start(&w);
	mp_amf0_put_prop_str(&w, "level", "error");
	mp_amf0_put_prop_str(&w, "code", code ? code : "NetConnection.Call.Failed");
	mp_amf0_put_prop_str(&w, "description", description ? description : "");
	mp_amf0_put_object_end(&w);
	return mp_amf0_writer_result(&w);
}

int mp_rtmp_build_on_status(uint8_t *out, size_t cap, enum mp_rtmp_status which,
			    struct mp_rtmp_str stream, const char *clientid)
{
	static const char *const text[][2] = {
		[MP_RTMP_STATUS_PUBLISH_START] = { "NetStream.Publish.Start", "Started publishing stream." },
		[MP_RTMP_STATUS_PLAY_RESET] = { "NetStream.Play.Reset", "Playing and resetting stream." },
		[MP_RTMP_STATUS_PLAY_START] = { "NetStream.Play.Start", "Started playing stream." },
		[MP_RTMP_STATUS_UNPUBLISH_SUCCESS] = { "NetStream.Unpublish.Success",
						       "Stream is now unpublished." },
	};
	struct mp_amf0_writer w;

	if ((unsigned)which >= sizeof(text) / sizeof(text[0]))
		return MP_ERR_INVAL;
	head(&w, out, cap, "onStatus", 0); /* 7.2.2: onStatus has transaction id 0 */
	mp_amf0_put_null(&w);
	mp_amf0_put_object_start(&w);
	mp_amf0_put_prop_str(&w, "level", "status");
	mp_amf0_put_prop_str(&w, "code", text[which][0]);
	mp_amf0_put_prop_str(&w, "description", text[which][1]);
	if (stream.ptr)
		prop(&w, "details", stream);
	if (clientid)
		mp_amf0_put_prop_str(&w, "clientid", clientid);
	mp_amf0_put_object_end(&w);
	return mp_amf0_writer_result(&w);
}

int mp_rtmp_build_on_fcpublish(uint8_t *out, size_t cap, struct mp_rtmp_str stream)
{
	struct mp_amf0_writer w;

	head(&w, out, cap, "onFCPublish", 0);
	mp_amf0_put_null(&w);
	mp_amf0_put_object_start(&w);
	mp_amf0_put_prop_str(&w, "code", "NetStream.Publish.Start");
	mp_amf0_put_prop_str(&w, "description", "Started publishing stream.");
	if (stream.ptr)
		prop(&w, "details", stream);
	mp_amf0_put_object_end(&w);
	return mp_amf0_writer_result(&w);
}

int mp_rtmp_build_sample_access(uint8_t *out, size_t cap, int audio, int video)
{
	struct mp_amf0_writer w;

	mp_amf0_writer_init(&w, out, cap);
	mp_amf0_put_cstr(&w, "|RtmpSampleAccess");
	mp_amf0_put_bool(&w, audio);
	mp_amf0_put_bool(&w, video);
	return mp_amf0_writer_result(&w);
}

int mp_rtmp_build_connect(uint8_t *out, size_t cap, double txn, struct mp_rtmp_str app,
			  struct mp_rtmp_str tc_url, struct mp_rtmp_str flash_ver, double object_encoding)
{
	struct mp_amf0_writer w;

	head(&w, out, cap, "connect", txn);
	mp_amf0_put_object_start(&w);
	prop(&w, "app", app);
	mp_amf0_put_prop_str(&w, "type", "nonprivate");
	if (flash_ver.ptr && flash_ver.len)
		prop(&w, "flashVer", flash_ver);
	else
		mp_amf0_put_prop_str(&w, "flashVer", "FMLE/3.0 (compatible; mediaplane)");
	prop(&w, "tcUrl", tc_url);
	if (object_encoding != 0)
		mp_amf0_put_prop_num(&w, "objectEncoding", object_encoding);
	mp_amf0_put_object_end(&w);
	return mp_amf0_writer_result(&w);
}

int mp_rtmp_build_connect_replay(uint8_t *out, size_t cap, const struct mp_rtmp_cmd *c)
{
	struct mp_amf0_writer w;

	if (!c || c->kind != MP_RTMP_CMD_CONNECT || !c->obj)
		return MP_ERR_INVAL;
	head(&w, out, cap, "connect", c->txn);
	for (const struct mp_amf0_node *n = c->obj; n; n = mp_amf0_next(&c->doc, n))
		mp_amf0_put_node(&w, &c->doc, n);
	return mp_amf0_writer_result(&w);
}

int mp_rtmp_build_call(uint8_t *out, size_t cap, const char *name, double txn, struct mp_rtmp_str stream)
{
	struct mp_amf0_writer w;

	if (!name)
		return MP_ERR_INVAL;
	head(&w, out, cap, name, txn);
	mp_amf0_put_null(&w);
	if (stream.ptr)
		put_str(&w, stream);
	return mp_amf0_writer_result(&w);
}

int mp_rtmp_build_publish(uint8_t *out, size_t cap, double txn, struct mp_rtmp_str stream,
			  struct mp_rtmp_str type)
{
	struct mp_amf0_writer w;

	head(&w, out, cap, "publish", txn); /* 7.2.2.6 */
	mp_amf0_put_null(&w);
	put_str(&w, stream);
	if (type.ptr && type.len)
		put_str(&w, type);
	else
		mp_amf0_put_cstr(&w, "live");
	return mp_amf0_writer_result(&w);
}

int mp_rtmp_build_play(uint8_t *out, size_t cap, double txn, struct mp_rtmp_str stream, double start)
{
	struct mp_amf0_writer w;

	head(&w, out, cap, "play", txn); /* 7.2.2.1 */
	mp_amf0_put_null(&w);
	put_str(&w, stream);
	mp_amf0_put_number(&w, start);
	return mp_amf0_writer_result(&w);
}

int mp_rtmp_build_delete_stream(uint8_t *out, size_t cap, double txn, double stream_id)
{
	struct mp_amf0_writer w;

	head(&w, out, cap, "deleteStream", txn); /* 7.2.2.3 */
	mp_amf0_put_null(&w);
	mp_amf0_put_number(&w, stream_id);
	return mp_amf0_writer_result(&w);
}

int mp_rtmp_replace_string(const uint8_t *payload, size_t len, struct mp_rtmp_str at, const char *s, size_t slen,
			   uint8_t *out, size_t cap)
{
	const uint8_t *p = (const uint8_t *)at.ptr;
	size_t off, hdr, tail, head_len;

	if (!payload || !p || p < payload || p > payload + len || at.len > (size_t)(payload + len - p) || !out ||
	    (!s && slen))
		return MP_ERR_INVAL;
	off = (size_t)(p - payload);
	/* AMF0 spec section 2.4 (string: 0x02, u16 length) and 2.14 (long string: 0x0C, u32 length) */
	if (off >= 3 && payload[off - 3] == 0x02 && ((size_t)payload[off - 2] << 8 | payload[off - 1]) == at.len)
		hdr = 3;
	else if (off >= 5 && payload[off - 5] == 0x0C &&
		 ((size_t)payload[off - 4] << 24 | (size_t)payload[off - 3] << 16 | (size_t)payload[off - 2] << 8 |
		  payload[off - 1]) == at.len)
		hdr = 5;
	else
		return MP_ERR_INVAL;
	head_len = off - hdr;
	tail = len - off - at.len;
	if (head_len + 5 + slen + tail > cap || slen > 0xffffffffu)
		return MP_ERR_NOSPACE;
	memmove(out, payload, head_len); /* (out may not overlap the rest: the caller gives its own buffer) */
	if (slen <= 0xffff) {
		out[head_len] = 0x02;
		out[head_len + 1] = (uint8_t)(slen >> 8);
		out[head_len + 2] = (uint8_t)slen;
		hdr = 3;
	} else {
		out[head_len] = 0x0C;
		out[head_len + 1] = (uint8_t)(slen >> 24);
		out[head_len + 2] = (uint8_t)(slen >> 16);
		out[head_len + 3] = (uint8_t)(slen >> 8);
		out[head_len + 4] = (uint8_t)slen;
		hdr = 5;
	}
	if (slen)
		memcpy(out + head_len + hdr, s, slen);
	memcpy(out + head_len + hdr + slen, p + at.len, tail);
	return (int)(head_len + hdr + slen + tail);
}
