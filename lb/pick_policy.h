/* pick_policy.h: which origin a new stream goes to among the candidates: random, least load (power
 * of two choices) or weighted. Pure logic: no DPDK, no clock; the caller owns the random state. */
#ifndef MP_PICK_POLICY_H
#define MP_PICK_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "registration.h"

enum mp_pick_policy { MP_PICK_RANDOM = 0, MP_PICK_LEAST_LOAD, MP_PICK_WEIGHTED };

#define MP_PICK_WEIGHT_DEFAULT 100u   /* an origin's weight until an operator sets one */
#define MP_PICK_WEIGHT_MAX 1000000u

/* One origin that may take the stream: alive, serves the protocol, weight > 0 (weight 0 drains:
 * the caller leaves such an origin out). load < 0: the origin reports none. */
struct mp_pick_cand {
	uint32_t id;
	uint32_t weight;
	double load;
};

/* "random", "least_load", "weighted" -> policy; MP_ERR_INVAL otherwise. */
int mp_pick_policy_parse(const char *s, enum mp_pick_policy *out);
const char *mp_pick_policy_name(enum mp_pick_policy p);

/* One number for an origin's load from its heartbeat: cpu_percent / 100 + load_1m / cpus +
 * conn_srs / 1000, plus 0.01 for each stream this appliance sent it since that heartbeat (so a burst
 * of new streams spreads before the next heartbeat says how busy they made it). -1 when the heartbeat
 * carried no summaries. */
double mp_pick_load_score(const struct mp_reg_load *l, uint32_t picks_since);

/* splitmix64 step over *state (deterministic for a given seed). */
uint64_t mp_pick_rand(uint64_t *state);

/* The candidate index in [0, n) for a new stream, or -1 when n == 0.
 * random: uniform over the candidates (weights only exclude, as the SRS proxy's pick).
 * weighted: probability proportional to weight.
 * least_load: two different candidates drawn by weight, the one with the lower load wins (a tie,
 *   or a candidate without load information, is decided by the draw order): the power of two
 *   choices, so stale heartbeats do not send a burst to one origin alone when there are more. */
int mp_pick_choose(enum mp_pick_policy p, const struct mp_pick_cand *c, size_t n, uint64_t *rng);

#endif
