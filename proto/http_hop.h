/* http_hop.h: what an HTTP relay forwards: hop-by-hop headers (RFC 9110) and the resource Location. */
#ifndef MP_PROTO_HTTP_HOP_H
#define MP_PROTO_HTTP_HOP_H

#include <stdbool.h>
#include <stddef.h>

/* True when the header named name (any case) belongs to one connection and must not be relayed
 * (RFC 9110 section 7.6.1): Connection, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding,
 * Upgrade, or any field named in the Connection header's value connection (comma-separated
 * tokens with optional whitespace; may be NULL). */
bool mp_http_hop_by_hop(const char *name, const char *connection);

/* The request target under which a client reaches the resource an origin named in Location
 * (RFC 9110 section 10.2.2, a URI reference). An absolute "http://" or "https://" URI, or a
 * network-path reference "//authority/...", names the origin itself, which the client cannot reach:
 * it becomes its path and query ("/" when empty), so the client comes back to the appliance.
 * Anything else (an absolute path "/p?q", a relative path "p") is kept as it is.
 * Writes the target (NUL-terminated) into out and returns its length; MP_ERR_INVAL for an empty
 * value or one holding control characters or spaces (RFC 3986 section 2), MP_ERR_NOSPACE. */
int mp_http_location_target(const char *loc, size_t len, char *out, size_t cap);

#endif
