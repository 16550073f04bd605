/* srt_streamid.h: the SRT stream id grammar (access-control.md "#!::" keys, plain, SRS query forms). */
#ifndef MP_PROTO_SRT_STREAMID_H
#define MP_PROTO_SRT_STREAMID_H

#include <stddef.h>
#include <stdint.h>

#include "mp_error.h"

#define MP_SRT_SID_MAX 512 /* SRTO_STREAMID: at most 512 characters */

enum mp_srt_sid_mode {
	MP_SRT_MODE_REQUEST = 0, /* default when m is absent (access-control.md) */
	MP_SRT_MODE_PUBLISH,
	MP_SRT_MODE_BIDIRECTIONAL,
};

/* A slice of the parsed string (not NUL-terminated); len 0 when absent. */
struct mp_srt_sid_str {
	const char *p;
	size_t len;
};

/* A parsed stream id. Slices point into the caller's string, which must outlive them. */
struct mp_srt_streamid {
	struct mp_srt_sid_str resource; /* "app/stream" (query removed) */
	struct mp_srt_sid_str app;      /* resource before its first '/', empty when there is none */
	struct mp_srt_sid_str stream;   /* resource after its first '/' (all of it when no '/') */
	struct mp_srt_sid_str host;     /* h (or the vhost of SRS's legacy h=vhost/app/stream) */
	struct mp_srt_sid_str user;     /* u */
	struct mp_srt_sid_str session;  /* s */
	struct mp_srt_sid_str type;     /* t */
	uint8_t mode;                   /* enum mp_srt_sid_mode */
	uint8_t mode_given;             /* m was present */
	uint8_t keyed;                  /* "#!::" form */
	size_t query_len;
	char query[MP_SRT_SID_MAX + 1]; /* "k=v&k2=v2": r's "?..." part, then unknown keys in order */
};

/* Parse a stream id of len bytes (no NUL needed; trailing NULs are not allowed, strip them first).
 * Forms:
 *  - "#!::k=v,k=v,..." with the standard keys u r h s t m (m: request|publish|bidirectional,
 *    any case); other keys are kept in query as k=v; pairs are separated by ',' and, as SRS does,
 *    by '?' and '&' too (so "#!::r=live/s?secret=x,m=publish" gives query "secret=x");
 *    SRS's legacy "h=app/stream" and "h=vhost/app/stream" give the resource when r is absent
 *    (and the vhost as host);
 *    the last of a repeated key wins.
 *  - anything else not starting with "#!": a plain resource, "app/stream[?query]".
 * The access-control spec defines no escaping for the ':' syntax: values hold no ',' and are taken
 * verbatim (no percent-decoding). Errors: MP_ERR_TOOLONG (> 512), MP_ERR_INVAL (empty, control
 * character, a pair without '=' or with an empty key, unknown mode, no resource),
 * MP_ERR_UNSUPPORTED ("#!" followed by anything but "::", e.g. the nested "#!:{" form). */
int mp_srt_streamid_parse(const char *s, size_t len, struct mp_srt_streamid *out);

#endif
