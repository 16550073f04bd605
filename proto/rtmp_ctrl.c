/* rtmp_ctrl.c: RTMP protocol control and User Control messages (spec 1.0 sections 5.4, 7.1.7). */
#include "rtmp_ctrl.h"

#include <string.h>

#include "byteorder.h"
#include "mp_error.h"

int mp_rtmp_ctrl_parse(const struct mp_rtmp_msg *m, struct mp_rtmp_ctrl *out)
{
	const uint8_t *p = m->payload;

	if (m->type < MP_RTMP_MSG_SET_CHUNK_SIZE || m->type > MP_RTMP_MSG_SET_PEER_BANDWIDTH)
		return MP_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	out->type = m->type;
	if (m->type == MP_RTMP_MSG_USER_CONTROL) {
		/* 7.1.7: event type (2 bytes) then event data; StreamBegin..PingResponse carry 4 bytes,
		 * SetBufferLength 8. Other events (e.g. SWF verification) are passed with what fits. */
		if (m->len < 2)
			return MP_ERR_TRUNCATED;
		out->event = mp_rd16(p);
		if (out->event <= MP_RTMP_UC_PING_RESPONSE && m->len < 6)
			return MP_ERR_TRUNCATED;
		if (out->event == MP_RTMP_UC_SET_BUFFER_LENGTH && m->len < 10)
			return MP_ERR_TRUNCATED;
		if (m->len >= 6)
			out->value = mp_rd32(p + 2);
		if (m->len >= 10)
			out->value2 = mp_rd32(p + 6);
		return MP_OK;
	}
	if (m->len < 4 || (m->type == MP_RTMP_MSG_SET_PEER_BANDWIDTH && m->len < 5))
		return MP_ERR_TRUNCATED;
	out->value = mp_rd32(p);
	if (m->type == MP_RTMP_MSG_SET_PEER_BANDWIDTH)
		out->limit_type = p[4];
	/* 5.4.1: the first bit MUST be zero; a chunk size of 0 would never finish a message */
	if (m->type == MP_RTMP_MSG_SET_CHUNK_SIZE && (out->value == 0 || out->value > MP_RTMP_MAX_CHUNK_SIZE))
		return MP_ERR_PROTO;
	return MP_OK;
}

int mp_rtmp_ctrl_payload(const struct mp_rtmp_ctrl *c, uint8_t *out, size_t cap)
{
	size_t n;

	switch (c->type) {
	case MP_RTMP_MSG_SET_CHUNK_SIZE:
		if (c->value == 0 || c->value > MP_RTMP_MAX_CHUNK_SIZE)
			return MP_ERR_INVAL;
		/* fall through */
	case MP_RTMP_MSG_ABORT:
	case MP_RTMP_MSG_ACK:
	case MP_RTMP_MSG_WINDOW_ACK_SIZE:
		n = 4;
		break;
	case MP_RTMP_MSG_SET_PEER_BANDWIDTH:
		n = 5;
		break;
	case MP_RTMP_MSG_USER_CONTROL:
		n = c->event == MP_RTMP_UC_SET_BUFFER_LENGTH ? 10 : 6;
		break;
	default:
		return MP_ERR_INVAL;
	}
	if (cap < n)
		return MP_ERR_NOSPACE;
	if (c->type == MP_RTMP_MSG_USER_CONTROL) {
		mp_wr16(out, c->event);
		mp_wr32(out + 2, c->value);
		if (n == 10)
			mp_wr32(out + 6, c->value2);
		return (int)n;
	}
	mp_wr32(out, c->value);
	if (n == 5)
		out[4] = c->limit_type;
	return (int)n;
}

int mp_rtmp_ctrl_write(const struct mp_rtmp_ctrl *c, uint32_t chunk_size, uint8_t *out, size_t cap)
{
	uint8_t body[10];
	struct mp_rtmp_msg m = { .csid = MP_RTMP_CSID_CONTROL, .type = c->type, .payload = body };
	int n = mp_rtmp_ctrl_payload(c, body, sizeof(body));

	if (n < 0)
		return n;
	m.len = (uint32_t)n;
	return mp_rtmp_chunk_write(&m, chunk_size, out, cap);
}
