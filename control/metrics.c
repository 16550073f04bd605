/* metrics.c: balancer and control-plane metrics in the Prometheus text format (version 0.0.4). */
#include "metrics.h"
#include "strbuf.h"
#include "control.h"
#include "lb.h"

void mp_metrics_render(struct mp_control *c, struct mp_strbuf *out)
{
	struct mp_lb_stats st;

	if (c->dp_metrics)
		c->dp_metrics(c->dp_stats_ctx, out);
	if (c->lb) {
		mp_lb_stats(c->lb, &st);
		mp_strbuf_printf(out, "# HELP mediaplane_lb_entries Entries in each balancer table.\n"
				      "# TYPE mediaplane_lb_entries gauge\n");
		for (int t = 0; t < MP_LB_T__COUNT; t++)
			mp_strbuf_printf(out, "mediaplane_lb_entries{table=\"%s\"} %u\n", mp_lb_table_name((enum mp_lb_table_id)t),
					 st.count[t]);
		mp_strbuf_printf(out, "# HELP mediaplane_lb_capacity Capacity of each balancer table.\n"
				      "# TYPE mediaplane_lb_capacity gauge\n");
		for (int t = 0; t < MP_LB_T__COUNT; t++)
			mp_strbuf_printf(out, "mediaplane_lb_capacity{table=\"%s\"} %u\n", mp_lb_table_name((enum mp_lb_table_id)t),
					 st.capacity[t]);
		mp_strbuf_printf(out, "# HELP mediaplane_lb_refused_total Inserts refused because the table was full.\n"
				      "# TYPE mediaplane_lb_refused_total counter\n");
		for (int t = 0; t < MP_LB_T__COUNT; t++)
			mp_strbuf_printf(out, "mediaplane_lb_refused_total{table=\"%s\"} %lu\n",
					 mp_lb_table_name((enum mp_lb_table_id)t), (unsigned long)st.refused[t]);
		mp_strbuf_printf(out,
				 "# HELP mediaplane_lb_repicks_total Streams moved off a dead origin.\n"
				 "# TYPE mediaplane_lb_repicks_total counter\nmediaplane_lb_repicks_total %lu\n"
				 "# HELP mediaplane_sessions_created_total Data-plane sessions created.\n"
				 "# TYPE mediaplane_sessions_created_total counter\nmediaplane_sessions_created_total %lu\n"
				 "# HELP mediaplane_sessions_expired_total Data-plane sessions expired when idle.\n"
				 "# TYPE mediaplane_sessions_expired_total counter\nmediaplane_sessions_expired_total %lu\n",
				 (unsigned long)st.repicks, (unsigned long)st.sessions_created,
				 (unsigned long)st.sessions_expired);
	}
	mp_strbuf_printf(out,
			 "# HELP mediaplane_registrations_total Origin registrations accepted.\n"
			 "# TYPE mediaplane_registrations_total counter\nmediaplane_registrations_total %lu\n"
			 "# HELP mediaplane_registrations_rejected_total Origin registrations refused (bad body, table full).\n"
			 "# TYPE mediaplane_registrations_rejected_total counter\nmediaplane_registrations_rejected_total %lu\n",
			 (unsigned long)c->stats.registrations, (unsigned long)c->stats.register_rejected);
	/* The origin guard (issue 11): why registrations were refused, origins ignored, loops stopped. */
	const struct { const char *name, *help; uint64_t v; } guard[] = {
		{ "register_forbidden", "Registrations from a source outside origin_networks (403).", c->stats.register_forbidden },
		{ "register_rate_limited", "Registrations over register_rate for their source (429).", c->stats.register_rate_limited },
		{ "register_bad_type", "Registrations without Content-Type: application/json (415).", c->stats.register_bad_type },
		{ "register_self", "Registrations naming one of the appliance's own listeners (400).", c->stats.register_self },
		{ "origins_ignored", "Origins from Redis or the default backend naming the appliance itself or holding control characters.", c->stats.origins_ignored },
		{ "loops_refused", "Relayed requests that carried this appliance's own hop marker (508, RTMP connect refused).", c->stats.loops_refused },
	};
	for (size_t i = 0; i < sizeof(guard) / sizeof(guard[0]); i++)
		mp_strbuf_printf(out, "# HELP mediaplane_%s_total %s\n# TYPE mediaplane_%s_total counter\nmediaplane_%s_total %lu\n",
				 guard[i].name, guard[i].help, guard[i].name, guard[i].name, (unsigned long)guard[i].v);
}
