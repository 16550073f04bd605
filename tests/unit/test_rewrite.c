/* test_rewrite.c: NAT rewrite keeps IPv4 and UDP checksums valid and the payload intact; ARP requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "rewrite.h"
#include "test_data.h"
#include "test_iface.h"
#include "udp_frame.h"

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0xa }, MAC_B[6] = { 0x02, 0, 0, 0, 0, 0xb };

/* UDP checksum over the pseudo-header (RFC 768), computed from scratch. */
static uint16_t udp_csum_full(const uint8_t *ip, const uint8_t *u, size_t ulen)
{
	uint32_t s = 0;

	for (int i = 12; i < 20; i += 2)
		s += mp_rd16(ip + i);
	s += 17 + (uint32_t)ulen;
	return mp_csum(u, ulen, s);
}

static size_t make_udp(uint8_t *f, uint32_t sip, uint16_t sp, uint32_t dip, uint16_t dp, const uint8_t *pl,
		       size_t n, int with_csum)
{
	uint8_t *ip = f + 14, *u = f + 34;

	memset(f, 0, 42);
	memcpy(f, MAC_A, 6);
	memcpy(f + 6, MAC_B, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((28 + n) >> 8);
	ip[3] = (uint8_t)(28 + n);
	ip[8] = 64;
	ip[9] = 17;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(sip >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dip >> (24 - 8 * i));
	}
	u[0] = (uint8_t)(sp >> 8);
	u[1] = (uint8_t)sp;
	u[2] = (uint8_t)(dp >> 8);
	u[3] = (uint8_t)dp;
	u[4] = (uint8_t)((8 + n) >> 8);
	u[5] = (uint8_t)(8 + n);
	memcpy(u + 8, pl, n);
	{
		uint16_t c = (uint16_t)~mp_csum(ip, 20, 0);

		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	}
	if (with_csum) {
		uint16_t c = (uint16_t)~udp_csum_full(ip, u, 8 + n);

		if (!c)
			c = 0xffff;
		u[6] = (uint8_t)(c >> 8);
		u[7] = (uint8_t)c;
	}
	return 42 + n;
}

static struct mp_iface iface(uint32_t ip)
{
	return mp_test_iface(MAC_A, ip, 32768, 65535);
}

static void rewrite_keeps_checksums_valid_over_random_addresses(void **state)
{
	uint8_t f[1600], pl[1200];

	(void)state;
	srand(7);
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(rand() % 1200);
		uint32_t nsip = (uint32_t)rand() ^ ((uint32_t)rand() << 16), ndip = (uint32_t)rand() << 1;
		uint16_t nsp = (uint16_t)(rand() | 1), ndp = (uint16_t)(rand() | 1);
		struct mp_iface ifc = iface(0xC6120002);
		struct mp_pkt p;
		size_t len;

		for (size_t k = 0; k < n; k++)
			pl[k] = (uint8_t)rand();
		len = make_udp(f, 0xC6120001, 5000, 0xC6120002, 8000, pl, n, round % 3 != 0);
		assert_int_equal(mp_classify(f, len, &ifc, &p), MP_V_WEBRTC);
		mp_udp_rewrite(f, &p, MAC_B, MAC_A, nsip, nsp, ndip, ndp);
		assert_int_equal(mp_csum(f + 14, 20, 0), 0xffff);
		assert_int_equal(f[14 + 8], 63);
		assert_int_equal(mp_rd16(f + 34), nsp);
		assert_int_equal(mp_rd16(f + 36), ndp);
		assert_int_equal(mp_rd16(f + 14 + 12), nsip >> 16);
		assert_int_equal(mp_rd16(f + 14 + 18), ndip & 0xffff);
		assert_memory_equal(f, MAC_A, 6);
		assert_memory_equal(f + 6, MAC_B, 6);
		assert_memory_equal(f + 42, pl, n);
		if (round % 3 != 0)
			assert_int_equal(udp_csum_full(f + 14, f + 34, 8 + n), 0xffff);
		else
			assert_int_equal(mp_rd16(f + 40), 0); /* no checksum stays no checksum */
	}
}

static void rewrite_of_real_srtp_keeps_payload_byte_identical(void **state)
{
	struct mp_pcap pc;
	struct mp_pcap_frame fr;
	int n = 0;

	(void)state;
	mp_pcap_open(&pc, "webrtc-aiortc-whip.pcap");
	while (mp_pcap_next(&pc, &fr)) {
		uint8_t f[2048];
		struct mp_iface ifc = iface(0xC6120002);
		struct mp_pkt p;
		size_t len;

		if (fr.ip_proto != 17)
			continue;
		len = make_udp(f, 0xC6120001, fr.src_port, 0xC6120002, 8000, fr.payload, fr.payload_len, 1);
		assert_int_equal(mp_classify(f, len, &ifc, &p), MP_V_WEBRTC);
		mp_udp_rewrite(f, &p, MAC_A, MAC_B, 0xC6130002, 40000, 0xC6130001, 8001);
		assert_memory_equal(f + 42, fr.payload, fr.payload_len);
		assert_int_equal(udp_csum_full(f + 14, f + 34, 8 + fr.payload_len), 0xffff);
		n++;
	}
	mp_pcap_close(&pc);
	assert_true(n > 100);
}

static void arp_request_and_gratuitous_arp_are_well_formed(void **state)
{
	struct mp_iface ifc = iface(0xC6120002);
	uint8_t f[64];
	struct mp_pkt p;
	struct mp_iface peer = iface(0xC6120001);

	(void)state;
	assert_int_equal(mp_build_arp_request(f, &ifc, 0xC6120001), 60);
	assert_memory_equal(f + 6, MAC_A, 6);
	assert_int_equal(mp_rd16(f + 12), 0x0806);
	assert_int_equal(mp_rd16(f + 20), 1);
	/* The peer (198.18.0.1) classifies it as a request for itself and answers. */
	memcpy(peer.mac, MAC_B, 6);
	assert_int_equal(mp_classify(f, 60, &peer, &p), MP_V_REPLY);
	assert_int_equal(p.src_ip, 0xC6120002);
	/* Gratuitous: target is our own address. */
	assert_int_equal(mp_build_arp_request(f, &ifc, 0xC6120002), 60);
	assert_int_equal(mp_rd16(f + 14 + 14), 0xC612);
	assert_int_equal(mp_rd16(f + 14 + 24), 0xC612);
	assert_int_equal(mp_rd16(f + 14 + 26), 0x0002);
	ifc.vlan_id = 42;
	assert_int_equal(mp_build_arp_request(f, &ifc, 0xC6120001), 60);
	assert_int_equal(mp_rd16(f + 12), 0x8100);
	assert_int_equal(mp_rd16(f + 14), 42);
	assert_int_equal(mp_rd16(f + 16), 0x0806);
}

/* Our solicitation, classified by the neighbour it asks for, answered in place by that neighbour,
 * and its advertisement classified by us: both ends of RFC 4861 address resolution. */
static void neighbour_solicitation_and_its_answer_are_well_formed(void **state)
{
	struct mp_iface a = iface(0xC6120002), b = iface(0xC6120001);
	uint8_t f[128];
	struct mp_pkt p;
	size_t n;

	(void)state;
	for (uint16_t vlan = 0; vlan <= 42; vlan += 42) {
		size_t l3 = vlan ? 18 : 14;

		a.has_ip6 = b.has_ip6 = 1;
		a.prefix6 = b.prefix6 = 64;
		a.vlan_id = b.vlan_id = vlan;
		memcpy(a.ip6, (const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, [15] = 2 }, 16);
		memcpy(b.ip6, (const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, 16);
		memcpy(b.mac, MAC_B, 6);
		n = mp_build_nd_solicit(f, &a, b.ip6, NULL);
		assert_int_equal(n, l3 + 72);
		assert_memory_equal(f, ((const uint8_t[6]){ 0x33, 0x33, 0xff, 0, 0, 1 }), 6);
		assert_int_equal(mp_classify(f, n, &b, &p), MP_V_ND);
		assert_true(p.is_arp_request);
		assert_true(p.nd_lladdr);
		assert_memory_equal(p.src_mac, MAC_A, 6);
		assert_int_equal(mp_nd_answer(f, l3 + 71, &p, &b), 0); /* no room */
		n = mp_nd_answer(f, sizeof(f), &p, &b);
		assert_int_equal(n, l3 + 72);
		assert_memory_equal(f, MAC_A, 6);
		assert_int_equal(mp_classify(f, n, &a, &p), MP_V_ND);
		assert_false(p.is_arp_request);
		assert_true(p.nd_lladdr);
		assert_memory_equal(p.src_mac, MAC_B, 6);
		/* a unicast probe goes to the MAC we know, and is answered the same way */
		n = mp_build_nd_solicit(f, &a, b.ip6, MAC_B);
		assert_memory_equal(f, MAC_B, 6);
		assert_int_equal(mp_classify(f, n, &b, &p), MP_V_ND);
		assert_true(p.is_arp_request);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rewrite_keeps_checksums_valid_over_random_addresses),
		cmocka_unit_test(rewrite_of_real_srtp_keeps_payload_byte_identical),
		cmocka_unit_test(arp_request_and_gratuitous_arp_are_well_formed),
		cmocka_unit_test(neighbour_solicitation_and_its_answer_are_well_formed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
