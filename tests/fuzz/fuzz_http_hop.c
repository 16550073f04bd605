/* fuzz_http_hop.c: the Location target and hop-by-hop header rules on arbitrary input. */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "http_hop.h"
#include "mp_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char *out = malloc(size + 2), *copy = malloc(size + 1), *nl;
	int n;

	if (!out || !copy)
		goto done;
	/* Exactly size bytes, no terminator: any read past the end is an ASan report. */
	n = mp_http_location_target(s, size, out, size + 2);
	if (n >= 0) {
		if ((size_t)n > size + 1 || out[n] != '\0' || strlen(out) != (size_t)n || n == 0)
			abort();
		for (int i = 0; i < n; i++)
			if ((unsigned char)out[i] <= 0x20 || out[i] == 0x7f)
				abort();
		/* A target is stable: rewriting it again gives itself (unless it looks like "//host"). */
		if (out[0] == '/' && out[1] != '/') {
			char again[4096];

			if ((size_t)n < sizeof(again) &&
			    (mp_http_location_target(out, (size_t)n, again, sizeof(again)) != n || strcmp(again, out)))
				abort();
		}
	} else if (n != MP_ERR_INVAL && n != MP_ERR_NOSPACE) {
		abort();
	}
	mp_http_location_target(s, size, out, 1 + size / 2); /* small outputs fail cleanly */
	/* "name\nconnection value" */
	memcpy(copy, s, size);
	copy[size] = '\0';
	nl = strchr(copy, '\n');
	if (nl) {
		*nl = '\0';
		if (mp_http_hop_by_hop(copy, nl + 1) != mp_http_hop_by_hop(copy, nl + 1))
			abort();
		/* A field named in Connection is hop-by-hop (RFC 9110 section 7.6.1). */
		if (copy[0] && !strchr(copy, ',') && !strchr(copy, ' ') && !strchr(copy, '\t') &&
		    !mp_http_hop_by_hop(copy, copy))
			abort();
	}
	mp_http_hop_by_hop(copy, NULL);
done:
	free(out);
	free(copy);
	return 0;
}
