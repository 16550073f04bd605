/* app_args.h: splits the command line into EAL options and mediaplane options, and applies the latter. */
#ifndef MP_APP_ARGS_H
#define MP_APP_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"

struct mp_app_args {
	int eal_argc;          /* EAL options: argv[1] up to "--" (none when there is no "--") */
	char **eal_argv;
	const char *config_file;
	bool help, version, dump_config;
	bool interactive;      /* -i: the testpmd-style prompt on stdin */
	const char *cmdline_file; /* --cmdline-file: commands run once the appliance is up */
};

/* Parse argv: `mediaplane [EAL options] -- [mediaplane options]`. mediaplane options are
 * -c/--config FILE, -h/--help, -v/--version, --show-config, and --KEY=VALUE or --KEY VALUE for any
 * config key (dashes or underscores). Overrides are applied to cfg after the file and environment,
 * so this is called twice: first with cfg NULL (find the file), then with cfg to apply overrides. */
int mp_app_args_parse(int argc, char **argv, struct mp_app_args *out, struct mp_config *cfg, char *err,
		      size_t errcap);

void mp_app_usage(FILE *f);

#endif
