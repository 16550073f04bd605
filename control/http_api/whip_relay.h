/* whip_relay.h: relay one client HTTP request to an origin, asynchronously (libevent's evhttp
 * client), and answer the client with the origin's status and headers. */
#ifndef MP_WHIP_RELAY_H
#define MP_WHIP_RELAY_H

#include <stdbool.h>

#include <stddef.h>
#include <stdint.h>

#include "http_client.h"

struct evhttp_request;
struct evhttp_connection;
struct event_base;
struct mp_whip_relay;
struct mp_config;

/* Called once when the origin answered (resp != NULL, valid during the call) or failed (resp NULL,
 * r->error says why). r->req is NULL when the client went away meanwhile. The callback must end
 * with mp_whip_relay_finish(r). */
typedef void (*mp_whip_relay_done_fn)(struct mp_whip_relay *r, struct evhttp_request *resp);

struct mp_whip_relay {
	struct evhttp_request *req;      /* the client's request; NULL once the client is gone */
	struct evhttp_connection *conn;  /* to the origin; NULL once the exchange ended */
	mp_whip_relay_done_fn done;
	void (*release)(struct mp_whip_relay *r); /* frees the object holding r (mp_whip_relay_finish calls it) */
	int error;                       /* enum evhttp_request_error of a failure, -1 if none */
	char origin[56];                 /* "ip:port" or "[ipv6]:port" of the origin, for logs, reasons, Host */
	struct mp_http_client_call send; /* the request to the origin (http_client.h) */
	const struct mp_config *cfg;     /* the appliance's own bearer token stays here (relay_headers.h) */
	void *tls_ctx;                   /* NULL: plain HTTP to the origin; else HTTPS with this client SSL_CTX (tls.h) */
	struct mp_whip_relay **list;     /* in-flight list head (for mp_whip_relay_cancel_all) */
	struct mp_whip_relay *next, *prev;
};

#define MP_WHIP_RELAY_TIMEOUT_S 10 /* the origin must answer within this */

/* Send the client's request r->req (method, target, headers by relay_headers.h's policy) with body to
 * host:port (an address of either family as text, no brackets: "198.18.0.5", "2001:db8::1"). r->done,
 * r->release and r->list must be set. Returns MP_OK (the callback will run, later, from the event
 * loop, and r is in the list; a connect that failed at once or did not complete within
 * origin_connect_timeout is reported there too, resp NULL) or a negative error: nothing is under
 * way, the callback never runs, r is the caller's (MP_ERR_IO: the origin could not be connected to
 * at once and that could not be deferred, mp_whip_relay_start_error(r) says why). */
int mp_whip_relay_start(struct mp_whip_relay *r, struct event_base *base, const char *host, uint16_t port,
		   const void *body, size_t len);

/* From r's done callback after a failed exchange (resp NULL): send the client's request again, to
 * another origin. Same results as mp_whip_relay_start; on an error r is out of the list and the
 * caller answers the client and finishes r as it would have. */
int mp_whip_relay_restart(struct mp_whip_relay *r, struct event_base *base, const char *host, uint16_t port,
			  const void *body, size_t len);

/* Answer the client with code, the origin's response headers (resp, may be NULL; by relay_headers.h:
 * no hop-by-hop fields, no Content-Length, no CORS fields as the caller sets its own, Location pointing
 * back here) and body. No-op when the client
 * is gone. */
void mp_whip_relay_reply(struct mp_whip_relay *r, struct evhttp_request *resp, int code, const char *reason_phrase,
		    const void *body, size_t len);

/* Detach from the client and return its request to answer it directly (NULL when it is gone). */
struct evhttp_request *mp_whip_relay_take_client(struct mp_whip_relay *r);

/* Take r out of the list, detach from the client and the origin, and release it. */
void mp_whip_relay_finish(struct mp_whip_relay *r);

/* Abandon every relay in the list (shutdown): the origin connections are closed, no callback runs. */
void mp_whip_relay_cancel_all(struct mp_whip_relay **list);

/* Why mp_whip_relay_start failed to connect ("Permission denied", "Network is unreachable", ...). */
const char *mp_whip_relay_start_error(const struct mp_whip_relay *r);

/* Text for r->error ("timed out", "connection closed", ...). */
const char *mp_whip_relay_error_text(int error);

#endif
