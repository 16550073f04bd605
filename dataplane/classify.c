/* classify.c: Ethernet/VLAN, ARP, IPv4 and ICMP echo handling for one frame, over a plain buffer. */
#include "classify.h"

#include <stdbool.h>
#include <string.h>

#define ETH_HLEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_IPV6 0x86dd

/* RFC 826: answer a request for our address in place; learn the sender of anything aimed at us. */
static enum mp_verdict do_arp(uint8_t *f, size_t len, const struct mp_iface *ifc, struct mp_pkt *pkt)
{
	uint8_t *a = f + pkt->l3_off;
	uint16_t op;

	if (len < (size_t)pkt->l3_off + 28)
		return mp_classify_drop(pkt, MP_DROP_ARP_MALFORMED);
	if (mp_rd16(a) != 1 || mp_rd16(a + 2) != ETHERTYPE_IPV4 || a[4] != 6 || a[5] != 4)
		return mp_classify_drop(pkt, MP_DROP_ARP_MALFORMED);
	op = mp_rd16(a + 6);
	if (op != 1 && op != 2)
		return mp_classify_drop(pkt, MP_DROP_ARP_MALFORMED);
	pkt->src_ip = mp_rd32(a + 14);
	pkt->dst_ip = mp_rd32(a + 24);
	memcpy(pkt->src_mac, a + 8, 6);
	if (pkt->dst_ip != ifc->ip)
		return mp_classify_drop(pkt, MP_DROP_ARP_NOT_US);
	pkt->is_arp_request = op == 1;
	if (op == 2)
		return MP_V_ARP_LEARN;
	/* Reply: target := sender, sender := us; Ethernet back to the requester. */
	mp_wr16(a + 6, 2);
	memcpy(a + 18, a + 8, 10);          /* target hw + ip := old sender hw + ip */
	memcpy(a + 8, ifc->mac, 6);
	mp_wr32(a + 14, ifc->ip);
	memcpy(f, pkt->src_mac, 6);
	memcpy(f + 6, ifc->mac, 6);
	return MP_V_REPLY;
}

/* RFC 792 echo: answer in place; the checksum changes only by the type field (RFC 1624). */
static enum mp_verdict do_icmp(uint8_t *f, const struct mp_iface *ifc, struct mp_pkt *pkt, size_t ip_len)
{
	uint8_t *ip = f + pkt->l3_off, *ic = f + pkt->l4_off;
	size_t icmp_len = ip_len - (size_t)(pkt->l4_off - pkt->l3_off);
	uint32_t sum;

	if (icmp_len < 8 || mp_csum(ic, icmp_len, 0) != 0xffff)
		return mp_classify_drop(pkt, MP_DROP_ICMP_MALFORMED);
	if (ic[0] != 8 || ic[1] != 0)
		return mp_classify_exception(pkt, MP_DROP_ICMP_OTHER);
	ic[0] = 0;
	sum = (uint32_t)(uint16_t)~mp_rd16(ic + 2) + (uint16_t)~0x0800u + 0x0000u;
	mp_wr16(ic + 2, (uint16_t)~mp_csum_fold(sum));
	mp_wr32(ip + 12, pkt->dst_ip); /* from the address asked: ifc->ip or the service address */
	mp_wr32(ip + 16, pkt->src_ip);
	ip[8] = 64; /* fresh TTL: the checksum is recomputed below */
	mp_wr16(ip + 10, 0);
	mp_wr16(ip + 10, (uint16_t)~mp_csum(ip, (size_t)(pkt->l4_off - pkt->l3_off), 0));
	memcpy(f, f + 6, 6);
	memcpy(f + 6, ifc->mac, 6);
	return MP_V_REPLY;
}

/* The IPv4 header checksum is right (sums to 0xffff). A 20-byte header is summed as five 32-bit words
 * as they lie in memory (the one's-complement sum does not depend on byte order, RFC 1071). */
static inline bool ip_csum_ok(const uint8_t *ip, uint8_t ihl)
{
	if (__builtin_expect(ihl == 20, 1)) {
		uint32_t w[5];

		memcpy(w, ip, 20);
		return mp_csum_fold64((uint64_t)w[0] + w[1] + w[2] + w[3] + w[4]) == 0xffff;
	}
	return mp_csum(ip, ihl, 0) == 0xffff;
}

enum mp_verdict mp_classify(uint8_t *f, size_t len, const struct mp_iface *ifc, struct mp_pkt *pkt)
{
	return mp_classify_hw(f, len, ifc, pkt, 0);
}

enum mp_verdict mp_classify_hw(uint8_t *f, size_t len, const struct mp_iface *ifc, struct mp_pkt *pkt, unsigned hw)
{
	uint16_t type, off = ETH_HLEN, ip_len, frag;
	uint8_t *ip, ihl;
	enum mp_verdict v;

	memset(pkt, 0, sizeof(*pkt));
	if (len < ETH_HLEN)
		return mp_classify_drop(pkt, MP_DROP_RUNT);
	type = mp_rd16(f + 12);
	if (type == ETHERTYPE_VLAN) {
		if (len < ETH_HLEN + 4 || !ifc->vlan_id || (mp_rd16(f + 14) & 0x0fff) != ifc->vlan_id)
			return mp_classify_drop(pkt, MP_DROP_VLAN);
		type = mp_rd16(f + 16);
		off += 4;
	} else if (ifc->vlan_id) {
		return mp_classify_drop(pkt, MP_DROP_VLAN);
	}
	memcpy(pkt->src_mac, f + 6, 6);
	pkt->l3_off = off;
	if (type == ETHERTYPE_ARP)
		return do_arp(f, len, ifc, pkt);
	if (type == ETHERTYPE_IPV6 && ifc->has_ip6)
		return mp_classify6(f, len, ifc, pkt, hw);
	if (type != ETHERTYPE_IPV4)
		return mp_classify_drop(pkt, MP_DROP_ETHERTYPE);
	ip = f + off;
	if (len < (size_t)off + 20)
		return mp_classify_drop(pkt, MP_DROP_IP_HEADER);
	ihl = (uint8_t)((ip[0] & 0x0f) * 4);
	ip_len = mp_rd16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < 20 || ip_len < ihl || (size_t)off + ip_len > len)
		return mp_classify_drop(pkt, MP_DROP_IP_HEADER);
	if ((hw & MP_HW_IP_BAD) || (!(hw & MP_HW_IP_GOOD) && !ip_csum_ok(ip, ihl)))
		return mp_classify_drop(pkt, MP_DROP_IP_CHECKSUM);
	pkt->src_ip = mp_rd32(ip + 12);
	pkt->dst_ip = mp_rd32(ip + 16);
	if (pkt->dst_ip != ifc->ip && (!ifc->service_ip || pkt->dst_ip != ifc->service_ip))
		return mp_classify_drop(pkt, MP_DROP_NOT_US);
	frag = mp_rd16(ip + 6);
	if ((frag & 0x3fff) != 0) /* MF set or an offset: RFC 791 section 3.2 */
		return mp_classify_exception(pkt, MP_DROP_IP_FRAGMENT);
	if (ihl != 20)
		return mp_classify_exception(pkt, MP_DROP_IP_OPTIONS);
	pkt->l4_off = (uint16_t)(off + ihl);
	if (ip[9] == 1)
		return do_icmp(f, ifc, pkt, ip_len);
	if (ip[9] == 6)
		return mp_classify_exception(pkt, MP_DROP_TCP);
	if (ip[9] != 17)
		return mp_classify_exception(pkt, MP_DROP_OTHER_PROTO);
	{
		uint8_t *u = f + pkt->l4_off;
		uint16_t ulen;

		if (ip_len < ihl + 8)
			return mp_classify_drop(pkt, MP_DROP_UDP_MALFORMED);
		ulen = mp_rd16(u + 4);
		if (ulen < 8 || ulen > ip_len - ihl || (hw & MP_HW_L4_BAD))
			return mp_classify_drop(pkt, MP_DROP_UDP_MALFORMED);
		v = mp_classify_udp(u, ulen, ifc, pkt);
		if (v == MP_V_EXCEPTION)
			return v;
		/* RFC 1812 section 5.3.1: a datagram the data plane forwards (media, and the handshakes it
		 * relays) must not leave with TTL 0, so one arriving with TTL <= 1 is dropped and counted. No
		 * ICMP time exceeded is sent (the kernel's own traffic, e.g. traceroute to the appliance, goes
		 * to the exception path above and is answered there). */
		if (ip[8] <= 1)
			return mp_classify_drop(pkt, MP_DROP_TTL);
		return v;
	}
}
