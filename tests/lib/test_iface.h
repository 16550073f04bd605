/* test_iface.h: the data-plane port description (struct mp_iface) the classify/rewrite unit tests start from. */
#ifndef MP_TEST_IFACE_H
#define MP_TEST_IFACE_H

#include <stdint.h>

#include "classify.h"

/* A port with mac and ip/24, WebRTC on 8000, SRT on 10080, NAT ports nat_min..nat_max; no gateway,
 * no VLAN, no IPv6 (the test sets what else it needs). */
struct mp_iface mp_test_iface(const uint8_t mac[6], uint32_t ip, uint16_t nat_min, uint16_t nat_max);

#endif
