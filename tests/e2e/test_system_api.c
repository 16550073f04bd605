/* test_system_api.c: SRS origins register with the real appliance (SRS 7 body, 2024 body, bare ports),
 * bad bodies get 400 with a reason, the bearer token guards it, and the query APIs show what it knows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "appliance.h"
#include "test_data.h"

#define API 12425

static struct mp_appliance app;

static int start(void **state, char *const *env)
{
	char *argv[] = { "--", "--tap-name=mpsys0", "--system-api-listen=127.0.0.1:12425", "--api-listen=off",
			 "--http-listen=off", "--rtmp-listen=off", "--idle-sleep-us=200", "--max-sessions=4096",
			 "--origin-ttl=3s", "--register-rate=0", NULL }; /* many bad bodies from one address: not a rate test (e2e origin guard is) */

	(void)state;
	if (mp_appliance_spawn(&app, argv, env, 0) != 0 || !mp_appliance_wait_log(&app, "running (pid", 60000)) {
		char *log = mp_appliance_log(&app);

		fprintf(stderr, "appliance did not start:\n%s\n", log);
		free(log);
		mp_appliance_cleanup(&app);
		return -1;
	}
	return 0;
}

static int setup(void **state)
{
	return start(state, NULL);
}

static int setup_auth(void **state)
{
	static char *env[] = { "PROXY_HTTP_API_AUTH_ENABLED=on", "PROXY_HTTP_API_AUTH_TYPE=bearer",
			       "PROXY_HTTP_API_AUTH_TOKEN=s3cret", NULL };

	return start(state, env);
}

static int setup_default_backend(void **state)
{
	static char *env[] = { "PROXY_DEFAULT_BACKEND_ENABLED=on", "PROXY_DEFAULT_BACKEND_IP=198.18.9.9",
			       "PROXY_DEFAULT_BACKEND_RTMP=19350", "PROXY_DEFAULT_BACKEND_SRT=udp://10081", NULL };

	return start(state, env);
}

static int teardown(void **state)
{
	(void)state;
	if (mp_appliance_stop(&app, SIGTERM, 20000) != 0)
		fprintf(stderr, "appliance exit status %d\n", app.exit_status);
	mp_appliance_cleanup(&app);
	return 0;
}

static int post(const char *path, const char *headers, const char *body, size_t len, char **resp)
{
	return mp_http_request(API, "POST", path, headers, body, len, resp, 5000);
}

static cJSON *get_json(const char *path)
{
	char *body = NULL;
	cJSON *o;

	assert_int_equal(mp_http_request(API, "GET", path, NULL, NULL, 0, &body, 5000), 200);
	o = cJSON_Parse(body);
	free(body);
	assert_non_null(o);
	return o;
}

static cJSON *origin_by_key(cJSON *origins, const char *key)
{
	cJSON *e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItem(origins, "origins"))
		if (!strcmp(cJSON_GetObjectItem(e, "key")->valuestring, key))
			return e;
	return NULL;
}

static void srs7_heartbeat_with_ip_port_endpoints_registers(void **state)
{
	size_t len;
	char *body = (char *)mp_test_read_file("srs7-heartbeat-ports-summaries.json", &len), *resp = NULL;
	char expect[64];
	cJSON *o, *e;

	(void)state;
	assert_int_equal(post("/api/v1/srs/register", NULL, body, len, &resp), 200);
	snprintf(expect, sizeof(expect), "{\"code\":0,\"pid\":\"%d\"}", (int)app.pid);
	assert_string_equal(resp, expect);
	free(resp);
	free(body);
	o = get_json("/api/v1/origins");
	e = origin_by_key(o, "vid-448kd71-62t4qogt-27963");
	assert_non_null(e);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(e, "alive")));
	assert_string_equal(cJSON_GetObjectItem(e, "device_id")->valuestring, "origin1");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "rtmp"), 0)->valuestring, "127.0.0.1:11935");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "rtc"), 0)->valuestring, "127.0.0.1:18000");
	cJSON_Delete(o);
}

static void proxy_2024_body_and_bare_ports_register(void **state)
{
	const char *b2024 = "{\"device_id\":\"d\",\"ip\":\"198.18.3.4\",\"server\":\"srv\",\"service\":\"svc\",\"pid\":\"42\","
			    "\"rtmp\":[\"1935\"],\"http\":[\"8080\"],\"api\":[\"1985\"],\"srt\":[\"udp://0.0.0.0:10081\"],"
			    "\"rtc\":[\"udp://0.0.0.0:8000\",\"udp://8001\"]}";
	char *resp = NULL;
	cJSON *o, *e, *rtc;

	(void)state;
	assert_int_equal(post("/api/v1/srs/register", NULL, b2024, strlen(b2024), &resp), 200);
	free(resp);
	o = get_json("/api/v1/origins");
	e = origin_by_key(o, "srv-svc-42");
	assert_non_null(e);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "rtmp"), 0)->valuestring, "198.18.3.4:1935");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "srt"), 0)->valuestring, "198.18.3.4:10081");
	rtc = cJSON_GetObjectItem(e, "rtc");
	assert_int_equal(cJSON_GetArraySize(rtc), 2); /* every endpoint kept, not only the first */
	assert_string_equal(cJSON_GetArrayItem(rtc, 1)->valuestring, "198.18.3.4:8001");
	cJSON_Delete(o);
}

static void bad_bodies_get_400_with_a_reason(void **state)
{
	static const struct {
		const char *body;
		const char *reason;
	} cases[] = {
		{ "", "empty" },
		{ "not json", "JSON" },
		{ "[1,2]", "object" },
		{ "{\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\"}", "ip" },
		{ "{\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"pid\":1}", "field 'pid' must be a string" },
		{ "{\"ip\":\"1.2.3.4\",\"server\":\"s\",\"service\":\"v\",\"pid\":\"1\",\"rtmp\":[\"99999\"]}", "rtmp" },
	};
	char *resp = NULL, *big;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(post("/api/v1/srs/register", NULL, cases[i].body, strlen(cases[i].body), &resp), 400);
		if (!strstr(resp, cases[i].reason))
			fail_msg("body %s: reason %s lacks '%s'", cases[i].body, resp, cases[i].reason);
		assert_non_null(strstr(resp, "\"code\":400"));
		free(resp);
	}
	big = malloc(1024 * 1024);
	memset(big, ' ', 1024 * 1024);
	big[0] = '{';
	big[1024 * 1024 - 1] = '}';
	assert_int_equal(post("/api/v1/srs/register", NULL, big, 1024 * 1024, &resp), 400);
	assert_non_null(strstr(resp, "limit"));
	free(resp);
	free(big);
	/* The appliance still serves after all of that. */
	assert_int_equal(mp_http_request(API, "GET", "/api/v1/versions", NULL, NULL, 0, &resp, 5000), 200);
	free(resp);
}

static void origin_dies_after_its_ttl(void **state)
{
	const char *b = "{\"ip\":\"198.18.3.5\",\"server\":\"ttl\",\"service\":\"svc\",\"pid\":\"7\",\"rtmp\":[\"1935\"]}";
	char *resp = NULL;
	cJSON *o;

	(void)state;
	assert_int_equal(post("/api/v1/srs/register", NULL, b, strlen(b), &resp), 200);
	free(resp);
	o = get_json("/api/v1/origins");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(origin_by_key(o, "ttl-svc-7"), "alive")));
	cJSON_Delete(o);
	sleep(4); /* origin_ttl is 3 s in this test */
	o = get_json("/api/v1/origins");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(origin_by_key(o, "ttl-svc-7"), "alive")));
	cJSON_Delete(o);
}

static void query_apis_answer_json(void **state)
{
	cJSON *o;

	(void)state;
	o = get_json("/api/v1/streams");
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(o, "streams")));
	cJSON_Delete(o);
	o = get_json("/api/v1/sessions?kind=webrtc");
	assert_int_equal(cJSON_GetObjectItem(o, "capacity")->valueint, 4096);
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(o, "sessions")));
	cJSON_Delete(o);
	o = get_json("/api/v1/dataplane");
	assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "data"), "total"));
	cJSON_Delete(o);
}

static void metrics_are_prometheus_text(void **state)
{
	char *body = NULL;

	(void)state;
	assert_int_equal(mp_http_request(API, "GET", "/metrics", NULL, NULL, 0, &body, 5000), 200);
	assert_non_null(strstr(body, "# TYPE mediaplane_rx_packets_total counter\n"));
	assert_non_null(strstr(body, "mediaplane_drops_total{lcore=\""));
	assert_non_null(strstr(body, "mediaplane_lb_capacity{table=\"sessions\"} 4096\n"));
	assert_non_null(strstr(body, "mediaplane_registrations_total "));
	assert_non_null(strstr(body, "mediaplane_registrations_rejected_total "));
	assert_non_null(strstr(body, "mediaplane_loops_refused_total "));
	assert_non_null(strstr(body, "mediaplane_register_rate_limited_total "));
	free(body);
}

static void bearer_token_guards_registration_not_versions(void **state)
{
	const char *b = "{\"ip\":\"1.2.3.4\",\"server\":\"a\",\"service\":\"b\",\"pid\":\"1\",\"rtmp\":[\"1935\"]}";
	char *resp = NULL;

	(void)state;
	assert_int_equal(post("/api/v1/srs/register", NULL, b, strlen(b), &resp), 401);
	free(resp);
	assert_int_equal(post("/api/v1/srs/register", "Authorization: Bearer wrong\r\n", b, strlen(b), &resp), 401);
	free(resp);
	assert_int_equal(post("/api/v1/srs/register", "Authorization: Bearer s3cret\r\n", b, strlen(b), &resp), 200);
	assert_non_null(strstr(resp, "\"code\":0"));
	free(resp);
	assert_int_equal(mp_http_request(API, "GET", "/api/v1/origins", NULL, NULL, 0, &resp, 5000), 401);
	free(resp);
	assert_int_equal(mp_http_request(API, "GET", "/api/v1/versions", NULL, NULL, 0, &resp, 5000), 200);
	free(resp);
	/* Every other route, known or not, asks for the token first (a stranger learns nothing). */
	static const char *const routes[] = { "/api/v1/origins", "/api/v1/streams", "/api/v1/sessions", "/api/v1/dataplane",
					      "/metrics", "/api/v1/rtmp", "/api/v1/webrtc", "/api/v1/players",
					      "/api/v1/no-such-route", "/" };
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		int code = mp_http_request(API, "GET", routes[i], NULL, NULL, 0, &resp, 5000);

		if (code != 401)
			fail_msg("%s without the token answered %d", routes[i], code);
		free(resp);
		code = mp_http_request(API, "GET", routes[i], "Authorization: Bearer s3cret\r\n", NULL, 0, &resp, 5000);
		if (code == 401)
			fail_msg("%s with the token answered 401", routes[i]);
		free(resp);
	}
}

static void default_backend_is_an_origin_that_stays_alive(void **state)
{
	cJSON *o, *e;

	(void)state;
	sleep(4); /* longer than origin_ttl (3 s): it is refreshed, not registered once */
	o = get_json("/api/v1/origins");
	e = origin_by_key(o, "default-backend-0");
	assert_non_null(e);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(e, "alive")));
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "rtmp"), 0)->valuestring, "198.18.9.9:19350");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "srt"), 0)->valuestring, "198.18.9.9:10081");
	cJSON_Delete(o);
}

int main(void)
{
	const struct CMUnitTest open_api[] = {
		cmocka_unit_test(srs7_heartbeat_with_ip_port_endpoints_registers),
		cmocka_unit_test(proxy_2024_body_and_bare_ports_register),
		cmocka_unit_test(bad_bodies_get_400_with_a_reason),
		cmocka_unit_test(origin_dies_after_its_ttl),
		cmocka_unit_test(query_apis_answer_json),
		cmocka_unit_test(metrics_are_prometheus_text),
	};
	const struct CMUnitTest default_backend[] = {
		cmocka_unit_test(default_backend_is_an_origin_that_stays_alive),
	};
	const struct CMUnitTest auth_api[] = {
		cmocka_unit_test(bearer_token_guards_registration_not_versions),
	};
	int failed;

	if (geteuid() != 0)
		return 77;
	failed = cmocka_run_group_tests_name("open", open_api, setup, teardown);
	failed += cmocka_run_group_tests_name("bearer", auth_api, setup_auth, teardown);
	failed += cmocka_run_group_tests_name("default backend", default_backend, setup_default_backend, teardown);
	return failed;
}
