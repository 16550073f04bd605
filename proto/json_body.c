/* json_body.c: parse a length-bounded HTTP body as exactly one JSON value (cJSON). */
#include "json_body.h"

/* RFC 8259 section 2: ws = *( %x20 / %x09 / %x0A / %x0D ) around the one value. */
cJSON *mp_json_parse(const char *body, size_t len)
{
	const char *end = NULL;
	cJSON *root;

	if (!body || len == 0)
		return NULL;
	root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (!root)
		return NULL;
	for (size_t i = (size_t)(end - body); i < len; i++) {
		if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' && body[i] != '\n') {
			cJSON_Delete(root);
			return NULL;
		}
	}
	return root;
}
