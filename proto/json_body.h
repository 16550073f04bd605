/* json_body.h: parse a length-bounded HTTP body as exactly one JSON value (cJSON). */
#ifndef MP_PROTO_JSON_BODY_H
#define MP_PROTO_JSON_BODY_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* Parse exactly len bytes of body as one JSON value; whitespace may surround it, nothing else may
 * follow (RFC 8259 section 2). body need not be NUL-terminated. Returns a tree the caller frees
 * with cJSON_Delete, or NULL when the body is not JSON. */
cJSON *mp_json_parse(const char *body, size_t len);

#endif
