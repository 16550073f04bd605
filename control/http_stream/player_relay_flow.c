/* player_relay_flow.c: back-pressure between a player and its origin connection: reading the origin pauses
 * while the player's queue is full and resumes once it is written out; a player that stops is closed. */
#include "player_relay_int.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

/* Stop reading the origin until the player has taken what is queued (evhttp reads no further while
 * its connection's read side is disabled; the origin sees TCP back-pressure, no byte is lost). */
static void pause_origin(struct mp_player_relay *r, size_t queued)
{
	struct timeval tv = { r->hs->stall_ms / 1000, (r->hs->stall_ms % 1000) * 1000 };

	bufferevent_disable(evhttp_connection_get_bufferevent(r->oconn), EV_READ);
	r->paused = true;
	r->stall_queued = queued;
	r->hs->st.paused++;
	evtimer_add(r->stall, &tv);
}

static void resume_origin(struct mp_player_relay *r)
{
	r->paused = false;
	evtimer_del(r->stall);
	if (r->origin_open && r->oconn)
		bufferevent_enable(evhttp_connection_get_bufferevent(r->oconn), EV_READ);
}

/* The player's output buffer has been written out (evhttp's write callback for its connection). */
static void on_player_drained(struct evhttp_connection *pc, void *arg)
{
	struct mp_player_relay *r = arg;

	(void)pc;
	if (r->paused && !r->dying)
		resume_origin(r);
}

/* Every stall_ms while paused: a player that took nothing since the last look is closed. */
void mp_player_relay_on_stall(evutil_socket_t fd, short what, void *arg)
{
	struct mp_player_relay *r = arg;
	size_t queued = mp_player_relay_queued(r);
	struct timeval tv = { r->hs->stall_ms / 1000, (r->hs->stall_ms % 1000) * 1000 };

	(void)fd;
	(void)what;
	if (!r->paused || r->dying)
		return;
	if (queued >= r->stall_queued) {
		mp_player_relay_drop_slow(r, queued, "took nothing while its queue was full");
		return;
	}
	r->stall_queued = queued;
	evtimer_add(r->stall, &tv);
}

void mp_player_relay_send(struct mp_player_relay *r, struct evbuffer *buf)
{
	size_t n = evbuffer_get_length(buf), queued;

	/* the callback replaces the previous one: it runs once the whole queue is written */
	evhttp_send_reply_chunk_with_cb(r->player, buf, on_player_drained, r);
	r->bytes_out += n;
	r->hs->st.bytes_to_players += n;
	queued = mp_player_relay_queued(r);
	if (!r->paused && queued > r->hs->player_buffer)
		pause_origin(r, queued);
}
