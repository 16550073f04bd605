/* url_query.h: percent-decoding and query-parameter lookup for request targets (RFC 3986). */
#ifndef MP_PROTO_URL_QUERY_H
#define MP_PROTO_URL_QUERY_H

#include <stddef.h>

/* Percent-decode len bytes of s into out (RFC 3986 section 2.1); plus_is_space also turns '+'
 * into ' ' (application/x-www-form-urlencoded query values). out gets a NUL after the result.
 * Returns the decoded length, MP_ERR_INVAL for a bad escape ("%4", "%zz"), MP_ERR_NOSPACE. */
int mp_url_decode(const char *s, size_t len, int plus_is_space, char *out, size_t cap);

/* Find the first parameter named key in query (no leading '?'; pairs split on '&'; a pair
 * without '=' has an empty value), as Go's url.Values.Get does. On success *val and *val_len point
 * at the raw (still encoded) value inside query. Returns MP_OK or MP_ERR_NOTFOUND. */
int mp_url_query_find(const char *query, size_t len, const char *key, const char **val,
		      size_t *val_len);

/* mp_url_query_find, then decode the value (plus as space) into out. Returns the decoded length,
 * MP_ERR_NOTFOUND, MP_ERR_INVAL or MP_ERR_NOSPACE. */
int mp_url_query_get(const char *query, size_t len, const char *key, char *out, size_t cap);

/* "name?query" (len bytes, the query optional) with every parameter named key removed and
 * "key=value" appended as the last one, into out (NUL-terminated): how a relay tells an origin
 * something the client must not be able to forge (a key the client sent itself is dropped).
 * value is put as given (the caller passes URL-safe text, e.g. an address). Returns the length,
 * MP_ERR_INVAL (empty key) or MP_ERR_NOSPACE. */
int mp_url_query_set(const char *s, size_t len, const char *key, const char *value, char *out, size_t cap);

#endif
