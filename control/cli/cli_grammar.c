/* cli_grammar.c: the CLI's one grammar (DPDK cmdline, as testpmd): the interactive prompt, the command
 * file and the Unix socket all parse with it, each instruction calling its command (cli.c) directly. */
#include "cli.h"
#include "cli_cmds.h"
#include "cli_socket.h"
#include "control.h"
#include "lb.h"
#include "mp_error.h"
#include "mp_escape.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>
#include <event2/event.h>

/* ---- the run a callback works for ---- */

static struct mp_control *cli_ctl;     /* one control plane per process */
static struct mp_cli_run *cli_current; /* set by mp_cli_exec around cmdline_parse */
static struct mp_cli_run tty_run;
static struct mp_strbuf tty_out;
static struct cmdline *tty_cl;
static struct event *tty_ev;

struct mp_cli_run *mp_cli_run_begin(void)
{
	if (cli_current)
		return cli_current;
	/* The prompt (rdline called the instruction): output printed at the end. */
	memset(&tty_run, 0, sizeof(tty_run));
	tty_run.c = cli_ctl;
	tty_run.out = &tty_out;
	return &tty_run;
}

void mp_cli_run_end(struct cmdline *cl, struct mp_cli_run *r)
{
	if (cli_ctl->lb)
		mp_lb_quiescent(cli_ctl->lb, MP_CONTROL_READER);
	if (r != &tty_run)
		return;
	if (tty_out.len)
		cmdline_printf(cl, "%s", tty_out.s);
	mp_strbuf_free(&tty_out);
	if (r->rc == MP_CLI_QUIT) {
		cmdline_quit(cl);
		event_base_loopbreak(cli_ctl->base);
	}
}

/* ---- instructions ---- */

#define W(n) cmdline_fixed_string_t n
struct r_words { W(a); W(b); W(c); W(d); W(e); };
struct r_show_n { W(a); W(b); uint32_t n; };
struct r_sess_kn { W(a); W(b); W(kind); uint32_t n; };
struct r_sess_k { W(a); W(b); W(kind); };
struct r_sess_bad { W(a); W(b); W(kind); W(extra); };

#define TS(st, f, s) TOKEN_STRING_INITIALIZER(struct st, f, s)
#define TN(st, f) TOKEN_NUM_INITIALIZER(struct st, f, RTE_UINT32)
#define INST(name, fn, help, ...) \
	static cmdline_parse_inst_t name = { .f = fn, .data = NULL, .help_str = help, .tokens = { __VA_ARGS__, NULL } }

static uint32_t count_or_default(uint32_t n, struct mp_cli_run *r, const char *what, bool *ok)
{
	char w[16];

	*ok = n >= 1 && n <= MP_CLI_LIST_MAX;
	if (!*ok) {
		snprintf(w, sizeof(w), "%u", n);
		mp_cli_bad_count(r, what, w);
	}
	return n;
}

/* start | stop | help | quit | exit | reload */
static cmdline_parse_token_string_t t_one = TS(r_words, a, "start#stop#help#quit#exit#reload");
static void cb_one(void *p, struct cmdline *cl, void *data)
{
	const struct r_words *w = p;
	struct mp_cli_run *r = mp_cli_run_begin();

	(void)data;
	if (!strcmp(w->a, "start") || !strcmp(w->a, "stop"))
		mp_cli_forwarding(r, !strcmp(w->a, "start"));
	else if (!strcmp(w->a, "help"))
		mp_cli_help(r);
	else if (!strcmp(w->a, "reload"))
		mp_cli_reload(r);
	else
		mp_cli_quit(r);
	mp_cli_run_end(cl, r);
}
INST(i_one, cb_one, "start | stop | reload | help | quit", (void *)&t_one);

/* show origins|streams|sessions|config|log */
static cmdline_parse_token_string_t t_show = TS(r_words, a, "show");
static cmdline_parse_token_string_t t_show_what = TS(r_words, b, "origins#streams#sessions#config#log");
static void cb_show(void *p, struct cmdline *cl, void *data)
{
	const struct r_words *w = p;
	struct mp_cli_run *r = mp_cli_run_begin();

	(void)data;
	if (!strcmp(w->b, "origins"))
		mp_cli_show_origins(r, MP_CLI_LIST_DEFAULT);
	else if (!strcmp(w->b, "streams"))
		mp_cli_show_streams(r, MP_CLI_LIST_DEFAULT);
	else if (!strcmp(w->b, "sessions"))
		mp_cli_show_sessions(r, NULL, MP_CLI_LIST_DEFAULT);
	else if (!strcmp(w->b, "config"))
		mp_cli_show_config(r);
	else
		mp_cli_show_log(r);
	mp_cli_run_end(cl, r);
}
INST(i_show, cb_show, "show origins|streams|sessions|config|log", (void *)&t_show, (void *)&t_show_what);

/* show origins|streams|sessions N */
static cmdline_parse_token_string_t t_shown = TS(r_show_n, a, "show");
static cmdline_parse_token_string_t t_shown_what = TS(r_show_n, b, "origins#streams#sessions");
static cmdline_parse_token_num_t t_shown_n = TN(r_show_n, n);
static void cb_show_n(void *p, struct cmdline *cl, void *data)
{
	const struct r_show_n *w = p;
	struct mp_cli_run *r = mp_cli_run_begin();
	char what[160];
	bool ok;

	(void)data;
	snprintf(what, sizeof(what), "show %s", w->b);
	count_or_default(w->n, r, what, &ok);
	if (ok && !strcmp(w->b, "origins"))
		mp_cli_show_origins(r, w->n);
	else if (ok && !strcmp(w->b, "streams"))
		mp_cli_show_streams(r, w->n);
	else if (ok)
		mp_cli_show_sessions(r, NULL, w->n);
	mp_cli_run_end(cl, r);
}
INST(i_show_n, cb_show_n, "show origins|streams|sessions N (the first N, 1-100000)", (void *)&t_shown,
     (void *)&t_shown_what, (void *)&t_shown_n);

/* show sessions webrtc|srt [N]; any other word: named in the error */
static cmdline_parse_token_string_t t_sk_show = TS(r_sess_k, a, "show");
static cmdline_parse_token_string_t t_sk_sess = TS(r_sess_k, b, "sessions");
static cmdline_parse_token_string_t t_sk_kind = TS(r_sess_k, kind, "webrtc#srt");
static cmdline_parse_token_string_t t_sk_any = TS(r_sess_k, kind, NULL);
static void cb_sess_k(void *p, struct cmdline *cl, void *data)
{
	const struct r_sess_k *w = p;
	struct mp_cli_run *r = mp_cli_run_begin();

	(void)data;
	mp_cli_show_sessions(r, w->kind, MP_CLI_LIST_DEFAULT);
	mp_cli_run_end(cl, r);
}
INST(i_sess_k, cb_sess_k, "show sessions webrtc|srt", (void *)&t_sk_show, (void *)&t_sk_sess, (void *)&t_sk_kind);
INST(i_sess_any, cb_sess_k, "show sessions WORD (refused: not webrtc, srt or a count)", (void *)&t_sk_show,
     (void *)&t_sk_sess, (void *)&t_sk_any);

static cmdline_parse_token_string_t t_skn_show = TS(r_sess_kn, a, "show");
static cmdline_parse_token_string_t t_skn_sess = TS(r_sess_kn, b, "sessions");
static cmdline_parse_token_string_t t_skn_kind = TS(r_sess_kn, kind, "webrtc#srt");
static cmdline_parse_token_num_t t_skn_n = TN(r_sess_kn, n);
static void cb_sess_kn(void *p, struct cmdline *cl, void *data)
{
	const struct r_sess_kn *w = p;
	struct mp_cli_run *r = mp_cli_run_begin();
	bool ok;

	(void)data;
	count_or_default(w->n, r, "show sessions", &ok);
	if (ok)
		mp_cli_show_sessions(r, w->kind, w->n);
	mp_cli_run_end(cl, r);
}
INST(i_sess_kn, cb_sess_kn, "show sessions webrtc|srt N", (void *)&t_skn_show, (void *)&t_skn_sess,
     (void *)&t_skn_kind, (void *)&t_skn_n);

/* show lcore stats */
static cmdline_parse_token_string_t t_lc_show = TS(r_words, a, "show");
static cmdline_parse_token_string_t t_lc_lcore = TS(r_words, b, "lcore");
static cmdline_parse_token_string_t t_lc_stats = TS(r_words, c, "stats");
static void cb_lcore(void *p, struct cmdline *cl, void *data)
{
	struct mp_cli_run *r = mp_cli_run_begin();

	(void)p;
	(void)data;
	mp_cli_lcore_stats(r);
	mp_cli_run_end(cl, r);
}
INST(i_lcore, cb_lcore, "show lcore stats", (void *)&t_lc_show, (void *)&t_lc_lcore, (void *)&t_lc_stats);

/* show|clear port stats all */
static cmdline_parse_token_string_t t_ps_verb = TS(r_words, a, "show#clear");
static cmdline_parse_token_string_t t_ps_port = TS(r_words, b, "port");
static cmdline_parse_token_string_t t_ps_stats = TS(r_words, c, "stats");
static cmdline_parse_token_string_t t_ps_all = TS(r_words, d, "all");
static void cb_port(void *p, struct cmdline *cl, void *data)
{
	const struct r_words *w = p;
	struct mp_cli_run *r = mp_cli_run_begin();

	(void)data;
	mp_cli_port_stats(r, !strcmp(w->a, "clear"));
	mp_cli_run_end(cl, r);
}
INST(i_port, cb_port, "show|clear port stats all", (void *)&t_ps_verb, (void *)&t_ps_port, (void *)&t_ps_stats,
     (void *)&t_ps_all);

/* origin del KEY | origin drain KEY [on|off] */
static cmdline_parse_token_string_t t_o_origin = TS(r_words, a, "origin");
static cmdline_parse_token_string_t t_o_verb = TS(r_words, b, "del#drain");
static cmdline_parse_token_string_t t_o_key = TS(r_words, c, NULL);
static cmdline_parse_token_string_t t_o_drain = TS(r_words, b, "drain");
static cmdline_parse_token_string_t t_o_onoff = TS(r_words, d, "on#off");
static void cb_origin(void *p, struct cmdline *cl, void *data)
{
	const struct r_words *w = p;
	struct mp_cli_run *r = mp_cli_run_begin();

	if (!strcmp(w->b, "del"))
		mp_cli_origin_del(r, w->c);
	else
		mp_cli_origin_drain(r, w->c, !data || !strcmp(w->d, "on"));
	mp_cli_run_end(cl, r);
}
INST(i_origin3, cb_origin, "origin del|drain KEY", (void *)&t_o_origin, (void *)&t_o_verb, (void *)&t_o_key);
static cmdline_parse_inst_t i_origin4 = { .f = cb_origin, .data = (void *)1, .help_str = "origin drain KEY on|off",
					  .tokens = { (void *)&t_o_origin, (void *)&t_o_drain, (void *)&t_o_key,
						      (void *)&t_o_onoff, NULL } };

/* origin add NAME IP PROTO=EP... */
static cmdline_parse_token_string_t t_oa_add = TS(r_words, b, "add");
static cmdline_parse_token_string_t t_oa_name = TS(r_words, c, NULL);
static cmdline_parse_token_string_t t_oa_ip = TS(r_words, d, NULL);
static cmdline_parse_token_string_t t_oa_eps = TS(r_words, e, TOKEN_STRING_MULTI);
static void cb_origin_add(void *p, struct cmdline *cl, void *data)
{
	const struct r_words *w = p;
	struct mp_cli_run *r = mp_cli_run_begin();

	(void)data;
	mp_cli_origin_add(r, w->c, w->d, w->e);
	mp_cli_run_end(cl, r);
}
INST(i_origin_add, cb_origin_add, "origin add NAME IP PROTO=EP... (PROTO: rtmp http api srt rtc)", (void *)&t_o_origin,
     (void *)&t_oa_add, (void *)&t_oa_name, (void *)&t_oa_ip, (void *)&t_oa_eps);

/* set log level MODULE|all LEVEL */
static cmdline_parse_token_string_t t_ll_set = TS(r_words, a, "set");
static cmdline_parse_token_string_t t_ll_log = TS(r_words, b, "log");
static cmdline_parse_token_string_t t_ll_level = TS(r_words, c, "level");
static cmdline_parse_token_string_t t_ll_mod = TS(r_words, d, "all#app#lb#redis#dp#srt#rtmp#http#api#sysapi#ctl#cli#dpdk");
static cmdline_parse_token_string_t t_ll_lv = TS(r_words, e, "error#warn#info#debug");
static void cb_log_level(void *p, struct cmdline *cl, void *data)
{
	const struct r_words *w = p;
	struct mp_cli_run *r = mp_cli_run_begin();

	(void)data;
	mp_cli_set_log_level(r, w->d, w->e);
	mp_cli_run_end(cl, r);
}
INST(i_log_level, cb_log_level, "set log level MODULE|all error|warn|info|debug", (void *)&t_ll_set, (void *)&t_ll_log,
     (void *)&t_ll_level, (void *)&t_ll_mod, (void *)&t_ll_lv);

/* set origin weight ORIGIN W */
struct r_weight { W(a); W(b); W(c); W(origin); W(w); }; /* W a word: a bad one is named in the error */
static cmdline_parse_token_string_t t_ow_set = TS(r_weight, a, "set");
static cmdline_parse_token_string_t t_ow_origin = TS(r_weight, b, "origin");
static cmdline_parse_token_string_t t_ow_weight = TS(r_weight, c, "weight");
static cmdline_parse_token_string_t t_ow_which = TS(r_weight, origin, NULL);
static cmdline_parse_token_string_t t_ow_w = TS(r_weight, w, NULL);
static void cb_origin_weight(void *p, struct cmdline *cl, void *data)
{
	const struct r_weight *w = p;
	struct mp_cli_run *r = mp_cli_run_begin();

	(void)data;
	mp_cli_origin_weight(r, w->origin, w->w);
	mp_cli_run_end(cl, r);
}
INST(i_origin_weight, cb_origin_weight, "set origin weight ORIGIN W (ORIGIN: id, key, address[:port]; W 0 drains)",
     (void *)&t_ow_set, (void *)&t_ow_origin, (void *)&t_ow_weight, (void *)&t_ow_which, (void *)&t_ow_w);

/* drain [on|off] (the appliance itself) | show health */
static cmdline_parse_token_string_t t_dr = TS(r_words, a, "drain");
static cmdline_parse_token_string_t t_dr_onoff = TS(r_words, b, "on#off");
static void cb_drain(void *p, struct cmdline *cl, void *data)
{
	const struct r_words *w = p;
	struct mp_cli_run *r = mp_cli_run_begin();

	mp_cli_drain(r, !data || !strcmp(w->b, "on"));
	mp_cli_run_end(cl, r);
}
INST(i_drain, cb_drain, "drain (the appliance: withdraw its service address)", (void *)&t_dr);
static cmdline_parse_inst_t i_drain2 = { .f = cb_drain, .data = (void *)1, .help_str = "drain on|off",
					 .tokens = { (void *)&t_dr, (void *)&t_dr_onoff, NULL } };
static cmdline_parse_token_string_t t_h_show = TS(r_words, a, "show");
static cmdline_parse_token_string_t t_h_health = TS(r_words, b, "health");
static void cb_health(void *p, struct cmdline *cl, void *data)
{
	struct mp_cli_run *r = mp_cli_run_begin();

	(void)p, (void)data;
	mp_cli_show_health(r);
	mp_cli_run_end(cl, r);
}
INST(i_health, cb_health, "show health", (void *)&t_h_show, (void *)&t_h_health);

static cmdline_parse_ctx_t cli_ctx[] = {
	&i_one, &i_show, &i_show_n, &i_sess_k, &i_sess_kn, &i_sess_any, &i_lcore, &i_port,
	&i_origin3, &i_origin4, &i_origin_add, &i_log_level, &i_origin_weight, &i_drain, &i_drain2, &i_health, NULL,
};

/* ---- front ends: one line (socket, file), the prompt ---- */

static struct cmdline *parse_cl; /* no terminal: only its context is used */

enum mp_cli_result mp_cli_exec(struct mp_control *c, const char *text, struct mp_strbuf *out)
{
	struct mp_cli_run r = { .c = c, .rc = MP_CLI_OK };
	struct mp_strbuf text_out = { 0 };
	const char *p = text;
	char line[1024];
	size_t n;
	int rc;

	cli_ctl = c;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!strncmp(p, "--json", 6) && (p[6] == ' ' || p[6] == '\t' || !p[6] || p[6] == '\n' || p[6] == '\r')) {
		r.json = true;
		p += 6;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	if (!*p || *p == '#' || *p == '\n' || *p == '\r')
		return MP_CLI_OK;
	if (!parse_cl)
		parse_cl = cmdline_new(cli_ctx, "", -1, -1);
	if (!parse_cl) {
		mp_strbuf_printf(out, "CLI: out of memory\n");
		return MP_CLI_ERROR;
	}
	/* cmdline parses complete lines only: one ending in a newline. */
	n = strcspn(p, "\r\n");
	if (n >= sizeof(line) - 1) {
		mp_strbuf_printf(out, "command longer than %zu bytes\n", sizeof(line) - 2);
		return MP_CLI_ERROR;
	}
	memcpy(line, p, n);
	line[n] = '\n';
	line[n + 1] = 0;
	r.out = r.json ? &text_out : out;
	cli_current = &r;
	rc = cmdline_parse(parse_cl, line);
	cli_current = NULL;
	if (rc < 0) {
		char shown[4 * 200 + 1];

		mp_escape(line, n < 200 ? n : 200, shown, sizeof(shown));
		if (rc == CMDLINE_PARSE_BAD_ARGS)
			mp_strbuf_printf(r.out, "bad arguments: '%s' (try help)\n", shown);
		else if (rc == CMDLINE_PARSE_AMBIGUOUS)
			mp_strbuf_printf(r.out, "ambiguous command: '%s' (try help)\n", shown);
		else
			mp_strbuf_printf(r.out, "unknown command '%s' (try help)\n", shown);
		r.rc = MP_CLI_ERROR;
	}
	if (r.json) {
		cJSON *o = cJSON_CreateObject();
		char *s;

		cJSON_AddBoolToObject(o, "ok", r.rc != MP_CLI_ERROR);
		if (r.data)
			cJSON_AddItemToObject(o, "data", r.data);
		if (text_out.len || !r.data)
			cJSON_AddStringToObject(o, r.rc == MP_CLI_ERROR ? "error" : "output", text_out.s ? text_out.s : "");
		s = cJSON_PrintUnformatted(o);
		mp_strbuf_printf(out, "%s\n", s ? s : "{\"ok\":false,\"error\":\"out of memory\"}");
		cJSON_free(s);
		cJSON_Delete(o);
		mp_strbuf_free(&text_out);
	}
	return (enum mp_cli_result)r.rc;
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

static void on_stdin(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (cmdline_poll(tty_cl) == RDLINE_EXITED) {
		event_del(tty_ev);
		event_base_loopbreak(cli_ctl->base);
	}
}

int mp_cli_tty_start(struct mp_control *c, char *err, size_t errcap)
{
	cli_ctl = c;
	tty_cl = cmdline_stdin_new(cli_ctx, "mediaplane> ");
	if (!tty_cl) {
		snprintf(err, errcap, "cannot start the interactive prompt on stdin");
		return MP_ERR_IO;
	}
	tty_ev = event_new(c->base, 0, EV_READ | EV_PERSIST, on_stdin, NULL);
	if (!tty_ev || event_add(tty_ev, NULL)) {
		snprintf(err, errcap, "cannot watch stdin");
		return MP_ERR_IO;
	}
	return MP_OK;
}

void mp_cli_tty_stop(struct mp_control *c)
{
	(void)c;
	if (tty_ev) {
		event_free(tty_ev);
		tty_ev = NULL;
	}
	if (tty_cl) {
		cmdline_stdin_exit(tty_cl);
		tty_cl = NULL;
	}
	if (parse_cl) {
		cmdline_free(parse_cl);
		parse_cl = NULL;
	}
}
