/* cli_socket.h: the operator CLI over a Unix socket: one command line per connection ("--json CMD" for a JSON
 * answer), then "OK" or "ERROR", the output, and close. The prompt on stdin shares the grammar (cli_grammar.c). */
#ifndef MP_CLI_SOCKET_H
#define MP_CLI_SOCKET_H

#include <stddef.h>

struct mp_control;
struct mp_cli_server;

/* Listen on path (a stale socket file is replaced; a live one is "in use"). */
int mp_cli_socket_start(struct mp_control *c, const char *path, char *err, size_t errcap);
void mp_cli_socket_stop(struct mp_control *c);

/* The interactive prompt on stdin (testpmd -i), DPDK cmdline: line editing and history. */
int mp_cli_tty_start(struct mp_control *c, char *err, size_t errcap);
void mp_cli_tty_stop(struct mp_control *c);

#endif
