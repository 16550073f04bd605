/* relay_headers.c: the one header policy of every relay to an origin (see relay_headers.h for the rules). */
#include "relay_headers.h"
#include "hop_guard.h"
#include "http_hop.h"
#include "http_util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

/* Fields of the request this relay sets itself, or holds back, whatever the rest of the policy says. */
static bool request_skip(const struct mp_relay_request_opts *o, const struct evkeyval *kv, const char *connection)
{
	const char *k = kv->key;

	if (mp_http_hop_by_hop(k, connection) || !strcasecmp(k, "Expect") || !strcasecmp(k, "Content-Length") ||
	    !strcasecmp(k, "X-Forwarded-For"))
		return true;
	if (!strcasecmp(k, "Authorization"))
		return o->cfg && mp_http_is_own_token(kv->value, o->cfg);
	return o->rewritten && (!strcasecmp(k, "Accept-Encoding") || !strcasecmp(k, "Range") || !strcasecmp(k, "If-Range"));
}

void mp_relay_request_headers(const struct evkeyvalq *in, struct evkeyvalq *out, const struct mp_relay_request_opts *o)
{
	const char *connection = evhttp_find_header(in, "Connection");
	const char *xff = evhttp_find_header(in, "X-Forwarded-For");
	const struct evkeyval *kv;

	for (kv = in->tqh_first; kv; kv = kv->next.tqe_next)
		if (!request_skip(o, kv, connection))
			evhttp_add_header(out, kv->key, kv->value);
	if (o->host && *o->host && !evhttp_find_header(out, "Host")) /* RFC 9112 section 3.2 */
		evhttp_add_header(out, "Host", o->host);
	/* One request per origin connection: the relay ends with the answer, and libevent frees the
	 * connection then instead of keeping an idle one nobody reuses. */
	evhttp_add_header(out, "Connection", "close");
	/* Our hop after the client's Via entries (RFC 9110 section 7.6.3): if this request comes back to
	 * us, by whatever way, the listener answers 508 instead of relaying it again (hop_guard.h). */
	evhttp_add_header(out, "Via", mp_hop_via());
	if (o->client_ip && *o->client_ip) {
		char v[MP_RELAY_XFF_MAX];

		if (xff && (size_t)snprintf(v, sizeof(v), "%s, %s", xff, o->client_ip) < sizeof(v))
			evhttp_add_header(out, "X-Forwarded-For", v);
		else
			evhttp_add_header(out, "X-Forwarded-For", o->client_ip);
	}
}

void mp_relay_response_headers(const struct evkeyvalq *in, struct evkeyvalq *out, const struct mp_relay_response_opts *o)
{
	const char *connection = evhttp_find_header(in, "Connection");
	const struct evkeyval *kv;
	char target[2048];

	for (kv = in->tqh_first; kv; kv = kv->next.tqe_next) {
		if (mp_http_hop_by_hop(kv->key, connection))
			continue;
		if (o->rewritten && !strcasecmp(kv->key, "Content-Length"))
			continue;
		if (o->own_cors && !strncasecmp(kv->key, "Access-Control-", 15))
			continue;
		if (o->location_back && !strcasecmp(kv->key, "Location") &&
		    mp_http_location_target(kv->value, strlen(kv->value), target, sizeof(target)) >= 0) {
			evhttp_add_header(out, kv->key, target);
			continue;
		}
		evhttp_add_header(out, kv->key, kv->value);
	}
}

void mp_relay_add_cors(struct evkeyvalq *out)
{
	if (evhttp_find_header(out, "Access-Control-Allow-Origin"))
		return;
	evhttp_add_header(out, "Access-Control-Allow-Origin", "*");
	evhttp_add_header(out, "Access-Control-Allow-Headers", "*");
	evhttp_add_header(out, "Access-Control-Allow-Methods", "*");
}
