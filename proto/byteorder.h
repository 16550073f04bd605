/* byteorder.h: big-endian (network order) loads and stores and the Internet checksum over plain buffers,
 * the one copy for proto/, dataplane/, tests and benches (libc only, so DPDK-free code can use it). */
#ifndef MP_BYTEORDER_H
#define MP_BYTEORDER_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t mp_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t mp_rd24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t mp_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void mp_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void mp_wr24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

static inline void mp_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* RFC 1071: fold a one's-complement sum of 16-bit words to 16 bits. */
static inline uint16_t mp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* RFC 1071: fold a one's-complement sum accumulated in 64 bits, of 16-bit words or of wider lanes
 * (2^16 = 1 mod 0xffff, so 32-bit lanes fold the same), to 16 bits. */
static inline uint16_t mp_csum_fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)s;
}

/* RFC 1071: add len bytes of buf, as big-endian 16-bit words (an odd last byte padded with zero), to
 * sum and fold. A header whose checksum field is right sums to 0xffff; the field to write is ~result. */
static inline uint16_t mp_csum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;

	for (; len >= 2; p += 2, len -= 2)
		sum += mp_rd16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	return mp_csum_fold(sum);
}

#endif
