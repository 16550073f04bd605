/* classify.h: what to do with one received frame — pure logic over a plain buffer (no DPDK). */
#ifndef MP_CLASSIFY_H
#define MP_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "byteorder.h" /* mp_csum, mp_rd16... */
#include "dp_stats.h"

/* The appliance's identity on one port. Addresses in host byte order. */
struct mp_iface {
	uint8_t mac[6];
	uint32_t ip;
	uint32_t service_ip; /* 0: none. The fleet's shared address (/32, announced by BGP): also ours for
			      * IPv4, never answered in ARP (the router reaches it through ip) */
	uint8_t prefix;
	uint32_t gateway;   /* 0: none */
	uint16_t vlan_id;   /* 0: untagged */
	uint16_t webrtc_port;
	uint16_t srt_port;
	uint16_t nat_port_min, nat_port_max;
	/* IPv6 (classify6.c): all zero when the port has none (IPv6 frames are then dropped as ethertype) */
	uint8_t ip6[16];
	uint8_t gateway6[16];  /* all zero: none */
	uint8_t prefix6;
	uint8_t has_ip6;
};

enum mp_verdict {
	MP_V_DROP = 0,      /* pkt->drop says why */
	MP_V_REPLY,         /* the frame was rewritten in place into an answer (ARP, ICMP echo): send it back */
	MP_V_ARP_LEARN,     /* an ARP reply or request for us whose sender can be learned; consumed */
	MP_V_WEBRTC,        /* UDP to webrtc_port */
	MP_V_SRT,           /* UDP to srt_port */
	MP_V_NAT,           /* UDP to a NAT port (origin → client) */
	MP_V_EXCEPTION,     /* for the appliance but not the fast path (TCP, other UDP, fragments...) */
	MP_V_ND,            /* IPv6 neighbour discovery: a valid solicitation for our address
			     * (is_arp_request) or an advertisement; the worker learns and answers */
};

/* Offsets and fields of a classified frame. Addresses and ports in host byte order. */
struct mp_pkt {
	uint16_t l3_off;        /* IPv4 (or ARP) header */
	uint16_t l4_off;        /* UDP/ICMP header */
	uint16_t payload_off;   /* UDP payload */
	uint16_t payload_len;
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
	uint8_t src_mac[6];
	uint8_t drop;           /* enum mp_dp_drop when MP_V_DROP */
	uint8_t is_arp_request; /* MP_V_REPLY/ARP_LEARN: it was a request; MP_V_ND: a solicitation */
	uint8_t is_v6;          /* IPv6: src_ip/dst_ip are 0, the addresses are at l3_off + 8 and + 24 */
	uint8_t nd_lladdr;      /* MP_V_ND: src_mac is the message's link-layer address option */
};

/* Classify frame (len bytes) received on ifc. ARP requests for ifc->ip and ICMP echo requests to it
 * are answered in place (MP_V_REPLY, same length). Header checks per RFC 791/1122: version 4, IHL,
 * total length within the frame, header checksum; fragments and options are not for the fast path. */
enum mp_verdict mp_classify(uint8_t *frame, size_t len, const struct mp_iface *ifc, struct mp_pkt *pkt);
/* The same, with what the port's hardware already checked (MP_HW_*, from the mbuf's RX offload
 * flags): a header checksum it verified is not summed again; one it found bad is dropped
 * (ip_checksum), as is a bad UDP checksum (udp_malformed). */
#define MP_HW_IP_GOOD 1u
#define MP_HW_IP_BAD 2u
#define MP_HW_L4_BAD 4u
enum mp_verdict mp_classify_hw(uint8_t *frame, size_t len, const struct mp_iface *ifc, struct mp_pkt *pkt, unsigned hw);
/* The IPv6 part (classify6.c), from mp_classify_hw with pkt->l3_off set: RFC 8200 header and
 * extension headers (proto/ipv6.h: handled or dropped as ip6_extension; fragments to the kernel),
 * to our address (or, for neighbour solicitations only, its solicited-node group): neighbour
 * discovery (MP_V_ND), echo answered in place (MP_V_REPLY, same length), UDP to the WebRTC and SRT
 * ports (a zero UDP checksum dropped, RFC 8200 section 8.1) and to the NAT ports (MP_V_NAT: an IPv6
 * origin's answers; the worker gives what no IPv6 origin sent to the kernel), the rest to the kernel. */
enum mp_verdict mp_classify6(uint8_t *frame, size_t len, const struct mp_iface *ifc, struct mp_pkt *pkt, unsigned hw);

/* The classifiers' verdicts with a reason: dropped here, or for the kernel (`why` is the drop reason
 * counted when no exception path is configured). */
static inline enum mp_verdict mp_classify_drop(struct mp_pkt *pkt, enum mp_dp_drop why)
{
	pkt->drop = (uint8_t)why;
	return MP_V_DROP;
}

static inline enum mp_verdict mp_classify_exception(struct mp_pkt *pkt, enum mp_dp_drop why)
{
	pkt->drop = (uint8_t)why;
	return MP_V_EXCEPTION;
}

/* Both families, once the UDP header u (at pkt->l4_off, length ulen checked) is known good: ports and
 * payload into pkt, and the verdict by destination port (WebRTC, SRT, a NAT port; the rest to the
 * kernel). */
static inline enum mp_verdict mp_classify_udp(const uint8_t *u, uint16_t ulen, const struct mp_iface *ifc,
					      struct mp_pkt *pkt)
{
	pkt->src_port = mp_rd16(u);
	pkt->dst_port = mp_rd16(u + 2);
	pkt->payload_off = (uint16_t)(pkt->l4_off + 8);
	pkt->payload_len = (uint16_t)(ulen - 8);
	if (pkt->dst_port == ifc->webrtc_port)
		return MP_V_WEBRTC;
	if (pkt->dst_port == ifc->srt_port)
		return MP_V_SRT;
	if (pkt->dst_port >= ifc->nat_port_min && pkt->dst_port <= ifc->nat_port_max)
		return MP_V_NAT; /* IPv6: an IPv6 origin's answer, or the kernel's own (dp_v6client.c tells) */
	return mp_classify_exception(pkt, MP_DROP_UDP_PORT);
}

#endif
