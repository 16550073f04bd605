/* dp_srt_hs.c: the SRT handshake relay: the appliance's INDUCTION answer, the CONCLUSION replay to the origin, timers. */
#include "dp_handoff.h"
#include "dp_media.h"
#include "dp_srt.h"
#include "lb_redis.h"
#include "mp_error.h"
#include "mp_log.h"
#include "dp_srt_msg.h"
#include "dp_v6client.h"
#include "srt_streamid.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>

/* ---- slots ---- */

static inline uint32_t hs_ref_make(unsigned worker, unsigned slot)
{
	return ((uint32_t)worker << 16) | (slot + 1);
}

static struct mp_dp_srt_slot *slot_take(struct mp_dp_srt_worker *sw, unsigned *idx)
{
	struct mp_dp_srt_slot *sl;

	if (!sw->n_free)
		return NULL;
	*idx = sw->free_list[--sw->n_free];
	sl = &sw->slots[*idx];
	memset(sl, 0, offsetof(struct mp_dp_srt_slot, induction));
	sl->used_pos = (uint16_t)sw->n_used;
	sw->used[sw->n_used++] = (uint16_t)*idx;
	return sl;
}

static void slot_release(struct mp_dp *dp, struct mp_dp_srt_worker *sw, struct mp_dp_srt_slot *sl)
{
	unsigned idx = (unsigned)(sl - sw->slots);
	uint32_t expect = sl->ref;
	uint16_t last;

	/* Only clears the reference if it is still ours (the index may serve a new session). */
	if (sl->sess_index < dp->srt->max_sessions)
		atomic_compare_exchange_strong(&dp->srt->hs_ref[sl->sess_index], &expect, 0);
	last = sw->used[--sw->n_used];
	sw->used[sl->used_pos] = last;
	sw->slots[last].used_pos = sl->used_pos;
	sl->state = MP_DP_SRT_HS_FREE;
	sw->free_list[sw->n_free++] = (uint16_t)idx;
}

/* The slot of session s if this worker owns its handshake, else NULL (*owner says who does). */
static struct mp_dp_srt_slot *slot_of(struct mp_dp_worker *w, const struct mp_lb_session *s, int *owner)
{
	struct mp_dp_srt *srt = w->dp->srt;
	uint32_t ref = atomic_load_explicit(&srt->hs_ref[s->index], memory_order_acquire);
	struct mp_dp_srt_slot *sl;
	unsigned slot;

	*owner = -1;
	if (!ref)
		return NULL;
	*owner = (int)(ref >> 16);
	if ((unsigned)*owner != w->srt->index)
		return NULL;
	slot = (ref & 0xffff) - 1;
	if (slot >= MP_DP_SRT_HS_SLOTS)
		return NULL;
	sl = &w->srt->slots[slot];
	if (sl->state == MP_DP_SRT_HS_FREE || sl->sess_index != s->index || sl->sess_created_ms != s->created_ms ||
	    sl->nat_port != s->nat_port)
		return NULL;
	return sl;
}

/* Pass m, classified as pkt, to the worker that owns the handshake (dp_handoff.c: it does not
 * classify it again); kind says which of its paths takes it (the client's SRT, the origin's NAT). */
static void hand_off(struct mp_dp_worker *w, int owner, struct rte_mbuf *m, const struct mp_pkt *pkt, unsigned pi,
		     enum mp_dp_xfer_kind kind)
{
	if (owner < 0 || (unsigned)owner >= w->dp->n_workers || (unsigned)owner == w->queue) {
		mp_dp_drop(w, m, MP_DROP_SRT_HANDSHAKE);
		return;
	}
	mp_dp_handoff(w, (unsigned)owner, m, pkt, pi, kind);
}

static void run_timers(struct mp_dp_worker *w, uint64_t now_ms);

/* ---- messages ---- */

/* A rejection (draft-sharabayko-srt section 3.2.1, handshake type 1000 + reason) to the client of a
 * handshake req (a parsed CONCLUSION); the cookie stays the one the client sent. */
static void reject_client(struct mp_dp_worker *w, unsigned pi, const uint8_t mac[6], uint32_t ip, uint16_t port,
			  const struct mp_srt_handshake *req, uint32_t reason, uint64_t now_ms)
{
	uint8_t out[MP_SRT_HS_LEN];
	char a[MP_LB_ADDR_TEXT_MAX];
	int n = mp_srt_hs_build_reject(req, reason, (uint32_t)(now_ms * 1000), out, sizeof(out));

	if (n < 0)
		return;
	w->stats.srt_rejects++;
	/* On a worker: queued for the control thread to write, rate limited per call site. */
	/* (an IPv6 client by its address, not its stand-in; read-only) */
	mp_lb_addr_text(w->dp->lb, ip, a, sizeof(a));
	MP_LOGM(MP_LOGM_SRT, MP_LOG_INFO, "SRT handshake from %s:%u rejected (reason %u%s)", a, port, reason,
		reason == MP_SRT_REJ_TIMEOUT ? ": the origin did not answer within srt_handshake_timeout" : "");
	mp_dp_srt_send_client(w, pi, mac, ip, port, out, (size_t)n);
}

/* The appliance refuses a caller: it hears why, and the control thread's log (dp_srt_events.h) too. */
static void refuse_client(struct mp_dp_worker *w, unsigned pi, const struct mp_pkt *pkt,
			  const struct mp_srt_handshake *req, uint32_t reason, const char *stream, uint64_t now_ms)
{
	mp_dp_srt_event_put(&w->srt->events, MP_DP_SRT_EV_REFUSED, (int32_t)reason, pkt->src_ip, pkt->src_port,
			    MP_DP_SRT_EV_NO_ORIGIN, stream);
	reject_client(w, pi, pkt->src_mac, pkt->src_ip, pkt->src_port, req, reason, now_ms);
}

/* The stream key a slot's stored CONCLUSION names (after srt_default_stream was applied), for the log. */
static const char *slot_stream(const struct mp_dp_srt_slot *sl)
{
	static __thread struct mp_stream_url url;
	struct mp_srt_handshake hs;

	if (mp_srt_hs_parse(sl->conclusion, sl->conc_len, &hs) != MP_OK || mp_dp_srt_stream_of(&hs, &url) != MP_OK)
		return "";
	return url.key;
}

/* An event about the handshake of session s (kind: dp_srt_events.h). */
static void slot_event(struct mp_dp_worker *w, const struct mp_lb_session *s, const struct mp_dp_srt_slot *sl,
		       uint8_t kind, int32_t reason)
{
	mp_dp_srt_event_put(&w->srt->events, kind, reason, s->tuple.src_ip, s->tuple.src_port, s->origin_id,
			    slot_stream(sl));
}

static void reject_stored(struct mp_dp_worker *w, const struct mp_lb_session *s, const struct mp_dp_srt_slot *sl,
			  uint8_t kind, uint32_t reason, uint64_t now_ms)
{
	struct mp_srt_handshake hs;

	slot_event(w, s, sl, kind, (int32_t)reason);
	if (mp_srt_hs_parse(sl->conclusion, sl->conc_len, &hs) == MP_OK)
		reject_client(w, sl->client_pi, sl->client_mac, s->tuple.src_ip, s->tuple.src_port, &hs, reason, now_ms);
}

static void send_conclusion_to_origin(struct mp_dp_worker *w, const struct mp_lb_session *s,
				      struct mp_dp_srt_slot *sl, uint64_t now_ms)
{
	uint8_t out[MP_DP_SRT_HS_BYTES];

	memcpy(out, sl->conclusion, sl->conc_len);
	mp_srt_hs_set_cookie(out, sl->conc_len, sl->origin_cookie);
	mp_dp_srt_send_origin(w, s, out, sl->conc_len, now_ms);
}

/* The handshake's peer IP field naming ip (libsrt's layout, proto/srt.h) in the family the peer is
 * reached over: a stand-in's IPv6 address (an IPv6 client's or origin's, dp_v6client.h), else ip. */
static void peer_ip_of(struct mp_dp *dp, uint32_t ip, uint64_t now_ms, uint8_t peer[16])
{
	const uint8_t *a = unlikely(mp_lb_is_standin(ip)) ? mp_dp_v6c_addr(dp, ip, now_ms) : NULL;

	if (a)
		mp_srt_peer_ip_from_ipv6(a, peer);
	else
		mp_srt_peer_ip_from_ipv4(ip, peer);
}

/* ---- the client's side ---- */

static void client_induction(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
			     const struct mp_srt_handshake *hs, uint64_t now_ms)
{
	uint8_t out[MP_SRT_HS_LEN], peer[16];
	uint32_t cookie = mp_srt_cookie_make(w->dp->srt->key, pkt->src_ip, pkt->src_port, now_ms / 1000);
	int n;

	/* the peer IP field names the caller's address as we see it, in its own family */
	peer_ip_of(w->dp, pkt->src_ip, now_ms, peer);
	n = mp_srt_hs_build_induction_response(hs, cookie, peer, (uint32_t)(now_ms * 1000), out, sizeof(out));
	if (n < 0) {
		mp_dp_drop(w, m, MP_DROP_SRT_MALFORMED);
		return;
	}
	w->stats.srt_inductions++;
	mp_dp_srt_send_client(w, pi, pkt->src_mac, pkt->src_ip, pkt->src_port, out, (size_t)n);
	rte_pktmbuf_free(m);
}

/* A CONCLUSION from a client that already has a session: a retransmission. */
static void client_again(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
			 struct mp_lb_session *s)
{
	int owner;
	struct mp_dp_srt_slot *sl = slot_of(w, s, &owner);

	if (!sl && owner >= 0) {
		hand_off(w, owner, m, pkt, pi, MP_DP_XFER_SRT);
		return;
	}
	if (sl && sl->state == MP_DP_SRT_HS_DONE && sl->resp_len) {
		/* Our answer was lost: send the origin's again (the origin is not asked twice). */
		mp_dp_srt_send_client(w, pi, pkt->src_mac, pkt->src_ip, pkt->src_port, sl->response, sl->resp_len);
		rte_pktmbuf_free(m);
		return;
	}
	mp_dp_drop(w, m, MP_DROP_SRT_HANDSHAKE); /* still asking the origin: the timers resend */
}

static void client_conclusion(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
			      const struct mp_srt_handshake *hs, uint64_t now_ms)
{
	struct mp_dp *dp = w->dp;
	struct mp_dp_port *port = &dp->ports[pi];
	const uint8_t *payload = rte_pktmbuf_mtod(m, uint8_t *) + pkt->payload_off;
	static __thread struct mp_stream_url url;
	static __thread uint8_t with_sid[MP_DP_SRT_HS_BYTES];
	const uint8_t *conc = payload;
	size_t conc_len = pkt->payload_len;
	struct mp_lb_session_params sp;
	struct mp_lb_session *s, *old;
	struct mp_lb_target t;
	struct mp_dp_srt_slot *sl;
	unsigned slot;
	uint32_t hop;
	int rc;

	mp_lb_tuple_set(&sp.tuple, pkt->src_ip, pkt->src_port, pkt->dst_ip, pkt->dst_port, 17);
	s = mp_lb_session_find(dp->lb, &sp.tuple);
	if (s && atomic_load_explicit(&s->u.srt.client_sock, memory_order_relaxed) == hs->socket_id) {
		client_again(w, pi, m, pkt, s);
		return;
	}
	/* Section 4.3.1.2: the caller must return the listener's cookie. */
	if (mp_srt_cookie_verify(dp->srt->key, pkt->src_ip, pkt->src_port, now_ms / 1000, hs->cookie) != MP_OK) {
		mp_dp_drop(w, m, MP_DROP_SRT_COOKIE);
		return;
	}
	/* Another socket from the same address and port (a caller that restarted): its cookie proves
	 * the address, and the old connection is over; it is replaced below, keeping its NAT port. */
	old = s;
	/* The next hop towards the client is whoever handed us its frame (symmetric routing). */
	hop = mp_next_hop(pkt->src_ip, port->iface.ip, port->iface.prefix, port->iface.gateway);
	if (hop)
		mp_arp_cache_learn(&port->arp, hop, pkt->src_mac, now_ms);
	if (pkt->payload_len > MP_DP_SRT_HS_BYTES) {
		refuse_client(w, pi, pkt, hs, MP_SRT_REJX_BAD_REQUEST, "", now_ms);
		rte_pktmbuf_free(m);
		return;
	}
	rc = mp_dp_srt_stream_of(hs, &url);
	if (rc == MP_ERR_NOTFOUND && dp->srt->default_sid_len) {
		/* No stream id (a plain "srt://host:port" caller): srt_default_stream, and the origin is
		 * asked for that very stream (a SID added to the CONCLUSION it gets), so the pick and the
		 * origin agree, as SRS's own default (live/livestream) would not if ours differs. */
		int n = mp_srt_hs_add_streamid(payload, pkt->payload_len, dp->srt->default_sid, dp->srt->default_sid_len,
					       with_sid, sizeof(with_sid));

		rc = n < 0 ? n : MP_OK;
		if (rc == MP_OK) {
			url = dp->srt->default_url;
			conc = with_sid;
			conc_len = (size_t)n;
		}
	}
	if (rc != MP_OK) {
		refuse_client(w, pi, pkt, hs, MP_SRT_REJX_BAD_REQUEST, "", now_ms);
		rte_pktmbuf_free(m);
		return;
	}
	rc = mp_lb_pick(dp->lb, url.key, MP_PROTO_SRT, now_ms, &t);
	if (rc != MP_OK) {
		/* No origin: say so at once rather than let the client time out. */
		refuse_client(w, pi, pkt, hs, rc == MP_ERR_NOORIGIN ? MP_SRT_REJX_DOWN : MP_SRT_REJX_OVERLOAD, url.key,
			      now_ms);
		rte_pktmbuf_free(m);
		return;
	}
	/* A new connection costs a session and, but for a replacement, a NAT port: a few per source
	 * per second (issue 11: one source must not drain the port range). Silent: the caller resends. */
	if (!mp_dp_guard_session(w, pkt->src_ip, now_ms)) {
		mp_dp_drop(w, m, MP_DROP_SESSION_RATE);
		return;
	}
	sl = slot_take(w->srt, &slot);
	if (!sl) {
		run_timers(w, now_ms); /* finished handshakes may hold slots until the next timer turn */
		sl = slot_take(w->srt, &slot);
	}
	if (!sl) {
		refuse_client(w, pi, pkt, hs, MP_SRT_REJX_OVERLOAD, url.key, now_ms);
		rte_pktmbuf_free(m);
		return;
	}
	sp.origin_ipv4 = mp_dp_origin_addr(dp, t.ipv4);
	sp.origin_port = t.port;
	sp.origin_id = t.origin_id;
	sp.kind = MP_LB_SESS_SRT;
	sp.state = MP_LB_SESS_HANDSHAKE;
	sp.username = NULL;
	sp.srt_client_sock = hs->socket_id;
	sp.nat_slice = w->queue; /* this worker owns the session's return traffic */
	rc = old ? mp_lb_session_replace(dp->lb, old, &sp, now_ms, &s) : MP_ERR_STATE;
	if (rc == MP_ERR_STATE) /* no old session, or it ended meanwhile */
		rc = mp_lb_session_create(dp->lb, &sp, now_ms, &s);
	if (rc != MP_OK) {
		slot_release(dp, w->srt, sl);
		if (rc == MP_ERR_EXISTS && s) {
			client_again(w, pi, m, pkt, s); /* another worker made it a moment ago */
			return;
		}
		refuse_client(w, pi, pkt, hs, MP_SRT_REJX_OVERLOAD, url.key, now_ms);
		rte_pktmbuf_free(m);
		return;
	}
	w->stats.sessions_created++;
	sl->client_pi = (uint8_t)pi;
	memcpy(sl->client_mac, pkt->src_mac, 6);
	sl->sess_index = s->index;
	sl->sess_created_ms = s->created_ms;
	sl->nat_port = s->nat_port;
	sl->client_cookie = hs->cookie;
	sl->conc_len = (uint16_t)conc_len;
	memcpy(sl->conclusion, conc, conc_len);
	mp_dp_srt_induction_from(hs, sl->induction);
	if (unlikely(mp_lb_is_standin(s->tuple.src_ip) || mp_lb_is_standin(s->origin_ipv4))) {
		/* The caller's handshake names our address as its peer, in the caller's family; the origin
		 * reads the field as its own address as the caller sees it (libsrt), in the family it is
		 * reached over (an IPv6 origin's stand-in: IPv6): it gets its own. */
		uint8_t peer[16];

		peer_ip_of(dp, s->origin_ipv4, now_ms, peer);
		mp_srt_hs_set_peer_ip(sl->conclusion, sl->conc_len, peer);
		mp_srt_hs_set_peer_ip(sl->induction, MP_SRT_HS_LEN, peer);
	}
	sl->ref = hs_ref_make(w->srt->index, slot);
	atomic_store_explicit(&dp->srt->hs_ref[s->index], sl->ref, memory_order_release);
	sl->state = MP_DP_SRT_HS_WAIT_INDUCTION;
	sl->deadline_ms = now_ms + dp->srt->hs_timeout_ms;
	sl->next_retx_ms = now_ms + MP_DP_SRT_RETX_MS;
	mp_dp_srt_send_origin(w, s, sl->induction, MP_SRT_HS_LEN, now_ms);
	rte_pktmbuf_free(m);
}

void mp_dp_srt_client_hs(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
			 uint64_t now_ms)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *) + pkt->payload_off;
	struct mp_srt_handshake hs;

	if (!mp_dp_guard_srt_hs(w, pkt->src_ip, now_ms)) {
		mp_dp_drop(w, m, MP_DROP_SRT_HS_RATE);
		return;
	}
	if (!mp_srt_is_handshake(p, pkt->payload_len) || mp_srt_hs_parse(p, pkt->payload_len, &hs) != MP_OK) {
		mp_dp_drop(w, m, MP_DROP_SRT_MALFORMED);
		return;
	}
	if (hs.hs_type == MP_SRT_HS_INDUCTION)
		client_induction(w, pi, m, pkt, &hs, now_ms);
	else if (hs.hs_type == MP_SRT_HS_CONCLUSION)
		client_conclusion(w, pi, m, pkt, &hs, now_ms);
	else
		mp_dp_drop(w, m, MP_DROP_SRT_HANDSHAKE); /* rendezvous and the rest: a listener only */
}

/* ---- the origin's side ---- */

void mp_dp_srt_origin_hs(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
			 struct mp_lb_session *s, uint64_t now_ms)
{
	struct mp_dp *dp = w->dp;
	const uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *) + pkt->payload_off;
	struct mp_srt_handshake hs;
	struct mp_dp_srt_slot *sl;
	int owner;

	sl = slot_of(w, s, &owner);
	if (!sl) {
		if (owner >= 0 && (unsigned)owner != w->srt->index)
			hand_off(w, owner, m, pkt, pi, MP_DP_XFER_NAT);
		else
			mp_dp_drop(w, m, MP_DROP_SRT_HANDSHAKE);
		return;
	}
	if (!mp_srt_is_handshake(p, pkt->payload_len) || mp_srt_hs_parse(p, pkt->payload_len, &hs) != MP_OK) {
		mp_dp_drop(w, m, MP_DROP_SRT_HANDSHAKE);
		return;
	}
	/* The origin answers the client's socket (section 3.2.1: destination socket id). A session that
	 * replaced another on the same NAT port must not take the old connection's late answer. */
	if (hs.dst_sockid != 0 && hs.dst_sockid != atomic_load_explicit(&s->u.srt.client_sock, memory_order_relaxed)) {
		mp_dp_drop(w, m, MP_DROP_SRT_HANDSHAKE);
		return;
	}
	if (mp_srt_hs_reject_reason(hs.hs_type) >= 0) {
		/* The origin refused (bad stream id, busy...): the client hears it, with our cookie. */
		uint8_t out[MP_DP_SRT_HS_BYTES];
		size_t n = pkt->payload_len < sizeof(out) ? pkt->payload_len : sizeof(out);

		memcpy(out, p, n);
		mp_srt_hs_set_cookie(out, n, sl->client_cookie);
		slot_event(w, s, sl, MP_DP_SRT_EV_ORIGIN_REJECT, mp_srt_hs_reject_reason(hs.hs_type));
		w->stats.srt_rejects++;
		char oa[MP_LB_ADDR_TEXT_MAX], ca[MP_LB_ADDR_TEXT_MAX];

		mp_lb_addr_text(w->dp->lb, s->origin_ipv4, oa, sizeof(oa)); /* IPv6 ones as [their address] */
		mp_lb_addr_text(w->dp->lb, s->tuple.src_ip, ca, sizeof(ca));
		MP_LOGM(MP_LOGM_SRT, MP_LOG_INFO, "SRT origin %s:%u rejected client %s:%u (reason %d)", oa,
			s->origin_port, ca, s->tuple.src_port, mp_srt_hs_reject_reason(hs.hs_type));
		mp_dp_srt_send_client(w, sl->client_pi, sl->client_mac, s->tuple.src_ip, s->tuple.src_port, out, n);
		mp_lb_session_close(dp->lb, s, now_ms);
		slot_release(dp, w->srt, sl);
		rte_pktmbuf_free(m);
		return;
	}
	if (sl->state == MP_DP_SRT_HS_WAIT_INDUCTION && hs.hs_type == MP_SRT_HS_INDUCTION) {
		/* Section 4.3.1.1: the origin's cookie goes into the CONCLUSION we replay. */
		sl->origin_cookie = hs.cookie;
		sl->state = MP_DP_SRT_HS_WAIT_CONCLUSION;
		sl->next_retx_ms = now_ms + MP_DP_SRT_RETX_MS;
		send_conclusion_to_origin(w, s, sl, now_ms);
		rte_pktmbuf_free(m);
		return;
	}
	if (sl->state == MP_DP_SRT_HS_WAIT_CONCLUSION && hs.hs_type == MP_SRT_HS_CONCLUSION) {
		int rc = mp_lb_session_srt_bind(dp->lb, s, hs.socket_id, hs.socket_id);

		if (rc != MP_OK && rc != MP_ERR_EXISTS) {
			reject_stored(w, s, sl, MP_DP_SRT_EV_REFUSED, MP_SRT_REJX_OVERLOAD, now_ms);
			mp_lb_session_close(dp->lb, s, now_ms);
			slot_release(dp, w->srt, sl);
			rte_pktmbuf_free(m);
			return;
		}
		if (rc == MP_ERR_EXISTS) {
			/* Another session already uses this origin socket id (two origins chose the same):
			 * the client could not be told apart; refuse rather than mix streams. */
			reject_stored(w, s, sl, MP_DP_SRT_EV_REFUSED, MP_SRT_REJX_CONFLICT, now_ms);
			mp_lb_session_close(dp->lb, s, now_ms);
			slot_release(dp, w->srt, sl);
			rte_pktmbuf_free(m);
			return;
		}
		mp_lb_session_set_state(s, MP_LB_SESS_ACTIVE);
		mp_lb_fleet_publish(dp->lb, s); /* fleet peers can take it over (docs/fleet.md); queued only */
		mp_lb_session_count_o2c(s, pkt->payload_len, now_ms);
		sl->resp_len = (uint16_t)(pkt->payload_len < MP_DP_SRT_HS_BYTES ? pkt->payload_len : MP_DP_SRT_HS_BYTES);
		memcpy(sl->response, p, sl->resp_len);
		mp_srt_hs_set_cookie(sl->response, sl->resp_len, sl->client_cookie);
		if (unlikely(mp_lb_is_standin(s->tuple.src_ip) || mp_lb_is_standin(s->origin_ipv4))) {
			/* the origin named our NAT address in the origin's family; the caller is told its
			 * own, in its family */
			uint8_t peer[16];

			peer_ip_of(dp, s->tuple.src_ip, now_ms, peer);
			mp_srt_hs_set_peer_ip(sl->response, sl->resp_len, peer);
		}
		sl->state = MP_DP_SRT_HS_DONE;
		sl->deadline_ms = now_ms + MP_DP_SRT_LINGER_MS;
		w->stats.srt_handshakes++;
		mp_dp_srt_send_client(w, sl->client_pi, sl->client_mac, s->tuple.src_ip, s->tuple.src_port, sl->response,
				      sl->resp_len);
		rte_pktmbuf_free(m);
		return;
	}
	mp_dp_drop(w, m, MP_DROP_SRT_HANDSHAKE); /* a duplicate answer */
}

/* ---- timers and hand-off (owner only) ---- */

static void run_timers(struct mp_dp_worker *w, uint64_t now_ms)
{
	struct mp_dp *dp = w->dp;
	struct mp_dp_srt_worker *sw = w->srt;

	for (uint32_t i = 0; i < sw->n_used;) {
		struct mp_dp_srt_slot *sl = &sw->slots[sw->used[i]];
		struct mp_lb_session *s = mp_lb_session_at(dp->lb, sl->sess_index);
		uint32_t ref = atomic_load_explicit(&dp->srt->hs_ref[sl->sess_index], memory_order_acquire);

		/* The session went away (SHUTDOWN, idle, its index reused), or the client's first packet
		 * after the handshake cleared the reference (it has the answer): nothing left to do. */
		if (!s || ref != sl->ref || s->created_ms != sl->sess_created_ms || s->nat_port != sl->nat_port) {
			slot_release(dp, sw, sl);
			continue;
		}
		if (sl->state == MP_DP_SRT_HS_DONE) {
			if (now_ms >= sl->deadline_ms) {
				slot_release(dp, sw, sl);
				continue;
			}
		} else if (now_ms >= sl->deadline_ms) {
			/* The origin stayed silent: the client gets a rejection, not silence. */
			w->stats.srt_origin_timeouts++;
			mp_lb_origin_silent(dp->lb, s->origin_id); /* the control plane marks it down */
			reject_stored(w, s, sl, MP_DP_SRT_EV_ORIGIN_TIMEOUT, MP_SRT_REJ_TIMEOUT, now_ms);
			mp_lb_session_close(dp->lb, s, now_ms);
			slot_release(dp, sw, sl);
			continue;
		} else if (now_ms >= sl->next_retx_ms) {
			sl->next_retx_ms = now_ms + MP_DP_SRT_RETX_MS;
			if (sl->state == MP_DP_SRT_HS_WAIT_INDUCTION)
				mp_dp_srt_send_origin(w, s, sl->induction, MP_SRT_HS_LEN, now_ms);
			else
				send_conclusion_to_origin(w, s, sl, now_ms);
		}
		i++;
	}
}

void mp_dp_srt_periodic(struct mp_dp_worker *w, uint64_t now_ms)
{
	if (!w->srt)
		return;
	if (now_ms >= w->srt->next_timer_ms) {
		w->srt->next_timer_ms = now_ms + MP_DP_SRT_TIMER_MS;
		if (w->srt->n_used)
			run_timers(w, now_ms);
	}
}

/* ---- setup ---- */

/* srt_default_stream: a stream id ("#!::r=live/livestream,m=publish") or a plain "app/stream"
 * (access-control.md: a stream id without "#!::" is the resource name), named as the balancer names it. */
static int default_stream(struct mp_dp_srt *srt, const char *text, char *err, size_t errcap)
{
	struct mp_srt_streamid sid;
	size_t len = strlen(text);
	int rc = len <= MP_SRT_STREAMID_MAX ? mp_srt_streamid_parse(text, len, &sid) : MP_ERR_TOOLONG;

	if (rc == MP_OK)
		rc = mp_stream_url_from_srt(sid.resource.p, sid.resource.len, sid.host.p, sid.host.len, &srt->default_url);
	if (rc != MP_OK) {
		snprintf(err, errcap, "srt_default_stream '%s' names no stream: %s", text, mp_strerror(rc));
		return -1;
	}
	memcpy(srt->default_sid, text, len + 1);
	srt->default_sid_len = len;
	return 0;
}

int mp_dp_srt_init(struct mp_dp *dp, char *err, size_t errcap)
{
	struct mp_dp_srt *srt;

	if (!dp->lb || dp->srt)
		return 0;
	srt = rte_zmalloc("mp_srt", sizeof(*srt), RTE_CACHE_LINE_SIZE);
	if (!srt)
		goto nomem;
	dp->srt = srt;
	/* A key nobody else knows makes the cookie unforgeable (section 4.3.1.1: SYN cookies). */
	if (getrandom(srt->key, sizeof(srt->key), 0) != (ssize_t)sizeof(srt->key)) {
		snprintf(err, errcap, "SRT: no random bytes for the cookie key");
		mp_dp_srt_free(dp);
		return -1;
	}
	srt->max_sessions = mp_lb_config(dp->lb)->max_sessions;
	srt->hs_timeout_ms = dp->conf.srt_hs_timeout_ms ? dp->conf.srt_hs_timeout_ms : MP_DP_SRT_HS_TIMEOUT_MS;
	if (dp->conf.srt_default_stream[0] && default_stream(srt, dp->conf.srt_default_stream, err, errcap) < 0) {
		mp_dp_srt_free(dp);
		return -1;
	}
	srt->hs_ref = rte_zmalloc("mp_srt_ref", sizeof(*srt->hs_ref) * srt->max_sessions, RTE_CACHE_LINE_SIZE);
	if (!srt->hs_ref)
		goto nomem;
	for (unsigned i = 0; i < dp->n_workers; i++) {
		struct mp_dp_srt_worker *sw = &srt->workers[i];

		sw->index = i;
		sw->slots = rte_zmalloc("mp_srt_slots", sizeof(*sw->slots) * MP_DP_SRT_HS_SLOTS, RTE_CACHE_LINE_SIZE);
		sw->free_list = rte_malloc("mp_srt_free", sizeof(uint16_t) * MP_DP_SRT_HS_SLOTS, 0);
		sw->used = rte_malloc("mp_srt_used", sizeof(uint16_t) * MP_DP_SRT_HS_SLOTS, 0);
		if (!sw->slots || !sw->free_list || !sw->used)
			goto nomem;
		for (unsigned k = 0; k < MP_DP_SRT_HS_SLOTS; k++)
			sw->free_list[k] = (uint16_t)(MP_DP_SRT_HS_SLOTS - 1 - k);
		sw->n_free = MP_DP_SRT_HS_SLOTS;
		dp->workers[i].srt = sw;
	}
	return 0;
nomem:
	snprintf(err, errcap, "SRT: out of memory for the handshake slots (%u sessions)",
		 dp->lb ? mp_lb_config(dp->lb)->max_sessions : 0);
	mp_dp_srt_free(dp);
	return -1;
}

void mp_dp_srt_free(struct mp_dp *dp)
{
	struct mp_dp_srt *srt = dp->srt;

	if (!srt)
		return;
	for (unsigned i = 0; i < MP_DP_MAX_WORKERS; i++) {
		struct mp_dp_srt_worker *sw = &srt->workers[i];

		rte_free(sw->slots);
		rte_free(sw->free_list);
		rte_free(sw->used);
		if (i < dp->n_workers)
			dp->workers[i].srt = NULL;
	}
	rte_free(srt->hs_ref);
	rte_free(srt);
	dp->srt = NULL;
}
