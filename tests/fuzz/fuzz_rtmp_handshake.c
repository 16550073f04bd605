/* fuzz_rtmp_handshake.c: the RTMP handshake in both roles on arbitrary C0C1 / S0S1S2 bytes; a
 * complex C1 we accept must get an S0S1S2 that a client validates. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"
#include "mp_error.h"
#include "rtmp_handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t rnd[2 * MP_RTMP_HS_SIZE], s[MP_RTMP_HS_S0S1S2_LEN], c0c1[MP_RTMP_HS_C0C1_LEN];
	uint8_t c2[MP_RTMP_HS_SIZE];
	struct mp_rtmp_hs_peer cp, sp;

	memset(rnd, 0x5a, sizeof(rnd));
	/* server role: data is C0C1 */
	if (mp_rtmp_hs_parse_c0c1(data, size, &cp) == MP_OK) {
		if (mp_rtmp_hs_build_s0s1s2(&cp, data, rnd, 1, s, sizeof(s)) != MP_OK)
			abort();
		if (mp_rtmp_hs_client_finish(data, s, sizeof(s), rnd, c2, sizeof(c2), &sp) != MP_OK)
			abort();
		/* our answer must satisfy the client: S2 echoes/keys C1, S1 digest matches C1's form */
		if (!sp.s2_valid || sp.complex != cp.complex || mp_rtmp_hs_check_c2(s, c2, sizeof(c2)) != MP_OK)
			abort();
	}
	/* client role: data is S0S1S2 answering our C0C1 */
	if (mp_rtmp_hs_build_c0c1(rnd, 0, c0c1, sizeof(c0c1)) != MP_OK)
		abort();
	if (mp_rtmp_hs_client_finish(c0c1, data, size, rnd, c2, sizeof(c2), &sp) == MP_OK &&
	    mp_rtmp_hs_check_c2(data, c2, sizeof(c2)) != MP_OK)
		abort();
	/* data as C2 against the S0S1S2 we built */
	if (size >= MP_RTMP_HS_SIZE)
		mp_rtmp_hs_check_c2(s, data, size);
	return 0;
}
