/* peer_addr.h: a client's address as the control plane names and counts it, whichever family its
 * socket has. On a dual-stack listener (listen.h) an IPv4 client arrives as ::ffff:a.b.c.d: it is
 * named a.b.c.d everywhere (logs, X-Forwarded-For, RTMP client_ip=, allow-lists, limits). */
#ifndef MP_PEER_ADDR_H
#define MP_PEER_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr;

/* Longest text of an address (IPv6 with an embedded IPv4) plus NUL, and of "[address]:port". */
#define MP_PEER_HOST_MAX 46
#define MP_PEER_HOSTPORT_MAX 56

/* The address of sa (AF_INET or AF_INET6, v4-mapped IPv6 as IPv4) as text, no brackets, into
 * out[cap]; *port (if given) its port. false (out "?") for another family or a short sa. */
bool mp_peer_sockaddr(const struct sockaddr *sa, size_t salen, char *out, size_t cap, uint16_t *port);

/* The same for the peer of the connected socket fd. */
bool mp_peer_fd(int fd, char *out, size_t cap, uint16_t *port);

/* An address text from elsewhere (evhttp_connection_get_peer): past "::ffff:" when an IPv4 address
 * follows it, else host itself. NULL stays NULL. */
const char *mp_peer_unmap(const char *host);

/* The IPv4 address (host order) of text host, v4-mapped included; false for IPv6 and anything else. */
bool mp_peer_ipv4(const char *host, uint32_t *ipv4);

/* The key one client's connections are counted under (conn_max_per_ip): an IPv4 address as it is
 * (host order, below 2^32); an IPv6 address by its /64, a subscriber's prefix (RFC 6177), folded to
 * 64 bits at or above 2^32 so it never equals an IPv4 key. 0 for anything else. */
uint64_t mp_peer_key(const struct sockaddr *sa, size_t salen);

/* The same key folded to 32 bits for per-source tables of IPv4 keys (common/src_limit.h), from an
 * address text (evhttp's peer): an IPv4 address (v4-mapped included) as it is; an IPv6 one's /64
 * folded (it may share a bucket with an IPv4 address or another /64: a limit, never an identity).
 * 0 for anything else. */
uint32_t mp_peer_key32(const char *host);

/* "a.b.c.d:port" or "[v6]:port" for host (no brackets) into out; returns the length or -1. */
int mp_peer_hostport(const char *host, uint16_t port, char *out, size_t cap);

#endif
