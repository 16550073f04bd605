/* lb_redis_admin.c: an operator's "origin del" and "origin drain" shared by every appliance on Redis. */
#include <stdio.h>
#include <stdlib.h>

#include "lb_redis_internal.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"

/*
 * Two hashes, mediaplane's own (the SRS proxy ignores them), each read once per sync:
 *   mediaplane-origin-deleted  field: origin key, value: Unix ms of the delete. An appliance forgets
 *                              its record of that origin if it was registered before then; the
 *                              origin's next registration brings it back. Fields older than
 *                              origin_ttl_ms are dropped.
 *   mediaplane-origin-drain    field: origin key, value "1" while draining (no new streams).
 * and "origin del" also deletes the origin's srs-proxy-server: key (so SRS proxies stop picking it).
 */

void mp_rds_origin_del_redis(struct mp_rds *r, const char *key, uint64_t now)
{
	char hk[MP_RDS_KEY_MAX], sk[MP_RDS_KEY_MAX];
	if (!atomic_load(&r->up) || mp_rds_key(r, hk, sizeof(hk), MP_RDS_DELETED, NULL) != MP_OK ||
	    mp_rds_key(r, sk, sizeof(sk), MP_RDS_SERVER, key) != MP_OK)
		return;
	int n = 0;
	n += mp_rds_append(r, "HSET %s %s %llu", hk, key, (unsigned long long)mp_rds_wall(r)) == MP_OK;
	n += mp_rds_append(r, "DEL %s", sk) == MP_OK;
	for (int i = 0; i < n; i++) {
		redisReply *rep;
		if (mp_rds_reply(r, now, &rep) != MP_OK)
			return;
		freeReplyObject(rep);
	}
	mp_rds_all_merge(r, now, NULL, 0, true); /* its key leaves srs-proxy-all-servers */
	MP_INFO("lb redis: origin %s deleted fleet-wide", key);
}

void mp_rds_origin_drain_redis(struct mp_rds *r, const char *key, bool draining, uint64_t now)
{
	char hk[MP_RDS_KEY_MAX];
	if (!atomic_load(&r->up) || mp_rds_key(r, hk, sizeof(hk), MP_RDS_DRAINING, NULL) != MP_OK)
		return;
	redisReply *rep = draining ? mp_rds_cmd(r, now, "HSET %s %s 1", hk, key) : mp_rds_cmd(r, now, "HDEL %s %s", hk, key);
	if (rep != NULL)
		freeReplyObject(rep);
}

void mp_rds_op_origin_removed(struct mp_lb *lb, void *ctx, const char *key)
{
	(void)lb;
	struct mp_rds *r = ctx;
	if (!mp_rds_talks(r)) {
		mp_rds_enqueue(r, MP_RDS_REQ_ORIGIN_DEL, 0, key, strnlen(key, MP_LB_ORIGIN_KEY_MAX - 1));
		return;
	}
	pthread_mutex_lock(&r->lock);
	mp_rds_origin_del_redis(r, key, mp_now_ms());
	pthread_mutex_unlock(&r->lock);
}

void mp_rds_op_origin_drained(struct mp_lb *lb, void *ctx, const char *key, bool draining)
{
	(void)lb;
	struct mp_rds *r = ctx;
	if (!mp_rds_talks(r)) {
		mp_rds_enqueue(r, MP_RDS_REQ_DRAIN, draining ? 1 : 0, key, strnlen(key, MP_LB_ORIGIN_KEY_MAX - 1));
		return;
	}
	pthread_mutex_lock(&r->lock);
	mp_rds_origin_drain_redis(r, key, draining, mp_now_ms());
	pthread_mutex_unlock(&r->lock);
}

/* HGETALL key into a flat reply (field, value, ...), or NULL. */
static redisReply *mp_rds_hgetall(struct mp_rds *r, const char *kind, uint64_t now)
{
	char hk[MP_RDS_KEY_MAX];
	if (mp_rds_key(r, hk, sizeof(hk), kind, NULL) != MP_OK)
		return NULL;
	redisReply *rep = mp_rds_cmd(r, now, "HGETALL %s", hk);
	if (rep != NULL && (rep->type != REDIS_REPLY_ARRAY || rep->elements % 2 != 0)) {
		freeReplyObject(rep);
		rep = NULL;
	}
	return rep;
}

static bool mp_rds_in(const redisReply *h, const char *key)
{
	for (size_t i = 0; h != NULL && i + 1 < h->elements; i += 2)
		if (h->element[i]->type == REDIS_REPLY_STRING && strcmp(h->element[i]->str, key) == 0)
			return true;
	return false;
}

int mp_rds_admin_sync(struct mp_rds *r, uint64_t now)
{
	struct mp_lb *lb = r->lb;
	int n = 0;
	redisReply *del = mp_rds_hgetall(r, MP_RDS_DELETED, now);
	redisReply *drn = del != NULL ? mp_rds_hgetall(r, MP_RDS_DRAINING, now) : NULL;
	if (del == NULL || drn == NULL)
		goto out;
	int64_t wall = (int64_t)mp_rds_wall(r);
	char hk[MP_RDS_KEY_MAX];
	for (size_t i = 0; i + 1 < del->elements; i += 2) {
		const redisReply *k = del->element[i], *v = del->element[i + 1];
		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		long long at = strtoll(v->str, NULL, 10);
		if (at <= 0 || wall - at > (int64_t)lb->cfg.origin_ttl_ms) {
			/* Every record from before it has expired everywhere: forget the delete. */
			if (mp_rds_key(r, hk, sizeof(hk), MP_RDS_DELETED, NULL) == MP_OK &&
			    mp_rds_append(r, "HDEL %s %s", hk, k->str) == MP_OK) {
				redisReply *rep;
				if (mp_rds_reply(r, now, &rep) == MP_OK)
					freeReplyObject(rep);
			}
			continue;
		}
		const struct mp_lb_origin *o = mp_lb_origin_find(lb, k->str);
		if (o == NULL || mp_rds_wall_of(r, now, o->updated_ms) > at)
			continue; /* unknown here, or registered again since */
		if (mp_lb_local_origin_remove(lb, k->str) == MP_OK) {
			MP_INFO("lb redis: origin %s deleted (by another appliance)", k->str);
			n++;
		}
	}
	/* The hash is the fleet's drain state while Redis is up (written back on reconnect). */
	for (size_t i = 0; i + 1 < drn->elements; i += 2) {
		const redisReply *k = drn->element[i];
		const struct mp_lb_origin *o = k->type == REDIS_REPLY_STRING ? mp_lb_origin_find(lb, k->str) : NULL;
		if (o != NULL && !o->draining && mp_lb_local_origin_drain(lb, k->str, true) == MP_OK)
			n++;
	}
	uint32_t limit = mp_lb_origin_id_limit(lb);
	for (uint32_t id = 0; id < limit; id++) {
		const struct mp_lb_origin *o = mp_lb_origin_get(lb, id);
		if (o == NULL || !o->draining || mp_rds_in(drn, o->key))
			continue;
		char key[MP_LB_ORIGIN_KEY_MAX];
		memcpy(key, o->key, sizeof(key));
		if (mp_lb_local_origin_drain(lb, key, false) == MP_OK)
			n++;
	}
out:
	if (del != NULL)
		freeReplyObject(del);
	if (drn != NULL)
		freeReplyObject(drn);
	return n;
}

void mp_rds_admin_write_back(struct mp_rds *r, uint64_t now)
{
	struct mp_lb *lb = r->lb;
	uint32_t limit = mp_lb_origin_id_limit(lb);
	for (uint32_t id = 0; id < limit && atomic_load(&r->up); id++) {
		const struct mp_lb_origin *o = mp_lb_origin_get(lb, id);
		if (o == NULL || !o->draining)
			continue;
		char key[MP_LB_ORIGIN_KEY_MAX];
		memcpy(key, o->key, sizeof(key)); /* o may go while the command waits */
		mp_rds_origin_drain_redis(r, key, true, now);
	}
}
