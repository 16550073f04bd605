/* bench_rtmp_proxy.c: RTMP publish throughput through the appliance's RTMP proxy against the same
 * client and origin connected directly, measured in the same run, at SRS's chunk size (60000) and at
 * ffmpeg's (4096); the CPU time per GB of the appliance's control thread (the relay), of its other
 * threads, and of the client + origin, so that the relay's own cost shows apart from what this
 * machine's CPUs bound. Needs root and build/mediaplane (MP_BUILD_DIR). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include "appliance.h"
#include "rtmp_peer.h"

#define RTMP_PORT 13361
#define API_PORT 13362
#define ORIGIN_PORT 13363
#define MSG_LEN (64 * 1024)
#define NODES 128
#define CHUNK_SRS 60000   /* SRS's chunk size, and the proxy's own */
#define CHUNK_FFMPEG 4096 /* what ffmpeg announces (tests/data/rtmp-ffmpeg-publish.pcap) */

static uint64_t total = 512ull << 20;

struct origin {
	int lfd;
	uint32_t chunk;
	pthread_t th;
	uint64_t got;
	double t_first, t_last;
	int ok;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *origin_main(void *arg)
{
	struct origin *o = arg;
	struct mp_amf0_node nodes[NODES];
	struct mp_rtmp_cmd cmd;
	struct mp_rtmp_msg m;
	struct rtmp_peer p;
	uint8_t buf[512];

	if (rtmp_peer_accept(&p, o->lfd, 10000))
		return NULL;
	rtmp_peer_set_chunk(&p, o->chunk);
	if (rtmp_peer_expect_cmd(&p, "connect", &cmd, nodes, NODES, &m, 5000))
		goto out;
	rtmp_peer_send_cmd(&p, 3, 0, buf, mp_rtmp_build_connect_result(buf, sizeof(buf), cmd.txn, 0));
	if (rtmp_peer_expect_cmd(&p, "createStream", &cmd, nodes, NODES, &m, 5000))
		goto out;
	rtmp_peer_send_cmd(&p, 3, 0, buf, mp_rtmp_build_create_stream_result(buf, sizeof(buf), cmd.txn, 1));
	if (rtmp_peer_expect_cmd(&p, "publish", &cmd, nodes, NODES, &m, 5000))
		goto out;
	rtmp_peer_send_cmd(&p, 5, 1, buf,
			   mp_rtmp_build_on_status(buf, sizeof(buf), MP_RTMP_STATUS_PUBLISH_START, cmd.stream, NULL));
	while (o->got < total && rtmp_peer_read(&p, &m, 10000) == 0) {
		if (m.type != MP_RTMP_MSG_VIDEO)
			continue;
		if (!o->got)
			o->t_first = now();
		o->got += m.len;
	}
	o->t_last = now();
	o->ok = o->got >= total;
out:
	rtmp_peer_close(&p);
	return NULL;
}

/* One publish of `total` bytes to port, both peers writing chunks of `chunk` bytes; returns MB/s
 * measured at the origin, or -1. */
static double run(uint16_t port, uint32_t chunk)
{
	struct mp_amf0_node nodes[NODES];
	struct mp_rtmp_cmd cmd;
	struct mp_rtmp_msg m;
	struct origin o = { .chunk = chunk };
	struct rtmp_peer c;
	uint8_t buf[512], *media = calloc(1, MSG_LEN);

	o.lfd = rtmp_peer_listen("127.0.0.1", ORIGIN_PORT);
	if (o.lfd < 0 || pthread_create(&o.th, NULL, origin_main, &o))
		return -1;
	if (rtmp_peer_connect(&c, "127.0.0.1", port, 5000) == 0) {
		rtmp_peer_set_chunk(&c, chunk);
		rtmp_peer_send_cmd(&c, 3, 0, buf, mp_rtmp_build_connect(buf, sizeof(buf), 1, mp_rtmp_cstr("live"),
								       mp_rtmp_cstr("rtmp://127.0.0.1/live"),
								       mp_rtmp_cstr(""), 0));
		rtmp_peer_send_cmd(&c, 3, 0, buf, mp_rtmp_build_call(buf, sizeof(buf), "createStream", 2,
								    (struct mp_rtmp_str){ 0 }));
		rtmp_peer_send_cmd(&c, 5, 1, buf, mp_rtmp_build_publish(buf, sizeof(buf), 3, mp_rtmp_cstr("bench"),
								       mp_rtmp_cstr("live")));
		if (rtmp_peer_expect_cmd(&c, "onStatus", &cmd, nodes, NODES, &m, 5000) == 0)
			for (uint64_t sent = 0, i = 0; sent < total; sent += MSG_LEN, i++) {
				struct mp_rtmp_msg v = { .csid = 6, .type = MP_RTMP_MSG_VIDEO, .stream_id = 1,
							 .timestamp = (uint32_t)(i * 40), .len = MSG_LEN, .payload = media };

				if (rtmp_peer_send(&c, &v))
					break;
			}
		pthread_join(o.th, NULL);
		rtmp_peer_close(&c);
	} else {
		pthread_join(o.th, NULL);
	}
	close(o.lfd);
	free(media);
	return o.ok ? (double)o.got / (1 << 20) / (o.t_last - o.t_first) : -1;
}

/* CPU seconds (user + system) of /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat. */
static double cpu_seconds(const char *path)
{
	unsigned long ut = 0, st = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	/* fields 14 and 15: utime, stime (clock ticks); the command name (field 2) has no spaces here */
	if (fscanf(f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		ut = st = 0;
	fclose(f);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds so far of this process (the client and origin threads), of the appliance's main
 * thread (its control plane: the RTMP relay) and of the whole appliance. */
struct cpu {
	double self, ctl, app;
};

static struct cpu cpu_now(pid_t app)
{
	struct cpu c = { 0 };
	struct rusage ru;
	char path[64];

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		c.self = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
			 ru.ru_stime.tv_usec / 1e6;
	if (app > 0) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)app, (int)app);
		c.ctl = cpu_seconds(path);
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)app);
		c.app = cpu_seconds(path);
	}
	return c;
}

/* One chunk size: direct, then through the proxy; CPU seconds per GB of each part. */
struct result {
	uint32_t chunk;
	double direct, proxied;    /* MB/s */
	double pair_direct;        /* client + origin, connected directly */
	double pair_proxied, ctl, other; /* client + origin; the appliance's control thread; its other threads */
};

static double per_gb(double s)
{
	return s / ((double)total / (1 << 30));
}

static void run_direct(struct result *r)
{
	struct cpu a = cpu_now(0), b;

	r->direct = run(ORIGIN_PORT, r->chunk);
	b = cpu_now(0);
	r->pair_direct = per_gb(b.self - a.self);
}

static void run_proxied(struct result *r, pid_t app)
{
	struct cpu a = cpu_now(app), b;

	r->proxied = run(RTMP_PORT, r->chunk);
	b = cpu_now(app);
	r->pair_proxied = per_gb(b.self - a.self);
	r->ctl = per_gb(b.ctl - a.ctl);
	r->other = per_gb((b.app - a.app) - (b.ctl - a.ctl));
	if (r->other < 0)
		r->other = 0; /* clock ticks: the process and its thread are rounded apart */
}

static void print_result(const struct result *r, const char *whose)
{
	/* on 2 CPUs, at most 2 CPU-seconds per second for everything the bytes cost */
	double bound = 2.0 / (r->pair_proxied + r->ctl + r->other) * 1024;

	printf("  chunk size %u (%s):\n", r->chunk, whose);
	printf("    direct client -> origin    %8.1f MB/s   client + origin CPU %5.2f s/GB\n", r->direct,
	       r->pair_direct);
	printf("    through the RTMP proxy     %8.1f MB/s   (ratio %.2f)\n", r->proxied,
	       r->direct > 0 ? r->proxied / r->direct : 0);
	printf("      CPU per GB: client + origin %5.2f s, the relay (appliance control thread) %5.2f s, "
	       "other appliance threads %5.2f s\n", r->pair_proxied, r->ctl, r->other);
	printf("      the relay alone on one CPU: %.0f MB/s = %.2f x direct; all three on this machine's 2 CPUs: "
	       "<= %.0f MB/s = %.2f x direct\n", r->ctl > 0 ? 1024 / r->ctl : 0,
	       r->ctl > 0 && r->direct > 0 ? 1024 / r->ctl / r->direct : 0, bound,
	       r->direct > 0 ? bound / r->direct : 0);
}

int main(int argc, char **argv)
{
	char prefix[64], idle[48];
	const char *idle_us = getenv("BENCH_IDLE_SLEEP_US");
	char *args[] = { prefix, "--", "--tap-name=mpr3", "--tap-host-ip=198.18.236.1/24",
			 "--public-ip=198.18.236.2/24", "--public-gateway=198.18.236.1",
			 "--system-api-listen=127.0.0.1:13362", "--api-listen=off", "--http-listen=off",
			 "--rtmp-listen=127.0.0.1:13361", idle, "--max-sessions=4096",
			 NULL };
	static const char reg[] = "{\"device_id\":\"b\",\"ip\":\"127.0.0.1\",\"server\":\"bench\",\"service\":\"b\","
				  "\"pid\":\"1\",\"rtmp\":[\"13363\"],\"http\":[],\"api\":[],\"srt\":[],\"rtc\":[]}";
	struct result r[2] = { { .chunk = CHUNK_SRS }, { .chunk = CHUNK_FFMPEG } };
	struct mp_appliance app;
	unsigned long long passed = 0;
	char *resp = NULL;

	if (argc > 1)
		total = strtoull(argv[1], NULL, 10) << 20;
	/* The data-plane worker sleeps when idle: on this 2-CPU machine a busy-polling one (the
	 * operator's default, idle_sleep_us 0, on a core of its own) would take a whole CPU from the
	 * client, the origin and the relay, which the direct run does not pay for. */
	if (!idle_us || !*idle_us)
		idle_us = "1000";
	snprintf(idle, sizeof(idle), "--idle-sleep-us=%s", idle_us);
	signal(SIGPIPE, SIG_IGN);
	snprintf(prefix, sizeof(prefix), "--file-prefix=mpr-bench-%d", (int)getpid()); /* unique per run */
	for (int i = 0; i < 2; i++)
		run_direct(&r[i]);
	if (mp_appliance_spawn(&app, args, NULL, 0) || !mp_appliance_wait_log(&app, "running (pid", 60000) ||
	    mp_http_request(API_PORT, "POST", "/api/v1/srs/register", NULL, reg, sizeof(reg) - 1, &resp, 5000) != 200) {
		char *log = mp_appliance_log(&app);

		fprintf(stderr, "cannot start the appliance (root? MP_BUILD_DIR?):\n%s\n", log ? log : "");
		free(log);
		mp_appliance_cleanup(&app);
		return 1;
	}
	free(resp);
	resp = NULL;
	for (int i = 0; i < 2; i++)
		run_proxied(&r[i], app.pid);
	if (mp_http_request(API_PORT, "GET", "/api/v1/rtmp", NULL, NULL, 0, &resp, 5000) == 200 && resp) {
		const char *k = strstr(resp, "\"messages_passed_by_chunk\":");

		passed = k ? strtoull(k + strlen("\"messages_passed_by_chunk\":"), NULL, 10) : 0;
	}
	free(resp);
	mp_appliance_stop(&app, SIGINT, 10000);
	mp_appliance_cleanup(&app);
	printf("RTMP publish, %llu MB in %d KB video messages, loopback, the appliance's worker with "
	       "idle_sleep_us %s (BENCH_IDLE_SLEEP_US; 0 = busy poll, the default, takes a CPU of this machine's 2):\n",
	       (unsigned long long)(total >> 20), MSG_LEN / 1024, idle_us);
	print_result(&r[0], "SRS's");
	print_result(&r[1], "ffmpeg's");
	printf("  messages relayed chunk by chunk (not re-assembled): %llu of %llu\n", passed,
	       (unsigned long long)(2 * total / MSG_LEN));
	printf("bench rtmp-proxy: %.1f MB/s = %.3f x direct client -> origin (%.1f MB/s); relay CPU %.2f s/GB "
	       "(%.2f s/GB at 4096-byte chunks: %.1f MB/s = %.3f x direct)\n", r[0].proxied,
	       r[0].direct > 0 ? r[0].proxied / r[0].direct : 0, r[0].direct, r[0].ctl, r[1].ctl, r[1].proxied,
	       r[1].direct > 0 ? r[1].proxied / r[1].direct : 0);
	return r[0].direct > 0 && r[0].proxied > 0 && r[1].direct > 0 && r[1].proxied > 0 ? 0 : 1;
}
