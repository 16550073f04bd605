/* http_api.h: the HTTP API listener (default 1985): WHIP/WHEP and the legacy WebRTC API, to origins. */
#ifndef MP_HTTP_API_H
#define MP_HTTP_API_H

struct mp_listener_ops;

/* For the control plane's table: start installs the routes on c->http[MP_L_HTTP_API]; stop abandons
 * requests still waiting for an origin; stats gives the counters (System API /api/v1/webrtc). */
extern const struct mp_listener_ops mp_http_api_listener;

#endif
