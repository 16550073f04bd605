/* test_relay_headers.c: the one header policy of both relays to origins (control/relay_headers.c), as the
 * HTTP stream's player relay and the HTTP API's WHIP relay call it: end-to-end headers both ways, never
 * hop-by-hop ones, the client's address in X-Forwarded-For/Forwarded/X-Real-IP (a chain kept only from a
 * trusted proxy), playlists asked whole and answered without a stale length,
 * CORS added only when the origin sent none; the appliance's own bearer token, Expect and the client's
 * Content-Length never reach an origin; WHIP answers keep no origin CORS and point Location back here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "config.h"
#include "hop_guard.h"
#include "relay_headers.h"

static struct evkeyvalq from, to;
static struct mp_config cfg; /* api_auth_enabled with token "s3cret" for the tests that say so */

/* As the player relay asks its origin (player_relay.c), without the Host it fills for HTTP/1.0. */
static void player_request(const struct evkeyvalq *in, struct evkeyvalq *out,
						 const char *client_ip, int playlist)
{
	struct mp_relay_request_opts o = { .client_ip = client_ip, .rewritten = playlist, .cfg = &cfg };

	mp_relay_request_headers(in, out, &o);
}

/* As the player relay answers its player (player_relay.c, player_relay_playlist.c). */
static void player_response(const struct evkeyvalq *in, struct evkeyvalq *out, int playlist)
{
	struct mp_relay_response_opts o = { .rewritten = playlist, .location_back = true };

	mp_relay_response_headers(in, out, &o);
}

/* As the WHIP relay asks its origin (whip_relay.c). */
static void whip_request(const char *client_ip, const char *origin)
{
	struct mp_relay_request_opts o = { .client_ip = client_ip, .host = origin, .rewritten = true, .cfg = &cfg };

	mp_relay_request_headers(&from, &to, &o);
}

/* As the WHIP relay answers its client (whip_relay.c). */
static void whip_response(void)
{
	struct mp_relay_response_opts o = { .rewritten = true, .own_cors = true, .location_back = true };

	mp_relay_response_headers(&from, &to, &o);
}

static int setup(void **state)
{
	(void)state;
	/* an empty TAILQ (keyvalq_struct.h declares the head, not the init macro) */
	from.tqh_first = NULL;
	from.tqh_last = &from.tqh_first;
	to.tqh_first = NULL;
	to.tqh_last = &to.tqh_first;
	memset(&cfg, 0, sizeof(cfg));
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
	player_request(&from, &to, "198.18.4.6", 0);
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
	player_request(&from, &to, NULL, 0);
	assert_null(evhttp_find_header(&to, "Keep-Alive"));
	assert_null(evhttp_find_header(&to, "X-Hop"));
	assert_null(evhttp_find_header(&to, "Transfer-Encoding"));
	assert_null(evhttp_find_header(&to, "Upgrade"));
	assert_null(evhttp_find_header(&to, "Proxy-Authorization"));
	assert_null(evhttp_find_header(&to, "X-Forwarded-For"));
	assert_string_equal(evhttp_find_header(&to, "X-End"), "2");
	assert_string_equal(evhttp_find_header(&to, "Connection"), "close"); /* ours, not the client's */
	assert_string_equal(evhttp_find_header(&to, "Via"), mp_hop_via());   /* our hop marker */
	assert_int_equal(count(&to), 3);
}

/* A chain keeps every hop's Via entry (RFC 9110 section 7.6.3) and adds ours after them, so a request
 * that comes back through another appliance still names us. */
static void test_request_keeps_the_clients_via_and_adds_ours(void **state)
{
	const struct evkeyval *kv;
	int vias = 0, ours = 0;

	(void)state;
	mp_hop_init("edge-a");
	evhttp_add_header(&from, "Via", "1.1 mediaplane-edge-b, 1.0 squid");
	player_request(&from, &to, "198.18.4.6", 0);
	for (kv = to.tqh_first; kv; kv = kv->next.tqe_next)
		if (!strcmp(kv->key, "Via")) {
			vias++;
			ours += !strcmp(kv->value, "1.1 mediaplane-edge-a");
			if (vias == 1)
				assert_string_equal(kv->value, "1.1 mediaplane-edge-b, 1.0 squid");
		}
	assert_int_equal(vias, 2);
	assert_int_equal(ours, 1);
	assert_string_equal(mp_hop_name(), "mediaplane-edge-a");
}

static void test_untrusted_client_cannot_name_another_address(void **state)
{
	(void)state;
	/* what a client would send to pass an origin's allow-list or skew its hooks */
	evhttp_add_header(&from, "X-Forwarded-For", "10.0.0.1");
	evhttp_add_header(&from, "Forwarded", "for=10.0.0.1");
	evhttp_add_header(&from, "X-Real-IP", "10.0.0.1");
	player_request(&from, &to, "198.18.4.6", 0);
	assert_string_equal(evhttp_find_header(&to, "X-Forwarded-For"), "198.18.4.6");
	assert_string_equal(evhttp_find_header(&to, "Forwarded"), "for=198.18.4.6");
	assert_string_equal(evhttp_find_header(&to, "X-Real-IP"), "198.18.4.6");
	assert_int_equal(count(&to), 5); /* the three, Connection, Via: nothing of the client's forgery */
}

static void test_trusted_proxy_chain_is_kept_and_appended(void **state)
{
	(void)state;
	assert_int_equal(mp_cidrs_parse("198.18.4.0/24", &cfg.trusted_proxies), 0);
	evhttp_add_header(&from, "X-Forwarded-For", "203.0.113.7");
	evhttp_add_header(&from, "X-Forwarded-For", "192.0.2.9"); /* a second line: one list (RFC 9110 5.3) */
	evhttp_add_header(&from, "Forwarded", "for=203.0.113.7;proto=https");
	evhttp_add_header(&from, "X-Real-IP", "203.0.113.7");
	player_request(&from, &to, "198.18.4.6", 0);
	assert_string_equal(evhttp_find_header(&to, "X-Forwarded-For"), "203.0.113.7, 192.0.2.9, 198.18.4.6");
	assert_string_equal(evhttp_find_header(&to, "Forwarded"), "for=203.0.113.7;proto=https, for=198.18.4.6");
	assert_string_equal(evhttp_find_header(&to, "X-Real-IP"), "203.0.113.7");
	/* the same headers from a peer outside the list are replaced */
	evhttp_clear_headers(&to);
	player_request(&from, &to, "198.18.5.6", 0);
	assert_string_equal(evhttp_find_header(&to, "X-Forwarded-For"), "198.18.5.6");
	assert_string_equal(evhttp_find_header(&to, "X-Real-IP"), "198.18.5.6");
	assert_true(mp_relay_peer_trusted(&cfg, "198.18.4.200"));
	assert_false(mp_relay_peer_trusted(&cfg, "198.18.5.1"));
	assert_false(mp_relay_peer_trusted(&cfg, "::1"));
	cfg.trusted_proxies.n = 0; /* empty: nobody, although mp_cidrs_match takes an empty list as "any" */
	assert_false(mp_relay_peer_trusted(&cfg, "198.18.4.200"));
}

static void test_ipv6_client_is_a_quoted_forwarded_node(void **state)
{
	(void)state;
	player_request(&from, &to, "2001:db8::7", 0);
	assert_string_equal(evhttp_find_header(&to, "Forwarded"), "for=\"[2001:db8::7]\"");
	assert_string_equal(evhttp_find_header(&to, "X-Forwarded-For"), "2001:db8::7");
}

static void test_playlist_request_asks_for_the_whole_plain_body(void **state)
{
	(void)state;
	evhttp_add_header(&from, "Accept-Encoding", "gzip, br");
	evhttp_add_header(&from, "Range", "bytes=0-");
	evhttp_add_header(&from, "If-Range", "\"abc\"");
	evhttp_add_header(&from, "If-None-Match", "\"abc\"");
	player_request(&from, &to, NULL, 1);
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
	player_response(&from, &to, 0);
	assert_string_equal(evhttp_find_header(&to, "Content-Length"), "1234");
	assert_string_equal(evhttp_find_header(&to, "Server"), "nginx");
	assert_null(evhttp_find_header(&to, "Transfer-Encoding"));
	assert_null(evhttp_find_header(&to, "Connection"));
	evhttp_clear_headers(&to);
	player_response(&from, &to, 1);
	assert_null(evhttp_find_header(&to, "Content-Length"));
	assert_string_equal(evhttp_find_header(&to, "Content-Type"), "video/x-flv");
}

static void test_player_response_location_names_no_origin(void **state)
{
	(void)state;
	/* an origin redirecting a player to itself: the player is sent back here, by path */
	evhttp_add_header(&from, "Location", "http://198.18.2.1:8080/live/other.flv?token=abc");
	player_response(&from, &to, 0);
	assert_string_equal(evhttp_find_header(&to, "Location"), "/live/other.flv?token=abc");
	evhttp_clear_headers(&to);
	player_response(&from, &to, 1);
	assert_string_equal(evhttp_find_header(&to, "Location"), "/live/other.flv?token=abc");
}

static void test_cors_only_when_the_origin_sent_none(void **state)
{
	(void)state;
	mp_relay_add_cors(&to);
	assert_string_equal(evhttp_find_header(&to, "Access-Control-Allow-Origin"), "*");
	assert_int_equal(count(&to), 3);
	mp_relay_add_cors(&to);
	assert_int_equal(count(&to), 3);
	evhttp_add_header(&from, "Access-Control-Allow-Origin", "https://player.example.com");
	mp_relay_add_cors(&from);
	assert_string_equal(evhttp_find_header(&from, "Access-Control-Allow-Origin"), "https://player.example.com");
	assert_int_equal(count(&from), 1);
}

static void auth_on(void)
{
	cfg.api_auth_enabled = true;
	snprintf(cfg.api_auth_token, sizeof(cfg.api_auth_token), "s3cret");
}

static void test_own_bearer_token_stays_here_in_both_relays(void **state)
{
	(void)state;
	auth_on();
	evhttp_add_header(&from, "Authorization", "bearer s3cret");
	whip_request("198.18.4.6", "198.18.2.1:1985");
	assert_null(evhttp_find_header(&to, "Authorization"));
	evhttp_clear_headers(&to);
	player_request(&from, &to, "198.18.4.6", 0);
	assert_null(evhttp_find_header(&to, "Authorization"));
}

static void test_other_authorization_goes_to_the_origin(void **state)
{
	(void)state;
	evhttp_add_header(&from, "Authorization", "Bearer origin-token");
	whip_request(NULL, NULL); /* auth off: the client's header is for the origin */
	assert_string_equal(evhttp_find_header(&to, "Authorization"), "Bearer origin-token");
	evhttp_clear_headers(&to);
	auth_on(); /* auth on, but not our token (a player's, on the HTTP stream listener) */
	player_request(&from, &to, NULL, 0);
	assert_string_equal(evhttp_find_header(&to, "Authorization"), "Bearer origin-token");
}

static void test_expect_and_content_length_are_the_relays_own(void **state)
{
	(void)state;
	evhttp_add_header(&from, "Expect", "100-continue");
	evhttp_add_header(&from, "Content-Length", "1234");
	evhttp_add_header(&from, "Content-Type", "application/sdp");
	whip_request(NULL, NULL);
	assert_null(evhttp_find_header(&to, "Expect"));
	assert_null(evhttp_find_header(&to, "Content-Length"));
	assert_string_equal(evhttp_find_header(&to, "Content-Type"), "application/sdp");
	evhttp_clear_headers(&to);
	player_request(&from, &to, NULL, 0);
	assert_null(evhttp_find_header(&to, "Expect"));
	assert_null(evhttp_find_header(&to, "Content-Length"));
}

static void test_whip_request_is_asked_plain_with_host_and_forwarded_for(void **state)
{
	(void)state;
	evhttp_add_header(&from, "Accept-Encoding", "gzip");
	evhttp_add_header(&from, "X-Forwarded-For", "203.0.113.7");
	evhttp_add_header(&from, "Connection", "keep-alive");
	whip_request("198.18.4.6", "198.18.2.1:1985");
	assert_null(evhttp_find_header(&to, "Accept-Encoding"));
	assert_string_equal(evhttp_find_header(&to, "Host"), "198.18.2.1:1985"); /* HTTP/1.0 client sent none */
	assert_string_equal(evhttp_find_header(&to, "X-Forwarded-For"), "198.18.4.6"); /* not a trusted proxy */
	assert_string_equal(evhttp_find_header(&to, "Connection"), "close");
	assert_int_equal(count(&to), 6); /* with our Via, Forwarded, X-Real-IP */
	evhttp_clear_headers(&to);
	evhttp_add_header(&from, "Host", "api.example.com");
	whip_request(NULL, "198.18.2.1:1985");
	assert_string_equal(evhttp_find_header(&to, "Host"), "api.example.com");
}

static void test_overlong_forwarded_for_keeps_only_the_client(void **state)
{
	char chain[MP_RELAY_XFF_MAX];

	(void)state;
	assert_int_equal(mp_cidrs_parse("198.18.4.6", &cfg.trusted_proxies), 0);
	memset(chain, '1', sizeof(chain) - 1);
	chain[sizeof(chain) - 1] = '\0';
	evhttp_add_header(&from, "X-Forwarded-For", chain);
	whip_request("198.18.4.6", NULL);
	assert_string_equal(evhttp_find_header(&to, "X-Forwarded-For"), "198.18.4.6");
	evhttp_clear_headers(&to);
	player_request(&from, &to, "198.18.4.6", 0);
	assert_string_equal(evhttp_find_header(&to, "X-Forwarded-For"), "198.18.4.6");
}

static void test_whip_response_has_no_origin_cors_and_location_comes_back(void **state)
{
	(void)state;
	evhttp_add_header(&from, "Location", "http://198.18.2.1:1985/rtc/v1/whip/?session=abc");
	evhttp_add_header(&from, "Access-Control-Allow-Origin", "*");
	evhttp_add_header(&from, "Content-Length", "999");
	evhttp_add_header(&from, "Transfer-Encoding", "chunked");
	evhttp_add_header(&from, "ETag", "\"1\"");
	whip_response();
	assert_string_equal(evhttp_find_header(&to, "Location"), "/rtc/v1/whip/?session=abc");
	assert_null(evhttp_find_header(&to, "Access-Control-Allow-Origin"));
	assert_null(evhttp_find_header(&to, "Content-Length"));
	assert_null(evhttp_find_header(&to, "Transfer-Encoding"));
	assert_string_equal(evhttp_find_header(&to, "ETag"), "\"1\"");
	assert_int_equal(count(&to), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_keeps_end_to_end_headers_and_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_keeps_the_clients_via_and_adds_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_drops_hop_by_hop_and_connection_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untrusted_client_cannot_name_another_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trusted_proxy_chain_is_kept_and_appended, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_client_is_a_quoted_forwarded_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_playlist_request_asks_for_the_whole_plain_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_response_keeps_length_except_for_a_rewritten_playlist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_player_response_location_names_no_origin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cors_only_when_the_origin_sent_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_bearer_token_stays_here_in_both_relays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_authorization_goes_to_the_origin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expect_and_content_length_are_the_relays_own, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whip_request_is_asked_plain_with_host_and_forwarded_for, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlong_forwarded_for_keeps_only_the_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whip_response_has_no_origin_cors_and_location_comes_back, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
