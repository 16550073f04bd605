/* test_escape.c: network strings made safe for a log line or a terminal (ESC, CR LF, NUL, backslash). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mp_escape.h"

static void escapes_terminal_controls_and_line_breaks(void **state)
{
	char out[128];
	const char in[] = "srv\x1b[2J\r\n2024-01-01 error forged";

	(void)state;
	mp_escape(in, sizeof(in) - 1, out, sizeof(out));
	assert_string_equal(out, "srv\\x1b[2J\\x0d\\x0a2024-01-01 error forged");
	assert_null(strchr(out, '\n'));
	assert_null(strchr(out, '\x1b'));
}

static void escapes_nul_backslash_and_high_bytes(void **state)
{
	char out[64];
	const char in[] = { 'a', 0, 'b', '\\', (char)0x9b, (char)0xc3, (char)0xa9, 0x7f };

	(void)state;
	size_t n = mp_escape(in, sizeof(in), out, sizeof(out));

	assert_int_equal(n, strlen(out));
	assert_string_equal(out, "a\\x00b\\\\\\x9b\\xc3\\xa9\\x7f");
}

static void never_writes_half_an_escape(void **state)
{
	char out[6];

	(void)state;
	assert_int_equal(mp_escape("ab\x1b", 3, out, sizeof(out)), 2); /* "\x1b" needs 4 bytes + NUL */
	assert_string_equal(out, "ab");
	assert_int_equal(mp_escape("abcdefgh", 8, out, sizeof(out)), 5);
	assert_string_equal(out, "abcde");
	assert_int_equal(mp_escape("x", 1, out, 0), 0);
}

static void finds_control_bytes(void **state)
{
	(void)state;
	assert_false(mp_has_control("vid-448kd71 srs/7.0", 19));
	assert_true(mp_has_control("a\x1b", 2));
	assert_true(mp_has_control("a\rb", 3));
	assert_true(mp_has_control("a\0b", 3));
	assert_true(mp_has_control("\x7f", 1));
	assert_false(mp_has_control("caf\xc3\xa9", 5)); /* UTF-8 is text, not control */
}

static void client_errors_name_no_ipv4_address(void **state)
{
	char out[160];

	(void)state;
	/* the text issue 13 measured going to an RTMP publisher */
	assert_int_equal(mp_redact_addrs("the origin at 198.18.0.1:19351 cannot be reached", out, sizeof(out)), 1);
	assert_string_equal(out, "the origin at " MP_REDACTED_ADDR " cannot be reached");
	assert_int_equal(mp_redact_addrs("origin 10.0.0.7 timed out; endpoint 10.0.0.8:8080", out, sizeof(out)), 2);
	assert_string_equal(out, "origin " MP_REDACTED_ADDR " timed out; endpoint " MP_REDACTED_ADDR);
	assert_int_equal(mp_redact_addrs("1.2.3.4", out, sizeof(out)), 1);
	assert_string_equal(out, MP_REDACTED_ADDR);
	assert_null(strstr(out, "1.2"));
}

/* Issue 16: origins on IPv6, in the forms relays write them. */
static void ipv6_origin_addresses_are_withheld(void **state)
{
	char out[200];

	(void)state;
	assert_int_equal(mp_redact_addrs("the origin at [2001:db8::1]:1935 cannot be reached", out, sizeof(out)), 1);
	assert_string_equal(out, "the origin at " MP_REDACTED_ADDR " cannot be reached");
	assert_int_equal(mp_redact_addrs("origin [fd00:198:18::2]:8080 timed out; also 2001:db8:0:1::5 and 198.18.0.1",
					 out, sizeof(out)), 3);
	assert_string_equal(out, "origin " MP_REDACTED_ADDR " timed out; also " MP_REDACTED_ADDR " and " MP_REDACTED_ADDR);
	assert_int_equal(mp_redact_addrs("mapped ::ffff:198.18.0.9 here", out, sizeof(out)), 1);
	assert_null(strstr(out, "198"));
	assert_int_equal(mp_redact_addrs("[::1]", out, sizeof(out)), 1);
	assert_string_equal(out, MP_REDACTED_ADDR);
	/* times, ratios, stream keys and hex words stay */
	assert_int_equal(mp_redact_addrs("at 12:30:45, live/cafe:1 a:b deadbeef::x [zz::1]:80", out, sizeof(out)), 0);
	assert_string_equal(out, "at 12:30:45, live/cafe:1 a:b deadbeef::x [zz::1]:80");
	/* the old name redacts the same */
	assert_int_equal(mp_redact_addrs("[2001:db8::1]:1935", out, sizeof(out)), 1);
}

static void leaves_versions_and_numbers_alone(void **state)
{
	char out[160];

	(void)state;
	assert_int_equal(mp_redact_addrs("SRS/7.0.12 live/stream.1 1.2.3 1.2.3.4.5 1234.1.1.1 port 1935", out, sizeof(out)), 0);
	assert_string_equal(out, "SRS/7.0.12 live/stream.1 1.2.3 1.2.3.4.5 1234.1.1.1 port 1935");
	assert_int_equal(mp_redact_addrs("", out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void redacted_text_is_cut_to_the_buffer(void **state)
{
	char out[8];

	(void)state;
	mp_redact_addrs("at 192.168.1.1 now", out, sizeof(out));
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_null(strstr(out, "192"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes_terminal_controls_and_line_breaks),
		cmocka_unit_test(escapes_nul_backslash_and_high_bytes),
		cmocka_unit_test(never_writes_half_an_escape),
		cmocka_unit_test(finds_control_bytes),
		cmocka_unit_test(client_errors_name_no_ipv4_address),
		cmocka_unit_test(ipv6_origin_addresses_are_withheld),
		cmocka_unit_test(leaves_versions_and_numbers_alone),
		cmocka_unit_test(redacted_text_is_cut_to_the_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
