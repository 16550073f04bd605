/* reload.c: the configuration read at start and again on SIGHUP or CLI reload: live keys applied, the
 * rest named in one warning; sessions, listeners and the data plane are not touched. */
#include "reload.h"
#include "control.h"
#include "default_backend.h"
#include "lb.h"
#include "log_dpdk.h"
#include "mp_error.h"
#include "mp_log.h"
#include "registration.h"

#include <stdio.h>
#include <string.h>

extern char **environ;

int mp_app_config_read(int argc, char **argv, const struct mp_app_args *args, struct mp_config *cfg, char *err,
		       size_t errcap)
{
	struct mp_app_args again;

	mp_config_defaults(cfg);
	if (args->config_file && mp_config_load_file(cfg, args->config_file, err, errcap))
		return MP_ERR_CONFIG;
	if (mp_config_load_env(cfg, environ, err, errcap))
		return MP_ERR_CONFIG;
	if (mp_app_args_parse(argc, argv, &again, cfg, err, errcap))
		return MP_ERR_CONFIG;
	if (mp_config_validate(cfg, err, errcap))
		return MP_ERR_CONFIG;
	if (cfg->default_backend_enabled) {
		struct mp_registration r;

		if (mp_default_backend_registration(cfg, &r, err, errcap))
			return MP_ERR_CONFIG;
	}
	return MP_OK;
}

struct changes {
	char applied[1024];
	char restart[1024];
	bool logs;
};

static void add(char *list, size_t cap, const char *key)
{
	size_t n = strlen(list);

	snprintf(list + n, cap - n, "%s%s", n ? ", " : "", key);
}

static void changed(const char *key, bool live, const char *old_value, const char *new_value, void *ctx)
{
	struct changes *ch = ctx;
	bool secret = strstr(key, "token") || strstr(key, "password");

	if (!strncmp(key, "log_", 4))
		ch->logs = true;
	if (live)
		MP_INFO("reload: %s = %s (was %s)", key, secret ? "(changed)" : new_value, secret ? "(hidden)" : old_value);
	add(live ? ch->applied : ch->restart, sizeof(ch->applied), key);
}

int mp_reload(void *ctx, struct mp_strbuf *out)
{
	struct mp_reload *r = ctx;
	static struct mp_config next; /* large: not on the stack */
	struct changes ch = { "", "", false };
	char err[512];
	int n;

	if (mp_app_config_read(r->argc, r->argv, &r->args, &next, err, sizeof(err))) {
		MP_ERR("reload: %s; configuration unchanged", err);
		if (out)
			mp_strbuf_printf(out, "reload: %s; configuration unchanged\n", err);
		return MP_ERR_CONFIG;
	}
	n = mp_config_reload(r->running, &r->last, &next, changed, &ch);
	r->last = next;
	/* Push the live values where they were copied at start (log levels only when the file changed them:
	 * a `set log level` stays otherwise). */
	if (ch.logs)
		mp_log_dpdk_configure(r->running);
	if (r->lb)
		mp_lb_set_origin_ttl(r->lb, r->running->origin_ttl_ms);
	mp_control_reapply(r->ctl);
	if (r->ctl->tls_ctx) { /* the same files read again: a renewed certificate for new connections */
		char terr[256];

		if (mp_control_tls_reload(r->ctl, terr, sizeof(terr)) == MP_OK)
			MP_INFO("reload: TLS certificate %s and key %s read again", r->running->tls_cert, r->running->tls_key);
		else
			MP_WARN("reload: %s; the TLS listeners keep the certificate they had", terr);
	}
	if (!n)
		MP_INFO("reload: %s: nothing changed", r->args.config_file ? r->args.config_file : "(no config file)");
	else if (ch.applied[0])
		MP_INFO("reload: applied %s", ch.applied);
	if (ch.restart[0])
		MP_WARN("reload: changed but applied only by a restart: %s", ch.restart);
	if (out) {
		if (!n)
			mp_strbuf_printf(out, "reload: nothing changed\n");
		if (ch.applied[0])
			mp_strbuf_printf(out, "reload: applied %s\n", ch.applied);
		if (ch.restart[0])
			mp_strbuf_printf(out, "reload: changed but applied only by a restart: %s\n", ch.restart);
	}
	return MP_OK;
}
