/* test_startup.c: the appliance starts in its default mode, answers, stops cleanly, and fails clearly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appliance.h"

static bool path_exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static void assert_log_has(struct mp_appliance *a, const char *text)
{
	char *log = mp_appliance_log(a);

	if (!strstr(log, text))
		fail_msg("appliance log lacks \"%s\"; log:\n%s", text, log);
	free(log);
}

/* Nothing of run `a` (pid) is left: runtime dir, TAP interface, hugepage files. */
static void assert_nothing_left(pid_t pid, const char *tap)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "/var/run/dpdk/mediaplane-%d", (int)pid);
	assert_false(path_exists(dir));
	assert_int_equal(if_nametoindex(tap), 0);
	/* --in-memory and --no-huge never create hugetlbfs files; check a mounted hugetlbfs anyway. */
	if (path_exists("/dev/hugepages")) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "ls /dev/hugepages 2>/dev/null | grep -q 'mediaplane-%d'", (int)pid);
		assert_int_not_equal(system(cmd), 0);
	}
}

static void default_mode_serves_versions_pings_and_stops_cleanly_on_sigterm(void **state)
{
	struct mp_appliance a;
	char *body = NULL;
	pid_t pid;
	int code;

	(void)state;
	assert_int_equal(mp_appliance_spawn(&a, NULL, NULL, 0), 0);
	pid = a.pid;
	if (!mp_appliance_wait_log(&a, "running (pid", 60000)) {
		char *log = mp_appliance_log(&a);

		mp_appliance_cleanup(&a);
		fail_msg("appliance did not start; log:\n%s", log);
	}
	code = mp_http_request(12025, "GET", "/api/v1/versions", NULL, NULL, 0, &body, 5000);
	assert_int_equal(code, 200);
	assert_non_null(strstr(body, "\"code\":0"));
	assert_non_null(strstr(body, "\"version\":\""));
	free(body);
	code = mp_http_request(1985, "GET", "/api/v1/versions", NULL, NULL, 0, &body, 5000);
	assert_int_equal(code, 200);
	free(body);
	code = mp_http_request(12025, "GET", "/api/v1/nosuch", NULL, NULL, 0, &body, 5000);
	assert_int_equal(code, 404);
	assert_non_null(strstr(body, "\"error\""));
	free(body);
	/* The data plane answers ARP and ICMP echo on 198.18.0.2 through the TAP port. */
	assert_true(if_nametoindex("mp0") != 0);
	assert_int_equal(system("ip -4 addr show mp0 | grep -q 'inet 198.18.0.1/24'"), 0);
	assert_int_equal(system("ping -c 2 -i 0.2 -W 2 198.18.0.2 >/dev/null"), 0);
	assert_log_has(&a, "System API listening on 0.0.0.0:12025/tcp");
	assert_log_has(&a, "HTTP API listening on 0.0.0.0:1985/tcp");
	assert_log_has(&a, "HTTP stream listening on 0.0.0.0:8080/tcp");
	assert_log_has(&a, "RTMP listening on 0.0.0.0:1935/tcp");
	assert_log_has(&a, "WebRTC 8000/udp, SRT 10080/udp");
	assert_int_equal(mp_appliance_stop(&a, SIGTERM, 20000), 0);
	assert_log_has(&a, "stopped cleanly");
	assert_nothing_left(pid, "mp0");
	mp_appliance_cleanup(&a);
}

static void overrides_move_every_listener_and_sigint_stops_cleanly(void **state)
{
	char *argv[] = { "--", "--tap-name=mpt1", "--system-api-listen=127.0.0.1:12125", "--api-listen=12185",
			 "--http-listen=127.0.0.1:12180", "--rtmp-listen=12135", "--idle-sleep-us=100", NULL };
	char *env[] = { "PROXY_SRT_SERVER=20080", NULL };
	struct mp_appliance a;
	char *body = NULL;
	pid_t pid;

	(void)state;
	assert_int_equal(mp_appliance_spawn(&a, argv, env, 0), 0);
	pid = a.pid;
	assert_true(mp_appliance_wait_log(&a, "running (pid", 60000));
	assert_int_equal(mp_http_request(12125, "GET", "/api/v1/versions", NULL, NULL, 0, &body, 5000), 200);
	free(body);
	assert_log_has(&a, "System API listening on 127.0.0.1:12125/tcp");
	assert_log_has(&a, "RTMP listening on 0.0.0.0:12135/tcp");
	assert_log_has(&a, "SRT 20080/udp");
	assert_true(if_nametoindex("mpt1") != 0);
	assert_int_equal(mp_appliance_stop(&a, SIGINT, 20000), 0);
	assert_nothing_left(pid, "mpt1");
	mp_appliance_cleanup(&a);
}

static void address_in_use_is_named_and_nothing_is_created(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(12025) };
	struct mp_appliance a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	pid_t pid;

	(void)state;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(mp_appliance_spawn(&a, NULL, NULL, 0), 0);
	pid = a.pid;
	assert_int_equal(mp_appliance_wait(&a, 30000), 1);
	close(fd);
	assert_log_has(&a, "System API: address 0.0.0.0:12025 already in use");
	assert_nothing_left(pid, "mp0");
	mp_appliance_cleanup(&a);
}

static void bad_config_key_is_named_with_its_line(void **state)
{
	char path[] = "/tmp/mp-test-conf.XXXXXX";
	int fd = mkstemp(path);
	char *argv[] = { "--", "-c", path, NULL };
	struct mp_appliance a;
	char expect[128];

	(void)state;
	assert_true(fd >= 0);
	assert_true(write(fd, "srt_port = 10081\nwebrtc_prot = 8001\n", 36) == 36);
	close(fd);
	assert_int_equal(mp_appliance_spawn(&a, argv, NULL, 0), 0);
	assert_int_equal(mp_appliance_wait(&a, 30000), 1);
	snprintf(expect, sizeof(expect), "mediaplane: config error: %s:2: unknown key 'webrtc_prot'", path);
	assert_log_has(&a, expect);
	unlink(path);
	mp_appliance_cleanup(&a);
}

static void missing_dpdk_port_is_named_and_cleaned_up(void **state)
{
	char *argv[] = { "--", "--public-port=net_nothing0", NULL };
	struct mp_appliance a;
	pid_t pid;

	(void)state;
	assert_int_equal(mp_appliance_spawn(&a, argv, NULL, 0), 0);
	pid = a.pid;
	assert_int_equal(mp_appliance_wait(&a, 60000), 1);
	assert_log_has(&a, "mediaplane: data plane: DPDK port 'net_nothing0' not found");
	assert_nothing_left(pid, "mp0");
	mp_appliance_cleanup(&a);
}

static void not_root_is_refused_with_one_line(void **state)
{
	char dir[] = "/tmp/mp-test-nonroot.XXXXXX", cmd[1024];
	struct mp_appliance a;
	const char *build = getenv("MP_BUILD_DIR");

	(void)state;
	/* The build tree may sit under /root, out of an unprivileged user's reach: run a copy. */
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "chmod 755 %s && cp %s/mediaplane %s/ && chmod 755 %s/mediaplane", dir, build, dir, dir);
	assert_int_equal(system(cmd), 0);
	setenv("MP_BUILD_DIR", dir, 1);
	assert_int_equal(mp_appliance_spawn(&a, NULL, NULL, 65534), 0);
	setenv("MP_BUILD_DIR", build, 1);
	assert_int_equal(mp_appliance_wait(&a, 30000), 1);
	assert_log_has(&a, "mediaplane: permission denied: must run as root");
	mp_appliance_cleanup(&a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_mode_serves_versions_pings_and_stops_cleanly_on_sigterm),
		cmocka_unit_test(overrides_move_every_listener_and_sigint_stops_cleanly),
		cmocka_unit_test(address_in_use_is_named_and_nothing_is_created),
		cmocka_unit_test(bad_config_key_is_named_with_its_line),
		cmocka_unit_test(missing_dpdk_port_is_named_and_cleaned_up),
		cmocka_unit_test(not_root_is_refused_with_one_line),
	};
	if (geteuid() != 0) {
		fprintf(stderr, "test_startup needs root\n");
		return 77; /* skipped */
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
