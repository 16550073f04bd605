/* dp_exception.c: frames for the appliance that the fast path does not serve go to the kernel, and back. */
#include "dp_exception.h"
#include "dp_media.h"

#include <rte_ethdev.h>
#include <rte_ether.h>

/* Token bucket in thousandths of a frame: exception_rate / workers frames per second each, with a
 * burst of a tenth of a second (at least 64 frames). */
static bool exc_take_token(struct mp_dp_worker *w, uint64_t now_ms)
{
	const struct mp_dp *dp = w->dp;
	uint64_t rate = dp->conf.exception_rate, per_ms, cap;

	if (!rate)
		return true;
	per_ms = rate / (dp->n_workers ? dp->n_workers : 1); /* frames/s == milli-frames/ms */
	if (!per_ms)
		per_ms = 1;
	cap = per_ms * 100;
	if (cap < 64000)
		cap = 64000;
	if (now_ms > w->exc_refill_ms) {
		w->exc_tokens += (now_ms - w->exc_refill_ms) * per_ms;
		if (w->exc_tokens > cap)
			w->exc_tokens = cap;
		w->exc_refill_ms = now_ms;
	} else if (!w->exc_refill_ms) {
		w->exc_refill_ms = now_ms;
		w->exc_tokens = cap;
	}
	if (w->exc_tokens < 1000)
		return false;
	w->exc_tokens -= 1000;
	return true;
}

static void exc_queue(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, unsigned why, uint64_t now_ms)
{
	struct mp_dp_tx_batch *b = &w->exc_tx[pi];

	if (!w->dp->ports[pi].exc_started) {
		mp_dp_drop(w, m, why);
		return;
	}
	if (!exc_take_token(w, now_ms)) {
		mp_dp_drop(w, m, MP_DROP_EXCEPTION_RATE);
		return;
	}
	/* The kernel's TAP is untagged: the VLAN tag stays on the wire side. */
	if (w->dp->conf.vlan_id && rte_vlan_strip(m) != 0) {
		mp_dp_drop(w, m, MP_DROP_VLAN);
		return;
	}
	w->stats.exception_to_kernel++;
	b->pkts[b->n++] = m;
	if (b->n == MP_BURST)
		mp_dp_exception_flush(w);
}

void mp_dp_exception_rx(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
			uint64_t now_ms)
{
	exc_queue(w, pi, m, pkt->drop, now_ms);
}

void mp_dp_exception_arp(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, uint64_t now_ms)
{
	if (!w->dp->ports[pi].exc_started) {
		rte_pktmbuf_free(m);
		return;
	}
	exc_queue(w, pi, m, MP_DROP_ARP_NOT_US, now_ms);
}

void mp_dp_exception_flush(struct mp_dp_worker *w)
{
	for (unsigned pi = 0; pi < w->dp->n_ports; pi++) {
		struct mp_dp_tx_batch *b = &w->exc_tx[pi];
		uint16_t sent;

		if (!b->n)
			continue;
		sent = rte_eth_tx_burst(w->dp->ports[pi].exc_port_id, w->queue, b->pkts, b->n);
		if (sent < b->n) {
			w->stats.drops[MP_DROP_TX_FULL] += (uint64_t)(b->n - sent);
			rte_pktmbuf_free_bulk(&b->pkts[sent], (unsigned)(b->n - sent));
		}
		b->n = 0;
	}
}

void mp_dp_exception_poll(struct mp_dp_worker *w, uint64_t now_ms)
{
	struct mp_dp *dp = w->dp;
	struct rte_mbuf *rx[MP_BURST];
	bool more = false;

	if (now_ms < w->exc_next_poll_ms)
		return;
	for (unsigned pi = 0; pi < dp->n_ports; pi++) {
		struct mp_dp_port *p = &dp->ports[pi];

		if (!p->exc_started)
			continue;
		for (unsigned b = 0; b < MP_DP_EXC_POLL_BURSTS; b++) {
			uint16_t n = rte_eth_rx_burst(p->exc_port_id, w->queue, rx, MP_BURST);

			for (uint16_t i = 0; i < n; i++) {
				struct rte_mbuf *m = rx[i];
				const struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
				uint16_t type;

				if (m->data_len < sizeof(*e)) {
					rte_pktmbuf_free(m);
					continue;
				}
				/* Only IPv4 and ARP leave: the kernel's IPv6 chatter has no business outside. */
				type = rte_be_to_cpu_16(e->ether_type);
				if (type != RTE_ETHER_TYPE_IPV4 && type != RTE_ETHER_TYPE_ARP) {
					rte_pktmbuf_free(m);
					continue;
				}
				if (dp->conf.vlan_id) {
					m->vlan_tci = dp->conf.vlan_id;
					if (rte_vlan_insert(&m) != 0) {
						rte_pktmbuf_free(m);
						continue;
					}
				}
				w->stats.exception_from_kernel++;
				mp_dp_tx(w, pi, m);
			}
			if (n < MP_BURST)
				break;
			if (b + 1 == MP_DP_EXC_POLL_BURSTS)
				more = true;
		}
	}
	w->exc_next_poll_ms = more ? now_ms : now_ms + MP_DP_EXC_POLL_MS;
}
