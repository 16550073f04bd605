/* fuzz_rtmp_chunk.c: the RTMP chunk reader on arbitrary bytes, fed whole and in pieces (both must
 * agree), with every message parsed as control/command and written back at another chunk size. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t a[MAX_MSGS], b[MAX_MSGS];
	size_t na, nb;
	int ra = run(data, size, size ? size : 1, a, &na, 1);
	int rb = run(data, size, 1 + (size ? data[0] % 17 : 0), b, &nb, 0);

	/* any split of the input must give the same messages and the same outcome */
	if (ra != rb || na != nb || memcmp(a, b, (na < MAX_MSGS ? na : MAX_MSGS) * sizeof(a[0])))
		abort();
	return 0;
}
