/* test_rtmp_handshake.c: RTMP handshake on ffmpeg/nginx-rtmp bytes and in both roles end to end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mp_error.h"
#include "rtmp_capture.h"
#include "rtmp_handshake.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static void server_recognises_ffmpeg_c1_digest(void **state)
{
	uint8_t *c2s, *s2c;
	size_t c2s_len, s2c_len;
	struct mp_rtmp_hs_peer c;

	(void)state;
	rtmp_capture_streams(&c2s, &c2s_len, &s2c, &s2c_len);
	assert_true(c2s_len > MP_RTMP_HS_C0C1_LEN + MP_RTMP_HS_SIZE);
	assert_int_equal(mp_rtmp_hs_parse_c0c1(c2s, MP_RTMP_HS_C0C1_LEN, &c), MP_OK);
	assert_int_equal(c.version, 0x09007c02);
	assert_int_equal(c.complex, 1);
	assert_int_equal(c.scheme, 1); /* ffmpeg puts its digest in the first block */
	/* ffmpeg's C2 answers nginx's S1: it must check against what nginx sent. */
	assert_int_equal(mp_rtmp_hs_check_c2(s2c, c2s + MP_RTMP_HS_C0C1_LEN, MP_RTMP_HS_SIZE), MP_OK);
	free(c2s);
	free(s2c);
}

static void client_accepts_nginx_s1(void **state)
{
	uint8_t *c2s, *s2c, rnd[MP_RTMP_HS_SIZE], c2[MP_RTMP_HS_SIZE];
	size_t c2s_len, s2c_len;
	struct mp_rtmp_hs_peer s;

	(void)state;
	rtmp_capture_streams(&c2s, &c2s_len, &s2c, &s2c_len);
	fill(rnd, sizeof(rnd), 7);
	assert_int_equal(mp_rtmp_hs_client_finish(c2s, s2c, MP_RTMP_HS_S0S1S2_LEN, rnd, c2, sizeof(c2), &s),
			 MP_OK);
	assert_int_equal(s.complex, 1);
	assert_int_equal(s.s2_valid, 1); /* nginx keys S2 from ffmpeg's C1 digest */
	/* Our C2 is one nginx would accept: it verifies as a complex C2. */
	assert_int_equal(mp_rtmp_hs_check_c2(s2c, c2, sizeof(c2)), MP_OK);
	free(c2s);
	free(s2c);
}

static void complex_handshake_round_trip_between_our_roles(void **state)
{
	uint8_t c0c1[MP_RTMP_HS_C0C1_LEN], s[MP_RTMP_HS_S0S1S2_LEN], rnd[2 * MP_RTMP_HS_SIZE];
	uint8_t c2[MP_RTMP_HS_SIZE];
	struct mp_rtmp_hs_peer cp, sp;

	(void)state;
	fill(rnd, sizeof(rnd), 1);
	assert_int_equal(mp_rtmp_hs_build_c0c1(rnd, 1234, c0c1, sizeof(c0c1)), MP_OK);
	assert_int_equal(mp_rtmp_hs_parse_c0c1(c0c1, sizeof(c0c1), &cp), MP_OK);
	assert_int_equal(cp.complex, 1);
	assert_int_equal(cp.scheme, 1);
	assert_int_equal(cp.time, 1234);
	fill(rnd, sizeof(rnd), 2);
	assert_int_equal(mp_rtmp_hs_build_s0s1s2(&cp, c0c1, rnd, 99, s, sizeof(s)), MP_OK);
	assert_int_equal(mp_rtmp_hs_client_finish(c0c1, s, sizeof(s), rnd, c2, sizeof(c2), &sp), MP_OK);
	assert_int_equal(sp.complex, 1);
	assert_int_equal(sp.scheme, 1);
	assert_int_equal(sp.s2_valid, 1);
	assert_int_equal(mp_rtmp_hs_check_c2(s, c2, sizeof(c2)), MP_OK);
	c2[100] ^= 1;
	assert_int_equal(mp_rtmp_hs_check_c2(s, c2, sizeof(c2)), MP_ERR_CHECKSUM);
}

/* A C1 signed in scheme 0 (digest in the second block), as some Flash Players send. */
static void scheme0_client_digest_is_found_and_answered_in_scheme0(void **state)
{
	static const uint8_t tail[32] = {
		0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
		0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE,
	};
	uint8_t c0c1[MP_RTMP_HS_C0C1_LEN], s[MP_RTMP_HS_S0S1S2_LEN], rnd[2 * MP_RTMP_HS_SIZE];
	uint8_t c2[MP_RTMP_HS_SIZE], *c1 = c0c1 + 1, fpkey[62];
	struct mp_rtmp_hs_peer cp, sp;
	uint8_t joined[1536 - 32];
	unsigned int dlen = 0;
	size_t pos;

	(void)state;
	memcpy(fpkey, "Genuine Adobe Flash Player 001", 30);
	memcpy(fpkey + 30, tail, 32);
	fill(c0c1, sizeof(c0c1), 3);
	c0c1[0] = 3;
	c1[4] = 10, c1[5] = 0, c1[6] = 45, c1[7] = 2;
	pos = 776 + (size_t)(c1[772] + c1[773] + c1[774] + c1[775]) % 728;
	/* The digest computed here independently of the code under test (OpenSSL's one-shot HMAC). */
	memcpy(joined, c1, pos);
	memcpy(joined + pos, c1 + pos + 32, 1536 - pos - 32);
	assert_non_null(HMAC(EVP_sha256(), fpkey, 30, joined, sizeof(joined), c1 + pos, &dlen));
	assert_int_equal(dlen, 32);
	assert_int_equal(mp_rtmp_hs_parse_c0c1(c0c1, sizeof(c0c1), &cp), MP_OK);
	assert_int_equal(cp.complex, 1);
	assert_int_equal(cp.scheme, 0);
	fill(rnd, sizeof(rnd), 4);
	assert_int_equal(mp_rtmp_hs_build_s0s1s2(&cp, c0c1, rnd, 0, s, sizeof(s)), MP_OK);
	assert_int_equal(mp_rtmp_hs_client_finish(c0c1, s, sizeof(s), rnd, c2, sizeof(c2), &sp), MP_OK);
	assert_int_equal(sp.complex, 1);
	assert_int_equal(sp.scheme, 0);
	assert_int_equal(sp.s2_valid, 1);
	/* A broken digest makes it a simple handshake, as FMS and SRS fall back. */
	c1[pos] ^= 0x80;
	assert_int_equal(mp_rtmp_hs_parse_c0c1(c0c1, sizeof(c0c1), &cp), MP_OK);
	assert_int_equal(cp.complex, 0);
}

static void simple_handshake_echoes_c1_and_s1(void **state)
{
	uint8_t c0c1[MP_RTMP_HS_C0C1_LEN], s[MP_RTMP_HS_S0S1S2_LEN], rnd[2 * MP_RTMP_HS_SIZE];
	uint8_t c2[MP_RTMP_HS_SIZE];
	struct mp_rtmp_hs_peer cp, sp;

	(void)state;
	fill(c0c1, sizeof(c0c1), 5);
	c0c1[0] = 3;
	memset(c0c1 + 5, 0, 4); /* zero version: spec 1.0 section 5.2.3 */
	assert_int_equal(mp_rtmp_hs_parse_c0c1(c0c1, sizeof(c0c1), &cp), MP_OK);
	assert_int_equal(cp.complex, 0);
	fill(rnd, sizeof(rnd), 6);
	assert_int_equal(mp_rtmp_hs_build_s0s1s2(&cp, c0c1, rnd, 5, s, sizeof(s)), MP_OK);
	assert_int_equal(s[0], 3);
	assert_memory_equal(s + 1 + MP_RTMP_HS_SIZE, c0c1 + 1, MP_RTMP_HS_SIZE);
	assert_int_equal(s[5] | s[6] | s[7] | s[8], 0);
	assert_int_equal(mp_rtmp_hs_client_finish(c0c1, s, sizeof(s), rnd, c2, sizeof(c2), &sp), MP_OK);
	assert_int_equal(sp.complex, 0);
	assert_int_equal(sp.s2_valid, 1);
	assert_memory_equal(c2, s + 1, MP_RTMP_HS_SIZE);
	assert_int_equal(mp_rtmp_hs_check_c2(s, c2, sizeof(c2)), MP_OK);
}

static void bad_version_and_short_input_are_refused(void **state)
{
	uint8_t buf[MP_RTMP_HS_S0S1S2_LEN] = { 6 }, rnd[MP_RTMP_HS_SIZE] = { 0 }, c2[MP_RTMP_HS_SIZE];
	struct mp_rtmp_hs_peer p;

	(void)state;
	assert_int_equal(mp_rtmp_hs_parse_c0c1(buf, sizeof(buf), &p), MP_ERR_UNSUPPORTED);
	assert_int_equal(mp_rtmp_hs_parse_c0c1(buf, 1, &p), MP_ERR_UNSUPPORTED);
	buf[0] = 3;
	for (size_t n = 0; n < MP_RTMP_HS_C0C1_LEN; n++)
		assert_int_equal(mp_rtmp_hs_parse_c0c1(buf, n, &p), MP_ERR_AGAIN);
	assert_int_equal(mp_rtmp_hs_client_finish(buf, buf, 3072, rnd, c2, sizeof(c2), &p), MP_ERR_AGAIN);
	assert_int_equal(mp_rtmp_hs_client_finish(buf, buf, sizeof(buf), rnd, c2, 10, &p), MP_ERR_NOSPACE);
	assert_int_equal(mp_rtmp_hs_build_c0c1(rnd, 0, buf, 100), MP_ERR_NOSPACE);
	assert_int_equal(mp_rtmp_hs_parse_c0c1(NULL, 0, &p), MP_ERR_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(server_recognises_ffmpeg_c1_digest),
		cmocka_unit_test(client_accepts_nginx_s1),
		cmocka_unit_test(complex_handshake_round_trip_between_our_roles),
		cmocka_unit_test(scheme0_client_digest_is_found_and_answered_in_scheme0),
		cmocka_unit_test(simple_handshake_echoes_c1_and_s1),
		cmocka_unit_test(bad_version_and_short_input_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
