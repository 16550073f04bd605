/* url_query.c: percent-decoding and query-parameter lookup for request targets (RFC 3986). */
#include "url_query.h"
#include "mp_error.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mp_url_decode(const char *s, size_t len, int plus_is_space, char *out, size_t cap)
{
	size_t o = 0;

	if (!out || cap == 0)
		return MP_ERR_NOSPACE;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			/* RFC 3986 section 2.1: pct-encoded = "%" HEXDIG HEXDIG */
			if (len - i < 3)
				return MP_ERR_INVAL;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return MP_ERR_INVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (o + 1 >= cap)
			return MP_ERR_NOSPACE;
		out[o++] = c;
	}
	out[o] = '\0';
	return (int)o;
}

int mp_url_query_find(const char *query, size_t len, const char *key, const char **val,
		      size_t *val_len)
{
	size_t klen = strlen(key), pos = 0;

	while (pos <= len && query) {
		size_t end = pos, eq;

		while (end < len && query[end] != '&')
			end++;
		eq = pos;
		while (eq < end && query[eq] != '=')
			eq++;
		if (eq - pos == klen && memcmp(query + pos, key, klen) == 0) {
			*val = eq < end ? query + eq + 1 : query + end;
			*val_len = eq < end ? end - eq - 1 : 0;
			return MP_OK;
		}
		pos = end + 1;
	}
	return MP_ERR_NOTFOUND;
}

int mp_url_query_get(const char *query, size_t len, const char *key, char *out, size_t cap)
{
	const char *v;
	size_t vlen;

	if (mp_url_query_find(query, len, key, &v, &vlen) != MP_OK)
		return MP_ERR_NOTFOUND;
	return mp_url_decode(v, vlen, 1, out, cap);
}

int mp_url_query_set(const char *s, size_t len, const char *key, const char *value, char *out, size_t cap)
{
	const char *q = memchr(s, '?', len);
	size_t klen = key ? strlen(key) : 0, n, i;
	bool any = false; /* a parameter is in out already: the next one follows '&' */
	int w;

	if (!klen || !value)
		return MP_ERR_INVAL;
	n = q ? (size_t)(q - s) : len;
	if (n + 1 > cap)
		return MP_ERR_NOSPACE;
	memcpy(out, s, n);
	out[n] = 0;
	for (i = q ? n + 1 : len; i < len;) {
		const char *pair = s + i, *amp = memchr(pair, '&', len - i);
		size_t plen = amp ? (size_t)(amp - pair) : len - i;
		size_t name_len = plen;
		const char *eq = memchr(pair, '=', plen);

		if (eq)
			name_len = (size_t)(eq - pair);
		i += plen + 1;
		if (!plen || (name_len == klen && !memcmp(pair, key, klen)))
			continue;
		if (n + 1 + plen + 1 > cap)
			return MP_ERR_NOSPACE;
		out[n++] = any ? '&' : '?';
		any = true;
		memcpy(out + n, pair, plen);
		n += plen;
		out[n] = 0;
	}
	w = snprintf(out + n, cap - n, "%c%s=%s", any ? '&' : '?', key, value);
	if (w < 0 || (size_t)w >= cap - n)
		return MP_ERR_NOSPACE;
	return (int)(n + (size_t)w);
}
