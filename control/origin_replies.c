/* origin_replies.c: per-origin "replies seen / silent" from the live sessions (origin_replies.h). */
#include "origin_replies.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "lb.h"
#include "mp_error.h"
#include "mp_log.h"

struct state {
	uint32_t uid;        /* the origin incarnation this is about */
	uint8_t reply;       /* enum mp_origin_reply */
	uint64_t logged_ms;
};

struct scan {
	uint32_t waiting;    /* sessions older than MP_ORIGIN_SILENT_MS with nothing back */
	uint32_t given_up;   /* of those, older than MP_ORIGIN_DOWN_MS */
	uint32_t answered;   /* sessions with traffic back */
};

struct mp_origin_replies {
	uint32_t max;
	struct state *st;
	struct scan *sc;
};

struct mp_origin_replies *mp_origin_replies_new(uint32_t max_origins)
{
	struct mp_origin_replies *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->max = max_origins;
	r->st = calloc(max_origins, sizeof(*r->st));
	r->sc = calloc(max_origins, sizeof(*r->sc));
	if (!r->st || !r->sc) {
		mp_origin_replies_free(r);
		return NULL;
	}
	return r;
}

void mp_origin_replies_free(struct mp_origin_replies *r)
{
	if (!r)
		return;
	free(r->st);
	free(r->sc);
	free(r);
}

void mp_origin_replies_scan(struct mp_origin_replies *r, struct mp_lb *lb, uint64_t now)
{
	uint32_t lim = mp_lb_origin_id_limit(lb);

	if (lim > r->max)
		lim = r->max;
	for (uint32_t id = 0; id < lim; id++)
		r->sc[id] = (struct scan){ 0 };
	for (uint32_t i = mp_lb_session_next(lb, 0); i != UINT32_MAX; i = mp_lb_session_next(lb, i + 1)) {
		struct mp_lb_session *s = mp_lb_session_at(lb, i);

		if (!s || s->origin_id >= lim)
			continue;
		if (atomic_load_explicit(&s->pkts_o2c, memory_order_relaxed))
			r->sc[s->origin_id].answered++;
		else if (now > s->created_ms && now - s->created_ms >= MP_ORIGIN_SILENT_MS) {
			r->sc[s->origin_id].waiting++;
			if (now - s->created_ms >= MP_ORIGIN_DOWN_MS)
				r->sc[s->origin_id].given_up++;
		}
	}
	for (uint32_t id = 0; id < lim; id++) {
		const struct mp_lb_origin *o = mp_lb_origin_get(lb, id);
		struct state *st = &r->st[id];

		if (!o) {
			*st = (struct state){ 0 };
			continue;
		}
		if (st->uid != o->uid)
			*st = (struct state){ .uid = o->uid };
		if (r->sc[id].answered) {
			st->reply = MP_REPLY_SEEN;
		} else if (r->sc[id].waiting) {
			if (st->reply != MP_REPLY_SILENT &&
			    (!st->logged_ms || now - st->logged_ms >= MP_ORIGIN_SILENT_LOG_MS)) {
				MP_WARN("origin %s (registered %s): %u session(s) sent it media for %u s or more and "
					"none got anything back: its replies do not arrive (another source address: "
					"drop wrong_origin; or nothing listens there)", o->key, o->ip, r->sc[id].waiting,
					MP_ORIGIN_SILENT_MS / 1000);
				st->logged_ms = now;
			}
			st->reply = MP_REPLY_SILENT;
			/* An origin none of whose sessions has heard back for MP_ORIGIN_DOWN_MS (WebRTC, SRT
			 * past its handshake) is down as a refused connect is: no new streams until it
			 * registers again. (Not at MP_ORIGIN_SILENT_MS: a slow origin is not a dead one.) */
			if (r->sc[id].given_up && mp_lb_origin_mark_down(lb, id, o->uid, now, false) == MP_OK) {
				MP_WARN("origin %s: marked down (no session heard back in %u s); it is picked again "
					"once it registers again", o->key, MP_ORIGIN_DOWN_MS / 1000);
			}
		}
	}
}

enum mp_origin_reply mp_origin_replies_get(const struct mp_origin_replies *r, uint32_t origin_id, uint32_t uid)
{
	if (!r || origin_id >= r->max || r->st[origin_id].uid != uid)
		return MP_REPLY_UNKNOWN;
	return (enum mp_origin_reply)r->st[origin_id].reply;
}

const char *mp_origin_reply_name(enum mp_origin_reply v)
{
	return v == MP_REPLY_SEEN ? "seen" : v == MP_REPLY_SILENT ? "silent" : "none_yet";
}
