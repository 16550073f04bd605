/* reload.h: reading the configuration (start and reload alike) and applying a reload (SIGHUP, CLI reload). */
#ifndef MP_RELOAD_H
#define MP_RELOAD_H

#include <stddef.h>

#include "app_args.h"
#include "config.h"
#include "strbuf.h"

struct mp_control;
struct mp_lb;

/* Defaults, the config file args names, the environment, the command line's --KEY=VALUE, validation. */
int mp_app_config_read(int argc, char **argv, const struct mp_app_args *args, struct mp_config *cfg, char *err,
		       size_t errcap);

struct mp_reload {
	int argc;
	char **argv;
	struct mp_app_args args;
	struct mp_config *running; /* the appliance's configuration (ctl->cfg) */
	struct mp_config last;     /* as read last time (at start, or the last reload) */
	struct mp_control *ctl;
	struct mp_lb *lb;
};

/* Read the configuration again; apply the keys marked live (config.c's table), name the others in one
 * warning. A bad file changes nothing. What happened is logged and appended to out (may be NULL).
 * Returns 0 or MP_ERR_CONFIG. For mp_cli_hooks.reload (ctx: struct mp_reload). */
int mp_reload(void *ctx, struct mp_strbuf *out);

#endif
