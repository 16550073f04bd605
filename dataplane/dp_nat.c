/* dp_nat.c: the return path: origin -> appliance NAT port -> client, by (origin address, origin port, NAT port). */
#include "dp_guard.h"
#include "dp_media.h"
#include "dp_txcsum.h"
#include "dp_v6client.h"
#include "lb.h"
#include "lb_redis.h"
#include "mp_error.h"

#include <rte_prefetch.h>

/* Nothing of ours: the kernel's own UDP (a reply to its DNS or NTP query from the address the TAP
 * shares), or an origin's late datagram for a session that ended. Given to the kernel through the
 * exception path (which answers or drops it as it would on any host); without one, dropped. */
static void nat_miss(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
		     uint64_t now_ms)
{
	struct mp_pkt x = *pkt;

	w->stats.lookup_misses++;
	w->stats.nat_to_kernel++;
	x.drop = MP_DROP_NO_SESSION;
	mp_dp_exception_rx(w, pi, m, &x, now_ms);
}

static inline void nat_one(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
			   struct mp_lb_session *s, uint64_t now_ms)
{
	struct mp_dp *dp = w->dp;
	uint8_t *f, mac[6];
	unsigned out;

	/* A miss in the bulk answer may be a session started earlier in this burst: look again. */
	if (unlikely(!s))
		s = mp_lb_session_by_nat(dp->lb, pkt->src_ip, pkt->src_port, pkt->dst_port);
	if (unlikely(!s)) {
		/* Default mode: an origin at one of the host's addresses, on a socket bound to 0.0.0.0, replies
		 * from the TAP's kernel side, not from the address its session was made with (dp_local.c). */
		s = mp_dp_local_origin_session(dp, pkt->src_ip, pkt->src_port, pkt->dst_port);
	}
	if (unlikely(!s) && mp_lb_fleet_wanted(dp->lb)) {
		/* In a fleet (docs/fleet.md) the port may be a session a peer holds: a peer's share after it
		 * died, or this appliance's own share after a restart while a peer took its sessions over.
		 * Looked up in Redis (a session token of the origin per lookup) and installed; this datagram
		 * is dropped. */
		if (mp_dp_guard_session(w, pkt->src_ip, now_ms))
			mp_lb_fleet_miss_nat(dp->lb, pkt->src_ip, pkt->src_port, pkt->dst_port);
		w->stats.lookup_misses++;
		mp_dp_drop(w, m, MP_DROP_NO_SESSION);
		return;
	}
	if (unlikely(!s)) {
		nat_miss(w, pi, m, pkt, now_ms);
		return;
	}
	if (s->kind == MP_LB_SESS_SRT) {
		mp_dp_srt_from_origin(w, pi, m, pkt, s, now_ms);
		return;
	}
	/* WebRTC: from the appliance's address and port the client sent to, back to the client. */
	out = mp_dp_port_toward(dp, s->tuple.src_ip, 0);
	if (mp_dp_resolve(dp, w, out, s->tuple.src_ip, mac, now_ms) != MP_OK) {
		mp_dp_drop(w, m, MP_DROP_NO_NEXTHOP);
		return;
	}
	f = rte_pktmbuf_mtod(m, uint8_t *);
	mp_lb_session_count_o2c(s, pkt->payload_len, now_ms);
	mp_dp_webrtc_check_close(w, s, f + pkt->payload_off, pkt->payload_len, now_ms);
	mp_dp_udp_rewrite(dp, out, m, pkt, mac, s->tuple.dst_ip, s->tuple.dst_port, s->tuple.src_ip,
			  s->tuple.src_port);
	mp_dp_tx_udp(w, out, m, now_ms);
}

void mp_dp_nat_rx_burst(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf **m, const struct mp_pkt *pkts,
			unsigned n, uint64_t now_ms)
{
	struct mp_lb *lb = w->dp->lb;
	struct mp_lb_nat_key keys[MP_BURST];
	const struct mp_lb_nat_key *kp[MP_BURST] = { 0 };
	struct mp_lb_session *s[MP_BURST];

	if (unlikely(!lb)) {
		for (unsigned i = 0; i < n; i++)
			mp_dp_drop(w, m[i], MP_DROP_NO_SESSION);
		return;
	}
	/* Keys first, one bulk lookup (buckets prefetched before comparing), records prefetched. */
	for (unsigned i = 0; i < n; i++) {
		keys[i] = (struct mp_lb_nat_key){ .origin_ip = pkts[i].src_ip, .origin_port = pkts[i].src_port,
						  .nat_port = pkts[i].dst_port };
		kp[i] = &keys[i];
	}
	mp_lb_session_by_nat_bulk(lb, kp, n, s);
	for (unsigned i = 0; i < n; i++)
		if (s[i]) {
			rte_prefetch0(s[i]);
			rte_prefetch0(&s[i]->last_seen_ms);
		}
	for (unsigned i = 0; i < n; i++)
		nat_one(w, pi, m[i], &pkts[i], s[i], now_ms);
}

void mp_dp_nat_rx(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
		  uint64_t now_ms)
{
	mp_dp_nat_rx_burst(w, pi, &m, pkt, 1, now_ms);
}
