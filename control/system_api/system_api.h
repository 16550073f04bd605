/* system_api.h: the System API listener (default 12025): origin registration, versions, queries. */
#ifndef MP_SYSTEM_API_H
#define MP_SYSTEM_API_H

struct mp_listener_ops;

/* For the control plane's table: start installs the routes on c->http[MP_L_SYSTEM_API]. The other
 * listeners' figures are read through the core (mp_control_listener_stats). */
extern const struct mp_listener_ops mp_system_api_listener;

#endif
