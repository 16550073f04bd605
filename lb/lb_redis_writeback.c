/* lb_redis_writeback.c: local state written back when Redis returns, and TTLs renewed while in use. */
#include <stdio.h>
#include <stdlib.h>

#include "lb_redis_internal.h"
#include "mp_error.h"
#include "mp_log.h"

struct mp_rds_batch {
	struct mp_rds *r;
	uint64_t now;
	unsigned int pending;
	int written;
	bool failed;
};

static void mp_rds_batch_flush(struct mp_rds_batch *b)
{
	for (; b->pending > 0; b->pending--) {
		redisReply *rep;
		if (b->failed || mp_rds_reply(b->r, b->now, &rep) != MP_OK) {
			b->failed = true;
			continue;
		}
		if (rep->type == REDIS_REPLY_STATUS || (rep->type == REDIS_REPLY_INTEGER && rep->integer == 1))
			b->written++; /* nil: NX found a value already there; 0: PEXPIRE found no key */
		freeReplyObject(rep);
	}
}

static void mp_rds_batch_set(struct mp_rds_batch *b, const char *key, const char *val, uint64_t px)
{
	if (b->failed)
		return;
	int rc = px ? mp_rds_append(b->r, "SET %s %s NX PX %llu", key, val, (unsigned long long)px)
		    : mp_rds_append(b->r, "SET %s %s NX", key, val);
	if (rc != MP_OK) {
		b->failed = true;
		return;
	}
	if (++b->pending >= MP_RDS_BATCH)
		mp_rds_batch_flush(b);
}

static uint64_t mp_rds_left(uint64_t ttl, uint64_t now, uint64_t last)
{
	uint64_t age = now > last ? now - last : 0;
	return age < ttl ? ttl - age : 0;
}

static void mp_rds_write_origins(struct mp_rds_batch *b)
{
	struct mp_rds *r = b->r;
	struct mp_lb *lb = r->lb;
	struct mp_rds_keys ks = { 0 };
	uint32_t limit = mp_lb_origin_id_limit(lb);
	for (uint32_t id = 0; id < limit && !b->failed; id++) {
		const struct mp_lb_origin *o = mp_lb_origin_get(lb, id);
		uint64_t left = o != NULL ? mp_rds_left(lb->cfg.origin_ttl_ms, b->now, o->updated_ms) : 0;
		char key[MP_RDS_KEY_MAX];
		struct mp_registration reg;
		if (left == 0 || mp_rds_key(r, key, sizeof(key), MP_RDS_SERVER, o->key) != MP_OK)
			continue;
		mp_rds_origin_reg(r, o, &reg);
		char *json = mp_lb_rjson_server_encode(&reg, mp_rds_wall_of(r, b->now, o->updated_ms));
		if (json == NULL)
			continue;
		mp_rds_batch_set(b, key, json, left);
		mp_lb_rjson_free(json);
		mp_rds_keys_add(&ks, key, strlen(key));
	}
	mp_rds_batch_flush(b);
	if (!b->failed && ks.n > 0)
		mp_rds_all_merge(r, b->now, ks.v, ks.n, false);
	mp_rds_keys_free(&ks);
}

static void mp_rds_write_picks(struct mp_rds_batch *b)
{
	struct mp_rds *r = b->r;
	struct mp_lb *lb = r->lb;
	const void *k;
	void *data;
	uint32_t next = 0;
	char key[MP_RDS_KEY_MAX], skey[MP_RDS_KEY_MAX], stream[MP_LB_STREAM_MAX];
	while (!b->failed && rte_hash_iterate(lb->picks.h, &k, &data, &next) >= 0) {
		uint64_t w = mp_lb_p2u(data);
		const struct mp_lb_origin *o = mp_lb_origin_get(lb, (uint32_t)w);
		if (o == NULL || o->uid != (uint32_t)(w >> 32))
			continue;
		mp_rds_copy(stream, sizeof(stream), k, strnlen(k, MP_LB_STREAM_MAX));
		if (mp_rds_key(r, key, sizeof(key), MP_RDS_URL, stream) == MP_OK &&
		    mp_rds_key(r, skey, sizeof(skey), MP_RDS_SERVER, o->key) == MP_OK)
			mp_rds_batch_set(b, key, skey, 0);
	}
	mp_rds_batch_flush(b);
}

static void mp_rds_write_webrtc(struct mp_rds_batch *b)
{
	struct mp_rds *r = b->r;
	struct mp_lb *lb = r->lb;
	const void *k;
	void *data;
	uint32_t next = 0;
	char k1[MP_RDS_KEY_MAX], k2[MP_RDS_KEY_MAX];
	while (!b->failed && rte_hash_iterate(lb->webrtc.h, &k, &data, &next) >= 0) {
		const struct mp_lb_webrtc *e = data;
		uint64_t seen = atomic_load_explicit(&e->last_seen_ms, memory_order_relaxed);
		uint64_t left = mp_rds_left(mp_rds_ttl(lb->cfg.webrtc_ttl_ms), b->now, seen);
		if (left == 0 || mp_rds_key(r, k1, sizeof(k1), MP_RDS_UFRAG, e->username) != MP_OK ||
		    mp_rds_key(r, k2, sizeof(k2), MP_RDS_RTC, e->stream) != MP_OK)
			continue;
		char *json = mp_rds_rtc_json(lb, e->stream, e->username, e->ice_pwd, e->media_ipv4, e->media_port);
		if (json == NULL)
			continue;
		mp_rds_batch_set(b, k1, json, left);
		mp_rds_batch_set(b, k2, json, left);
		mp_lb_rjson_free(json);
	}
	mp_rds_batch_flush(b);
}

static void mp_rds_write_hls(struct mp_rds_batch *b)
{
	struct mp_rds *r = b->r;
	struct mp_lb *lb = r->lb;
	const void *k;
	void *data;
	uint32_t next = 0;
	char k1[MP_RDS_KEY_MAX], k2[MP_RDS_KEY_MAX];
	while (!b->failed && rte_hash_iterate(lb->hls_stream.h, &k, &data, &next) >= 0) {
		const struct mp_lb_hls_rec *h = data;
		uint64_t used = atomic_load_explicit(&h->last_used_ms, memory_order_relaxed);
		uint64_t left = mp_rds_left(mp_rds_ttl(lb->cfg.hls_ttl_ms), b->now, used);
		if (left == 0 || mp_rds_key(r, k1, sizeof(k1), MP_RDS_HLS, h->v.stream) != MP_OK ||
		    mp_rds_key(r, k2, sizeof(k2), MP_RDS_SPBHID, h->v.spbhid) != MP_OK)
			continue;
		char *json = mp_lb_rjson_hls_encode(&h->v);
		if (json == NULL)
			continue;
		mp_rds_batch_set(b, k1, json, left);
		mp_rds_batch_set(b, k2, json, left);
		mp_lb_rjson_free(json);
	}
	mp_rds_batch_flush(b);
}

int mp_rds_write_back(struct mp_rds *r, uint64_t now)
{
	/* NX everywhere: what another appliance wrote while we were away is as good as ours. */
	struct mp_rds_batch b = { .r = r, .now = now };
	mp_rds_write_origins(&b);
	mp_rds_write_picks(&b);
	mp_rds_write_webrtc(&b);
	mp_rds_write_hls(&b);
	if (!b.failed)
		mp_rds_admin_write_back(r, now);
	r->st.writebacks += (uint64_t)b.written;
	return b.failed ? MP_ERR_REDIS : b.written;
}

/* PEXPIRE key to left ms, pipelined. */
static void mp_rds_batch_expire(struct mp_rds_batch *b, const char *key, uint64_t left)
{
	if (b->failed || left == 0)
		return;
	if (mp_rds_append(b->r, "PEXPIRE %s %llu", key, (unsigned long long)left) != MP_OK) {
		b->failed = true;
		return;
	}
	if (++b->pending >= MP_RDS_BATCH)
		mp_rds_batch_flush(b);
}

void mp_rds_renew(struct mp_rds *r, uint64_t now)
{
	struct mp_lb *lb = r->lb;
	uint64_t wttl = mp_rds_ttl(lb->cfg.webrtc_ttl_ms), httl = mp_rds_ttl(lb->cfg.hls_ttl_ms);
	uint64_t period = (wttl < httl ? wttl : httl) / 4;
	if (r->renewed_ms != 0 && now >= r->renewed_ms && now - r->renewed_ms < period)
		return;
	uint64_t since = r->renewed_ms;
	r->renewed_ms = now;
	struct mp_rds_batch b = { .r = r, .now = now };
	const void *k;
	void *data;
	uint32_t next = 0;
	char key[MP_RDS_KEY_MAX], key2[MP_RDS_KEY_MAX];
	/* Only what was used since the last pass: the rest expires in Redis as it does here. */
	while (!b.failed && rte_hash_iterate(lb->webrtc.h, &k, &data, &next) >= 0) {
		const struct mp_lb_webrtc *e = data;
		uint64_t seen = atomic_load_explicit(&e->last_seen_ms, memory_order_relaxed);
		if (seen <= since || seen == e->created_ms)
			continue;
		uint64_t left = mp_rds_left(wttl, now, seen);
		/* Both keys before the first expire: a flush may wait offline, e may go meanwhile. */
		int k1 = mp_rds_key(r, key, sizeof(key), MP_RDS_UFRAG, e->username);
		int k2 = mp_rds_key(r, key2, sizeof(key2), MP_RDS_RTC, e->stream);
		if (k1 == MP_OK)
			mp_rds_batch_expire(&b, key, left);
		if (k2 == MP_OK)
			mp_rds_batch_expire(&b, key2, left);
	}
	next = 0;
	while (!b.failed && rte_hash_iterate(lb->hls_stream.h, &k, &data, &next) >= 0) {
		const struct mp_lb_hls_rec *h = data;
		uint64_t used = atomic_load_explicit(&h->last_used_ms, memory_order_relaxed);
		if (used <= since)
			continue;
		uint64_t left = mp_rds_left(httl, now, used);
		int k1 = mp_rds_key(r, key, sizeof(key), MP_RDS_SPBHID, h->v.spbhid);
		int k2 = mp_rds_key(r, key2, sizeof(key2), MP_RDS_HLS, h->v.stream);
		if (k1 == MP_OK)
			mp_rds_batch_expire(&b, key, left);
		if (k2 == MP_OK)
			mp_rds_batch_expire(&b, key2, left);
	}
	mp_rds_batch_flush(&b);
}
