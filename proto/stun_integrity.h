/* stun_integrity.h: STUN MESSAGE-INTEGRITY (HMAC-SHA1, RFC 5389 section 15.4) over plain buffers. */
#ifndef MP_PROTO_STUN_INTEGRITY_H
#define MP_PROTO_STUN_INTEGRITY_H

#include <stddef.h>
#include <stdint.h>

#include "stun.h"

#define MP_STUN_INTEGRITY_LEN 20 /* HMAC-SHA1 */

/* An HMAC-SHA1 context (libcrypto EVP_MAC with the digest fetched once), one per thread: a worker
 * lcore keeps its own, so a check takes no library lock and allocates nothing. */
struct mp_stun_hmac;
struct mp_stun_hmac *mp_stun_hmac_new(void);
void mp_stun_hmac_free(struct mp_stun_hmac *h);

/* The MESSAGE-INTEGRITY value of a message whose MESSAGE-INTEGRITY attribute header starts at mi_off:
 * HMAC-SHA1 over the message up to mi_off, its header's length field set as if the message ended
 * with that attribute (mi_off + 24 - 20), so a FINGERPRINT after it does not count (RFC 5389 section
 * 15.4). key is the short-term password (ICE: the ufrag owner's ice-pwd, ice-chars need no SASLprep).
 * MP_OK, MP_ERR_INVAL (mi_off out of range) or MP_ERR_NOMEM (libcrypto refused). */
int mp_stun_integrity_compute(struct mp_stun_hmac *h, const uint8_t *buf, size_t mi_off, const uint8_t *key,
			      size_t key_len, uint8_t out[MP_STUN_INTEGRITY_LEN]);

/* Check the MESSAGE-INTEGRITY of buf/len (msg from mp_stun_parse over the same bytes) with key.
 * Compares in constant time. MP_OK; MP_ERR_NOTFOUND when the message has no MESSAGE-INTEGRITY
 * (MESSAGE-INTEGRITY-SHA256 alone is not accepted: ICE uses SHA-1, RFC 8445 section 7.2.2);
 * MP_ERR_AUTH when it does not verify; MP_ERR_INVAL for an empty key. */
int mp_stun_integrity_verify(struct mp_stun_hmac *h, const uint8_t *buf, size_t len, const struct mp_stun_msg *msg,
			     const uint8_t *key, size_t key_len);

#endif
