/* app_args.c: the mediaplane command line (EAL options, then --, then mediaplane options). */
#include "app_args.h"
#include "mp_error.h"

#include <stdio.h>
#include <string.h>

void mp_app_usage(FILE *f)
{
	const char *help, *def, *env;

	fprintf(f, "usage: mediaplane [EAL options] -- [options]\n"
		   "  with no options: the default mode (TAP port mp0, 198.18.0.2, memory balancer)\n\n"
		   "options:\n"
		   "  -c, --config FILE   read a config file (key = value lines)\n"
		   "  --KEY=VALUE         set any config key (overrides the file and the environment)\n"
		   "  -i, --interactive   the testpmd-style prompt on stdin (help lists the commands)\n"
		   "  --cmdline-file FILE run the commands in FILE once the appliance is up\n"
		   "  --show-config       print the effective configuration and exit\n"
		   "  -v, --version       print the version and exit\n"
		   "  -h, --help          this text\n\nkeys (default; environment):\n");
	for (size_t i = 0; mp_config_key(i, &help, &def, &env); i++)
		fprintf(f, "  %-24s %s (%s%s%s)\n", mp_config_key(i, NULL, NULL, NULL), help, def[0] ? def : "\"\"",
			env ? "; " : "", env ? env : "");
	fprintf(f, "\nEAL defaults added unless given: --no-pci, --file-prefix=mediaplane-<pid>, --in-memory\n"
		   "(or --no-huge -m 1024 --no-shconf when no hugepages are reserved), -l <main + workers>.\n");
}

int mp_app_args_parse(int argc, char **argv, struct mp_app_args *out, struct mp_config *cfg, char *err,
		      size_t errcap)
{
	int sep = -1, i;

	memset(out, 0, sizeof(*out));
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			sep = i;
			break;
		}
	if (sep < 0) {
		/* No "--": everything is a mediaplane option only if it looks like one of ours. */
		sep = 0;
	} else {
		out->eal_argc = sep - 1;
		out->eal_argv = argv + 1;
	}
	for (i = sep + 1; i < argc; i++) {
		const char *a = argv[i];
		char key[128];
		const char *val, *eq;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			out->help = true;
			continue;
		}
		if (!strcmp(a, "-v") || !strcmp(a, "--version")) {
			out->version = true;
			continue;
		}
		if (!strcmp(a, "-i") || !strcmp(a, "--interactive")) {
			out->interactive = true;
			continue;
		}
		if (!strcmp(a, "--cmdline-file")) {
			if (i + 1 >= argc) {
				snprintf(err, errcap, "%s needs a file name", a);
				return MP_ERR_CONFIG;
			}
			out->cmdline_file = argv[++i];
			continue;
		}
		if (!strncmp(a, "--cmdline-file=", 15)) {
			out->cmdline_file = a + 15;
			continue;
		}
		if (!strcmp(a, "--show-config")) {
			out->dump_config = true;
			continue;
		}
		if (!strcmp(a, "-c") || !strcmp(a, "--config")) {
			if (i + 1 >= argc) {
				snprintf(err, errcap, "%s needs a file name", a);
				return MP_ERR_CONFIG;
			}
			out->config_file = argv[++i];
			continue;
		}
		if (!strncmp(a, "--config=", 9)) {
			out->config_file = a + 9;
			continue;
		}
		if (strncmp(a, "--", 2) || !a[2]) {
			snprintf(err, errcap, "unexpected argument '%s' (EAL options go before --, see --help)", a);
			return MP_ERR_CONFIG;
		}
		eq = strchr(a, '=');
		if (eq) {
			snprintf(key, sizeof(key), "%.*s", (int)(eq - a - 2), a + 2);
			val = eq + 1;
		} else {
			if (i + 1 >= argc) {
				snprintf(err, errcap, "%s needs a value", a);
				return MP_ERR_CONFIG;
			}
			snprintf(key, sizeof(key), "%s", a + 2);
			val = argv[++i];
		}
		if (cfg) {
			char origin[160];
			int rc;

			snprintf(origin, sizeof(origin), "option --%s", key);
			rc = mp_config_set(cfg, key, val, origin, err, errcap);
			if (rc)
				return rc;
		}
	}
	return MP_OK;
}
