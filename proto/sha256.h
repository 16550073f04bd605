/* sha256.h: self-contained SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), libc only. */
#ifndef MP_PROTO_SHA256_H
#define MP_PROTO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define MP_SHA256_LEN 32   /* digest size in bytes */
#define MP_SHA256_BLOCK 64 /* block size in bytes */

/* Incremental SHA-256 state; init, update any number of times, final once. */
struct mp_sha256 {
	uint32_t h[8];
	uint64_t total; /* bytes hashed so far */
	uint8_t buf[MP_SHA256_BLOCK];
	size_t n;       /* bytes pending in buf */
};

void mp_sha256_init(struct mp_sha256 *c);
void mp_sha256_update(struct mp_sha256 *c, const void *data, size_t len);
void mp_sha256_final(struct mp_sha256 *c, uint8_t out[MP_SHA256_LEN]);
/* One-shot digest of len bytes. */
void mp_sha256(const void *data, size_t len, uint8_t out[MP_SHA256_LEN]);

/* Incremental HMAC-SHA256 (RFC 2104): any key length (keys over 64 bytes are hashed first). */
struct mp_hmac_sha256 {
	struct mp_sha256 inner;
	uint8_t okey[MP_SHA256_BLOCK]; /* key XOR opad */
};

void mp_hmac_sha256_init(struct mp_hmac_sha256 *c, const uint8_t *key, size_t key_len);
void mp_hmac_sha256_update(struct mp_hmac_sha256 *c, const void *data, size_t len);
void mp_hmac_sha256_final(struct mp_hmac_sha256 *c, uint8_t out[MP_SHA256_LEN]);
/* One-shot HMAC of len bytes. */
void mp_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len,
		    uint8_t out[MP_SHA256_LEN]);

#endif
