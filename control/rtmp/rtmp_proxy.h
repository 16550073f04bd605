/* rtmp_proxy.h: the RTMP proxy (default 1935): client handshake/connect/publish|play, replay to origin, relay. */
#ifndef MP_RTMP_PROXY_H
#define MP_RTMP_PROXY_H

#include <stdint.h>

#include <event2/util.h>

struct mp_control;
struct mp_listener_ops;
struct sockaddr;
struct cJSON;

/* The RTMP listener for the control plane's table (start: the proxy, then accept on its socket). */
extern const struct mp_listener_ops mp_rtmp_listener;

/* Create the proxy's state on c->base, without accepting (the listener's start does both; tests call
 * this and hand connections to mp_rtmp_proxy_accept). Returns MP_OK or MP_ERR_NOMEM / MP_ERR_IO. */
int mp_rtmp_proxy_start(struct mp_control *c);
/* A client connection accepted on the RTMP listener; the proxy owns fd from here. */
void mp_rtmp_proxy_accept(struct mp_control *c, evutil_socket_t fd, const struct sockaddr *peer, int peerlen);
/* Shutdown, first step: refuse new clients; open sessions carry on. Returns how many are open. */
uint32_t mp_rtmp_proxy_quit(struct mp_control *c);
/* Sessions open now (connecting, setting up or relaying). */
uint32_t mp_rtmp_proxy_open(const struct mp_control *c);
/* Close every session and free the proxy (the listener's stop). */
void mp_rtmp_proxy_close(struct mp_control *c);
/* Counters and open sessions (up to limit) as JSON members of out (GET /api/v1/rtmp). */
void mp_rtmp_proxy_stats_json(const struct mp_control *c, struct cJSON *out, long limit);

#endif
