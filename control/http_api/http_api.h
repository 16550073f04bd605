/* http_api.h: the HTTP API server (default 1985): WHIP/WHEP and the legacy WebRTC API, to origins. */
#ifndef MP_HTTP_API_H
#define MP_HTTP_API_H

struct mp_control;
struct cJSON;

/* Install the HTTP API routes on c->http[MP_L_HTTP_API] (and create c->api). */
void mp_http_api_install(struct mp_control *c);
/* Abandon requests still waiting for an origin and free c->api (before the event loop is freed). */
void mp_http_api_close(struct mp_control *c);
/* The HTTP API's counters into out (System API queries). */
void mp_http_api_stats_json(const struct mp_control *c, struct cJSON *out);

#endif
