/* arp_cache.c: the neighbour table: set-associative buckets, lock-free reads, LRU eviction per bucket. */
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

static inline struct mp_arp_entry *bucket(struct mp_arp_cache *c, uint32_t ip)
{
	return &c->e[(rte_jhash_1word(ip, 0x4d50) & (c->n_buckets - 1)) * MP_ARP_WAYS];
}

static struct mp_arp_entry *find(struct mp_arp_cache *c, uint32_t ip)
{
	struct mp_arp_entry *b = bucket(c, ip);

	for (int k = 0; k < MP_ARP_WAYS; k++)
		if (__atomic_load_n(&b[k].ip, __ATOMIC_ACQUIRE) == ip)
			return &b[k];
	return NULL;
}

/* ip's entry, made if absent: a free way of its bucket, else the least recently used one. */
static struct mp_arp_entry *find_or_make(struct mp_arp_cache *c, uint32_t ip, uint64_t now_ms)
{
	struct mp_arp_entry *b, *e = find(c, ip), *victim;

	if (e || !ip)
		return e;
	rte_spinlock_lock(&c->wlock);
	e = find(c, ip); /* made meanwhile by another lcore */
	if (!e) {
		b = bucket(c, ip);
		victim = &b[0];
		for (int k = 0; k < MP_ARP_WAYS; k++) {
			if (!LD(&b[k].ip)) {
				victim = &b[k];
				break;
			}
			if (LD(&b[k].used_ms) < LD(&victim->used_ms))
				victim = &b[k];
		}
		if (LD(&victim->ip))
			__atomic_fetch_add(&c->evicted, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&victim->mac, 0, __ATOMIC_RELEASE);
		ST(&victim->updated_ms, 0);
		ST(&victim->requested_ms, 0);
		ST(&victim->used_ms, now_ms);
		__atomic_store_n(&victim->ip, ip, __ATOMIC_RELEASE);
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

int mp_arp_cache_learn(struct mp_arp_cache *c, uint32_t ip, const uint8_t mac[6], uint64_t now_ms)
{
	struct mp_arp_entry *e = find_or_make(c, ip, now_ms);

	if (!e)
		return MP_ERR_INVAL;
	set_mac(e, mac, now_ms);
	return MP_OK;
}

int mp_arp_cache_reply(struct mp_arp_cache *c, uint32_t ip, const uint8_t mac[6], uint64_t now_ms)
{
	struct mp_arp_entry *e = find(c, ip);

	/* Taken only while our request is unanswered (asked after the last learn): an unsolicited
	 * reply can neither create an entry nor move an existing one to another MAC. */
	if (!e || !ip || LD(&e->requested_ms) <= LD(&e->updated_ms) || LD(&e->ip) != ip) {
		__atomic_fetch_add(&c->unsolicited, 1, __ATOMIC_RELAXED);
		return MP_ERR_NOTFOUND;
	}
	set_mac(e, mac, now_ms);
	return MP_OK;
}

int mp_arp_cache_lookup(struct mp_arp_cache *c, uint32_t ip, uint8_t mac[6], uint64_t now_ms, bool *refresh)
{
	struct mp_arp_entry *e = find(c, ip);
	uint64_t w, age;

	*refresh = false;
	if (!e)
		return MP_ERR_NOTFOUND;
	w = __atomic_load_n(&e->mac, __ATOMIC_ACQUIRE);
	age = now_ms - LD(&e->updated_ms);
	/* the slot may have gone to another address since find(): ip is checked after the mac */
	if (!(w & VALID) || LD(&e->ip) != ip || (now_ms >= LD(&e->updated_ms) && age > c->expiry_ms))
		return MP_ERR_NOTFOUND;
	if (now_ms >= LD(&e->updated_ms) && age > c->refresh_ms)
		*refresh = true;
	/* LRU age to the second: a written line at most once a second per neighbour */
	if (now_ms / 1000 != LD(&e->used_ms) / 1000)
		ST(&e->used_ms, now_ms);
	for (int k = 0; k < 6; k++)
		mac[k] = (uint8_t)(w >> (8 * (5 - k)));
	return MP_OK;
}

bool mp_arp_cache_should_request(struct mp_arp_cache *c, uint32_t ip, uint64_t now_ms)
{
	struct mp_arp_entry *e = find_or_make(c, ip, now_ms);
	uint64_t last;

	if (!e)
		return false;
	last = LD(&e->requested_ms);
	if (last && now_ms - last < c->retry_ms)
		return false;
	return __atomic_compare_exchange_n(&e->requested_ms, &last, now_ms ? now_ms : 1, false, __ATOMIC_RELAXED,
					   __ATOMIC_RELAXED);
}
