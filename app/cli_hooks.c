/* cli_hooks.c: port stats (rte_eth_stats), per-lcore counters and forwarding start/stop for the CLI. */
#include "cli_hooks.h"
#include "dp.h"
#include "strbuf.h"
#include "log_dpdk.h"
#include "mp_error.h"

#include <string.h>

#include <rte_ethdev.h>

static void port_stats(void *ctx, bool clear, struct mp_strbuf *out)
{
	struct mp_dp *dp = ctx;

	for (unsigned i = 0; i < dp->n_ports; i++) {
		const struct mp_dp_port *p = &dp->ports[i];
		struct rte_eth_stats st;

		if (clear) {
			rte_eth_stats_reset(p->port_id);
			mp_strbuf_printf(out, "port %u (%s): statistics cleared\n", p->port_id, p->name);
			continue;
		}
		if (rte_eth_stats_get(p->port_id, &st) != 0)
			continue;
		mp_strbuf_printf(out,
				 "  ######## NIC statistics for port %u (%s) ########\n"
				 "  RX-packets: %-12lu RX-missed: %-12lu RX-bytes: %lu\n"
				 "  RX-errors: %lu  RX-nombuf: %lu\n"
				 "  TX-packets: %-12lu TX-errors: %-12lu TX-bytes: %lu\n",
				 p->port_id, p->name, (unsigned long)st.ipackets, (unsigned long)st.imissed,
				 (unsigned long)st.ibytes, (unsigned long)st.ierrors, (unsigned long)st.rx_nombuf,
				 (unsigned long)st.opackets, (unsigned long)st.oerrors, (unsigned long)st.obytes);
	}
}

static void lcore_stats(void *ctx, struct mp_strbuf *out)
{
	struct mp_dp *dp = ctx;

	for (unsigned i = 0; i <= dp->n_workers; i++) {
		struct mp_dp_stats s = { 0 };

		if (i < dp->n_workers) {
			mp_dp_stats_add(&s, &dp->workers[i].stats);
			mp_strbuf_printf(out, "lcore %u (queue %u):\n", dp->workers[i].lcore_id, dp->workers[i].queue);
		} else {
			mp_dp_stats_sum(dp, &s);
			mp_strbuf_printf(out, "all lcores:\n");
		}
		mp_strbuf_printf(out, "  rx %lu pkts %lu bytes, tx %lu pkts %lu bytes, arp %lu/%lu, nd %lu/%lu, echo %lu\n",
				 (unsigned long)s.rx_packets, (unsigned long)s.rx_bytes, (unsigned long)s.tx_packets,
				 (unsigned long)s.tx_bytes, (unsigned long)s.arp_replies, (unsigned long)s.arp_requests,
				 (unsigned long)s.nd_advertisements, (unsigned long)s.nd_solicitations,
				 (unsigned long)s.icmp_echo_replies);
		mp_strbuf_printf(out, "  sessions created %lu expired %lu, lookup misses %lu, drops %lu:",
				 (unsigned long)s.sessions_created, (unsigned long)s.sessions_expired,
				 (unsigned long)s.lookup_misses, (unsigned long)mp_dp_stats_drops(&s));
		for (int d = 0; d < MP_DROP__COUNT; d++)
			if (s.drops[d])
				mp_strbuf_printf(out, " %s=%lu", mp_dp_drop_name((enum mp_dp_drop)d), (unsigned long)s.drops[d]);
		mp_strbuf_printf(out, "\n");
	}
}

static int forwarding(void *ctx, bool on)
{
	struct mp_dp *dp = ctx;
	char err[256];

	if (on == (dp->n_launched > 0))
		return MP_ERR_STATE;
	if (!on) {
		mp_dp_stop_workers(dp);
		return MP_OK;
	}
	return mp_dp_start(dp, err, sizeof(err)) == 0 ? MP_OK : MP_ERR_IO;
}

static int log_level(void *ctx, const char *module, const char *level)
{
	enum mp_log_module m = MP_LOGM_APP;
	enum mp_log_level l;
	bool all = !strcmp(module, "all");

	(void)ctx;
	if (mp_log_parse_level(level, &l) != MP_OK || (!all && mp_log_parse_module(module, &m) != MP_OK))
		return MP_ERR_INVAL;
	mp_log_dpdk_set_level(m, all, l);
	return MP_OK;
}

void mp_cli_hooks_fill(struct mp_cli_hooks *h, struct mp_dp *dp)
{
	h->log_level = log_level;
	h->ctx = dp;
	h->port_stats = port_stats;
	h->lcore_stats = lcore_stats;
	h->forwarding = forwarding;
}
