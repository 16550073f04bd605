/* sdp_legacy.h: the JSON envelope of SRS's legacy WebRTC API (/rtc/v1/publish/, /rtc/v1/play/). */
#ifndef MP_PROTO_SDP_LEGACY_H
#define MP_PROTO_SDP_LEGACY_H

#include <stddef.h>

/* Request body: {"api":"http://h:1985/rtc/v1/publish/","streamurl":"webrtc://h/live/s",
 * "clientip":null,"sdp":"v=0\r\n..."} (more fields are ignored). Copies the sdp (decoded, NUL
 * added) into sdp/sdp_cap and the streamurl into url/url_cap ("" when absent). Returns MP_OK;
 * MP_ERR_INVAL when the body is not a JSON object or "sdp" is missing or not a string, or
 * "streamurl" is not a string; MP_ERR_NOSPACE when a buffer is too small. */
int mp_sdp_legacy_unwrap(const char *body, size_t len, char *sdp, size_t sdp_cap, size_t *sdp_len,
			 char *url, size_t url_cap);

/* Answer body: {"code":0,"server":"..","service":"..","pid":"..","sdp":"v=0\r\n..","sessionid":".."}.
 * Writes the same object (compact JSON, fields in their order) with "sdp" replaced by the
 * sdp_len bytes of sdp, into out (NUL-terminated), and its length into *out_len.
 * Returns MP_OK; MP_ERR_PROTO when "code" is present and not 0 (forward the origin's body as it
 * is); MP_ERR_INVAL when the body is not a JSON object or has no string "sdp"; MP_ERR_NOSPACE;
 * MP_ERR_NOMEM. */
int mp_sdp_legacy_rewrap(const char *body, size_t len, const char *sdp, size_t sdp_len, char *out,
			 size_t cap, size_t *out_len);

#endif
