/* dp_exception.c: frames for the appliance that the fast path does not serve go to the kernel. */
#include "dp_media.h"

void mp_dp_exception_rx(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
			uint64_t now_ms)
{
	(void)pi;
	(void)now_ms;
	/* No exception path yet (issue 6): count it under the reason the classifier gave. */
	mp_dp_drop(w, m, pkt->drop);
}
