/* src_limit.h: token buckets per source IPv4 address in a fixed table, owned by one thread (a worker
 * lcore, or the control plane's System API). */
#ifndef MP_SRC_LIMIT_H
#define MP_SRC_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A worker keeps its own tables, so nothing here is shared or locked: a source whose flows land on
 * n workers (RSS hashes ports too) gets up to n times the rate. The table is 2-way set associative
 * and never grows: a source not in it takes the way least recently used, with a full bucket. A
 * flood of spoofed sources can therefore only reset other sources' buckets to full (lenient), never
 * make a source wait longer than its own traffic warrants. Pure C, no DPDK: unit-tested as is.
 */

struct mp_src_bucket {
	uint32_t ip;
	uint32_t tokens;   /* thousandths of a token */
	uint64_t last_ms;  /* last refill */
	uint8_t used;
};

struct mp_src_limit {
	struct mp_src_bucket *b;
	uint32_t n;        /* entries, a power of two */
	uint32_t rate;     /* tokens per second; 0: no limit */
	uint32_t cap;      /* bucket size in thousandths (burst * 1000) */
};

#define MP_SRC_LIMIT_ENTRIES 4096
#define MP_SRC_LIMIT_MAX_RATE 1000000

/* rate tokens per second per source with a burst of `burst` (0: one second's worth); rate 0 makes
 * mp_src_limit_take always true and allocates nothing. 0, or -1 when out of memory. */
int mp_src_limit_init(struct mp_src_limit *l, uint32_t rate, uint32_t burst);
void mp_src_limit_free(struct mp_src_limit *l);
/* Take one token for ip (host order) at now_ms: true when there was one. */
bool mp_src_limit_take(struct mp_src_limit *l, uint32_t ip, uint64_t now_ms);

#endif
