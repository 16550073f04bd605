/* listen.h: binds the control plane's TCP listeners up front, IPv4 and IPv6, with errors that name the
 * listener. */
#ifndef MP_LISTEN_H
#define MP_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Bind and listen on l; on failure write "<what>: address A:P already in use" etc. into err.
 * A listener on all addresses (0.0.0.0 or [::]) with dual_stack is one [::] socket with IPV6_V6ONLY
 * off (IPv4 clients arrive as ::ffff:a.b.c.d, see peer_addr.h), falling back to 0.0.0.0 when the host
 * has no IPv6; without dual_stack 0.0.0.0 is IPv4 only and [::] IPv6 only. An IPv6 address binds
 * IPv6 only. Returns the socket (non-blocking, close-on-exec) or a negative mp_err. */
int mp_listen_tcp(const struct mp_listen *l, bool dual_stack, const char *what, char *err, size_t errcap);

/* True when l is all addresses of its family (0.0.0.0 or [::]). */
bool mp_listen_all(const struct mp_listen *l);

/* "0.0.0.0:1935", "[2001:db8::1]:1935" */
void mp_listen_format(const struct mp_listen *l, char *out, size_t cap);

#endif
