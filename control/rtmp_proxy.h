/* rtmp_proxy.h: the RTMP proxy (default 1935): client handshake/connect/publish|play, replay to origin, relay. */
#ifndef MP_RTMP_PROXY_H
#define MP_RTMP_PROXY_H

#include <event2/util.h>

struct mp_control;
struct sockaddr;

/* A client connection accepted on the RTMP listener; the proxy owns fd from here. */
void mp_rtmp_proxy_accept(struct mp_control *c, evutil_socket_t fd, const struct sockaddr *peer, int peerlen);

#endif
