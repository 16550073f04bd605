/* test_rtmp_chunk.c: RTMP chunk reader/writer and control messages, on the ffmpeg capture and on
 * crafted edge cases (RTMP spec 1.0 sections 5.3 and 5.4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "mp_error.h"
#include "rtmp_capture.h"
#include "rtmp_chunk.h"
#include "rtmp_ctrl.h"
#include "rtmp_handshake.h"

#define MAXMSG 256

struct copied {
	struct mp_rtmp_msg m;
	uint8_t *data;
};

struct msgs {
	size_t n;
	struct copied v[MAXMSG];
};

static void msgs_free(struct msgs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].data);
	s->n = 0;
}

/* Feed buf to r in pieces of step bytes; copy out every message. Returns the last status. */
static int read_all(struct mp_rtmp_reader *r, const uint8_t *buf, size_t len, size_t step, struct msgs *out)
{
	size_t off = 0;
	int rc = MP_ERR_AGAIN;

	while (off < len) {
		size_t piece = len - off < step ? len - off : step, used;
		const uint8_t *p = buf + off;

		off += piece;
		for (;;) {
			struct mp_rtmp_msg m;

			rc = mp_rtmp_reader_feed(r, p, piece, &used, &m);
			assert_true(used <= piece);
			p += used, piece -= used;
			if (rc == MP_ERR_AGAIN) {
				assert_int_equal(piece, 0);
				break;
			}
			if (rc != MP_OK)
				return rc;
			assert_true(out->n < MAXMSG);
			out->v[out->n].m = m;
			out->v[out->n].data = malloc(m.len + 1);
			memcpy(out->v[out->n].data, m.payload, m.len);
			out->n++;
		}
	}
	return rc;
}

static int contains(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return 1;
	return 0;
}

static void capture_client_stream(uint8_t **c2s, size_t *len)
{
	uint8_t *s2c;
	size_t s2c_len;

	rtmp_capture_streams(c2s, len, &s2c, &s2c_len);
	free(s2c);
	memmove(*c2s, *c2s + MP_RTMP_HS_C0C1_LEN + MP_RTMP_HS_SIZE, *len - MP_RTMP_HS_C0C1_LEN - MP_RTMP_HS_SIZE);
	*len -= MP_RTMP_HS_C0C1_LEN + MP_RTMP_HS_SIZE;
}

static void reader_yields_ffmpeg_publish_messages(void **state)
{
	static struct msgs s;
	struct mp_rtmp_reader r;
	uint8_t *c2s;
	size_t len, i = 0, media[32] = { 0 };

	(void)state;
	capture_client_stream(&c2s, &len);
	mp_rtmp_reader_init(&r, 0);
	assert_int_equal(read_all(&r, c2s, len, len, &s), MP_ERR_AGAIN);
	assert_int_equal(r.received, len);
	/* connect spans two chunks at the default 128 bytes (0xc3 continuation in the capture) */
	assert_int_equal(s.v[0].m.type, MP_RTMP_MSG_COMMAND_AMF0);
	assert_int_equal(s.v[0].m.csid, 3);
	assert_true(s.v[0].m.len > 128);
	assert_true(contains(s.v[0].data, s.v[0].m.len, "connect"));
	assert_true(contains(s.v[0].data, s.v[0].m.len, "rtmp://127.0.0.1:19350/live"));
	assert_int_equal(s.v[1].m.type, MP_RTMP_MSG_SET_CHUNK_SIZE);
	assert_int_equal(r.chunk_size, 4096); /* ffmpeg raises its chunk size to 4096 */
	{
		static const char *want[] = { "connect", "releaseStream", "FCPublish", "createStream",
					      "publish" };
		size_t k = 0;

		for (i = 0; i < s.n && k < 5; i++) {
			if (s.v[i].m.type != MP_RTMP_MSG_COMMAND_AMF0)
				continue;
			/* AMF0 string marker, 16-bit length, then the command name */
			assert_int_equal(s.v[i].data[0], 2);
			assert_int_equal(s.v[i].data[2], strlen(want[k]));
			assert_memory_equal(s.v[i].data + 3, want[k], strlen(want[k]));
			k++;
		}
		assert_int_equal(k, 5);
		i--;
	}
	assert_true(contains(s.v[i].data, s.v[i].m.len, "livestream"));
	assert_int_equal(s.v[i].m.stream_id, 1);
	for (; i < s.n; i++)
		media[s.v[i].m.type & 31]++;
	assert_true(media[MP_RTMP_MSG_AUDIO] > 0);
	assert_true(media[MP_RTMP_MSG_VIDEO] > 0);
	assert_int_equal(media[MP_RTMP_MSG_DATA_AMF0], 1); /* @setDataFrame onMetaData */
	msgs_free(&s);
	mp_rtmp_reader_free(&r);
	free(c2s);
}

static void any_split_of_the_input_gives_the_same_messages(void **state)
{
	static struct msgs whole, bytes;
	static const size_t steps[] = { 1, 2, 3, 7, 13, 128, 1000 };
	struct mp_rtmp_reader r;
	uint8_t *c2s;
	size_t len;

	(void)state;
	capture_client_stream(&c2s, &len);
	mp_rtmp_reader_init(&r, 0);
	read_all(&r, c2s, len, len, &whole);
	mp_rtmp_reader_free(&r);
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		mp_rtmp_reader_init(&r, 0);
		assert_int_equal(read_all(&r, c2s, len, steps[k], &bytes), MP_ERR_AGAIN);
		assert_int_equal(bytes.n, whole.n);
		for (size_t i = 0; i < whole.n; i++) {
			assert_int_equal(bytes.v[i].m.timestamp, whole.v[i].m.timestamp);
			assert_int_equal(bytes.v[i].m.len, whole.v[i].m.len);
			assert_memory_equal(bytes.v[i].data, whole.v[i].data, whole.v[i].m.len);
		}
		msgs_free(&bytes);
		mp_rtmp_reader_free(&r);
	}
	msgs_free(&whole);
	free(c2s);
}

static void truncation_at_every_byte_is_again_never_an_error(void **state)
{
	static struct msgs s;
	struct mp_rtmp_reader r;
	uint8_t *c2s;
	size_t len;

	(void)state;
	capture_client_stream(&c2s, &len);
	for (size_t cut = 0; cut <= len; cut++) {
		mp_rtmp_reader_init(&r, 0);
		assert_int_equal(read_all(&r, c2s, cut, cut ? cut : 1, &s), MP_ERR_AGAIN);
		msgs_free(&s);
		mp_rtmp_reader_free(&r);
	}
	free(c2s);
}

/* Write every message of the capture (and a big one with an extended timestamp) at a chunk size,
 * announce it with SetChunkSize, read it back and compare. */
static void round_trip_at(uint32_t chunk_size)
{
	static struct msgs orig, back;
	static uint8_t out[1 << 21];
	struct mp_rtmp_reader r;
	struct mp_rtmp_ctrl scs = { .type = MP_RTMP_MSG_SET_CHUNK_SIZE, .value = chunk_size };
	uint8_t *c2s, *big = malloc(200000);
	size_t len, o = 0;
	int n;

	capture_client_stream(&c2s, &len);
	mp_rtmp_reader_init(&r, 0);
	read_all(&r, c2s, len, len, &orig);
	mp_rtmp_reader_free(&r);
	for (size_t i = 0; i < 200000; i++)
		big[i] = (uint8_t)(i * 31);
	orig.v[orig.n].m = (struct mp_rtmp_msg){ .csid = 6, .timestamp = 0x12345678, .stream_id = 1,
						 .type = MP_RTMP_MSG_VIDEO, .len = 200000 };
	orig.v[orig.n++].data = big;
	n = mp_rtmp_ctrl_write(&scs, MP_RTMP_DEFAULT_CHUNK_SIZE, out, sizeof(out));
	assert_true(n > 0);
	o = (size_t)n;
	for (size_t i = 0; i < orig.n; i++) {
		if (orig.v[i].m.type == MP_RTMP_MSG_SET_CHUNK_SIZE)
			continue;
		orig.v[i].m.payload = orig.v[i].data;
		n = mp_rtmp_chunk_write(&orig.v[i].m, chunk_size, out + o, sizeof(out) - o);
		assert_int_equal(n, mp_rtmp_chunk_write_len(&orig.v[i].m, chunk_size));
		o += (size_t)n;
	}
	mp_rtmp_reader_init(&r, 0);
	assert_int_equal(read_all(&r, out, o, 1000, &back), MP_ERR_AGAIN);
	assert_int_equal(r.chunk_size, chunk_size);
	for (size_t i = 0, j = 1; i < orig.n; i++) {
		if (orig.v[i].m.type == MP_RTMP_MSG_SET_CHUNK_SIZE)
			continue;
		assert_true(j < back.n);
		assert_int_equal(back.v[j].m.csid, orig.v[i].m.csid);
		assert_int_equal(back.v[j].m.type, orig.v[i].m.type);
		assert_int_equal(back.v[j].m.timestamp, orig.v[i].m.timestamp);
		assert_int_equal(back.v[j].m.stream_id, orig.v[i].m.stream_id);
		assert_int_equal(back.v[j].m.len, orig.v[i].m.len);
		assert_memory_equal(back.v[j].data, orig.v[i].data, orig.v[i].m.len);
		j++;
	}
	msgs_free(&orig);
	msgs_free(&back);
	mp_rtmp_reader_free(&r);
	free(c2s);
}

static void round_trip_with_chunk_sizes_128_4096_60000(void **state)
{
	(void)state;
	round_trip_at(128);
	round_trip_at(4096);
	round_trip_at(60000);
	round_trip_at(1);
}

static void extended_timestamp_is_in_every_chunk(void **state)
{
	uint8_t pay[300], out[400];
	struct mp_rtmp_msg m = { .csid = 4, .timestamp = 0x01000000, .type = 8, .len = 300, .payload = pay };
	struct mp_rtmp_reader r;
	struct msgs s = { 0 };
	int n;

	(void)state;
	memset(pay, 0xab, sizeof(pay));
	n = mp_rtmp_chunk_write(&m, 128, out, sizeof(out));
	/* fmt 0: 1 + 11 + 4; two fmt 3 continuations: 1 + 4 each */
	assert_int_equal(n, 300 + 16 + 2 * 5);
	assert_memory_equal(out + 1, "\xff\xff\xff", 3);
	assert_memory_equal(out + 12, "\x01\x00\x00\x00", 4);
	assert_int_equal(out[16 + 128], 0xc4);
	assert_memory_equal(out + 16 + 129, "\x01\x00\x00\x00", 4);
	mp_rtmp_reader_init(&r, 0);
	assert_int_equal(read_all(&r, out, (size_t)n, 1, &s), MP_ERR_AGAIN);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].m.timestamp, 0x01000000);
	msgs_free(&s);
	mp_rtmp_reader_free(&r);
}

/* Spec 1.0 section 5.3.2.1 example: fmt 0 ts 1000, fmt 2 delta 20, fmt 3 new messages +20 each;
 * and a fmt 3 new message after an extended fmt 0 carries the extended delta. */
static void fmt3_new_message_reuses_the_delta(void **state)
{
	static const uint8_t in[] = {
		0x03, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x01, 0x08, 0x01, 0x00, 0x00, 0x00, 0xaa, /* ts 1000 */
		0x83, 0x00, 0x00, 0x14, 0xbb,                                               /* +20 */
		0xc3, 0xcc,                                                                 /* +20 */
		0x05, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x09, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x11,                                               /* ext */
		0xc5, 0x01, 0x00, 0x00, 0x00, 0x22,                                         /* fmt 3 */
	};
	struct mp_rtmp_reader r;
	struct msgs s = { 0 };

	(void)state;
	mp_rtmp_reader_init(&r, 0);
	assert_int_equal(read_all(&r, in, sizeof(in), sizeof(in), &s), MP_ERR_AGAIN);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.v[0].m.timestamp, 1000);
	assert_int_equal(s.v[1].m.timestamp, 1020);
	assert_int_equal(s.v[2].m.timestamp, 1040);
	assert_int_equal(s.v[2].data[0], 0xcc);
	assert_int_equal(s.v[3].m.timestamp, 0x01000000);
	assert_int_equal(s.v[4].m.timestamp, 0x02000000);
	assert_int_equal(s.v[4].data[0], 0x22);
	msgs_free(&s);
	mp_rtmp_reader_free(&r);
}

static void large_chunk_stream_ids_round_trip(void **state)
{
	static const uint32_t ids[] = { 2, 63, 64, 319, 320, 65599 };
	uint8_t out[64], pay[3] = { 1, 2, 3 };

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct mp_rtmp_msg m = { .csid = ids[i], .type = 9, .len = 3, .payload = pay };
		struct mp_rtmp_reader r;
		struct msgs s = { 0 };
		int n = mp_rtmp_chunk_write(&m, 128, out, sizeof(out));

		assert_int_equal(n, 3 + 11 + (ids[i] < 64 ? 1 : ids[i] < 320 ? 2 : 3));
		mp_rtmp_reader_init(&r, 0);
		assert_int_equal(read_all(&r, out, (size_t)n, 1, &s), MP_ERR_AGAIN);
		assert_int_equal(s.n, 1);
		assert_int_equal(s.v[0].m.csid, ids[i]);
		msgs_free(&s);
		mp_rtmp_reader_free(&r);
	}
	struct mp_rtmp_msg bad = { .csid = 1, .payload = pay };

	assert_int_equal(mp_rtmp_chunk_write(&bad, 128, out, sizeof(out)), MP_ERR_INVAL);
	bad.csid = 65600;
	assert_int_equal(mp_rtmp_chunk_write(&bad, 128, out, sizeof(out)), MP_ERR_INVAL);
	bad.csid = 3;
	assert_int_equal(mp_rtmp_chunk_write(&bad, 0, out, sizeof(out)), MP_ERR_INVAL);
	assert_int_equal(mp_rtmp_chunk_write(&bad, 128, out, 5), MP_ERR_NOSPACE);
}

static int feed_once(const uint8_t *in, size_t len, uint32_t max_msg)
{
	struct mp_rtmp_reader r;
	struct mp_rtmp_msg m;
	size_t used;
	int rc;

	mp_rtmp_reader_init(&r, max_msg);
	rc = mp_rtmp_reader_feed(&r, in, len, &used, &m);
	/* once broken, the reader stays broken */
	if (rc < 0 && rc != MP_ERR_AGAIN)
		assert_int_equal(mp_rtmp_reader_feed(&r, in, len, &used, &m), rc);
	mp_rtmp_reader_free(&r);
	return rc;
}

static void fmt123_without_prior_fmt0_is_an_error(void **state)
{
	static const uint8_t f1[] = { 0x43, 0, 0, 0, 0, 0, 1, 8, 0xaa };
	static const uint8_t f2[] = { 0x83, 0, 0, 0, 0xaa };
	static const uint8_t f3[] = { 0xc3, 0xaa };
	/* fmt 0 of 200 bytes, then a fmt 1 in the middle of it */
	uint8_t mid[12 + 128 + 9] = { 0x03, 0, 0, 0, 0, 0, 200, 8, 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(feed_once(f1, sizeof(f1), 0), MP_ERR_PROTO);
	assert_int_equal(feed_once(f2, sizeof(f2), 0), MP_ERR_PROTO);
	assert_int_equal(feed_once(f3, sizeof(f3), 0), MP_ERR_PROTO);
	memcpy(mid + 140, f1, sizeof(f1));
	assert_int_equal(feed_once(mid, sizeof(mid), 0), MP_ERR_PROTO);
}

static void oversize_message_and_bad_chunk_size_are_errors(void **state)
{
	static const uint8_t big[] = { 0x03, 0, 0, 0, 0x01, 0x00, 0x01, 9, 0, 0, 0, 0 };
	static const uint8_t scs0[] = { 0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t scs_top[] = { 0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0x80, 0, 0, 1 };

	(void)state;
	assert_int_equal(feed_once(big, sizeof(big), 0x10000), MP_ERR_TOOLONG);
	assert_int_equal(feed_once(big, sizeof(big), 0x10001), MP_ERR_AGAIN);
	assert_int_equal(feed_once(scs0, sizeof(scs0), 0), MP_ERR_PROTO);
	assert_int_equal(feed_once(scs_top, sizeof(scs_top), 0), MP_ERR_PROTO);
}

static void too_many_chunk_streams_is_an_error(void **state)
{
	uint8_t in[(MP_RTMP_MAX_CHUNK_STREAMS + 1) * 13];
	struct mp_rtmp_reader r;
	struct msgs s = { 0 };

	(void)state;
	for (int i = 0; i <= MP_RTMP_MAX_CHUNK_STREAMS; i++) {
		uint8_t h[13] = { (uint8_t)(3 + i), 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0x55 };

		memcpy(in + 13 * i, h, 13);
	}
	mp_rtmp_reader_init(&r, 0);
	assert_int_equal(read_all(&r, in, sizeof(in), sizeof(in), &s), MP_ERR_FULL);
	assert_int_equal(s.n, MP_RTMP_MAX_CHUNK_STREAMS);
	msgs_free(&s);
	mp_rtmp_reader_free(&r);
}

static void abort_drops_the_partial_message(void **state)
{
	uint8_t in[512], pay[200];
	struct mp_rtmp_msg m = { .csid = 5, .type = 9, .len = 200, .payload = pay, .stream_id = 1 };
	struct mp_rtmp_ctrl ab = { .type = MP_RTMP_MSG_ABORT, .value = 5 };
	struct mp_rtmp_reader r;
	struct msgs s = { 0 };
	size_t o;
	int n;

	(void)state;
	memset(pay, 0x77, sizeof(pay));
	n = mp_rtmp_chunk_write(&m, 128, in, sizeof(in));
	o = 12 + 128; /* only the first chunk */
	(void)n;
	o += (size_t)mp_rtmp_ctrl_write(&ab, 128, in + o, sizeof(in) - o);
	m.len = 10;
	pay[0] = 0x42;
	o += (size_t)mp_rtmp_chunk_write(&m, 128, in + o, sizeof(in) - o);
	mp_rtmp_reader_init(&r, 0);
	assert_int_equal(read_all(&r, in, o, 7, &s), MP_ERR_AGAIN);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0].m.type, MP_RTMP_MSG_ABORT);
	assert_int_equal(s.v[1].m.len, 10);
	assert_int_equal(s.v[1].data[0], 0x42);
	assert_int_equal(r.pending, 0);
	msgs_free(&s);
	mp_rtmp_reader_free(&r);
}

static void acknowledgement_is_due_after_the_window(void **state)
{
	struct mp_rtmp_ctrl was = { .type = MP_RTMP_MSG_WINDOW_ACK_SIZE, .value = 100 };
	uint8_t in[256] = { 0 }, pay[100] = { 0 };
	struct mp_rtmp_msg m = { .csid = 4, .type = 8, .len = 100, .payload = pay };
	struct mp_rtmp_reader r;
	struct msgs s = { 0 };
	uint32_t seq = 0;
	size_t o;

	(void)state;
	o = (size_t)mp_rtmp_ctrl_write(&was, 128, in, sizeof(in));
	mp_rtmp_reader_init(&r, 0);
	read_all(&r, in, o, o, &s);
	assert_int_equal(r.ack_window, 100);
	assert_int_equal(mp_rtmp_reader_ack_due(&r, &seq), 0);
	o = (size_t)mp_rtmp_chunk_write(&m, 128, in, sizeof(in));
	read_all(&r, in, o, o, &s);
	assert_int_equal(mp_rtmp_reader_ack_due(&r, &seq), 1);
	assert_int_equal(seq, 16 + 112);
	mp_rtmp_reader_ack_sent(&r);
	assert_int_equal(mp_rtmp_reader_ack_due(&r, &seq), 0);
	msgs_free(&s);
	mp_rtmp_reader_free(&r);
}

/* ---- chunk-by-chunk relay (a proxy whose two sides use the same chunk size) ---- */

struct outbuf {
	uint8_t *p;
	size_t len, cap;
};

static void out_put(struct outbuf *o, const uint8_t *p, size_t n)
{
	if (o->len + n > o->cap) {
		o->cap = (o->len + n) * 2 + 4096;
		o->p = realloc(o->p, o->cap);
		assert_non_null(o->p);
	}
	memcpy(o->p + o->len, p, n);
	o->len += n;
}

static int is_media(uint8_t type)
{
	return type == MP_RTMP_MSG_AUDIO || type == MP_RTMP_MSG_VIDEO || type == MP_RTMP_MSG_DATA_AMF0;
}

/* What control/rtmp/rtmp_io.c does, over a buffer: media messages on chunk streams >= 4 pass chunk
 * by chunk (our header + their payload), every other message is assembled and written whole at
 * the receiver's chunk size (a SetChunkSize too: the proxy announces the same size itself).
 * Input in pieces of step bytes. Returns the messages passed. */
static unsigned relay_by_chunk(const uint8_t *in, size_t len, size_t step, struct outbuf *out)
{
	struct mp_rtmp_reader r;
	uint32_t out_chunk = MP_RTMP_DEFAULT_CHUNK_SIZE;
	unsigned passed = 0;
	size_t off = 0;

	mp_rtmp_reader_init(&r, 0);
	while (off < len) {
		size_t piece = len - off < step ? len - off : step, used;
		const uint8_t *p = in + off;

		off += piece;
		while (piece || (!mp_rtmp_reader_wants_header(&r) && !mp_rtmp_reader_passing(&r) &&
				 mp_rtmp_reader_chunk_left(&r) == 0)) {
			if (mp_rtmp_reader_wants_header(&r)) {
				struct mp_rtmp_chunk c;
				uint8_t hdr[MP_RTMP_CHUNK_HDR_MAX];
				int rc = mp_rtmp_reader_header(&r, p, piece, &used, &c), n;

				p += used, piece -= used;
				if (rc == MP_ERR_AGAIN)
					break;
				assert_int_equal(rc, MP_OK);
				if (c.offset == 0 && c.csid >= 4 && is_media(c.type) && r.chunk_size == out_chunk)
					mp_rtmp_reader_pass_message(&r, &c);
				if (!c.pass)
					continue;
				assert_int_equal(r.chunk_size, out_chunk);
				n = mp_rtmp_chunk_header_write(&c, c.stream_id, hdr, sizeof(hdr));
				assert_true(n > 0);
				out_put(out, hdr, (size_t)n);
				if (c.n == 0)
					passed += mp_rtmp_reader_pass(&r, 0) == 2;
				continue;
			}
			if (mp_rtmp_reader_passing(&r)) {
				uint32_t k = mp_rtmp_reader_chunk_left(&r);
				int rc;

				if (k > piece)
					k = (uint32_t)piece;
				out_put(out, p, k);
				p += k, piece -= k;
				rc = mp_rtmp_reader_pass(&r, k);
				assert_true(rc >= 0);
				passed += rc == 2;
				continue;
			}
			{
				size_t k = mp_rtmp_reader_chunk_left(&r) < piece ? mp_rtmp_reader_chunk_left(&r) : piece;
				struct mp_rtmp_msg m;
				int rc = mp_rtmp_reader_feed(&r, k ? p : NULL, k, &used, &m);

				p += used, piece -= used;
				if (rc == MP_ERR_AGAIN)
					continue;
				assert_int_equal(rc, MP_OK);
				{
					size_t need = mp_rtmp_chunk_write_len(&m, out_chunk);
					uint8_t *w = malloc(need);

					assert_int_equal(mp_rtmp_chunk_write(&m, out_chunk, w, need), (int)need);
					out_put(out, w, need);
					free(w);
				}
				if (m.type == MP_RTMP_MSG_SET_CHUNK_SIZE)
					out_chunk = r.chunk_size;
			}
		}
	}
	mp_rtmp_reader_free(&r);
	return passed;
}

static void assert_same_messages(const struct msgs *a, const struct msgs *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->v[i].m.type, b->v[i].m.type);
		assert_int_equal(a->v[i].m.csid, b->v[i].m.csid);
		assert_int_equal(a->v[i].m.stream_id, b->v[i].m.stream_id);
		assert_int_equal(a->v[i].m.timestamp, b->v[i].m.timestamp);
		assert_int_equal(a->v[i].m.len, b->v[i].m.len);
		assert_memory_equal(a->v[i].data, b->v[i].data, a->v[i].m.len);
	}
}

static void check_relay_by_chunk(const uint8_t *in, size_t len, unsigned min_passed)
{
	static const size_t steps[] = { 1, 2, 5, 17, 128, 1000, 65536 };
	static struct msgs want, got;
	struct mp_rtmp_reader r;

	mp_rtmp_reader_init(&r, 0);
	read_all(&r, in, len, len, &want);
	mp_rtmp_reader_free(&r);
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		struct outbuf out = { 0 };
		unsigned passed = relay_by_chunk(in, len, steps[k], &out);

		assert_true(passed >= min_passed);
		mp_rtmp_reader_init(&r, 0);
		assert_int_equal(read_all(&r, out.p, out.len, steps[k], &got), MP_ERR_AGAIN);
		assert_same_messages(&want, &got);
		msgs_free(&got);
		mp_rtmp_reader_free(&r);
		free(out.p);
	}
	msgs_free(&want);
}

static void relay_by_chunk_gives_the_ffmpeg_publish_unchanged(void **state)
{
	uint8_t *c2s;
	size_t len;

	(void)state;
	capture_client_stream(&c2s, &len);
	check_relay_by_chunk(c2s, len, 1); /* ffmpeg's media after its SetChunkSize 4096 passes */
	free(c2s);
}

/* Two media messages interleaved chunk by chunk, an extended timestamp, an empty message, a
 * fmt 3 message start, a command in the middle: every message arrives whole, in order. */
static void relay_by_chunk_handles_interleaving_ext_timestamps_and_empty_messages(void **state)
{
	static uint8_t a[700], v[1000], in[8192];
	uint8_t cmd[] = { 0x02, 0x00, 0x04, 'p', 'i', 'n', 'g' };
	size_t o = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)(i * 3);
	for (size_t i = 0; i < sizeof(v); i++)
		v[i] = (uint8_t)(i * 5 + 1);
	/* csid 6 video 1000 bytes (fmt 0, ts 0x1000000 extended), csid 4 audio 700 bytes, chunk 128 */
	in[o++] = 0x06;
	in[o++] = 0xff, in[o++] = 0xff, in[o++] = 0xff;
	in[o++] = 0x00, in[o++] = 0x03, in[o++] = 0xe8;
	in[o++] = MP_RTMP_MSG_VIDEO;
	in[o++] = 1, in[o++] = 0, in[o++] = 0, in[o++] = 0;
	in[o++] = 0x01, in[o++] = 0x00, in[o++] = 0x00, in[o++] = 0x00;
	memcpy(in + o, v, 128), o += 128;
	in[o++] = 0x04; /* audio fmt 0 */
	in[o++] = 0, in[o++] = 0, in[o++] = 40;
	in[o++] = 0x00, in[o++] = 0x02, in[o++] = 0xbc;
	in[o++] = MP_RTMP_MSG_AUDIO;
	in[o++] = 1, in[o++] = 0, in[o++] = 0, in[o++] = 0;
	memcpy(in + o, a, 128), o += 128;
	/* a command on csid 3 between chunks */
	in[o++] = 0x03;
	in[o++] = 0, in[o++] = 0, in[o++] = 0;
	in[o++] = 0, in[o++] = 0, in[o++] = sizeof(cmd);
	in[o++] = MP_RTMP_MSG_COMMAND_AMF0;
	in[o++] = 0, in[o++] = 0, in[o++] = 0, in[o++] = 0;
	memcpy(in + o, cmd, sizeof(cmd)), o += sizeof(cmd);
	for (size_t done = 128; done < sizeof(v) || done < sizeof(a); done += 128) {
		if (done < sizeof(v)) {
			size_t n = sizeof(v) - done < 128 ? sizeof(v) - done : 128;

			in[o++] = 0xc6; /* fmt 3, csid 6, extended timestamp repeated */
			in[o++] = 0x01, in[o++] = 0x00, in[o++] = 0x00, in[o++] = 0x00;
			memcpy(in + o, v + done, n), o += n;
		}
		if (done < sizeof(a)) {
			size_t n = sizeof(a) - done < 128 ? sizeof(a) - done : 128;

			in[o++] = 0xc4;
			memcpy(in + o, a + done, n), o += n;
		}
	}
	/* an empty audio message (fmt 1, delta 20, len 0), then a fmt 3 start of a new 700-byte one */
	in[o++] = 0x44;
	in[o++] = 0, in[o++] = 0, in[o++] = 20;
	in[o++] = 0, in[o++] = 0, in[o++] = 0;
	in[o++] = MP_RTMP_MSG_AUDIO;
	in[o++] = 0x84; /* fmt 2: same length 0 ... */
	in[o++] = 0, in[o++] = 0, in[o++] = 20;
	in[o++] = 0x44; /* fmt 1 again with a length */
	in[o++] = 0, in[o++] = 0, in[o++] = 20;
	in[o++] = 0x00, in[o++] = 0x02, in[o++] = 0xbc;
	in[o++] = MP_RTMP_MSG_AUDIO;
	for (size_t done = 0; done < sizeof(a); done += 128) {
		size_t n = sizeof(a) - done < 128 ? sizeof(a) - done : 128;

		if (done)
			in[o++] = 0xc4;
		memcpy(in + o, a + done, n), o += n;
	}
	in[o++] = 0xc4; /* fmt 3 starting a new message: same length, delta 20 */
	for (size_t done = 0; done < sizeof(a); done += 128) {
		size_t n = sizeof(a) - done < 128 ? sizeof(a) - done : 128;

		if (done)
			in[o++] = 0xc4;
		memcpy(in + o, a + done, n), o += n;
	}
	assert_true(o < sizeof(in));
	check_relay_by_chunk(in, o, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reader_yields_ffmpeg_publish_messages),
		cmocka_unit_test(any_split_of_the_input_gives_the_same_messages),
		cmocka_unit_test(truncation_at_every_byte_is_again_never_an_error),
		cmocka_unit_test(round_trip_with_chunk_sizes_128_4096_60000),
		cmocka_unit_test(extended_timestamp_is_in_every_chunk),
		cmocka_unit_test(fmt3_new_message_reuses_the_delta),
		cmocka_unit_test(large_chunk_stream_ids_round_trip),
		cmocka_unit_test(fmt123_without_prior_fmt0_is_an_error),
		cmocka_unit_test(oversize_message_and_bad_chunk_size_are_errors),
		cmocka_unit_test(too_many_chunk_streams_is_an_error),
		cmocka_unit_test(abort_drops_the_partial_message),
		cmocka_unit_test(acknowledgement_is_due_after_the_window),
		cmocka_unit_test(relay_by_chunk_gives_the_ffmpeg_publish_unchanged),
		cmocka_unit_test(relay_by_chunk_handles_interleaving_ext_timestamps_and_empty_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
