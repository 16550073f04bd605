/* test_mp_error.c: every error code has its own description; unknown codes are safe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mp_error.h"

static void every_code_has_a_distinct_text(void **state)
{
	(void)state;
	for (int a = 0; a > MP_ERR__LAST; a--) {
		assert_string_not_equal(mp_strerror(a), "unknown error");
		for (int b = a - 1; b > MP_ERR__LAST; b--)
			assert_string_not_equal(mp_strerror(a), mp_strerror(b));
	}
}

static void unknown_codes_are_safe(void **state)
{
	(void)state;
	assert_string_equal(mp_strerror(1), "unknown error");
	assert_string_equal(mp_strerror(MP_ERR__LAST), "unknown error");
	assert_string_equal(mp_strerror(-100000), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_code_has_a_distinct_text),
		cmocka_unit_test(unknown_codes_are_safe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
