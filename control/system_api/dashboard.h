/* dashboard.h: the System API's live dashboard page (GET /dashboard). */
#ifndef MP_DASHBOARD_H
#define MP_DASHBOARD_H

struct evhttp;
struct mp_control;

/* Routes /dashboard, /dashboard/ and /dashboard/<file> on h. */
void mp_dashboard_routes(struct evhttp *h, struct mp_control *c);

#endif
