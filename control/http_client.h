/* http_client.h: the one way the relays send a request to an origin with libevent's HTTP client.
 * libevent 2.1 runs a request's completion callback INSIDE evhttp_make_request() when connect() fails
 * at once (EACCES, ENETUNREACH, EMFILE: evhttp_connection_cb_cleanup); a relay freed there is then used
 * by its caller. Here that completion is turned into a return value: the callback returns at once,
 * touching nothing, and mp_http_client_send says the connection could not be made. */
#ifndef MP_HTTP_CLIENT_H
#define MP_HTTP_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/http.h>

struct event;

/* Embedded in the relay, passed to the calls below. */
struct mp_http_client_call {
	bool sending;        /* inside evhttp_make_request */
	bool failed_at_once; /* its completion callback ran inside it */
	int error;           /* errno seen then (0 if none): the connect failure, for the reason */
	/* The connect watchdog. libevent 2.1 has no connect timeout of its own in evhttp: the
	 * connection's one timeout (evhttp_connection_set_timeout) covers the connect and every read and
	 * write after it (evhttp_connection_connect_, evhttp_connection_cb), and without one a connect
	 * waits 45 s (HTTP_CONNECT_TIMEOUT). A blackholed origin (SYNs dropped) would hold the request
	 * that long. Set by the relay before mp_http_client_send: connect_timeout_ms (0: none) and
	 * connect_timed_out, called from the event loop when the connection is still not established
	 * that long after the send; the request is still libevent's then, and no callback of it has run:
	 * the relay frees the connection (evhttp_connection_free runs no callback) and fails over. */
	uint32_t connect_timeout_ms;
	void (*connect_timed_out)(struct mp_http_client_call *call);
	/* Optional: when set, a connect that fails at once is reported like one that fails later:
	 * mp_http_client_send returns MP_OK and this runs from the event loop (call->error says why;
	 * the request is libevent's, the connection idle: the relay frees it). */
	void (*connect_failed_at_once)(struct mp_http_client_call *call);
	void *arg;                       /* for both callbacks */
	struct evhttp_connection *conn;  /* the connection watched */
	struct event *connect_timer;     /* armed while the connect may still be under way, or to report a
					  * connect that failed at once */
};

/* evhttp_make_request(conn, req, type, uri), and the connect watchdog armed when
 * call->connect_timeout_ms and call->connect_timed_out are set. Returns MP_OK: under way, req's callback
 * (or connect_timed_out) will run later from the event loop; MP_ERR_IO: the connection could not be made (call->error says why when known);
 * the callback ran already and did nothing. On MP_ERR_IO, req is libevent's (touch nothing of it) and
 * conn is idle: the caller frees it. */
int mp_http_client_send(struct mp_http_client_call *call, struct evhttp_connection *conn,
			struct evhttp_request *req, enum evhttp_cmd_type type, const char *uri);

/* The first thing req's completion callback asks: true when it runs inside mp_http_client_send; it
 * must then return at once, touching nothing of the relay's state. */
bool mp_http_client_completed_inside(struct mp_http_client_call *call);

/* Stop the connect watchdog (the request completed, or the relay ends it): call it from the request's
 * completion callback and before freeing the relay. Harmless when it is not armed. */
void mp_http_client_stop(struct mp_http_client_call *call);

/* Text for an immediate failure: strerror(call->error), or "cannot connect". */
const char *mp_http_client_error_text(const struct mp_http_client_call *call);

#endif
