/* dp_srt.c: SRT to srt_port: the appliance's own INDUCTION answer, CONCLUSION relay, socket-id forwarding. */
#include "dp_media.h"

void mp_dp_srt_rx(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
		  uint64_t now_ms)
{
	(void)pi;
	(void)pkt;
	(void)now_ms;
	/* The SRT relay is not built yet (issue 6). */
	w->stats.lookup_misses++;
	mp_dp_drop(w, m, MP_DROP_NO_SESSION);
}

void mp_dp_srt_from_origin(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
			   struct mp_lb_session *s, uint64_t now_ms)
{
	(void)pi;
	(void)pkt;
	(void)s;
	(void)now_ms;
	mp_dp_drop(w, m, MP_DROP_NO_SESSION);
}
