/* endpoint.h: origin endpoint strings as SRS sends them ("1935", "ip:port", "udp://0.0.0.0:8000"). */
#ifndef MP_PROTO_ENDPOINT_H
#define MP_PROTO_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>

enum mp_endpoint_scheme { MP_EP_ANY = 0, MP_EP_TCP, MP_EP_UDP };

/* One parsed endpoint. ipv4 == 0 means "unspecified" (bare port, 0.0.0.0): use the origin's ip. */
struct mp_endpoint {
	uint32_t ipv4;  /* host byte order; 0 when absent or 0.0.0.0 */
	uint16_t port;  /* 1..65535 */
	uint8_t scheme; /* enum mp_endpoint_scheme */
};

/* Parse one endpoint string of len bytes. Accepted forms: "1935", ":1935", "127.0.0.1:11935",
 * "udp://8000", "udp://0.0.0.0:8000", "tcp://ip:port", "udp:ip:port", "tcp:port".
 * Returns MP_OK or MP_ERR_INVAL (bad form, port 0 or > 65535, bad address). */
int mp_endpoint_parse(const char *s, size_t len, struct mp_endpoint *out);

/* The address to reach: ep->ipv4 if set, else origin_ipv4 (both host order). */
static inline uint32_t mp_endpoint_ip(const struct mp_endpoint *ep, uint32_t origin_ipv4)
{
	return ep->ipv4 ? ep->ipv4 : origin_ipv4;
}

/* Parse a dotted-quad IPv4 address of exactly len bytes into *out (host order). Strict: four
 * decimal octets 0..255, no leading zeros ("010" could be octal), no sign, no spaces.
 * Returns MP_OK or MP_ERR_INVAL. Shared by the registration, SDP and stream-URL parsers. */
int mp_ipv4_parse(const char *s, size_t len, uint32_t *out);

/* Format ip (host order) as "a.b.c.d" plus NUL; returns the length or MP_ERR_NOSPACE (cap >= 16 always fits). */
int mp_ipv4_format(uint32_t ip, char *out, size_t cap);

/* Format as "a.b.c.d:port" (or "port" when ipv4 is 0); returns length or MP_ERR_NOSPACE. */
int mp_endpoint_format(const struct mp_endpoint *ep, char *out, size_t cap);

#endif
