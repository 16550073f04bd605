/* listen.h: binds the control plane's TCP listeners up front, with errors that name the listener. */
#ifndef MP_LISTEN_H
#define MP_LISTEN_H

#include <stddef.h>

#include "config.h"

/* Bind and listen on l; on failure write "<what>: address A:P already in use" etc. into err.
 * Returns the socket (non-blocking, close-on-exec) or a negative mp_err. */
int mp_listen_tcp(const struct mp_listen *l, const char *what, char *err, size_t errcap);

/* "0.0.0.0:1935" */
void mp_listen_format(const struct mp_listen *l, char *out, size_t cap);

#endif
