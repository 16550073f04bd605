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
}
