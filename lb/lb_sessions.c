/* lb_sessions.c: data-plane sessions by client 5-tuple, NAT port and SRT socket id; idle sweep. */
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "lb_internal.h"
#include "mp_error.h"
#include "mp_log.h"

/* Session records live in one array; an index returns to the free list only after an RCU grace
 * period (dq_sess), so a worker holding a session pointer never sees it reused. Every write to the
 * session tables, the free list and the NAT ports happens under sess.wlock, which only worker
 * lcores take. */

static inline void mp_lb_tuple_key(struct mp_lb_tuple *k, const struct mp_lb_tuple *t)
{
	k->src_ip = t->src_ip;
	k->dst_ip = t->dst_ip;
	k->src_port = t->src_port;
	k->dst_port = t->dst_port;
	k->proto = t->proto;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
}

/* The tuple index's key: a CRC of the 16 tuple bytes (pad zero) with a per-instance seed. */
static inline uint64_t tuple_hash(const struct mp_lb *lb, const struct mp_lb_tuple *t)
{
	return rte_hash_crc(t, sizeof(*t), lb->tuple_seed);
}

static inline bool tuple_eq(const struct mp_lb_tuple *a, const struct mp_lb_tuple *b)
{
	uint64_t a0, a1, b0, b1;
	memcpy(&a0, a, 8);
	memcpy(&a1, (const char *)a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, (const char *)b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

struct tuple_ctx {
	const struct mp_lb *lb;
	const struct mp_lb_tuple *t;
};

/* An index entry is taken when the record it names holds the tuple looked for. */
static inline bool tuple_accept(const void *c, uint64_t v)
{
	const struct tuple_ctx *x = c;
	return v <= x->lb->cfg.max_sessions && tuple_eq(&x->lb->sess_rec[v - 1].tuple, x->t);
}

static inline struct mp_lb_session *tuple_find(const struct mp_lb *lb, const struct mp_lb_tuple *t, uint64_t h)
{
	struct tuple_ctx c = { .lb = lb, .t = t };
	uint64_t v = mp_lb_ix_find(&lb->sess_ix, h, tuple_accept, &c);
	return v != 0 ? &lb->sess_rec[v - 1] : NULL;
}

struct srt_ctx {
	const struct mp_lb *lb;
	uint32_t id;
};

static inline bool srt_accept(const void *c, uint64_t v)
{
	const struct srt_ctx *x = c;
	if (v > x->lb->cfg.max_sessions)
		return false;
	const struct mp_lb_session *s = &x->lb->sess_rec[v - 1];
	return s->kind == MP_LB_SESS_SRT && s->u.srt.bound == x->id;
}

static inline struct mp_lb_session *srt_find(const struct mp_lb *lb, uint32_t id)
{
	struct srt_ctx c = { .lb = lb, .id = id };
	uint64_t v = id != 0 ? mp_lb_ix_find(&lb->srt_ix, id, srt_accept, &c) : 0;
	return v != 0 ? &lb->sess_rec[v - 1] : NULL;
}

/* Under sess.wlock: s is live now (listings find it through the bitmap) or not any more. */
static void mp_lb_sess_mark(struct mp_lb *lb, const struct mp_lb_session *s, bool live)
{
	uint64_t bit = 1ull << (s->index & 63);
	_Atomic uint64_t *w = &lb->sess_live[s->index >> 6];
	if (live) {
		atomic_fetch_or_explicit(w, bit, memory_order_release);
		atomic_fetch_add_explicit(&lb->sess_kind_count[s->kind < 3 ? s->kind : 0], 1, memory_order_relaxed);
	} else if (atomic_fetch_and_explicit(w, ~bit, memory_order_release) & bit) {
		atomic_fetch_sub_explicit(&lb->sess_kind_count[s->kind < 3 ? s->kind : 0], 1, memory_order_relaxed);
	}
}

static void mp_lb_sess_release(void *p, void *e, unsigned int n)
{
	struct mp_lb *lb = p;
	const uint32_t *d = e;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t idx = d[i] & ~MP_LB_SESS_KEEP_PORT;
		struct mp_lb_session *s = &lb->sess_rec[idx];
		if (!(d[i] & MP_LB_SESS_KEEP_PORT) && s->nat_port != 0)
			mp_lb_natport_give(lb, s->origin_ipv4, s->origin_port, s->nat_port, s->closed_ms);
		atomic_store_explicit(&s->state, MP_LB_SESS_FREE, memory_order_release);
		lb->sess_free[lb->sess_nfree++] = idx;
	}
}

/* Under sess.wlock. */
static void mp_lb_sess_retire(struct mp_lb *lb, struct mp_lb_session *s, bool keep_port)
{
	uint32_t d = s->index | (keep_port ? MP_LB_SESS_KEEP_PORT : 0); /* max_sessions <= 2^26 */
	if (rte_rcu_qsbr_dq_enqueue(lb->dq_sess, &d) != 0) {
		rte_rcu_qsbr_dq_reclaim(lb->dq_sess, UINT32_MAX, NULL, NULL, NULL);
		if (rte_rcu_qsbr_dq_enqueue(lb->dq_sess, &d) != 0)
			atomic_fetch_add_explicit(&lb->defer_full, 1, memory_order_relaxed); /* index lost */
	}
}

/* Under sess.wlock: a free index, reclaiming finished grace periods if needed (never waits). */
static int mp_lb_sess_take_index(struct mp_lb *lb, uint32_t *idx)
{
	if (lb->sess_nfree == 0)
		rte_rcu_qsbr_dq_reclaim(lb->dq_sess, 256, NULL, NULL, NULL);
	if (lb->sess_nfree == 0)
		return MP_ERR_FULL;
	*idx = lb->sess_free[--lb->sess_nfree];
	return MP_OK;
}

/* Session writers are lcores (an EAL worker, or a thread given an lcore id by rte_thread_register()),
 * as when the session tables were rte_hash with per-lcore key caches; the indexes (lb_index.h) no
 * longer need it, but callers were written to that rule and a non-lcore writer is still refused. */
static inline bool mp_lb_sess_writer_ok(void)
{
	return rte_lcore_id() != LCORE_ID_ANY;
}

static void mp_lb_sess_refuse(struct mp_lb *lb)
{
	atomic_fetch_add_explicit(&lb->sess.refused, 1, memory_order_relaxed);
}

/* Check p; the length of its username in *ulen. */
static int mp_lb_sess_params_ok(const struct mp_lb_session_params *p, size_t *ulen)
{
	*ulen = 0;
	if (p == NULL || (p->kind != MP_LB_SESS_WEBRTC && p->kind != MP_LB_SESS_SRT) ||
	    (p->state != MP_LB_SESS_HANDSHAKE && p->state != MP_LB_SESS_ACTIVE))
		return MP_ERR_INVAL;
	if (p->kind == MP_LB_SESS_WEBRTC && p->username != NULL) {
		*ulen = strnlen(p->username, MP_LB_USERNAME_MAX);
		if (*ulen >= MP_LB_USERNAME_MAX)
			return MP_ERR_TOOLONG;
	}
	return MP_OK;
}

/* Under sess.wlock, key not indexed: a new record for p with NAT port `port` (0: take one from the
 * range). MP_ERR_FULL (counted) when no index or port is left; the given port is not given back. */
static int mp_lb_sess_new_locked(struct mp_lb *lb, const struct mp_lb_session_params *p,
				 const struct mp_lb_tuple *key, size_t ulen, uint64_t now, uint16_t port,
				 struct mp_lb_session **out)
{
	uint32_t idx;
	if (atomic_load_explicit(&lb->sess.count, memory_order_relaxed) >= lb->sess.cap ||
	    mp_lb_sess_take_index(lb, &idx) != MP_OK) {
		mp_lb_sess_refuse(lb);
		return MP_ERR_FULL;
	}
	bool taken = false;
	if (port == 0 && lb->nat_span != 0) {
		if (mp_lb_natport_take(lb, p->origin_ipv4, p->origin_port, p->nat_slice, now, &port) != MP_OK) {
			lb->sess_free[lb->sess_nfree++] = idx;
			return MP_ERR_FULL; /* counted by the allocator */
		}
		taken = true;
	}
	struct mp_lb_session *s = &lb->sess_rec[idx];
	s->tuple = *key;
	s->origin_ipv4 = p->origin_ipv4;
	s->origin_port = p->origin_port;
	s->nat_port = port;
	s->origin_id = p->origin_id;
	s->index = idx;
	s->kind = (uint8_t)p->kind;
	s->created_ms = now;
	s->closed_ms = 0;
	memset(&s->u, 0, sizeof(s->u));
	if (p->kind == MP_LB_SESS_WEBRTC && ulen > 0) {
		/* The username stays in its table (it is there: the data plane starts a session from a STUN
		 * whose username it found); the session names its entry, key position and incarnation. */
		char ukey[MP_LB_USERNAME_MAX] = { 0 };
		void *data;
		memcpy(ukey, p->username, ulen);
		int32_t pos = rte_hash_lookup_data(lb->webrtc.h, ukey, &data);
		if (pos >= 0) {
			s->u.webrtc.entry = (uint32_t)pos + 1;
			s->u.webrtc.uid = ((const struct mp_lb_webrtc *)data)->uid;
		}
	} else if (p->kind == MP_LB_SESS_SRT)
		atomic_store_explicit(&s->u.srt.client_sock, p->srt_client_sock, memory_order_relaxed);
	atomic_store_explicit(&s->last_seen_ms, now, memory_order_relaxed);
	atomic_store_explicit(&s->last_c2o_ms, now, memory_order_relaxed);
	atomic_store_explicit(&s->pkts_c2o, 0, memory_order_relaxed);
	atomic_store_explicit(&s->bytes_c2o, 0, memory_order_relaxed);
	atomic_store_explicit(&s->pkts_o2c, 0, memory_order_relaxed);
	atomic_store_explicit(&s->bytes_o2c, 0, memory_order_relaxed);
	atomic_store_explicit(&s->state, (uint8_t)p->state, memory_order_release);
	if (mp_lb_ix_add(&lb->sess_ix, tuple_hash(lb, key), (uint64_t)idx + 1) != MP_OK) {
		atomic_store_explicit(&s->state, MP_LB_SESS_FREE, memory_order_release);
		lb->sess_free[lb->sess_nfree++] = idx;
		if (taken) /* never seen by anyone (still held): back at once */
			mp_lb_natport_give(lb, p->origin_ipv4, p->origin_port, port, 0);
		mp_lb_sess_refuse(lb);
		return MP_ERR_FULL;
	}
	if (port != 0) /* now the return path finds it (a new port, or one kept from a replaced session) */
		mp_lb_natport_point(lb, s->origin_ipv4, s->origin_port, port, idx);
	atomic_fetch_add_explicit(&lb->sess.count, 1, memory_order_relaxed);
	mp_lb_sess_mark(lb, s, true);
	mp_lb_expiry_link(lb, idx, now + mp_lb_idle_ms(lb, s->kind));
	*out = s;
	return MP_OK;
}

/* What creating and adopting a session start with: its parameters checked, its tuple key, and the
 * session lock taken with no session on that tuple yet. Otherwise the lock is not held: the error,
 * and MP_ERR_EXISTS with *out the session already there. */
static int sess_begin_locked(struct mp_lb *lb, const struct mp_lb_session_params *p, struct mp_lb_tuple *key,
			     size_t *ulen, struct mp_lb_session **out)
{
	int rc = mp_lb_sess_params_ok(p, ulen);
	if (rc != MP_OK || out == NULL)
		return rc != MP_OK ? rc : MP_ERR_INVAL;
	if (!mp_lb_sess_writer_ok())
		return MP_ERR_STATE;
	mp_lb_tuple_key(key, &p->tuple);
	*out = NULL;
	rte_spinlock_lock(&lb->sess.wlock);
	struct mp_lb_session *old = tuple_find(lb, key, tuple_hash(lb, key));
	if (old != NULL) {
		rte_spinlock_unlock(&lb->sess.wlock);
		*out = old;
		return MP_ERR_EXISTS;
	}
	return MP_OK;
}

int mp_lb_session_create(struct mp_lb *lb, const struct mp_lb_session_params *p, uint64_t now,
			 struct mp_lb_session **out)
{
	struct mp_lb_tuple key;
	size_t ulen;
	int rc = sess_begin_locked(lb, p, &key, &ulen, out);
	if (rc != MP_OK)
		return rc;
	rc = mp_lb_sess_new_locked(lb, p, &key, ulen, now, 0, out);
	rte_spinlock_unlock(&lb->sess.wlock);
	if (rc == MP_OK)
		atomic_fetch_add_explicit(&lb->sessions_created, 1, memory_order_relaxed);
	return rc;
}

int mp_lb_session_adopt(struct mp_lb *lb, const struct mp_lb_session_params *p, uint16_t nat_port,
			uint32_t srt_bound, uint32_t srt_origin_sock, uint64_t now, struct mp_lb_session **out)
{
	struct mp_lb_tuple key;
	size_t ulen;
	int rc = sess_begin_locked(lb, p, &key, &ulen, out);
	if (rc != MP_OK)
		return rc;
	if (p->kind == MP_LB_SESS_SRT && srt_bound != 0 && srt_find(lb, srt_bound) != NULL) {
		rte_spinlock_unlock(&lb->sess.wlock);
		return MP_ERR_EXISTS;
	}
	if (nat_port != 0 && (rc = mp_lb_natport_claim(lb, p->origin_ipv4, p->origin_port, nat_port, now)) != MP_OK) {
		rte_spinlock_unlock(&lb->sess.wlock);
		return rc;
	}
	rc = mp_lb_sess_new_locked(lb, p, &key, ulen, now, nat_port, out);
	if (rc != MP_OK) {
		if (nat_port != 0)
			mp_lb_natport_unclaim(lb, p->origin_ipv4, p->origin_port, nat_port);
		rte_spinlock_unlock(&lb->sess.wlock);
		return rc;
	}
	struct mp_lb_session *s = *out;
	if (p->kind == MP_LB_SESS_SRT && srt_bound != 0) {
		s->u.srt.bound = srt_bound; /* before the index names s: readers check it */
		if (atomic_load_explicit(&lb->srt.count, memory_order_relaxed) < lb->srt.cap &&
		    mp_lb_ix_add(&lb->srt_ix, srt_bound, (uint64_t)s->index + 1) == MP_OK) {
			atomic_fetch_add_explicit(&lb->srt.count, 1, memory_order_relaxed);
		} else {
			s->u.srt.bound = 0;
			atomic_fetch_add_explicit(&lb->srt.refused, 1, memory_order_relaxed);
		}
		atomic_store_explicit(&s->u.srt.origin_sock, srt_origin_sock, memory_order_relaxed);
	}
	rte_spinlock_unlock(&lb->sess.wlock);
	atomic_fetch_add_explicit(&lb->sessions_created, 1, memory_order_relaxed);
	return MP_OK;
}

struct mp_lb_session *mp_lb_session_find(struct mp_lb *lb, const struct mp_lb_tuple *t)
{
	/* The caller's tuple is the key as it is (pad zero): copying it here costs a store-forwarding
	 * stall per lookup (small stores read back by wide loads), measured 2x slower. */
	return tuple_find(lb, t, tuple_hash(lb, t));
}

unsigned int mp_lb_session_find_bulk(struct mp_lb *lb, const struct mp_lb_tuple *const *keys, unsigned int n,
				     struct mp_lb_session **out)
{
	uint64_t h[MP_LB_FIND_BULK_MAX], v[MP_LB_FIND_BULK_MAX];
	unsigned int hits = 0;
	if (n == 0 || n > MP_LB_FIND_BULK_MAX)
		return 0;
	/* Every first bucket is asked for before the first is read, then every record an entry names
	 * before the first is compared (the misses of a burst overlap, as in rte_hash's bulk lookup). */
	for (unsigned int i = 0; i < n; i++)
		h[i] = tuple_hash(lb, keys[i]);
	mp_lb_ix_peek_bulk(&lb->sess_ix, h, n, v, lb->sess_rec, sizeof(*lb->sess_rec), lb->cfg.max_sessions);
	for (unsigned int i = 0; i < n; i++) {
		struct tuple_ctx c = { .lb = lb, .t = keys[i] };
		out[i] = v[i] != 0 && tuple_accept(&c, v[i]) ? &lb->sess_rec[v[i] - 1] : tuple_find(lb, keys[i], h[i]);
		hits += out[i] != NULL;
	}
	return hits;
}

struct mp_lb_session *mp_lb_session_at(struct mp_lb *lb, uint32_t i)
{
	if (i >= lb->cfg.max_sessions)
		return NULL;
	struct mp_lb_session *s = &lb->sess_rec[i];
	uint8_t st = atomic_load_explicit(&s->state, memory_order_acquire);
	return st == MP_LB_SESS_HANDSHAKE || st == MP_LB_SESS_ACTIVE ? s : NULL;
}

uint32_t mp_lb_session_next(struct mp_lb *lb, uint32_t from)
{
	uint32_t cap = lb->cfg.max_sessions, words = (cap + 63) / 64;
	if (from >= cap)
		return UINT32_MAX;
	uint32_t w = from >> 6;
	uint64_t bits = atomic_load_explicit(&lb->sess_live[w], memory_order_acquire) & (~0ull << (from & 63));
	while (bits == 0) {
		if (++w >= words)
			return UINT32_MAX;
		bits = atomic_load_explicit(&lb->sess_live[w], memory_order_acquire);
	}
	uint32_t i = (w << 6) + (uint32_t)__builtin_ctzll(bits);
	return i < cap ? i : UINT32_MAX;
}

uint32_t mp_lb_session_count(struct mp_lb *lb, int kind)
{
	if (kind == MP_LB_SESS_WEBRTC || kind == MP_LB_SESS_SRT)
		return atomic_load_explicit(&lb->sess_kind_count[kind], memory_order_relaxed);
	return atomic_load_explicit(&lb->sess.count, memory_order_relaxed);
}

struct mp_lb_session *mp_lb_webrtc_session(struct mp_lb *lb, const struct mp_lb_webrtc *e)
{
	uint32_t v = atomic_load_explicit(&e->session, memory_order_relaxed);
	if (v == 0)
		return NULL;
	/* The slot is live (state read with acquire) and cannot be recycled before our next quiescent
	 * report; it may serve another session by now: compare the username incarnation it names. */
	struct mp_lb_session *s = mp_lb_session_at(lb, v - 1);
	if (s == NULL || s->kind != MP_LB_SESS_WEBRTC || e->uid == 0 || s->u.webrtc.uid != e->uid)
		return NULL;
	return s;
}

const struct mp_lb_webrtc *mp_lb_session_webrtc_entry(struct mp_lb *lb, const struct mp_lb_session *s)
{
	void *key, *data;
	if (s->kind != MP_LB_SESS_WEBRTC || s->u.webrtc.entry == 0 ||
	    rte_hash_get_key_with_position(lb->webrtc.h, (int32_t)s->u.webrtc.entry - 1, &key) != 0)
		return NULL;
	/* The key slot may be taken by another username by now (after the entry's grace period): the
	 * incarnation tells. */
	if (rte_hash_lookup_data(lb->webrtc.h, key, &data) < 0)
		return NULL;
	const struct mp_lb_webrtc *e = data;
	return e->uid == s->u.webrtc.uid ? e : NULL;
}

int mp_lb_session_username(struct mp_lb *lb, const struct mp_lb_session *s, char out[MP_LB_USERNAME_MAX])
{
	const struct mp_lb_webrtc *e = s != NULL ? mp_lb_session_webrtc_entry(lb, s) : NULL;
	if (e == NULL) {
		out[0] = '\0';
		return MP_ERR_NOTFOUND;
	}
	memcpy(out, e->username, MP_LB_USERNAME_MAX);
	out[MP_LB_USERNAME_MAX - 1] = '\0';
	return MP_OK;
}

struct mp_lb_session *mp_lb_session_by_srt(struct mp_lb *lb, uint32_t sock_id)
{
	return srt_find(lb, sock_id);
}

unsigned int mp_lb_session_by_srt_bulk(struct mp_lb *lb, const uint32_t *const *ids, unsigned int n,
				       struct mp_lb_session **out)
{
	uint64_t k[MP_LB_FIND_BULK_MAX], v[MP_LB_FIND_BULK_MAX];
	unsigned int hits = 0;
	if (n == 0 || n > MP_LB_FIND_BULK_MAX)
		return 0;
	for (unsigned int i = 0; i < n; i++)
		k[i] = *ids[i];
	mp_lb_ix_peek_bulk(&lb->srt_ix, k, n, v, lb->sess_rec, sizeof(*lb->sess_rec), lb->cfg.max_sessions);
	for (unsigned int i = 0; i < n; i++) {
		struct srt_ctx c = { .lb = lb, .id = *ids[i] };
		/* (0 is no socket id) */
		out[i] = k[i] != 0 && v[i] != 0 && srt_accept(&c, v[i]) ? &lb->sess_rec[v[i] - 1] : srt_find(lb, *ids[i]);
		hits += out[i] != NULL;
	}
	return hits;
}

int mp_lb_session_srt_bind(struct mp_lb *lb, struct mp_lb_session *s, uint32_t sock_id,
			   uint32_t origin_sock)
{
	if (!mp_lb_sess_writer_ok())
		return MP_ERR_STATE;
	if (s == NULL || s->kind != MP_LB_SESS_SRT || sock_id == 0)
		return MP_ERR_INVAL;
	struct mp_lb_table *t = &lb->srt;
	rte_spinlock_lock(&lb->sess.wlock);
	uint8_t st = atomic_load_explicit(&s->state, memory_order_relaxed);
	if (st != MP_LB_SESS_HANDSHAKE && st != MP_LB_SESS_ACTIVE) {
		rte_spinlock_unlock(&lb->sess.wlock);
		return MP_ERR_STATE;
	}
	struct mp_lb_session *data = srt_find(lb, sock_id);
	bool found = data != NULL;
	if (found && data != s) {
		rte_spinlock_unlock(&lb->sess.wlock);
		return MP_ERR_EXISTS;
	}
	if (!found && s->u.srt.bound != 0) {
		rte_spinlock_unlock(&lb->sess.wlock);
		return MP_ERR_STATE; /* one id per session */
	}
	if (!found) {
		s->u.srt.bound = sock_id; /* before the index names s: readers check it */
		if (atomic_load_explicit(&t->count, memory_order_relaxed) >= t->cap ||
		    mp_lb_ix_add(&lb->srt_ix, sock_id, (uint64_t)s->index + 1) != MP_OK) {
			s->u.srt.bound = 0;
			atomic_fetch_add_explicit(&t->refused, 1, memory_order_relaxed);
			rte_spinlock_unlock(&lb->sess.wlock);
			return MP_ERR_FULL;
		}
		atomic_fetch_add_explicit(&t->count, 1, memory_order_relaxed);
	}
	atomic_store_explicit(&s->u.srt.origin_sock, origin_sock, memory_order_relaxed);
	rte_spinlock_unlock(&lb->sess.wlock);
	return MP_OK;
}

/* Under sess.wlock: drop s's SRT socket id from the index (if it still names s). */
static void mp_lb_sess_unbind_srt_locked(struct mp_lb *lb, struct mp_lb_session *s)
{
	uint32_t id = s->u.srt.bound;
	if (s->kind != MP_LB_SESS_SRT || id == 0)
		return;
	if (mp_lb_ix_del(&lb->srt_ix, id, (uint64_t)s->index + 1))
		atomic_fetch_sub_explicit(&lb->srt.count, 1, memory_order_relaxed);
}

/* Under sess.wlock: unindex s and queue its index (and NAT port unless kept) for reuse. */
static int mp_lb_sess_close_locked(struct mp_lb *lb, struct mp_lb_session *s, uint64_t now, bool keep_port)
{
	uint8_t st = atomic_load_explicit(&s->state, memory_order_relaxed);
	if (st != MP_LB_SESS_HANDSHAKE && st != MP_LB_SESS_ACTIVE)
		return MP_ERR_STATE;
	atomic_store_explicit(&s->state, MP_LB_SESS_CLOSED, memory_order_release);
	mp_lb_sess_mark(lb, s, false);
	mp_lb_expiry_unlink(lb, s->index);
	mp_lb_ix_del(&lb->sess_ix, tuple_hash(lb, &s->tuple), (uint64_t)s->index + 1);
	if (!keep_port)
		mp_lb_natport_hold(lb, s->origin_ipv4, s->origin_port, s->nat_port, s->index, now);
	if (!keep_port)
		mp_lb_sess_unbind_srt_locked(lb, s);
	s->closed_ms = now;
	mp_lb_sess_retire(lb, s, keep_port);
	return MP_OK;
}

int mp_lb_session_close(struct mp_lb *lb, struct mp_lb_session *s, uint64_t now)
{
	if (!mp_lb_sess_writer_ok())
		return MP_ERR_STATE;
	if (s == NULL)
		return MP_ERR_INVAL;
	rte_spinlock_lock(&lb->sess.wlock);
	int rc = mp_lb_sess_close_locked(lb, s, now, false);
	if (rc == MP_OK)
		atomic_fetch_sub_explicit(&lb->sess.count, 1, memory_order_relaxed);
	rte_spinlock_unlock(&lb->sess.wlock);
	if (rc == MP_OK)
		atomic_fetch_add_explicit(&lb->sessions_closed, 1, memory_order_relaxed);
	return rc;
}

int mp_lb_session_replace(struct mp_lb *lb, struct mp_lb_session *old, const struct mp_lb_session_params *p,
			  uint64_t now, struct mp_lb_session **out)
{
	struct mp_lb_tuple key;
	size_t ulen;
	int rc = mp_lb_sess_params_ok(p, &ulen);
	if (rc != MP_OK || old == NULL || out == NULL)
		return rc != MP_OK ? rc : MP_ERR_INVAL;
	if (!mp_lb_sess_writer_ok())
		return MP_ERR_STATE;
	mp_lb_tuple_key(&key, &p->tuple);
	*out = NULL;
	if (memcmp(&key, &old->tuple, sizeof(key)) != 0 || old->kind != (uint8_t)p->kind)
		return MP_ERR_INVAL;
	rte_spinlock_lock(&lb->sess.wlock);
	uint16_t port = old->nat_port;
	/* The old connection's socket id goes (the new one binds its own); its NAT port stays. */
	mp_lb_sess_unbind_srt_locked(lb, old);
	rc = mp_lb_sess_close_locked(lb, old, now, true);
	if (rc != MP_OK) {
		rte_spinlock_unlock(&lb->sess.wlock);
		return rc; /* closed meanwhile: the caller creates */
	}
	atomic_fetch_sub_explicit(&lb->sess.count, 1, memory_order_relaxed);
	/* A NAT port is per origin endpoint: another origin than old's gets a port of its own. */
	bool same_origin = p->origin_ipv4 == old->origin_ipv4 && p->origin_port == old->origin_port;
	rc = mp_lb_sess_new_locked(lb, p, &key, ulen, now, same_origin ? port : 0, out);
	if ((rc != MP_OK || !same_origin) && port != 0) {
		/* Nobody holds the port now: it waits its quiet period like any freed one. */
		mp_lb_natport_hold(lb, old->origin_ipv4, old->origin_port, port, old->index, now);
		mp_lb_natport_give(lb, old->origin_ipv4, old->origin_port, port, now);
	}
	rte_spinlock_unlock(&lb->sess.wlock);
	atomic_fetch_add_explicit(&lb->sessions_closed, 1, memory_order_relaxed);
	if (rc == MP_OK)
		atomic_fetch_add_explicit(&lb->sessions_created, 1, memory_order_relaxed);
	return rc;
}

int mp_lb_session_rebind(struct mp_lb *lb, struct mp_lb_session *s, const struct mp_lb_tuple *t,
			 uint64_t now, struct mp_lb_session **out)
{
	if (!mp_lb_sess_writer_ok())
		return MP_ERR_STATE;
	struct mp_lb_tuple key;
	if (s == NULL || t == NULL || out == NULL)
		return MP_ERR_INVAL;
	mp_lb_tuple_key(&key, t);
	*out = NULL;
	rte_spinlock_lock(&lb->sess.wlock);
	uint8_t st = atomic_load_explicit(&s->state, memory_order_relaxed);
	if (st != MP_LB_SESS_HANDSHAKE && st != MP_LB_SESS_ACTIVE) {
		rte_spinlock_unlock(&lb->sess.wlock);
		return MP_ERR_STATE;
	}
	struct mp_lb_session *there = tuple_find(lb, &key, tuple_hash(lb, &key));
	if (there != NULL) {
		rte_spinlock_unlock(&lb->sess.wlock);
		*out = there;
		return MP_ERR_EXISTS;
	}
	uint32_t idx;
	if (mp_lb_sess_take_index(lb, &idx) != MP_OK) {
		mp_lb_sess_refuse(lb);
		rte_spinlock_unlock(&lb->sess.wlock);
		return MP_ERR_FULL;
	}
	/* A new record, so readers of the old one never see half an address change. */
	struct mp_lb_session *n = &lb->sess_rec[idx];
	n->tuple = key;
	n->origin_ipv4 = s->origin_ipv4;
	n->origin_port = s->origin_port;
	n->nat_port = s->nat_port;
	n->origin_id = s->origin_id;
	n->index = idx;
	n->kind = s->kind;
	n->created_ms = s->created_ms;
	n->closed_ms = 0;
	memcpy(&n->u, &s->u, sizeof(n->u));
	atomic_store_explicit(&n->last_seen_ms, now, memory_order_relaxed);
	atomic_store_explicit(&n->last_c2o_ms, now, memory_order_relaxed);
	atomic_store_explicit(&n->pkts_c2o, atomic_load(&s->pkts_c2o), memory_order_relaxed);
	atomic_store_explicit(&n->bytes_c2o, atomic_load(&s->bytes_c2o), memory_order_relaxed);
	atomic_store_explicit(&n->pkts_o2c, atomic_load(&s->pkts_o2c), memory_order_relaxed);
	atomic_store_explicit(&n->bytes_o2c, atomic_load(&s->bytes_o2c), memory_order_relaxed);
	atomic_store_explicit(&n->state, st, memory_order_release);
	if (mp_lb_ix_add(&lb->sess_ix, tuple_hash(lb, &key), (uint64_t)idx + 1) != MP_OK) {
		atomic_store_explicit(&n->state, MP_LB_SESS_FREE, memory_order_release);
		lb->sess_free[lb->sess_nfree++] = idx;
		mp_lb_sess_refuse(lb);
		rte_spinlock_unlock(&lb->sess.wlock);
		return MP_ERR_FULL;
	}
	mp_lb_natport_point(lb, n->origin_ipv4, n->origin_port, n->nat_port, idx);
	mp_lb_sess_mark(lb, n, true);
	mp_lb_expiry_link(lb, idx, now + mp_lb_idle_ms(lb, n->kind));
	if (n->kind == MP_LB_SESS_SRT && n->u.srt.bound != 0) {
		/* the id now names the new record (readers see one or the other, both bound to it) */
		mp_lb_ix_set(&lb->srt_ix, n->u.srt.bound, (uint64_t)s->index + 1, (uint64_t)idx + 1);
	}
	mp_lb_sess_close_locked(lb, s, now, true);
	rte_spinlock_unlock(&lb->sess.wlock);
	*out = n;
	return MP_OK;
}

/* Under sess.wlock: expire s (idle past its limit, mp_lb_expiry_run); false if it closed meanwhile.
 * Idle means nothing from the client: an origin still sending to a client that vanished (a WebRTC
 * origin until its ICE consent fails, ~30 s) must not keep its session and NAT port
 * (test_fault_client.sh). A live client always sends: SRT ACKs and keepalives, ICE consent checks
 * and RTCP. */
static bool mp_lb_sess_expire(struct mp_lb *lb, struct mp_lb_session *s, uint64_t now)
{
	if (mp_lb_sess_close_locked(lb, s, now, false) != MP_OK)
		return false;
	atomic_fetch_sub_explicit(&lb->sess.count, 1, memory_order_relaxed);
	return true;
}

uint32_t mp_lb_session_sweep(struct mp_lb *lb, uint64_t now, uint32_t budget)
{
	if (!mp_lb_sess_writer_ok())
		return 0;
	/* Another worker holding the lock is creating, closing or sweeping: try again next turn. */
	if (!rte_spinlock_trylock(&lb->sess.wlock))
		return 0;
	uint32_t closed = mp_lb_expiry_run(lb, now, budget, mp_lb_sess_expire);
	/* Recycle what is past its grace period: session indexes and NAT ports go back to their pools
	 * (at twice the expiry pace, so they never lag behind it; more next turn if it was not all). */
	unsigned int freed = 0;
	rte_rcu_qsbr_dq_reclaim(lb->dq_sess, 2 * budget, &freed, NULL, NULL);
	atomic_store_explicit(&lb->reclaim_more, freed >= 2 * budget, memory_order_relaxed);
	/* Held NAT ports whose quiet period ended leave the return-path table. */
	mp_lb_natport_reap(lb, now, budget);
	rte_spinlock_unlock(&lb->sess.wlock);
	atomic_fetch_add_explicit(&lb->sessions_expired, closed, memory_order_relaxed);
	return closed;
}

bool mp_lb_session_sweep_pending(struct mp_lb *lb, uint64_t now)
{
	return mp_lb_expiry_pending(lb, now) || atomic_load_explicit(&lb->reclaim_more, memory_order_relaxed);
}

int mp_lb_sessions_init(struct mp_lb *lb)
{
	uint32_t cap = lb->cfg.max_sessions;
	char ixname[32];
	rte_spinlock_init(&lb->sess.wlock);
	lb->sess.cap = lb->srt.cap = cap;
	lb->sess.key_len = sizeof(struct mp_lb_tuple);
	lb->srt.key_len = sizeof(uint32_t);
	lb->tuple_seed = (uint32_t)mp_lb_random(lb);
	snprintf(ixname, sizeof(ixname), "lb%u_sessix", lb->instance);
	int rc = mp_lb_ix_init(&lb->sess_ix, ixname, cap, mp_lb_random(lb), lb->cfg.socket_id);
	mp_lb_mem_mark(lb, "tuple index");
	snprintf(ixname, sizeof(ixname), "lb%u_srtix", lb->instance);
	if (rc == MP_OK)
		rc = mp_lb_ix_init(&lb->srt_ix, ixname, cap, mp_lb_random(lb), lb->cfg.socket_id);
	mp_lb_mem_mark(lb, "srt index");
	if (rc == MP_OK)
		rc = mp_lb_expiry_init(lb);
	mp_lb_mem_mark(lb, "expiry wheel");
	if (rc != MP_OK)
		return rc;
	/* 128-byte aligned: a record is one aligned pair of lines (what the adjacent-line prefetcher fetches) */
	lb->sess_rec = rte_zmalloc_socket("mp_lb_sess", sizeof(*lb->sess_rec) * cap, 2 * RTE_CACHE_LINE_SIZE,
					  lb->cfg.socket_id);
	mp_lb_mem_mark(lb, "records");
	lb->sess_free = rte_zmalloc_socket("mp_lb_sfree", sizeof(uint32_t) * cap, 0, lb->cfg.socket_id);
	mp_lb_mem_mark(lb, "free list");
	lb->sess_live = rte_zmalloc_socket("mp_lb_slive", sizeof(uint64_t) * ((cap + 63) / 64), RTE_CACHE_LINE_SIZE,
					   lb->cfg.socket_id);
	mp_lb_mem_mark(lb, "live bitmap");
	if (lb->sess_rec == NULL || lb->sess_free == NULL || lb->sess_live == NULL) {
		MP_ERR("lb: out of memory for %u sessions", cap);
		return MP_ERR_NOMEM;
	}
	for (uint32_t i = 0; i < cap; i++)
		lb->sess_free[i] = cap - 1 - i; /* index 0 is taken first */
	lb->sess_nfree = cap;
	char name[RTE_RCU_QSBR_DQ_NAMESIZE];
	snprintf(name, sizeof(name), "lb%u_dqs", lb->instance);
	struct rte_rcu_qsbr_dq_parameters dp = {
		.name = name,
		.size = cap,
		.esize = sizeof(uint32_t),
		.trigger_reclaim_limit = 64,
		.max_reclaim_size = 64,
		.free_fn = mp_lb_sess_release,
		.p = lb,
		.v = lb->qsbr,
		.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE, /* serialised by sess.wlock */
	};
	lb->dq_sess = rte_rcu_qsbr_dq_create(&dp);
	mp_lb_mem_mark(lb, "defer queue");
	if (lb->dq_sess == NULL) {
		MP_ERR("lb: cannot create the session defer queue");
		return MP_ERR_NOMEM;
	}
	return MP_OK;
}

void mp_lb_sessions_fini(struct mp_lb *lb)
{
	if (lb->dq_sess != NULL && rte_rcu_qsbr_dq_delete(lb->dq_sess) != 0)
		MP_WARN("lb: session defer queue not empty at destroy");
	lb->dq_sess = NULL;
	rte_free(lb->sess_rec);
	rte_free(lb->sess_free);
	rte_free(lb->sess_live);
	lb->sess_live = NULL;
	mp_lb_expiry_fini(lb);
	mp_lb_ix_fini(&lb->sess_ix);
	mp_lb_ix_fini(&lb->srt_ix);
}
