/* http_stream.h: the HTTP stream listener (default 8080): HTTP-FLV/TS and HLS proxied to origins. */
#ifndef MP_HTTP_STREAM_H
#define MP_HTTP_STREAM_H

struct mp_control;
struct mp_listener_ops;
struct cJSON;

/* For the control plane's table: start installs the routes on c->http[MP_L_HTTP_STREAM]; stop closes
 * every open relay; stats is mp_http_stream_stats_json. */
extern const struct mp_listener_ops mp_http_stream_listener;

/* Add the counters and up to limit open players to o (System API /api/v1/players). */
void mp_http_stream_stats_json(const struct mp_control *c, struct cJSON *o, long limit);

#endif
