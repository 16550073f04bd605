/* test_relay_headers.c: what the HTTP stream relay forwards: end-to-end headers both ways, never
 * hop-by-hop ones, X-Forwarded-For appended, playlists asked whole and answered without a stale length,
 * CORS added only when the origin sent none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "player_relay.h"

static struct evkeyvalq from, to;

static int setup(void **state)
{
	(void)state;
	/* an empty TAILQ (keyvalq_struct.h declares the head, not the init macro) */
	from.tqh_first = NULL;
	from.tqh_last = &from.tqh_first;
	to.tqh_first = NULL;
	to.tqh_last = &to.tqh_first;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	evhttp_clear_headers(&from);
	evhttp_clear_headers(&to);
	return 0;
}

static int count(const struct evkeyvalq *h)
{
	int n = 0;

	for (const struct evkeyval *kv = h->tqh_first; kv; kv = kv->next.tqe_next)
		n++;
	return n;
}

static void test_request_keeps_end_to_end_headers_and_host(void **state)
{
	(void)state;
	evhttp_add_header(&from, "Host", "live.example.com:8080");
	evhttp_add_header(&from, "User-Agent", "ffplay");
	evhttp_add_header(&from, "Cookie", "sid=1");
	evhttp_add_header(&from, "Range", "bytes=0-");
	evhttp_add_header(&from, "Accept-Encoding", "gzip");
	mp_player_relay_copy_request_headers(&from, &to, "198.18.4.6", 0);
	assert_string_equal(evhttp_find_header(&to, "Host"), "live.example.com:8080");
	assert_string_equal(evhttp_find_header(&to, "User-Agent"), "ffplay");
	assert_string_equal(evhttp_find_header(&to, "Cookie"), "sid=1");
	assert_string_equal(evhttp_find_header(&to, "Range"), "bytes=0-");
	assert_string_equal(evhttp_find_header(&to, "Accept-Encoding"), "gzip");
	assert_string_equal(evhttp_find_header(&to, "X-Forwarded-For"), "198.18.4.6");
	assert_string_equal(evhttp_find_header(&to, "Connection"), "close");
}

static void test_request_drops_hop_by_hop_and_connection_listed(void **state)
{
	(void)state;
	evhttp_add_header(&from, "Connection", "keep-alive, X-Hop");
	evhttp_add_header(&from, "Keep-Alive", "timeout=5");
	evhttp_add_header(&from, "X-Hop", "1");
	evhttp_add_header(&from, "Transfer-Encoding", "chunked");
	evhttp_add_header(&from, "Upgrade", "websocket");
	evhttp_add_header(&from, "Proxy-Authorization", "Basic x");
	evhttp_add_header(&from, "X-End", "2");
	mp_player_relay_copy_request_headers(&from, &to, NULL, 0);
	assert_null(evhttp_find_header(&to, "Keep-Alive"));
	assert_null(evhttp_find_header(&to, "X-Hop"));
	assert_null(evhttp_find_header(&to, "Transfer-Encoding"));
	assert_null(evhttp_find_header(&to, "Upgrade"));
	assert_null(evhttp_find_header(&to, "Proxy-Authorization"));
	assert_null(evhttp_find_header(&to, "X-Forwarded-For"));
	assert_string_equal(evhttp_find_header(&to, "X-End"), "2");
	assert_string_equal(evhttp_find_header(&to, "Connection"), "close"); /* ours, not the client's */
	assert_int_equal(count(&to), 2);
}

static void test_request_appends_to_x_forwarded_for(void **state)
{
	(void)state;
	evhttp_add_header(&from, "X-Forwarded-For", "203.0.113.7");
	mp_player_relay_copy_request_headers(&from, &to, "198.18.4.6", 0);
	assert_string_equal(evhttp_find_header(&to, "X-Forwarded-For"), "203.0.113.7, 198.18.4.6");
}

static void test_playlist_request_asks_for_the_whole_plain_body(void **state)
{
	(void)state;
	evhttp_add_header(&from, "Accept-Encoding", "gzip, br");
	evhttp_add_header(&from, "Range", "bytes=0-");
	evhttp_add_header(&from, "If-Range", "\"abc\"");
	evhttp_add_header(&from, "If-None-Match", "\"abc\"");
	mp_player_relay_copy_request_headers(&from, &to, NULL, 1);
	assert_null(evhttp_find_header(&to, "Accept-Encoding"));
	assert_null(evhttp_find_header(&to, "Range"));
	assert_null(evhttp_find_header(&to, "If-Range"));
	assert_string_equal(evhttp_find_header(&to, "If-None-Match"), "\"abc\"");
}

static void test_response_keeps_length_except_for_a_rewritten_playlist(void **state)
{
	(void)state;
	evhttp_add_header(&from, "Content-Type", "video/x-flv");
	evhttp_add_header(&from, "Content-Length", "1234");
	evhttp_add_header(&from, "Transfer-Encoding", "chunked");
	evhttp_add_header(&from, "Connection", "close");
	evhttp_add_header(&from, "Server", "nginx");
	mp_player_relay_copy_response_headers(&from, &to, 0);
	assert_string_equal(evhttp_find_header(&to, "Content-Length"), "1234");
	assert_string_equal(evhttp_find_header(&to, "Server"), "nginx");
	assert_null(evhttp_find_header(&to, "Transfer-Encoding"));
	assert_null(evhttp_find_header(&to, "Connection"));
	evhttp_clear_headers(&to);
	mp_player_relay_copy_response_headers(&from, &to, 1);
	assert_null(evhttp_find_header(&to, "Content-Length"));
	assert_string_equal(evhttp_find_header(&to, "Content-Type"), "video/x-flv");
}

static void test_cors_only_when_the_origin_sent_none(void **state)
{
	(void)state;
	mp_player_relay_add_cors(&to);
	assert_string_equal(evhttp_find_header(&to, "Access-Control-Allow-Origin"), "*");
	assert_int_equal(count(&to), 3);
	mp_player_relay_add_cors(&to);
	assert_int_equal(count(&to), 3);
	evhttp_add_header(&from, "Access-Control-Allow-Origin", "https://player.example.com");
	mp_player_relay_add_cors(&from);
	assert_string_equal(evhttp_find_header(&from, "Access-Control-Allow-Origin"), "https://player.example.com");
	assert_int_equal(count(&from), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_keeps_end_to_end_headers_and_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_drops_hop_by_hop_and_connection_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_appends_to_x_forwarded_for, setup, teardown),
		cmocka_unit_test_setup_teardown(test_playlist_request_asks_for_the_whole_plain_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_response_keeps_length_except_for_a_rewritten_playlist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cors_only_when_the_origin_sent_none, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
