/* fuzz_http_route.c: request-target routing and header checks on arbitrary input: results stay inside the input. */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "http_route.h"
#include "mp_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct mp_hroute rt;
	char *z;

	if (mp_hroute_classify(s, size, &rt) == MP_OK) {
		if (rt.path_len == 0 || rt.path_len > size || (unsigned)rt.kind > MP_HROUTE_SEGMENT)
			abort();
		if (rt.query && (rt.query < s || rt.query + rt.query_len > s + size))
			abort();
		if (rt.spbhid && (rt.spbhid < rt.query || rt.spbhid + rt.spbhid_len > rt.query + rt.query_len ||
				  rt.spbhid_len == 0 || rt.spbhid_len > 64))
			abort();
		if ((rt.kind == MP_HROUTE_SEGMENT) != (rt.spbhid != NULL && rt.kind != MP_HROUTE_M3U8))
			abort();
	}
	/* header checks take C strings: split the input at its first newline into value and name */
	z = malloc(size + 1);
	if (!z)
		return 0;
	memcpy(z, data, size);
	z[size] = 0;
	{
		char *nl = strchr(z, '\n');

		mp_hroute_hop_header(z);
		if (nl) {
			*nl = 0;
			mp_hroute_connection_lists(z, nl + 1);
		}
	}
	free(z);
	return 0;
}
