/* test_ipv6.c: the IPv6 header and extension-header walk, pseudo-header checksums, NDP validation and
 * building, and the ICMPv6 echo reply, against vectors computed independently (tests/data/README.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "byteorder.h"
#include "ipv6.h"
#include "mp_error.h"

static const uint8_t A1[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }; /* 2001:db8::1 */
static const uint8_t A2[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 }; /* 2001:db8::2 */
static const uint8_t MAC1[6] = { 2, 0, 0, 0, 0, 1 };

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	unsigned v;

	for (; h[0] && h[1]; h += 2) {
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* Vectors made with an independent one's-complement sum (Python, struct.unpack over the pseudo-header
 * and message) of the same fields: NS 2001:db8::1 -> ff02::1:ff00:2 for 2001:db8::2 with source
 * link-layer 02:00:00:00:00:01; echo request id 0x1234 seq 1 "abcdefgh" and its reply. */
#define NS_HEX "6000000000203aff20010db8000000000000000000000001ff0200000000000000000001ff00000287001c270000" \
	       "000020010db80000000000000000000000020101020000000001"
#define ECHO_HEX "6000000000103a4020010db800000000000000000000000120010db80000000000000000000000028000807512" \
		 "3400016162636465666768"
#define REPLY_HEX "6000000000103a4020010db800000000000000000000000220010db8000000000000000000000001810" \
		  "07f75123400016162636465666768"

/* An IPv6 header from A1 to A2 with payload n bytes of pl and next header nh. */
static size_t datagram(uint8_t *p, uint8_t nh, const uint8_t *pl, size_t n)
{
	mp_ip6_write_header(p, (uint16_t)n, nh, 64, A1, A2);
	memcpy(p + 40, pl, n);
	return 40 + n;
}

static void plain_udp_is_found_after_the_header(void **state)
{
	uint8_t p[128], udp[12] = { 0x13, 0x88, 0x1f, 0x40, 0, 12 };
	struct mp_ip6 m;
	size_t n = datagram(p, MP_IPPROTO_UDP, udp, sizeof(udp));

	(void)state;
	assert_int_equal(mp_ip6_parse(p, n + 6, &m), MP_IP6_OK); /* Ethernet padding after it is not counted */
	assert_int_equal(m.proto, MP_IPPROTO_UDP);
	assert_int_equal(m.l4_off, 40);
	assert_int_equal(m.l4_len, 12);
	assert_int_equal(m.len, 52);
	assert_int_equal(m.hop_limit, 64);
	assert_int_equal(m.n_ext, 0);
}

static void skippable_extension_headers_are_walked(void **state)
{
	/* hop-by-hop (PadN), destination options (an unknown option of action 00, then Pad1s), routing
	 * with segments left 0, then UDP */
	uint8_t pl[] = { MP_IPPROTO_DSTOPTS, 0, 1, 4, 0, 0, 0, 0,
			 MP_IPPROTO_ROUTING, 0, 0x1e, 2, 0xaa, 0xbb, 0, 0,
			 MP_IPPROTO_UDP, 0, 4, 0, 0, 0, 0, 0,
			 0x13, 0x88, 0x1f, 0x40, 0, 8, 0, 0 };
	uint8_t p[128];
	struct mp_ip6 m;
	size_t n = datagram(p, MP_IPPROTO_HOPOPTS, pl, sizeof(pl));

	(void)state;
	assert_int_equal(mp_ip6_parse(p, n, &m), MP_IP6_OK);
	assert_int_equal(m.n_ext, 3);
	assert_int_equal(m.proto, MP_IPPROTO_UDP);
	assert_int_equal(m.l4_off, 64);
	assert_int_equal(m.l4_len, 8);
}

static void extension_headers_that_say_discard_are_refused(void **state)
{
	uint8_t p[128];
	struct mp_ip6 m;
	/* an unknown option whose action bits are 01 (discard, RFC 8200 section 4.2) */
	uint8_t discard[] = { MP_IPPROTO_UDP, 0, 0x5e, 2, 0, 0, 1, 0, 0x13, 0x88, 0x1f, 0x40, 0, 8, 0, 0 };
	/* routing with segments left 1 */
	uint8_t routing[] = { MP_IPPROTO_UDP, 0, 4, 1, 0, 0, 0, 0, 0x13, 0x88, 0x1f, 0x40, 0, 8, 0, 0 };
	/* hop-by-hop after a destination options header */
	uint8_t late_hbh[] = { MP_IPPROTO_HOPOPTS, 0, 1, 4, 0, 0, 0, 0, MP_IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0 };
	/* a header running past the payload */
	uint8_t past[] = { MP_IPPROTO_UDP, 3, 1, 4, 0, 0, 0, 0 };
	/* an option running past its header */
	uint8_t opt_past[] = { MP_IPPROTO_UDP, 0, 1, 9, 0, 0, 0, 0 };
	/* No Next Header */
	uint8_t none[] = { MP_IPPROTO_NONE, 0, 1, 4, 0, 0, 0, 0 };
	uint8_t chain[8 * (MP_IP6_EXT_MAX + 1)];

	(void)state;
	assert_int_equal(mp_ip6_parse(p, datagram(p, MP_IPPROTO_DSTOPTS, discard, sizeof(discard)), &m), MP_IP6_EXT_BAD);
	assert_int_equal(mp_ip6_parse(p, datagram(p, MP_IPPROTO_ROUTING, routing, sizeof(routing)), &m), MP_IP6_EXT_BAD);
	assert_int_equal(mp_ip6_parse(p, datagram(p, MP_IPPROTO_DSTOPTS, late_hbh, sizeof(late_hbh)), &m), MP_IP6_EXT_BAD);
	assert_int_equal(mp_ip6_parse(p, datagram(p, MP_IPPROTO_DSTOPTS, past, sizeof(past)), &m), MP_IP6_EXT_BAD);
	assert_int_equal(mp_ip6_parse(p, datagram(p, MP_IPPROTO_DSTOPTS, opt_past, sizeof(opt_past)), &m), MP_IP6_EXT_BAD);
	assert_int_equal(mp_ip6_parse(p, datagram(p, MP_IPPROTO_HOPOPTS, none, sizeof(none)), &m), MP_IP6_EXT_BAD);
	/* more than MP_IP6_EXT_MAX destination options headers */
	for (size_t i = 0; i < sizeof(chain); i += 8) {
		uint8_t h[8] = { MP_IPPROTO_DSTOPTS, 0, 1, 4, 0, 0, 0, 0 };

		memcpy(chain + i, h, 8);
	}
	assert_int_equal(mp_ip6_parse(p, datagram(p, MP_IPPROTO_DSTOPTS, chain, sizeof(chain)), &m), MP_IP6_EXT_BAD);
	chain[sizeof(chain) - 8 * 2] = MP_IPPROTO_UDP; /* MP_IP6_EXT_MAX of them, then 8 bytes of "UDP" */
	assert_int_equal(mp_ip6_parse(p, datagram(p, MP_IPPROTO_DSTOPTS, chain, sizeof(chain)), &m), MP_IP6_OK);
	assert_int_equal(m.n_ext, MP_IP6_EXT_MAX);
}

static void fragments_and_broken_headers_are_told_apart(void **state)
{
	uint8_t frag[] = { MP_IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 7, 0x13, 0x88, 0x1f, 0x40, 0, 8, 0, 0 };
	uint8_t p[128];
	struct mp_ip6 m;
	size_t n;

	(void)state;
	assert_int_equal(mp_ip6_parse(p, datagram(p, MP_IPPROTO_FRAGMENT, frag, sizeof(frag)), &m), MP_IP6_FRAGMENT);
	n = datagram(p, MP_IPPROTO_UDP, frag, sizeof(frag));
	assert_int_equal(mp_ip6_parse(p, 39, &m), MP_IP6_MALFORMED);    /* shorter than the header */
	assert_int_equal(mp_ip6_parse(p, n - 1, &m), MP_IP6_MALFORMED); /* payload length past the buffer */
	p[0] = 0x45;
	assert_int_equal(mp_ip6_parse(p, n, &m), MP_IP6_MALFORMED);     /* version 4 */
}

static void prefixes_and_multicast_groups(void **state)
{
	uint8_t sn[16], mac[6], b[16];
	static const uint8_t want_sn[16] = { 0xff, 2, [11] = 1, [12] = 0xff, [15] = 2 };
	static const uint8_t want_mac[6] = { 0x33, 0x33, 0xff, 0, 0, 2 };

	(void)state;
	mp_ip6_solicited_node(A2, sn);
	assert_memory_equal(sn, want_sn, 16);
	mp_ip6_multicast_mac(sn, mac);
	assert_memory_equal(mac, want_mac, 6);
	assert_true(mp_ip6_same_prefix(A1, A2, 64));
	assert_true(mp_ip6_same_prefix(A1, A2, 126));
	assert_false(mp_ip6_same_prefix(A1, A2, 127));
	assert_false(mp_ip6_same_prefix(A1, A2, 128));
	memcpy(b, A1, 16);
	b[4] = 0x80;
	assert_true(mp_ip6_same_prefix(A1, b, 32));
	assert_false(mp_ip6_same_prefix(A1, b, 33));
	assert_true(mp_ip6_same_prefix(A1, b, 0));
}

static void a_neighbour_solicitation_is_built_and_parsed(void **state)
{
	uint8_t want[128], p[128];
	size_t wn = unhex(NS_HEX, want), n;
	struct mp_ip6 m;
	struct mp_nd nd;

	(void)state;
	n = mp_nd_build_ns(p, A1, MAC1, A2, false);
	assert_int_equal(n, wn);
	assert_memory_equal(p, want, wn);
	assert_int_equal(mp_ip6_parse(p, n, &m), MP_IP6_OK);
	assert_int_equal(mp_nd_parse(p, &m, &nd), MP_OK);
	assert_int_equal(nd.type, MP_ND_NS);
	assert_memory_equal(nd.target, A2, 16);
	assert_true(nd.has_lladdr);
	assert_memory_equal(nd.lladdr, MAC1, 6);
	/* unicast probe: to the target itself */
	n = mp_nd_build_ns(p, A1, MAC1, A2, true);
	assert_memory_equal(p + 24, A2, 16);
	assert_int_equal(mp_ip6_parse(p, n, &m), MP_IP6_OK);
	assert_int_equal(mp_nd_parse(p, &m, &nd), MP_OK);
}

static void an_advertisement_is_built_and_parsed(void **state)
{
	uint8_t p[128];
	struct mp_ip6 m;
	struct mp_nd nd;
	size_t n = mp_nd_build_na(p, A2, A1, MAC1, A2, MP_ND_NA_SOLICITED | MP_ND_NA_OVERRIDE);

	(void)state;
	assert_int_equal(n, 72);
	assert_int_equal(mp_ip6_parse(p, n, &m), MP_IP6_OK);
	assert_int_equal(mp_nd_parse(p, &m, &nd), MP_OK);
	assert_int_equal(nd.type, MP_ND_NA);
	assert_int_equal(nd.flags, MP_ND_NA_SOLICITED | MP_ND_NA_OVERRIDE);
	assert_memory_equal(nd.target, A2, 16);
	assert_true(nd.has_lladdr);
	assert_memory_equal(nd.lladdr, MAC1, 6);
}

static void neighbour_discovery_rules_are_enforced(void **state)
{
	uint8_t p[128], base[128];
	size_t n = unhex(NS_HEX, base);
	struct mp_ip6 m;
	struct mp_nd nd;

	(void)state;
	/* RFC 4861 section 7.1.1: hop limit 255 (a forwarded NS is off-link) */
	memcpy(p, base, n);
	p[7] = 254;
	assert_int_equal(mp_ip6_parse(p, n, &m), MP_IP6_OK);
	assert_int_equal(mp_nd_parse(p, &m, &nd), MP_ERR_INVAL);
	/* checksum */
	memcpy(p, base, n);
	p[n - 1] ^= 1;
	assert_int_equal(mp_ip6_parse(p, n, &m), MP_IP6_OK);
	assert_int_equal(mp_nd_parse(p, &m, &nd), MP_ERR_CHECKSUM);
	/* an option of length 0 (a loop otherwise) */
	memcpy(p, base, n);
	p[40 + 25] = 0;
	mp_wr16(p + 42, 0);
	mp_wr16(p + 42, mp_ip6_l4_csum(p, p + 40, 32, MP_IPPROTO_ICMPV6));
	assert_int_equal(mp_ip6_parse(p, n, &m), MP_IP6_OK);
	assert_int_equal(mp_nd_parse(p, &m, &nd), MP_ERR_INVAL);
	/* duplicate address detection from :: must not carry a source link-layer address */
	memcpy(p, base, n);
	memset(p + 8, 0, 16);
	mp_wr16(p + 42, 0);
	mp_wr16(p + 42, mp_ip6_l4_csum(p, p + 40, 32, MP_IPPROTO_ICMPV6));
	assert_int_equal(mp_ip6_parse(p, n, &m), MP_IP6_OK);
	assert_int_equal(mp_nd_parse(p, &m, &nd), MP_ERR_INVAL);
	/* ... and without it, it is valid */
	mp_wr16(p + 4, 24);
	mp_wr16(p + 42, 0);
	mp_wr16(p + 42, mp_ip6_l4_csum(p, p + 40, 24, MP_IPPROTO_ICMPV6));
	assert_int_equal(mp_ip6_parse(p, 64, &m), MP_IP6_OK);
	assert_int_equal(mp_nd_parse(p, &m, &nd), MP_OK);
	assert_false(nd.has_lladdr);
	/* a solicited NA to a multicast address */
	n = mp_nd_build_na(p, A2, (const uint8_t[16]){ 0xff, 2, [15] = 1 }, MAC1, A2, MP_ND_NA_SOLICITED);
	assert_int_equal(mp_ip6_parse(p, n, &m), MP_IP6_OK);
	assert_int_equal(mp_nd_parse(p, &m, &nd), MP_ERR_INVAL);
	/* an echo request is not NDP */
	n = unhex(ECHO_HEX, p);
	assert_int_equal(mp_ip6_parse(p, n, &m), MP_IP6_OK);
	assert_int_equal(mp_nd_parse(p, &m, &nd), MP_ERR_UNSUPPORTED);
}

static void an_echo_request_becomes_its_reply(void **state)
{
	uint8_t p[128], want[128];
	size_t n = unhex(ECHO_HEX, p), wn = unhex(REPLY_HEX, want);
	struct mp_ip6 m;

	(void)state;
	assert_int_equal(mp_ip6_parse(p, n, &m), MP_IP6_OK);
	assert_int_equal(mp_icmp6_echo_reply(p, &m), MP_OK);
	assert_int_equal(n, wn);
	assert_memory_equal(p, want, wn);
	assert_true(mp_ip6_l4_csum_ok(p, p + 40, 16, MP_IPPROTO_ICMPV6));
	/* a reply is not answered; a bad checksum is refused */
	assert_int_equal(mp_icmp6_echo_reply(p, &m), MP_ERR_INVAL);
	n = unhex(ECHO_HEX, p);
	p[n - 1] ^= 0x40;
	assert_int_equal(mp_icmp6_echo_reply(p, &m), MP_ERR_CHECKSUM);
}

static void a_udp_checksum_of_zero_is_sent_as_ffff(void **state)
{
	uint8_t p[128], udp[8] = { 0, 1, 0, 2, 0, 8, 0, 0 };
	size_t n = datagram(p, MP_IPPROTO_UDP, udp, sizeof(udp));
	uint16_t c = mp_ip6_l4_csum(p, p + 40, 8, MP_IPPROTO_UDP);

	(void)state;
	(void)n;
	assert_int_not_equal(c, 0);
	mp_wr16(p + 46, c);
	assert_true(mp_ip6_l4_csum_ok(p, p + 40, 8, MP_IPPROTO_UDP));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_udp_is_found_after_the_header),
		cmocka_unit_test(skippable_extension_headers_are_walked),
		cmocka_unit_test(extension_headers_that_say_discard_are_refused),
		cmocka_unit_test(fragments_and_broken_headers_are_told_apart),
		cmocka_unit_test(prefixes_and_multicast_groups),
		cmocka_unit_test(a_neighbour_solicitation_is_built_and_parsed),
		cmocka_unit_test(an_advertisement_is_built_and_parsed),
		cmocka_unit_test(neighbour_discovery_rules_are_enforced),
		cmocka_unit_test(an_echo_request_becomes_its_reply),
		cmocka_unit_test(a_udp_checksum_of_zero_is_sent_as_ffff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
