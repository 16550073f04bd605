/* rtmp_session.h: the RTMP proxy's internals shared by its files: one session (client + origin side),
 * the proxy's session list and counters, and the functions each rtmp_*.c file provides. */
#ifndef MP_RTMP_SESSION_H
#define MP_RTMP_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "lb.h"
#include "rtmp_chunk.h"
#include "rtmp_command.h"
#include "rtmp_ctrl.h"
#include "rtmp_handshake.h"
#include "rtmp_proxy.h"
#include "stream_url.h"

struct bufferevent;
struct event;
struct mp_control;
struct evconnlistener;
struct mp_rtmp_rxblock;

/* The chunk size the proxy writes with when the other side's own cannot be passed on (SRS's
 * default too): large chunks cost fewer headers; every peer must accept it (spec 1.0 section 5.4.1).
 * A side hears a size only when it is known to be what will pass (rtmp_relay.c), never lower
 * than before but to finish a message passed in part. */
#define MP_RTMP_PROXY_CHUNK 60000u
/* The WindowAckSize / SetPeerBandwidth the proxy announces (the value SRS and nginx-rtmp use). */
#define MP_RTMP_PROXY_WINDOW 2500000u
/* The largest message accepted from either side while relaying (a 4K key frame fits), and before
 * (commands only: a connection that has not published yet cannot make the proxy hold megabytes). */
#define MP_RTMP_PROXY_MAX_MSG (8u << 20)
#define MP_RTMP_PROXY_SETUP_MAX_MSG (64u << 10)
/* A side's output queue above HIGH stops reading the other side until it drains to LOW. */
#define MP_RTMP_PROXY_OUT_HIGH (4u << 20)
#define MP_RTMP_PROXY_OUT_LOW (1u << 20)
/* The most one read or write callback moves on a side's socket (libevent 2.1 itself reads at most
 * 4096 bytes per read callback: rtmp_io.c reads the rest of a plain socket's data). */
#define MP_RTMP_PROXY_IO_MAX (256u << 10)
/* The smallest block a plain socket is read into (rtmp_io.c); blocks grow to MP_RTMP_PROXY_IO_MAX. */
#define MP_RTMP_PROXY_RX_MIN (16u << 10)
/* A passed chunk's payload this long goes to the other side by reference, not copied (rtmp_io.c). */
#define MP_RTMP_PROXY_REF_MIN (16u << 10)
/* Reads of up to MP_RTMP_PROXY_IO_MAX one read callback makes on a plain socket. */
#define MP_RTMP_PROXY_READS 4
/* libevent stops reading a socket while this much input waits unprocessed. */
#define MP_RTMP_PROXY_IN_HIGH (256u << 10)
/* Commands of the client's exchange kept for the replay to the origin, and their size bound. */
#define MP_RTMP_PROXY_SAVED 6
#define MP_RTMP_PROXY_SAVED_MAX 8192u
/* Time limits (ms): client handshake to publish/play; origin connect to relay; idle relay; flush. */
#define MP_RTMP_PROXY_SETUP_MS 20000u
#define MP_RTMP_PROXY_ORIGIN_MS 10000u
/* A TCP connect to an origin that has not completed in this long failed: the origin is marked down
 * and the stream re-picked (origin_health.h), well inside the client's own patience. The key
 * origin_connect_timeout sets it; this is for a proxy without a configuration (tests). */
#define MP_RTMP_PROXY_CONNECT_MS 1000u
/* Other origins tried for one client after its first one could not be reached. */
#define MP_RTMP_PROXY_REPICKS 2u
#define MP_RTMP_PROXY_IDLE_MS 300000u
#define MP_RTMP_PROXY_FLUSH_MS 5000u
/* The message stream id the proxy gives the client in its createStream _result. */
#define MP_RTMP_PROXY_CLIENT_SID 1u
#define MP_RTMP_PROXY_NODES 128 /* AMF0 nodes for one command */

enum mp_rtmp_state {
	MP_RTMP_S_C_HANDSHAKE = 0, /* waiting for C0C1 */
	MP_RTMP_S_C_HANDSHAKE2,    /* S0S1S2 sent, waiting for C2 */
	MP_RTMP_S_C_COMMANDS,      /* connect, createStream, ... answered here until publish or play */
	MP_RTMP_S_O_CONNECTING,    /* TCP connect to the origin */
	MP_RTMP_S_O_HANDSHAKE,     /* C0C1 sent to the origin, waiting for S0S1S2 */
	MP_RTMP_S_O_CONNECT,       /* the client's connect replayed, waiting for its _result */
	MP_RTMP_S_O_CREATE,        /* createStream sent, waiting for its _result */
	MP_RTMP_S_RELAY,           /* messages re-chunked both ways */
	MP_RTMP_S_CLOSING,         /* flushing what is queued, then close */
	MP_RTMP_S__COUNT
};

enum mp_rtmp_role { MP_RTMP_ROLE_NONE = 0, MP_RTMP_ROLE_PUBLISH, MP_RTMP_ROLE_PLAY };

/* One TCP side of a session, read with its own chunk reader, written at the chunk size we announced. */
struct mp_rtmp_side {
	struct bufferevent *bev;
	struct mp_rtmp_reader rd;
	uint32_t out_chunk;   /* chunk size we write with (MP_RTMP_DEFAULT_CHUNK_SIZE until announced) */
	uint32_t out_window;  /* the WindowAckSize we announced to this peer (0: none) */
	uint8_t paused;       /* reading stopped: the other side's output is over its high mark */
	uint8_t is_origin;
	uint8_t plain;        /* a plain TCP socket (not TLS): rtmp_io.c reads it in large reads itself */
	struct mp_rtmp_rxblock *rx[2]; /* the blocks it reads into: current, previous (rtmp_io.c) */
	uint32_t rx_cap;      /* the size of its next block (rtmp_io.c) */
	uint64_t bytes_in, bytes_out;
	uint64_t msgs_in;
	uint64_t msgs_passed;  /* media messages relayed chunk by chunk, never assembled */
	struct mp_rtmp_chunk chunk; /* the chunk being read while relaying chunk by chunk */
};

/* A command of the client's exchange, kept to replay to the origin. */
struct mp_rtmp_saved {
	uint8_t type;       /* 20, or 17 */
	uint8_t kind;       /* enum mp_rtmp_cmd_kind */
	uint32_t csid;
	uint32_t len;
	uint8_t *payload;
};

struct mp_rtmp_proxy;

struct mp_rtmp_session {
	struct mp_rtmp_session *next, *prev;
	struct mp_rtmp_proxy *px;
	uint64_t id;
	enum mp_rtmp_state state;
	enum mp_rtmp_role role;
	struct mp_rtmp_side cl, org;
	char peer[64];                      /* the client's address "ip:port" or "[ipv6]:port" */
	char peer_ip[48];                   /* its address alone, no brackets (peer_addr.h) */
	uint64_t created_ms, deadline_ms, last_ms;
	char close_reason[160];             /* why CLOSING was entered */
	/* the client's exchange */
	double object_encoding;
	struct mp_rtmp_saved connect;       /* the client's connect, replayed as it came */
	struct mp_rtmp_saved saved[MP_RTMP_PROXY_SAVED]; /* releaseStream, FCPublish in order */
	unsigned nsaved;
	struct mp_rtmp_saved start;         /* publish or play, replayed on the origin's stream */
	double connect_txn, create_txn;
	uint8_t fcpublish_seen;
	uint8_t buffer_ms_seen;             /* a SetBufferLength came before play: replay it after */
	uint32_t buffer_ms;
	char tc_url[MP_SURL_QUERY_MAX];
	struct mp_stream_url url;
	uint32_t client_sid;                /* stream id the client's publish/play came on (0: no mapping) */
	uint32_t origin_sid;                /* the origin's createStream answer */
	double max_txn;                     /* highest transaction id the client used */
	/* origin */
	struct mp_lb_target target;
	unsigned ep_index;
	unsigned repicks;                   /* origins tried after the first could not be reached */
	char origin_host[48];               /* the origin endpoint's address, either family (MP_LB_HOST_MAX) */
	uint16_t origin_port;
	bool origin_tls;                    /* the endpoint was registered as TLS (rtmps://): tls.h */
	uint8_t c0c1[MP_RTMP_HS_C0C1_LEN];  /* what we sent the origin (its S2 and our C2 refer to it) */
};

/* Counters for the operator (GET /api/v1/rtmp). Only the control-plane thread writes them. */
struct mp_rtmp_stats {
	uint64_t accepted, closed, refused_quitting;
	uint64_t publishes, plays, relays;            /* sessions that reached each stage */
	uint64_t bytes_from_client, bytes_to_client, bytes_from_origin, bytes_to_origin;
	uint64_t msgs_c2o, msgs_o2c;
	uint64_t msgs_passed;                         /* of those, relayed chunk by chunk */
	uint64_t handshake_errors, protocol_errors, noorigin, bad_stream, origin_connect_errors;
	uint64_t origin_refused, origin_closed, timeouts, idle_closed, io_errors;
	uint64_t backpressure_pauses, chunk_size_changes, acks_sent, pings_answered;
	uint64_t drained, closed_at_quit;
	uint64_t origin_repicks;                      /* clients moved to another origin after a failed connect */
	uint64_t origin_dead_closed;                  /* sessions closed because their origin died */
};

struct mp_rtmp_proxy {
	struct mp_control *c;
	struct mp_rtmp_session *head;
	uint32_t open;                      /* sessions in the list */
	uint64_t next_id;
	struct event *sweep;                /* every second: deadlines and idle relays */
	struct evconnlistener *listener;    /* the RTMP socket (NULL in tests, and once quitting) */
	struct evconnlistener *tls_listener; /* the RTMPS socket (rtmps_listen; NULL when off, and once quitting) */
	uint8_t quitting;                   /* stop accepting; the control plane waits for open == 0 */
	struct mp_rtmp_stats st;
};

/* rtmp_proxy.c */
/* Close a session now: log why, count, free both sides. */
void mp_rtmp_session_free(struct mp_rtmp_session *s, const char *why);
/* Stop reading, let queued output reach the peers, then free (or at the flush deadline). */
int mp_rtmp_session_closing(struct mp_rtmp_session *s, const char *why);
/* A top-level callback's result: rc < 0 closes the session (why names the place). */
void mp_rtmp_session_result(struct mp_rtmp_session *s, int rc, const char *why);

/* rtmp_io.c: bytes in and out of a side */
int mp_rtmp_side_open(struct mp_rtmp_session *s, struct mp_rtmp_side *side, struct bufferevent *bev);
/* TCP options of a proxy socket: no Nagle delay, keepalive probes that find a dead peer in ~1 min. */
void mp_rtmp_socket_tune(int fd);
void mp_rtmp_side_close(struct mp_rtmp_side *side);
/* Queue m on side, chunked at side->out_chunk. */
int mp_rtmp_send_msg(struct mp_rtmp_side *side, const struct mp_rtmp_msg *m);
/* Queue an AMF0 command payload (type 20) on side. */
int mp_rtmp_send_cmd(struct mp_rtmp_side *side, uint32_t csid, uint32_t stream_id, const uint8_t *p, int len);
int mp_rtmp_send_ctrl(struct mp_rtmp_side *side, const struct mp_rtmp_ctrl *c);
/* Announce our chunk size to side (and write with it from then on). */
int mp_rtmp_send_chunk_size(struct mp_rtmp_side *side, uint32_t size);
/* Read side's input as messages and dispatch them until it is empty, paused, or the state stops it. */
int mp_rtmp_pump(struct mp_rtmp_session *s, struct mp_rtmp_side *side);
/* Stop / resume reading a side (back-pressure, or while the origin is being set up). */
void mp_rtmp_side_pause(struct mp_rtmp_side *side);
int mp_rtmp_side_resume(struct mp_rtmp_session *s, struct mp_rtmp_side *side);
size_t mp_rtmp_side_queued(const struct mp_rtmp_side *side);
/* The other side of a session. */
static inline struct mp_rtmp_side *mp_rtmp_other(struct mp_rtmp_session *s, struct mp_rtmp_side *side)
{
	return side == &s->cl ? &s->org : &s->cl;
}

/* rtmp_client.c: the client's handshake and its commands until publish or play */
int mp_rtmp_client_handshake(struct mp_rtmp_session *s);
int mp_rtmp_client_command(struct mp_rtmp_session *s, const struct mp_rtmp_msg *m);
/* Tell the client its publish/play failed (onStatus error), then close once it is sent. */
int mp_rtmp_client_fail(struct mp_rtmp_session *s, const char *code, const char *why);

/* rtmp_origin.c: pick, connect, handshake and replay to the origin */
int mp_rtmp_origin_start(struct mp_rtmp_session *s);
int mp_rtmp_origin_connected(struct mp_rtmp_session *s);
/* The TCP connect failed or the origin closed during setup: next endpoint, else tell the client. */
int mp_rtmp_origin_failed(struct mp_rtmp_session *s, const char *what);
int mp_rtmp_origin_handshake(struct mp_rtmp_session *s);
int mp_rtmp_origin_message(struct mp_rtmp_session *s, const struct mp_rtmp_msg *m);

/* Close the sessions relayed to origin (id, uid), which is dead; returns how many (listener op). */
uint32_t mp_rtmp_origin_down(struct mp_control *c, uint32_t origin_id, uint32_t origin_uid);

/* rtmp_relay.c: messages of the relay, and the control messages of every state */
/* Control messages (types 1..6) from side, in any state: absorb, answer (pings, window). */
int mp_rtmp_relay_control(struct mp_rtmp_session *s, struct mp_rtmp_side *side, const struct mp_rtmp_msg *m);
/* A message read from side while relaying: forwarded to the other side (re-chunked, stream id mapped). */
int mp_rtmp_relay_message(struct mp_rtmp_session *s, struct mp_rtmp_side *side, const struct mp_rtmp_msg *m);
/* The stream id a message from `from` carries on the other side. */
uint32_t mp_rtmp_relay_sid(const struct mp_rtmp_session *s, const struct mp_rtmp_side *from, uint32_t sid);
/* The chunk size to write to the other side of from: from's own when chunks can pass at it. */
uint32_t mp_rtmp_relay_chunk_of(const struct mp_rtmp_side *from);
/* Is side's input relayed chunk by chunk (same chunk size both ways, or a message half passed)? */
int mp_rtmp_relay_by_chunk(const struct mp_rtmp_session *s, const struct mp_rtmp_side *side);
/* At a message's first chunk: pass it through (media at equal chunk sizes) or assemble it? */
int mp_rtmp_relay_passes(struct mp_rtmp_session *s, const struct mp_rtmp_side *side, const struct mp_rtmp_chunk *c);
/* A passed chunk went out (and its message, when message_done): count, apply back-pressure. */
void mp_rtmp_relay_passed(struct mp_rtmp_session *s, struct mp_rtmp_side *side, int message_done);
/* Enter the relay: resume reading both sides. */
int mp_rtmp_relay_start(struct mp_rtmp_session *s);

/* rtmp_reply.c: payloads the proxy builds beyond proto/'s */
/* "onStatus", 0, null, {level "error", code, description}. */
int mp_rtmp_reply_status_error(uint8_t *out, size_t cap, const char *code, const char *description);

const char *mp_rtmp_state_name(enum mp_rtmp_state st);

#endif
