/* dp_srt.c: SRT to srt_port and from origins: handshakes to dp_srt_hs.c, then forwarding by destination socket id. */
#include "dp_guard.h"
#include "dp_handoff.h"
#include "dp_media.h"
#include "dp_srt.h"
#include "dp_txcsum.h"
#include "dp_v6client.h"
#include "lb_redis.h"
#include "mp_error.h"

#include <rte_branch_prediction.h>
#include <rte_prefetch.h>

/* Control packet type from the first 16 bits (draft-sharabayko-srt section 3.2): 0x8000 | type. */
static inline bool srt_is_ctrl(const uint8_t *p, uint16_t type)
{
	return p[0] == (0x80 | (type >> 8)) && p[1] == (uint8_t)type;
}

static inline bool same_client(const struct mp_lb_session *s, const struct mp_pkt *pkt)
{
	return s->tuple.src_ip == pkt->src_ip && s->tuple.src_port == pkt->src_port &&
	       s->tuple.dst_ip == pkt->dst_ip;
}

/* SHUTDOWN (section 3.2.5) from either side: forwarded, then the session is gone at once. */
static void srt_shutdown(struct mp_dp_worker *w, struct mp_lb_session *s, uint64_t now_ms)
{
	if (mp_lb_session_close(w->dp->lb, s, now_ms) == MP_OK)
		w->stats.srt_shutdowns++;
}

/* One client datagram; s is the session of its destination socket id from the bulk lookup (NULL:
 * none then, or a handshake). */
static inline void srt_one(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
			   struct mp_lb_session *s, uint64_t now_ms, bool handed)
{
	struct mp_dp *dp = w->dp;
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	const uint8_t *p = f + pkt->payload_off;
	uint32_t dst;
	unsigned po, owner;
	uint8_t mac[6];

	if (unlikely(pkt->payload_len < MP_SRT_HEADER_LEN)) {
		mp_dp_drop(w, m, MP_DROP_SRT_MALFORMED);
		return;
	}
	dst = mp_rd32(p + 12);
	if (unlikely(dst == 0)) {
		/* Destination socket 0: a handshake to the listener (section 4.3). */
		mp_dp_srt_client_hs(w, pi, m, pkt, now_ms);
		return;
	}
	/* A miss in the bulk answer may be a socket bound earlier in this burst: look again. */
	if (unlikely(!s))
		s = mp_lb_session_by_srt(dp->lb, dst);
	if (unlikely(!s || !same_client(s, pkt) ||
		     atomic_load_explicit(&s->state, memory_order_acquire) != MP_LB_SESS_ACTIVE)) {
		/* Maybe a session of a fleet peer that died (docs/fleet.md): its record is looked up in
		 * Redis, a session token of the source per lookup; a later datagram finds it installed. */
		if (!s && mp_lb_fleet_wanted(dp->lb) && mp_dp_guard_session(w, pkt->src_ip, now_ms))
			mp_lb_fleet_miss_srt(dp->lb, dst);
		w->stats.lookup_misses++;
		mp_dp_drop(w, m, MP_DROP_SRT_SOCKET);
		return;
	}
	owner = mp_dp_nat_owner(dp, s->nat_port);
	if (unlikely(owner != w->queue) && !handed && s->nat_port) {
		mp_dp_handoff(w, owner, m, pkt, pi, MP_DP_XFER_SRT); /* its owner handles it */
		return;
	}
	{
		/* The client got the origin's answer: the owner may forget the handshake now. */
		_Atomic uint32_t *ref = &dp->srt->hs_ref[s->index];

		if (unlikely(atomic_load_explicit(ref, memory_order_relaxed) != 0))
			atomic_store_explicit(ref, 0, memory_order_relaxed);
	}
	po = mp_dp_srt_origin_pi(dp);
	if (unlikely(mp_dp_resolve(dp, w, po, s->origin_ipv4, mac, now_ms) != MP_OK)) {
		mp_dp_drop(w, m, MP_DROP_NO_NEXTHOP);
		return;
	}
	mp_lb_session_count_c2o(s, pkt->payload_len, now_ms);
	mp_dp_udp_rewrite(dp, po, m, pkt, mac, mp_dp_nat_ip(dp, po), s->nat_port, s->origin_ipv4,
			  s->origin_port);
	if (unlikely(srt_is_ctrl(p, MP_SRT_CTRL_SHUTDOWN)))
		srt_shutdown(w, s, now_ms);
	mp_dp_tx_udp(w, po, m, now_ms); /* an IPv6 origin's stand-in: translated there */
}

void mp_dp_srt_rx_burst(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf **m, const struct mp_pkt *pkts,
			unsigned n, uint64_t now_ms, bool handed)
{
	struct mp_dp *dp = w->dp;
	uint32_t ids[MP_BURST];
	const uint32_t *ip[MP_BURST] = { 0 };
	struct mp_lb_session *found[MP_BURST], *s[MP_BURST];
	uint8_t at[MP_BURST];
	unsigned k = 0;

	if (unlikely(!dp->lb || !dp->srt)) {
		for (unsigned i = 0; i < n; i++)
			mp_dp_drop(w, m[i], MP_DROP_SRT_MALFORMED);
		return;
	}
	/* The destination socket ids of the burst's data and control packets, looked up at once. */
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = rte_pktmbuf_mtod_offset(m[i], const uint8_t *, pkts[i].payload_off);

		at[i] = UINT8_MAX;
		if (likely(pkts[i].payload_len >= MP_SRT_HEADER_LEN) && (ids[k] = mp_rd32(p + 12)) != 0) {
			ip[k] = &ids[k];
			at[i] = (uint8_t)k++;
		}
	}
	if (k)
		mp_lb_session_by_srt_bulk(dp->lb, ip, k, found);
	for (unsigned i = 0; i < n; i++) {
		s[i] = at[i] != UINT8_MAX ? found[at[i]] : NULL;
		if (s[i]) {
			rte_prefetch0(s[i]);
			rte_prefetch0(&s[i]->last_seen_ms);
		}
	}
	/* Each frame reads its session's handshake reference (srt_one): at 1M sessions another cache
	 * miss per frame unless asked for here, once the records' first lines are on their way. */
	for (unsigned i = 0; i < n; i++)
		if (s[i])
			rte_prefetch0(&dp->srt->hs_ref[s[i]->index]);
	for (unsigned i = 0; i < n; i++)
		srt_one(w, pi, m[i], &pkts[i], s[i], now_ms, handed);
}

void mp_dp_srt_rx(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
		  uint64_t now_ms)
{
	mp_dp_srt_rx_burst(w, pi, &m, pkt, 1, now_ms, false);
}

void mp_dp_srt_from_origin(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
			   struct mp_lb_session *s, uint64_t now_ms)
{
	struct mp_dp *dp = w->dp;
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	const uint8_t *p = f + pkt->payload_off;
	uint8_t st, mac[6];
	unsigned pc;

	if (unlikely(!dp->srt || pkt->src_port != s->origin_port ||
		     (pkt->src_ip != s->origin_ipv4 && !mp_dp_local_origin_reply(dp, s->origin_ipv4, pkt->src_ip)))) {
		w->stats.lookup_misses++;
		mp_dp_drop(w, m, MP_DROP_SRT_SOCKET);
		return;
	}
	if (unlikely(pkt->payload_len < MP_SRT_HEADER_LEN)) {
		mp_dp_drop(w, m, MP_DROP_SRT_MALFORMED);
		return;
	}
	st = atomic_load_explicit(&s->state, memory_order_acquire);
	if (unlikely(st == MP_LB_SESS_HANDSHAKE)) {
		mp_dp_srt_origin_hs(w, pi, m, pkt, s, now_ms);
		return;
	}
	if (unlikely(st != MP_LB_SESS_ACTIVE)) {
		w->stats.lookup_misses++;
		mp_dp_drop(w, m, MP_DROP_NO_SESSION);
		return;
	}
	/* The origin addresses the client's socket (section 3: destination socket id). A session that
	 * replaced another keeps its NAT port, so the origin's side of the old connection (ACKs,
	 * keep-alives, its SHUTDOWN) still arrives here: it must neither reach the new caller nor close
	 * the new session. */
	if (unlikely(mp_rd32(p + 12) != atomic_load_explicit(&s->u.srt.client_sock, memory_order_relaxed))) {
		w->stats.lookup_misses++;
		mp_dp_drop(w, m, MP_DROP_SRT_SOCKET);
		return;
	}
	pc = mp_dp_srt_client_pi(dp, s);
	if (unlikely(mp_dp_resolve(dp, w, pc, s->tuple.src_ip, mac, now_ms) != MP_OK)) {
		mp_dp_drop(w, m, MP_DROP_NO_NEXTHOP);
		return;
	}
	mp_lb_session_count_o2c(s, pkt->payload_len, now_ms);
	mp_dp_udp_rewrite(dp, pc, m, pkt, mac, s->tuple.dst_ip, s->tuple.dst_port, s->tuple.src_ip,
			  s->tuple.src_port);
	if (unlikely(srt_is_ctrl(p, MP_SRT_CTRL_SHUTDOWN)))
		srt_shutdown(w, s, now_ms);
	mp_dp_tx_udp(w, pc, m, now_ms);
}

