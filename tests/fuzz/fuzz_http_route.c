/* fuzz_http_route.c: request-target routing on arbitrary input: results stay inside the input. */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "http_route.h"
#include "mp_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct mp_hroute rt;

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
	return 0;
}
