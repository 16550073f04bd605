/* srt_streamid.c: SRT stream id parsing into resource, mode, host, user, session, type and query. */
#include "srt_streamid.h"

#include <string.h>
#include <strings.h>

static int sid_eq(const char *p, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n == l && strncasecmp(p, lit, l) == 0;
}

static int sid_query_add(struct mp_srt_streamid *out, const char *p, size_t n)
{
	size_t need = n + (out->query_len ? 1 : 0);

	if (n == 0)
		return MP_OK;
	if (out->query_len + need > MP_SRT_SID_MAX)
		return MP_ERR_TOOLONG;
	if (out->query_len)
		out->query[out->query_len++] = '&';
	memcpy(out->query + out->query_len, p, n);
	out->query_len += n;
	out->query[out->query_len] = '\0';
	return MP_OK;
}

/* Split resource at its first '/' into app and stream. */
static void sid_split_resource(struct mp_srt_streamid *out)
{
	const char *p = out->resource.p;
	const char *slash = p ? memchr(p, '/', out->resource.len) : NULL;

	if (!slash) {
		out->app.p = p;
		out->app.len = 0;
		out->stream = out->resource;
		return;
	}
	out->app.p = p;
	out->app.len = (size_t)(slash - p);
	out->stream.p = slash + 1;
	out->stream.len = out->resource.len - out->app.len - 1;
}

/* The plain form: "app/stream[?query]". */
static int sid_parse_plain(const char *s, size_t len, struct mp_srt_streamid *out)
{
	const char *q = memchr(s, '?', len);
	size_t rlen = q ? (size_t)(q - s) : len;

	out->resource.p = s;
	out->resource.len = rlen;
	if (q)
		return sid_query_add(out, q + 1, len - rlen - 1);
	return MP_OK;
}

static int sid_set_mode(struct mp_srt_streamid *out, const char *v, size_t n)
{
	if (sid_eq(v, n, "request"))
		out->mode = MP_SRT_MODE_REQUEST;
	else if (sid_eq(v, n, "publish"))
		out->mode = MP_SRT_MODE_PUBLISH;
	else if (sid_eq(v, n, "bidirectional"))
		out->mode = MP_SRT_MODE_BIDIRECTIONAL;
	else
		return MP_ERR_INVAL;
	out->mode_given = 1;
	return MP_OK;
}

/* One "key=value" pair of the keyed form. h_path receives an h value holding a '/'. */
static int sid_pair(struct mp_srt_streamid *out, const char *p, size_t n,
		    struct mp_srt_sid_str *h_path)
{
	const char *eq = memchr(p, '=', n);
	const char *v;
	size_t k, vn;

	if (!eq || eq == p)
		return MP_ERR_INVAL;
	k = (size_t)(eq - p);
	v = eq + 1;
	vn = n - k - 1;
	if (k == 1) {
		struct mp_srt_sid_str val = { v, vn };

		switch (p[0]) {
		case 'r': out->resource = val; return MP_OK;
		case 'u': out->user = val; return MP_OK;
		case 's': out->session = val; return MP_OK;
		case 't': out->type = val; return MP_OK;
		case 'm': return sid_set_mode(out, v, vn);
		case 'h':
			if (memchr(v, '/', vn))
				*h_path = val;
			else
				out->host = val;
			return MP_OK;
		default: break;
		}
	}
	return sid_query_add(out, p, n);
}

/* SRS's legacy h=app/stream or h=vhost/app/stream: the vhost part is the host, the path is the
 * resource unless r gave one. */
static void sid_legacy_host(struct mp_srt_streamid *out, struct mp_srt_sid_str h)
{
	const char *first = memchr(h.p, '/', h.len);
	const char *last = first;
	struct mp_srt_sid_str path = h;

	for (const char *c = first + 1; c < h.p + h.len; c++)
		if (*c == '/')
			last = c;
	if (first != last) {
		out->host.p = h.p;
		out->host.len = (size_t)(first - h.p);
		path.p = first + 1;
		path.len = h.len - out->host.len - 1;
	}
	if (out->resource.len == 0)
		out->resource = path;
}

static int sid_parse_keyed(const char *s, size_t len, struct mp_srt_streamid *out)
{
	struct mp_srt_sid_str h_path = { NULL, 0 };
	size_t i = 4, start = 4;
	int rc;

	out->keyed = 1;
	for (; i <= len; i++) {
		if (i < len && s[i] != ',' && s[i] != '?' && s[i] != '&')
			continue;
		if (i > start) {
			rc = sid_pair(out, s + start, i - start, &h_path);
			if (rc != MP_OK)
				return rc;
		}
		start = i + 1;
	}
	if (h_path.len)
		sid_legacy_host(out, h_path);
	return MP_OK;
}

int mp_srt_streamid_parse(const char *s, size_t len, struct mp_srt_streamid *out)
{
	int rc;

	if (!s || !out)
		return MP_ERR_INVAL;
	memset(out, 0, offsetof(struct mp_srt_streamid, query) + 1);
	if (len == 0)
		return MP_ERR_INVAL;
	if (len > MP_SRT_SID_MAX)
		return MP_ERR_TOOLONG;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return MP_ERR_INVAL;
	if (len >= 2 && s[0] == '#' && s[1] == '!') {
		if (len < 4 || s[2] != ':' || s[3] != ':')
			return MP_ERR_UNSUPPORTED;
		rc = sid_parse_keyed(s, len, out);
	} else {
		rc = sid_parse_plain(s, len, out);
	}
	if (rc != MP_OK)
		return rc;
	if (out->resource.len == 0)
		return MP_ERR_INVAL;
	sid_split_resource(out);
	return MP_OK;
}
