/* lb_internal.h: the balancer's state shared by the lb_*.c files (not for other modules). */
#ifndef MP_LB_INTERNAL_H
#define MP_LB_INTERNAL_H

#include <stdatomic.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_rcu_qsbr.h>
#include <rte_spinlock.h>

#include "lb.h"
#include "lb_backend.h"
#include "lb_index.h"

/* One rte_hash with its writer lock and the capacity lb promises (the hash is sized above it,
 * with extendable buckets, so it never refuses a key below that capacity). */
struct mp_lb_table {
	struct rte_hash *h;
	rte_spinlock_t wlock;   /* writers only; readers never take it */
	uint32_t cap;
	uint32_t key_len;
	_Atomic uint32_t count;
	_Atomic uint64_t refused;
};

/* What the control-plane defer queue frees after a grace period. */
enum mp_lb_defer_kind { MP_LB_DEFER_ORIGIN = 1, MP_LB_DEFER_WEBRTC, MP_LB_DEFER_HLS };
struct mp_lb_defer {
	uint32_t kind;
	uint32_t pad;
	void *ptr;
};

/* A defer that found dq_ctl full: it enters dq_ctl (and its grace period starts) once there is
 * room, so the control plane never waits for readers (itself among them). */
struct mp_lb_defer_over {
	struct mp_lb_defer d;
	struct mp_lb_defer_over *next;
};

/* What the session defer queue recycles after a grace period: a slot index, with this bit when its
 * NAT port moved to another record (rebind, replace). 4 bytes (12 with the queue's token). */
#define MP_LB_SESS_KEEP_PORT (1u << 31)

/* A NAT port held after its session (lb_natport.c), in the order they were let go. */
struct mp_lb_nat_held {
	struct mp_lb_nat_key k;
	uint64_t freed_ms;
};
#define MP_LB_NAT_HELD (1ull << 63)

/* In a fleet, a port of this appliance's share whose quiet period ended is not freed but parked
 * (lb_redis_fleet.c): a peer may serve its session still (it took it over after ECMP moved the client,
 * and renews the record under the port's NAT key). True when parked: the Redis thread asks whether a
 * peer holds the key and a worker gives the answer to mp_lb_natport_recheck. False without a fleet,
 * with Redis down or the queue full (the port is freed as before). Under sess.wlock. */
bool mp_lb_fleet_park(struct mp_lb *lb, const struct mp_lb_nat_held *h);
/* Under sess.wlock: a parked port still held as when parked is freed, or, when a peer holds its key
 * (taken), held for another quiet period (and asked again then). */
void mp_lb_natport_recheck(struct mp_lb *lb, const struct mp_lb_nat_held *h, bool taken, uint64_t now);

/* An HLS record, indexed by stream and by SPBHID. */
struct mp_lb_hls_rec {
	struct mp_lb_hls v;
	_Atomic uint64_t last_used_ms;
};

struct mp_lb {
	struct mp_lb_config cfg;
	const struct mp_lb_backend_ops *ops;
	void *bctx;
	unsigned int instance;

	struct rte_rcu_qsbr *qsbr;
	struct rte_rcu_qsbr_dq *dq_ctl;  /* origins, ICE usernames, HLS records: control plane */
	rte_spinlock_t dq_ctl_lock;      /* control-plane threads only; also guards dq_over */
	struct mp_lb_defer_over *dq_over; /* what did not fit dq_ctl, oldest first: queued later */
	struct mp_lb_defer_over **dq_over_tail;

	/* origins: key -> id; records by id */
	struct mp_lb_table origins;
	_Atomic(struct mp_lb_origin *) *origin_slot;
	uint32_t *origin_free;           /* free ids, under origins.wlock */
	uint32_t origin_nfree;
	_Atomic uint32_t origin_limit;   /* ids in use are below this */
	uint32_t origin_uid_next;
	uint32_t webrtc_uid_next;        /* under webrtc.wlock */
	_Atomic uint64_t origins_forgotten;
	mp_lb_origin_filter_fn origin_filter; /* set once before use (mp_lb_set_origin_filter) */
	void *origin_filter_ctx;
	uint64_t picks_swept_at;         /* origins_forgotten when picks were last swept */
	_Atomic uint32_t *origin_npicks; /* [cap]: new streams pinned to id since its last registration */
	_Atomic uint32_t *origin_silent; /* [cap]: handshakes id left unanswered, not yet taken */

	/* IPv6 origin endpoints' stand-ins (lb_origin6.c), written under origins.wlock */
	struct mp_lb_table o6;           /* IPv6 address -> slot */
	uint8_t (*o6_addr)[16];          /* per slot, read by the data plane */
	uint8_t *o6_used;                /* the slot holds an address (atomic) */
	uint32_t *o6_refs;               /* origin endpoints naming it */
	uint64_t *o6_free_ms;            /* found unused then (0: in use, or not seen unused yet) */
	uint32_t o6_cap, o6_fresh;       /* slots; those from o6_fresh on were never used */
	mp_lb_client6_fn client6;        /* IPv6 clients' stand-ins, for mp_lb_addr_text (data plane's) */
	void *client6_ctx;

	struct mp_lb_table picks;        /* stream -> (uid << 32 | id) */
	_Atomic uint64_t repicks;

	struct mp_lb_table webrtc;       /* username -> struct mp_lb_webrtc * */
	struct mp_lb_table hls_stream;   /* stream -> struct mp_lb_hls_rec * */
	struct mp_lb_table hls_id;       /* spbhid -> same record */

	/* sessions: all writes under sess.wlock (worker lcores only) */
	struct mp_lb_table sess;         /* counts, capacity and the writers' lock (no rte_hash) */
	struct mp_lb_table srt;          /* counts and capacity of the SRT socket id index */
	struct mp_lb_ix sess_ix;         /* tuple hash (mp_lb_tuple_key) -> slot + 1 */
	struct mp_lb_ix srt_ix;          /* SRT socket id -> slot + 1 */
	uint32_t tuple_seed;
	struct mp_lb_session *sess_rec;
	uint32_t *sess_free;
	uint32_t sess_nfree;
	struct rte_rcu_qsbr_dq *dq_sess;
	/* idle expiry wheel (lb_expiry.c), under sess.wlock; exp_done and exp_work are read without it */
	uint32_t *exp_next, *exp_prev;   /* max_sessions + MP_LB_EXP_WHEEL + 1 list nodes */
	_Atomic uint64_t exp_done;       /* ticks below this were spliced onto the work list */
	_Atomic uint32_t exp_work;       /* the work list is not empty */
	_Atomic bool reclaim_more;       /* the last sweep's reclaim used its whole budget */
	/* Live slots, one bit each, and live sessions per kind: written on session create and close
	 * (under sess.wlock), never per packet; read by listings (mp_lb_session_next). */
	_Atomic uint64_t *sess_live;
	_Atomic uint32_t sess_kind_count[3];
	/* NAT ports (lb_natport.c): (origin, origin port, NAT port) -> session; all under sess.wlock */
	struct mp_lb_table nat;          /* capacity only (no rte_hash) */
	struct mp_lb_ix nat_ix;          /* packed key (lb_natport.c) -> value */
	struct mp_lb_nat_held *nat_fifo; /* held ports after their grace period, oldest first */
	uint32_t nat_fifo_size, nat_head, nat_count;
	uint32_t nat_span;               /* ports in the range, 0: NAT ports disabled */
	uint16_t nat_slices;
	/* Fleet (mp_lb_set_fleet): the range is cut into fleet_size shares, this appliance allocates from
	 * share fleet_index only (cut again into nat_slices worker slices); 1 and 0 without a fleet. */
	uint16_t fleet_size, fleet_index;
	_Atomic uint64_t nat_refused, nat_early;
	_Atomic uint32_t nat_live; /* NAT ports a live session holds (not quiet ones, not slice records) */
	double bytes_per_session;
	/* Where those bytes go: DPDK heap growth per session structure at creation (mp_lb_mem_mark). */
	struct mp_lb_mem_part {
		const char *name;
		size_t bytes;
	} mem_part[MP_LB_MEM_PARTS_MAX];
	unsigned int mem_nparts;
	size_t mem_mark;

	_Atomic uint64_t rand_ctr;
	_Atomic uint64_t sessions_created, sessions_expired, sessions_closed;
	_Atomic uint64_t expired_webrtc, expired_hls;
	_Atomic uint64_t defer_full;
};

/* Session memory accounting (lb_core.c): the DPDK heap grown since the last mark is charged to name. */
void mp_lb_mem_mark(struct mp_lb *lb, const char *name);

/* Tables (lb_core.c). */
int mp_lb_table_create(struct mp_lb *lb, struct mp_lb_table *t, const char *what, uint32_t cap,
		       uint32_t key_len, bool multi_writer);
void mp_lb_table_free(struct mp_lb_table *t);
/* Copy a NUL-terminated string into a zero-padded fixed key; MP_ERR_TOOLONG / MP_ERR_INVAL. */
int mp_lb_key(char *key, size_t key_len, const char *s);
/* Free ptr after a grace period (control-plane threads). Never waits: MP_ERR_FULL only when out
 * of memory (ptr then leaks, counted in defer_full). */
int mp_lb_defer_free(struct mp_lb *lb, enum mp_lb_defer_kind kind, void *ptr);
/* A 64-bit random number, thread-safe, no shared RNG state (splitmix64 over a counter). */
uint64_t mp_lb_random(struct mp_lb *lb);
uint32_t mp_lb_checksum(const void *p, size_t len);

/* A new stream was pinned to origin id (least-load counts it until the origin's next heartbeat). */
void mp_lb_origin_picked(struct mp_lb *lb, uint32_t id);

/* Per-module setup and teardown (each lb_*.c). */
int mp_lb_origins_init(struct mp_lb *lb);
void mp_lb_origins_fini(struct mp_lb *lb);
int mp_lb_origins_sweep(struct mp_lb *lb, uint64_t now);
int mp_lb_origin6_init(struct mp_lb *lb);
void mp_lb_origin6_fini(struct mp_lb *lb);
/* Under origins.wlock: take a stand-in for each SRT and RTC endpoint of new record o at an IPv6
 * address (o->standin), and give back those of a record replaced by a registration or removed. */
void mp_lb_origin6_hold(struct mp_lb *lb, struct mp_lb_origin *o, uint64_t now);
void mp_lb_origin6_release(struct mp_lb *lb, const struct mp_lb_origin *o);
/* o's stand-in for endpoint i of p (0: none, or not a media protocol). */
uint32_t mp_lb_origin6_standin_of(const struct mp_lb_origin *o, enum mp_reg_proto p, unsigned int i);
int mp_lb_picks_init(struct mp_lb *lb);
void mp_lb_picks_fini(struct mp_lb *lb);
int mp_lb_picks_sweep(struct mp_lb *lb);
int mp_lb_webrtc_init(struct mp_lb *lb);
void mp_lb_webrtc_fini(struct mp_lb *lb);
int mp_lb_webrtc_sweep(struct mp_lb *lb, uint64_t now);
int mp_lb_hls_init(struct mp_lb *lb);
void mp_lb_hls_fini(struct mp_lb *lb);
int mp_lb_hls_sweep(struct mp_lb *lb, uint64_t now);
int mp_lb_sessions_init(struct mp_lb *lb);
void mp_lb_sessions_fini(struct mp_lb *lb);
/* The idle-expiry wheel (lb_expiry.c): ticks of MP_LB_EXP_TICK_MS, a turn of MP_LB_EXP_WHEEL ticks
 * (deadlines further out go round again). All under sess.wlock but mp_lb_expiry_pending. */
#define MP_LB_EXP_TICK_MS MP_LB_EXPIRY_TICK_MS
#define MP_LB_EXP_WHEEL 8192 /* 82 s: the default idle limits without going round */
int mp_lb_expiry_init(struct mp_lb *lb);
void mp_lb_expiry_fini(struct mp_lb *lb);
/* File session idx by its idle deadline (moving it if filed); take it off the wheel. */
void mp_lb_expiry_link(struct mp_lb *lb, uint32_t idx, uint64_t deadline_ms);
void mp_lb_expiry_unlink(struct mp_lb *lb, uint32_t idx);
/* Look at up to budget sessions whose deadline tick has passed: expire (through `expire`, which
 * unlinks what it closes and says whether it did) those still idle, refile the others. Returns the
 * number expired. */
uint32_t mp_lb_expiry_run(struct mp_lb *lb, uint64_t now, uint32_t budget,
			  bool (*expire)(struct mp_lb *lb, struct mp_lb_session *s, uint64_t now));
/* Is there expiry work at now (lock-free, approximate: for the callers' scheduling only)? */
bool mp_lb_expiry_pending(struct mp_lb *lb, uint64_t now);

/* A session kind's idle limit. */
static inline uint64_t mp_lb_idle_ms(const struct mp_lb *lb, uint8_t kind)
{
	return kind == MP_LB_SESS_WEBRTC ? lb->cfg.webrtc_idle_ms : lb->cfg.srt_idle_ms;
}

/* The username entry a WebRTC session names (same incarnation), or NULL. Lock-free. */
const struct mp_lb_webrtc *mp_lb_session_webrtc_entry(struct mp_lb *lb, const struct mp_lb_session *s);

int mp_lb_natport_init(struct mp_lb *lb);
void mp_lb_natport_fini(struct mp_lb *lb);
/* Under sess.wlock. Take a port of slice towards (oip, oport) (MP_OK and *port, 0 when NAT is disabled;
 * MP_ERR_FULL counted), held (readers miss) until pointed at its session's index (mp_lb_natport_point,
 * once the record is filled; also when a rebind moves it to another record); hold it
 * when its session closes (the return path misses from then); give it back after the grace period
 * (it is reused after nat_quiet_ms from freed_ms); delete held ports whose quiet period ended. */
int mp_lb_natport_take(struct mp_lb *lb, uint32_t oip, uint16_t oport, uint16_t slice, uint64_t now, uint16_t *port);
void mp_lb_natport_point(struct mp_lb *lb, uint32_t oip, uint16_t oport, uint16_t port, uint32_t idx);
void mp_lb_natport_hold(struct mp_lb *lb, uint32_t oip, uint16_t oport, uint16_t port, uint32_t idx, uint64_t now);
void mp_lb_natport_give(struct mp_lb *lb, uint32_t oip, uint16_t oport, uint16_t port, uint64_t freed_ms);
void mp_lb_natport_reap(struct mp_lb *lb, uint64_t now, uint32_t budget);
/* Fleet: hold a port another appliance allocated (a session adopted from Redis) as mp_lb_natport_take
 * would: MP_ERR_EXISTS when the key is live or held here, MP_ERR_INVAL outside the range. And undo it
 * (a held, never pointed port). */
int mp_lb_natport_claim(struct mp_lb *lb, uint32_t oip, uint16_t oport, uint16_t port, uint64_t now);
void mp_lb_natport_unclaim(struct mp_lb *lb, uint32_t oip, uint16_t oport, uint16_t port);

static inline void *mp_lb_u2p(uint64_t v)
{
	return (void *)(uintptr_t)v;
}
static inline uint64_t mp_lb_p2u(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

#endif
