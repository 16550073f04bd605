/* test_src_limit.c: per-source token buckets: burst, refill, sources apart, rate 0 means no limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "src_limit.h"

static void a_source_gets_its_burst_then_the_rate(void **state)
{
	struct mp_src_limit l;
	int n = 0;

	(void)state;
	assert_int_equal(mp_src_limit_init(&l, 10, 0), 0);
	for (int i = 0; i < 100; i++)
		n += mp_src_limit_take(&l, 0xC6120101u, 1000);
	assert_int_equal(n, 10);                               /* burst: one second's worth */
	assert_false(mp_src_limit_take(&l, 0xC6120101u, 1099)); /* 0.99 token after 99 ms */
	assert_true(mp_src_limit_take(&l, 0xC6120101u, 1100));  /* one after 100 ms */
	assert_false(mp_src_limit_take(&l, 0xC6120101u, 1100));
	n = 0;
	for (int i = 0; i < 100; i++)
		n += mp_src_limit_take(&l, 0xC6120101u, 60000); /* a long pause refills to the burst only */
	assert_int_equal(n, 10);
	assert_true(mp_src_limit_take(&l, 0xC6120102u, 60000)); /* another source has its own bucket */
	mp_src_limit_free(&l);
}

static void many_sources_share_the_table_without_starving_one(void **state)
{
	struct mp_src_limit l;

	(void)state;
	assert_int_equal(mp_src_limit_init(&l, 1, 1), 0);
	assert_true(mp_src_limit_take(&l, 7, 0));
	assert_false(mp_src_limit_take(&l, 7, 0));
	/* 100000 other sources pass through the fixed table: each gets its first token */
	for (uint32_t ip = 100; ip < 100100; ip++)
		assert_true(mp_src_limit_take(&l, ip, 1));
	/* source 7 was evicted at worst: then it starts again with a full bucket, never less */
	assert_true(mp_src_limit_take(&l, 7, 2));
	mp_src_limit_free(&l);
}

static void rate_zero_is_no_limit(void **state)
{
	struct mp_src_limit l;

	(void)state;
	assert_int_equal(mp_src_limit_init(&l, 0, 0), 0);
	for (int i = 0; i < 1000; i++)
		assert_true(mp_src_limit_take(&l, 1, 0));
	mp_src_limit_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_source_gets_its_burst_then_the_rate),
		cmocka_unit_test(many_sources_share_the_table_without_starving_one),
		cmocka_unit_test(rate_zero_is_no_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
