/* telemetry.h: mediaplane's commands on the DPDK telemetry socket (dpdk-telemetry.py). */
#ifndef MP_TELEMETRY_H
#define MP_TELEMETRY_H

struct mp_dp;
struct mp_lb;

/* Register /mediaplane/dataplane and /mediaplane/lb. Call once after EAL init. */
void mp_telemetry_register(struct mp_dp *dp, struct mp_lb *lb);

#endif
