/* fuzz_flv_split.c: FLV splitting of arbitrary bytes in arbitrary pieces: the runs are exactly the input. */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "flv_split.h"
#include "mp_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_flv_split s;
	size_t piece, pos = 0, out_len = 0;
	uint8_t *out;

	if (size < 1)
		return 0;
	piece = 1 + data[size - 1] % 64; /* the last byte also picks the piece size */
	out = malloc(size + 1);
	if (!out)
		return 0;
	mp_flv_split_init(&s);
	while (pos < size) {
		size_t n = size - pos < piece ? size - pos : piece;
		const uint8_t *p = data + pos;
		struct mp_flv_run run;
		int rc;

		pos += n;
		while ((rc = mp_flv_split_next(&s, &p, &n, &run)) == 1) {
			if (run.n > size - out_len || (unsigned)run.cls > MP_FLV_OTHER)
				abort();
			memcpy(out + out_len, run.p, run.n);
			out_len += run.n;
		}
		if (rc < 0)
			break;
		if (rc != 0 || n != 0)
			abort();
	}
	/* everything handed out so far is the input's prefix (a partial head may still be held) */
	if (memcmp(out, data, out_len) != 0 || out_len > size)
		abort();
	free(out);
	return 0;
}
