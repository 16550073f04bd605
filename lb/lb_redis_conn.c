/* lb_redis_conn.c: the Redis connection: connect/AUTH/SELECT, bounded commands, up/down with backoff. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <rte_lcore.h>

#include "lb_redis_internal.h"
#include "mp_error.h"
#include "mp_log.h"

#undef MP_LOG_MODULE
#define MP_LOG_MODULE MP_LOGM_REDIS

static _Thread_local int mp_rds_role; /* 0: decide by lcore, 1: worker, 2: control plane, 3: Redis thread */
static _Thread_local const struct mp_rds *mp_rds_mine; /* the backend whose Redis thread this is */

void mp_lb_redis_thread_role(bool worker)
{
	mp_rds_role = worker ? 1 : 2;
}

void mp_rds_role_redis_thread(const struct mp_rds *r)
{
	mp_rds_role = 3;
	mp_rds_mine = r;
}

bool mp_rds_talks(const struct mp_rds *r)
{
	if (r->offload)
		return mp_rds_role == 3 && mp_rds_mine == r;
	return !mp_rds_on_worker();
}

bool mp_rds_enqueue(struct mp_rds *r, uint32_t kind, uint32_t id, const char *s, size_t len)
{
	struct mp_rds_req q = { .kind = kind, .id = id };
	if (len >= sizeof(q.s))
		len = sizeof(q.s) - 1;
	q.len = (uint32_t)len;
	memcpy(q.s, s, len);
	if (rte_ring_mp_enqueue_elem(r->queue, &q, sizeof(q)) != 0) {
		atomic_fetch_add_explicit(&r->queue_full, 1, memory_order_relaxed);
		return false;
	}
	return true;
}

/* Around anything that waits on the network: the Redis thread holds no lb pointer then, and must
 * not hold grace periods back (workers recycle sessions and NAT ports behind them). */
void mp_rds_wait_begin(struct mp_rds *r)
{
	if (r->reader_id >= 0)
		mp_lb_reader_offline(r->lb, (unsigned int)r->reader_id);
}

void mp_rds_wait_end(struct mp_rds *r)
{
	if (r->reader_id >= 0)
		mp_lb_reader_online(r->lb, (unsigned int)r->reader_id);
}

bool mp_rds_on_worker(void)
{
	if (mp_rds_role != 0)
		return mp_rds_role == 1;
	unsigned int id = rte_lcore_id();
	return id != LCORE_ID_ANY && id != rte_get_main_lcore();
}

uint64_t mp_rds_wall(const struct mp_rds *r)
{
	if (r->cfg.wall_clock_ms != NULL)
		return r->cfg.wall_clock_ms();
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int64_t mp_rds_wall_of(const struct mp_rds *r, uint64_t now, uint64_t t)
{
	int64_t w = (int64_t)mp_rds_wall(r);
	return t <= now ? w - (int64_t)(now - t) : w + (int64_t)(t - now);
}

int mp_rds_key(const struct mp_rds *r, char *key, size_t cap, const char *kind, const char *suffix)
{
	int n = snprintf(key, cap, "%s%s%s", r->pfx, kind, suffix != NULL ? suffix : "");
	return n < 0 || (size_t)n >= cap ? MP_ERR_TOOLONG : MP_OK;
}

const char *mp_rds_server_id(const struct mp_rds *r, const char *key)
{
	/* A Go proxy writes the key without our prefix; accept both. */
	size_t pl = strlen(r->pfx), kl = strlen(MP_RDS_SERVER);
	if (pl > 0 && strncmp(key, r->pfx, pl) == 0)
		key += pl;
	if (strncmp(key, MP_RDS_SERVER, kl) != 0 || key[kl] == '\0')
		return NULL;
	return key + kl;
}

/* ---- connection state ---- */

void mp_rds_close(struct mp_rds *r)
{
	if (r->c != NULL)
		redisFree(r->c);
	r->c = NULL;
	atomic_store(&r->up, false);
}

void mp_rds_down(struct mp_rds *r, uint64_t now, const char *why)
{
	char reason[128];
	snprintf(reason, sizeof(reason), "%s", why); /* why may be the context's errstr */
	why = reason;
	bool was_up = atomic_load(&r->up);
	mp_rds_close(r);
	r->st.errors++;
	if (was_up || !r->announced_down) {
		MP_WARN("lb redis: %s:%u %s (%s); new picks use local state, reconnecting with backoff",
			r->host, r->port, was_up ? "lost" : "unreachable", why);
		r->announced_down = true;
		r->down_since_ms = now;
		r->backoff_ms = r->cfg.backoff_min_ms;
		if (was_up)
			r->st.downs++;
	} else {
		/* Still down: back off further, silently (the transition was logged). */
		uint64_t b = (uint64_t)r->backoff_ms * 2;
		r->backoff_ms = b > r->cfg.backoff_max_ms ? r->cfg.backoff_max_ms : (uint32_t)b;
	}
	r->next_try_ms = now + r->backoff_ms;
}

static struct timeval mp_rds_tv(uint32_t ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	return tv;
}

/* One command on a fresh connection, before it counts as up: true when the reply is not an error. */
static bool mp_rds_handshake(struct mp_rds *r, char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mp_rds_wait_begin(r);
	redisReply *rep = redisvCommand(r->c, fmt, ap);
	mp_rds_wait_end(r);
	va_end(ap);
	bool ok = rep != NULL && rep->type != REDIS_REPLY_ERROR;
	if (!ok)
		snprintf(why, cap, "%s", rep != NULL ? rep->str : r->c->errstr);
	if (rep != NULL)
		freeReplyObject(rep);
	return ok;
}

static bool mp_rds_connect(struct mp_rds *r, uint64_t now)
{
	char why[256] = "";
	if (r->cfg.sentinels[0] != '\0' && mp_rds_sentinel_master(r, why, sizeof(why)) != MP_OK)
		goto fail;
	mp_rds_wait_begin(r);
	r->c = redisConnectWithTimeout(r->host, r->port, mp_rds_tv(r->cfg.connect_timeout_ms));
	mp_rds_wait_end(r);
	if (r->c == NULL || r->c->err) {
		snprintf(why, sizeof(why), "%s", r->c != NULL ? r->c->errstr : "out of memory");
		goto fail;
	}
	if (redisSetTimeout(r->c, mp_rds_tv(r->cfg.command_timeout_ms)) != REDIS_OK) {
		snprintf(why, sizeof(why), "cannot set the command timeout");
		goto fail;
	}
	if (r->cfg.password[0] != '\0' && !mp_rds_handshake(r, why, sizeof(why), "AUTH %s", r->cfg.password))
		goto fail;
	if (r->cfg.db != 0 && !mp_rds_handshake(r, why, sizeof(why), "SELECT %d", r->cfg.db))
		goto fail;
	if (!mp_rds_handshake(r, why, sizeof(why), "PING"))
		goto fail;
	if (r->cfg.sentinels[0] != '\0') {
		/* What the sentinels name may be a demoted master not yet reconfigured: writes there
		 * would be refused (READONLY) or lost. */
		mp_rds_wait_begin(r);
		redisReply *rep = redisCommand(r->c, "ROLE");
		mp_rds_wait_end(r);
		bool master = rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements > 0 &&
			      rep->element[0]->type == REDIS_REPLY_STRING && strcmp(rep->element[0]->str, "master") == 0;
		if (rep != NULL)
			freeReplyObject(rep);
		if (!master) {
			snprintf(why, sizeof(why), "%.200s:%u is not a master (yet)", r->host, r->port);
			goto fail;
		}
	}
	return true;
fail:
	mp_rds_down(r, now, why);
	return false;
}

bool mp_rds_ensure(struct mp_rds *r, uint64_t now, bool force)
{
	if (atomic_load(&r->up))
		return true;
	if (!force && now < r->next_try_ms)
		return false;
	if (!mp_rds_connect(r, now))
		return false;
	atomic_store(&r->up, true);
	r->st.ups++;
	if (r->announced_down)
		MP_INFO("lb redis: %s:%u back after %llu ms; writing local state back", r->host, r->port,
			(unsigned long long)(now - r->down_since_ms));
	else
		MP_INFO("lb redis: connected to %s:%u db %d%s%s", r->host, r->port, r->cfg.db,
			r->pfx[0] ? ", key prefix " : "", r->pfx);
	r->announced_down = false;
	r->backoff_ms = r->cfg.backoff_min_ms;
	int n = mp_rds_write_back(r, now);
	if (n > 0)
		MP_INFO("lb redis: wrote %d keys back", n);
	return atomic_load(&r->up);
}

/* ---- commands ---- */

redisReply *mp_rds_cmd(struct mp_rds *r, uint64_t now, const char *fmt, ...)
{
	if (!atomic_load(&r->up) || r->c == NULL)
		return NULL;
	va_list ap;
	va_start(ap, fmt);
	mp_rds_wait_begin(r);
	redisReply *rep = redisvCommand(r->c, fmt, ap);
	mp_rds_wait_end(r);
	va_end(ap);
	if (rep == NULL) {
		mp_rds_down(r, now, r->c->errstr[0] ? r->c->errstr : "no reply");
		return NULL;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		r->st.errors++;
		if (mp_rds_readonly(r, rep, now)) {
			freeReplyObject(rep);
			return NULL;
		}
	}
	return rep;
}

int mp_rds_append(struct mp_rds *r, const char *fmt, ...)
{
	if (!atomic_load(&r->up) || r->c == NULL)
		return MP_ERR_REDIS;
	va_list ap;
	va_start(ap, fmt);
	int rc = redisvAppendCommand(r->c, fmt, ap);
	va_end(ap);
	return rc == REDIS_OK ? MP_OK : MP_ERR_NOMEM;
}

int mp_rds_reply(struct mp_rds *r, uint64_t now, redisReply **out)
{
	void *rep = NULL;
	*out = NULL;
	if (r->c == NULL)
		return MP_ERR_REDIS;
	mp_rds_wait_begin(r);
	int got = redisGetReply(r->c, &rep);
	mp_rds_wait_end(r);
	if (got != REDIS_OK || rep == NULL) {
		mp_rds_down(r, now, r->c->errstr[0] ? r->c->errstr : "no reply");
		return MP_ERR_REDIS;
	}
	*out = rep;
	if (((redisReply *)rep)->type == REDIS_REPLY_ERROR)
		r->st.errors++;
	return MP_OK;
}

bool mp_rds_readonly(struct mp_rds *r, const redisReply *rep, uint64_t now)
{
	/* A master demoted by a failover answers writes with READONLY: go find the new one. */
	if (rep->type != REDIS_REPLY_ERROR || strncmp(rep->str, "READONLY", 8) != 0 || !atomic_load(&r->up))
		return false;
	mp_rds_down(r, now, "the server became a replica (failover)");
	r->next_try_ms = now; /* at once: the sentinels know the new master */
	return true;
}

redisReply *mp_rds_argv(struct mp_rds *r, uint64_t now, int argc, const char **argv, const size_t *argl)
{
	if (!atomic_load(&r->up) || r->c == NULL)
		return NULL;
	mp_rds_wait_begin(r);
	redisReply *rep = redisCommandArgv(r->c, argc, argv, argl);
	mp_rds_wait_end(r);
	if (rep == NULL)
		mp_rds_down(r, now, r->c->errstr[0] ? r->c->errstr : "no reply");
	return rep;
}

int mp_rds_async_drain(struct mp_rds *r, uint64_t now, unsigned int budget)
{
	struct mp_rds_async *a;
	int n = 0;
	while (budget-- > 0 && rte_ring_sc_dequeue(r->aq, (void **)&a) == 0) {
		redisReply *rep = NULL;
		if (atomic_load(&r->up) && r->c != NULL) {
			if (redisAppendFormattedCommand(r->c, a->cmd, (size_t)a->len) == REDIS_OK)
				mp_rds_reply(r, now, &rep);
			if (rep != NULL && mp_rds_readonly(r, rep, now)) {
				freeReplyObject(rep);
				rep = NULL;
			}
		}
		if (a->cb != NULL)
			a->cb(r->lb, rep, a->arg);
		if (rep != NULL)
			freeReplyObject(rep);
		redisFreeCommand(a->cmd);
		free(a);
		n++;
	}
	return n;
}
