/* udp_frame.h: build Ethernet/IPv4/UDP frames and STUN Binding requests for packet tests and benches. */
#ifndef MP_TEST_UDP_FRAME_H
#define MP_TEST_UDP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mp_test_udp {
	uint8_t src_mac[6], dst_mac[6];
	uint32_t src_ip, dst_ip;     /* host order */
	uint16_t src_port, dst_port;
	uint8_t ttl;                 /* 0: 64 */
};

/* Write the frame (14 + 20 + 8 + len bytes) with valid IPv4 and UDP checksums; returns its length. */
size_t mp_test_udp_frame(uint8_t *out, const struct mp_test_udp *u, const uint8_t *payload, size_t len);
/* The UDP checksum of a frame as mp_test_udp_frame lays it out (the field itself taken as zero). */
uint16_t mp_test_udp_csum(const uint8_t *frame);
/* True when the IPv4 header checksum verifies and the UDP checksum is zero (none) or verifies. */
bool mp_test_udp_checksums_ok(const uint8_t *frame, size_t len);

/* A STUN Binding request (RFC 8489) with USERNAME, PRIORITY and, if asked, USE-CANDIDATE; the
 * transaction id is made from txid. Returns its length (out must hold 128 bytes). */
size_t mp_test_stun_binding(uint8_t *out, const char *username, bool use_candidate, uint32_t txid);

static inline uint16_t mp_test_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t mp_test_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void mp_test_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void mp_test_wr32(uint8_t *p, uint32_t v)
{
	mp_test_wr16(p, (uint16_t)(v >> 16));
	mp_test_wr16(p + 2, (uint16_t)v);
}

#endif
