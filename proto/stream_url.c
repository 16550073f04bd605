/* stream_url.c: stream keys "vhost/app/stream" from RTMP, HTTP, SRT and WebRTC requests. */
#include "stream_url.h"
#include "endpoint.h"
#include "mp_error.h"
#include "url_query.h"

#include <string.h>

/* Pieces of "scheme://[user@]host[:port]/path[?query][#fragment]" (RFC 3986 section 3). */
struct url_parts {
	const char *host, *path, *query;
	size_t host_len, path_len, query_len;
	int has_query;
};

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 3986 section 3: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://". */
static int split_url(const char *s, size_t len, struct url_parts *u)
{
	size_t i = 0, a, at;

	memset(u, 0, sizeof(*u));
	if (len == 0 || !is_alpha(s[0]))
		return MP_ERR_INVAL;
	while (i < len && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
		i++;
	if (len - i < 3 || memcmp(s + i, "://", 3) != 0)
		return MP_ERR_INVAL;
	a = i += 3;
	while (i < len && s[i] != '/' && s[i] != '?' && s[i] != '#')
		i++;
	/* Section 3.2.1: user information ends at the last '@' of the authority. */
	for (at = i; at > a; at--)
		if (s[at - 1] == '@')
			break;
	u->host = s + at;
	u->host_len = i - at;
	u->path = s + i;
	while (i < len && s[i] != '?' && s[i] != '#')
		i++;
	u->path_len = (size_t)(s + i - u->path);
	if (i < len && s[i] == '?') {
		u->has_query = 1;
		u->query = s + ++i;
		while (i < len && s[i] != '#')
			i++;
		u->query_len = (size_t)(s + i - u->query);
	}
	return MP_OK;
}

/* Strip ":port" from a host (Go's Hostname / SplitHostPort); an IPv6 literal "[..]" gives "". */
static int host_without_port(const char **h, size_t *len)
{
	size_t i = 0;

	if (*len > 0 && (*h)[0] == '[') {
		*len = 0; /* IPv6 literal: no dot, so the default vhost */
		return MP_OK;
	}
	while (i < *len && (*h)[i] != ':')
		i++;
	for (size_t p = i + 1; p < *len; p++)
		if (!is_digit((*h)[p]) || p - i > 5)
			return MP_ERR_INVAL;
	*len = i;
	return MP_OK;
}

/* The vhost rule of proxy/utils.go buildStreamURL, plus the origin's vhost=/domain= override. */
static int pick_vhost(const char *h, size_t hlen, const char *q1, size_t q1len, const char *q2,
		      size_t q2len, char *vhost)
{
	char param[MP_SURL_KEY_MAX];
	const char *qs[2] = { q1, q2 };
	size_t ql[2] = { q1len, q2len };
	uint32_t ip;
	int n, dot = 0;

	for (int i = 0; i < 2; i++) {
		if (!qs[i])
			continue;
		n = mp_url_query_get(qs[i], ql[i], "vhost", param, sizeof(param));
		if (n <= 0)
			n = mp_url_query_get(qs[i], ql[i], "domain", param, sizeof(param));
		if (n == MP_ERR_NOSPACE)
			return MP_ERR_TOOLONG;
		if (n > 0 && strcmp(param, MP_SURL_DEFAULT_VHOST) != 0) {
			h = param;
			hlen = (size_t)n;
			break;
		}
		if (n < 0 && n != MP_ERR_NOTFOUND)
			return n;
	}
	for (size_t i = 0; i < hlen; i++) {
		char c = h[i];

		if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.' && c != '_')
			return MP_ERR_INVAL;
		dot |= c == '.';
	}
	if (hlen >= MP_SURL_KEY_MAX)
		return MP_ERR_TOOLONG;
	if (!dot || mp_ipv4_parse(h, hlen, &ip) == MP_OK) {
		strcpy(vhost, MP_SURL_DEFAULT_VHOST);
	} else {
		memcpy(vhost, h, hlen);
		vhost[hlen] = '\0';
	}
	return MP_OK;
}

/* Append len decoded bytes of s to path (NUL kept); a '/' is put between parts by the caller. */
static int add_path(char *path, size_t *plen, const char *s, size_t len)
{
	int n = mp_url_decode(s, len, 0, path + *plen, MP_SURL_KEY_MAX - *plen);

	if (n == MP_ERR_NOSPACE)
		return MP_ERR_TOOLONG;
	if (n < 0)
		return n;
	*plen += (size_t)n;
	return MP_OK;
}

/* Append len bytes of s, already decoded, to path. */
static int add_raw(char *path, size_t *plen, const char *s, size_t len)
{
	if (len >= MP_SURL_KEY_MAX - *plen)
		return MP_ERR_TOOLONG;
	memcpy(path + *plen, s, len);
	*plen += len;
	path[*plen] = '\0';
	return MP_OK;
}

/* Append the decoded value of query parameter key (absent: nothing) to path. */
static int add_param(char *path, size_t *plen, const char *q, size_t qlen, const char *key)
{
	int n = mp_url_query_get(q, qlen, key, path + *plen, MP_SURL_KEY_MAX - *plen);

	if (n == MP_ERR_NOTFOUND)
		return MP_OK;
	if (n == MP_ERR_NOSPACE)
		return MP_ERR_TOOLONG;
	if (n < 0)
		return n;
	*plen += (size_t)n;
	return MP_OK;
}

/* Split the decoded path into app and stream, check it and write the key. */
static int finish(struct mp_stream_url *out, const char *path, size_t plen, int strip_ext)
{
	size_t start = 0, end = plen, slash, vlen = strlen(out->vhost);
	const char *dot;
	int n;

	if (start < end && path[start] == '/')
		start++;
	for (slash = end; slash > start && path[slash - 1] != '/'; slash--)
		;
	if (slash <= start + 1 || slash >= end) /* no app, or no stream */
		return MP_ERR_INVAL;
	memcpy(out->app, path + start, slash - 1 - start);
	out->app[slash - 1 - start] = '\0';
	memcpy(out->stream, path + slash, end - slash);
	out->stream[end - slash] = '\0';
	/* Go's path.Ext: the suffix from the last dot of the last element. */
	if (strip_ext && (dot = strrchr(out->stream, '.')) != NULL)
		out->stream[dot - out->stream] = '\0';
	if (out->stream[0] == '\0')
		return MP_ERR_INVAL;
	for (const char *p = path + start; p < path + end; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f || c == '?' || c == '#' || c == '\\' || (c == '/' && p[1] == '/'))
			return MP_ERR_INVAL;
	}
	n = (int)(vlen + 1 + strlen(out->app) + 1 + strlen(out->stream));
	if (n >= MP_SURL_KEY_MAX)
		return MP_ERR_TOOLONG;
	memcpy(out->key, out->vhost, vlen);
	out->key[vlen] = '/';
	strcpy(out->key + vlen + 1, out->app);
	strcat(out->key, "/");
	strcat(out->key, out->stream);
	return strstr(out->key, "..") ? MP_ERR_INVAL : MP_OK;
}

static int set_query(struct mp_stream_url *out, const char *q, size_t len)
{
	if (len >= MP_SURL_QUERY_MAX)
		return MP_ERR_TOOLONG;
	if (len)
		memcpy(out->query, q, len);
	out->query[len] = '\0';
	return MP_OK;
}

/* Return rc; on failure leave *out zeroed so no half-built key is ever used. */
static int done(struct mp_stream_url *out, int rc)
{
	if (rc != MP_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

int mp_stream_url_from_rtmp(const char *tc_url, size_t tc_len, const char *name, size_t name_len,
			    struct mp_stream_url *out)
{
	struct url_parts u;
	char path[MP_SURL_KEY_MAX] = "";
	size_t plen = 0, nq = 0, npath;
	const char *q;
	int rc;

	if (!out)
		return MP_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	if (!tc_url || (!name && name_len))
		return MP_ERR_INVAL;
	/* The stream name ends at '?' (its query, up to any '#') or '#'. */
	for (npath = 0; npath < name_len && name[npath] != '?' && name[npath] != '#'; npath++)
		;
	q = npath < name_len && name[npath] == '?' ? name + npath + 1 : NULL;
	while (q && q + nq < name + name_len && q[nq] != '#')
		nq++;
	/* "rtmp://h/live/" + "/" + "s": the tcUrl's trailing slashes are not an empty segment. */
	if ((rc = split_url(tc_url, tc_len, &u)) != MP_OK)
		return done(out, rc);
	while (u.path_len > 0 && u.path[u.path_len - 1] == '/')
		u.path_len--;
	if ((rc = host_without_port(&u.host, &u.host_len)) != MP_OK ||
	    (rc = pick_vhost(u.host, u.host_len, q, nq, u.query, u.query_len, out->vhost)) != MP_OK ||
	    (rc = add_path(path, &plen, u.path, u.path_len)) != MP_OK ||
	    (rc = add_raw(path, &plen, "/", 1)) != MP_OK ||
	    (rc = add_path(path, &plen, name, npath)) != MP_OK)
		return done(out, rc);
	if (q)
		rc = set_query(out, q, nq);
	else
		rc = set_query(out, u.query, u.query_len);
	if (rc == MP_OK)
		rc = finish(out, path, plen, 0);
	return done(out, rc);
}

int mp_stream_url_from_http(const char *target, size_t target_len, const char *host, size_t host_len,
			    struct mp_stream_url *out)
{
	char path[MP_SURL_KEY_MAX] = "";
	const char *q = NULL, *app, *stream;
	size_t plen = 0, pathlen = target_len, qlen = 0, alen = 0, slen = 0;
	int rc, by_query;

	if (!out)
		return MP_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	if (!target || target_len == 0 || target[0] != '/' || (!host && host_len))
		return MP_ERR_INVAL;
	for (size_t i = 0; i < target_len; i++)
		if (target[i] == '?') {
			pathlen = i;
			q = target + i + 1;
			qlen = target_len - i - 1;
			break;
		}
	if ((rc = host_without_port(&host, &host_len)) != MP_OK ||
	    (rc = pick_vhost(host, host_len, q, qlen, NULL, 0, out->vhost)) != MP_OK ||
	    (rc = set_query(out, q, qlen)) != MP_OK)
		return done(out, rc);
	/* Go: app and stream from the query when either is there and not empty, else from the path. */
	if (q && mp_url_query_find(q, qlen, "app", &app, &alen) != MP_OK)
		alen = 0;
	if (q && mp_url_query_find(q, qlen, "stream", &stream, &slen) != MP_OK)
		slen = 0;
	by_query = alen > 0 || slen > 0;
	if (by_query) {
		/* Query values are form-encoded ('+' is a space) and decoded once, here. */
		rc = add_param(path, &plen, q, qlen, "app");
		if (rc == MP_OK)
			rc = add_raw(path, &plen, "/", 1);
		if (rc == MP_OK)
			rc = add_param(path, &plen, q, qlen, "stream");
	} else {
		rc = add_path(path, &plen, target, pathlen);
	}
	if (rc == MP_OK)
		rc = finish(out, path, plen, !by_query);
	return done(out, rc);
}

int mp_stream_url_from_srt(const char *resource, size_t res_len, const char *host, size_t host_len,
			   struct mp_stream_url *out)
{
	char path[MP_SURL_KEY_MAX] = "";
	const char *q = NULL;
	size_t plen = 0, rpath = res_len, qlen = 0;
	int rc;

	if (!out)
		return MP_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	if (!resource || (!host && host_len))
		return MP_ERR_INVAL;
	/* proxy/srt.go: no h= means "localhost", which has no dot: the default vhost. */
	for (size_t i = 0; i < res_len; i++)
		if (resource[i] == '?') {
			rpath = i;
			q = resource + i + 1;
			qlen = res_len - i - 1;
			break;
		}
	if ((rc = host_without_port(&host, &host_len)) != MP_OK ||
	    (rc = pick_vhost(host, host_len, q, qlen, NULL, 0, out->vhost)) != MP_OK ||
	    (rc = set_query(out, q, qlen)) != MP_OK || (rc = add_path(path, &plen, resource, rpath)) != MP_OK)
		return done(out, rc);
	return done(out, finish(out, path, plen, 0));
}

int mp_stream_url_from_url(const char *url, size_t len, struct mp_stream_url *out)
{
	struct url_parts u;
	char path[MP_SURL_KEY_MAX] = "";
	size_t plen = 0;
	int rc;

	if (!out)
		return MP_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	if (!url)
		return MP_ERR_INVAL;
	if ((rc = split_url(url, len, &u)) != MP_OK || (rc = host_without_port(&u.host, &u.host_len)) != MP_OK ||
	    (rc = pick_vhost(u.host, u.host_len, u.query, u.query_len, NULL, 0, out->vhost)) != MP_OK ||
	    (rc = set_query(out, u.query, u.query_len)) != MP_OK ||
	    (rc = add_path(path, &plen, u.path, u.path_len)) != MP_OK)
		return done(out, rc);
	return done(out, finish(out, path, plen, 0));
}
