/* http_client.h: the one way the relays send a request to an origin with libevent's HTTP client.
 * libevent 2.1 runs a request's completion callback INSIDE evhttp_make_request() when connect() fails
 * at once (EACCES, ENETUNREACH, EMFILE: evhttp_connection_cb_cleanup); a relay freed there is then used
 * by its caller. Here that completion is turned into a return value: the callback returns at once,
 * touching nothing, and mp_http_client_send says the connection could not be made. */
#ifndef MP_HTTP_CLIENT_H
#define MP_HTTP_CLIENT_H

#include <stdbool.h>

#include <event2/http.h>

/* Embedded in the relay, passed to both calls below. */
struct mp_http_client_call {
	bool sending;        /* inside evhttp_make_request */
	bool failed_at_once; /* its completion callback ran inside it */
	int error;           /* errno seen then (0 if none): the connect failure, for the reason */
};

/* evhttp_make_request(conn, req, type, uri). Returns MP_OK: under way, req's callback will run later
 * from the event loop; MP_ERR_IO: the connection could not be made (call->error says why when known);
 * the callback ran already and did nothing. On MP_ERR_IO, req is libevent's (touch nothing of it) and
 * conn is idle: the caller frees it. */
int mp_http_client_send(struct mp_http_client_call *call, struct evhttp_connection *conn,
			struct evhttp_request *req, enum evhttp_cmd_type type, const char *uri);

/* The first thing req's completion callback asks: true when it runs inside mp_http_client_send; it
 * must then return at once, touching nothing of the relay's state. */
bool mp_http_client_completed_inside(struct mp_http_client_call *call);

/* Text for an immediate failure: strerror(call->error), or "cannot connect". */
const char *mp_http_client_error_text(const struct mp_http_client_call *call);

#endif
