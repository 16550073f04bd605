/* fuzz_rtmp_chunk.c: the RTMP chunk reader on arbitrary bytes, fed whole and in pieces (both must
 * agree), with every message parsed as control/command and written back at another chunk size;
 * and read chunk by chunk as the RTMP relay does (media passed through, the rest assembled),
 * which must see the same messages. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"
#include "mp_error.h"
#include "rtmp_chunk.h"
#include "rtmp_command.h"
#include "rtmp_ctrl.h"

#define MAX_MSGS 64

static struct mp_amf0_node nodes[128];

/* Check that writing m and reading it back gives m (chunk size from the message itself). */
static void write_read_back(const struct mp_rtmp_msg *m)
{
	uint32_t cs = 1 + (m->len * 7 + m->timestamp) % 300;
	size_t need = mp_rtmp_chunk_write_len(m, cs), used;
	uint8_t *buf = malloc(need + 32);
	struct mp_rtmp_reader r;
	struct mp_rtmp_ctrl scs = { .type = MP_RTMP_MSG_SET_CHUNK_SIZE, .value = cs };
	struct mp_rtmp_msg back;
	int n = mp_rtmp_ctrl_write(&scs, 128, buf, 32), rc;

	if (!buf || n <= 0)
		abort();
	rc = mp_rtmp_chunk_write(m, cs, buf + n, need);
	if (rc != (int)need)
		abort();
	mp_rtmp_reader_init(&r, 0);
	if (mp_rtmp_reader_feed(&r, buf, need + (size_t)n, &used, &back) != MP_OK)
		abort();
	rc = mp_rtmp_reader_feed(&r, buf + used, need + (size_t)n - used, &used, &back);
	/* an Abort or SetChunkSize we re-wrote may legitimately change or break the reader */
	if (m->type > MP_RTMP_MSG_ABORT &&
	    (rc != MP_OK || back.len != m->len || back.type != m->type || back.timestamp != m->timestamp ||
	     back.stream_id != m->stream_id || back.csid != m->csid || memcmp(back.payload, m->payload, m->len)))
		abort();
	mp_rtmp_reader_free(&r);
	free(buf);
}

static int run(const uint8_t *data, size_t size, size_t step, uint32_t *lens, size_t *count, int check)
{
	struct mp_rtmp_reader r;
	size_t off = 0;
	int rc = MP_ERR_AGAIN;

	*count = 0;
	mp_rtmp_reader_init(&r, 1 << 20);
	while (off < size) {
		size_t piece = size - off < step ? size - off : step, used;
		const uint8_t *p = data + off;

		off += piece;
		for (;;) {
			struct mp_rtmp_msg m;
			struct mp_rtmp_ctrl c;
			struct mp_rtmp_cmd cmd;
			uint32_t seq;

			rc = mp_rtmp_reader_feed(&r, p, piece, &used, &m);
			p += used, piece -= used;
			if (rc != MP_OK)
				break;
			if (*count < MAX_MSGS)
				lens[*count] = m.len;
			(*count)++;
			mp_rtmp_ctrl_parse(&m, &c);
			mp_rtmp_cmd_parse(&cmd, nodes, 128, m.type, m.payload, m.len);
			mp_rtmp_reader_ack_due(&r, &seq);
			if (check && *count < 16)
				write_read_back(&m);
		}
		if (rc != MP_ERR_AGAIN)
			break;
	}
	mp_rtmp_reader_free(&r);
	return rc;
}

/* The relay's chunk-by-chunk reading (control/rtmp/rtmp_io.c): media messages on chunk streams
 * >= 4 pass (payload skipped), others are fed to the reader. Message lengths in completion order. */
static int run_chunked(const uint8_t *data, size_t size, size_t step, uint32_t *lens, size_t *count)
{
	struct mp_rtmp_reader r;
	size_t off = 0;
	int rc = MP_ERR_AGAIN;

	*count = 0;
	mp_rtmp_reader_init(&r, 1 << 20);
	while (off < size && (rc == MP_ERR_AGAIN || rc >= 0)) {
		size_t piece = size - off < step ? size - off : step, used;
		const uint8_t *p = data + off;

		off += piece;
		while (piece || (!mp_rtmp_reader_wants_header(&r) && !mp_rtmp_reader_passing(&r) &&
				 mp_rtmp_reader_chunk_left(&r) == 0)) {
			uint32_t len = 0;
			int done = 0;

			if (mp_rtmp_reader_wants_header(&r)) {
				struct mp_rtmp_chunk c;
				uint8_t hdr[MP_RTMP_CHUNK_HDR_MAX];

				rc = mp_rtmp_reader_header(&r, p, piece, &used, &c);
				p += used, piece -= used;
				if (rc != MP_OK)
					break;
				if (c.offset == 0 && c.csid >= 4 && (c.type == MP_RTMP_MSG_AUDIO || c.type == MP_RTMP_MSG_VIDEO))
					mp_rtmp_reader_pass_message(&r, &c);
				if (c.pass && mp_rtmp_chunk_header_write(&c, c.stream_id, hdr, sizeof(hdr)) <= 0)
					abort();
				if (c.pass && c.n == 0) {
					done = mp_rtmp_reader_pass(&r, 0) == 2;
					len = c.len;
				}
			} else if (mp_rtmp_reader_passing(&r)) {
				uint32_t k = mp_rtmp_reader_chunk_left(&r);
				int pr;

				if (k > piece)
					k = (uint32_t)piece;
				p += k, piece -= k;
				pr = mp_rtmp_reader_pass(&r, k);
				if (pr < 0)
					abort();
				done = pr == 2;
				len = r.cur->len;
			} else {
				size_t k = mp_rtmp_reader_chunk_left(&r) < piece ? mp_rtmp_reader_chunk_left(&r) : piece;
				struct mp_rtmp_msg m;

				rc = mp_rtmp_reader_feed(&r, k ? p : NULL, k, &used, &m);
				p += used, piece -= used;
				if (rc != MP_OK && rc != MP_ERR_AGAIN)
					break;
				done = rc == MP_OK;
				len = m.len;
				rc = MP_ERR_AGAIN;
			}
			if (done) {
				if (*count < MAX_MSGS)
					lens[*count] = len;
				(*count)++;
			}
		}
		if (rc != MP_ERR_AGAIN && rc != MP_OK)
			break;
		rc = MP_ERR_AGAIN;
	}
	mp_rtmp_reader_free(&r);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t a[MAX_MSGS], b[MAX_MSGS];
	size_t na, nb;
	int ra = run(data, size, size ? size : 1, a, &na, 1);
	int rb = run(data, size, 1 + (size ? data[0] % 17 : 0), b, &nb, 0);

	/* any split of the input must give the same messages and the same outcome */
	if (ra != rb || na != nb || memcmp(a, b, (na < MAX_MSGS ? na : MAX_MSGS) * sizeof(a[0])))
		abort();
	/* chunk by chunk: the same messages complete, in the same order, with the same outcome */
	rb = run_chunked(data, size, 1 + (size ? data[size - 1] % 23 : 0), b, &nb);
	if (ra != rb || na != nb || memcmp(a, b, (na < MAX_MSGS ? na : MAX_MSGS) * sizeof(a[0])))
		abort();
	return 0;
}
