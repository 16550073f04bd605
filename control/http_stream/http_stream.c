/* http_stream.c: the HTTP stream server (default 8080): routes HTTP-FLV/TS and HLS requests to the
 * stream's origin (proxy/http.go's rules, keeping the client's query), each through a relay. */
#include "http_stream.h"
#include "control.h"
#include "player_relay.h"
#include "hop_guard.h"
#include "http_route.h"
#include "http_util.h"
#include "lb.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"
#include "relay_headers.h"
#include "stream_url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <event2/http.h>

#define MP_HS_ORIGIN_TIMEOUT_S 15
#define MP_HS_PLAYLIST_MAX (1024 * 1024)
#define MP_HS_SPBHID_BYTES 8 /* 16 hex digits */
#define MP_HS_STALL_MS 5000
#define MP_HS_LAG_MS 1000

/* A new HLS id: random hex (the Go proxy uses 7 hex digits of a random hash; any [A-Za-z0-9_-]
 * works across a mixed fleet since the id is only ever looked up, never parsed). */
static void new_spbhid(char out[MP_LB_SPBHID_MAX])
{
	static uint64_t counter;
	uint8_t b[MP_HS_SPBHID_BYTES];

	if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
		uint64_t x = mp_now_ms() * 0x9e3779b97f4a7c15ull ^ ++counter * 0xbf58476d1ce4e5b9ull;

		memcpy(b, &x, sizeof(b));
	}
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void stream_error(struct evhttp_request *req, int code, const char *reason)
{
	mp_relay_add_cors(evhttp_request_get_output_headers(req));
	mp_http_reply_error(req, code, reason);
}

static void no_origin(struct mp_http_stream *hs, struct evhttp_request *req, const char *stream, int rc)
{
	char reason[MP_LB_STREAM_MAX + 96];

	hs->st.no_origin++;
	if (rc == MP_ERR_NOORIGIN)
		snprintf(reason, sizeof(reason), "no alive origin with an HTTP stream endpoint for %s", stream);
	else
		snprintf(reason, sizeof(reason), "cannot pick an origin for %s: %s", stream, mp_strerror(rc));
	stream_error(req, 503, reason);
}

/* HLS: which stream (and id) a request belongs to. A playlist without spbhid names its stream by URL
 * and gets the stream's id (one per stream, shared by its players, as proxy/http.go LoadOrStoreHLS);
 * a request with spbhid (a segment, or a variant playlist of a master playlist) is routed by it. */
static int hls_lookup(struct mp_http_stream *hs, struct evhttp_request *req, const struct mp_hroute *rt,
		      const char *target, const char *host, struct mp_lb_hls *out)
{
	struct mp_stream_url su;
	char id[MP_LB_SPBHID_MAX], full[MP_LB_URL_MAX];
	uint64_t now = mp_now_ms();
	int rc;

	if (rt->spbhid) {
		memcpy(id, rt->spbhid, rt->spbhid_len);
		id[rt->spbhid_len] = 0;
		rc = mp_lb_hls_by_spbhid(hs->c->lb, id, now, out);
		if (rc == MP_OK || rt->kind == MP_HROUTE_SEGMENT) {
			if (rc != MP_OK) {
				hs->st.not_found++;
				stream_error(req, 404, "unknown or expired spbhid: load the playlist again");
			}
			return rc;
		}
	}
	rc = mp_stream_url_from_http(target, strlen(target), host, host ? strlen(host) : 0, &su);
	if (rc != MP_OK) {
		hs->st.bad_request++;
		stream_error(req, 400, "cannot name a stream from this URL");
		return rc;
	}
	new_spbhid(id);
	snprintf(full, sizeof(full), "http://%s%s", host ? host : "", target);
	rc = mp_lb_hls_load_or_store(hs->c->lb, su.key, id, full, now, out);
	if (rc != MP_OK && rc != MP_ERR_EXISTS) {
		no_origin(hs, req, su.key, rc);
		return rc;
	}
	return MP_OK;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct mp_http_stream *hs = arg;
	const char *target = evhttp_request_get_uri(req);
	const char *host = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct mp_player_relay_params p = { 0 };
	struct mp_lb_target origin;
	struct mp_stream_url su;
	struct mp_lb_hls hls;
	struct mp_hroute rt;
	int rc;

	hs->st.requests++;
	if (mp_http_refuse_method(req))
		return;
	if (cmd == EVHTTP_REQ_OPTIONS) { /* CORS preflight, as proxy/http.go apiCORS */
		mp_relay_add_cors(evhttp_request_get_output_headers(req));
		evhttp_send_reply(req, 200, "OK", NULL);
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		stream_error(req, 405, "use GET or HEAD");
		return;
	}
	if (mp_hop_http_refused(hs->c, req))
		return; /* our own relay came back: a loop */
	if (mp_hroute_classify(target, strlen(target), &rt) != MP_OK) {
		hs->st.bad_request++;
		stream_error(req, 400, "bad request target or spbhid");
		return;
	}
	p.target = target; /* path and the client's query, as received */
	p.origin = &origin;
	switch (rt.kind) {
	case MP_HROUTE_FLV:
	case MP_HROUTE_TS:
		rc = mp_stream_url_from_http(target, strlen(target), host, host ? strlen(host) : 0, &su);
		if (rc != MP_OK) {
			hs->st.bad_request++;
			stream_error(req, 400, "cannot name a stream from this URL");
			return;
		}
		p.mode = MP_RELAY_STREAM;
		p.kind = rt.kind == MP_HROUTE_FLV ? "flv" : "ts";
		p.flv = rt.kind == MP_HROUTE_FLV;
		p.stream = su.key;
		break;
	case MP_HROUTE_M3U8:
	case MP_HROUTE_SEGMENT:
		if (hls_lookup(hs, req, &rt, target, host, &hls) != MP_OK)
			return;
		p.mode = rt.kind == MP_HROUTE_M3U8 ? MP_RELAY_PLAYLIST : MP_RELAY_STREAM;
		p.kind = rt.kind == MP_HROUTE_M3U8 ? "hls" : "segment";
		p.stream = hls.stream;
		p.spbhid = hls.spbhid;
		break;
	default:
		hs->st.not_found++;
		stream_error(req, 404, "not a stream: use .flv, .ts or .m3u8 (segments carry spbhid)");
		return;
	}
	rc = mp_lb_pick(hs->c->lb, p.stream, MP_PROTO_HTTP, mp_now_ms(), &origin);
	if (rc != MP_OK) {
		no_origin(hs, req, p.stream, rc);
		return;
	}
	switch (rt.kind) {
	case MP_HROUTE_FLV: hs->st.flv++; break;
	case MP_HROUTE_TS: hs->st.ts++; break;
	case MP_HROUTE_M3U8: hs->st.playlists++; break;
	default: hs->st.segments++; break;
	}
	mp_player_relay_start(hs, req, &p);
}

/* The listener's start: its state and the catch-all route on c->http[MP_L_HTTP_STREAM]. Out of
 * memory leaves every request answered 404 (the core's default) rather than stopping the appliance. */
static int listener_start(struct mp_control *c, char *err, size_t errcap)
{
	struct mp_http_stream *hs = calloc(1, sizeof(*hs));

	(void)err;
	(void)errcap;
	if (!hs) {
		MP_ERR("HTTP stream: out of memory; every request gets 404");
		return MP_OK;
	}
	hs->c = c;
	hs->player_buffer = c->cfg->http_player_buffer;
	hs->origin_timeout_s = MP_HS_ORIGIN_TIMEOUT_S;
	hs->stall_ms = MP_HS_STALL_MS;
	hs->lag_ms = MP_HS_LAG_MS;
	hs->playlist_max = MP_HS_PLAYLIST_MAX;
	c->state[MP_L_HTTP_STREAM] = hs;
	mp_control_http_route(c, MP_L_HTTP_STREAM, NULL, on_request, hs);
	return MP_OK;
}

/* The listener's stop: close every open relay and free the state (before the HTTP servers are freed). */
static void listener_stop(struct mp_control *c)
{
	struct mp_http_stream *hs = c->state[MP_L_HTTP_STREAM];

	if (!hs)
		return;
	mp_player_relay_close_all(hs);
	free(hs);
	c->state[MP_L_HTTP_STREAM] = NULL;
}

static uint32_t origin_down(struct mp_control *c, uint32_t origin_id, uint32_t origin_uid)
{
	struct mp_http_stream *hs = c->state[MP_L_HTTP_STREAM];

	return hs ? mp_player_relay_origin_down(hs, origin_id, origin_uid) : 0;
}

const struct mp_listener_ops mp_http_stream_listener = {
	.name = "HTTP stream",
	.slot = MP_L_HTTP_STREAM,
	.http = true,
	.start = listener_start,
	.stop = listener_stop,
	.stats = mp_http_stream_stats_json,
	.origin_down = origin_down,
};
