/* http_stream.h: the HTTP stream server (default 8080): HTTP-FLV/TS and HLS proxied to origins. */
#ifndef MP_HTTP_STREAM_H
#define MP_HTTP_STREAM_H

struct mp_control;

/* Install the HTTP stream routes on c->http[MP_L_HTTP_STREAM]. */
void mp_http_stream_install(struct mp_control *c);

#endif
