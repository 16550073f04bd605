/* lb_picks.c: stream URL -> origin, chosen by the pick policy among alive origins with the protocol, sticky, re-picked. */
#include <rte_malloc.h>

#include "lb_internal.h"
#include "mp_error.h"
#include "mp_log.h"
#include "pick_policy.h"

/* A pick is stored in the hash's data word itself: (origin uid << 32) | origin id. Replacing it is
 * one atomic store inside rte_hash, so there is no record to free. */
static inline uint64_t mp_lb_pick_word(const struct mp_lb_origin *o)
{
	return ((uint64_t)o->uid << 32) | o->id;
}

static const char *mp_lb_proto_label(enum mp_reg_proto p)
{
	static const char *const names[MP_PROTO__COUNT] = { "rtmp", "http", "api", "srt", "rtc" };
	return (unsigned)p < MP_PROTO__COUNT ? names[p] : "?";
}

static bool mp_lb_origin_serves(const struct mp_lb *lb, const struct mp_lb_origin *o,
				enum mp_reg_proto proto, uint64_t now)
{
	uint32_t ip;
	uint16_t port;

	if (o == NULL || o->n_ep[proto] == 0 || !mp_lb_origin_alive(lb, o, now))
		return false;
	/* SRT and WebRTC media cross the data plane, whose sessions name origins by IPv4 address: an
	 * endpoint for them at an IPv6 address is reached through its stand-in (lb_origin6.c, the data
	 * plane translates), and serves only with one (none when that table was full). RTMP and HTTP
	 * relays reach either family. */
	return (proto != MP_PROTO_SRT && proto != MP_PROTO_RTC) || mp_lb_origin_endpoint(o, proto, 0, &ip, &port) == MP_OK;
}

/* The origin a pick word names, or NULL when that origin is gone (id reused or freed). */
static const struct mp_lb_origin *mp_lb_pick_origin(struct mp_lb *lb, uint64_t word)
{
	const struct mp_lb_origin *o = mp_lb_origin_get(lb, (uint32_t)word);
	return o != NULL && o->uid == (uint32_t)(word >> 32) ? o : NULL;
}

/* Candidates a policy chooses among; past this many a uniform sample of them (reservoir sampling,
 * Vitter's algorithm R) keeps the choice one pass over the origins with a bounded stack. */
#define MP_LB_PICK_CANDS 256

/* A new origin for a stream: the alive origins serving proto that take new streams (not draining,
 * weight > 0), chosen by the configured policy (pick_policy.c). */
static const struct mp_lb_origin *mp_lb_pick_new(struct mp_lb *lb, enum mp_reg_proto proto, uint64_t now)
{
	struct mp_pick_cand cand[MP_LB_PICK_CANDS];
	uint64_t rs = mp_lb_random(lb);
	uint32_t limit = mp_lb_origin_id_limit(lb);
	uint64_t k = 0;
	size_t n = 0;
	for (uint32_t id = 0; id < limit; id++) {
		const struct mp_lb_origin *o = mp_lb_origin_get(lb, id);
		if (!mp_lb_origin_serves(lb, o, proto, now) || o->draining || o->weight == 0)
			continue;
		size_t slot = n;
		if (++k > MP_LB_PICK_CANDS) {
			uint64_t j = mp_pick_rand(&rs) % k;
			if (j >= MP_LB_PICK_CANDS)
				continue;
			slot = (size_t)j;
		} else {
			n++;
		}
		cand[slot].id = id;
		cand[slot].weight = o->weight;
		cand[slot].load = lb->cfg.pick_policy == MP_PICK_LEAST_LOAD ? mp_lb_origin_load(lb, o) : -1;
	}
	int i = mp_pick_choose((enum mp_pick_policy)lb->cfg.pick_policy, cand, n, &rs);
	return i < 0 ? NULL : mp_lb_origin_get(lb, cand[i].id);
}

static void mp_lb_pick_fill(const struct mp_lb_origin *o, enum mp_reg_proto proto, bool repicked,
			    struct mp_lb_target *out)
{
	memset(out, 0, sizeof(*out));
	out->origin_id = o->id;
	out->origin_uid = o->uid;
	out->n_ep = o->n_ep[proto];
	mp_lb_origin_endpoint(o, proto, 0, &out->ipv4, &out->port);
	out->repicked = repicked;
}

int mp_lb_local_pick(struct mp_lb *lb, const char *stream, enum mp_reg_proto proto, uint64_t now,
		     struct mp_lb_target *out)
{
	char key[MP_LB_STREAM_MAX];
	if ((unsigned)proto >= MP_PROTO__COUNT || out == NULL)
		return MP_ERR_INVAL;
	int rc = mp_lb_key(key, sizeof(key), stream);
	if (rc != MP_OK)
		return rc;
	struct mp_lb_table *t = &lb->picks;
	void *data;
	const struct mp_lb_origin *cur;

	/* Fast path, lock-free: the pinned origin still serves the protocol. */
	if (rte_hash_lookup_data(t->h, key, &data) >= 0) {
		cur = mp_lb_pick_origin(lb, mp_lb_p2u(data));
		if (mp_lb_origin_serves(lb, cur, proto, now)) {
			mp_lb_pick_fill(cur, proto, false, out);
			return MP_OK;
		}
	}
	/* Choose outside the lock (a scan over the origins), then publish unless someone beat us. */
	const struct mp_lb_origin *o = mp_lb_pick_new(lb, proto, now);
	if (o == NULL)
		return MP_ERR_NOORIGIN;

	rte_spinlock_lock(&t->wlock);
	bool found = rte_hash_lookup_data(t->h, key, &data) >= 0;
	uint64_t old = found ? mp_lb_p2u(data) : 0;
	if (found) {
		cur = mp_lb_pick_origin(lb, old);
		if (mp_lb_origin_serves(lb, cur, proto, now)) {
			rte_spinlock_unlock(&t->wlock);
			mp_lb_pick_fill(cur, proto, false, out);
			return MP_OK;
		}
	} else if (atomic_load_explicit(&t->count, memory_order_relaxed) >= t->cap) {
		atomic_fetch_add_explicit(&t->refused, 1, memory_order_relaxed);
		rte_spinlock_unlock(&t->wlock);
		return MP_ERR_FULL;
	}
	if (rte_hash_add_key_data(t->h, key, mp_lb_u2p(mp_lb_pick_word(o))) != 0) {
		atomic_fetch_add_explicit(&t->refused, 1, memory_order_relaxed);
		rte_spinlock_unlock(&t->wlock);
		return MP_ERR_FULL;
	}
	if (!found)
		atomic_fetch_add_explicit(&t->count, 1, memory_order_relaxed);
	rte_spinlock_unlock(&t->wlock);
	mp_lb_origin_picked(lb, o->id);

	if (found) {
		/* The SRS proxy keeps a stream on a dead origin; we move it, and say so. */
		atomic_fetch_add_explicit(&lb->repicks, 1, memory_order_relaxed);
		cur = mp_lb_pick_origin(lb, old);
		const char *why = cur == NULL ? "is gone" : !mp_lb_origin_alive(lb, cur, now) ? "is dead"
											: "has no endpoint for";
		MP_INFO("lb: stream %s re-picked: origin %u %s %s; now origin %u %s", key, (unsigned)(uint32_t)old,
			why, mp_lb_proto_label(proto), o->id, o->key);
	}
	mp_lb_pick_fill(o, proto, found, out);
	return MP_OK;
}

int mp_lb_local_pick_set(struct mp_lb *lb, const char *stream, uint32_t origin_id)
{
	char key[MP_LB_STREAM_MAX];
	int rc = mp_lb_key(key, sizeof(key), stream);
	if (rc != MP_OK)
		return rc;
	const struct mp_lb_origin *o = mp_lb_origin_get(lb, origin_id);
	if (o == NULL)
		return MP_ERR_NOTFOUND;
	struct mp_lb_table *t = &lb->picks;
	rte_spinlock_lock(&t->wlock);
	bool found = rte_hash_lookup(t->h, key) >= 0;
	if ((!found && atomic_load_explicit(&t->count, memory_order_relaxed) >= t->cap) ||
	    rte_hash_add_key_data(t->h, key, mp_lb_u2p(mp_lb_pick_word(o))) != 0) {
		atomic_fetch_add_explicit(&t->refused, 1, memory_order_relaxed);
		rte_spinlock_unlock(&t->wlock);
		return MP_ERR_FULL;
	}
	if (!found)
		atomic_fetch_add_explicit(&t->count, 1, memory_order_relaxed);
	rte_spinlock_unlock(&t->wlock);
	return MP_OK;
}

int mp_lb_pick_peek(struct mp_lb *lb, const char *stream, uint32_t *origin_id)
{
	char key[MP_LB_STREAM_MAX];
	void *data;
	int rc = mp_lb_key(key, sizeof(key), stream);
	if (rc != MP_OK)
		return rc;
	if (rte_hash_lookup_data(lb->picks.h, key, &data) < 0)
		return MP_ERR_NOTFOUND;
	*origin_id = (uint32_t)mp_lb_p2u(data);
	return MP_OK;
}

int mp_lb_pick_iterate(struct mp_lb *lb, uint32_t *next, char stream[MP_LB_STREAM_MAX], uint32_t *origin_id)
{
	const void *k;
	void *data;
	if (rte_hash_iterate(lb->picks.h, &k, &data, next) < 0)
		return MP_ERR_NOTFOUND;
	memcpy(stream, k, MP_LB_STREAM_MAX);
	stream[MP_LB_STREAM_MAX - 1] = '\0';
	*origin_id = (uint32_t)mp_lb_p2u(data);
	return MP_OK;
}

/* Drop picks whose origin was forgotten (they would be re-picked anyway); only after a forget. */
int mp_lb_picks_sweep(struct mp_lb *lb)
{
	uint64_t forgotten = atomic_load_explicit(&lb->origins_forgotten, memory_order_relaxed);
	if (forgotten == lb->picks_swept_at)
		return 0;
	lb->picks_swept_at = forgotten;
	struct mp_lb_table *t = &lb->picks;
	const void *k;
	void *data;
	uint32_t next = 0;
	int n = 0;
	char key[MP_LB_STREAM_MAX];
	while (rte_hash_iterate(t->h, &k, &data, &next) >= 0) {
		if (mp_lb_pick_origin(lb, mp_lb_p2u(data)) != NULL)
			continue;
		memcpy(key, k, sizeof(key));
		rte_spinlock_lock(&t->wlock);
		void *again;
		/* Delete only if nobody re-picked it meanwhile. */
		if (rte_hash_lookup_data(t->h, key, &again) >= 0 && again == data &&
		    rte_hash_del_key(t->h, key) >= 0) {
			atomic_fetch_sub_explicit(&t->count, 1, memory_order_relaxed);
			n++;
		}
		rte_spinlock_unlock(&t->wlock);
	}
	return n;
}

int mp_lb_picks_init(struct mp_lb *lb)
{
	/* Both planes insert picks, and control-plane threads need not be lcores: rte_hash's
	 * MULTI_WRITER_ADD indexes per-lcore caches by rte_lcore_id() and cannot serve them. Writers
	 * are serialised by picks.wlock instead, which is all single-writer rte_hash needs. */
	return mp_lb_table_create(lb, &lb->picks, "pick", lb->cfg.max_streams, MP_LB_STREAM_MAX, false);
}

void mp_lb_picks_fini(struct mp_lb *lb)
{
	mp_lb_table_free(&lb->picks);
}
