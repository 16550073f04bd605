/* dp_abuse_log.h: the control thread's summary line of what the data plane refused from hostile sources. */
#ifndef MP_DP_ABUSE_LOG_H
#define MP_DP_ABUSE_LOG_H

struct event_base;
struct event;
struct mp_dp;

/* Every 10 s on base: when the per-source rate and STUN integrity drops grew, one log line with the
 * counts and the last source refused. Workers only count (they never log). NULL on failure. */
struct event *mp_dp_abuse_log_start(struct event_base *base, struct mp_dp *dp);
void mp_dp_abuse_log_stop(struct event *ev);

#endif
