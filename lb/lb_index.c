/* lb_index.c: the session indexes' cuckoo table (lb_index.h): sizing, and the writer's insert, move and delete. */
#include <rte_common.h>
#include <rte_malloc.h>

#include "lb_index.h"
#include "mp_error.h"

#define MP_LB_IX_BFS 512 /* buckets looked at for a cuckoo path before the insert is refused */

int mp_lb_ix_init(struct mp_lb_ix *ix, const char *name, uint32_t keys, uint64_t seed, int socket)
{
	/* 1.25 slots per key (80 % full at most; a 4-way two-choice cuckoo table holds ~97 %), and a few
	 * buckets more so a small table is not crowded by chance. */
	uint64_t nb = ((uint64_t)keys * 5 / 4 + MP_LB_IX_WAYS - 1) / MP_LB_IX_WAYS + 4;
	if (nb > UINT32_MAX / MP_LB_IX_WAYS)
		return MP_ERR_CONFIG;
	ix->nb = (uint32_t)nb;
	ix->count = 0;
	ix->seed = seed;
	atomic_store_explicit(&ix->moves, 0, memory_order_relaxed);
	ix->slot = rte_zmalloc_socket(name, sizeof(*ix->slot) * MP_LB_IX_WAYS * nb, RTE_CACHE_LINE_SIZE, socket);
	return ix->slot != NULL ? MP_OK : MP_ERR_NOMEM;
}

void mp_lb_ix_fini(struct mp_lb_ix *ix)
{
	rte_free(ix->slot);
	ix->slot = NULL;
}

static inline struct mp_lb_ix_slot *slot_at(struct mp_lb_ix *ix, uint32_t b, unsigned int i)
{
	return &ix->slot[(size_t)b * MP_LB_IX_WAYS + i];
}

/* Fill a free slot (or overwrite one whose entry is also elsewhere): key first, then the value that
 * makes it visible. */
static inline void slot_fill(struct mp_lb_ix_slot *s, uint64_t key, uint64_t val)
{
	atomic_store_explicit(&s->key, key, memory_order_relaxed);
	atomic_store_explicit(&s->val, val, memory_order_release);
}

static int free_way(struct mp_lb_ix *ix, uint32_t b)
{
	for (unsigned int i = 0; i < MP_LB_IX_WAYS; i++)
		if (atomic_load_explicit(&slot_at(ix, b, i)->val, memory_order_relaxed) == 0)
			return (int)i;
	return -1;
}

struct bfs_node {
	uint32_t bucket;
	int32_t parent; /* node whose bucket's entry at `way` moves here; -1 for the key's own buckets */
	uint32_t way;
};

/* The chain ending at node n (its entry goes to way w of n's bucket) writes each slot once: the
 * leaf's free way, then in every node on the way up the way its child on the chain emptied. */
static bool path_ok(const struct bfs_node *q, uint32_t n, uint32_t w)
{
	uint32_t sb[16], sw[16], ns = 0;
	sb[ns] = q[n].bucket;
	sw[ns++] = w;
	for (uint32_t i = n; q[i].parent >= 0; i = (uint32_t)q[i].parent) {
		if (ns == 16)
			return false;
		sb[ns] = q[q[i].parent].bucket;
		sw[ns++] = q[i].way;
	}
	for (uint32_t i = 0; i < ns; i++)
		for (uint32_t j = i + 1; j < ns; j++)
			if (sb[i] == sb[j] && sw[i] == sw[j])
				return false;
	return true;
}

int mp_lb_ix_add(struct mp_lb_ix *ix, uint64_t key, uint64_t val)
{
	uint32_t b1, b2;
	int w;
	mp_lb_ix_buckets(ix, key, &b1, &b2);
	if ((w = free_way(ix, b1)) >= 0 || (w = free_way(ix, b2)) >= 0) {
		uint32_t b = free_way(ix, b1) >= 0 ? b1 : b2;
		slot_fill(slot_at(ix, b, (unsigned int)w), key, val);
		ix->count++;
		return MP_OK;
	}
	/* Both full: breadth-first search for a chain of entries that can each move to their other
	 * bucket, ending at a free slot. One writer at a time: the queue can be static per thread. */
	static _Thread_local struct bfs_node q[MP_LB_IX_BFS];
	uint32_t head = 0, tail = 0;
	q[tail++] = (struct bfs_node){ .bucket = b1, .parent = -1 };
	q[tail++] = (struct bfs_node){ .bucket = b2, .parent = -1 };
	int32_t found = -1;
	uint32_t fw = 0;
	while (head < tail && found < 0) {
		uint32_t n = head++;
		for (unsigned int i = 0; i < MP_LB_IX_WAYS && found < 0; i++) {
			const struct mp_lb_ix_slot *s = slot_at(ix, q[n].bucket, i);
			uint32_t k1, k2;
			mp_lb_ix_buckets(ix, atomic_load_explicit(&s->key, memory_order_relaxed), &k1, &k2);
			uint32_t alt = q[n].bucket == k1 ? k2 : k1;
			if (tail == MP_LB_IX_BFS)
				break;
			q[tail] = (struct bfs_node){ .bucket = alt, .parent = (int32_t)n, .way = i };
			if ((w = free_way(ix, alt)) >= 0 && path_ok(q, tail, (uint32_t)w)) {
				found = (int32_t)tail;
				fw = (uint32_t)w;
			}
			tail++;
		}
	}
	if (found < 0)
		return MP_ERR_FULL;
	/* Walk the chain back from the free slot: each entry is copied to its new place before its old
	 * slot is overwritten (by the entry before it, or at the end by the new key). */
	uint32_t n = (uint32_t)found, free_w = fw;
	while (q[n].parent >= 0) {
		uint32_t p = (uint32_t)q[n].parent;
		struct mp_lb_ix_slot *from = slot_at(ix, q[p].bucket, q[n].way);
		slot_fill(slot_at(ix, q[n].bucket, free_w), atomic_load_explicit(&from->key, memory_order_relaxed),
			  atomic_load_explicit(&from->val, memory_order_relaxed));
		atomic_store_explicit(&ix->moves, atomic_load_explicit(&ix->moves, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		atomic_thread_fence(memory_order_release);
		free_w = q[n].way;
		n = p;
	}
	slot_fill(slot_at(ix, q[n].bucket, free_w), key, val);
	ix->count++;
	return MP_OK;
}

static struct mp_lb_ix_slot *find_exact(struct mp_lb_ix *ix, uint64_t key, uint64_t val, bool any_val)
{
	uint32_t b[2];
	mp_lb_ix_buckets(ix, key, &b[0], &b[1]);
	for (int j = 0; j < 2; j++)
		for (unsigned int i = 0; i < MP_LB_IX_WAYS; i++) {
			struct mp_lb_ix_slot *s = slot_at(ix, b[j], i);
			uint64_t v = atomic_load_explicit(&s->val, memory_order_relaxed);
			if (v != 0 && atomic_load_explicit(&s->key, memory_order_relaxed) == key && (any_val || v == val))
				return s;
		}
	return NULL;
}

bool mp_lb_ix_del(struct mp_lb_ix *ix, uint64_t key, uint64_t val)
{
	struct mp_lb_ix_slot *s = find_exact(ix, key, val, false);
	if (s == NULL)
		return false;
	atomic_store_explicit(&s->val, 0, memory_order_release);
	ix->count--;
	return true;
}

bool mp_lb_ix_set(struct mp_lb_ix *ix, uint64_t key, uint64_t old, uint64_t val)
{
	struct mp_lb_ix_slot *s = find_exact(ix, key, old, false);
	if (s == NULL || val == 0)
		return false;
	atomic_store_explicit(&s->val, val, memory_order_release);
	return true;
}

uint64_t mp_lb_ix_get(const struct mp_lb_ix *ix, uint64_t key)
{
	const struct mp_lb_ix_slot *s = find_exact((struct mp_lb_ix *)ix, key, 0, true);
	return s != NULL ? atomic_load_explicit(&s->val, memory_order_relaxed) : 0;
}

int mp_lb_ix_put(struct mp_lb_ix *ix, uint64_t key, uint64_t val)
{
	struct mp_lb_ix_slot *s = find_exact(ix, key, 0, true);
	if (s != NULL) {
		atomic_store_explicit(&s->val, val, memory_order_release);
		return MP_OK;
	}
	return mp_lb_ix_add(ix, key, val);
}

bool mp_lb_ix_remove(struct mp_lb_ix *ix, uint64_t key)
{
	struct mp_lb_ix_slot *s = find_exact(ix, key, 0, true);
	if (s == NULL)
		return false;
	atomic_store_explicit(&s->val, 0, memory_order_release);
	ix->count--;
	return true;
}
