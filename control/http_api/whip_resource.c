/* whip_resource.c: an open-addressing table of WHIP/WHEP resource targets -> origin (control plane). */
#include "whip_resource.h"
#include "mp_error.h"

#include <stdlib.h>
#include <string.h>

#define PROBE 8 /* slots looked at per key; the oldest of them is replaced when all are taken */

struct mp_whip_resources {
	uint32_t mask;
	uint32_t count;
	struct mp_whip_res slot[];
};

struct mp_whip_resources *mp_whip_res_create(uint32_t slots)
{
	struct mp_whip_resources *t;
	uint32_t n = 16;

	while (n < slots && n < (1u << 24))
		n <<= 1;
	t = calloc(1, sizeof(*t) + (size_t)n * sizeof(t->slot[0]));
	if (t)
		t->mask = n - 1;
	return t;
}

void mp_whip_res_destroy(struct mp_whip_resources *t)
{
	free(t);
}

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static struct mp_whip_res *find(struct mp_whip_resources *t, const char *target)
{
	uint32_t h = hash(target);

	for (uint32_t i = 0; i < PROBE; i++) {
		struct mp_whip_res *e = &t->slot[(h + i) & t->mask];

		if (e->used_ms && !strcmp(e->target, target))
			return e;
	}
	return NULL;
}

int mp_whip_res_put(struct mp_whip_resources *t, const struct mp_whip_res *e, uint64_t now)
{
	struct mp_whip_res *dst;
	uint32_t h;

	if (strnlen(e->target, sizeof(e->target)) >= sizeof(e->target))
		return MP_ERR_TOOLONG;
	dst = find(t, e->target);
	if (!dst) {
		h = hash(e->target);
		for (uint32_t i = 0; i < PROBE; i++) {
			struct mp_whip_res *s = &t->slot[(h + i) & t->mask];

			if (!s->used_ms) {
				dst = s;
				break;
			}
			if (!dst || s->used_ms < dst->used_ms)
				dst = s;
		}
		if (!dst->used_ms)
			t->count++;
	}
	*dst = *e;
	dst->used_ms = now ? now : 1;
	return MP_OK;
}

const struct mp_whip_res *mp_whip_res_get(struct mp_whip_resources *t, const char *target)
{
	return find(t, target);
}

void mp_whip_res_del(struct mp_whip_resources *t, const char *target)
{
	struct mp_whip_res *e = find(t, target);

	if (e) {
		memset(e, 0, sizeof(*e));
		t->count--;
	}
}

uint32_t mp_whip_res_count(const struct mp_whip_resources *t)
{
	return t->count;
}
