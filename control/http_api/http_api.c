/* http_api.c: HTTP API routes (WHIP/WHEP, legacy /rtc/v1/publish|play/, versions), CORS, relay calls. */
#include "http_api.h"
#include "config.h"
#include "control.h"
#include "hop_guard.h"
#include "http_api_internal.h"
#include "http_util.h"
#include "mp_error.h"
#include "mp_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/http.h>

#define MP_WHIP_RES_SLOTS 8192
#define MP_API_MAX_INFLIGHT 4096 /* requests waiting for origins (each holds a socket) */

void mp_http_api_cors(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	/* SRS answers every CORS request with these (srs_protocol_http_stack.cpp SrsHttpCorsMux); the
	 * SRS proxy sets the first three on every answer. Expose-Headers "*" lets a browser WHIP client
	 * read Location and ETag (Fetch standard, CORS-safelisted response headers). */
	evhttp_add_header(h, "Access-Control-Allow-Origin", "*");
	evhttp_add_header(h, "Access-Control-Allow-Headers", "*");
	evhttp_add_header(h, "Access-Control-Allow-Methods", "*");
	evhttp_add_header(h, "Access-Control-Expose-Headers", "*");
	evhttp_add_header(h, "Access-Control-Allow-Credentials", "false");
}

/* OPTIONS: a CORS preflight. The wildcard in Allow-Headers does not cover Authorization (Fetch
 * standard), so the headers the browser asks for are named back. */
static void preflight(struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	const char *asked = evhttp_find_header(in, "Access-Control-Request-Headers");

	evhttp_add_header(out, "Access-Control-Allow-Origin", "*");
	evhttp_add_header(out, "Access-Control-Allow-Headers", asked && *asked ? asked : "*");
	evhttp_add_header(out, "Access-Control-Allow-Methods", "*");
	evhttp_add_header(out, "Access-Control-Expose-Headers", "*");
	evhttp_add_header(out, "Access-Control-Allow-Credentials", "false");
	if (evhttp_find_header(in, "Access-Control-Request-Private-Network")) /* Chrome's private network access */
		evhttp_add_header(out, "Access-Control-Allow-Private-Network", "true");
	evhttp_add_header(out, "Content-Length", "0");
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void call_release(struct mp_whip_relay *r)
{
	((struct mp_api_call *)r)->api->n_inflight--;
	free(r);
}

struct mp_api_call *mp_api_call_new(struct mp_http_api *api, struct evhttp_request *req, enum mp_api_call_kind kind)
{
	struct mp_api_call *call;

	if (api->n_inflight >= MP_API_MAX_INFLIGHT) {
		api->st.busy++;
		mp_http_reply_error(req, 503, "too many requests waiting for origins; try again");
		return NULL;
	}
	call = calloc(1, sizeof(*call));
	if (!call) {
		mp_http_reply_error(req, 500, "out of memory");
		return NULL;
	}
	call->api = api;
	call->kind = kind;
	call->method = (int)evhttp_request_get_command(req);
	call->relay.req = req;
	/* With api_auth_enabled the client's Authorization carries the appliance's own token: it stays here. */
	call->relay.cfg = api->c->cfg;
	call->relay.release = call_release;
	call->relay.list = &api->inflight;
	return call;
}

void mp_api_call_start(struct mp_api_call *call, const struct mp_lb_origin *org, const void *body, size_t len)
{
	struct evhttp_request *req = call->relay.req;
	char host[MP_LB_HOST_MAX], reason[512];
	uint16_t port;
	int rc = mp_lb_origin_endpoint_host(org, MP_PROTO_API, 0, host, &port);

	call->origin_id = org->id;
	call->origin_uid = org->uid;
	call->relay.tls_ctx = mp_lb_origin_endpoint_tls(org, MP_PROTO_API, 0) ? call->api->c->origin_tls_ctx : NULL;
	if (rc == MP_OK && (rc = mp_whip_relay_start(&call->relay, call->api->c->base, host, port, body, len)) == MP_ERR_IO)
		snprintf(reason, sizeof(reason), "cannot reach origin %s at %s: %s", org->key, call->relay.origin,
			 mp_whip_relay_start_error(&call->relay));
	else if (rc != MP_OK)
		snprintf(reason, sizeof(reason), "cannot reach origin %s: %s", org->key, mp_strerror(rc));
	if (rc == MP_OK) {
		call->api->n_inflight++; /* until call_release (the relay's callback runs later, from the loop) */
	} else {
		call->api->st.origin_failed++;
		mp_http_reply_error(req, 502, reason);
		free(call);
	}
}

/* path starts with prefix, then ends or goes on with '/'. */
static bool under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(path, prefix, n) && (path[n] == '\0' || path[n] == '/');
}

static void route(struct evhttp_request *req, void *arg)
{
	struct mp_http_api *api = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	bool whip, legacy;

	if (mp_http_refuse_method(req))
		return;
	if (!path)
		path = "";
	whip = under(path, "/rtc/v1/whip") || under(path, "/rtc/v1/whep");
	legacy = under(path, "/rtc/v1/publish") || under(path, "/rtc/v1/play");
	if (m == EVHTTP_REQ_OPTIONS) {
		preflight(req);
		return;
	}
	mp_http_api_cors(req); /* every answer below carries them, the origin's as well */
	/* auth before anything that depends on what exists: a stranger learns nothing from 401 vs 404 */
	if (!mp_http_check_auth(req, api->c->cfg))
		return;
	if (mp_hop_http_refused(api->c, req))
		return; /* our own relay came back: a loop */
	if (!whip && !legacy && !((m == EVHTTP_REQ_DELETE || m == EVHTTP_REQ_PATCH) &&
				  mp_whip_res_get(api->res, evhttp_request_get_uri(req)))) {
		mp_http_reply_error(req, 404, "no such resource");
		return;
	}
	if (m == EVHTTP_REQ_POST)
		mp_http_api_offer(api, req, legacy);
	else if (!legacy && (m == EVHTTP_REQ_DELETE || m == EVHTTP_REQ_PATCH))
		mp_http_api_resource(api, req);
	else
		mp_http_reply_error(req, 405, legacy ? "use POST with the JSON offer" : "use POST (offer), DELETE or PATCH");
}

/* The listener's start: its state and routes on c->http[MP_L_HTTP_API]. Out of memory leaves the
 * listener answering 404 (the core's default) rather than stopping the appliance. */
static int listener_start(struct mp_control *c, char *err, size_t errcap)
{
	struct mp_http_api *api = calloc(1, sizeof(*api));

	(void)err;
	(void)errcap;
	if (api)
		api->res = mp_whip_res_create(MP_WHIP_RES_SLOTS);
	if (!api || !api->res) {
		free(api);
		MP_ERR("HTTP API: out of memory; WHIP/WHEP off");
		return MP_OK;
	}
	api->c = c;
	c->state[MP_L_HTTP_API] = api;
	mp_control_http_route(c, MP_L_HTTP_API, "/api/v1/versions", mp_api_versions, c);
	mp_control_http_route(c, MP_L_HTTP_API, NULL, route, api);
	return MP_OK;
}

/* The listener's stop: abandon requests still waiting for an origin and free the state (before the
 * event loop is freed). */
static void listener_stop(struct mp_control *c)
{
	struct mp_http_api *api = c->state[MP_L_HTTP_API];

	if (!api)
		return;
	mp_whip_relay_cancel_all(&api->inflight);
	mp_whip_res_destroy(api->res);
	free(api);
	c->state[MP_L_HTTP_API] = NULL;
}

/* The listener's counters (System API /api/v1/webrtc); nothing is listed, so limit is unused. */
static void listener_stats(const struct mp_control *c, cJSON *out, long limit)
{
	const struct mp_http_api *api = c->state[MP_L_HTTP_API];

	(void)limit;

	if (!api)
		return;
	cJSON_AddNumberToObject(out, "offers", (double)api->st.offers);
	cJSON_AddNumberToObject(out, "answers", (double)api->st.answers);
	cJSON_AddNumberToObject(out, "no_origin", (double)api->st.no_origin);
	cJSON_AddNumberToObject(out, "origin_failed", (double)api->st.origin_failed);
	cJSON_AddNumberToObject(out, "origin_repicks", (double)api->st.origin_repicks);
	cJSON_AddNumberToObject(out, "passed_through", (double)api->st.passed);
	cJSON_AddNumberToObject(out, "resource_requests", (double)api->st.resources);
	cJSON_AddNumberToObject(out, "busy", (double)api->st.busy);
	cJSON_AddNumberToObject(out, "redirected", (double)api->st.redirected);
	cJSON_AddNumberToObject(out, "waiting", api->n_inflight);
	cJSON_AddNumberToObject(out, "resources", mp_whip_res_count(api->res));
}

const struct mp_listener_ops mp_http_api_listener = {
	.name = "HTTP API",
	.slot = MP_L_HTTP_API,
	.http = true,
	.start = listener_start,
	.stop = listener_stop,
	.stats = listener_stats,
};
