/* system_api.h: the System API server (default 12025): origin registration, versions, queries. */
#ifndef MP_SYSTEM_API_H
#define MP_SYSTEM_API_H

struct mp_control;

/* Install the System API routes on c->http[MP_L_SYSTEM_API]. */
void mp_system_api_install(struct mp_control *c);

/* GET /api/v1/versions, shared by the System API and the HTTP API. */
struct evhttp_request;
void mp_api_versions(struct evhttp_request *req, void *arg);

#endif
