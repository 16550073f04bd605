/* netlink_addr.h: adds and removes an IPv4 address on a kernel interface over rtnetlink. */
#ifndef MP_NETLINK_ADDR_H
#define MP_NETLINK_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Add (add true) or delete ipv4/prefix (host order) on interface ifname. An address already there
 * (add) or already gone (delete) is success. Returns MP_OK or MP_ERR_NODEV/MP_ERR_IO with err filled.
 * A local kernel call: it waits for the kernel's acknowledgement, never for the network. */
int mp_netlink_addr(const char *ifname, uint32_t ipv4, uint8_t prefix, bool add, char *err, size_t errcap);

#endif
