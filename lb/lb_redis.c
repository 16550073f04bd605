/* lb_redis.c: the Redis backend: lifecycle, the origin, pick and WebRTC operations, sync, public calls. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_errno.h>

#include "lb_redis_internal.h"
#include "mp_error.h"
#include "mp_log.h"

#undef MP_LOG_MODULE
#define MP_LOG_MODULE MP_LOGM_REDIS

static _Atomic unsigned int mp_rds_instances;

/* ---- backend operations ---- */

static bool mp_rds_serves(struct mp_lb *lb, const struct mp_lb_origin *o, enum mp_reg_proto proto,
			  uint64_t now)
{
	return o != NULL && (unsigned)proto < MP_PROTO__COUNT && o->n_ep[proto] > 0 &&
	       mp_lb_origin_alive(lb, o, now);
}

static void mp_rds_ident_set(struct mp_rds *r, int id, const struct mp_registration *reg)
{
	const struct mp_lb_origin *o = id >= 0 ? mp_lb_origin_get(r->lb, (uint32_t)id) : NULL;
	if (o == NULL)
		return;
	struct mp_rds_ident *e = &r->ident[id];
	if (e->uid != o->uid)
		e->listed_gen = 0, e->json_sum = 0; /* another origin in this slot: nothing known */
	e->uid = o->uid;
	snprintf(e->server, sizeof(e->server), "%s", reg->server);
	snprintf(e->service, sizeof(e->service), "%s", reg->service);
	snprintf(e->pid, sizeof(e->pid), "%s", reg->pid);
}

void mp_rds_origin_publish_req(struct mp_rds *r, const struct mp_rds_req *q, uint64_t now)
{
	/* s: "server\0service\0pid\0", as mp_rds_op_origin_update queued it. */
	struct mp_registration reg;
	memset(&reg, 0, sizeof(reg));
	const char *p = q->s, *end = q->s + q->len;
	char *f[3] = { reg.server, reg.service, reg.pid };
	for (int i = 0; i < 3 && p < end; i++) {
		size_t n = strnlen(p, (size_t)(end - p));
		mp_rds_copy(f[i], MP_REG_MAX_FIELD, p, n);
		p += n + 1;
	}
	const struct mp_lb_origin *o = mp_lb_origin_get(r->lb, q->id);
	if (o == NULL)
		return;
	mp_rds_ident_set(r, (int)q->id, &reg);
	mp_rds_publish_origin(r, o, now, false);
}

static int mp_rds_op_origin_update(struct mp_lb *lb, void *ctx, const struct mp_registration *reg,
				   uint64_t now)
{
	struct mp_rds *r = ctx;
	if (!mp_rds_talks(r)) {
		/* The Redis thread publishes it (with the identity it registered with). */
		int id = mp_lb_local_origin_update(lb, reg, now);
		if (id >= 0) {
			char s[3 * MP_REG_MAX_FIELD];
			int n = snprintf(s, sizeof(s), "%s%c%s%c%s", reg->server, 0, reg->service, 0, reg->pid);
			if (n > 0 && (size_t)n < sizeof(s))
				mp_rds_enqueue(r, MP_RDS_REQ_ORIGIN, (uint32_t)id, s, (size_t)n + 1);
		}
		return id;
	}
	pthread_mutex_lock(&r->lock);
	int id = mp_lb_local_origin_update(lb, reg, now);
	if (id >= 0) {
		mp_rds_ident_set(r, id, reg);
		/* Redis down: the write-back publishes it when Redis returns. */
		if (atomic_load(&r->up))
			mp_rds_publish_origin(r, mp_lb_origin_get(lb, (uint32_t)id), now, false);
	}
	pthread_mutex_unlock(&r->lock);
	return id;
}

/* An operator's weight: local, then the origin's record in Redis carries it to the other appliances. */
static int mp_rds_op_origin_weight(struct mp_lb *lb, void *ctx, const char *key, uint32_t weight, uint64_t now)
{
	struct mp_rds *r = ctx;
	pthread_mutex_lock(&r->lock);
	int rc = mp_lb_local_origin_weight(lb, key, weight);
	if (rc == MP_OK && atomic_load(&r->up))
		mp_rds_publish_origin(r, mp_lb_origin_find(lb, key), now, false);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int mp_rds_pick_shared(struct mp_rds *r, const char *stream, enum mp_reg_proto proto, uint64_t now,
		       struct mp_lb_target *out)
{
	struct mp_lb *lb = r->lb;
	char key[MP_RDS_KEY_MAX], skey[MP_RDS_KEY_MAX], mine[MP_RDS_KEY_MAX];
	if (mp_rds_key(r, key, sizeof(key), MP_RDS_URL, stream) != MP_OK)
		return mp_lb_local_pick(lb, stream, proto, now, out); /* too long: local says why */
	bool pinned = false;
	for (int round = 0; round < 2; round++) {
		redisReply *rep = mp_rds_cmd(r, now, "GET %s", key);
		if (rep == NULL)
			return MP_ERR_REDIS;
		pinned = rep->type == REDIS_REPLY_STRING && rep->len > 0 && rep->len < sizeof(skey);
		if (pinned)
			memcpy(skey, rep->str, rep->len + 1);
		freeReplyObject(rep);
		if (pinned) {
			/* Pinned (by us, another appliance or a Go proxy): follow it while it serves proto. */
			const struct mp_lb_origin *o = mp_rds_origin_by_key(r, skey, now);
			if (mp_rds_serves(lb, o, proto, now)) {
				uint32_t cur;
				if (mp_lb_pick_peek(lb, stream, &cur) != MP_OK || cur != o->id) {
					if (mp_lb_local_pick_set(lb, stream, o->id) == MP_OK)
						r->st.picks_adopted++;
				}
				return mp_lb_local_pick(lb, stream, proto, now, out);
			}
		}
		if (round == 1)
			break;
		int rc = mp_lb_local_pick(lb, stream, proto, now, out);
		if (rc == MP_ERR_NOORIGIN && (now < r->refreshed_ms || now - r->refreshed_ms >= 1000) &&
		    mp_rds_refresh_origins(r, now) > 0) /* origins newer than the last sync, once a second */
			rc = mp_lb_local_pick(lb, stream, proto, now, out);
		if (rc != MP_OK)
			return rc;
		const struct mp_lb_origin *o = mp_lb_origin_get(lb, out->origin_id);
		if (o == NULL || mp_rds_key(r, mine, sizeof(mine), MP_RDS_SERVER, o->key) != MP_OK)
			return MP_OK;
		/* A new pin races with other appliances (NX: the first one wins, the others adopt it);
		 * a pin to an origin that no longer serves is overwritten (the Go proxy keeps it). */
		rep = pinned ? mp_rds_cmd(r, now, "SET %s %s", key, mine)
			     : mp_rds_cmd(r, now, "SET %s %s NX", key, mine);
		if (rep == NULL)
			return MP_OK; /* the local pick stands; written back when Redis returns */
		bool set = rep->type == REDIS_REPLY_STATUS;
		freeReplyObject(rep);
		if (set) {
			r->st.picks_published++;
			return MP_OK;
		}
		/* Lost the NX race: read the winner's pick (round 1). */
	}
	return MP_OK; /* the winner's origin does not serve proto here: keep ours locally */
}

static int mp_rds_op_pick(struct mp_lb *lb, void *ctx, const char *stream, enum mp_reg_proto proto,
			  uint64_t now, struct mp_lb_target *out)
{
	struct mp_rds *r = ctx;
	if (!mp_rds_talks(r)) {
		/* Never touch Redis here: answer locally (pins made elsewhere are mirrored each sync),
		 * hand a new pin to the thread that talks to Redis (NX: if another appliance pinned the
		 * stream first, the local pin follows theirs). */
		uint32_t before;
		bool had = mp_lb_pick_peek(lb, stream, &before) == MP_OK;
		int rc = mp_lb_local_pick(lb, stream, proto, now, out);
		if (rc == MP_OK && (!had || before != out->origin_id || out->repicked) && atomic_load(&r->up))
			mp_rds_enqueue(r, MP_RDS_REQ_PICK, 0, stream, strnlen(stream, MP_LB_STREAM_MAX - 1));
		return rc;
	}
	pthread_mutex_lock(&r->lock);
	int rc = MP_ERR_REDIS;
	if (atomic_load(&r->up))
		rc = mp_rds_pick_shared(r, stream, proto, now, out);
	if (rc == MP_ERR_REDIS)
		rc = mp_lb_local_pick(lb, stream, proto, now, out);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

static int mp_rds_op_webrtc_store(struct mp_lb *lb, void *ctx, const char *username, const char *ice_pwd,
				  const char *stream, uint32_t origin_id, uint32_t media_ipv4, uint16_t media_port,
				  uint64_t now)
{
	struct mp_rds *r = ctx;
	if (!mp_rds_talks(r)) {
		int rc = mp_lb_local_webrtc_store(lb, username, ice_pwd, stream, origin_id, media_ipv4, media_port,
						  now);
		if (rc == MP_OK && atomic_load(&r->up))
			mp_rds_enqueue(r, MP_RDS_REQ_WEBRTC, 0, username, strnlen(username, MP_LB_USERNAME_MAX - 1));
		return rc;
	}
	pthread_mutex_lock(&r->lock);
	int rc = mp_lb_local_webrtc_store(lb, username, ice_pwd, stream, origin_id, media_ipv4, media_port, now);
	if (rc == MP_OK)
		mp_rds_webrtc_publish(r, username, ice_pwd, stream, origin_id, media_ipv4, media_port, now);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

char *mp_rds_rtc_json(struct mp_lb *lb, const char *stream, const char *username, const char *ice_pwd,
		      uint32_t media_ipv4, uint16_t media_port)
{
	const uint8_t *a6 = mp_lb_origin6_is_standin(media_ipv4) ? mp_lb_origin6_addr(lb, media_ipv4) : NULL;

	if (mp_lb_is_standin(media_ipv4) && a6 == NULL)
		media_ipv4 = 0; /* a stand-in means nothing to another appliance */
	return mp_lb_rjson_rtc_encode_media(stream, username, ice_pwd, media_ipv4, a6, media_port);
}

void mp_rds_webrtc_publish(struct mp_rds *r, const char *username, const char *ice_pwd, const char *stream,
			   uint32_t origin_id, uint32_t media_ipv4, uint16_t media_port, uint64_t now)
{
	struct mp_lb *lb = r->lb;
	char *json = NULL;
	char k1[MP_RDS_KEY_MAX], k2[MP_RDS_KEY_MAX], k3[MP_RDS_KEY_MAX], sk[MP_RDS_KEY_MAX];
	if (!atomic_load(&r->up) ||
	    mp_rds_key(r, k1, sizeof(k1), MP_RDS_RTC, stream) != MP_OK ||
	    mp_rds_key(r, k2, sizeof(k2), MP_RDS_UFRAG, username) != MP_OK ||
	    (json = mp_rds_rtc_json(lb, stream, username, ice_pwd, media_ipv4, media_port)) == NULL)
		goto out;
	unsigned long long ttl = mp_rds_ttl(lb->cfg.webrtc_ttl_ms);
	int n = 0;
	n += mp_rds_append(r, "SET %s %s PX %llu", k1, json, ttl) == MP_OK;
	n += mp_rds_append(r, "SET %s %s PX %llu", k2, json, ttl) == MP_OK;
	/* Another appliance finds the origin through the stream's pick, as the Go proxy does. */
	const struct mp_lb_origin *o = mp_lb_origin_get(lb, origin_id);
	if (o != NULL && mp_rds_key(r, k3, sizeof(k3), MP_RDS_URL, stream) == MP_OK &&
	    mp_rds_key(r, sk, sizeof(sk), MP_RDS_SERVER, o->key) == MP_OK)
		n += mp_rds_append(r, "SET %s %s NX", k3, sk) == MP_OK;
	for (int i = 0; i < n; i++) {
		redisReply *rep;
		if (mp_rds_reply(r, now, &rep) != MP_OK)
			break;
		freeReplyObject(rep);
	}
out:
	mp_lb_rjson_free(json);
}

static int mp_rds_op_webrtc_load(struct mp_lb *lb, void *ctx, const char *username, uint64_t now,
				 struct mp_lb_webrtc *out)
{
	struct mp_rds *r = ctx;
	if (!mp_rds_talks(r)) {
		int rc = mp_lb_local_webrtc_load(lb, username, now, out);
		if (rc == MP_ERR_NOTFOUND) /* asked again later, the answer is local */
			mp_lb_redis_ufrag_miss(lb, username, strnlen(username, MP_LB_USERNAME_MAX));
		return rc;
	}
	pthread_mutex_lock(&r->lock);
	int rc = mp_lb_local_webrtc_load(lb, username, now, out);
	if (rc == MP_ERR_NOTFOUND && atomic_load(&r->up))
		rc = mp_rds_ufrag_fetch(r, username, now, out);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

/* SET both HLS keys of h (hls NX when nx_stream), renew them. Lock held. */
static int mp_rds_op_sync(struct mp_lb *lb, void *ctx, uint64_t now)
{
	(void)lb;
	struct mp_rds *r = ctx;
	if (!mp_rds_talks(r))
		return 0; /* the Redis thread syncs on its own */
	return mp_rds_sync_redis(r, now);
}

int mp_rds_sync_redis(struct mp_rds *r, uint64_t now)
{
	int n = 0;
	pthread_mutex_lock(&r->lock);
	if (mp_rds_ensure(r, now, false)) {
		mp_rds_sentinel_check(r, now);
		n += mp_rds_drain(r, now, UINT32_MAX);
		mp_rds_async_drain(r, now, UINT32_MAX);
		int m = mp_rds_refresh_origins(r, now);
		if (m > 0)
			n += m;
		m = mp_rds_admin_sync(r, now);
		if (m > 0)
			n += m;
		m = mp_rds_mirror_picks(r, now);
		if (m > 0)
			n += m;
		mp_rds_renew(r, now);
		mp_rds_fleet_refresh(r, now);
		mp_rds_fleet_parked(r, now, true);
	} else {
		mp_rds_drain(r, now, UINT32_MAX); /* discard: the write-back covers picks */
		mp_rds_async_drain(r, now, UINT32_MAX); /* each told: no reply */
		mp_rds_fleet_parked(r, now, false);
	}
	pthread_mutex_unlock(&r->lock);
	return n;
}

static void mp_rds_op_fini(struct mp_lb *lb, void *ctx)
{
	(void)lb;
	struct mp_rds *r = ctx;
	if (r == NULL || r->lb == NULL)
		return; /* mp_lb_create_with failed: mp_lb_create_redis frees r itself */
	mp_rds_thread_stop(r);
	mp_rds_close(r);
	if (r->aq != NULL)
		mp_rds_async_drain(r, 0, UINT32_MAX); /* down now: each told, no reply */
	rte_ring_free(r->aq);
	rte_ring_free(r->queue);
	mp_rds_fleet_fini(r);
	free(r->ident);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static const struct mp_lb_backend_ops mp_lb_redis_backend = {
	.name = "redis",
	.origin_update = mp_rds_op_origin_update,
	.origin_weight = mp_rds_op_origin_weight,
	.pick = mp_rds_op_pick,
	.webrtc_store = mp_rds_op_webrtc_store,
	.webrtc_load = mp_rds_op_webrtc_load,
	.hls_load_or_store = mp_rds_op_hls_load_or_store,
	.hls_by_spbhid = mp_rds_op_hls_by_spbhid,
	.origin_removed = mp_rds_op_origin_removed,
	.origin_drained = mp_rds_op_origin_drained,
	.sync = mp_rds_op_sync,
	.fini = mp_rds_op_fini,
};

struct mp_rds *mp_rds_of(struct mp_lb *lb)
{
	return lb != NULL && lb->ops == &mp_lb_redis_backend ? lb->bctx : NULL;
}

/* ---- public ---- */

struct mp_lb *mp_lb_create_redis(const struct mp_lb_config *cfg, const struct mp_lb_redis_config *rcfg,
				 uint64_t now)
{
	if (rcfg == NULL || rcfg->host[0] == '\0' || rcfg->port == 0 || rcfg->db < 0 ||
	    rcfg->backoff_min_ms == 0 || rcfg->backoff_max_ms < rcfg->backoff_min_ms ||
	    rcfg->command_timeout_ms == 0 || rcfg->connect_timeout_ms == 0 || rcfg->queue_size == 0 ||
	    strnlen(rcfg->key_prefix, sizeof(rcfg->key_prefix)) >= sizeof(rcfg->key_prefix) ||
	    mp_lb_redis_sentinels_check(rcfg->sentinels) != MP_OK ||
	    (rcfg->sentinels[0] != '\0' && rcfg->master_name[0] == '\0')) {
		MP_ERR("lb redis: bad configuration (host, port, db, timeouts, backoff, queue size or sentinels)");
		return NULL;
	}
	/* hiredis writes with write(2): a Redis that went away must not kill the process. */
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		sa.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &sa, NULL);
	}
	struct mp_rds *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->cfg = *rcfg;
	r->reader_id = -1;
	rte_spinlock_init(&r->st_lock);
	snprintf(r->host, sizeof(r->host), "%s", rcfg->host);
	r->port = rcfg->port;
	if (rcfg->key_prefix[0] != '\0')
		snprintf(r->pfx, sizeof(r->pfx), "%s:", rcfg->key_prefix);
	pthread_mutex_init(&r->lock, NULL);
	r->backoff_ms = rcfg->backoff_min_ms;
	snprintf(r->scan_cursor, sizeof(r->scan_cursor), "0");
	r->list_gen = 1; /* identities start at 0: not listed */
	struct mp_lb *lb = mp_lb_create_with(cfg, &mp_lb_redis_backend, r);
	if (lb == NULL) {
		pthread_mutex_destroy(&r->lock);
		free(r);
		return NULL;
	}
	r->lb = lb;
	char name[RTE_RING_NAMESIZE];
	snprintf(name, sizeof(name), "lbrds%u", atomic_fetch_add(&mp_rds_instances, 1));
	r->ident = calloc(lb->cfg.max_origins, sizeof(*r->ident));
	r->queue = rte_ring_create_elem(name, sizeof(struct mp_rds_req), rcfg->queue_size, lb->cfg.socket_id,
					RING_F_SC_DEQ | RING_F_EXACT_SZ);
	snprintf(name, sizeof(name), "lbrdsa%u", atomic_fetch_add(&mp_rds_instances, 1));
	r->aq = rte_ring_create(name, rte_align32pow2(rcfg->queue_size), lb->cfg.socket_id, RING_F_SC_DEQ);
	if (r->ident == NULL || r->queue == NULL || r->aq == NULL || mp_rds_fleet_init(r) != MP_OK) {
		MP_ERR("lb redis: out of memory for the origin identities or the request queue (%s)",
		       rte_strerror(rte_errno));
		mp_lb_destroy(lb);
		return NULL;
	}
	pthread_mutex_lock(&r->lock);
	mp_rds_ensure(r, now, true);
	pthread_mutex_unlock(&r->lock);
	return lb;
}

bool mp_lb_redis_connected(struct mp_lb *lb)
{
	struct mp_rds *r = mp_rds_of(lb);
	return r != NULL && atomic_load(&r->up);
}

bool mp_lb_redis_ufrag_wanted(struct mp_lb *lb)
{
	struct mp_rds *r = mp_rds_of(lb);
	return r != NULL && atomic_load_explicit(&r->up, memory_order_relaxed);
}

int mp_lb_redis_ufrag_miss(struct mp_lb *lb, const char *username, size_t len)
{
	struct mp_rds *r = mp_rds_of(lb);
	if (r == NULL || !atomic_load(&r->up))
		return MP_ERR_STATE;
	if (username == NULL || len == 0 || len >= MP_LB_USERNAME_MAX)
		return MP_ERR_INVAL;
	return mp_rds_enqueue(r, MP_RDS_REQ_UFRAG, 0, username, len) ? MP_OK : MP_ERR_FULL;
}

int mp_lb_redis_poll(struct mp_lb *lb, uint64_t now)
{
	struct mp_rds *r = mp_rds_of(lb);
	if (r == NULL)
		return MP_ERR_STATE;
	if (!mp_rds_talks(r))
		return 0; /* the Redis thread polls on its own */
	return mp_rds_poll_redis(r, now);
}

int mp_rds_poll_redis(struct mp_rds *r, uint64_t now)
{
	pthread_mutex_lock(&r->lock);
	int n = 0;
	if (mp_rds_ensure(r, now, false)) {
		n = mp_rds_drain(r, now, 1024);
		n += mp_rds_async_drain(r, now, 1024);
		mp_rds_fleet_refresh(r, now); /* a slice of the renewal pass under way, if any */
		mp_rds_fleet_parked(r, now, true);
	} else {
		mp_rds_drain(r, now, UINT32_MAX); /* discard while down */
		mp_rds_async_drain(r, now, UINT32_MAX);
		mp_rds_fleet_parked(r, now, false);
	}
	pthread_mutex_unlock(&r->lock);
	return n;
}

int mp_lb_redis_cmd_async(struct mp_lb *lb, mp_lb_redis_cb cb, void *arg, const char *fmt, ...)
{
	struct mp_rds *r = mp_rds_of(lb);
	if (r == NULL)
		return MP_ERR_STATE;
	struct mp_rds_async *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return MP_ERR_NOMEM;
	va_list ap;
	va_start(ap, fmt);
	a->len = redisvFormatCommand(&a->cmd, fmt, ap);
	va_end(ap);
	if (a->len <= 0) {
		free(a);
		return MP_ERR_INVAL;
	}
	a->cb = cb;
	a->arg = arg;
	if (rte_ring_mp_enqueue(r->aq, a) != 0) {
		redisFreeCommand(a->cmd);
		free(a);
		atomic_fetch_add_explicit(&r->queue_full, 1, memory_order_relaxed);
		return MP_ERR_FULL;
	}
	return MP_OK;
}

int mp_lb_redis_stats(struct mp_lb *lb, struct mp_lb_redis_stats *out)
{
	struct mp_rds *r = mp_rds_of(lb);
	if (r == NULL)
		return MP_ERR_STATE;
	if (r->offload) {
		/* Never wait for the Redis thread (it may be waiting on Redis): its last snapshot. */
		rte_spinlock_lock(&r->st_lock);
		*out = r->st_pub;
		rte_spinlock_unlock(&r->st_lock);
	} else {
		pthread_mutex_lock(&r->lock);
		*out = r->st;
		pthread_mutex_unlock(&r->lock);
	}
	out->connected = atomic_load(&r->up);
	out->queue_full = atomic_load(&r->queue_full);
	return MP_OK;
}

