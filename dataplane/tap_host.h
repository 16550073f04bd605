/* tap_host.h: gives the kernel side of the default TAP port its address (198.18.0.1/24). */
#ifndef MP_TAP_HOST_H
#define MP_TAP_HOST_H

#include <stddef.h>
#include <stdint.h>

/* Set ipv4/prefix (host order) on kernel interface ifname and bring it up. */
int mp_tap_host_configure(const char *ifname, uint32_t ipv4, uint8_t prefix, char *err, size_t errcap);

/* Does a kernel interface of this name exist? */
int mp_tap_host_exists(const char *ifname);

#endif
