/* fuzz_endpoint.c: endpoint strings (IPv4 and bracketed IPv6) must parse or fail cleanly; what parses
 * must format and re-parse to the same endpoint. */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "mp_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_endpoint ep, again;
	char out[64];
	uint8_t ip6[16];
	uint32_t ip;
	int n;

	/* Exactly size bytes, no terminator: any read past the end is an ASan report. */
	if (mp_endpoint_parse((const char *)data, size, &ep) == MP_OK) {
		if (ep.port == 0)
			abort();
		n = mp_endpoint_format(&ep, out, sizeof(out));
		if (n <= 0 || mp_endpoint_parse(out, (size_t)n, &again) != MP_OK || again.port != ep.port ||
		    again.ipv4 != ep.ipv4 || again.v6 != ep.v6 || memcmp(again.ip6, ep.ip6, 16) ||
		    (again.scheme == MP_EP_TLS) != (ep.scheme == MP_EP_TLS))
			abort();
		if (ep.v6 && ep.ipv4) /* an IPv6 endpoint has no IPv4 address */
			abort();
	}
	if (mp_ipv4_parse((const char *)data, size, &ip) == MP_OK) {
		n = mp_ipv4_format(ip, out, sizeof(out));
		if (n != (int)size || memcmp(out, data, size) != 0) /* strict form is canonical */
			abort();
	}
	if (mp_ipv6_parse((const char *)data, size, ip6) == MP_OK) {
		uint8_t again6[16];

		n = mp_ipv6_format(ip6, out, sizeof(out));
		if (n <= 0 || mp_ipv6_parse(out, (size_t)n, again6) != MP_OK || memcmp(ip6, again6, 16))
			abort();
	}
	return 0;
}
