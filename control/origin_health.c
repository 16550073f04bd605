/* origin_health.c: mark origins down when relays cannot connect or probes get no answer; close a dead
 * origin's clients and data-plane sessions. */
#include "origin_health.h"
#include "control.h"
#include "endpoint.h"
#include "lb.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool mp_origin_suspect(struct mp_control *c, uint32_t id, uint32_t uid, const char *what)
{
	const struct mp_lb_origin *o;

	if (!c->lb || mp_lb_origin_mark_down(c->lb, id, uid, mp_now_ms(), false) != MP_OK)
		return false;
	c->stats.origins_suspected++;
	o = mp_lb_origin_get(c->lb, id);
	MP_WARN("origin %s (id %u) down: %s; new streams go elsewhere", o ? o->key : "?", id, what);
	return true;
}

void mp_origin_health_tick(struct mp_control *c, uint64_t now)
{
	(void)now;
	for (uint32_t id = 0, lim = c->lb ? mp_lb_origin_id_limit(c->lb) : 0; id < lim; id++) {
		uint32_t n = mp_lb_origin_silent_take(c->lb, id);
		const struct mp_lb_origin *o;
		char what[96];

		if (n == 0 || !(o = mp_lb_origin_get(c->lb, id)))
			continue;
		snprintf(what, sizeof(what), "%u SRT handshake(s) it never answered", n);
		mp_origin_suspect(c, id, o->uid, what);
	}
}

/* End the data-plane sessions towards origin id (the control plane runs on an lcore, so it may
 * write sessions; the session lock serialises it with the workers). */
static uint32_t end_sessions(struct mp_control *c, uint32_t id)
{
	uint32_t n = 0, cap = mp_lb_config(c->lb)->max_sessions;
	uint64_t now = mp_now_ms();

	for (uint32_t i = mp_lb_session_next(c->lb, 0); i < cap; i = mp_lb_session_next(c->lb, i + 1)) {
		struct mp_lb_session *s = mp_lb_session_at(c->lb, i);

		if (s && s->origin_id == id && mp_lb_session_close(c->lb, s, now) == MP_OK)
			n++;
	}
	return n;
}

void mp_origin_dead(struct mp_control *c, uint32_t id, uint32_t uid, const char *why)
{
	const struct mp_lb_origin *o;
	uint32_t clients = 0, sessions;
	char key[MP_LB_ORIGIN_KEY_MAX] = "?";

	if (!c->lb)
		return;
	o = mp_lb_origin_get(c->lb, id);
	if (!o || o->uid != uid)
		return;
	snprintf(key, sizeof(key), "%s", o->key);
	(void)mp_lb_origin_mark_down(c->lb, id, uid, mp_now_ms(), true);
	c->stats.origins_dead++;
	for (size_t i = 0; i < c->n_listeners; i++)
		if (c->listeners[i]->origin_down && c->state[c->listeners[i]->slot])
			clients += c->listeners[i]->origin_down(c, id, uid);
	sessions = end_sessions(c, id);
	MP_WARN("origin %s (id %u) dead: %s; closed %u clients and %u data-plane sessions", key, id, why, clients,
		sessions);
}

/* o has the address ip (and, when port is not 0, an endpoint ip:port). */
static bool origin_at(const struct mp_lb_origin *o, uint32_t ip, uint16_t port)
{
	if (port == 0)
		return o->ipv4 == ip;
	for (int p = 0; p < MP_PROTO__COUNT; p++)
		for (unsigned i = 0; i < o->n_ep[p]; i++) {
			uint32_t eip;
			uint16_t eport;

			if (mp_lb_origin_endpoint(o, (enum mp_reg_proto)p, i, &eip, &eport) == MP_OK && eip == ip &&
			    eport == port)
				return true;
		}
	return false;
}

int mp_origin_lookup(struct mp_control *c, const char *name, char *key, size_t cap)
{
	const struct mp_lb_origin *o = NULL;
	struct mp_endpoint ep;
	size_t len = strlen(name);
	char *end;

	if (!c->lb || len == 0)
		return MP_ERR_NOTFOUND;
	if (strspn(name, "0123456789") == len && len < 10) {
		o = mp_lb_origin_get(c->lb, (uint32_t)strtoul(name, &end, 10));
	} else if ((o = mp_lb_origin_find(c->lb, name)) == NULL) {
		uint32_t ip = 0;
		uint16_t port = 0;
		int found = 0;

		if (mp_ipv4_parse(name, len, &ip) != MP_OK) {
			if (mp_endpoint_parse(name, len, &ep) != MP_OK || ep.ipv4 == 0)
				return MP_ERR_NOTFOUND;
			ip = ep.ipv4;
			port = ep.port;
		}
		for (uint32_t id = 0, lim = mp_lb_origin_id_limit(c->lb); id < lim; id++) {
			const struct mp_lb_origin *x = mp_lb_origin_get(c->lb, id);

			if (x && origin_at(x, ip, port)) {
				o = x;
				found++;
			}
		}
		if (found > 1)
			return MP_ERR_EXISTS;
	}
	if (!o)
		return MP_ERR_NOTFOUND;
	snprintf(key, cap, "%s", o->key);
	return MP_OK;
}
