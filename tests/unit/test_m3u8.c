/* test_m3u8.c: every URI of media and master playlists carries spbhid; the request query gives it back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "m3u8.h"
#include "mp_error.h"
#include "test_data.h"

static char out[4096];
static size_t out_len;

static int rewrite_file(const char *name, unsigned flags)
{
	size_t len;
	char *in = (char *)mp_test_read_file(name, &len);
	int rc = mp_m3u8_rewrite(in, len, "a1b2c3d", 7, flags, out, sizeof(out), &out_len);

	free(in);
	return rc;
}

static int rewrite(const char *in)
{
	return mp_m3u8_rewrite(in, strlen(in), "a1b2c3d", 7, 0, out, sizeof(out), &out_len);
}

static void srs_master_with_hls_ctx_is_tagged(void **state)
{
	(void)state;
	assert_int_equal(rewrite_file("seeds-m3u8/srs-master-hls-ctx.m3u8", 0), 1);
	assert_string_equal(out, "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1\n"
				 "/live/livestream.m3u8?spbhid=a1b2c3d&hls_ctx=k3p2m9x1\n");
	assert_int_equal(out_len, strlen(out));
}

static void srs_media_playlist_segments_are_tagged(void **state)
{
	(void)state;
	assert_int_equal(rewrite_file("seeds-m3u8/srs-media-ts.m3u8", 0), 2);
	assert_string_equal(out, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:12\n#EXT-X-TARGETDURATION:10\n"
				 "#EXT-X-DISCONTINUITY\n#EXTINF:10.005, no desc\n"
				 "livestream-12.ts?spbhid=a1b2c3d&hls_ctx=k3p2m9x1\n#EXTINF:9.980, no desc\n"
				 "livestream-13.ts?spbhid=a1b2c3d&hls_ctx=k3p2m9x1\n");
	assert_int_equal(rewrite("#EXTM3U\n#EXTINF:10,\nlivestream-0.ts\n#EXTINF:10,\nlivestream-1.ts"), 2);
	assert_string_equal(out, "#EXTM3U\n#EXTINF:10,\nlivestream-0.ts?spbhid=a1b2c3d\n#EXTINF:10,\n"
				 "livestream-1.ts?spbhid=a1b2c3d");
}

static void fmp4_low_latency_crlf_tags_and_keys(void **state)
{
	const char *want =
		"#EXTM3U\r\n#EXT-X-VERSION:7\r\n#EXT-X-TARGETDURATION:4\r\n"
		"#EXT-X-MAP:URI=\"init.mp4?spbhid=a1b2c3d\",BYTERANGE=\"720@0\"\r\n"
		"#EXT-X-KEY:METHOD=AES-128,URI=\"https://keys.example.com/k?id=1\",IV=0x1\r\n"
		"#EXT-X-PART:DURATION=1.0,URI=\"seg1.part0.m4s?spbhid=a1b2c3d\"\r\n"
		"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg1.part1.m4s?spbhid=a1b2c3d\"\r\n"
		"#EXTINF:4.0,\r\nseg0.m4s?spbhid=a1b2c3d\r\n#EXTINF:4.0,\r\naudio/seg0.aac?spbhid=a1b2c3d#t=0\r\n"
		"#EXT-X-RENDITION-REPORT:URI=\"../alt/index.m3u8?spbhid=a1b2c3d\",LAST-MSN=1\r\n";

	(void)state;
	assert_int_equal(rewrite_file("seeds-m3u8/fmp4-ll-crlf.m3u8", 0), 6);
	assert_string_equal(out, want);
	assert_int_equal(rewrite_file("seeds-m3u8/fmp4-ll-crlf.m3u8", MP_M3U8_TAG_KEYS), 7);
	assert_non_null(strstr(out, "URI=\"https://keys.example.com/k?spbhid=a1b2c3d&id=1\",IV=0x1\r\n"));
}

static void master_media_and_iframe_uris_are_tagged(void **state)
{
	(void)state;
	assert_int_equal(rewrite_file("seeds-m3u8/master-media-iframe.m3u8", 0), 3);
	assert_string_equal(out,
			    "#EXTM3U\n"
			    "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"English, US\",LANGUAGE=\"en\","
			    "URI=\"audio/en.m3u8?spbhid=a1b2c3d\"\n"
			    "#EXT-X-STREAM-INF:BANDWIDTH=1280000,CODECS=\"avc1.4d401f,mp4a.40.2\",AUDIO=\"aac\"\n"
			    "low/index.m3u8?spbhid=a1b2c3d\n"
			    "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=86000,URI=\"low/iframe.m3u8?spbhid=a1b2c3d\"\n");
}

static void odd_queries_blanks_and_trailing_space(void **state)
{
	(void)state;
	assert_int_equal(rewrite("#EXTM3U\n\na.ts?\nb.ts?x=1&\n c.ts \t\n#comment\n"), 3);
	assert_string_equal(out, "#EXTM3U\n\na.ts?spbhid=a1b2c3d\nb.ts?spbhid=a1b2c3d&x=1&\n"
				 " c.ts?spbhid=a1b2c3d \t\n#comment\n");
	assert_int_equal(rewrite("#EXTM3U"), 0);
	assert_string_equal(out, "#EXTM3U");
	/* URI="" still gets the id; an unquoted or missing URI is left alone. */
	assert_int_equal(rewrite("#EXTM3U\n#EXT-X-MAP:URI=\"\"\n#EXT-X-MAP:URI=x.mp4\n#EXT-X-MAP:BYTERANGE=1\n"), 1);
	assert_string_equal(out, "#EXTM3U\n#EXT-X-MAP:URI=\"?spbhid=a1b2c3d\"\n#EXT-X-MAP:URI=x.mp4\n#EXT-X-MAP:BYTERANGE=1\n");
}

static void bad_input_and_small_output_are_refused(void **state)
{
	const char *pl = "#EXTM3U\na.ts\n";
	char id64[MP_M3U8_ID_MAX];

	(void)state;
	assert_int_equal(rewrite(""), MP_ERR_INVAL);
	assert_int_equal(rewrite("a.ts\n"), MP_ERR_INVAL);
	assert_int_equal(rewrite("#EXTM3Ux\na.ts\n"), MP_ERR_INVAL);
	assert_int_equal(rewrite("#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\n"), MP_ERR_INVAL);
	assert_int_equal(mp_m3u8_rewrite(pl, strlen(pl), "a&b", 3, 0, out, sizeof(out), &out_len), MP_ERR_INVAL);
	assert_int_equal(mp_m3u8_rewrite(pl, strlen(pl), "", 0, 0, out, sizeof(out), &out_len), MP_ERR_INVAL);
	assert_int_equal(mp_m3u8_rewrite(pl, strlen(pl), out, MP_M3U8_ID_MAX + 1, 0, out, sizeof(out), &out_len),
			 MP_ERR_INVAL);
	memset(id64, 'z', sizeof(id64));
	assert_int_equal(mp_m3u8_rewrite(pl, strlen(pl), id64, MP_M3U8_ID_MAX, 0, out, sizeof(out), &out_len), 1);
	assert_int_equal(out_len, strlen(pl) + 8 + MP_M3U8_ID_MAX);
	/* "#EXTM3U\na.ts?spbhid=a1b2c3d\n" is 28 bytes: 29 with the NUL fits, 28 does not. */
	assert_int_equal(mp_m3u8_rewrite(pl, strlen(pl), "a1b2c3d", 7, 0, out, 29, &out_len), 1);
	assert_int_equal(out_len, 28);
	assert_int_equal(mp_m3u8_rewrite(pl, strlen(pl), "a1b2c3d", 7, 0, out, 28, &out_len), MP_ERR_NOSPACE);
}

static void spbhid_is_read_from_the_query(void **state)
{
	const char *id;
	size_t n;

	(void)state;
	assert_int_equal(mp_m3u8_query_spbhid("spbhid=a1b2c3d", 14, &id, &n), MP_OK);
	assert_int_equal(n, 7);
	assert_memory_equal(id, "a1b2c3d", 7);
	/* Repeated: the first wins (Go's url.Values.Get, as the SRS proxy reads it). */
	assert_int_equal(mp_m3u8_query_spbhid("hls_ctx=k&spbhid=first&x=1&spbhid=last", 38, &id, &n), MP_OK);
	assert_int_equal(n, 5);
	assert_memory_equal(id, "first", 5);
	/* Length-bounded: "spbhid=abc" cut after "spbhid=ab". */
	assert_int_equal(mp_m3u8_query_spbhid("spbhid=abc", 9, &id, &n), MP_OK);
	assert_int_equal(n, 2);
	assert_int_equal(mp_m3u8_query_spbhid("x=1", 3, &id, &n), MP_ERR_NOTFOUND);
	assert_int_equal(mp_m3u8_query_spbhid("xspbhid=1", 9, &id, &n), MP_ERR_NOTFOUND);
	assert_int_equal(mp_m3u8_query_spbhid("", 0, &id, &n), MP_ERR_NOTFOUND);
	assert_int_equal(mp_m3u8_query_spbhid("spbhid=", 7, &id, &n), MP_ERR_INVAL);
	assert_int_equal(mp_m3u8_query_spbhid("spbhid=a%20b", 12, &id, &n), MP_ERR_INVAL);
}

/* A URI of the origin that already carries spbhid: ours goes first and is the one read back. */
static void the_appliance_id_wins_over_one_the_origin_put_in(void **state)
{
	const char *id, *q;
	size_t n;

	(void)state;
	assert_int_equal(rewrite("#EXTM3U\na.ts?spbhid=theirs&x=1\n"), 1);
	assert_string_equal(out, "#EXTM3U\na.ts?spbhid=a1b2c3d&spbhid=theirs&x=1\n");
	q = strchr(out, '?') + 1;
	assert_int_equal(mp_m3u8_query_spbhid(q, strlen(q) - 1, &id, &n), MP_OK);
	assert_int_equal(n, 7);
	assert_memory_equal(id, "a1b2c3d", 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(srs_master_with_hls_ctx_is_tagged),
		cmocka_unit_test(srs_media_playlist_segments_are_tagged),
		cmocka_unit_test(fmp4_low_latency_crlf_tags_and_keys),
		cmocka_unit_test(master_media_and_iframe_uris_are_tagged),
		cmocka_unit_test(odd_queries_blanks_and_trailing_space),
		cmocka_unit_test(bad_input_and_small_output_are_refused),
		cmocka_unit_test(spbhid_is_read_from_the_query),
		cmocka_unit_test(the_appliance_id_wins_over_one_the_origin_put_in),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
