/* fuzz_endpoint.c: endpoint strings must parse or fail cleanly; what parses must format and re-parse. */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "mp_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_endpoint ep, again;
	char out[32];
	uint32_t ip;
	int n;

	/* Exactly size bytes, no terminator: any read past the end is an ASan report. */
	if (mp_endpoint_parse((const char *)data, size, &ep) == MP_OK) {
		if (ep.port == 0)
			abort();
		n = mp_endpoint_format(&ep, out, sizeof(out));
		if (n <= 0 || mp_endpoint_parse(out, (size_t)n, &again) != MP_OK || again.port != ep.port ||
		    again.ipv4 != ep.ipv4)
			abort();
	}
	if (mp_ipv4_parse((const char *)data, size, &ip) == MP_OK) {
		n = mp_ipv4_format(ip, out, sizeof(out));
		if (n != (int)size || memcmp(out, data, size) != 0) /* strict form is canonical */
			abort();
	}
	return 0;
}
