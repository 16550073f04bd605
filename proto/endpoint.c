/* endpoint.c: parse and format origin endpoint strings ("1935", "ip:port", "udp://0.0.0.0:8000",
 * "[2001:db8::1]:1935"). */
#include "endpoint.h"
#include "mp_error.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Decimal number of 1..max_digits digits, no leading zero unless it is "0"; MP_OK or MP_ERR_INVAL. */
static int parse_dec(const char *s, size_t len, size_t max_digits, uint32_t *out)
{
	uint32_t v = 0;

	if (len == 0 || len > max_digits || (len > 1 && s[0] == '0'))
		return MP_ERR_INVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return MP_ERR_INVAL;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	*out = v;
	return MP_OK;
}

int mp_ipv4_parse(const char *s, size_t len, uint32_t *out)
{
	uint32_t ip = 0;
	size_t pos = 0;

	if (!s || !out)
		return MP_ERR_INVAL;
	for (int octet = 0; octet < 4; octet++) {
		size_t start = pos;
		uint32_t v;

		while (pos < len && s[pos] != '.')
			pos++;
		if (parse_dec(s + start, pos - start, 3, &v) != MP_OK || v > 255)
			return MP_ERR_INVAL;
		ip = ip << 8 | v;
		if (octet < 3) {
			if (pos >= len) /* fewer than four octets */
				return MP_ERR_INVAL;
			pos++; /* the dot */
		}
	}
	if (pos != len)
		return MP_ERR_INVAL;
	*out = ip;
	return MP_OK;
}

int mp_ipv4_format(uint32_t ip, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);

	if (n < 0 || (size_t)n >= cap)
		return MP_ERR_NOSPACE;
	return n;
}

int mp_ipv6_parse(const char *s, size_t len, uint8_t out[16])
{
	char buf[48];

	if (!s || !out || len < 2 || len >= sizeof(buf))
		return MP_ERR_INVAL;
	for (size_t i = 0; i < len; i++) /* hex digits, ':' and an embedded IPv4's '.': no zone, no space */
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F') ||
		      s[i] == ':' || s[i] == '.'))
			return MP_ERR_INVAL;
	memcpy(buf, s, len);
	buf[len] = 0;
	return inet_pton(AF_INET6, buf, out) == 1 ? MP_OK : MP_ERR_INVAL;
}

int mp_ipv6_format(const uint8_t ip6[16], char *out, size_t cap)
{
	if (!inet_ntop(AF_INET6, ip6, out, (socklen_t)cap))
		return MP_ERR_NOSPACE;
	return (int)strlen(out);
}

static const uint8_t any6[16];
static const char *const tls_schemes[] = { "tls://", "https://", "rtmps://" };
static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

int mp_endpoint_host(const struct mp_endpoint *ep, uint32_t origin_ipv4, const uint8_t *origin_ip6, char *out,
		     size_t cap)
{
	if (ep->v6)
		return mp_ipv6_format(ep->ip6, out, cap);
	if (ep->ipv4)
		return mp_ipv4_format(ep->ipv4, out, cap);
	if (origin_ip6)
		return mp_ipv6_format(origin_ip6, out, cap);
	return mp_ipv4_format(origin_ipv4, out, cap); /* "0.0.0.0" too, as the IPv4-only code always did */
}

/* Grammar: [("tcp" | "udp") ("://" | ":")] [[ipv4 | "[" ipv6 "]"] ":"] port, port 1..65535 without
 * leading zeros. */
int mp_endpoint_parse(const char *s, size_t len, struct mp_endpoint *out)
{
	struct mp_endpoint ep = { .scheme = MP_EP_ANY };
	const char *colon = NULL;
	bool bracketed = false;
	uint32_t port;

	if (!s || !out || len == 0)
		return MP_ERR_INVAL;
	for (size_t k = 0; k < sizeof(tls_schemes) / sizeof(tls_schemes[0]); k++) {
		size_t n = strlen(tls_schemes[k]);

		if (len > n && !memcmp(s, tls_schemes[k], n)) {
			ep.scheme = MP_EP_TLS;
			s += n;
			len -= n;
			break;
		}
	}
	if (ep.scheme == MP_EP_ANY && len >= 4 && (memcmp(s, "tcp:", 4) == 0 || memcmp(s, "udp:", 4) == 0)) {
		ep.scheme = s[0] == 't' ? MP_EP_TCP : MP_EP_UDP;
		s += 4;
		len -= 4;
		if (len >= 2 && s[0] == '/' && s[1] == '/') {
			s += 2;
			len -= 2;
		}
	}
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		size_t host_len = close ? (size_t)(close - s - 1) : 0;

		if (!close || (size_t)(close - s) + 1 >= len || close[1] != ':' ||
		    mp_ipv6_parse(s + 1, host_len, ep.ip6) != MP_OK)
			return MP_ERR_INVAL;
		if (!memcmp(ep.ip6, v4mapped, 12)) /* [::ffff:a.b.c.d] is that IPv4 address */
			ep.ipv4 = (uint32_t)ep.ip6[12] << 24 | (uint32_t)ep.ip6[13] << 16 | (uint32_t)ep.ip6[14] << 8 | ep.ip6[15];
		else if (memcmp(ep.ip6, any6, 16))
			ep.v6 = 1; /* [::] is unspecified, as 0.0.0.0 */
		if (!ep.v6)
			memset(ep.ip6, 0, 16);
		len -= host_len + 3;
		s = close + 2;
		bracketed = true;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] == ':') {
			if (colon || bracketed) /* "a:b:c" after the scheme: not a form we know */
				return MP_ERR_INVAL;
			colon = s + i;
		}
	}
	if (colon) {
		size_t host_len = (size_t)(colon - s);

		if (host_len > 0 && mp_ipv4_parse(s, host_len, &ep.ipv4) != MP_OK)
			return MP_ERR_INVAL;
		len -= host_len + 1;
		s = colon + 1;
	}
	if (parse_dec(s, len, 5, &port) != MP_OK || port == 0 || port > 65535)
		return MP_ERR_INVAL;
	ep.port = (uint16_t)port;
	*out = ep;
	return MP_OK;
}

int mp_endpoint_format(const struct mp_endpoint *ep, char *out, size_t cap)
{
	char ip[48];
	int n;

	const char *tls = ep && ep->scheme == MP_EP_TLS ? "tls://" : "";

	if (!ep || !out)
		return MP_ERR_INVAL;
	if (ep->v6) {
		mp_ipv6_format(ep->ip6, ip, sizeof(ip));
		n = snprintf(out, cap, "%s[%s]:%u", tls, ip, ep->port);
	} else if (ep->ipv4) {
		mp_ipv4_format(ep->ipv4, ip, sizeof(ip));
		n = snprintf(out, cap, "%s%s:%u", tls, ip, ep->port);
	} else {
		n = snprintf(out, cap, "%s%u", tls, ep->port);
	}
	if (n < 0 || (size_t)n >= cap)
		return MP_ERR_NOSPACE;
	return n;
}
