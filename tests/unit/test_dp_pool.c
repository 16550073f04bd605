/* test_dp_pool.c: the packet pool is sized from the configuration (l3fwd's NB_MBUF, extended to the
 * exception TAPs, the workers' own holdings and the lcore caches), never the old fixed 16383. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dp_pool.h"

/* One worker, one port, 1024/1024 descriptors, no exception path: 2048 + 1184 + 2 x 256 = 3744,
 * + 1/8 = 4212: below the floor, 8191. */
static void a_small_configuration_gets_the_8191_floor(void **state)
{
	struct mp_dp_pool_need n = { .workers = 1, .ports = 1, .rx_desc = 1024, .tx_desc = 1024,
				     .worker_held = 1184, .cache = 256 };

	(void)state;
	assert_int_equal(mp_dp_pool_held(&n), 3744);
	assert_int_equal(mp_dp_pool_size(&n), 8191);
}

/* Every term counts, and the result is the next 2^n - 1 above need + need / 8. */
static void every_ring_queue_and_cache_is_counted(void **state)
{
	/* 2 ports x 4 workers x 4096 = 32768; 2 TAPs x 4 x 1024 = 8192; 4 x 1184 = 4736; 5 x 256 = 1280:
	 * 46976, + 5872 = 52848 -> 65535 */
	struct mp_dp_pool_need n = { .workers = 4, .ports = 2, .rx_desc = 2048, .tx_desc = 2048, .exc_ports = 2,
				     .exc_desc = 512, .worker_held = 1184, .cache = 256 };
	unsigned base;

	(void)state;
	assert_int_equal(mp_dp_pool_size(&n), 65535);
	/* 8 workers: 65536 + 16384 + 9472 + 2304 = 93696, + 11712 = 105408 -> 131071 */
	n.workers = 8;
	assert_int_equal(mp_dp_pool_size(&n), 131071);
	/* one worker more at the edge changes the answer: the workers really are in it */
	n = (struct mp_dp_pool_need){ .workers = 1, .ports = 1, .rx_desc = 4096, .tx_desc = 4096, .cache = 256 };
	base = mp_dp_pool_size(&n); /* 8192 + 512 = 8704 + 1088 = 9792 -> 16383 */
	assert_int_equal(base, 16383);
	n.workers = 2;              /* 16384 + 768 = 17152 + 2144 = 19296 -> 32767 */
	assert_int_equal(mp_dp_pool_size(&n), 32767);
	n.workers = 1;
	n.exc_ports = 1;
	n.exc_desc = 512;           /* + 1024 = 9728 + 1216 = 10944: still 16383 */
	assert_int_equal(mp_dp_pool_size(&n), 16383);
	n.worker_held = 5000;       /* 14728 + 1841 = 16569 -> 32767 */
	assert_int_equal(mp_dp_pool_size(&n), 32767);
}

/* A large appliance: 64 workers x 2 ports x 8192 descriptors does not overflow. */
static void a_large_configuration_does_not_overflow(void **state)
{
	struct mp_dp_pool_need n = { .workers = 64, .ports = 2, .rx_desc = 4096, .tx_desc = 4096, .exc_ports = 2,
				     .exc_desc = 512, .worker_held = 1184, .cache = 512 };

	(void)state;
	/* 1048576 + 131072 + 75776 + 33280 = 1288704, + 161088 = 1449792 -> 2097151 */
	assert_int_equal(mp_dp_pool_size(&n), 2097151);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_small_configuration_gets_the_8191_floor),
		cmocka_unit_test(every_ring_queue_and_cache_is_counted),
		cmocka_unit_test(a_large_configuration_does_not_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
