/* origin_replies.h: does each origin answer the media the data plane sends it? Seen from the live
 * sessions (traffic back from the origin or none), for `show origins`, the System API origin list
 * and one log line (rate-limited) when an origin stays silent. */
#ifndef MP_ORIGIN_REPLIES_H
#define MP_ORIGIN_REPLIES_H

#include <stdint.h>

struct mp_lb;

enum mp_origin_reply {
	MP_REPLY_UNKNOWN = 0, /* no session towards it yet */
	MP_REPLY_SEEN,        /* a session got traffic back from it */
	MP_REPLY_SILENT,      /* sessions sent it traffic for MP_ORIGIN_SILENT_MS, none got any back */
};
#define MP_ORIGIN_SILENT_MS 1000
#define MP_ORIGIN_DOWN_MS 5000 /* silent this long: marked down (not picked until it registers again) */
#define MP_ORIGIN_SILENT_LOG_MS 60000 /* at most one log line per origin this often */

struct mp_origin_replies;

struct mp_origin_replies *mp_origin_replies_new(uint32_t max_origins);
void mp_origin_replies_free(struct mp_origin_replies *r);
/* Walk the live sessions (control plane, every second or so, as an lb reader that reports quiescence
 * after): each origin's state, logging an origin that turned silent and marking it down
 * (mp_lb_origin_mark_down: no new streams until it registers again). */
void mp_origin_replies_scan(struct mp_origin_replies *r, struct mp_lb *lb, uint64_t now);
enum mp_origin_reply mp_origin_replies_get(const struct mp_origin_replies *r, uint32_t origin_id, uint32_t uid);
const char *mp_origin_reply_name(enum mp_origin_reply v);

#endif
