/* dp_guard.h: each worker's defences on the session-miss path: per-source rate limits, the STUN HMAC context. */
#ifndef MP_DP_GUARD_H
#define MP_DP_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src_limit.h"

/*
 * Only frames that would start, replace or move a session get here (an SRT handshake to the
 * listener, a STUN with a known USERNAME from an address with no session), never a forwarded media
 * packet. Everything is owned by one worker: nothing shared is written, nothing locks, nothing is
 * logged from the worker. What is refused is counted as a drop reason; last_src remembers the
 * latest refused source for the control plane's summary line (app/dp_abuse_log.c).
 */
struct mp_stun_hmac;

struct mp_dp_guard {
	struct mp_src_limit sessions;  /* new (or replacing, or re-bound) sessions per source per second */
	struct mp_src_limit srt_hs;    /* SRT handshake packets to the listener per source per second */
	struct mp_stun_hmac *hmac;     /* MESSAGE-INTEGRITY checks (libcrypto, this worker's own) */
	uint32_t last_src;             /* the last source refused (host order); read relaxed by the control plane */
};

struct mp_dp;
struct mp_dp_worker;

/* Give every worker its guard (rates from dp->conf). 0, or -1 with err. */
int mp_dp_guard_init(struct mp_dp *dp, char *err, size_t errcap);
void mp_dp_guard_free(struct mp_dp *dp);

/* May src start (or replace, or move) a session now? false: refused, the caller drops and counts. */
bool mp_dp_guard_session(struct mp_dp_worker *w, uint32_t src, uint64_t now_ms);
/* May src send one more SRT handshake packet to the listener now? */
bool mp_dp_guard_srt_hs(struct mp_dp_worker *w, uint32_t src, uint64_t now_ms);
/* Note src as refused for another reason (a STUN that does not verify). */
void mp_dp_guard_note(struct mp_dp_worker *w, uint32_t src);

#endif
