/* hop_guard.c: the appliance's hop marker, and 508 for an HTTP request that already went through it. */
#include "hop_guard.h"
#include "control.h"
#include "hop_marker.h"
#include "http_util.h"
#include "mp_clock.h"
#include "mp_log.h"
#include "peer_addr.h"

#include <stdio.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

static char hop_name[MP_HOP_NAME_MAX], hop_via[MP_HOP_NAME_MAX + 4];

void mp_hop_init(const char *node_id)
{
	if (node_id && *node_id) {
		snprintf(hop_name, sizeof(hop_name), "mediaplane-%.*s", MP_HOP_NAME_MAX - 12, node_id);
	} else {
		uint8_t r[8];

		evutil_secure_rng_get_bytes(r, sizeof(r));
		snprintf(hop_name, sizeof(hop_name), "mediaplane-%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2],
			 r[3], r[4], r[5], r[6], r[7]);
	}
	snprintf(hop_via, sizeof(hop_via), "1.1 %s", hop_name);
}

const char *mp_hop_name(void)
{
	if (!hop_name[0])
		mp_hop_init(NULL);
	return hop_name;
}

const char *mp_hop_via(void)
{
	if (!hop_name[0])
		mp_hop_init(NULL);
	return hop_via;
}

void mp_hop_loop_seen(struct mp_control *c, const char *what)
{
	static uint64_t last_ms;
	uint64_t now = mp_now_ms();

	c->stats.loops_refused++;
	if (now - last_ms >= 1000 || !last_ms) {
		last_ms = now;
		MP_WARN("loop refused: %s already went through this appliance (%s); %lu loop(s) refused so far",
			what, mp_hop_name(), (unsigned long)c->stats.loops_refused);
	}
}

bool mp_hop_http_refused(struct mp_control *c, struct evhttp_request *req)
{
	const struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const struct evkeyval *kv;
	char what[96], client[MP_PEER_HOSTPORT_MAX], *peer = NULL;
	ev_uint16_t port = 0;

	for (kv = h->tqh_first; kv; kv = kv->next.tqe_next)
		if (!evutil_ascii_strcasecmp(kv->key, "Via") && mp_via_has(kv->value, strlen(kv->value), mp_hop_name()))
			break;
	if (!kv)
		return false;
	if (evhttp_request_get_connection(req))
		evhttp_connection_get_peer(evhttp_request_get_connection(req), &peer, &port);
	if (mp_peer_hostport(peer ? mp_peer_unmap(peer) : "?", port, client, sizeof(client)) < 0)
		snprintf(client, sizeof(client), "?");
	snprintf(what, sizeof(what), "HTTP request from %s", client);
	mp_hop_loop_seen(c, what);
	mp_http_reply_error(req, 508, "loop detected: this request already went through this appliance (its Via names it)");
	return true;
}
