/* player_relay_flv.c: HTTP-FLV back-pressure: whole tags are left out for a player that falls behind. */
#include "player_relay_int.h"
#include "mp_clock.h"

#include <event2/buffer.h>
#include <event2/http.h>

/* Keep or drop a whole FLV tag; `over`: the player has been lagging (its queue over half of
 * player_buffer for lag_ms; a burst such as an origin's GOP cache at start is not lagging). Headers,
 * metadata and sequence headers always go; audio and video only while the player keeps up, and once
 * video is dropped, none until the next keyframe (a decoder cannot use frames that refer to a lost one). */
static bool flv_keep(struct mp_player_relay *r, enum mp_flv_class cls, bool over, uint64_t now)
{
	switch (cls) {
	case MP_FLV_VIDEO_KEY:
		r->need_key = over;
		break;
	case MP_FLV_VIDEO:
		r->need_key = r->need_key || over;
		over = r->need_key;
		break;
	case MP_FLV_AUDIO:
		break;
	default:
		return true;
	}
	if (!over) {
		r->drop_since_ms = 0;
		return true;
	}
	r->hs->st.flv_tags_dropped++;
	if (!r->drop_since_ms)
		r->drop_since_ms = now;
	return false;
}

/* Is the player lagging: its queue over half of player_buffer for lag_ms or more? */
static bool lagging(struct mp_player_relay *r, size_t queued, uint64_t now)
{
	if (queued <= r->hs->player_buffer / 2) {
		r->over_since_ms = 0;
		return false;
	}
	if (!r->over_since_ms)
		r->over_since_ms = now;
	return now - r->over_since_ms >= r->hs->lag_ms;
}

/* HTTP-FLV: pass the origin's bytes on in whole tags, leaving out those flv_keep refuses. */
void mp_player_relay_send_flv(struct mp_player_relay *r, struct evbuffer *in, size_t n)
{
	struct mp_http_stream *hs = r->hs;
	const uint8_t *p = evbuffer_pullup(in, -1);
	struct evbuffer *out = evbuffer_new();
	size_t left = n, queued = mp_player_relay_queued(r);
	uint64_t now = mp_now_ms();
	struct mp_flv_run run;
	int rc;

	if (!out || !p) {
		evbuffer_free(out);
		mp_player_relay_drop_slow(r, queued, "out of memory");
		return;
	}
	while ((rc = mp_flv_split_next(&r->split, &p, &left, &run)) == 1) {
		if (run.first)
			r->keep = flv_keep(r, run.cls, lagging(r, queued + evbuffer_get_length(out), now), now);
		if (r->keep)
			evbuffer_add(out, run.p, run.n);
		else
			hs->st.flv_bytes_dropped += run.n;
	}
	if (rc < 0) { /* not FLV after all: from here on, pass everything through */
		r->flv_on = false;
		evbuffer_add(out, r->split.head, r->split.head_len);
		evbuffer_add(out, p, left);
	}
	evbuffer_drain(in, n);
	if (r->drop_since_ms && now - r->drop_since_ms >= hs->stall_ms) {
		evbuffer_free(out);
		mp_player_relay_drop_slow(r, queued, "no media tag sent for a while");
		return;
	}
	mp_player_relay_send(r, out);
	evbuffer_free(out);
}
