/* lb_index.h: the session indexes' table: a bucketed cuckoo hash of {key, value} slots, lock-free readers, one writer. */
#ifndef MP_LB_INDEX_H
#define MP_LB_INDEX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Why not rte_hash: the session indexes map a key to a session slot whose record is read right after,
 * and the record holds the key itself (the client tuple, the SRT socket id, the NAT port and origin).
 * rte_hash keeps its own copy of every key with an 8-byte data pointer (32 bytes for a tuple), its
 * buckets (8 bytes per slot, twice with extendable buckets), free-slot rings, and an RCU defer queue
 * of 16 bytes per entry, each rounded up to a power of two: ~100 bytes per session per table at 1M.
 * Here a slot is 16 bytes (key or key hash, value), 4 per 64-byte bucket, two candidate buckets per
 * key, about 1.25 slots per key: 20 bytes per key, and a lookup reads one or two buckets then the
 * record (rte_hash reads a bucket, its key store, then the record).
 *
 * Readers take no lock and write nothing. A reader may see a slot in the middle of a rewrite (its key
 * from one entry, its value from another): it must check the value against the record it names (or
 * treat it as a miss), which every caller does. Entries move between their two buckets only on insert
 * (cuckoo displacement): the writer copies an entry to its new place before it overwrites the old one
 * and bumps `moves` in between, and a reader that misses while `moves` changed looks again (as
 * rte_hash's lock-free mode does with its change counter).
 *
 * Writers: one at a time (the caller's lock). A value is never 0 (0 marks a free slot). A deleted
 * slot may be reused at once: no grace period is needed, since readers check what they find.
 */

#define MP_LB_IX_WAYS 4

struct mp_lb_ix_slot {
	_Atomic uint64_t key;
	_Atomic uint64_t val; /* 0: free */
};

struct mp_lb_ix {
	struct mp_lb_ix_slot *slot; /* nb * MP_LB_IX_WAYS, 64-byte aligned */
	uint32_t nb;                /* buckets (>= 2) */
	uint32_t count;             /* entries (writer) */
	uint64_t seed;
	_Atomic uint32_t moves;     /* bumped between an entry's copy to its other bucket and its old slot's reuse */
};

/* Size for up to keys entries (1.25 slots per key) on socket. MP_OK or MP_ERR_NOMEM. */
int mp_lb_ix_init(struct mp_lb_ix *ix, const char *name, uint32_t keys, uint64_t seed, int socket);
void mp_lb_ix_fini(struct mp_lb_ix *ix);
/* Writer: add (key, val) (no check for an existing key): MP_OK, or MP_ERR_FULL when no cuckoo path
 * frees a slot (the table is left as it was). */
int mp_lb_ix_add(struct mp_lb_ix *ix, uint64_t key, uint64_t val);
/* Writer: remove the entry (key, val); false if there is none. */
bool mp_lb_ix_del(struct mp_lb_ix *ix, uint64_t key, uint64_t val);
/* Writer: the entry (key, old) now holds val (readers see one or the other); false if none. */
bool mp_lb_ix_set(struct mp_lb_ix *ix, uint64_t key, uint64_t old, uint64_t val);
/* Writer: the value of the first entry with key (for tables whose keys are unique), 0 if none. */
uint64_t mp_lb_ix_get(const struct mp_lb_ix *ix, uint64_t key);
/* Writer, unique keys: set key's value, adding the entry if there is none. MP_OK or MP_ERR_FULL. */
int mp_lb_ix_put(struct mp_lb_ix *ix, uint64_t key, uint64_t val);
/* Writer: remove key's entry (unique keys); false if none. */
bool mp_lb_ix_remove(struct mp_lb_ix *ix, uint64_t key);

static inline uint64_t mp_lb_ix_mix(uint64_t k)
{
	/* MurmurHash3's 64-bit finaliser: every key bit reaches both bucket indexes. */
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

/* The two buckets of key (distinct). */
static inline void mp_lb_ix_buckets(const struct mp_lb_ix *ix, uint64_t key, uint32_t *b1, uint32_t *b2)
{
	uint64_t m = mp_lb_ix_mix(key ^ ix->seed);
	uint32_t a = (uint32_t)(((m & 0xffffffffu) * ix->nb) >> 32);
	uint32_t b = (uint32_t)(((m >> 32) * ix->nb) >> 32);
	if (b == a)
		b = a + 1 == ix->nb ? 0 : a + 1;
	*b1 = a;
	*b2 = b;
}

static inline const struct mp_lb_ix_slot *mp_lb_ix_bucket(const struct mp_lb_ix *ix, uint32_t b)
{
	return &ix->slot[(size_t)b * MP_LB_IX_WAYS];
}

/* always_inline: a function whose only effect is __builtin_prefetch looks side-effect free to GCC 12's
 * pure/const analysis, and a call to it was deleted before it could be inlined (every bulk lookup's
 * bucket prefetches were missing from the binary). Inlined first, the prefetches stay. */
#define MP_LB_PREFETCH_FN static inline __attribute__((always_inline))

/* The value of the first entry with key in bucket b, not checked (0 if none). */
static inline uint64_t mp_lb_ix_peek_in(const struct mp_lb_ix *ix, uint32_t b, uint64_t key)
{
	const struct mp_lb_ix_slot *sl = mp_lb_ix_bucket(ix, b);
	for (int i = 0; i < MP_LB_IX_WAYS; i++) {
		uint64_t v = atomic_load_explicit(&sl[i].val, memory_order_acquire);
		if (v != 0 && atomic_load_explicit(&sl[i].key, memory_order_relaxed) == key)
			return v;
	}
	return 0;
}

#define MP_LB_IX_BULK_MAX 64

/* The record value v (1..max) names, at rec + (v - 1) * size: its one or two lines asked for. */
MP_LB_PREFETCH_FN void mp_lb_ix_prefetch_rec(const void *rec, size_t size, uint64_t v, uint64_t max)
{
	if (v == 0 || v > max)
		return;
	const char *r = (const char *)rec + (v - 1) * size;
	__builtin_prefetch(r);
	if (size > 64)
		__builtin_prefetch(r + 64);
}

/* Reader, the first steps of a bulk lookup of n (<= MP_LB_IX_BULK_MAX) keys: v[i] is the value of the
 * first entry with keys[i] in its buckets, not checked (0 if none); the caller then takes each with
 * its check against the record it names, or looks again with mp_lb_ix_find (which also covers an
 * entry moving meanwhile). A value in 1..max names the record at rec + (v - 1) * size, whose one or
 * two lines (size <= 128) are asked for as soon as the value is known, before the next key's bucket
 * is read.
 * Memory: every key's first bucket is asked for before the first is read, and its second only when
 * the key is not in the first. Inserts fill a key's first bucket first, so most keys sit there (84 %
 * when the table is as full as it gets, 80 % of its slots; more below): ~1.2 bucket lines per lookup
 * instead of 2. At 1M sessions the prefetches of second buckets nobody read filled the
 * core's miss buffers and the prefetch instructions themselves stalled. */
MP_LB_PREFETCH_FN void mp_lb_ix_peek_bulk(const struct mp_lb_ix *ix, const uint64_t *keys, unsigned int n,
					  uint64_t *v, const void *rec, size_t size, uint64_t max)
{
	uint32_t b1[MP_LB_IX_BULK_MAX], b2[MP_LB_IX_BULK_MAX];
	uint64_t second = 0;
	for (unsigned int i = 0; i < n; i++) {
		mp_lb_ix_buckets(ix, keys[i], &b1[i], &b2[i]);
		__builtin_prefetch(mp_lb_ix_bucket(ix, b1[i]));
	}
	for (unsigned int i = 0; i < n; i++) {
		v[i] = mp_lb_ix_peek_in(ix, b1[i], keys[i]);
		if (v[i] == 0) {
			__builtin_prefetch(mp_lb_ix_bucket(ix, b2[i]));
			second |= 1ull << i;
		}
		mp_lb_ix_prefetch_rec(rec, size, v[i], max);
	}
	while (second != 0) {
		unsigned int i = (unsigned int)__builtin_ctzll(second);
		second &= second - 1;
		v[i] = mp_lb_ix_peek_in(ix, b2[i], keys[i]);
		mp_lb_ix_prefetch_rec(rec, size, v[i], max);
	}
}

/* Reader: the value of an entry with key that accept(ctx, value) takes (it checks the value against
 * the record it names), or 0. Inlined with a constant accept, the check costs no call. */
static inline uint64_t mp_lb_ix_find(const struct mp_lb_ix *ix, uint64_t key,
				     bool (*accept)(const void *ctx, uint64_t val), const void *ctx)
{
	uint32_t b[2];
	mp_lb_ix_buckets(ix, key, &b[0], &b[1]);
	for (;;) {
		uint32_t m = atomic_load_explicit(&ix->moves, memory_order_acquire);
		for (int j = 0; j < 2; j++) {
			const struct mp_lb_ix_slot *sl = mp_lb_ix_bucket(ix, b[j]);
			for (int i = 0; i < MP_LB_IX_WAYS; i++) {
				uint64_t v = atomic_load_explicit(&sl[i].val, memory_order_acquire);
				if (v != 0 && atomic_load_explicit(&sl[i].key, memory_order_relaxed) == key &&
				    accept(ctx, v))
					return v;
			}
		}
		/* A miss while an entry moved may have looked in its old place after it left and in its
		 * new one before it came: look again. */
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&ix->moves, memory_order_relaxed) == m)
			return 0;
	}
}

#endif
