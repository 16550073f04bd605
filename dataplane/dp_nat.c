/* dp_nat.c: the return path: origin -> appliance NAT port -> client, by the NAT port array. */
#include "dp_media.h"
#include "lb.h"
#include "mp_error.h"
#include "rewrite.h"

void mp_dp_nat_rx(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
		  uint64_t now_ms)
{
	struct mp_dp *dp = w->dp;
	struct mp_lb_session *s;
	uint8_t *f, mac[6];
	unsigned out;

	if (unlikely(!dp->lb)) {
		mp_dp_drop(w, m, MP_DROP_NO_SESSION);
		return;
	}
	s = mp_lb_session_by_natport(dp->lb, pkt->dst_port);
	if (unlikely(!s)) {
		w->stats.lookup_misses++;
		mp_dp_drop(w, m, MP_DROP_NO_SESSION);
		return;
	}
	/* Only the session's origin may speak through its NAT port (no port scan reaches a client). */
	if (unlikely(pkt->src_port != s->origin_port ||
		     (pkt->src_ip != s->origin_ipv4 && !mp_dp_local_origin_reply(dp, s->origin_ipv4, pkt->src_ip)))) {
		mp_dp_drop(w, m, MP_DROP_WRONG_ORIGIN);
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
	mp_udp_rewrite(f, pkt, dp->ports[out].iface.mac, mac, s->tuple.dst_ip, s->tuple.dst_port, s->tuple.src_ip,
		       s->tuple.src_port);
	mp_dp_tx(w, out, m);
}
