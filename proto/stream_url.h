/* stream_url.h: stream keys "vhost/app/stream" as the SRS proxy derives them, from every protocol. */
#ifndef MP_PROTO_STREAM_URL_H
#define MP_PROTO_STREAM_URL_H

#include <stddef.h>

#define MP_SURL_KEY_MAX 256     /* a key is at most 255 bytes, plus NUL */
#define MP_SURL_QUERY_MAX 1024  /* the query kept for the origin, plus NUL */
#define MP_SURL_DEFAULT_VHOST "__defaultVhost__"

/* One stream, named the way the SRS proxy names it (proxy/utils.go buildStreamURL): the key is
 * vhost + "/" + app + "/" + stream, app may hold slashes ("live/sub"). The vhost is
 * __defaultVhost__ when the host is empty, has no dot, is an IPv4 address or an IPv6 literal;
 * otherwise it is the host name without port or user info, as given (case kept).
 * Rules beyond the Go proxy (so one stream meets on one origin from every protocol, as the SRS
 * origin itself names it, trunk/src/protocol/srs_protocol_utility.cpp):
 *  - a "vhost=" (else "domain=") query parameter that is not __defaultVhost__ replaces the host;
 *  - an HTTP Host header without a port still names the vhost (Go needs "host:port");
 *  - an RTMP tcUrl query ("rtmp://h/app?k=v") does not swallow the stream name;
 *  - trailing slashes of an RTMP tcUrl are trimmed ("rtmp://h/live/" + "s").
 * Refused (MP_ERR_INVAL): empty app or stream, an empty path segment, "..", control characters,
 * '?', '#' or '\' after percent-decoding, a bad escape, a host with characters other than
 * letters, digits, '-', '.', '_'. Longer than 255 bytes: MP_ERR_TOOLONG. */
struct mp_stream_url {
	char key[MP_SURL_KEY_MAX];      /* "__defaultVhost__/live/livestream" */
	char vhost[MP_SURL_KEY_MAX];    /* "__defaultVhost__" or "example.com" */
	char app[MP_SURL_KEY_MAX];      /* "live" */
	char stream[MP_SURL_KEY_MAX];   /* "livestream" */
	char query[MP_SURL_QUERY_MAX];  /* raw query for the origin, without '?': "token=abc"; "" if none */
};

/* RTMP: tcUrl from connect ("rtmp://host[:port]/app[?query]") and the stream name of publish or
 * play ("livestream?token=abc"). The key excludes the query; query is the stream name's query,
 * else the tcUrl's. */
int mp_stream_url_from_rtmp(const char *tc_url, size_t tc_len, const char *name, size_t name_len,
			    struct mp_stream_url *out);

/* HTTP-FLV/TS/HLS and WHIP/WHEP (proxy/utils.go convertURLToStreamURL): target is the request
 * target ("/live/livestream.flv?x=1", "/rtc/v1/whip/?app=live&stream=livestream"), host the Host
 * header (may be empty). When the query has "app" or "stream" they name the stream; otherwise
 * the path does, with its extension (".flv", ".ts", ".m3u8", any) stripped. query = the target's. */
int mp_stream_url_from_http(const char *target, size_t target_len, const char *host, size_t host_len,
			    struct mp_stream_url *out);

/* SRT: the stream id's resource ("r=live/livestream", given as "live/livestream", may carry a
 * "?query") and host ("h=", may be empty: then "localhost", i.e. the default vhost). */
int mp_stream_url_from_srt(const char *resource, size_t res_len, const char *host, size_t host_len,
			   struct mp_stream_url *out);

/* A full URL "scheme://host[:port]/app/stream[?query]", e.g. the legacy WebRTC JSON "streamurl"
 * ("webrtc://host/live/livestream") or an RTMP URL in one piece. */
int mp_stream_url_from_url(const char *url, size_t len, struct mp_stream_url *out);

#endif
