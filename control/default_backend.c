/* default_backend.c: an origin from configuration (the SRS proxy's PROXY_DEFAULT_BACKEND_*), refreshed
 * every second like a heartbeat so it is always alive. */
#include "default_backend.h"
#include "config.h"
#include "control.h"
#include "lb.h"
#include "mp_error.h"
#include "mp_log.h"

#include <stdio.h>
#include <string.h>

static int add_ep(struct mp_registration *r, enum mp_reg_proto p, const char *s, const char *key, char *err,
		  size_t errcap)
{
	if (!s[0])
		return MP_OK;
	if (mp_endpoint_parse(s, strlen(s), &r->ep[p][0]) != MP_OK) {
		snprintf(err, errcap, "key '%s': bad endpoint '%s'", key, s);
		return MP_ERR_CONFIG;
	}
	r->n_ep[p] = 1;
	return MP_OK;
}

int mp_default_backend_registration(const struct mp_config *cfg, struct mp_registration *r, char *err,
				    size_t errcap)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->ip, sizeof(r->ip), "%s", cfg->default_backend_ip);
	if (mp_registration_set_ip(r) != MP_OK) {
		snprintf(err, errcap, "key 'default_backend_ip': '%s' is not an IPv4 or IPv6 address", cfg->default_backend_ip);
		return MP_ERR_CONFIG;
	}
	snprintf(r->device_id, sizeof(r->device_id), "default-backend");
	snprintf(r->server, sizeof(r->server), "default");
	snprintf(r->service, sizeof(r->service), "backend");
	snprintf(r->pid, sizeof(r->pid), "0");
	if (add_ep(r, MP_PROTO_RTMP, cfg->default_backend_rtmp, "default_backend_rtmp", err, errcap) ||
	    add_ep(r, MP_PROTO_HTTP, cfg->default_backend_http, "default_backend_http", err, errcap) ||
	    add_ep(r, MP_PROTO_API, cfg->default_backend_api, "default_backend_api", err, errcap) ||
	    add_ep(r, MP_PROTO_RTC, cfg->default_backend_rtc, "default_backend_rtc", err, errcap) ||
	    add_ep(r, MP_PROTO_SRT, cfg->default_backend_srt, "default_backend_srt", err, errcap))
		return MP_ERR_CONFIG;
	return MP_OK;
}

void mp_default_backend_refresh(struct mp_control *c, uint64_t now)
{
	struct mp_registration r;
	char err[256];
	int rc;

	if (!c->cfg->default_backend_enabled || !c->lb)
		return;
	if (mp_default_backend_registration(c->cfg, &r, err, sizeof(err)) != MP_OK)
		return; /* validated at start-up */
	rc = mp_lb_origin_update(c->lb, &r, now);
	if (rc < 0)
		MP_WARN("default backend: cannot record it: %s", mp_strerror(rc));
}
