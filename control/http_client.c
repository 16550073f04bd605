/* http_client.c: requests to origins whose completion never runs inside the call that sends them
 * (libevent 2.1 immediate connect failures; see http_client.h). */
#include "http_client.h"
#include "mp_error.h"

#include <errno.h>
#include <string.h>

int mp_http_client_send(struct mp_http_client_call *call, struct evhttp_connection *conn,
			struct evhttp_request *req, enum evhttp_cmd_type type, const char *uri)
{
	int rc;

	call->failed_at_once = false;
	call->error = 0;
	call->sending = true;
	errno = 0;
	rc = evhttp_make_request(conn, req, type, uri);
	call->sending = false;
	if (rc != 0) {
		if (!call->error)
			call->error = errno;
		return MP_ERR_IO;
	}
	return call->failed_at_once ? MP_ERR_IO : MP_OK;
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
