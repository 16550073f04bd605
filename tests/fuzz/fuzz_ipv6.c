/* fuzz_ipv6.c: raw IPv6 datagrams into the IPv6 parser (header, extension-header walk), the neighbour
 * discovery and echo handlers, the data plane's classifier behind an Ethernet header, and the
 * translation of an IPv6 client's media (and of an IPv6 origin's answers to a NAT port) to IPv4 and
 * back (never crash, never overread, offsets always within the datagram, a checksum that verified
 * still verifies after both translations). */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "ipv6.h"
#include "mp_error.h"
#include "rewrite.h"

static const uint8_t US[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static void parse_checks(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);
	struct mp_ip6 m;
	struct mp_nd nd;

	memcpy(p, data, size);
	if (mp_ip6_parse(p, size, &m) == MP_IP6_OK) {
		if (m.len > size || m.l4_off < MP_IP6_HLEN || (size_t)m.l4_off + m.l4_len != m.len || m.n_ext > MP_IP6_EXT_MAX)
			abort();
		if (mp_nd_parse(p, &m, &nd) == MP_OK && nd.type != MP_ND_NS && nd.type != MP_ND_NA)
			abort();
		if (mp_icmp6_echo_reply(p, &m) == MP_OK && !mp_ip6_l4_csum_ok(p, p + m.l4_off, m.l4_len, MP_IPPROTO_ICMPV6))
			abort(); /* a reply we send must verify */
	}
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	struct mp_iface ifc = { .ip = 0xc6120002, .prefix = 24, .webrtc_port = 8000, .srt_port = 10080,
				.nat_port_min = 32768, .nat_port_max = 65535, .prefix6 = 64, .has_ip6 = 1 };
	struct mp_pkt pkt;
	enum mp_verdict v;
	uint8_t *f;

	if (size > 65536)
		return 0;
	parse_checks(data, size);
	/* behind an Ethernet header, exact-size on the heap so ASan sees any read past the frame */
	f = malloc(size + 14);
	memcpy(ifc.mac, mac, 6);
	memcpy(ifc.ip6, US, 16);
	memcpy(f, mac, 6);
	memset(f + 6, 0xaa, 6);
	f[12] = 0x86, f[13] = 0xdd;
	memcpy(f + 14, data, size);
	v = mp_classify(f, size + 14, &ifc, &pkt);
	if ((v == MP_V_WEBRTC || v == MP_V_SRT || v == MP_V_NAT) && (size_t)pkt.payload_off + pkt.payload_len > size + 14)
		abort();
	if (v == MP_V_NAT && (pkt.dst_port < ifc.nat_port_min || pkt.dst_port > ifc.nat_port_max))
		abort();
	if (v == MP_V_WEBRTC || v == MP_V_SRT || v == MP_V_NAT) {
		const uint8_t *ip6 = f + 14;
		bool ok6 = mp_ip6_l4_csum_ok(ip6, f + pkt.l4_off, (size_t)(pkt.payload_off - pkt.l4_off) + pkt.payload_len,
					     MP_IPPROTO_UDP);
		uint8_t peer[16];
		size_t shift, n;
		uint8_t *g;

		memcpy(peer, ip6 + 8, 16);
		/* a client's stand-in (0.0.0.0/8), or an origin's (0.255.0.0/16) */
		shift = mp_udp6_to_4(f, &pkt, v == MP_V_NAT ? 0x00ff0001u : 0x00000007u, ifc.ip);
		g = f + shift;
		if (shift < 20 || pkt.is_v6 || mp_csum(g + 14, 20, 0) != 0xffff)
			abort();
		/* back, as a reply would go (addresses as they were, so the checksum must verify as before) */
		n = mp_udp4_to_6(g - 20, 14, peer, US);
		if (n > size + 14 - (shift - 20))
			abort();
		if (ok6 && !mp_ip6_l4_csum_ok(g - 20 + 14, g - 20 + 54, n - 54, MP_IPPROTO_UDP))
			abort();
	}
	if (v != MP_V_DROP && v != MP_V_REPLY && v != MP_V_ND && v != MP_V_EXCEPTION && v != MP_V_WEBRTC && v != MP_V_SRT &&
	    v != MP_V_NAT)
		abort();
	if ((v == MP_V_DROP || v == MP_V_EXCEPTION) && pkt.drop >= MP_DROP__COUNT)
		abort();
	free(f);
	return 0;
}
