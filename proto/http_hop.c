/* http_hop.c: hop-by-hop headers (RFC 9110 section 7.6.1) and WHIP resource Location targets. */
#include "http_hop.h"
#include "mp_error.h"

#include <string.h>
#include <strings.h>

/* RFC 9110 section 7.6.1 (and the Proxy-Connection and Keep-Alive fields it names as legacy), plus
 * Trailer and Proxy-Authenticate/-Authorization, which concern one hop only (sections 6.6.2, 11.7). */
static const char *const hop_fields[] = { "Connection", "Proxy-Connection", "Keep-Alive", "TE",
					  "Transfer-Encoding", "Upgrade", "Trailer", "Proxy-Authenticate",
					  "Proxy-Authorization" };

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Does the comma-separated token list value (RFC 9110 section 5.6.1) hold name (any case)? */
static bool list_has(const char *value, const char *name)
{
	size_t n = strlen(name);
	const char *p = value;

	while (*p) {
		const char *s, *e;

		while (is_ows(*p) || *p == ',')
			p++;
		s = p;
		while (*p && *p != ',')
			p++;
		e = p;
		while (e > s && is_ows(e[-1]))
			e--;
		if ((size_t)(e - s) == n && n > 0 && !strncasecmp(s, name, n))
			return true;
	}
	return false;
}

bool mp_http_hop_by_hop(const char *name, const char *connection)
{
	if (!name)
		return false;
	for (size_t i = 0; i < sizeof(hop_fields) / sizeof(hop_fields[0]); i++)
		if (!strcasecmp(name, hop_fields[i]))
			return true;
	return connection && list_has(connection, name);
}

static bool starts_nocase(const char *s, size_t len, const char *pfx)
{
	size_t n = strlen(pfx);

	return len >= n && !strncasecmp(s, pfx, n);
}

int mp_http_location_target(const char *loc, size_t len, char *out, size_t cap)
{
	size_t skip = 0, n;

	if (!loc || !out || cap == 0 || len == 0)
		return MP_ERR_INVAL;
	for (size_t i = 0; i < len; i++) /* RFC 3986 section 2: no controls, spaces or DEL in a URI */
		if ((unsigned char)loc[i] <= 0x20 || loc[i] == 0x7f)
			return MP_ERR_INVAL;
	/* RFC 3986 section 3: scheme "://" authority path-abempty [ "?" query ] [ "#" fragment ]. */
	if (starts_nocase(loc, len, "http://"))
		skip = 7;
	else if (starts_nocase(loc, len, "https://"))
		skip = 8;
	else if (starts_nocase(loc, len, "//")) /* section 4.2: network-path reference */
		skip = 2;
	if (skip) {
		/* The authority ends at the first "/", "?" or "#" (section 3.2). */
		while (skip < len && loc[skip] != '/' && loc[skip] != '?' && loc[skip] != '#')
			skip++;
		loc += skip;
		len -= skip;
		for (n = 0; n < len && loc[n] != '#'; n++) /* a fragment is never sent (section 3.5) */
			;
		len = n;
		if (len == 0 || loc[0] != '/') { /* "http://h", "http://h?q": the path is "/" */
			if (len + 2 > cap)
				return MP_ERR_NOSPACE;
			out[0] = '/';
			memcpy(out + 1, loc, len);
			out[len + 1] = '\0';
			return (int)(len + 1);
		}
	}
	if (len + 1 > cap || len > 0x7fffffff)
		return MP_ERR_NOSPACE;
	memcpy(out, loc, len);
	out[len] = '\0';
	return (int)len;
}
