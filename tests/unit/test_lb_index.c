/* test_lb_index.c: the session indexes' cuckoo table (lb/lb_index.h): capacity, deletes, and readers during moves. */
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <rte_memory.h>

#include "lb_index.h"
#include "mp_error.h"
#include "test_eal.h"

static int eal_setup(void **state)
{
	(void)state;
	return mp_test_eal_init("mptest-lbix", 256, NULL) < 0 ? -1 : 0;
}

static int eal_teardown(void **state)
{
	(void)state;
	mp_test_eal_cleanup();
	return 0;
}

static uint64_t key_of(uint32_t i)
{
	return mp_lb_ix_mix((uint64_t)i * 2654435761u + 12345); /* distinct per i (the mix is a bijection) */
}

static bool take_any(const void *ctx, uint64_t v)
{
	(void)ctx;
	(void)v;
	return true;
}

static bool take_val(const void *ctx, uint64_t v)
{
	return v == *(const uint64_t *)ctx;
}

static void index_holds_its_stated_key_count_and_finds_every_key(void **state)
{
	(void)state;
	const uint32_t n = 200000;
	struct mp_lb_ix ix;
	assert_int_equal(mp_lb_ix_init(&ix, "t_ix_full", n, 0x1234, SOCKET_ID_ANY), MP_OK);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(mp_lb_ix_add(&ix, key_of(i), (uint64_t)i + 1), MP_OK);
	assert_int_equal(ix.count, n);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(mp_lb_ix_find(&ix, key_of(i), take_any, NULL), (uint64_t)i + 1);
	assert_int_equal(mp_lb_ix_find(&ix, key_of(n), take_any, NULL), 0);
	/* Half go, their slots are taken again by other keys, and every key present is still found. */
	for (uint32_t i = 0; i < n; i += 2)
		assert_true(mp_lb_ix_del(&ix, key_of(i), (uint64_t)i + 1));
	assert_false(mp_lb_ix_del(&ix, key_of(0), 1));
	for (uint32_t i = 0; i < n; i += 2)
		assert_int_equal(mp_lb_ix_add(&ix, key_of(n + i), (uint64_t)i + 7), MP_OK);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t want = i % 2 ? (uint64_t)i + 1 : 0;
		assert_int_equal(mp_lb_ix_find(&ix, key_of(i), take_any, NULL), want);
		if (i % 2 == 0)
			assert_int_equal(mp_lb_ix_get(&ix, key_of(n + i)), (uint64_t)i + 7);
	}
	mp_lb_ix_fini(&ix);
}

static void entries_sharing_a_key_are_told_apart_by_the_callers_check(void **state)
{
	(void)state;
	struct mp_lb_ix ix;
	assert_int_equal(mp_lb_ix_init(&ix, "t_ix_dup", 64, 1, SOCKET_ID_ANY), MP_OK);
	/* the tuple index keys by a hash: two tuples may share it */
	assert_int_equal(mp_lb_ix_add(&ix, 42, 5), MP_OK);
	assert_int_equal(mp_lb_ix_add(&ix, 42, 9), MP_OK);
	uint64_t want = 9;
	assert_int_equal(mp_lb_ix_find(&ix, 42, take_val, &want), 9);
	want = 5;
	assert_int_equal(mp_lb_ix_find(&ix, 42, take_val, &want), 5);
	assert_true(mp_lb_ix_set(&ix, 42, 5, 6));
	assert_int_equal(mp_lb_ix_find(&ix, 42, take_val, &want), 0);
	want = 6;
	assert_int_equal(mp_lb_ix_find(&ix, 42, take_val, &want), 6);
	assert_true(mp_lb_ix_del(&ix, 42, 9));
	assert_int_equal(mp_lb_ix_get(&ix, 42), 6);
	assert_int_equal(mp_lb_ix_put(&ix, 42, 8), MP_OK); /* put overwrites a unique key */
	assert_int_equal(mp_lb_ix_get(&ix, 42), 8);
	assert_true(mp_lb_ix_remove(&ix, 42));
	assert_int_equal(mp_lb_ix_get(&ix, 42), 0);
	assert_int_equal(ix.count, 0);
	mp_lb_ix_fini(&ix);
}

#define STABLE 1000u
struct race {
	struct mp_lb_ix ix;
	atomic_bool stop;
	atomic_ulong misses, lookups;
};

/* The bulk lookup's first steps (mp_lb_ix_peek_bulk) find a key wherever it sits: in its first bucket
 * (read at once) or its second (read only on a miss in the first), and say 0 for a key that is absent. */
static void bulk_peek_finds_keys_in_either_bucket_and_misses_absent_ones(void **state)
{
	(void)state;
	const uint32_t n = 20000;
	static char rec[64]; /* values above max name no record: nothing is prefetched for them */
	struct mp_lb_ix ix;
	assert_int_equal(mp_lb_ix_init(&ix, "t_ix_bulk", n, 0x4321, SOCKET_ID_ANY), MP_OK);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(mp_lb_ix_add(&ix, key_of(i), (uint64_t)i + 1), MP_OK);
	uint32_t in_second = 0;
	for (uint32_t base = 0; base < n + MP_LB_IX_BULK_MAX; base += MP_LB_IX_BULK_MAX) {
		uint64_t keys[MP_LB_IX_BULK_MAX], v[MP_LB_IX_BULK_MAX];
		for (uint32_t i = 0; i < MP_LB_IX_BULK_MAX; i++)
			keys[i] = key_of(base + i); /* the last round: keys never added */
		mp_lb_ix_peek_bulk(&ix, keys, MP_LB_IX_BULK_MAX, v, rec, sizeof(rec), 1);
		for (uint32_t i = 0; i < MP_LB_IX_BULK_MAX; i++) {
			assert_int_equal(v[i], base + i < n ? (uint64_t)base + i + 1 : 0);
			uint32_t b1, b2;
			mp_lb_ix_buckets(&ix, keys[i], &b1, &b2);
			in_second += base + i < n && mp_lb_ix_peek_in(&ix, b1, keys[i]) == 0;
		}
	}
	/* A table this full holds some keys in their second bucket: that path was taken. */
	assert_true(in_second > 0);
	mp_lb_ix_fini(&ix);
}

static void *reader(void *arg)
{
	struct race *r = arg;
	unsigned long miss = 0, n = 0;
	while (!atomic_load(&r->stop)) {
		for (uint32_t i = 0; i < STABLE; i++, n++) {
			uint64_t want = (uint64_t)i + 1;
			if (mp_lb_ix_find(&r->ix, key_of(i), take_val, &want) != want)
				miss++;
		}
	}
	atomic_store(&r->misses, miss);
	atomic_store(&r->lookups, n);
	return NULL;
}

/* Keys that stay are found on every lookup while the writer fills the table to its stated count
 * (cuckoo moves shift them between their buckets) and empties it again, over and over. */
static void readers_never_miss_a_present_key_while_the_writer_moves_others(void **state)
{
	(void)state;
	const uint32_t n = 20000;
	struct race *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	assert_int_equal(mp_lb_ix_init(&r->ix, "t_ix_race", n, 77, SOCKET_ID_ANY), MP_OK);
	for (uint32_t i = 0; i < STABLE; i++)
		assert_int_equal(mp_lb_ix_add(&r->ix, key_of(i), (uint64_t)i + 1), MP_OK);
	pthread_t th[2];
	for (int t = 0; t < 2; t++)
		assert_int_equal(pthread_create(&th[t], NULL, reader, r), 0);
	uint32_t moves0 = atomic_load(&r->ix.moves);
	for (int round = 0; round < 20; round++) {
		for (uint32_t i = STABLE; i < n; i++)
			assert_int_equal(mp_lb_ix_add(&r->ix, key_of(i + (uint32_t)round * n), i + 1), MP_OK);
		for (uint32_t i = STABLE; i < n; i++)
			assert_true(mp_lb_ix_del(&r->ix, key_of(i + (uint32_t)round * n), i + 1));
	}
	atomic_store(&r->stop, true);
	for (int t = 0; t < 2; t++)
		pthread_join(th[t], NULL);
	assert_true(atomic_load(&r->ix.moves) > moves0); /* the test did make entries move */
	assert_true(atomic_load(&r->lookups) > 0);
	assert_int_equal(atomic_load(&r->misses), 0);
	mp_lb_ix_fini(&r->ix);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(index_holds_its_stated_key_count_and_finds_every_key),
		cmocka_unit_test(entries_sharing_a_key_are_told_apart_by_the_callers_check),
		cmocka_unit_test(bulk_peek_finds_keys_in_either_bucket_and_misses_absent_ones),
		cmocka_unit_test(readers_never_miss_a_present_key_while_the_writer_moves_others),
	};
	return cmocka_run_group_tests(tests, eal_setup, eal_teardown);
}
