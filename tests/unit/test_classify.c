/* test_classify.c: frame classification, ARP and ICMP echo answers, and every header drop reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "classify.h"
#include "test_data.h"
#include "test_iface.h"
#include "udp_frame.h"

static const uint8_t OUR_MAC[6] = { 0x02, 0x00, 0xc6, 0x12, 0x00, 0x02 };
static const uint8_t PEER_MAC[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01 };
#define OUR_IP 0xC6120002u  /* 198.18.0.2 */
#define PEER_IP 0xC6120001u /* 198.18.0.1 */

static struct mp_iface iface(void)
{
	struct mp_iface i = mp_test_iface(OUR_MAC, OUR_IP, 20000, 59999);

	i.gateway = PEER_IP;
	return i;
}

/* Ethernet + IPv4 (+ l4 bytes) with a valid header checksum; returns the frame length. */
static size_t ipv4_frame(uint8_t *f, uint8_t proto, uint32_t src, uint32_t dst, const uint8_t *l4, size_t l4len)
{
	uint8_t *ip = f + 14;

	memcpy(f, OUR_MAC, 6);
	memcpy(f + 6, PEER_MAC, 6);
	mp_wr16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	mp_wr16(ip + 2, (uint16_t)(20 + l4len));
	mp_wr16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = proto;
	mp_wr32(ip + 12, src);
	mp_wr32(ip + 16, dst);
	mp_wr16(ip + 10, (uint16_t)~mp_csum(ip, 20, 0));
	memcpy(ip + 20, l4, l4len);
	return 14 + 20 + l4len;
}

static size_t udp_frame(uint8_t *f, uint16_t sport, uint16_t dport, const uint8_t *payload, size_t plen)
{
	uint8_t udp[1600];

	mp_wr16(udp, sport);
	mp_wr16(udp + 2, dport);
	mp_wr16(udp + 4, (uint16_t)(8 + plen));
	mp_wr16(udp + 6, 0);
	memcpy(udp + 8, payload, plen);
	return ipv4_frame(f, 17, PEER_IP, OUR_IP, udp, 8 + plen);
}

static size_t arp_frame(uint8_t *f, uint16_t op, uint32_t target)
{
	uint8_t *a = f + 14;

	memset(f, 0xff, 6);
	memcpy(f + 6, PEER_MAC, 6);
	mp_wr16(f + 12, 0x0806);
	mp_wr16(a, 1);
	mp_wr16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	mp_wr16(a + 6, op);
	memcpy(a + 8, PEER_MAC, 6);
	mp_wr32(a + 14, PEER_IP);
	memset(a + 18, 0, 6);
	mp_wr32(a + 24, target);
	return 42;
}

static void arp_request_for_us_is_answered_in_place(void **state)
{
	struct mp_iface i = iface();
	struct mp_pkt p;
	uint8_t f[64];
	size_t n = arp_frame(f, 1, OUR_IP);

	(void)state;
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_REPLY);
	assert_true(p.is_arp_request);
	assert_memory_equal(f, PEER_MAC, 6);          /* to the requester */
	assert_memory_equal(f + 6, OUR_MAC, 6);
	assert_int_equal(mp_rd16(f + 14 + 6), 2);         /* op reply */
	assert_memory_equal(f + 14 + 8, OUR_MAC, 6);  /* sender hw = us */
	assert_int_equal(mp_rd16(f + 14 + 14), OUR_IP >> 16);
	assert_memory_equal(f + 14 + 18, PEER_MAC, 6);/* target = requester */
	assert_int_equal(mp_rd16(f + 14 + 24), PEER_IP >> 16);
	assert_int_equal(mp_rd16(f + 14 + 26), PEER_IP & 0xffff);
}

static void arp_for_another_address_is_dropped(void **state)
{
	struct mp_iface i = iface();
	struct mp_pkt p;
	uint8_t f[64];
	size_t n = arp_frame(f, 1, 0xC6120009);

	(void)state;
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_DROP);
	assert_int_equal(p.drop, MP_DROP_ARP_NOT_US);
}

static void arp_reply_to_us_is_learned(void **state)
{
	struct mp_iface i = iface();
	struct mp_pkt p;
	uint8_t f[64];
	size_t n = arp_frame(f, 2, OUR_IP);

	(void)state;
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_ARP_LEARN);
	assert_int_equal(p.src_ip, PEER_IP);
	assert_memory_equal(p.src_mac, PEER_MAC, 6);
}

static void icmp_echo_is_answered_with_valid_checksums(void **state)
{
	struct mp_iface i = iface();
	struct mp_pkt p;
	uint8_t icmp[64], f[128];
	size_t n;

	(void)state;
	memset(icmp, 0, sizeof(icmp));
	icmp[0] = 8;
	mp_wr16(icmp + 4, 0x77);
	mp_wr16(icmp + 6, 3);
	for (int k = 8; k < 64; k++)
		icmp[k] = (uint8_t)k;
	mp_wr16(icmp + 2, (uint16_t)~mp_csum(icmp, 64, 0));
	n = ipv4_frame(f, 1, PEER_IP, OUR_IP, icmp, 64);
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_REPLY);
	assert_false(p.is_arp_request);
	assert_memory_equal(f, PEER_MAC, 6);
	assert_memory_equal(f + 6, OUR_MAC, 6);
	assert_int_equal(mp_csum(f + 14, 20, 0), 0xffff);      /* IP header checksum valid */
	assert_int_equal(mp_csum(f + 34, 64, 0), 0xffff);      /* ICMP checksum valid */
	assert_int_equal(f[34], 0);                            /* echo reply */
	assert_int_equal(mp_rd16(f + 14 + 12), OUR_IP >> 16);      /* from us */
	assert_int_equal(mp_rd16(f + 14 + 16), PEER_IP >> 16);     /* to the pinger */
	assert_memory_equal(f + 34 + 4, icmp + 4, 60);         /* id, seq, payload unchanged */
}

static void icmp_with_bad_checksum_and_other_types_are_not_answered(void **state)
{
	struct mp_iface i = iface();
	struct mp_pkt p;
	uint8_t icmp[16] = { 8, 0, 0x12, 0x34 }, f[64];
	size_t n = ipv4_frame(f, 1, PEER_IP, OUR_IP, icmp, 16);

	(void)state;
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_DROP);
	assert_int_equal(p.drop, MP_DROP_ICMP_MALFORMED);
	memset(icmp, 0, sizeof(icmp));
	icmp[0] = 13; /* timestamp */
	mp_wr16(icmp + 2, (uint16_t)~mp_csum(icmp, 16, 0));
	n = ipv4_frame(f, 1, PEER_IP, OUR_IP, icmp, 16);
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_EXCEPTION);
	assert_int_equal(p.drop, MP_DROP_ICMP_OTHER);
}

static void udp_ports_select_webrtc_srt_nat_or_exception(void **state)
{
	struct mp_iface i = iface();
	struct mp_pkt p;
	uint8_t f[256], pl[40];
	size_t n;

	(void)state;
	memset(pl, 0xab, sizeof(pl));
	n = udp_frame(f, 5000, 8000, pl, 40);
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_WEBRTC);
	assert_int_equal(p.src_ip, PEER_IP);
	assert_int_equal(p.src_port, 5000);
	assert_int_equal(p.payload_off, 42);
	assert_int_equal(p.payload_len, 40);
	n = udp_frame(f, 5000, 10080, pl, 40);
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_SRT);
	n = udp_frame(f, 5000, 20000, pl, 40);
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_NAT);
	n = udp_frame(f, 5000, 59999, pl, 40);
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_NAT);
	n = udp_frame(f, 5000, 53, pl, 40);
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_EXCEPTION);
	assert_int_equal(p.drop, MP_DROP_UDP_PORT);
}

static void ip_header_faults_are_dropped_with_their_reason(void **state)
{
	struct mp_iface i = iface();
	struct mp_pkt p;
	uint8_t f[256], pl[8] = { 0 }, tcp[20] = { 0 };
	size_t n;

	(void)state;
	n = udp_frame(f, 1, 8000, pl, 8);
	f[14 + 10] ^= 1; /* checksum */
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_DROP);
	assert_int_equal(p.drop, MP_DROP_IP_CHECKSUM);

	n = udp_frame(f, 1, 8000, pl, 8);
	mp_wr16(f + 14 + 2, 200); /* total length past the frame */
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_DROP);
	assert_int_equal(p.drop, MP_DROP_IP_HEADER);

	n = udp_frame(f, 1, 8000, pl, 8);
	f[14] = 0x65; /* version 6 */
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_DROP);
	assert_int_equal(p.drop, MP_DROP_IP_HEADER);

	n = ipv4_frame(f, 17, PEER_IP, 0xC6120063, pl, 8);
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_DROP);
	assert_int_equal(p.drop, MP_DROP_NOT_US);

	n = ipv4_frame(f, 6, PEER_IP, OUR_IP, tcp, 20);
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_EXCEPTION);
	assert_int_equal(p.drop, MP_DROP_TCP);

	n = udp_frame(f, 1, 8000, pl, 8);
	mp_wr16(f + 14 + 6, 0x2000); /* more fragments */
	mp_wr16(f + 14 + 10, 0);
	mp_wr16(f + 14 + 10, (uint16_t)~mp_csum(f + 14, 20, 0));
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_EXCEPTION);
	assert_int_equal(p.drop, MP_DROP_IP_FRAGMENT);

	n = udp_frame(f, 1, 8000, pl, 8);
	mp_wr16(f + 14 + 38 - 14, 4); /* UDP length below 8 */
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_DROP);
	assert_int_equal(p.drop, MP_DROP_UDP_MALFORMED);

	mp_wr16(f + 12, 0x86dd);
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_DROP);
	assert_int_equal(p.drop, MP_DROP_ETHERTYPE);
}

static void vlan_tags_must_match_the_configured_vlan(void **state)
{
	struct mp_iface i = iface();
	struct mp_pkt p;
	uint8_t f[256], t[260], pl[8] = { 0 };
	size_t n = udp_frame(f, 1, 8000, pl, 8);

	(void)state;
	memcpy(t, f, 12);
	mp_wr16(t + 12, 0x8100);
	mp_wr16(t + 14, 100);
	memcpy(t + 16, f + 12, n - 12);
	assert_int_equal(mp_classify(t, n + 4, &i, &p), MP_V_DROP); /* tagged, none configured */
	assert_int_equal(p.drop, MP_DROP_VLAN);
	i.vlan_id = 100;
	assert_int_equal(mp_classify(t, n + 4, &i, &p), MP_V_WEBRTC);
	assert_int_equal(p.payload_off, 46);
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_DROP);     /* untagged, VLAN configured */
	assert_int_equal(p.drop, MP_DROP_VLAN);
}

static void truncation_at_every_byte_never_reads_past_the_end(void **state)
{
	struct mp_iface i = iface();
	struct mp_pkt p;
	uint8_t f[256], pl[60];
	size_t n;

	(void)state;
	memset(pl, 1, sizeof(pl));
	n = udp_frame(f, 1, 8000, pl, sizeof(pl));
	for (size_t cut = 0; cut < n; cut++) {
		uint8_t copy[256];

		memcpy(copy, f, cut);
		assert_int_equal(mp_classify(copy, cut, &i, &p), MP_V_DROP);
	}
	n = arp_frame(f, 1, OUR_IP);
	for (size_t cut = 14; cut < n; cut++) {
		uint8_t copy[64];

		memcpy(copy, f, cut);
		assert_int_equal(mp_classify(copy, cut, &i, &p), MP_V_DROP);
		assert_int_equal(p.drop, MP_DROP_ARP_MALFORMED);
	}
}

/* docs/fleet.md: the fleet's shared /32 is ours for IPv4 (media, echo from it), never in ARP; without it
 * configured the same address is not ours. */
static void service_address_is_ours_for_ip_but_not_for_arp(void **state)
{
	const uint32_t vip = 0xC6136401u; /* 198.19.100.1 */
	struct mp_iface i = iface();
	struct mp_pkt p;
	uint8_t icmp[16] = { 8, 0, 0, 0, 0, 1, 0, 1 }, udp[12], f[128];
	size_t n;

	(void)state;
	mp_wr16(icmp + 2, (uint16_t)~mp_csum(icmp, sizeof(icmp), 0));
	mp_wr16(udp, 5000);
	mp_wr16(udp + 2, 10080);
	mp_wr16(udp + 4, sizeof(udp));
	mp_wr16(udp + 6, 0);
	n = ipv4_frame(f, 17, PEER_IP, vip, udp, sizeof(udp));
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_DROP);
	assert_int_equal(p.drop, MP_DROP_NOT_US);
	i.service_ip = vip;
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_SRT);
	assert_int_equal(p.dst_ip, vip);
	n = ipv4_frame(f, 1, PEER_IP, vip, icmp, sizeof(icmp));
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_REPLY);
	assert_int_equal(mp_rd32(f + 14 + 12), vip); /* the echo answers from the address asked */
	assert_int_equal(mp_rd32(f + 14 + 16), PEER_IP);
	assert_int_equal(mp_csum(f + 14, 20, 0), 0xffff);
	n = arp_frame(f, 1, vip);
	assert_int_equal(mp_classify(f, n, &i, &p), MP_V_DROP);
	assert_int_equal(p.drop, MP_DROP_ARP_NOT_US);
}

static void real_webrtc_capture_classifies_as_webrtc(void **state)
{
	struct mp_pcap pc;
	struct mp_pcap_frame fr;
	struct mp_iface i = iface();
	int udp = 0;

	(void)state;
	/* Every UDP datagram of the aiortc capture, re-addressed to us on the WebRTC port, parses as WebRTC
	 * with its payload where the capture has it. */
	mp_pcap_open(&pc, "webrtc-aiortc-whip.pcap");
	while (mp_pcap_next(&pc, &fr)) {
		uint8_t f[2048];
		struct mp_pkt p;
		size_t n;

		if (fr.ip_proto != 17 || fr.payload_len > 1400)
			continue;
		n = udp_frame(f, fr.src_port, 8000, fr.payload, fr.payload_len);
		assert_int_equal(mp_classify(f, n, &i, &p), MP_V_WEBRTC);
		assert_int_equal(p.payload_len, fr.payload_len);
		assert_memory_equal(f + p.payload_off, fr.payload, fr.payload_len);
		udp++;
	}
	mp_pcap_close(&pc);
	assert_true(udp > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arp_request_for_us_is_answered_in_place),
		cmocka_unit_test(arp_for_another_address_is_dropped),
		cmocka_unit_test(arp_reply_to_us_is_learned),
		cmocka_unit_test(icmp_echo_is_answered_with_valid_checksums),
		cmocka_unit_test(icmp_with_bad_checksum_and_other_types_are_not_answered),
		cmocka_unit_test(udp_ports_select_webrtc_srt_nat_or_exception),
		cmocka_unit_test(ip_header_faults_are_dropped_with_their_reason),
		cmocka_unit_test(vlan_tags_must_match_the_configured_vlan),
		cmocka_unit_test(truncation_at_every_byte_never_reads_past_the_end),
		cmocka_unit_test(real_webrtc_capture_classifies_as_webrtc),
		cmocka_unit_test(service_address_is_ours_for_ip_but_not_for_arp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
