/* lb_hls.c: HLS SPBHIDs both ways, stream URL <-> spbhid (with the full URL), renewed on use. */
#include <rte_malloc.h>

#include "lb_internal.h"
#include "mp_error.h"
#include "mp_log.h"

/* Both tables are written under hls_stream.wlock (control plane only). */

static int mp_lb_hls_found(struct mp_lb_hls_rec *r, uint64_t now, struct mp_lb_hls *out)
{
	atomic_store_explicit(&r->last_used_ms, now, memory_order_relaxed);
	if (out != NULL)
		memcpy(out, &r->v, sizeof(*out));
	return MP_OK;
}

int mp_lb_local_hls_load_or_store(struct mp_lb *lb, const char *stream, const char *spbhid,
				  const char *full_url, uint64_t now, struct mp_lb_hls *out)
{
	char skey[MP_LB_STREAM_MAX];
	char ikey[MP_LB_SPBHID_MAX];
	int rc = mp_lb_key(skey, sizeof(skey), stream);
	if (rc == MP_OK)
		rc = mp_lb_key(ikey, sizeof(ikey), spbhid);
	if (rc != MP_OK)
		return rc;
	if (full_url == NULL)
		full_url = "";
	size_t ulen = strnlen(full_url, MP_LB_URL_MAX);
	if (ulen >= MP_LB_URL_MAX)
		return MP_ERR_TOOLONG;

	struct mp_lb_table *ts = &lb->hls_stream, *ti = &lb->hls_id;
	void *data;
	rte_spinlock_lock(&ts->wlock);
	if (rte_hash_lookup_data(ts->h, skey, &data) >= 0) {
		mp_lb_hls_found(data, now, out);
		rte_spinlock_unlock(&ts->wlock);
		return MP_ERR_EXISTS;
	}
	if (rte_hash_lookup(ti->h, ikey) >= 0) {
		rte_spinlock_unlock(&ts->wlock);
		return MP_ERR_INVAL; /* that SPBHID already names another stream */
	}
	if (atomic_load_explicit(&ts->count, memory_order_relaxed) >= ts->cap) {
		atomic_fetch_add_explicit(&ts->refused, 1, memory_order_relaxed);
		rte_spinlock_unlock(&ts->wlock);
		return MP_ERR_FULL;
	}
	struct mp_lb_hls_rec *r = rte_zmalloc_socket("mp_lb_hls", sizeof(*r), 0, lb->cfg.socket_id);
	if (r == NULL) {
		rte_spinlock_unlock(&ts->wlock);
		return MP_ERR_NOMEM;
	}
	memcpy(r->v.stream, skey, sizeof(skey));
	memcpy(r->v.spbhid, ikey, sizeof(ikey));
	memcpy(r->v.full_url, full_url, ulen);
	atomic_store_explicit(&r->last_used_ms, now, memory_order_relaxed);
	if (rte_hash_add_key_data(ts->h, skey, r) != 0) {
		atomic_fetch_add_explicit(&ts->refused, 1, memory_order_relaxed);
		rte_spinlock_unlock(&ts->wlock);
		rte_free(r);
		return MP_ERR_FULL;
	}
	if (rte_hash_add_key_data(ti->h, ikey, r) != 0) {
		rte_hash_del_key(ts->h, skey);
		atomic_fetch_add_explicit(&ts->refused, 1, memory_order_relaxed);
		rte_spinlock_unlock(&ts->wlock);
		mp_lb_defer_free(lb, MP_LB_DEFER_HLS, r); /* readers may have found it by stream */
		return MP_ERR_FULL;
	}
	atomic_fetch_add_explicit(&ts->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&ti->count, 1, memory_order_relaxed);
	rte_spinlock_unlock(&ts->wlock);
	if (out != NULL)
		memcpy(out, &r->v, sizeof(*out));
	return MP_OK;
}

static int mp_lb_hls_lookup(struct mp_lb *lb, struct mp_lb_table *t, const char *s, size_t key_len,
			    uint64_t now, struct mp_lb_hls *out)
{
	char key[MP_LB_STREAM_MAX];
	void *data;
	int rc = mp_lb_key(key, key_len, s);
	if (rc != MP_OK)
		return rc == MP_ERR_TOOLONG ? MP_ERR_NOTFOUND : rc;
	(void)lb;
	if (rte_hash_lookup_data(t->h, key, &data) < 0)
		return MP_ERR_NOTFOUND;
	return mp_lb_hls_found(data, now, out);
}

int mp_lb_local_hls_by_spbhid(struct mp_lb *lb, const char *spbhid, uint64_t now, struct mp_lb_hls *out)
{
	return mp_lb_hls_lookup(lb, &lb->hls_id, spbhid, MP_LB_SPBHID_MAX, now, out);
}

int mp_lb_hls_by_stream(struct mp_lb *lb, const char *stream, uint64_t now, struct mp_lb_hls *out)
{
	return mp_lb_hls_lookup(lb, &lb->hls_stream, stream, MP_LB_STREAM_MAX, now, out);
}

/* Expire SPBHIDs unused for hls_ttl_ms, both directions at once (control plane, mp_lb_sync). */
int mp_lb_hls_sweep(struct mp_lb *lb, uint64_t now)
{
	struct mp_lb_table *ts = &lb->hls_stream, *ti = &lb->hls_id;
	const void *k;
	void *data;
	uint32_t next = 0;
	int n = 0;
	while (rte_hash_iterate(ts->h, &k, &data, &next) >= 0) {
		struct mp_lb_hls_rec *r = data;
		uint64_t used = atomic_load_explicit(&r->last_used_ms, memory_order_relaxed);
		if (now <= used || now - used < lb->cfg.hls_ttl_ms)
			continue;
		void *again;
		rte_spinlock_lock(&ts->wlock);
		/* Another sweeper may have taken it meanwhile. */
		if (rte_hash_lookup_data(ts->h, r->v.stream, &again) < 0 || again != r) {
			rte_spinlock_unlock(&ts->wlock);
			continue;
		}
		rte_hash_del_key(ts->h, r->v.stream);
		rte_hash_del_key(ti->h, r->v.spbhid);
		atomic_fetch_sub_explicit(&ts->count, 1, memory_order_relaxed);
		atomic_fetch_sub_explicit(&ti->count, 1, memory_order_relaxed);
		rte_spinlock_unlock(&ts->wlock);
		mp_lb_defer_free(lb, MP_LB_DEFER_HLS, r);
		n++;
	}
	atomic_fetch_add_explicit(&lb->expired_hls, (uint64_t)n, memory_order_relaxed);
	return n;
}

int mp_lb_hls_init(struct mp_lb *lb)
{
	int rc = mp_lb_table_create(lb, &lb->hls_stream, "hlss", lb->cfg.max_streams, MP_LB_STREAM_MAX, false);
	if (rc == MP_OK)
		rc = mp_lb_table_create(lb, &lb->hls_id, "hlsi", lb->cfg.max_streams, MP_LB_SPBHID_MAX, false);
	return rc;
}

void mp_lb_hls_fini(struct mp_lb *lb)
{
	if (lb->hls_stream.h != NULL) {
		const void *k;
		void *data;
		uint32_t next = 0;
		while (rte_hash_iterate(lb->hls_stream.h, &k, &data, &next) >= 0)
			rte_free(data);
	}
	mp_lb_table_free(&lb->hls_stream);
	mp_lb_table_free(&lb->hls_id);
}
