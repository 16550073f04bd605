/* rewrite.h: in-place NAT rewrite of UDP/IPv4 frames and the ARP frames the data plane sends (pure). */
#ifndef MP_REWRITE_H
#define MP_REWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"

/* Rewrite a classified UDP/IPv4 frame in place: MACs, source and destination address and port.
 * The IPv4 and UDP checksums are updated incrementally (RFC 1624); a zero UDP checksum (none, RFC 768)
 * stays zero. TTL is decremented (RFC 1812 section 5.3.1) with its checksum update (mp_classify drops
 * what arrives with TTL <= 1). Payload untouched. */
void mp_udp_rewrite(uint8_t *frame, const struct mp_pkt *pkt, const uint8_t src_mac[6], const uint8_t dst_mac[6],
		    uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port);

/* The same, leaving to the port (TX checksum offload, dp_txcsum.h) the checksums in hw:
 * MP_RW_HW_IP: the IPv4 header checksum is set to 0 for the port to compute;
 * MP_RW_HW_UDP: the UDP checksum is not updated (the caller puts the pseudo-header sum there; only
 * for a frame whose UDP checksum is not 0). hw == 0 is mp_udp_rewrite. */
#define MP_RW_HW_IP 1u
#define MP_RW_HW_UDP 2u
void mp_udp_rewrite_hw(uint8_t *frame, const struct mp_pkt *pkt, const uint8_t src_mac[6], const uint8_t dst_mac[6],
		       uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port, unsigned hw);

/* Build an ARP request (RFC 826) from ifc for target_ip into out (>= 64 bytes); target_ip == ifc->ip
 * makes a gratuitous ARP (RFC 5227 section 3). Returns the frame length. */
size_t mp_build_arp_request(uint8_t *out, const struct mp_iface *ifc, uint32_t target_ip);

#endif
