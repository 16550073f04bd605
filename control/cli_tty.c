/* cli_tty.c: the interactive testpmd-style prompt on stdin, with DPDK's cmdline (editing, history). */
#include "cli.h"
#include "cli_socket.h"
#include "control.h"
#include "mp_error.h"

#include <stdio.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>
#include <event2/event.h>

/* The whole line is one token; mp_cli_exec parses it, so the socket and the prompt share one grammar. */
struct line_result {
	cmdline_fixed_string_t line;
};

static struct mp_control *tty_ctl;
static struct cmdline *tty_cl;
static struct event *tty_ev;

static void on_line(void *parsed, struct cmdline *cl, void *data)
{
	struct line_result *r = parsed;
	struct mp_strbuf out = { 0 };

	(void)data;
	if (mp_cli_exec(tty_ctl, r->line, &out) == MP_CLI_QUIT) {
		cmdline_quit(cl);
		event_base_loopbreak(tty_ctl->base);
	}
	if (out.len)
		cmdline_printf(cl, "%s", out.s);
	mp_strbuf_free(&out);
}

static cmdline_parse_token_string_t tok_line = TOKEN_STRING_INITIALIZER(struct line_result, line, TOKEN_STRING_MULTI);
static cmdline_parse_inst_t inst_line = {
	.f = on_line,
	.data = NULL,
	.help_str = "a command (help lists them)",
	.tokens = { (void *)&tok_line, NULL },
};
static cmdline_parse_ctx_t tty_ctx[] = { &inst_line, NULL };

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
