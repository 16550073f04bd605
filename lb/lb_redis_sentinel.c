/* lb_redis_sentinel.c: Redis Sentinel: which server is the master, and following it when it moves. */
#include <stdio.h>
#include <stdlib.h>

#include "lb_redis_internal.h"
#include "mp_error.h"
#include "mp_log.h"

/* Sentinel i of "host:port,host:port,..." into host/port. False when there is no such entry. */
static bool mp_rds_sentinel_nth(const char *list, unsigned int i, char *host, size_t cap, uint16_t *port)
{
	const char *p = list;
	for (unsigned int k = 0; k < i && p != NULL; k++) {
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	if (p == NULL || *p == '\0')
		return false;
	size_t n = strcspn(p, ",");
	const char *colon = memchr(p, ':', n);
	if (colon == NULL || (size_t)(colon - p) >= cap)
		return false;
	mp_rds_copy(host, cap, p, (size_t)(colon - p));
	char num[8];
	size_t nl = n - (size_t)(colon - p) - 1;
	if (nl == 0 || nl >= sizeof(num))
		return false;
	mp_rds_copy(num, sizeof(num), colon + 1, nl);
	char *end;
	long v = strtol(num, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

int mp_lb_redis_sentinels_check(const char *list)
{
	char host[MP_LB_REDIS_HOST_MAX];
	uint16_t port;
	unsigned int n = 0;
	if (list == NULL || list[0] == '\0')
		return MP_OK;
	for (const char *p = list; p != NULL; p = strchr(p, ','), p = p != NULL ? p + 1 : NULL, n++)
		if (!mp_rds_sentinel_nth(list, n, host, sizeof(host), &port))
			return MP_ERR_CONFIG;
	return MP_OK;
}

/* Ask one sentinel for the master's address. */
static bool mp_rds_sentinel_ask(struct mp_rds *r, const char *shost, uint16_t sport, char *host, size_t cap,
				uint16_t *port, char *why, size_t wcap)
{
	struct timeval ct = { .tv_sec = r->cfg.connect_timeout_ms / 1000,
			      .tv_usec = (r->cfg.connect_timeout_ms % 1000) * 1000 };
	struct timeval tt = { .tv_sec = r->cfg.command_timeout_ms / 1000,
			      .tv_usec = (r->cfg.command_timeout_ms % 1000) * 1000 };
	bool ok = false;
	mp_rds_wait_begin(r);
	redisContext *c = redisConnectWithTimeout(shost, sport, ct);
	redisReply *rep = NULL;
	if (c != NULL && !c->err && redisSetTimeout(c, tt) == REDIS_OK)
		rep = redisCommand(c, "SENTINEL get-master-addr-by-name %s", r->cfg.master_name);
	mp_rds_wait_end(r);
	if (rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
	    rep->element[0]->type == REDIS_REPLY_STRING && rep->element[1]->type == REDIS_REPLY_STRING &&
	    rep->element[0]->len < cap) {
		long v = strtol(rep->element[1]->str, NULL, 10);
		if (v > 0 && v < 65536) {
			mp_rds_copy(host, cap, rep->element[0]->str, rep->element[0]->len);
			*port = (uint16_t)v;
			ok = true;
		}
	}
	if (!ok)
		snprintf(why, wcap, "sentinel %.100s:%u: %.100s", shost, sport,
			 c == NULL ? "out of memory" : c->err ? c->errstr
			 : rep == NULL ? "no reply" : rep->type == REDIS_REPLY_ERROR ? rep->str
			 : "does not know the master name");
	if (rep != NULL)
		freeReplyObject(rep);
	if (c != NULL)
		redisFree(c);
	return ok;
}

/* The first sentinel that answers, starting with the one that answered last. */
static bool mp_rds_sentinel_query(struct mp_rds *r, char *host, size_t cap, uint16_t *port, char *why, size_t wcap)
{
	unsigned int n = 0;
	char shost[MP_LB_REDIS_HOST_MAX];
	uint16_t sport;
	while (mp_rds_sentinel_nth(r->cfg.sentinels, n, shost, sizeof(shost), &sport))
		n++;
	snprintf(why, wcap, "no sentinel configured");
	for (unsigned int k = 0; k < n; k++) {
		unsigned int i = (r->sentinel_next + k) % n;
		if (!mp_rds_sentinel_nth(r->cfg.sentinels, i, shost, sizeof(shost), &sport))
			continue;
		if (mp_rds_sentinel_ask(r, shost, sport, host, cap, port, why, wcap)) {
			r->sentinel_next = i;
			return true;
		}
	}
	return false;
}

int mp_rds_sentinel_master(struct mp_rds *r, char *why, size_t cap)
{
	char host[MP_LB_REDIS_HOST_MAX];
	uint16_t port;
	if (!mp_rds_sentinel_query(r, host, sizeof(host), &port, why, cap))
		return MP_ERR_REDIS;
	if (strcmp(host, r->host) != 0 || port != r->port)
		MP_INFO("lb redis: Sentinel names %s:%u master of %s", host, port, r->cfg.master_name);
	snprintf(r->host, sizeof(r->host), "%s", host);
	r->port = port;
	return MP_OK;
}

void mp_rds_sentinel_check(struct mp_rds *r, uint64_t now)
{
	if (r->cfg.sentinels[0] == '\0' || !atomic_load(&r->up) ||
	    (now >= r->sentinel_checked_ms && now - r->sentinel_checked_ms < 1000))
		return;
	r->sentinel_checked_ms = now;
	char host[MP_LB_REDIS_HOST_MAX], why[256];
	uint16_t port;
	if (!mp_rds_sentinel_query(r, host, sizeof(host), &port, why, sizeof(why)))
		return; /* no sentinel answers: stay with the master we have */
	if (strcmp(host, r->host) == 0 && port == r->port)
		return;
	MP_WARN("lb redis: Sentinel moved the master of %s from %s:%u to %s:%u (failover)", r->cfg.master_name,
		r->host, r->port, host, port);
	mp_rds_down(r, now, "the master moved (Sentinel failover)");
	r->next_try_ms = now; /* at once */
}
