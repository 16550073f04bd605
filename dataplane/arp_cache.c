/* arp_cache.c: the neighbour table (ARP or IPv6 ND): set-associative buckets, lock-free reads, LRU eviction per bucket. */
#include "arp_cache.h"
#include "mp_error.h"

#include <string.h>

#include <rte_jhash.h>
#include <rte_malloc.h>

#define VALID (1ull << 63)
#define LD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define ST(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

int mp_arp_cache_init(struct mp_arp_cache *c, const char *name, uint32_t capacity, uint32_t expiry_ms,
		      uint32_t retry_ms)
{
	uint32_t b = 1;

	memset(c, 0, sizeof(*c));
	while (b * MP_ARP_WAYS < capacity)
		b *= 2;
	c->e = rte_zmalloc(name, sizeof(*c->e) * b * MP_ARP_WAYS, 64);
	if (!c->e)
		return MP_ERR_NOMEM;
	c->n_buckets = b;
	c->expiry_ms = expiry_ms;
	/* Ask again in the last fifth of the lifetime: a live neighbour answers long before expiry. */
	c->refresh_ms = expiry_ms - expiry_ms / 5;
	c->retry_ms = retry_ms;
	rte_spinlock_init(&c->wlock);
	return MP_OK;
}

void mp_arp_cache_free(struct mp_arp_cache *c)
{
	rte_free(c->e);
	memset(c, 0, sizeof(*c));
}

/* A neighbour's address as the table keys it. */
struct nkey {
	uint64_t w[2];
};

static inline struct nkey key4(uint32_t ip)
{
	return (struct nkey){ { 0, ip } };
}

static inline struct nkey key6(const uint8_t a[16])
{
	struct nkey k = { { 0, 0 } };

	for (int i = 0; i < 8; i++) {
		k.w[0] = k.w[0] << 8 | a[i];
		k.w[1] = k.w[1] << 8 | a[8 + i];
	}
	return k;
}

static inline bool key_zero(struct nkey k)
{
	return !k.w[0] && !k.w[1];
}

static inline bool key_is(struct mp_arp_entry *e, struct nkey k)
{
	return __atomic_load_n(&e->key[1], __ATOMIC_ACQUIRE) == k.w[1] &&
	       __atomic_load_n(&e->key[0], __ATOMIC_ACQUIRE) == k.w[0];
}

static inline struct mp_arp_entry *bucket(struct mp_arp_cache *c, struct nkey k)
{
	uint32_t h = rte_jhash_3words((uint32_t)(k.w[0] >> 32) ^ (uint32_t)k.w[0], (uint32_t)(k.w[1] >> 32),
				      (uint32_t)k.w[1], 0x4d50);

	return &c->e[(h & (c->n_buckets - 1)) * MP_ARP_WAYS];
}

static struct mp_arp_entry *find(struct mp_arp_cache *c, struct nkey k)
{
	struct mp_arp_entry *b = bucket(c, k);

	for (int i = 0; i < MP_ARP_WAYS; i++)
		if (key_is(&b[i], k))
			return &b[i];
	return NULL;
}

static inline bool slot_free(struct mp_arp_entry *e)
{
	return !LD(&e->key[0]) && !LD(&e->key[1]);
}

/* k's entry, made if absent: a free way of its bucket, else the least recently used one. */
static struct mp_arp_entry *find_or_make(struct mp_arp_cache *c, struct nkey k, uint64_t now_ms)
{
	struct mp_arp_entry *b, *e, *victim;

	if (key_zero(k))
		return NULL;
	e = find(c, k);
	if (e)
		return e;
	rte_spinlock_lock(&c->wlock);
	e = find(c, k); /* made meanwhile by another lcore */
	if (!e) {
		b = bucket(c, k);
		victim = &b[0];
		for (int i = 0; i < MP_ARP_WAYS; i++) {
			if (slot_free(&b[i])) {
				victim = &b[i];
				break;
			}
			if (LD(&b[i].used_ms) < LD(&victim->used_ms))
				victim = &b[i];
		}
		if (!slot_free(victim))
			__atomic_fetch_add(&c->evicted, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&victim->mac, 0, __ATOMIC_RELEASE);
		ST(&victim->updated_ms, 0);
		ST(&victim->requested_ms, 0);
		ST(&victim->used_ms, now_ms);
		__atomic_store_n(&victim->key[0], k.w[0], __ATOMIC_RELEASE);
		__atomic_store_n(&victim->key[1], k.w[1], __ATOMIC_RELEASE);
		e = victim;
	}
	rte_spinlock_unlock(&c->wlock);
	return e;
}

static void set_mac(struct mp_arp_entry *e, const uint8_t mac[6], uint64_t now_ms)
{
	uint64_t w = VALID;

	for (int k = 0; k < 6; k++)
		w |= (uint64_t)mac[k] << (8 * (5 - k));
	ST(&e->updated_ms, now_ms);
	__atomic_store_n(&e->mac, w, __ATOMIC_RELEASE);
}

static int learn(struct mp_arp_cache *c, struct nkey k, const uint8_t mac[6], uint64_t now_ms)
{
	struct mp_arp_entry *e = find_or_make(c, k, now_ms);

	if (!e)
		return MP_ERR_INVAL;
	set_mac(e, mac, now_ms);
	return MP_OK;
}

static int reply(struct mp_arp_cache *c, struct nkey k, const uint8_t mac[6], uint64_t now_ms)
{
	struct mp_arp_entry *e = key_zero(k) ? NULL : find(c, k);

	/* Taken only while our request is unanswered (asked after the last learn): an unsolicited
	 * reply can neither create an entry nor move an existing one to another MAC. */
	if (!e || LD(&e->requested_ms) <= LD(&e->updated_ms) || !key_is(e, k)) {
		__atomic_fetch_add(&c->unsolicited, 1, __ATOMIC_RELAXED);
		return MP_ERR_NOTFOUND;
	}
	set_mac(e, mac, now_ms);
	return MP_OK;
}

static int lookup(struct mp_arp_cache *c, struct nkey k, uint8_t mac[6], uint64_t now_ms, bool *refresh)
{
	struct mp_arp_entry *e = find(c, k);
	uint64_t w, age;

	*refresh = false;
	if (!e)
		return MP_ERR_NOTFOUND;
	w = __atomic_load_n(&e->mac, __ATOMIC_ACQUIRE);
	age = now_ms - LD(&e->updated_ms);
	/* the slot may have gone to another address since find(): the key is checked after the mac */
	if (!(w & VALID) || !key_is(e, k) || (now_ms >= LD(&e->updated_ms) && age > c->expiry_ms))
		return MP_ERR_NOTFOUND;
	if (now_ms >= LD(&e->updated_ms) && age > c->refresh_ms)
		*refresh = true;
	/* LRU age to the second: a written line at most once a second per neighbour */
	if (now_ms / 1000 != LD(&e->used_ms) / 1000)
		ST(&e->used_ms, now_ms);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(w >> (8 * (5 - i)));
	return MP_OK;
}

static bool should_request(struct mp_arp_cache *c, struct nkey k, uint64_t now_ms)
{
	struct mp_arp_entry *e = find_or_make(c, k, now_ms);
	uint64_t last;

	if (!e)
		return false;
	last = LD(&e->requested_ms);
	/* a request stamped later than now_ms was made by a lcore whose turn started after ours: recent */
	if (last && (now_ms < last || now_ms - last < c->retry_ms))
		return false;
	return __atomic_compare_exchange_n(&e->requested_ms, &last, now_ms ? now_ms : 1, false, __ATOMIC_RELAXED,
					   __ATOMIC_RELAXED);
}

int mp_arp_cache_learn(struct mp_arp_cache *c, uint32_t ip, const uint8_t mac[6], uint64_t now_ms)
{
	return learn(c, key4(ip), mac, now_ms);
}

int mp_arp_cache_reply(struct mp_arp_cache *c, uint32_t ip, const uint8_t mac[6], uint64_t now_ms)
{
	return reply(c, key4(ip), mac, now_ms);
}

int mp_arp_cache_lookup(struct mp_arp_cache *c, uint32_t ip, uint8_t mac[6], uint64_t now_ms, bool *refresh)
{
	return lookup(c, key4(ip), mac, now_ms, refresh);
}

bool mp_arp_cache_should_request(struct mp_arp_cache *c, uint32_t ip, uint64_t now_ms)
{
	return should_request(c, key4(ip), now_ms);
}

int mp_nd_cache_learn(struct mp_arp_cache *c, const uint8_t ip6[16], const uint8_t mac[6], uint64_t now_ms)
{
	return learn(c, key6(ip6), mac, now_ms);
}

int mp_nd_cache_reply(struct mp_arp_cache *c, const uint8_t ip6[16], const uint8_t mac[6], uint64_t now_ms)
{
	return reply(c, key6(ip6), mac, now_ms);
}

int mp_nd_cache_lookup(struct mp_arp_cache *c, const uint8_t ip6[16], uint8_t mac[6], uint64_t now_ms, bool *refresh)
{
	return lookup(c, key6(ip6), mac, now_ms, refresh);
}

bool mp_nd_cache_should_request(struct mp_arp_cache *c, const uint8_t ip6[16], uint64_t now_ms)
{
	return should_request(c, key6(ip6), now_ms);
}
