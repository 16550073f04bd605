/* control.h: the control plane's core: the listeners' table, their sockets and the event loop on the
 * kernel's sockets. The core never includes a listener: each listener (control/rtmp, http_stream,
 * http_api, system_api) exports a struct mp_listener_ops, the appliance lists them in a table, and the
 * core walks it in order at start and in reverse at stop (DPVS's module table). */
#ifndef MP_CONTROL_H
#define MP_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "dp_hooks.h"
#include "origin_replies.h"
#include "self_endpoint.h"

/* The listening sockets, one per listener, each bound to its address in the config. */
enum mp_listener { MP_L_SYSTEM_API = 0, MP_L_HTTP_API, MP_L_HTTP_STREAM, MP_L_RTMP, MP_L__COUNT };

struct event_base;
struct evhttp;
struct event;
struct cJSON;
struct mp_control;

/* One listener, as the core sees it. Callbacks other than start and stop may be NULL. */
struct mp_listener_ops {
	const char *name;      /* "RTMP": logs and errors */
	enum mp_listener slot; /* its socket and config address; its state is c->state[slot] */
	bool http;             /* the core serves the socket with evhttp (c->http[slot]) before start;
				* otherwise start takes c->fds[slot] itself */
	/* Called when the listener's socket is bound. Creates c->state[slot] and installs handlers.
	 * Returns MP_OK or an error with err filled. */
	int (*start)(struct mp_control *c, char *err, size_t errcap);
	/* SIGTERM: take no new streams; returns how many open ones to wait for. */
	uint32_t (*quit)(struct mp_control *c);
	/* Streams open now (the core stops once every listener has none while quitting). */
	uint32_t (*open)(const struct mp_control *c);
	/* Close everything open and free c->state[slot] (called even after a failed or skipped start). */
	void (*stop)(struct mp_control *c);
	/* The listener's counters and up to limit open items as members of out (System API queries). */
	void (*stats)(const struct mp_control *c, struct cJSON *out, long limit);
	/* Origin (id, uid) is dead: close the clients relayed to it (origin_health.c); returns how many. */
	uint32_t (*origin_down)(struct mp_control *c, uint32_t origin_id, uint32_t origin_uid);
};

/* The control plane's lb reader id (the data plane's workers take 1..N). */
#define MP_CONTROL_READER 0

struct mp_lb;
struct mp_cli_server;
struct mp_conn_guard;
struct mp_origin_probe;

struct mp_control_stats {
	uint64_t registrations;
	uint64_t register_rejected;     /* every refused registration, whatever the reason below */
	uint64_t register_forbidden;    /* source outside origin_networks: 403 */
	uint64_t register_rate_limited; /* over register_rate for its source: 429 */
	uint64_t register_bad_type;     /* not Content-Type: application/json: 415 */
	uint64_t register_self;         /* an endpoint is the appliance's own listener: 400 */
	uint64_t origins_ignored;       /* an origin arriving another way (Redis, default backend) that is ours or has control characters in a name */
	uint64_t loops_refused;         /* a relayed request carrying our own hop marker (508, RTMP) */
	uint64_t origins_suspected;     /* origins marked down by a relay's failed connect */
	uint64_t origins_dead;          /* origins declared dead by their probes */
	uint64_t probes_ok, probes_failed;
};

struct mp_control {
	const struct mp_config *cfg;
	struct mp_lb *lb;                   /* the balancer (set before mp_control_start) */
	struct mp_control_stats stats;
	mp_dp_stats_json_fn dp_stats;
	void *dp_stats_ctx;                 /* the context of dp_stats and dp_metrics */
	mp_dp_metrics_fn dp_metrics;
	struct mp_cli_hooks cli;            /* data-plane commands for the CLI (set by the appliance) */
	struct mp_health_hooks health;      /* drain and fleet health (set by the appliance; may be empty) */
	struct mp_cli_server *cli_server;   /* the Unix-socket CLI (cli/cli_socket.c) */
	const struct mp_listener_ops *const *listeners; /* the table, in start order */
	size_t n_listeners;
	struct event_base *base;
	int fds[MP_L__COUNT];
	struct evhttp *http[MP_L__COUNT];   /* the HTTP listeners' servers */
	struct mp_conn_guard *guard[MP_L__COUNT]; /* each listener's connection limits (conn_guard.h) */
	/* Each listener's TLS twin (https_*_listen, rtmps_listen): the same service on its own socket.
	 * HTTP: the core serves it with https[slot] (routes set with mp_control_http_*); otherwise the
	 * listener's start takes tls_fds[slot] and wraps each connection with mp_tls_accept_bev(tls_ctx). */
	int tls_fds[MP_L__COUNT];
	struct evhttp *https[MP_L__COUNT];
	struct mp_conn_guard *tls_guard[MP_L__COUNT];
	void *tls_ctx;                      /* the SSL_CTX of tls_cert/tls_key (tls.h), NULL with no TLS listener */
	void *origin_tls_ctx;               /* the relays' client SSL_CTX for TLS origins (origin_tls_ca) */
	void *state[MP_L__COUNT];           /* each listener's own state (its start sets it, stop frees it) */
	struct event *signals[2];
	struct event *tick;                 /* 10 ms: quiescent report, Redis poll; mp_lb_sync every second */
	uint64_t next_sync_ms;
	int quit_signal;                    /* the signal that stopped the loop */
	int quitting;                       /* SIGTERM seen: draining open streams */
	struct event *grace;                /* grace_quit_timeout: stop even if streams are open */
	char pid[16];
	struct mp_origin_probe *probe;      /* origin_probe.c, when origin_probe is on */
	struct mp_self_addrs self_addrs;    /* the host's addresses (mp_control_self_addrs) */
	/* told the host's addresses every second (the appliance sets it in default mode: dp_local.c) */
	void (*host_addrs)(void *ctx, const uint32_t *ip, unsigned n);
	void *host_addrs_ctx;
	struct mp_origin_replies *replies;  /* which origins answer (origin_replies.h), scanned every second */
};

/* The host's IPv4 addresses, read again when older than 5 s (interfaces come and go). */
const struct mp_self_addrs *mp_control_self_addrs(struct mp_control *c);

/* Bind the socket of every listener in the table (n entries, start order) whose address is not "off"
 * (before EAL starts, so "address in use" fails fast and names the listener). */
int mp_control_bind(struct mp_control *c, const struct mp_config *cfg, const struct mp_listener_ops *const *listeners,
		    size_t n, char *err, size_t errcap);
/* After a reload changed the running configuration: the listeners' connection limits and HTTP sizes
 * taken again from c->cfg (the other live keys are read from it at use time). */
void mp_control_reapply(struct mp_control *c);
/* A timer calling cb(-1, EV_TIMEOUT, arg) every ms on base; NULL when it cannot be added. Free with event_free. */
struct event *mp_control_timer(struct event_base *base, unsigned ms, void (*cb)(int, short, void *), void *arg);
/* Create the event loop, then start the listeners in table order; log what listens where. */
int mp_control_start(struct mp_control *c, char *err, size_t errcap);
/* Run until SIGINT or SIGTERM. */
int mp_control_run(struct mp_control *c);
/* A stream ended while quitting: stop the loop once none is open. */
void mp_control_drained(struct mp_control *c);
/* Stop the listeners in reverse order, close sockets and free everything. */
void mp_control_close(struct mp_control *c);

/* Route path (or, with path NULL, every other path) of the listener on slot to cb, over plain HTTP and
 * over TLS alike: what HTTPS serves is exactly what HTTP serves. */
struct evhttp_request;
typedef void (*mp_http_route_fn)(struct evhttp_request *req, void *arg);
void mp_control_http_route(struct mp_control *c, enum mp_listener slot, const char *path, mp_http_route_fn cb, void *arg);

/* Read tls_cert and tls_key again (SIGHUP): new TLS connections use them, open ones keep theirs.
 * On error (err filled) the old certificate stays. */
int mp_control_tls_reload(struct mp_control *c, char *err, size_t errcap);

/* The figures of the listener on slot (its stats callback) as members of out; false when no listener
 * in the table serves that slot. How one listener reads another's. */
bool mp_control_listener_stats(const struct mp_control *c, enum mp_listener slot, struct cJSON *out, long limit);

#endif
