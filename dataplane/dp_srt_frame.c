/* dp_srt_frame.c: builds the UDP/IPv4 frames the SRT relay originates (handshake answers, replays, rejections). */
#include "dp_media.h"
#include "dp_srt.h"
#include "dp_v6client.h"
#include "mp_error.h"

#include <string.h>

#include <netinet/in.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

struct rte_mbuf *mp_dp_udp_frame(struct rte_mempool *pool, const struct mp_iface *ifc, const uint8_t dst_mac[6],
				 uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port,
				 const uint8_t *payload, size_t len)
{
	size_t l2 = sizeof(struct rte_ether_hdr) + (ifc->vlan_id ? sizeof(struct rte_vlan_hdr) : 0);
	size_t total = l2 + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr) + len;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *u;
	struct rte_mbuf *m;

	if (len > 1472 || !(m = rte_pktmbuf_alloc(pool)))
		return NULL;
	if (total > rte_pktmbuf_tailroom(m)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	memcpy(&eth->dst_addr, dst_mac, RTE_ETHER_ADDR_LEN);
	memcpy(&eth->src_addr, ifc->mac, RTE_ETHER_ADDR_LEN);
	if (ifc->vlan_id) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(ifc->vlan_id & 0x0fff);
		vh->eth_proto = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	} else {
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l2);
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*u) + len)),
		.fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG), /* handshakes fit the path MTU (RFC 791) */
		.time_to_live = 64,
		.next_proto_id = IPPROTO_UDP,
		.src_addr = rte_cpu_to_be_32(src_ip),
		.dst_addr = rte_cpu_to_be_32(dst_ip),
	};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	u = (struct rte_udp_hdr *)(ip + 1);
	u->src_port = rte_cpu_to_be_16(src_port);
	u->dst_port = rte_cpu_to_be_16(dst_port);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*u) + len));
	u->dgram_cksum = 0;
	memcpy(u + 1, payload, len);
	/* RFC 768: over a pseudo-header of addresses, protocol and length; a zero result is sent as 0xffff. */
	u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
	m->data_len = (uint16_t)total;
	m->pkt_len = (uint32_t)total;
	return m;
}

void mp_dp_srt_send_client(struct mp_dp_worker *w, unsigned pi, const uint8_t mac[6], uint32_t client_ip,
			   uint16_t client_port, const uint8_t *payload, size_t len)
{
	struct mp_dp_port *p = &w->dp->ports[pi];
	/* With a service address the fleet's clients address that one (docs/fleet.md), so it answers. */
	uint32_t from = p->iface.service_ip ? p->iface.service_ip : p->iface.ip;
	struct rte_mbuf *m = mp_dp_udp_frame(w->dp->pool, &p->iface, mac, from, p->iface.srt_port, client_ip,
					     client_port, payload, len);

	if (!m) {
		w->stats.drops[MP_DROP_TX_FULL]++;
		return;
	}
	mp_dp_tx_udp(w, pi, m, w->turn_ms);
}

void mp_dp_srt_send_origin(struct mp_dp_worker *w, const struct mp_lb_session *s, const uint8_t *payload,
			   size_t len, uint64_t now_ms)
{
	unsigned po = mp_dp_srt_origin_pi(w->dp);
	struct mp_dp_port *p = &w->dp->ports[po];
	uint8_t mac[6];
	struct rte_mbuf *m;

	if (mp_dp_resolve(w->dp, w, po, s->origin_ipv4, mac, now_ms) != MP_OK) {
		w->stats.drops[MP_DROP_NO_NEXTHOP]++;
		return;
	}
	m = mp_dp_udp_frame(w->dp->pool, &p->iface, mac, mp_dp_nat_ip(w->dp, po), s->nat_port, s->origin_ipv4,
			    s->origin_port, payload, len);
	if (!m) {
		w->stats.drops[MP_DROP_TX_FULL]++;
		return;
	}
	mp_dp_tx_udp(w, po, m, now_ms); /* an IPv6 origin's stand-in: translated there */
}
