/* m3u8.h: tag every URI of an HLS playlist with spbhid=<id>, and read spbhid back from a request. */
#ifndef MP_PROTO_M3U8_H
#define MP_PROTO_M3U8_H

#include <stddef.h>

#define MP_M3U8_ID_MAX 64       /* spbhid: 1..64 of [A-Za-z0-9_-] */
#define MP_M3U8_TAG_KEYS 1u     /* also tag URI= of #EXT-X-KEY and #EXT-X-SESSION-KEY */

/* Copy the playlist (RFC 8216; first line "#EXTM3U", lines end in CRLF or LF) to out, adding
 * "spbhid=<id>" to the query of every URI: each URI line (media segments, variant playlists),
 * and the quoted URI attribute (RFC 8216 section 4.2) of #EXT-X-MAP, #EXT-X-MEDIA,
 * #EXT-X-I-FRAME-STREAM-INF, #EXT-X-PART, #EXT-X-PRELOAD-HINT, #EXT-X-RENDITION-REPORT, and with
 * MP_M3U8_TAG_KEYS #EXT-X-KEY and #EXT-X-SESSION-KEY. "a.ts" -> "a.ts?spbhid=ID", "a.ts?x=1" ->
 * "a.ts?spbhid=ID&x=1" (first in the query, as the SRS proxy puts it); a fragment stays last.
 * Every other byte is kept, line endings included.
 * So the SRS proxy's HLS rule (proxy/http.go, which only rewrites ".ts") is covered and
 * extended to fMP4, audio-only and master playlists.
 * Returns the number of URIs tagged (>= 0), sets *out_len, NUL-terminates out; MP_ERR_INVAL for
 * a bad id, a missing #EXTM3U, an unterminated quoted URI; MP_ERR_NOSPACE when out is too small. */
int mp_m3u8_rewrite(const char *in, size_t len, const char *id, size_t id_len, unsigned flags,
		    char *out, size_t cap, size_t *out_len);

/* Find spbhid in a request query (no leading '?') with mp_url_query_find: the first occurrence
 * wins, as Go's url.Values.Get in the SRS proxy; mp_m3u8_rewrite puts the appliance's id first, so
 * it beats one the origin's URI may carry. *id points into query.
 * Returns MP_OK, MP_ERR_NOTFOUND, or MP_ERR_INVAL when the value is empty or not a valid id. */
int mp_m3u8_query_spbhid(const char *query, size_t len, const char **id, size_t *id_len);

#endif
