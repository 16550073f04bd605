/* fuzz_amf0.c: AMF0 decoding of arbitrary bytes; what decodes must re-encode to bytes that decode
 * and re-encode identically; the same bytes as an RTMP command and data message. */
#include <stdlib.h>
#include <string.h>

#include "amf0.h"
#include "fuzz_target.h"
#include "mp_error.h"
#include "rtmp_command.h"

static struct mp_amf0_node nodes[256], nodes2[256];
static uint8_t out1[1 << 16], out2[1 << 16];

static int encode(const struct mp_amf0_doc *doc, uint8_t *out, size_t cap)
{
	struct mp_amf0_writer w;

	mp_amf0_writer_init(&w, out, cap);
	for (const struct mp_amf0_node *n = mp_amf0_top(doc, 0); n; n = mp_amf0_next(doc, n))
		mp_amf0_put_node(&w, doc, n);
	return mp_amf0_writer_result(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_amf0_doc doc, doc2;
	struct mp_rtmp_cmd cmd;
	uint8_t replay[4096];
	int n1, n2;

	if (mp_amf0_decode(&doc, nodes, 256, data, size) == MP_OK) {
		n1 = encode(&doc, out1, sizeof(out1));
		if (n1 >= 0) {
			if (mp_amf0_decode(&doc2, nodes2, 256, out1, (size_t)n1) != MP_OK)
				abort();
			n2 = encode(&doc2, out2, sizeof(out2));
			if (n2 != n1 || memcmp(out1, out2, (size_t)n1))
				abort();
		}
	}
	if (mp_rtmp_cmd_parse(&cmd, nodes, 256, 20, data, size) == MP_OK && cmd.kind == MP_RTMP_CMD_CONNECT)
		mp_rtmp_build_connect_replay(replay, sizeof(replay), &cmd);
	mp_rtmp_cmd_parse(&cmd, nodes, 256, 18, data, size);
	mp_rtmp_cmd_parse(&cmd, nodes, 256, 17, data, size);
	return 0;
}
