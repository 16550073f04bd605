/* lb_redis.h: the Redis backend of the balancer, sharing state with SRS proxies and other appliances. */
#ifndef MP_LB_REDIS_H
#define MP_LB_REDIS_H

/*
 * Keys and values are the SRS proxy's (proxy/srs.go), so mediaplane appliances and SRS proxies on
 * one Redis see each other's origins and picks:
 *   srs-proxy-server:<server-service-pid>  origin JSON {ip, device_id, server_id, service_id, pid,
 *                                          rtmp, http, api, srt, rtc, update_at (RFC 3339)}, TTL =
 *                                          origin_ttl_ms
 *   srs-proxy-all-servers                  JSON array of the server keys above, no TTL
 *   srs-proxy-url:<vhost/app/stream>       the server key the stream is pinned to, no TTL
 *   srs-proxy-hls:<stream>, srs-proxy-spbhid:<spbhid>  {"spbhid","stream_url","full_url"}, hls_ttl_ms
 *   srs-proxy-rtc:<stream>, srs-proxy-ufrag:<username> {"stream_url","ufrag"}, webrtc_ttl_ms, plus
 *                                          mediaplane's "ice_pwd" and "media" (the origin's answered
 *                                          ip:port, followed only to the stream's origin)
 *   mediaplane-origin-deleted, mediaplane-origin-drain  hashes: "origin del" / "origin drain" of any
 *                                          appliance, honoured by all (lb_redis_admin.c)
 * each optionally preceded by "<key_prefix>:" (a mediaplane extension; the Go proxy has none).
 * Where the Go proxy differs, it is only stricter: picks and HLS SPBHIDs are set with NX so two
 * appliances picking at once agree, and HLS/WebRTC records written by one appliance are read back
 * by another (the Go proxy writes them but cannot use another proxy's).
 *
 * Threads. An appliance starts the Redis thread (mp_lb_redis_start): from then on it alone talks to
 * Redis, and no other thread ever waits on Redis. The control plane and the workers answer from the
 * local tables and queue what Redis must learn (registrations, picks, ICE usernames, SPBHIDs) or
 * what to look up there (an unknown ICE username or SPBHID: the client's retry finds it mirrored);
 * the Redis thread serves the queue every few ms and syncs every second (origins, the pins other
 * appliances made). It is an RCU reader of its own, offline whenever it waits on Redis, so a
 * Redis that stops answering delays nothing but itself. A pin another appliance made less than a
 * sync ago may be unknown here: the local pick publishes with NX, loses, and follows the winner.
 *
 * Without the Redis thread (unit tests, the benchmark): Redis is talked to by control-plane
 * threads (serialised on one connection, every command bounded by command_timeout_ms). mp_lb_pick on a control-plane thread reads the
 * stream's pin from Redis (one GET) and follows it. mp_lb_pick on a worker lcore answers from the
 * local tables and queues a new pick for the control plane; mp_lb_sync / mp_lb_redis_poll publish
 * it (NX: if another appliance pinned the stream first, the local pin follows theirs). Each
 * mp_lb_sync also scans scan_count srs-proxy-url keys and copies other appliances' pins into the
 * local table, so workers follow them too.
 * A data-plane miss on an ICE username can be queued with mp_lb_redis_ufrag_miss: the control plane
 * reads Redis and mirrors the entry, so the client's next STUN retransmission finds it.
 *
 * Redis down: every operation falls back to the local tables (existing sessions and picks keep
 * working, new picks are made locally), mp_lb_sync reconnects with exponential backoff
 * (backoff_min_ms .. backoff_max_ms), and once Redis answers again the local origins, picks, ICE
 * usernames and SPBHIDs are written back (NX: what others wrote meanwhile wins). Each transition
 * (up -> down, down -> up) is logged once.
 *
 * Time: `now` is the caller's monotonic milliseconds as everywhere in lb; update_at needs wall time,
 * read from wall_clock_ms (CLOCK_REALTIME by default).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb.h"

#define MP_LB_REDIS_HOST_MAX 256
#define MP_LB_REDIS_PASSWORD_MAX 256
#define MP_LB_REDIS_PREFIX_MAX 64
#define MP_LB_REDIS_SENTINELS_MAX 512

struct mp_lb_redis_config {
	char host[MP_LB_REDIS_HOST_MAX];         /* default "127.0.0.1" (PROXY_REDIS_HOST) */
	uint16_t port;                           /* default 6379 (PROXY_REDIS_PORT) */
	char password[MP_LB_REDIS_PASSWORD_MAX]; /* "" sends no AUTH (PROXY_REDIS_PASSWORD) */
	int db;                                  /* SELECT db when not 0 (PROXY_REDIS_DB) */
	char key_prefix[MP_LB_REDIS_PREFIX_MAX]; /* "" for the SRS proxy's keys; else "<prefix>:" first */
	uint32_t connect_timeout_ms;             /* default 200 */
	uint32_t command_timeout_ms;             /* default 200 */
	uint32_t backoff_min_ms;                 /* first reconnect delay, doubled up to max; 100 */
	uint32_t backoff_max_ms;                 /* 5000 */
	uint32_t queue_size;                     /* worker -> control plane requests; 4096 */
	uint32_t scan_count;                     /* srs-proxy-url keys mirrored per sync, so picks made
						  * elsewhere reach worker lcores; 1000; 0: none */
	uint64_t (*wall_clock_ms)(void);         /* Unix time in ms; NULL: CLOCK_REALTIME */
	/* Redis Sentinel: "host:port,host:port,..." (empty: none, host/port is the server). With
	 * sentinels the master of master_name is asked for at each connect and once a second while
	 * up; when it moves (a failover), or the server answers READONLY, the connection follows. */
	char sentinels[MP_LB_REDIS_SENTINELS_MAX];
	char master_name[MP_LB_REDIS_PREFIX_MAX]; /* default "mymaster" */
	/* Fleet session records (mp_lb_set_fleet) live this long, or their kind's idle timeout when that
	 * is longer, and are renewed every third of it: default 60000; 0: the idle timeouts only. Keep it
	 * within nat_quiet_ms: a record outlives its session by at most this. */
	uint32_t fleet_record_ttl_ms;
};

/* MP_OK when list is "" or "host:port[,host:port...]", else MP_ERR_CONFIG. */
int mp_lb_redis_sentinels_check(const char *list);

/* Fill c with the defaults above. */
void mp_lb_redis_config_default(struct mp_lb_redis_config *c);

/* Read the SRS proxy's environment: PROXY_LOAD_BALANCER_TYPE ("redis" sets *use_redis, "memory" or
 * unset clears it), PROXY_REDIS_HOST, PROXY_REDIS_PORT, PROXY_REDIS_PASSWORD, PROXY_REDIS_DB, and
 * mediaplane's PROXY_REDIS_KEY_PREFIX. Unset variables leave c as it is. MP_ERR_CONFIG (logged) on
 * a bad value. */
int mp_lb_redis_config_from_env(struct mp_lb_redis_config *c, bool *use_redis);

/* Create the balancer with the Redis backend. Connects at once (bounded by connect_timeout_ms); if
 * Redis does not answer the balancer is still created, runs on local state, and mp_lb_sync keeps
 * trying. EAL must be initialised. NULL on bad configuration or allocation failure (logged).
 * SIGPIPE is set to SIG_IGN if it was SIG_DFL (hiredis writes with write(2); a Redis gone away
 * would otherwise kill the process). */
struct mp_lb *mp_lb_create_redis(const struct mp_lb_config *cfg, const struct mp_lb_redis_config *rcfg,
				 uint64_t now);

/* Start the Redis thread (RCU reader reader_id, which must be free). From then on no caller of lb
 * waits on Redis. MP_ERR_STATE if lb has no Redis backend or the thread runs. Stopped by
 * mp_lb_destroy. */
int mp_lb_redis_start(struct mp_lb *lb, unsigned int reader_id);

/*
 * Any Redis command, asynchronously, for any thread (never blocks; hiredis format, %s one
 * argument, %b binary with its length):
 *   mp_lb_redis_cmd_async(lb, cb, arg, "SET %s %s PX %llu", key, value, ttl);
 * The command is sent on the backend's connection (after whatever was queued before it, so
 * commands of one caller keep their order), by the Redis thread, or by mp_lb_redis_poll /
 * mp_lb_sync without it. cb(lb, reply, arg) runs on that thread once the reply is in; reply is
 * NULL when Redis is down or the connection failed (the command may or may not have been applied),
 * and is freed after cb returns. cb must not block; on the Redis thread it is an RCU reader and
 * may use lb's local tables. cb may be NULL. Returns MP_OK (cb will run exactly once),
 * MP_ERR_FULL (queue_size commands pending), MP_ERR_INVAL (bad format), MP_ERR_NOMEM, or
 * MP_ERR_STATE (no Redis backend); cb does not run then.
 */
struct redisReply;
typedef void (*mp_lb_redis_cb)(struct mp_lb *lb, struct redisReply *reply, void *arg);
int mp_lb_redis_cmd_async(struct mp_lb *lb, mp_lb_redis_cb cb, void *arg, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* True when lb uses the Redis backend and the connection is up. */
bool mp_lb_redis_connected(struct mp_lb *lb);

/* Data plane, never blocks: ask the control plane to look username (len bytes, the raw STUN
 * USERNAME) up in Redis after a local miss. MP_OK, MP_ERR_FULL when the queue is full, MP_ERR_STATE
 * when lb has no Redis backend or Redis is down (nothing to ask). */
int mp_lb_redis_ufrag_miss(struct mp_lb *lb, const char *username, size_t len);

/* Data plane, cheap: would mp_lb_redis_ufrag_miss queue anything (Redis backend, connected)? */
bool mp_lb_redis_ufrag_wanted(struct mp_lb *lb);

/* Control plane: serve queued requests (worker picks to publish, ICE username misses to look up).
 * mp_lb_sync does this too; call it more often (every few ms) for quick cross-appliance ICE.
 * Returns the number served. Reconnects when due. */
int mp_lb_redis_poll(struct mp_lb *lb, uint64_t now);

/* Declare the calling thread a worker lcore (never talks to Redis) or a control-plane thread.
 * By default EAL lcores other than the main lcore are workers, every other thread control plane. */
void mp_lb_redis_thread_role(bool worker);

struct mp_lb_redis_stats {
	bool connected;
	uint64_t downs, ups;          /* transitions */
	uint64_t errors;              /* failed commands and connects */
	uint64_t origins_mirrored;    /* origin records taken from Redis into the local tables */
	uint64_t picks_published, picks_adopted; /* ours written; another's taken (NX lost, or read) */
	uint64_t picks_mirrored;      /* pins another appliance made, copied by the srs-proxy-url scan */
	uint64_t remote_hits;         /* HLS / ICE lookups answered from Redis after a local miss */
	uint64_t writebacks;          /* keys written back after Redis returned */
	uint64_t queue_full;          /* worker requests dropped because the queue was full */
	uint64_t bad_records;         /* Redis values that did not parse */
};
/* MP_ERR_STATE if lb has no Redis backend. */
int mp_lb_redis_stats(struct mp_lb *lb, struct mp_lb_redis_stats *out);

/*
 * Fleet sessions (docs/fleet.md, failover without a reconnect; lb_redis_fleet.c). With the Redis
 * backend and mp_lb_set_fleet(lb, i, n > 1), every SRT or WebRTC session that becomes active is
 * written to Redis (its client, service address, origin, NAT port, SRT socket ids or ICE username),
 * renewed while it lives; a peer
 * that receives a datagram of no session of its own looks it up and installs it with the same NAT
 * port, so the origin sees the same source address and port. No-ops without a fleet.
 */
/* Data plane, never blocks: would a miss be asked (fleet, Redis up)? */
bool mp_lb_fleet_wanted(struct mp_lb *lb);
/* Data plane, never blocks: session s became active here: queue its record for Redis. */
void mp_lb_fleet_publish(struct mp_lb *lb, const struct mp_lb_session *s);
/* Data plane, never blocks: SRT data or control to a socket id no session has here, or an origin's
 * datagram to a NAT port no session has here (a peer's share, or this appliance's own after a
 * restart): look the record up. MP_OK (queued), MP_ERR_FULL, MP_ERR_STATE (no fleet or Redis down). The caller drops the
 * datagram; a later one of the flow finds the session once installed. */
int mp_lb_fleet_miss_srt(struct mp_lb *lb, uint32_t sock_id);
int mp_lb_fleet_miss_nat(struct mp_lb *lb, uint32_t origin_ip, uint16_t origin_port, uint16_t nat_port);
/* The same for a WebRTC datagram (not STUN) from a client tuple no session has here. */
int mp_lb_fleet_miss_webrtc(struct mp_lb *lb, const struct mp_lb_tuple *t);
/* Worker lcores, every loop turn (a load when there is nothing): install up to budget sessions the
 * Redis thread found. Returns the number installed. */
unsigned int mp_lb_fleet_adopt_poll(struct mp_lb *lb, uint64_t now, unsigned int budget);
struct mp_lb_fleet_stats {
	uint64_t published;     /* records written (new sessions; renewals not counted) */
	uint64_t lookups;       /* misses asked of Redis */
	uint64_t found;         /* ... that found a record to take over */
	uint64_t adopted;       /* sessions installed from records */
	uint64_t adopt_failed;  /* records not installed (tuple, socket id or port taken; full) */
	uint64_t renewal_passes;   /* renewals of every live session's records completed */
	uint64_t renewal_overruns; /* ... of those, passes that took longer than their interval */
	uint64_t renewed;          /* records whose TTL a renewal extended (PEXPIRE) */
	uint64_t rewritten;        /* records a renewal wrote in full (new, changed or gone) */
	uint64_t ports_parked;     /* NAT ports asked about at the end of their quiet period */
	uint64_t ports_kept;       /* ... of those, kept: a peer's record holds them (a session taken over) */
};
/* Zeros without a fleet. */
void mp_lb_fleet_stats(struct mp_lb *lb, struct mp_lb_fleet_stats *out);

#endif
