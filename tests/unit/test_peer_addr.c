/* test_peer_addr.c: client addresses of either family (control/peer_addr.c): an IPv4 client of a
 * dual-stack socket is named and counted as IPv4, IPv6 clients are named without brackets and
 * counted by their /64, and "host:port" brackets IPv6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "peer_addr.h"

static struct sockaddr_in6 six(const char *ip, uint16_t port)
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	assert_int_equal(inet_pton(AF_INET6, ip, &s.sin6_addr), 1);
	return s;
}

static void v4_mapped_client_is_named_as_ipv4(void **state)
{
	struct sockaddr_in6 s = six("::ffff:198.18.0.9", 40000);
	char ip[MP_PEER_HOST_MAX];
	uint16_t port;

	(void)state;
	assert_true(mp_peer_sockaddr((struct sockaddr *)&s, sizeof(s), ip, sizeof(ip), &port));
	assert_string_equal(ip, "198.18.0.9");
	assert_int_equal(port, 40000);
	assert_string_equal(mp_peer_unmap("::ffff:198.18.0.9"), "198.18.0.9");
	assert_string_equal(mp_peer_unmap("::FFFF:198.18.0.9"), "198.18.0.9");
	assert_string_equal(mp_peer_unmap("::ffff:c612:9"), "::ffff:c612:9"); /* not dotted: left as is */
	assert_string_equal(mp_peer_unmap("2001:db8::1"), "2001:db8::1");
	assert_null(mp_peer_unmap(NULL));
}

static void ipv6_and_ipv4_clients_are_named(void **state)
{
	struct sockaddr_in6 s = six("2001:db8::1", 5000);
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(1935), .sin_addr.s_addr = htonl(0xc6120002) };
	char ip[MP_PEER_HOST_MAX], hp[MP_PEER_HOSTPORT_MAX];
	uint16_t port;
	uint32_t v4;

	(void)state;
	assert_true(mp_peer_sockaddr((struct sockaddr *)&s, sizeof(s), ip, sizeof(ip), &port));
	assert_string_equal(ip, "2001:db8::1");
	assert_int_equal(mp_peer_hostport(ip, port, hp, sizeof(hp)), (int)strlen("[2001:db8::1]:5000"));
	assert_string_equal(hp, "[2001:db8::1]:5000");
	assert_true(mp_peer_sockaddr((struct sockaddr *)&s4, sizeof(s4), ip, sizeof(ip), &port));
	assert_string_equal(ip, "198.18.0.2");
	mp_peer_hostport(ip, port, hp, sizeof(hp));
	assert_string_equal(hp, "198.18.0.2:1935");
	/* a short sockaddr is no address */
	assert_false(mp_peer_sockaddr((struct sockaddr *)&s, sizeof(struct sockaddr_in), ip, sizeof(ip), &port));
	assert_string_equal(ip, "?");
	assert_true(mp_peer_ipv4("::ffff:198.18.0.9", &v4));
	assert_int_equal(v4, 0xc6120009);
	assert_false(mp_peer_ipv4("2001:db8::1", &v4));
	/* the longest IPv6 text fits both buffers */
	s = six("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 65535);
	assert_true(mp_peer_sockaddr((struct sockaddr *)&s, sizeof(s), ip, sizeof(ip), &port));
	assert_true(mp_peer_hostport(ip, port, hp, sizeof(hp)) > 0);
}

static void ipv6_clients_count_by_their_64_and_never_as_an_ipv4_one(void **state)
{
	struct sockaddr_in6 a = six("2001:db8:1:2::1", 1), b = six("2001:db8:1:2:ffff::9", 2), c = six("2001:db8:1:3::1", 3);
	struct sockaddr_in6 m = six("::ffff:198.18.0.9", 4), lo = six("::1", 5);
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0xc6120009) };

	(void)state;
	assert_true(mp_peer_key((struct sockaddr *)&a, sizeof(a)) == mp_peer_key((struct sockaddr *)&b, sizeof(b)));
	assert_true(mp_peer_key((struct sockaddr *)&a, sizeof(a)) != mp_peer_key((struct sockaddr *)&c, sizeof(c)));
	/* the same IPv4 client over either socket is one client */
	assert_true(mp_peer_key((struct sockaddr *)&m, sizeof(m)) == 0xc6120009);
	assert_true(mp_peer_key((struct sockaddr *)&s4, sizeof(s4)) == 0xc6120009);
	/* the 32-bit fold for per-source rate tables: IPv4 as it is, an IPv6 /64 as one nonzero key */
	assert_int_equal(mp_peer_key32("198.18.0.9"), 0xc6120009);
	assert_int_equal(mp_peer_key32("::ffff:198.18.0.9"), 0xc6120009);
	assert_int_equal(mp_peer_key32("2001:db8:1:2::1"), mp_peer_key32("2001:db8:1:2:ffff::9"));
	assert_true(mp_peer_key32("2001:db8:1:2::1") != mp_peer_key32("2001:db8:1:3::1"));
	assert_true(mp_peer_key32("::1") != 0);
	assert_int_equal(mp_peer_key32("nonsense"), 0);
	/* no IPv6 key can equal an IPv4 one */
	assert_true(mp_peer_key((struct sockaddr *)&lo, sizeof(lo)) >= (1ull << 32));
	assert_true(mp_peer_key((struct sockaddr *)&a, sizeof(a)) >= (1ull << 32));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v4_mapped_client_is_named_as_ipv4),
		cmocka_unit_test(ipv6_and_ipv4_clients_are_named),
		cmocka_unit_test(ipv6_clients_count_by_their_64_and_never_as_an_ipv4_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
