/* rtmp_chunk.c: RTMP chunk stream reader and writer (RTMP spec 1.0 section 5.3). */
#include "rtmp_chunk.h"

#include <stdlib.h>
#include <string.h>

#include "byteorder.h"
#include "mp_error.h"

#define BUF_KEEP (1u << 20) /* message buffers larger than this are freed after use */

static const uint8_t empty_payload[1];

void mp_rtmp_reader_init(struct mp_rtmp_reader *r, uint32_t max_msg)
{
	memset(r, 0, sizeof(*r));
	r->chunk_size = MP_RTMP_DEFAULT_CHUNK_SIZE;
	r->max_msg = max_msg ? max_msg : MP_RTMP_DEFAULT_MAX_MSG;
}

void mp_rtmp_reader_free(struct mp_rtmp_reader *r)
{
	for (unsigned i = 0; i < r->ncs; i++)
		free(r->cs[i].buf);
	memset(r, 0, sizeof(*r));
}

static struct mp_rtmp_chunk_stream *find_cs(struct mp_rtmp_reader *r, uint32_t csid)
{
	for (unsigned i = 0; i < r->ncs; i++)
		if (r->cs[i].csid == csid)
			return &r->cs[i];
	return NULL;
}

/* Drop the partial message of a chunk stream (Abort, spec 1.0 section 5.4.2). */
static void drop_partial(struct mp_rtmp_reader *r, struct mp_rtmp_chunk_stream *cs)
{
	if (!cs->pass) /* passed-through bytes were never held here */
		r->pending -= cs->got;
	else
		r->passing--;
	cs->got = 0;
	cs->pass = 0;
}

/* Basic header length from its first byte (spec 1.0 section 5.3.1.1). */
static unsigned basic_len(uint8_t b0)
{
	return (b0 & 0x3f) == 0 ? 2 : (b0 & 0x3f) == 1 ? 3 : 1;
}

static uint32_t basic_csid(const uint8_t *h)
{
	switch (h[0] & 0x3f) {
	case 0: return 64u + h[1];
	case 1: return 64u + h[1] + 256u * h[2];
	default: return h[0] & 0x3fu;
	}
}

/* Header bytes needed given what is in r->hdr so far; 0 on error (*err set). The chunk message
 * header is 11/7/3/0 bytes for fmt 0/1/2/3 (spec 1.0 section 5.3.1.2); an extended timestamp
 * follows when the timestamp field is 0xFFFFFF, and in fmt 3 chunks when the last fmt 0/1/2
 * header of that chunk stream had one (section 5.3.1.3). */
static unsigned header_need(struct mp_rtmp_reader *r, int *err)
{
	static const unsigned mh[4] = { 11, 7, 3, 0 };
	unsigned b, fmt, n;

	if (r->hdr_len < 1)
		return 1;
	b = basic_len(r->hdr[0]);
	if (r->hdr_len < b)
		return b;
	fmt = r->hdr[0] >> 6;
	n = b + mh[fmt];
	if (r->hdr_len < n)
		return n;
	if (fmt < 3)
		return mp_rd24(r->hdr + b) == MP_RTMP_EXT_TS ? n + 4 : n;
	struct mp_rtmp_chunk_stream *cs = find_cs(r, basic_csid(r->hdr));

	if (!cs) {
		*err = MP_ERR_PROTO; /* fmt 3 with no prior fmt 0 on this chunk stream */
		return 0;
	}
	return cs->ext ? n + 4 : n;
}

/* Apply a complete chunk header to its chunk stream state. */
static int process_header(struct mp_rtmp_reader *r)
{
	const uint8_t *h = r->hdr;
	unsigned b = basic_len(h[0]), fmt = h[0] >> 6;
	uint32_t csid = basic_csid(h), ts = 0;
	struct mp_rtmp_chunk_stream *cs = find_cs(r, csid);
	int ext = 0;

	if (!cs) {
		/* The first chunk of a chunk stream must be fmt 0 (spec 1.0 section 5.3.1.2.1). */
		if (fmt != 0)
			return MP_ERR_PROTO;
		if (r->ncs == MP_RTMP_MAX_CHUNK_STREAMS)
			return MP_ERR_FULL;
		cs = &r->cs[r->ncs++];
		memset(cs, 0, sizeof(*cs));
		cs->csid = csid;
	}
	if (fmt < 3) {
		/* A new message header while a message is half read is a protocol violation. */
		if (cs->got)
			return MP_ERR_PROTO;
		ts = mp_rd24(h + b);
		ext = ts == MP_RTMP_EXT_TS;
		if (ext)
			ts = mp_rd32(h + r->hdr_len - 4);
		cs->ext = (uint8_t)ext;
	}
	switch (fmt) {
	case 0: /* absolute timestamp; a following fmt 3 reuses it as delta (section 5.3.1.2.4) */
		cs->timestamp = cs->delta = ts;
		cs->len = mp_rd24(h + b + 3);
		cs->type = h[b + 6];
		cs->stream_id = (uint32_t)h[b + 7] | (uint32_t)h[b + 8] << 8 | (uint32_t)h[b + 9] << 16 |
				(uint32_t)h[b + 10] << 24; /* little endian, section 5.3.1.2.1 */
		break;
	case 1:
		cs->len = mp_rd24(h + b + 3);
		cs->type = h[b + 6];
		/* fall through */
	case 2:
		cs->delta = ts;
		cs->timestamp += ts;
		break;
	default:
		if (cs->got == 0) { /* fmt 3 starting a new message: same delta as before */
			if (cs->ext)
				cs->delta = mp_rd32(h + r->hdr_len - 4);
			cs->timestamp += cs->delta;
		}
		break;
	}
	if (cs->len > r->max_msg)
		return MP_ERR_TOOLONG;
	r->cur = cs;
	r->chunk_left = cs->len - cs->got < r->chunk_size ? cs->len - cs->got : r->chunk_size;
	r->in_payload = 1;
	return MP_OK;
}

/* Append payload bytes to the current message, growing its buffer as the bytes arrive (never
 * ahead of them, so a declared length alone allocates nothing). */
static int append(struct mp_rtmp_reader *r, const uint8_t *p, uint32_t n)
{
	struct mp_rtmp_chunk_stream *cs = r->cur;
	uint32_t need = cs->got + n;

	if (r->pending + n > 2 * (size_t)r->max_msg)
		return MP_ERR_TOOLONG;
	if (need > cs->cap) {
		uint32_t cap = cs->cap ? cs->cap : 256;
		uint8_t *nb;

		while (cap < need)
			cap = cap > cs->len / 2 ? cs->len : cap * 2;
		nb = realloc(cs->buf, cap);
		if (!nb)
			return MP_ERR_NOMEM;
		cs->buf = nb, cs->cap = cap;
	}
	memcpy(cs->buf + cs->got, p, n);
	cs->got += n;
	r->pending += n;
	return MP_OK;
}

/* Protocol control messages that change how this side reads (spec 1.0 section 5.4). */
static int apply_control(struct mp_rtmp_reader *r, const struct mp_rtmp_chunk_stream *cs)
{
	struct mp_rtmp_chunk_stream *other;
	uint32_t v;

	if (cs->type != MP_RTMP_MSG_SET_CHUNK_SIZE && cs->type != MP_RTMP_MSG_ABORT &&
	    cs->type != MP_RTMP_MSG_WINDOW_ACK_SIZE)
		return MP_OK;
	if (cs->len < 4)
		return MP_ERR_PROTO;
	v = mp_rd32(cs->buf);
	switch (cs->type) {
	case MP_RTMP_MSG_SET_CHUNK_SIZE: /* 5.4.1: 31 bits, the first bit MUST be zero, at least 1 */
		if (v == 0 || v > MP_RTMP_MAX_CHUNK_SIZE)
			return MP_ERR_PROTO;
		r->chunk_size = v;
		break;
	case MP_RTMP_MSG_ABORT:
		other = find_cs(r, v);
		if (other && other != cs)
			drop_partial(r, other);
		break;
	default:
		r->ack_window = v;
		break;
	}
	return MP_OK;
}

/* Release the message handed out by the previous feed. */
static void release_delivered(struct mp_rtmp_reader *r)
{
	struct mp_rtmp_chunk_stream *cs = r->delivered;

	if (!cs)
		return;
	r->pending -= cs->got;
	cs->got = 0;
	if (cs->cap > BUF_KEEP) {
		free(cs->buf);
		cs->buf = NULL, cs->cap = 0;
	}
	r->delivered = NULL;
}

static int deliver(struct mp_rtmp_reader *r, struct mp_rtmp_msg *msg)
{
	struct mp_rtmp_chunk_stream *cs = r->cur;

	msg->csid = cs->csid;
	msg->timestamp = cs->timestamp;
	msg->stream_id = cs->stream_id;
	msg->type = cs->type;
	msg->len = cs->len;
	msg->payload = cs->len ? cs->buf : empty_payload;
	r->delivered = cs;
	return apply_control(r, cs);
}

int mp_rtmp_reader_feed(struct mp_rtmp_reader *r, const uint8_t *buf, size_t len, size_t *used,
			struct mp_rtmp_msg *msg)
{
	size_t p = 0;
	int rc = MP_OK;

	*used = 0;
	if (r->error)
		return r->error;
	if (!buf && len)
		return MP_ERR_INVAL;
	release_delivered(r);
	for (;;) {
		if (!r->in_payload) {
			unsigned need = header_need(r, &rc);

			while (need > r->hdr_len && p < len) {
				r->hdr[r->hdr_len++] = buf[p++];
				need = header_need(r, &rc);
			}
			if (rc)
				break;
			if (need > r->hdr_len) /* input ended inside a header */
				break;
			rc = process_header(r);
			if (rc)
				break;
		} else {
			uint32_t n = r->chunk_left;

			if (n > len - p)
				n = (uint32_t)(len - p);
			if (n) {
				rc = append(r, buf + p, n);
				if (rc)
					break;
			}
			p += n;
			r->chunk_left -= n;
			if (r->chunk_left)
				break; /* input ended inside a chunk */
		}
		if (r->in_payload && r->chunk_left == 0) {
			r->in_payload = 0;
			r->hdr_len = 0;
			if (r->cur->got == r->cur->len) {
				rc = deliver(r, msg);
				r->received += p;
				*used = p;
				if (rc)
					r->error = rc;
				return rc;
			}
		}
		if (p == len && !r->in_payload && r->hdr_len == 0)
			break;
	}
	r->received += p;
	*used = p;
	if (rc) {
		r->error = rc;
		return rc;
	}
	return MP_ERR_AGAIN;
}

int mp_rtmp_reader_wants_header(const struct mp_rtmp_reader *r)
{
	return !r->in_payload;
}

unsigned mp_rtmp_reader_passing_messages(const struct mp_rtmp_reader *r)
{
	return r->passing;
}

uint32_t mp_rtmp_reader_chunk_left(const struct mp_rtmp_reader *r)
{
	return r->in_payload ? r->chunk_left : 0;
}

int mp_rtmp_reader_header(struct mp_rtmp_reader *r, const uint8_t *buf, size_t len, size_t *used,
			  struct mp_rtmp_chunk *c)
{
	size_t p = 0;
	int rc = MP_OK;
	unsigned need;

	*used = 0;
	if (r->error)
		return r->error;
	if (r->in_payload || (!buf && len))
		return MP_ERR_STATE;
	release_delivered(r);
	need = header_need(r, &rc);
	while (!rc && need > r->hdr_len && p < len) {
		r->hdr[r->hdr_len++] = buf[p++];
		need = header_need(r, &rc);
	}
	r->received += p;
	*used = p;
	if (!rc && need > r->hdr_len)
		return MP_ERR_AGAIN;
	if (!rc)
		rc = process_header(r);
	if (rc) {
		r->error = rc;
		return rc;
	}
	c->csid = r->cur->csid;
	c->timestamp = r->cur->timestamp;
	c->stream_id = r->cur->stream_id;
	c->len = r->cur->len;
	c->type = r->cur->type;
	c->pass = r->cur->pass;
	c->offset = r->cur->got;
	c->n = r->chunk_left;
	return MP_OK;
}

int mp_rtmp_reader_passing(const struct mp_rtmp_reader *r)
{
	return r->in_payload && r->cur && r->cur->pass;
}

void mp_rtmp_reader_pass_message(struct mp_rtmp_reader *r, struct mp_rtmp_chunk *c)
{
	if (r->in_payload && r->cur && r->cur->got == 0) {
		r->cur->pass = 1;
		r->passing++;
		c->pass = 1;
	}
}

int mp_rtmp_reader_pass(struct mp_rtmp_reader *r, uint32_t n)
{
	struct mp_rtmp_chunk_stream *cs = r->cur;

	if (!r->in_payload || !cs || !cs->pass || n > r->chunk_left)
		return MP_ERR_STATE;
	r->chunk_left -= n;
	cs->got += n;
	r->received += n;
	if (r->chunk_left)
		return 0;
	r->in_payload = 0;
	r->hdr_len = 0;
	if (cs->got < cs->len)
		return 1;
	cs->got = 0;
	cs->pass = 0;
	r->passing--;
	return 2;
}

int mp_rtmp_reader_ack_due(const struct mp_rtmp_reader *r, uint32_t *seq)
{
	if (!r->ack_window || r->received - r->acked < r->ack_window)
		return 0;
	*seq = (uint32_t)r->received;
	return 1;
}

void mp_rtmp_reader_ack_sent(struct mp_rtmp_reader *r)
{
	r->acked = r->received;
}

/* Basic header (spec 1.0 section 5.3.1.1): the shortest form that holds csid. */
static size_t put_basic(uint8_t *o, unsigned fmt, uint32_t csid)
{
	if (csid < 64) {
		o[0] = (uint8_t)(fmt << 6 | csid);
		return 1;
	}
	if (csid < 320) {
		o[0] = (uint8_t)(fmt << 6);
		o[1] = (uint8_t)(csid - 64);
		return 2;
	}
	o[0] = (uint8_t)(fmt << 6 | 1);
	o[1] = (uint8_t)((csid - 64) & 0xff);
	o[2] = (uint8_t)((csid - 64) >> 8);
	return 3;
}

static size_t basic_size(uint32_t csid)
{
	return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

size_t mp_rtmp_chunk_write_len(const struct mp_rtmp_msg *m, uint32_t chunk_size)
{
	size_t chunks, ext = m->timestamp >= MP_RTMP_EXT_TS ? 4 : 0;

	if (!chunk_size)
		return 0;
	chunks = m->len ? (m->len + (size_t)chunk_size - 1) / chunk_size : 1;
	return m->len + 11 + chunks * (basic_size(m->csid) + ext);
}

int mp_rtmp_chunk_write(const struct mp_rtmp_msg *m, uint32_t chunk_size, uint8_t *out, size_t cap)
{
	int ext;
	size_t o = 0, need;
	uint32_t done = 0, ts;

	if (!m || !out || m->csid < MP_RTMP_CSID_MIN || m->csid > MP_RTMP_CSID_MAX || !chunk_size ||
	    chunk_size > MP_RTMP_MAX_CHUNK_SIZE || m->len > 0xFFFFFFu || (!m->payload && m->len))
		return MP_ERR_INVAL;
	need = mp_rtmp_chunk_write_len(m, chunk_size);
	if (need > cap)
		return MP_ERR_NOSPACE;
	if (need > 0x7FFFFFFF)
		return MP_ERR_TOOLONG;
	ext = m->timestamp >= MP_RTMP_EXT_TS;
	ts = ext ? MP_RTMP_EXT_TS : m->timestamp;
	/* fmt 0 message header (spec 1.0 section 5.3.1.2.1) */
	o += put_basic(out, 0, m->csid);
	mp_wr24(out + o, ts);
	mp_wr24(out + o + 3, m->len);
	o += 6;
	out[o++] = m->type;
	for (int i = 0; i < 4; i++)
		out[o++] = (uint8_t)(m->stream_id >> (8 * i)); /* little endian */
	for (;;) {
		uint32_t n = m->len - done < chunk_size ? m->len - done : chunk_size;

		if (ext) { /* section 5.3.1.3: in every chunk of the message, fmt 3 included */
			mp_wr32(out + o, m->timestamp);
			o += 4;
		}
		if (n)
			memcpy(out + o, m->payload + done, n);
		o += n;
		done += n;
		if (done >= m->len)
			break;
		o += put_basic(out + o, 3, m->csid); /* fmt 3 continuation (section 5.3.1.2.4) */
	}
	return (int)o;
}

int mp_rtmp_chunk_header_write(const struct mp_rtmp_chunk *c, uint32_t stream_id, uint8_t *out, size_t cap)
{
	int ext = c->timestamp >= MP_RTMP_EXT_TS;
	size_t o;

	if (!out || c->csid < MP_RTMP_CSID_MIN || c->csid > MP_RTMP_CSID_MAX || c->len > 0xFFFFFFu ||
	    cap < MP_RTMP_CHUNK_HDR_MAX)
		return MP_ERR_INVAL;
	if (c->offset) {
		o = put_basic(out, 3, c->csid);
	} else {
		o = put_basic(out, 0, c->csid);
		mp_wr24(out + o, ext ? MP_RTMP_EXT_TS : c->timestamp);
		mp_wr24(out + o + 3, c->len);
		out[o + 6] = c->type;
		for (int i = 0; i < 4; i++)
			out[o + 7 + i] = (uint8_t)(stream_id >> (8 * i)); /* little endian */
		o += 11;
	}
	if (ext) {
		mp_wr32(out + o, c->timestamp);
		o += 4;
	}
	return (int)o;
}
