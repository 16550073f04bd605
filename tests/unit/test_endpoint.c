/* test_endpoint.c: origin endpoint strings in every form SRS sends, and the ones to refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "endpoint.h"
#include "mp_error.h"

static int parse(const char *s, struct mp_endpoint *ep)
{
	return mp_endpoint_parse(s, strlen(s), ep);
}

static void check(const char *s, uint8_t scheme, uint32_t ip, uint16_t port)
{
	struct mp_endpoint ep;

	assert_int_equal(parse(s, &ep), MP_OK);
	assert_int_equal(ep.scheme, scheme);
	assert_int_equal(ep.ipv4, ip);
	assert_int_equal(ep.port, port);
}

static void every_documented_form_parses(void **state)
{
	(void)state;
	check("1935", MP_EP_ANY, 0, 1935);
	check(":1935", MP_EP_ANY, 0, 1935);
	check("127.0.0.1:11935", MP_EP_ANY, 0x7f000001, 11935);
	check("udp://8000", MP_EP_UDP, 0, 8000);
	check("udp://0.0.0.0:8000", MP_EP_UDP, 0, 8000);
	check("tcp://10.1.2.3:1985", MP_EP_TCP, 0x0a010203, 1985);
	check("tcp://:1935", MP_EP_TCP, 0, 1935);
	check("udp:192.168.0.1:10080", MP_EP_UDP, 0xc0a80001, 10080);
	check("tcp:8080", MP_EP_TCP, 0, 8080);
	check("1", MP_EP_ANY, 0, 1);
	check("65535", MP_EP_ANY, 0, 65535);
	check("255.255.255.255:65535", MP_EP_ANY, 0xffffffff, 65535);
}

static void bad_ports_are_refused(void **state)
{
	struct mp_endpoint ep;
	const char *bad[] = { "0", "65536", "99999", "123456", "-1", "+80", "01935", "19 35", " 1935",
			      "1935 ", "", ":", "udp://", "tcp:", "udp://0.0.0.0:", "1935a", "0x10",
			      "udp://0.0.0.0:0", "tcp://1.2.3.4:70000" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], &ep), MP_ERR_INVAL);
}

static void bad_forms_are_refused(void **state)
{
	struct mp_endpoint ep;
	const char *bad[] = { "http://1935", "UDP://8000", "udp:/8000", "udp:///8000", "1.2.3.4:5:6",
			      "::1935", "[::1]", "[::1]1935", "[::1]:", "[::1:1935", "[]:1935", "[zz::1]:1935",
			      "[fe80::1%eth0]:1935", "[::1]:1.2.3.4:5", "[1.2.3.4]:1935", "[ ::1]:1935", "udp://[::1]:0", "localhost:1935", "1.2.3:1935", "1.2.3.4.5:1935",
			      "256.0.0.1:1935", "01.2.3.4:1935", "1..2.3:1935", "1.2.3.4.:1935",
			      "tcp://udp://1935", "udp: 8000", "udp://a.b.c.d:8000" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], &ep), MP_ERR_INVAL);
	assert_int_equal(mp_endpoint_parse(NULL, 4, &ep), MP_ERR_INVAL);
}

static void check6(const char *s, uint8_t scheme, const char *ip6, uint16_t port)
{
	struct mp_endpoint ep;
	uint8_t want[16];
	char out[64];

	assert_int_equal(parse(s, &ep), MP_OK);
	assert_int_equal(ep.scheme, scheme);
	assert_int_equal(ep.port, port);
	assert_int_equal(ep.ipv4, 0);
	if (!ip6) { /* unspecified: the origin's address */
		assert_int_equal(ep.v6, 0);
		return;
	}
	assert_int_equal(ep.v6, 1);
	assert_int_equal(mp_ipv6_parse(ip6, strlen(ip6), want), MP_OK);
	assert_memory_equal(ep.ip6, want, 16);
	assert_int_equal(mp_endpoint_ip(&ep, 0x7f000001), 0); /* IPv4 readers see no address */
	assert_true(mp_endpoint_host(&ep, 0x7f000001, NULL, out, sizeof(out)) > 0);
	assert_string_equal(out, ip6);
}

/* SRS registers what it listens on: "[::]:1935", "udp://[::]:8000", or a specific IPv6 address. */
static void ipv6_forms_parse(void **state)
{
	struct mp_endpoint ep;
	char out[64];
	static const uint8_t origin6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };

	(void)state;
	check6("[2001:db8::1]:1935", MP_EP_ANY, "2001:db8::1", 1935);
	check6("tcp://[2001:db8::1]:1985", MP_EP_TCP, "2001:db8::1", 1985);
	check6("udp://[fd00:198:18::2]:8000", MP_EP_UDP, "fd00:198:18::2", 8000);
	check6("udp:[2001:DB8::A]:10080", MP_EP_UDP, "2001:db8::a", 10080);
	check6("[::]:1935", MP_EP_ANY, NULL, 1935);
	check6("udp://[::]:8000", MP_EP_UDP, NULL, 8000);
	/* an IPv4-mapped address is that IPv4 address */
	assert_int_equal(parse("[::ffff:198.18.0.5]:1935", &ep), MP_OK);
	assert_int_equal(ep.v6, 0);
	assert_int_equal(ep.ipv4, 0xc6120005);
	/* formatting brackets it again */
	assert_int_equal(parse("tcp://[2001:db8::1]:1935", &ep), MP_OK);
	assert_int_equal(mp_endpoint_format(&ep, out, sizeof(out)), (int)strlen("[2001:db8::1]:1935"));
	assert_string_equal(out, "[2001:db8::1]:1935");
	/* an unspecified endpoint takes its origin's address, of either family */
	assert_int_equal(parse("[::]:1935", &ep), MP_OK);
	assert_true(mp_endpoint_host(&ep, 0, origin6, out, sizeof(out)) > 0);
	assert_string_equal(out, "2001:db8::9");
	assert_true(mp_endpoint_host(&ep, 0xc6120005, NULL, out, sizeof(out)) > 0);
	assert_string_equal(out, "198.18.0.5");
	assert_int_equal(mp_endpoint_host(&ep, 0, NULL, out, sizeof(out)), 7);
	assert_string_equal(out, "0.0.0.0");
}

/* Origins reached over TLS say so in the scheme (SRS's heartbeat has no TLS field). */
static void tls_schemes_parse_and_format(void **state)
{
	struct mp_endpoint ep;
	char out[64];

	(void)state;
	check("tls://1990", MP_EP_TLS, 0, 1990);
	check("https://8088", MP_EP_TLS, 0, 8088);
	check("rtmps://198.18.0.5:1443", MP_EP_TLS, 0xc6120005, 1443);
	check6("https://[2001:db8::1]:8088", MP_EP_TLS, "2001:db8::1", 8088);
	assert_int_equal(parse("rtmps://[2001:db8::1]:1443", &ep), MP_OK);
	assert_true(mp_endpoint_format(&ep, out, sizeof(out)) > 0);
	assert_string_equal(out, "tls://[2001:db8::1]:1443");
	assert_int_equal(parse(out, &ep), MP_OK);
	assert_int_equal(ep.scheme, MP_EP_TLS);
	assert_int_equal(parse("https:8088", &ep), MP_ERR_INVAL);
	assert_int_equal(parse("tls://", &ep), MP_ERR_INVAL);
	assert_int_equal(parse("tls://udp://8000", &ep), MP_ERR_INVAL);
	assert_int_equal(parse("HTTPS://8088", &ep), MP_ERR_INVAL);
}

static void length_bounds_the_parse(void **state)
{
	struct mp_endpoint ep;

	(void)state;
	/* Only the first 4 bytes are the endpoint; what follows must not be read. */
	assert_int_equal(mp_endpoint_parse("19350000", 4, &ep), MP_OK);
	assert_int_equal(ep.port, 1935);
	assert_int_equal(mp_endpoint_parse("1.2.3.4:80xyz", 10, &ep), MP_OK);
	assert_int_equal(ep.port, 80);
}

static void ipv4_parse_is_strict(void **state)
{
	uint32_t ip;

	(void)state;
	assert_int_equal(mp_ipv4_parse("0.0.0.0", 7, &ip), MP_OK);
	assert_int_equal(ip, 0);
	assert_int_equal(mp_ipv4_parse("198.18.0.2", 10, &ip), MP_OK);
	assert_int_equal(ip, 0xc6120002);
	assert_int_equal(mp_ipv4_parse("1.2.3.04", 8, &ip), MP_ERR_INVAL);
	assert_int_equal(mp_ipv4_parse("1.2.3.", 6, &ip), MP_ERR_INVAL);
	assert_int_equal(mp_ipv4_parse(".1.2.3", 6, &ip), MP_ERR_INVAL);
	assert_int_equal(mp_ipv4_parse("1.2.3.4 ", 8, &ip), MP_ERR_INVAL);
	assert_int_equal(mp_ipv4_parse("", 0, &ip), MP_ERR_INVAL);
	assert_int_equal(mp_ipv4_parse("1234.1.1.1", 10, &ip), MP_ERR_INVAL);
}

static void format_round_trips(void **state)
{
	struct mp_endpoint ep;
	char out[32];

	(void)state;
	assert_int_equal(parse("udp://10.0.0.1:8000", &ep), MP_OK);
	assert_int_equal(mp_endpoint_format(&ep, out, sizeof(out)), 13);
	assert_string_equal(out, "10.0.0.1:8000");
	assert_int_equal(parse("1935", &ep), MP_OK);
	assert_int_equal(mp_endpoint_format(&ep, out, sizeof(out)), 4);
	assert_string_equal(out, "1935");
	assert_int_equal(mp_endpoint_format(&ep, out, 4), MP_ERR_NOSPACE);
	assert_int_equal(mp_endpoint_format(&ep, out, 5), 4);
	assert_int_equal(mp_ipv4_format(0xffffffff, out, 16), 15);
	assert_string_equal(out, "255.255.255.255");
	assert_int_equal(mp_ipv4_format(0xffffffff, out, 15), MP_ERR_NOSPACE);
	assert_int_equal(mp_endpoint_ip(&ep, 0x7f000001), 0x7f000001);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_documented_form_parses),
		cmocka_unit_test(bad_ports_are_refused),
		cmocka_unit_test(bad_forms_are_refused),
		cmocka_unit_test(ipv6_forms_parse),
		cmocka_unit_test(tls_schemes_parse_and_format),
		cmocka_unit_test(length_bounds_the_parse),
		cmocka_unit_test(ipv4_parse_is_strict),
		cmocka_unit_test(format_round_trips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
