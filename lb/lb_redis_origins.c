/* lb_redis_origins.c: origins in Redis: server records published and mirrored, the all-servers list. */
#include <stdio.h>
#include <stdlib.h>

#include "lb_redis_internal.h"
#include "mp_error.h"
#include "mp_log.h"

void mp_rds_origin_reg(struct mp_rds *r, const struct mp_lb_origin *o, struct mp_registration *reg)
{
	memset(reg, 0, sizeof(*reg));
	snprintf(reg->device_id, sizeof(reg->device_id), "%s", o->device_id);
	snprintf(reg->ip, sizeof(reg->ip), "%s", o->ip);
	reg->ipv4 = o->ipv4;
	reg->ip_v6 = o->ip_v6;
	memcpy(reg->ip6, o->ip6, sizeof(reg->ip6));
	memcpy(reg->ep, o->ep, sizeof(reg->ep));
	memcpy(reg->n_ep, o->n_ep, sizeof(reg->n_ep));
	reg->has_weight = 1; /* shared with the other appliances (mp_weight) */
	reg->weight = o->weight;
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

void mp_rds_keys_add(struct mp_rds_keys *ks, const char *k, size_t len)
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

void mp_rds_keys_free(struct mp_rds_keys *ks)
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
int mp_rds_all_merge(struct mp_rds *r, uint64_t now, char *const *add, size_t nadd, bool prune)
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
	/* o is not touched after a command: it may wait offline (RCU) and o go meanwhile. */
	uint32_t ouid = o->uid;
	struct mp_rds_ident *e = &r->ident[o->id];
	o = NULL;
	redisReply *rep = mp_rds_cmd(r, now, nx ? "SET %s %s PX %llu NX" : "SET %s %s PX %llu", key, json,
				     (unsigned long long)left);
	if (rep != NULL && rep->type == REDIS_REPLY_STATUS && e->uid == ouid)
		e->json_sum = mp_lb_checksum(json, strlen(json)); /* refresh need not decode our own */
	mp_lb_rjson_free(json);
	if (rep == NULL)
		return MP_ERR_REDIS;
	freeReplyObject(rep);
	if (e->uid == ouid && e->listed_gen == r->list_gen)
		return MP_OK; /* listed at the last refresh: a registration is one SET */
	char *add[1] = { key };
	int rc = mp_rds_all_merge(r, now, add, 1, false);
	if (rc == MP_OK && e->uid == ouid)
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
	if (o != NULL && o->updated_ms + 500 >= ts) {
		/* not newer than what we have (ours, or mirrored before); an operator's weight set on
		 * another appliance still applies */
		if (reg.has_weight && reg.weight != o->weight && mp_lb_local_origin_weight(lb, id, reg.weight) == MP_OK)
			o = mp_lb_origin_find(lb, id);
		return o;
	}
	int rc = mp_lb_local_origin_update(lb, &reg, ts);
	if (rc < 0)
		return o;
	struct mp_rds_ident *e = &r->ident[rc];
	o = mp_lb_origin_get(lb, (uint32_t)rc);
	if (o == NULL)
		return NULL;
	if (e->uid != o->uid)
		e->listed_gen = 0, e->json_sum = 0;
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
	/* The command may have waited offline (RCU): look the record up again. */
	o = id != NULL ? mp_lb_origin_find(r->lb, id) : NULL;
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
		redisReply *rep = mp_rds_argv(r, now, (int)m + 1, argv, NULL);
		if (rep == NULL) {
			rc = MP_ERR_REDIS;
			break;
		}
		if (rep->type == REDIS_REPLY_ARRAY) {
			for (size_t j = 0; j < rep->elements; j++) {
				const redisReply *e = rep->element[j];
				const struct mp_lb_origin *o = NULL;
				if (e->type != REDIS_REPLY_STRING) {
					missing++;
					continue;
				}
				/* Unchanged since we last read (or wrote) it: no registration since, skip
				 * the JSON decode (thousands of origins, every second). */
				const char *id = mp_rds_server_id(r, ks.v[i + j]);
				uint32_t sum = mp_lb_checksum(e->str, e->len);
				o = id != NULL ? mp_lb_origin_find(r->lb, id) : NULL;
				if (o == NULL || r->ident[o->id].uid != o->uid || r->ident[o->id].json_sum != sum)
					o = mp_rds_mirror_origin(r, e->str, e->len, now, wall);
				if (o != NULL && r->ident[o->id].uid == o->uid)
					r->ident[o->id].json_sum = sum;
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
