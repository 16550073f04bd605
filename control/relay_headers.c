/* relay_headers.c: which request and response headers an HTTP stream relay forwards. */
#include "http_hop.h"
#include "player_relay.h"
#include "http_route.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

/* Hop-by-hop fields, fixed or named by this message's Connection header, stay on their hop. */
static int skip(const struct evkeyvalq *h, const char *name)
{
	return mp_http_hop_by_hop(name, evhttp_find_header(h, "Connection"));
}

void mp_player_relay_copy_request_headers(const struct evkeyvalq *from, struct evkeyvalq *to, const char *client_ip,
				   int playlist)
{
	const struct evkeyval *kv;
	const char *xff = NULL;

	for (kv = from->tqh_first; kv; kv = kv->next.tqe_next) {
		if (skip(from, kv->key))
			continue;
		if (!strcasecmp(kv->key, "X-Forwarded-For")) {
			xff = kv->value;
			continue;
		}
		/* a playlist is rewritten: ask for it whole and uncompressed */
		if (playlist && (!strcasecmp(kv->key, "Accept-Encoding") || !strcasecmp(kv->key, "Range") ||
				 !strcasecmp(kv->key, "If-Range")))
			continue;
		evhttp_add_header(to, kv->key, kv->value);
	}
	if (client_ip && *client_ip) {
		char v[1024];

		if (xff && snprintf(v, sizeof(v), "%s, %s", xff, client_ip) < (int)sizeof(v))
			evhttp_add_header(to, "X-Forwarded-For", v);
		else
			evhttp_add_header(to, "X-Forwarded-For", client_ip);
	}
	/* one request per origin connection: the relay ends with the response */
	evhttp_add_header(to, "Connection", "close");
}

void mp_player_relay_copy_response_headers(const struct evkeyvalq *from, struct evkeyvalq *to, int playlist)
{
	const struct evkeyval *kv;

	for (kv = from->tqh_first; kv; kv = kv->next.tqe_next) {
		if (skip(from, kv->key))
			continue;
		if (playlist && !strcasecmp(kv->key, "Content-Length"))
			continue;
		evhttp_add_header(to, kv->key, kv->value);
	}
}

void mp_player_relay_add_cors(struct evkeyvalq *out)
{
	/* proxy/utils.go apiCORS: every answer allows any origin (players fetch segments cross-origin);
	 * an origin's own policy, when it sent one, is kept instead (two would make browsers refuse). */
	if (evhttp_find_header(out, "Access-Control-Allow-Origin"))
		return;
	evhttp_add_header(out, "Access-Control-Allow-Origin", "*");
	evhttp_add_header(out, "Access-Control-Allow-Headers", "*");
	evhttp_add_header(out, "Access-Control-Allow-Methods", "*");
}
