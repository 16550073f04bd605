/* cli_hooks.h: the data-plane side of the operator CLI (port and lcore stats, start/stop). */
#ifndef MP_CLI_HOOKS_H
#define MP_CLI_HOOKS_H

#include "dp_hooks.h"

struct mp_dp;

/* Fill hooks so the CLI can reach dp. */
void mp_cli_hooks_fill(struct mp_cli_hooks *hooks, struct mp_dp *dp);

#endif
