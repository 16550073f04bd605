/* dp_srt_frame.c: builds the UDP/IPv4 frames the SRT relay originates (handshake answers, replays, rejections). */
#include "dp_media.h"
#include "dp_srt.h"
#include "mp_error.h"

#include <string.h>

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

struct rte_mbuf *mp_dp_udp_frame(struct rte_mempool *pool, const struct mp_iface *ifc, const uint8_t dst_mac[6],
				 uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port,
				 const uint8_t *payload, size_t len)
{
	size_t l2 = ifc->vlan_id ? 18 : 14, total = l2 + 20 + 8 + len;
	struct rte_mbuf *m;
	uint8_t *f, *ip, *u;
	uint32_t sum;
	uint16_t uc;

	if (len > 1472 || !(m = rte_pktmbuf_alloc(pool)))
		return NULL;
	if (total > rte_pktmbuf_tailroom(m)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	f = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, ifc->mac, 6);
	if (ifc->vlan_id) {
		wr16(f + 12, 0x8100);
		wr16(f + 14, ifc->vlan_id & 0x0fff);
	}
	wr16(f + l2 - 2, 0x0800);
	ip = f + l2;
	ip[0] = 0x45;
	ip[1] = 0;
	wr16(ip + 2, (uint16_t)(20 + 8 + len));
	wr16(ip + 4, 0);
	wr16(ip + 6, 0x4000); /* DF: handshakes fit the path MTU (RFC 791) */
	ip[8] = 64;
	ip[9] = 17;
	wr16(ip + 10, 0);
	wr32(ip + 12, src_ip);
	wr32(ip + 16, dst_ip);
	wr16(ip + 10, (uint16_t)~mp_csum(ip, 20, 0));
	u = ip + 20;
	wr16(u, src_port);
	wr16(u + 2, dst_port);
	wr16(u + 4, (uint16_t)(8 + len));
	wr16(u + 6, 0);
	memcpy(u + 8, payload, len);
	/* RFC 768: the checksum covers a pseudo-header of addresses, protocol and UDP length. */
	sum = (src_ip >> 16) + (src_ip & 0xffff) + (dst_ip >> 16) + (dst_ip & 0xffff) + 17 + (uint32_t)(8 + len);
	uc = (uint16_t)~mp_csum(u, 8 + len, sum);
	wr16(u + 6, uc ? uc : 0xffff);
	m->data_len = (uint16_t)total;
	m->pkt_len = (uint32_t)total;
	return m;
}

void mp_dp_srt_send_client(struct mp_dp_worker *w, unsigned pi, const uint8_t mac[6], uint32_t client_ip,
			   uint16_t client_port, const uint8_t *payload, size_t len)
{
	struct mp_dp_port *p = &w->dp->ports[pi];
	struct rte_mbuf *m = mp_dp_udp_frame(w->dp->pool, &p->iface, mac, p->iface.ip, p->iface.srt_port, client_ip,
					     client_port, payload, len);

	if (!m) {
		w->stats.drops[MP_DROP_TX_FULL]++;
		return;
	}
	mp_dp_tx(w, pi, m);
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
	m = mp_dp_udp_frame(w->dp->pool, &p->iface, mac, p->iface.ip, s->nat_port, s->origin_ipv4, s->origin_port,
			    payload, len);
	if (!m) {
		w->stats.drops[MP_DROP_TX_FULL]++;
		return;
	}
	mp_dp_tx(w, po, m);
}
