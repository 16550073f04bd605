/* dp_handoff.h: frames that arrived on another worker than their session's owner go to the owner. */
#ifndef MP_DP_HANDOFF_H
#define MP_DP_HANDOFF_H

#include <stdbool.h>
#include <stddef.h>

#include "dp.h"

/*
 * Every session belongs to the worker whose slice of NAT ports holds its NAT port (the worker that
 * created it: lb gives it a port of its own slice). That worker handles the session's packets both
 * ways, so nothing of the session is written by two lcores. With rte_flow (dp_flow.c) the NIC sends
 * each slice's return traffic to its owner's queue; RSS keeps a client's tuple on the queue that saw
 * its first packet. Whatever still lands elsewhere (no rte_flow on net_tap, af_packet, net_ring; a
 * client that moved to a new address) is passed, with its classification, through a single-producer
 * single-consumer ring per ordered pair of workers, staged per burst.
 */

/* Rings and staging for dp->n_workers workers, NAT slices in lb (one per worker), nat_owner. */
int mp_dp_handoff_init(struct mp_dp *dp, char *err, size_t errcap);
void mp_dp_handoff_free(struct mp_dp *dp);

/* The worker that owns NAT port port. */
static inline unsigned mp_dp_nat_owner(const struct mp_dp *dp, uint16_t port)
{
	return dp->nat_owner[port];
}

/* Stage m (classified as pkt, arrived on port pi) for worker `to`; sent by mp_dp_handoff_flush. */
void mp_dp_handoff(struct mp_dp_worker *w, unsigned to, struct rte_mbuf *m, const struct mp_pkt *pkt, unsigned pi,
		   enum mp_dp_xfer_kind kind);
/* Send what was staged (after each burst); a full ring drops and counts (handoff_full). */
void mp_dp_handoff_flush(struct mp_dp_worker *w);
/* The receiving side is the worker loop (dp_worker.c): each turn it takes a burst from every ring
 * towards it and runs the frames through the same bulk-lookup paths, marked as handed. */

/* dp_flow.c: where the ports have rte_flow (rte_flow_validate accepts every rule), one rule per port
 * and NAT slice sends UDP to the slice's ports to its owner's queue; else nothing (software hand-off).
 * Called at start after mp_dp_handoff_init; mp_dp_flow_clear removes the rules. */
void mp_dp_flow_steer(struct mp_dp *dp);
void mp_dp_flow_clear(struct mp_dp *dp);

#endif
