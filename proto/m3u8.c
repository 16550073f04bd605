/* m3u8.c: tag every URI of an HLS playlist with spbhid=<id>; read spbhid from a request query. */
#include "m3u8.h"
#include "mp_error.h"
#include "url_query.h"

#include <string.h>

static int valid_id(const char *id, size_t n)
{
	if (!id || n == 0 || n > MP_M3U8_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* Bounded output; err set once something did not fit (room for the NUL is kept). */
struct out_buf {
	char *p;
	size_t cap, len;
	int err;
};

static void put(struct out_buf *o, const char *s, size_t n)
{
	if (o->err || n >= o->cap - o->len) {
		o->err = MP_ERR_NOSPACE;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* Write uri (n bytes) with spbhid first in its query, before any "#fragment": read back first-wins
 * (mp_url_query_find), ours beats any spbhid the origin's URI already carried. */
static void put_tagged(struct out_buf *o, const char *uri, size_t n, const char *id, size_t id_len)
{
	const char *frag = memchr(uri, '#', n);
	size_t body = frag ? (size_t)(frag - uri) : n;
	const char *q = memchr(uri, '?', body);
	size_t path = q ? (size_t)(q - uri) : body, rest = q ? (size_t)(q - uri) + 1 : body;

	put(o, uri, path);
	put(o, "?spbhid=", 8);
	put(o, id, id_len);
	if (rest < body && uri[rest] != '&')
		put(o, "&", 1);
	put(o, uri + rest, n - rest);
}

static int tag_is(const char *line, size_t n, const char *tag)
{
	size_t t = strlen(tag);

	return n > t && memcmp(line, tag, t) == 0 && line[t] == ':';
}

/* A tag whose attribute list has a URI to tag. */
static int tag_has_uri(const char *line, size_t n, unsigned flags)
{
	static const char *const tags[] = { "#EXT-X-MAP", "#EXT-X-MEDIA", "#EXT-X-I-FRAME-STREAM-INF",
					    "#EXT-X-PART", "#EXT-X-PRELOAD-HINT", "#EXT-X-RENDITION-REPORT" };

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (tag_is(line, n, tags[i]))
			return 1;
	return (flags & MP_M3U8_TAG_KEYS) && (tag_is(line, n, "#EXT-X-KEY") || tag_is(line, n, "#EXT-X-SESSION-KEY"));
}

/* Copy a tag line, tagging the quoted-string value of its URI attribute (RFC 8216 section 4.2:
 * AttributeName=AttributeValue pairs split by commas; quoted strings hold no '"', CR or LF). */
static int put_tag(struct out_buf *o, const char *line, size_t n, const char *id, size_t id_len)
{
	size_t i = (size_t)((const char *)memchr(line, ':', n) - line) + 1, done = 0;
	int tagged = 0;

	while (i < n) {
		size_t name = i, vstart, vend;

		while (i < n && line[i] != '=' && line[i] != ',')
			i++;
		if (i >= n || line[i] != '=')
			break; /* not an attribute list past here: keep the rest as it is */
		vstart = ++i;
		if (i < n && line[i] == '"') {
			const char *close = memchr(line + i + 1, '"', n - i - 1);

			if (!close)
				return MP_ERR_INVAL;
			vend = (size_t)(close - line) + 1;
		} else {
			vend = i;
			while (vend < n && line[vend] != ',')
				vend++;
		}
		if (vstart < n && vstart - name == 4 && memcmp(line + name, "URI", 3) == 0 && line[vstart] == '"' &&
		    !tagged) {
			put(o, line + done, vstart + 1 - done);
			put_tagged(o, line + vstart + 1, vend - vstart - 2, id, id_len);
			done = vend - 1;
			tagged = 1;
		}
		i = vend < n ? vend + 1 : vend;
	}
	put(o, line + done, n - done);
	return tagged;
}

int mp_m3u8_rewrite(const char *in, size_t len, const char *id, size_t id_len, unsigned flags,
		    char *out, size_t cap, size_t *out_len)
{
	struct out_buf o = { out, cap, 0, 0 };
	size_t pos = 0;
	int tagged = 0;

	if (!in || !out || cap == 0 || !out_len || !valid_id(id, id_len))
		return MP_ERR_INVAL;
	/* RFC 8216 section 4.3.1.1: the first line is #EXTM3U. */
	if (len < 7 || memcmp(in, "#EXTM3U", 7) != 0 || (len > 7 && in[7] != '\r' && in[7] != '\n'))
		return MP_ERR_INVAL;
	while (pos < len) {
		const char *line = in + pos, *nl = memchr(line, '\n', len - pos);
		size_t whole = nl ? (size_t)(nl - line) + 1 : len - pos, n = whole, end;

		pos += whole;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		end = n; /* the URI ends before trailing blanks */
		while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t'))
			end--;
		if (end == 0 || (line[0] == '#' && !tag_has_uri(line, n, flags))) {
			put(&o, line, whole); /* blank line, comment or other tag (section 4.1) */
		} else if (line[0] == '#') {
			int r = put_tag(&o, line, n, id, id_len);

			if (r < 0)
				return r;
			tagged += r;
			put(&o, line + n, whole - n);
		} else {
			put_tagged(&o, line, end, id, id_len);
			put(&o, line + end, whole - end);
			tagged++;
		}
	}
	if (o.err)
		return o.err;
	out[o.len] = '\0';
	*out_len = o.len;
	return tagged;
}

int mp_m3u8_query_spbhid(const char *query, size_t len, const char **id, size_t *id_len)
{
	const char *found;
	size_t found_len;

	if (mp_url_query_find(query, len, "spbhid", &found, &found_len) != MP_OK)
		return MP_ERR_NOTFOUND;
	if (!valid_id(found, found_len))
		return MP_ERR_INVAL;
	*id = found;
	*id_len = found_len;
	return MP_OK;
}
