/* endpoint.c: parse and format origin endpoint strings ("1935", "ip:port", "udp://0.0.0.0:8000"). */
#include "endpoint.h"
#include "mp_error.h"

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

/* Grammar: [("tcp" | "udp") ("://" | ":")] [[ipv4] ":"] port, port 1..65535 without leading zeros. */
int mp_endpoint_parse(const char *s, size_t len, struct mp_endpoint *out)
{
	struct mp_endpoint ep = { 0, 0, MP_EP_ANY };
	const char *colon = NULL;
	uint32_t port;

	if (!s || !out || len == 0)
		return MP_ERR_INVAL;
	if (len >= 4 && (memcmp(s, "tcp:", 4) == 0 || memcmp(s, "udp:", 4) == 0)) {
		ep.scheme = s[0] == 't' ? MP_EP_TCP : MP_EP_UDP;
		s += 4;
		len -= 4;
		if (len >= 2 && s[0] == '/' && s[1] == '/') {
			s += 2;
			len -= 2;
		}
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] == ':') {
			if (colon) /* "a:b:c" after the scheme: not a form we know */
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
	char ip[16];
	int n;

	if (!ep || !out)
		return MP_ERR_INVAL;
	if (ep->ipv4) {
		mp_ipv4_format(ep->ipv4, ip, sizeof(ip));
		n = snprintf(out, cap, "%s:%u", ip, ep->port);
	} else {
		n = snprintf(out, cap, "%u", ep->port);
	}
	if (n < 0 || (size_t)n >= cap)
		return MP_ERR_NOSPACE;
	return n;
}
