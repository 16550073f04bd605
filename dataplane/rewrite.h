/* rewrite.h: in-place NAT rewrite of UDP/IPv4 frames and the ARP frames the data plane sends (pure). */
#ifndef MP_REWRITE_H
#define MP_REWRITE_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* mp_udp_rewrite_hw itself, for the data plane's per-packet path (inlined there). The one's-complement
 * sum does not depend on byte order (RFC 1071 section 2.B), so the fields are loaded and the checksums
 * updated (RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m')) as they lie in memory, a word at a time: only
 * the new addresses and ports are put in network order. */
static inline __attribute__((always_inline)) void
mp_udp_rewrite_fast(uint8_t *f, const struct mp_pkt *pkt, const uint8_t src_mac[6], const uint8_t dst_mac[6],
		    uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port, unsigned hw)
{
	uint8_t *ip = f + pkt->l3_off, *u = f + pkt->l4_off;
	uint32_t old_src, old_dst, new_src = htonl(src_ip), new_dst = htonl(dst_ip), old_ports, new_ports;
	uint16_t old_ttl, new_ttl, hc, uc, np[2];
	uint64_t addr;

	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	memcpy(&old_src, ip + 12, 4);
	memcpy(&old_dst, ip + 16, 4);
	memcpy(ip + 12, &new_src, 4);
	memcpy(ip + 16, &new_dst, 4);
	addr = (uint64_t)(uint32_t)~old_src + (uint32_t)~old_dst + new_src + new_dst;
	/* TTL and protocol as one word; the new word is computed, not read back after a byte store (a
	 * 2-byte load of a 1-byte store cannot be forwarded: perf put ~30 % of the rewrite there). TTL is
	 * the word's first byte, so 1 in that byte is 1 or 0x100 by host byte order. */
	memcpy(&old_ttl, ip + 8, 2);
	new_ttl = ip[8] > 1 ? (uint16_t)(old_ttl - (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 1 : 0x100)) : old_ttl;
	memcpy(ip + 8, &new_ttl, 2);
	if (hw & MP_RW_HW_IP) { /* left to the port: the field is 0 while the port sums the header */
		hc = 0;
	} else {
		memcpy(&hc, ip + 10, 2);
		hc = (uint16_t)~mp_csum_fold64((uint16_t)~hc + addr + (uint16_t)~old_ttl + new_ttl);
	}
	memcpy(ip + 10, &hc, 2);

	memcpy(&old_ports, u, 4);
	np[0] = htons(src_port);
	np[1] = htons(dst_port);
	memcpy(&new_ports, np, 4);
	memcpy(u, &new_ports, 4);
	memcpy(&uc, u + 6, 2);
	if (uc && !(hw & MP_RW_HW_UDP)) {
		/* The UDP checksum covers the pseudo-header addresses too (RFC 768); 0 means none, so a
		 * computed 0 is sent as 0xffff. */
		uc = (uint16_t)~mp_csum_fold64((uint16_t)~uc + addr + (uint32_t)~old_ports + new_ports);
		if (!uc)
			uc = 0xffff;
		memcpy(u + 6, &uc, 2);
	}
}
/* IPv6 clients of the IPv4 session machinery (docs/ipv6-dataplane.md), header translation in the
 * manner of RFC 7915 for UDP only (no fragments, no ICMP):
 * mp_udp6_to_4 rewrites a classified UDP/IPv6 frame f (pkt->is_v6) in place as UDP/IPv4 from src to
 * dst: the Ethernet header moves forward over the IPv6 and extension headers, a 20-byte IPv4 header
 * (TTL = hop limit, TOS = traffic class, DF) takes their place, the UDP checksum is updated for the
 * new pseudo-header (RFC 1624). pkt then describes the new frame (is_v6 0). Returns how many bytes
 * the frame now starts later (the caller drops them from its front). */
size_t mp_udp6_to_4(uint8_t *f, struct mp_pkt *pkt, uint32_t src, uint32_t dst);
/* The reverse: f is 20 bytes before a UDP/IPv4 frame (20-byte header) whose Ethernet header is
 * l3_off long; it is rewritten from f on as UDP/IPv6 from src6 to dst6 (hop limit = TTL, traffic
 * class = TOS), the UDP checksum updated, or computed if the IPv4 datagram had none (mandatory over
 * IPv6, RFC 8200 section 8.1). MACs are left to the caller. Returns the new frame length. */
size_t mp_udp4_to_6(uint8_t *f, size_t l3_off, const uint8_t src6[16], const uint8_t dst6[16]);

/* Write an Ethernet header (with ifc's VLAN tag if any) from ifc to dst of the given ethertype;
 * returns its length (14 or 18). */
size_t mp_eth_header(uint8_t *out, const struct mp_iface *ifc, const uint8_t dst[6], uint16_t ethertype);

/* Build an IPv6 neighbour solicitation frame (RFC 4861 section 7.2.2) from ifc for target into out
 * (>= 128 bytes): to target's solicited-node group, or, with unicast_mac, a unicast probe of a known
 * neighbour at that MAC (section 7.3.3). Returns the frame length. */
size_t mp_build_nd_solicit(uint8_t *out, const struct mp_iface *ifc, const uint8_t target[16], const uint8_t *unicast_mac);

/* Turn the frame f holding a neighbour solicitation for our address (mp_classify: MP_V_ND with
 * is_arp_request) into our advertisement in place (section 7.2.4): to the soliciting address with
 * S and O set, or, for duplicate address detection (from ::), to all-nodes with O only; our MAC as
 * target link-layer address; Ethernet back to the sender (or the all-nodes group). The frame grows
 * or shrinks to pkt->l3_off + 72 bytes: cap must allow it. Returns the new length, 0 without room. */
size_t mp_nd_answer(uint8_t *f, size_t cap, const struct mp_pkt *pkt, const struct mp_iface *ifc);

/* Build an ARP request (RFC 826) from ifc for target_ip into out (>= 64 bytes); target_ip == ifc->ip
 * makes a gratuitous ARP (RFC 5227 section 3). Returns the frame length. */
size_t mp_build_arp_request(uint8_t *out, const struct mp_iface *ifc, uint32_t target_ip);

#endif
