/* test_pick_policy.c: the pick policies as pure logic with a fixed random seed: random is uniform,
 * weighted follows weights, least-load (two choices) favours the less loaded, weight 0 never wins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "mp_error.h"
#include "pick_policy.h"
#include "registration.h"
#include "test_data.h"

/* How often each of n candidates wins in rounds draws from seed. */
static void count(enum mp_pick_policy p, const struct mp_pick_cand *c, size_t n, uint64_t seed, int rounds, int *wins)
{
	uint64_t rng = seed;

	memset(wins, 0, n * sizeof(*wins));
	for (int i = 0; i < rounds; i++) {
		int w = mp_pick_choose(p, c, n, &rng);
		assert_true(w >= 0 && (size_t)w < n);
		wins[w]++;
	}
}

static void policy_names_parse_and_print_back(void **state)
{
	enum mp_pick_policy p;

	(void)state;
	assert_int_equal(mp_pick_policy_parse("random", &p), MP_OK);
	assert_int_equal(p, MP_PICK_RANDOM);
	assert_int_equal(mp_pick_policy_parse("least_load", &p), MP_OK);
	assert_int_equal(p, MP_PICK_LEAST_LOAD);
	assert_int_equal(mp_pick_policy_parse("weighted", &p), MP_OK);
	assert_string_equal(mp_pick_policy_name(p), "weighted");
	assert_int_equal(mp_pick_policy_parse("leastload", &p), MP_ERR_INVAL);
	assert_int_equal(mp_pick_policy_parse(NULL, &p), MP_ERR_INVAL);
}

static void no_candidate_is_none_and_one_candidate_always_wins(void **state)
{
	struct mp_pick_cand c = { .id = 7, .weight = 1, .load = 5 };
	uint64_t rng = 1;

	(void)state;
	for (int p = MP_PICK_RANDOM; p <= MP_PICK_WEIGHTED; p++) {
		assert_int_equal(mp_pick_choose((enum mp_pick_policy)p, NULL, 0, &rng), -1);
		assert_int_equal(mp_pick_choose((enum mp_pick_policy)p, &c, 1, &rng), 0);
	}
}

static void same_seed_gives_the_same_choices(void **state)
{
	struct mp_pick_cand c[4] = { { 0, 100, 0.1 }, { 1, 100, 0.2 }, { 2, 100, 0.3 }, { 3, 100, 0.4 } };
	uint64_t a = 42, b = 42;

	(void)state;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(mp_pick_choose(MP_PICK_LEAST_LOAD, c, 4, &a), mp_pick_choose(MP_PICK_LEAST_LOAD, c, 4, &b));
}

static void random_is_uniform_and_ignores_weights_and_load(void **state)
{
	struct mp_pick_cand c[3] = { { 0, 1, 9.0 }, { 1, 100, 0.0 }, { 2, 1000, -1 } };
	int wins[3];

	(void)state;
	count(MP_PICK_RANDOM, c, 3, 1, 30000, wins);
	for (int i = 0; i < 3; i++)
		assert_true(wins[i] > 9000 && wins[i] < 11000);
}

static void weighted_follows_the_weights(void **state)
{
	struct mp_pick_cand c[3] = { { 0, 100, -1 }, { 1, 300, -1 }, { 2, 0, -1 } };
	int wins[3];

	(void)state;
	count(MP_PICK_WEIGHTED, c, 3, 7, 40000, wins);
	assert_int_equal(wins[2], 0); /* weight 0: drained, never chosen */
	assert_true(wins[0] > 9000 && wins[0] < 11000);
	assert_true(wins[1] > 29000 && wins[1] < 31000);
}

static void least_load_of_two_always_takes_the_less_loaded(void **state)
{
	struct mp_pick_cand c[2] = { { 0, 100, 2.9 }, { 1, 100, 0.1 } };
	int wins[2];

	(void)state;
	count(MP_PICK_LEAST_LOAD, c, 2, 3, 100, wins);
	assert_int_equal(wins[1], 100);
}

static void least_load_of_three_spreads_and_never_takes_the_busiest(void **state)
{
	struct mp_pick_cand c[3] = { { 0, 100, 0.1 }, { 1, 100, 0.5 }, { 2, 100, 0.9 } };
	int wins[3];

	(void)state;
	count(MP_PICK_LEAST_LOAD, c, 3, 11, 30000, wins);
	/* two different candidates: the least loaded wins 2 pairs of 3, the middle one 1 of 3 */
	assert_int_equal(wins[2], 0);
	assert_true(wins[0] > 19000 && wins[0] < 21000);
	assert_true(wins[1] > 9000 && wins[1] < 11000);
}

static void least_load_without_load_information_is_a_coin_flip(void **state)
{
	struct mp_pick_cand c[2] = { { 0, 100, -1 }, { 1, 100, 0.1 } };
	int wins[2];

	(void)state;
	count(MP_PICK_LEAST_LOAD, c, 2, 5, 20000, wins);
	assert_true(wins[0] > 9000 && wins[0] < 11000);
}

static void least_load_draws_by_weight_and_skips_weight_zero(void **state)
{
	struct mp_pick_cand c[3] = { { 0, 0, 0.0 }, { 1, 100, 0.5 }, { 2, 100, 0.9 } };
	int wins[3];

	(void)state;
	count(MP_PICK_LEAST_LOAD, c, 3, 9, 1000, wins);
	assert_int_equal(wins[0], 0); /* the idlest, but drained */
	assert_int_equal(wins[1], 1000);
}

static void load_score_from_the_srs7_heartbeat(void **state)
{
	struct mp_registration reg;
	size_t len;
	uint8_t *body = mp_test_read_file("srs7-heartbeat-ports-summaries.json", &len);
	char why[128];
	struct mp_reg_load none = { 0 };

	(void)state;
	assert_int_equal(mp_registration_parse((const char *)body, len, &reg, why, sizeof(why)), MP_OK);
	free(body);
	assert_true(reg.load.known);
	/* cpu_percent 0.64, load_1m 4.59 over 2 cpus, conn_srs 0 */
	assert_float_equal(mp_pick_load_score(&reg.load, 0), 0.0064 + 4.59 / 2, 1e-4);
	/* each stream sent since the heartbeat counts until the next one says what it cost */
	assert_float_equal(mp_pick_load_score(&reg.load, 10), 0.0064 + 4.59 / 2 + 0.1, 1e-4);
	assert_float_equal(mp_pick_load_score(&none, 3), -1, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(policy_names_parse_and_print_back),
		cmocka_unit_test(no_candidate_is_none_and_one_candidate_always_wins),
		cmocka_unit_test(same_seed_gives_the_same_choices),
		cmocka_unit_test(random_is_uniform_and_ignores_weights_and_load),
		cmocka_unit_test(weighted_follows_the_weights),
		cmocka_unit_test(least_load_of_two_always_takes_the_less_loaded),
		cmocka_unit_test(least_load_of_three_spreads_and_never_takes_the_busiest),
		cmocka_unit_test(least_load_without_load_information_is_a_coin_flip),
		cmocka_unit_test(least_load_draws_by_weight_and_skips_weight_zero),
		cmocka_unit_test(load_score_from_the_srs7_heartbeat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
