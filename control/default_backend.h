/* default_backend.h: the origin made from PROXY_DEFAULT_BACKEND_* (default_backend_*), kept alive. */
#ifndef MP_DEFAULT_BACKEND_H
#define MP_DEFAULT_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "registration.h"

struct mp_config;
struct mp_control;

/* Build the registration the default backend stands for. MP_OK, or MP_ERR_CONFIG with the key named. */
int mp_default_backend_registration(const struct mp_config *cfg, struct mp_registration *out, char *err,
				    size_t errcap);
/* When enabled, (re-)register the default backend so it never expires (called every second). */
void mp_default_backend_refresh(struct mp_control *c, uint64_t now);

#endif
