/* http_route.h: what an HTTP stream request asks for (FLV/TS stream, HLS playlist or segment). */
#ifndef MP_PROTO_HTTP_ROUTE_H
#define MP_PROTO_HTTP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

enum mp_hroute_kind {
	MP_HROUTE_NONE = 0, /* not a stream: 404 */
	MP_HROUTE_FLV,      /* ".flv" without spbhid: HTTP-FLV, streamed */
	MP_HROUTE_TS,       /* ".ts" without spbhid: HTTP-TS, streamed */
	MP_HROUTE_M3U8,     /* ".m3u8": HLS playlist, rewritten with spbhid */
	MP_HROUTE_SEGMENT,  /* any other path with spbhid: an HLS segment (.ts, .m4s, .aac, init.mp4, key) */
};

struct mp_hroute {
	enum mp_hroute_kind kind;
	size_t path_len;    /* target[0, path_len) is the path */
	const char *query;  /* after '?', up to any '#'; NULL when there is none */
	size_t query_len;
	const char *spbhid; /* the last "spbhid=" of the query (points into it); NULL when absent */
	size_t spbhid_len;
};

/* Classify a request target (RFC 9112 section 3.2.1 origin-form: "/path[?query]"). The rules are the
 * SRS proxy's (proxy/http.go: ".m3u8" is a playlist; ".flv"/".ts" with spbhid is HLS, without is a
 * stream) extended so fMP4 and audio segments with spbhid are HLS too. Extensions compare without
 * case. MP_ERR_INVAL when the target does not start with '/', has a byte outside visible ASCII
 * (RFC 9112 section 3.2), or carries an spbhid that is empty or not [A-Za-z0-9_-]{1,64}. */
int mp_hroute_classify(const char *target, size_t len, struct mp_hroute *out);

#endif
