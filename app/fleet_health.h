/* fleet_health.h: the appliance's health in a fleet, and the service address BGP announces while it holds. */
#ifndef MP_FLEET_HEALTH_H
#define MP_FLEET_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_hooks.h"

struct event;
struct event_base;
struct mp_config;
struct mp_dp;

/* Up: every worker lcore turned its loop within worker_stall_timeout, no drain, no SIGTERM. While up,
 * service_ip/32 sits on the public port's exception TAP (the kernel side BIRD runs on), where BIRD's
 * direct protocol finds it and BGP announces it; otherwise it is taken off and BIRD withdraws it. If
 * the process dies, the TAP (and the address) goes with it; BFD tells the router at once. */
struct mp_fleet_health {
	struct mp_dp *dp;
	uint32_t service_ip;       /* 0: none (drain and the health API still work) */
	uint32_t stall_ms, withdraw_ms;
	char ifname[16];           /* the public port's exception TAP */
	struct event *tick;
	bool draining, stopping, announced;
	char reason[96];           /* why it is not up ("" when up) */
	uint64_t changed_ms;       /* when it last went up or down */
	uint64_t stop_withdrawn_ms; /* SIGTERM withdrew an announced address at this time (0: it did not) */
	uint64_t announcements, withdrawals, errors;
};

/* Check every 100 ms on base. service_ip needs the exception path on the public port (MP_ERR_CONFIG). */
int mp_fleet_health_start(struct mp_fleet_health *h, struct event_base *base, struct mp_dp *dp,
			  const struct mp_config *cfg, char *err, size_t errcap);
/* The control plane's view of it (CLI drain/show health, System API /api/v1/health). */
void mp_fleet_health_hooks(struct mp_fleet_health *h, struct mp_health_hooks *hooks);
/* Withdraw (if SIGTERM has not) and keep the data plane forwarding the rest of service_withdraw_time
 * since the withdrawal, so BIRD's withdrawal leaves; then stop checking. */
void mp_fleet_health_stop(struct mp_fleet_health *h);

#endif
