/* dp_webrtc.c: WebRTC media to webrtc_port: sessions by client 5-tuple, created by STUN USERNAME. */
#include "dp_media.h"

void mp_dp_webrtc_rx(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
		     uint64_t now_ms)
{
	(void)pi;
	(void)pkt;
	(void)now_ms;
	/* Forwarding is not built yet (issue 5): every client is unknown. */
	w->stats.lookup_misses++;
	mp_dp_drop(w, m, MP_DROP_NO_SESSION);
}
