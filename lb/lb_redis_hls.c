/* lb_redis_hls.c: HLS SPBHIDs through Redis: one SPBHID per stream fleet-wide, readable by any appliance. */
#include <stdio.h>

#include "lb_redis_internal.h"
#include "mp_error.h"

void mp_rds_hls_publish(struct mp_rds *r, const struct mp_lb_hls *h, bool nx_stream, uint64_t now)
{
	char k1[MP_RDS_KEY_MAX], k2[MP_RDS_KEY_MAX];
	char *json = mp_lb_rjson_hls_encode(h);
	if (json == NULL || mp_rds_key(r, k1, sizeof(k1), MP_RDS_HLS, h->stream) != MP_OK ||
	    mp_rds_key(r, k2, sizeof(k2), MP_RDS_SPBHID, h->spbhid) != MP_OK) {
		mp_lb_rjson_free(json);
		return;
	}
	unsigned long long ttl = mp_rds_ttl(r->lb->cfg.hls_ttl_ms);
	int n = 0;
	n += mp_rds_append(r, "SET %s %s PX %llu", k2, json, ttl) == MP_OK;
	if (nx_stream) {
		n += mp_rds_append(r, "SET %s %s NX PX %llu", k1, json, ttl) == MP_OK;
		n += mp_rds_append(r, "PEXPIRE %s %llu", k1, ttl) == MP_OK;
	} else {
		n += mp_rds_append(r, "SET %s %s PX %llu", k1, json, ttl) == MP_OK;
	}
	for (int i = 0; i < n; i++) {
		redisReply *rep;
		if (mp_rds_reply(r, now, &rep) != MP_OK)
			break;
		freeReplyObject(rep);
	}
	mp_lb_rjson_free(json);
}

/* The stream's SPBHID in Redis, adopted locally (MP_ERR_EXISTS), or MP_OK after ours was stored
 * there and locally; MP_ERR_REDIS when Redis failed. Lock held, nothing local for stream. */
static int mp_rds_hls_shared(struct mp_rds *r, const char *stream, const char *spbhid,
			     const char *full_url, uint64_t now, struct mp_lb_hls *out)
{
	struct mp_lb *lb = r->lb;
	struct mp_lb_hls mine, theirs;
	char key[MP_RDS_KEY_MAX];
	memset(&mine, 0, sizeof(mine));
	if (mp_lb_key(mine.stream, sizeof(mine.stream), stream) != MP_OK ||
	    mp_lb_key(mine.spbhid, sizeof(mine.spbhid), spbhid) != MP_OK ||
	    (full_url != NULL && strlen(full_url) >= sizeof(mine.full_url)) ||
	    mp_rds_key(r, key, sizeof(key), MP_RDS_HLS, stream) != MP_OK)
		return mp_lb_local_hls_load_or_store(lb, stream, spbhid, full_url, now, out); /* says why */
	if (full_url != NULL)
		snprintf(mine.full_url, sizeof(mine.full_url), "%s", full_url);
	char *json = mp_lb_rjson_hls_encode(&mine);
	if (json == NULL)
		return MP_ERR_NOMEM;
	unsigned long long ttl = mp_rds_ttl(lb->cfg.hls_ttl_ms);
	redisReply *rep = mp_rds_cmd(r, now, "SET %s %s NX PX %llu", key, json, ttl);
	mp_lb_rjson_free(json);
	if (rep == NULL)
		return MP_ERR_REDIS;
	bool set = rep->type == REDIS_REPLY_STATUS;
	freeReplyObject(rep);
	if (set) {
		mp_rds_hls_publish(r, &mine, false, now);
		return mp_lb_local_hls_load_or_store(lb, stream, spbhid, full_url, now, out);
	}
	if ((rep = mp_rds_cmd(r, now, "GET %s", key)) == NULL)
		return MP_ERR_REDIS;
	int rc = rep->type == REDIS_REPLY_STRING ? mp_lb_rjson_hls_decode(rep->str, rep->len, &theirs)
						 : MP_ERR_NOTFOUND;
	freeReplyObject(rep);
	if (rc != MP_OK || strcmp(theirs.stream, mine.stream) != 0) {
		if (rc != MP_ERR_NOTFOUND)
			r->st.bad_records++;
		/* Expired meanwhile, or garbage: ours replaces it. */
		mp_rds_hls_publish(r, &mine, false, now);
		return mp_lb_local_hls_load_or_store(lb, stream, spbhid, full_url, now, out);
	}
	r->st.remote_hits++;
	mp_rds_hls_publish(r, &theirs, true, now); /* renew, and restore its spbhid key if it expired */
	rc = mp_lb_local_hls_load_or_store(lb, theirs.stream, theirs.spbhid, theirs.full_url, now, out);
	if (rc == MP_OK)
		return MP_ERR_EXISTS; /* the stream already had an SPBHID (another appliance's) */
	if (rc != MP_ERR_EXISTS && out != NULL)
		*out = theirs;
	return MP_ERR_EXISTS;
}

int mp_rds_op_hls_load_or_store(struct mp_lb *lb, void *ctx, const char *stream, const char *spbhid,
				       const char *full_url, uint64_t now, struct mp_lb_hls *out)
{
	struct mp_rds *r = ctx;
	struct mp_lb_hls cur;
	if (!mp_rds_talks(r)) {
		/* Local answer; the Redis thread publishes (or renews) the stream's SPBHID. Two
		 * appliances giving a new stream its first SPBHID at once keep one each; each is in
		 * Redis under srs-proxy-spbhid:, so every appliance routes both. */
		int rc = mp_lb_local_hls_load_or_store(lb, stream, spbhid, full_url, now, out);
		if ((rc == MP_OK || rc == MP_ERR_EXISTS) && atomic_load(&r->up))
			mp_rds_enqueue(r, MP_RDS_REQ_HLS, 0, stream, strnlen(stream, MP_LB_STREAM_MAX - 1));
		return rc;
	}
	pthread_mutex_lock(&r->lock);
	int rc;
	if (mp_lb_hls_by_stream(lb, stream, now, &cur) == MP_OK) {
		/* Known here: renew it in Redis too (an m3u8 request every few seconds keeps it). */
		if (atomic_load(&r->up))
			mp_rds_hls_publish(r, &cur, true, now);
		if (out != NULL)
			*out = cur;
		rc = MP_ERR_EXISTS;
	} else {
		rc = atomic_load(&r->up) ? mp_rds_hls_shared(r, stream, spbhid, full_url, now, out) : MP_ERR_REDIS;
		if (rc == MP_ERR_REDIS)
			rc = mp_lb_local_hls_load_or_store(lb, stream, spbhid, full_url, now, out);
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int mp_rds_op_hls_by_spbhid(struct mp_lb *lb, void *ctx, const char *spbhid, uint64_t now,
				   struct mp_lb_hls *out)
{
	struct mp_rds *r = ctx;
	if (!mp_rds_talks(r)) {
		/* Unknown here: the Redis thread looks it up; the client's retry finds it. */
		int rc = mp_lb_local_hls_by_spbhid(lb, spbhid, now, out);
		if (rc == MP_ERR_NOTFOUND && atomic_load(&r->up))
			mp_rds_enqueue(r, MP_RDS_REQ_SPBHID, 0, spbhid, strnlen(spbhid, MP_LB_SPBHID_MAX - 1));
		return rc;
	}
	pthread_mutex_lock(&r->lock);
	int rc = mp_lb_local_hls_by_spbhid(lb, spbhid, now, out);
	if (rc == MP_ERR_NOTFOUND && atomic_load(&r->up))
		rc = mp_rds_spbhid_fetch(r, spbhid, now, out);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int mp_rds_spbhid_fetch(struct mp_rds *r, const char *spbhid, uint64_t now, struct mp_lb_hls *out)
{
	struct mp_lb *lb = r->lb;
	char key[MP_RDS_KEY_MAX];
	struct mp_lb_hls h;
	int rc = MP_ERR_NOTFOUND;
	if (mp_rds_key(r, key, sizeof(key), MP_RDS_SPBHID, spbhid) != MP_OK)
		return rc;
	/* Another appliance (or a Go proxy) served the m3u8 that carried this SPBHID. */
	redisReply *rep = mp_rds_cmd(r, now, "GET %s", key);
	if (rep == NULL)
		return rc;
	if (rep->type == REDIS_REPLY_STRING) {
		if (mp_lb_rjson_hls_decode(rep->str, rep->len, &h) == MP_OK && strcmp(h.spbhid, spbhid) == 0) {
			r->st.remote_hits++;
			/* Mirror it; if this appliance has another SPBHID for the stream, answer from Redis. */
			if (mp_lb_local_hls_load_or_store(lb, h.stream, h.spbhid, h.full_url, now, NULL) != MP_OK ||
			    mp_lb_local_hls_by_spbhid(lb, spbhid, now, out) != MP_OK) {
				if (out != NULL)
					*out = h;
			}
			rc = MP_OK;
		} else {
			r->st.bad_records++;
		}
	}
	freeReplyObject(rep);
	return rc;
}
