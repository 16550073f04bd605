/* rtmp_peer.h: a small blocking RTMP endpoint for tests (client or server side), built on proto/. */
#ifndef MP_TEST_RTMP_PEER_H
#define MP_TEST_RTMP_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "rtmp_chunk.h"
#include "rtmp_command.h"
#include "rtmp_ctrl.h"

struct rtmp_peer {
	int fd;
	struct mp_rtmp_reader rd;
	uint32_t out_chunk;
	uint8_t in[65536];
	size_t in_pos, in_len;
	uint64_t acks_received;   /* Acknowledgements the other side sent us */
	uint64_t pongs_received;  /* ping responses */
	unsigned chunk_lowered;   /* SetChunkSize messages that lowered the size we read with */
};

/* TCP connect to ip:port and do the client handshake (complex form). 0 or -1. */
int rtmp_peer_connect(struct rtmp_peer *p, const char *ip, uint16_t port, int timeout_ms);
/* A listening socket on ip:port (SO_REUSEADDR). */
int rtmp_peer_listen(const char *ip, uint16_t port);
/* Accept one connection on lfd and do the server handshake. 0 or -1. */
int rtmp_peer_accept(struct rtmp_peer *p, int lfd, int timeout_ms);
void rtmp_peer_close(struct rtmp_peer *p);

int rtmp_peer_send(struct rtmp_peer *p, const struct mp_rtmp_msg *m);
int rtmp_peer_send_cmd(struct rtmp_peer *p, uint32_t csid, uint32_t sid, const uint8_t *payload, int len);
int rtmp_peer_send_ctrl(struct rtmp_peer *p, const struct mp_rtmp_ctrl *c);
/* Announce and use a chunk size. */
int rtmp_peer_set_chunk(struct rtmp_peer *p, uint32_t size);

/* Next message (payload valid until the next read). Acknowledgements are counted and skipped,
 * ping requests answered and skipped, ping responses counted and skipped.
 * 0, or -1 on timeout, EOF or a broken stream. */
int rtmp_peer_read(struct rtmp_peer *p, struct mp_rtmp_msg *m, int timeout_ms);
/* Read until a command named name (type 20) arrives; other messages are skipped. Parses it into
 * cmd using nodes (cap entries). 0 or -1. */
int rtmp_peer_expect_cmd(struct rtmp_peer *p, const char *name, struct mp_rtmp_cmd *cmd,
			 struct mp_amf0_node *nodes, uint16_t cap, struct mp_rtmp_msg *m, int timeout_ms);

#endif
