/* dp_worker.c: the run-to-completion worker loop: RX burst, classify, answer or hand to a media module, TX. */
#include "dp.h"
#include "dp_exception.h"
#include "dp_handoff.h"
#include "dp_media.h"
#include "dp_srt.h"
#include "dp_v6client.h"
#include "ipv6.h"
#include "lb.h"
#include "lb_redis.h"
#include "mp_error.h"
#include "rewrite.h"

#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring_elem.h>

void mp_dp_tx_flush(struct mp_dp_worker *w, unsigned pi)
{
	struct mp_dp_tx_batch *b = &w->tx[pi];
	uint16_t sent;

	if (!b->n)
		return;
	sent = rte_eth_tx_burst(w->dp->ports[pi].port_id, w->queue, b->pkts, b->n);
	for (uint16_t i = 0; i < sent; i++)
		w->stats.tx_bytes += rte_pktmbuf_pkt_len(b->pkts[i]);
	w->stats.tx_packets += sent;
	if (sent < b->n) {
		w->stats.drops[MP_DROP_TX_FULL] += (uint64_t)(b->n - sent);
		rte_pktmbuf_free_bulk(&b->pkts[sent], (unsigned)(b->n - sent));
	}
	b->n = 0;
}

/* Send an ARP request for target from this worker's queue on port pi (rare, rate-limited). */
static void send_arp_request(struct mp_dp *dp, struct mp_dp_worker *w, unsigned pi, uint32_t target)
{
	const struct mp_dp_port *p = &dp->ports[pi];
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp->pool);
	size_t len;

	if (!m)
		return;
	len = mp_build_arp_request(rte_pktmbuf_mtod(m, uint8_t *), &p->iface, target);
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	w->stats.arp_requests++;
	mp_dp_tx(w, pi, m);
}

int mp_dp_resolve_slow(struct mp_dp *dp, struct mp_dp_worker *w, unsigned pi, uint32_t dst, uint8_t mac[6],
		       uint64_t now_ms)
{
	struct mp_dp_port *p = &dp->ports[pi];
	uint32_t hop = mp_next_hop(dst, p->iface.ip, p->iface.prefix, p->iface.gateway);
	struct mp_dp_nh_cache *c = &w->nh[pi][mp_dp_nh_slot(hop)];
	bool refresh;

	/* An IPv6 client's or origin's stand-in: resolved over IPv6 where the frame is translated (mp_dp_tx_udp). */
	if (unlikely(mp_lb_is_standin(dst))) {
		memset(mac, 0, 6);
		return MP_OK;
	}
	if (!hop)
		return MP_ERR_NOTFOUND;
	/* (mp_dp_resolve looked in c first) */
	if (mp_arp_cache_lookup(&p->arp, hop, mac, now_ms, &refresh) == MP_OK) {
		c->hop = hop;
		memcpy(c->mac, mac, 6);
		c->until_ms = now_ms + MP_DP_NH_CACHE_MS;
		/* Getting old: keep forwarding with it while we ask again (the answer refreshes it). */
		if (unlikely(refresh) && mp_arp_cache_should_request(&p->arp, hop, now_ms))
			send_arp_request(dp, w, pi, hop);
		return MP_OK;
	}
	if (mp_arp_cache_should_request(&p->arp, hop, now_ms))
		send_arp_request(dp, w, pi, hop);
	return MP_ERR_NOTFOUND;
}

/* Send an IPv6 neighbour solicitation for target from this worker's queue on port pi (rare,
 * rate-limited): multicast, or a unicast probe to mac when the neighbour is known (RFC 4861 7.3.3). */
static void send_nd_solicit(struct mp_dp *dp, struct mp_dp_worker *w, unsigned pi, const uint8_t target[16],
			    const uint8_t *mac)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp->pool);
	size_t len;

	if (!m)
		return;
	len = mp_build_nd_solicit(rte_pktmbuf_mtod(m, uint8_t *), &dp->ports[pi].iface, target, mac);
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	w->stats.nd_solicitations++;
	mp_dp_tx(w, pi, m);
}

int mp_dp_resolve6(struct mp_dp *dp, struct mp_dp_worker *w, unsigned pi, const uint8_t dst[16], uint8_t mac[6],
		   uint64_t now_ms)
{
	struct mp_dp_port *p = &dp->ports[pi];
	const uint8_t *hop = dst;
	struct mp_dp_nh6_cache *c;
	bool refresh;

	if (!p->iface.has_ip6)
		return MP_ERR_NOTFOUND;
	/* on-link: our prefix, and link-local fe80::/10 (RFC 4291 section 2.5.6) */
	if (!mp_ip6_same_prefix(dst, p->iface.ip6, p->iface.prefix6) && !(dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80)) {
		if (mp_ip6_is_unspecified(p->iface.gateway6))
			return MP_ERR_NOTFOUND;
		hop = p->iface.gateway6;
	}
	c = &w->nh6[pi][mp_dp_nh6_slot(hop)];
	if (likely(now_ms < c->until_ms && !memcmp(c->hop, hop, 16))) {
		memcpy(mac, c->mac, 6);
		return MP_OK;
	}
	if (mp_nd_cache_lookup(&p->nd, hop, mac, now_ms, &refresh) == MP_OK) {
		memcpy(c->hop, hop, 16);
		memcpy(c->mac, mac, 6);
		c->until_ms = now_ms + MP_DP_NH_CACHE_MS;
		/* Getting old (RFC 4861's STALE): keep using it while we probe it (the answer refreshes it). */
		if (unlikely(refresh) && mp_nd_cache_should_request(&p->nd, hop, now_ms))
			send_nd_solicit(dp, w, pi, hop, mac);
		return MP_OK;
	}
	if (mp_nd_cache_should_request(&p->nd, hop, now_ms))
		send_nd_solicit(dp, w, pi, hop, NULL);
	return MP_ERR_NOTFOUND;
}

/* IPv6 neighbour discovery for port pi (classify6.c validated it). A solicitation for our address:
 * its sender is learned (RFC 4861 section 7.2.3) if on our prefix or link-local, and answered in
 * place. An advertisement is taken only for an address we asked about, then given to the kernel
 * (it resolves its own next hops, as with ARP replies). */
static void handle_nd(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
		      uint64_t now_ms)
{
	struct mp_dp_port *p = &w->dp->ports[pi];
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	const uint8_t *src = f + pkt->l3_off + 8, *target = f + pkt->l4_off + 8;
	size_t len;

	if (!pkt->is_arp_request) {
		mp_nd_cache_reply(&p->nd, target, pkt->nd_lladdr ? pkt->src_mac : f + 6, now_ms);
		mp_dp_exception_arp(w, pi, m, now_ms);
		return;
	}
	if (pkt->nd_lladdr && !mp_ip6_is_unspecified(src) &&
	    (mp_ip6_same_prefix(src, p->iface.ip6, p->iface.prefix6) || (src[0] == 0xfe && (src[1] & 0xc0) == 0x80)))
		mp_nd_cache_learn(&p->nd, src, pkt->src_mac, now_ms);
	len = mp_nd_answer(f, rte_pktmbuf_data_len(m) + rte_pktmbuf_tailroom(m), pkt, &p->iface);
	if (!len) {
		mp_dp_drop(w, m, MP_DROP_ND_MALFORMED);
		return;
	}
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	w->stats.nd_advertisements++;
	mp_dp_tx(w, pi, m);
}

/* What the port's hardware checked (RX checksum offload, enabled in dp_port.c where the port has it);
 * a port without it reports UNKNOWN and classify checks in software. */
static inline unsigned rx_hw_flags(const struct rte_mbuf *m)
{
	uint64_t ip = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK, l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	return (ip == RTE_MBUF_F_RX_IP_CKSUM_GOOD ? MP_HW_IP_GOOD : ip == RTE_MBUF_F_RX_IP_CKSUM_BAD ? MP_HW_IP_BAD : 0) |
	       (l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD ? MP_HW_L4_BAD : 0);
}

/* The WebRTC, SRT and NAT frames of one RX burst (or hand-off) of one port, by kind (enum
 * mp_dp_xfer_kind), handed over together so their sessions are looked up in bulk. */
struct rx_batch {
	struct rte_mbuf *m[MP_BURST];
	struct mp_pkt pkt[MP_BURST];
	unsigned n;
};
struct rx_batches {
	struct rx_batch b[MP_DP_XFER__COUNT];
};

static inline void batch_add(struct rx_batches *bs, enum mp_dp_xfer_kind k, struct rte_mbuf *m, const struct mp_pkt *pkt)
{
	struct rx_batch *b = &bs->b[k];

	b->m[b->n] = m;
	b->pkt[b->n++] = *pkt;
}

/* Handle one frame from port pi. Frames must be contiguous (one segment) for the fast path. */
static inline void handle(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, uint64_t now_ms,
			  struct rx_batches *bs)
{
	struct mp_dp_port *p = &w->dp->ports[pi];
	struct mp_pkt pkt;
	enum mp_verdict v;
	unsigned owner;

	w->stats.rx_packets++;
	w->stats.rx_bytes += rte_pktmbuf_pkt_len(m);
	if (unlikely(m->nb_segs != 1)) {
		mp_dp_drop(w, m, MP_DROP_IP_HEADER);
		return;
	}
	v = mp_classify_hw(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), &p->iface, &pkt, rx_hw_flags(m));
	/* An IPv6 client's media, and an IPv6 origin's answers, enter the IPv4 session machinery as
	 * their stand-in (dp_v6client.h). */
	if (unlikely(pkt.is_v6)) {
		if ((v == MP_V_WEBRTC || v == MP_V_SRT) && !mp_dp_v6_ingress(w, pi, m, &pkt, now_ms))
			return;
		if (v == MP_V_NAT && !mp_dp_v6_origin_ingress(w, pi, m, &pkt))
			return;
	}
	switch (v) {
	case MP_V_WEBRTC:
		batch_add(bs, MP_DP_XFER_WEBRTC, m, &pkt);
		return;
	case MP_V_SRT:
		batch_add(bs, MP_DP_XFER_SRT, m, &pkt);
		return;
	case MP_V_NAT:
		/* Return traffic of another worker's NAT slice goes to that worker (without rte_flow
		 * steering, or while a rule is missing), classified once. */
		owner = mp_dp_nat_owner(w->dp, pkt.dst_port);
		if (unlikely(owner != w->queue)) {
			mp_dp_handoff(w, owner, m, &pkt, pi, MP_DP_XFER_NAT);
			return;
		}
		batch_add(bs, MP_DP_XFER_NAT, m, &pkt);
		return;
	case MP_V_REPLY:
		if (pkt.is_arp_request) {
			/* RFC 826: the requester's mapping is learned as well as answered ("am I the target?
			 * then add"), if it is on our link (only such an address is ever a next hop). */
			if (mp_next_hop(pkt.src_ip, p->iface.ip, p->iface.prefix, 0) == pkt.src_ip)
				mp_arp_cache_learn(&p->arp, pkt.src_ip, pkt.src_mac, now_ms);
			w->stats.arp_replies++;
		} else {
			w->stats.icmp_echo_replies++;
		}
		mp_dp_tx(w, pi, m);
		return;
	case MP_V_ND:
		handle_nd(w, pi, m, &pkt, now_ms);
		return;
	case MP_V_ARP_LEARN:
		/* A reply: only for an address we asked about; an unsolicited one creates nothing. */
		mp_arp_cache_reply(&p->arp, pkt.src_ip, pkt.src_mac, now_ms);
		mp_dp_exception_arp(w, pi, m, now_ms); /* the kernel resolves its own next hops */
		return;
	case MP_V_EXCEPTION:
		mp_dp_exception_rx(w, pi, m, &pkt, now_ms);
		return;
	case MP_V_DROP:
	default:
		mp_dp_drop(w, m, pkt.drop);
		return;
	}
}

/* The batches of port pi, each with one bulk lookup. */
static inline void run_batches(struct mp_dp_worker *w, unsigned pi, struct rx_batches *bs, uint64_t now_ms,
			       bool handed)
{
	struct rx_batch *b = bs->b;

	/* Return traffic first: a frame of the burst reaches a session only if it existed before it. */
	if (b[MP_DP_XFER_NAT].n)
		mp_dp_nat_rx_burst(w, pi, b[MP_DP_XFER_NAT].m, b[MP_DP_XFER_NAT].pkt, b[MP_DP_XFER_NAT].n, now_ms);
	if (b[MP_DP_XFER_WEBRTC].n)
		mp_dp_webrtc_rx_burst(w, pi, b[MP_DP_XFER_WEBRTC].m, b[MP_DP_XFER_WEBRTC].pkt, b[MP_DP_XFER_WEBRTC].n,
				      now_ms, handed);
	if (b[MP_DP_XFER_SRT].n)
		mp_dp_srt_rx_burst(w, pi, b[MP_DP_XFER_SRT].m, b[MP_DP_XFER_SRT].pkt, b[MP_DP_XFER_SRT].n, now_ms,
				   handed);
	for (unsigned k = 0; k < MP_DP_XFER__COUNT; k++)
		b[k].n = 0;
}

/* Frames other workers passed to this one (it owns their sessions): their classification came with
 * them; sorted by port and kind into batches. Returns how many. */
static unsigned take_handed(struct mp_dp_worker *w, uint64_t now_ms)
{
	struct mp_dp *dp = w->dp;
	struct mp_dp_xfer in[MP_BURST];
	struct rx_batches bs[2];
	unsigned total = 0;

	for (unsigned from = 0; from < dp->n_workers; from++) {
		struct rte_ring *r = dp->xfer[from][w->queue];
		unsigned n;

		if (!r || rte_ring_empty(r))
			continue;
		n = rte_ring_sc_dequeue_burst_elem(r, in, sizeof(in[0]), MP_BURST, NULL);
		total += n;
		for (unsigned pi = 0; pi < dp->n_ports; pi++)
			for (unsigned k = 0; k < MP_DP_XFER__COUNT; k++)
				bs[pi].b[k].n = 0;
		for (unsigned i = 0; i < n; i++) {
			unsigned pi = in[i].pi < dp->n_ports ? in[i].pi : 0;

			batch_add(&bs[pi], (enum mp_dp_xfer_kind)(in[i].kind % MP_DP_XFER__COUNT), in[i].m, &in[i].pkt);
		}
		for (unsigned pi = 0; pi < dp->n_ports; pi++)
			run_batches(w, pi, &bs[pi], now_ms, true);
	}
	return total;
}

/* A worker's first steps on its lcore (or in a test driving it): lb reader, RFC 5227 section 3
 * announcement of our address (the first worker does it). */
static void worker_begin(struct mp_dp_worker *w)
{
	struct mp_dp *dp = w->dp;

	if (dp->lb)
		mp_lb_reader_register(dp->lb, w->reader_id);
	if (w->queue == 0)
		for (unsigned pi = 0; pi < dp->n_ports; pi++) {
			send_arp_request(dp, w, pi, dp->ports[pi].iface.ip);
			mp_dp_tx_flush(w, pi);
		}
	w->gw6_asked = w->queue != 0; /* the first worker's first turn asks for the IPv6 gateways */
}

static void worker_end(struct mp_dp_worker *w)
{
	if (w->dp->lb)
		mp_lb_reader_unregister(w->dp->lb, w->reader_id);
}

unsigned mp_dp_poll_once(struct mp_dp_worker *w, uint64_t now_ms)
{
	struct mp_dp *dp = w->dp;
	struct rte_mbuf *rx[MP_BURST];
	struct rx_batches bs; /* only the counts are set: zeroing ~4 KiB per turn cost more than the burst */
	unsigned got = 0;

	for (unsigned k = 0; k < MP_DP_XFER__COUNT; k++)
		bs.b[k].n = 0;
	w->turn_ms = now_ms;
	if (unlikely(!w->gw6_asked)) {
		/* IPv6: the gateway is asked for at once (on the loop's clock, which stamps the request),
		 * so its answer is taken and the first packet off-link finds it */
		w->gw6_asked = true;
		for (unsigned pi = 0; pi < dp->n_ports; pi++) {
			const struct mp_iface *ifc = &dp->ports[pi].iface;

			if (ifc->has_ip6 && !mp_ip6_is_unspecified(ifc->gateway6) &&
			    mp_nd_cache_should_request(&dp->ports[pi].nd, ifc->gateway6, now_ms))
				send_nd_solicit(dp, w, pi, ifc->gateway6, NULL);
		}
	}

	for (unsigned pi = 0; pi < dp->n_ports; pi++) {
		uint16_t n = rte_eth_rx_burst(dp->ports[pi].port_id, w->queue, rx, MP_BURST);

		got += n;
		for (uint16_t i = 0; i < n; i++) {
			if (i + 1 < n)
				rte_prefetch0(rte_pktmbuf_mtod(rx[i + 1], void *));
			handle(w, pi, rx[i], now_ms, &bs);
		}
		run_batches(w, pi, &bs, now_ms, false);
	}
	if (dp->n_workers > 1) {
		got += take_handed(w, now_ms);
		mp_dp_handoff_flush(w);
	}
	/* SRT hand-offs and handshake timers; the kernel's frames (exception path). */
	mp_dp_srt_periodic(w, now_ms);
	mp_dp_exception_poll(w, now_ms);
	if (w->queue == 0)
		mp_dp_v6c_sweep(dp, now_ms);
	/* TX is flushed after every burst: no packet waits for a timer. */
	for (unsigned pi = 0; pi < dp->n_ports; pi++)
		mp_dp_tx_flush(w, pi);
	mp_dp_exception_flush(w);
	if (dp->lb) {
		if (now_ms >= w->next_sweep_ms) {
			/* While expiry work is due (a mass of sessions idle at once), every turn takes a budget
			 * of it, so deadlines are kept at 1M sessions without a long stall in any one turn. */
			w->stats.sessions_expired += mp_lb_session_sweep(dp->lb, now_ms, MP_DP_SWEEP_BUDGET);
			w->next_sweep_ms = mp_lb_session_sweep_pending(dp->lb, now_ms) ? now_ms : now_ms + MP_DP_SWEEP_MS;
		}
		/* Sessions a fleet peer made, found in Redis after a miss (docs/fleet.md). */
		mp_lb_fleet_adopt_poll(dp->lb, now_ms, 8);
		/* Holds no lb pointer between bursts: freed records may be reclaimed. */
		mp_lb_quiescent(dp->lb, w->reader_id);
	}
	/* The fleet health check (app/fleet_health.c) reads it: a worker that stops turning withdraws
	 * the service address. Own cache line, relaxed. */
	__atomic_store_n(&w->alive_ms, now_ms, __ATOMIC_RELAXED);
	return got;
}

int mp_dp_worker_main(void *arg)
{
	struct mp_dp_worker *w = arg;
	struct mp_dp *dp = w->dp;

	worker_begin(w);
	while (dp->running) {
		uint64_t now_ms = mp_dp_now_ms(dp);

		if (mp_dp_poll_once(w, now_ms) || !dp->conf.idle_sleep_us || w->next_sweep_ms <= now_ms)
			continue; /* busy, or expiry work left: no sleep */
		if (dp->lb)
			mp_lb_reader_offline(dp->lb, w->reader_id);
		rte_delay_us_sleep(dp->conf.idle_sleep_us);
		if (dp->lb)
			mp_lb_reader_online(dp->lb, w->reader_id);
	}
	worker_end(w);
	return 0;
}

/* What both ways of starting need before a worker turns: SRT state, per-source guards. */
static int start_common(struct mp_dp *dp, char *err, size_t errcap)
{
	if (mp_dp_handoff_init(dp, err, errcap) || mp_dp_srt_init(dp, err, errcap) || mp_dp_guard_init(dp, err, errcap))
		return -1;
	mp_dp_flow_steer(dp);
	return 0;
}

int mp_dp_start_driven(struct mp_dp *dp, char *err, size_t errcap)
{
	if (start_common(dp, err, errcap))
		return -1;
	dp->driven = true;
	for (unsigned i = 0; i < dp->n_workers; i++)
		worker_begin(&dp->workers[i]);
	return 0;
}

void mp_dp_end_driven(struct mp_dp *dp)
{
	if (!dp->driven)
		return;
	for (unsigned i = 0; i < dp->n_workers; i++)
		worker_end(&dp->workers[i]);
	dp->driven = false;
}

int mp_dp_start(struct mp_dp *dp, char *err, size_t errcap)
{
	if (start_common(dp, err, errcap))
		return -1;
	dp->running = true;
	for (unsigned i = 0; i < dp->n_workers; i++) {
		int rc = rte_eal_remote_launch(mp_dp_worker_main, &dp->workers[i], dp->workers[i].lcore_id);

		if (rc) {
			snprintf(err, errcap, "cannot launch worker on lcore %u: %s", dp->workers[i].lcore_id,
				 rte_strerror(-rc));
			mp_dp_stop_workers(dp);
			return -1;
		}
		dp->n_launched = i + 1;
	}
	return 0;
}
