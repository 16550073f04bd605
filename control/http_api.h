/* http_api.h: the HTTP API server (default 1985): WHIP/WHEP and the legacy WebRTC API, to origins. */
#ifndef MP_HTTP_API_H
#define MP_HTTP_API_H

struct mp_control;

/* Install the HTTP API routes on c->http[MP_L_HTTP_API]. */
void mp_http_api_install(struct mp_control *c);

#endif
