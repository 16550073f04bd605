/* lb_redis_conn.c: the Redis connection: connect/AUTH/SELECT, bounded commands, up/down with backoff. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include <rte_lcore.h>

#include "lb_redis_internal.h"
#include "mp_error.h"
#include "mp_log.h"

#undef MP_LOG_MODULE
#define MP_LOG_MODULE MP_LOGM_REDIS

static _Thread_local int mp_rds_role; /* 0: decide by lcore, 1: worker, 2: control plane */

void mp_lb_redis_thread_role(bool worker)
{
	mp_rds_role = worker ? 1 : 2;
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
			r->cfg.host, r->cfg.port, was_up ? "lost" : "unreachable", why);
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
	redisReply *rep = redisvCommand(r->c, fmt, ap);
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
	r->c = redisConnectWithTimeout(r->cfg.host, r->cfg.port, mp_rds_tv(r->cfg.connect_timeout_ms));
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
		MP_INFO("lb redis: %s:%u back after %llu ms; writing local state back", r->cfg.host, r->cfg.port,
			(unsigned long long)(now - r->down_since_ms));
	else
		MP_INFO("lb redis: connected to %s:%u db %d%s%s", r->cfg.host, r->cfg.port, r->cfg.db,
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
	redisReply *rep = redisvCommand(r->c, fmt, ap);
	va_end(ap);
	if (rep == NULL) {
		mp_rds_down(r, now, r->c->errstr[0] ? r->c->errstr : "no reply");
		return NULL;
	}
	if (rep->type == REDIS_REPLY_ERROR)
		r->st.errors++;
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
	if (redisGetReply(r->c, &rep) != REDIS_OK || rep == NULL) {
		mp_rds_down(r, now, r->c->errstr[0] ? r->c->errstr : "no reply");
		return MP_ERR_REDIS;
	}
	*out = rep;
	if (((redisReply *)rep)->type == REDIS_REPLY_ERROR)
		r->st.errors++;
	return MP_OK;
}
