/* rtmp_io.c: the RTMP proxy's bytes: bufferevent callbacks, reading messages, writing re-chunked
 * messages, acknowledgements, and back-pressure between the two sides of a session. */
#include "control.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"
#include "rtmp_session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

static struct mp_rtmp_session *session_of(struct mp_rtmp_side *side)
{
	if (side->is_origin)
		return (struct mp_rtmp_session *)((char *)side - offsetof(struct mp_rtmp_session, org));
	return (struct mp_rtmp_session *)((char *)side - offsetof(struct mp_rtmp_session, cl));
}

void mp_rtmp_socket_tune(int fd)
{
	int one = 1, idle = 30, intvl = 10, cnt = 3;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* media: no Nagle delay */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

size_t mp_rtmp_side_queued(const struct mp_rtmp_side *side)
{
	return side->bev ? evbuffer_get_length(bufferevent_get_output(side->bev)) : 0;
}

static void count_out(struct mp_rtmp_side *side, size_t n)
{
	struct mp_rtmp_session *s = session_of(side);

	side->bytes_out += n;
	if (side->is_origin)
		s->px->st.bytes_to_origin += n;
	else
		s->px->st.bytes_to_client += n;
}

int mp_rtmp_send_msg(struct mp_rtmp_side *side, const struct mp_rtmp_msg *m)
{
	struct evbuffer *out;
	struct evbuffer_iovec v;
	size_t n;
	int w;

	if (!side->bev)
		return MP_ERR_STATE;
	out = bufferevent_get_output(side->bev);
	n = mp_rtmp_chunk_write_len(m, side->out_chunk);
	if (evbuffer_reserve_space(out, (ev_ssize_t)n, &v, 1) < 1 || v.iov_len < n)
		return MP_ERR_NOMEM;
	w = mp_rtmp_chunk_write(m, side->out_chunk, v.iov_base, v.iov_len);
	if (w < 0)
		return w;
	v.iov_len = (size_t)w;
	if (evbuffer_commit_space(out, &v, 1))
		return MP_ERR_NOMEM;
	count_out(side, (size_t)w);
	return MP_OK;
}

int mp_rtmp_send_cmd(struct mp_rtmp_side *side, uint32_t csid, uint32_t stream_id, const uint8_t *p, int len)
{
	struct mp_rtmp_msg m = { .csid = csid, .stream_id = stream_id, .type = MP_RTMP_MSG_COMMAND_AMF0 };

	if (len < 0)
		return len;
	m.len = (uint32_t)len;
	m.payload = p;
	return mp_rtmp_send_msg(side, &m);
}

int mp_rtmp_send_ctrl(struct mp_rtmp_side *side, const struct mp_rtmp_ctrl *c)
{
	uint8_t buf[64];
	int n;

	if (!side->bev)
		return MP_ERR_STATE;
	n = mp_rtmp_ctrl_write(c, side->out_chunk, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (bufferevent_write(side->bev, buf, (size_t)n))
		return MP_ERR_NOMEM;
	count_out(side, (size_t)n);
	return MP_OK;
}

int mp_rtmp_send_chunk_size(struct mp_rtmp_side *side, uint32_t size)
{
	struct mp_rtmp_ctrl c = { .type = MP_RTMP_MSG_SET_CHUNK_SIZE, .value = size };
	int rc = mp_rtmp_send_ctrl(side, &c);

	/* spec 1.0 section 5.4.1: the new size applies to every chunk after this message */
	if (rc == MP_OK)
		side->out_chunk = size;
	return rc;
}

void mp_rtmp_side_pause(struct mp_rtmp_side *side)
{
	side->paused = 1;
	if (side->bev)
		bufferevent_disable(side->bev, EV_READ);
}

int mp_rtmp_side_resume(struct mp_rtmp_session *s, struct mp_rtmp_side *side)
{
	if (!side->paused)
		return MP_OK;
	side->paused = 0;
	if (!side->bev)
		return MP_OK;
	bufferevent_enable(side->bev, EV_READ);
	return mp_rtmp_pump(s, side); /* what waited in the input buffer: libevent will not call again for it */
}

static int dispatch(struct mp_rtmp_session *s, struct mp_rtmp_side *side, const struct mp_rtmp_msg *m)
{
	side->msgs_in++;
	if (m->type >= MP_RTMP_MSG_SET_CHUNK_SIZE && m->type <= MP_RTMP_MSG_SET_PEER_BANDWIDTH)
		return mp_rtmp_relay_control(s, side, m);
	if (s->state == MP_RTMP_S_RELAY)
		return mp_rtmp_relay_message(s, side, m);
	if (side->is_origin)
		return mp_rtmp_origin_message(s, m);
	return mp_rtmp_client_command(s, m);
}

/* Spec 1.0 section 5.4.3: acknowledge the peer's window of bytes when it is due. */
static int ack_if_due(struct mp_rtmp_session *s, struct mp_rtmp_side *side)
{
	struct mp_rtmp_ctrl c = { .type = MP_RTMP_MSG_ACK };
	int rc;

	if (!mp_rtmp_reader_ack_due(&side->rd, &c.value))
		return MP_OK;
	rc = mp_rtmp_send_ctrl(side, &c);
	if (rc == MP_OK) {
		mp_rtmp_reader_ack_sent(&side->rd);
		s->px->st.acks_sent++;
	}
	return rc;
}

static void count_in(struct mp_rtmp_session *s, struct mp_rtmp_side *side, size_t n)
{
	side->bytes_in += n;
	if (side->is_origin)
		s->px->st.bytes_from_origin += n;
	else
		s->px->st.bytes_from_client += n;
}

/* Feed at most max bytes of side's input to its reader and dispatch the message they complete.
 * MP_ERR_AGAIN: no input (and max > 0). A message still incomplete is progress: MP_OK. */
static int read_message(struct mp_rtmp_session *s, struct mp_rtmp_side *side, struct evbuffer *in, size_t max)
{
	struct evbuffer_iovec v;
	struct mp_rtmp_msg m;
	size_t used = 0;
	int rc;

	if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
		v.iov_len = 0;
	if (v.iov_len > max)
		v.iov_len = max;
	if (!v.iov_len && max)
		return MP_ERR_AGAIN;
	rc = mp_rtmp_reader_feed(&side->rd, v.iov_len ? v.iov_base : NULL, v.iov_len, &used, &m);
	/* the message (if any) lives in the reader's buffers: the input can go */
	evbuffer_drain(in, used);
	count_in(s, side, used);
	if (rc == MP_OK)
		return dispatch(s, side, &m);
	return rc == MP_ERR_AGAIN ? MP_OK : rc;
}

/* One step of the chunk-by-chunk relay (both sides at the same chunk size): a chunk header, or a
 * chunk's payload. A media message's chunks go to the other side as they come: a header we write
 * (the message stream id mapped) and the payload moved between libevent buffers, never copied into
 * a message. A chunk goes out whole or not at all (header and payload together, once the payload
 * is all in), so what the proxy writes to that side itself (acknowledgements, pongs, relayed
 * control) always falls between chunks. Any other message is assembled and dispatched as before.
 * MP_ERR_AGAIN: wait for more input. */
static int relay_chunk(struct mp_rtmp_session *s, struct mp_rtmp_side *side, struct evbuffer *in)
{
	struct mp_rtmp_side *to = mp_rtmp_other(s, side);
	struct mp_rtmp_reader *r = &side->rd;
	struct evbuffer_iovec v;
	size_t used = 0, avail = evbuffer_get_length(in);
	int rc;

	if (mp_rtmp_reader_wants_header(r)) {
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || v.iov_len == 0)
			return MP_ERR_AGAIN;
		rc = mp_rtmp_reader_header(r, v.iov_base, v.iov_len, &used, &side->chunk);
		evbuffer_drain(in, used);
		count_in(s, side, used);
		if (rc < 0)
			return rc == MP_ERR_AGAIN ? MP_OK : rc; /* AGAIN: the header goes on in the next iovec */
		if (side->chunk.offset == 0 && mp_rtmp_relay_passes(s, side, &side->chunk))
			mp_rtmp_reader_pass_message(r, &side->chunk);
		if (side->chunk.pass && side->rd.chunk_size != to->out_chunk)
			return MP_ERR_PROTO; /* the size changed in the middle of a passed message */
		return MP_OK; /* a passed chunk goes out below once its payload is in */
	}
	if (mp_rtmp_reader_passing(r)) {
		uint32_t k = mp_rtmp_reader_chunk_left(r);
		uint8_t hdr[MP_RTMP_CHUNK_HDR_MAX];
		int n;

		if (k > avail)
			return MP_ERR_AGAIN; /* at most one chunk (<= 64 KB) waits in the input */
		n = mp_rtmp_chunk_header_write(&side->chunk, mp_rtmp_relay_sid(s, side, side->chunk.stream_id), hdr,
					       sizeof(hdr));
		if (n < 0)
			return n;
		if (bufferevent_write(to->bev, hdr, (size_t)n))
			return MP_ERR_NOMEM;
		count_out(to, (size_t)n);
		/* libevent moves whole buffer chains by reference and copies only partial ones */
		if (k && evbuffer_remove_buffer(in, bufferevent_get_output(to->bev), k) != (int)k)
			return MP_ERR_NOMEM;
		count_in(s, side, k);
		count_out(to, k);
		rc = mp_rtmp_reader_pass(r, k);
		if (rc < 0)
			return rc;
		mp_rtmp_relay_passed(s, side, rc == 2);
		return MP_OK;
	}
	return read_message(s, side, in, mp_rtmp_reader_chunk_left(r)); /* a chunk of a message being assembled */
}

/* May this side's input be read as messages now? */
static int readable(const struct mp_rtmp_session *s, const struct mp_rtmp_side *side)
{
	if (side->paused || s->state == MP_RTMP_S_CLOSING)
		return 0;
	if (side->is_origin)
		return s->state >= MP_RTMP_S_O_HANDSHAKE;
	return s->state <= MP_RTMP_S_C_COMMANDS || s->state == MP_RTMP_S_RELAY;
}

int mp_rtmp_pump(struct mp_rtmp_session *s, struct mp_rtmp_side *side)
{
	while (side->bev && readable(s, side)) {
		struct evbuffer *in = bufferevent_get_input(side->bev);
		int rc;

		if (!side->is_origin && s->state <= MP_RTMP_S_C_HANDSHAKE2) {
			rc = mp_rtmp_client_handshake(s);
			if (rc == MP_ERR_AGAIN)
				return MP_OK;
			if (rc < 0)
				return rc;
			continue;
		}
		if (side->is_origin && s->state == MP_RTMP_S_O_HANDSHAKE) {
			rc = mp_rtmp_origin_handshake(s);
			if (rc == MP_ERR_AGAIN)
				return MP_OK;
			if (rc < 0)
				return rc;
			continue;
		}
		if (s->state == MP_RTMP_S_RELAY && mp_rtmp_relay_by_chunk(s, side))
			rc = relay_chunk(s, side, in);
		else
			rc = read_message(s, side, in, SIZE_MAX);
		if (rc == MP_ERR_AGAIN)
			return MP_OK;
		if (rc < 0)
			return rc;
		if (s->state != MP_RTMP_S_CLOSING) {
			rc = ack_if_due(s, side);
			if (rc < 0)
				return rc;
		}
	}
	return MP_OK;
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct mp_rtmp_side *side = arg;
	struct mp_rtmp_session *s = session_of(side);

	(void)bev;
	s->last_ms = mp_now_ms();
	mp_rtmp_session_result(s, mp_rtmp_pump(s, side), side->is_origin ? "reading the origin" : "reading the client");
}

/* Output drained to the low mark (or to 0 while closing). */
static void on_write(struct bufferevent *bev, void *arg)
{
	struct mp_rtmp_side *side = arg;
	struct mp_rtmp_session *s = session_of(side);
	struct mp_rtmp_side *other = mp_rtmp_other(s, side);

	(void)bev;
	if (s->state == MP_RTMP_S_CLOSING) {
		if (!mp_rtmp_side_queued(&s->cl) && !mp_rtmp_side_queued(&s->org))
			mp_rtmp_session_free(s, s->close_reason);
		return;
	}
	if (s->state == MP_RTMP_S_RELAY && other->paused && mp_rtmp_side_queued(side) <= MP_RTMP_PROXY_OUT_LOW)
		mp_rtmp_session_result(s, mp_rtmp_side_resume(s, other), "resuming");
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct mp_rtmp_side *side = arg;
	struct mp_rtmp_session *s = session_of(side);
	const char *who = side->is_origin ? "the origin" : "the client";
	char why[96];
	int rc;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		/* the client side connects only when its TLS handshake ends (RTMPS): nothing to do */
		if (side->is_origin)
			mp_rtmp_session_result(s, mp_rtmp_origin_connected(s), "origin handshake");
		return;
	}
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)))
		return;
	snprintf(why, sizeof(why), "%s %s", who,
		 (what & BEV_EVENT_EOF)		? "closed the connection"
		 : (what & BEV_EVENT_TIMEOUT)	? "timed out" /* while connecting: origin_connect_timeout */
						: "connection failed");
	if (side->is_origin && s->state >= MP_RTMP_S_O_CONNECTING && s->state < MP_RTMP_S_RELAY) {
		mp_rtmp_session_result(s, mp_rtmp_origin_failed(s, why), "origin");
		return;
	}
	if (s->state != MP_RTMP_S_RELAY) {
		if (side->is_origin)
			s->px->st.origin_closed++;
		mp_rtmp_session_free(s, why);
		return;
	}
	/* Relaying: what this side sent last is forwarded, then the other side is flushed and closed. */
	if (side->is_origin)
		s->px->st.origin_closed++;
	rc = mp_rtmp_pump(s, side);
	if (rc < 0) {
		mp_rtmp_session_result(s, rc, why);
		return;
	}
	mp_rtmp_side_close(side);
	mp_rtmp_session_result(s, mp_rtmp_session_closing(s, why), why);
}

int mp_rtmp_side_open(struct mp_rtmp_session *s, struct mp_rtmp_side *side, struct bufferevent *bev)
{
	side->bev = bev;
	side->is_origin = side == &s->org;
	side->out_chunk = MP_RTMP_DEFAULT_CHUNK_SIZE;
	side->out_window = 0;
	side->paused = 0;
	mp_rtmp_reader_init(&side->rd, MP_RTMP_PROXY_SETUP_MAX_MSG); /* raised when the relay starts */
	bufferevent_setcb(bev, on_read, on_write, on_event, side);
	/* libevent reads and writes at most 16 KB per callback by default: a relay moving media at
	 * hundreds of MB/s would spend its time in the event loop */
	bufferevent_set_max_single_read(bev, MP_RTMP_PROXY_IO_MAX);
	bufferevent_set_max_single_write(bev, MP_RTMP_PROXY_IO_MAX);
	bufferevent_setwatermark(bev, EV_READ, 0, MP_RTMP_PROXY_IN_HIGH);
	bufferevent_setwatermark(bev, EV_WRITE, MP_RTMP_PROXY_OUT_LOW, 0);
	return bufferevent_enable(bev, EV_READ | EV_WRITE) ? MP_ERR_IO : MP_OK;
}

void mp_rtmp_side_close(struct mp_rtmp_side *side)
{
	if (side->bev) {
		bufferevent_free(side->bev);
		side->bev = NULL;
		mp_rtmp_reader_free(&side->rd);
	}
}
