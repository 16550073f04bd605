/* dp_abuse_log.c: every 10 s, one log line from the control thread when the data plane refused hostile sources. */
#include "control.h"
#include "dp_abuse_log.h"
#include "dp.h"
#include "lb.h"
#include "mp_log.h"

#include <event2/event.h>
#include <string.h>

#define MP_ABUSE_LOG_S 10

static const enum mp_dp_drop watched[] = { MP_DROP_SRT_HS_RATE, MP_DROP_SESSION_RATE, MP_DROP_STUN_INTEGRITY,
					   MP_DROP_STUN_NO_PWD };
#define N_WATCHED (sizeof(watched) / sizeof(watched[0]))

struct abuse_log {
	struct mp_dp *dp;
	uint64_t seen[N_WATCHED];
	struct event *ev;
};

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct abuse_log *a = arg;
	struct mp_dp_stats sum;
	uint64_t d[N_WATCHED], any = 0;
	uint32_t src = 0;
	char srcs[MP_LB_ADDR_TEXT_MAX];

	(void)fd;
	(void)what;
	memset(&sum, 0, sizeof(sum));
	mp_dp_stats_sum(a->dp, &sum);
	for (size_t i = 0; i < N_WATCHED; i++) {
		d[i] = sum.drops[watched[i]] - a->seen[i];
		a->seen[i] = sum.drops[watched[i]];
		any += d[i];
	}
	if (!any)
		return;
	for (unsigned i = 0; i < a->dp->n_workers && !src; i++)
		if (a->dp->workers[i].guard)
			src = __atomic_load_n(&a->dp->workers[i].guard->last_src, __ATOMIC_RELAXED);
	mp_lb_addr_text(a->dp->lb, src, srcs, sizeof(srcs)); /* an IPv6 client: [its address] */
	MP_WARN("data plane, last %d s: refused %lu SRT handshakes and %lu new sessions over the per-source rates "
		"(srt_handshake_rate, session_rate), %lu STUN checks failing MESSAGE-INTEGRITY, %lu for ICE usernames "
		"without ice-pwd; last source refused %s",
		MP_ABUSE_LOG_S, (unsigned long)d[0], (unsigned long)d[1], (unsigned long)d[2], (unsigned long)d[3], srcs);
}

struct event *mp_dp_abuse_log_start(struct event_base *base, struct mp_dp *dp)
{
	static struct abuse_log a;

	memset(&a, 0, sizeof(a));
	a.dp = dp;
	a.ev = mp_control_timer(base, MP_ABUSE_LOG_S * 1000, on_timer, &a);
	return a.ev;
}

void mp_dp_abuse_log_stop(struct event *ev)
{
	if (ev)
		event_free(ev);
}
