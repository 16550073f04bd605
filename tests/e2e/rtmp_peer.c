/* rtmp_peer.c: a small blocking RTMP endpoint for tests (client or server side), built on proto/. */
#include "rtmp_peer.h"
#include "mp_error.h"
#include "rtmp_handshake.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void fill_random(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rand();
}

static int wait_fd(int fd, short ev, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = ev };
	int rc;

	do
		rc = poll(&pfd, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	return rc > 0 ? 0 : -1;
}

static int write_all(int fd, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Fill the input buffer with at least need bytes (need <= sizeof(in)). */
static int fill(struct rtmp_peer *p, size_t need, int timeout_ms)
{
	if (p->in_pos && p->in_len - p->in_pos < need) {
		memmove(p->in, p->in + p->in_pos, p->in_len - p->in_pos);
		p->in_len -= p->in_pos;
		p->in_pos = 0;
	}
	while (p->in_len - p->in_pos < need) {
		ssize_t r;

		if (wait_fd(p->fd, POLLIN, timeout_ms))
			return -1;
		r = recv(p->fd, p->in + p->in_len, sizeof(p->in) - p->in_len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p->in_len += (size_t)r;
	}
	return 0;
}

static void init(struct rtmp_peer *p, int fd)
{
	int one = 1;

	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->out_chunk = MP_RTMP_DEFAULT_CHUNK_SIZE;
	mp_rtmp_reader_init(&p->rd, 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int rtmp_peer_connect(struct rtmp_peer *p, const char *ip, uint16_t port, int timeout_ms)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	uint8_t c0c1[MP_RTMP_HS_C0C1_LEN], rnd[MP_RTMP_HS_SIZE], c2[MP_RTMP_HS_SIZE];
	struct mp_rtmp_hs_peer server;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, ip, &sin.sin_addr);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	init(p, fd);
	fill_random(rnd, sizeof(rnd));
	if (mp_rtmp_hs_build_c0c1(rnd, 0, c0c1, sizeof(c0c1)) || write_all(fd, c0c1, sizeof(c0c1)) ||
	    fill(p, MP_RTMP_HS_S0S1S2_LEN, timeout_ms))
		goto fail;
	fill_random(rnd, sizeof(rnd));
	if (mp_rtmp_hs_client_finish(c0c1, p->in + p->in_pos, MP_RTMP_HS_S0S1S2_LEN, rnd, c2, sizeof(c2), &server) ||
	    write_all(fd, c2, sizeof(c2)))
		goto fail;
	p->in_pos += MP_RTMP_HS_S0S1S2_LEN;
	p->rd.received = MP_RTMP_HS_S0S1S2_LEN;
	return 0;
fail:
	rtmp_peer_close(p);
	return -1;
}

int rtmp_peer_listen(const char *ip, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	inet_pton(AF_INET, ip, &sin.sin_addr);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

int rtmp_peer_accept(struct rtmp_peer *p, int lfd, int timeout_ms)
{
	uint8_t rnd[2 * MP_RTMP_HS_SIZE], out[MP_RTMP_HS_S0S1S2_LEN];
	struct mp_rtmp_hs_peer client;
	int fd;

	if (wait_fd(lfd, POLLIN, timeout_ms))
		return -1;
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return -1;
	init(p, fd);
	if (fill(p, MP_RTMP_HS_C0C1_LEN, timeout_ms) ||
	    mp_rtmp_hs_parse_c0c1(p->in + p->in_pos, MP_RTMP_HS_C0C1_LEN, &client))
		goto fail;
	fill_random(rnd, sizeof(rnd));
	if (mp_rtmp_hs_build_s0s1s2(&client, p->in + p->in_pos, rnd, 0, out, sizeof(out)) < 0 ||
	    write_all(fd, out, sizeof(out)))
		goto fail;
	p->in_pos += MP_RTMP_HS_C0C1_LEN;
	if (fill(p, MP_RTMP_HS_SIZE, timeout_ms))
		goto fail;
	p->in_pos += MP_RTMP_HS_SIZE;
	p->rd.received = MP_RTMP_HS_C0C1_LEN + MP_RTMP_HS_SIZE;
	return 0;
fail:
	rtmp_peer_close(p);
	return -1;
}

void rtmp_peer_close(struct rtmp_peer *p)
{
	if (p->fd >= 0) {
		close(p->fd);
		mp_rtmp_reader_free(&p->rd);
	}
	p->fd = -1;
}

int rtmp_peer_send(struct rtmp_peer *p, const struct mp_rtmp_msg *m)
{
	size_t n = mp_rtmp_chunk_write_len(m, p->out_chunk);
	uint8_t *b = malloc(n);
	int w, rc;

	if (!b)
		return -1;
	w = mp_rtmp_chunk_write(m, p->out_chunk, b, n);
	rc = w < 0 ? -1 : write_all(p->fd, b, (size_t)w);
	free(b);
	return rc;
}

int rtmp_peer_send_cmd(struct rtmp_peer *p, uint32_t csid, uint32_t sid, const uint8_t *payload, int len)
{
	struct mp_rtmp_msg m = { .csid = csid, .stream_id = sid, .type = MP_RTMP_MSG_COMMAND_AMF0, .payload = payload };

	if (len < 0)
		return -1;
	m.len = (uint32_t)len;
	return rtmp_peer_send(p, &m);
}

int rtmp_peer_send_ctrl(struct rtmp_peer *p, const struct mp_rtmp_ctrl *c)
{
	uint8_t b[64];
	int n = mp_rtmp_ctrl_write(c, p->out_chunk, b, sizeof(b));

	return n < 0 ? -1 : write_all(p->fd, b, (size_t)n);
}

int rtmp_peer_set_chunk(struct rtmp_peer *p, uint32_t size)
{
	struct mp_rtmp_ctrl c = { .type = MP_RTMP_MSG_SET_CHUNK_SIZE, .value = size };

	if (rtmp_peer_send_ctrl(p, &c))
		return -1;
	p->out_chunk = size;
	return 0;
}

int rtmp_peer_read(struct rtmp_peer *p, struct mp_rtmp_msg *m, int timeout_ms)
{
	for (;;) {
		uint32_t chunk = p->rd.chunk_size;
		size_t used = 0;
		int rc;

		if (p->in_pos == p->in_len) {
			p->in_pos = p->in_len = 0;
			if (fill(p, 1, timeout_ms))
				return -1;
		}
		rc = mp_rtmp_reader_feed(&p->rd, p->in + p->in_pos, p->in_len - p->in_pos, &used, m);
		p->in_pos += used;
		if (rc == MP_OK) {
			struct mp_rtmp_ctrl c;
			uint32_t seq;

			if (mp_rtmp_reader_ack_due(&p->rd, &seq)) {
				struct mp_rtmp_ctrl ack = { .type = MP_RTMP_MSG_ACK, .value = seq };

				rtmp_peer_send_ctrl(p, &ack);
				mp_rtmp_reader_ack_sent(&p->rd);
			}
			if (m->type == MP_RTMP_MSG_SET_CHUNK_SIZE && p->rd.chunk_size < chunk)
				p->chunk_lowered++;
			if (m->type == MP_RTMP_MSG_ACK) {
				p->acks_received++;
				continue;
			}
			if (m->type == MP_RTMP_MSG_USER_CONTROL && mp_rtmp_ctrl_parse(m, &c) == 0) {
				if (c.event == MP_RTMP_UC_PING_REQUEST) {
					struct mp_rtmp_ctrl pong = { .type = MP_RTMP_MSG_USER_CONTROL,
								     .event = MP_RTMP_UC_PING_RESPONSE, .value = c.value };

					rtmp_peer_send_ctrl(p, &pong);
					continue;
				}
				if (c.event == MP_RTMP_UC_PING_RESPONSE) {
					p->pongs_received++;
					continue;
				}
			}
			return 0;
		}
		if (rc != MP_ERR_AGAIN)
			return -1;
	}
}

int rtmp_peer_expect_cmd(struct rtmp_peer *p, const char *name, struct mp_rtmp_cmd *cmd,
			 struct mp_amf0_node *nodes, uint16_t cap, struct mp_rtmp_msg *m, int timeout_ms)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long spent;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		spent = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= timeout_ms || rtmp_peer_read(p, m, (int)(timeout_ms - spent)))
			return -1;
		if (m->type != MP_RTMP_MSG_COMMAND_AMF0 || mp_rtmp_cmd_parse(cmd, nodes, cap, m->type, m->payload, m->len))
			continue;
		if (cmd->name.len == strlen(name) && !memcmp(cmd->name.ptr, name, cmd->name.len))
			return 0;
	}
}
