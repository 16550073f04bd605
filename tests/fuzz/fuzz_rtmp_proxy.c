/* fuzz_rtmp_proxy.c: the RTMP proxy's session code (control/rtmp/rtmp_*.c) on arbitrary bytes, over
 * socketpairs and a real libevent loop: as a client after a valid handshake, as a raw client
 * (handshake included), and as an origin answering the replayed exchange (then relaying). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "control.h"
#include "fuzz_target.h"
#include "mp_log.h"
#include "rtmp_proxy.h"
#include "rtmp_session.h"

static struct mp_config cfg;

static void nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Run the loop without blocking, reading (and dropping) what the proxy writes to the peers. */
static void spin(struct mp_control *c, const int *peers, int n, int rounds)
{
	char sink[65536];

	for (int r = 0; r < rounds; r++) {
		event_base_loop(c->base, EVLOOP_NONBLOCK);
		for (int i = 0; i < n; i++)
			while (peers[i] >= 0 && read(peers[i], sink, sizeof(sink)) > 0)
				;
	}
}

/* Write all of data to fd, spinning the loop whenever the socket is full. */
static void feed(struct mp_control *c, int fd, const uint8_t *data, size_t size, const int *peers, int n)
{
	for (int stuck = 0; size && stuck < 64;) {
		ssize_t w = write(fd, data, size);

		if (w > 0) {
			data += w;
			size -= (size_t)w;
			stuck = 0;
		} else {
			stuck++;
		}
		spin(c, peers, n, 1);
	}
}

static int save(struct mp_rtmp_saved *sv, int type, const uint8_t *p, int len)
{
	if (len <= 0 || !(sv->payload = malloc((size_t)len)))
		return -1;
	memcpy(sv->payload, p, (size_t)len);
	sv->len = (uint32_t)len;
	sv->type = (uint8_t)type;
	sv->csid = 3;
	return 0;
}

/* A session as it is after the client published and the connect was replayed to the origin. */
static int origin_session(struct mp_control *c, int client_fd, int origin_fd)
{
	struct mp_rtmp_session *s;
	struct bufferevent *bev;
	uint8_t buf[256];

	mp_rtmp_proxy_accept(c, client_fd, NULL, 0);
	s = ((struct mp_rtmp_proxy *)c->state[MP_L_RTMP])->head;
	bev = bufferevent_socket_new(c->base, origin_fd, BEV_OPT_CLOSE_ON_FREE);
	if (!s || !bev || mp_rtmp_side_open(s, &s->org, bev)) {
		if (bev)
			bufferevent_free(bev);
		else
			close(origin_fd);
		return -1;
	}
	s->role = MP_RTMP_ROLE_PUBLISH;
	s->state = MP_RTMP_S_O_CONNECT;
	s->connect_txn = 1;
	s->create_txn = 4;
	s->client_sid = 1;
	s->max_txn = 5;
	snprintf(s->url.key, sizeof(s->url.key), "__defaultVhost__/live/fuzz");
	mp_rtmp_side_pause(&s->cl);
	if (save(&s->connect, 20, buf, mp_rtmp_build_connect(buf, sizeof(buf), 1, mp_rtmp_cstr("live"),
							     mp_rtmp_cstr("rtmp://h/live"), mp_rtmp_cstr(""), 0)) ||
	    save(&s->saved[0], 20, buf, mp_rtmp_build_call(buf, sizeof(buf), "FCPublish", 3, mp_rtmp_cstr("fuzz"))) ||
	    save(&s->start, 20, buf, mp_rtmp_build_publish(buf, sizeof(buf), 5, mp_rtmp_cstr("fuzz?k=v"),
							   mp_rtmp_cstr("live"))))
		return -1;
	s->nsaved = 1;
	return 0;
}

static void run(const uint8_t *data, size_t size, int mode)
{
	static uint8_t handshake[1 + 2 * 1536];
	struct mp_control c;
	int cl[2], org[2] = { -1, -1 }, peers[2];

	memset(&c, 0, sizeof(c));
	c.cfg = &cfg;
	c.base = event_base_new();
	if (!c.base || mp_rtmp_proxy_start(&c))
		abort();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, cl) || (mode == 2 && socketpair(AF_UNIX, SOCK_STREAM, 0, org)))
		abort();
	for (int i = 0; i < 2; i++) {
		nonblock(cl[i]);
		if (org[i] >= 0)
			nonblock(org[i]);
	}
	peers[0] = cl[1];
	peers[1] = org[1];
	if (mode == 2) {
		if (origin_session(&c, cl[0], org[0]) == 0)
			feed(&c, org[1], data, size, peers, 2);
	} else {
		mp_rtmp_proxy_accept(&c, cl[0], NULL, 0);
		if (mode == 0) {
			handshake[0] = 3; /* C0, a simple C1 and a C2 of zeros */
			feed(&c, cl[1], handshake, sizeof(handshake), peers, 2);
		}
		feed(&c, cl[1], data, size, peers, 2);
	}
	spin(&c, peers, 2, 4);
	close(cl[1]);
	if (org[1] >= 0)
		close(org[1]);
	peers[0] = peers[1] = -1;
	spin(&c, peers, 2, 4);
	mp_rtmp_proxy_close(&c);
	event_base_free(c.base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		mp_log_set_level(MP_LOG_ERR);
		signal(SIGPIPE, SIG_IGN); /* as mp_control_start does */
		ready = 1;
	}
	for (int mode = 0; mode < 3; mode++)
		run(data, size, mode);
	return 0;
}
