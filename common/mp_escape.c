/* mp_escape.c: escape what the network sent before it reaches a log line or a terminal. */
#include "mp_escape.h"

#include <arpa/inet.h>
#include <string.h>

size_t mp_escape(const char *in, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (!cap)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)in[i];

		if (b >= 0x20 && b < 0x7f && b != '\\') {
			if (n + 1 >= cap)
				break;
			out[n++] = (char)b;
		} else if (b == '\\') {
			if (n + 2 >= cap)
				break;
			out[n++] = '\\';
			out[n++] = '\\';
		} else {
			if (n + 4 >= cap)
				break;
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[b >> 4];
			out[n++] = hex[b & 15];
		}
	}
	out[n] = 0;
	return n;
}

bool mp_has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return true;
	return false;
}

/* Length of the dotted quad (with ":port") at s, or 0. s[-1] is checked by the caller. */
static size_t ipv4_at(const char *s)
{
	size_t i = 0;

	for (int g = 0; g < 4; g++) {
		size_t d = 0;

		while (s[i + d] >= '0' && s[i + d] <= '9')
			d++;
		if (d < 1 || d > 3)
			return 0;
		i += d;
		if (g < 3) {
			if (s[i] != '.')
				return 0;
			i++;
		}
	}
	/* "1.2.3.4.5" or "1.2.3.45678" is something else (a version, a longer number) */
	if ((s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') || (s[i] >= '0' && s[i] <= '9'))
		return 0;
	if (s[i] == ':' && s[i + 1] >= '0' && s[i + 1] <= '9') {
		i++;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i;
}

static bool ipv6_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

/* Length of the IPv6 address at s ("[v6]" with ":port" if one follows, or a bare one), or 0. The
 * caller checks that s[-1] does not continue a word. */
static size_t ipv6_at(const char *s)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned char a[16];
	size_t i = s[0] == '[', n = 0, colons = 0;

	while (ipv6_char(s[i + n]) && n < sizeof(buf)) {
		colons += s[i + n] == ':';
		n++;
	}
	if (n >= sizeof(buf) || colons < 2)
		return 0;
	if (i && s[i + n] != ']')
		return 0;
	memcpy(buf, s + i, n);
	buf[n] = 0;
	if (inet_pton(AF_INET6, buf, a) != 1)
		return 0;
	if (!i)
		return n;
	n += 2; /* the brackets */
	if (s[n] == ':' && s[n + 1] >= '0' && s[n + 1] <= '9') {
		n++;
		while (s[n] >= '0' && s[n] <= '9')
			n++;
	}
	return n;
}

unsigned mp_redact_addrs(const char *in, char *out, size_t cap)
{
	static const char rep[] = MP_REDACTED_ADDR;
	unsigned hits = 0;
	size_t n = 0;

	if (!cap)
		return 0;
	for (size_t i = 0; in[i];) {
		char prev = i ? in[i - 1] : ' ';
		bool start = i == 0 || !((prev >= '0' && prev <= '9') || prev == '.');
		bool word = (prev >= '0' && prev <= '9') || (prev >= 'a' && prev <= 'z') || (prev >= 'A' && prev <= 'Z') ||
			    prev == ':' || prev == '.' || prev == '_';
		size_t a = word ? 0 : ipv6_at(in + i);

		if (!a && start)
			a = ipv4_at(in + i);

		if (a) {
			for (size_t k = 0; k < sizeof(rep) - 1 && n + 1 < cap; k++)
				out[n++] = rep[k];
			i += a;
			hits++;
			continue;
		}
		if (n + 1 < cap)
			out[n++] = in[i];
		i++;
	}
	out[n] = 0;
	return hits;
}
