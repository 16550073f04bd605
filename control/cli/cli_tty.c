/* cli_tty.c: the interactive testpmd-style prompt on stdin, with DPDK's cmdline (editing, history). */
#include "cli.h"
#include "cli_socket.h"
#include "control.h"
#include "mp_error.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>
#include <event2/event.h>

/* Each command is an instruction of fixed words (TAB completes them, '?' lists them, as in testpmd);
 * every callback hands the whole line to mp_cli_exec, so the prompt, the socket and command files
 * share one grammar (cmdline itself answers "Bad arguments" to a line no instruction takes). */
#define W(n) cmdline_fixed_string_t n
struct r1 { W(a); };
struct r2 { W(a); W(b); };
struct r3 { W(a); W(b); W(c); };
struct r4 { W(a); W(b); W(c); W(d); };
struct r5 { W(a); W(b); W(c); W(d); W(e); };

static struct mp_control *tty_ctl;
static struct cmdline *tty_cl;
static struct event *tty_ev;

static void run(struct cmdline *cl, const char *line)
{
	struct mp_strbuf out = { 0 };

	if (mp_cli_exec(tty_ctl, line, &out) == MP_CLI_QUIT) {
		cmdline_quit(cl);
		event_base_loopbreak(tty_ctl->base);
	}
	if (out.len)
		cmdline_printf(cl, "%s", out.s);
	mp_strbuf_free(&out);
}

static void on_words(void *parsed, struct cmdline *cl, void *data)
{
	const cmdline_fixed_string_t *w = parsed;
	char line[5 * sizeof(cmdline_fixed_string_t)];
	size_t n = 0;

	for (uintptr_t i = 0; i < (uintptr_t)data; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", i ? " " : "", w[i]);
	run(cl, line);
}


#define T(st, f, s) TOKEN_STRING_INITIALIZER(struct st, f, s)
static cmdline_parse_token_string_t t_one = T(r1, a, "start#stop#drain#help#quit#exit");
static cmdline_parse_token_string_t t_show = T(r2, a, "show");
static cmdline_parse_token_string_t t_show_what = T(r2, b, "origins#streams#sessions#config#health");
static cmdline_parse_token_string_t t_s3_show = T(r3, a, "show");
static cmdline_parse_token_string_t t_s3_what = T(r3, b, "sessions#lcore");
static cmdline_parse_token_string_t t_s3_arg = T(r3, c, "webrtc#srt#stats");
static cmdline_parse_token_string_t t_ps_verb = T(r4, a, "show#clear");
static cmdline_parse_token_string_t t_ps_port = T(r4, b, "port");
static cmdline_parse_token_string_t t_ps_stats = T(r4, c, "stats");
static cmdline_parse_token_string_t t_ps_all = T(r4, d, "all");
static cmdline_parse_token_string_t t_o3_origin = T(r3, a, "origin");
static cmdline_parse_token_string_t t_o3_verb = T(r3, b, "del#drain");
static cmdline_parse_token_string_t t_o3_key = T(r3, c, NULL);
static cmdline_parse_token_string_t t_o4_origin = T(r4, a, "origin");
static cmdline_parse_token_string_t t_o4_drain = T(r4, b, "drain");
static cmdline_parse_token_string_t t_o4_key = T(r4, c, NULL);
static cmdline_parse_token_string_t t_o4_onoff = T(r4, d, "on#off");
static cmdline_parse_token_string_t t_dr = T(r2, a, "drain");
static cmdline_parse_token_string_t t_dr_onoff = T(r2, b, "on#off");
static cmdline_parse_token_string_t t_oa_origin = T(r5, a, "origin");
static cmdline_parse_token_string_t t_oa_add = T(r5, b, "add");
static cmdline_parse_token_string_t t_oa_name = T(r5, c, NULL);
static cmdline_parse_token_string_t t_oa_ip = T(r5, d, NULL);
static cmdline_parse_token_string_t t_oa_eps = T(r5, e, TOKEN_STRING_MULTI);
static cmdline_parse_token_string_t t_ow_set = T(r5, a, "set");
static cmdline_parse_token_string_t t_ow_origin = T(r5, b, "origin");
static cmdline_parse_token_string_t t_ow_weight = T(r5, c, "weight");
static cmdline_parse_token_string_t t_ow_which = T(r5, d, NULL);
static cmdline_parse_token_string_t t_ow_w = T(r5, e, NULL);

#define INST(name, n, help, ...) \
	static cmdline_parse_inst_t name = { .f = on_words, .data = (void *)(uintptr_t)(n), .help_str = help, \
					     .tokens = { __VA_ARGS__, NULL } }
INST(i_one, 1, "start | stop | drain | help | quit", (void *)&t_one);
INST(i_drain, 2, "drain on|off", (void *)&t_dr, (void *)&t_dr_onoff);
INST(i_show, 2, "show origins|streams|sessions|config|health", (void *)&t_show, (void *)&t_show_what);
INST(i_show3, 3, "show sessions webrtc|srt | show lcore stats", (void *)&t_s3_show, (void *)&t_s3_what,
     (void *)&t_s3_arg);
INST(i_port, 4, "show|clear port stats all", (void *)&t_ps_verb, (void *)&t_ps_port, (void *)&t_ps_stats,
     (void *)&t_ps_all);
INST(i_origin3, 3, "origin del|drain KEY", (void *)&t_o3_origin, (void *)&t_o3_verb, (void *)&t_o3_key);
INST(i_origin4, 4, "origin drain KEY on|off", (void *)&t_o4_origin, (void *)&t_o4_drain, (void *)&t_o4_key,
     (void *)&t_o4_onoff);
INST(i_origin_add, 5, "origin add NAME IP PROTO=EP... (PROTO: rtmp http api srt rtc)", (void *)&t_oa_origin,
     (void *)&t_oa_add, (void *)&t_oa_name, (void *)&t_oa_ip, (void *)&t_oa_eps);
INST(i_origin_weight, 5, "set origin weight ORIGIN W (ORIGIN: id, key, address[:port]; W 0 drains)",
     (void *)&t_ow_set, (void *)&t_ow_origin, (void *)&t_ow_weight, (void *)&t_ow_which, (void *)&t_ow_w);
static cmdline_parse_ctx_t tty_ctx[] = { &i_one, &i_show, &i_show3, &i_port, &i_origin3, &i_origin4, &i_origin_add,
					 &i_origin_weight, &i_drain, NULL };

static void on_stdin(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (cmdline_poll(tty_cl) == RDLINE_EXITED) {
		event_del(tty_ev);
		event_base_loopbreak(tty_ctl->base);
	}
}

int mp_cli_tty_start(struct mp_control *c, char *err, size_t errcap)
{
	tty_ctl = c;
	tty_cl = cmdline_stdin_new(tty_ctx, "mediaplane> ");
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
}
