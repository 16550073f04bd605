/* srt_cookie.h: stateless SRT SYN cookies (keyed SipHash-2-4 over peer address and a time bucket). */
#ifndef MP_PROTO_SRT_COOKIE_H
#define MP_PROTO_SRT_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#include "mp_error.h"

#define MP_SRT_COOKIE_KEY_LEN 16
#define MP_SRT_COOKIE_BUCKET_S 64 /* a cookie is valid in its 64 s bucket and the next one */

/* SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012) of data under a
 * 128-bit key. */
uint64_t mp_siphash24(const uint8_t key[MP_SRT_COOKIE_KEY_LEN], const uint8_t *data, size_t len);

/* The cookie for a caller at ipv4:port (host order) at time now_s (seconds, any epoch that the
 * verifier shares): SipHash-2-4 under key of (address, port, now_s / 64), folded to 32 bits,
 * never 0 (0 means "no cookie" in a caller's INDUCTION). */
uint32_t mp_srt_cookie_make(const uint8_t key[MP_SRT_COOKIE_KEY_LEN], uint32_t ipv4, uint16_t port,
			    uint64_t now_s);

/* MP_OK when cookie is the one made for ipv4:port in now_s's bucket or the one before,
 * else MP_ERR_COOKIE. */
int mp_srt_cookie_verify(const uint8_t key[MP_SRT_COOKIE_KEY_LEN], uint32_t ipv4, uint16_t port,
			 uint64_t now_s, uint32_t cookie);

#endif
