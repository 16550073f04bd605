/* endpoint.h: origin endpoint strings as SRS sends them ("1935", "ip:port", "udp://0.0.0.0:8000",
 * "[2001:db8::1]:1935"), and the addresses of either family they name. */
#ifndef MP_PROTO_ENDPOINT_H
#define MP_PROTO_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>

/* MP_EP_TLS: TCP with TLS ("tls://", "https://", "rtmps://"): SRS's heartbeat registers no TLS port,
 * so an origin is reached over TLS only where its endpoint says so (CLI, default backend, or a
 * registrant other than SRS's heartbeat). */
enum mp_endpoint_scheme { MP_EP_ANY = 0, MP_EP_TCP, MP_EP_UDP, MP_EP_TLS };

/* One parsed endpoint. Unspecified (bare port, 0.0.0.0, [::]): ipv4 0 and v6 0, use the origin's
 * address. An IPv6 address: v6 1, ip6 set, ipv4 0 (IPv4-only readers, the data plane, see none). */
struct mp_endpoint {
	uint32_t ipv4;  /* host byte order; 0 when absent, 0.0.0.0 or IPv6 */
	uint16_t port;  /* 1..65535 */
	uint8_t scheme; /* enum mp_endpoint_scheme */
	uint8_t v6;     /* 1: the address is ip6 */
	uint8_t ip6[16]; /* network order, when v6 */
};

/* Parse one endpoint string of len bytes. Accepted forms: "1935", ":1935", "127.0.0.1:11935",
 * "udp://8000", "udp://0.0.0.0:8000", "tcp://ip:port", "udp:ip:port", "tcp:port", the TLS schemes
 * "tls://", "https://" and "rtmps://" (MP_EP_TLS, "://" form only), and an IPv6
 * address in brackets wherever an IPv4 one may stand ("[2001:db8::1]:1935", "udp://[::]:8000").
 * Returns MP_OK or MP_ERR_INVAL (bad form, port 0 or > 65535, bad address). */
int mp_endpoint_parse(const char *s, size_t len, struct mp_endpoint *out);

/* The IPv4 address to reach: ep->ipv4 if set, else origin_ipv4 (both host order); 0 when the
 * endpoint is IPv6 (or the origin has no IPv4 address). */
static inline uint32_t mp_endpoint_ip(const struct mp_endpoint *ep, uint32_t origin_ipv4)
{
	return ep->v6 ? 0 : ep->ipv4 ? ep->ipv4 : origin_ipv4;
}

/* The address to reach as text for a socket API (no brackets: "198.18.0.5", "2001:db8::1"): the
 * endpoint's own, else the origin's (origin_ip6 when it is not NULL, else origin_ipv4, even 0.0.0.0).
 * Returns the length or MP_ERR_NOSPACE (cap >= 46 always fits). */
int mp_endpoint_host(const struct mp_endpoint *ep, uint32_t origin_ipv4, const uint8_t *origin_ip6, char *out,
		     size_t cap);

/* Parse an IPv6 address (RFC 4291 section 2.2 text, no brackets, no zone) of exactly len bytes into
 * out[16] (network order). Returns MP_OK or MP_ERR_INVAL. */
int mp_ipv6_parse(const char *s, size_t len, uint8_t out[16]);

/* Format ip6 (RFC 5952 text, no brackets) plus NUL; returns the length or MP_ERR_NOSPACE (46 fits). */
int mp_ipv6_format(const uint8_t ip6[16], char *out, size_t cap);

/* Parse a dotted-quad IPv4 address of exactly len bytes into *out (host order). Strict: four
 * decimal octets 0..255, no leading zeros ("010" could be octal), no sign, no spaces.
 * Returns MP_OK or MP_ERR_INVAL. Shared by the registration, SDP and stream-URL parsers. */
int mp_ipv4_parse(const char *s, size_t len, uint32_t *out);

/* Format ip (host order) as "a.b.c.d" plus NUL; returns the length or MP_ERR_NOSPACE (cap >= 16 always fits). */
int mp_ipv4_format(uint32_t ip, char *out, size_t cap);

/* Format as "a.b.c.d:port", "[v6]:port" (or "port" when unspecified), after "tls://" for MP_EP_TLS;
 * returns length or MP_ERR_NOSPACE. */
int mp_endpoint_format(const struct mp_endpoint *ep, char *out, size_t cap);

#endif
