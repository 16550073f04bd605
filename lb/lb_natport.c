/* lb_natport.c: NAT ports per origin endpoint: the return-path table and its allocator, per worker slice. */
#include <rte_malloc.h>

#include "lb_internal.h"
#include "mp_error.h"
#include "mp_log.h"

/*
 * One index (lb->nat_ix, lb_index.h) holds, per key (origin address, origin port, NAT port):
 *   session index + 1          the port serves that live session (what the return path looks up);
 *   MP_LB_NAT_HELD | freed_ms  the session closed: the port waits (grace period, then nat_quiet_ms)
 *                              before it goes to another session towards the same origin endpoint.
 * And per (origin address, origin port, slice) with nat_port = slice (< nat_port_min, never a NAT
 * port) the slice's allocation cursor and the number of its keys present (live or held):
 *   MP_LB_NAT_EP | used << 16 | cursor.
 * So one NAT port serves one session per origin endpoint, and a range of P ports serves P sessions
 * towards every (origin address, origin port): the appliance's one address does not cap sessions.
 * Held ports enter a FIFO when their session's record is recycled (after the RCU grace period), in
 * that order, so the head is the port that has been held longest: the quiet period is checked there
 * and the key deleted, or, in a fleet, the port parked until Redis says no peer serves it
 * (mp_lb_fleet_park). All writes under sess.wlock; readers (the data plane) only look keys up.
 */

#define MP_LB_NAT_EP (1ull << 62)
#define MP_LB_NAT_PROBES 1024 /* ports tried per allocation before the slice is called full */

static inline struct mp_lb_nat_key nat_key(uint32_t oip, uint16_t oport, uint16_t port)
{
	struct mp_lb_nat_key k = { .origin_ip = oip, .origin_port = oport, .nat_port = port };
	return k;
}

/* The index key: the three fields packed (every value fits; the table holds unique keys). */
static inline uint64_t nat_pack(const struct mp_lb_nat_key *k)
{
	return (uint64_t)k->origin_ip << 32 | (uint64_t)k->origin_port << 16 | k->nat_port;
}

static inline bool nat_get(struct mp_lb *lb, const struct mp_lb_nat_key *k, uint64_t *v)
{
	*v = mp_lb_ix_get(&lb->nat_ix, nat_pack(k));
	return *v != 0;
}

/* Add or overwrite (an existing key's value is replaced atomically for readers). */
static inline int nat_put(struct mp_lb *lb, const struct mp_lb_nat_key *k, uint64_t v)
{
	return mp_lb_ix_put(&lb->nat_ix, nat_pack(k), v);
}

static inline void nat_del(struct mp_lb *lb, const struct mp_lb_nat_key *k)
{
	mp_lb_ix_remove(&lb->nat_ix, nat_pack(k));
}

struct nat_ctx {
	const struct mp_lb *lb;
	const struct mp_lb_nat_key *k;
};

/* A reader takes a value only when it names a session whose record holds this key (a held port or
 * a slice record is a miss to the return path). */
static inline bool nat_accept(const void *c, uint64_t v)
{
	const struct nat_ctx *x = c;
	if (v > x->lb->cfg.max_sessions)
		return false;
	const struct mp_lb_session *s = &x->lb->sess_rec[v - 1];
	return s->nat_port == x->k->nat_port && s->origin_port == x->k->origin_port &&
	       s->origin_ipv4 == x->k->origin_ip;
}

static inline struct mp_lb_session *nat_find(const struct mp_lb *lb, const struct mp_lb_nat_key *k)
{
	struct nat_ctx c = { .lb = lb, .k = k };
	uint64_t v = mp_lb_ix_find(&lb->nat_ix, nat_pack(k), nat_accept, &c);
	return v != 0 ? &lb->sess_rec[v - 1] : NULL;
}

/* Fleet-wide slice of a port in the range: share (appliance) * nat_slices + worker slice. */
static inline uint32_t nat_global_slice(const struct mp_lb *lb, uint16_t nat_port)
{
	uint32_t n = (uint32_t)lb->nat_slices * lb->fleet_size;
	return (uint32_t)(nat_port - lb->cfg.nat_port_min) * n / lb->nat_span;
}

/* The port is in the range and in this appliance's share of it (always true without a fleet). */
static inline bool nat_mine(const struct mp_lb *lb, uint16_t nat_port)
{
	return lb->nat_span != 0 && nat_port >= lb->cfg.nat_port_min && nat_port <= lb->cfg.nat_port_max &&
	       nat_global_slice(lb, nat_port) / lb->nat_slices == lb->fleet_index;
}

/* The slice's endpoint record lost a key (a held port was deleted). */
static void nat_ep_release(struct mp_lb *lb, const struct mp_lb_nat_key *k)
{
	if (!nat_mine(lb, k->nat_port))
		return; /* another appliance's port, adopted: no slice record counts it here */
	uint16_t slice = mp_lb_nat_slice_of(lb, k->nat_port);
	struct mp_lb_nat_key ek = nat_key(k->origin_ip, k->origin_port, slice);
	uint64_t v;
	if (!nat_get(lb, &ek, &v))
		return;
	uint64_t used = (v >> 16) & 0xffffffffu;
	if (used <= 1) {
		nat_del(lb, &ek);
		return;
	}
	nat_put(lb, &ek, MP_LB_NAT_EP | (used - 1) << 16 | (v & 0xffff));
}

/* A held port's key goes: the port is free towards its origin endpoint. */
static void nat_release(struct mp_lb *lb, const struct mp_lb_nat_key *k)
{
	nat_del(lb, k);
	nat_ep_release(lb, k);
}

/* Pop the FIFO head: delete its key if it is still held since then (or with may_park, in a fleet,
 * park it: a peer may serve its session). */
static void nat_pop(struct mp_lb *lb, bool may_park)
{
	const struct mp_lb_nat_held *h = &lb->nat_fifo[lb->nat_head];
	uint64_t v;
	if (nat_get(lb, &h->k, &v) && v == (MP_LB_NAT_HELD | h->freed_ms) &&
	    !(may_park && lb->fleet_size > 1 && nat_mine(lb, h->k.nat_port) && mp_lb_fleet_park(lb, h)))
		nat_release(lb, &h->k);
	lb->nat_head = (lb->nat_head + 1) % lb->nat_fifo_size;
	lb->nat_count--;
}

void mp_lb_natport_reap(struct mp_lb *lb, uint64_t now, uint32_t budget)
{
	while (budget-- && lb->nat_count) {
		uint64_t f = lb->nat_fifo[lb->nat_head].freed_ms;
		if (now < f || now - f < lb->cfg.nat_quiet_ms)
			return;
		nat_pop(lb, true);
	}
}

static int nat_first(struct mp_lb *lb, uint16_t slice, uint16_t *lo, uint32_t *span)
{
	uint32_t p = lb->nat_span, n = (uint32_t)lb->nat_slices * lb->fleet_size;
	uint32_t g = (uint32_t)lb->fleet_index * lb->nat_slices + slice; /* this appliance's share, then the worker's */
	uint32_t a = (g * p + n - 1) / n, b = ((g + 1u) * p + n - 1) / n;
	if (slice >= lb->nat_slices || b <= a)
		return MP_ERR_FULL;
	*lo = (uint16_t)(lb->cfg.nat_port_min + a);
	*span = b - a;
	return MP_OK;
}

int mp_lb_natport_take(struct mp_lb *lb, uint32_t oip, uint16_t oport, uint16_t slice, uint64_t now, uint16_t *port)
{
	uint16_t lo;
	uint32_t span;
	*port = 0;
	if (lb->nat_span == 0)
		return MP_OK; /* NAT ports disabled */
	slice = (uint16_t)(slice % lb->nat_slices);
	if (nat_first(lb, slice, &lo, &span) != MP_OK)
		goto full;
	mp_lb_natport_reap(lb, now, 8);
	struct mp_lb_nat_key ek = nat_key(oip, oport, slice);
	uint64_t ev = 0;
	bool have_ep = nat_get(lb, &ek, &ev);
	uint32_t cursor = have_ep ? (uint32_t)(ev & 0xffff) % span : 0;
	uint64_t used = have_ep ? (ev >> 16) & 0xffffffffu : 0;
	if (used >= span) {
		/* Every port of the slice is live or quiet towards this endpoint: collect what is due. */
		rte_rcu_qsbr_dq_reclaim(lb->dq_sess, 256, NULL, NULL, NULL);
		mp_lb_natport_reap(lb, now, 256);
		have_ep = nat_get(lb, &ek, &ev);
		used = have_ep ? (ev >> 16) & 0xffffffffu : 0;
		if (used >= span)
			goto full;
	}
	uint32_t tries = span < MP_LB_NAT_PROBES ? span : MP_LB_NAT_PROBES;
	for (uint32_t t = 0; t < tries; t++) {
		uint16_t p = (uint16_t)(lo + (cursor + t) % span);
		struct mp_lb_nat_key k = nat_key(oip, oport, p);
		uint64_t v;
		if (nat_get(lb, &k, &v))
			continue; /* live or held */
		/* Held until the record is filled and indexed (mp_lb_natport_point): readers miss. */
		if (nat_put(lb, &k, MP_LB_NAT_HELD | now) != MP_OK) {
			/* The table is full of held ports: the oldest goes before its time (counted). */
			if (lb->nat_count == 0)
				goto full;
			nat_pop(lb, false);
			atomic_fetch_add_explicit(&lb->nat_early, 1, memory_order_relaxed);
			if (nat_put(lb, &k, MP_LB_NAT_HELD | now) != MP_OK)
				goto full;
			have_ep = nat_get(lb, &ek, &ev); /* the pop may have changed it */
			used = have_ep ? (ev >> 16) & 0xffffffffu : 0;
		}
		if (nat_put(lb, &ek, MP_LB_NAT_EP | (used + 1) << 16 | ((cursor + t + 1) % span)) != MP_OK) {
			nat_del(lb, &k);
			goto full;
		}
		*port = p;
		return MP_OK;
	}
	if (have_ep)
		nat_put(lb, &ek, MP_LB_NAT_EP | used << 16 | ((cursor + tries) % span));
full:
	atomic_fetch_add_explicit(&lb->nat_refused, 1, memory_order_relaxed);
	return MP_ERR_FULL;
}

int mp_lb_natport_claim(struct mp_lb *lb, uint32_t oip, uint16_t oport, uint16_t port, uint64_t now)
{
	struct mp_lb_nat_key k = nat_key(oip, oport, port);
	uint64_t v;
	if (lb->nat_span == 0 || port < lb->cfg.nat_port_min || port > lb->cfg.nat_port_max)
		return MP_ERR_INVAL;
	if (nat_get(lb, &k, &v))
		return MP_ERR_EXISTS;
	if (nat_mine(lb, port)) {
		/* Ours after all (this appliance restarted under its index): counted in its slice. */
		struct mp_lb_nat_key ek = nat_key(oip, oport, mp_lb_nat_slice_of(lb, port));
		uint64_t ev = 0, used = nat_get(lb, &ek, &ev) ? (ev >> 16) & 0xffffffffu : 0;
		if (nat_put(lb, &ek, MP_LB_NAT_EP | (used + 1) << 16 | (ev & 0xffff)) != MP_OK)
			return MP_ERR_FULL;
	}
	if (nat_put(lb, &k, MP_LB_NAT_HELD | now) != MP_OK) {
		nat_ep_release(lb, &k); /* undo the count above (nothing when not ours) */
		return MP_ERR_FULL;
	}
	return MP_OK;
}

void mp_lb_natport_unclaim(struct mp_lb *lb, uint32_t oip, uint16_t oport, uint16_t port)
{
	struct mp_lb_nat_key k = nat_key(oip, oport, port);
	uint64_t v;
	if (nat_get(lb, &k, &v) && (v & MP_LB_NAT_HELD))
		nat_release(lb, &k);
}

void mp_lb_natport_point(struct mp_lb *lb, uint32_t oip, uint16_t oport, uint16_t port, uint32_t idx)
{
	struct mp_lb_nat_key k = nat_key(oip, oport, port);
	uint64_t v;
	if (port == 0)
		return;
	if (nat_get(lb, &k, &v) && (v & MP_LB_NAT_HELD)) /* a held port taken (not a live one re-pointed) */
		atomic_fetch_add_explicit(&lb->nat_live, 1, memory_order_relaxed);
	nat_put(lb, &k, idx + 1); /* the key exists: an overwrite never fails */
}

void mp_lb_natport_hold(struct mp_lb *lb, uint32_t oip, uint16_t oport, uint16_t port, uint32_t idx, uint64_t now)
{
	struct mp_lb_nat_key k = nat_key(oip, oport, port);
	uint64_t v;
	if (port != 0 && nat_get(lb, &k, &v) && v == idx + 1) {
		nat_put(lb, &k, MP_LB_NAT_HELD | now);
		atomic_fetch_sub_explicit(&lb->nat_live, 1, memory_order_relaxed);
	}
}

void mp_lb_natport_give(struct mp_lb *lb, uint32_t oip, uint16_t oport, uint16_t port, uint64_t freed_ms)
{
	struct mp_lb_nat_key k = nat_key(oip, oport, port);
	uint64_t v;
	if (port == 0 || !nat_get(lb, &k, &v) || !(v & MP_LB_NAT_HELD))
		return;
	/* Stamped with the time the quiet period counts from (the FIFO entry must match it); usually
	 * already so (held at close with the session's closed_ms). */
	uint64_t held = MP_LB_NAT_HELD | (freed_ms & ~(MP_LB_NAT_HELD | MP_LB_NAT_EP));
	if (v != held)
		nat_put(lb, &k, held);
	v = held;
	if (lb->nat_count >= lb->nat_fifo_size) {
		nat_pop(lb, false); /* full: the oldest held port goes now (counted) */
		atomic_fetch_add_explicit(&lb->nat_early, 1, memory_order_relaxed);
	}
	uint32_t tail = (lb->nat_head + lb->nat_count) % lb->nat_fifo_size;
	lb->nat_fifo[tail].k = k;
	lb->nat_fifo[tail].freed_ms = v & ~MP_LB_NAT_HELD;
	lb->nat_count++;
	if (lb->cfg.nat_quiet_ms == 0)
		mp_lb_natport_reap(lb, freed_ms, 1);
}

void mp_lb_natport_recheck(struct mp_lb *lb, const struct mp_lb_nat_held *h, bool taken, uint64_t now)
{
	uint64_t v;
	if (!nat_get(lb, &h->k, &v) || v != (MP_LB_NAT_HELD | h->freed_ms))
		return; /* a session here took it meanwhile (its client came back) */
	if (taken) {
		mp_lb_natport_give(lb, h->k.origin_ip, h->k.origin_port, h->k.nat_port, now);
		return;
	}
	nat_release(lb, &h->k);
}

struct mp_lb_session *mp_lb_session_by_nat(struct mp_lb *lb, uint32_t origin_ip, uint16_t origin_port,
					   uint16_t nat_port)
{
	struct mp_lb_nat_key k = nat_key(origin_ip, origin_port, nat_port);
	if (lb->nat_ix.slot == NULL)
		return NULL;
	return nat_find(lb, &k);
}

unsigned int mp_lb_session_by_nat_bulk(struct mp_lb *lb, const struct mp_lb_nat_key *const *keys, unsigned int n,
				       struct mp_lb_session **out)
{
	unsigned int found = 0;
	if (n == 0 || n > MP_LB_FIND_BULK_MAX || lb->nat_ix.slot == NULL) {
		for (unsigned int i = 0; i < n && i < MP_LB_FIND_BULK_MAX; i++)
			out[i] = NULL;
		return 0;
	}
	uint64_t v[MP_LB_FIND_BULK_MAX];
	uint64_t k[MP_LB_FIND_BULK_MAX];
	for (unsigned int i = 0; i < n; i++)
		k[i] = nat_pack(keys[i]);
	/* The record each entry names is asked for before the first is checked. A held port or a slice
	 * record (values above max_sessions) is a miss, looked up again below only to be sure. */
	mp_lb_ix_peek_bulk(&lb->nat_ix, k, n, v, lb->sess_rec, sizeof(*lb->sess_rec), lb->cfg.max_sessions);
	for (unsigned int i = 0; i < n; i++) {
		struct nat_ctx c = { .lb = lb, .k = keys[i] };
		out[i] = v[i] != 0 && nat_accept(&c, v[i]) ? &lb->sess_rec[v[i] - 1] : nat_find(lb, keys[i]);
		found += out[i] != NULL;
	}
	return found;
}

int mp_lb_set_nat_slices(struct mp_lb *lb, unsigned int n)
{
	if (n == 0 || n > MP_LB_NAT_SLICES_MAX || (lb->nat_span != 0 && n * lb->fleet_size > lb->nat_span))
		return MP_ERR_INVAL;
	if (atomic_load_explicit(&lb->sess.count, memory_order_relaxed) != 0 || lb->nat_count != 0)
		return MP_ERR_STATE;
	lb->nat_slices = (uint16_t)n;
	return MP_OK;
}

uint16_t mp_lb_nat_slice_of(const struct mp_lb *lb, uint16_t nat_port)
{
	if (lb->nat_span == 0 || nat_port < lb->cfg.nat_port_min || nat_port > lb->cfg.nat_port_max)
		return 0;
	/* In a fleet, the worker slice within whichever appliance's share the port is in. */
	return (uint16_t)(nat_global_slice(lb, nat_port) % lb->nat_slices);
}

bool mp_lb_nat_port_foreign(const struct mp_lb *lb, uint16_t nat_port)
{
	return lb->fleet_size > 1 && lb->nat_span != 0 && nat_port >= lb->cfg.nat_port_min &&
	       nat_port <= lb->cfg.nat_port_max && !nat_mine(lb, nat_port);
}

int mp_lb_set_fleet(struct mp_lb *lb, unsigned int index, unsigned int size)
{
	if (size == 0)
		size = 1;
	if (index >= size || size > 256 || (lb->nat_span != 0 && (uint32_t)lb->nat_slices * size > lb->nat_span))
		return MP_ERR_INVAL;
	if (atomic_load_explicit(&lb->sess.count, memory_order_relaxed) != 0 || lb->nat_count != 0)
		return MP_ERR_STATE;
	lb->fleet_size = (uint16_t)size;
	lb->fleet_index = (uint16_t)index;
	return MP_OK;
}

unsigned int mp_lb_fleet_size(const struct mp_lb *lb)
{
	return lb->fleet_size;
}

unsigned int mp_lb_nat_slices(const struct mp_lb *lb)
{
	return lb->nat_slices;
}

int mp_lb_natport_init(struct mp_lb *lb)
{
	uint32_t cap = lb->cfg.max_sessions;
	lb->nat_slices = 1;
	lb->fleet_size = 1;
	lb->fleet_index = 0;
	if (lb->cfg.nat_port_min == 0)
		return MP_OK; /* NAT ports disabled */
	if (lb->cfg.nat_port_min <= MP_LB_NAT_SLICES_MAX) {
		MP_ERR("lb: nat_port_min %u must be above %u", lb->cfg.nat_port_min, MP_LB_NAT_SLICES_MAX);
		return MP_ERR_CONFIG;
	}
	lb->nat_span = (uint32_t)lb->cfg.nat_port_max - lb->cfg.nat_port_min + 1;
	/* Held ports after their grace period: half the sessions may close within a quiet period
	 * before the oldest is let go early (counted as nat_early). */
	lb->nat_fifo_size = cap / 2 + 64;
	/* Live and held ports, and the per (origin endpoint, slice) records: a few per origin. */
	uint32_t ep = cap / 4 + 256 < 16384 ? cap / 4 + 256 : 16384;
	char name[32];
	snprintf(name, sizeof(name), "lb%u_natix", lb->instance);
	rte_spinlock_init(&lb->nat.wlock);
	lb->nat.cap = cap + lb->nat_fifo_size + ep;
	lb->nat.key_len = sizeof(struct mp_lb_nat_key);
	int rc = mp_lb_ix_init(&lb->nat_ix, name, lb->nat.cap, mp_lb_random(lb), lb->cfg.socket_id);
	mp_lb_mem_mark(lb, "nat index");
	if (rc != MP_OK)
		return rc;
	lb->nat_fifo = rte_zmalloc_socket("mp_lb_natfifo", sizeof(*lb->nat_fifo) * lb->nat_fifo_size, 0,
					  lb->cfg.socket_id);
	mp_lb_mem_mark(lb, "nat held fifo");
	if (lb->nat_fifo == NULL)
		return MP_ERR_NOMEM;
	lb->nat_head = 0;
	lb->nat_count = 0;
	return MP_OK;
}

void mp_lb_natport_fini(struct mp_lb *lb)
{
	rte_free(lb->nat_fifo);
	lb->nat_fifo = NULL;
	mp_lb_ix_fini(&lb->nat_ix);
}
