/* origin_probe.c: active probes of each origin's API endpoint (GET /api/v1/versions) without blocking:
 * any HTTP answer is alive, origin_probe_failures misses in a row are dead (origin_health.c). */
#include "control.h"
#include "http_client.h"
#include "lb.h"
#include "mp_error.h"
#include "mp_log.h"
#include "origin_health.h"
#include "tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#define PROBE_SCAN_MS 20 /* how often the origins are looked at (the tick runs every 10 ms) */

struct probe_slot {
	struct mp_origin_probe *pr;
	uint32_t id, uid;
	uint32_t fails;            /* misses in a row */
	bool dead;                 /* declared dead since its last answer */
	bool in_flight, done, ok;
	uint64_t next_ms;
	struct evhttp_connection *conn;
	struct mp_http_client_call call;
};

struct mp_origin_probe {
	struct mp_control *c;
	struct probe_slot *slot;   /* [max_origins], by origin id */
	uint32_t cap;
	uint64_t next_scan_ms;
};

static void slot_reset(struct probe_slot *s, uint32_t uid)
{
	if (s->conn)
		evhttp_connection_free(s->conn); /* frees a request in flight, without its callback */
	s->conn = NULL;
	s->uid = uid;
	s->fails = 0;
	s->dead = false;
	s->in_flight = s->done = s->ok = false;
	s->next_ms = 0;
}

static void on_probe_done(struct evhttp_request *req, void *arg)
{
	struct probe_slot *s = arg;

	if (mp_http_client_completed_inside(&s->call))
		return; /* a failed connect inside evhttp_make_request: probe_send sees it */
	s->in_flight = false;
	s->done = true;
	s->ok = req && evhttp_request_get_response_code(req) > 0;
}

static void probe_send(struct mp_origin_probe *pr, struct probe_slot *s, const struct mp_lb_origin *o, uint64_t now)
{
	const struct mp_config *cfg = pr->c->cfg;
	struct timeval tv = { cfg->origin_probe_timeout_ms / 1000, (cfg->origin_probe_timeout_ms % 1000) * 1000 };
	struct evhttp_request *req;
	uint16_t port;
	char host[MP_LB_HOST_MAX], host_field[MP_LB_HOST_MAX + 2];

	s->next_ms = now + cfg->origin_probe_interval_ms;
	if (mp_lb_origin_endpoint_host(o, MP_PROTO_API, 0, host, &port) != MP_OK)
		return;
	snprintf(host_field, sizeof(host_field), strchr(host, ':') ? "[%s]" : "%s", host); /* RFC 9110 section 7.2 */
	if (mp_lb_origin_endpoint_tls(o, MP_PROTO_API, 0)) { /* an API registered as TLS is probed over TLS */
		struct bufferevent *bev = pr->c->origin_tls_ctx ? mp_tls_connect_bev(pr->c->base, pr->c->origin_tls_ctx, host) : NULL;

		s->conn = bev ? evhttp_connection_base_bufferevent_new(pr->c->base, NULL, bev, host, port) : NULL;
		if (!s->conn && bev)
			bufferevent_free(bev);
	} else {
		s->conn = evhttp_connection_base_new(pr->c->base, NULL, host, port);
	}
	req = s->conn ? evhttp_request_new(on_probe_done, s) : NULL;
	if (!req) {
		if (s->conn)
			evhttp_connection_free(s->conn);
		s->conn = NULL;
		return; /* out of memory: not the origin's fault, try at the next interval */
	}
	evhttp_connection_set_timeout_tv(s->conn, &tv);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", host_field);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
	s->in_flight = true;
	if (mp_http_client_send(&s->call, s->conn, req, EVHTTP_REQ_GET, "/api/v1/versions") != MP_OK) {
		/* failed at once (req is libevent's and done): a miss, handled at the next scan */
		s->in_flight = false;
		s->done = true;
		s->ok = false;
	}
}

/* A probe finished: count it, and act when the origin changes state. */
static void probe_result(struct mp_origin_probe *pr, struct probe_slot *s, const struct mp_lb_origin *o)
{
	struct mp_control *c = pr->c;
	char why[96];

	if (s->conn)
		evhttp_connection_free(s->conn); /* outside its callbacks: the scan runs from the timer */
	s->conn = NULL;
	s->done = false;
	if (s->ok) {
		c->stats.probes_ok++;
		if (mp_lb_origin_is_down(o)) {
			if (mp_lb_origin_mark_up(c->lb, s->id, s->uid) == MP_OK)
				MP_INFO("origin %s (id %u): its API answers again: up", o->key, s->id);
		}
		s->fails = 0;
		s->dead = false;
		return;
	}
	c->stats.probes_failed++;
	if (++s->fails < c->cfg->origin_probe_failures || s->dead)
		return;
	s->dead = true;
	snprintf(why, sizeof(why), "%u probes of its API in a row got no answer", s->fails);
	mp_origin_dead(c, s->id, s->uid, why);
}

void mp_origin_probe_tick(struct mp_control *c, uint64_t now)
{
	struct mp_origin_probe *pr = c->probe;
	uint32_t limit;

	if (!pr || now < pr->next_scan_ms)
		return;
	pr->next_scan_ms = now + PROBE_SCAN_MS;
	limit = mp_lb_origin_id_limit(c->lb);
	if (limit > pr->cap)
		limit = pr->cap;
	for (uint32_t id = 0; id < limit; id++) {
		struct probe_slot *s = &pr->slot[id];
		const struct mp_lb_origin *o = mp_lb_origin_get(c->lb, id);

		if (!o || o->n_ep[MP_PROTO_API] == 0) {
			if (s->uid)
				slot_reset(s, 0);
			continue;
		}
		if (s->uid != o->uid)
			slot_reset(s, o->uid);
		if (s->done)
			probe_result(pr, s, o);
		if (!s->in_flight && now >= s->next_ms)
			probe_send(pr, s, o, now);
	}
}

int mp_origin_probe_start(struct mp_control *c)
{
	struct mp_origin_probe *pr;

	if (!c->cfg->origin_probe || !c->lb)
		return MP_OK;
	pr = calloc(1, sizeof(*pr));
	if (!pr)
		return MP_ERR_NOMEM;
	pr->c = c;
	pr->cap = mp_lb_config(c->lb)->max_origins;
	pr->slot = calloc(pr->cap, sizeof(*pr->slot));
	if (!pr->slot) {
		free(pr);
		return MP_ERR_NOMEM;
	}
	for (uint32_t i = 0; i < pr->cap; i++) {
		pr->slot[i].pr = pr;
		pr->slot[i].id = i;
	}
	c->probe = pr;
	MP_INFO("origin probes: GET /api/v1/versions every %u ms (timeout %u ms), dead after %u misses in a row",
		c->cfg->origin_probe_interval_ms, c->cfg->origin_probe_timeout_ms, c->cfg->origin_probe_failures);
	return MP_OK;
}

void mp_origin_probe_stop(struct mp_control *c)
{
	struct mp_origin_probe *pr = c->probe;

	if (!pr)
		return;
	for (uint32_t i = 0; i < pr->cap; i++)
		if (pr->slot[i].conn)
			evhttp_connection_free(pr->slot[i].conn);
	free(pr->slot);
	free(pr);
	c->probe = NULL;
}
