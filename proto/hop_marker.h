/* hop_marker.h: the marks a relay leaves on what it forwards so it can see its own request come back
 * (a loop): HTTP's Via field (RFC 9110 section 7.6.3) and, for RTMP, an extra AMF0 object appended to
 * the connect command. Pure: plain buffers and parsed AMF0. */
#ifndef MP_PROTO_HOP_MARKER_H
#define MP_PROTO_HOP_MARKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtmp_command.h"

#define MP_HOP_NAME_MAX 64                 /* "mediaplane-<node id>" + NUL */
#define MP_RTMP_VIA_KEY "mediaplane_via"   /* the member of the AMF0 object appended to connect */

/* True when the Via field value (len bytes: "1.1 a, HTTP/1.1 b (comment)") has an entry whose
 * received-by is name (case-insensitive). */
bool mp_via_has(const char *value, size_t len, const char *name);

/* Write the AMF0 object {mediaplane_via: "1.1 <name>"} to append to a connect payload (after the
 * command object and any argument the client sent; servers read only the first argument, SRS warns
 * and drops another type). Returns its length or a negative mp_err. */
int mp_rtmp_via_build(uint8_t *out, size_t cap, const char *name);

/* True when a parsed connect carries, among the values after its command object, an object whose
 * mediaplane_via string (Via form) names name: the connect went through this relay before. */
bool mp_rtmp_connect_has_via(const struct mp_rtmp_cmd *c, const char *name);

#endif
