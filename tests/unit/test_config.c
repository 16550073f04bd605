/* test_config.c: config defaults, file, PROXY_* environment, command line and every startup error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_args.h"
#include "config.h"
#include "mp_error.h"

static char tmpfile_path[64];

static const char *write_conf(const char *text)
{
	FILE *f;
	int fd;

	snprintf(tmpfile_path, sizeof(tmpfile_path), "/tmp/mp-test-config.XXXXXX");
	fd = mkstemp(tmpfile_path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return tmpfile_path;
}

static void defaults_are_the_documented_default_mode(void **state)
{
	struct mp_config c;
	char err[256];

	(void)state;
	mp_config_defaults(&c);
	assert_int_equal(mp_config_validate(&c, err, sizeof(err)), MP_OK);
	assert_int_equal(c.rtmp_listen.port, 1935);
	assert_int_equal(c.http_listen.port, 8080);
	assert_int_equal(c.api_listen.port, 1985);
	assert_int_equal(c.system_api_listen.port, 12025);
	assert_int_equal(c.system_api_listen.ipv4, 0);
	assert_int_equal(c.webrtc_port, 8000);
	assert_int_equal(c.srt_port, 10080);
	assert_int_equal(c.public_ip.ipv4, 0xC6120002); /* 198.18.0.2 */
	assert_int_equal(c.public_ip.prefix, 24);
	assert_int_equal(c.public_gateway, 0xC6120001);
	assert_int_equal(c.tap_host_ip.ipv4, 0xC6120001);
	assert_string_equal(c.tap_name, "mp0");
	assert_string_equal(c.lb_type, "memory");
	assert_int_equal(c.origin_ttl_ms, 300000);
	assert_int_equal(c.webrtc_idle_ms, 30000);
	assert_int_equal(c.srt_idle_ms, 10000);
	assert_true(c.max_sessions >= 1000000);
	assert_true(c.max_streams >= 100000);
	assert_true(c.max_origins >= 10000);
	assert_string_equal(c.public_port, "");
}

static void file_sets_keys_with_comments_and_quotes(void **state)
{
	struct mp_config c;
	char err[256];
	const char *p = write_conf("# a comment\n\n rtmp_listen = 127.0.0.1:11935  # trailing comment\n"
				   "srt_port=20080\nredis_password = \"p#ss word\"\npublic_ip = 198.18.5.2/16\n"
				   "webrtc_idle_timeout = 1500ms\norigin_ttl = 2m\napi_auth_enabled = on\n"
				   "api_auth_token = abc\n");

	(void)state;
	mp_config_defaults(&c);
	assert_int_equal(mp_config_load_file(&c, p, err, sizeof(err)), MP_OK);
	unlink(p);
	assert_int_equal(c.rtmp_listen.ipv4, 0x7f000001);
	assert_int_equal(c.rtmp_listen.port, 11935);
	assert_int_equal(c.srt_port, 20080);
	assert_string_equal(c.redis_password, "p#ss word");
	assert_int_equal(c.public_ip.ipv4, 0xC6120502);
	assert_int_equal(c.public_ip.prefix, 16);
	assert_int_equal(c.webrtc_idle_ms, 1500);
	assert_int_equal(c.origin_ttl_ms, 120000);
	assert_true(c.api_auth_enabled);
	assert_int_equal(mp_config_validate(&c, err, sizeof(err)), MP_OK);
}

static void file_unknown_key_names_key_and_line(void **state)
{
	struct mp_config c;
	char err[256];
	const char *p = write_conf("srt_port = 20080\n# ok\nwebrtc_prot = 9000\n");

	(void)state;
	mp_config_defaults(&c);
	assert_int_equal(mp_config_load_file(&c, p, err, sizeof(err)), MP_ERR_CONFIG);
	assert_non_null(strstr(err, ":3: unknown key 'webrtc_prot'"));
	unlink(p);
}

static void file_bad_value_names_key_line_and_expectation(void **state)
{
	struct mp_config c;
	char err[256];
	const char *p = write_conf("\n\nsrt_port = 70000\n");

	(void)state;
	mp_config_defaults(&c);
	assert_int_equal(mp_config_load_file(&c, p, err, sizeof(err)), MP_ERR_CONFIG);
	assert_non_null(strstr(err, ":3: key 'srt_port': bad value '70000'"));
	assert_non_null(strstr(err, "port 1-65535"));
	unlink(p);
}

static void file_line_without_equals_is_an_error(void **state)
{
	struct mp_config c;
	char err[256];
	const char *p = write_conf("srt_port 20080\n");

	(void)state;
	mp_config_defaults(&c);
	assert_int_equal(mp_config_load_file(&c, p, err, sizeof(err)), MP_ERR_CONFIG);
	assert_non_null(strstr(err, ":1: expected 'key = value'"));
	unlink(p);
}

static void missing_file_is_named(void **state)
{
	struct mp_config c;
	char err[256];

	(void)state;
	mp_config_defaults(&c);
	assert_int_equal(mp_config_load_file(&c, "/nonexistent/mp.conf", err, sizeof(err)), MP_ERR_CONFIG);
	assert_non_null(strstr(err, "/nonexistent/mp.conf"));
}

static void every_value_type_rejects_junk(void **state)
{
	static const char *const bad[][2] = {
		{ "rtmp_listen", "1.2.3:1935" }, { "rtmp_listen", "0" },      { "public_ip", "198.18.0.2/33" },
		{ "public_gateway", "gw" },     { "vlan_id", "-1" },         { "workers", "4294967296" },
		{ "origin_ttl", "5 days" },      { "api_auth_enabled", "maybe" }, { "lb_type", "etcd" },
		{ "log_level", "loud" },         { "nat_port_min", "0" },      { "tap_name", "a-very-long-interface-name" },
		{ "srt_port", "" },
	};
	struct mp_config c;
	char err[256];

	(void)state;
	mp_config_defaults(&c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mp_config_set(&c, bad[i][0], bad[i][1], "test", err, sizeof(err)), MP_ERR_CONFIG);
		assert_non_null(strstr(err, bad[i][0]));
	}
}

static void ipv6_interface_addresses_parse_or_are_refused(void **state)
{
	static const uint8_t want[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	static const char *const bad[] = { "2001:db8::2/129", "2001:db8::zz/64", "198.18.0.2/24", "", "on" };
	struct mp_config c;
	char err[256];

	(void)state;
	mp_config_defaults(&c);
	assert_false(c.public_ip6.set); /* off by default: no IPv6 on the data plane */
	assert_false(c.public_gateway6.set);
	assert_int_equal(mp_config_set(&c, "public_ip6", "2001:db8::2/64", "t", err, sizeof(err)), MP_OK);
	assert_true(c.public_ip6.set);
	assert_int_equal(c.public_ip6.prefix, 64);
	assert_memory_equal(c.public_ip6.ip6, want, 16);
	assert_int_equal(mp_config_set(&c, "public-gateway6", "fe80::1", "t", err, sizeof(err)), MP_OK);
	assert_true(c.public_gateway6.set);
	assert_int_equal(c.public_gateway6.prefix, 128);
	assert_int_equal(c.public_gateway6.ip6[0], 0xfe);
	assert_int_equal(mp_config_set(&c, "public_ip6", "off", "t", err, sizeof(err)), MP_OK);
	assert_false(c.public_ip6.set);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mp_config_set(&c, "private_ip6", bad[i], "test", err, sizeof(err)), MP_ERR_CONFIG);
		assert_non_null(strstr(err, "private_ip6"));
	}
}

static void srs_proxy_environment_names_carry_over(void **state)
{
	char *env[] = { "PROXY_RTMP_SERVER=11935", "PROXY_HTTP_SERVER=18080", "PROXY_HTTP_API=11985",
			"PROXY_WEBRTC_SERVER=18000", "PROXY_SRT_SERVER=20080", "PROXY_SYSTEM_API=12026",
			"PROXY_LOAD_BALANCER_TYPE=redis", "PROXY_REDIS_HOST=198.18.1.1", "PROXY_REDIS_PORT=6380",
			"PROXY_REDIS_PASSWORD=pw", "PROXY_REDIS_DB=3", "PROXY_REDIS_KEY_PREFIX=edge",
			"PROXY_ORIGIN_SERVER_TTL=60s", "PROXY_DEFAULT_BACKEND_ENABLED=on",
			"PROXY_DEFAULT_BACKEND_IP=198.18.2.2", "PROXY_DEFAULT_BACKEND_SRT=10081",
			"PROXY_HTTP_API_AUTH_ENABLED=on", "PROXY_HTTP_API_AUTH_TYPE=bearer",
			"PROXY_HTTP_API_AUTH_TOKEN=tok", "PROXY_GRACE_QUIT_TIMEOUT=5s", "MEDIAPLANE_WORKERS=2",
			"HOME=/root", NULL };
	struct mp_config c;
	char err[256];

	(void)state;
	mp_config_defaults(&c);
	assert_int_equal(mp_config_load_env(&c, env, err, sizeof(err)), MP_OK);
	assert_int_equal(c.rtmp_listen.port, 11935);
	assert_int_equal(c.http_listen.port, 18080);
	assert_int_equal(c.api_listen.port, 11985);
	assert_int_equal(c.webrtc_port, 18000);
	assert_int_equal(c.srt_port, 20080);
	assert_int_equal(c.system_api_listen.port, 12026);
	assert_string_equal(c.lb_type, "redis");
	assert_string_equal(c.redis_host, "198.18.1.1");
	assert_int_equal(c.redis_port, 6380);
	assert_string_equal(c.redis_password, "pw");
	assert_int_equal(c.redis_db, 3);
	assert_string_equal(c.redis_key_prefix, "edge");
	assert_int_equal(c.origin_ttl_ms, 60000);
	assert_true(c.default_backend_enabled);
	assert_string_equal(c.default_backend_ip, "198.18.2.2");
	assert_string_equal(c.default_backend_srt, "10081");
	assert_true(c.api_auth_enabled);
	assert_string_equal(c.api_auth_token, "tok");
	assert_int_equal(c.grace_quit_ms, 5000);
	assert_int_equal(c.workers, 2);
	assert_int_equal(mp_config_validate(&c, err, sizeof(err)), MP_OK);
}

static void bad_environment_value_names_the_variable(void **state)
{
	char *env[] = { "PROXY_LOAD_BALANCER_TYPE=etcd", NULL };
	struct mp_config c;
	char err[256];

	(void)state;
	mp_config_defaults(&c);
	assert_int_equal(mp_config_load_env(&c, env, err, sizeof(err)), MP_ERR_CONFIG);
	assert_non_null(strstr(err, "PROXY_LOAD_BALANCER_TYPE"));
	assert_non_null(strstr(err, "memory|redis"));
}

static void validate_rejects_inconsistent_settings(void **state)
{
	static const char *const cases[][3] = {
		/* key, value, word the error must contain */
		{ "api_auth_enabled", "on", "PROXY_HTTP_API_AUTH_TOKEN" },
		{ "nat_port_min", "7000", "nat_port_min" },
		{ "nat_port_max", "10000", "nat_port_min" },
		{ "srt_port", "8000", "srt_port" },
		{ "workers", "0", "workers" },
		{ "mbufs", "10", "mbufs" },
		{ "private_port", "net_tap1", "private_ip" },
		{ "rtmps_listen", "443", "tls_cert" },
		{ "https_api_listen", "1990", "tls_cert" },
		{ "https_stream_listen", "8088", "tls_cert" },
		{ "https_system_api_listen", "12026", "tls_cert" },
	};
	struct mp_config c;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mp_config_defaults(&c);
		assert_int_equal(mp_config_set(&c, cases[i][0], cases[i][1], "t", err, sizeof(err)), MP_OK);
		assert_int_equal(mp_config_validate(&c, err, sizeof(err)), MP_ERR_CONFIG);
		assert_non_null(strstr(err, cases[i][2]));
	}
	mp_config_defaults(&c);
	mp_config_set(&c, "api_auth_enabled", "on", "t", err, sizeof(err));
	mp_config_set(&c, "api_auth_token", "x", "t", err, sizeof(err));
	assert_int_equal(mp_config_validate(&c, err, sizeof(err)), MP_OK);
	/* a TLS listener needs both files */
	mp_config_set(&c, "rtmps_listen", "443", "t", err, sizeof(err));
	mp_config_set(&c, "tls_cert", "/etc/mp/cert.pem", "t", err, sizeof(err));
	assert_int_equal(mp_config_validate(&c, err, sizeof(err)), MP_ERR_CONFIG);
	assert_non_null(strstr(err, "tls_key"));
	mp_config_set(&c, "tls_key", "/etc/mp/key.pem", "t", err, sizeof(err));
	assert_int_equal(mp_config_validate(&c, err, sizeof(err)), MP_OK);
	/* a fleet's session records may outlive their sessions by fleet_record_ttl: not past nat_port_quiet */
	mp_config_defaults(&c);
	assert_int_equal(mp_config_set(&c, "lb_type", "redis", "t", err, sizeof(err)), MP_OK);
	assert_int_equal(mp_config_set(&c, "service_ip", "198.18.100.1", "t", err, sizeof(err)), MP_OK);
	assert_int_equal(mp_config_set(&c, "fleet_size", "2", "t", err, sizeof(err)), MP_OK);
	assert_int_equal(mp_config_validate(&c, err, sizeof(err)), MP_OK);
	assert_int_equal(mp_config_set(&c, "fleet_record_ttl", "90s", "t", err, sizeof(err)), MP_OK);
	assert_int_equal(mp_config_validate(&c, err, sizeof(err)), MP_ERR_CONFIG);
	assert_non_null(strstr(err, "fleet_record_ttl"));
	assert_int_equal(mp_config_set(&c, "nat_port_quiet", "90s", "t", err, sizeof(err)), MP_OK);
	assert_int_equal(mp_config_validate(&c, err, sizeof(err)), MP_OK);
}

static void command_line_overrides_and_splits_eal_options(void **state)
{
	char *argv[] = { "mediaplane", "--vdev=net_ring0", "-l", "0-1", "--", "--srt-port=20080",
			 "--public_ip", "198.18.9.2/24", "-c", "/etc/mp.conf", NULL };
	struct mp_app_args a;
	struct mp_config c;
	char err[256];

	(void)state;
	mp_config_defaults(&c);
	assert_int_equal(mp_app_args_parse(10, argv, &a, &c, err, sizeof(err)), MP_OK);
	assert_int_equal(a.eal_argc, 3);
	assert_string_equal(a.eal_argv[0], "--vdev=net_ring0");
	assert_string_equal(a.config_file, "/etc/mp.conf");
	assert_int_equal(c.srt_port, 20080);
	assert_int_equal(c.public_ip.ipv4, 0xC6120902);
}

static void command_line_errors_name_the_option(void **state)
{
	char *argv1[] = { "mediaplane", "--", "--nosuch=1", NULL };
	char *argv2[] = { "mediaplane", "--", "--srt-port", NULL };
	char *argv3[] = { "mediaplane", "--", "stray", NULL };
	struct mp_app_args a;
	struct mp_config c;
	char err[256];

	(void)state;
	mp_config_defaults(&c);
	assert_int_equal(mp_app_args_parse(3, argv1, &a, &c, err, sizeof(err)), MP_ERR_CONFIG);
	assert_non_null(strstr(err, "unknown key 'nosuch'"));
	assert_int_equal(mp_app_args_parse(3, argv2, &a, &c, err, sizeof(err)), MP_ERR_CONFIG);
	assert_non_null(strstr(err, "--srt-port needs a value"));
	assert_int_equal(mp_app_args_parse(3, argv3, &a, &c, err, sizeof(err)), MP_ERR_CONFIG);
	assert_non_null(strstr(err, "stray"));
}

static void every_key_is_documented(void **state)
{
	size_t len;
	char *doc;
	const char *dir = getenv("MP_SOURCE_DIR");
	char path[512];
	FILE *f;
	long n;

	(void)state;
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/docs/config.md", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	doc = calloc(1, (size_t)n + 1);
	len = fread(doc, 1, (size_t)n, f);
	fclose(f);
	assert_int_equal(len, (size_t)n);
	for (size_t i = 0; mp_config_key(i, NULL, NULL, NULL); i++) {
		char needle[80];
		const char *env;

		snprintf(needle, sizeof(needle), "`%s`", mp_config_key(i, NULL, NULL, &env));
		if (!strstr(doc, needle))
			fail_msg("docs/config.md does not document key %s", needle);
		if (env) {
			snprintf(needle, sizeof(needle), "`%s`", env);
			if (!strstr(doc, needle))
				fail_msg("docs/config.md does not name environment variable %s", needle);
		}
	}
	free(doc);
}

static void dump_shows_every_key_and_hides_secrets(void **state)
{
	struct mp_config c;
	char err[64], out[16384];

	(void)state;
	mp_config_defaults(&c);
	mp_config_set(&c, "redis_password", "hunter2", "t", err, sizeof(err));
	mp_config_dump(&c, out, sizeof(out));
	for (size_t i = 0; mp_config_key(i, NULL, NULL, NULL); i++)
		assert_non_null(strstr(out, mp_config_key(i, NULL, NULL, NULL)));
	assert_null(strstr(out, "hunter2"));
	assert_non_null(strstr(out, "system_api_listen = 0.0.0.0:12025"));
}

struct seen_keys {
	char names[512];
	int live, restart;
};

static void note_change(const char *key, bool live, const char *old_value, const char *new_value, void *ctx)
{
	struct seen_keys *k = ctx;
	size_t n = strlen(k->names);

	(void)old_value;
	(void)new_value;
	snprintf(k->names + n, sizeof(k->names) - n, "%s%s", n ? "," : "", key);
	if (live)
		k->live++;
	else
		k->restart++;
}

static void reload_applies_live_keys_only_and_names_the_rest(void **state)
{
	static struct mp_config running, previous, next;
	struct seen_keys k = { "", 0, 0 };
	char err[256];

	(void)state;
	mp_config_defaults(&running);
	previous = running;
	next = running;
	assert_int_equal(mp_config_reload(&running, &previous, &next, note_change, &k), 0);
	assert_int_equal(mp_config_set(&next, "origin_ttl", "7s", "test", err, sizeof(err)), MP_OK);
	assert_int_equal(mp_config_set(&next, "log_levels", "lb=debug", "test", err, sizeof(err)), MP_OK);
	assert_int_equal(mp_config_set(&next, "workers", "4", "test", err, sizeof(err)), MP_OK);
	assert_int_equal(mp_config_set(&next, "api_auth_token", "new-secret", "test", err, sizeof(err)), MP_OK);
	assert_int_equal(mp_config_reload(&running, &previous, &next, note_change, &k), 4);
	assert_string_equal(k.names, "api_auth_token,workers,origin_ttl,log_levels"); /* table order */
	assert_int_equal(k.live, 3);
	assert_int_equal(k.restart, 1);
	assert_int_equal(running.origin_ttl_ms, 7000);
	assert_string_equal(running.log_levels, "lb=debug");
	assert_string_equal(running.api_auth_token, "new-secret");
	assert_int_equal(running.workers, 1); /* a restart applies it */
}

/* Every key marked live in the table is listed as such in docs/config.md, and no other. */
static void live_keys_are_documented(void **state)
{
	char path[512], *doc, *sec;
	const char *dir = getenv("MP_SOURCE_DIR");
	FILE *f;
	long n;

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/config.md", dir ? dir : "..");
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	doc = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(doc, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	sec = strstr(doc, "Keys that apply live on a reload:");
	assert_non_null(sec);
	*strchr(sec, '\n') = 0;
	for (size_t i = 0; mp_config_key(i, NULL, NULL, NULL); i++) {
		char needle[80];

		snprintf(needle, sizeof(needle), "`%s`", mp_config_key(i, NULL, NULL, NULL));
		if (mp_config_key_live(i) != (strstr(sec, needle) != NULL))
			fail_msg("docs/config.md: key %s is%s live in the table", needle, mp_config_key_live(i) ? "" : " not");
	}
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_the_documented_default_mode),
		cmocka_unit_test(file_sets_keys_with_comments_and_quotes),
		cmocka_unit_test(file_unknown_key_names_key_and_line),
		cmocka_unit_test(file_bad_value_names_key_line_and_expectation),
		cmocka_unit_test(file_line_without_equals_is_an_error),
		cmocka_unit_test(missing_file_is_named),
		cmocka_unit_test(every_value_type_rejects_junk),
		cmocka_unit_test(srs_proxy_environment_names_carry_over),
		cmocka_unit_test(bad_environment_value_names_the_variable),
		cmocka_unit_test(validate_rejects_inconsistent_settings),
		cmocka_unit_test(command_line_overrides_and_splits_eal_options),
		cmocka_unit_test(command_line_errors_name_the_option),
		cmocka_unit_test(every_key_is_documented),
		cmocka_unit_test(ipv6_interface_addresses_parse_or_are_refused),
		cmocka_unit_test(dump_shows_every_key_and_hides_secrets),
		cmocka_unit_test(reload_applies_live_keys_only_and_names_the_rest),
		cmocka_unit_test(live_keys_are_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
