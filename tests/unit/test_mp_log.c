/* test_mp_log.c: per-module levels, text and JSON lines, call-site rate limit, the defer hook (workers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mp_error.h"
#include "mp_log.h"

/* Run fn with stderr going to a file; return what it wrote (static buffer). */
static const char *captured(void (*fn)(void))
{
	static char buf[65536];
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	assert_non_null(tmp);
	dup2(fileno(tmp), STDERR_FILENO);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = 0;
	fclose(tmp);
	return buf;
}

static void log_per_module(void)
{
	MP_LOGM(MP_LOGM_LB, MP_LOG_DEBUG, "lb debug %d", 1);
	MP_LOGM(MP_LOGM_DP, MP_LOG_INFO, "dp info %d", 2);
	MP_LOGM(MP_LOGM_DP, MP_LOG_WARN, "dp warn %d", 3);
}

static void module_levels_filter_each_module(void **state)
{
	(void)state;
	mp_log_set_json(false);
	mp_log_set_level(MP_LOG_INFO);
	mp_log_set_module_level(MP_LOGM_LB, MP_LOG_DEBUG);
	mp_log_set_module_level(MP_LOGM_DP, MP_LOG_WARN);
	const char *out = captured(log_per_module);
	assert_non_null(strstr(out, " debug mediaplane.lb: lb debug 1\n"));
	assert_null(strstr(out, "dp info 2"));
	assert_non_null(strstr(out, " warn mediaplane.dp: dp warn 3\n"));
	mp_log_set_level(MP_LOG_INFO);
	assert_int_equal(mp_log_get_module_level(MP_LOGM_DP), MP_LOG_INFO);
}

static void log_hostile(void)
{
	MP_LOGM(MP_LOGM_SYSAPI, MP_LOG_WARN, "origin %s", "a\"b\\c\n2026 error forged");
}

static void json_lines_escape_quotes_and_controls(void **state)
{
	(void)state;
	mp_log_set_json(true);
	const char *out = captured(log_hostile);
	mp_log_set_json(false);
	assert_non_null(strstr(out, "{\"ts\":\""));
	assert_non_null(strstr(out, "\"level\":\"warn\",\"module\":\"mediaplane.sysapi\",\"msg\":\"origin a\\\"b\\\\\\\\c\\\\x0a2026 error forged\"}\n"));
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1); /* one line */
}

static void log_many(void)
{
	for (int i = 0; i < 200; i++)
		MP_LOGM(MP_LOGM_APP, MP_LOG_INFO, "same site %d", i);
}

static void repeats_of_one_call_site_are_rate_limited(void **state)
{
	int lines = 0;

	(void)state;
	const char *out = captured(log_many);
	for (const char *p = out; (p = strstr(p, "same site")); p++)
		lines++;
	/* At most a burst per second; the loop may straddle one second boundary. */
	assert_true(lines >= MP_LOG_BURST);
	assert_true(lines <= 2 * MP_LOG_BURST);
}

static struct mp_log_record taken[4];
static int n_taken;
static bool take(const struct mp_log_record *r, void *ctx)
{
	(void)ctx;
	if (n_taken < 4)
		taken[n_taken++] = *r;
	return true;
}

static void log_two(void)
{
	MP_LOGM(MP_LOGM_SRT, MP_LOG_INFO, "handshake from %s rejected", "198.18.0.9:5000");
	MP_LOGM(MP_LOGM_SRT, MP_LOG_DEBUG, "not enabled");
}

static void a_deferring_thread_never_writes(void **state)
{
	char line[1024];

	(void)state;
	mp_log_set_defer(take, NULL);
	const char *out = captured(log_two);
	mp_log_set_defer(NULL, NULL);
	assert_string_equal(out, "");
	assert_int_equal(n_taken, 1);
	assert_int_equal(taken[0].module, MP_LOGM_SRT);
	assert_string_equal(taken[0].text, "handshake from 198.18.0.9:5000 rejected");
	mp_log_format(&taken[0], line, sizeof(line));
	assert_non_null(strstr(line, " info mediaplane.srt: handshake from 198.18.0.9:5000 rejected\n"));
}

static void levels_spec_parses_modules_and_refuses_junk(void **state)
{
	uint8_t lv[MP_LOGM__COUNT];
	enum mp_log_module m;

	(void)state;
	assert_int_equal(mp_log_levels_parse("lb=debug, mediaplane.srt=warn", lv), MP_OK);
	assert_int_equal(lv[MP_LOGM_LB], MP_LOG_DEBUG);
	assert_int_equal(lv[MP_LOGM_SRT], MP_LOG_WARN);
	assert_int_equal(lv[MP_LOGM_DP], 0xff);
	assert_int_equal(mp_log_levels_parse("", lv), MP_OK);
	assert_int_equal(mp_log_levels_parse("lb", lv), MP_ERR_INVAL);
	assert_int_equal(mp_log_levels_parse("nope=debug", lv), MP_ERR_INVAL);
	assert_int_equal(mp_log_levels_parse("lb=loud", lv), MP_ERR_INVAL);
	assert_int_equal(mp_log_parse_module("mediaplane.rtmp", &m), MP_OK);
	assert_int_equal(m, MP_LOGM_RTMP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(module_levels_filter_each_module),
		cmocka_unit_test(json_lines_escape_quotes_and_controls),
		cmocka_unit_test(repeats_of_one_call_site_are_rate_limited),
		cmocka_unit_test(a_deferring_thread_never_writes),
		cmocka_unit_test(levels_spec_parses_modules_and_refuses_junk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
