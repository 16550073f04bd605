/* cli.c: the operator commands (start/stop, port and lcore stats, origins, streams, sessions, config,
 * logs, reload) as text or JSON; reached only through the cmdline grammar of cli_grammar.c. */
#include "cli.h"
#include "cli_cmds.h"
#include "config.h"
#include "control.h"
#include "lb.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_escape.h"
#include "mp_log.h"
#include "origin_health.h"
#include "origin_replies.h"
#include "pick_policy.h"
#include "registration.h"
#include "peer_addr.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static const char *const help_text =
	"commands (TAB completes, '?' lists at the prompt; mediaplane-cli --json: every answer as JSON):\n"
	"  start | stop                      start or stop forwarding on the worker lcores\n"
	"  show port stats all               packets, bytes, errors per DPDK port\n"
	"  clear port stats all\n"
	"  show lcore stats                  per-worker counters and drop reasons\n"
	"  show origins [N]                  registered origins, age, alive, endpoints (first N, 100)\n"
	"  show streams [N]                  stream -> origin picks (first N, 100)\n"
	"  show sessions [webrtc|srt] [N]    data-plane sessions (first N, 100)\n"
	"  origin add NAME IP PROTO=EP...    add an origin (PROTO: rtmp http api srt rtc; EP as SRS sends it)\n"
	"  origin del KEY                    forget an origin now\n"
	"  origin drain KEY [on|off]         keep its streams, give it no new ones\n"
	"  set origin weight ORIGIN W        pick weight (default 100; 0 drains: no new streams);\n"
	"                                    ORIGIN: id, key, address or address:port\n"
	"  drain [on|off]                    withdraw the service address (BGP) and report unhealthy; off: back\n"
	"  show health                       fleet health: announced or not and why (docs/fleet.md)\n"
	"  show config                       the effective configuration\n"
	"  show log                          log level of each module\n"
	"  set log level MODULE|all LEVEL    MODULE: app lb redis dp srt rtmp http api sysapi ctl cli dpdk;\n"
	"                                    LEVEL: error warn info debug\n"
	"  reload                            re-read the config file (as SIGHUP): live keys applied, others named\n"
	"  help | quit\n";

/* Names come from the network (a registration, Redis, a player's URL): never raw to a terminal. */
static const char *esc(const char *s, char *buf, size_t cap)
{
	mp_escape(s, strlen(s), buf, cap);
	return buf;
}

static int fail(struct mp_cli_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct mp_cli_run *r, const char *fmt, ...)
{
	va_list ap;
	char line[512];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	mp_strbuf_printf(r->out, "%s\n", line);
	r->rc = MP_CLI_ERROR;
	return MP_CLI_ERROR;
}

static cJSON *data_array(struct mp_cli_run *r, const char *name)
{
	if (!r->json)
		return NULL;
	if (!r->data)
		r->data = cJSON_CreateObject();
	return cJSON_AddArrayToObject(r->data, name);
}

void mp_cli_help(struct mp_cli_run *r)
{
	mp_strbuf_printf(r->out, "%s", help_text);
}

void mp_cli_quit(struct mp_cli_run *r)
{
	r->rc = MP_CLI_QUIT;
}

void mp_cli_bad_count(struct mp_cli_run *r, const char *what, const char *word)
{
	char e[64];

	fail(r, "%s: '%s' is not a count 1-%u", what, esc(word, e, sizeof(e)), MP_CLI_LIST_MAX);
}

void mp_cli_forwarding(struct mp_cli_run *r, bool on)
{
	struct mp_control *c = r->c;
	int rc = c->cli.forwarding ? c->cli.forwarding(c->cli.ctx, on) : MP_ERR_UNSUPPORTED;
	const char *w = on ? "start" : "stop";

	if (rc == MP_OK)
		mp_strbuf_printf(r->out, "forwarding %s\n", on ? "started" : "stopped");
	else if (rc == MP_ERR_STATE)
		fail(r, "%s: forwarding is already %s", w, on ? "started" : "stopped");
	else
		fail(r, "%s: %s", w, mp_strerror(rc));
}

void mp_cli_port_stats(struct mp_cli_run *r, bool clear)
{
	struct mp_control *c = r->c;

	if (r->json && !clear && c->dp_stats) {
		if (!r->data)
			r->data = cJSON_CreateObject();
		c->dp_stats(c->dp_stats_ctx, r->data);
		cJSON_DeleteItemFromObject(r->data, "lcores");
		cJSON_DeleteItemFromObject(r->data, "total");
		return;
	}
	if (c->cli.port_stats)
		c->cli.port_stats(c->cli.ctx, clear, r->out);
}

void mp_cli_lcore_stats(struct mp_cli_run *r)
{
	struct mp_control *c = r->c;

	if (r->json && c->dp_stats) {
		if (!r->data)
			r->data = cJSON_CreateObject();
		c->dp_stats(c->dp_stats_ctx, r->data);
		cJSON_DeleteItemFromObject(r->data, "ports");
		return;
	}
	if (c->cli.lcore_stats)
		c->cli.lcore_stats(c->cli.ctx, r->out);
}

void mp_cli_show_origins(struct mp_cli_run *r, uint32_t limit)
{
	struct mp_control *c = r->c;
	uint64_t now = mp_now_ms();
	uint32_t lim = mp_lb_origin_id_limit(c->lb), n = 0, total = 0;
	struct mp_lb_stats st;
	char key[4 * MP_LB_ORIGIN_KEY_MAX], ipe[4 * MP_REG_MAX_FIELD];
	cJSON *arr = data_array(r, "origins");

	mp_lb_stats(c->lb, &st);
	total = st.count[MP_LB_T_ORIGINS];
	if (!arr)
		mp_strbuf_printf(r->out, "%-4s %-40s %-16s %-6s %-8s %-6s %-6s %-8s %s\n", "id", "key", "ip", "alive",
				 "age", "weight", "load", "replies", "endpoints");
	for (uint32_t id = 0; id < lim && n < limit; id++) {
		const struct mp_lb_origin *o = mp_lb_origin_get(c->lb, id);
		bool alive;
		cJSON *jo = NULL, *eps = NULL;

		if (!o)
			continue;
		n++;
		alive = mp_lb_origin_alive(c->lb, o, now);
		double load = mp_lb_origin_load(c->lb, o);
		bool down = mp_lb_origin_is_down(o);
		const char *replies = mp_origin_reply_name(mp_origin_replies_get(c->replies, o->id, o->uid));

		if (arr) {
			jo = cJSON_CreateObject();
			cJSON_AddNumberToObject(jo, "id", o->id);
			cJSON_AddStringToObject(jo, "key", o->key);
			cJSON_AddStringToObject(jo, "ip", o->ip);
			cJSON_AddBoolToObject(jo, "alive", alive);
			cJSON_AddBoolToObject(jo, "draining", o->draining || !o->weight);
			cJSON_AddBoolToObject(jo, "down", down);
			cJSON_AddNumberToObject(jo, "weight", o->weight);
			if (load >= 0)
				cJSON_AddNumberToObject(jo, "load", load);
			cJSON_AddStringToObject(jo, "replies", replies);
			cJSON_AddNumberToObject(jo, "age_s", (double)(now - o->updated_ms) / 1000.0);
			eps = cJSON_AddObjectToObject(jo, "endpoints");
			cJSON_AddItemToArray(arr, jo);
		} else {
			mp_strbuf_printf(r->out, "%-4u %-40s %-16s %-6s %6.1fs  %-6u ", o->id, esc(o->key, key, sizeof(key)),
					 esc(o->ip, ipe, sizeof(ipe)),
					 alive ? (o->draining || !o->weight ? "drain" : "yes") : (down ? "down" : "no"),
					 (double)(now - o->updated_ms) / 1000.0, o->weight);
			if (load < 0)
				mp_strbuf_printf(r->out, "%-6s ", "-");
			else
				mp_strbuf_printf(r->out, "%-6.2f ", load);
			mp_strbuf_printf(r->out, "%-8s ", replies);
		}
		for (int p = 0; p < MP_PROTO__COUNT; p++)
			for (unsigned i = 0; i < o->n_ep[p]; i++) {
				const char *pn = mp_proto_name((enum mp_reg_proto)p);
				char a[MP_LB_HOST_MAX], ep[MP_PEER_HOSTPORT_MAX];
				uint16_t port;

				if (mp_lb_origin_endpoint_host(o, (enum mp_reg_proto)p, i, a, &port) != MP_OK ||
				    mp_peer_hostport(a, port, ep, sizeof(ep)) < 0)
					continue;
				if (eps) {
					cJSON *l = cJSON_GetObjectItem(eps, pn);

					if (!l)
						l = cJSON_AddArrayToObject(eps, pn);
					cJSON_AddItemToArray(l, cJSON_CreateString(ep));
				} else {
					mp_strbuf_printf(r->out, " %s=%s", pn, ep);
				}
			}
		if (!arr)
			mp_strbuf_printf(r->out, "\n");
	}
	if (arr)
		cJSON_AddNumberToObject(r->data, "total", total);
	else if (n < total)
		mp_strbuf_printf(r->out, "%u origin(s), first %u shown (show origins N)\n", total, n);
	else
		mp_strbuf_printf(r->out, "%u origin(s)\n", n);
}

void mp_cli_show_streams(struct mp_cli_run *r, uint32_t limit)
{
	struct mp_control *c = r->c;
	char stream[MP_LB_STREAM_MAX], se[4 * MP_LB_STREAM_MAX], key[4 * MP_LB_ORIGIN_KEY_MAX];
	uint32_t next = 0, origin, n = 0;
	struct mp_lb_stats st;
	cJSON *arr = data_array(r, "streams");

	mp_lb_stats(c->lb, &st);
	while (n < limit && mp_lb_pick_iterate(c->lb, &next, stream, &origin) == MP_OK) {
		const struct mp_lb_origin *o = mp_lb_origin_get(c->lb, origin);

		if (arr) {
			cJSON *js = cJSON_CreateObject();

			cJSON_AddStringToObject(js, "stream", stream);
			if (o)
				cJSON_AddStringToObject(js, "origin", o->key);
			else
				cJSON_AddNullToObject(js, "origin");
			cJSON_AddItemToArray(arr, js);
		} else {
			mp_strbuf_printf(r->out, "%-48s -> %s\n", esc(stream, se, sizeof(se)),
					 o ? esc(o->key, key, sizeof(key)) : "(gone)");
		}
		n++;
	}
	if (arr)
		cJSON_AddNumberToObject(r->data, "total", st.count[MP_LB_T_PICKS]);
	else if (n < st.count[MP_LB_T_PICKS])
		mp_strbuf_printf(r->out, "%u stream(s), first %u shown (show streams N)\n", st.count[MP_LB_T_PICKS], n);
	else
		mp_strbuf_printf(r->out, "%u stream(s)\n", n);
}

void mp_cli_show_sessions(struct mp_cli_run *r, const char *kind_word, uint32_t limit)
{
	struct mp_control *c = r->c;
	struct mp_lb_stats st;
	uint64_t now = mp_now_ms();
	uint32_t n = 0;
	int kind = 0;
	cJSON *arr;
	char e[64];

	if (kind_word && !strcmp(kind_word, "webrtc"))
		kind = MP_LB_SESS_WEBRTC;
	else if (kind_word && !strcmp(kind_word, "srt"))
		kind = MP_LB_SESS_SRT;
	else if (kind_word) {
		fail(r, "show sessions: '%s' is not webrtc, srt or a count 1-%u", esc(kind_word, e, sizeof(e)),
		     MP_CLI_LIST_MAX);
		return;
	}
	arr = data_array(r, "sessions");
	mp_lb_stats(c->lb, &st);
	for (uint32_t i = mp_lb_session_next(c->lb, 0); i != UINT32_MAX && n < limit; i = mp_lb_session_next(c->lb, i + 1)) {
		struct mp_lb_session *s = mp_lb_session_at(c->lb, i);
		char cl[MP_LB_ADDR_TEXT_MAX], og[MP_LB_ADDR_TEXT_MAX];
		const char *k;
		double idle;

		if (!s || (kind && s->kind != kind))
			continue;
		mp_lb_addr_text(c->lb, s->tuple.src_ip, cl, sizeof(cl)); /* IPv6 ones as [their address] */
		mp_lb_addr_text(c->lb, s->origin_ipv4, og, sizeof(og));
		k = s->kind == MP_LB_SESS_WEBRTC ? "webrtc" : "srt";
		idle = (double)(now - atomic_load(&s->last_seen_ms)) / 1000.0;
		if (arr) {
			cJSON *js = cJSON_CreateObject();
			char a[MP_LB_ADDR_TEXT_MAX + 8];

			cJSON_AddStringToObject(js, "kind", k);
			snprintf(a, sizeof(a), "%s:%u", cl, s->tuple.src_port);
			cJSON_AddStringToObject(js, "client", a);
			cJSON_AddNumberToObject(js, "nat_port", s->nat_port);
			snprintf(a, sizeof(a), "%s:%u", og, s->origin_port);
			cJSON_AddStringToObject(js, "origin", a);
			cJSON_AddNumberToObject(js, "pkts_c2o", (double)atomic_load(&s->pkts_c2o));
			cJSON_AddNumberToObject(js, "pkts_o2c", (double)atomic_load(&s->pkts_o2c));
			cJSON_AddNumberToObject(js, "idle_s", idle);
			cJSON_AddItemToArray(arr, js);
		} else {
			mp_strbuf_printf(r->out, "%-6s %s:%u -> nat %u -> %s:%u  c2o %lu pkts  o2c %lu pkts  idle %.1fs\n", k,
					 cl, s->tuple.src_port, s->nat_port, og, s->origin_port,
					 (unsigned long)atomic_load(&s->pkts_c2o), (unsigned long)atomic_load(&s->pkts_o2c),
					 idle);
		}
		n++;
	}
	if (arr) {
		cJSON_AddNumberToObject(r->data, "active", st.count[MP_LB_T_SESSIONS]);
		cJSON_AddNumberToObject(r->data, "capacity", st.capacity[MP_LB_T_SESSIONS]);
		cJSON_AddNumberToObject(r->data, "created", (double)st.sessions_created);
		cJSON_AddNumberToObject(r->data, "expired", (double)st.sessions_expired);
		cJSON_AddNumberToObject(r->data, "refused", (double)st.refused[MP_LB_T_SESSIONS]);
		return;
	}
	mp_strbuf_printf(r->out, "%u shown; %u active of %u, %lu created, %lu expired, %lu refused (table full)\n", n,
			 st.count[MP_LB_T_SESSIONS], st.capacity[MP_LB_T_SESSIONS], (unsigned long)st.sessions_created,
			 (unsigned long)st.sessions_expired, (unsigned long)st.refused[MP_LB_T_SESSIONS]);
}

void mp_cli_show_config(struct mp_cli_run *r)
{
	static char dump[16384];

	mp_config_dump(r->c->cfg, dump, sizeof(dump));
	if (!r->json) {
		mp_strbuf_printf(r->out, "%s", dump);
		return;
	}
	/* The dump's "key = value" lines as an object. */
	r->data = cJSON_CreateObject();
	for (char *line = strtok(dump, "\n"); line; line = strtok(NULL, "\n")) {
		char *eq = strstr(line, " = ");

		if (!eq || line[0] == '#')
			continue;
		*eq = 0;
		cJSON_AddStringToObject(r->data, line, eq + 3);
	}
}

/* origin add NAME IP proto=ep ...: an origin as if it had registered (server NAME, service "cli"). */
void mp_cli_origin_add(struct mp_cli_run *r, const char *name, const char *ip, const char *eps)
{
	struct mp_registration reg;
	char words[1024], *save = NULL, e[64];
	int rc;

	memset(&reg, 0, sizeof(reg));
	snprintf(reg.ip, sizeof(reg.ip), "%s", ip);
	if (mp_registration_set_ip(&reg) != MP_OK) {
		fail(r, "origin add: '%s' is not an IPv4 or IPv6 address", esc(ip, e, sizeof(e)));
		return;
	}
	snprintf(reg.server, sizeof(reg.server), "%s", name);
	snprintf(reg.service, sizeof(reg.service), "cli");
	snprintf(reg.pid, sizeof(reg.pid), "0");
	snprintf(reg.device_id, sizeof(reg.device_id), "cli");
	snprintf(words, sizeof(words), "%s", eps);
	for (char *w = strtok_r(words, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		char *eq = strchr(w, '=');
		int p;

		for (p = 0; eq && p < MP_PROTO__COUNT; p++)
			if (strlen(mp_proto_name((enum mp_reg_proto)p)) == (size_t)(eq - w) &&
			    !strncmp(w, mp_proto_name((enum mp_reg_proto)p), (size_t)(eq - w)))
				break;
		if (!eq || p == MP_PROTO__COUNT || reg.n_ep[p] >= MP_REG_MAX_ENDPOINTS ||
		    mp_endpoint_parse(eq + 1, strlen(eq + 1), &reg.ep[p][reg.n_ep[p]]) != MP_OK) {
			fail(r, "origin add: bad endpoint '%s' (PROTO=EP, PROTO one of rtmp http api srt rtc)",
			     esc(w, e, sizeof(e)));
			return;
		}
		reg.n_ep[p]++;
	}
	rc = mp_lb_origin_update(r->c->lb, &reg, mp_now_ms());
	if (rc < 0) {
		fail(r, "origin add: %s", mp_strerror(rc));
		return;
	}
	mp_strbuf_printf(r->out, "origin %s-cli-0 added (id %d); it expires after origin_ttl unless re-added\n",
			 esc(name, e, sizeof(e)), rc);
}

void mp_cli_origin_del(struct mp_cli_run *r, const char *key)
{
	int rc = mp_lb_origin_remove(r->c->lb, key);
	char e[4 * MP_LB_ORIGIN_KEY_MAX];

	if (rc == MP_OK)
		mp_strbuf_printf(r->out, "origin %s removed\n", esc(key, e, sizeof(e)));
	else
		fail(r, "origin del %s: %s", esc(key, e, sizeof(e)), mp_strerror(rc));
}

void mp_cli_origin_drain(struct mp_cli_run *r, const char *key, bool on)
{
	int rc = mp_lb_origin_drain(r->c->lb, key, on);
	char e[4 * MP_LB_ORIGIN_KEY_MAX];

	if (rc == MP_OK)
		mp_strbuf_printf(r->out, "origin %s: drain %s\n", esc(key, e, sizeof(e)), on ? "on" : "off");
	else
		fail(r, "origin drain %s: %s", esc(key, e, sizeof(e)), mp_strerror(rc));
}

void mp_cli_set_log_level(struct mp_cli_run *r, const char *module, const char *level)
{
	int rc = r->c->cli.log_level ? r->c->cli.log_level(r->c->cli.ctx, module, level) : MP_ERR_UNSUPPORTED;

	if (rc == MP_OK)
		mp_strbuf_printf(r->out, "log level of %s%s: %s\n", strcmp(module, "all") ? "mediaplane." : "",
				 module, level);
	else
		fail(r, "set log level %s %s: %s", module, level, mp_strerror(rc));
}

void mp_cli_show_log(struct mp_cli_run *r)
{
	cJSON *o = NULL;

	if (r->json)
		o = r->data = cJSON_CreateObject();
	for (int m = 0; m < MP_LOGM__COUNT; m++) {
		const char *lv = mp_log_level_name(mp_log_get_module_level((enum mp_log_module)m));

		if (o)
			cJSON_AddStringToObject(o, mp_log_module_name((enum mp_log_module)m), lv);
		else
			mp_strbuf_printf(r->out, "mediaplane.%-8s %s\n", mp_log_module_name((enum mp_log_module)m), lv);
	}
	if (o)
		cJSON_AddStringToObject(o, "format", mp_log_get_json() ? "json" : "text");
	else
		mp_strbuf_printf(r->out, "format: %s\n", mp_log_get_json() ? "json" : "text");
}

void mp_cli_reload(struct mp_cli_run *r)
{
	struct mp_control *c = r->c;
	int rc = c->cli.reload ? c->cli.reload(c->cli.reload_ctx, r->out) : MP_ERR_UNSUPPORTED;

	if (rc != MP_OK)
		fail(r, "reload: %s", mp_strerror(rc));
}

/* set origin weight ORIGIN W (ORIGIN: id, key, address or address:port; 0 drains) */
void mp_cli_origin_weight(struct mp_cli_run *r, const char *name, const char *word)
{
	char key[MP_LB_ORIGIN_KEY_MAX], ke[4 * MP_LB_ORIGIN_KEY_MAX], we[64], *end;
	unsigned long v = strtoul(word, &end, 10);
	uint32_t w = (uint32_t)v;
	int rc;

	if (!word[0] || *end || word[0] == '-' || v > MP_PICK_WEIGHT_MAX) {
		mp_strbuf_printf(r->out, "set origin weight: '%s' is not a weight 0-%u\n", esc(word, we, sizeof(we)),
				 MP_PICK_WEIGHT_MAX);
		r->rc = MP_CLI_ERROR;
		return;
	}
	rc = mp_origin_lookup(r->c, name, key, sizeof(key));
	if (rc == MP_OK)
		rc = mp_lb_origin_set_weight(r->c->lb, key, w, mp_now_ms());
	if (rc != MP_OK) {
		mp_strbuf_printf(r->out, "set origin weight %s: %s\n", name,
				 rc == MP_ERR_EXISTS ? "that address names several origins: give the id or key" : mp_strerror(rc));
		r->rc = MP_CLI_ERROR;
		return;
	}
	mp_strbuf_printf(r->out, "origin %s: weight %u%s\n", esc(key, ke, sizeof(ke)), w, w ? "" : " (drain: no new streams)");
}

/* drain [on|off]: the appliance's own drain (app/fleet_health.c), not an origin's. */
void mp_cli_drain(struct mp_cli_run *r, bool on)
{
	struct mp_control *c = r->c;
	int rc = c->health.drain ? c->health.drain(c->health.ctx, on) : MP_ERR_UNSUPPORTED;

	if (rc == MP_OK || rc == MP_ERR_STATE) {
		mp_strbuf_printf(r->out, "drain %s%s\n", on ? "on" : "off", rc == MP_ERR_STATE ? " (already)" : "");
		return;
	}
	mp_strbuf_printf(r->out, "drain: %s\n", mp_strerror(rc));
	r->rc = MP_CLI_ERROR;
}

/* show health: one "key value" line per member of the health hook's JSON (the object itself with --json). */
void mp_cli_show_health(struct mp_cli_run *r)
{
	struct mp_control *c = r->c;
	cJSON *o, *it;

	if (!c->health.json) {
		mp_strbuf_printf(r->out, "show health: not available\n");
		r->rc = MP_CLI_ERROR;
		return;
	}
	o = cJSON_CreateObject();
	if (!o) {
		r->rc = MP_CLI_ERROR;
		return;
	}
	c->health.json(c->health.ctx, o);
	if (r->json && !r->data) {
		r->data = o;
		return;
	}
	cJSON_ArrayForEach(it, o) {
		if (cJSON_IsString(it))
			mp_strbuf_printf(r->out, "%-14s %s\n", it->string, it->valuestring);
		else if (cJSON_IsBool(it))
			mp_strbuf_printf(r->out, "%-14s %s\n", it->string, cJSON_IsTrue(it) ? "yes" : "no");
		else if (cJSON_IsNumber(it))
			mp_strbuf_printf(r->out, "%-14s %.0f\n", it->string, it->valuedouble);
	}
	cJSON_Delete(o);
}
