/* arp_cache.c: the neighbour table: rte_hash (lock-free readers, multi-writer adds) + an entry array. */
#include "arp_cache.h"
#include "mp_error.h"

#include <string.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#define VALID (1ull << 63)

int mp_arp_cache_init(struct mp_arp_cache *c, const char *name, uint32_t capacity, uint32_t expiry_ms,
		      uint32_t retry_ms)
{
	struct rte_hash_parameters p = {
		.name = name,
		.entries = capacity * 2, /* cuckoo tables refuse keys well before 100% */
		.key_len = sizeof(uint32_t),
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};

	memset(c, 0, sizeof(*c));
	c->h = rte_hash_create(&p);
	if (!c->h)
		return MP_ERR_NOMEM;
	c->capacity = capacity * 2;
	c->e = rte_zmalloc(name, sizeof(*c->e) * (c->capacity + 1), 64);
	if (!c->e) {
		rte_hash_free(c->h);
		c->h = NULL;
		return MP_ERR_NOMEM;
	}
	c->expiry_ms = expiry_ms;
	c->retry_ms = retry_ms;
	return MP_OK;
}

void mp_arp_cache_free(struct mp_arp_cache *c)
{
	rte_hash_free(c->h);
	rte_free(c->e);
	memset(c, 0, sizeof(*c));
}

/* Index of ip, adding it when absent (entries are never deleted: neighbours are few). */
static int32_t slot(struct mp_arp_cache *c, uint32_t ip, bool add)
{
	int32_t i = rte_hash_lookup(c->h, &ip);

	if (i < 0 && add)
		i = rte_hash_add_key(c->h, &ip);
	return i;
}

int mp_arp_cache_learn(struct mp_arp_cache *c, uint32_t ip, const uint8_t mac[6], uint64_t now_ms)
{
	int32_t i = slot(c, ip, true);
	uint64_t w = VALID;

	if (i < 0) {
		__atomic_fetch_add(&c->full, 1, __ATOMIC_RELAXED);
		return MP_ERR_FULL;
	}
	for (int k = 0; k < 6; k++)
		w |= (uint64_t)mac[k] << (8 * (5 - k));
	__atomic_store_n(&c->e[i].updated_ms, now_ms, __ATOMIC_RELAXED);
	__atomic_store_n(&c->e[i].mac, w, __ATOMIC_RELEASE);
	return MP_OK;
}

int mp_arp_cache_lookup(struct mp_arp_cache *c, uint32_t ip, uint8_t mac[6], uint64_t now_ms)
{
	int32_t i = slot(c, ip, false);
	uint64_t w;

	if (i < 0)
		return MP_ERR_NOTFOUND;
	w = __atomic_load_n(&c->e[i].mac, __ATOMIC_ACQUIRE);
	if (!(w & VALID) || now_ms - __atomic_load_n(&c->e[i].updated_ms, __ATOMIC_RELAXED) > c->expiry_ms)
		return MP_ERR_NOTFOUND;
	for (int k = 0; k < 6; k++)
		mac[k] = (uint8_t)(w >> (8 * (5 - k)));
	return MP_OK;
}

bool mp_arp_cache_should_request(struct mp_arp_cache *c, uint32_t ip, uint64_t now_ms)
{
	int32_t i = slot(c, ip, true);
	uint64_t last;

	if (i < 0)
		return false;
	last = __atomic_load_n(&c->e[i].requested_ms, __ATOMIC_RELAXED);
	if (last && now_ms - last < c->retry_ms)
		return false;
	return __atomic_compare_exchange_n(&c->e[i].requested_ms, &last, now_ms ? now_ms : 1, false,
					   __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}
