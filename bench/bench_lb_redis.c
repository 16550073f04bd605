/* bench_lb_redis.c: cost of the Redis backend (picks, registrations, sync, write-back) against a raw GET, and of
 * renewing a fleet's session records (fleet-renewal N) against raw pipelined PEXPIREs of the same keys. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <rte_eal.h>

#include "endpoint.h"
#include "lb.h"
#include "lb_redis.h"
#include "mp_error.h"
#include "mp_log.h"

#define ORIGINS 1000
#define STREAMS 10000
#define OPS 20000

static pid_t redis_pid;
static uint16_t redis_port;

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static uint16_t free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	uint16_t port = 0;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static redisContext *raw_connect(void)
{
	struct timeval tv = { 0, 200000 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", redis_port, tv);
	if (c != NULL && c->err) {
		redisFree(c);
		c = NULL;
	}
	return c;
}

static int redis_start(const char *bin)
{
	char port[8];
	snprintf(port, sizeof(port), "%u", redis_port);
	redis_pid = fork();
	if (redis_pid < 0)
		return -1;
	if (redis_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execl(bin, bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		      "--daemonize", "no", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 300; i++) {
		redisContext *c = raw_connect();
		if (c != NULL) {
			redisReply *r = redisCommand(c, "PING");
			int ok = r != NULL && r->type == REDIS_REPLY_STATUS;
			if (r != NULL)
				freeReplyObject(r);
			redisFree(c);
			if (ok)
				return 0;
		}
		usleep(10000);
	}
	return -1;
}

static void redis_stop(void)
{
	if (redis_pid > 0) {
		kill(redis_pid, SIGKILL);
		waitpid(redis_pid, NULL, 0);
	}
	redis_pid = 0;
}

static void make_reg(struct mp_registration *r, unsigned int i)
{
	memset(r, 0, sizeof(*r));
	r->ipv4 = 0x0a000000u + i;
	snprintf(r->ip, sizeof(r->ip), "10.0.%u.%u", (i >> 8) & 255, i & 255);
	snprintf(r->server, sizeof(r->server), "vid-%07u", i);
	snprintf(r->service, sizeof(r->service), "svc%05u", i);
	snprintf(r->pid, sizeof(r->pid), "%u", 1000 + i);
	for (int p = 0; p < MP_PROTO__COUNT; p++) {
		r->n_ep[p] = 1;
		r->ep[p][0].port = (uint16_t)(1935 + p);
	}
}

/* ---- fleet-renewal: the renewal of live sessions' records (lb_redis_fleet.c) ---- */

#define TURN_SLEEP_MS 5 /* the Redis thread's sleep between turns (lb_redis_thread.c) */

struct turns {
	double busy_ms;    /* wall time in the turns that renewed records */
	double longest_ms; /* the longest turn (any) */
	uint64_t span_ms;  /* start to end on the thread's clock (turns and sleeps) */
	uint64_t pass_ms;  /* the first turn that renewed records to the pass's end, on that clock */
	unsigned int n;    /* turns that renewed records */
	uint64_t lookups;  /* lookups queued before a turn, served by it */
};

/* Run the Redis thread's loop (lb_redis_thread.c: a sync every second, a poll each other turn, a sleep
 * between) on a's backend with a clock that moves by each turn's own duration plus the sleep (no real
 * sleep: only the work is real) until `passes` renewal passes are complete. Before each turn a lookup
 * of an unknown SRT socket id is queued (a worker's miss), served by that turn: a turn's duration is
 * how long such a request can wait. */
static int run_turns(struct mp_lb *a, uint64_t *clock, uint64_t *next_sync, uint64_t passes, struct turns *t)
{
	struct mp_lb_fleet_stats st;
	static uint32_t probe = 0x7f000000u;
	memset(t, 0, sizeof(*t));
	mp_lb_fleet_stats(a, &st);
	uint64_t lookups0 = st.lookups, start = *clock, first = 0;
	for (;;) {
		mp_lb_fleet_stats(a, &st);
		if (st.renewal_passes >= passes)
			break;
		if (*clock - start > 600000) {
			fprintf(stderr, "bench_lb_redis: renewal pass %llu not done after 600 s of the thread's clock\n",
				(unsigned long long)passes);
			return -1;
		}
		uint64_t done0 = st.renewed + st.rewritten;
		mp_lb_fleet_miss_srt(a, probe++);
		double t0 = now_us();
		if (*clock >= *next_sync) {
			mp_lb_sync(a, *clock);
			*next_sync = *clock + 1000;
		} else {
			mp_lb_redis_poll(a, *clock);
		}
		double ms = (now_us() - t0) / 1e3;
		mp_lb_fleet_stats(a, &st);
		if (st.renewed + st.rewritten != done0 || st.renewal_passes >= passes) {
			t->busy_ms += ms; /* a turn that renewed records */
			if (t->n++ == 0)
				first = *clock;
		}
		if (ms > t->longest_ms)
			t->longest_ms = ms;
		*clock += (uint64_t)ms + TURN_SLEEP_MS;
	}
	t->span_ms = *clock - start;
	t->pass_ms = *clock - first;
	mp_lb_fleet_stats(a, &st);
	t->lookups = st.lookups - lookups0;
	return 0;
}

static long long raw_int_cmd(redisContext *c, const char *cmd, const char *arg)
{
	redisReply *rep = arg != NULL ? redisCommand(c, "%s %s", cmd, arg) : redisCommand(c, cmd);
	long long v = rep != NULL && rep->type == REDIS_REPLY_INTEGER ? rep->integer : -3;
	if (rep != NULL)
		freeReplyObject(rep);
	return v;
}

static int fleet_renewal(const char *name, uint32_t n)
{
	struct mp_lb_config cfg;
	mp_lb_config_default(&cfg);
	cfg.max_sessions = n;
	cfg.max_origins = 64;
	cfg.max_streams = 1024;
	cfg.max_webrtc = 1024;
	cfg.max_readers = 4;
	cfg.nat_port_min = 1024; /* half of it per appliance (fleet of 2): 32256 ports per origin endpoint */
	cfg.nat_port_max = 65535;
	struct mp_lb_redis_config rc;
	mp_lb_redis_config_default(&rc);
	rc.port = redis_port;
	rc.scan_count = 0;
	uint64_t clock = 1000000, next_sync = 0;
	struct mp_lb *a = mp_lb_create_redis(&cfg, &rc, clock);
	if (a == NULL || mp_lb_set_fleet(a, 0, 2) != MP_OK || mp_lb_reader_register(a, 0) != MP_OK)
		return 1;

	/* n live SRT sessions, 30000 per origin endpoint (NAT ports are unique per endpoint), bound and
	 * active, none published yet: the first renewal writes every record. */
	char(*keys)[64] = malloc((size_t)n * 2 * sizeof(*keys));
	if (keys == NULL)
		return 1;
	double t0 = now_us();
	for (uint32_t i = 0; i < n; i++) {
		uint32_t origin = 0xc6120d01u + i / 30000;
		struct mp_lb_session_params p = {
			.tuple = { .src_ip = 0x0b000000u + i, .dst_ip = 0xc6126401, .src_port = 40000, .dst_port = 10080,
				   .proto = 17 },
			.origin_ipv4 = origin, .origin_port = 10080, .kind = MP_LB_SESS_SRT,
			.state = MP_LB_SESS_HANDSHAKE, .srt_client_sock = i + 1,
		};
		struct mp_lb_session *s;
		if (mp_lb_session_create(a, &p, clock, &s) != MP_OK ||
		    mp_lb_session_srt_bind(a, s, 0x10000000u + i, 0x10000000u + i) != MP_OK || s->nat_port == 0) {
			fprintf(stderr, "bench_lb_redis: session %u of %u refused\n", i, n);
			return 1;
		}
		mp_lb_session_set_state(s, MP_LB_SESS_ACTIVE);
		snprintf(keys[2 * i], sizeof(keys[0]), "mediaplane-session-srt:%u", 0x10000000u + i);
		char oa[16];
		mp_ipv4_format(origin, oa, sizeof(oa));
		snprintf(keys[2 * i + 1], sizeof(keys[0]), "mediaplane-session-nat:%s:10080:%u", oa, s->nat_port);
	}
	double create_s = (now_us() - t0) / 1e6;

	/* The first pass writes every record (SET); the next one, a renewal interval after the first
	 * began, renews them (PEXPIRE). Idle turns before it are counted in its span, not its busy time. */
	struct turns first, steady;
	if (run_turns(a, &clock, &next_sync, 1, &first) != 0 || run_turns(a, &clock, &next_sync, 2, &steady) != 0)
		return 1;
	struct mp_lb_fleet_stats st;
	mp_lb_fleet_stats(a, &st);

	/* Reference: the same 2n keys' TTLs renewed by raw pipelined PEXPIREs on one connection, batches
	 * of 256 (MP_RDS_BATCH). */
	redisContext *c = raw_connect();
	if (c == NULL)
		return 1;
	struct timeval tv = { 5, 0 };
	redisSetTimeout(c, tv);
	long long ttl = raw_int_cmd(c, "PTTL", keys[0]), dbsize = raw_int_cmd(c, "DBSIZE", NULL);
	redisReply *rep;
	t0 = now_us();
	uint64_t ok = 0;
	for (uint32_t k = 0; k < 2 * n; k += 256) {
		uint32_t m = 2 * n - k < 256 ? 2 * n - k : 256;
		for (uint32_t j = 0; j < m; j++)
			redisAppendCommand(c, "PEXPIRE %s %lld", keys[k + j], ttl > 0 ? ttl : 60000);
		for (uint32_t j = 0; j < m; j++) {
			if (redisGetReply(c, (void **)&rep) != REDIS_OK)
				return 1;
			ok += rep->type == REDIS_REPLY_INTEGER && rep->integer == 1;
			freeReplyObject(rep);
		}
	}
	double raw_ms = (now_us() - t0) / 1e3;
	redisFree(c);

	printf("%u live SRT sessions (fleet of 2), created in %.1f s; %lld keys in Redis, a record's TTL %lld ms\n", n,
	       create_s, dbsize, ttl);
	printf("reference: raw pipelined PEXPIRE of the same %u keys: %.0f ms = %.0f commands/s (%llu renewed)\n", 2 * n,
	       raw_ms, 2.0 * n / (raw_ms / 1e3), (unsigned long long)ok);
	printf("first renewal (SETs): Redis thread busy %.0f ms in %u turns, longest turn %.1f ms, the pass took %llu ms "
	       "of the thread's clock\n", first.busy_ms, first.n, first.longest_ms, (unsigned long long)first.pass_ms);
	printf("next renewal (PEXPIREs): Redis thread busy %.0f ms in %u turns, longest turn %.1f ms, the pass took %llu "
	       "ms of the thread's clock, ended %llu ms after the first\n", steady.busy_ms, steady.n, steady.longest_ms,
	       (unsigned long long)steady.pass_ms, (unsigned long long)steady.span_ms);
	printf("lookups queued before a turn and served by it: %llu + %llu; passes %llu (longer than their interval: "
	       "%llu), records renewed %llu, written in full %llu\n", (unsigned long long)first.lookups,
	       (unsigned long long)steady.lookups, (unsigned long long)st.renewal_passes,
	       (unsigned long long)st.renewal_overruns, (unsigned long long)st.renewed,
	       (unsigned long long)st.rewritten);
	printf("bench %s: %.0f ms = %.2f x raw pipelined PEXPIREs of its %u keys (%.0f ms) | Redis-thread time of a "
	       "renewal pass (PEXPIRE) of %u SRT sessions' records; longest turn %.1f ms (first pass, SETs: %.1f ms)\n",
	       name, steady.busy_ms, steady.busy_ms / raw_ms, 2 * n, raw_ms, n, steady.longest_ms, first.longest_ms);
	free(keys);
	mp_lb_destroy(a);
	return 0;
}

int main(int argc, char **argv)
{
	char prefix[64];
	bool fleet = argc >= 3 && strcmp(argv[1], "fleet-renewal") == 0;
	snprintf(prefix, sizeof(prefix), "mpbench-lbr-%d", (int)getpid());
	char *eal[] = { argv[0], "--no-pci", "--no-huge", "-m", fleet ? "2048" : "512", "--no-shconf", "--file-prefix",
			prefix, "--log-level", "error", NULL };
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	mp_log_set_level(MP_LOG_ERR);
	const char *bin = getenv("REDIS_SERVER") ? getenv("REDIS_SERVER") : "/usr/bin/redis-server";
	if (access(bin, X_OK) != 0 || (redis_port = free_port()) == 0 || redis_start(bin) != 0) {
		fprintf(stderr, "bench_lb_redis: cannot start %s\n", bin);
		return 1;
	}
	if (fleet) {
		/* bench_lb_redis fleet-renewal N [name]: the fleet-renewal-* benchmarks */
		int rc = fleet_renewal(argc >= 4 ? argv[3] : "fleet-renewal", (uint32_t)strtoul(argv[2], NULL, 10));
		redis_stop();
		rte_eal_cleanup();
		return rc;
	}

	/* Reference: one raw GET round trip on loopback. */
	redisContext *c = raw_connect();
	double t0 = now_us();
	for (int i = 0; i < OPS; i++)
		freeReplyObject(redisCommand(c, "GET %s", "srs-proxy-url:x"));
	double get_us = (now_us() - t0) / OPS;
	redisFree(c);

	struct mp_lb_config cfg;
	mp_lb_config_default(&cfg);
	cfg.max_origins = 2 * ORIGINS;
	cfg.max_streams = 4 * STREAMS;
	cfg.max_sessions = 1024;
	cfg.max_readers = 4;
	struct mp_lb_redis_config rc;
	mp_lb_redis_config_default(&rc);
	rc.port = redis_port;
	rc.scan_count = STREAMS; /* one sync mirrors every pin */
	uint64_t now = 1000000;
	struct mp_lb *a = mp_lb_create_redis(&cfg, &rc, now), *b = mp_lb_create_redis(&cfg, &rc, now);
	if (a == NULL || b == NULL || mp_lb_reader_register(a, 0) || mp_lb_reader_register(b, 0))
		return 1;

	struct mp_registration reg;
	t0 = now_us();
	for (unsigned int i = 0; i < ORIGINS; i++) {
		make_reg(&reg, i);
		mp_lb_origin_update(a, &reg, now);
	}
	double reg_new_us = (now_us() - t0) / ORIGINS;
	t0 = now_us();
	for (unsigned int i = 0; i < ORIGINS; i++) {
		make_reg(&reg, i);
		mp_lb_origin_update(a, &reg, now + 1);
	}
	double reg_again_us = (now_us() - t0) / ORIGINS;

	char stream[64];
	struct mp_lb_target t;
	t0 = now_us();
	for (int i = 0; i < STREAMS; i++) {
		snprintf(stream, sizeof(stream), "__defaultVhost__/live/s%d", i);
		mp_lb_pick(a, stream, MP_PROTO_RTMP, now, &t);
	}
	double pick_new_us = (now_us() - t0) / STREAMS;
	t0 = now_us();
	for (int i = 0; i < OPS; i++) {
		snprintf(stream, sizeof(stream), "__defaultVhost__/live/s%d", i % STREAMS);
		mp_lb_pick(a, stream, MP_PROTO_RTMP, now, &t);
	}
	double pick_pinned_us = (now_us() - t0) / OPS;

	/* B: the first sync mirrors the origins (and the pins), the next ones find nothing new. */
	t0 = now_us();
	mp_lb_sync(b, now);
	double sync_first_ms = (now_us() - t0) / 1e3;
	t0 = now_us();
	mp_lb_sync(b, now);
	double sync_mirror_ms = (now_us() - t0) / 1e3;
	t0 = now_us();
	mp_lb_sync(b, now);
	double sync_steady_ms = (now_us() - t0) / 1e3;

	mp_lb_redis_thread_role(true);
	t0 = now_us();
	for (int i = 0; i < OPS; i++) {
		snprintf(stream, sizeof(stream), "__defaultVhost__/live/s%d", i % STREAMS);
		mp_lb_pick(b, stream, MP_PROTO_RTMP, now, &t);
	}
	double pick_worker_us = (now_us() - t0) / OPS;
	mp_lb_redis_thread_role(false);

	/* Redis restarted empty: A's next sync writes its origins and pins back. */
	redis_stop();
	mp_lb_pick(a, "__defaultVhost__/live/s0", MP_PROTO_RTMP, now, &t); /* notices */
	if (redis_start(bin) != 0)
		return 1;
	now += 10000;
	t0 = now_us();
	mp_lb_sync(a, now);
	double writeback_ms = (now_us() - t0) / 1e3;
	struct mp_lb_redis_stats st;
	mp_lb_redis_stats(a, &st);

	/* Redis stalled (SIGSTOP: the kernel accepts, nobody answers): the pick that notices costs one
	 * command timeout, picks while down are local, a reconnect attempt costs one timeout again. */
	kill(redis_pid, SIGSTOP);
	t0 = now_us();
	mp_lb_pick(a, "__defaultVhost__/live/s1", MP_PROTO_RTMP, now, &t);
	double stall_pick_ms = (now_us() - t0) / 1e3;
	t0 = now_us();
	for (int i = 0; i < OPS; i++) {
		snprintf(stream, sizeof(stream), "__defaultVhost__/live/s%d", i % STREAMS);
		mp_lb_pick(a, stream, MP_PROTO_RTMP, now, &t);
	}
	double down_pick_us = (now_us() - t0) / OPS;
	t0 = now_us();
	mp_lb_sync(a, now + 1000);
	double stall_reconnect_ms = (now_us() - t0) / 1e3;
	/* The appliance's way (issue 14): B's Redis thread talks to the stalled Redis; this thread, the
	 * control plane, registers and picks without ever waiting on it. */
	if (mp_lb_redis_start(b, 1) != MP_OK)
		return 1;
	t0 = now_us();
	for (unsigned int i = 0; i < ORIGINS; i++) {
		make_reg(&reg, i);
		mp_lb_origin_update(b, &reg, now + 2);
	}
	double thr_reg_us = (now_us() - t0) / ORIGINS;
	t0 = now_us();
	for (int i = 0; i < OPS; i++) {
		snprintf(stream, sizeof(stream), "__defaultVhost__/live/s%d", i % STREAMS);
		mp_lb_pick(b, stream, MP_PROTO_RTMP, now, &t);
	}
	double thr_pick_us = (now_us() - t0) / OPS;
	kill(redis_pid, SIGCONT);

	printf("redis on loopback: raw GET round trip %.1f us (reference)\n", get_us);
	printf("registration, new origin (SET + all-servers, %d origins): %.1f us = %.1fx GET\n", ORIGINS,
	       reg_new_us, reg_new_us / get_us);
	printf("registration, known origin: %.1f us = %.1fx GET\n", reg_again_us, reg_again_us / get_us);
	printf("control-plane pick, new stream (GET + SET NX): %.1f us = %.1fx GET\n", pick_new_us,
	       pick_new_us / get_us);
	printf("control-plane pick, pinned stream (GET): %.1f us = %.1fx GET\n", pick_pinned_us,
	       pick_pinned_us / get_us);
	printf("worker pick, pinned stream (local only): %.3f us = %.4fx GET\n", pick_worker_us,
	       pick_worker_us / get_us);
	printf("sync on a new appliance: %.1f ms (mirrors %d origins), %.1f ms (mirrors %d pins), then %.1f ms "
	       "per sync\n", sync_first_ms, ORIGINS, sync_mirror_ms, STREAMS, sync_steady_ms);
	printf("write-back after a Redis restart (%d origins, %d pins): %.1f ms, %llu keys\n", ORIGINS, STREAMS,
	       writeback_ms, (unsigned long long)st.writebacks);
	printf("stalled Redis, the pick that notices: %.1f ms = %.2fx the %u ms command timeout\n", stall_pick_ms,
	       stall_pick_ms / rc.command_timeout_ms, rc.command_timeout_ms);
	printf("control-plane pick while Redis is down (local only): %.3f us = %.4fx GET\n", down_pick_us,
	       down_pick_us / get_us);
	printf("reconnect attempt against the stalled Redis: %.1f ms = %.2fx the %u ms command timeout\n",
	       stall_reconnect_ms, stall_reconnect_ms / rc.command_timeout_ms, rc.command_timeout_ms);

	printf("with the Redis thread, Redis stalled: registration %.2f us, control-plane pick %.3f us (local, "
	       "queued for the Redis thread)\n", thr_reg_us, thr_pick_us);
	printf("bench lb-redis: %.1f us = %.2f x a raw GET (%.1f us) | control-plane pick of a pinned stream\n",
	       pick_pinned_us, pick_pinned_us / get_us, get_us);

	mp_lb_destroy(a);
	mp_lb_destroy(b);
	redis_stop();
	rte_eal_cleanup();
	return 0;
}
