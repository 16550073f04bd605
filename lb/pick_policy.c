/* pick_policy.c: choose a new stream's origin among candidates: random, weighted, least load (two choices). */
#include "pick_policy.h"
#include "mp_error.h"

#include <string.h>

static const char *const names[] = { "random", "least_load", "weighted" };

int mp_pick_policy_parse(const char *s, enum mp_pick_policy *out)
{
	for (unsigned i = 0; s && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum mp_pick_policy)i;
			return MP_OK;
		}
	}
	return MP_ERR_INVAL;
}

const char *mp_pick_policy_name(enum mp_pick_policy p)
{
	return (unsigned)p < sizeof(names) / sizeof(names[0]) ? names[p] : "?";
}

double mp_pick_load_score(const struct mp_reg_load *l, uint32_t picks_since)
{
	if (!l->known)
		return -1;
	return l->cpu_percent / 100.0 + (double)l->load_1m / (l->cpus ? l->cpus : 1) + l->conn_srs / 1000.0 +
	       picks_since * 0.01;
}

uint64_t mp_pick_rand(uint64_t *s)
{
	/* splitmix64 (Steele, Lea, Flood 2014) */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* An index drawn with probability weight / total, skipping index skip (n when none). */
static size_t draw_weighted(const struct mp_pick_cand *c, size_t n, size_t skip, uint64_t *rng)
{
	uint64_t total = 0, r;
	size_t i;

	for (i = 0; i < n; i++)
		if (i != skip)
			total += c[i].weight;
	if (total == 0)
		return n;
	r = mp_pick_rand(rng) % total;
	for (i = 0; i < n; i++) {
		if (i == skip)
			continue;
		if (r < c[i].weight)
			return i;
		r -= c[i].weight;
	}
	return n;
}

int mp_pick_choose(enum mp_pick_policy p, const struct mp_pick_cand *c, size_t n, uint64_t *rng)
{
	size_t a, b;

	if (n == 0)
		return -1;
	if (n == 1)
		return 0;
	switch (p) {
	case MP_PICK_WEIGHTED:
		a = draw_weighted(c, n, n, rng);
		return a < n ? (int)a : -1;
	case MP_PICK_LEAST_LOAD:
		a = draw_weighted(c, n, n, rng);
		if (a >= n)
			return -1;
		b = draw_weighted(c, n, a, rng);
		if (b >= n || c[a].load < 0 || c[b].load < 0)
			return (int)a;
		return (int)(c[b].load < c[a].load ? b : a);
	case MP_PICK_RANDOM:
	default:
		return (int)(mp_pick_rand(rng) % n);
	}
}
