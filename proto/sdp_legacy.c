/* sdp_legacy.c: unwrap the legacy WebRTC API offer and rewrap its answer with a rewritten SDP (cJSON). */
#include "sdp_legacy.h"
#include "json_body.h"
#include "mp_error.h"

#include <stdlib.h>
#include <string.h>

/* Copy the string item name of obj into dst; absent (or null) gives "" when optional. */
static int copy_string(const cJSON *obj, const char *name, int optional, char *dst, size_t cap,
		       size_t *n_out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	size_t n;

	if (cap == 0)
		return MP_ERR_NOSPACE;
	dst[0] = '\0';
	if ((!v || cJSON_IsNull(v)) && optional)
		n = 0;
	else if (!cJSON_IsString(v) || !v->valuestring)
		return MP_ERR_INVAL;
	else if ((n = strlen(v->valuestring)) >= cap)
		return MP_ERR_NOSPACE;
	else
		memcpy(dst, v->valuestring, n + 1);
	if (n_out)
		*n_out = n;
	return MP_OK;
}

int mp_sdp_legacy_unwrap(const char *body, size_t len, char *sdp, size_t sdp_cap, size_t *sdp_len,
			 char *url, size_t url_cap)
{
	cJSON *root;
	int rc;

	if (!sdp || !url || !sdp_len)
		return MP_ERR_INVAL;
	root = mp_json_parse(body, len);
	if (!cJSON_IsObject(root))
		rc = MP_ERR_INVAL;
	else if ((rc = copy_string(root, "sdp", 0, sdp, sdp_cap, sdp_len)) == MP_OK)
		rc = copy_string(root, "streamurl", 1, url, url_cap, NULL);
	cJSON_Delete(root);
	if (rc != MP_OK) {
		if (sdp_cap)
			sdp[0] = '\0';
		if (url_cap)
			url[0] = '\0';
	}
	return rc;
}

static int rewrap(cJSON *root, const char *sdp, size_t sdp_len, char *out, size_t cap, size_t *out_len)
{
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "code");
	const cJSON *old = cJSON_GetObjectItemCaseSensitive(root, "sdp");
	cJSON *fresh;
	char *copy;

	if (code && !(cJSON_IsNumber(code) && code->valuedouble == 0))
		return MP_ERR_PROTO;
	if (!cJSON_IsString(old))
		return MP_ERR_INVAL;
	if (memchr(sdp, '\0', sdp_len)) /* an SDP never holds a NUL (RFC 8866 section 5) */
		return MP_ERR_INVAL;
	copy = malloc(sdp_len + 1);
	if (!copy)
		return MP_ERR_NOMEM;
	memcpy(copy, sdp, sdp_len);
	copy[sdp_len] = '\0';
	fresh = cJSON_CreateString(copy);
	free(copy);
	if (!fresh)
		return MP_ERR_NOMEM;
	if (!cJSON_ReplaceItemInObjectCaseSensitive(root, "sdp", fresh)) {
		cJSON_Delete(fresh);
		return MP_ERR_NOMEM;
	}
	/* Never writes past cap; fails when the text (and a few bytes of cJSON's estimate) do not fit. */
	if (cap == 0 || cap > 0x7fffffff || !cJSON_PrintPreallocated(root, out, (int)cap, 0))
		return MP_ERR_NOSPACE;
	*out_len = strlen(out);
	return MP_OK;
}

int mp_sdp_legacy_rewrap(const char *body, size_t len, const char *sdp, size_t sdp_len, char *out,
			 size_t cap, size_t *out_len)
{
	cJSON *root;
	int rc;

	if (!sdp || !out || !out_len)
		return MP_ERR_INVAL;
	root = mp_json_parse(body, len);
	rc = cJSON_IsObject(root) ? rewrap(root, sdp, sdp_len, out, cap, out_len) : MP_ERR_INVAL;
	cJSON_Delete(root);
	if (rc != MP_OK && cap > 0)
		out[0] = '\0';
	return rc;
}
