/* lb_webrtc.c: ICE username "answerUfrag:offerUfrag" -> {stream, origin, media address}, idle-expired. */
#include <rte_malloc.h>

#include "lb_internal.h"
#include "mp_error.h"
#include "mp_log.h"

static void mp_lb_webrtc_copy(struct mp_lb_webrtc *out, const struct mp_lb_webrtc *e)
{
	memcpy(out->username, e->username, sizeof(out->username));
	memcpy(out->ice_pwd, e->ice_pwd, sizeof(out->ice_pwd));
	memcpy(out->stream, e->stream, sizeof(out->stream));
	out->origin_id = e->origin_id;
	out->media_ipv4 = e->media_ipv4;
	out->media_port = e->media_port;
	out->created_ms = e->created_ms;
	atomic_store_explicit(&out->last_seen_ms,
			      atomic_load_explicit(&e->last_seen_ms, memory_order_relaxed), memory_order_relaxed);
	atomic_store_explicit(&out->session, atomic_load_explicit(&e->session, memory_order_relaxed),
			      memory_order_relaxed);
	out->uid = e->uid;
}

int mp_lb_local_webrtc_store(struct mp_lb *lb, const char *username, const char *ice_pwd, const char *stream,
			     uint32_t origin_id, uint32_t media_ipv4, uint16_t media_port, uint64_t now)
{
	char key[MP_LB_USERNAME_MAX];
	char skey[MP_LB_STREAM_MAX];
	int rc = mp_lb_key(key, sizeof(key), username);
	if (rc == MP_OK)
		rc = mp_lb_key(skey, sizeof(skey), stream);
	if (rc != MP_OK)
		return rc;
	if (ice_pwd != NULL && strnlen(ice_pwd, MP_LB_ICE_PWD_MAX) >= MP_LB_ICE_PWD_MAX)
		return MP_ERR_TOOLONG;
	struct mp_lb_webrtc *e = rte_zmalloc_socket("mp_lb_webrtc", sizeof(*e), 0, lb->cfg.socket_id);
	if (e == NULL)
		return MP_ERR_NOMEM;
	memcpy(e->username, key, sizeof(key));
	memcpy(e->stream, skey, sizeof(skey));
	if (ice_pwd != NULL)
		memcpy(e->ice_pwd, ice_pwd, strlen(ice_pwd));
	e->origin_id = origin_id;
	e->media_ipv4 = media_ipv4;
	e->media_port = media_port;
	e->created_ms = now;
	atomic_store_explicit(&e->last_seen_ms, now, memory_order_relaxed);

	struct mp_lb_table *t = &lb->webrtc;
	void *old = NULL;
	rte_spinlock_lock(&t->wlock);
	bool found = rte_hash_lookup_data(t->h, key, &old) >= 0;
	if (found) { /* a re-store (renegotiation, Redis mirror) keeps the link to the live session */
		const struct mp_lb_webrtc *o = old;

		atomic_store_explicit(&e->session, atomic_load_explicit(&o->session, memory_order_relaxed),
				      memory_order_relaxed);
		/* and the password: one username has one (an ICE restart changes both), and a record
		 * mirrored without it must not erase what the answer said */
		if (e->ice_pwd[0] == '\0')
			memcpy(e->ice_pwd, o->ice_pwd, sizeof(e->ice_pwd));
		e->uid = o->uid; /* the same username: sessions naming it keep finding it */
	} else {
		if (++lb->webrtc_uid_next == 0)
			++lb->webrtc_uid_next;
		e->uid = lb->webrtc_uid_next;
	}
	if ((!found && atomic_load_explicit(&t->count, memory_order_relaxed) >= t->cap) ||
	    rte_hash_add_key_data(t->h, key, e) != 0) {
		atomic_fetch_add_explicit(&t->refused, 1, memory_order_relaxed);
		rte_spinlock_unlock(&t->wlock);
		rte_free(e); /* never published */
		return MP_ERR_FULL;
	}
	if (!found)
		atomic_fetch_add_explicit(&t->count, 1, memory_order_relaxed);
	rte_spinlock_unlock(&t->wlock);
	if (found)
		mp_lb_defer_free(lb, MP_LB_DEFER_WEBRTC, old);
	return MP_OK;
}

const struct mp_lb_webrtc *mp_lb_webrtc_find(struct mp_lb *lb, const char *username, size_t len)
{
	char key[MP_LB_USERNAME_MAX];
	void *data;
	if (username == NULL || len == 0 || len >= sizeof(key))
		return NULL;
	memset(key, 0, sizeof(key));
	memcpy(key, username, len);
	if (rte_hash_lookup_data(lb->webrtc.h, key, &data) < 0)
		return NULL;
	return data;
}

int mp_lb_local_webrtc_load(struct mp_lb *lb, const char *username, uint64_t now,
			    struct mp_lb_webrtc *out)
{
	if (username == NULL)
		return MP_ERR_INVAL;
	const struct mp_lb_webrtc *e = mp_lb_webrtc_find(lb, username, strnlen(username, MP_LB_USERNAME_MAX));
	if (e == NULL)
		return MP_ERR_NOTFOUND;
	mp_lb_webrtc_touch(e, now);
	mp_lb_webrtc_copy(out, e);
	return MP_OK;
}

int mp_lb_webrtc_iterate(struct mp_lb *lb, uint32_t *next, struct mp_lb_webrtc *out)
{
	const void *k;
	void *data;

	if (rte_hash_iterate(lb->webrtc.h, &k, &data, next) < 0)
		return MP_ERR_NOTFOUND;
	mp_lb_webrtc_copy(out, data);
	return MP_OK;
}

/* Remove key if it still maps to expect (NULL: whatever it maps to). */
static int mp_lb_webrtc_del(struct mp_lb *lb, const char *key, const void *expect)
{
	struct mp_lb_table *t = &lb->webrtc;
	void *data;
	rte_spinlock_lock(&t->wlock);
	if (rte_hash_lookup_data(t->h, key, &data) < 0 || (expect != NULL && data != expect)) {
		rte_spinlock_unlock(&t->wlock);
		return MP_ERR_NOTFOUND;
	}
	rte_hash_del_key(t->h, key);
	atomic_fetch_sub_explicit(&t->count, 1, memory_order_relaxed);
	rte_spinlock_unlock(&t->wlock);
	mp_lb_defer_free(lb, MP_LB_DEFER_WEBRTC, data);
	return MP_OK;
}

int mp_lb_webrtc_remove(struct mp_lb *lb, const char *username)
{
	char key[MP_LB_USERNAME_MAX];
	int rc = mp_lb_key(key, sizeof(key), username);
	if (rc != MP_OK)
		return rc == MP_ERR_TOOLONG ? MP_ERR_NOTFOUND : rc;
	return mp_lb_webrtc_del(lb, key, NULL);
}

/* Expire usernames unused for webrtc_ttl_ms (control plane, from mp_lb_sync). */
int mp_lb_webrtc_sweep(struct mp_lb *lb, uint64_t now)
{
	const void *k;
	void *data;
	uint32_t next = 0;
	int n = 0;
	char key[MP_LB_USERNAME_MAX];
	while (rte_hash_iterate(lb->webrtc.h, &k, &data, &next) >= 0) {
		const struct mp_lb_webrtc *e = data;
		uint64_t seen = atomic_load_explicit(&e->last_seen_ms, memory_order_relaxed);
		if (now <= seen || now - seen < lb->cfg.webrtc_ttl_ms)
			continue;
		memcpy(key, k, sizeof(key));
		if (mp_lb_webrtc_del(lb, key, e) == MP_OK)
			n++;
	}
	atomic_fetch_add_explicit(&lb->expired_webrtc, (uint64_t)n, memory_order_relaxed);
	return n;
}

int mp_lb_webrtc_init(struct mp_lb *lb)
{
	return mp_lb_table_create(lb, &lb->webrtc, "ufrag", lb->cfg.max_webrtc, MP_LB_USERNAME_MAX, false);
}

void mp_lb_webrtc_fini(struct mp_lb *lb)
{
	if (lb->webrtc.h != NULL) {
		const void *k;
		void *data;
		uint32_t next = 0;
		while (rte_hash_iterate(lb->webrtc.h, &k, &data, &next) >= 0)
			rte_free(data);
	}
	mp_lb_table_free(&lb->webrtc);
}
