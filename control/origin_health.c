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

/* o has the address host (canonical text, either family) and, when port is not 0, an endpoint host:port. */
static bool origin_at(const struct mp_lb_origin *o, const char *host, uint16_t port)
{
	char h[MP_LB_HOST_MAX];

	if (port == 0) {
		if (o->ip_v6)
			mp_ipv6_format(o->ip6, h, sizeof(h));
		else
			mp_ipv4_format(o->ipv4, h, sizeof(h));
		return !strcmp(h, host);
	}
	for (int p = 0; p < MP_PROTO__COUNT; p++)
		for (unsigned i = 0; i < o->n_ep[p]; i++) {
			uint16_t eport;

			if (mp_lb_origin_endpoint_host(o, (enum mp_reg_proto)p, i, h, &eport) == MP_OK && eport == port &&
			    !strcmp(h, host))
				return true;
		}
	return false;
}

/* name as an address ("198.18.0.5", "2001:db8::1") or an endpoint ("198.18.0.5:1935",
 * "[2001:db8::1]:1935") in canonical text; false when it is neither. */
static bool name_address(const char *name, size_t len, char host[MP_LB_HOST_MAX], uint16_t *port)
{
	struct mp_endpoint ep;
	uint8_t ip6[16];
	uint32_t ip;

	*port = 0;
	if (mp_ipv4_parse(name, len, &ip) == MP_OK)
		return mp_ipv4_format(ip, host, MP_LB_HOST_MAX) > 0;
	if (mp_ipv6_parse(name, len, ip6) == MP_OK)
		return mp_ipv6_format(ip6, host, MP_LB_HOST_MAX) > 0;
	if (mp_endpoint_parse(name, len, &ep) != MP_OK || (!ep.v6 && ep.ipv4 == 0))
		return false;
	*port = ep.port;
	return (ep.v6 ? mp_ipv6_format(ep.ip6, host, MP_LB_HOST_MAX) : mp_ipv4_format(ep.ipv4, host, MP_LB_HOST_MAX)) > 0;
}

int mp_origin_lookup(struct mp_control *c, const char *name, char *key, size_t cap)
{
	const struct mp_lb_origin *o = NULL;
	size_t len = strlen(name);
	char *end;

	if (!c->lb || len == 0)
		return MP_ERR_NOTFOUND;
	if (strspn(name, "0123456789") == len && len < 10) {
		o = mp_lb_origin_get(c->lb, (uint32_t)strtoul(name, &end, 10));
	} else if ((o = mp_lb_origin_find(c->lb, name)) == NULL) {
		char host[MP_LB_HOST_MAX];
		uint16_t port = 0;
		int found = 0;

		if (!name_address(name, len, host, &port))
			return MP_ERR_NOTFOUND;
		for (uint32_t id = 0, lim = mp_lb_origin_id_limit(c->lb); id < lim; id++) {
			const struct mp_lb_origin *x = mp_lb_origin_get(c->lb, id);

			if (x && origin_at(x, host, port)) {
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
