/* test_iface.c: the data-plane port description (struct mp_iface) the classify/rewrite unit tests start from. */
#include <string.h>

#include "test_iface.h"

struct mp_iface mp_test_iface(const uint8_t mac[6], uint32_t ip, uint16_t nat_min, uint16_t nat_max)
{
	struct mp_iface i;

	memset(&i, 0, sizeof(i));
	memcpy(i.mac, mac, 6);
	i.ip = ip;
	i.prefix = 24;
	i.webrtc_port = 8000;
	i.srt_port = 10080;
	i.nat_port_min = nat_min;
	i.nat_port_max = nat_max;
	return i;
}
