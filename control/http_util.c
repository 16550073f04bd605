/* http_util.c: JSON replies, error bodies, bearer-token checks and the versions route for the control
 * plane's HTTP servers. */
#include "http_util.h"
#include "mp_escape.h"
#include "config.h"
#include "control.h"
#include "proto_version.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/http_struct.h> /* req->type: see close_connect */

static const char *reason_phrase(int code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 508: return "Loop Detected";
	default: return "Status";
	}
}

/* libevent 2.1 never closes the connection after answering a CONNECT, whatever the headers say
 * (evhttp_is_request_connection_close): a CONNECT is answered as the GET it is not, with Connection:
 * close, so the connection ends once the answer is written. */
static void close_connect(struct evhttp_request *req)
{
	if (evhttp_request_get_command(req) != EVHTTP_REQ_CONNECT)
		return;
	req->type = EVHTTP_REQ_GET;
	evhttp_remove_header(evhttp_request_get_output_headers(req), "Connection");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
}

bool mp_http_refuse_method(struct evhttp_request *req)
{
	if (evhttp_request_get_command(req) != EVHTTP_REQ_CONNECT)
		return false;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD, POST, DELETE, PATCH, OPTIONS");
	mp_http_reply_error(req, 405, "CONNECT is not served here");
	return true;
}

void mp_http_reply_json(struct evhttp_request *req, int code, const char *json)
{
	struct evbuffer *b = evbuffer_new();

	close_connect(req);

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	evbuffer_add(b, json, strlen(json));
	evhttp_send_reply(req, code, reason_phrase(code), b);
	evbuffer_free(b);
}

static void reply_error(struct evhttp_request *req, int code, const char *reason)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddNumberToObject(o, "code", code);
	cJSON_AddStringToObject(o, "error", reason ? reason : "");
	s = cJSON_PrintUnformatted(o);
	mp_http_reply_json(req, code, s ? s : "{}");
	cJSON_free(s);
	cJSON_Delete(o);
}

void mp_http_reply_error(struct evhttp_request *req, int code, const char *reason)
{
	char shown[1024];

	/* the reason is for a client: whatever a relay put in it, no origin address goes out (issue 13) */
	mp_redact_addrs(reason ? reason : "", shown, sizeof(shown));
	reply_error(req, code, shown);
}

void mp_http_reply_error_unredacted(struct evhttp_request *req, int code, const char *reason)
{
	reply_error(req, code, reason);
}

/* Compare without an early exit, so the time taken does not tell how much of the token matched. */
static bool same_secret(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

bool mp_http_is_own_token(const char *authorization, const struct mp_config *cfg)
{
	const char *h = authorization;
	size_t n;

	if (!cfg->api_auth_enabled || !h)
		return false;
	n = strlen(cfg->api_auth_token);
	/* RFC 6750 section 2.1: "Bearer" is case-insensitive, then one space and the token. */
	return strlen(h) == 7 + n && !strncasecmp(h, "Bearer ", 7) && same_secret(h + 7, cfg->api_auth_token, n);
}

bool mp_http_check_auth(struct evhttp_request *req, const struct mp_config *cfg)
{
	const char *h;

	if (mp_http_refuse_method(req))
		return false;
	if (!cfg->api_auth_enabled)
		return true;
	h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	if (mp_http_is_own_token(h, cfg))
		return true;
	evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate", "Bearer");
	mp_http_reply_error(req, 401, h ? "invalid bearer token" : "missing Authorization: Bearer token");
	return false;
}

void mp_api_versions(struct evhttp_request *req, void *arg)
{
	struct mp_control *c = arg;
	char body[512];

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		mp_http_reply_error(req, 405, "use GET");
		return;
	}
	if (mp_version_json(body, sizeof(body), c->pid) < 0) {
		mp_http_reply_error(req, 500, "version body too long");
		return;
	}
	mp_http_reply_json(req, 200, body);
}
