/* http_api_offer.c: WHIP/WHEP and legacy offers: pick the origin, relay, store the ICE username, and
 * give the client the origin's answer with the appliance's candidates. */
#include "control.h"
#include "http_api_internal.h"
#include "http_hop.h"
#include "http_util.h"
#include "config.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"
#include "origin_health.h"
#include "sdp_legacy.h"
#include "stream_url.h"
#include "webrtc_answer.h"
#include "peer_addr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/http.h>

#define MP_OFFER_MAX (1024 * 1024)

/* Fail the call: 502 with reason, counted. */
static void fail(struct mp_api_call *call, const char *reason)
{
	struct evhttp_request *req = mp_whip_relay_take_client(&call->relay);

	call->api->st.origin_failed++;
	MP_WARN("HTTP API: %s: %s", call->stream, reason);
	if (req)
		mp_http_reply_error(req, 502, reason);
}

/* Remember where the session's resource lives, so DELETE/PATCH find its origin. */
static void record_resource(struct mp_api_call *call, struct evhttp_request *resp, const char *username)
{
	const char *loc = evhttp_find_header(evhttp_request_get_input_headers(resp), "Location");
	struct mp_whip_res e;

	if (!loc)
		return;
	memset(&e, 0, sizeof(e));
	if (mp_http_location_target(loc, strlen(loc), e.target, sizeof(e.target)) < 0)
		return;
	snprintf(e.username, sizeof(e.username), "%s", username);
	snprintf(e.stream, sizeof(e.stream), "%s", call->stream);
	e.origin_id = call->origin_id;
	e.origin_uid = call->origin_uid;
	mp_whip_res_put(call->api->res, &e, mp_now_ms());
}

/* The answer SDP inside the origin's body: the body itself (WHIP), or its "sdp" (legacy). Returns
 * false when a legacy body carries no sdp (an error envelope: passed through as it is). */
static bool answer_sdp(struct mp_api_call *call, const char *body, size_t len, char **sdp, size_t *sdp_len)
{
	char *url;
	bool ok;

	if (call->kind != MP_CALL_LEGACY) {
		*sdp = (char *)body;
		*sdp_len = len;
		return true;
	}
	*sdp = malloc(len + 1);
	url = malloc(len + 1);
	ok = *sdp && url && mp_sdp_legacy_unwrap(body, len, *sdp, len + 1, sdp_len, url, len + 1) == MP_OK;
	free(url);
	if (!ok) {
		free(*sdp);
		*sdp = NULL;
	}
	return ok;
}

/* The body for the client: the rewritten SDP, or the legacy envelope holding it. */
static int client_body(struct mp_api_call *call, const char *body, size_t len, const struct mp_webrtc_answer *a,
		       char **out, size_t *out_len)
{
	size_t cap;
	int rc;

	if (call->kind != MP_CALL_LEGACY) {
		*out = a->sdp;
		*out_len = a->sdp_len;
		return MP_OK;
	}
	cap = len + 6 * a->sdp_len + 256; /* JSON escapes a control character in at most 6 bytes */
	*out = malloc(cap);
	if (!*out)
		return MP_ERR_NOMEM;
	rc = mp_sdp_legacy_rewrap(body, len, a->sdp, a->sdp_len, *out, cap, out_len);
	if (rc != MP_OK) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

static void answer(struct mp_api_call *call, struct evhttp_request *resp, int code)
{
	struct mp_control *c = call->api->c;
	struct evbuffer *in = evhttp_request_get_input_buffer(resp);
	size_t len = evbuffer_get_length(in), sdp_len = 0, out_len = 0;
	const char *body = len ? (const char *)evbuffer_pullup(in, -1) : "";
	struct mp_webrtc_answer a;
	char reason[384], *sdp = NULL, *out = NULL;
	int rc;

	if (!answer_sdp(call, body, len, &sdp, &sdp_len)) {
		call->api->st.passed++; /* the origin said no in its own words */
		mp_whip_relay_reply(&call->relay, resp, code, evhttp_request_get_response_code_line(resp), body, len);
		return;
	}
	/* In a fleet the client's media goes to the shared service address (docs/fleet.md); an IPv6
	 * client's to the appliance's own public_ip6 (there is no shared IPv6 service address). */
	rc = mp_webrtc_answer_build(call->offer_ufrag, sdp, sdp_len, call->rtc_ipv4, call->rtc_port,
				    c->cfg->service_ip ? c->cfg->service_ip : c->cfg->public_ip.ipv4,
				    c->cfg->public_ip6.set ? c->cfg->public_ip6.ip6 : NULL, c->cfg->webrtc_port, &a, reason,
				    sizeof(reason));
	if (rc == MP_OK && a.media6) {
		/* An IPv6 origin's own candidate (aiortc's port per session; SRS's is its rtc endpoint's):
		 * the data plane knows a registered media address by its stand-in (lb.h); another address
		 * is not followed (the registered rtc endpoint stays). */
		uint32_t standin = mp_lb_origin6_standin(c->lb, a.media_ip6);

		if (standin) {
			a.media_ipv4 = standin;
			a.media_port = a.media6_port;
			a.media_from_sdp = true;
		} else if (!a.media_ipv4 || !a.media_port) {
			snprintf(reason, sizeof(reason), "the origin's answer names an IPv6 media address it did not register, and it registered no rtc endpoint");
			rc = MP_ERR_NOTFOUND;
		}
	}
	if (rc == MP_OK && (rc = mp_lb_webrtc_store(c->lb, a.username, a.ice_pwd, call->stream, call->origin_id, a.media_ipv4,
						    a.media_port, mp_now_ms())) != MP_OK)
		snprintf(reason, sizeof(reason), "cannot record the ICE username: %s", mp_strerror(rc));
	if (rc == MP_OK && (rc = client_body(call, body, len, &a, &out, &out_len)) != MP_OK)
		snprintf(reason, sizeof(reason), "cannot rewrap the legacy answer: %s", mp_strerror(rc));
	if (rc != MP_OK) {
		fail(call, reason);
	} else {
		char media[MP_LB_ADDR_TEXT_MAX];

		call->api->st.answers++;
		mp_lb_addr_text(c->lb, a.media_ipv4, media, sizeof(media)); /* an IPv6 origin: [its address] */
		MP_INFO("HTTP API: %s on origin %s: ICE username %s, media %s:%u (%s), %d candidates rewritten",
			call->stream, call->relay.origin, a.username, media, a.media_port,
			a.media_from_sdp ? "from the answer" : "registered rtc endpoint", a.rewritten);
		record_resource(call, resp, a.username);
		mp_whip_relay_reply(&call->relay, resp, code, evhttp_request_get_response_code_line(resp), out, out_len);
	}
	if (out != a.sdp)
		free(out);
	if (sdp != body)
		free(sdp);
	mp_webrtc_answer_free(&a);
}

/* The origin could not be reached (no answer at all): mark it down and send the offer to another
 * origin for the same stream, within the client's one request. True when under way again. */
static bool offer_elsewhere(struct mp_api_call *call)
{
	struct mp_control *c = call->api->c;
	struct mp_whip_relay *r = &call->relay;
	struct evbuffer *in = r->req ? evhttp_request_get_input_buffer(r->req) : NULL;
	const struct mp_lb_origin *org;
	struct mp_lb_target t;
	char host[MP_LB_HOST_MAX];
	uint16_t port;
	size_t len;

	if (!in || call->kind == MP_CALL_RESOURCE || call->repicks >= MP_API_CALL_REPICKS)
		return false;
	mp_origin_suspect(c, call->origin_id, call->origin_uid, mp_whip_relay_error_text(r->error));
	call->repicks++;
	if (mp_lb_pick(c->lb, call->stream, MP_PROTO_API, mp_now_ms(), &t) != MP_OK ||
	    (t.origin_id == call->origin_id && t.origin_uid == call->origin_uid))
		return false;
	org = mp_lb_origin_get(c->lb, t.origin_id);
	if (!org || mp_lb_origin_endpoint_host(org, MP_PROTO_API, 0, host, &port) != MP_OK)
		return false;
	MP_INFO("HTTP API: %s: origin %u unreachable, offer sent to origin %u", call->stream, call->origin_id, org->id);
	call->origin_id = org->id;
	call->origin_uid = org->uid;
	if (mp_lb_origin_endpoint(org, MP_PROTO_RTC, 0, &call->rtc_ipv4, &call->rtc_port) != MP_OK)
		call->rtc_ipv4 = call->rtc_port = 0;
	r->tls_ctx = mp_lb_origin_endpoint_tls(org, MP_PROTO_API, 0) ? c->origin_tls_ctx : NULL;
	len = evbuffer_get_length(in);
	if (mp_whip_relay_restart(r, c->base, host, port, len ? evbuffer_pullup(in, -1) : (const unsigned char *)"", len) !=
	    MP_OK)
		return false;
	call->api->st.origin_repicks++;
	return true;
}

static void offer_done(struct mp_whip_relay *r, struct evhttp_request *resp)
{
	struct mp_api_call *call = (struct mp_api_call *)r;
	char reason[256];
	int code;

	if (!resp && offer_elsewhere(call))
		return;
	if (!resp) {
		snprintf(reason, sizeof(reason), "origin %s: %s", r->origin, mp_whip_relay_error_text(r->error));
		fail(call, reason);
	} else if (!r->req) {
		MP_INFO("HTTP API: %s: the client left before origin %s answered", call->stream, r->origin);
	} else if ((code = evhttp_request_get_response_code(resp)) < 200 || code > 299) {
		call->api->st.passed++; /* the origin's refusal, as it is (SRS proxy drops it) */
		mp_whip_relay_reply(r, resp, code, evhttp_request_get_response_code_line(resp),
			       evbuffer_pullup(evhttp_request_get_input_buffer(resp), -1),
			       evbuffer_get_length(evhttp_request_get_input_buffer(resp)));
	} else {
		answer(call, resp, code);
	}
	mp_whip_relay_finish(r);
}

/* The stream key and the offer's ufrag from the request; false after answering 400. */
static bool parse_offer(struct mp_api_call *call, struct evhttp_request *req, const char *body, size_t len,
			bool legacy)
{
	const char *host = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
	const char *target = evhttp_request_get_uri(req);
	struct mp_stream_url *su = malloc(sizeof(*su));
	char *sdp = legacy ? malloc(len + 1) : (char *)body, url[1024], reason[320];
	size_t sdp_len = len;
	int rc;

	reason[0] = '\0';
	if (!su || !sdp) {
		snprintf(reason, sizeof(reason), "out of memory");
	} else if (legacy && mp_sdp_legacy_unwrap(body, len, sdp, len + 1, &sdp_len, url, sizeof(url)) != MP_OK) {
		snprintf(reason, sizeof(reason), "the body is not the JSON offer {\"streamurl\":..,\"sdp\":..}");
	} else if (legacy && !url[0]) {
		snprintf(reason, sizeof(reason), "the JSON offer has no streamurl");
	} else if ((rc = legacy ? mp_stream_url_from_url(url, strlen(url), su)
				: mp_stream_url_from_http(target, strlen(target), host ? host : "", host ? strlen(host) : 0,
							  su)) != MP_OK) {
		snprintf(reason, sizeof(reason), "cannot name the stream from %s: %s", legacy ? url : target, mp_strerror(rc));
	} else if (mp_webrtc_offer_ufrag(sdp, sdp_len, call->offer_ufrag, reason, sizeof(reason)) == MP_OK) {
		memcpy(call->stream, su->key, sizeof(call->stream));
	}
	if (sdp != body)
		free(sdp);
	free(su);
	if (!call->stream[0])
		mp_http_reply_error(req, 400, reason);
	return call->stream[0] != '\0';
}

/* whip_redirect: 307 to the origin's own WHIP/WHEP URL (RFC 9725 section 4.5 lets a WHIP client follow a
 * redirect; 307 keeps the method and the offer, RFC 9110 section 15.4.8): the same path and query on the
 * origin's api endpoint 0, the one the relay would have asked. The pick stays sticky, so every client
 * of the stream is sent to the same origin. By design this gives the client the origin's address:
 * only for fleets whose clients may reach origins (docs/http_api.md). */
static void redirect(struct mp_http_api *api, struct evhttp_request *req, const struct mp_lb_origin *org,
		     const char *stream)
{
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *path = u ? evhttp_uri_get_path(u) : NULL, *query = u ? evhttp_uri_get_query(u) : NULL;
	char loc[2048], host[MP_LB_HOST_MAX], hostport[MP_PEER_HOSTPORT_MAX];
	uint16_t port;
	int n;

	if (mp_lb_origin_endpoint_host(org, MP_PROTO_API, 0, host, &port) != MP_OK ||
	    mp_peer_hostport(host, port, hostport, sizeof(hostport)) < 0) {
		api->st.no_origin++;
		mp_http_reply_error(req, 503, "no origin for this stream: no alive origin registered an api endpoint");
		return;
	}
	n = snprintf(loc, sizeof(loc), "http://%s%s%s%s", hostport, path && *path ? path : "/", query ? "?" : "",
		     query ? query : ""); /* RFC 3986 section 3.2.2: an IPv6 host in brackets */
	if (n < 0 || (size_t)n >= sizeof(loc)) {
		mp_http_reply_error(req, 414, "the request target is too long to redirect");
		return;
	}
	api->st.redirected++;
	MP_DEBUG("HTTP API: WHIP/WHEP offer for %s redirected to origin %s (%s)", stream, org->key, loc);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location", loc);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Access-Control-Expose-Headers", "Location");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	evhttp_send_reply(req, 307, "Temporary Redirect", NULL);
}

/* SRS's legacy API gives its hooks and logs the offer's "clientip" as the client's address when there
 * is one, before X-Forwarded-For (srs_app_rtc_api.cpp, SrsGoApiRtcPlay/Publish): any client could name
 * any address there. It is taken out of the client's request body (a re-pick sends that body again):
 * SRS then takes the first X-Forwarded-For address, which relay_headers.h sets (issue 13 item 3). A body
 * that is not a JSON object stays as it is: SRS refuses it as well. */
static void drop_clientip(struct evbuffer *in)
{
	size_t len = evbuffer_get_length(in);
	cJSON *o = len ? cJSON_ParseWithLength((const char *)evbuffer_pullup(in, -1), len) : NULL;
	char *s = NULL;

	if (cJSON_IsObject(o) && cJSON_GetObjectItemCaseSensitive(o, "clientip")) {
		while (cJSON_GetObjectItemCaseSensitive(o, "clientip"))
			cJSON_DeleteItemFromObjectCaseSensitive(o, "clientip");
		s = cJSON_PrintUnformatted(o);
		if (s && evbuffer_drain(in, len) == 0)
			evbuffer_add(in, s, strlen(s));
	}
	cJSON_free(s);
	cJSON_Delete(o);
}

void mp_http_api_offer(struct mp_http_api *api, struct evhttp_request *req, bool legacy)
{
	struct mp_control *c = api->c;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *body;
	const struct mp_lb_origin *org;
	struct mp_lb_target t;
	struct mp_api_call *call;
	char reason[384];
	int rc;

	api->st.offers++;
	if (len > MP_OFFER_MAX) {
		mp_http_reply_error(req, 413, "the offer is over 1 MiB");
		return;
	}
	if (legacy)
		drop_clientip(in);
	len = evbuffer_get_length(in);
	body = len ? (const char *)evbuffer_pullup(in, -1) : "";
	call = mp_api_call_new(api, req, legacy ? MP_CALL_LEGACY : MP_CALL_WHIP);
	if (!call)
		return;
	call->relay.done = offer_done;
	if (!parse_offer(call, req, body, len, legacy)) {
		free(call);
		return;
	}
	rc = mp_lb_pick(c->lb, call->stream, MP_PROTO_API, mp_now_ms(), &t);
	org = rc == MP_OK ? mp_lb_origin_get(c->lb, t.origin_id) : NULL;
	if (!org) {
		if (rc == MP_OK || rc == MP_ERR_NOORIGIN)
			snprintf(reason, sizeof(reason), "no origin for %s: no alive origin registered an api endpoint",
				 call->stream);
		else
			snprintf(reason, sizeof(reason), "no origin for %s: %s", call->stream, mp_strerror(rc));
		api->st.no_origin++;
		mp_http_reply_error(req, rc == MP_ERR_TOOLONG ? 400 : 503, reason);
		free(call);
		return;
	}
	if (!legacy && c->cfg && c->cfg->whip_redirect) {
		redirect(api, req, org, call->stream);
		free(call);
		return;
	}
	if (mp_lb_origin_endpoint(org, MP_PROTO_RTC, 0, &call->rtc_ipv4, &call->rtc_port) != MP_OK)
		call->rtc_ipv4 = call->rtc_port = 0;
	MP_DEBUG("HTTP API: %s offer for %s (ufrag %s) to origin %s", legacy ? "legacy" : "WHIP/WHEP", call->stream,
		 call->offer_ufrag, org->key);
	mp_api_call_start(call, org, body, len);
}
