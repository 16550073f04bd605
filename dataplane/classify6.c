/* classify6.c: IPv6 frames to the appliance: neighbour discovery, ICMPv6 echo, UDP to the media ports (plain buffer). */
#include "classify.h"
#include "ipv6.h"
#include "mp_error.h"

#include <string.h>

/* RFC 4861 sections 7.1 and 7.2.3: a solicitation must name our address; an advertisement is looked
 * at by the worker (it is taken only for an address we asked about). */
static enum mp_verdict do_nd(uint8_t *ip, const struct mp_ip6 *m, const struct mp_iface *ifc, struct mp_pkt *pkt)
{
	struct mp_nd nd;

	if (mp_nd_parse(ip, m, &nd) != MP_OK)
		return mp_classify_drop(pkt, MP_DROP_ND_MALFORMED);
	if (nd.type == MP_ND_NS && memcmp(nd.target, ifc->ip6, 16))
		return mp_classify_drop(pkt, MP_DROP_ND_NOT_US);
	pkt->is_arp_request = nd.type == MP_ND_NS;
	if (nd.has_lladdr) {
		memcpy(pkt->src_mac, nd.lladdr, 6);
		pkt->nd_lladdr = 1;
	}
	return MP_V_ND;
}

enum mp_verdict mp_classify6(uint8_t *f, size_t len, const struct mp_iface *ifc, struct mp_pkt *pkt, unsigned hw)
{
	uint8_t *ip = f + pkt->l3_off, *l4, sn[16];
	enum mp_ip6_res r;
	struct mp_ip6 m;
	bool multicast = false;
	enum mp_verdict v;

	pkt->is_v6 = 1;
	r = mp_ip6_parse(ip, len - pkt->l3_off, &m);
	if (r == MP_IP6_MALFORMED)
		return mp_classify_drop(pkt, MP_DROP_IP6_HEADER);
	if (memcmp(ip + 24, ifc->ip6, 16)) {
		/* RFC 4291 section 2.7.1: our solicited-node group carries solicitations for our address */
		mp_ip6_solicited_node(ifc->ip6, sn);
		if (memcmp(ip + 24, sn, 16))
			return mp_classify_drop(pkt, MP_DROP_NOT_US);
		multicast = true;
	}
	if (r == MP_IP6_EXT_BAD)
		return mp_classify_drop(pkt, MP_DROP_IP6_EXTENSION);
	if (r == MP_IP6_FRAGMENT) /* the kernel reassembles (RFC 8200 section 4.5) */
		return multicast ? mp_classify_drop(pkt, MP_DROP_IP_FRAGMENT) : mp_classify_exception(pkt, MP_DROP_IP_FRAGMENT);
	pkt->l4_off = (uint16_t)(pkt->l3_off + m.l4_off);
	l4 = f + pkt->l4_off;
	if (m.proto == MP_IPPROTO_ICMPV6) {
		if (m.l4_len < 4)
			return mp_classify_drop(pkt, MP_DROP_ICMP_MALFORMED);
		if (l4[0] == MP_ND_NS || l4[0] == MP_ND_NA)
			return do_nd(ip, &m, ifc, pkt);
		if (multicast)
			return mp_classify_drop(pkt, MP_DROP_NOT_US);
		if (l4[0] != MP_ICMP6_ECHO_REQUEST)
			return mp_classify_exception(pkt, MP_DROP_ICMP_OTHER); /* errors (packet too big...) for the kernel's TCP */
		if (mp_icmp6_echo_reply(ip, &m) != MP_OK)
			return mp_classify_drop(pkt, MP_DROP_ICMP_MALFORMED);
		memcpy(f, f + 6, 6);
		memcpy(f + 6, ifc->mac, 6);
		return MP_V_REPLY;
	}
	if (multicast)
		return mp_classify_drop(pkt, MP_DROP_NOT_US);
	if (m.proto == MP_IPPROTO_TCP)
		return mp_classify_exception(pkt, MP_DROP_TCP);
	if (m.proto != MP_IPPROTO_UDP)
		return mp_classify_exception(pkt, MP_DROP_OTHER_PROTO);
	{
		uint16_t ulen;

		if (m.l4_len < 8)
			return mp_classify_drop(pkt, MP_DROP_UDP_MALFORMED);
		ulen = mp_rd16(l4 + 4);
		/* RFC 8200 section 8.1: the UDP checksum is mandatory over IPv6 */
		if (ulen < 8 || ulen > m.l4_len || mp_rd16(l4 + 6) == 0 || (hw & MP_HW_L4_BAD))
			return mp_classify_drop(pkt, MP_DROP_UDP_MALFORMED);
		v = mp_classify_udp(l4, ulen, ifc, pkt);
		if (v == MP_V_EXCEPTION)
			return v;
		/* RFC 8200 section 3: the hop limit, as the IPv4 TTL (classify.c) */
		if (m.hop_limit <= 1)
			return mp_classify_drop(pkt, MP_DROP_TTL);
		return v;
	}
}
