/* stats_prom.c: per-lcore data-plane counters as Prometheus metrics (labels lcore and reason). */
#include "stats_prom.h"
#include "strbuf.h"
#include "dp.h"

#include <stddef.h>

struct counter {
	const char *name, *help;
	size_t off;
};

static const struct counter counters[] = {
	{ "mediaplane_rx_packets_total", "Frames received by the worker.", offsetof(struct mp_dp_stats, rx_packets) },
	{ "mediaplane_rx_bytes_total", "Bytes received by the worker.", offsetof(struct mp_dp_stats, rx_bytes) },
	{ "mediaplane_tx_packets_total", "Frames sent by the worker.", offsetof(struct mp_dp_stats, tx_packets) },
	{ "mediaplane_tx_bytes_total", "Bytes sent by the worker.", offsetof(struct mp_dp_stats, tx_bytes) },
	{ "mediaplane_arp_replies_total", "ARP requests answered.", offsetof(struct mp_dp_stats, arp_replies) },
	{ "mediaplane_arp_requests_total", "ARP requests sent.", offsetof(struct mp_dp_stats, arp_requests) },
	{ "mediaplane_icmp_echo_replies_total", "Pings answered.", offsetof(struct mp_dp_stats, icmp_echo_replies) },
	{ "mediaplane_nd_advertisements_total", "IPv6 neighbour solicitations answered.", offsetof(struct mp_dp_stats, nd_advertisements) },
	{ "mediaplane_nd_solicitations_total", "IPv6 neighbour solicitations sent.", offsetof(struct mp_dp_stats, nd_solicitations) },
	{ "mediaplane_ip6_translated_in_total", "IPv6 clients' media translated to IPv4.", offsetof(struct mp_dp_stats, ip6_translated_in) },
	{ "mediaplane_ip6_translated_out_total", "Frames to IPv6 clients translated back to IPv6.", offsetof(struct mp_dp_stats, ip6_translated_out) },
	{ "mediaplane_lookup_misses_total", "Media from addresses with no session.", offsetof(struct mp_dp_stats, lookup_misses) },
	{ "mediaplane_nat_to_kernel_total", "Frames to a NAT port with no live session, given to the kernel.", offsetof(struct mp_dp_stats, nat_to_kernel) },
	{ "mediaplane_handed_off_total", "Frames passed to the worker owning their session.", offsetof(struct mp_dp_stats, handed_off) },
};

void mp_stats_prom(void *ctx, struct mp_strbuf *out)
{
	const struct mp_dp *dp = ctx;

	for (size_t k = 0; k < sizeof(counters) / sizeof(counters[0]); k++) {
		mp_strbuf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", counters[k].name, counters[k].help,
				 counters[k].name);
		for (unsigned i = 0; i < dp->n_workers; i++) {
			const uint64_t *v = (const uint64_t *)((const char *)&dp->workers[i].stats + counters[k].off);

			mp_strbuf_printf(out, "%s{lcore=\"%u\"} %lu\n", counters[k].name, dp->workers[i].lcore_id,
					 (unsigned long)__atomic_load_n(v, __ATOMIC_RELAXED));
		}
	}
	mp_strbuf_printf(out, "# HELP mediaplane_drops_total Frames dropped, by reason.\n"
			      "# TYPE mediaplane_drops_total counter\n");
	for (unsigned i = 0; i < dp->n_workers; i++)
		for (int d = 0; d < MP_DROP__COUNT; d++)
			mp_strbuf_printf(out, "mediaplane_drops_total{lcore=\"%u\",reason=\"%s\"} %lu\n", dp->workers[i].lcore_id,
					 mp_dp_drop_name((enum mp_dp_drop)d),
					 (unsigned long)__atomic_load_n(&dp->workers[i].stats.drops[d], __ATOMIC_RELAXED));
}
