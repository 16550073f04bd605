/* test_http_route.c: HTTP stream targets route as the SRS proxy does (.flv/.ts streams, .m3u8 playlists,
 * spbhid segments), bad targets and ids are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http_route.h"
#include "mp_error.h"

static struct mp_hroute rt;

static int classify(const char *t)
{
	return mp_hroute_classify(t, strlen(t), &rt);
}

static void test_flv_keeps_path_and_query(void **state)
{
	(void)state;
	assert_int_equal(classify("/live/livestream.flv?token=abc&x=1"), MP_OK);
	assert_int_equal(rt.kind, MP_HROUTE_FLV);
	assert_int_equal(rt.path_len, strlen("/live/livestream.flv"));
	assert_int_equal(rt.query_len, strlen("token=abc&x=1"));
	assert_memory_equal(rt.query, "token=abc&x=1", rt.query_len);
	assert_null(rt.spbhid);
}

static void test_ts_without_spbhid_is_a_stream(void **state)
{
	(void)state;
	assert_int_equal(classify("/live/livestream.ts"), MP_OK);
	assert_int_equal(rt.kind, MP_HROUTE_TS);
	assert_null(rt.query);
	assert_int_equal(classify("/live/LIVESTREAM.FLV"), MP_OK);
	assert_int_equal(rt.kind, MP_HROUTE_FLV);
}

static void test_m3u8_is_a_playlist_with_or_without_spbhid(void **state)
{
	(void)state;
	assert_int_equal(classify("/live/livestream.m3u8"), MP_OK);
	assert_int_equal(rt.kind, MP_HROUTE_M3U8);
	assert_null(rt.spbhid);
	assert_int_equal(classify("/live/livestream_hi.m3u8?a=1&spbhid=ab12"), MP_OK);
	assert_int_equal(rt.kind, MP_HROUTE_M3U8);
	assert_int_equal(rt.spbhid_len, 4);
	assert_memory_equal(rt.spbhid, "ab12", 4);
}

static void test_any_segment_with_spbhid_routes_by_it(void **state)
{
	static const char *const segs[] = { "/live/livestream-3.ts?spbhid=a1b2c3d",
					     "/live/seg-1.m4s?token=x&spbhid=a1b2c3d", "/live/init.mp4?spbhid=a1b2c3d",
					     "/live/audio-7.aac?spbhid=a1b2c3d", "/live/key.bin?spbhid=a1b2c3d",
					     "/live/x.flv?spbhid=a1b2c3d" };

	(void)state;
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		assert_int_equal(classify(segs[i]), MP_OK);
		assert_int_equal(rt.kind, MP_HROUTE_SEGMENT);
		assert_int_equal(rt.spbhid_len, 7);
		assert_memory_equal(rt.spbhid, "a1b2c3d", 7);
	}
}

static void test_the_first_spbhid_wins(void **state)
{
	(void)state;
	assert_int_equal(classify("/a/b.ts?spbhid=first&spbhid=second"), MP_OK);
	assert_int_equal(rt.spbhid_len, 5);
	assert_memory_equal(rt.spbhid, "first", 5);
}

static void test_fragment_is_not_routed_on(void **state)
{
	(void)state;
	assert_int_equal(classify("/live/a.flv#x.m3u8"), MP_OK);
	assert_int_equal(rt.kind, MP_HROUTE_FLV);
	assert_int_equal(classify("/live/a.ts?k=v#spbhid=zz"), MP_OK);
	assert_int_equal(rt.kind, MP_HROUTE_TS);
	assert_int_equal(rt.query_len, 3);
}

static void test_other_paths_are_not_streams(void **state)
{
	(void)state;
	assert_int_equal(classify("/"), MP_OK);
	assert_int_equal(rt.kind, MP_HROUTE_NONE);
	assert_int_equal(classify("/index.html?flv"), MP_OK);
	assert_int_equal(rt.kind, MP_HROUTE_NONE);
	assert_int_equal(classify("/.flv"), MP_OK); /* the stream name check is stream_url's job */
	assert_int_equal(rt.kind, MP_HROUTE_FLV);
	assert_int_equal(classify("/flv"), MP_OK);
	assert_int_equal(rt.kind, MP_HROUTE_NONE);
}

static void test_bad_targets_are_refused(void **state)
{
	(void)state;
	assert_int_equal(classify("live/a.flv"), MP_ERR_INVAL);
	assert_int_equal(classify("http://h/live/a.flv"), MP_ERR_INVAL);
	assert_int_equal(classify("/live/a b.flv"), MP_ERR_INVAL);
	assert_int_equal(classify("/live/a\x01.flv"), MP_ERR_INVAL);
	assert_int_equal(classify("/live/\xc3\xa9.flv"), MP_ERR_INVAL);
	assert_int_equal(mp_hroute_classify("", 0, &rt), MP_ERR_INVAL);
	assert_int_equal(mp_hroute_classify(NULL, 3, &rt), MP_ERR_INVAL);
}

static void test_bad_spbhid_is_refused(void **state)
{
	char big[128] = "/a/b.ts?spbhid=";

	(void)state;
	assert_int_equal(classify("/a/b.ts?spbhid="), MP_ERR_INVAL);
	assert_int_equal(classify("/a/b.ts?spbhid=a.b"), MP_ERR_INVAL);
	assert_int_equal(classify("/a/b.m3u8?spbhid=%41"), MP_ERR_INVAL);
	memset(big + strlen(big), 'a', 65);
	assert_int_equal(classify(big), MP_ERR_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flv_keeps_path_and_query),
		cmocka_unit_test(test_ts_without_spbhid_is_a_stream),
		cmocka_unit_test(test_m3u8_is_a_playlist_with_or_without_spbhid),
		cmocka_unit_test(test_any_segment_with_spbhid_routes_by_it),
		cmocka_unit_test(test_the_first_spbhid_wins),
		cmocka_unit_test(test_fragment_is_not_routed_on),
		cmocka_unit_test(test_other_paths_are_not_streams),
		cmocka_unit_test(test_bad_targets_are_refused),
		cmocka_unit_test(test_bad_spbhid_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
