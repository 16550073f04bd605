/* log_dpdk.h: mp_log on DPDK: rte_log types mediaplane.<module>, DPDK's own lines through mp_log's writer
 * (harmless TAP start-up notes explained once), and a ring per worker lcore drained by the control thread. */
#ifndef MP_LOG_DPDK_H
#define MP_LOG_DPDK_H

#include <stddef.h>

#include "config.h"
#include "mp_log.h"

/* Before rte_eal_init: register the types (EAL's --log-level=mediaplane.lb:debug then applies) and take
 * DPDK's log stream. */
void mp_log_dpdk_init(void);
/* After rte_eal_init: adopt the levels EAL's --log-level set; one ring per worker lcore. */
int mp_log_dpdk_start(void);
/* Set one module's level (or all when all is true) in mp_log and rte_log alike. */
void mp_log_dpdk_set_level(enum mp_log_module m, int all, enum mp_log_level level);
/* Levels and format from the configuration (log_level, log_levels, log_format); at start and reload. */
void mp_log_dpdk_configure(const struct mp_config *cfg);
/* On the control thread: write what the workers queued; returns lines written. */
unsigned mp_log_dpdk_drain(void);
/* After the workers stopped: drain, then write directly again. */
void mp_log_dpdk_stop(void);

#endif
