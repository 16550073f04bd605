/* fleet_health.c: the appliance's fleet health (workers turning, drain, SIGTERM) and the service address
 * it puts on the exception TAP for BIRD to announce while healthy (docs/fleet.md). */
#include "fleet_health.h"
#include "config.h"
#include "control.h"
#include "dp.h"
#include "endpoint.h"
#include "lb_redis.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"
#include "netlink_addr.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#define CHECK_MS 100

/* Why the appliance is not healthy, into h->reason ("" when it is). */
static void judge(struct mp_fleet_health *h, uint64_t now)
{
	const struct mp_dp *dp = h->dp;

	h->reason[0] = 0;
	if (h->stopping) {
		snprintf(h->reason, sizeof(h->reason), "stopping");
		return;
	}
	if (h->draining) {
		snprintf(h->reason, sizeof(h->reason), "draining");
		return;
	}
	if (!dp->n_launched || !dp->running) {
		snprintf(h->reason, sizeof(h->reason), "workers stopped");
		return;
	}
	for (unsigned i = 0; i < dp->n_workers; i++) {
		uint64_t alive = __atomic_load_n(&dp->workers[i].alive_ms, __ATOMIC_RELAXED);

		if (now > alive + h->stall_ms) {
			snprintf(h->reason, sizeof(h->reason), "worker lcore %u stalled (no turn for %llu ms)",
				 dp->workers[i].lcore_id, (unsigned long long)(now - alive));
			return;
		}
	}
}

/* Put the service address where BIRD sees it, or take it away, to match the judgement. */
static void evaluate(struct mp_fleet_health *h)
{
	uint64_t now = mp_now_ms();
	enum mp_log_level lvl;
	bool want;
	char err[256], ip[16];

	judge(h, now);
	want = !h->reason[0];
	if (want == h->announced)
		return;
	if (h->service_ip && mp_netlink_addr(h->ifname, h->service_ip, 32, want, err, sizeof(err)) != MP_OK) {
		if (!h->errors++ || !(h->errors % 100))
			MP_WARN("fleet: cannot %s the service address: %s", want ? "announce" : "withdraw", err);
		return;
	}
	h->announced = want;
	h->changed_ms = now;
	mp_ipv4_format(h->service_ip, ip, sizeof(ip));
	if (want)
		h->announcements++;
	else
		h->withdrawals++;
	if (!want && h->stopping)
		h->stop_withdrawn_ms = now;
	/* Without a service address nothing is announced: the change is only the health API's. */
	lvl = h->service_ip ? MP_LOG_INFO : MP_LOG_DEBUG;
	if (want)
		mp_log(lvl, "fleet: healthy: service address %s on %s (announced)", h->service_ip ? ip : "(none)", h->ifname);
	else
		mp_log(lvl, "fleet: %s: service address %s withdrawn", h->reason, h->service_ip ? ip : "(none)");
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evaluate(arg);
}

static int hk_drain(void *ctx, bool on)
{
	struct mp_fleet_health *h = ctx;

	if (h->draining == on)
		return MP_ERR_STATE;
	h->draining = on;
	MP_INFO("fleet: drain %s", on ? "on" : "off");
	evaluate(h);
	return MP_OK;
}

static void hk_stopping(void *ctx)
{
	struct mp_fleet_health *h = ctx;

	h->stopping = true;
	evaluate(h);
}

static bool hk_up(void *ctx)
{
	return ((struct mp_fleet_health *)ctx)->announced;
}

static void hk_json(void *ctx, cJSON *out)
{
	struct mp_fleet_health *h = ctx;
	uint64_t now = mp_now_ms();
	char ip[16];

	judge(h, now); /* the reason as of now, even between two checks */
	mp_ipv4_format(h->service_ip, ip, sizeof(ip));
	cJSON_AddStringToObject(out, "state", h->announced ? "up" : "down");
	cJSON_AddStringToObject(out, "reason", h->reason);
	cJSON_AddBoolToObject(out, "draining", h->draining);
	cJSON_AddStringToObject(out, "service_ip", h->service_ip ? ip : "");
	cJSON_AddBoolToObject(out, "announced", h->announced && h->service_ip);
	cJSON_AddStringToObject(out, "interface", h->ifname);
	cJSON_AddNumberToObject(out, "since_ms", (double)(h->changed_ms ? now - h->changed_ms : 0));
	cJSON_AddNumberToObject(out, "announcements", (double)h->announcements);
	cJSON_AddNumberToObject(out, "withdrawals", (double)h->withdrawals);
	if (h->dp->lb && mp_lb_fleet_size(h->dp->lb) > 1) {
		/* Sessions shared with the fleet's other appliances (docs/fleet.md, lb_redis.h). */
		struct mp_lb_fleet_stats fs;
		cJSON *f = cJSON_AddObjectToObject(out, "sessions_shared");

		mp_lb_fleet_stats(h->dp->lb, &fs);
		cJSON_AddNumberToObject(f, "fleet_size", mp_lb_fleet_size(h->dp->lb));
		cJSON_AddNumberToObject(f, "published", (double)fs.published);
		cJSON_AddNumberToObject(f, "lookups", (double)fs.lookups);
		cJSON_AddNumberToObject(f, "found", (double)fs.found);
		cJSON_AddNumberToObject(f, "taken_over", (double)fs.adopted);
		cJSON_AddNumberToObject(f, "take_over_failed", (double)fs.adopt_failed);
		cJSON_AddNumberToObject(f, "renewal_passes", (double)fs.renewal_passes);
		cJSON_AddNumberToObject(f, "renewal_overruns", (double)fs.renewal_overruns);
		cJSON_AddNumberToObject(f, "nat_ports_parked", (double)fs.ports_parked);
		cJSON_AddNumberToObject(f, "nat_ports_kept", (double)fs.ports_kept);
	}
}

int mp_fleet_health_start(struct mp_fleet_health *h, struct event_base *base, struct mp_dp *dp,
			  const struct mp_config *cfg, char *err, size_t errcap)
{
	memset(h, 0, sizeof(*h));
	h->dp = dp;
	h->service_ip = cfg->service_ip;
	h->stall_ms = cfg->worker_stall_ms;
	h->withdraw_ms = cfg->service_withdraw_ms;
	snprintf(h->ifname, sizeof(h->ifname), "%s", dp->ports[0].exc_ifname);
	if (h->service_ip && !dp->ports[0].exc_started) {
		snprintf(err, errcap, "service_ip needs the exception path on the public port (BIRD announces it from "
				      "the kernel side of it): set exception_path = on");
		return MP_ERR_CONFIG;
	}
	/* An address left by an earlier run on a TAP of the same name would be announced before we judge. */
	if (h->service_ip && mp_netlink_addr(h->ifname, h->service_ip, 32, false, err, errcap) != MP_OK)
		return MP_ERR_IO;
	h->tick = mp_control_timer(base, CHECK_MS, on_tick, h);
	if (!h->tick) {
		snprintf(err, errcap, "fleet health: cannot add its timer");
		return MP_ERR_NOMEM;
	}
	evaluate(h);
	return MP_OK;
}

void mp_fleet_health_hooks(struct mp_fleet_health *h, struct mp_health_hooks *hooks)
{
	hooks->ctx = h;
	hooks->drain = hk_drain;
	hooks->stopping = hk_stopping;
	hooks->up = hk_up;
	hooks->json = hk_json;
}

void mp_fleet_health_stop(struct mp_fleet_health *h)
{
	uint64_t until;

	if (!h->dp)
		return;
	hk_stopping(h);
	if (h->stop_withdrawn_ms && h->service_ip) {
		until = h->stop_withdrawn_ms + h->withdraw_ms;
		for (uint64_t now = mp_now_ms(); now < until; now = mp_now_ms()) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL); /* the workers carry BIRD's withdrawal meanwhile */
		}
	}
	if (h->tick)
		event_free(h->tick);
	h->tick = NULL;
}
