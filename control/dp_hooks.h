/* dp_hooks.h: what the control plane needs from the data plane, provided by the appliance (control/
 * never includes data-plane headers). */
#ifndef MP_DP_HOOKS_H
#define MP_DP_HOOKS_H

#include <stdbool.h>

struct cJSON;
struct mp_strbuf;

/* Fills a JSON object with the data plane's counters (GET /api/v1/dataplane). */
typedef void (*mp_dp_stats_json_fn)(void *ctx, struct cJSON *out);
/* Appends the data plane's metrics (GET /metrics). */
typedef void (*mp_dp_metrics_fn)(void *ctx, struct mp_strbuf *out);

/* The data-plane commands of the operator CLI. */
struct mp_cli_hooks {
	void *ctx;
	void (*port_stats)(void *ctx, bool clear, struct mp_strbuf *out);
	void (*lcore_stats)(void *ctx, struct mp_strbuf *out);
	int (*forwarding)(void *ctx, bool on); /* start / stop; returns 0 or a negative mp_err */
	/* set log level MODULE|all LEVEL (mp_log and rte_log alike); returns 0 or a negative mp_err */
	int (*log_level)(void *ctx, const char *module, const char *level);
	/* reload: re-read the configuration, apply what applies live; what it did appended to out */
	int (*reload)(void *ctx, struct mp_strbuf *out);
	void *reload_ctx;
};

/* The appliance's health in a fleet (app/fleet_health.c): the service address is announced over BGP
 * while it is up; drain, SIGTERM and stopped workers withdraw it (docs/fleet.md). */
struct mp_health_hooks {
	void *ctx;
	int (*drain)(void *ctx, bool on);           /* MP_OK; MP_ERR_STATE when it already is so */
	void (*stopping)(void *ctx);                /* SIGINT/SIGTERM: withdraw now */
	bool (*up)(void *ctx);                      /* announcing the service address */
	void (*json)(void *ctx, struct cJSON *out); /* state, reason, service address, drain, changes */
};

#endif
