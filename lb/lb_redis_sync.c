/* lb_redis_sync.c: Redis <-> local tables: origin publish/mirror, all-servers, queued requests, write-back. */
#include <stdio.h>
#include <stdlib.h>

#include "lb_redis_internal.h"
#include "mp_error.h"
#include "mp_log.h"

#define MP_RDS_BATCH 256 /* commands per pipelined round trip */

static void mp_rds_copy(char *dst, size_t cap, const char *src, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void mp_rds_origin_reg(struct mp_rds *r, const struct mp_lb_origin *o, struct mp_registration *reg)
{
	memset(reg, 0, sizeof(*reg));
	snprintf(reg->device_id, sizeof(reg->device_id), "%s", o->device_id);
	snprintf(reg->ip, sizeof(reg->ip), "%s", o->ip);
	reg->ipv4 = o->ipv4;
	memcpy(reg->ep, o->ep, sizeof(reg->ep));
	memcpy(reg->n_ep, o->n_ep, sizeof(reg->n_ep));
	const struct mp_rds_ident *e = &r->ident[o->id];
	if (e->uid == o->uid && e->server[0] != '\0') {
		snprintf(reg->server, sizeof(reg->server), "%s", e->server);
		snprintf(reg->service, sizeof(reg->service), "%s", e->service);
		snprintf(reg->pid, sizeof(reg->pid), "%s", e->pid);
		return;
	}
	/* Unknown split: SRS pids and service ids carry no '-', server ids may ("vid-448kd71"). */
	const char *k = o->key;
	const char *last = strrchr(k, '-');
	const char *prev = last;
	while (prev != NULL && prev > k && *--prev != '-')
		;
	if (last == NULL || prev == NULL || prev == k || *prev != '-') {
		mp_rds_copy(reg->server, sizeof(reg->server), k, strlen(k));
		return;
	}
	mp_rds_copy(reg->server, sizeof(reg->server), k, (size_t)(prev - k));
	mp_rds_copy(reg->service, sizeof(reg->service), prev + 1, (size_t)(last - prev - 1));
	snprintf(reg->pid, sizeof(reg->pid), "%s", last + 1);
}

/* ---- srs-proxy-all-servers ---- */

struct mp_rds_keys {
	char **v;
	size_t n, cap;
	bool nomem;
};

static void mp_rds_keys_add(struct mp_rds_keys *ks, const char *k, size_t len)
{
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 16;
		char **v = realloc(ks->v, cap * sizeof(*v));
		if (v == NULL) {
			ks->nomem = true;
			return;
		}
		ks->v = v;
		ks->cap = cap;
	}
	char *s = malloc(len + 1);
	if (s == NULL) {
		ks->nomem = true;
		return;
	}
	memcpy(s, k, len);
	s[len] = '\0';
	ks->v[ks->n++] = s;
}

static int mp_rds_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop duplicates, so membership is a binary search (thousands of origins). */
static void mp_rds_keys_sort(struct mp_rds_keys *ks)
{
	if (ks->n < 2)
		return;
	qsort(ks->v, ks->n, sizeof(*ks->v), mp_rds_strcmp);
	size_t o = 1;
	for (size_t i = 1; i < ks->n; i++) {
		if (strcmp(ks->v[i], ks->v[o - 1]) == 0)
			free(ks->v[i]);
		else
			ks->v[o++] = ks->v[i];
	}
	ks->n = o;
}

static bool mp_rds_keys_has(const struct mp_rds_keys *ks, const char *k)
{
	return ks->n > 0 && bsearch(&k, ks->v, ks->n, sizeof(*ks->v), mp_rds_strcmp) != NULL;
}

static void mp_rds_keys_on(const char *k, size_t len, void *arg)
{
	mp_rds_keys_add(arg, k, len);
}

static void mp_rds_keys_free(struct mp_rds_keys *ks)
{
	for (size_t i = 0; i < ks->n; i++)
		free(ks->v[i]);
	free(ks->v);
	memset(ks, 0, sizeof(*ks));
}

/* GET srs-proxy-all-servers into ks. MP_OK (also when absent or unreadable), MP_ERR_REDIS. */
static int mp_rds_keys_get(struct mp_rds *r, const char *all, uint64_t now, struct mp_rds_keys *ks)
{
	redisReply *rep = mp_rds_cmd(r, now, "GET %s", all);
	if (rep == NULL)
		return MP_ERR_REDIS;
	if (rep->type == REDIS_REPLY_STRING && mp_lb_rjson_keys_decode(rep->str, rep->len, mp_rds_keys_on, ks) < 0)
		r->st.bad_records++;
	freeReplyObject(rep);
	return MP_OK;
}

/* Make srs-proxy-all-servers hold add[] and only keys that still exist (as the Go proxy's Update
 * does), under WATCH so concurrent writers (appliances, Go proxies) do not lose each other's keys.
 * prune: drop expired keys even when add[] are all present already. The list is written sorted. */
static int mp_rds_all_merge(struct mp_rds *r, uint64_t now, char *const *add, size_t nadd, bool prune)
{
	char all[MP_RDS_KEY_MAX];
	redisReply *rep;
	mp_rds_key(r, all, sizeof(all), MP_RDS_ALL, NULL);
	for (int attempt = 0; attempt < 5; attempt++) {
		struct mp_rds_keys ks = { 0 };
		/* First look without WATCH: usually every key is listed already and nothing is written. */
		if (attempt > 0 || prune) {
			if ((rep = mp_rds_cmd(r, now, "WATCH %s", all)) == NULL)
				return MP_ERR_REDIS;
			freeReplyObject(rep);
		}
		if (mp_rds_keys_get(r, all, now, &ks) != MP_OK)
			return MP_ERR_REDIS;
		size_t before = ks.n;
		mp_rds_keys_sort(&ks);
		bool need_add = false;
		for (size_t i = 0; i < nadd && !need_add; i++)
			need_add = !mp_rds_keys_has(&ks, add[i]);
		if (!need_add && !prune && ks.n == before) {
			mp_rds_keys_free(&ks);
			return MP_OK;
		}
		if (attempt == 0 && !prune) {
			mp_rds_keys_free(&ks);
			continue; /* read again under WATCH */
		}
		/* Pruning costs an EXISTS per key: only when the list changes anyway, or when asked. */
		bool changed = ks.n != before;
		if (ks.n > 0) {
			for (size_t i = 0; i < ks.n; i++)
				mp_rds_append(r, "EXISTS %s", ks.v[i]);
			size_t keep = 0;
			bool *alive = calloc(ks.n, sizeof(bool));
			for (size_t i = 0; i < ks.n; i++) {
				if (mp_rds_reply(r, now, &rep) != MP_OK) {
					free(alive);
					mp_rds_keys_free(&ks);
					return MP_ERR_REDIS;
				}
				if (alive != NULL)
					alive[i] = rep->type != REDIS_REPLY_INTEGER || rep->integer != 0;
				freeReplyObject(rep);
			}
			for (size_t i = 0; i < ks.n; i++) {
				if (alive == NULL || alive[i])
					ks.v[keep++] = ks.v[i];
				else
					free(ks.v[i]);
			}
			free(alive);
			changed = changed || keep != ks.n;
			ks.n = keep;
		}
		for (size_t i = 0; i < nadd; i++) {
			if (!mp_rds_keys_has(&ks, add[i])) {
				mp_rds_keys_add(&ks, add[i], strlen(add[i]));
				changed = true;
			}
		}
		mp_rds_keys_sort(&ks);
		if (!changed || ks.nomem) {
			rep = mp_rds_cmd(r, now, "UNWATCH");
			if (rep != NULL)
				freeReplyObject(rep);
			mp_rds_keys_free(&ks);
			return rep == NULL ? MP_ERR_REDIS : ks.nomem ? MP_ERR_NOMEM : MP_OK;
		}
		char *json = mp_lb_rjson_keys_encode((const char *const *)ks.v, ks.n);
		mp_rds_keys_free(&ks);
		if (json == NULL)
			return MP_ERR_NOMEM;
		mp_rds_append(r, "MULTI");
		mp_rds_append(r, "SET %s %s", all, json);
		mp_rds_append(r, "EXEC");
		mp_lb_rjson_free(json);
		bool done = false;
		for (int i = 0; i < 3; i++) {
			if (mp_rds_reply(r, now, &rep) != MP_OK)
				return MP_ERR_REDIS;
			if (i == 2)
				done = rep->type == REDIS_REPLY_ARRAY; /* nil: a watched key changed, retry */
			freeReplyObject(rep);
		}
		if (done)
			return MP_OK;
	}
	return MP_ERR_AGAIN;
}

/* ---- origins ---- */

int mp_rds_publish_origin(struct mp_rds *r, const struct mp_lb_origin *o, uint64_t now, bool nx)
{
	uint64_t ttl = r->lb->cfg.origin_ttl_ms;
	if (o == NULL || (now > o->updated_ms && now - o->updated_ms >= ttl))
		return MP_OK; /* dead: let Redis forget it */
	uint64_t left = now > o->updated_ms ? ttl - (now - o->updated_ms) : ttl;
	struct mp_registration reg;
	char key[MP_RDS_KEY_MAX];
	mp_rds_origin_reg(r, o, &reg);
	if (mp_rds_key(r, key, sizeof(key), MP_RDS_SERVER, o->key) != MP_OK)
		return MP_ERR_TOOLONG;
	char *json = mp_lb_rjson_server_encode(&reg, mp_rds_wall_of(r, now, o->updated_ms));
	if (json == NULL)
		return MP_ERR_NOMEM;
	redisReply *rep = mp_rds_cmd(r, now, nx ? "SET %s %s PX %llu NX" : "SET %s %s PX %llu", key, json,
				     (unsigned long long)left);
	mp_lb_rjson_free(json);
	if (rep == NULL)
		return MP_ERR_REDIS;
	freeReplyObject(rep);
	struct mp_rds_ident *e = &r->ident[o->id];
	if (e->uid == o->uid && e->listed_gen == r->list_gen)
		return MP_OK; /* listed at the last refresh: a registration is one SET */
	char *add[1] = { key };
	int rc = mp_rds_all_merge(r, now, add, 1, false);
	if (rc == MP_OK && e->uid == o->uid)
		e->listed_gen = r->list_gen;
	return rc;
}

const struct mp_lb_origin *mp_rds_mirror_origin(struct mp_rds *r, const char *json, size_t len,
						uint64_t now, int64_t wall_now)
{
	struct mp_lb *lb = r->lb;
	struct mp_registration reg;
	int64_t at;
	bool has_at;
	char id[MP_LB_ORIGIN_KEY_MAX];
	if (mp_lb_rjson_server_decode(json, len, &reg, &at, &has_at, NULL) != MP_OK) {
		r->st.bad_records++;
		return NULL;
	}
	int n = snprintf(id, sizeof(id), "%s-%s-%s", reg.server, reg.service, reg.pid);
	if (n < 0 || (size_t)n >= sizeof(id)) {
		r->st.bad_records++;
		return NULL;
	}
	const struct mp_lb_origin *o = mp_lb_origin_find(lb, id);
	/* The key exists, so its writer saw it alive less than a TTL ago; update_at says when. */
	uint64_t age = has_at && at < wall_now ? (uint64_t)(wall_now - at) : 0;
	if (age >= lb->cfg.origin_ttl_ms)
		return o;
	uint64_t ts = age < now ? now - age : 0;
	if (o != NULL && o->updated_ms + 500 >= ts)
		return o; /* not newer than what we have (ours, or mirrored before) */
	int rc = mp_lb_local_origin_update(lb, &reg, ts);
	if (rc < 0)
		return o;
	struct mp_rds_ident *e = &r->ident[rc];
	o = mp_lb_origin_get(lb, (uint32_t)rc);
	if (o == NULL)
		return NULL;
	if (e->uid != o->uid)
		e->listed_gen = 0;
	e->uid = o->uid;
	snprintf(e->server, sizeof(e->server), "%s", reg.server);
	snprintf(e->service, sizeof(e->service), "%s", reg.service);
	snprintf(e->pid, sizeof(e->pid), "%s", reg.pid);
	r->st.origins_mirrored++;
	return o;
}

const struct mp_lb_origin *mp_rds_origin_by_key(struct mp_rds *r, const char *skey, uint64_t now)
{
	const char *id = mp_rds_server_id(r, skey);
	const struct mp_lb_origin *o = id != NULL ? mp_lb_origin_find(r->lb, id) : NULL;
	if (o != NULL && mp_lb_origin_alive(r->lb, o, now))
		return o;
	redisReply *rep = mp_rds_cmd(r, now, "GET %s", skey);
	if (rep == NULL)
		return o;
	if (rep->type == REDIS_REPLY_STRING)
		o = mp_rds_mirror_origin(r, rep->str, rep->len, now, (int64_t)mp_rds_wall(r));
	freeReplyObject(rep);
	return o;
}

int mp_rds_refresh_origins(struct mp_rds *r, uint64_t now)
{
	char all[MP_RDS_KEY_MAX];
	struct mp_rds_keys ks = { 0 };
	mp_rds_key(r, all, sizeof(all), MP_RDS_ALL, NULL);
	if (mp_rds_keys_get(r, all, now, &ks) != MP_OK)
		return MP_ERR_REDIS;
	uint64_t mirrored = r->st.origins_mirrored;
	int64_t wall = (int64_t)mp_rds_wall(r);
	size_t missing = 0;
	r->list_gen++;
	r->refreshed_ms = now;
	int rc = MP_OK;
	for (size_t i = 0; i < ks.n && rc == MP_OK; i += MP_RDS_BATCH) {
		size_t m = ks.n - i < MP_RDS_BATCH ? ks.n - i : MP_RDS_BATCH;
		const char *argv[MP_RDS_BATCH + 1];
		argv[0] = "MGET";
		for (size_t j = 0; j < m; j++)
			argv[j + 1] = ks.v[i + j];
		redisReply *rep = redisCommandArgv(r->c, (int)m + 1, argv, NULL);
		if (rep == NULL) {
			mp_rds_down(r, now, r->c->errstr[0] ? r->c->errstr : "no reply");
			rc = MP_ERR_REDIS;
			break;
		}
		if (rep->type == REDIS_REPLY_ARRAY) {
			for (size_t j = 0; j < rep->elements; j++) {
				const redisReply *e = rep->element[j];
				const struct mp_lb_origin *o = NULL;
				if (e->type == REDIS_REPLY_STRING)
					o = mp_rds_mirror_origin(r, e->str, e->len, now, wall);
				else
					missing++;
				if (o != NULL && r->ident[o->id].uid == o->uid)
					r->ident[o->id].listed_gen = r->list_gen;
			}
		}
		freeReplyObject(rep);
	}
	mp_rds_keys_free(&ks);
	if (rc == MP_OK && missing > 0)
		mp_rds_all_merge(r, now, NULL, 0, true); /* expired origins leave the list */
	return rc == MP_OK ? (int)(r->st.origins_mirrored - mirrored) : rc;
}

/* ---- picks and ICE usernames ---- */

/* A glob pattern matching prefix + srs-proxy-url: + anything (glob characters in the prefix escaped). */
static void mp_rds_url_pattern(const struct mp_rds *r, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *p = r->pfx; *p != '\0' && o + 2 < cap; p++) {
		if (strchr("*?[]\\", *p) != NULL)
			out[o++] = '\\';
		out[o++] = *p;
	}
	snprintf(out + o, cap - o, "%s*", MP_RDS_URL);
}

int mp_rds_mirror_picks(struct mp_rds *r, uint64_t now)
{
	struct mp_lb *lb = r->lb;
	if (r->cfg.scan_count == 0)
		return 0;
	char pattern[2 * MP_LB_REDIS_PREFIX_MAX + 32];
	mp_rds_url_pattern(r, pattern, sizeof(pattern));
	redisReply *rep = mp_rds_cmd(r, now, "SCAN %s MATCH %s COUNT %u", r->scan_cursor, pattern,
				     r->cfg.scan_count);
	if (rep == NULL)
		return MP_ERR_REDIS;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 || rep->element[0]->type != REDIS_REPLY_STRING ||
	    rep->element[0]->len >= sizeof(r->scan_cursor) || rep->element[1]->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(rep);
		snprintf(r->scan_cursor, sizeof(r->scan_cursor), "0");
		return 0;
	}
	memcpy(r->scan_cursor, rep->element[0]->str, rep->element[0]->len + 1);
	const redisReply *keys = rep->element[1];
	int changed = 0;
	size_t skip = strlen(r->pfx) + strlen(MP_RDS_URL);
	for (size_t i = 0; i < keys->elements; i += MP_RDS_BATCH) {
		size_t m = keys->elements - i < MP_RDS_BATCH ? keys->elements - i : MP_RDS_BATCH;
		const char *argv[MP_RDS_BATCH + 1];
		size_t argl[MP_RDS_BATCH + 1];
		argv[0] = "MGET";
		argl[0] = 4;
		for (size_t j = 0; j < m; j++) {
			argv[j + 1] = keys->element[i + j]->str;
			argl[j + 1] = keys->element[i + j]->len;
		}
		redisReply *vals = redisCommandArgv(r->c, (int)m + 1, argv, argl);
		if (vals == NULL) {
			mp_rds_down(r, now, r->c->errstr[0] ? r->c->errstr : "no reply");
			freeReplyObject(rep);
			return MP_ERR_REDIS;
		}
		for (size_t j = 0; vals->type == REDIS_REPLY_ARRAY && j < vals->elements && j < m; j++) {
			const redisReply *k = keys->element[i + j], *v = vals->element[j];
			if (k->type != REDIS_REPLY_STRING || k->len <= skip || v->type != REDIS_REPLY_STRING ||
			    strlen(k->str) != k->len || strlen(v->str) != v->len)
				continue;
			const char *stream = k->str + skip, *id = mp_rds_server_id(r, v->str);
			/* Only origins known here (refresh_origins brings the rest in). */
			const struct mp_lb_origin *o = id != NULL ? mp_lb_origin_find(lb, id) : NULL;
			uint32_t cur;
			if (o == NULL || !mp_lb_origin_alive(lb, o, now) ||
			    (mp_lb_pick_peek(lb, stream, &cur) == MP_OK && cur == o->id))
				continue;
			if (mp_lb_local_pick_set(lb, stream, o->id) == MP_OK) {
				r->st.picks_mirrored++;
				changed++;
			}
		}
		freeReplyObject(vals);
	}
	freeReplyObject(rep);
	return changed;
}

int mp_rds_publish_pick(struct mp_rds *r, const char *stream, uint64_t now)
{
	struct mp_lb *lb = r->lb;
	char key[MP_RDS_KEY_MAX], mine[MP_RDS_KEY_MAX];
	uint32_t id;
	if (mp_lb_pick_peek(lb, stream, &id) != MP_OK)
		return MP_ERR_NOTFOUND;
	const struct mp_lb_origin *o = mp_lb_origin_get(lb, id);
	if (o == NULL || mp_rds_key(r, key, sizeof(key), MP_RDS_URL, stream) != MP_OK ||
	    mp_rds_key(r, mine, sizeof(mine), MP_RDS_SERVER, o->key) != MP_OK)
		return MP_ERR_NOTFOUND;
	redisReply *rep = mp_rds_cmd(r, now, "SET %s %s NX", key, mine);
	if (rep == NULL)
		return MP_ERR_REDIS;
	bool set = rep->type == REDIS_REPLY_STATUS;
	freeReplyObject(rep);
	if (set) {
		r->st.picks_published++;
		return MP_OK;
	}
	/* Someone pinned it first: follow theirs if its origin is alive, else replace it. */
	if ((rep = mp_rds_cmd(r, now, "GET %s", key)) == NULL)
		return MP_ERR_REDIS;
	char theirs[MP_RDS_KEY_MAX] = "";
	if (rep->type == REDIS_REPLY_STRING && rep->len < sizeof(theirs))
		memcpy(theirs, rep->str, rep->len + 1);
	freeReplyObject(rep);
	if (strcmp(theirs, mine) == 0)
		return MP_OK;
	const struct mp_lb_origin *t = theirs[0] ? mp_rds_origin_by_key(r, theirs, now) : NULL;
	if (t != NULL && mp_lb_origin_alive(lb, t, now)) {
		if (mp_lb_local_pick_set(lb, stream, t->id) == MP_OK)
			r->st.picks_adopted++;
		return MP_OK;
	}
	if ((rep = mp_rds_cmd(r, now, "SET %s %s", key, mine)) == NULL)
		return MP_ERR_REDIS;
	freeReplyObject(rep);
	r->st.picks_published++;
	return MP_OK;
}

int mp_rds_ufrag_fetch(struct mp_rds *r, const char *username, uint64_t now, struct mp_lb_webrtc *out)
{
	struct mp_lb *lb = r->lb;
	char key[MP_RDS_KEY_MAX], stream[MP_LB_STREAM_MAX], ufrag[MP_LB_USERNAME_MAX];
	if (mp_rds_key(r, key, sizeof(key), MP_RDS_UFRAG, username) != MP_OK)
		return MP_ERR_NOTFOUND;
	redisReply *rep = mp_rds_cmd(r, now, "GET %s", key);
	if (rep == NULL)
		return MP_ERR_NOTFOUND;
	int rc = rep->type == REDIS_REPLY_STRING ? mp_lb_rjson_rtc_decode(rep->str, rep->len, stream, ufrag)
						 : MP_ERR_NOTFOUND;
	freeReplyObject(rep);
	if (rc != MP_OK) {
		if (rc != MP_ERR_NOTFOUND)
			r->st.bad_records++;
		return MP_ERR_NOTFOUND;
	}
	/* The record names the stream only: its origin is the stream's pick, and the media address
	 * that origin's first RTC endpoint (what the Go proxy's connectBackend does). */
	struct mp_lb_target t;
	rc = mp_rds_pick_shared(r, stream, MP_PROTO_RTC, now, &t);
	if (rc == MP_ERR_REDIS)
		rc = mp_lb_local_pick(lb, stream, MP_PROTO_RTC, now, &t);
	if (rc != MP_OK)
		return rc;
	rc = mp_lb_local_webrtc_store(lb, username, stream, t.origin_id, t.ipv4, t.port, now);
	if (rc != MP_OK)
		return rc;
	r->st.remote_hits++;
	if (out == NULL)
		return MP_OK;
	return mp_lb_local_webrtc_load(lb, username, now, out);
}

int mp_rds_drain(struct mp_rds *r, uint64_t now, unsigned int budget)
{
	struct mp_rds_req q;
	int n = 0;
	while (budget-- > 0 && rte_ring_sc_dequeue_elem(r->queue, &q, sizeof(q)) == 0) {
		q.s[sizeof(q.s) - 1] = '\0';
		if (!atomic_load(&r->up))
			continue; /* picks are written back on reconnect; ICE misses will be asked again */
		if (q.kind == MP_RDS_REQ_PICK)
			mp_rds_publish_pick(r, q.s, now);
		else if (q.kind == MP_RDS_REQ_UFRAG && mp_lb_webrtc_find(r->lb, q.s, q.len) == NULL)
			mp_rds_ufrag_fetch(r, q.s, now, NULL);
		n++;
	}
	return n;
}

/* ---- write-back ---- */

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
		char *json = mp_lb_rjson_rtc_encode(e->stream, e->username);
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
	char key[MP_RDS_KEY_MAX];
	/* Only what was used since the last pass: the rest expires in Redis as it does here. */
	while (!b.failed && rte_hash_iterate(lb->webrtc.h, &k, &data, &next) >= 0) {
		const struct mp_lb_webrtc *e = data;
		uint64_t seen = atomic_load_explicit(&e->last_seen_ms, memory_order_relaxed);
		if (seen <= since || seen == e->created_ms)
			continue;
		uint64_t left = mp_rds_left(wttl, now, seen);
		if (mp_rds_key(r, key, sizeof(key), MP_RDS_UFRAG, e->username) == MP_OK)
			mp_rds_batch_expire(&b, key, left);
		if (mp_rds_key(r, key, sizeof(key), MP_RDS_RTC, e->stream) == MP_OK)
			mp_rds_batch_expire(&b, key, left);
	}
	next = 0;
	while (!b.failed && rte_hash_iterate(lb->hls_stream.h, &k, &data, &next) >= 0) {
		const struct mp_lb_hls_rec *h = data;
		uint64_t used = atomic_load_explicit(&h->last_used_ms, memory_order_relaxed);
		if (used <= since)
			continue;
		uint64_t left = mp_rds_left(httl, now, used);
		if (mp_rds_key(r, key, sizeof(key), MP_RDS_SPBHID, h->v.spbhid) == MP_OK)
			mp_rds_batch_expire(&b, key, left);
		if (mp_rds_key(r, key, sizeof(key), MP_RDS_HLS, h->v.stream) == MP_OK)
			mp_rds_batch_expire(&b, key, left);
	}
	mp_rds_batch_flush(&b);
}
