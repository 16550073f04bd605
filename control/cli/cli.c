/* cli.c: operator commands: start/stop, port and lcore stats, origins, streams, sessions, config. */
#include "cli.h"
#include "config.h"
#include "control.h"
#include "lb.h"
#include "origin_health.h"
#include "pick_policy.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_escape.h"
#include "registration.h"

#include <ctype.h>
#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 16

static const char *const help_text =
	"commands:\n"
	"  start | stop                      start or stop forwarding on the worker lcores\n"
	"  show port stats all               packets, bytes, errors per DPDK port\n"
	"  clear port stats all\n"
	"  show lcore stats                  per-worker counters and drop reasons\n"
	"  show origins [N]                  registered origins, age, alive, replies, endpoints (first N, 100)\n"
	"  show streams [N]                  stream -> origin picks (first N, 100)\n"
	"  show sessions [webrtc|srt] [N]    data-plane sessions (first N, 100)\n"
	"  origin add NAME IP PROTO=EP...    add an origin (PROTO: rtmp http api srt rtc; EP as SRS sends it)\n"
	"  origin del KEY                    forget an origin now\n"
	"  origin drain KEY [on|off]         keep its streams, give it no new ones\n"
	"  set origin weight ORIGIN W        pick weight (default 100; 0 drains: no new streams);\n"
	"                                    ORIGIN: id, key, address or address:port\n"
	"  show config                       the effective configuration\n"
	"  drain [on|off]                    withdraw the service address (BGP) and report unhealthy; off: back\n"
	"  show health                       fleet health: announced or not and why (docs/fleet.md)\n"
	"  help | quit\n";

static void ip_str(uint32_t ip, char *out, size_t cap)
{
	snprintf(out, cap, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

#define CLI_LIST_DEFAULT 100u
#define CLI_LIST_MAX 100000u

/* Names come from the network (a registration, Redis, a player's URL): never raw to a terminal. */
static const char *esc(const char *s, char *buf, size_t cap)
{
	mp_escape(s, strlen(s), buf, cap);
	return buf;
}

static void show_origins(struct mp_control *c, uint32_t limit, struct mp_strbuf *out)
{
	uint64_t now = mp_now_ms();
	uint32_t lim = mp_lb_origin_id_limit(c->lb), n = 0, total = 0;
	struct mp_lb_stats st;
	char key[4 * MP_LB_ORIGIN_KEY_MAX], ipe[4 * MP_REG_MAX_FIELD];

	mp_lb_stats(c->lb, &st);
	total = st.count[MP_LB_T_ORIGINS];
	mp_strbuf_printf(out, "%-4s %-40s %-16s %-6s %-8s %-6s %-6s %-8s %s\n", "id", "key", "ip", "alive", "age",
			 "weight", "load", "replies", "endpoints");
	for (uint32_t id = 0; id < lim && n < limit; id++) {
		const struct mp_lb_origin *o = mp_lb_origin_get(c->lb, id);

		if (!o)
			continue;
		n++;
		double load = mp_lb_origin_load(c->lb, o);

		mp_strbuf_printf(out, "%-4u %-40s %-16s %-6s %6.1fs  %-6u ", o->id, esc(o->key, key, sizeof(key)),
				 esc(o->ip, ipe, sizeof(ipe)),
				 mp_lb_origin_alive(c->lb, o, now) ? (o->draining || !o->weight ? "drain" : "yes")
				 : (o->down_ms >= o->updated_ms && o->down_ms ? "down" : "no"),
				 (double)(now - o->updated_ms) / 1000.0, o->weight);
		if (load < 0)
			mp_strbuf_printf(out, "%-6s ", "-");
		else
			mp_strbuf_printf(out, "%-6.2f ", load);
		mp_strbuf_printf(out, "%-8s ", mp_origin_reply_name(mp_origin_replies_get(c->replies, o->id, o->uid)));
		for (int p = 0; p < MP_PROTO__COUNT; p++)
			for (unsigned i = 0; i < o->n_ep[p]; i++) {
				uint32_t ip;
				uint16_t port;
				char a[16];

				if (mp_lb_origin_endpoint(o, (enum mp_reg_proto)p, i, &ip, &port) == MP_OK) {
					ip_str(ip, a, sizeof(a));
					mp_strbuf_printf(out, " %s=%s:%u", mp_proto_name((enum mp_reg_proto)p), a, port);
				}
			}
		mp_strbuf_printf(out, "\n");
	}
	if (n < total)
		mp_strbuf_printf(out, "%u origin(s), first %u shown (show origins N)\n", total, n);
	else
		mp_strbuf_printf(out, "%u origin(s)\n", n);
}

/* set origin weight ORIGIN W */
static int origin_weight(struct mp_control *c, const char *name, const char *w, struct mp_strbuf *out)
{
	char key[MP_LB_ORIGIN_KEY_MAX], ke[4 * MP_LB_ORIGIN_KEY_MAX], *end;
	unsigned long v = strtoul(w, &end, 10);
	int r;

	if (!w[0] || *end || w[0] == '-' || v > MP_PICK_WEIGHT_MAX) {
		mp_strbuf_printf(out, "set origin weight: '%s' is not a weight 0-%u\n", w, MP_PICK_WEIGHT_MAX);
		return MP_CLI_ERROR;
	}
	r = mp_origin_lookup(c, name, key, sizeof(key));
	if (r == MP_OK)
		r = mp_lb_origin_set_weight(c->lb, key, (uint32_t)v, mp_now_ms());
	if (r != MP_OK) {
		mp_strbuf_printf(out, "set origin weight %s: %s\n", name,
				 r == MP_ERR_EXISTS ? "that address names several origins: give the id or key" : mp_strerror(r));
		return MP_CLI_ERROR;
	}
	mp_strbuf_printf(out, "origin %s: weight %lu%s\n", esc(key, ke, sizeof(ke)), v, v ? "" : " (drain: no new streams)");
	return MP_CLI_OK;
}

static void show_streams(struct mp_control *c, uint32_t limit, struct mp_strbuf *out)
{
	char stream[MP_LB_STREAM_MAX], se[4 * MP_LB_STREAM_MAX], key[4 * MP_LB_ORIGIN_KEY_MAX];
	uint32_t next = 0, origin, n = 0;
	struct mp_lb_stats st;

	mp_lb_stats(c->lb, &st);
	while (n < limit && mp_lb_pick_iterate(c->lb, &next, stream, &origin) == MP_OK) {
		const struct mp_lb_origin *o = mp_lb_origin_get(c->lb, origin);

		mp_strbuf_printf(out, "%-48s -> %s\n", esc(stream, se, sizeof(se)), o ? esc(o->key, key, sizeof(key)) : "(gone)");
		n++;
	}
	if (n < st.count[MP_LB_T_PICKS])
		mp_strbuf_printf(out, "%u stream(s), first %u shown (show streams N)\n", st.count[MP_LB_T_PICKS], n);
	else
		mp_strbuf_printf(out, "%u stream(s)\n", n);
}

static void show_sessions(struct mp_control *c, int kind, uint32_t limit, struct mp_strbuf *out)
{
	struct mp_lb_stats st;
	uint64_t now = mp_now_ms();
	uint32_t n = 0;

	mp_lb_stats(c->lb, &st);
	for (uint32_t i = mp_lb_session_next(c->lb, 0); i != UINT32_MAX && n < limit; i = mp_lb_session_next(c->lb, i + 1)) {
		struct mp_lb_session *s = mp_lb_session_at(c->lb, i);
		char cl[16], og[16];

		if (!s || (kind && s->kind != kind))
			continue;
		ip_str(s->tuple.src_ip, cl, sizeof(cl));
		ip_str(s->origin_ipv4, og, sizeof(og));
		mp_strbuf_printf(out, "%-6s %s:%u -> nat %u -> %s:%u  c2o %lu pkts  o2c %lu pkts  idle %.1fs\n",
				 s->kind == MP_LB_SESS_WEBRTC ? "webrtc" : "srt", cl, s->tuple.src_port, s->nat_port, og,
				 s->origin_port, (unsigned long)atomic_load(&s->pkts_c2o),
				 (unsigned long)atomic_load(&s->pkts_o2c),
				 (double)(now - atomic_load(&s->last_seen_ms)) / 1000.0);
		n++;
	}
	mp_strbuf_printf(out, "%u shown; %u active of %u, %lu created, %lu expired, %lu refused (table full)\n", n,
			 st.count[MP_LB_T_SESSIONS], st.capacity[MP_LB_T_SESSIONS], (unsigned long)st.sessions_created,
			 (unsigned long)st.sessions_expired, (unsigned long)st.refused[MP_LB_T_SESSIONS]);
}

/* origin add NAME IP proto=ep ...: an origin as if it had registered (server NAME, service "cli"). */
static int origin_add(struct mp_control *c, int n, char **w, struct mp_strbuf *out)
{
	struct mp_registration r;
	int rc;

	if (n < 4) {
		mp_strbuf_printf(out, "usage: origin add NAME IP PROTO=EP...\n");
		return MP_CLI_ERROR;
	}
	memset(&r, 0, sizeof(r));
	if (mp_ipv4_parse(w[3], strlen(w[3]), &r.ipv4) != MP_OK) {
		mp_strbuf_printf(out, "origin add: '%s' is not an IPv4 address\n", w[3]);
		return MP_CLI_ERROR;
	}
	snprintf(r.ip, sizeof(r.ip), "%s", w[3]);
	snprintf(r.server, sizeof(r.server), "%s", w[2]);
	snprintf(r.service, sizeof(r.service), "cli");
	snprintf(r.pid, sizeof(r.pid), "0");
	snprintf(r.device_id, sizeof(r.device_id), "cli");
	for (int i = 4; i < n; i++) {
		char *eq = strchr(w[i], '=');
		int p;

		for (p = 0; eq && p < MP_PROTO__COUNT; p++)
			if (strlen(mp_proto_name((enum mp_reg_proto)p)) == (size_t)(eq - w[i]) &&
			    !strncmp(w[i], mp_proto_name((enum mp_reg_proto)p), (size_t)(eq - w[i])))
				break;
		if (!eq || p == MP_PROTO__COUNT || r.n_ep[p] >= MP_REG_MAX_ENDPOINTS ||
		    mp_endpoint_parse(eq + 1, strlen(eq + 1), &r.ep[p][r.n_ep[p]]) != MP_OK) {
			mp_strbuf_printf(out, "origin add: bad endpoint '%s' (PROTO=EP, PROTO one of rtmp http api srt rtc)\n",
					 w[i]);
			return MP_CLI_ERROR;
		}
		r.n_ep[p]++;
	}
	rc = mp_lb_origin_update(c->lb, &r, mp_now_ms());
	if (rc < 0) {
		mp_strbuf_printf(out, "origin add: %s\n", mp_strerror(rc));
		return MP_CLI_ERROR;
	}
	mp_strbuf_printf(out, "origin %s-cli-0 added (id %d); it expires after origin_ttl unless re-added\n", w[2], rc);
	return MP_CLI_OK;
}

/* "drain on|off": the appliance's own drain (app/fleet_health.c), not an origin's. */
static int appliance_drain(struct mp_control *c, const char *arg, struct mp_strbuf *out)
{
	bool on = !strcmp(arg, "on");
	int r;

	if (!on && strcmp(arg, "off")) {
		mp_strbuf_printf(out, "drain: '%s' is not on or off\n", arg);
		return MP_CLI_ERROR;
	}
	r = c->health.drain ? c->health.drain(c->health.ctx, on) : MP_ERR_UNSUPPORTED;
	if (r == MP_OK || r == MP_ERR_STATE)
		mp_strbuf_printf(out, "drain %s%s\n", on ? "on" : "off", r == MP_ERR_STATE ? " (already)" : "");
	else
		mp_strbuf_printf(out, "drain: %s\n", mp_strerror(r));
	return r == MP_OK || r == MP_ERR_STATE ? MP_CLI_OK : MP_CLI_ERROR;
}

/* "show health": one "key value" line per member of the health hook's JSON. */
static int show_health(struct mp_control *c, struct mp_strbuf *out)
{
	cJSON *o, *it;

	if (!c->health.json) {
		mp_strbuf_printf(out, "show health: not available\n");
		return MP_CLI_ERROR;
	}
	o = cJSON_CreateObject();
	if (!o)
		return MP_CLI_ERROR;
	c->health.json(c->health.ctx, o);
	cJSON_ArrayForEach(it, o) {
		if (cJSON_IsString(it))
			mp_strbuf_printf(out, "%-14s %s\n", it->string, it->valuestring);
		else if (cJSON_IsBool(it))
			mp_strbuf_printf(out, "%-14s %s\n", it->string, cJSON_IsTrue(it) ? "yes" : "no");
		else if (cJSON_IsNumber(it))
			mp_strbuf_printf(out, "%-14s %.0f\n", it->string, it->valuedouble);
	}
	cJSON_Delete(o);
	return MP_CLI_OK;
}

/* A list's length asked by the operator: 1..CLI_LIST_MAX. */
static bool list_limit(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return false;
	v = strtoul(s, &end, 10);
	if (*end || v < 1 || v > CLI_LIST_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static int split(char *line, char **w)
{
	int n = 0;

	for (char *t = strtok(line, " \t\r\n"); t && n < MAX_WORDS; t = strtok(NULL, " \t\r\n"))
		w[n++] = t;
	return n;
}

static bool is(int n, char **w, int at, const char *word)
{
	return n > at && !strcmp(w[at], word);
}

enum mp_cli_result mp_cli_exec(struct mp_control *c, const char *text, struct mp_strbuf *out)
{
	char line[1024], *w[MAX_WORDS];
	int n, rc = MP_CLI_OK;

	snprintf(line, sizeof(line), "%s", text);
	n = split(line, w);
	if (n == 0 || w[0][0] == '#')
		return MP_CLI_OK;
	if (is(n, w, 0, "help")) {
		mp_strbuf_printf(out, "%s", help_text);
	} else if (is(n, w, 0, "quit") || is(n, w, 0, "exit")) {
		return MP_CLI_QUIT;
	} else if ((is(n, w, 0, "start") || is(n, w, 0, "stop")) && n == 1) {
		bool on = !strcmp(w[0], "start");
		int r = c->cli.forwarding ? c->cli.forwarding(c->cli.ctx, on) : MP_ERR_UNSUPPORTED;

		if (r == MP_OK)
			mp_strbuf_printf(out, "forwarding %s\n", on ? "started" : "stopped");
		else if (r == MP_ERR_STATE)
			mp_strbuf_printf(out, "%s: forwarding is already %s\n", w[0], on ? "started" : "stopped");
		else
			mp_strbuf_printf(out, "%s: %s\n", w[0], mp_strerror(r));
		rc = r == MP_OK ? MP_CLI_OK : MP_CLI_ERROR;
	} else if (n == 4 && (is(n, w, 0, "show") || is(n, w, 0, "clear")) && is(n, w, 1, "port") &&
		   is(n, w, 2, "stats") && is(n, w, 3, "all")) {
		if (c->cli.port_stats)
			c->cli.port_stats(c->cli.ctx, !strcmp(w[0], "clear"), out);
	} else if (n == 3 && is(n, w, 0, "show") && is(n, w, 1, "lcore") && is(n, w, 2, "stats")) {
		if (c->cli.lcore_stats)
			c->cli.lcore_stats(c->cli.ctx, out);
	} else if ((n == 2 || n == 3) && is(n, w, 0, "show") && (is(n, w, 1, "origins") || is(n, w, 1, "streams"))) {
		uint32_t limit = CLI_LIST_DEFAULT;

		if (n == 3 && !list_limit(w[2], &limit)) {
			mp_strbuf_printf(out, "show %s: '%s' is not a count 1-%u\n", w[1], w[2], CLI_LIST_MAX);
			return MP_CLI_ERROR;
		}
		if (!strcmp(w[1], "origins"))
			show_origins(c, limit, out);
		else
			show_streams(c, limit, out);
	} else if ((n >= 2 && n <= 4) && is(n, w, 0, "show") && is(n, w, 1, "sessions")) {
		uint32_t limit = CLI_LIST_DEFAULT;
		int kind = 0;

		for (int a = 2; a < n; a++) {
			if (!strcmp(w[a], "webrtc") && !kind)
				kind = MP_LB_SESS_WEBRTC;
			else if (!strcmp(w[a], "srt") && !kind)
				kind = MP_LB_SESS_SRT;
			else if (!list_limit(w[a], &limit)) {
				mp_strbuf_printf(out, "show sessions: '%s' is not webrtc, srt or a count 1-%u\n", w[a], CLI_LIST_MAX);
				return MP_CLI_ERROR;
			}
		}
		show_sessions(c, kind, limit, out);
	} else if (n == 2 && is(n, w, 0, "show") && is(n, w, 1, "config")) {
		char dump[16384];

		mp_config_dump(c->cfg, dump, sizeof(dump));
		mp_strbuf_printf(out, "%s", dump);
	} else if ((n == 1 || n == 2) && is(n, w, 0, "drain")) {
		rc = appliance_drain(c, n == 1 ? "on" : w[1], out);
	} else if (n == 2 && is(n, w, 0, "show") && is(n, w, 1, "health")) {
		rc = show_health(c, out);
	} else if (is(n, w, 0, "origin") && is(n, w, 1, "add")) {
		rc = origin_add(c, n, w, out);
	} else if (n == 3 && is(n, w, 0, "origin") && is(n, w, 1, "del")) {
		int r = mp_lb_origin_remove(c->lb, w[2]);

		mp_strbuf_printf(out, r == MP_OK ? "origin %s removed\n" : "origin del %s: %s\n", w[2], mp_strerror(r));
		rc = r == MP_OK ? MP_CLI_OK : MP_CLI_ERROR;
	} else if ((n == 3 || n == 4) && is(n, w, 0, "origin") && is(n, w, 1, "drain")) {
		bool on = n == 3 || !strcmp(w[3], "on");
		int r = (n == 4 && strcmp(w[3], "on") && strcmp(w[3], "off")) ? MP_ERR_INVAL
										  : mp_lb_origin_drain(c->lb, w[2], on);

		mp_strbuf_printf(out, r == MP_OK ? "origin %s: drain %s\n" : "origin drain %s: %s\n", w[2],
				 r == MP_OK ? (on ? "on" : "off") : mp_strerror(r));
		rc = r == MP_OK ? MP_CLI_OK : MP_CLI_ERROR;
	} else if (n == 5 && is(n, w, 0, "set") && is(n, w, 1, "origin") && is(n, w, 2, "weight")) {
		rc = origin_weight(c, w[3], w[4], out);
	} else {
		mp_strbuf_printf(out, "unknown command '%s' (try help)\n", text);
		rc = MP_CLI_ERROR;
	}
	if (c->lb)
		mp_lb_quiescent(c->lb, MP_CONTROL_READER);
	return (enum mp_cli_result)rc;
}

int mp_cli_run_file(struct mp_control *c, const char *path, struct mp_strbuf *out)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int no = 0;

	if (!f) {
		mp_strbuf_printf(out, "command file %s: cannot open\n", path);
		return MP_ERR_CONFIG;
	}
	while (fgets(line, sizeof(line), f)) {
		no++;
		if (mp_cli_exec(c, line, out) == MP_CLI_ERROR) {
			mp_strbuf_printf(out, "command file %s:%d: the command above failed\n", path, no);
			fclose(f);
			return MP_ERR_CONFIG;
		}
	}
	fclose(f);
	return MP_OK;
}
