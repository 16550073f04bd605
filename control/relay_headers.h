/* relay_headers.h: the one header policy of every relay to an origin (the HTTP API's WHIP/WHEP relay and
 * the HTTP stream's player relay): what goes from the client to the origin and back. */
#ifndef MP_RELAY_HEADERS_H
#define MP_RELAY_HEADERS_H

#include <stdbool.h>

struct evkeyvalq;
struct mp_config;

/* How one relay asks its origin. */
struct mp_relay_request_opts {
	const char *client_ip;        /* the peer's address: X-Forwarded-For, Forwarded, X-Real-IP; NULL or "": none */
	const char *host;             /* Host when the client sent none (HTTP/1.0): the origin's "ip:port";
				       * NULL: none added */
	bool rewritten;               /* the relay rewrites the answer (playlist, SDP): ask for it whole
				       * and uncompressed */
	const struct mp_config *cfg;  /* holds the appliance's own bearer token (NULL: none to hold back) */
};

/* Copy the client's request headers in to the origin request out:
 * - hop-by-hop fields (RFC 9110 section 7.6.1: the fixed ones and those the client's Connection names)
 *   stay on the client's hop; out gets "Connection: close" (one request per origin connection);
 * - Authorization carrying the appliance's own bearer token (api_auth_token) stays here: it is ours,
 *   not the origin's (commit 57cb0de); any other Authorization goes on (an origin may want its own);
 * - Expect is dropped: the appliance answered it, and the relay sends the body whole;
 * - Content-Length is dropped: the relay frames the body it sends itself;
 * - Via: the client's entries go on, then ours ("1.1 mediaplane-<node_id>", hop_guard.h) as a field
 *   of its own, so the appliance knows its own request when it comes back;
 * - client identity (docs/config.md "Client identity towards origins"): from a peer in
 *   trusted_proxies, X-Forwarded-For and Forwarded are the peer's values (all lines joined) with
 *   client_ip appended ("for=" node in Forwarded, RFC 7239), X-Real-IP the peer's or client_ip;
 *   from any other peer the three are replaced: X-Forwarded-For: client_ip, Forwarded: for=client_ip,
 *   X-Real-IP: client_ip. So SRS (which takes the FIRST X-Forwarded-For entry as the client for its
 *   hooks, statistics and allow-lists) sees the real client and no client can name another address.
 *   A chain past MP_RELAY_XFF_MAX bytes keeps only client_ip;
 * - for a rewritten answer Accept-Encoding, Range and If-Range are dropped;
 * - Host is kept, or set to host when the client sent none;
 * - every other field goes on unchanged, in the client's order. */
#define MP_RELAY_XFF_MAX 1024
void mp_relay_request_headers(const struct evkeyvalq *in, struct evkeyvalq *out, const struct mp_relay_request_opts *o);

/* True when peer (a dotted IPv4 address) is in cfg's trusted_proxies (an empty list trusts nobody). */
bool mp_relay_peer_trusted(const struct mp_config *cfg, const char *peer);

/* How one relay answers its client. */
struct mp_relay_response_opts {
	bool rewritten;     /* the body changes length: no Content-Length (the reply frames it) */
	bool own_cors;      /* the listener answers CORS itself (HTTP API): the origin's Access-Control-*
			     * fields are dropped, or browsers would see two */
	bool location_back; /* Location is made to point back at the appliance (mp_http_location_target) */
};

/* Copy the origin's response headers in to the client's reply out: every field but hop-by-hop ones,
 * and as o says. */
void mp_relay_response_headers(const struct evkeyvalq *in, struct evkeyvalq *out, const struct mp_relay_response_opts *o);

/* Allow any origin (CORS, as proxy/utils.go apiCORS) unless out already has Access-Control-Allow-Origin
 * (an origin's own policy is kept: two would make browsers refuse). */
void mp_relay_add_cors(struct evkeyvalq *out);

#endif
