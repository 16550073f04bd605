/* self_endpoint.h: is an origin's endpoint one of this appliance's own listeners? An origin there
 * would make every relay connect to itself (issue 11, item 3): such origins are refused at
 * registration and ignored when they come through Redis. */
#ifndef MP_SELF_ENDPOINT_H
#define MP_SELF_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "registration.h"

#define MP_SELF_ADDRS_MAX 64

/* The host's own IPv4 addresses (host order) and IPv6 ones, as the kernel listeners see them. */
struct mp_self_addrs {
	uint32_t ip[MP_SELF_ADDRS_MAX];
	unsigned n;
	uint64_t loaded_ms; /* mp_now_ms() of the last load; 0: never */
	uint8_t ip6[MP_SELF_ADDRS_MAX][16];
	unsigned n6;
};

/* Read the host's addresses (getifaddrs) into a; keeps the old list when that fails. */
void mp_self_addrs_load(struct mp_self_addrs *a, uint64_t now);

/* True when (ip, port) of protocol p is served by this appliance itself: for RTMP/HTTP/API
 * (TCP) one of the four TCP listeners, at its own address, or, for a listener on 0.0.0.0, at any
 * host address, 127.0.0.0/8, 0.0.0.0, public_ip or private_ip; for SRT/WebRTC (UDP) srt_port or
 * webrtc_port at public_ip or private_ip. Other ports on the same addresses are not ours. */
bool mp_self_endpoint(const struct mp_config *cfg, const struct mp_self_addrs *host, enum mp_reg_proto p,
		      uint32_t ip, uint16_t port);

/* The same for an IPv6 address (network order): a TCP listener on that address, or on all addresses
 * ([::], or 0.0.0.0 with listen_dual_stack) at ::, ::1 or a host address. SRT/WebRTC: public_ip6 or
 * private_ip6 (the data plane's) at srt_port or webrtc_port. */
bool mp_self_endpoint6(const struct mp_config *cfg, const struct mp_self_addrs *host, enum mp_reg_proto p,
		       const uint8_t ip6[16], uint16_t port);

/* MP_OK when no endpoint of reg is ours; else MP_ERR_PERM with a one-line reason in why. */
int mp_self_check_registration(const struct mp_config *cfg, const struct mp_self_addrs *host,
			       const struct mp_registration *reg, char *why, size_t cap);

#endif
