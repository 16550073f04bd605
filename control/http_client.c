/* http_client.c: requests to origins whose completion never runs inside the call that sends them
 * (libevent 2.1 immediate connect failures; see http_client.h), with a connect timeout of their own. */
#include "http_client.h"
#include "mp_error.h"
#include "mp_log.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

void mp_http_client_stop(struct mp_http_client_call *call)
{
	if (call->connect_timer) {
		event_free(call->connect_timer); /* deletes it first when pending */
		call->connect_timer = NULL;
	}
	call->conn = NULL;
}

/* The connection's socket is connected: the kernel knows its peer (a socket still in SYN_SENT, or
 * with no socket yet, has none: ENOTCONN). */
static bool connected(struct evhttp_connection *conn)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(conn);
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	return fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &len) == 0;
}

static void on_connect_timer(evutil_socket_t fd, short what, void *arg)
{
	struct mp_http_client_call *call = arg;
	struct evhttp_connection *conn = call->conn;

	(void)fd;
	(void)what;
	if (!conn || connected(conn))
		return; /* the origin took the connection: the connection's own timeout goes on */
	mp_http_client_stop(call);
	call->connect_timed_out(call); /* may free the relay holding call */
}

static void on_failed_at_once(evutil_socket_t fd, short what, void *arg)
{
	struct mp_http_client_call *call = arg;

	(void)fd;
	(void)what;
	mp_http_client_stop(call);
	call->connect_failed_at_once(call); /* may free the relay holding call */
}

static bool arm(struct mp_http_client_call *call, struct evhttp_connection *conn, event_callback_fn cb, uint32_t ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	call->conn = conn;
	call->connect_timer = evtimer_new(evhttp_connection_get_base(conn), cb, call);
	if (!call->connect_timer || evtimer_add(call->connect_timer, &tv) != 0) {
		mp_http_client_stop(call);
		return false;
	}
	return true;
}

int mp_http_client_send(struct mp_http_client_call *call, struct evhttp_connection *conn,
			struct evhttp_request *req, enum evhttp_cmd_type type, const char *uri)
{
	int rc;

	mp_http_client_stop(call);
	call->failed_at_once = false;
	call->error = 0;
	call->sending = true;
	errno = 0;
	rc = evhttp_make_request(conn, req, type, uri);
	call->sending = false;
	if (rc != 0 && !call->error)
		call->error = errno;
	if (rc != 0 || call->failed_at_once)
		/* reported from the event loop if the relay asks, else (or when no timer can be had) now */
		return call->connect_failed_at_once && arm(call, conn, on_failed_at_once, 0) ? MP_OK : MP_ERR_IO;
	if (call->connect_timeout_ms && call->connect_timed_out &&
	    !arm(call, conn, on_connect_timer, call->connect_timeout_ms))
		/* the connection's own timeout still ends a hanging connect, later */
		MP_WARN("HTTP relay: cannot arm the origin connect timeout");
	return MP_OK;
}

bool mp_http_client_completed_inside(struct mp_http_client_call *call)
{
	if (!call->sending)
		return false;
	call->failed_at_once = true;
	call->error = errno; /* connect()'s, as libevent left it (it only closed the socket since) */
	return true;
}

const char *mp_http_client_error_text(const struct mp_http_client_call *call)
{
	return call->error ? strerror(call->error) : "cannot connect";
}
