/* lb_redis_fleet.c: session records shared by a fleet through Redis, so a peer takes a dead appliance's live sessions over. */
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <rte_lcore.h>

#include "endpoint.h"
#include "ipv6.h"
#include "lb_redis_internal.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"

#undef MP_LOG_MODULE
#define MP_LOG_MODULE MP_LOGM_REDIS

/*
 * docs/fleet.md, "Failover without a reconnect". Threads:
 *   worker   mp_lb_fleet_publish (a session became active) and mp_lb_fleet_miss_* (a datagram of no
 *            session here) queue a request on the backend's request ring (mp_rds_enqueue, never
 *            blocks); mp_lb_fleet_adopt_poll installs what the Redis thread found.
 *   Redis    writes records (SET PX), refreshes the TTL of live sessions, looks misses up (GET) and
 *            passes what it found to the workers on the adopt ring (sessions are written by worker
 *            lcores only).
 * Keys (after the key prefix), TTL = the kind's idle timeout or fleet_record_ttl_ms, the longer, renewed
 * every third of the shorter TTL while the session lives (PEXPIRE when the record is the one the renewal
 * wrote last and is still there, else SET again), a slice of the sessions per Redis-thread turn
 * (mp_rds_fleet_refresh), so lookups are served while a renewal is under way:
 *   mediaplane-session-srt:<socket id the client sends to>        the record of an SRT session (JSON)
 *   mediaplane-session-webrtc:<client ip:port>:<service ip:port>  the record of a WebRTC session
 *   mediaplane-session-nat:<origin ip>:<origin port>:<NAT port>   the same record, either kind
 * An IPv6 origin is named by its address ("[2001:db8::1]:10080" in the record, "[2001:db8::1]" in the
 * NAT key), never by the stand-in this appliance gave it. IPv6 clients' sessions are not shared:
 * their stand-ins (dp_v6client.h) are this appliance's own numbering, which a peer cannot follow.
 * A peer that took a session over serves it on this appliance's NAT port and renews its record; when
 * this appliance's copy idles out, the port must not go to another session towards that origin
 * endpoint while the peer's record lives: at the end of its quiet period the port is parked
 * (mp_lb_fleet_park, worker), the Redis thread reads the NAT key (GET, mp_rds_fleet_parked), and a
 * worker keeps the port for another quiet period when a peer's record holds it, else frees it
 * (mp_lb_fleet_adopt_poll, mp_lb_natport_recheck).
 */

#define MP_RDS_SESS_SRT "mediaplane-session-srt:"
#define MP_RDS_SESS_WEBRTC "mediaplane-session-webrtc:"
#define MP_RDS_SESS_NAT "mediaplane-session-nat:"
#define FLEET_ADOPT_RING 1024
#define FLEET_RECENT 64           /* misses remembered, so a burst of one flow asks Redis once */
#define FLEET_RECENT_MS 100       /* ... per this long */
#define FLEET_REFRESH_BATCH 128
#define FLEET_TURN_BATCHES 16     /* batches a Redis-thread turn renews at most (~2k records) */
#define FLEET_TURN_MS 25          /* ... and no further batch once a turn's renewal took this long */
#define FLEET_PARK_RING 4096      /* parked NAT ports waiting for Redis (more: freed unasked) */
#define FLEET_PARK_BATCH 64       /* parked ports asked per Redis-thread turn */

/* A parked port and what Redis said of it (Redis thread -> workers). */
struct fleet_parked {
	struct mp_lb_nat_held h;
	uint32_t taken; /* a peer's record holds the NAT key */
	uint32_t pad;
};

struct mp_rds_fleet {
	struct rte_ring *adopt;   /* struct mp_rds_fleet_rec; SP (Redis thread) / MC (workers) */
	struct rte_ring *park;    /* struct mp_lb_nat_held; MP (workers) / SC (Redis thread) */
	struct rte_ring *parked;  /* struct fleet_parked; SP (Redis thread) / MC (workers) */
	uint64_t refreshed_ms;    /* the renewal pass under way (or the last) began */
	uint32_t cursor;          /* the next session slot of the pass under way; UINT32_MAX: none */
	uint64_t pass_done;       /* live slots the pass under way has looked at */
	uint64_t *written;        /* per session slot: digest of the record the renewal last SET (0: none);
				   * max_sessions of them, made at the first renewal */
	struct {
		char key[96];
		uint64_t at_ms;
	} recent[FLEET_RECENT];
	unsigned int recent_next;
	/* The last record passed to the workers: its other key (socket id / client address, NAT port)
	 * is usually asked a moment later, before a worker installed it. */
	uint32_t taken_ip;
	uint16_t taken_port;
	uint64_t taken_ms;
	_Atomic uint64_t published, lookups, found, adopted, adopt_failed;
	_Atomic uint64_t passes, overruns, renewed, rewritten;
	_Atomic uint64_t ports_parked, ports_kept;
};

_Static_assert(sizeof(struct mp_rds_fleet_rec) % 4 == 0, "rte_ring elements are a multiple of 4 bytes");
_Static_assert(sizeof(struct mp_lb_nat_held) % 4 == 0 && sizeof(struct fleet_parked) % 4 == 0,
	       "rte_ring elements are a multiple of 4 bytes");
_Static_assert(sizeof(struct mp_rds_fleet_rec) < sizeof(((struct mp_rds_req *)0)->s), "a record fits a request");

static const char *kind_name(uint8_t kind)
{
	return kind == MP_LB_SESS_SRT ? "srt" : "webrtc";
}

/* An IPv6 client's session: its stand-in means nothing to a peer (see the top of this file), so it
 * has no record. */
static bool fleet_client_standin(const struct mp_lb_session *s)
{
	return mp_lb_is_standin(s->tuple.src_ip);
}

static void rec_of(struct mp_lb *lb, struct mp_rds_fleet_rec *rec, const struct mp_lb_session *s, uint16_t by)
{
	memset(rec, 0, sizeof(*rec));
	rec->kind = s->kind;
	rec->by = by;
	rec->client_ip = s->tuple.src_ip;
	rec->client_port = s->tuple.src_port;
	rec->service_ip = s->tuple.dst_ip;
	rec->service_port = s->tuple.dst_port;
	rec->origin_ip = s->origin_ipv4;
	rec->origin_port = s->origin_port;
	if (mp_lb_origin6_is_standin(s->origin_ipv4)) {
		const uint8_t *a6 = mp_lb_origin6_addr(lb, s->origin_ipv4);
		if (a6 != NULL)
			memcpy(rec->origin_ip6, a6, 16);
	}
	rec->nat_port = s->nat_port;
	if (s->kind == MP_LB_SESS_SRT) {
		rec->client_sock = atomic_load_explicit(&s->u.srt.client_sock, memory_order_relaxed);
		rec->origin_sock = atomic_load_explicit(&s->u.srt.origin_sock, memory_order_relaxed);
		rec->bound = s->u.srt.bound;
	} else {
		char u[MP_LB_USERNAME_MAX];
		mp_lb_session_username(lb, s, u); /* "" when its entry is gone: no record is written */
		memcpy(rec->username, u, sizeof(rec->username) - 1);
	}
}

/* ICE usernames are ice-chars and ':' (RFC 8839): nothing JSON would need escaped. */
static bool username_ok(const char *u)
{
	if (*u == '\0')
		return false;
	for (; *u; u++)
		if (!isalnum((unsigned char)*u) && *u != '+' && *u != '/' && *u != ':' && *u != '-' && *u != '_' &&
		    *u != '.' && *u != '#')
			return false;
	return true;
}

/* ---- the record as JSON ---- */

static void ep_text(char *out, size_t cap, uint32_t ip, uint16_t port)
{
	char a[16];
	mp_ipv4_format(ip, a, sizeof(a));
	snprintf(out, cap, "%s:%u", a, port);
}

/* The NAT key's suffix of (origin address, origin port, NAT port), as every appliance writes it:
 * "a.b.c.d:port:nat", an IPv6 origin's stand-in as "[its address]:port:nat". */
static void nat_key_text(struct mp_lb *lb, uint32_t origin_ip, uint16_t origin_port, uint16_t nat_port, char *out,
			 size_t cap)
{
	char a[MP_LB_ADDR_TEXT_MAX];
	mp_lb_addr_text(lb, origin_ip, a, sizeof(a));
	snprintf(out, cap, "%s:%u:%u", a, origin_port, nat_port);
}

/* The record's origin address as every appliance writes it: "a.b.c.d", or "[IPv6]" (MP_LB_ADDR_TEXT_MAX). */
static void origin_text(const struct mp_rds_fleet_rec *rec, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN];
	if (!mp_ip6_is_unspecified(rec->origin_ip6) && mp_ipv6_format(rec->origin_ip6, a, sizeof(a)) > 0)
		snprintf(out, cap, "[%s]", a);
	else
		mp_ipv4_format(rec->origin_ip, out, cap);
}

int mp_rds_fleet_encode(const struct mp_rds_fleet_rec *rec, char *out, size_t cap)
{
	char c[24], sv[24], oa[MP_LB_ADDR_TEXT_MAX], o[MP_LB_ADDR_TEXT_MAX + 8];
	ep_text(c, sizeof(c), rec->client_ip, rec->client_port);
	ep_text(sv, sizeof(sv), rec->service_ip, rec->service_port);
	origin_text(rec, oa, sizeof(oa));
	snprintf(o, sizeof(o), "%s:%u", oa, rec->origin_port);
	int n;
	if (rec->kind == MP_LB_SESS_WEBRTC) {
		if (!username_ok(rec->username))
			return MP_ERR_INVAL;
		n = snprintf(out, cap,
			     "{\"kind\":\"webrtc\",\"client\":\"%s\",\"service\":\"%s\",\"origin\":\"%s\","
			     "\"nat_port\":%u,\"username\":\"%s\",\"by\":%u}",
			     c, sv, o, rec->nat_port, rec->username, rec->by);
	} else {
		n = snprintf(out, cap,
			     "{\"kind\":\"%s\",\"client\":\"%s\",\"service\":\"%s\",\"origin\":\"%s\",\"nat_port\":%u,"
			     "\"client_sock\":%u,\"origin_sock\":%u,\"bound\":%u,\"by\":%u}",
			     kind_name(rec->kind), c, sv, o, rec->nat_port, rec->client_sock, rec->origin_sock, rec->bound,
			     rec->by);
	}
	return n > 0 && (size_t)n < cap ? n : MP_ERR_NOSPACE;
}

/* An IPv4 endpoint, or with ip6 an IPv6 one too (into ip6, *ip 0). Never an address in 0.0.0.0/8:
 * stand-ins are one appliance's own numbering (and no real host's address). */
static int ep_get(const cJSON *j, const char *name, uint32_t *ip, uint16_t *port, uint8_t *ip6)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	struct mp_endpoint ep;
	if (!cJSON_IsString(v) || mp_endpoint_parse(v->valuestring, strlen(v->valuestring), &ep) != MP_OK)
		return MP_ERR_INVAL;
	if (ep.v6 && ip6 != NULL && !mp_ip6_is_unspecified(ep.ip6)) {
		memcpy(ip6, ep.ip6, 16);
		*ip = 0;
	} else if (ep.v6 || (ep.ipv4 >> 24) == 0) {
		return MP_ERR_INVAL;
	} else {
		*ip = ep.ipv4;
	}
	*port = ep.port;
	return MP_OK;
}

static int num_get(const cJSON *j, const char *name, double max, uint32_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > max)
		return MP_ERR_INVAL;
	*out = (uint32_t)v->valuedouble;
	return MP_OK;
}

int mp_rds_fleet_decode(const char *json, size_t len, struct mp_rds_fleet_rec *rec)
{
	cJSON *j = cJSON_ParseWithLength(json, len);
	uint32_t np = 0, by = 0;
	int rc = MP_ERR_INVAL;
	memset(rec, 0, sizeof(*rec));
	if (j == NULL)
		return MP_ERR_INVAL;
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "kind");
	if (!cJSON_IsString(k) || (strcmp(k->valuestring, "srt") != 0 && strcmp(k->valuestring, "webrtc") != 0))
		goto out;
	rec->kind = strcmp(k->valuestring, "srt") == 0 ? MP_LB_SESS_SRT : MP_LB_SESS_WEBRTC;
	if (ep_get(j, "client", &rec->client_ip, &rec->client_port, NULL) != MP_OK ||
	    ep_get(j, "service", &rec->service_ip, &rec->service_port, NULL) != MP_OK ||
	    ep_get(j, "origin", &rec->origin_ip, &rec->origin_port, rec->origin_ip6) != MP_OK ||
	    num_get(j, "nat_port", 65535, &np) != MP_OK || num_get(j, "by", 65535, &by) != MP_OK)
		goto out;
	if (rec->kind == MP_LB_SESS_SRT) {
		if (num_get(j, "client_sock", 4294967295.0, &rec->client_sock) ||
		    num_get(j, "origin_sock", 4294967295.0, &rec->origin_sock) ||
		    num_get(j, "bound", 4294967295.0, &rec->bound) || rec->bound == 0)
			goto out;
	} else {
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(j, "username");
		if (!cJSON_IsString(u) || strlen(u->valuestring) >= sizeof(rec->username) ||
		    !username_ok(u->valuestring))
			goto out;
		memcpy(rec->username, u->valuestring, strlen(u->valuestring) + 1);
	}
	rec->nat_port = (uint16_t)np;
	rec->by = (uint16_t)by;
	rc = MP_OK;
out:
	cJSON_Delete(j);
	return rc;
}

/* ---- any thread ---- */

static struct mp_rds_fleet *fleet_of(struct mp_lb *lb, struct mp_rds **rp)
{
	struct mp_rds *r = mp_rds_of(lb);
	if (r == NULL || r->fleet == NULL || lb->fleet_size <= 1)
		return NULL;
	*rp = r;
	return r->fleet;
}

bool mp_lb_fleet_wanted(struct mp_lb *lb)
{
	struct mp_rds *r;
	return fleet_of(lb, &r) != NULL && atomic_load_explicit(&r->up, memory_order_relaxed);
}

void mp_lb_fleet_publish(struct mp_lb *lb, const struct mp_lb_session *s)
{
	struct mp_rds *r;
	struct mp_rds_fleet_rec rec;
	if (fleet_of(lb, &r) == NULL || fleet_client_standin(s))
		return;
	rec_of(lb, &rec, s, lb->fleet_index);
	mp_rds_enqueue(r, MP_RDS_REQ_SESSION, 0, (const char *)&rec, sizeof(rec));
}

int mp_lb_fleet_miss_srt(struct mp_lb *lb, uint32_t sock_id)
{
	struct mp_rds *r;
	char k[48];
	if (fleet_of(lb, &r) == NULL || !atomic_load_explicit(&r->up, memory_order_relaxed))
		return MP_ERR_STATE;
	int n = snprintf(k, sizeof(k), MP_RDS_SESS_SRT "%u", sock_id);
	return mp_rds_enqueue(r, MP_RDS_REQ_SESS_MISS, 0, k, (size_t)n) ? MP_OK : MP_ERR_FULL;
}

int mp_lb_fleet_miss_webrtc(struct mp_lb *lb, const struct mp_lb_tuple *t)
{
	struct mp_rds *r;
	char k[96], c[24], sv[24];
	if (fleet_of(lb, &r) == NULL || !atomic_load_explicit(&r->up, memory_order_relaxed))
		return MP_ERR_STATE;
	ep_text(c, sizeof(c), t->src_ip, t->src_port);
	ep_text(sv, sizeof(sv), t->dst_ip, t->dst_port);
	int n = snprintf(k, sizeof(k), MP_RDS_SESS_WEBRTC "%s:%s", c, sv);
	return mp_rds_enqueue(r, MP_RDS_REQ_SESS_MISS, 0, k, (size_t)n) ? MP_OK : MP_ERR_FULL;
}

int mp_lb_fleet_miss_nat(struct mp_lb *lb, uint32_t origin_ip, uint16_t origin_port, uint16_t nat_port)
{
	struct mp_rds *r;
	char k[96], t[80];
	if (fleet_of(lb, &r) == NULL || !atomic_load_explicit(&r->up, memory_order_relaxed))
		return MP_ERR_STATE;
	nat_key_text(lb, origin_ip, origin_port, nat_port, t, sizeof(t));
	int n = snprintf(k, sizeof(k), MP_RDS_SESS_NAT "%s", t);
	return mp_rds_enqueue(r, MP_RDS_REQ_SESS_MISS, 0, k, (size_t)n) ? MP_OK : MP_ERR_FULL;
}

unsigned int mp_lb_fleet_adopt_poll(struct mp_lb *lb, uint64_t now, unsigned int budget)
{
	struct mp_rds *r;
	struct mp_rds_fleet *f = fleet_of(lb, &r);
	struct mp_rds_fleet_rec rec;
	struct fleet_parked pk;
	unsigned int n = 0;
	if (f == NULL)
		return 0;
	/* Redis's answers about parked ports (at most budget a call, like the records below) */
	if (rte_ring_count(f->parked) != 0) {
		rte_spinlock_lock(&lb->sess.wlock);
		for (unsigned int m = 0; m < budget && rte_ring_mc_dequeue_elem(f->parked, &pk, sizeof(pk)) == 0; m++)
			mp_lb_natport_recheck(lb, &pk.h, pk.taken != 0, now);
		rte_spinlock_unlock(&lb->sess.wlock);
	}
	if (rte_ring_count(f->adopt) == 0)
		return 0;
	while (n < budget && rte_ring_mc_dequeue_elem(f->adopt, &rec, sizeof(rec)) == 0) {
		struct mp_lb_session_params p = { 0 };
		struct mp_lb_session *s;
		mp_lb_tuple_set(&p.tuple, rec.client_ip, rec.client_port, rec.service_ip, rec.service_port, 17);
		p.origin_ipv4 = rec.origin_ip;
		p.origin_port = rec.origin_port;
		p.origin_id = rec.origin_id;
		p.kind = rec.kind == MP_LB_SESS_WEBRTC ? MP_LB_SESS_WEBRTC : MP_LB_SESS_SRT;
		p.state = MP_LB_SESS_ACTIVE;
		p.srt_client_sock = rec.client_sock;
		p.username = rec.username;
		if (mp_lb_session_adopt(lb, &p, rec.nat_port, rec.bound, rec.origin_sock, now, &s) == MP_OK) {
			/* A consent check from a new address finds the session to re-bind (ICE). */
			const struct mp_lb_webrtc *e = p.kind == MP_LB_SESS_WEBRTC
							       ? mp_lb_webrtc_find(lb, rec.username, strlen(rec.username))
							       : NULL;
			if (e != NULL)
				mp_lb_webrtc_link(e, s);
			/* the record names this appliance at once: the one whose port it is keeps it
			 * (mp_lb_fleet_park) */
			mp_lb_fleet_publish(lb, s);
			atomic_fetch_add_explicit(&f->adopted, 1, memory_order_relaxed);
			n++;
		} else {
			atomic_fetch_add_explicit(&f->adopt_failed, 1, memory_order_relaxed);
		}
	}
	return n;
}

void mp_lb_fleet_stats(struct mp_lb *lb, struct mp_lb_fleet_stats *out)
{
	struct mp_rds *r;
	struct mp_rds_fleet *f = fleet_of(lb, &r);
	memset(out, 0, sizeof(*out));
	if (f == NULL)
		return;
	out->published = atomic_load(&f->published);
	out->lookups = atomic_load(&f->lookups);
	out->found = atomic_load(&f->found);
	out->adopted = atomic_load(&f->adopted);
	out->adopt_failed = atomic_load(&f->adopt_failed);
	out->renewal_passes = atomic_load(&f->passes);
	out->renewal_overruns = atomic_load(&f->overruns);
	out->renewed = atomic_load(&f->renewed);
	out->rewritten = atomic_load(&f->rewritten);
	out->ports_parked = atomic_load(&f->ports_parked);
	out->ports_kept = atomic_load(&f->ports_kept);
}

bool mp_lb_fleet_park(struct mp_lb *lb, const struct mp_lb_nat_held *h)
{
	struct mp_rds *r;
	struct mp_rds_fleet *f = fleet_of(lb, &r);
	struct mp_lb_nat_held copy = *h;
	if (f == NULL || !atomic_load_explicit(&r->up, memory_order_relaxed) ||
	    rte_ring_mp_enqueue_elem(f->park, &copy, sizeof(copy)) != 0)
		return false;
	atomic_fetch_add_explicit(&f->ports_parked, 1, memory_order_relaxed);
	return true;
}

/* ---- the Redis thread (lock held) ---- */

int mp_rds_fleet_init(struct mp_rds *r)
{
	static _Atomic unsigned int instances;
	char name[RTE_RING_NAMESIZE];
	/* Made for every Redis backend (mp_lb_set_fleet comes after creation); used with a fleet only. */
	struct mp_rds_fleet *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return MP_ERR_NOMEM;
	unsigned int id = atomic_fetch_add(&instances, 1);
	snprintf(name, sizeof(name), "lbfleet%u", id);
	f->adopt = rte_ring_create_elem(name, sizeof(struct mp_rds_fleet_rec), FLEET_ADOPT_RING, r->lb->cfg.socket_id,
					RING_F_SP_ENQ);
	snprintf(name, sizeof(name), "lbpark%u", id);
	f->park = rte_ring_create_elem(name, sizeof(struct mp_lb_nat_held), FLEET_PARK_RING, r->lb->cfg.socket_id,
				       RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "lbparked%u", id);
	f->parked = rte_ring_create_elem(name, sizeof(struct fleet_parked), FLEET_PARK_RING, r->lb->cfg.socket_id,
					 RING_F_SP_ENQ);
	if (f->adopt == NULL || f->park == NULL || f->parked == NULL) {
		rte_ring_free(f->adopt);
		rte_ring_free(f->park);
		rte_ring_free(f->parked);
		free(f);
		return MP_ERR_NOMEM;
	}
	f->cursor = UINT32_MAX;
	r->fleet = f;
	return MP_OK;
}

void mp_rds_fleet_fini(struct mp_rds *r)
{
	if (r->fleet == NULL)
		return;
	rte_ring_free(r->fleet->adopt);
	rte_ring_free(r->fleet->park);
	rte_ring_free(r->fleet->parked);
	free(r->fleet->written);
	free(r->fleet);
	r->fleet = NULL;
}

/* A record's TTL: its kind's idle timeout (a session idle longer is gone anyway), or fleet_record_ttl_ms
 * when that is longer: renewals cost Redis commands in proportion to live sessions / TTL (docs/fleet.md).
 * A record outlives its session by at most this; its NAT port goes to no other session of this
 * appliance before nat_port_quiet (the configuration keeps fleet_record_ttl within it). */
static unsigned long long fleet_ttl(const struct mp_rds *r, uint8_t kind)
{
	unsigned long long t = mp_rds_ttl(kind == MP_LB_SESS_WEBRTC ? r->lb->cfg.webrtc_idle_ms : r->lb->cfg.srt_idle_ms);
	return t > r->cfg.fleet_record_ttl_ms ? t : r->cfg.fleet_record_ttl_ms;
}

/* How often live sessions are written again: a third of the shorter TTL. */
static unsigned long long fleet_refresh_ms(const struct mp_rds *r)
{
	unsigned long long a = fleet_ttl(r, MP_LB_SESS_SRT), b = fleet_ttl(r, MP_LB_SESS_WEBRTC);
	return (a < b ? a : b) / 3;
}

/* The keys of rec (its SRT socket id or WebRTC tuple, its NAT port): how many were made. */
static int fleet_keys(struct mp_rds *r, const struct mp_rds_fleet_rec *rec, char keys[2][MP_RDS_KEY_MAX])
{
	char k[96], a[MP_LB_ADDR_TEXT_MAX];
	int n = 0;
	if (rec->kind == MP_LB_SESS_SRT) {
		if (rec->bound == 0)
			return 0; /* not bound (yet): the client cannot be told apart */
		snprintf(k, sizeof(k), "%u", rec->bound);
		n += mp_rds_key(r, keys[n], MP_RDS_KEY_MAX, MP_RDS_SESS_SRT, k) == MP_OK;
	} else {
		char c[24], sv[24];
		ep_text(c, sizeof(c), rec->client_ip, rec->client_port);
		ep_text(sv, sizeof(sv), rec->service_ip, rec->service_port);
		snprintf(k, sizeof(k), "%s:%s", c, sv);
		n += mp_rds_key(r, keys[n], MP_RDS_KEY_MAX, MP_RDS_SESS_WEBRTC, k) == MP_OK;
	}
	if (rec->nat_port != 0) {
		origin_text(rec, a, sizeof(a));
		snprintf(k, sizeof(k), "%s:%u:%u", a, rec->origin_port, rec->nat_port);
		n += mp_rds_key(r, keys[n], MP_RDS_KEY_MAX, MP_RDS_SESS_NAT, k) == MP_OK;
	}
	return n;
}

/* Append the SETs of rec (both keys); the number appended. */
static int fleet_append(struct mp_rds *r, const struct mp_rds_fleet_rec *rec)
{
	char json[512], keys[2][MP_RDS_KEY_MAX];
	unsigned long long ttl = fleet_ttl(r, rec->kind);
	int n = 0, nk;
	if (mp_rds_fleet_encode(rec, json, sizeof(json)) < 0)
		return 0;
	nk = fleet_keys(r, rec, keys);
	for (int i = 0; i < nk; i++)
		n += mp_rds_append(r, "SET %s %s PX %llu", keys[i], json, ttl) == MP_OK;
	return n;
}

/* Append a PEXPIRE (the kind's TTL again) for each key of rec; the number appended. */
static int fleet_append_renew(struct mp_rds *r, const struct mp_rds_fleet_rec *rec)
{
	char keys[2][MP_RDS_KEY_MAX];
	unsigned long long ttl = fleet_ttl(r, rec->kind);
	int n = 0, nk = fleet_keys(r, rec, keys);
	for (int i = 0; i < nk; i++)
		n += mp_rds_append(r, "PEXPIRE %s %llu", keys[i], ttl) == MP_OK;
	return n;
}

/* A digest of rec (rec_of clears it first: no stray padding); never 0. */
static uint64_t fleet_digest(const struct mp_rds_fleet_rec *rec)
{
	const uint8_t *p = (const uint8_t *)rec;
	uint64_t h = 14695981039346656037ull; /* FNV-1a */
	for (size_t i = 0; i < sizeof(*rec); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h != 0 ? h : 1;
}

static void fleet_replies(struct mp_rds *r, uint64_t now, int n)
{
	redisReply *rep;
	while (n-- > 0) {
		if (mp_rds_reply(r, now, &rep) != MP_OK)
			return;
		freeReplyObject(rep);
	}
}

/* The local origin id of rec's origin endpoint: the origin with that SRT (RTC) endpoint, else the one
 * at that address (a WebRTC origin answers media on a port of its choice); MP_LB_ORIGIN_NONE when
 * unknown here. */
static uint32_t fleet_origin_id(struct mp_rds *r, const struct mp_rds_fleet_rec *rec)
{
	struct mp_lb *lb = r->lb;
	enum mp_reg_proto proto = rec->kind == MP_LB_SESS_SRT ? MP_PROTO_SRT : MP_PROTO_RTC;
	uint32_t lim = mp_lb_origin_id_limit(lb), by_ip = MP_LB_ORIGIN_NONE;
	/* (an IPv6 origin's record names its address: rec->origin_ip is already this appliance's stand-in) */
	if (rec->origin_ip == 0)
		return MP_LB_ORIGIN_NONE;
	for (uint32_t id = 0; id < lim; id++) {
		const struct mp_lb_origin *o = mp_lb_origin_get(lb, id);
		if (o == NULL)
			continue;
		for (unsigned int i = 0; i < o->n_ep[proto]; i++) {
			uint32_t ip;
			uint16_t port;
			if (mp_lb_origin_endpoint(o, proto, i, &ip, &port) != MP_OK || ip != rec->origin_ip)
				continue;
			if (port == rec->origin_port)
				return id;
			if (by_ip == MP_LB_ORIGIN_NONE)
				by_ip = id;
		}
		if (by_ip == MP_LB_ORIGIN_NONE && rec->kind == MP_LB_SESS_WEBRTC && o->ipv4 == rec->origin_ip)
			by_ip = id; /* its registered address */
	}
	return by_ip;
}

static bool fleet_recent(struct mp_rds_fleet *f, const char *key, uint64_t now)
{
	for (unsigned int i = 0; i < FLEET_RECENT; i++)
		if (f->recent[i].at_ms != 0 && now - f->recent[i].at_ms < FLEET_RECENT_MS &&
		    strcmp(f->recent[i].key, key) == 0)
			return true;
	snprintf(f->recent[f->recent_next].key, sizeof(f->recent[0].key), "%s", key);
	f->recent[f->recent_next].at_ms = now ? now : 1;
	f->recent_next = (f->recent_next + 1) % FLEET_RECENT;
	return false;
}

static void fleet_lookup(struct mp_rds *r, const char *suffix, uint64_t now)
{
	struct mp_rds_fleet *f = r->fleet;
	char key[MP_RDS_KEY_MAX];
	struct mp_rds_fleet_rec rec;
	if (fleet_recent(f, suffix, now) || mp_rds_key(r, key, sizeof(key), "", suffix) != MP_OK)
		return;
	atomic_fetch_add_explicit(&f->lookups, 1, memory_order_relaxed);
	redisReply *rep = mp_rds_cmd(r, now, "GET %s", key);
	if (rep == NULL)
		return;
	int rc = rep->type == REDIS_REPLY_STRING ? mp_rds_fleet_decode(rep->str, rep->len, &rec) : MP_ERR_NOTFOUND;
	freeReplyObject(rep);
	if (rc != MP_OK) {
		if (rc != MP_ERR_NOTFOUND)
			r->st.bad_records++;
		return;
	}
	/* An IPv6 origin: known here only if registered here (its stand-in, 0 when none). */
	if (!mp_ip6_is_unspecified(rec.origin_ip6))
		rec.origin_ip = mp_lb_origin6_standin(r->lb, rec.origin_ip6);
	if (rec.nat_port != 0 && mp_lb_session_by_nat(r->lb, rec.origin_ip, rec.origin_port, rec.nat_port) != NULL)
		return; /* live here already (ours, or taken over a moment ago) */
	if (rec.client_ip == f->taken_ip && rec.client_port == f->taken_port && now - f->taken_ms < 1000)
		return; /* passed to the workers just now (looked up by its other key) */
	/* A record in Redis is anyone's: media goes only to an origin this appliance knows. */
	rec.origin_id = fleet_origin_id(r, &rec);
	if (rec.origin_id == MP_LB_ORIGIN_NONE) {
		r->st.bad_records++;
		return;
	}
	atomic_fetch_add_explicit(&f->found, 1, memory_order_relaxed);
	r->st.remote_hits++;
	char a[16];
	mp_ipv4_format(rec.client_ip, a, sizeof(a));
	if (rec.kind == MP_LB_SESS_SRT)
		MP_INFO("fleet: taking over the SRT session of %s:%u (socket %u, NAT port %u, made by appliance %u)", a,
			rec.client_port, rec.bound, rec.nat_port, rec.by);
	else
		MP_INFO("fleet: taking over the WebRTC session of %s:%u (NAT port %u, made by appliance %u)", a,
			rec.client_port, rec.nat_port, rec.by);
	if (rte_ring_sp_enqueue_elem(f->adopt, &rec, sizeof(rec)) != 0) {
		atomic_fetch_add_explicit(&r->queue_full, 1, memory_order_relaxed);
		return;
	}
	f->taken_ip = rec.client_ip;
	f->taken_port = rec.client_port;
	f->taken_ms = now;
}

void mp_rds_fleet_req(struct mp_rds *r, const struct mp_rds_req *q, uint64_t now)
{
	if (r->fleet == NULL || r->lb->fleet_size <= 1)
		return;
	if (q->kind == MP_RDS_REQ_SESSION && q->len == sizeof(struct mp_rds_fleet_rec)) {
		struct mp_rds_fleet_rec rec;
		memcpy(&rec, q->s, sizeof(rec));
		fleet_replies(r, now, fleet_append(r, &rec));
		atomic_fetch_add_explicit(&r->fleet->published, 1, memory_order_relaxed);
	} else if (q->kind == MP_RDS_REQ_SESS_MISS) {
		fleet_lookup(r, q->s, now);
	}
}

/* Read n replies of a renewal batch: renew[k] PEXPIREs then set[k] SETs for record k, in order. A record
 * one of whose keys is gone (PEXPIRE answered 0: Redis restarted, flushed, or the key was deleted) is
 * written in full at once. False when Redis went away. */
static bool fleet_renew_replies(struct mp_rds *r, uint64_t now, const struct mp_rds_fleet_rec *batch,
				const uint32_t *slot, const uint8_t *renew, const uint8_t *set, unsigned int n)
{
	struct mp_rds_fleet *f = r->fleet;
	unsigned int again[FLEET_REFRESH_BATCH], n_again = 0;
	redisReply *rep;
	for (unsigned int k = 0; k < n; k++) {
		bool gone = false;
		for (unsigned int j = 0; j < (unsigned int)renew[k] + set[k]; j++) {
			if (mp_rds_reply(r, now, &rep) != MP_OK)
				return false;
			if (j < renew[k] && !(rep->type == REDIS_REPLY_INTEGER && rep->integer == 1))
				gone = true;
			freeReplyObject(rep);
		}
		if (gone)
			again[n_again++] = k;
		else if (renew[k] > 0)
			atomic_fetch_add_explicit(&f->renewed, 1, memory_order_relaxed);
		else if (set[k] > 0)
			atomic_fetch_add_explicit(&f->rewritten, 1, memory_order_relaxed);
	}
	int m = 0;
	for (unsigned int a = 0; a < n_again; a++) {
		int w = fleet_append(r, &batch[again[a]]);
		f->written[slot[again[a]]] = w > 0 ? fleet_digest(&batch[again[a]]) : 0;
		atomic_fetch_add_explicit(&f->rewritten, 1, memory_order_relaxed);
		m += w;
	}
	fleet_replies(r, now, m);
	return atomic_load(&r->up);
}

/* Renew the records of live slots from f->cursor: one batch (up to FLEET_REFRESH_BATCH records). The
 * slot after the batch is left in f->cursor (UINT32_MAX past the last). False when Redis went away. */
static bool fleet_renew_batch(struct mp_rds *r, uint64_t now)
{
	struct mp_rds_fleet *f = r->fleet;
	struct mp_lb *lb = r->lb;
	struct mp_rds_fleet_rec batch[FLEET_REFRESH_BATCH];
	uint32_t slot[FLEET_REFRESH_BATCH], i;
	uint8_t renew[FLEET_REFRESH_BATCH], set[FLEET_REFRESH_BATCH];
	unsigned int n = 0;
	/* Copy a batch of records (no session pointer is held across the wait on Redis). */
	for (i = mp_lb_session_next(lb, f->cursor); i != UINT32_MAX && n < FLEET_REFRESH_BATCH;
	     i = mp_lb_session_next(lb, i + 1)) {
		const struct mp_lb_session *s = mp_lb_session_at(lb, i);
		f->pass_done++;
		if (s != NULL && atomic_load_explicit(&s->state, memory_order_acquire) == MP_LB_SESS_ACTIVE &&
		    (s->kind == MP_LB_SESS_WEBRTC || s->u.srt.bound) && !fleet_client_standin(s)) {
			rec_of(lb, &batch[n], s, lb->fleet_index);
			slot[n++] = i;
		}
	}
	f->cursor = i;
	/* The record the renewal wrote last for this slot: its TTL only. Another (a new session in the
	 * slot, a changed socket id, a record published since): written in full. */
	for (unsigned int k = 0; k < n; k++) {
		uint64_t d = fleet_digest(&batch[k]);
		renew[k] = set[k] = 0;
		if (f->written[slot[k]] == d) {
			renew[k] = (uint8_t)fleet_append_renew(r, &batch[k]);
		} else {
			set[k] = (uint8_t)fleet_append(r, &batch[k]);
			f->written[slot[k]] = set[k] > 0 ? d : 0;
		}
	}
	return fleet_renew_replies(r, now, batch, slot, renew, set, n);
}

/*
 * Each Redis-thread turn (the poll every few ms, the sync every second): a renewal pass begins every
 * fleet_refresh_ms and walks the session slots from a cursor, a slice per turn, so the thread serves
 * lookups, picks and write-backs between slices instead of waiting for a pass of every live session
 * (at 1M sessions a pass is seconds of Redis commands: bench/run fleet-renewal-1m). The slice keeps
 * the pass on pace to end half an interval after it began (live slots / that time), at least one batch
 * and at most FLEET_TURN_BATCHES per turn, none begun after FLEET_TURN_MS (a loaded Redis, or SETs). A
 * record renewed at some time is renewed again within an interval and a pass, the TTL being three
 * intervals: a pass may run late by more than an interval before a record expires (counted and logged
 * as an overrun when it took longer than its interval).
 */
void mp_rds_fleet_refresh(struct mp_rds *r, uint64_t now)
{
	struct mp_rds_fleet *f = r->fleet;
	struct mp_lb *lb = r->lb;
	if (f == NULL || lb->fleet_size <= 1)
		return;
	uint64_t interval = fleet_refresh_ms(r);
	if (f->cursor == UINT32_MAX) {
		if (now - f->refreshed_ms < interval)
			return;
		if (f->written == NULL && (f->written = calloc(lb->cfg.max_sessions, sizeof(*f->written))) == NULL)
			return; /* tried again next turn */
		f->refreshed_ms = now;
		f->cursor = 0;
		f->pass_done = 0;
	}
	uint64_t spread = interval / 2 > 0 ? interval / 2 : 1, elapsed = now - f->refreshed_ms;
	uint64_t due = elapsed >= spread ? UINT64_MAX : (uint64_t)mp_lb_session_count(lb, 0) * elapsed / spread;
	uint64_t t0 = mp_now_ms();
	for (unsigned int b = 0; b < FLEET_TURN_BATCHES && f->cursor != UINT32_MAX; b++) {
		if (b > 0 && (f->pass_done >= due || mp_now_ms() - t0 >= FLEET_TURN_MS))
			break;
		if (!fleet_renew_batch(r, now))
			return; /* Redis went away: the pass goes on from the cursor once it is back */
	}
	if (f->cursor != UINT32_MAX)
		return;
	atomic_fetch_add_explicit(&f->passes, 1, memory_order_relaxed);
	if (now - f->refreshed_ms > interval) {
		atomic_fetch_add_explicit(&f->overruns, 1, memory_order_relaxed);
		MP_WARN("fleet: renewing %llu sessions' records took %llu ms, longer than the %llu ms between renewals "
			"(Redis too slow for them: a longer fleet_record_ttl renews less often)",
			(unsigned long long)f->pass_done, (unsigned long long)(now - f->refreshed_ms),
			(unsigned long long)interval);
	}
}

void mp_rds_fleet_parked(struct mp_rds *r, uint64_t now, bool up)
{
	struct mp_rds_fleet *f = r->fleet;
	struct mp_lb *lb = r->lb;
	struct fleet_parked pk[FLEET_PARK_BATCH];
	char key[MP_RDS_KEY_MAX], k[80];
	unsigned int n = 0, asked = 0;
	if (f == NULL)
		return;
	unsigned int room = rte_ring_free_count(f->parked);
	while (n < FLEET_PARK_BATCH && n < room && rte_ring_sc_dequeue_elem(f->park, &pk[n].h, sizeof(pk[n].h)) == 0) {
		pk[n].taken = pk[n].pad = 0;
		n++;
	}
	if (n == 0)
		return;
	/* The NAT keys, pipelined: a record there that names another appliance holds the port. */
	for (unsigned int i = 0; up && i < n; i++) {
		nat_key_text(lb, pk[i].h.k.origin_ip, pk[i].h.k.origin_port, pk[i].h.k.nat_port, k, sizeof(k));
		if (mp_rds_key(r, key, sizeof(key), MP_RDS_SESS_NAT, k) != MP_OK ||
		    mp_rds_append(r, "GET %s", key) != MP_OK)
			break;
		asked++;
	}
	for (unsigned int i = 0; i < asked; i++) {
		redisReply *rep;
		struct mp_rds_fleet_rec rec;
		if (mp_rds_reply(r, now, &rep) != MP_OK)
			break; /* Redis went away: the rest are freed unasked */
		pk[i].taken = rep->type == REDIS_REPLY_STRING && mp_rds_fleet_decode(rep->str, rep->len, &rec) == MP_OK &&
			      rec.by != lb->fleet_index;
		freeReplyObject(rep);
		if (pk[i].taken)
			atomic_fetch_add_explicit(&f->ports_kept, 1, memory_order_relaxed);
	}
	/* room was counted above and only this thread enqueues: every answer fits */
	rte_ring_sp_enqueue_bulk_elem(f->parked, pk, sizeof(pk[0]), n, NULL);
}
