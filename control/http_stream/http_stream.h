/* http_stream.h: the HTTP stream server (default 8080): HTTP-FLV/TS and HLS proxied to origins. */
#ifndef MP_HTTP_STREAM_H
#define MP_HTTP_STREAM_H

struct mp_control;
struct cJSON;

/* Install the HTTP stream routes on c->http[MP_L_HTTP_STREAM] (sets c->stream). */
void mp_http_stream_install(struct mp_control *c);
/* Close every open relay and free the server's state (before the HTTP servers are freed). */
void mp_http_stream_free(struct mp_control *c);
/* Add the counters and up to limit open players to o (System API /api/v1/players). */
void mp_http_stream_stats_json(struct mp_control *c, struct cJSON *o, long limit);

#endif
