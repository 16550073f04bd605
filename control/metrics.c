/* metrics.c: balancer and control-plane metrics in the Prometheus text format (version 0.0.4). */
#include "metrics.h"
#include "strbuf.h"
#include "control.h"
#include "conn_guard.h"
#include "event_log.h"
#include "lb.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One family per counter of the listeners' connection guards (conn_guard.h). */
static void conn_metrics(const struct mp_control *c, struct mp_strbuf *out)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
		bool u32;
	} f[] = {
#define F(n, t, h, field, u) { n, t, h, offsetof(struct mp_conn_guard_stats, field), u }
		F("conn_open", "gauge", "Open connections on each control-plane listener.", open, true),
		F("conn_peak", "gauge", "Most connections open at once on each listener.", peak, true),
		F("conn_accepted_total", "counter", "Connections admitted.", accepted, false),
		F("conn_refused_max_total", "counter", "Connections refused over conn_max.", refused_max, false),
		F("conn_refused_per_ip_total", "counter", "Connections refused over conn_max_per_ip.", refused_per_ip, false),
		F("conn_header_timeouts_total", "counter", "HTTP connections closed by http_header_timeout.", header_timeouts, false),
		F("conn_idle_timeouts_total", "counter", "Connections closed by conn_idle_timeout.", idle_timeouts, false),
		F("conn_accept_errors_total", "counter", "accept() failures out of descriptors or memory.", accept_errors, false),
		F("conn_accept_backoffs_total", "counter", "Episodes of those (accept paused, one log line each).", accept_backoffs, false),
#undef F
	};
	struct mp_conn_guard_stats st;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		mp_strbuf_printf(out, "# HELP mediaplane_%s %s\n# TYPE mediaplane_%s %s\n", f[i].name, f[i].help, f[i].name,
				 f[i].type);
		for (int l = 0; l < 2 * MP_L__COUNT; l++) { /* the listeners, then their TLS twins */
			const char *p = (const char *)&st + f[i].off;
			const struct mp_conn_guard *g = l < MP_L__COUNT ? c->guard[l] : c->tls_guard[l - MP_L__COUNT];

			if (!g)
				continue;
			mp_conn_guard_stats(g, &st);
			mp_strbuf_printf(out, "mediaplane_%s{listener=\"%s\"} %llu\n", f[i].name, mp_conn_guard_name(g),
					 f[i].u32 ? (unsigned long long)*(const uint32_t *)p : (unsigned long long)*(const uint64_t *)p);
		}
	}
	mp_strbuf_printf(out, "# HELP mediaplane_libevent_log_dropped_total libevent messages over the log's rate limit.\n"
			      "# TYPE mediaplane_libevent_log_dropped_total counter\nmediaplane_libevent_log_dropped_total %llu\n",
			 (unsigned long long)mp_event_log_dropped());
}

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
	conn_metrics(c, out);
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
		/* origin health (issue 13) */
		{ "origins_suspected", "Origins marked down by a refused or timed-out connect or a silent SRT handshake.", c->stats.origins_suspected },
		{ "origins_dead", "Origins declared dead by their probes (clients closed, sessions ended).", c->stats.origins_dead },
		{ "origin_probes_ok", "Origin API probes answered.", c->stats.probes_ok },
		{ "origin_probes_failed", "Origin API probes refused or timed out.", c->stats.probes_failed },
	};
	for (size_t i = 0; i < sizeof(guard) / sizeof(guard[0]); i++)
		mp_strbuf_printf(out, "# HELP mediaplane_%s_total %s\n# TYPE mediaplane_%s_total counter\nmediaplane_%s_total %lu\n",
				 guard[i].name, guard[i].help, guard[i].name, guard[i].name, (unsigned long)guard[i].v);
}
