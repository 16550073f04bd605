/* rtmp_command_build.c: AMF0 payloads of the RTMP commands a proxy sends (RTMP spec 1.0 section 7.2):
 * replies to clients and requests to origins. */
#include "amf0.h"
#include "mp_error.h"
#include "rtmp_command.h"

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
