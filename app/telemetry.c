/* telemetry.c: /mediaplane/dataplane (summed worker counters) and /mediaplane/lb (table sizes) commands. */
#include "telemetry.h"
#include "dp.h"
#include "lb.h"

#include <string.h>

#include <rte_telemetry.h>

static struct mp_dp *tm_dp;
static struct mp_lb *tm_lb;

static int tm_dataplane(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct mp_dp_stats s;

	(void)cmd;
	(void)params;
	mp_dp_stats_sum(tm_dp, &s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "rx_packets", s.rx_packets);
	rte_tel_data_add_dict_u64(d, "rx_bytes", s.rx_bytes);
	rte_tel_data_add_dict_u64(d, "tx_packets", s.tx_packets);
	rte_tel_data_add_dict_u64(d, "tx_bytes", s.tx_bytes);
	rte_tel_data_add_dict_u64(d, "lookup_misses", s.lookup_misses);
	rte_tel_data_add_dict_u64(d, "drops", mp_dp_stats_drops(&s));
	for (int i = 0; i < MP_DROP__COUNT; i++) {
		char name[64];

		snprintf(name, sizeof(name), "drop_%s", mp_dp_drop_name((enum mp_dp_drop)i));
		rte_tel_data_add_dict_u64(d, name, s.drops[i]);
	}
	return 0;
}

static int tm_lb_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct mp_lb_stats st;

	(void)cmd;
	(void)params;
	mp_lb_stats(tm_lb, &st);
	rte_tel_data_start_dict(d);
	for (int t = 0; t < MP_LB_T__COUNT; t++) {
		char name[64];

		snprintf(name, sizeof(name), "%s_entries", mp_lb_table_name((enum mp_lb_table_id)t));
		rte_tel_data_add_dict_u64(d, name, st.count[t]);
		snprintf(name, sizeof(name), "%s_capacity", mp_lb_table_name((enum mp_lb_table_id)t));
		rte_tel_data_add_dict_u64(d, name, st.capacity[t]);
	}
	rte_tel_data_add_dict_u64(d, "repicks", st.repicks);
	rte_tel_data_add_dict_u64(d, "sessions_created", st.sessions_created);
	rte_tel_data_add_dict_u64(d, "sessions_expired", st.sessions_expired);
	return 0;
}

void mp_telemetry_register(struct mp_dp *dp, struct mp_lb *lb)
{
	tm_dp = dp;
	tm_lb = lb;
	rte_telemetry_register_cmd("/mediaplane/dataplane", tm_dataplane,
				   "Data-plane counters summed over the worker lcores. No parameters.");
	rte_telemetry_register_cmd("/mediaplane/lb", tm_lb_cmd, "Balancer table sizes and counters. No parameters.");
}
