/* main.c: the mediaplane appliance: config, EAL, data plane, control plane, clean stop on signals. */
#include "app_args.h"
#include "cli.h"
#include "cli_hooks.h"
#include "cli_socket.h"
#include "config.h"
#include "control.h"
#include "default_backend.h"
#include "dp_abuse_log.h"
#include "dp_srt_log.h"
#include "dp.h"
#include "dp_v6client.h"
#include "lb.h"
#include "pick_policy.h"
#include "lb_redis.h"
#include "log_dpdk.h"
#include "eal_args.h"
#include "endpoint.h"
#include "fleet_health.h"
#include "http_api.h"
#include "http_stream.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"
#include "proto_version.h"
#include "reload.h"
#include "rtmp_proxy.h"
#include "runtime_dir.h"
#include "sd_notify.h"
#include "stats_json.h"
#include "stats_prom.h"
#include "system_api.h"
#include "telemetry.h"
#include "tap_host.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <rte_eal.h>
#include <rte_errno.h>

extern char **environ;

#define DEFAULT_TAP_DEV "net_tap0"

/* Startup errors: one clear line, non-zero exit. */
static void die(const char *what, const char *msg)
{
	fprintf(stderr, "mediaplane: %s: %s\n", what, msg);
	exit(1);
}

static void load_config(int argc, char **argv, struct mp_config *cfg, struct mp_app_args *args)
{
	char err[512];

	mp_config_defaults(cfg);
	if (mp_app_args_parse(argc, argv, args, NULL, err, sizeof(err)))
		die("usage", err);
	if (args->help) {
		mp_app_usage(stdout);
		exit(0);
	}
	if (args->version) {
		printf("mediaplane %s\n", MP_VERSION_STRING);
		exit(0);
	}
	if (mp_app_config_read(argc, argv, args, cfg, err, sizeof(err)))
		die("config error", err);
	mp_log_dpdk_configure(cfg);
}

static struct mp_lb *lb_create(const struct mp_config *cfg)
{
	struct mp_lb_config lc;

	mp_lb_config_default(&lc);
	lc.max_origins = cfg->max_origins;
	lc.max_streams = cfg->max_streams;
	lc.max_sessions = cfg->max_sessions;
	lc.max_readers = MP_DP_READER_FIRST + cfg->workers + 1; /* the last: the Redis thread */
	lc.origin_ttl_ms = cfg->origin_ttl_ms;
	{
		enum mp_pick_policy pp = MP_PICK_RANDOM;
		(void)mp_pick_policy_parse(cfg->pick, &pp); /* the config's enum check admits only known names */
		lc.pick_policy = (int)pp;
	}
	lc.webrtc_idle_ms = cfg->webrtc_idle_ms;
	lc.srt_idle_ms = cfg->srt_idle_ms;
	lc.nat_quiet_ms = cfg->nat_port_quiet_ms;
	lc.nat_port_min = cfg->nat_port_min;
	lc.nat_port_max = cfg->nat_port_max;
	if (!strcmp(cfg->lb_type, "redis")) {
		struct mp_lb_redis_config rc;

		mp_lb_redis_config_default(&rc);
		snprintf(rc.host, sizeof(rc.host), "%s", cfg->redis_host);
		rc.port = cfg->redis_port;
		snprintf(rc.password, sizeof(rc.password), "%s", cfg->redis_password);
		rc.db = (int)cfg->redis_db;
		rc.fleet_record_ttl_ms = cfg->fleet_record_ttl_ms;
		snprintf(rc.key_prefix, sizeof(rc.key_prefix), "%.*s", (int)sizeof(rc.key_prefix) - 1,
			 cfg->redis_key_prefix); /* length checked by mp_config_validate */
		snprintf(rc.sentinels, sizeof(rc.sentinels), "%s", cfg->redis_sentinels);
		snprintf(rc.master_name, sizeof(rc.master_name), "%.*s", (int)sizeof(rc.master_name) - 1,
			 cfg->redis_master_name); /* length checked by mp_config_validate */
		if (rc.sentinels[0])
			MP_INFO("balancer: Redis master %s from the sentinels %s", rc.master_name, rc.sentinels);
		MP_INFO("balancer: Redis at %s:%u db %u%s%s", rc.host, rc.port, cfg->redis_db,
			rc.key_prefix[0] ? ", key prefix " : "", rc.key_prefix);
		return mp_lb_create_redis(&lc, &rc, mp_now_ms());
	}
	return mp_lb_create(&lc);
}

/* The CLI socket (default <EAL runtime dir>/cli.sock), the prompt, and the command file. */
static int start_cli(const struct mp_config *cfg, const struct mp_app_args *args, struct mp_control *ctl,
		     const char *runtime_dir)
{
	char path[600], err[512];

	if (strcmp(cfg->cli_socket, "off")) {
		if (cfg->cli_socket[0])
			snprintf(path, sizeof(path), "%s", cfg->cli_socket);
		else
			snprintf(path, sizeof(path), "%s/cli.sock", runtime_dir);
		if (mp_cli_socket_start(ctl, path, err, sizeof(err))) {
			fprintf(stderr, "mediaplane: CLI: %s\n", err);
			return -1;
		}
	}
	if (args->cmdline_file) {
		struct mp_strbuf out = { 0 };
		int rc = mp_cli_run_file(ctl, args->cmdline_file, &out);

		if (out.len)
			fputs(out.s, stdout);
		fflush(stdout);
		mp_strbuf_free(&out);
		if (rc) {
			fprintf(stderr, "mediaplane: command file %s failed\n", args->cmdline_file);
			return -1;
		}
	}
	if (args->interactive && mp_cli_tty_start(ctl, err, sizeof(err))) {
		fprintf(stderr, "mediaplane: CLI: %s\n", err);
		return -1;
	}
	return 0;
}

/* Stop in reverse order of start; every step copes with what was never started. */
static void shutdown_all(struct mp_control *ctl, struct mp_dp *dp, struct mp_lb *lb, const char *runtime_dir)
{
	mp_cli_tty_stop(ctl);
	mp_cli_socket_stop(ctl);
	mp_control_close(ctl);
	mp_dp_stop(dp);
	mp_log_dpdk_stop(); /* the workers are stopped: what they queued is written */
	if (lb)
		mp_lb_destroy(lb);
	rte_eal_cleanup();
	mp_runtime_dir_remove(runtime_dir);
}

/* exception_path = auto: on for a real port; off in the default TAP mode and on a TAP port (the
 * host reaches the control plane directly) and on capture/ring/null test ports (no kernel peer). */
static bool exception_path_on(const struct mp_config *cfg)
{
	static const char *const virtual_ports[] = { "net_pcap", "net_ring", "net_null", "net_tap" };

	if (!strcmp(cfg->exception_path, "on"))
		return true;
	if (!strcmp(cfg->exception_path, "off") || !cfg->public_port[0])
		return false;
	for (size_t i = 0; i < sizeof(virtual_ports) / sizeof(virtual_ports[0]); i++)
		if (!strncmp(cfg->public_port, virtual_ports[i], strlen(virtual_ports[i])))
			return false;
	return true;
}

static void dp_conf_from(const struct mp_config *cfg, struct mp_dp_conf *dc)
{
	memset(dc, 0, sizeof(*dc));
	snprintf(dc->public_port, sizeof(dc->public_port), "%s", cfg->public_port[0] ? cfg->public_port : DEFAULT_TAP_DEV);
	dc->public_ip = cfg->public_ip.ipv4;
	dc->public_prefix = cfg->public_ip.prefix;
	dc->public_gateway = cfg->public_gateway;
	dc->service_ip = cfg->service_ip;
	snprintf(dc->private_port, sizeof(dc->private_port), "%s", cfg->private_port);
	dc->private_ip = cfg->private_ip.ipv4;
	dc->private_prefix = cfg->private_ip.prefix;
	dc->private_gateway = cfg->private_gateway;
	if (cfg->public_ip6.set) {
		memcpy(dc->public_ip6, cfg->public_ip6.ip6, 16);
		dc->public_prefix6 = cfg->public_ip6.prefix;
	}
	if (cfg->public_gateway6.set)
		memcpy(dc->public_gateway6, cfg->public_gateway6.ip6, 16);
	if (cfg->private_ip6.set) {
		memcpy(dc->private_ip6, cfg->private_ip6.ip6, 16);
		dc->private_prefix6 = cfg->private_ip6.prefix;
	}
	if (cfg->private_gateway6.set)
		memcpy(dc->private_gateway6, cfg->private_gateway6.ip6, 16);
	dc->vlan_id = cfg->vlan_id;
	dc->webrtc_port = cfg->webrtc_port;
	dc->srt_port = cfg->srt_port;
	dc->nat_port_min = cfg->nat_port_min;
	dc->nat_port_max = cfg->nat_port_max;
	dc->workers = cfg->workers;
	dc->mbufs = cfg->mbufs;
	dc->rx_desc = cfg->rx_desc;
	dc->tx_desc = cfg->tx_desc;
	dc->idle_sleep_us = cfg->idle_sleep_us;
	dc->tx_csum_offload = !strcmp(cfg->tx_csum_offload, "off") ? MP_TXCSUM_OFF
			    : !strcmp(cfg->tx_csum_offload, "on") ? MP_TXCSUM_ON : MP_TXCSUM_AUTO;
	dc->exception_path = exception_path_on(cfg);
	snprintf(dc->exception_tap, sizeof(dc->exception_tap), "%s", cfg->exception_tap);
	dc->exception_rate = cfg->exception_rate;
	dc->srt_hs_timeout_ms = cfg->srt_hs_timeout_ms;
	dc->session_rate = cfg->session_rate;
	dc->srt_hs_rate = cfg->srt_hs_rate;
	snprintf(dc->srt_default_stream, sizeof(dc->srt_default_stream), "%s", cfg->srt_default_stream);
	dc->webrtc_allow_no_pwd = cfg->webrtc_allow_no_pwd;
	dc->fleet_nat = cfg->fleet_size > 1;
}

/* The control plane's periodic list of the host's addresses, for origins on this host (dp_local.c). */
static void host_addrs_to_dp(void *ctx, const uint32_t *ip, unsigned n)
{
	mp_dp_set_host_addrs(ctx, ip, n);
}

/* SIGHUP: the configuration read again (reload.c; the TLS certificate too); live sessions are not touched. */
static void on_sighup(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	MP_INFO("SIGHUP: reloading the configuration");
	mp_sd_notify("RELOADING=1");
	mp_reload(arg, NULL);
	mp_sd_notify("READY=1\nSTATUS=running (configuration reloaded)");
}

/* Every 100 ms: the lines the worker lcores queued (they never write themselves). */
static void on_log_drain(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	mp_log_dpdk_drain();
}

/* The control plane's listeners, started in this order and stopped in reverse (DPVS's module table). */
static const struct mp_listener_ops *const listeners[] = {
	&mp_system_api_listener,
	&mp_http_api_listener,
	&mp_http_stream_listener,
	&mp_rtmp_listener,
};

int main(int argc, char **argv)
{
	static struct mp_config cfg;
	static struct mp_control ctl;
	static struct mp_dp dp;
	static struct mp_fleet_health health;
	static struct mp_reload reload;
	struct mp_lb *lb = NULL;
	struct mp_app_args args;
	struct mp_eal_facts facts;
	struct mp_eal_args eal;
	struct mp_dp_conf dc;
	char err[512], runtime_dir[512];
	bool default_tap;
	struct event *abuse_log = NULL, *srt_log = NULL, *hup = NULL, *log_drain;

	signal(SIGHUP, SIG_IGN); /* until the control plane logs it (below) */
	load_config(argc, argv, &cfg, &args);
	if (args.dump_config) {
		static char dump[16384];

		mp_config_dump(&cfg, dump, sizeof(dump));
		fputs(dump, stdout);
		return 0;
	}
	if (geteuid() != 0)
		die("permission denied", "must run as root (DPDK needs hugepages or locked memory and raw port access)");
	default_tap = cfg.public_port[0] == 0;
	if (default_tap && mp_tap_host_exists(cfg.tap_name)) {
		snprintf(err, sizeof(err), "interface %s already exists (another mediaplane running? set tap_name)",
			 cfg.tap_name);
		die("TAP port", err);
	}
	/* Bind the control plane first: "address in use" must fail before anything is created. */
	if (mp_control_bind(&ctl, &cfg, listeners, sizeof(listeners) / sizeof(listeners[0]), err, sizeof(err)))
		die("listen", err);

	mp_eal_facts_read(&facts);
	{
		const char *ports[] = { cfg.public_port, cfg.private_port, NULL };

		if (mp_eal_args_build(args.eal_argc, args.eal_argv, &facts, cfg.workers,
				      default_tap ? cfg.tap_name : NULL, ports, &eal))
			die("EAL", "too many EAL arguments");
	}
	if (eal.no_huge && eal.huge_free_mb)
		MP_WARN("only %lu MB of hugepages free (others hold the rest), less than the tables need: running with --no-huge",
			eal.huge_free_mb);
	else if (eal.no_huge)
		MP_INFO("no hugepages reserved: running with --no-huge (reserve some with scripts/hugepages/hugepages.sh reserve 512)");
	if (eal.lcores_shared)
		MP_WARN("fewer CPUs than lcores (%u): workers share CPUs", cfg.workers + 1);
	mp_log_dpdk_init();
	if (rte_eal_init(eal.argc, eal.argv) < 0) {
		snprintf(err, sizeof(err), "%s (EAL options: see --help)", rte_strerror(rte_errno));
		die("EAL init failed", err);
	}
	mp_runtime_dir_remember(runtime_dir, sizeof(runtime_dir));
	{
		int stale = mp_runtime_dir_clean_stale(runtime_dir);

		if (stale)
			MP_INFO("removed %d runtime director%s of killed appliances (their CLI socket answered nobody)",
				stale, stale == 1 ? "y" : "ies");
	}
	if (mp_log_dpdk_start()) {
		shutdown_all(&ctl, &dp, lb, runtime_dir);
		die("log", "cannot create the workers' log rings");
	}

	lb = lb_create(&cfg);
	if (!lb) {
		shutdown_all(&ctl, &dp, lb, runtime_dir);
		die("balancer", "cannot create the tables (too little memory for max_sessions/max_streams? see the log)");
	}
	MP_INFO("balancer: %s, %u sessions (%.0f bytes each), %u streams, %u origins", mp_lb_backend_name(lb),
		cfg.max_sessions, mp_lb_bytes_per_session(lb), cfg.max_streams, cfg.max_origins);
	if (cfg.fleet_size > 1) {
		if (mp_lb_set_fleet(lb, cfg.fleet_index, cfg.fleet_size) != MP_OK) {
			shutdown_all(&ctl, &dp, lb, runtime_dir);
			die("balancer", "fleet_size/fleet_index do not fit the NAT port range (a share per appliance and worker)");
		}
		MP_INFO("fleet: appliance %u of %u: NAT ports from its share of %u-%u, sessions shared through Redis",
			cfg.fleet_index, cfg.fleet_size, cfg.nat_port_min, cfg.nat_port_max);
	}
	dp_conf_from(&cfg, &dc);
	if (mp_dp_init(&dp, &dc, err, sizeof(err))) {
		shutdown_all(&ctl, &dp, lb, runtime_dir);
		die("data plane", err);
	}
	dp.lb = lb;
	mp_dp_v6c_attach(&dp); /* logs, the System API and the CLI name IPv6 clients, not their stand-ins */
	ctl.lb = lb;
	if (default_tap && mp_tap_host_configure(cfg.tap_name, cfg.tap_host_ip.ipv4, cfg.tap_host_ip.prefix, err,
						 sizeof(err))) {
		shutdown_all(&ctl, &dp, lb, runtime_dir);
		die("TAP port", err);
	}
	if (default_tap) {
		char kern[16], pub[16];
		struct mp_self_addrs host = { 0 };

		mp_ipv4_format(cfg.tap_host_ip.ipv4, kern, sizeof(kern));
		mp_ipv4_format(cfg.public_ip.ipv4, pub, sizeof(pub));
		MP_INFO("default mode: TAP %s, kernel side %s/%u, appliance %s", cfg.tap_name, kern,
			cfg.tap_host_ip.prefix, pub);
		/* origins on this host: reached at the TAP's kernel side (dp_local.c) */
		dp.local_origin_ip = cfg.tap_host_ip.ipv4;
		mp_self_addrs_load(&host, mp_now_ms());
		mp_dp_set_host_addrs(&dp, host.ip, host.n);
		ctl.host_addrs = host_addrs_to_dp;
		ctl.host_addrs_ctx = &dp;
	}
	ctl.dp_stats = mp_stats_json;
	ctl.dp_stats_ctx = &dp;
	ctl.dp_metrics = mp_stats_prom;
	mp_cli_hooks_fill(&ctl.cli, &dp);
	mp_telemetry_register(&dp, lb);
	if (mp_control_start(&ctl, err, sizeof(err)) || mp_dp_start(&dp, err, sizeof(err))) {
		shutdown_all(&ctl, &dp, lb, runtime_dir);
		die("start", err);
	}
	/* After mp_control_start (the origin filter is set): from here no control-plane or worker call
	 * waits on Redis. */
	if (!strcmp(cfg.lb_type, "redis") && mp_lb_redis_start(lb, MP_DP_READER_FIRST + cfg.workers) != MP_OK) {
		shutdown_all(&ctl, &dp, lb, runtime_dir);
		die("start", "cannot start the Redis thread");
	}
	MP_INFO("data plane: WebRTC %u/udp, SRT %u/udp on %u worker(s); balancer: %s", cfg.webrtc_port, cfg.srt_port,
		dp.n_workers, cfg.lb_type);
	if (mp_fleet_health_start(&health, ctl.base, &dp, &cfg, err, sizeof(err))) {
		shutdown_all(&ctl, &dp, lb, runtime_dir);
		die("fleet health", err);
	}
	mp_fleet_health_hooks(&health, &ctl.health);
	abuse_log = mp_dp_abuse_log_start(ctl.base, &dp);
	srt_log = mp_dp_srt_log_start(ctl.base, &dp);
	log_drain = mp_control_timer(ctl.base, 100, on_log_drain, NULL);
	if (!log_drain) {
		shutdown_all(&ctl, &dp, lb, runtime_dir);
		die("log", "cannot start the timer draining the workers' log rings");
	}
	reload.argc = argc;
	reload.argv = argv;
	reload.args = args;
	reload.running = &cfg;
	reload.last = cfg;
	reload.ctl = &ctl;
	reload.lb = lb;
	ctl.cli.reload = mp_reload;
	ctl.cli.reload_ctx = &reload;
	hup = evsignal_new(ctl.base, SIGHUP, on_sighup, &reload);
	if (!hup || evsignal_add(hup, NULL))
		MP_WARN("cannot catch SIGHUP: it stays ignored, unlogged");
	MP_INFO("mediaplane %s running (pid %d); SIGINT or SIGTERM stops it", MP_VERSION_STRING, (int)getpid());
	if (start_cli(&cfg, &args, &ctl, runtime_dir)) {
		shutdown_all(&ctl, &dp, lb, runtime_dir);
		exit(1);
	}
	/* systemd (Type=notify): up once the listeners, the data plane and the CLI are. */
	if (mp_sd_notify("READY=1\nSTATUS=running") != 0)
		MP_WARN("cannot tell systemd we are ready ($NOTIFY_SOCKET)");

	mp_control_run(&ctl);
	mp_sd_notify("STOPPING=1");

	mp_fleet_health_stop(&health); /* the service address is withdrawn; BIRD's withdrawal leaves first */
	mp_dp_abuse_log_stop(abuse_log);
	mp_dp_srt_log_stop(srt_log);
	event_free(log_drain);
	if (hup)
		event_free(hup);
	shutdown_all(&ctl, &dp, lb, runtime_dir);
	MP_INFO("stopped cleanly");
	return 0;
}
