/* test_http_hop.c: hop-by-hop header rules (RFC 9110 section 7.6.1) and the WHIP resource Location target. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http_hop.h"
#include "mp_error.h"

static char out[256];

static int target(const char *loc)
{
	return mp_http_location_target(loc, strlen(loc), out, sizeof(out));
}

static void hop_by_hop_fields_are_named_in_any_case(void **state)
{
	(void)state;
	assert_true(mp_http_hop_by_hop("Connection", NULL));
	assert_true(mp_http_hop_by_hop("keep-alive", NULL));
	assert_true(mp_http_hop_by_hop("TRANSFER-ENCODING", NULL));
	assert_true(mp_http_hop_by_hop("Upgrade", NULL));
	assert_true(mp_http_hop_by_hop("te", NULL));
	assert_true(mp_http_hop_by_hop("Proxy-Connection", NULL));
	assert_true(mp_http_hop_by_hop("Proxy-Authorization", NULL));
	assert_true(mp_http_hop_by_hop("Proxy-Authenticate", NULL));
	assert_true(mp_http_hop_by_hop("Trailer", NULL));
	assert_false(mp_http_hop_by_hop("Host", NULL));
	assert_false(mp_http_hop_by_hop("Content-Length", NULL));
	assert_false(mp_http_hop_by_hop("Location", NULL));
	assert_false(mp_http_hop_by_hop("ETag", NULL));
	assert_false(mp_http_hop_by_hop("Authorization", NULL));
	assert_false(mp_http_hop_by_hop(NULL, "close"));
	assert_false(mp_http_hop_by_hop(NULL, NULL));
}

static void fields_listed_in_connection_are_hop_by_hop(void **state)
{
	(void)state;
	assert_true(mp_http_hop_by_hop("X-Trace", "close, x-trace"));
	assert_true(mp_http_hop_by_hop("X-Trace", "X-Trace"));
	assert_true(mp_http_hop_by_hop("X-Trace", " ,\tX-Trace\t, close"));
	assert_false(mp_http_hop_by_hop("X-Trace", "close, X-Trace-Id"));
	assert_false(mp_http_hop_by_hop("X-Trace", "close, X-Tra"));
	assert_false(mp_http_hop_by_hop("ETag", "close"));
	assert_false(mp_http_hop_by_hop("", ",,"));
}

static void srs_location_is_kept_as_it_is(void **state)
{
	const char *srs = "/rtc/v1/whip/?action=delete&token=024tbz998&app=live&stream=curl&session=6wii000d:oZ0b";

	(void)state;
	assert_int_equal(target(srs), (int)strlen(srs));
	assert_string_equal(out, srs);
	assert_int_equal(target("resource/1"), 10); /* a relative path resolves against the appliance's URL */
	assert_string_equal(out, "resource/1");
}

static void absolute_location_comes_back_to_the_appliance(void **state)
{
	(void)state;
	assert_int_equal(target("http://198.18.2.1:1985/whip/resource/abc?x=1#frag"), 22);
	assert_string_equal(out, "/whip/resource/abc?x=1");
	assert_true(target("HTTPS://origin.example/r") > 0);
	assert_string_equal(out, "/r");
	assert_true(target("//origin.example:8443/r?q") > 0);
	assert_string_equal(out, "/r?q");
	assert_true(target("http://origin.example") > 0);
	assert_string_equal(out, "/");
	assert_true(target("http://origin.example?q=1") > 0);
	assert_string_equal(out, "/?q=1");
	assert_true(target("http://user@h:1/#x") > 0);
	assert_string_equal(out, "/");
}

static void bad_locations_are_refused(void **state)
{
	char small[4];

	(void)state;
	assert_int_equal(target(""), MP_ERR_INVAL);
	assert_int_equal(target("/a b"), MP_ERR_INVAL);
	assert_int_equal(target("/a\r\nSet-Cookie: x"), MP_ERR_INVAL);
	assert_int_equal(mp_http_location_target("/a\0b", 4, out, sizeof(out)), MP_ERR_INVAL);
	assert_int_equal(mp_http_location_target("/abcd", 5, small, sizeof(small)), MP_ERR_NOSPACE);
	assert_int_equal(mp_http_location_target("http://h/abc", 12, small, sizeof(small)), MP_ERR_NOSPACE);
	assert_int_equal(mp_http_location_target("http://h", 8, small, 1), MP_ERR_NOSPACE);
	assert_int_equal(mp_http_location_target("/a", 2, small, 3), 2);
}

static void connection_lists_more_hop_fields_exactly(void **state)
{
	(void)state;
	assert_true(mp_http_hop_by_hop("x-trace", "keep-alive, X-Trace"));
	assert_true(mp_http_hop_by_hop("X-B", " X-A ,X-B"));
	assert_true(mp_http_hop_by_hop("Close", "close"));
	assert_false(mp_http_hop_by_hop("X-Tra", "X-Trace"));
	assert_false(mp_http_hop_by_hop("X-Trace", "X-Trace2"));
	assert_false(mp_http_hop_by_hop("X", ""));
	assert_false(mp_http_hop_by_hop("X", NULL));
	assert_false(mp_http_hop_by_hop("", ",,"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(connection_lists_more_hop_fields_exactly),
		cmocka_unit_test(hop_by_hop_fields_are_named_in_any_case),
		cmocka_unit_test(fields_listed_in_connection_are_hop_by_hop),
		cmocka_unit_test(srs_location_is_kept_as_it_is),
		cmocka_unit_test(absolute_location_comes_back_to_the_appliance),
		cmocka_unit_test(bad_locations_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
