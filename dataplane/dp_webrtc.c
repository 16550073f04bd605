/* dp_webrtc.c: WebRTC media to webrtc_port: sessions by client 5-tuple, created by STUN USERNAME. */
#include "dp_handoff.h"
#include "dp_media.h"
#include "dp_txcsum.h"
#include "demux.h"
#include "dtls.h"
#include "lb.h"
#include "lb_redis.h"
#include "mp_error.h"
#include "stun.h"
#include "stun_integrity.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include <rte_prefetch.h>

/* A DTLS alert that ends the association (dtls.h says what can be seen of it) ends the session once
 * the alert itself has been forwarded; both directions call this. */
bool mp_dp_webrtc_check_close(struct mp_dp_worker *w, struct mp_lb_session *s, const uint8_t *payload,
			      uint16_t len, uint64_t now_ms)
{
	int k;

	if (likely(len == 0 || payload[0] != MP_DTLS_CT_ALERT))
		return false;
	k = mp_dtls_alert(payload, len);
	if (k != MP_DTLS_ALERT_CLOSE && k != MP_DTLS_ALERT_ENCRYPTED)
		return false;
	if (mp_lb_session_close(w->dp->lb, s, now_ms) == MP_OK)
		w->stats.sessions_closed++;
	return true;
}

/* Client -> origin: from the NAT port of the port facing the origin, to the origin media address. */
static void forward_c2o(struct mp_dp_worker *w, struct rte_mbuf *m, const struct mp_pkt *pkt,
			struct mp_lb_session *s, bool *changed, uint64_t now_ms)
{
	struct mp_dp *dp = w->dp;
	unsigned out = mp_dp_port_toward(dp, s->origin_ipv4, dp->n_ports - 1);
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t mac[6];

	if (mp_dp_resolve(dp, w, out, s->origin_ipv4, mac, now_ms) != MP_OK) {
		mp_dp_drop(w, m, MP_DROP_NO_NEXTHOP);
		return;
	}
	mp_lb_session_count_c2o(s, pkt->payload_len, now_ms);
	if (unlikely(mp_dp_webrtc_check_close(w, s, f + pkt->payload_off, pkt->payload_len, now_ms)))
		*changed = true;
	mp_dp_udp_rewrite(dp, out, m, pkt, mac, mp_dp_nat_ip(dp, out), s->nat_port ? s->nat_port : pkt->src_port,
			  s->origin_ipv4, s->origin_port);
	mp_dp_tx_udp(w, out, m, now_ms); /* an IPv6 origin's stand-in: translated there */
}

/* Count why a miss cannot start or move a session (the caller frees the frame). */
static struct mp_lb_session *refuse(struct mp_dp_worker *w, enum mp_dp_drop why)
{
	w->stats.drops[why]++;
	return NULL;
}

/* May this STUN (msg parsed from p/len) start or move a session of entry e? RFC 8445 section 7.2.2:
 * a check carries MESSAGE-INTEGRITY keyed with the password of the agent it is sent to, here the
 * origin's answer's ice-pwd, which the control plane stored with the username. MP_DROP__COUNT when
 * it may, else the drop reason. */
static enum mp_dp_drop stun_verdict(struct mp_dp_worker *w, const struct mp_lb_webrtc *e, const uint8_t *p,
				    uint16_t len, const struct mp_stun_msg *msg)
{
	if (e->ice_pwd[0] == '\0') {
		/* A record without it (written by an SRS proxy into Redis): refused unless allowed. */
		if (!w->dp->conf.webrtc_allow_no_pwd)
			return MP_DROP_STUN_NO_PWD;
		w->stats.stun_unverified++;
		return MP_DROP__COUNT;
	}
	if (!w->guard || mp_stun_integrity_verify(w->guard->hmac, p, len, msg, (const uint8_t *)e->ice_pwd,
						   strlen(e->ice_pwd)) != MP_OK)
		return MP_DROP_STUN_INTEGRITY;
	return MP_DROP__COUNT;
}

/* A STUN Binding request on a miss: the session of its USERNAME, new or moved here; NULL when the
 * frame was dropped (and counted). */
static struct mp_lb_session *session_from_stun(struct mp_dp_worker *w, const struct mp_lb_tuple *t,
					       const uint8_t *p, uint16_t len, uint64_t now_ms)
{
	struct mp_lb *lb = w->dp->lb;
	const struct mp_lb_webrtc *e;
	struct mp_lb_session *s = NULL, *old;
	struct mp_stun_msg msg;
	enum mp_dp_drop why;
	const uint8_t *user;
	size_t ulen;
	int rc;

	/* RFC 7983: 0..3 is STUN; only a Binding request with a USERNAME can name a session. */
	if (mp_demux_classify(p, len) != MP_DEMUX_STUN || mp_stun_binding_username(p, len, &user, &ulen) != MP_OK)
		return refuse(w, MP_DROP_NO_SESSION);
	e = mp_lb_webrtc_find(lb, (const char *)user, ulen);
	if (!e) {
		/* Maybe another appliance answered its WHIP/WHEP offer (issue 14): with Redis, the Redis
		 * thread looks the username up and mirrors it, and the client's next check (ICE
		 * retransmits within ~100 ms, consent every few s) finds it here. A queued lookup
		 * costs a session token of the source, so a flood of made-up usernames is bounded. */
		if (mp_lb_redis_ufrag_wanted(lb) && mp_dp_guard_session(w, t->src_ip, now_ms))
			mp_lb_redis_ufrag_miss(lb, (const char *)user, ulen);
		return refuse(w, MP_DROP_STUN_UNKNOWN);
	}
	old = mp_lb_webrtc_session(lb, e);
	if (old && !memcmp(&old->tuple, t, sizeof(*t)))
		return old; /* another worker just started it for this very address */
	if (mp_stun_parse(p, len, &msg) != MP_OK) {
		mp_dp_guard_note(w, t->src_ip);
		return refuse(w, MP_DROP_STUN_INTEGRITY); /* cannot be verified */
	}
	if (old && now_ms < atomic_load_explicit(&old->last_c2o_ms, memory_order_relaxed) + MP_DP_REBIND_QUIET_MS &&
	    !msg.use_candidate)
		return refuse(w, MP_DROP_STUN_OTHER_ADDR);
	/* From here the frame would start or move a session: a few per source per second, and only
	 * with the right MESSAGE-INTEGRITY (issue 11: a USERNAME alone moved an origin's media). */
	if (!mp_dp_guard_session(w, t->src_ip, now_ms))
		return refuse(w, MP_DROP_SESSION_RATE);
	why = stun_verdict(w, e, p, len, &msg);
	if (why != MP_DROP__COUNT) {
		mp_dp_guard_note(w, t->src_ip);
		return refuse(w, why);
	}
	mp_lb_webrtc_touch(e, now_ms);
	rc = MP_ERR_STATE;
	if (old) {
		rc = mp_lb_session_rebind(lb, old, t, now_ms, &s);
		if (rc == MP_OK) {
			w->stats.sessions_rebound++;
			mp_lb_fleet_publish(lb, s); /* fleet peers can take it over (docs/fleet.md); queued only */
		}
	}
	if (rc == MP_ERR_STATE) { /* no session, or it just closed */
		struct mp_lb_session_params sp = {
			.tuple = *t,
			.origin_ipv4 = mp_dp_origin_addr(w->dp, e->media_ipv4),
			.origin_port = e->media_port,
			.origin_id = e->origin_id,
			.kind = MP_LB_SESS_WEBRTC,
			.state = MP_LB_SESS_ACTIVE,
			.username = e->username,
			.nat_slice = w->queue, /* this worker owns the session's return traffic */
		};

		rc = mp_lb_session_create(lb, &sp, now_ms, &s);
		if (rc == MP_OK) {
			w->stats.sessions_created++;
			mp_lb_fleet_publish(lb, s); /* fleet peers can take it over (docs/fleet.md); queued only */
		}
	}
	if (rc == MP_ERR_EXISTS && s) /* another worker got there first */
		rc = MP_OK;
	if (rc != MP_OK)
		return refuse(w, MP_DROP_SESSIONS_FULL);
	mp_lb_webrtc_link(e, s);
	return s;
}

/* One frame; s is its session from the bulk lookup (NULL: none then). *changed says whether this
 * burst already created, moved or closed a session: then the bulk answer may be stale, look again. */
/* True when s belongs to another worker and m went to it (handed: m came from another worker). */
static inline bool to_owner(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
			    const struct mp_lb_session *s, bool handed)
{
	unsigned owner = mp_dp_nat_owner(w->dp, s->nat_port);

	if (likely(owner == w->queue) || handed || !s->nat_port)
		return false;
	mp_dp_handoff(w, owner, m, pkt, pi, MP_DP_XFER_WEBRTC);
	return true;
}

static void webrtc_one(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
		       const struct mp_lb_tuple *t, struct mp_lb_session *s, bool *changed, uint64_t now_ms,
		       bool handed)
{
	struct mp_lb *lb = w->dp->lb;
	const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *, pkt->payload_off);

	if (unlikely(*changed))
		s = mp_lb_session_find(lb, t);
	if (likely(s != NULL)) {
		if (unlikely(to_owner(w, pi, m, pkt, s, handed)))
			return;
		if (unlikely(pkt->payload_len && p[0] <= 3)) {
			/* A consent check (RFC 7675) keeps the ICE username alive. */
			const uint8_t *user;
			size_t ulen;

			if (mp_stun_binding_username(p, pkt->payload_len, &user, &ulen) == MP_OK) {
				const struct mp_lb_webrtc *e = mp_lb_webrtc_find(lb, (const char *)user, ulen);

				if (e)
					mp_lb_webrtc_touch(e, now_ms);
			}
		}
		forward_c2o(w, m, pkt, s, changed, now_ms);
		return;
	}
	w->stats.lookup_misses++;
	/* Media (not STUN) of no session here: in a fleet, maybe a session of a peer that died
	 * (docs/fleet.md). Its record is looked up in Redis (a session token of the source per lookup);
	 * a later datagram finds it installed with the peer's NAT port. */
	if (unlikely(pkt->payload_len && p[0] > 3) && mp_lb_fleet_wanted(lb) && mp_dp_guard_session(w, t->src_ip, now_ms))
		mp_lb_fleet_miss_webrtc(lb, t);
	s = session_from_stun(w, t, p, pkt->payload_len, now_ms);
	if (!s) {
		rte_pktmbuf_free(m); /* counted by session_from_stun */
		return;
	}
	*changed = true;
	/* A session that moved here from another address keeps its NAT port, and its owner. */
	if (unlikely(to_owner(w, pi, m, pkt, s, handed)))
		return;
	forward_c2o(w, m, pkt, s, changed, now_ms);
}

void mp_dp_webrtc_rx_burst(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf **m, const struct mp_pkt *pkts,
			   unsigned n, uint64_t now_ms, bool handed)
{
	struct mp_lb *lb = w->dp->lb;
	struct mp_lb_tuple keys[MP_BURST];
	const struct mp_lb_tuple *kp[MP_BURST] = { 0 };
	struct mp_lb_session *s[MP_BURST];
	bool changed = false;

	if (unlikely(!lb)) {
		for (unsigned i = 0; i < n; i++)
			mp_dp_drop(w, m[i], MP_DROP_NO_SESSION);
		return;
	}
	/* Keys first, then one bulk lookup: every key's first bucket is prefetched before any is read,
	 * and the records found before the first one is used (large tables miss the cache). */
	for (unsigned i = 0; i < n; i++) {
		mp_lb_tuple_set(&keys[i], pkts[i].src_ip, pkts[i].src_port, pkts[i].dst_ip, pkts[i].dst_port,
				IPPROTO_UDP);
		kp[i] = &keys[i];
	}
	mp_lb_session_find_bulk(lb, kp, n, s);
	for (unsigned i = 0; i < n; i++)
		if (s[i]) {
			rte_prefetch0(s[i]);
			rte_prefetch0(&s[i]->last_seen_ms);
		}
	for (unsigned i = 0; i < n; i++)
		webrtc_one(w, pi, m[i], &pkts[i], &keys[i], s[i], &changed, now_ms, handed);
}

void mp_dp_webrtc_rx(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
		     uint64_t now_ms)
{
	mp_dp_webrtc_rx_burst(w, pi, &m, pkt, 1, now_ms, false);
}
