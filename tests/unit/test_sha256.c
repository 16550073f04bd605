/* test_sha256.c: SHA-256 against FIPS 180-2 appendix B and HMAC-SHA256 against RFC 4231. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sha256.h"

static void hex(const uint8_t *d, char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void check_sha(const void *data, size_t len, const char *want)
{
	uint8_t d[32];
	char h[65];

	mp_sha256(data, len, d);
	hex(d, h);
	assert_string_equal(h, want);
}

static void sha256_matches_fips_180_2_vectors(void **state)
{
	(void)state;
	check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* FIPS 180-2 appendix B.1 and B.2 */
	check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void sha256_million_a_in_odd_pieces(void **state)
{
	/* FIPS 180-2 appendix B.3, fed in pieces that straddle block boundaries */
	struct mp_sha256 c;
	uint8_t a[997], d[32];
	char h[65];
	size_t left = 1000000;

	(void)state;
	memset(a, 'a', sizeof(a));
	mp_sha256_init(&c);
	while (left) {
		size_t n = left < sizeof(a) ? left : sizeof(a);

		mp_sha256_update(&c, a, n);
		left -= n;
	}
	mp_sha256_final(&c, d);
	hex(d, h);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void check_hmac(const uint8_t *key, size_t klen, const void *data, size_t len, const char *want)
{
	uint8_t d[32];
	char h[65];

	mp_hmac_sha256(key, klen, data, len, d);
	hex(d, h);
	assert_string_equal(h, want);
}

static void hmac_sha256_matches_rfc4231_vectors(void **state)
{
	uint8_t k0b[20], kaa[131], ddd[50];
	const char *t6 = "Test Using Larger Than Block-Size Key - Hash Key First";
	const char *t7 = "This is a test using a larger than block-size key and a larger than block-size "
			 "data. The key needs to be hashed before being used by the HMAC algorithm.";

	(void)state;
	memset(k0b, 0x0b, sizeof(k0b));
	memset(kaa, 0xaa, sizeof(kaa));
	memset(ddd, 0xdd, sizeof(ddd));
	/* RFC 4231 section 4.2, 4.3, 4.4, 4.7, 4.8 */
	check_hmac(k0b, 20, "Hi There", 8,
		   "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	check_hmac((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28,
		   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	check_hmac(kaa, 20, ddd, 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	check_hmac(kaa, 131, t6, strlen(t6),
		   "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	check_hmac(kaa, 131, t7, strlen(t7),
		   "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void hmac_incremental_equals_one_shot(void **state)
{
	struct mp_hmac_sha256 c;
	uint8_t a[32], b[32], data[300];

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	mp_hmac_sha256((const uint8_t *)"key", 3, data, sizeof(data), a);
	mp_hmac_sha256_init(&c, (const uint8_t *)"key", 3);
	mp_hmac_sha256_update(&c, data, 100);
	mp_hmac_sha256_update(&c, data + 100, 200);
	mp_hmac_sha256_final(&c, b);
	assert_memory_equal(a, b, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha256_matches_fips_180_2_vectors),
		cmocka_unit_test(sha256_million_a_in_odd_pieces),
		cmocka_unit_test(hmac_sha256_matches_rfc4231_vectors),
		cmocka_unit_test(hmac_incremental_equals_one_shot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
