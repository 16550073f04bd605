/* fuzz_sdp.c: SDP parse and candidate rewrite, and the legacy JSON envelope, on arbitrary input. */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "mp_error.h"
#include "sdp.h"
#include "sdp_legacy.h"

static struct mp_sdp_info info, again;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	static const uint8_t ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	size_t cap = size * 3 + 64, n = 0, n6 = 0, udp_host = 0;
	char *out = malloc(cap), *out6 = malloc(cap), url[256];
	int prc, rrc;

	if (!out || !out6) {
		free(out);
		free(out6);
		return 0;
	}
	prc = mp_sdp_parse(s, size, &info);
	rrc = mp_sdp_rewrite_candidates(s, size, 0xc6120002u, 8000, 0, out, cap, &n);
	if (prc == MP_OK) {
		if (!info.ufrag[0] || !info.pwd[0] || info.n_cand > MP_SDP_MAX_CANDIDATES)
			abort();
		for (unsigned i = 0; i < info.n_cand; i++)
			udp_host += info.cand[i].type == MP_SDP_HOST && info.cand[i].transport == MP_SDP_UDP;
		{
			/* an IPv6 origin's media address: a UDP host candidate's, never :: nor port 0 */
			static const uint8_t any[16];
			uint8_t a6[16];
			uint16_t p6;

			if (mp_sdp_media_addr6(&info, a6, &p6) == MP_OK && (p6 == 0 || !memcmp(a6, any, 16) || !udp_host))
				abort();
		}
		/* Whatever parsed rewrites, and the result parses to the same ICE credentials. */
		if (rrc < 0 || (info.n_cand == info.n_cand_seen && (size_t)rrc != udp_host) || out[n] != '\0')
			abort();
		if (mp_sdp_parse(out, n, &again) != MP_OK || strcmp(again.ufrag, info.ufrag) != 0)
			abort();
		/* With IPv6 twins (at most one per UDP host candidate) it still parses, the same credentials. */
		rrc = mp_sdp_rewrite_candidates6(s, size, 0xc6120002u, ip6, 8000, 0, out6, cap, &n6);
		if (rrc < 0 || (info.n_cand == info.n_cand_seen && ((size_t)rrc < udp_host || (size_t)rrc > 2 * udp_host)))
			abort();
		if (mp_sdp_parse(out6, n6, &again) != MP_OK || strcmp(again.ufrag, info.ufrag) != 0)
			abort();
	}
	mp_sdp_rewrite_candidates(s, size, 0x01020304u, 1, MP_SDP_REWRITE_TCP | MP_SDP_DROP_NONHOST, out, 16, &n);
	/* The same bytes as a legacy JSON body, both ways. */
	if (mp_sdp_legacy_unwrap(s, size, out, cap, &n, url, sizeof(url)) == MP_OK && out[n] != '\0')
		abort();
	mp_sdp_legacy_rewrap(s, size, "v=0\r\n", 5, out, cap, &n);
	free(out);
	free(out6);
	return 0;
}
