/* cli.h: the operator's commands (testpmd style), one text line in, text out; shared by every front end. */
#ifndef MP_CLI_H
#define MP_CLI_H

#include <stdbool.h>
#include <stddef.h>

struct mp_control;

/* A growing text buffer for command output. */
struct mp_strbuf {
	char *s;
	size_t len, cap;
};
void mp_strbuf_printf(struct mp_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mp_strbuf_free(struct mp_strbuf *b);

/* What the CLI needs from the data plane, provided by the appliance (control/ never includes it). */
struct mp_cli_hooks {
	void *ctx;
	void (*port_stats)(void *ctx, bool clear, struct mp_strbuf *out);
	void (*lcore_stats)(void *ctx, struct mp_strbuf *out);
	int (*forwarding)(void *ctx, bool on); /* start / stop; returns 0 or a negative mp_err */
};

enum mp_cli_result { MP_CLI_OK = 0, MP_CLI_QUIT = 1, MP_CLI_ERROR = -1 };

/* Run one command line ("show origins", "origin drain KEY on", ...); output appended to out. */
enum mp_cli_result mp_cli_exec(struct mp_control *c, const char *line, struct mp_strbuf *out);

/* Run every line of a command file (testpmd's --cmdline-file); errors name the line. */
int mp_cli_run_file(struct mp_control *c, const char *path, struct mp_strbuf *out);

#endif
