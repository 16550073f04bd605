/* system_api.c: System API routes: SRS origin registration, versions, and origin/stream/session queries. */
#include "system_api.h"
#include "control.h"
#include "http_util.h"
#include "lb.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "conn_guard.h"
#include "dashboard.h"
#include "event_log.h"
#include "metrics.h"
#include "mp_log.h"
#include "json_body.h"
#include "origin_health.h"
#include "pick_policy.h"
#include "strbuf.h"
#include "registration.h"
#include "self_endpoint.h"
#include "src_limit.h"
#include "peer_addr.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#define MP_REGISTER_MAX_BODY (64 * 1024) /* SRS bodies with summaries are ~2 KB */
#define MP_LIST_DEFAULT 100  /* items in one listing page unless ?limit= says otherwise */
#define MP_LIST_MAX 1000

/* The listener's own state (c->state[MP_L_SYSTEM_API]). */
struct mp_system_api {
	struct mp_src_limit reg_limit; /* register_rate per source address */
};

/* The client's IPv4 address (host order), 0 when unknown. */
static uint32_t peer_ipv4(struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	char *peer = NULL;
	ev_uint16_t port = 0;
	uint32_t ip = 0;

	if (conn)
		evhttp_connection_get_peer(conn, &peer, &port);
	if (!peer || !mp_peer_ipv4(peer, &ip)) /* dotted, or ::ffff:dotted from a dual-stack listener */
		return 0;
	return ip;
}

/* Content-Type is application/json (parameters such as charset allowed), as SRS's heartbeat sends
 * it (SrsHttpClient). A browser sends a cross-site POST without asking first only with text/plain,
 * a form type or none (the CORS "simple" types): none of them registers. */
static bool is_json(struct evhttp_request *req)
{
	const char *t = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	size_t n = strlen("application/json");

	if (!t)
		return false;
	while (*t == ' ' || *t == '\t')
		t++;
	return !evutil_ascii_strncasecmp(t, "application/json", n) && (t[n] == 0 || t[n] == ';' || t[n] == ' ' || t[n] == '\t');
}

/* Refuse a registration (counted) with code and reason. */
static void register_refuse(struct mp_control *c, struct evhttp_request *req, int code, const char *reason)
{
	c->stats.register_rejected++;
	MP_DEBUG("System API: registration refused (%d): %s", code, reason);
	mp_http_reply_error_unredacted(req, code, reason); /* the origin is told about its own endpoints */
}

static void reply_cjson(struct evhttp_request *req, cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	mp_http_reply_json(req, 200, s ? s : "{}");
	cJSON_free(s);
	cJSON_Delete(o);
}

/* Auth, then the method (a mask of enum evhttp_cmd_type): false once it has answered (401/403 or
 * 405 with why). */
static bool api_allow(struct evhttp_request *req, const struct mp_control *c, unsigned methods, const char *why)
{
	if (!mp_http_check_auth(req, c->cfg))
		return false;
	if (!(evhttp_request_get_command(req) & methods)) {
		mp_http_reply_error(req, 405, why);
		return false;
	}
	return true;
}

/* POST /api/v1/srs/register: the SRS origin heartbeat (heartbeat { ports on; }). In order: auth, method,
 * origin_networks (403), register_rate (429), Content-Type (415), body size and form (400), names
 * without control characters (400), no endpoint of this appliance itself (400), then the table (503). */
static void api_register(struct evhttp_request *req, void *arg)
{
	struct mp_control *c = arg;
	struct mp_system_api *sa = c->state[MP_L_SYSTEM_API];
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct mp_registration reg;
	char reason[256], id[MP_LB_ORIGIN_KEY_MAX], body[128];
	size_t len = evbuffer_get_length(in);
	uint32_t src = peer_ipv4(req);
	int rc;
	char *peer = NULL;
	ev_uint16_t peer_port = 0;

	if (!api_allow(req, c, EVHTTP_REQ_POST, "use POST with the SRS heartbeat body"))
		return;
	if (!mp_cidrs_match(&c->cfg->origin_networks, src)) {
		c->stats.register_forbidden++;
		register_refuse(c, req, 403, "this source address may not register origins (origin_networks)");
		return;
	}
	if (evhttp_request_get_connection(req))
		evhttp_connection_get_peer(evhttp_request_get_connection(req), &peer, &peer_port);
	/* per source: an IPv6 registrant by its /64 (peer_ipv4 is 0 for every IPv6 one) */
	if (sa && !mp_src_limit_take(&sa->reg_limit, peer ? mp_peer_key32(peer) : src, mp_now_ms())) {
		c->stats.register_rate_limited++;
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
		register_refuse(c, req, 429, "too many registrations from this source address (register_rate)");
		return;
	}
	if (!is_json(req)) {
		c->stats.register_bad_type++;
		register_refuse(c, req, 415, "Content-Type must be application/json");
		return;
	}
	if (len > MP_REGISTER_MAX_BODY) {
		snprintf(reason, sizeof(reason), "body of %zu bytes is over the %d byte limit", len, MP_REGISTER_MAX_BODY);
		register_refuse(c, req, 400, reason);
		return;
	}
	rc = mp_registration_parse((const char *)evbuffer_pullup(in, -1), len, &reg, reason, sizeof(reason));
	if (rc != MP_OK) {
		register_refuse(c, req, 400, reason);
		return;
	}
	if (mp_self_check_registration(c->cfg, mp_control_self_addrs(c), &reg, reason, sizeof(reason)) != MP_OK) {
		c->stats.register_self++;
		register_refuse(c, req, 400, reason);
		return;
	}
	rc = mp_lb_origin_update(c->lb, &reg, mp_now_ms());
	if (rc < 0) {
		snprintf(reason, sizeof(reason), "cannot record the origin: %s", mp_strerror(rc));
		register_refuse(c, req, rc == MP_ERR_FULL ? 503 : rc == MP_ERR_PERM ? 400 : 500, reason);
		return;
	}
	c->stats.registrations++;
	mp_registration_id(&reg, id, sizeof(id));
	MP_DEBUG("System API: origin %s (device %s) at %s registered", id, reg.device_id, reg.ip);
	snprintf(body, sizeof(body), "{\"code\":0,\"pid\":\"%s\"}", c->pid);
	mp_http_reply_json(req, 200, body);
}

/* ?limit=N (1..MP_LIST_MAX, default MP_LIST_DEFAULT) and ?cursor=C (where the previous page's
 * next_cursor said to go on; default 0). On a bad value answers 400 and returns false. kind, when not
 * NULL, gets ?kind= (NULL when absent; copied into kind_buf). */
static bool list_params(struct evhttp_request *req, long *limit, uint32_t *cursor, char *kind_buf, size_t kind_cap,
			const char **kind)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq params = { 0 };
	const char *limit_s = NULL, *cursor_s = NULL, *kind_s = NULL;
	bool ok = true;
	char *end;

	*limit = MP_LIST_DEFAULT;
	*cursor = 0;
	if (kind)
		*kind = NULL;
	if (q && evhttp_parse_query_str(q, &params) == 0) {
		limit_s = evhttp_find_header(&params, "limit");
		cursor_s = evhttp_find_header(&params, "cursor");
		kind_s = evhttp_find_header(&params, "kind");
	}
	if (limit_s) {
		*limit = strtol(limit_s, &end, 10);
		if (!*limit_s || *end || *limit < 1 || *limit > MP_LIST_MAX) {
			ok = false;
			mp_http_reply_error(req, 400, "limit must be a number 1-1000");
		}
	}
	if (ok && cursor_s) {
		unsigned long v = strtoul(cursor_s, &end, 10);

		if (!*cursor_s || *end || *cursor_s == '-' || v >= UINT32_MAX) {
			ok = false;
			mp_http_reply_error(req, 400, "cursor must be the next_cursor of a previous page");
		} else {
			*cursor = (uint32_t)v;
		}
	}
	if (ok && kind && kind_s) {
		snprintf(kind_buf, kind_cap, "%s", kind_s);
		*kind = kind_buf;
	}
	evhttp_clear_headers(&params);
	return ok;
}

/* The page's end: next_cursor when the walk stopped at the limit with more possibly left. */
static void add_page(cJSON *o, uint32_t total, long returned, bool more, uint32_t next)
{
	cJSON_AddNumberToObject(o, "total", total);
	cJSON_AddNumberToObject(o, "returned", (double)returned);
	if (more)
		cJSON_AddNumberToObject(o, "next_cursor", next);
	else
		cJSON_AddNullToObject(o, "next_cursor");
}

static void add_endpoints(cJSON *o, const struct mp_lb_origin *org)
{
	for (int p = 0; p < MP_PROTO__COUNT; p++) {
		cJSON *a = cJSON_AddArrayToObject(o, mp_proto_name((enum mp_reg_proto)p));

		for (unsigned i = 0; i < org->n_ep[p]; i++) {
			char host[MP_LB_HOST_MAX], s[MP_PEER_HOSTPORT_MAX];
			uint16_t port;

			if (mp_lb_origin_endpoint_host(org, (enum mp_reg_proto)p, i, host, &port) != MP_OK ||
			    mp_peer_hostport(host, port, s, sizeof(s)) < 0)
				continue;
			cJSON_AddItemToArray(a, cJSON_CreateString(s));
		}
	}
}

/* GET /api/v1/origins[?limit=N&cursor=C]: known origins (a page of them) with age and alive state. */
static void api_origins(struct evhttp_request *req, void *arg)
{
	struct mp_control *c = arg;
	uint64_t now = mp_now_ms();
	struct mp_lb_stats st;
	cJSON *o, *a;
	uint32_t lim, cursor, id;
	long limit, n = 0;

	if (!mp_http_check_auth(req, c->cfg) || !list_params(req, &limit, &cursor, NULL, 0, NULL))
		return;
	mp_lb_stats(c->lb, &st);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "code", 0);
	a = cJSON_AddArrayToObject(o, "origins");
	lim = mp_lb_origin_id_limit(c->lb);
	for (id = cursor; id < lim && n < limit; id++) {
		const struct mp_lb_origin *org = mp_lb_origin_get(c->lb, id);
		cJSON *e;

		if (!org)
			continue;
		e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "id", org->id);
		cJSON_AddStringToObject(e, "key", org->key);
		cJSON_AddStringToObject(e, "device_id", org->device_id);
		cJSON_AddStringToObject(e, "ip", org->ip);
		cJSON_AddBoolToObject(e, "alive", mp_lb_origin_alive(c->lb, org, now));
		cJSON_AddBoolToObject(e, "draining", org->draining);
		cJSON_AddBoolToObject(e, "down", mp_lb_origin_is_down(org));
		cJSON_AddNumberToObject(e, "weight", org->weight);
		if (mp_lb_origin_load(c->lb, org) >= 0)
			cJSON_AddNumberToObject(e, "load", mp_lb_origin_load(c->lb, org));
		cJSON_AddNumberToObject(e, "age_ms", (double)(now - org->updated_ms));
		cJSON_AddNumberToObject(e, "known_ms", (double)(now - org->first_seen_ms));
		/* "seen": sessions got traffic back; "silent": media sent, nothing back; "none_yet" */
		cJSON_AddStringToObject(e, "replies",
					mp_origin_reply_name(mp_origin_replies_get(c->replies, org->id, org->uid)));
		add_endpoints(e, org);
		cJSON_AddItemToArray(a, e);
		n++;
	}
	add_page(o, st.count[MP_LB_T_ORIGINS], n, id < lim, id);
	mp_lb_quiescent(c->lb, MP_CONTROL_READER);
	reply_cjson(req, o);
}

/* GET /api/v1/streams[?limit=N&cursor=C]: pinned streams (a page of them) with their origin. */
static void api_streams(struct evhttp_request *req, void *arg)
{
	struct mp_control *c = arg;
	char stream[MP_LB_STREAM_MAX];
	uint32_t next, origin;
	struct mp_lb_stats st;
	long limit, n = 0;
	bool more = false;
	cJSON *o, *a;

	if (!mp_http_check_auth(req, c->cfg) || !list_params(req, &limit, &next, NULL, 0, NULL))
		return;
	mp_lb_stats(c->lb, &st);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "code", 0);
	a = cJSON_AddArrayToObject(o, "streams");
	while (!(more = n >= limit) && mp_lb_pick_iterate(c->lb, &next, stream, &origin) == MP_OK) {
		const struct mp_lb_origin *org = mp_lb_origin_get(c->lb, origin);
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "stream", stream);
		cJSON_AddNumberToObject(e, "origin_id", origin);
		cJSON_AddStringToObject(e, "origin", org ? org->key : "");
		cJSON_AddItemToArray(a, e);
		n++;
	}
	add_page(o, st.count[MP_LB_T_PICKS], n, more, next);
	mp_lb_quiescent(c->lb, MP_CONTROL_READER);
	reply_cjson(req, o);
}

/* ip:port; an IPv6 origin's stand-in as [its address]:port (mp_lb_addr_text). */
static void ip_str(struct mp_lb *lb, uint32_t ip, uint16_t port, char *out, size_t cap)
{
	char a[MP_LB_ADDR_TEXT_MAX];

	mp_lb_addr_text(lb, ip, a, sizeof(a));
	snprintf(out, cap, "%s:%u", a, port);
}

/* GET /api/v1/sessions[?kind=webrtc|srt&limit=N&cursor=C]: a page of data-plane sessions with their
 * counters. The walk reads the live-slot bitmap (mp_lb_session_next): it costs what it returns, not
 * the table's capacity. */
static void api_sessions(struct evhttp_request *req, void *arg)
{
	struct mp_control *c = arg;
	char kind_buf[16];
	const char *kind_s;
	int kind = 0;
	long limit, n = 0;
	uint32_t cursor, i;
	uint64_t now = mp_now_ms();
	struct mp_lb_stats st;
	cJSON *o, *a;

	if (!mp_http_check_auth(req, c->cfg) || !list_params(req, &limit, &cursor, kind_buf, sizeof(kind_buf), &kind_s))
		return;
	if (kind_s && !strcmp(kind_s, "webrtc"))
		kind = MP_LB_SESS_WEBRTC;
	else if (kind_s && !strcmp(kind_s, "srt"))
		kind = MP_LB_SESS_SRT;
	else if (kind_s) {
		mp_http_reply_error(req, 400, "kind must be webrtc or srt");
		return;
	}
	mp_lb_stats(c->lb, &st);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "code", 0);
	cJSON_AddNumberToObject(o, "active", st.count[MP_LB_T_SESSIONS]);
	cJSON_AddNumberToObject(o, "capacity", st.capacity[MP_LB_T_SESSIONS]);
	cJSON_AddNumberToObject(o, "created", (double)st.sessions_created);
	cJSON_AddNumberToObject(o, "expired", (double)st.sessions_expired);
	cJSON_AddNumberToObject(o, "refused", (double)st.refused[MP_LB_T_SESSIONS]);
	a = cJSON_AddArrayToObject(o, "sessions");
	for (i = mp_lb_session_next(c->lb, cursor); i != UINT32_MAX && n < limit; i = mp_lb_session_next(c->lb, i + 1)) {
		struct mp_lb_session *s = mp_lb_session_at(c->lb, i);
		char addr[MP_LB_ADDR_TEXT_MAX + 8];
		cJSON *e;

		if (!s || (kind && s->kind != kind))
			continue;
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "kind", s->kind == MP_LB_SESS_WEBRTC ? "webrtc" : "srt");
		ip_str(c->lb, s->tuple.src_ip, s->tuple.src_port, addr, sizeof(addr));
		cJSON_AddStringToObject(e, "client", addr);
		ip_str(c->lb, s->origin_ipv4, s->origin_port, addr, sizeof(addr));
		cJSON_AddStringToObject(e, "origin", addr);
		cJSON_AddNumberToObject(e, "origin_id", s->origin_id);
		cJSON_AddNumberToObject(e, "nat_port", s->nat_port);
		if (s->kind == MP_LB_SESS_WEBRTC) {
			char user[MP_LB_USERNAME_MAX];
			mp_lb_session_username(c->lb, s, user);
			cJSON_AddStringToObject(e, "username", user);
		}
		cJSON_AddNumberToObject(e, "age_ms", (double)(now - s->created_ms));
		cJSON_AddNumberToObject(e, "idle_ms", (double)(now - atomic_load(&s->last_seen_ms)));
		cJSON_AddNumberToObject(e, "packets_c2o", (double)atomic_load(&s->pkts_c2o));
		cJSON_AddNumberToObject(e, "bytes_c2o", (double)atomic_load(&s->bytes_c2o));
		cJSON_AddNumberToObject(e, "packets_o2c", (double)atomic_load(&s->pkts_o2c));
		cJSON_AddNumberToObject(e, "bytes_o2c", (double)atomic_load(&s->bytes_o2c));
		cJSON_AddItemToArray(a, e);
		n++;
	}
	add_page(o, mp_lb_session_count(c->lb, kind), n, i != UINT32_MAX, i);
	mp_lb_quiescent(c->lb, MP_CONTROL_READER);
	reply_cjson(req, o);
}

/* GET /api/v1/webrtc[?limit=N&cursor=C]: the ICE usernames stored by WHIP/WHEP (what the data plane admits), with their
 * stream, origin and origin media address, and the HTTP API's counters. */
static void api_webrtc(struct evhttp_request *req, void *arg)
{
	struct mp_control *c = arg;
	uint64_t now = mp_now_ms();
	struct mp_lb_webrtc w;
	struct mp_lb_stats st;
	uint32_t next;
	long limit, n = 0;
	bool more = false;
	cJSON *o, *a;

	if (!mp_http_check_auth(req, c->cfg) || !list_params(req, &limit, &next, NULL, 0, NULL))
		return;
	mp_lb_stats(c->lb, &st);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "code", 0);
	mp_control_listener_stats(c, MP_L_HTTP_API, cJSON_AddObjectToObject(o, "http_api"), 0);
	a = cJSON_AddArrayToObject(o, "usernames");
	while (!(more = n >= limit) && mp_lb_webrtc_iterate(c->lb, &next, &w) == MP_OK) {
		const struct mp_lb_origin *org = mp_lb_origin_get(c->lb, w.origin_id);
		cJSON *e = cJSON_CreateObject();
		char addr[MP_LB_ADDR_TEXT_MAX + 8];

		cJSON_AddStringToObject(e, "username", w.username);
		cJSON_AddStringToObject(e, "stream", w.stream);
		cJSON_AddNumberToObject(e, "origin_id", w.origin_id);
		cJSON_AddStringToObject(e, "origin", org ? org->key : "");
		ip_str(c->lb, w.media_ipv4, w.media_port, addr, sizeof(addr));
		cJSON_AddStringToObject(e, "media", addr);
		cJSON_AddNumberToObject(e, "age_ms", (double)(now - w.created_ms));
		cJSON_AddNumberToObject(e, "idle_ms", (double)(now - atomic_load(&w.last_seen_ms)));
		cJSON_AddItemToArray(a, e);
		n++;
	}
	add_page(o, st.count[MP_LB_T_WEBRTC], n, more, next);
	mp_lb_quiescent(c->lb, MP_CONTROL_READER);
	reply_cjson(req, o);
}

/* GET /api/v1/dataplane: per-lcore and total counters of the data plane. */
static void api_dataplane(struct evhttp_request *req, void *arg)
{
	struct mp_control *c = arg;
	cJSON *o, *data;

	if (!api_allow(req, c, EVHTTP_REQ_GET, "use GET"))
		return;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "code", 0);
	data = cJSON_AddObjectToObject(o, "data");
	if (c->dp_stats)
		c->dp_stats(c->dp_stats_ctx, data);
	reply_cjson(req, o);
}

/* GET /metrics: Prometheus text format. */
static void api_metrics(struct evhttp_request *req, void *arg)
{
	struct mp_control *c = arg;
	struct mp_strbuf out = { 0 };
	struct evbuffer *b;

	if (!mp_http_check_auth(req, c->cfg))
		return;
	mp_metrics_render(c, &out);
	b = evbuffer_new();
	evbuffer_add(b, out.s ? out.s : "", out.len);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
	mp_strbuf_free(&out);
}

/* Answer with the figures of the listener on slot (through the core's table), as the member key of the
 * body, or at its top level when key is NULL. */
static void reply_listener(struct evhttp_request *req, struct mp_control *c, enum mp_listener slot, const char *key)
{
	uint32_t cursor;
	long limit;
	cJSON *o;

	if (!mp_http_check_auth(req, c->cfg) || !list_params(req, &limit, &cursor, NULL, 0, NULL))
		return;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "code", 0);
	mp_control_listener_stats(c, slot, key ? cJSON_AddObjectToObject(o, key) : o, limit);
	reply_cjson(req, o);
}

/* GET /api/v1/rtmp[?limit=N]: the RTMP proxy's counters and its open sessions. */
static void api_rtmp(struct evhttp_request *req, void *arg)
{
	reply_listener(req, arg, MP_L_RTMP, "rtmp");
}

/* GET /api/v1/players[?limit=N]: the HTTP stream server's counters and open FLV/TS/HLS players. */
static void api_players(struct evhttp_request *req, void *arg)
{
	reply_listener(req, arg, MP_L_HTTP_STREAM, NULL);
}

/* GET /api/v1/health: the appliance's fleet health (app/fleet_health.c): 200 while it announces the
 * service address, 503 when drained, stopping or its workers stopped (an HTTP health checker's answer).
 * POST /api/v1/drain drains the appliance, DELETE /api/v1/drain ends the drain. */
static void api_health(struct evhttp_request *req, void *arg)
{
	struct mp_control *c = arg;
	char *s;
	cJSON *o;

	if (!api_allow(req, c, EVHTTP_REQ_GET, "use GET"))
		return;
	if (!c->health.json) {
		mp_http_reply_error(req, 503, "no health check");
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "code", 0);
	c->health.json(c->health.ctx, o);
	s = cJSON_PrintUnformatted(o);
	mp_http_reply_json(req, c->health.up(c->health.ctx) ? 200 : 503, s ? s : "{}");
	cJSON_free(s);
	cJSON_Delete(o);
}

static void api_drain(struct evhttp_request *req, void *arg)
{
	struct mp_control *c = arg;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	cJSON *o;
	int r;

	if (!api_allow(req, c, EVHTTP_REQ_POST | EVHTTP_REQ_DELETE, "POST drains the appliance, DELETE ends the drain"))
		return;
	r = c->health.drain ? c->health.drain(c->health.ctx, cmd == EVHTTP_REQ_POST) : MP_ERR_UNSUPPORTED;
	if (r != MP_OK && r != MP_ERR_STATE) {
		mp_http_reply_error(req, 503, mp_strerror(r));
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "code", 0);
	c->health.json(c->health.ctx, o);
	reply_cjson(req, o);
}

/* GET /api/v1/connections: each listener's connection limits and counters (conn_guard.h). */
static void api_connections(struct evhttp_request *req, void *arg)
{
	struct mp_control *c = arg;
	cJSON *o, *l;

	if (!mp_http_check_auth(req, c->cfg))
		return;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "code", 0);
	l = cJSON_AddObjectToObject(o, "listeners");
	for (int i = 0; i < 2 * MP_L__COUNT; i++) {
		struct mp_conn_guard *g = i < MP_L__COUNT ? c->guard[i] : c->tls_guard[i - MP_L__COUNT];

		if (g)
			mp_conn_guard_json(g, cJSON_AddObjectToObject(l, mp_conn_guard_name(g)));
	}
	cJSON_AddNumberToObject(o, "libevent_log_dropped", (double)mp_event_log_dropped());
	reply_cjson(req, o);
}

/* POST /api/v1/origins/<origin>/weight with {"weight": N}: an operator's pick weight (0 drains: no new
 * streams, pinned ones stay); <origin> is an id, key, address or address:port (origin_health.h). */
static void api_origin_weight(struct evhttp_request *req, struct mp_control *c, const char *name)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char key[MP_LB_ORIGIN_KEY_MAX], reason[160];
	cJSON *body, *w, *o;
	double v = -1;
	int rc;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		mp_http_reply_error(req, 405, "use POST with {\"weight\": N}");
		return;
	}
	body = len <= 4096 ? mp_json_parse((const char *)evbuffer_pullup(in, -1), len) : NULL;
	w = cJSON_IsObject(body) ? cJSON_GetObjectItemCaseSensitive(body, "weight") : NULL;
	if (cJSON_IsNumber(w))
		v = w->valuedouble;
	cJSON_Delete(body);
	if (!(v >= 0 && v <= MP_PICK_WEIGHT_MAX) || v != (double)(uint32_t)v) {
		snprintf(reason, sizeof(reason), "the body must be {\"weight\": N} with N a whole number 0-%u", MP_PICK_WEIGHT_MAX);
		mp_http_reply_error(req, 400, reason);
		return;
	}
	rc = mp_origin_lookup(c, name, key, sizeof(key));
	if (rc == MP_OK)
		rc = mp_lb_origin_set_weight(c->lb, key, (uint32_t)v, mp_now_ms());
	mp_lb_quiescent(c->lb, MP_CONTROL_READER);
	if (rc != MP_OK) {
		mp_http_reply_error(req, rc == MP_ERR_NOTFOUND ? 404 : rc == MP_ERR_EXISTS ? 409 : 503,
				    rc == MP_ERR_NOTFOUND ? "no such origin"
				    : rc == MP_ERR_EXISTS ? "that address names several origins: give the id or key"
							  : mp_strerror(rc));
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "code", 0);
	cJSON_AddStringToObject(o, "key", key);
	cJSON_AddNumberToObject(o, "weight", v);
	reply_cjson(req, o);
}

/* Behind the token too: a stranger learns nothing, not even which routes exist. */
static void not_found(struct evhttp_request *req, void *arg)
{
	struct mp_control *c = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	static const char prefix[] = "/api/v1/origins/", suffix[] = "/weight";
	size_t n = path ? strlen(path) : 0;

	if (!mp_http_check_auth(req, c->cfg))
		return;
	if (c->lb && n > sizeof(prefix) - 1 + sizeof(suffix) - 1 && !strncmp(path, prefix, sizeof(prefix) - 1) &&
	    !strcmp(path + n - (sizeof(suffix) - 1), suffix)) {
		char name[MP_LB_ORIGIN_KEY_MAX];
		size_t k = n - (sizeof(prefix) - 1) - (sizeof(suffix) - 1);

		if (k < sizeof(name)) {
			memcpy(name, path + sizeof(prefix) - 1, k);
			name[k] = '\0';
			if (!strchr(name, '/')) {
				api_origin_weight(req, c, name);
				return;
			}
		}
	}
	mp_http_reply_error(req, 404, "no such API");
}

/* The listener's start: the routes on c->http[MP_L_SYSTEM_API] (its state is the core's). */
static int listener_start(struct mp_control *c, char *err, size_t errcap)
{
	struct mp_system_api *sa = calloc(1, sizeof(*sa));
	uint32_t rate = c->cfg->register_rate;

	if (!sa || mp_src_limit_init(&sa->reg_limit, rate, rate > MP_SRC_LIMIT_MAX_RATE / 2 ? 0 : 2 * rate) != 0) {
		free(sa);
		snprintf(err, errcap, "System API: out of memory");
		return MP_ERR_NOMEM;
	}
	c->state[MP_L_SYSTEM_API] = sa;
	mp_control_http_route(c, MP_L_SYSTEM_API, "/api/v1/versions", mp_api_versions, c);
	mp_control_http_route(c, MP_L_SYSTEM_API, "/api/v1/srs/register", api_register, c);
	mp_control_http_route(c, MP_L_SYSTEM_API, "/api/v1/origins", api_origins, c);
	mp_control_http_route(c, MP_L_SYSTEM_API, "/api/v1/streams", api_streams, c);
	mp_control_http_route(c, MP_L_SYSTEM_API, "/api/v1/sessions", api_sessions, c);
	mp_control_http_route(c, MP_L_SYSTEM_API, "/api/v1/dataplane", api_dataplane, c);
	mp_control_http_route(c, MP_L_SYSTEM_API, "/metrics", api_metrics, c);
	mp_control_http_route(c, MP_L_SYSTEM_API, "/api/v1/rtmp", api_rtmp, c);
	mp_control_http_route(c, MP_L_SYSTEM_API, "/api/v1/webrtc", api_webrtc, c);
	mp_control_http_route(c, MP_L_SYSTEM_API, "/api/v1/players", api_players, c);
	mp_control_http_route(c, MP_L_SYSTEM_API, "/api/v1/connections", api_connections, c);
	mp_control_http_route(c, MP_L_SYSTEM_API, "/api/v1/health", api_health, c);
	mp_control_http_route(c, MP_L_SYSTEM_API, "/api/v1/drain", api_drain, c);
	if (c->http[MP_L_SYSTEM_API])
		mp_dashboard_routes(c->http[MP_L_SYSTEM_API], c);
	if (c->https[MP_L_SYSTEM_API])
		mp_dashboard_routes(c->https[MP_L_SYSTEM_API], c);
	mp_control_http_route(c, MP_L_SYSTEM_API, NULL, not_found, c);
	return MP_OK;
}

static void listener_stop(struct mp_control *c)
{
	struct mp_system_api *sa = c->state[MP_L_SYSTEM_API];

	if (!sa)
		return; /* the core frees the HTTP server */
	mp_src_limit_free(&sa->reg_limit);
	free(sa);
	c->state[MP_L_SYSTEM_API] = NULL;
}

const struct mp_listener_ops mp_system_api_listener = {
	.name = "System API",
	.slot = MP_L_SYSTEM_API,
	.http = true,
	.start = listener_start,
	.stop = listener_stop,
};
