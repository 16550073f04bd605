/* rtmp_command.c: RTMP commands (RTMP spec 1.0 section 7.2): parse requests and replies, build
 * the replies a proxy sends to clients and the requests it sends to origins. */
#include "rtmp_command.h"

#include <string.h>

#include "mp_error.h"
#include "rtmp_chunk.h"

static const struct {
	const char *name;
	int kind;
} kinds[] = {
	{ "connect", MP_RTMP_CMD_CONNECT },
	{ "createStream", MP_RTMP_CMD_CREATE_STREAM },
	{ "releaseStream", MP_RTMP_CMD_RELEASE_STREAM },
	{ "FCPublish", MP_RTMP_CMD_FC_PUBLISH },
	{ "publish", MP_RTMP_CMD_PUBLISH },
	{ "play", MP_RTMP_CMD_PLAY },
	{ "deleteStream", MP_RTMP_CMD_DELETE_STREAM },
	{ "FCUnpublish", MP_RTMP_CMD_FC_UNPUBLISH },
	{ "closeStream", MP_RTMP_CMD_CLOSE_STREAM },
	{ "getStreamLength", MP_RTMP_CMD_GET_STREAM_LENGTH },
	{ "_checkbw", MP_RTMP_CMD_CHECKBW },
	{ "_result", MP_RTMP_CMD_RESULT },
	{ "_error", MP_RTMP_CMD_ERROR },
	{ "onStatus", MP_RTMP_CMD_ON_STATUS },
	{ "onFCPublish", MP_RTMP_CMD_ON_FC_PUBLISH },
};

struct mp_rtmp_str mp_rtmp_cstr(const char *s)
{
	struct mp_rtmp_str r = { s, s ? strlen(s) : 0 };

	return r;
}

static int is_str(const struct mp_amf0_node *n)
{
	return n && (n->type == MP_AMF0_STRING || n->type == MP_AMF0_LONG_STRING);
}

static int is_obj(const struct mp_amf0_node *n)
{
	return n && (n->type == MP_AMF0_OBJECT || n->type == MP_AMF0_ECMA_ARRAY);
}

static void member(const struct mp_rtmp_cmd *c, const struct mp_amf0_node *obj, const char *key,
		   struct mp_rtmp_str *out)
{
	const struct mp_amf0_node *n = mp_amf0_get(&c->doc, obj, key);

	if (is_str(n)) {
		out->ptr = n->str;
		out->len = n->str_len;
	}
}

/* "livestream?token=abc" -> name "livestream", query "token=abc". */
static void split_stream(struct mp_rtmp_cmd *c, const struct mp_amf0_node *n)
{
	const char *q;

	c->stream.ptr = c->stream_name.ptr = n->str;
	c->stream.len = c->stream_name.len = n->str_len;
	q = n->str_len ? memchr(n->str, '?', n->str_len) : NULL;
	if (q) {
		c->stream_name.len = (size_t)(q - n->str);
		c->query.ptr = q + 1;
		c->query.len = n->str_len - c->stream_name.len - 1;
	}
}

static int parse_known(struct mp_rtmp_cmd *c)
{
	const struct mp_amf0_node *info, *n;

	switch (c->kind) {
	case MP_RTMP_CMD_CONNECT: /* 7.2.1.1: the command object holds the connection properties */
		if (!is_obj(c->obj))
			return MP_ERR_PROTO;
		member(c, c->obj, "app", &c->app);
		member(c, c->obj, "tcUrl", &c->tc_url);
		member(c, c->obj, "flashVer", &c->flash_ver);
		member(c, c->obj, "swfUrl", &c->swf_url);
		member(c, c->obj, "pageUrl", &c->page_url);
		member(c, c->obj, "type", &c->type);
		n = mp_amf0_get(&c->doc, c->obj, "objectEncoding");
		if (n && n->type == MP_AMF0_NUMBER)
			c->object_encoding = n->num;
		return MP_OK;
	case MP_RTMP_CMD_PUBLISH: /* 7.2.2.6: name, type */
	case MP_RTMP_CMD_PLAY:    /* 7.2.2.1: name, start, duration, reset */
		if (!is_str(c->arg))
			return MP_ERR_PROTO;
		split_stream(c, c->arg);
		n = mp_amf0_next(&c->doc, c->arg);
		if (c->kind == MP_RTMP_CMD_PUBLISH && is_str(n)) {
			c->publish_type.ptr = n->str;
			c->publish_type.len = n->str_len;
		}
		return MP_OK;
	case MP_RTMP_CMD_RELEASE_STREAM:
	case MP_RTMP_CMD_FC_PUBLISH:
	case MP_RTMP_CMD_FC_UNPUBLISH:
	case MP_RTMP_CMD_GET_STREAM_LENGTH:
		if (is_str(c->arg))
			split_stream(c, c->arg);
		return MP_OK;
	case MP_RTMP_CMD_DELETE_STREAM: /* 7.2.2.3: stream id */
		if (c->arg && c->arg->type == MP_AMF0_NUMBER)
			c->stream_id = c->arg->num;
		return MP_OK;
	case MP_RTMP_CMD_RESULT:
	case MP_RTMP_CMD_ERROR:
	case MP_RTMP_CMD_ON_STATUS:
	case MP_RTMP_CMD_ON_FC_PUBLISH:
		info = c->arg;
		if (!info && is_obj(c->obj)) /* tolerate an information object without the null */
			info = c->obj;
		if (info && info->type == MP_AMF0_NUMBER) /* 7.2.1.3: createStream's _result */
			c->stream_id = info->num;
		if (is_obj(info)) {
			member(c, info, "level", &c->level);
			member(c, info, "code", &c->code);
			member(c, info, "description", &c->description);
		}
		return MP_OK;
	default:
		return MP_OK;
	}
}

int mp_rtmp_cmd_parse(struct mp_rtmp_cmd *c, struct mp_amf0_node *nodes, uint16_t cap,
		      uint8_t msg_type, const uint8_t *payload, size_t len)
{
	const struct mp_amf0_node *n;
	int rc;

	if (!c || (!payload && len))
		return MP_ERR_INVAL;
	memset(c, 0, sizeof(*c));
	if (msg_type == MP_RTMP_MSG_COMMAND_AMF3 || msg_type == MP_RTMP_MSG_DATA_AMF3) {
		/* AMF3 command/data messages start with a format selector byte, then AMF0 values */
		if (len < 1)
			return MP_ERR_PROTO;
		payload++, len--;
	} else if (msg_type != MP_RTMP_MSG_COMMAND_AMF0 && msg_type != MP_RTMP_MSG_DATA_AMF0) {
		return MP_ERR_INVAL;
	}
	rc = mp_amf0_decode(&c->doc, nodes, cap, payload, len);
	if (rc)
		return rc;
	n = mp_amf0_top(&c->doc, 0);
	if (!is_str(n))
		return MP_ERR_PROTO;
	c->name.ptr = n->str;
	c->name.len = n->str_len;
	if (msg_type == MP_RTMP_MSG_DATA_AMF0 || msg_type == MP_RTMP_MSG_DATA_AMF3) {
		c->kind = MP_RTMP_CMD_DATA;
		c->arg = mp_amf0_top(&c->doc, 1);
		return MP_OK;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (mp_amf0_str_eq(n, kinds[i].name))
			c->kind = kinds[i].kind;
	n = mp_amf0_top(&c->doc, 1); /* spec 7.2: every command carries a transaction id */
	if (!n || n->type != MP_AMF0_NUMBER)
		return MP_ERR_PROTO;
	c->txn = n->num;
	c->obj = mp_amf0_top(&c->doc, 2);
	c->arg = mp_amf0_top(&c->doc, 3);
	return parse_known(c);
}
