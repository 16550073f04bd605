/* cli.h: the operator's commands (testpmd style), one text line in, text out; shared by every front end. */
#ifndef MP_CLI_H
#define MP_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "dp_hooks.h"
#include "strbuf.h"

struct mp_control;

enum mp_cli_result { MP_CLI_OK = 0, MP_CLI_QUIT = 1, MP_CLI_ERROR = -1 };

/* Run one command line ("show origins", "origin drain KEY on", ...); output appended to out. */
enum mp_cli_result mp_cli_exec(struct mp_control *c, const char *line, struct mp_strbuf *out);

/* Run every line of a command file (testpmd's --cmdline-file); errors name the line. */
int mp_cli_run_file(struct mp_control *c, const char *path, struct mp_strbuf *out);

#endif
