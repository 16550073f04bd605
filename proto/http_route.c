/* http_route.c: classify HTTP stream request targets (FLV/TS stream, HLS playlist or segment). */
#include "http_route.h"
#include "m3u8.h"
#include "mp_error.h"

#include <string.h>
#include <strings.h>

/* Does the path end in "." ext (ext lower case), comparing without case? */
static bool has_ext(const char *path, size_t n, const char *ext)
{
	size_t e = strlen(ext);

	return n > e && path[n - e - 1] == '.' && strncasecmp(path + n - e, ext, e) == 0;
}

int mp_hroute_classify(const char *target, size_t len, struct mp_hroute *out)
{
	const char *q, *hash;
	size_t path_len, end = len;
	int rc;

	if (!target || !out || len == 0 || target[0] != '/')
		return MP_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < len; i++) /* RFC 9112 section 3.2: no whitespace or control bytes */
		if ((unsigned char)target[i] <= 0x20 || (unsigned char)target[i] >= 0x7f)
			return MP_ERR_INVAL;
	hash = memchr(target, '#', len); /* a fragment is never sent, but do not route on one */
	if (hash)
		end = (size_t)(hash - target);
	q = memchr(target, '?', end);
	path_len = q ? (size_t)(q - target) : end;
	out->path_len = path_len;
	if (q) {
		out->query = q + 1;
		out->query_len = end - path_len - 1;
		rc = mp_m3u8_query_spbhid(out->query, out->query_len, &out->spbhid, &out->spbhid_len);
		if (rc == MP_ERR_INVAL)
			return rc;
	}
	if (has_ext(target, path_len, "m3u8"))
		out->kind = MP_HROUTE_M3U8;
	else if (out->spbhid)
		out->kind = MP_HROUTE_SEGMENT;
	else if (has_ext(target, path_len, "flv"))
		out->kind = MP_HROUTE_FLV;
	else if (has_ext(target, path_len, "ts"))
		out->kind = MP_HROUTE_TS;
	else
		out->kind = MP_HROUTE_NONE;
	return MP_OK;
}

