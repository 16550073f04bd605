/* stats_json.c: renders per-lcore and summed data-plane counters as JSON (control-plane reads). */
#include "stats_json.h"
#include "dp.h"

#include <cjson/cJSON.h>
#include <rte_ethdev.h>

static void one(cJSON *o, const struct mp_dp_stats *s)
{
	cJSON *drops = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "rx_packets", (double)s->rx_packets);
	cJSON_AddNumberToObject(o, "rx_bytes", (double)s->rx_bytes);
	cJSON_AddNumberToObject(o, "tx_packets", (double)s->tx_packets);
	cJSON_AddNumberToObject(o, "tx_bytes", (double)s->tx_bytes);
	cJSON_AddNumberToObject(o, "arp_replies", (double)s->arp_replies);
	cJSON_AddNumberToObject(o, "arp_requests", (double)s->arp_requests);
	cJSON_AddNumberToObject(o, "icmp_echo_replies", (double)s->icmp_echo_replies);
	cJSON_AddNumberToObject(o, "nd_advertisements", (double)s->nd_advertisements);
	cJSON_AddNumberToObject(o, "nd_solicitations", (double)s->nd_solicitations);
	cJSON_AddNumberToObject(o, "ip6_translated_in", (double)s->ip6_translated_in);
	cJSON_AddNumberToObject(o, "ip6_translated_out", (double)s->ip6_translated_out);
	cJSON_AddNumberToObject(o, "sessions_created", (double)s->sessions_created);
	cJSON_AddNumberToObject(o, "sessions_expired", (double)s->sessions_expired);
	cJSON_AddNumberToObject(o, "sessions_rebound", (double)s->sessions_rebound);
	cJSON_AddNumberToObject(o, "stun_unverified", (double)s->stun_unverified);
	cJSON_AddNumberToObject(o, "sessions_closed", (double)s->sessions_closed);
	cJSON_AddNumberToObject(o, "lookup_misses", (double)s->lookup_misses);
	cJSON_AddNumberToObject(o, "srt_inductions", (double)s->srt_inductions);
	cJSON_AddNumberToObject(o, "srt_handshakes", (double)s->srt_handshakes);
	cJSON_AddNumberToObject(o, "srt_rejects", (double)s->srt_rejects);
	cJSON_AddNumberToObject(o, "srt_origin_timeouts", (double)s->srt_origin_timeouts);
	cJSON_AddNumberToObject(o, "srt_shutdowns", (double)s->srt_shutdowns);
	cJSON_AddNumberToObject(o, "exception_to_kernel", (double)s->exception_to_kernel);
	cJSON_AddNumberToObject(o, "exception_from_kernel", (double)s->exception_from_kernel);
	cJSON_AddNumberToObject(o, "nat_to_kernel", (double)s->nat_to_kernel);
	cJSON_AddNumberToObject(o, "handed_off", (double)s->handed_off);
	cJSON_AddNumberToObject(o, "drops", (double)mp_dp_stats_drops(s));
	for (int i = 0; i < MP_DROP__COUNT; i++)
		cJSON_AddNumberToObject(drops, mp_dp_drop_name((enum mp_dp_drop)i), (double)s->drops[i]);
	cJSON_AddItemToObject(o, "drop_reasons", drops);
}

/* Each DPDK port's own counters (rte_eth_stats): what the NIC received, sent, missed and dropped. */
static void ports(const struct mp_dp *dp, cJSON *a)
{
	for (unsigned i = 0; i < dp->n_ports; i++) {
		const struct mp_dp_port *p = &dp->ports[i];
		struct rte_eth_stats st;
		cJSON *o;

		if (rte_eth_stats_get(p->port_id, &st) != 0)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "port", p->port_id);
		cJSON_AddStringToObject(o, "name", p->name);
		cJSON_AddNumberToObject(o, "rx_packets", (double)st.ipackets);
		cJSON_AddNumberToObject(o, "rx_bytes", (double)st.ibytes);
		cJSON_AddNumberToObject(o, "rx_missed", (double)st.imissed);
		cJSON_AddNumberToObject(o, "rx_errors", (double)st.ierrors);
		cJSON_AddNumberToObject(o, "rx_nombuf", (double)st.rx_nombuf);
		cJSON_AddNumberToObject(o, "tx_packets", (double)st.opackets);
		cJSON_AddNumberToObject(o, "tx_bytes", (double)st.obytes);
		cJSON_AddNumberToObject(o, "tx_errors", (double)st.oerrors);
		cJSON_AddItemToArray(a, o);
	}
}

void mp_stats_json(void *ctx, cJSON *out)
{
	const struct mp_dp *dp = ctx;
	struct mp_dp_stats sum;
	cJSON *lcores = cJSON_AddArrayToObject(out, "lcores");

	for (unsigned i = 0; i < dp->n_workers; i++) {
		struct mp_dp_stats s = { 0 };
		cJSON *o = cJSON_CreateObject();

		mp_dp_stats_add(&s, &dp->workers[i].stats);
		cJSON_AddNumberToObject(o, "lcore", dp->workers[i].lcore_id);
		one(o, &s);
		cJSON_AddItemToArray(lcores, o);
	}
	mp_dp_stats_sum(dp, &sum);
	one(cJSON_AddObjectToObject(out, "total"), &sum);
	ports(dp, cJSON_AddArrayToObject(out, "ports"));
}
