/* whip_relay.c: one client request relayed to an origin over libevent's HTTP client, never blocking. */
#include "whip_relay.h"
#include "config.h"
#include "http_client.h"
#include "relay_headers.h"
#include "mp_error.h"
#include "mp_log.h"
#include "peer_addr.h"
#include "tls.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#define MP_WHIP_RELAY_ECONNECT 1000 /* not an evhttp_request_error: the connection was never made */
#define MP_WHIP_RELAY_ECONNTIMEOUT 1001 /* nor this: not connected within origin_connect_timeout */

const char *mp_whip_relay_error_text(int error)
{
	switch (error) {
	case EVREQ_HTTP_TIMEOUT: return "timed out";
	case EVREQ_HTTP_EOF: return "connection refused or closed";
	case EVREQ_HTTP_INVALID_HEADER: return "invalid response header";
	case EVREQ_HTTP_BUFFER_ERROR: return "connection error";
	case EVREQ_HTTP_REQUEST_CANCEL: return "cancelled";
	case EVREQ_HTTP_DATA_TOO_LONG: return "response too large";
	case MP_WHIP_RELAY_ECONNECT: return "cannot connect";
	case MP_WHIP_RELAY_ECONNTIMEOUT: return "connect timed out";
	default: return "no answer";
	}
}

const char *mp_whip_relay_start_error(const struct mp_whip_relay *r)
{
	return mp_http_client_error_text(&r->send);
}

static void list_add(struct mp_whip_relay *r)
{
	r->prev = NULL;
	r->next = *r->list;
	if (r->next)
		r->next->prev = r;
	*r->list = r;
}

static void list_del(struct mp_whip_relay *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else if (*r->list == r)
		*r->list = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->next = r->prev = NULL;
}

static void on_client_close(struct evhttp_connection *conn, void *arg)
{
	struct mp_whip_relay *r = arg;

	(void)conn;
	r->req = NULL; /* libevent frees the request with its connection */
}

struct evhttp_request *mp_whip_relay_take_client(struct mp_whip_relay *r)
{
	struct evhttp_request *req = r->req;

	if (req) {
		evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
		r->req = NULL;
	}
	return req;
}

static void on_error(enum evhttp_request_error err, void *arg)
{
	struct mp_whip_relay *r = arg;

	r->error = (int)err;
}

static void free_conn(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evhttp_connection_free(arg);
}

static void on_response(struct evhttp_request *resp, void *arg)
{
	struct mp_whip_relay *r = arg;
	struct timeval now = { 0, 0 };

	if (mp_http_client_completed_inside(&r->send))
		return; /* a failed connect inside mp_whip_relay_start: it reports it */
	mp_http_client_stop(&r->send);
	if (resp && evhttp_request_get_response_code(resp) == 0) {
		/* libevent 2.1 reports a failed connect this way, without an error code, and does not free
		 * an auto-free connection then: free it once its callback has returned. */
		if (r->error < 0)
			r->error = MP_WHIP_RELAY_ECONNECT;
		if (event_base_once(evhttp_connection_get_base(r->conn), -1, EV_TIMEOUT, free_conn, r->conn, &now))
			MP_ERR("HTTP relay: cannot schedule the release of a failed origin connection");
		resp = NULL;
	}
	r->conn = NULL; /* otherwise freed by libevent once this returns (evhttp_connection_free_on_completion) */
	r->done(r, resp);
}

/* Not connected within origin_connect_timeout (an origin that drops SYNs): give the connection up (its
 * request with it, no callback runs) and report the failure as one from libevent, so the caller may
 * send the request to another origin. */
static void on_connect_timeout(struct mp_http_client_call *call)
{
	struct mp_whip_relay *r = call->arg;

	evhttp_connection_free(r->conn);
	r->conn = NULL;
	r->error = MP_WHIP_RELAY_ECONNTIMEOUT;
	r->done(r, NULL);
}

/* The connect failed at once (ENETUNREACH, EACCES, EMFILE): reported from the event loop as a failed
 * exchange, so the caller may send the request to another origin as after a refused connect. */
static void on_connect_failed_at_once(struct mp_http_client_call *call)
{
	struct mp_whip_relay *r = call->arg;

	MP_INFO("HTTP relay: origin %s: connect failed at once: %s", r->origin, mp_http_client_error_text(call));
	evhttp_connection_free(r->conn);
	r->conn = NULL;
	r->error = MP_WHIP_RELAY_ECONNECT;
	r->done(r, NULL);
}

/* The client's request headers, by the one relay policy (relay_headers.h); the answer is rewritten
 * (SDP candidates, Location), so it is asked for uncompressed. */
static void copy_request_headers(const struct mp_whip_relay *r, struct evkeyvalq *out)
{
	struct evhttp_connection *cc = evhttp_request_get_connection(r->req);
	struct mp_relay_request_opts o = { .rewritten = true, .cfg = r->cfg, .host = r->origin };
	ev_uint16_t peer_port = 0;
	char *peer = NULL;

	if (cc)
		evhttp_connection_get_peer(cc, &peer, &peer_port);
	o.client_ip = mp_peer_unmap(peer); /* an IPv4 client of a dual-stack listener as IPv4 */
	mp_relay_request_headers(evhttp_request_get_input_headers(r->req), out, &o);
}

int mp_whip_relay_start(struct mp_whip_relay *r, struct event_base *base, const char *host, uint16_t port,
		   const void *body, size_t len)
{
	struct evhttp_request *oreq;
	char clen[24];

	r->error = -1;
	if (mp_peer_hostport(host, port, r->origin, sizeof(r->origin)) < 0)
		return MP_ERR_INVAL;
	if (r->tls_ctx) { /* an origin registered as TLS: its certificate verified for host (tls.h) */
		struct bufferevent *bev = mp_tls_connect_bev(base, r->tls_ctx, host);

		r->conn = bev ? evhttp_connection_base_bufferevent_new(base, NULL, bev, host, port) : NULL;
		if (!r->conn && bev)
			bufferevent_free(bev);
	} else {
		r->conn = evhttp_connection_base_new(base, NULL, host, port);
	}
	if (!r->conn)
		return MP_ERR_NOMEM;
	evhttp_connection_set_timeout(r->conn, MP_WHIP_RELAY_TIMEOUT_S);
	evhttp_connection_set_max_body_size(r->conn, 4 * 1024 * 1024);
	oreq = evhttp_request_new(on_response, r);
	if (!oreq) {
		evhttp_connection_free(r->conn);
		r->conn = NULL;
		return MP_ERR_NOMEM;
	}
	evhttp_request_set_error_cb(oreq, on_error);
	r->send.connect_timeout_ms = r->cfg ? r->cfg->origin_connect_timeout_ms : 0;
	r->send.connect_timed_out = on_connect_timeout;
	r->send.connect_failed_at_once = on_connect_failed_at_once;
	r->send.arg = r;
	copy_request_headers(r, evhttp_request_get_output_headers(oreq));
	if (len || evhttp_request_get_command(r->req) != EVHTTP_REQ_GET) {
		snprintf(clen, sizeof(clen), "%zu", len);
		evhttp_add_header(evhttp_request_get_output_headers(oreq), "Content-Length", clen);
		if (len)
			evbuffer_add(evhttp_request_get_output_buffer(oreq), body, len);
	}
	if (mp_http_client_send(&r->send, r->conn, oreq, evhttp_request_get_command(r->req),
				evhttp_request_get_uri(r->req)) != MP_OK) {
		/* oreq is libevent's; the connection never opened and no callback of ours did anything */
		r->error = MP_WHIP_RELAY_ECONNECT;
		evhttp_connection_free(r->conn);
		r->conn = NULL;
		return MP_ERR_IO;
	}
	evhttp_connection_free_on_completion(r->conn);
	evhttp_connection_set_closecb(evhttp_request_get_connection(r->req), on_client_close, r);
	list_add(r);
	return MP_OK;
}

int mp_whip_relay_restart(struct mp_whip_relay *r, struct event_base *base, const char *host, uint16_t port,
			  const void *body, size_t len)
{
	if (!r->req)
		return MP_ERR_STATE;
	list_del(r);
	return mp_whip_relay_start(r, base, host, port, body, len);
}

/* The origin's response headers, by the one relay policy: the body may change (no Content-Length),
 * the HTTP API answers CORS itself, Location points back at the appliance. */
static const struct mp_relay_response_opts response_opts = { .rewritten = true, .own_cors = true, .location_back = true };

void mp_whip_relay_reply(struct mp_whip_relay *r, struct evhttp_request *resp, int code, const char *reason_phrase,
		    const void *body, size_t len)
{
	struct evhttp_request *req = mp_whip_relay_take_client(r);
	struct evbuffer *b;

	if (!req)
		return;
	if (resp)
		mp_relay_response_headers(evhttp_request_get_input_headers(resp), evhttp_request_get_output_headers(req),
					  &response_opts);
	b = evbuffer_new();
	if (b && len)
		evbuffer_add(b, body, len);
	evhttp_send_reply(req, code, reason_phrase ? reason_phrase : "", b);
	if (b)
		evbuffer_free(b);
}

void mp_whip_relay_finish(struct mp_whip_relay *r)
{
	mp_http_client_stop(&r->send);
	list_del(r);
	mp_whip_relay_take_client(r);
	r->release(r);
}

void mp_whip_relay_cancel_all(struct mp_whip_relay **list)
{
	while (*list) {
		struct mp_whip_relay *r = *list;

		list_del(r);
		mp_http_client_stop(&r->send);
		if (r->conn) {
			evhttp_connection_free(r->conn); /* frees the pending request; no callback runs */
			r->conn = NULL;
		}
		mp_whip_relay_take_client(r);
		r->release(r);
	}
}
