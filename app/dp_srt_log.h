/* dp_srt_log.h: the control thread's log of SRT handshakes that failed (stream, client, reason), rate-limited. */
#ifndef MP_DP_SRT_LOG_H
#define MP_DP_SRT_LOG_H

struct event_base;
struct event;
struct mp_dp;

/* Every second on base: take the workers' failed-handshake events (dp_srt_events.h) and log each
 * (MP_DP_SRT_LOG_BURST lines per MP_DP_SRT_LOG_WINDOW_S at most; past that one summary line per
 * window counts what was not logged). NULL when there is no SRT relay or on failure. */
#define MP_DP_SRT_LOG_BURST 20
#define MP_DP_SRT_LOG_WINDOW_S 10
struct event *mp_dp_srt_log_start(struct event_base *base, struct mp_dp *dp);
void mp_dp_srt_log_stop(struct event *ev);

#endif
