/* dp_srt_log.c: log, from the control thread, the SRT handshakes the workers saw fail (dp_srt_events.h), rate-limited. */
#include "control.h"
#include "dp_srt_log.h"
#include "dp.h"
#include "dp_srt.h"
#include "lb.h"
#include "mp_escape.h"
#include "mp_log.h"
#include "srt.h"

#include <event2/event.h>
#include <string.h>

struct srt_log {
	struct mp_dp *dp;
	struct event *ev;
	unsigned ticks;              /* seconds into the window */
	unsigned logged;             /* lines logged in this window */
	uint64_t held[4];            /* events not logged in this window, by kind */
	uint64_t lost_seen[MP_DP_MAX_WORKERS];
};

static const char *kind_text(uint8_t kind)
{
	switch (kind) {
	case MP_DP_SRT_EV_REFUSED: return "refused by the appliance";
	case MP_DP_SRT_EV_ORIGIN_REJECT: return "rejected by the origin";
	case MP_DP_SRT_EV_ORIGIN_TIMEOUT: return "origin did not answer (handshake timeout)";
	default: return "failed";
	}
}

static void log_one(struct srt_log *l, const struct mp_dp_srt_event *e)
{
	const struct mp_lb_origin *o = NULL;
	char stream[2 * MP_DP_SRT_EV_STREAM], client[MP_LB_ADDR_TEXT_MAX];
	const char *reason = mp_srt_reject_name(e->reason);

	if (l->logged >= MP_DP_SRT_LOG_BURST) {
		l->held[e->kind <= MP_DP_SRT_EV_ORIGIN_TIMEOUT ? e->kind : 0]++;
		return;
	}
	l->logged++;
	if (e->origin_id != MP_DP_SRT_EV_NO_ORIGIN && l->dp->lb)
		o = mp_lb_origin_get(l->dp->lb, e->origin_id);
	/* a stream key is what a caller sent: escaped before it reaches the log */
	mp_escape(e->stream, strnlen(e->stream, sizeof(e->stream)), stream, sizeof(stream));
	mp_lb_addr_text(l->dp->lb, e->client_ip, client, sizeof(client)); /* an IPv6 client: [its address] */
	MP_WARN("SRT: handshake of %s:%u for stream '%s' %s: %s (%d)%s%s", client, e->client_port,
		stream[0] ? stream : "(none named)", kind_text(e->kind), reason ? reason : "?", (int)e->reason,
		o ? ", origin " : "", o ? o->key : "");
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct srt_log *l = arg;
	struct mp_dp_srt *srt = l->dp->srt;
	struct mp_dp_srt_event e;
	uint64_t lost = 0;

	(void)fd;
	(void)what;
	if (!srt)
		return;
	for (unsigned i = 0; i < l->dp->n_workers; i++) {
		struct mp_dp_srt_evring *r = &srt->workers[i].events;
		uint64_t now_lost = atomic_load_explicit(&r->lost, memory_order_relaxed);

		while (mp_dp_srt_event_take(r, &e))
			log_one(l, &e);
		lost += now_lost - l->lost_seen[i];
		l->lost_seen[i] = now_lost;
	}
	l->held[0] += lost;
	if (++l->ticks < MP_DP_SRT_LOG_WINDOW_S)
		return;
	if (l->held[0] || l->held[1] || l->held[2] || l->held[3])
		MP_WARN("SRT: last %d s, %lu more failed handshakes not logged one by one: %lu refused by the appliance, "
			"%lu rejected by origins, %lu origin timeouts, %lu past the workers' event rings",
			MP_DP_SRT_LOG_WINDOW_S, (unsigned long)(l->held[0] + l->held[1] + l->held[2] + l->held[3]),
			(unsigned long)l->held[1], (unsigned long)l->held[2], (unsigned long)l->held[3],
			(unsigned long)l->held[0]);
	memset(l->held, 0, sizeof(l->held));
	l->ticks = 0;
	l->logged = 0;
}

struct event *mp_dp_srt_log_start(struct event_base *base, struct mp_dp *dp)
{
	static struct srt_log l;

	if (!dp->srt)
		return NULL;
	memset(&l, 0, sizeof(l));
	l.dp = dp;
	l.ev = mp_control_timer(base, 1000, on_timer, &l);
	return l.ev;
}

void mp_dp_srt_log_stop(struct event *ev)
{
	if (ev)
		event_free(ev);
}
