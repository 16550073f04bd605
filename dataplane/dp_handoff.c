/* dp_handoff.c: the software hand-off of frames between workers (rings per worker pair) and NAT slice owners. */
#include "dp_handoff.h"
#include "dp_media.h"
#include "lb.h"
#include "mp_error.h"
#include "mp_log.h"

#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

static unsigned instance;

int mp_dp_handoff_init(struct mp_dp *dp, char *err, size_t errcap)
{
	unsigned n = dp->n_workers, id = __atomic_fetch_add(&instance, 1, __ATOMIC_RELAXED);

	memset(dp->nat_owner, 0, sizeof(dp->nat_owner));
	memset(dp->xfer, 0, sizeof(dp->xfer));
	if (!dp->lb || n == 0)
		return 0;
	/* One slice per worker; if lb cannot be cut (sessions exist already, fewer ports than workers)
	 * its slices stay and their owners serve every session: slower, still one owner per session. */
	if (n > 1 && mp_lb_nat_slices(dp->lb) != n && mp_lb_set_nat_slices(dp->lb, n) != MP_OK)
		MP_WARN("data plane: NAT ports stay in %u slice(s) for %u workers: frames are handed to their owner",
			mp_lb_nat_slices(dp->lb), n);
	for (uint32_t p = 0; p < 65536; p++)
		dp->nat_owner[p] = (uint8_t)(mp_lb_nat_slice_of(dp->lb, (uint16_t)p) % n);
	if (n == 1)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		struct mp_dp_worker *w = &dp->workers[i];

		w->xfer_out = rte_zmalloc("mp_dp_xfer_out", sizeof(*w->xfer_out) * MP_BURST * n, RTE_CACHE_LINE_SIZE);
		if (!w->xfer_out) {
			snprintf(err, errcap, "no memory for the hand-off staging of worker %u", i);
			mp_dp_handoff_free(dp);
			return -1;
		}
		for (unsigned j = 0; j < n; j++) {
			char name[RTE_RING_NAMESIZE];

			if (i == j)
				continue;
			snprintf(name, sizeof(name), "mpx%u_%u_%u", id, i, j);
			dp->xfer[i][j] = rte_ring_create_elem(name, sizeof(struct mp_dp_xfer), MP_DP_XFER_RING,
							      (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!dp->xfer[i][j]) {
				snprintf(err, errcap, "cannot create hand-off ring %s: %s", name, rte_strerror(rte_errno));
				mp_dp_handoff_free(dp);
				return -1;
			}
		}
	}
	return 0;
}

void mp_dp_handoff_free(struct mp_dp *dp)
{
	for (unsigned i = 0; i < MP_DP_MAX_WORKERS; i++) {
		rte_free(dp->workers[i].xfer_out);
		dp->workers[i].xfer_out = NULL;
		memset(dp->workers[i].xfer_n, 0, sizeof(dp->workers[i].xfer_n));
		for (unsigned j = 0; j < MP_DP_MAX_WORKERS; j++) {
			struct rte_ring *r = dp->xfer[i][j];
			struct mp_dp_xfer x;

			if (!r)
				continue;
			while (rte_ring_sc_dequeue_elem(r, &x, sizeof(x)) == 0)
				rte_pktmbuf_free(x.m);
			rte_ring_free(r);
			dp->xfer[i][j] = NULL;
		}
	}
}

static void flush_one(struct mp_dp_worker *w, unsigned to)
{
	struct mp_dp_xfer *b = &w->xfer_out[to * MP_BURST];
	unsigned n = w->xfer_n[to], sent;

	sent = rte_ring_sp_enqueue_burst_elem(w->dp->xfer[w->queue][to], b, sizeof(*b), n, NULL);
	w->stats.handed_off += sent;
	for (unsigned i = sent; i < n; i++)
		mp_dp_drop(w, b[i].m, MP_DROP_HANDOFF_FULL);
	w->xfer_n[to] = 0;
}

void mp_dp_handoff(struct mp_dp_worker *w, unsigned to, struct rte_mbuf *m, const struct mp_pkt *pkt, unsigned pi,
		   enum mp_dp_xfer_kind kind)
{
	struct mp_dp_xfer *x;

	if (unlikely(to >= w->dp->n_workers || to == w->queue || !w->dp->xfer[w->queue][to])) {
		mp_dp_drop(w, m, MP_DROP_HANDOFF_FULL);
		return;
	}
	x = &w->xfer_out[to * MP_BURST + w->xfer_n[to]++];
	x->m = m;
	x->pkt = *pkt;
	x->pi = (uint8_t)pi;
	x->kind = (uint8_t)kind;
	if (w->xfer_n[to] == MP_BURST)
		flush_one(w, to);
}

void mp_dp_handoff_flush(struct mp_dp_worker *w)
{
	for (unsigned to = 0; to < w->dp->n_workers; to++)
		if (w->xfer_n[to])
			flush_one(w, to);
}
