/* test_url_query.c: query lookup takes the first of repeated keys (as Go's url.Values.Get), bounded by len. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mp_error.h"
#include "url_query.h"

static int find(const char *q, const char *key, const char **v, size_t *n)
{
	return mp_url_query_find(q, strlen(q), key, v, n);
}

static void a_repeated_key_gives_its_first_value(void **state)
{
	const char *v;
	size_t n;
	char out[16];

	(void)state;
	assert_int_equal(find("vhost=a&x=1&vhost=b", "vhost", &v, &n), MP_OK);
	assert_int_equal(n, 1);
	assert_memory_equal(v, "a", 1);
	/* an empty first value still wins over a later one, as url.Values.Get returns "" */
	assert_int_equal(find("k=&k=later", "k", &v, &n), MP_OK);
	assert_int_equal(n, 0);
	assert_int_equal(find("k&k=later", "k", &v, &n), MP_OK);
	assert_int_equal(n, 0);
	assert_int_equal(mp_url_query_get("s=one%20x&s=two", 15, "s", out, sizeof(out)), 5);
	assert_string_equal(out, "one x");
}

static void keys_match_whole_and_the_length_bounds_the_search(void **state)
{
	const char *v;
	size_t n;

	(void)state;
	assert_int_equal(find("xk=1&kx=2", "k", &v, &n), MP_ERR_NOTFOUND);
	assert_int_equal(find("", "k", &v, &n), MP_ERR_NOTFOUND);
	assert_int_equal(mp_url_query_find("a=1&k=2", 3, "k", &v, &n), MP_ERR_NOTFOUND);
	assert_int_equal(mp_url_query_find("k=12345", 4, "k", &v, &n), MP_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(v, "12", 2);
}

static void bad_escapes_and_small_buffers_are_errors(void **state)
{
	char out[4];

	(void)state;
	assert_int_equal(mp_url_query_get("k=%4", 4, "k", out, sizeof(out)), MP_ERR_INVAL);
	assert_int_equal(mp_url_query_get("k=%zz", 5, "k", out, sizeof(out)), MP_ERR_INVAL);
	assert_int_equal(mp_url_query_get("k=abcd", 6, "k", out, sizeof(out)), MP_ERR_NOSPACE);
	assert_int_equal(mp_url_query_get("k=a+b", 5, "k", out, sizeof(out)), 3);
	assert_string_equal(out, "a b");
}

static void query_set_replaces_the_clients_own_and_appends(void **state)
{
	char out[128];
	const char *forged = "livestream?client_ip=10.0.0.1&token=abc&client_ip=10.0.0.2&x";

	(void)state;
	assert_int_equal(mp_url_query_set("livestream", 10, "client_ip", "198.18.1.2", out, sizeof(out)),
			 (int)strlen("livestream?client_ip=198.18.1.2"));
	assert_string_equal(out, "livestream?client_ip=198.18.1.2");
	mp_url_query_set("livestream?token=abc", 20, "client_ip", "198.18.1.2", out, sizeof(out));
	assert_string_equal(out, "livestream?token=abc&client_ip=198.18.1.2");
	mp_url_query_set(forged, strlen(forged), "client_ip", "198.18.1.2", out, sizeof(out));
	assert_string_equal(out, "livestream?token=abc&x&client_ip=198.18.1.2");
	/* a key that only starts like ours is another key */
	mp_url_query_set("s?client_ipx=1&=2&&", 19, "client_ip", "1.2.3.4", out, sizeof(out));
	assert_string_equal(out, "s?client_ipx=1&=2&client_ip=1.2.3.4");
	assert_int_equal(mp_url_query_set("s", 1, "", "v", out, sizeof(out)), MP_ERR_INVAL);
	assert_int_equal(mp_url_query_set("livestream?token=abc", 20, "client_ip", "198.18.1.2", out, 20), MP_ERR_NOSPACE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_repeated_key_gives_its_first_value),
		cmocka_unit_test(keys_match_whole_and_the_length_bounds_the_search),
		cmocka_unit_test(bad_escapes_and_small_buffers_are_errors),
		cmocka_unit_test(query_set_replaces_the_clients_own_and_appends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
