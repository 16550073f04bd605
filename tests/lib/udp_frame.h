/* udp_frame.h: build Ethernet/IPv4/UDP frames and STUN Binding requests for packet tests and benches. */
#ifndef MP_TEST_UDP_FRAME_H
#define MP_TEST_UDP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "byteorder.h" /* mp_rd16, mp_wr16, mp_csum... for the tests that include this */

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

#endif
