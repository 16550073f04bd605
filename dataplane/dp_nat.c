/* dp_nat.c: the return path: origin -> appliance NAT port -> client, by the NAT port array. */
#include "dp_media.h"

void mp_dp_nat_rx(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
		  uint64_t now_ms)
{
	(void)pi;
	(void)pkt;
	(void)now_ms;
	/* Sessions are not created yet (issue 5): no NAT port is in use. */
	w->stats.lookup_misses++;
	mp_dp_drop(w, m, MP_DROP_NO_SESSION);
}
