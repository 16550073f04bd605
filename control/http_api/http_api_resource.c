/* http_api_resource.c: DELETE and PATCH on a WHIP/WHEP resource go to the origin holding the session. */
#include "control.h"
#include "http_api_internal.h"
#include "http_util.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"
#include "stream_url.h"
#include "url_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#define MP_PATCH_MAX (64 * 1024) /* trickle ICE fragments (RFC 8840) are small */

/* After a DELETE the origin accepted: forget the resource and its ICE username. */
static void forget_session(struct mp_api_call *call)
{
	struct mp_control *c = call->api->c;
	struct mp_lb_webrtc w;

	mp_whip_res_del(call->api->res, call->target);
	if (call->username[0] && mp_lb_webrtc_load(c->lb, call->username, mp_now_ms(), &w) == MP_OK &&
	    !strcmp(w.stream, call->stream) && mp_lb_webrtc_remove(c->lb, call->username) == MP_OK)
		MP_INFO("HTTP API: %s: session %s deleted", call->stream, call->username);
}

static void resource_done(struct mp_whip_relay *r, struct evhttp_request *resp)
{
	struct mp_api_call *call = (struct mp_api_call *)r;
	struct evhttp_request *req;
	char reason[256];
	int code;

	if (!resp) {
		call->api->st.origin_failed++;
		snprintf(reason, sizeof(reason), "origin %s: %s", r->origin, mp_whip_relay_error_text(r->error));
		MP_WARN("HTTP API: %s %s: %s", call->method == EVHTTP_REQ_DELETE ? "DELETE" : "PATCH", call->target, reason);
		if ((req = mp_whip_relay_take_client(r)))
			mp_http_reply_error(req, 502, reason);
	} else {
		code = evhttp_request_get_response_code(resp);
		if (call->method == EVHTTP_REQ_DELETE && code >= 200 && code <= 299)
			forget_session(call);
		mp_whip_relay_reply(r, resp, code, evhttp_request_get_response_code_line(resp),
			       evbuffer_pullup(evhttp_request_get_input_buffer(resp), -1),
			       evbuffer_get_length(evhttp_request_get_input_buffer(resp)));
	}
	mp_whip_relay_finish(r);
}

/* The origin of the session at call->target: the recorded resource, else the stream its query names
 * (SRS's Location: "/rtc/v1/whip/?action=delete&token=..&app=live&stream=s&session=a:b"). */
static const struct mp_lb_origin *session_origin(struct mp_api_call *call, struct evhttp_request *req,
						 char *reason, size_t cap)
{
	struct mp_control *c = call->api->c;
	const struct mp_whip_res *e = mp_whip_res_get(call->api->res, call->target);
	const char *host = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
	const char *q = strchr(call->target, '?');
	const struct mp_lb_origin *org;
	struct mp_stream_url *su;
	uint32_t id;

	if (e) {
		memcpy(call->stream, e->stream, sizeof(call->stream));
		memcpy(call->username, e->username, sizeof(call->username));
		org = mp_lb_origin_get(c->lb, e->origin_id);
		if (!org || org->uid != e->origin_uid) {
			snprintf(reason, cap, "the origin that held %s is gone", call->stream);
			return NULL;
		}
		return org;
	}
	su = malloc(sizeof(*su));
	if (!su || mp_stream_url_from_http(call->target, strlen(call->target), host ? host : "", host ? strlen(host) : 0,
					   su) != MP_OK) {
		free(su);
		snprintf(reason, cap, "no WHIP/WHEP session at this URL");
		return NULL;
	}
	memcpy(call->stream, su->key, sizeof(call->stream));
	free(su);
	if (q && mp_url_query_get(q + 1, strlen(q + 1), "session", call->username, sizeof(call->username)) < 0)
		call->username[0] = '\0';
	if (mp_lb_pick_peek(c->lb, call->stream, &id) != MP_OK || !(org = mp_lb_origin_get(c->lb, id))) {
		snprintf(reason, cap, "no origin holds %s", call->stream);
		return NULL;
	}
	return org;
}

void mp_http_api_resource(struct mp_http_api *api, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const struct mp_lb_origin *org;
	struct mp_api_call *call;
	char reason[768];

	api->st.resources++;
	if (len > MP_PATCH_MAX) {
		mp_http_reply_error(req, 413, "the body is over 64 KiB");
		return;
	}
	call = mp_api_call_new(api, req, MP_CALL_RESOURCE);
	if (!call)
		return;
	call->relay.done = resource_done;
	if (strlen(evhttp_request_get_uri(req)) >= sizeof(call->target)) {
		mp_http_reply_error(req, 414, "the resource URL is too long");
		free(call);
		return;
	}
	snprintf(call->target, sizeof(call->target), "%s", evhttp_request_get_uri(req));
	org = session_origin(call, req, reason, sizeof(reason));
	if (!org) {
		mp_http_reply_error(req, 404, reason);
		free(call);
		return;
	}
	if (!mp_lb_origin_alive(api->c->lb, org, mp_now_ms())) {
		snprintf(reason, sizeof(reason), "origin %s holding %s is not alive", org->key, call->stream);
		mp_http_reply_error(req, 503, reason);
		free(call);
		return;
	}
	mp_api_call_start(call, org, len ? evbuffer_pullup(in, -1) : NULL, len);
}
