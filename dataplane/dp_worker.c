/* dp_worker.c: the run-to-completion worker loop: RX burst, classify, answer or forward, TX burst. */
#include "dp.h"
#include "mp_error.h"
#include "rewrite.h"

#include <stdio.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

struct tx_batch {
	struct rte_mbuf *pkts[MP_BURST];
	uint16_t n;
};

static void tx_flush(struct mp_dp_worker *w, const struct mp_dp_port *p, struct tx_batch *b)
{
	uint16_t sent;

	if (!b->n)
		return;
	sent = rte_eth_tx_burst(p->port_id, w->queue, b->pkts, b->n);
	for (uint16_t i = 0; i < sent; i++)
		w->stats.tx_bytes += rte_pktmbuf_pkt_len(b->pkts[i]);
	w->stats.tx_packets += sent;
	if (sent < b->n) {
		w->stats.drops[MP_DROP_TX_FULL] += (uint64_t)(b->n - sent);
		rte_pktmbuf_free_bulk(&b->pkts[sent], (unsigned)(b->n - sent));
	}
	b->n = 0;
}

static inline void drop_pkt(struct mp_dp_worker *w, struct rte_mbuf *m, unsigned why)
{
	w->stats.drops[why]++;
	rte_pktmbuf_free(m);
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
	if (rte_eth_tx_burst(p->port_id, w->queue, &m, 1) == 1) {
		w->stats.arp_requests++;
		w->stats.tx_packets++;
		w->stats.tx_bytes += len;
	} else {
		w->stats.drops[MP_DROP_TX_FULL]++;
		rte_pktmbuf_free(m);
	}
}

int mp_dp_resolve(struct mp_dp *dp, struct mp_dp_worker *w, unsigned pi, uint32_t dst, uint8_t mac[6],
		  uint64_t now_ms)
{
	struct mp_dp_port *p = &dp->ports[pi];
	uint32_t hop = mp_next_hop(dst, p->iface.ip, p->iface.prefix, p->iface.gateway);

	if (!hop)
		return MP_ERR_NOTFOUND;
	if (mp_arp_cache_lookup(&p->arp, hop, mac, now_ms) == MP_OK)
		return MP_OK;
	if (mp_arp_cache_should_request(&p->arp, hop, now_ms))
		send_arp_request(dp, w, pi, hop);
	return MP_ERR_NOTFOUND;
}

/* Handle one frame from port p. Frames must be contiguous (one segment) for the fast path. */
static inline void handle(struct mp_dp_worker *w, struct mp_dp_port *p, struct tx_batch *tx,
			  struct rte_mbuf *m, uint64_t now_ms)
{
	struct mp_pkt pkt;
	enum mp_verdict v;

	w->stats.rx_packets++;
	w->stats.rx_bytes += rte_pktmbuf_pkt_len(m);
	if (unlikely(m->nb_segs != 1)) {
		drop_pkt(w, m, MP_DROP_IP_HEADER);
		return;
	}
	v = mp_classify(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), &p->iface, &pkt);
	switch (v) {
	case MP_V_REPLY:
		if (pkt.is_arp_request) {
			/* RFC 826: the requester's mapping is learned as well as answered. */
			mp_arp_cache_learn(&p->arp, pkt.src_ip, pkt.src_mac, now_ms);
			w->stats.arp_replies++;
		} else {
			w->stats.icmp_echo_replies++;
		}
		tx->pkts[tx->n++] = m;
		return;
	case MP_V_ARP_LEARN:
		mp_arp_cache_learn(&p->arp, pkt.src_ip, pkt.src_mac, now_ms);
		rte_pktmbuf_free(m);
		return;
	case MP_V_WEBRTC:
	case MP_V_SRT:
	case MP_V_NAT:
		/* No session tables yet: every media packet is from an unknown address. */
		w->stats.lookup_misses++;
		drop_pkt(w, m, MP_DROP_NO_SESSION);
		return;
	case MP_V_EXCEPTION:
	case MP_V_DROP:
	default:
		drop_pkt(w, m, pkt.drop);
		return;
	}
}

int mp_dp_worker_main(void *arg)
{
	struct mp_dp_worker *w = arg;
	struct mp_dp *dp = w->dp;
	struct rte_mbuf *rx[MP_BURST];

	/* RFC 5227 section 3: announce our address once at start (the first worker does it). */
	if (w->queue == 0)
		for (unsigned pi = 0; pi < dp->n_ports; pi++)
			send_arp_request(dp, w, pi, dp->ports[pi].iface.ip);
	while (dp->running) {
		unsigned got = 0;
		uint64_t now_ms = mp_dp_now_ms(dp);

		for (unsigned pi = 0; pi < dp->n_ports; pi++) {
			struct mp_dp_port *p = &dp->ports[pi];
			struct tx_batch tx = { .n = 0 };
			uint16_t n = rte_eth_rx_burst(p->port_id, w->queue, rx, MP_BURST);

			got += n;
			for (uint16_t i = 0; i < n; i++) {
				if (i + 1 < n)
					rte_prefetch0(rte_pktmbuf_mtod(rx[i + 1], void *));
				handle(w, p, &tx, rx[i], now_ms);
			}
			tx_flush(w, p, &tx);
		}
		if (!got && dp->conf.idle_sleep_us)
			rte_delay_us_sleep(dp->conf.idle_sleep_us);
	}
	return 0;
}

int mp_dp_start(struct mp_dp *dp, char *err, size_t errcap)
{
	(void)err;
	(void)errcap;
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
