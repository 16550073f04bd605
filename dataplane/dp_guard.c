/* dp_guard.c: per-worker rate limits and HMAC context for what may start a session. */
#include "dp_guard.h"
#include "dp.h"
#include "stun_integrity.h"

#include <stdio.h>
#include <stdlib.h>

int mp_dp_guard_init(struct mp_dp *dp, char *err, size_t errcap)
{
	for (unsigned i = 0; i < dp->n_workers; i++) {
		struct mp_dp_worker *w = &dp->workers[i];
		struct mp_dp_guard *g;

		if (w->guard)
			continue;
		g = calloc(1, sizeof(*g));
		if (!g)
			goto nomem;
		w->guard = g;
		if (mp_src_limit_init(&g->sessions, dp->conf.session_rate, 0) ||
		    mp_src_limit_init(&g->srt_hs, dp->conf.srt_hs_rate, 0))
			goto nomem;
		g->hmac = mp_stun_hmac_new();
		if (!g->hmac) {
			snprintf(err, errcap, "libcrypto: no HMAC-SHA1 for STUN MESSAGE-INTEGRITY");
			mp_dp_guard_free(dp);
			return -1;
		}
	}
	return 0;
nomem:
	snprintf(err, errcap, "out of memory for the per-source rate limits");
	mp_dp_guard_free(dp);
	return -1;
}

void mp_dp_guard_free(struct mp_dp *dp)
{
	for (unsigned i = 0; i < MP_DP_MAX_WORKERS; i++) {
		struct mp_dp_guard *g = dp->workers[i].guard;

		if (!g)
			continue;
		mp_src_limit_free(&g->sessions);
		mp_src_limit_free(&g->srt_hs);
		mp_stun_hmac_free(g->hmac);
		free(g);
		dp->workers[i].guard = NULL;
	}
}

void mp_dp_guard_note(struct mp_dp_worker *w, uint32_t src)
{
	if (w->guard)
		__atomic_store_n(&w->guard->last_src, src, __ATOMIC_RELAXED);
}

bool mp_dp_guard_session(struct mp_dp_worker *w, uint32_t src, uint64_t now_ms)
{
	if (!w->guard || mp_src_limit_take(&w->guard->sessions, src, now_ms))
		return true;
	mp_dp_guard_note(w, src);
	return false;
}

bool mp_dp_guard_srt_hs(struct mp_dp_worker *w, uint32_t src, uint64_t now_ms)
{
	if (!w->guard || mp_src_limit_take(&w->guard->srt_hs, src, now_ms))
		return true;
	mp_dp_guard_note(w, src);
	return false;
}
