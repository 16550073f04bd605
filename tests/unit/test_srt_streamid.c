/* test_srt_streamid.c: the SRT stream id grammar (access-control keys, plain and SRS query forms). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "srt.h"
#include "srt_streamid.h"
#include "test_data.h"

static int parse(const char *s, struct mp_srt_streamid *out)
{
	return mp_srt_streamid_parse(s, strlen(s), out);
}

#define assert_slice(sl, lit) do { \
	assert_int_equal((sl).len, strlen(lit)); \
	if ((sl).len) assert_memory_equal((sl).p, lit, (sl).len); \
} while (0)

static void the_ffmpeg_conclusion_carries_a_publish_of_live_livestream(void **state)
{
	struct mp_pcap pc;
	struct mp_pcap_frame f;
	struct mp_srt_handshake h;
	struct mp_srt_streamid id;
	char sid[MP_SRT_STREAMID_MAX + 1];
	size_t n;
	int found = 0;

	(void)state;
	mp_pcap_open(&pc, "srt-ffmpeg-publish.pcap");
	while (mp_pcap_next(&pc, &f)) {
		if (mp_srt_hs_parse(f.payload, f.payload_len, &h) != MP_OK ||
		    mp_srt_hs_streamid(&h, sid, sizeof(sid), &n) != MP_OK)
			continue;
		found++;
		assert_int_equal(mp_srt_streamid_parse(sid, n, &id), MP_OK);
		assert_true(id.keyed);
		assert_slice(id.resource, "live/livestream");
		assert_slice(id.app, "live");
		assert_slice(id.stream, "livestream");
		assert_int_equal(id.mode, MP_SRT_MODE_PUBLISH);
		assert_true(id.mode_given);
		assert_int_equal(id.query_len, 0);
		assert_int_equal(id.host.len, 0);
	}
	mp_pcap_close(&pc);
	assert_int_equal(found, 1);
}

static void plain_stream_ids_are_a_resource(void **state)
{
	struct mp_srt_streamid id;

	(void)state;
	assert_int_equal(parse("live/livestream", &id), MP_OK);
	assert_false(id.keyed);
	assert_slice(id.app, "live");
	assert_slice(id.stream, "livestream");
	assert_int_equal(id.mode, MP_SRT_MODE_REQUEST);
	assert_false(id.mode_given);
	assert_int_equal(parse("livestream", &id), MP_OK);
	assert_slice(id.app, "");
	assert_slice(id.stream, "livestream");
	assert_int_equal(parse("live/livestream?secret=xx&token=yy", &id), MP_OK);
	assert_slice(id.resource, "live/livestream");
	assert_string_equal(id.query, "secret=xx&token=yy");
	assert_int_equal(parse("live/sub/stream", &id), MP_OK);
	assert_slice(id.app, "live");
	assert_slice(id.stream, "sub/stream");
}

static void srs_query_forms_end_up_in_the_query(void **state)
{
	struct mp_srt_streamid id;

	(void)state;
	assert_int_equal(parse("#!::r=live/livestream?secret=xx,m=publish", &id), MP_OK);
	assert_slice(id.resource, "live/livestream");
	assert_string_equal(id.query, "secret=xx");
	assert_int_equal(id.mode, MP_SRT_MODE_PUBLISH);
	assert_int_equal(parse("#!::r=live/livestream,secret=xxx,token=yyy,m=publish", &id), MP_OK);
	assert_string_equal(id.query, "secret=xxx&token=yyy");
	assert_int_equal(parse("#!::r=live/s?secret=a&token=b,m=request", &id), MP_OK);
	assert_slice(id.resource, "live/s");
	assert_string_equal(id.query, "secret=a&token=b");
	assert_int_equal(id.mode, MP_SRT_MODE_REQUEST);
	assert_true(id.mode_given);
}

static void every_standard_key_is_read(void **state)
{
	struct mp_srt_streamid id;

	(void)state;
	assert_int_equal(parse("#!::h=example.com,r=app/stream,m=bidirectional,u=alice,s=sess1,"
			       "t=stream,acme_x=1", &id), MP_OK);
	assert_slice(id.host, "example.com");
	assert_slice(id.resource, "app/stream");
	assert_int_equal(id.mode, MP_SRT_MODE_BIDIRECTIONAL);
	assert_slice(id.user, "alice");
	assert_slice(id.session, "sess1");
	assert_slice(id.type, "stream");
	assert_string_equal(id.query, "acme_x=1");
	assert_int_equal(parse("#!::r=a/b,m=PUBLISH", &id), MP_OK);
	assert_int_equal(id.mode, MP_SRT_MODE_PUBLISH);
	assert_int_equal(parse("#!::r=a/b,r=c/d,,", &id), MP_OK); /* last wins; empty pairs skipped */
	assert_slice(id.resource, "c/d");
	assert_int_equal(parse("#!::u=bob,r=x/y=z", &id), MP_OK); /* value keeps later '=' */
	assert_slice(id.resource, "x/y=z");
}

static void srs_legacy_host_paths_give_the_resource(void **state)
{
	struct mp_srt_streamid id;

	(void)state;
	assert_int_equal(parse("#!::h=live/livestream,m=publish", &id), MP_OK);
	assert_slice(id.resource, "live/livestream");
	assert_slice(id.host, "");
	assert_int_equal(parse("#!::h=srs.srt.com.cn/live/livestream,m=publish", &id), MP_OK);
	assert_slice(id.host, "srs.srt.com.cn");
	assert_slice(id.resource, "live/livestream");
	assert_slice(id.app, "live");
	assert_int_equal(parse("#!::h=v/a/b,r=live/other", &id), MP_OK); /* r wins the path */
	assert_slice(id.resource, "live/other");
	assert_slice(id.host, "v");
}

static void malformed_stream_ids_are_refused(void **state)
{
	struct mp_srt_streamid id;
	char big[600];

	(void)state;
	assert_int_equal(parse("", &id), MP_ERR_INVAL);
	assert_int_equal(parse("#!::m=publish", &id), MP_ERR_INVAL);      /* no resource */
	assert_int_equal(parse("#!::r", &id), MP_ERR_INVAL);              /* no '=' */
	assert_int_equal(parse("#!::=x,r=a/b", &id), MP_ERR_INVAL);       /* empty key */
	assert_int_equal(parse("#!::r=a/b,m=push", &id), MP_ERR_INVAL);   /* unknown mode */
	assert_int_equal(parse("#!:{r=a/b}", &id), MP_ERR_UNSUPPORTED);   /* nested syntax */
	assert_int_equal(parse("#!x", &id), MP_ERR_UNSUPPORTED);
	assert_int_equal(parse("#!", &id), MP_ERR_UNSUPPORTED);
	assert_int_equal(parse("live/\x01stream", &id), MP_ERR_INVAL);
	assert_int_equal(mp_srt_streamid_parse("live/s\0x", 8, &id), MP_ERR_INVAL);
	assert_int_equal(parse("?secret=1", &id), MP_ERR_INVAL);          /* empty resource */
	assert_int_equal(mp_srt_streamid_parse(NULL, 3, &id), MP_ERR_INVAL);
	memset(big, 'a', sizeof(big));
	big[4] = '/';
	assert_int_equal(mp_srt_streamid_parse(big, 512, &id), MP_OK);
	assert_int_equal(id.stream.len, 507);
	assert_int_equal(mp_srt_streamid_parse(big, 513, &id), MP_ERR_TOOLONG);
	memcpy(big, "#!::r=a/b,", 10);
	for (int i = 10; i < 512; i += 4)
		memcpy(big + i, "k=v,", 4);
	assert_int_equal(mp_srt_streamid_parse(big, 512, &id), MP_OK);
	assert_true(id.query_len <= MP_SRT_SID_MAX);
	assert_int_equal(strlen(id.query), id.query_len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_ffmpeg_conclusion_carries_a_publish_of_live_livestream),
		cmocka_unit_test(plain_stream_ids_are_a_resource),
		cmocka_unit_test(srs_query_forms_end_up_in_the_query),
		cmocka_unit_test(every_standard_key_is_read),
		cmocka_unit_test(srs_legacy_host_paths_give_the_resource),
		cmocka_unit_test(malformed_stream_ids_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
