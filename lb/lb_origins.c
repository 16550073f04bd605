/* lb_origins.c: the origin registry: "server-service-pid" -> id -> record, replaced whole, RCU-freed. */
#include <stddef.h>
#include <stdio.h>

#include <rte_malloc.h>

#include "lb_internal.h"
#include "mp_error.h"
#include "pick_policy.h"
#include "mp_log.h"

static void mp_lb_copy_field(char *dst, const char *src)
{
	size_t n = strnlen(src, MP_REG_MAX_FIELD - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Identity "server-service-pid", as the SRS proxy keys its OriginServer. */
static int mp_lb_origin_key(char key[MP_LB_ORIGIN_KEY_MAX], const struct mp_registration *r)
{
	int a = (int)strnlen(r->server, MP_REG_MAX_FIELD - 1);
	int b = (int)strnlen(r->service, MP_REG_MAX_FIELD - 1);
	int c = (int)strnlen(r->pid, MP_REG_MAX_FIELD - 1);
	if (a == 0 || b == 0 || c == 0)
		return MP_ERR_INVAL;
	memset(key, 0, MP_LB_ORIGIN_KEY_MAX);
	snprintf(key, MP_LB_ORIGIN_KEY_MAX, "%.*s-%.*s-%.*s", a, r->server, b, r->service, c, r->pid);
	return MP_OK;
}

static uint32_t mp_lb_origin_sum(const struct mp_lb_origin *o)
{
	const size_t off = offsetof(struct mp_lb_origin, id);
	return mp_lb_checksum((const uint8_t *)o + off, sizeof(*o) - off);
}

bool mp_lb_origin_verify(const struct mp_lb_origin *o)
{
	return o != NULL && o->magic == MP_LB_ORIGIN_MAGIC && o->check == mp_lb_origin_sum(o);
}

/* A new record from reg; zeroed first so padding is part of the checksum deterministically. */
static struct mp_lb_origin *mp_lb_origin_build(struct mp_lb *lb, const char *key,
					       const struct mp_registration *reg, uint32_t id,
					       uint32_t uid, uint64_t gen, uint64_t first_seen, uint64_t now)
{
	struct mp_lb_origin *o = rte_zmalloc_socket("mp_lb_origin", sizeof(*o), 0, lb->cfg.socket_id);
	if (o == NULL)
		return NULL;
	o->id = id;
	o->uid = uid;
	o->gen = gen;
	o->first_seen_ms = first_seen;
	o->updated_ms = now;
	memcpy(o->key, key, MP_LB_ORIGIN_KEY_MAX);
	mp_lb_copy_field(o->device_id, reg->device_id);
	mp_lb_copy_field(o->ip, reg->ip);
	o->ipv4 = reg->ipv4;
	o->ip_v6 = reg->ip_v6;
	memcpy(o->ip6, reg->ip6, sizeof(o->ip6));
	o->load = reg->load;
	o->weight = reg->has_weight ? reg->weight : MP_PICK_WEIGHT_DEFAULT;
	for (int p = 0; p < MP_PROTO__COUNT; p++) {
		uint8_t n = reg->n_ep[p] <= MP_REG_MAX_ENDPOINTS ? reg->n_ep[p] : MP_REG_MAX_ENDPOINTS;
		o->n_ep[p] = n;
		for (uint8_t i = 0; i < n; i++) {
			o->ep[p][i].ipv4 = reg->ep[p][i].ipv4;
			o->ep[p][i].port = reg->ep[p][i].port;
			o->ep[p][i].scheme = reg->ep[p][i].scheme;
			o->ep[p][i].v6 = reg->ep[p][i].v6;
			memcpy(o->ep[p][i].ip6, reg->ep[p][i].ip6, sizeof(o->ep[p][i].ip6));
		}
	}
	mp_lb_origin6_hold(lb, o, now); /* given back when the record is replaced or removed */
	o->check = mp_lb_origin_sum(o);
	o->magic = MP_LB_ORIGIN_MAGIC;
	return o;
}

static void mp_lb_origin_retire(struct mp_lb *lb, struct mp_lb_origin *old)
{
	if (mp_lb_defer_free(lb, MP_LB_DEFER_ORIGIN, old) != MP_OK)
		MP_WARN("lb: defer queue full (a reader stopped reporting?): origin record kept");
}

void mp_lb_set_origin_ttl(struct mp_lb *lb, uint64_t ttl_ms)
{
	if (ttl_ms)
		__atomic_store_n(&lb->cfg.origin_ttl_ms, ttl_ms, __ATOMIC_RELAXED);
}

void mp_lb_set_origin_filter(struct mp_lb *lb, mp_lb_origin_filter_fn fn, void *ctx)
{
	lb->origin_filter_ctx = ctx;
	lb->origin_filter = fn;
}

int mp_lb_local_origin_update(struct mp_lb *lb, const struct mp_registration *reg, uint64_t now)
{
	char key[MP_LB_ORIGIN_KEY_MAX];
	if (reg == NULL || mp_lb_origin_key(key, reg) != MP_OK)
		return MP_ERR_INVAL;
	if (lb->origin_filter != NULL && !lb->origin_filter(lb->origin_filter_ctx, reg))
		return MP_ERR_PERM;
	struct mp_lb_table *t = &lb->origins;
	void *data;
	int rc;

	rte_spinlock_lock(&t->wlock);
	if (rte_hash_lookup_data(t->h, key, &data) >= 0) {
		uint32_t id = (uint32_t)mp_lb_p2u(data);
		struct mp_lb_origin *old = atomic_load_explicit(&lb->origin_slot[id], memory_order_relaxed);
		struct mp_lb_origin *o = mp_lb_origin_build(lb, key, reg, id, old->uid, old->gen + 1,
							    old->first_seen_ms, now);
		if (o == NULL) {
			rte_spinlock_unlock(&t->wlock);
			return MP_ERR_NOMEM;
		}
		o->draining = old->draining;
		if (!reg->has_weight)
			o->weight = old->weight;
		/* A mark-down ends with a registration at or after it (the same millisecond counts: a
		 * client may see the origin refuse and the origin register again within one); a mirrored
		 * registration older than the mark keeps it. */
		bool was_down = mp_lb_origin_is_down(old), up_again = old->down_ms != 0 && now >= old->down_ms;
		o->down_ms = up_again ? 0 : old->down_ms;
		o->down_probe = up_again ? 0 : old->down_probe;
		o->check = mp_lb_origin_sum(o);
		atomic_store_explicit(&lb->origin_slot[id], o, memory_order_release);
		mp_lb_origin6_release(lb, old);
		/* the heartbeat's load now counts the streams sent since the last one */
		atomic_store_explicit(&lb->origin_npicks[id], 0, memory_order_relaxed);
		rte_spinlock_unlock(&t->wlock);
		if (was_down && up_again)
			MP_INFO("lb: origin %s registered again: up", key);
		mp_lb_origin_retire(lb, old);
		return (int)id;
	}
	if (atomic_load_explicit(&t->count, memory_order_relaxed) >= t->cap) {
		atomic_fetch_add_explicit(&t->refused, 1, memory_order_relaxed);
		rte_spinlock_unlock(&t->wlock);
		return MP_ERR_FULL;
	}
	uint32_t limit = atomic_load_explicit(&lb->origin_limit, memory_order_relaxed);
	uint32_t id = lb->origin_nfree > 0 ? lb->origin_free[--lb->origin_nfree] : limit;
	if (++lb->origin_uid_next == 0)
		lb->origin_uid_next = 1;
	struct mp_lb_origin *o = mp_lb_origin_build(lb, key, reg, id, lb->origin_uid_next, 1, now, now);
	if (o == NULL) {
		if (id != limit)
			lb->origin_free[lb->origin_nfree++] = id;
		rte_spinlock_unlock(&t->wlock);
		return MP_ERR_NOMEM;
	}
	/* Publish the record before the key, so whoever finds the key finds the record. */
	atomic_store_explicit(&lb->origin_npicks[id], 0, memory_order_relaxed);
	atomic_store_explicit(&lb->origin_slot[id], o, memory_order_release);
	if (id == limit)
		atomic_store_explicit(&lb->origin_limit, limit + 1, memory_order_release);
	rc = rte_hash_add_key_data(t->h, key, mp_lb_u2p(id));
	if (rc != 0) {
		atomic_store_explicit(&lb->origin_slot[id], NULL, memory_order_release);
		lb->origin_free[lb->origin_nfree++] = id;
		atomic_fetch_add_explicit(&t->refused, 1, memory_order_relaxed);
		mp_lb_origin6_release(lb, o);
		rte_spinlock_unlock(&t->wlock);
		mp_lb_origin_retire(lb, o);
		return MP_ERR_FULL;
	}
	atomic_fetch_add_explicit(&t->count, 1, memory_order_relaxed);
	rte_spinlock_unlock(&t->wlock);
	MP_INFO("lb: origin %s registered as id %u (%s)", key, id, o->ip);
	return (int)id;
}

/* Find the origin named name with the origins' write lock taken: on MP_OK the lock is held, key
 * holds the origin's key and *id its slot; otherwise the lock is not held. */
static int origin_lock_find(struct mp_lb *lb, const char *name, char key[MP_LB_ORIGIN_KEY_MAX], uint32_t *id)
{
	int rc = mp_lb_key(key, MP_LB_ORIGIN_KEY_MAX, name);
	void *data;

	if (rc != MP_OK)
		return rc == MP_ERR_TOOLONG ? MP_ERR_NOTFOUND : rc;
	rte_spinlock_lock(&lb->origins.wlock);
	if (rte_hash_lookup_data(lb->origins.h, key, &data) < 0) {
		rte_spinlock_unlock(&lb->origins.wlock);
		return MP_ERR_NOTFOUND;
	}
	*id = (uint32_t)mp_lb_p2u(data);
	return MP_OK;
}

int mp_lb_local_origin_remove(struct mp_lb *lb, const char *name)
{
	char key[MP_LB_ORIGIN_KEY_MAX];
	struct mp_lb_table *t = &lb->origins;
	uint32_t id;
	int rc = origin_lock_find(lb, name, key, &id);
	if (rc != MP_OK)
		return rc;
	struct mp_lb_origin *o = atomic_load_explicit(&lb->origin_slot[id], memory_order_relaxed);
	rte_hash_del_key(t->h, key);
	atomic_store_explicit(&lb->origin_slot[id], NULL, memory_order_release);
	mp_lb_origin6_release(lb, o);
	/* The id may be reused at once: picks and callers compare the uid. */
	lb->origin_free[lb->origin_nfree++] = id;
	atomic_fetch_sub_explicit(&t->count, 1, memory_order_relaxed);
	rte_spinlock_unlock(&t->wlock);
	atomic_fetch_add_explicit(&lb->origins_forgotten, 1, memory_order_relaxed);
	mp_lb_origin_retire(lb, o);
	return MP_OK;
}

/* What a copy-and-replace changes in a record (the caller holds origins.wlock). */
enum origin_edit { EDIT_DRAIN, EDIT_WEIGHT, EDIT_DOWN, EDIT_DOWN_PROBE, EDIT_PROBE, EDIT_UP };

/* Replace the record in slot id by a copy with one field changed (never in place: readers hold
 * the old one). Called and returns with origins.wlock held. */
static int origin_edit_locked(struct mp_lb *lb, uint32_t id, enum origin_edit what, uint64_t v)
{
	struct mp_lb_origin *old = atomic_load_explicit(&lb->origin_slot[id], memory_order_relaxed);
	struct mp_lb_origin *o = rte_malloc_socket("mp_lb_origin", sizeof(*o), 0, lb->cfg.socket_id);

	if (o == NULL)
		return MP_ERR_NOMEM;
	memcpy(o, old, sizeof(*o));
	switch (what) {
	case EDIT_DRAIN: o->draining = v ? 1 : 0; break;
	case EDIT_WEIGHT: o->weight = (uint32_t)v; break;
	case EDIT_DOWN: o->down_ms = v; o->down_probe = 0; break;
	case EDIT_DOWN_PROBE: o->down_ms = v; o->down_probe = 1; break;
	case EDIT_PROBE: o->down_probe = 1; break;
	case EDIT_UP: o->down_ms = 0; o->down_probe = 0; break;
	}
	o->gen = old->gen + 1;
	o->check = mp_lb_origin_sum(o);
	atomic_store_explicit(&lb->origin_slot[id], o, memory_order_release);
	mp_lb_origin_retire(lb, old);
	return MP_OK;
}

int mp_lb_local_origin_drain(struct mp_lb *lb, const char *name, bool draining)
{
	char key[MP_LB_ORIGIN_KEY_MAX];
	uint32_t id;
	int rc = origin_lock_find(lb, name, key, &id);
	if (rc != MP_OK)
		return rc;
	rc = origin_edit_locked(lb, id, EDIT_DRAIN, draining);
	rte_spinlock_unlock(&lb->origins.wlock);
	if (rc == MP_OK)
		MP_INFO("lb: origin %s %s", key, draining ? "draining: no new streams" : "no longer draining");
	return rc;
}

int mp_lb_local_origin_weight(struct mp_lb *lb, const char *name, uint32_t weight)
{
	char key[MP_LB_ORIGIN_KEY_MAX];
	uint32_t id;
	if (weight > MP_PICK_WEIGHT_MAX)
		return MP_ERR_INVAL;
	int rc = origin_lock_find(lb, name, key, &id);
	if (rc != MP_OK)
		return rc;
	const struct mp_lb_origin *cur = atomic_load_explicit(&lb->origin_slot[id], memory_order_relaxed);
	uint32_t was = cur->weight;
	rc = was == weight ? MP_OK : origin_edit_locked(lb, id, EDIT_WEIGHT, weight);
	rte_spinlock_unlock(&lb->origins.wlock);
	if (rc == MP_OK && was != weight)
		MP_INFO("lb: origin %s weight %u -> %u%s", key, was, weight, weight == 0 ? " (drain: no new streams)" : "");
	return rc;
}

/* The record in slot id when it is still incarnation uid, with origins.wlock taken (NULL: none,
 * lock not held). */
static const struct mp_lb_origin *origin_lock_incarnation(struct mp_lb *lb, uint32_t id, uint32_t uid)
{
	if (id >= mp_lb_origin_id_limit(lb))
		return NULL;
	rte_spinlock_lock(&lb->origins.wlock);
	const struct mp_lb_origin *o = atomic_load_explicit(&lb->origin_slot[id], memory_order_relaxed);
	if (o != NULL && o->uid == uid)
		return o;
	rte_spinlock_unlock(&lb->origins.wlock);
	return NULL;
}

int mp_lb_origin_mark_down(struct mp_lb *lb, uint32_t id, uint32_t uid, uint64_t now, bool by_probe)
{
	const struct mp_lb_origin *o = origin_lock_incarnation(lb, id, uid);
	int rc;

	if (o == NULL)
		return MP_ERR_NOTFOUND;
	if (mp_lb_origin_is_down(o))
		rc = by_probe && !o->down_probe && origin_edit_locked(lb, id, EDIT_PROBE, 0) == MP_ERR_NOMEM ? MP_ERR_NOMEM
													  : MP_ERR_EXISTS;
	else
		rc = origin_edit_locked(lb, id, by_probe ? EDIT_DOWN_PROBE : EDIT_DOWN,
					now > o->updated_ms ? now : o->updated_ms);
	rte_spinlock_unlock(&lb->origins.wlock);
	return rc;
}

int mp_lb_origin_mark_up(struct mp_lb *lb, uint32_t id, uint32_t uid)
{
	const struct mp_lb_origin *o = origin_lock_incarnation(lb, id, uid);
	int rc;

	if (o == NULL)
		return MP_ERR_NOTFOUND;
	rc = !mp_lb_origin_is_down(o) || !o->down_probe ? MP_ERR_EXISTS : origin_edit_locked(lb, id, EDIT_UP, 0);
	rte_spinlock_unlock(&lb->origins.wlock);
	return rc;
}

double mp_lb_origin_load(struct mp_lb *lb, const struct mp_lb_origin *o)
{
	return mp_pick_load_score(&o->load, atomic_load_explicit(&lb->origin_npicks[o->id], memory_order_relaxed));
}

void mp_lb_origin_silent(struct mp_lb *lb, uint32_t id)
{
	if (id < lb->cfg.max_origins)
		atomic_fetch_add_explicit(&lb->origin_silent[id], 1, memory_order_relaxed);
}

uint32_t mp_lb_origin_silent_take(struct mp_lb *lb, uint32_t id)
{
	if (id >= lb->cfg.max_origins || atomic_load_explicit(&lb->origin_silent[id], memory_order_relaxed) == 0)
		return 0;
	return atomic_exchange_explicit(&lb->origin_silent[id], 0, memory_order_relaxed);
}

void mp_lb_origin_picked(struct mp_lb *lb, uint32_t id)
{
	atomic_fetch_add_explicit(&lb->origin_npicks[id], 1, memory_order_relaxed);
}

const struct mp_lb_origin *mp_lb_origin_get(struct mp_lb *lb, uint32_t id)
{
	if (id >= atomic_load_explicit(&lb->origin_limit, memory_order_acquire))
		return NULL;
	return atomic_load_explicit(&lb->origin_slot[id], memory_order_acquire);
}

const struct mp_lb_origin *mp_lb_origin_find(struct mp_lb *lb, const char *name)
{
	char key[MP_LB_ORIGIN_KEY_MAX];
	void *data;
	if (mp_lb_key(key, sizeof(key), name) != MP_OK)
		return NULL;
	if (rte_hash_lookup_data(lb->origins.h, key, &data) < 0)
		return NULL;
	const struct mp_lb_origin *o = mp_lb_origin_get(lb, (uint32_t)mp_lb_p2u(data));
	/* The id may have been reused between the two reads: the key says whose record it is. */
	return o != NULL && strcmp(o->key, key) == 0 ? o : NULL;
}

uint32_t mp_lb_origin_id_limit(struct mp_lb *lb)
{
	return atomic_load_explicit(&lb->origin_limit, memory_order_acquire);
}

bool mp_lb_origin_alive(const struct mp_lb *lb, const struct mp_lb_origin *o, uint64_t now)
{
	if (o == NULL || mp_lb_origin_is_down(o))
		return false;
	/* A registration stamped a little after the caller's now (another thread's clock) is fresh. */
	return now <= o->updated_ms || now - o->updated_ms < lb->cfg.origin_ttl_ms;
}

int mp_lb_origin_endpoint(const struct mp_lb_origin *o, enum mp_reg_proto p, unsigned int i,
			  uint32_t *ipv4, uint16_t *port)
{
	if (o == NULL || (unsigned)p >= MP_PROTO__COUNT || i >= o->n_ep[p])
		return MP_ERR_NOTFOUND;
	*ipv4 = mp_endpoint_ip(&o->ep[p][i], o->ipv4);
	*port = o->ep[p][i].port;
	if (!o->ep[p][i].v6 && (o->ep[p][i].ipv4 || !o->ip_v6))
		return MP_OK;
	/* an IPv6 endpoint (its own, or its origin's): SRT and WebRTC media reach it through its
	 * stand-in (the data plane translates); it is none for other IPv4 readers */
	*ipv4 = mp_lb_origin6_standin_of(o, p, i);
	return *ipv4 ? MP_OK : MP_ERR_NOTFOUND;
}

int mp_lb_origin_endpoint_host(const struct mp_lb_origin *o, enum mp_reg_proto p, unsigned int i, char *host,
			       uint16_t *port)
{
	if (o == NULL || (unsigned)p >= MP_PROTO__COUNT || i >= o->n_ep[p])
		return MP_ERR_NOTFOUND;
	if (mp_endpoint_host(&o->ep[p][i], o->ipv4, o->ip_v6 ? o->ip6 : NULL, host, MP_LB_HOST_MAX) < 0)
		return MP_ERR_NOTFOUND;
	*port = o->ep[p][i].port;
	return MP_OK;
}

bool mp_lb_origin_endpoint_tls(const struct mp_lb_origin *o, enum mp_reg_proto p, unsigned int i)
{
	return o != NULL && (unsigned)p < MP_PROTO__COUNT && i < o->n_ep[p] && o->ep[p][i].scheme == MP_EP_TLS;
}

bool mp_lb_target_tls(struct mp_lb *lb, const struct mp_lb_target *t, enum mp_reg_proto p)
{
	const struct mp_lb_origin *o = mp_lb_origin_get(lb, t->origin_id);

	return o != NULL && o->uid == t->origin_uid && mp_lb_origin_endpoint_tls(o, p, 0);
}

int mp_lb_target_host(struct mp_lb *lb, const struct mp_lb_target *t, enum mp_reg_proto p, char host[MP_LB_HOST_MAX])
{
	const struct mp_lb_origin *o;
	uint16_t port;

	o = mp_lb_origin_get(lb, t->origin_id);
	/* IPv4 as picked (an origin gone meanwhile too); a media pick's stand-in names its IPv6 endpoint */
	if ((t->ipv4 && !mp_lb_origin6_is_standin(t->ipv4)) || o == NULL || o->uid != t->origin_uid)
		return t->ipv4 && mp_ipv4_format(t->ipv4, host, MP_LB_HOST_MAX) > 0 ? MP_OK : MP_ERR_NOTFOUND;
	return mp_lb_origin_endpoint_host(o, p, 0, host, &port);
}

/* Forget origins dead for longer than origin_forget_ms (control plane, from mp_lb_sync). */
int mp_lb_origins_sweep(struct mp_lb *lb, uint64_t now)
{
	int n = 0;
	uint32_t limit = mp_lb_origin_id_limit(lb);
	uint64_t keep = lb->cfg.origin_ttl_ms + lb->cfg.origin_forget_ms;
	for (uint32_t id = 0; id < limit; id++) {
		const struct mp_lb_origin *o = mp_lb_origin_get(lb, id);
		if (o == NULL || now <= o->updated_ms || now - o->updated_ms < keep)
			continue;
		char key[MP_LB_ORIGIN_KEY_MAX];
		memcpy(key, o->key, sizeof(key));
		unsigned long long age_s = (unsigned long long)((now - o->updated_ms) / 1000);
		if (mp_lb_local_origin_remove(lb, key) == MP_OK) { /* expiry: each appliance its own */
			MP_INFO("lb: origin %s forgotten (no registration for %llu s)", key, age_s);
			n++;
		}
	}
	return n;
}

int mp_lb_origins_init(struct mp_lb *lb)
{
	uint32_t cap = lb->cfg.max_origins;
	int rc = mp_lb_table_create(lb, &lb->origins, "orig", cap, MP_LB_ORIGIN_KEY_MAX, false);
	if (rc != MP_OK)
		return rc;
	lb->origin_slot = rte_zmalloc_socket("mp_lb_oslot", sizeof(*lb->origin_slot) * cap, 0,
					     lb->cfg.socket_id);
	lb->origin_free = rte_zmalloc_socket("mp_lb_ofree", sizeof(uint32_t) * cap, 0, lb->cfg.socket_id);
	lb->origin_npicks = rte_zmalloc_socket("mp_lb_onpicks", sizeof(*lb->origin_npicks) * cap, 0, lb->cfg.socket_id);
	lb->origin_silent = rte_zmalloc_socket("mp_lb_osilent", sizeof(*lb->origin_silent) * cap, 0, lb->cfg.socket_id);
	if (lb->origin_slot == NULL || lb->origin_free == NULL || lb->origin_npicks == NULL || lb->origin_silent == NULL) {
		MP_ERR("lb: out of memory for %u origins", cap);
		return MP_ERR_NOMEM;
	}
	return MP_OK;
}

void mp_lb_origins_fini(struct mp_lb *lb)
{
	if (lb->origin_slot != NULL) {
		for (uint32_t id = 0; id < lb->origin_limit; id++)
			rte_free(atomic_load(&lb->origin_slot[id]));
	}
	rte_free(lb->origin_slot);
	rte_free(lb->origin_free);
	rte_free(lb->origin_npicks);
	rte_free(lb->origin_silent);
	mp_lb_table_free(&lb->origins);
}
