/* rtmp_io.c: the RTMP proxy's bytes: bufferevent callbacks, reading messages, writing re-chunked
 * messages, acknowledgements, and back-pressure between the two sides of a session. */
#include "control.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"
#include "rtmp_session.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
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

/* A block a plain socket is read into (read_more). The input buffer refers to the bytes read
 * (evbuffer_add_reference), and so does the other side's output for the payload of a passed chunk
 * (move_payload): that payload is never copied in user space, only by the kernel in and out. The
 * block lives while anything refers to it; the side holds its current and previous block. */
struct mp_rtmp_rxblock {
	unsigned refs;
	uint32_t used, cap;
	uint8_t data[];
};

/* The size of a side's next block: what its last read suggests, so that a slow stream's leftover
 * (a partial chunk waits in the input between bursts) pins a small block, not MP_RTMP_PROXY_IO_MAX. */
static uint32_t rx_next_cap(size_t got, size_t room, uint32_t cap)
{
	uint32_t want = MP_RTMP_PROXY_RX_MIN;

	if (got == room) /* the socket had at least this much: grow */
		return cap < MP_RTMP_PROXY_IO_MAX / 2 ? 2 * cap : MP_RTMP_PROXY_IO_MAX;
	while (want < 2 * got && want < MP_RTMP_PROXY_IO_MAX)
		want *= 2;
	return want;
}

static void rx_unref(const void *data, size_t len, void *arg)
{
	struct mp_rtmp_rxblock *b = arg;

	(void)data;
	(void)len;
	if (--b->refs == 0)
		free(b);
}

/* Let go of the side's blocks (what still refers to them keeps them). */
static void rx_release(struct mp_rtmp_side *side)
{
	for (unsigned i = 0; i < 2; i++)
		if (side->rx[i]) {
			rx_unref(NULL, 0, side->rx[i]);
			side->rx[i] = NULL;
		}
}

/* The side's block that holds [p, p + len), or NULL. */
static struct mp_rtmp_rxblock *rx_block_of(const struct mp_rtmp_side *side, const void *p, size_t len)
{
	for (unsigned i = 0; i < 2; i++) {
		struct mp_rtmp_rxblock *b = side->rx[i];

		if (b && (const uint8_t *)p >= b->data && (const uint8_t *)p + len <= b->data + b->used)
			return b;
	}
	return NULL;
}

/* libevent 2.1 reads at most 4096 bytes per read callback (EVBUFFER_MAX_READ, whatever
 * bufferevent_set_max_single_read says; 2.2 makes it settable), each read an ioctl(FIONREAD), a
 * readv, a trip through epoll_wait and a pump: at hundreds of MB/s the relay spent its time there.
 * After a pump has consumed what libevent read, read what else waits on a plain socket ourselves,
 * up to MP_RTMP_PROXY_IO_MAX buffered, into the side's block, and append it to the same input
 * buffer by reference (its end is frozen between the socket bufferevent's own reads, as here).
 * End of stream and errors are left to libevent's next read, which sees them again.
 * Returns the bytes added (0: none now) or MP_ERR_NOMEM. */
static ssize_t read_more(struct mp_rtmp_side *side)
{
	struct evbuffer *in = bufferevent_get_input(side->bev);
	struct mp_rtmp_rxblock *b = side->rx[0];
	size_t have = evbuffer_get_length(in), room;
	ssize_t got;
	int fd = (int)bufferevent_getfd(side->bev);

	if (fd < 0 || have >= MP_RTMP_PROXY_IO_MAX)
		return 0;
	if (!b || b->used == b->cap) {
		uint32_t cap = side->rx_cap ? side->rx_cap : MP_RTMP_PROXY_RX_MIN;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return MP_ERR_NOMEM;
		b->refs = 1; /* the side's */
		b->used = 0;
		b->cap = cap;
		if (side->rx[1])
			rx_unref(NULL, 0, side->rx[1]);
		side->rx[1] = side->rx[0];
		side->rx[0] = b;
	}
	room = b->cap - b->used;
	if (room > MP_RTMP_PROXY_IO_MAX - have)
		room = MP_RTMP_PROXY_IO_MAX - have;
	do
		got = read(fd, b->data + b->used, room);
	while (got < 0 && errno == EINTR);
	if (got <= 0)
		return 0; /* EAGAIN, end of stream, error: libevent's next read */
	side->rx_cap = rx_next_cap((size_t)got, room, b->cap);
	b->refs++;
	evbuffer_unfreeze(in, 0);
	if (evbuffer_add_reference(in, b->data + b->used, (size_t)got, rx_unref, b)) {
		evbuffer_freeze(in, 0);
		b->refs--;
		return MP_ERR_NOMEM; /* the bytes read are lost: the stream cannot go on */
	}
	evbuffer_freeze(in, 0);
	b->used += (uint32_t)got;
	return got;
}

/* Move the first k bytes of in (a passed chunk's payload) to out. A payload of at least
 * MP_RTMP_PROXY_REF_MIN goes by reference where it lies in one of the side's blocks; a shorter one
 * (and what libevent itself read) is copied once into out's own chains, where chunks follow one
 * another with no allocation per chunk (a reference costs libevent a 1 KB chain, and the header
 * after it another). */
static int move_payload(struct mp_rtmp_side *side, struct evbuffer *in, struct evbuffer *out, size_t k)
{
	struct evbuffer_iovec v[8];
	size_t left = k;
	int n = evbuffer_peek(in, (ev_ssize_t)k, NULL, v, 8);

	if (n < 1 || n > 8) /* spread over many small chains: let libevent move them */
		return evbuffer_remove_buffer(in, out, k) == (int)k ? MP_OK : MP_ERR_NOMEM;
	for (int i = 0; i < n && left; i++) {
		size_t len = v[i].iov_len < left ? v[i].iov_len : left;
		struct mp_rtmp_rxblock *b = k >= MP_RTMP_PROXY_REF_MIN ? rx_block_of(side, v[i].iov_base, len) : NULL;

		if (b) {
			b->refs++;
			if (evbuffer_add_reference(out, v[i].iov_base, len, rx_unref, b)) {
				b->refs--;
				return MP_ERR_NOMEM;
			}
		} else if (evbuffer_add(out, v[i].iov_base, len)) {
			return MP_ERR_NOMEM;
		}
		left -= len;
	}
	return evbuffer_drain(in, k) ? MP_ERR_NOMEM : MP_OK;
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
		/* expand first: after a reference, evbuffer_add would size its new chain from the
		 * reference's length (64 KB for a 1-byte header after a 60000-byte payload) */
		if (evbuffer_expand(bufferevent_get_output(to->bev), (size_t)n) ||
		    evbuffer_add(bufferevent_get_output(to->bev), hdr, (size_t)n))
			return MP_ERR_NOMEM;
		count_out(to, (size_t)n);
		if (k) {
			rc = move_payload(side, in, bufferevent_get_output(to->bev), k);
			if (rc < 0)
				return rc;
		}
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

/* Write what is queued for a plain socket now, rather than on the next turn of the event loop
 * (one epoll_wait and two epoll_ctl fewer per burst). What the socket does not take stays queued
 * for libevent's write callback, which also reports errors and calls on_write at the low mark.
 * The output's start is frozen between the socket bufferevent's own writes, as here. */
static void write_now(struct mp_rtmp_side *side)
{
	struct evbuffer *out;
	int fd;

	if (!side->bev || !side->plain)
		return;
	out = bufferevent_get_output(side->bev);
	fd = (int)bufferevent_getfd(side->bev);
	if (fd < 0 || !evbuffer_get_length(out))
		return;
	evbuffer_unfreeze(out, 1);
	evbuffer_write_atmost(out, fd, MP_RTMP_PROXY_IO_MAX);
	evbuffer_freeze(out, 1);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct mp_rtmp_side *side = arg;
	struct mp_rtmp_session *s = session_of(side);
	unsigned reads = 0;
	int rc;

	(void)bev;
	s->last_ms = mp_now_ms();
	rc = mp_rtmp_pump(s, side);
	/* pump returns with the input consumed but for a partial chunk, or paused, or the state
	 * changed: read more only while the same side can still be read, and a few times at most
	 * (the other sessions' turn comes) */
	while (rc >= 0 && side->plain && side->bev && readable(s, side) && reads++ < MP_RTMP_PROXY_READS) {
		ssize_t got = read_more(side);

		if (got <= 0) {
			rc = got < 0 ? (int)got : rc;
			break;
		}
		rc = mp_rtmp_pump(s, side);
		if (rc >= 0 && s->state == MP_RTMP_S_RELAY)
			write_now(mp_rtmp_other(s, side));
	}
	/* an idle side holds no block (what the other side's output refers to stays until written) */
	if (side->bev && !evbuffer_get_length(bufferevent_get_input(side->bev)))
		rx_release(side);
	mp_rtmp_session_result(s, rc, side->is_origin ? "reading the origin" : "reading the client");
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
	side->plain = bufferevent_openssl_get_ssl(bev) == NULL;
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
	rx_release(side);
}
