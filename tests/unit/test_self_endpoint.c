/* test_self_endpoint.c: an origin endpoint that is the appliance's own listener is found (at its bind
 * address; for 0.0.0.0 at a host address, 127.0.0.0/8, public_ip), a co-located origin on other ports
 * is not; and origin_networks: CIDR lists parsed, matched, and empty meaning every address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "config.h"
#include "mp_error.h"
#include "self_endpoint.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static struct mp_config cfg;
static struct mp_self_addrs host = { .ip = { IP(127, 0, 0, 1), IP(10, 1, 2, 3) }, .n = 2, .loaded_ms = 1 };

static int setup(void **state)
{
	char err[256];

	(void)state;
	mp_config_defaults(&cfg); /* listeners on 0.0.0.0: 1935 8080 1985 12025; public_ip 198.18.0.2 */
	assert_int_equal(mp_config_set(&cfg, "api_listen", "10.1.2.3:1986", "test", err, sizeof(err)), MP_OK);
	return 0;
}

static void own_listeners_are_found_on_every_local_address(void **state)
{
	(void)state;
	assert_true(mp_self_endpoint(&cfg, &host, MP_PROTO_RTMP, IP(127, 0, 0, 1), 1935));
	assert_true(mp_self_endpoint(&cfg, &host, MP_PROTO_HTTP, IP(127, 9, 9, 9), 8080)); /* all of 127/8 */
	assert_true(mp_self_endpoint(&cfg, &host, MP_PROTO_HTTP, IP(10, 1, 2, 3), 8080));  /* a host address */
	assert_true(mp_self_endpoint(&cfg, &host, MP_PROTO_RTMP, IP(198, 18, 0, 2), 1935)); /* public_ip */
	assert_true(mp_self_endpoint(&cfg, &host, MP_PROTO_RTMP, 0, 1935));                 /* 0.0.0.0 */
	assert_true(mp_self_endpoint(&cfg, &host, MP_PROTO_API, IP(127, 0, 0, 1), 12025));  /* any TCP listener */
	/* a listener bound to one address is ours there only */
	assert_true(mp_self_endpoint(&cfg, &host, MP_PROTO_API, IP(10, 1, 2, 3), 1986));
	assert_false(mp_self_endpoint(&cfg, &host, MP_PROTO_API, IP(127, 0, 0, 1), 1986));
	/* the data plane's UDP ports at its addresses */
	assert_true(mp_self_endpoint(&cfg, &host, MP_PROTO_SRT, IP(198, 18, 0, 2), 10080));
	assert_true(mp_self_endpoint(&cfg, &host, MP_PROTO_RTC, IP(198, 18, 0, 2), 8000));
}

static void co_located_origins_on_other_ports_stay_allowed(void **state)
{
	(void)state;
	assert_false(mp_self_endpoint(&cfg, &host, MP_PROTO_RTMP, IP(127, 0, 0, 1), 19350));
	assert_false(mp_self_endpoint(&cfg, &host, MP_PROTO_HTTP, IP(10, 1, 2, 3), 18080));
	assert_false(mp_self_endpoint(&cfg, &host, MP_PROTO_RTMP, IP(198, 18, 1, 5), 1935)); /* another host */
	assert_false(mp_self_endpoint(&cfg, &host, MP_PROTO_SRT, IP(127, 0, 0, 1), 10080));  /* UDP on the host */
	assert_false(mp_self_endpoint(&cfg, &host, MP_PROTO_RTC, IP(198, 18, 0, 2), 8001));
}

static void a_registration_names_the_looping_endpoint(void **state)
{
	struct mp_registration r;
	char why[160];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.ipv4 = IP(127, 0, 0, 1);
	r.n_ep[MP_PROTO_RTMP] = 1;
	r.ep[MP_PROTO_RTMP][0].port = 19350;
	r.n_ep[MP_PROTO_HTTP] = 2;
	r.ep[MP_PROTO_HTTP][0].port = 18080;
	r.ep[MP_PROTO_HTTP][1].port = 8080; /* the second endpoint loops */
	assert_int_equal(mp_self_check_registration(&cfg, &host, &r, why, sizeof(why)), MP_ERR_PERM);
	assert_non_null(strstr(why, "http[1] 127.0.0.1:8080"));
	r.ep[MP_PROTO_HTTP][1].port = 18081;
	assert_int_equal(mp_self_check_registration(&cfg, &host, &r, why, sizeof(why)), MP_OK);
}

/* IPv6 origins: the default listeners (all addresses, dual stack) are ours at ::1, :: and a host IPv6
 * address; an IPv6 listener at its own address only; other hosts and ports are not ours. */
static void ipv6_endpoints_that_are_ours_are_found(void **state)
{
	static const uint8_t lo6[16] = { [15] = 1 }, mine[16] = { 0xfd, 0, 1, 0x98, 0, 0x18, [15] = 2 },
			     other[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
	struct mp_self_addrs h = host;
	struct mp_registration r;
	char why[160], err[256];

	(void)state;
	memcpy(h.ip6[0], mine, 16);
	h.n6 = 1;
	assert_true(mp_self_endpoint6(&cfg, &h, MP_PROTO_RTMP, lo6, 1935));
	assert_true(mp_self_endpoint6(&cfg, &h, MP_PROTO_HTTP, mine, 8080));
	assert_false(mp_self_endpoint6(&cfg, &h, MP_PROTO_RTMP, other, 1935)); /* another host */
	assert_false(mp_self_endpoint6(&cfg, &h, MP_PROTO_RTMP, lo6, 19350));  /* a co-located origin */
	assert_false(mp_self_endpoint6(&cfg, &h, MP_PROTO_API, lo6, 1986));    /* api_listen is 10.1.2.3 only */
	/* without dual stack 0.0.0.0 takes no IPv6 */
	assert_int_equal(mp_config_set(&cfg, "listen_dual_stack", "off", "test", err, sizeof(err)), MP_OK);
	assert_false(mp_self_endpoint6(&cfg, &h, MP_PROTO_RTMP, lo6, 1935));
	/* an IPv6 listener at its address; [::] with dual stack takes IPv4 too */
	assert_int_equal(mp_config_set(&cfg, "rtmp_listen", "[fd00:198:18::2]:1935", "test", err, sizeof(err)), MP_OK);
	assert_true(mp_self_endpoint6(&cfg, &h, MP_PROTO_RTMP, mine, 1935));
	assert_false(mp_self_endpoint6(&cfg, &h, MP_PROTO_RTMP, lo6, 1935));
	assert_false(mp_self_endpoint(&cfg, &h, MP_PROTO_RTMP, IP(127, 0, 0, 1), 1935));
	assert_int_equal(mp_config_set(&cfg, "listen_dual_stack", "on", "test", err, sizeof(err)), MP_OK);
	assert_int_equal(mp_config_set(&cfg, "rtmp_listen", "[::]:1935", "test", err, sizeof(err)), MP_OK);
	assert_true(mp_self_endpoint(&cfg, &h, MP_PROTO_RTMP, IP(127, 0, 0, 1), 1935));
	/* a registration from an IPv6 origin: a bare port takes the origin's address */
	memset(&r, 0, sizeof(r));
	r.ip_v6 = 1;
	memcpy(r.ip6, lo6, 16);
	r.n_ep[MP_PROTO_RTMP] = 1;
	r.ep[MP_PROTO_RTMP][0].port = 19350;
	assert_int_equal(mp_self_check_registration(&cfg, &h, &r, why, sizeof(why)), MP_OK);
	r.ep[MP_PROTO_RTMP][0].port = 1935;
	assert_int_equal(mp_self_check_registration(&cfg, &h, &r, why, sizeof(why)), MP_ERR_PERM);
	assert_non_null(strstr(why, "rtmp[0] [::1]:1935"));
	/* issue 16: the data plane's UDP ports at its own IPv6 addresses (SRT and WebRTC media reach IPv6
	 * origins through it) */
	assert_int_equal(mp_config_set(&cfg, "private_ip6", "2001:db8::2/64", "test", err, sizeof(err)), MP_OK);
	assert_true(mp_self_endpoint6(&cfg, &h, MP_PROTO_SRT, cfg.private_ip6.ip6, 10080));
	assert_true(mp_self_endpoint6(&cfg, &h, MP_PROTO_RTC, cfg.private_ip6.ip6, 8000));
	assert_false(mp_self_endpoint6(&cfg, &h, MP_PROTO_SRT, cfg.private_ip6.ip6, 10081));
	assert_false(mp_self_endpoint6(&cfg, &h, MP_PROTO_SRT, other, 10080));
	assert_int_equal(mp_config_set(&cfg, "private_ip6", "off", "test", err, sizeof(err)), MP_OK);
	assert_false(mp_self_endpoint6(&cfg, &h, MP_PROTO_SRT, lo6, 10080));
	/* an IPv4 origin naming an IPv6 endpoint elsewhere is fine */
	memset(&r, 0, sizeof(r));
	r.ipv4 = IP(127, 0, 0, 1);
	r.n_ep[MP_PROTO_RTMP] = 1;
	r.ep[MP_PROTO_RTMP][0].port = 1935;
	r.ep[MP_PROTO_RTMP][0].v6 = 1;
	memcpy(r.ep[MP_PROTO_RTMP][0].ip6, other, 16);
	assert_int_equal(mp_self_check_registration(&cfg, &h, &r, why, sizeof(why)), MP_OK);
}

static void origin_networks_match_cidrs(void **state)
{
	struct mp_cidrs l;
	char err[256];

	(void)state;
	assert_true(mp_cidrs_match(&cfg.origin_networks, IP(203, 0, 113, 9))); /* default: any address */
	assert_int_equal(mp_cidrs_parse("198.18.0.0/15, 10.9.8.7 192.0.2.77/24,", &l), MP_OK);
	assert_int_equal(l.n, 3);
	assert_true(mp_cidrs_match(&l, IP(198, 19, 255, 1)));
	assert_false(mp_cidrs_match(&l, IP(198, 20, 0, 1)));
	assert_true(mp_cidrs_match(&l, IP(10, 9, 8, 7)));
	assert_false(mp_cidrs_match(&l, IP(10, 9, 8, 6)));
	assert_true(mp_cidrs_match(&l, IP(192, 0, 2, 1))); /* host bits of 192.0.2.77/24 ignored */
	assert_int_equal(mp_cidrs_parse("0.0.0.0/0", &l), MP_OK);
	assert_true(mp_cidrs_match(&l, IP(1, 2, 3, 4)));
	assert_int_equal(mp_cidrs_parse("", &l), MP_OK);
	assert_int_equal(l.n, 0);
	assert_int_not_equal(mp_cidrs_parse("10.0.0.0/33", &l), MP_OK);
	assert_int_not_equal(mp_cidrs_parse("example.com", &l), MP_OK);
	assert_int_equal(mp_config_set(&cfg, "origin_networks", "198.18.0.0/15", "test", err, sizeof(err)), MP_OK);
	assert_false(mp_cidrs_match(&cfg.origin_networks, IP(203, 0, 113, 9)));
	assert_int_not_equal(mp_config_set(&cfg, "origin_networks", "198.18.0.0/99", "test", err, sizeof(err)), MP_OK);
	assert_int_equal(mp_config_set(&cfg, "node_id", "edge a", "test", err, sizeof(err)), MP_OK);
	assert_int_not_equal(mp_config_validate(&cfg, err, sizeof(err)), MP_OK); /* a space in node_id */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(own_listeners_are_found_on_every_local_address, setup),
		cmocka_unit_test_setup(co_located_origins_on_other_ports_stay_allowed, setup),
		cmocka_unit_test_setup(a_registration_names_the_looping_endpoint, setup),
		cmocka_unit_test_setup(ipv6_endpoints_that_are_ours_are_found, setup),
		cmocka_unit_test_setup(origin_networks_match_cidrs, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
