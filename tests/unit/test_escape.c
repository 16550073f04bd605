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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes_terminal_controls_and_line_breaks),
		cmocka_unit_test(escapes_nul_backslash_and_high_bytes),
		cmocka_unit_test(never_writes_half_an_escape),
		cmocka_unit_test(finds_control_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
