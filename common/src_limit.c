/* src_limit.c: per-source token buckets (2-way set-associative table, one per worker lcore). */
#include "src_limit.h"

#include <stdlib.h>

int mp_src_limit_init(struct mp_src_limit *l, uint32_t rate, uint32_t burst)
{
	l->b = NULL;
	l->n = MP_SRC_LIMIT_ENTRIES;
	if (rate > MP_SRC_LIMIT_MAX_RATE)
		rate = MP_SRC_LIMIT_MAX_RATE;
	if (burst == 0 || burst > MP_SRC_LIMIT_MAX_RATE)
		burst = rate ? rate : 1;
	l->rate = rate;
	l->cap = burst * 1000u;
	if (!rate)
		return 0;
	l->b = calloc(l->n, sizeof(*l->b));
	return l->b ? 0 : -1;
}

void mp_src_limit_free(struct mp_src_limit *l)
{
	free(l->b);
	l->b = NULL;
}

bool mp_src_limit_take(struct mp_src_limit *l, uint32_t ip, uint64_t now_ms)
{
	struct mp_src_bucket *e, *w0, *w1;
	uint32_t set;

	if (!l->rate || !l->b)
		return true;
	set = ((ip * 0x9E3779B1u) >> 20) & (l->n - 1) & ~1u; /* Fibonacci hashing, 12 bits */
	w0 = &l->b[set];
	w1 = &l->b[set + 1];
	if (w0->used && w0->ip == ip) {
		e = w0;
	} else if (w1->used && w1->ip == ip) {
		e = w1;
	} else {
		e = !w0->used ? w0 : !w1->used ? w1 : w0->last_ms <= w1->last_ms ? w0 : w1;
		e->used = 1;
		e->ip = ip;
		e->tokens = l->cap;
		e->last_ms = now_ms;
	}
	if (now_ms > e->last_ms) {
		/* rate tokens per second = rate thousandths per millisecond */
		uint64_t t = e->tokens + (now_ms - e->last_ms) * (uint64_t)l->rate;

		e->tokens = t > l->cap ? l->cap : (uint32_t)t;
		e->last_ms = now_ms;
	}
	if (e->tokens < 1000)
		return false;
	e->tokens -= 1000;
	return true;
}
