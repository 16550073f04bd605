/* cli_cmds.h: the operator commands behind the one cmdline grammar (cli_grammar.c): one call per command. */
#ifndef MP_CLI_CMDS_H
#define MP_CLI_CMDS_H

#include <stdbool.h>
#include <stdint.h>

#include "strbuf.h"

struct cJSON;
struct cmdline;
struct mp_control;

/* One command being run: its output, text or JSON (data), and its result. */
struct mp_cli_run {
	struct mp_control *c;
	struct mp_strbuf *out;
	bool json;
	struct cJSON *data; /* JSON mode: what the command returns (else its text is returned as "output") */
	int rc;             /* MP_CLI_OK, MP_CLI_ERROR, MP_CLI_QUIT */
};

/* The run a cmdline callback works for (set around each parse; the prompt's own otherwise). */
struct mp_cli_run *mp_cli_run_begin(void);
void mp_cli_run_end(struct cmdline *cl, struct mp_cli_run *r);

void mp_cli_help(struct mp_cli_run *r);
void mp_cli_quit(struct mp_cli_run *r);
void mp_cli_forwarding(struct mp_cli_run *r, bool on);
void mp_cli_port_stats(struct mp_cli_run *r, bool clear);
void mp_cli_lcore_stats(struct mp_cli_run *r);
void mp_cli_show_origins(struct mp_cli_run *r, uint32_t limit);
void mp_cli_show_streams(struct mp_cli_run *r, uint32_t limit);
/* kind: NULL (all), "webrtc", "srt" or anything else (refused, named) */
void mp_cli_show_sessions(struct mp_cli_run *r, const char *kind, uint32_t limit);
void mp_cli_show_config(struct mp_cli_run *r);
void mp_cli_origin_add(struct mp_cli_run *r, const char *name, const char *ip, const char *eps);
void mp_cli_origin_del(struct mp_cli_run *r, const char *key);
void mp_cli_origin_drain(struct mp_cli_run *r, const char *key, bool on);
/* set origin weight ORIGIN W; drain [on|off] (the appliance); show health */
void mp_cli_origin_weight(struct mp_cli_run *r, const char *origin, const char *weight);
void mp_cli_drain(struct mp_cli_run *r, bool on);
void mp_cli_show_health(struct mp_cli_run *r);
void mp_cli_set_log_level(struct mp_cli_run *r, const char *module, const char *level);
void mp_cli_show_log(struct mp_cli_run *r);
void mp_cli_reload(struct mp_cli_run *r);
/* A word that is not a count 1-100000: named in the error. */
void mp_cli_bad_count(struct mp_cli_run *r, const char *what, const char *word);

#define MP_CLI_LIST_DEFAULT 100u
#define MP_CLI_LIST_MAX 100000u

#endif
