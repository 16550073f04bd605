/* rewrite.c: NAT address/port rewrite with incremental checksums (or left to the port), and the ARP and IPv6 neighbour discovery frames we send. */
#include "rewrite.h"
#include "ipv6.h"

#include <string.h>

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), accumulated over several 16-bit words. */
static inline uint32_t csum_delta(uint32_t acc, uint16_t old, uint16_t new)
{
	return acc + (uint16_t)~old + new;
}

static inline uint16_t csum_apply(uint16_t hc, uint32_t delta)
{
	return (uint16_t)~mp_csum_fold((uint16_t)~hc + delta);
}

void mp_udp_rewrite(uint8_t *f, const struct mp_pkt *pkt, const uint8_t src_mac[6], const uint8_t dst_mac[6],
		    uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port)
{
	mp_udp_rewrite_fast(f, pkt, src_mac, dst_mac, src_ip, src_port, dst_ip, dst_port, 0);
}

void mp_udp_rewrite_hw(uint8_t *f, const struct mp_pkt *pkt, const uint8_t src_mac[6], const uint8_t dst_mac[6],
		       uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port, unsigned hw)
{
	mp_udp_rewrite_fast(f, pkt, src_mac, dst_mac, src_ip, src_port, dst_ip, dst_port, hw);
}

size_t mp_udp6_to_4(uint8_t *f, struct mp_pkt *pkt, uint32_t src, uint32_t dst)
{
	const uint8_t *ip6 = f + pkt->l3_off;
	uint8_t *u = f + pkt->l4_off, *ip4 = u - 20;
	size_t shift = (size_t)(pkt->l4_off - pkt->l3_off) - 20;
	uint16_t ulen = mp_rd16(u + 4), uc = mp_rd16(u + 6);
	uint8_t hl = ip6[7], tc = (uint8_t)(ip6[0] << 4 | ip6[1] >> 4);
	uint32_t acc = 0;

	/* RFC 1624 eqn. 3 over the pseudo-header: the IPv6 addresses out, the IPv4 ones in (length and
	 * protocol are the same in both) */
	for (int i = 0; i < 16; i += 2)
		acc = csum_delta(csum_delta(acc, mp_rd16(ip6 + 8 + i), 0), mp_rd16(ip6 + 24 + i), 0);
	acc += (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
	uc = csum_apply(uc, acc);
	mp_wr16(u + 6, uc ? uc : 0xffff);
	memmove(f + shift, f, pkt->l3_off);
	mp_wr16(ip4 - 2, 0x0800);
	ip4[0] = 0x45;
	ip4[1] = tc;
	mp_wr16(ip4 + 2, (uint16_t)(20 + ulen));
	mp_wr16(ip4 + 4, 0);
	mp_wr16(ip4 + 6, 0x4000); /* DF: IPv6 is never fragmented on the way */
	ip4[8] = hl;
	ip4[9] = 17;
	mp_wr32(ip4 + 12, src);
	mp_wr32(ip4 + 16, dst);
	mp_wr16(ip4 + 10, 0);
	mp_wr16(ip4 + 10, (uint16_t)~mp_csum(ip4, 20, 0));
	pkt->l4_off = (uint16_t)(pkt->l3_off + 20);
	pkt->payload_off = (uint16_t)(pkt->l4_off + 8);
	pkt->src_ip = src;
	pkt->dst_ip = dst;
	pkt->is_v6 = 0;
	return shift;
}

size_t mp_udp4_to_6(uint8_t *f, size_t l3_off, const uint8_t src6[16], const uint8_t dst6[16])
{
	const uint8_t *ip4 = f + 20 + l3_off;
	uint8_t *u = f + l3_off + 40, *ip6 = f + l3_off;
	uint16_t ulen = mp_rd16(u + 4), uc = mp_rd16(u + 6);
	uint8_t ttl = ip4[8], tos = ip4[1];
	uint32_t acc = 0;

	for (int i = 12; i < 20; i += 2)
		acc = csum_delta(acc, mp_rd16(ip4 + i), 0);
	memmove(f, f + 20, l3_off);
	mp_wr16(f + l3_off - 2, 0x86dd);
	mp_ip6_write_header(ip6, ulen, MP_IPPROTO_UDP, ttl, src6, dst6);
	ip6[0] = (uint8_t)(0x60 | tos >> 4);
	ip6[1] = (uint8_t)(tos << 4);
	if (!uc) {
		mp_wr16(u + 6, mp_ip6_l4_csum(ip6, u, ulen, MP_IPPROTO_UDP));
	} else {
		for (int i = 0; i < 16; i += 2)
			acc += (uint32_t)mp_rd16(src6 + i) + mp_rd16(dst6 + i);
		uc = csum_apply(uc, acc);
		mp_wr16(u + 6, uc ? uc : 0xffff);
	}
	return l3_off + 40 + ulen;
}

size_t mp_eth_header(uint8_t *out, const struct mp_iface *ifc, const uint8_t dst[6], uint16_t ethertype)
{
	size_t off = 12;

	memcpy(out, dst, 6);
	memcpy(out + 6, ifc->mac, 6);
	if (ifc->vlan_id) {
		mp_wr16(out + 12, 0x8100);
		mp_wr16(out + 14, ifc->vlan_id);
		off = 16;
	}
	mp_wr16(out + off, ethertype);
	return off + 2;
}

size_t mp_build_nd_solicit(uint8_t *out, const struct mp_iface *ifc, const uint8_t target[16], const uint8_t *unicast_mac)
{
	uint8_t group[16], mac[6];
	size_t off;

	if (unicast_mac) {
		memcpy(mac, unicast_mac, 6);
	} else {
		mp_ip6_solicited_node(target, group);
		mp_ip6_multicast_mac(group, mac);
	}
	off = mp_eth_header(out, ifc, mac, 0x86dd);
	return off + mp_nd_build_ns(out + off, ifc->ip6, ifc->mac, target, unicast_mac != NULL);
}

size_t mp_nd_answer(uint8_t *f, size_t cap, const struct mp_pkt *pkt, const struct mp_iface *ifc)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	uint8_t *ip = f + pkt->l3_off, to[16];
	bool dad = mp_ip6_is_unspecified(ip + 8);

	if ((size_t)pkt->l3_off + MP_IP6_HLEN + MP_ND_MSG_LEN > cap)
		return 0;
	memcpy(to, dad ? all_nodes : ip + 8, 16);
	if (dad)
		mp_ip6_multicast_mac(all_nodes, f);
	else
		memcpy(f, f + 6, 6);
	memcpy(f + 6, ifc->mac, 6);
	return pkt->l3_off + mp_nd_build_na(ip, ifc->ip6, to, ifc->mac, ifc->ip6,
					    (uint8_t)(MP_ND_NA_OVERRIDE | (dad ? 0 : MP_ND_NA_SOLICITED)));
}

size_t mp_build_arp_request(uint8_t *out, const struct mp_iface *ifc, uint32_t target_ip)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *a = out + mp_eth_header(out, ifc, bcast, 0x0806);

	mp_wr16(a, 1);          /* Ethernet */
	mp_wr16(a + 2, 0x0800); /* IPv4 */
	a[4] = 6;
	a[5] = 4;
	mp_wr16(a + 6, 1);      /* request */
	memcpy(a + 8, ifc->mac, 6);
	mp_wr16(a + 14, (uint16_t)(ifc->ip >> 16));
	mp_wr16(a + 16, (uint16_t)ifc->ip);
	memset(a + 18, 0, 6);
	mp_wr16(a + 24, (uint16_t)(target_ip >> 16));
	mp_wr16(a + 26, (uint16_t)target_ip);
	/* Pad to the Ethernet minimum (60 bytes before the FCS). */
	memset(a + 28, 0, 60 - (size_t)(a + 28 - out));
	return 60;
}
