/* srt_cookie.c: SipHash-2-4 and the SRT SYN cookie made and verified from it, without state. */
#include "srt_cookie.h"

#include "byteorder.h"

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* One SipRound (SipHash paper, section 2). */
#define SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32); \
	v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32); \
} while (0)

uint64_t mp_siphash24(const uint8_t key[MP_SRT_COOKIE_KEY_LEN], const uint8_t *data, size_t len)
{
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull;
	uint64_t v3 = k1 ^ 0x7465646279746573ull;
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, full = len & ~(size_t)7;

	for (i = 0; i < full; i += 8) {
		m = load_le64(data + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	/* last block: remaining bytes little-endian, length byte on top */
	for (size_t j = 0; j < (len & 7); j++)
		b |= (uint64_t)data[full + j] << (8 * j);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

static uint32_t cookie_for_bucket(const uint8_t key[MP_SRT_COOKIE_KEY_LEN], uint32_t ipv4,
				  uint16_t port, uint64_t bucket)
{
	uint8_t msg[14];
	uint64_t h;
	uint32_t c;

	mp_wr32(msg, ipv4);
	mp_wr16(msg + 4, port);
	for (int i = 0; i < 8; i++)
		msg[6 + i] = (uint8_t)(bucket >> (8 * i));
	h = mp_siphash24(key, msg, sizeof(msg));
	c = (uint32_t)(h ^ (h >> 32));
	return c ? c : 1;
}

uint32_t mp_srt_cookie_make(const uint8_t key[MP_SRT_COOKIE_KEY_LEN], uint32_t ipv4, uint16_t port,
			    uint64_t now_s)
{
	return cookie_for_bucket(key, ipv4, port, now_s / MP_SRT_COOKIE_BUCKET_S);
}

int mp_srt_cookie_verify(const uint8_t key[MP_SRT_COOKIE_KEY_LEN], uint32_t ipv4, uint16_t port,
			 uint64_t now_s, uint32_t cookie)
{
	uint64_t bucket = now_s / MP_SRT_COOKIE_BUCKET_S;

	if (cookie == cookie_for_bucket(key, ipv4, port, bucket))
		return MP_OK;
	if (bucket > 0 && cookie == cookie_for_bucket(key, ipv4, port, bucket - 1))
		return MP_OK;
	return MP_ERR_COOKIE;
}
