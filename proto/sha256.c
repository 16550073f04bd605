/* sha256.c: SHA-256 (FIPS 180-4 section 6.2) and HMAC-SHA256 (RFC 2104) over plain buffers. */
#include "sha256.h"

#include "byteorder.h"

#include <string.h>

/* FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of the cube roots of the
 * first 64 primes. */
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/* FIPS 180-4 section 6.2.2: process one 64-byte block. */
static void sha256_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh;

	for (int i = 0; i < 16; i++)
		w[i] = mp_rd32(p + 4 * i);
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));

		hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void mp_sha256_init(struct mp_sha256 *c)
{
	/* FIPS 180-4 section 5.3.3 */
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(c->h, iv, sizeof(iv));
	c->total = 0;
	c->n = 0;
}

void mp_sha256_update(struct mp_sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	c->total += len;
	if (c->n) {
		size_t take = MP_SHA256_BLOCK - c->n < len ? MP_SHA256_BLOCK - c->n : len;

		memcpy(c->buf + c->n, p, take);
		c->n += take, p += take, len -= take;
		if (c->n < MP_SHA256_BLOCK)
			return;
		sha256_block(c->h, c->buf);
		c->n = 0;
	}
	for (; len >= MP_SHA256_BLOCK; p += MP_SHA256_BLOCK, len -= MP_SHA256_BLOCK)
		sha256_block(c->h, p);
	if (len)
		memcpy(c->buf, p, len);
	c->n = len;
}

void mp_sha256_final(struct mp_sha256 *c, uint8_t out[MP_SHA256_LEN])
{
	uint64_t bits = c->total * 8;
	uint8_t pad[MP_SHA256_BLOCK + 8] = { 0x80 };
	size_t padlen = (c->n < 56 ? 56 : 120) - c->n; /* FIPS 180-4 section 5.1.1 */

	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	mp_sha256_update(c, pad, padlen + 8);
	for (int i = 0; i < 8; i++)
		mp_wr32(out + 4 * i, c->h[i]);
}

void mp_sha256(const void *data, size_t len, uint8_t out[MP_SHA256_LEN])
{
	struct mp_sha256 c;

	mp_sha256_init(&c);
	mp_sha256_update(&c, data, len);
	mp_sha256_final(&c, out);
}

/* RFC 2104 section 2: H(K ^ opad, H(K ^ ipad, text)). */
void mp_hmac_sha256_init(struct mp_hmac_sha256 *c, const uint8_t *key, size_t key_len)
{
	uint8_t k[MP_SHA256_BLOCK] = { 0 }, ikey[MP_SHA256_BLOCK];

	if (key_len > MP_SHA256_BLOCK)
		mp_sha256(key, key_len, k);
	else if (key_len)
		memcpy(k, key, key_len);
	for (int i = 0; i < MP_SHA256_BLOCK; i++) {
		ikey[i] = k[i] ^ 0x36;
		c->okey[i] = k[i] ^ 0x5c;
	}
	mp_sha256_init(&c->inner);
	mp_sha256_update(&c->inner, ikey, sizeof(ikey));
}

void mp_hmac_sha256_update(struct mp_hmac_sha256 *c, const void *data, size_t len)
{
	mp_sha256_update(&c->inner, data, len);
}

void mp_hmac_sha256_final(struct mp_hmac_sha256 *c, uint8_t out[MP_SHA256_LEN])
{
	uint8_t ih[MP_SHA256_LEN];
	struct mp_sha256 outer;

	mp_sha256_final(&c->inner, ih);
	mp_sha256_init(&outer);
	mp_sha256_update(&outer, c->okey, sizeof(c->okey));
	mp_sha256_update(&outer, ih, sizeof(ih));
	mp_sha256_final(&outer, out);
}

void mp_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len,
		    uint8_t out[MP_SHA256_LEN])
{
	struct mp_hmac_sha256 c;

	mp_hmac_sha256_init(&c, key, key_len);
	mp_hmac_sha256_update(&c, data, len);
	mp_hmac_sha256_final(&c, out);
}
