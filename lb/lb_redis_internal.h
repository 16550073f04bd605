/* lb_redis_internal.h: the Redis backend's state shared by lb_redis*.c (not for other modules). */
#ifndef MP_LB_REDIS_INTERNAL_H
#define MP_LB_REDIS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <hiredis/hiredis.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "lb_internal.h"
#include "lb_redis.h"
#include "lb_redis_json.h"

/* Key kinds, as proxy/srs.go names them. */
#define MP_RDS_SERVER "srs-proxy-server:"
#define MP_RDS_ALL "srs-proxy-all-servers"
#define MP_RDS_URL "srs-proxy-url:"
#define MP_RDS_HLS "srs-proxy-hls:"
#define MP_RDS_SPBHID "srs-proxy-spbhid:"
#define MP_RDS_RTC "srs-proxy-rtc:"
#define MP_RDS_UFRAG "srs-proxy-ufrag:"
#define MP_RDS_DELETED "mediaplane-origin-deleted" /* mediaplane's own (lb_redis_admin.c) */
#define MP_RDS_DRAINING "mediaplane-origin-drain"
#define MP_RDS_KEY_MAX (MP_LB_REDIS_PREFIX_MAX + 32 + MP_LB_URL_MAX)

/* The identity an origin registered with: the origin record keeps only "server-service-pid", which
 * cannot be split back when ids contain '-'. Indexed by origin id, valid while uid matches. */
struct mp_rds_ident {
	uint32_t uid;
	uint64_t listed_gen; /* == mp_rds.list_gen: its key is in srs-proxy-all-servers */
	uint32_t json_sum;   /* checksum of its server JSON last read or written */
	char server[MP_REG_MAX_FIELD];
	char service[MP_REG_MAX_FIELD];
	char pid[MP_REG_MAX_FIELD];
};

/* A request to whichever thread talks to Redis: from worker lcores, and from the control plane when
 * the Redis thread runs (mp_lb_redis_start). */
enum mp_rds_req_kind {
	MP_RDS_REQ_PICK = 1,   /* s: stream; publish its local pin */
	MP_RDS_REQ_UFRAG,      /* s: ICE username; look it up, mirror it */
	MP_RDS_REQ_ORIGIN,     /* id: origin registered here; s: "server\0service\0pid\0"; publish it */
	MP_RDS_REQ_WEBRTC,     /* s: ICE username stored here; publish it */
	MP_RDS_REQ_HLS,        /* s: stream whose SPBHID was used here; publish / renew it */
	MP_RDS_REQ_SPBHID,     /* s: SPBHID unknown here; look it up, mirror it */
	MP_RDS_REQ_ORIGIN_DEL, /* s: origin key deleted here; delete it fleet-wide */
	MP_RDS_REQ_DRAIN,      /* s: origin key; id: 1 draining, 0 not; set it fleet-wide */
	MP_RDS_REQ_SESSION,    /* s: struct mp_rds_fleet_rec of a session active here; write it (lb_redis_fleet.c) */
	MP_RDS_REQ_SESS_MISS,  /* s: session key suffix a worker missed; look it up, pass it to the workers */
};
struct mp_rds_req {
	uint32_t kind;
	uint32_t len;
	uint32_t id;
	char s[3 * MP_REG_MAX_FIELD]; /* NUL-terminated */
};

/* A command of mp_lb_redis_cmd_async, queued by pointer. */
struct mp_rds_async {
	char *cmd; /* RESP, from redisvFormatCommand */
	int len;
	mp_lb_redis_cb cb;
	void *arg;
};

struct mp_rds {
	struct mp_lb_redis_config cfg;
	struct mp_lb *lb;
	char pfx[MP_LB_REDIS_PREFIX_MAX + 2]; /* "<prefix>:" or "" */

	pthread_mutex_t lock;        /* everything below except the atomics: control-plane threads */
	redisContext *c;             /* NULL while down */
	_Atomic bool up;             /* read by workers without the lock */
	bool announced_down;         /* the down transition was logged */
	uint64_t down_since_ms;
	uint64_t next_try_ms;
	uint32_t backoff_ms;

	struct mp_rds_ident *ident;  /* [max_origins] */
	struct rte_ring *queue;      /* struct mp_rds_req, MP enqueue / SC dequeue */
	struct rte_ring *aq;         /* struct mp_rds_async *, MP enqueue / SC dequeue */

	/* The Redis thread (mp_lb_redis_start): it alone talks to Redis then, and the other threads
	 * only queue requests; it is RCU reader reader_id, offline while it waits on Redis. */
	_Atomic bool offload;       /* set once, before the thread starts; read by every thread */
	pthread_t thr;
	_Atomic bool stop;
	int reader_id;               /* -1: the talking thread is not a reader of its own */
	rte_spinlock_t st_lock;      /* st_pub */
	struct mp_lb_redis_stats st_pub; /* the Redis thread's stats, for other threads */

	/* Where Redis is: cfg.host/port, or the master the sentinels named. */
	char host[MP_LB_REDIS_HOST_MAX];
	uint16_t port;
	uint64_t sentinel_checked_ms;
	unsigned int sentinel_next;  /* the sentinel to ask first */

	struct mp_lb_redis_stats st; /* under lock, except queue_full */
	uint64_t renewed_ms;         /* last mp_rds_renew pass */
	uint64_t refreshed_ms;       /* last refresh of the origins from Redis */
	uint64_t list_gen;           /* bumped by each refresh of srs-proxy-all-servers */
	char scan_cursor[32];        /* SCAN cursor over srs-proxy-url keys, "0" to start */
	_Atomic uint64_t queue_full;
	struct mp_rds_fleet *fleet;  /* shared session records (lb_redis_fleet.c) */
};

/* ---- lb_redis_conn.c: connection, state, commands, keys ---- */

/* Connect (AUTH, SELECT, PING) if down and the backoff allows (or force); writes local state back
 * after a successful connect. Lock held. True when up afterwards. */
bool mp_rds_ensure(struct mp_rds *r, uint64_t now, bool force);
/* Drop the connection and log the down transition once. Lock held. */
void mp_rds_down(struct mp_rds *r, uint64_t now, const char *why);
void mp_rds_close(struct mp_rds *r);
/* One command (hiredis format, %s is one argument). NULL when the connection failed (it is then
 * down) or when down already. An error reply is returned as is (the caller frees it). Lock held. */
redisReply *mp_rds_cmd(struct mp_rds *r, uint64_t now, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* redisCommandArgv, offline while it waits. NULL when down or the connection failed. Lock held. */
redisReply *mp_rds_argv(struct mp_rds *r, uint64_t now, int argc, const char **argv, const size_t *argl);
/* rep is READONLY (a demoted master): the connection is dropped, to be made to the new master at
 * once. Lock held. */
bool mp_rds_readonly(struct mp_rds *r, const redisReply *rep, uint64_t now);
/* Around anything that waits on Redis: the talking thread's RCU reader (if it has its own) goes
 * offline, so it holds no grace period back; it must hold no lb pointer across. */
void mp_rds_wait_begin(struct mp_rds *r);
void mp_rds_wait_end(struct mp_rds *r);
/* The calling thread is r's Redis thread. */
void mp_rds_role_redis_thread(const struct mp_rds *r);
/* Pipelining: append commands, then read as many replies. Lock held. */
int mp_rds_append(struct mp_rds *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mp_rds_reply(struct mp_rds *r, uint64_t now, redisReply **out);
/* "<prefix>:" kind suffix into key; MP_ERR_TOOLONG when it does not fit. */
int mp_rds_key(const struct mp_rds *r, char *key, size_t cap, const char *kind, const char *suffix);
/* The origin id in a server key ("<prefix>:srs-proxy-server:<id>" -> "<id>"), or NULL. */
const char *mp_rds_server_id(const struct mp_rds *r, const char *key);
bool mp_rds_on_worker(void);
/* May this thread talk to Redis: the Redis thread when it runs, else any control-plane thread. */
bool mp_rds_talks(const struct mp_rds *r);
/* Queue a request (any thread, never blocks); false when the queue is full (counted). */
bool mp_rds_enqueue(struct mp_rds *r, uint32_t kind, uint32_t id, const char *s, size_t len);
/* Run the queued async commands (up to budget; with a NULL reply each while down). Lock held. */
int mp_rds_async_drain(struct mp_rds *r, uint64_t now, unsigned int budget);
/* Sentinel: the master's address into r->host/port. MP_OK, or MP_ERR_REDIS when no sentinel
 * named one. Lock held. */
int mp_rds_sentinel_master(struct mp_rds *r, char *why, size_t cap);
/* Sentinel, up: once a second ask whether the master moved; drop the connection if so. Lock held. */
void mp_rds_sentinel_check(struct mp_rds *r, uint64_t now);
uint64_t mp_rds_wall(const struct mp_rds *r);
/* Unix ms of the local instant t, seen at local now. */
int64_t mp_rds_wall_of(const struct mp_rds *r, uint64_t now, uint64_t t);

#define MP_RDS_BATCH 256 /* keys per MGET / commands per pipelined round trip */

static inline void mp_rds_copy(char *dst, size_t cap, const char *src, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---- lb_redis_origins.c ---- */

/* A list of key strings (srs-proxy-all-servers). */
struct mp_rds_keys {
	char **v;
	size_t n, cap;
	bool nomem;
};
void mp_rds_keys_add(struct mp_rds_keys *ks, const char *k, size_t len);
void mp_rds_keys_free(struct mp_rds_keys *ks);
/* Make srs-proxy-all-servers list add[] (pruning expired keys when it changes, or when prune).
 * Lock held; MP_OK, MP_ERR_REDIS, MP_ERR_NOMEM or MP_ERR_AGAIN (lost the WATCH race 5 times). */
int mp_rds_all_merge(struct mp_rds *r, uint64_t now, char *const *add, size_t nadd, bool prune);

/* Registration identity of origin o (from the ident table, else split from its key). */
void mp_rds_origin_reg(struct mp_rds *r, const struct mp_lb_origin *o, struct mp_registration *reg);
/* SET the origin's server key (TTL: what is left of origin_ttl_ms) and add it to all-servers.
 * nx: only if absent (write-back). Lock held; MP_OK or MP_ERR_REDIS. */
int mp_rds_publish_origin(struct mp_rds *r, const struct mp_lb_origin *o, uint64_t now, bool nx);
/* Mirror a server JSON into the local tables if newer than what is there. The local origin or
 * NULL. Lock held. */
const struct mp_lb_origin *mp_rds_mirror_origin(struct mp_rds *r, const char *json, size_t len,
						uint64_t now, int64_t wall_now);
/* The local origin for a server key, read from Redis and mirrored when not known locally. */
const struct mp_lb_origin *mp_rds_origin_by_key(struct mp_rds *r, const char *skey, uint64_t now);
/* Refresh origins from all-servers; prune expired keys from it. Lock held. */
int mp_rds_refresh_origins(struct mp_rds *r, uint64_t now);

/* ---- lb_redis.c ---- */

/* Pick through Redis (control plane, lock held, Redis up): adopt srs-proxy-url:<stream> when its
 * origin serves proto, else pick locally and publish. */
int mp_rds_pick_shared(struct mp_rds *r, const char *stream, enum mp_reg_proto proto, uint64_t now,
		       struct mp_lb_target *out);

/* ---- lb_redis_hls.c: the HLS backend operations ---- */

int mp_rds_op_hls_load_or_store(struct mp_lb *lb, void *ctx, const char *stream, const char *spbhid,
				const char *full_url, uint64_t now, struct mp_lb_hls *out);
int mp_rds_op_hls_by_spbhid(struct mp_lb *lb, void *ctx, const char *spbhid, uint64_t now,
			    struct mp_lb_hls *out);

/* SET both HLS keys of h (the stream's NX when nx_stream), renew them. Lock held. */
void mp_rds_hls_publish(struct mp_rds *r, const struct mp_lb_hls *h, bool nx_stream, uint64_t now);
/* Look an SPBHID up in Redis and mirror it locally. Lock held. */
int mp_rds_spbhid_fetch(struct mp_rds *r, const char *spbhid, uint64_t now, struct mp_lb_hls *out);

/* ---- lb_redis.c (more) ---- */

/* The Redis side of the operations, on the thread that talks to Redis. Lock held unless said. */
void mp_rds_origin_publish_req(struct mp_rds *r, const struct mp_rds_req *q, uint64_t now);
/* A WebRTC username record's JSON (mp_lb_rjson_rtc_encode_media): an IPv6 origin's media by its
 * address, not this appliance's stand-in for it (none when the stand-in is gone). Free with
 * mp_lb_rjson_free; NULL when out of memory. */
char *mp_rds_rtc_json(struct mp_lb *lb, const char *stream, const char *username, const char *ice_pwd,
		      uint32_t media_ipv4, uint16_t media_port);
void mp_rds_webrtc_publish(struct mp_rds *r, const char *username, const char *ice_pwd, const char *stream,
			   uint32_t origin_id, uint32_t media_ipv4, uint16_t media_port, uint64_t now);
int mp_rds_sync_redis(struct mp_rds *r, uint64_t now);  /* takes the lock */
int mp_rds_poll_redis(struct mp_rds *r, uint64_t now);  /* takes the lock */

/* The Redis backend of lb, or NULL. */
struct mp_rds *mp_rds_of(struct mp_lb *lb);

/* ---- lb_redis_admin.c: origin delete and drain, fleet-wide ---- */

void mp_rds_op_origin_removed(struct mp_lb *lb, void *ctx, const char *key);
void mp_rds_op_origin_drained(struct mp_lb *lb, void *ctx, const char *key, bool draining);
/* The Redis side of "origin del" / "origin drain". Lock held. */
void mp_rds_origin_del_redis(struct mp_rds *r, const char *key, uint64_t now);
void mp_rds_origin_drain_redis(struct mp_rds *r, const char *key, bool draining, uint64_t now);
/* Apply the fleet's deletes and drains to the local tables (each sync). Lock held. */
int mp_rds_admin_sync(struct mp_rds *r, uint64_t now);
/* Write the local drains back after Redis returned. Lock held. */
void mp_rds_admin_write_back(struct mp_rds *r, uint64_t now);

/* ---- lb_redis_fleet.c: session records shared by the fleet ---- */

/* A session as the fleet shares it (docs/fleet.md); addresses and ports in host order. */
struct mp_rds_fleet_rec {
	uint8_t kind;          /* enum mp_lb_session_kind */
	uint8_t pad;
	uint16_t by;           /* fleet_index of the appliance that wrote it */
	uint32_t client_ip, service_ip, origin_ip; /* origin_ip: an IPv6 origin's local stand-in (reader) */
	uint16_t client_port, service_port, origin_port, nat_port;
	uint8_t origin_ip6[16]; /* an IPv6 origin's address (network order), all 0 for IPv4: in the record,
				 * since each appliance numbers its stand-ins itself (lb_origin6.c) */
	uint32_t client_sock, origin_sock;
	uint32_t bound;        /* SRT: the socket id the client sends to (indexed) */
	uint32_t origin_id;    /* local, filled by the reader */
	char username[MP_LB_USERNAME_MAX]; /* WebRTC: the ICE username */
};
/* The JSON value of a record: its length, or MP_ERR_NOSPACE. */
int mp_rds_fleet_encode(const struct mp_rds_fleet_rec *rec, char *out, size_t cap);
/* Parse one: MP_OK, or MP_ERR_INVAL (not a record, or not a kind this appliance takes over). */
int mp_rds_fleet_decode(const char *json, size_t len, struct mp_rds_fleet_rec *rec);
int mp_rds_fleet_init(struct mp_rds *r);
void mp_rds_fleet_fini(struct mp_rds *r);
/* Serve a MP_RDS_REQ_SESSION / MP_RDS_REQ_SESS_MISS request. Lock held, up. */
void mp_rds_fleet_req(struct mp_rds *r, const struct mp_rds_req *q, uint64_t now);
/* Each Redis-thread turn: every third of the records' TTL a renewal pass of the live sessions' records
 * begins (PEXPIRE; SET when gone or changed), done a slice per call (at most FLEET_TURN_BATCHES batches).
 * Lock held, up. */
void mp_rds_fleet_refresh(struct mp_rds *r, uint64_t now);
/* Each Redis-thread turn: ask Redis about the NAT ports parked since (mp_lb_fleet_park): a port whose
 * NAT key another appliance's record holds is kept, any other freed (the answers go to the workers).
 * With up false (Redis down) every parked port is freed unasked. Lock held. */
void mp_rds_fleet_parked(struct mp_rds *r, uint64_t now, bool up);

/* ---- lb_redis_thread.c ---- */

/* Stop and join the Redis thread if it runs. */
void mp_rds_thread_stop(struct mp_rds *r);

/* ---- lb_redis_picks.c ---- */

/* Publish the local pick of stream (SET NX; adopt another's pick when NX loses). Lock held. */
int mp_rds_publish_pick(struct mp_rds *r, const char *stream, uint64_t now);

/* Look an ICE username up in Redis and mirror it locally. Lock held. */
int mp_rds_ufrag_fetch(struct mp_rds *r, const char *username, uint64_t now, struct mp_lb_webrtc *out);
/* Copy pins of up to scan_count srs-proxy-url keys into the local picks (one SCAN step and one
 * MGET). Returns the pins changed. Lock held. */
int mp_rds_mirror_picks(struct mp_rds *r, uint64_t now);
/* Serve the worker queue (up to budget). Lock held. */
int mp_rds_drain(struct mp_rds *r, uint64_t now, unsigned int budget);

/* ---- lb_redis_writeback.c ---- */

/* Write every local origin, pick, ICE username and SPBHID back (NX). Lock held. */
int mp_rds_write_back(struct mp_rds *r, uint64_t now);
/* Every quarter TTL: extend the Redis TTL of ICE usernames and SPBHIDs still in use here (traffic
 * renews them locally; the Go proxy never renews them). Lock held. */
void mp_rds_renew(struct mp_rds *r, uint64_t now);

/* A key TTL in ms for PX: 0 (no expiry configured) becomes the Go proxy's 120 s. */
static inline unsigned long long mp_rds_ttl(uint64_t ms)
{
	return ms != 0 ? (unsigned long long)ms : 120000ull;
}

#endif
