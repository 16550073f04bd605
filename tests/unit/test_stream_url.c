/* test_stream_url.c: one stream gets one key from RTMP, HTTP-FLV/HLS, SRT and WebRTC requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "mp_error.h"
#include "stream_url.h"

static struct mp_stream_url su;

static int rtmp(const char *tc, const char *name)
{
	return mp_stream_url_from_rtmp(tc, strlen(tc), name, strlen(name), &su);
}

static int http(const char *target, const char *host)
{
	return mp_stream_url_from_http(target, strlen(target), host, strlen(host), &su);
}

static int srt(const char *res, const char *host)
{
	return mp_stream_url_from_srt(res, strlen(res), host, strlen(host), &su);
}

static int url(const char *u)
{
	return mp_stream_url_from_url(u, strlen(u), &su);
}

#define KEY(call, want)                                 \
	do {                                            \
		assert_int_equal(call, MP_OK);          \
		assert_string_equal(su.key, want);      \
	} while (0)

static void every_protocol_names_the_default_vhost_stream_alike(void **state)
{
	const char *k = "__defaultVhost__/live/livestream";

	(void)state;
	KEY(rtmp("rtmp://127.0.0.1:19350/live", "livestream"), k); /* ffmpeg, tests/data pcap */
	assert_string_equal(su.vhost, "__defaultVhost__");
	assert_string_equal(su.app, "live");
	assert_string_equal(su.stream, "livestream");
	KEY(http("/live/livestream.flv", "127.0.0.1:8080"), k);
	KEY(http("/live/livestream.ts", "198.18.0.2:8080"), k);
	KEY(http("/live/livestream.m3u8", "localhost:8080"), k);
	KEY(http("/live/livestream.flv", ""), k);
	KEY(srt("live/livestream", ""), k);
	KEY(srt("live/livestream", "localhost"), k);
	KEY(http("/rtc/v1/whip/?app=live&stream=livestream", "127.0.0.1:1985"), k);
	KEY(http("/rtc/v1/whep/?app=live&stream=livestream", "[::1]:1985"), k);
	KEY(url("webrtc://127.0.0.1/live/livestream"), k);
	KEY(url("webrtc://localhost:1985/live/livestream?token=1"), k);
}

static void a_domain_names_its_vhost_everywhere(void **state)
{
	const char *k = "example.com/live/livestream";

	(void)state;
	KEY(rtmp("rtmp://example.com/live", "livestream"), k);
	assert_string_equal(su.vhost, "example.com");
	KEY(rtmp("rtmp://user:pw@example.com:1935/live/", "livestream"), k);
	KEY(http("/live/livestream.flv", "example.com:8080"), k);
	KEY(http("/live/livestream.flv", "example.com"), k); /* the Go proxy needs a port here */
	KEY(srt("live/livestream", "example.com"), k);
	KEY(http("/rtc/v1/whip/?app=live&stream=livestream", "example.com:1985"), k);
	KEY(url("webrtc://example.com/live/livestream"), k);
}

static void vhost_parameter_overrides_the_host(void **state)
{
	const char *k = "example.com/live/livestream";

	(void)state;
	KEY(rtmp("rtmp://127.0.0.1/live?vhost=example.com", "livestream"), k);
	assert_string_equal(su.query, "vhost=example.com");
	KEY(rtmp("rtmp://127.0.0.1/live", "livestream?domain=example.com&token=x"), k);
	assert_string_equal(su.query, "domain=example.com&token=x");
	KEY(http("/live/livestream.flv?vhost=example.com", "127.0.0.1:8080"), k);
	KEY(http("/live/livestream.flv?vhost=__defaultVhost__", "example.com:8080"), k);
	KEY(http("/live/livestream.flv?vhost=__defaultVhost__", "1.2.3.4"), "__defaultVhost__/live/livestream");
	KEY(srt("live/livestream?vhost=example.com", ""), k);
}

static void queries_stay_out_of_the_key_and_are_kept(void **state)
{
	(void)state;
	KEY(rtmp("rtmp://127.0.0.1/live", "livestream?token=abc&x=1"), "__defaultVhost__/live/livestream");
	assert_string_equal(su.query, "token=abc&x=1");
	KEY(rtmp("rtmp://127.0.0.1/live?secret=1", "livestream"), "__defaultVhost__/live/livestream");
	assert_string_equal(su.query, "secret=1");
	KEY(http("/live/livestream.flv?x=1", "h:80"), "__defaultVhost__/live/livestream");
	assert_string_equal(su.query, "x=1");
	KEY(http("/live/livestream.flv", "h"), "__defaultVhost__/live/livestream");
	assert_string_equal(su.query, "");
}

static void paths_decode_and_normalise(void **state)
{
	(void)state;
	KEY(http("/live/sub/a.b.flv", ""), "__defaultVhost__/live/sub/a.b");
	assert_string_equal(su.app, "live/sub");
	KEY(rtmp("rtmp://h/live/sub", "a.b"), "__defaultVhost__/live/sub/a.b");
	KEY(rtmp("rtmp://h", "live/livestream"), "__defaultVhost__/live/livestream");
	KEY(http("/live/my%20stream.flv", ""), "__defaultVhost__/live/my stream");
	KEY(http("/rtc/v1/whip/?app=li%2Bve&stream=a+b", ""), "__defaultVhost__/li+ve/a b");
	KEY(http("/live/livestream", ""), "__defaultVhost__/live/livestream");
	KEY(url("rtmp://1.2.3.4:1935/live/livestream#frag"), "__defaultVhost__/live/livestream");
}

static void bad_names_are_refused(void **state)
{
	(void)state;
	assert_int_equal(http("/live/../etc.flv", ""), MP_ERR_INVAL);
	assert_int_equal(http("/live/%2e%2e/x.flv", ""), MP_ERR_INVAL);
	assert_int_equal(http("/live/a%00b.flv", ""), MP_ERR_INVAL);
	assert_int_equal(http("/live/a%0d%0ab.flv", ""), MP_ERR_INVAL);
	assert_int_equal(http("/live/a%zz.flv", ""), MP_ERR_INVAL);
	assert_int_equal(http("/live/a%2", ""), MP_ERR_INVAL);
	assert_int_equal(http("/livestream.flv", ""), MP_ERR_INVAL);    /* no app */
	assert_int_equal(http("/live/.flv", ""), MP_ERR_INVAL);         /* empty stream */
	assert_int_equal(http("/live//x.flv", ""), MP_ERR_INVAL);       /* empty segment */
	assert_int_equal(http("live/x.flv", ""), MP_ERR_INVAL);         /* not origin-form */
	assert_int_equal(http("", ""), MP_ERR_INVAL);
	assert_int_equal(http("/rtc/v1/whip/?app=live", ""), MP_ERR_INVAL);
	assert_int_equal(http("/rtc/v1/whip/?stream=livestream", ""), MP_ERR_INVAL);
	assert_int_equal(http("/rtc/v1/whip/", ""), MP_ERR_INVAL);
	assert_int_equal(http("/live/x.flv", "ex ample.com"), MP_ERR_INVAL);
	assert_int_equal(http("/live/x.flv", "example.com:80x"), MP_ERR_INVAL);
	assert_int_equal(http("/live/x.flv", "a..b:80"), MP_ERR_INVAL);
	assert_int_equal(rtmp("127.0.0.1/live", "livestream"), MP_ERR_INVAL); /* no scheme */
	assert_int_equal(rtmp("rtmp://h/live", ""), MP_ERR_INVAL);
	assert_int_equal(rtmp("rtmp://h/live", "?token=1"), MP_ERR_INVAL);
	assert_int_equal(rtmp("rtmp://h/", "livestream"), MP_ERR_INVAL);
	assert_int_equal(srt("livestream", ""), MP_ERR_INVAL);
	assert_int_equal(srt("", ""), MP_ERR_INVAL);
	assert_int_equal(url("webrtc://h"), MP_ERR_INVAL);
	assert_int_equal(url("://h/a/b"), MP_ERR_INVAL);
	assert_int_equal(mp_stream_url_from_http(NULL, 3, NULL, 0, &su), MP_ERR_INVAL);
	assert_string_equal(su.key, ""); /* nothing half-built is left behind */
}

static void key_length_is_bounded_at_255(void **state)
{
	char target[MP_SURL_QUERY_MAX + 64], name[300];
	size_t fixed = strlen("__defaultVhost__/live/");

	(void)state;
	memset(name, 'a', sizeof(name));
	name[255 - fixed] = '\0';
	KEY(rtmp("rtmp://h/live", name), su.key);
	assert_int_equal(strlen(su.key), 255);
	name[255 - fixed] = 'a';
	name[256 - fixed] = '\0';
	assert_int_equal(rtmp("rtmp://h/live", name), MP_ERR_TOOLONG);
	snprintf(target, sizeof(target), "/live/%s.flv", name);
	assert_int_equal(http(target, ""), MP_ERR_TOOLONG);
	memset(target, 'q', sizeof(target));
	memcpy(target, "/live/x.flv?", 12);
	target[12 + MP_SURL_QUERY_MAX] = '\0';
	assert_int_equal(http(target, ""), MP_ERR_TOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_protocol_names_the_default_vhost_stream_alike),
		cmocka_unit_test(a_domain_names_its_vhost_everywhere),
		cmocka_unit_test(vhost_parameter_overrides_the_host),
		cmocka_unit_test(queries_stay_out_of_the_key_and_are_kept),
		cmocka_unit_test(paths_decode_and_normalise),
		cmocka_unit_test(bad_names_are_refused),
		cmocka_unit_test(key_length_is_bounded_at_255),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
