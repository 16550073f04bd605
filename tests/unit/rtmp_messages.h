/* rtmp_messages.h: the whole messages of one direction of the RTMP capture, for command tests. */
#ifndef MP_TEST_RTMP_MESSAGES_H
#define MP_TEST_RTMP_MESSAGES_H

#include "rtmp_capture.h"
#include "rtmp_chunk.h"
#include "rtmp_handshake.h"
#include "mp_error.h"

struct rtmp_msgs {
	size_t n;
	struct mp_rtmp_msg m[256];
	uint8_t *data[256];
};

/* Read every message of the client->server (up = 1) or server->client stream after the handshake. */
static inline void rtmp_capture_messages(int up, struct rtmp_msgs *out)
{
	uint8_t *c2s, *s2c, *p;
	size_t c2s_len, s2c_len, len, skip, used;
	struct mp_rtmp_reader r;
	struct mp_rtmp_msg m;

	rtmp_capture_streams(&c2s, &c2s_len, &s2c, &s2c_len);
	p = up ? c2s : s2c;
	len = up ? c2s_len : s2c_len;
	skip = up ? MP_RTMP_HS_C0C1_LEN + MP_RTMP_HS_SIZE : MP_RTMP_HS_S0S1S2_LEN;
	p += skip, len -= skip;
	out->n = 0;
	mp_rtmp_reader_init(&r, 0);
	while (out->n < 256 && mp_rtmp_reader_feed(&r, p, len, &used, &m) == MP_OK) {
		p += used, len -= used;
		out->data[out->n] = malloc(m.len + 1);
		memcpy(out->data[out->n], m.payload, m.len);
		out->m[out->n] = m;
		out->m[out->n].payload = out->data[out->n];
		out->n++;
	}
	mp_rtmp_reader_free(&r);
	free(c2s);
	free(s2c);
}

static inline void rtmp_msgs_free(struct rtmp_msgs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->data[i]);
	s->n = 0;
}

#endif
