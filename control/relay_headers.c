/* relay_headers.c: the one header policy of every relay to an origin (see relay_headers.h for the rules). */
#include "relay_headers.h"
#include "config.h"
#include "hop_guard.h"
#include "http_hop.h"
#include "http_util.h"

#include <arpa/inet.h>
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
	    !strcasecmp(k, "X-Forwarded-For") || !strcasecmp(k, "Forwarded") || !strcasecmp(k, "X-Real-IP"))
		return true;
	if (!strcasecmp(k, "Authorization"))
		return o->cfg && mp_http_is_own_token(kv->value, o->cfg);
	return o->rewritten && (!strcasecmp(k, "Accept-Encoding") || !strcasecmp(k, "Range") || !strcasecmp(k, "If-Range"));
}

bool mp_relay_peer_trusted(const struct mp_config *cfg, const char *peer)
{
	struct in_addr a;

	/* an empty list matches every address in mp_cidrs_match: here it means nobody */
	if (!cfg || !cfg->trusted_proxies.n || !peer || inet_pton(AF_INET, peer, &a) != 1)
		return false;
	return mp_cidrs_match(&cfg->trusted_proxies, ntohl(a.s_addr));
}

/* Every value of field name in h joined by ", " (RFC 9110 section 5.3) into out; false when there is
 * none or they do not fit. */
static bool joined(const struct evkeyvalq *h, const char *name, char *out, size_t cap)
{
	const struct evkeyval *kv;
	size_t n = 0;

	for (kv = h->tqh_first; kv; kv = kv->next.tqe_next) {
		int w;

		if (strcasecmp(kv->key, name) || !*kv->value)
			continue;
		w = snprintf(out + n, cap - n, "%s%s", n ? ", " : "", kv->value);
		if (w < 0 || (size_t)w >= cap - n)
			return false;
		n += (size_t)w;
	}
	return n > 0;
}

/* The client's address towards the origin: X-Forwarded-For (the de-facto header SRS reads, first
 * entry: srs_get_original_ip), Forwarded (RFC 7239 section 4, "for=" node, IPv6 quoted and bracketed
 * per section 6) and X-Real-IP. A trusted peer's chain is kept and ours appended; anyone else's is
 * replaced, or a client could name any address to an origin's hooks and allow-lists. */
static void add_forwarding(const struct evkeyvalq *in, struct evkeyvalq *out, const struct mp_relay_request_opts *o)
{
	bool trusted = mp_relay_peer_trusted(o->cfg, o->client_ip);
	bool v6 = strchr(o->client_ip, ':') != NULL;
	char chain[MP_RELAY_XFF_MAX], v[MP_RELAY_XFF_MAX], node[80];
	const char *real;

	if (trusted && joined(in, "X-Forwarded-For", chain, sizeof(chain)) &&
	    (size_t)snprintf(v, sizeof(v), "%s, %s", chain, o->client_ip) < sizeof(v))
		evhttp_add_header(out, "X-Forwarded-For", v);
	else
		evhttp_add_header(out, "X-Forwarded-For", o->client_ip);
	snprintf(node, sizeof(node), v6 ? "for=\"[%s]\"" : "for=%s", o->client_ip);
	if (trusted && joined(in, "Forwarded", chain, sizeof(chain)) &&
	    (size_t)snprintf(v, sizeof(v), "%s, %s", chain, node) < sizeof(v))
		evhttp_add_header(out, "Forwarded", v);
	else
		evhttp_add_header(out, "Forwarded", node);
	real = trusted ? evhttp_find_header(in, "X-Real-IP") : NULL;
	evhttp_add_header(out, "X-Real-IP", real && *real ? real : o->client_ip);
}

void mp_relay_request_headers(const struct evkeyvalq *in, struct evkeyvalq *out, const struct mp_relay_request_opts *o)
{
	const char *connection = evhttp_find_header(in, "Connection");
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
	if (o->client_ip && *o->client_ip && strlen(o->client_ip) < 64)
		add_forwarding(in, out, o);
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
