/* bench_rtmp_proxy.c: RTMP publish throughput through the appliance's RTMP proxy (re-chunked relay)
 * against the same client and origin connected directly, measured in the same run; also the
 * appliance's CPU time per GB relayed. Needs root and build/mediaplane (MP_BUILD_DIR). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "appliance.h"
#include "rtmp_peer.h"

#define RTMP_PORT 13361
#define API_PORT 13362
#define ORIGIN_PORT 13363
#define MSG_LEN (64 * 1024)
#define NODES 128

static uint64_t total = 512ull << 20;

struct origin {
	int lfd;
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
	rtmp_peer_set_chunk(&p, 60000);
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

/* One publish of `total` bytes to port; returns MB/s measured at the origin, or -1. */
static double run(uint16_t port)
{
	struct mp_amf0_node nodes[NODES];
	struct mp_rtmp_cmd cmd;
	struct mp_rtmp_msg m;
	struct origin o = { 0 };
	struct rtmp_peer c;
	uint8_t buf[512], *media = calloc(1, MSG_LEN);

	o.lfd = rtmp_peer_listen("127.0.0.1", ORIGIN_PORT);
	if (o.lfd < 0 || pthread_create(&o.th, NULL, origin_main, &o))
		return -1;
	if (rtmp_peer_connect(&c, "127.0.0.1", port, 5000) == 0) {
		rtmp_peer_set_chunk(&c, 60000);
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

static double cpu_seconds(pid_t pid)
{
	char path[64];
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	/* fields 14 and 15: utime, stime (clock ticks); the command name (field 2) has no spaces here */
	if (fscanf(f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		ut = st = 0;
	fclose(f);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

int main(int argc, char **argv)
{
	char prefix[64];
	char *args[] = { prefix, "--", "--tap-name=mpr3", "--tap-host-ip=198.18.236.1/24",
			 "--public-ip=198.18.236.2/24", "--public-gateway=198.18.236.1",
			 "--system-api-listen=127.0.0.1:13362", "--api-listen=off", "--http-listen=off",
			 "--rtmp-listen=127.0.0.1:13361", "--idle-sleep-us=1000", "--max-sessions=4096",
			 NULL };
	static const char reg[] = "{\"device_id\":\"b\",\"ip\":\"127.0.0.1\",\"server\":\"bench\",\"service\":\"b\","
				  "\"pid\":\"1\",\"rtmp\":[\"13363\"],\"http\":[],\"api\":[],\"srt\":[],\"rtc\":[]}";
	struct mp_appliance app;
	double direct, proxied, cpu0, cpu1;
	unsigned long long passed = 0;
	char *resp = NULL;

	if (argc > 1)
		total = strtoull(argv[1], NULL, 10) << 20;
	signal(SIGPIPE, SIG_IGN);
	snprintf(prefix, sizeof(prefix), "--file-prefix=mpr-bench-%d", (int)getpid()); /* unique per run */
	direct = run(ORIGIN_PORT);
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
	cpu0 = cpu_seconds(app.pid);
	proxied = run(RTMP_PORT);
	cpu1 = cpu_seconds(app.pid);
	if (mp_http_request(API_PORT, "GET", "/api/v1/rtmp", NULL, NULL, 0, &resp, 5000) == 200 && resp) {
		const char *k = strstr(resp, "\"messages_passed_by_chunk\":");

		passed = k ? strtoull(k + strlen("\"messages_passed_by_chunk\":"), NULL, 10) : 0;
	}
	free(resp);
	mp_appliance_stop(&app, SIGINT, 10000);
	mp_appliance_cleanup(&app);
	printf("RTMP publish, %llu MB in %d KB video messages, 60000-byte chunks, loopback:\n",
	       (unsigned long long)(total >> 20), MSG_LEN / 1024);
	printf("  direct client -> origin      %8.1f MB/s\n", direct);
	printf("  through the RTMP proxy       %8.1f MB/s  (ratio %.2f)\n", proxied, direct > 0 ? proxied / direct : 0);
	printf("  messages relayed chunk by chunk (not re-assembled): %llu\n", passed);
	printf("  appliance CPU                %8.2f s per GB relayed (includes its idle data-plane worker)\n",
	       (cpu1 - cpu0) / ((double)total / (1 << 30)));
	printf("bench rtmp-proxy: %.1f MB/s = %.3f x direct client -> origin (%.1f MB/s)\n", proxied,
	       direct > 0 ? proxied / direct : 0, direct);
	return direct > 0 && proxied > 0 ? 0 : 1;
}
