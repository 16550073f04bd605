/* conn_guard.h: limits on a control-plane listener's TCP connections: how many in total and per
 * client address, how long a request may take to arrive and a connection may stay silent, and a
 * back-off when accept() runs out of descriptors; every refusal and close counted.
 *
 * libevent 2.1.12 gives an HTTP server no accept hook, so connections are followed through the
 * bufferevent each one is given (evhttp_set_bevcb): the guard holds a reference on it, learns the
 * evhttp connection and the socket from it on the next turn of the loop (before any byte is read),
 * and sees it freed when its callbacks are cleared (bufferevent_free). A connection over a limit, or
 * past a timeout, is shut down (shutdown(2)): evhttp or the listener's own code then sees the end and
 * frees it the ordinary way, with its close callbacks. Single-threaded: the control plane's loop. */
#ifndef MP_CONN_GUARD_H
#define MP_CONN_GUARD_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct evhttp;
struct evconnlistener;
struct bufferevent;
struct sockaddr;

struct mp_conn_limits {
	uint32_t max;               /* open connections on the listener (0: no limit) */
	uint32_t max_per_ip;        /* from one client address (0: no limit) */
	uint32_t header_timeout_ms; /* HTTP: a request must arrive whole within this (0: none) */
	uint32_t idle_timeout_ms;   /* nothing read or written for this long: closed (0: none) */
};

struct mp_conn_guard_stats {
	uint32_t open, peak;
	uint64_t accepted;          /* admitted */
	uint64_t refused_max;       /* over max */
	uint64_t refused_per_ip;    /* over max_per_ip */
	uint64_t header_timeouts;
	uint64_t idle_timeouts;
	uint64_t accept_errors;     /* accept() failed with EMFILE/ENFILE/ENOBUFS/ENOMEM */
	uint64_t accept_backoffs;   /* episodes of those (one log line each) */
};

struct mp_conn_guard;

/* A guard for the listener called name (logs, metrics) on base. */
struct mp_conn_guard *mp_conn_guard_new(struct event_base *base, const char *name, const struct mp_conn_limits *lim);
/* New limits (a reload): connections already open stay; the next accept and timer use them. */
void mp_conn_guard_set_limits(struct mp_conn_guard *g, const struct mp_conn_limits *lim);
void mp_conn_guard_free(struct mp_conn_guard *g);

/* Serve the listening socket fd with the HTTP server http under g: accept errors back off, every
 * connection is followed. Returns 0 or -1 (fd is then still the caller's). */
int mp_conn_guard_http(struct mp_conn_guard *g, struct evhttp *http, int fd);

/* Serve g's HTTP connections over TLS with ctx (an SSL_CTX, see tls.h): set before mp_conn_guard_http.
 * A refusal over a limit is then a close without the 503 (it would not be TLS). */
void mp_conn_guard_set_tls(struct mp_conn_guard *g, void *ctx);

/* A listener with its own accept callback (RTMP): its accept errors back off. */
void mp_conn_guard_listener(struct mp_conn_guard *g, struct evconnlistener *l);
/* Such a listener's new connection bev (its socket set, peer sa): false when over a limit (counted;
 * the caller closes it), else it is followed until the caller frees bev. */
bool mp_conn_guard_admit(struct mp_conn_guard *g, struct bufferevent *bev, const struct sockaddr *sa);

void mp_conn_guard_stats(const struct mp_conn_guard *g, struct mp_conn_guard_stats *out);
const char *mp_conn_guard_name(const struct mp_conn_guard *g);
struct cJSON;
/* The limits and counters as members of out (System API GET /api/v1/connections). */
void mp_conn_guard_json(const struct mp_conn_guard *g, struct cJSON *out);

#endif
