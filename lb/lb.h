/* lb.h: the balancer's one interface: origins, stream picks, WebRTC ufrags, HLS SPBHIDs, sessions. */
#ifndef MP_LB_H
#define MP_LB_H

/*
 * Threads and memory. Tables are rte_hash with lock-free readers (RW_CONCURRENCY_LF), except the session
 * indexes (tuple, SRT socket id, NAT port): lb_index.h cuckoo tables naming session slots, read
 * lock-free too. Whatever a writer replaces or removes is freed after an RCU QSBR grace period. Every thread that calls into
 * lb (worker lcores and control-plane threads alike) takes a reader id in [0, max_readers):
 *   mp_lb_reader_register(lb, id)   once (the thread is then online),
 *   mp_lb_quiescent(lb, id)         whenever it holds no pointer obtained from lb (each loop turn),
 *   mp_lb_reader_offline/online     around a blocking wait (epoll), so it does not delay reclaim.
 * A pointer returned by a lookup stays valid until the caller's next quiescent report.
 * Readers never lock. Writers of one table serialise on a short per-table spinlock (as rte_hash's
 * own MULTI_WRITER_ADD lock does): sessions are written only by worker lcores, so a worker never
 * waits on the control plane for them; picks may be written by both planes (SRT CONCLUSION picks on
 * a worker), held only for one lookup + insert.
 *
 * Time. Every function takes `now`: milliseconds on a monotonic clock chosen by the caller (a
 * worker can use rte_rdtsc() / (rte_get_tsc_hz() / 1000)); lb never reads a clock itself, so tests
 * drive time by hand. Only differences of `now` values matter.
 *
 * Errors: MP_OK (0) or a negative enum mp_err (common/mp_error.h). A full table refuses the new
 * entry with MP_ERR_FULL, counts it in mp_lb_stats, and leaves existing entries untouched.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "registration.h"

#define MP_LB_STREAM_MAX 256    /* stream URL key "vhost/app/stream": up to 255 bytes + NUL */
#define MP_LB_USERNAME_MAX 64   /* ICE username "answerUfrag:offerUfrag": up to 63 bytes + NUL */
#define MP_LB_ICE_PWD_MAX 257   /* ice-pwd: up to 256 ice-chars (RFC 8839 section 5.4) + NUL */
#define MP_LB_SPBHID_MAX 64     /* HLS SPBHID: up to 63 bytes + NUL */
#define MP_LB_URL_MAX 1024      /* HLS full URL: up to 1023 bytes + NUL */
#define MP_LB_ORIGIN_KEY_MAX (3 * MP_REG_MAX_FIELD) /* "server-service-pid" + NUL */
#define MP_LB_ORIGIN_NONE UINT32_MAX

struct mp_lb;

struct mp_lb_config {
	uint32_t max_origins;      /* default 10000 */
	uint32_t max_streams;      /* stream picks, and HLS streams; default 100000 */
	uint32_t max_webrtc;       /* ICE usernames; default 100000 */
	uint32_t max_sessions;     /* data-plane sessions; default 1048576 */
	uint32_t max_readers;      /* reader ids 0..max_readers-1; default 128 */
	uint64_t origin_ttl_ms;    /* alive while the last registration is younger; default 300000 */
	uint64_t origin_forget_ms; /* a dead origin is dropped this long after it died; default 300000 */
	uint64_t webrtc_ttl_ms;    /* ICE username idle lifetime; default 120000 */
	uint64_t hls_ttl_ms;       /* SPBHID idle lifetime; default 120000 */
	uint64_t webrtc_idle_ms;   /* WebRTC session idle expiry; default 30000 */
	uint64_t srt_idle_ms;      /* SRT session idle expiry; default 10000 */
	uint16_t nat_port_min;     /* NAT port range; default 20480..32767 (below Linux ephemeral); each */
	uint16_t nat_port_max;     /* port serves one session per origin endpoint (address, port);
				    * nat_port_min == 0 disables NAT ports (sessions get port 0), else > 64 */
	uint64_t nat_quiet_ms;     /* a freed NAT port is reused (towards that origin) only after this; default 60000 */
	int socket_id;             /* NUMA socket for the tables; default SOCKET_ID_ANY (-1) */
	int pick_policy;           /* enum mp_pick_policy (pick_policy.h) for new streams; default random */
};

/* Fill c with the defaults above. */
void mp_lb_config_default(struct mp_lb_config *c);

/* ---- lifecycle and readers ---- */

struct mp_lb_backend_ops; /* lb_backend.h */

/* Create the tables with the memory backend (no external dependency). EAL must be initialised.
 * Returns NULL on bad config or allocation failure (the reason is logged). */
struct mp_lb *mp_lb_create(const struct mp_lb_config *cfg);
/* Create with another backend (Redis); ops/ctx are owned by the caller until mp_lb_destroy. */
struct mp_lb *mp_lb_create_with(const struct mp_lb_config *cfg, const struct mp_lb_backend_ops *ops,
				void *backend_ctx);
/* Free everything. No thread may use lb any more. */
void mp_lb_destroy(struct mp_lb *lb);
const struct mp_lb_config *mp_lb_config(const struct mp_lb *lb);
const char *mp_lb_backend_name(const struct mp_lb *lb);

int mp_lb_reader_register(struct mp_lb *lb, unsigned int id);   /* and online */
int mp_lb_reader_unregister(struct mp_lb *lb, unsigned int id); /* offline first */
void mp_lb_reader_online(struct mp_lb *lb, unsigned int id);
void mp_lb_reader_offline(struct mp_lb *lb, unsigned int id);
void mp_lb_quiescent(struct mp_lb *lb, unsigned int id);
/* Wait until every online reader has reported a quiescent state since the call, the caller (reader
 * id, online) included: each worker has finished the loop turn it was in. For tests and benches that
 * must know in-flight work is done; spins, so never on the control plane's event loop. */
void mp_lb_wait_readers(struct mp_lb *lb, unsigned int id);

/* Control-plane housekeeping, every second or so: expire ICE usernames and SPBHIDs, drop origins
 * dead for longer than origin_forget_ms and the picks that point at them, reclaim freed records;
 * with a Redis backend, also sync. Returns the number of entries expired. Never blocks on readers. */
int mp_lb_sync(struct mp_lb *lb, uint64_t now);

/* ---- origins (control plane writes) ---- */

struct mp_lb_origin {
	uint32_t magic;   /* MP_LB_ORIGIN_MAGIC while live; poisoned when freed */
	uint32_t check;   /* checksum of everything after this field (mp_lb_origin_verify) */
	uint32_t id;      /* small id (slot), stable while the origin is known */
	uint32_t uid;     /* unique per incarnation: an id reused later gets another uid */
	uint64_t gen;     /* bumped at every update of this origin */
	uint64_t first_seen_ms;
	uint64_t updated_ms; /* last registration */
	char key[MP_LB_ORIGIN_KEY_MAX]; /* "server-service-pid" */
	char device_id[MP_REG_MAX_FIELD];
	char ip[MP_REG_MAX_FIELD];
	uint32_t ipv4; /* host order */
	struct mp_endpoint ep[MP_PROTO__COUNT][MP_REG_MAX_ENDPOINTS];
	uint8_t n_ep[MP_PROTO__COUNT];
	uint8_t draining; /* "origin drain": keeps its streams, gets no new ones */
	uint32_t weight;  /* pick weight (MP_PICK_WEIGHT_DEFAULT); 0 drains like draining */
	uint64_t down_ms; /* marked down then (a failed connect, failed probes); 0: never. Down while no
			   * registration is newer than the mark (mp_lb_origin_alive) */
	uint8_t down_probe; /* the mark came from probes (a probe that answers clears only those) */
	struct mp_reg_load load; /* from its last heartbeat */
	/* An origin registered with an IPv6 "ip" (issue 16): ipv4 is then 0, and so is every endpoint
	 * address an IPv4 reader (the data plane) resolves through mp_lb_origin_endpoint. */
	uint8_t ip_v6;
	uint8_t ip6[16]; /* network order */
	/* SRT (row 0) and RTC (row 1) endpoints at an IPv6 address: the stand-in IPv4 address the data
	 * plane knows them by (0.255.0.0/16, mp_lb_origin6_addr); 0: none (the table was full) */
	uint32_t standin[2][MP_REG_MAX_ENDPOINTS];
};
#define MP_LB_ORIGIN_MAGIC 0x6f726967u /* "orig" */

/* Marked down and not registered since (a registration at or after the mark clears it). */
static inline bool mp_lb_origin_is_down(const struct mp_lb_origin *o)
{
	return o->down_ms != 0 && o->down_ms >= o->updated_ms;
}

/* Record (or refresh) an origin from a parsed registration: a new record replaces the old one
 * (readers see either, never a mix). Returns the origin id (>= 0) or MP_ERR_FULL / MP_ERR_INVAL /
 * MP_ERR_NOMEM. Through the backend (Redis also publishes it). */
int mp_lb_origin_update(struct mp_lb *lb, const struct mp_registration *reg, uint64_t now);
/* Forget an origin now ("origin del"). MP_OK or MP_ERR_NOTFOUND. With Redis, every appliance
 * forgets it (registrations made before the delete); its next registration brings it back. */
int mp_lb_origin_remove(struct mp_lb *lb, const char *key);
/* "origin drain": a draining origin keeps the streams pinned to it but is not picked for new
 * ones; registrations do not clear it. MP_OK or MP_ERR_NOTFOUND. With Redis, every appliance
 * honours it (mediaplane-origin-drain, lb_redis.h). */
int mp_lb_origin_drain(struct mp_lb *lb, const char *key, bool draining);
/* A check every origin passes before it is recorded, whichever way it came (registration, Redis
 * mirroring, default backend): false refuses it (the update returns MP_ERR_PERM and nothing
 * changes). The control plane sets it once, before any origin is recorded; fn runs on the thread
 * that records the origin (the control plane) and may count and log. */
typedef bool (*mp_lb_origin_filter_fn)(void *ctx, const struct mp_registration *reg);
void mp_lb_set_origin_filter(struct mp_lb *lb, mp_lb_origin_filter_fn fn, void *ctx);
/* A reload's new origin TTL: an origin is alive while its last registration is younger (readers see it at once). */
void mp_lb_set_origin_ttl(struct mp_lb *lb, uint64_t ttl_ms);
/* Lock-free reads; the record is valid until the caller's next quiescent report. NULL if none. */
const struct mp_lb_origin *mp_lb_origin_get(struct mp_lb *lb, uint32_t id);
const struct mp_lb_origin *mp_lb_origin_find(struct mp_lb *lb, const char *key);
/* Ids are < mp_lb_origin_id_limit(lb): iterate with mp_lb_origin_get. */
uint32_t mp_lb_origin_id_limit(struct mp_lb *lb);
/* Registered less than origin_ttl ago and not marked down since its last registration. */
bool mp_lb_origin_alive(const struct mp_lb *lb, const struct mp_lb_origin *o, uint64_t now);
/* Health (control plane). Mark origin id down now (uid: the incarnation the caller saw; a reused
 * id is left alone): it is no longer alive, so it is not picked and streams pinned to it re-pick on
 * their next request, until it registers again or (by_probe marks only) mp_lb_origin_mark_up.
 * MP_OK when it was alive and is now down, MP_ERR_EXISTS when it was down already, MP_ERR_NOTFOUND,
 * MP_ERR_NOMEM. Local. */
int mp_lb_origin_mark_down(struct mp_lb *lb, uint32_t id, uint32_t uid, uint64_t now, bool by_probe);
/* A probe answered: clear a mark its probes set (a relay's refused connect or a silent handshake
 * stays until the next registration). MP_OK when cleared, MP_ERR_EXISTS when there was none. */
int mp_lb_origin_mark_up(struct mp_lb *lb, uint32_t id, uint32_t uid);
/* An operator's pick weight (0..MP_PICK_WEIGHT_MAX; 0 drains: no new streams, pinned ones stay);
 * kept across registrations. Through the backend (Redis stores it in the origin record). MP_OK,
 * MP_ERR_NOTFOUND, MP_ERR_INVAL, MP_ERR_NOMEM. */
int mp_lb_origin_set_weight(struct mp_lb *lb, const char *key, uint32_t weight, uint64_t now);
/* The data plane saw origin id stay silent (an SRT handshake it never answered): one relaxed atomic
 * add, callable from worker lcores. The control plane takes the count (mp_lb_origin_silent_take,
 * which resets it) and marks the origin down. */
void mp_lb_origin_silent(struct mp_lb *lb, uint32_t id);
uint32_t mp_lb_origin_silent_take(struct mp_lb *lb, uint32_t id);
/* The origin's load score for picks (pick_policy.h mp_pick_load_score), -1 when unknown. */
double mp_lb_origin_load(struct mp_lb *lb, const struct mp_lb_origin *o);
/* Endpoint i of protocol p resolved to an IPv4 address (the origin's ip when the endpoint has none).
 * An endpoint that resolves to IPv6 gives, for SRT and RTC (the data plane's media), its stand-in
 * (mp_lb_origin6_is_standin), and for the other protocols *ipv4 0 and MP_ERR_NOTFOUND (IPv4
 * readers skip it; mp_lb_origin_endpoint_host names it). */
int mp_lb_origin_endpoint(const struct mp_lb_origin *o, enum mp_reg_proto p, unsigned int i,
			  uint32_t *ipv4, uint16_t *port);
/* The same resolved to an address of either family, as text for a socket API ("198.18.0.5",
 * "2001:db8::1"; host[MP_LB_HOST_MAX]). MP_OK or MP_ERR_NOTFOUND. */
#define MP_LB_HOST_MAX 48
int mp_lb_origin_endpoint_host(const struct mp_lb_origin *o, enum mp_reg_proto p, unsigned int i, char *host,
			       uint16_t *port);
/* True when endpoint i of protocol p is to be reached over TLS (registered as "tls://", "https://" or
 * "rtmps://": mp_endpoint_parse). */
bool mp_lb_origin_endpoint_tls(const struct mp_lb_origin *o, enum mp_reg_proto p, unsigned int i);
/* True when the record is live and its checksum matches (used by tests and debug checks). */
bool mp_lb_origin_verify(const struct mp_lb_origin *o);

/* ---- IPv6 origins on the data plane (lb_origin6.c) ----
 * Sessions (and NAT port keys) name an origin by a 32-bit address. An origin endpoint for SRT or
 * WebRTC media at an IPv6 address gets a stand-in IPv4 address in 0.255.0.0/16 (0.0.0.0/8 is never
 * a real source, RFC 1122 section 3.2.1.3; IPv6 clients' stand-ins are below it, dp_v6client.h)
 * when its origin registers, one per address, kept while an origin names it and given to another
 * address only MP_LB_ORIGIN6_QUIET_MS after the last one went. Picks, WebRTC usernames and sessions
 * carry the stand-in; the data plane translates at its edge (dp_v6client.c). */
#define MP_LB_ORIGIN6_NET 0x00ff0000u
/* Any stand-in, an IPv6 client's (dp_v6client.h) or an IPv6 origin's: an address in 0.0.0.0/8 other
 * than 0, never the source of a real datagram. A frame to one is translated to IPv6 on its way out. */
static inline bool mp_lb_is_standin(uint32_t ip)
{
	return ip != 0 && (ip >> 24) == 0;
}
#define MP_LB_ORIGIN6_MAX 65535u
#define MP_LB_ORIGIN6_QUIET_MS 600000u
static inline bool mp_lb_origin6_is_standin(uint32_t ip)
{
	return (ip & 0xffff0000u) == MP_LB_ORIGIN6_NET && ip != MP_LB_ORIGIN6_NET;
}
/* Lock-free, any thread. The stand-in of an IPv6 origin address (ip6 network order), 0 when none. */
uint32_t mp_lb_origin6_standin(struct mp_lb *lb, const uint8_t ip6[16]);
/* The IPv6 address (16 bytes, network order) of a stand-in, NULL when it is none. */
const uint8_t *mp_lb_origin6_addr(struct mp_lb *lb, uint32_t standin);
/* An address as people read it: an IPv6 origin's stand-in as "[2001:db8::1]", an IPv6 client's too
 * once the data plane gave its table (mp_lb_set_client6), anything else (or with lb NULL) "a.b.c.d"
 * (cap >= MP_LB_ADDR_TEXT_MAX). Returns the length. */
#define MP_LB_ADDR_TEXT_MAX 48
int mp_lb_addr_text(struct mp_lb *lb, uint32_t ip, char *out, size_t cap);
/* The IPv6 address (network order) of an IPv6 client's stand-in into a; false when ip is none. */
typedef bool (*mp_lb_client6_fn)(void *ctx, uint32_t ip, uint8_t a[16]);
/* Set before the threads that print addresses start, cleared (NULL) before ctx goes. */
void mp_lb_set_client6(struct mp_lb *lb, mp_lb_client6_fn fn, void *ctx);

/* ---- stream picks ---- */

struct mp_lb_target {
	uint32_t origin_id;
	uint32_t origin_uid;
	uint32_t ipv4;      /* endpoint 0 of the protocol asked, resolved (host order) */
	uint16_t port;
	uint8_t n_ep;       /* endpoints of that protocol on the origin (see mp_lb_origin_endpoint) */
	bool repicked;      /* the stream was pinned to an origin that died or lost the protocol */
};

/* The address of t (a pick of protocol p) as text of either family: t->ipv4 when set, else endpoint 0
 * of p on t's origin (an IPv6 one). MP_OK, or MP_ERR_NOTFOUND when that origin is gone. */
int mp_lb_target_host(struct mp_lb *lb, const struct mp_lb_target *t, enum mp_reg_proto p, char host[MP_LB_HOST_MAX]);
/* True when t's endpoint 0 of protocol p is to be reached over TLS (mp_lb_origin_endpoint_tls). */
bool mp_lb_target_tls(struct mp_lb *lb, const struct mp_lb_target *t, enum mp_reg_proto p);

/* The origin for stream (the "vhost/app/stream" key) and protocol: the pinned one while it is alive
 * and has an endpoint for proto, else a new alive origin with one, chosen by cfg.pick_policy among
 * those not draining and of weight > 0 (pinned, and a re-pick is logged). MP_ERR_NOORIGIN when none qualifies, MP_ERR_TOOLONG for a key > 255 bytes,
 * MP_ERR_FULL when a new stream does not fit. Never blocks: callable from worker lcores. */
int mp_lb_pick(struct mp_lb *lb, const char *stream, enum mp_reg_proto proto, uint64_t now,
	       struct mp_lb_target *out);
/* The pinned origin id without picking; MP_ERR_NOTFOUND if the stream is not pinned. */
int mp_lb_pick_peek(struct mp_lb *lb, const char *stream, uint32_t *origin_id);
/* Walk the pinned streams ("show streams"): start with *next = 0; MP_OK per stream, then
 * MP_ERR_NOTFOUND at the end. The origin id may name a dead or forgotten origin. */
int mp_lb_pick_iterate(struct mp_lb *lb, uint32_t *next, char stream[MP_LB_STREAM_MAX], uint32_t *origin_id);

/* ---- WebRTC ICE usernames ---- */

struct mp_lb_webrtc {
	char username[MP_LB_USERNAME_MAX]; /* "answerUfrag:offerUfrag" */
	char ice_pwd[MP_LB_ICE_PWD_MAX];   /* the answer's a=ice-pwd: the key of the client's MESSAGE-INTEGRITY
					    * (RFC 8445 section 7.2.2); "" when unknown (a record without it) */
	char stream[MP_LB_STREAM_MAX];
	uint32_t origin_id;
	uint32_t media_ipv4;               /* origin media address, host order */
	uint16_t media_port;
	uint64_t created_ms;
	_Atomic uint64_t last_seen_ms;     /* renewed by traffic (mp_lb_webrtc_touch) */
	_Atomic uint32_t session;          /* slot + 1 of the session last started or re-bound for this
					    * username (data plane), 0: none; kept when the entry is replaced */
	uint32_t uid;                      /* this username's incarnation: kept when the entry is replaced,
					    * new when it is stored again after a removal (sessions name it) */
};

/* Store (or replace) the entry for an ICE username with the answer's ice-pwd (NULL or "": unknown;
 * MP_ERR_TOOLONG over 256 bytes). Control plane, through the backend. */
int mp_lb_webrtc_store(struct mp_lb *lb, const char *username, const char *ice_pwd, const char *stream,
		       uint32_t origin_id, uint32_t media_ipv4, uint16_t media_port, uint64_t now);
/* Lock-free lookup by the raw USERNAME bytes (not NUL-terminated), for the data plane. */
const struct mp_lb_webrtc *mp_lb_webrtc_find(struct mp_lb *lb, const char *username, size_t len);
/* Copy out (control plane). MP_ERR_NOTFOUND if absent. */
int mp_lb_webrtc_load(struct mp_lb *lb, const char *username, uint64_t now, struct mp_lb_webrtc *out);
int mp_lb_webrtc_remove(struct mp_lb *lb, const char *username);
/* Walk the ICE usernames (System API): start with *next = 0; MP_OK and a copy per entry, then
 * MP_ERR_NOTFOUND at the end. Control plane. */
int mp_lb_webrtc_iterate(struct mp_lb *lb, uint32_t *next, struct mp_lb_webrtc *out);

/* Renew an entry: one relaxed store, no lock; cheap enough per packet. */
static inline void mp_lb_webrtc_touch(const struct mp_lb_webrtc *e, uint64_t now)
{
	atomic_store_explicit(&((struct mp_lb_webrtc *)e)->last_seen_ms, now, memory_order_relaxed);
}

struct mp_lb_session;
/* Link entry e to session s (data plane, when a STUN with this username creates or re-binds s), so
 * a STUN with the same username from a new address finds the session to re-bind. One relaxed store. */
static inline void mp_lb_webrtc_link(const struct mp_lb_webrtc *e, const struct mp_lb_session *s);
/* The live WebRTC session linked to e whose username is e's, or NULL (none, expired, or its slot now
 * serves another session). Lock-free; valid until the caller's next quiescent report. */
struct mp_lb_session *mp_lb_webrtc_session(struct mp_lb *lb, const struct mp_lb_webrtc *e);

/* ---- HLS SPBHIDs ---- */

struct mp_lb_hls {
	char stream[MP_LB_STREAM_MAX];
	char spbhid[MP_LB_SPBHID_MAX];
	char full_url[MP_LB_URL_MAX];
};

/* If stream already has an SPBHID, renew it and copy it to out (MP_ERR_EXISTS); else store
 * stream <-> spbhid with full_url and copy it to out (MP_OK). Through the backend. */
int mp_lb_hls_load_or_store(struct mp_lb *lb, const char *stream, const char *spbhid,
			    const char *full_url, uint64_t now, struct mp_lb_hls *out);
/* Look up by SPBHID (a segment request) or by stream; renews on use. MP_ERR_NOTFOUND if absent. */
int mp_lb_hls_by_spbhid(struct mp_lb *lb, const char *spbhid, uint64_t now, struct mp_lb_hls *out);
int mp_lb_hls_by_stream(struct mp_lb *lb, const char *stream, uint64_t now, struct mp_lb_hls *out);

/* ---- data-plane sessions ---- */

/* Client 5-tuple as it arrives (client -> appliance), addresses and ports in host order. */
struct mp_lb_tuple {
	uint32_t src_ip;   /* client */
	uint32_t dst_ip;   /* appliance */
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t proto;     /* IPPROTO_UDP */
	uint8_t pad[3];    /* must be zero: the 16 bytes are the hash key (mp_lb_tuple_set) */
};

/* Fill a tuple with its padding zeroed (lookups use the tuple bytes as they are). */
static inline void mp_lb_tuple_set(struct mp_lb_tuple *t, uint32_t src_ip, uint16_t src_port, uint32_t dst_ip,
				   uint16_t dst_port, uint8_t proto)
{
	memset(t, 0, sizeof(*t));
	t->src_ip = src_ip;
	t->dst_ip = dst_ip;
	t->src_port = src_port;
	t->dst_port = dst_port;
	t->proto = proto;
}

enum mp_lb_session_kind { MP_LB_SESS_WEBRTC = 1, MP_LB_SESS_SRT = 2 };
enum mp_lb_session_state {
	MP_LB_SESS_FREE = 0,
	MP_LB_SESS_HANDSHAKE, /* SRT: INDUCTION/CONCLUSION being relayed */
	MP_LB_SESS_ACTIVE,
	MP_LB_SESS_CLOSED,    /* expired or closed, waiting for its grace period */
};

/* Two cache lines (issue 12: <= 256 B of table memory per session): what is written once at creation
 * and read per packet, then what the owner worker writes per packet (so lookups from other workers
 * do not contend with those writes). A WebRTC session's ICE username lives in the username table,
 * which holds it anyway: the session names the entry (mp_lb_session_username). */
struct mp_lb_session {
	/* written once at creation (closed_ms at close), read per packet */
	struct mp_lb_tuple tuple;
	uint32_t origin_ipv4;
	uint16_t origin_port;
	uint16_t nat_port;         /* 0 when NAT ports are disabled */
	uint32_t origin_id;
	uint32_t index;            /* slot in the session array */
	uint8_t kind;              /* enum mp_lb_session_kind */
	_Atomic uint8_t state;     /* enum mp_lb_session_state */
	uint8_t pad[2];
	union {
		struct {
			uint32_t entry;                /* the ICE username's entry: its key position + 1, 0: none */
			uint32_t uid;                  /* and its incarnation (mp_lb_webrtc.uid) */
		} webrtc;
		struct {
			_Atomic uint32_t client_sock;  /* SRT socket id chosen by the client */
			_Atomic uint32_t origin_sock;  /* SRT socket id chosen by the origin */
			uint32_t bound;                /* id indexed by mp_lb_session_srt_bind, 0: none */
		} srt;
	} u;
	uint64_t created_ms;
	uint64_t closed_ms;
	/* written per packet, by the worker that owns the session's NAT port slice */
	_Atomic uint64_t last_seen_ms __attribute__((aligned(64)));
	_Atomic uint64_t pkts_c2o, bytes_c2o; /* client -> origin */
	_Atomic uint64_t pkts_o2c, bytes_o2c; /* origin -> client */
	_Atomic uint64_t last_c2o_ms;         /* last packet from the client (re-bind decisions) */
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct mp_lb_session) == 128, "a session record is two cache lines (128 B)");
_Static_assert(offsetof(struct mp_lb_session, last_seen_ms) == 64, "per-packet fields start the second line");

/* The ICE username of a WebRTC session into out: MP_OK, or MP_ERR_NOTFOUND ("" in out) when it has
 * none (an SRT session; a username not stored when the session began; or its entry removed since:
 * a username removed then stored again is another incarnation). Lock-free; any reader thread. */
int mp_lb_session_username(struct mp_lb *lb, const struct mp_lb_session *s, char out[MP_LB_USERNAME_MAX]);

struct mp_lb_session_params {
	struct mp_lb_tuple tuple;
	uint32_t origin_ipv4;
	uint16_t origin_port;
	uint32_t origin_id;
	enum mp_lb_session_kind kind;
	enum mp_lb_session_state state; /* MP_LB_SESS_HANDSHAKE or MP_LB_SESS_ACTIVE */
	const char *username;           /* WebRTC, NUL-terminated, < MP_LB_USERNAME_MAX */
	uint32_t srt_client_sock;       /* SRT */
	uint16_t nat_slice;             /* the NAT port comes from this slice (the creating worker's) */
};

/* Create a session, allocate its NAT port and index it by tuple and NAT port. Worker lcores.
 * MP_ERR_EXISTS (and *out = the existing one) if the tuple already has a session; MP_ERR_FULL
 * (counted) when the session table or the NAT port range is exhausted. */
int mp_lb_session_create(struct mp_lb *lb, const struct mp_lb_session_params *p, uint64_t now,
			 struct mp_lb_session **out);
/* Fleet (docs/fleet.md, failover without a reconnect): install a session another appliance created,
 * from its record in Redis: p as for create (nat_slice unused) with that appliance's NAT port
 * nat_port (0: none), and for SRT the socket id the client sends to (srt_bound, indexed) and the
 * origin's socket id. Worker lcores. MP_ERR_EXISTS when the tuple, the socket id or the NAT port
 * towards that origin endpoint is taken here; MP_ERR_FULL (counted) when the tables are. */
int mp_lb_session_adopt(struct mp_lb *lb, const struct mp_lb_session_params *p, uint16_t nat_port,
			uint32_t srt_bound, uint32_t srt_origin_sock, uint64_t now, struct mp_lb_session **out);
/* Lock-free lookups; NULL on a miss. Valid until the caller's next quiescent report.
 * mp_lb_session_find reads t's 16 bytes as the key: its pad must be zero. */
struct mp_lb_session *mp_lb_session_find(struct mp_lb *lb, const struct mp_lb_tuple *t);
/* The return path: the session whose NAT port is nat_port towards the origin endpoint
 * (origin_ip, origin_port), i.e. what a datagram from that origin to that NAT port belongs to. A NAT
 * port is unique per origin endpoint, not per appliance address: the same port serves one session
 * towards each origin. NULL when no live session holds it (closed or quiet ports included). */
struct mp_lb_nat_key {
	uint32_t origin_ip;   /* host order */
	uint16_t origin_port;
	uint16_t nat_port;
};
struct mp_lb_session *mp_lb_session_by_nat(struct mp_lb *lb, uint32_t origin_ip, uint16_t origin_port,
					   uint16_t nat_port);
/* The same for n (<= MP_LB_FIND_BULK_MAX) keys at once; out[i] NULL on a miss. Returns the hits. */
unsigned int mp_lb_session_by_nat_bulk(struct mp_lb *lb, const struct mp_lb_nat_key *const *keys, unsigned int n,
				       struct mp_lb_session **out);
/* NAT port slices: the range is cut into n contiguous slices (slice k: ports min + ceil(k*P/n) up to
 * the next one's first, P = max - min + 1), one per worker, so the worker that creates a session (its
 * nat_slice) owns its return traffic too. Set once before any session (MP_ERR_STATE after); default 1. */
#define MP_LB_NAT_SLICES_MAX 64
int mp_lb_set_nat_slices(struct mp_lb *lb, unsigned int n);
unsigned int mp_lb_nat_slices(const struct mp_lb *lb);
/* The slice nat_port belongs to (0 outside the range). */
uint16_t mp_lb_nat_slice_of(const struct mp_lb *lb, uint16_t nat_port);
/* Fleet: this appliance is index (< size) of size appliances sharing one NAT address and range. The
 * range is cut into size shares; this one allocates only from share index (cut again into the worker
 * slices above), so NAT ports never collide in the fleet, and mp_lb_nat_slice_of names the worker
 * slice within any share. Set once before mp_lb_set_nat_slices and any session (MP_ERR_STATE after);
 * size 0 or 1: no fleet (the default). */
int mp_lb_set_fleet(struct mp_lb *lb, unsigned int index, unsigned int size);
unsigned int mp_lb_fleet_size(const struct mp_lb *lb);
/* nat_port is in the range but in another appliance's share (false without a fleet). */
bool mp_lb_nat_port_foreign(const struct mp_lb *lb, uint16_t nat_port);
/* Look n (<= MP_LB_FIND_BULK_MAX) tuples up at once (every key's first bucket is prefetched before
 * any is read, then the record each entry names; lb_index.h mp_lb_ix_peek_bulk): out[i] is the
 * session of keys[i] or NULL. Returns the number found. Same rules as mp_lb_session_find (pads zero,
 * valid until the next quiescent report). */
#define MP_LB_FIND_BULK_MAX 64
unsigned int mp_lb_session_find_bulk(struct mp_lb *lb, const struct mp_lb_tuple *const *keys, unsigned int n,
				     struct mp_lb_session **out);
struct mp_lb_session *mp_lb_session_by_srt(struct mp_lb *lb, uint32_t sock_id);
/* The same for n (<= MP_LB_FIND_BULK_MAX) socket ids at once; out[i] NULL on a miss. Returns the hits. */
unsigned int mp_lb_session_by_srt_bulk(struct mp_lb *lb, const uint32_t *const *ids, unsigned int n,
				       struct mp_lb_session **out);
/* Index the session by an SRT destination socket id as well (MP_ERR_EXISTS if the id is taken). */
int mp_lb_session_srt_bind(struct mp_lb *lb, struct mp_lb_session *s, uint32_t sock_id,
			   uint32_t origin_sock);
/* Move a session to a new client tuple (ICE restart, NAT rebinding): a new record replaces the old
 * one under the same NAT port; *out is the new record. */
int mp_lb_session_rebind(struct mp_lb *lb, struct mp_lb_session *s, const struct mp_lb_tuple *t,
			 uint64_t now, struct mp_lb_session **out);
/* Replace session old by a new one for the same client tuple (p->tuple == old->tuple, same kind):
 * an SRT caller that restarted from the same address and port. The new session keeps old's NAT
 * port, so a client cannot drain the port range by starting connection after connection from one
 * port (the port goes back to the same client address, never to another). MP_ERR_STATE when old is
 * no longer live (create instead); MP_ERR_FULL (counted) when no session index is left. */
int mp_lb_session_replace(struct mp_lb *lb, struct mp_lb_session *old, const struct mp_lb_session_params *p,
			  uint64_t now, struct mp_lb_session **out);
/* Close now (SRT shutdown). The NAT port is reused after the quiet period. */
int mp_lb_session_close(struct mp_lb *lb, struct mp_lb_session *s, uint64_t now);
/* Expire idle sessions: looks at up to budget sessions whose idle deadline has passed (a timer
 * wheel, lb_expiry.c: each session about once per idle period, not every slot every pass; any
 * number of workers may call it, one works at a time), closes those idle longer than their kind's
 * limit, renews the ICE usernames of live WebRTC sessions and reclaims what is past its grace
 * period (NAT ports back to the pool). Returns the number closed. A session expires within
 * MP_LB_EXPIRY_TICK_MS of its deadline provided callers keep calling while mp_lb_session_sweep_pending says so. */
uint32_t mp_lb_session_sweep(struct mp_lb *lb, uint64_t now, uint32_t budget);
#define MP_LB_EXPIRY_TICK_MS 10 /* a session expires at or after its deadline, before deadline + this */
/* Is expiry work due at now (lock-free)? A worker loop sweeps again at once while it is. */
bool mp_lb_session_sweep_pending(struct mp_lb *lb, uint64_t now);

/* Walk sessions ("show sessions"): the session in slot i (< max_sessions) if it is live, else NULL. */
struct mp_lb_session *mp_lb_session_at(struct mp_lb *lb, uint32_t i);
/* The first slot >= from that holds a live session, or UINT32_MAX past the last: read from a bitmap
 * of live slots (set and cleared when a session is created or closed, never per packet), so a listing
 * costs what it returns plus one word per 64 slots, not a read of every session. The slot may close
 * meanwhile: check it with mp_lb_session_at. */
uint32_t mp_lb_session_next(struct mp_lb *lb, uint32_t from);
/* Live sessions of kind (0: every kind), from counters kept on create and close (no walk). */
uint32_t mp_lb_session_count(struct mp_lb *lb, int kind);

/* Per-packet accounting. A session's packets, both ways, are handled by one worker: the owner of its
 * NAT port's slice (the data plane hands a frame that arrived elsewhere to it, dp_handoff.c), so these
 * are plain loads and stores of that worker (relaxed atomics: readers see whole values), no atomic
 * read-modify-write, and the timestamps are stored only when they change. */
static inline void mp_lb_stamp(_Atomic uint64_t *a, uint64_t now)
{
	if (atomic_load_explicit(a, memory_order_relaxed) != now)
		atomic_store_explicit(a, now, memory_order_relaxed);
}
static inline void mp_lb_bump(_Atomic uint64_t *a, uint64_t n)
{
	atomic_store_explicit(a, atomic_load_explicit(a, memory_order_relaxed) + n, memory_order_relaxed);
}
static inline void mp_lb_session_seen(struct mp_lb_session *s, uint64_t now)
{
	mp_lb_stamp(&s->last_seen_ms, now);
}
static inline void mp_lb_session_count_c2o(struct mp_lb_session *s, uint32_t bytes, uint64_t now)
{
	mp_lb_bump(&s->pkts_c2o, 1);
	mp_lb_bump(&s->bytes_c2o, bytes);
	mp_lb_stamp(&s->last_c2o_ms, now);
	mp_lb_session_seen(s, now);
}
static inline void mp_lb_session_count_o2c(struct mp_lb_session *s, uint32_t bytes, uint64_t now)
{
	mp_lb_bump(&s->pkts_o2c, 1);
	mp_lb_bump(&s->bytes_o2c, bytes);
	mp_lb_session_seen(s, now);
}
static inline void mp_lb_session_set_state(struct mp_lb_session *s, enum mp_lb_session_state st)
{
	atomic_store_explicit(&s->state, (uint8_t)st, memory_order_release);
}

static inline void mp_lb_webrtc_link(const struct mp_lb_webrtc *e, const struct mp_lb_session *s)
{
	atomic_store_explicit(&((struct mp_lb_webrtc *)e)->session, s->index + 1, memory_order_relaxed);
}

/* Bytes of table memory per session of capacity (session records, tuple, SRT and NAT indexes, held
 * NAT ports, free list, defer queue, expiry wheel), measured from the DPDK heap at creation. */
double mp_lb_bytes_per_session(const struct mp_lb *lb);
/* The same split per structure ("records", "tuple index", ...): up to max parts, each name with its
 * bytes per session; returns how many. */
#define MP_LB_MEM_PARTS_MAX 16
unsigned int mp_lb_memory_parts(const struct mp_lb *lb, const char **names, double *bytes_per_session,
				unsigned int max);

/* ---- counters ---- */

enum mp_lb_table_id {
	MP_LB_T_ORIGINS = 0, MP_LB_T_PICKS, MP_LB_T_WEBRTC, MP_LB_T_HLS, MP_LB_T_SESSIONS,
	MP_LB_T_SRT, MP_LB_T_NATPORTS, MP_LB_T__COUNT
};

struct mp_lb_stats {
	uint32_t count[MP_LB_T__COUNT];    /* entries now */
	uint32_t capacity[MP_LB_T__COUNT];
	uint64_t refused[MP_LB_T__COUNT];  /* inserts refused because the table was full */
	uint64_t repicks;                  /* picks moved off a dead origin or a lost protocol */
	uint64_t sessions_created, sessions_expired, sessions_closed;
	uint64_t expired_webrtc, expired_hls, forgotten_origins;
	uint64_t defer_full;               /* frees refused because a defer queue was full */
	uint64_t nat_early;                /* held NAT ports let go before their quiet period (table full) */
};
void mp_lb_stats(struct mp_lb *lb, struct mp_lb_stats *out);
const char *mp_lb_table_name(enum mp_lb_table_id t);

#endif
