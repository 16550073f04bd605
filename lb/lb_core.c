/* lb_core.c: balancer lifecycle, RCU QSBR readers and defer queue, table helpers, counters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "lb_internal.h"
#include "mp_error.h"
#include "mp_log.h"

static _Atomic unsigned int mp_lb_instances;

void mp_lb_config_default(struct mp_lb_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_origins = 10000;
	c->max_streams = 100000;
	c->max_webrtc = 100000;
	c->max_sessions = 1u << 20;
	c->max_readers = 128;
	c->origin_ttl_ms = 300000;
	c->origin_forget_ms = 300000;
	c->webrtc_ttl_ms = 120000;
	c->hls_ttl_ms = 120000;
	c->webrtc_idle_ms = 30000;
	c->srt_idle_ms = 10000;
	c->nat_port_min = 20480;
	c->nat_port_max = 32767;
	c->nat_quiet_ms = 60000;
	c->socket_id = SOCKET_ID_ANY;
}

/* ---- tables ---- */

static void mp_lb_hash_free_nothing(void *p, void *key_data)
{
	/* Records are freed through lb's own defer queues; the hash only recycles key slots. */
	(void)p;
	(void)key_data;
}

int mp_lb_table_create(struct mp_lb *lb, struct mp_lb_table *t, const char *what, uint32_t cap,
		       uint32_t key_len, bool multi_writer)
{
	char name[RTE_HASH_NAMESIZE];
	snprintf(name, sizeof(name), "lb%u_%s", lb->instance, what);
	/* Deleted keys keep their slot until their grace period ends: leave headroom for them.
	 * Extendable buckets make every slot usable, so the table never refuses below cap. */
	uint64_t entries = (uint64_t)cap + cap / 4 + 64;
	if (entries > (1u << 30))
		return MP_ERR_CONFIG;
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = (uint32_t)entries,
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0,
		.socket_id = lb->cfg.socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE |
			      (multi_writer ? RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD : 0),
	};
	memset(t, 0, sizeof(*t));
	rte_spinlock_init(&t->wlock);
	t->cap = cap;
	t->key_len = key_len;
	t->h = rte_hash_create(&hp);
	if (t->h == NULL) {
		MP_ERR("lb: cannot create table %s (%u entries): %s", name, (unsigned)entries,
		       rte_strerror(rte_errno));
		return MP_ERR_NOMEM;
	}
	struct rte_hash_rcu_config rc = {
		.v = lb->qsbr,
		.mode = RTE_HASH_QSBR_MODE_DQ,
		.key_data_ptr = lb,
		.free_key_data_func = mp_lb_hash_free_nothing,
	};
	if (rte_hash_rcu_qsbr_add(t->h, &rc) != 0) {
		MP_ERR("lb: cannot attach RCU to table %s: %s", name, rte_strerror(rte_errno));
		rte_hash_free(t->h);
		t->h = NULL;
		return MP_ERR_NOMEM;
	}
	return MP_OK;
}

void mp_lb_table_free(struct mp_lb_table *t)
{
	if (t->h != NULL)
		rte_hash_free(t->h);
	t->h = NULL;
}

int mp_lb_key(char *key, size_t key_len, const char *s)
{
	if (s == NULL)
		return MP_ERR_INVAL;
	size_t n = strnlen(s, key_len);
	if (n == 0)
		return MP_ERR_INVAL;
	if (n >= key_len)
		return MP_ERR_TOOLONG;
	memset(key, 0, key_len);
	memcpy(key, s, n);
	return MP_OK;
}

uint64_t mp_lb_random(struct mp_lb *lb)
{
	/* splitmix64 (Steele, Lea, Flood 2014) over a shared counter: no RNG state to race on. */
	uint64_t z = atomic_fetch_add_explicit(&lb->rand_ctr, 0x9e3779b97f4a7c15ull, memory_order_relaxed);
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t mp_lb_checksum(const void *p, size_t len)
{
	/* FNV-1a, 32 bits: a torn or poisoned record does not match its stored value. */
	const uint8_t *b = p;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* ---- control-plane defer queue ---- */

static void mp_lb_defer_release(void *p, void *e, unsigned int n)
{
	(void)p;
	struct mp_lb_defer *d = e;
	for (unsigned int i = 0; i < n; i++) {
		switch (d[i].kind) {
		case MP_LB_DEFER_ORIGIN:
			/* Poison, so a reader past its grace period would fail mp_lb_origin_verify. */
			memset(d[i].ptr, 0xdd, sizeof(struct mp_lb_origin));
			break;
		case MP_LB_DEFER_WEBRTC:
			memset(d[i].ptr, 0xdd, sizeof(struct mp_lb_webrtc));
			break;
		case MP_LB_DEFER_HLS:
			memset(d[i].ptr, 0xdd, sizeof(struct mp_lb_hls_rec));
			break;
		default:
			break;
		}
		rte_free(d[i].ptr);
	}
}

/* Move what waited outside dq_ctl into it while it has room (dq_ctl_lock held). */
static void mp_lb_defer_over_flush(struct mp_lb *lb)
{
	rte_rcu_qsbr_dq_reclaim(lb->dq_ctl, UINT32_MAX, NULL, NULL, NULL);
	while (lb->dq_over != NULL && rte_rcu_qsbr_dq_enqueue(lb->dq_ctl, &lb->dq_over->d) == 0) {
		struct mp_lb_defer_over *o = lb->dq_over;
		lb->dq_over = o->next;
		free(o);
	}
	if (lb->dq_over == NULL)
		lb->dq_over_tail = &lb->dq_over;
}

int mp_lb_defer_free(struct mp_lb *lb, enum mp_lb_defer_kind kind, void *ptr)
{
	struct mp_lb_defer d = { .kind = kind, .ptr = ptr };
	int rc = MP_OK;
	/* Never waits: the calling thread is often a reader itself (the control plane, the Redis
	 * thread), whose own grace period a wait here would hold back. When dq_ctl is full (a reader
	 * slow to report), the record waits on a list and enters dq_ctl at a later free or sync. */
	rte_spinlock_lock(&lb->dq_ctl_lock);
	rte_rcu_qsbr_dq_reclaim(lb->dq_ctl, 256, NULL, NULL, NULL);
	if (lb->dq_over != NULL)
		mp_lb_defer_over_flush(lb);
	if (lb->dq_over != NULL || rte_rcu_qsbr_dq_enqueue(lb->dq_ctl, &d) != 0) {
		struct mp_lb_defer_over *o = malloc(sizeof(*o));
		if (o != NULL) {
			o->d = d;
			o->next = NULL;
			*lb->dq_over_tail = o;
			lb->dq_over_tail = &o->next;
		} else {
			rc = MP_ERR_FULL;
		}
	}
	rte_spinlock_unlock(&lb->dq_ctl_lock);
	if (rc != MP_OK)
		atomic_fetch_add_explicit(&lb->defer_full, 1, memory_order_relaxed);
	return rc;
}

/* ---- lifecycle ---- */

static size_t mp_lb_heap_allocated(void)
{
	size_t total = 0;
	for (unsigned int i = 0; i < rte_socket_count(); i++) {
		struct rte_malloc_socket_stats st;
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			total += st.heap_allocsz_bytes;
	}
	return total;
}

static int mp_lb_config_check(const struct mp_lb_config *c)
{
	if (c->max_origins == 0 || c->max_origins > (1u << 24) || c->max_streams == 0 ||
	    c->max_webrtc == 0 || c->max_sessions == 0 || c->max_sessions > (1u << 26) ||
	    c->max_readers == 0 || c->max_readers > 1024 || c->origin_ttl_ms == 0)
		return MP_ERR_CONFIG;
	if (c->nat_port_min != 0 && c->nat_port_max < c->nat_port_min)
		return MP_ERR_CONFIG;
	return MP_OK;
}

struct mp_lb *mp_lb_create_with(const struct mp_lb_config *cfg, const struct mp_lb_backend_ops *ops,
				void *backend_ctx)
{
	struct mp_lb_config def;
	if (cfg == NULL) {
		mp_lb_config_default(&def);
		cfg = &def;
	}
	if (mp_lb_config_check(cfg) != MP_OK) {
		MP_ERR("lb: bad configuration (capacities, reader count, TTL or NAT port range)");
		return NULL;
	}
	struct mp_lb *lb = rte_zmalloc_socket("mp_lb", sizeof(*lb), RTE_CACHE_LINE_SIZE, cfg->socket_id);
	if (lb == NULL) {
		MP_ERR("lb: out of memory");
		return NULL;
	}
	lb->cfg = *cfg;
	lb->ops = ops != NULL ? ops : &mp_lb_memory_backend;
	lb->bctx = backend_ctx;
	lb->instance = atomic_fetch_add(&mp_lb_instances, 1);
	rte_spinlock_init(&lb->dq_ctl_lock);
	lb->dq_over_tail = &lb->dq_over;
	atomic_store(&lb->rand_ctr, (uint64_t)rte_rdtsc() ^ ((uint64_t)lb->instance << 48));

	size_t qsz = rte_rcu_qsbr_get_memsize(cfg->max_readers);
	lb->qsbr = rte_zmalloc_socket("mp_lb_qsbr", qsz, RTE_CACHE_LINE_SIZE, cfg->socket_id);
	if (lb->qsbr == NULL || rte_rcu_qsbr_init(lb->qsbr, cfg->max_readers) != 0) {
		MP_ERR("lb: cannot set up RCU QSBR for %u readers", cfg->max_readers);
		goto fail;
	}
	char name[RTE_RCU_QSBR_DQ_NAMESIZE];
	snprintf(name, sizeof(name), "lb%u_dqc", lb->instance);
	uint64_t dq_size = (uint64_t)cfg->max_origins * 2 + cfg->max_webrtc + cfg->max_streams + 1024;
	struct rte_rcu_qsbr_dq_parameters dp = {
		.name = name,
		.size = (uint32_t)dq_size,
		.esize = sizeof(struct mp_lb_defer),
		.trigger_reclaim_limit = 64,
		.max_reclaim_size = 256,
		.free_fn = mp_lb_defer_release,
		.p = lb,
		.v = lb->qsbr,
		.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE, /* serialised by dq_ctl_lock */
	};
	lb->dq_ctl = rte_rcu_qsbr_dq_create(&dp);
	if (lb->dq_ctl == NULL) {
		MP_ERR("lb: cannot create the defer queue: %s", rte_strerror(rte_errno));
		goto fail;
	}
	if (mp_lb_origins_init(lb) || mp_lb_origin6_init(lb) || mp_lb_picks_init(lb) || mp_lb_webrtc_init(lb) ||
	    mp_lb_hls_init(lb))
		goto fail;
	size_t before = mp_lb_heap_allocated();
	lb->mem_mark = before;
	if (mp_lb_sessions_init(lb) || mp_lb_natport_init(lb))
		goto fail;
	size_t after = mp_lb_heap_allocated();
	mp_lb_mem_mark(lb, "other");
	lb->bytes_per_session = (double)(after - before) / cfg->max_sessions;
	return lb;
fail:
	mp_lb_destroy(lb);
	return NULL;
}

struct mp_lb *mp_lb_create(const struct mp_lb_config *cfg)
{
	return mp_lb_create_with(cfg, &mp_lb_memory_backend, NULL);
}

void mp_lb_destroy(struct mp_lb *lb)
{
	if (lb == NULL)
		return;
	if (lb->ops != NULL && lb->ops->fini != NULL)
		lb->ops->fini(lb, lb->bctx);
	/* No reader is left: mark every id quiet so the defer queues can empty now. */
	if (lb->qsbr != NULL)
		for (uint32_t i = 0; i < lb->cfg.max_readers; i++)
			rte_rcu_qsbr_thread_offline(lb->qsbr, i);
	/* No reader left: what waited outside dq_ctl is freed now. */
	while (lb->dq_over != NULL) {
		struct mp_lb_defer_over *o = lb->dq_over;
		lb->dq_over = o->next;
		mp_lb_defer_release(NULL, &o->d, 1);
		free(o);
	}
	mp_lb_sessions_fini(lb);
	mp_lb_natport_fini(lb);
	mp_lb_hls_fini(lb);
	mp_lb_webrtc_fini(lb);
	mp_lb_picks_fini(lb);
	mp_lb_origin6_fini(lb);
	mp_lb_origins_fini(lb);
	if (lb->dq_ctl != NULL && rte_rcu_qsbr_dq_delete(lb->dq_ctl) != 0)
		MP_WARN("lb: defer queue not empty at destroy");
	rte_free(lb->qsbr);
	rte_free(lb);
}

const struct mp_lb_config *mp_lb_config(const struct mp_lb *lb)
{
	return &lb->cfg;
}

const char *mp_lb_backend_name(const struct mp_lb *lb)
{
	return lb->ops->name;
}

void *mp_lb_backend_ctx(struct mp_lb *lb)
{
	return lb->bctx;
}

/* ---- readers ---- */

int mp_lb_reader_register(struct mp_lb *lb, unsigned int id)
{
	if (id >= lb->cfg.max_readers)
		return MP_ERR_INVAL;
	if (rte_rcu_qsbr_thread_register(lb->qsbr, id) != 0)
		return MP_ERR_INVAL;
	rte_rcu_qsbr_thread_online(lb->qsbr, id);
	return MP_OK;
}

int mp_lb_reader_unregister(struct mp_lb *lb, unsigned int id)
{
	if (id >= lb->cfg.max_readers)
		return MP_ERR_INVAL;
	rte_rcu_qsbr_thread_offline(lb->qsbr, id);
	return rte_rcu_qsbr_thread_unregister(lb->qsbr, id) == 0 ? MP_OK : MP_ERR_INVAL;
}

void mp_lb_reader_online(struct mp_lb *lb, unsigned int id)
{
	rte_rcu_qsbr_thread_online(lb->qsbr, id);
}

void mp_lb_reader_offline(struct mp_lb *lb, unsigned int id)
{
	rte_rcu_qsbr_thread_offline(lb->qsbr, id);
}

void mp_lb_quiescent(struct mp_lb *lb, unsigned int id)
{
	rte_rcu_qsbr_quiescent(lb->qsbr, id);
}

void mp_lb_wait_readers(struct mp_lb *lb, unsigned int id)
{
	uint64_t t = rte_rcu_qsbr_start(lb->qsbr);

	rte_rcu_qsbr_quiescent(lb->qsbr, id);
	rte_rcu_qsbr_check(lb->qsbr, t, true);
}

/* ---- housekeeping and counters ---- */

int mp_lb_sync(struct mp_lb *lb, uint64_t now)
{
	int n = 0;
	n += mp_lb_webrtc_sweep(lb, now);
	n += mp_lb_hls_sweep(lb, now);
	n += mp_lb_origins_sweep(lb, now);
	n += mp_lb_picks_sweep(lb);
	rte_spinlock_lock(&lb->dq_ctl_lock);
	mp_lb_defer_over_flush(lb);
	rte_spinlock_unlock(&lb->dq_ctl_lock);
	if (lb->ops->sync != NULL) {
		int rc = lb->ops->sync(lb, lb->bctx, now);
		if (rc < 0)
			return rc;
		n += rc;
	}
	return n;
}

double mp_lb_bytes_per_session(const struct mp_lb *lb)
{
	return lb->bytes_per_session;
}

void mp_lb_mem_mark(struct mp_lb *lb, const char *name)
{
	size_t now = mp_lb_heap_allocated();
	size_t grown = now > lb->mem_mark ? now - lb->mem_mark : 0;
	lb->mem_mark = now;
	if (grown == 0)
		return;
	for (unsigned int i = 0; i < lb->mem_nparts; i++)
		if (strcmp(lb->mem_part[i].name, name) == 0) {
			lb->mem_part[i].bytes += grown;
			return;
		}
	if (lb->mem_nparts < MP_LB_MEM_PARTS_MAX)
		lb->mem_part[lb->mem_nparts++] = (struct mp_lb_mem_part){ .name = name, .bytes = grown };
}

unsigned int mp_lb_memory_parts(const struct mp_lb *lb, const char **names, double *bytes_per_session,
				unsigned int max)
{
	unsigned int n = 0;
	for (; n < lb->mem_nparts && n < max; n++) {
		names[n] = lb->mem_part[n].name;
		bytes_per_session[n] = (double)lb->mem_part[n].bytes / lb->cfg.max_sessions;
	}
	return n;
}

static void mp_lb_stats_table(struct mp_lb_stats *out, enum mp_lb_table_id id, struct mp_lb_table *t)
{
	out->count[id] = atomic_load_explicit(&t->count, memory_order_relaxed);
	out->capacity[id] = t->cap;
	out->refused[id] = atomic_load_explicit(&t->refused, memory_order_relaxed);
}

void mp_lb_stats(struct mp_lb *lb, struct mp_lb_stats *out)
{
	memset(out, 0, sizeof(*out));
	mp_lb_stats_table(out, MP_LB_T_ORIGINS, &lb->origins);
	mp_lb_stats_table(out, MP_LB_T_PICKS, &lb->picks);
	mp_lb_stats_table(out, MP_LB_T_WEBRTC, &lb->webrtc);
	mp_lb_stats_table(out, MP_LB_T_HLS, &lb->hls_stream);
	mp_lb_stats_table(out, MP_LB_T_SESSIONS, &lb->sess);
	mp_lb_stats_table(out, MP_LB_T_SRT, &lb->srt);
	/* Keys of the return-path table (live and held ports, per-slice cursors): a snapshot. */
	/* NAT ports held by live sessions: the table also keeps quiet ports and per-slice records */
	out->count[MP_LB_T_NATPORTS] = atomic_load_explicit(&lb->nat_live, memory_order_relaxed);
	out->capacity[MP_LB_T_NATPORTS] = lb->nat.cap;
	out->nat_early = atomic_load_explicit(&lb->nat_early, memory_order_relaxed);
	out->refused[MP_LB_T_NATPORTS] = atomic_load_explicit(&lb->nat_refused, memory_order_relaxed);
	out->repicks = atomic_load_explicit(&lb->repicks, memory_order_relaxed);
	out->sessions_created = atomic_load_explicit(&lb->sessions_created, memory_order_relaxed);
	out->sessions_expired = atomic_load_explicit(&lb->sessions_expired, memory_order_relaxed);
	out->sessions_closed = atomic_load_explicit(&lb->sessions_closed, memory_order_relaxed);
	out->expired_webrtc = atomic_load_explicit(&lb->expired_webrtc, memory_order_relaxed);
	out->expired_hls = atomic_load_explicit(&lb->expired_hls, memory_order_relaxed);
	out->forgotten_origins = atomic_load_explicit(&lb->origins_forgotten, memory_order_relaxed);
	out->defer_full = atomic_load_explicit(&lb->defer_full, memory_order_relaxed);
}

const char *mp_lb_table_name(enum mp_lb_table_id t)
{
	static const char *const names[MP_LB_T__COUNT] = {
		"origins", "picks", "webrtc", "hls", "sessions", "srt", "natports",
	};
	return (unsigned)t < MP_LB_T__COUNT ? names[t] : "unknown";
}
