/* test_crc32.c: the table-driven CRC-32 equals the bitwise definition at every length and offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "crc32.h"

/* The definition: one bit at a time, reflected polynomial 0xEDB88320, pre- and post-inverted. */
static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
	}
	return ~c;
}

static void crc32_matches_the_standard_check_value(void **state)
{
	(void)state;
	assert_int_equal(mp_crc32_update(0, (const uint8_t *)"123456789", 9), 0xCBF43926u);
	assert_int_equal(mp_crc32_update(mp_crc32_update(0, (const uint8_t *)"1234", 4),
					 (const uint8_t *)"56789", 5), 0xCBF43926u);
	assert_int_equal(mp_crc32_update(0, NULL, 0), 0);
}

static void crc32_matches_the_bitwise_definition(void **state)
{
	uint8_t buf[300];
	uint32_t x = 12345;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n + off <= sizeof(buf); n += 7)
			assert_int_equal(mp_crc32_update(0, buf + off, n), crc32_bitwise(buf + off, n));
	/* chained updates across a slicing boundary */
	assert_int_equal(mp_crc32_update(mp_crc32_update(0, buf, 13), buf + 13, 100),
			 crc32_bitwise(buf, 113));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc32_matches_the_standard_check_value),
		cmocka_unit_test(crc32_matches_the_bitwise_definition),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
