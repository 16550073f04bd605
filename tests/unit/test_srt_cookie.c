/* test_srt_cookie.c: SipHash-2-4 reference vectors and stateless SRT SYN cookies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "srt_cookie.h"

static const uint8_t key_a[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
static const uint8_t key_b[16] = { 0x5a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

#define IP 0xC6120002u /* 198.18.0.2 */
#define PORT 46285
#define NOW 1764137000ull

static void siphash_matches_the_reference_vectors(void **state)
{
	uint8_t msg[64];

	(void)state;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	/* SipHash paper, appendix A (15 bytes), and the reference implementation's vectors.h */
	assert_int_equal(mp_siphash24(key_a, msg, 15), 0xa129ca6149be45e5ull);
	assert_int_equal(mp_siphash24(key_a, msg, 0), 0x726fdb47dd0e0e31ull);
	assert_int_equal(mp_siphash24(key_a, msg, 8), 0x93f5f5799a932462ull);
}

static void a_cookie_verifies_in_its_bucket_and_the_next(void **state)
{
	uint32_t c = mp_srt_cookie_make(key_a, IP, PORT, NOW);
	uint64_t start = NOW - NOW % MP_SRT_COOKIE_BUCKET_S;

	(void)state;
	assert_int_not_equal(c, 0);
	assert_int_equal(mp_srt_cookie_verify(key_a, IP, PORT, NOW, c), MP_OK);
	assert_int_equal(mp_srt_cookie_verify(key_a, IP, PORT, start, c), MP_OK);
	assert_int_equal(mp_srt_cookie_verify(key_a, IP, PORT, start + 2 * MP_SRT_COOKIE_BUCKET_S - 1, c),
			 MP_OK);
	/* two buckets on: too old */
	assert_int_equal(mp_srt_cookie_verify(key_a, IP, PORT, start + 2 * MP_SRT_COOKIE_BUCKET_S, c),
			 MP_ERR_COOKIE);
	/* not valid before it was made */
	assert_int_equal(mp_srt_cookie_verify(key_a, IP, PORT, start - 1, c), MP_ERR_COOKIE);
}

static void another_address_port_or_key_is_refused(void **state)
{
	uint32_t c = mp_srt_cookie_make(key_a, IP, PORT, NOW);

	(void)state;
	assert_int_equal(mp_srt_cookie_verify(key_a, IP + 1, PORT, NOW, c), MP_ERR_COOKIE);
	assert_int_equal(mp_srt_cookie_verify(key_a, IP, PORT + 1, NOW, c), MP_ERR_COOKIE);
	assert_int_equal(mp_srt_cookie_verify(key_b, IP, PORT, NOW, c), MP_ERR_COOKIE);
	assert_int_not_equal(mp_srt_cookie_make(key_b, IP, PORT, NOW), c);
	assert_int_not_equal(mp_srt_cookie_make(key_a, IP, PORT + 1, NOW), c);
	assert_int_not_equal(mp_srt_cookie_make(key_a, IP, PORT, NOW + MP_SRT_COOKIE_BUCKET_S), c);
	assert_int_equal(mp_srt_cookie_verify(key_a, IP, PORT, NOW, c ^ 1), MP_ERR_COOKIE);
}

static void cookies_are_not_constant_across_peers(void **state)
{
	uint32_t seen[256];
	int dup = 0;

	(void)state;
	for (int i = 0; i < 256; i++) {
		seen[i] = mp_srt_cookie_make(key_a, IP, (uint16_t)(10000 + i), NOW);
		assert_int_not_equal(seen[i], 0);
		for (int j = 0; j < i; j++)
			dup += seen[j] == seen[i];
	}
	assert_int_equal(dup, 0);
	/* bucket 0 has no previous bucket to fall back to */
	assert_int_equal(mp_srt_cookie_verify(key_a, IP, PORT, 0, mp_srt_cookie_make(key_a, IP, PORT, 0)),
			 MP_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(siphash_matches_the_reference_vectors),
		cmocka_unit_test(a_cookie_verifies_in_its_bucket_and_the_next),
		cmocka_unit_test(another_address_port_or_key_is_refused),
		cmocka_unit_test(cookies_are_not_constant_across_peers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
