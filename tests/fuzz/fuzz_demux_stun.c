/* fuzz_demux_stun.c: RFC 7983 demux then every STUN entry point, with cross-checks between them. */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "demux.h"
#include "stun.h"
#include "stun_integrity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_stun_msg m;
	struct mp_stun_addr a;
	struct mp_stun_ufrags uf;
	const uint8_t *u = NULL;
	size_t ulen = 0;
	int kind, rc, urc;

	kind = mp_demux_classify(data, size);
	if (kind != MP_ERR_TRUNCATED && (kind < 0 || kind >= MP_DEMUX__COUNT))
		abort();
	(void)mp_demux_name(kind);
	/* the parsers must be safe on anything, STUN-looking or not */
	rc = mp_stun_parse(data, size, &m);
	urc = mp_stun_binding_username(data, size, &u, &ulen);
	if (urc == MP_OK) {
		if (u < data || ulen == 0 || ulen > MP_STUN_USERNAME_MAX || u + ulen > data + size)
			abort();
		(void)mp_stun_username_split(u, ulen, &uf);
	}
	if (rc != MP_OK)
		return 0;
	/* RFC 8489 only zeroes the top two bits (types up to 0x3FFF): first bytes 4..63 are valid
	 * STUN that RFC 7983 gives to ZRTP/DTLS on a shared port, since no method uses them */
	if (data[0] & 0xC0 || (data[0] <= 3 && kind != MP_DEMUX_STUN))
		abort();
	/* the fast path finds the USERNAME the full parse found */
	if (m.type == MP_STUN_BINDING_REQUEST && m.username_off && m.username_len) {
		if (urc != MP_OK || u != data + m.username_off + 4 || ulen != m.username_len)
			abort();
	}
	/* MESSAGE-INTEGRITY: safe on anything; a message signed with the right HMAC verifies, and
	 * with one byte of the HMAC changed it does not */
	if (m.integrity_off) {
		static struct mp_stun_hmac *h;
		static uint8_t copy[65536];
		static const uint8_t key[] = "fuzz-ice-pwd-0123456789";

		if (!h && !(h = mp_stun_hmac_new()))
			abort();
		if (size > sizeof(copy))
			return 0;
		memcpy(copy, data, size);
		if (mp_stun_integrity_compute(h, copy, m.integrity_off, key, sizeof(key) - 1, copy + m.integrity_off + 4) !=
		    MP_OK || mp_stun_integrity_verify(h, copy, size, &m, key, sizeof(key) - 1) != MP_OK)
			abort();
		copy[m.integrity_off + 4] ^= 1;
		if (mp_stun_integrity_verify(h, copy, size, &m, key, sizeof(key) - 1) != MP_ERR_AUTH)
			abort();
	}
	(void)mp_stun_xor_mapped_address(data, &m, &a);
	if (m.username_off && mp_stun_username_split(data + m.username_off + 4, m.username_len, &uf) == MP_OK) {
		if (uf.answer_len + uf.offer_len + 1 != m.username_len)
			abort();
	}
	return 0;
}
