/* dp_txcsum.h: TX checksum offload of the frames the data plane rewrites: which checksums the port completes, and the mbuf fields that tell it. */
#ifndef MP_DP_TXCSUM_H
#define MP_DP_TXCSUM_H

#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "classify.h"
#include "dp.h"
#include "dp_v6client.h"
#include "rewrite.h"

/* Which checksums of classified UDP/IPv4 frame m (MP_RW_HW_*) to leave to a port whose enabled TX
 * offloads are tx_offloads (RTE_ETH_TX_OFFLOAD_*; 0 on a port without them or with
 * tx_csum_offload = off: the software path, rewrite.c's incremental update).
 * The IPv4 header checksum: always (classify verified the received one). The UDP checksum only
 * where the receiving port verified it (RTE_MBUF_F_RX_L4_CKSUM_GOOD): summed afresh over a payload
 * damaged before us it would hide the damage from the receiver, which the incremental update
 * (RFC 1624) carries through; a zero one (none, RFC 768) stays zero. */
static inline unsigned mp_dp_tx_csum_choose(const struct rte_mbuf *m, const struct mp_pkt *pkt, uint64_t tx_offloads)
{
	unsigned hw = 0;

	if (likely(!tx_offloads))
		return 0;
	if (tx_offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
		hw |= MP_RW_HW_IP;
	if ((tx_offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) &&
	    (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
	    mp_rd16(rte_pktmbuf_mtod(m, const uint8_t *) + pkt->l4_off + 6) != 0)
		hw |= MP_RW_HW_UDP;
	return hw;
}

/* After mp_udp_rewrite_hw(..., hw): what DPDK's TX offload contract asks of the mbuf: l2_len (VLAN
 * tag included) and l3_len, RTE_MBUF_F_TX_IPV4 with RTE_MBUF_F_TX_IP_CKSUM and/or
 * RTE_MBUF_F_TX_UDP_CKSUM, and for the UDP one the pseudo-header sum in the checksum field. l4_len
 * too: the API does not ask for it, but net_tap (22.11) takes l2 + l3 + l4 as the headers it copies
 * before summing. hw == 0: nothing is touched. */
static inline void mp_dp_tx_csum_prepare(struct rte_mbuf *m, const struct mp_pkt *pkt, unsigned hw)
{
	uint64_t fl = RTE_MBUF_F_TX_IPV4;

	if (likely(!hw))
		return;
	m->l2_len = pkt->l3_off;
	m->l3_len = (uint64_t)(pkt->l4_off - pkt->l3_off);
	m->l4_len = sizeof(struct rte_udp_hdr);
	if (hw & MP_RW_HW_IP)
		fl |= RTE_MBUF_F_TX_IP_CKSUM;
	if (hw & MP_RW_HW_UDP) {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, pkt->l3_off);
		struct rte_udp_hdr *u = rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, pkt->l4_off);

		fl |= RTE_MBUF_F_TX_UDP_CKSUM;
		u->dgram_cksum = rte_ipv4_phdr_cksum(ip, fl);
	}
	m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_TX_OFFLOAD_MASK) | fl;
}

/* Rewrite classified frame m to leave port out of dp from that port's MAC (mp_udp_rewrite: MACs,
 * addresses, ports, TTL), its checksums updated in software or left to the port. */
static inline void mp_dp_udp_rewrite(const struct mp_dp *dp, unsigned out, struct rte_mbuf *m, const struct mp_pkt *pkt,
				     const uint8_t dst_mac[6], uint32_t src_ip, uint16_t src_port, uint32_t dst_ip,
				     uint16_t dst_port)
{
	const struct mp_dp_port *p = &dp->ports[out];
	/* to an IPv6 client's or origin's stand-in: mp_dp_tx_udp translates it, from complete checksums */
	unsigned hw = mp_lb_is_standin(dst_ip) ? 0 : mp_dp_tx_csum_choose(m, pkt, p->tx_offloads);

	mp_udp_rewrite_fast(rte_pktmbuf_mtod(m, uint8_t *), pkt, p->iface.mac, dst_mac, src_ip, src_port, dst_ip,
			    dst_port, hw);
	mp_dp_tx_csum_prepare(m, pkt, hw);
}

#endif
