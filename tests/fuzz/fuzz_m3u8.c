/* fuzz_m3u8.c: playlist rewrite and spbhid lookup on arbitrary input; tagged output keeps its lines. */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "m3u8.h"
#include "mp_error.h"

static size_t count(const char *s, size_t n, char c)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *id;
	size_t cap = size * 4 + 64, n = 0, id_len;
	char *out = malloc(cap);
	int rc;

	if (!out)
		return 0;
	rc = mp_m3u8_rewrite(s, size, "spb_ID-9", 8, MP_M3U8_TAG_KEYS, out, cap, &n);
	if (rc >= 0) {
		/* Same lines; each tag adds "?spbhid=ID" or "spbhid=ID&" (16 bytes) or "spbhid=ID" (15). */
		size_t r = (size_t)rc;

		if (out[n] != '\0' || count(out, n, '\n') != count(s, size, '\n') || n < size + 15 * r ||
		    n > size + 16 * r)
			abort();
		mp_m3u8_rewrite(s, size, "x", 1, 0, out, size / 2 + 1, &n); /* too small, mostly */
	}
	if (mp_m3u8_query_spbhid(s, size, &id, &id_len) == MP_OK && (id < s || id + id_len > s + size || !id_len))
		abort();
	free(out);
	return 0;
}
