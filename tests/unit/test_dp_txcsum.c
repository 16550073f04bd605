/* test_dp_txcsum.c: TX checksum offload of rewritten frames: which checksums are left to the port, the
 * mbuf lengths and flags set for it, and that a frame the port completes equals the software path's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "classify.h"
#include "dp_txcsum.h"
#include "rewrite.h"
#include "test_iface.h"
#include "udp_frame.h"

#define US 0xC6120002u     /* 198.18.0.2, the appliance */
#define CLIENT 0xC6120001u /* 198.18.0.1 */
#define ORIGIN 0xC6130009u /* 198.19.0.9 */
#define BOTH_OFFLOADS (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM)

static const uint8_t MAC_US[6] = { 0x02, 0, 0xc6, 0x12, 0, 2 }, MAC_CLIENT[6] = { 0x02, 0xc1, 0, 0, 0, 1 };
static const uint8_t MAC_ORIGIN[6] = { 0x02, 0x0a, 0, 0, 0, 9 };

/* A frame in an mbuf of our own (no EAL, no pool: only the fields the helpers read and write). */
struct frame {
	struct rte_mbuf m;
	uint8_t buf[2048];
	struct mp_pkt pkt;
	size_t len;
};

static struct mp_iface iface(uint16_t vlan)
{
	struct mp_iface i = mp_test_iface(MAC_US, US, 20480, 32767);

	i.vlan_id = vlan;
	return i;
}

/* A client's datagram of n payload bytes to the WebRTC port, with a UDP checksum or none, 802.1Q
 * tagged with vlan if not 0; classified; rx_flags as the receiving port would set them. */
static void make(struct frame *fr, size_t n, bool udp_csum, uint16_t vlan, uint64_t rx_flags)
{
	struct mp_test_udp u = { .src_ip = CLIENT, .dst_ip = US, .src_port = 50000, .dst_port = 8000 };
	struct mp_iface ifc = iface(vlan);
	uint8_t pl[1400];

	for (size_t k = 0; k < n; k++)
		pl[k] = (uint8_t)(k * 7 + n);
	memcpy(u.src_mac, MAC_CLIENT, 6);
	memcpy(u.dst_mac, MAC_US, 6);
	memset(fr, 0, sizeof(*fr));
	fr->len = mp_test_udp_frame(fr->buf, &u, pl, n);
	if (!udp_csum)
		mp_wr16(fr->buf + 14 + 20 + 6, 0);
	if (vlan) {
		memmove(fr->buf + 16, fr->buf + 12, fr->len - 12);
		mp_wr16(fr->buf + 12, 0x8100);
		mp_wr16(fr->buf + 14, vlan);
		fr->len += 4;
	}
	fr->m.buf_addr = fr->buf;
	fr->m.data_off = 0;
	fr->m.data_len = (uint16_t)fr->len;
	fr->m.pkt_len = (uint32_t)fr->len;
	fr->m.nb_segs = 1;
	fr->m.ol_flags = rx_flags;
	assert_int_equal(mp_classify(fr->buf, fr->len, &ifc, &fr->pkt), MP_V_WEBRTC);
}

/* What a port does with an mbuf so flagged (the DPDK offload contract): sums the IPv4 header, and
 * the UDP datagram from the pseudo-header sum found in its checksum field (0 sent as 0xffff). */
static void port_completes(struct rte_mbuf *m)
{
	uint8_t *ip = rte_pktmbuf_mtod(m, uint8_t *) + m->l2_len, *u = ip + m->l3_len;

	if (m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) {
		assert_int_equal(mp_rd16(ip + 10), 0);
		mp_wr16(ip + 10, (uint16_t)~mp_csum(ip, m->l3_len, 0));
	}
	if ((m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_UDP_CKSUM) {
		uint16_t c = (uint16_t)~mp_csum(u, mp_rd16(u + 4), 0);

		mp_wr16(u + 6, c ? c : 0xffff);
	}
}

/* The pseudo-header sum (RFC 768) of the frame's addresses and UDP length, folded, not complemented. */
static uint16_t phdr_sum(const uint8_t *ip)
{
	uint32_t s = 17u + (uint32_t)(mp_rd16(ip + 2) - 20);

	for (int i = 12; i < 20; i += 2)
		s += mp_rd16(ip + i);
	return mp_csum_fold(s);
}

static void a_port_without_offloads_gets_none(void **state)
{
	struct frame fr;

	(void)state;
	make(&fr, 200, true, 0, RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	assert_int_equal(mp_dp_tx_csum_choose(&fr.m, &fr.pkt, 0), 0);
}

static void ip_always_udp_only_when_the_rx_port_verified_it(void **state)
{
	struct frame fr;

	(void)state;
	make(&fr, 200, true, 0, RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	assert_int_equal(mp_dp_tx_csum_choose(&fr.m, &fr.pkt, BOTH_OFFLOADS), MP_RW_HW_IP | MP_RW_HW_UDP);
	assert_int_equal(mp_dp_tx_csum_choose(&fr.m, &fr.pkt, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM), MP_RW_HW_IP);
	assert_int_equal(mp_dp_tx_csum_choose(&fr.m, &fr.pkt, RTE_ETH_TX_OFFLOAD_UDP_CKSUM), MP_RW_HW_UDP);
	/* Not verified on the way in (a port without RX checksum offload): the incremental update keeps
	 * the sender's checksum, so damage from before the appliance stays detectable. */
	make(&fr, 200, true, 0, 0);
	assert_int_equal(mp_dp_tx_csum_choose(&fr.m, &fr.pkt, BOTH_OFFLOADS), MP_RW_HW_IP);
	make(&fr, 200, true, 0, RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN);
	assert_int_equal(mp_dp_tx_csum_choose(&fr.m, &fr.pkt, BOTH_OFFLOADS), MP_RW_HW_IP);
	make(&fr, 200, true, 0, RTE_MBUF_F_RX_L4_CKSUM_BAD);
	assert_int_equal(mp_dp_tx_csum_choose(&fr.m, &fr.pkt, BOTH_OFFLOADS), MP_RW_HW_IP);
	/* No UDP checksum (RFC 768): none is made. */
	make(&fr, 200, false, 0, RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	assert_int_equal(mp_dp_tx_csum_choose(&fr.m, &fr.pkt, BOTH_OFFLOADS), MP_RW_HW_IP);
}

static void prepare_sets_lengths_flags_and_the_pseudo_header_sum(void **state)
{
	(void)state;
	for (uint16_t vlan = 0; vlan <= 42; vlan += 42) {
		struct frame fr;
		uint8_t *ip, *u;
		size_t l2 = vlan ? 18 : 14;

		make(&fr, 300, true, vlan, RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD);
		mp_udp_rewrite_hw(fr.buf, &fr.pkt, MAC_US, MAC_ORIGIN, US, 20481, ORIGIN, 8000, MP_RW_HW_IP | MP_RW_HW_UDP);
		mp_dp_tx_csum_prepare(&fr.m, &fr.pkt, MP_RW_HW_IP | MP_RW_HW_UDP);
		ip = fr.buf + l2;
		u = ip + 20;
		assert_int_equal(fr.m.l2_len, l2);
		assert_int_equal(fr.m.l3_len, 20);
		assert_int_equal(fr.m.l4_len, 8);
		assert_int_equal(fr.m.ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK,
				 RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM);
		/* what the receiving port said stays */
		assert_int_equal(fr.m.ol_flags & ~RTE_MBUF_F_TX_OFFLOAD_MASK,
				 RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD);
		assert_int_equal(mp_rd16(ip + 10), 0);
		assert_int_equal(mp_rd16(u + 6), phdr_sum(ip));
		assert_int_equal(mp_rd32(ip + 12), US);
		assert_int_equal(mp_rd32(ip + 16), ORIGIN);
		assert_int_equal(mp_rd16(u), 20481);
		assert_int_equal(ip[8], 63);
	}
	{
		/* the IPv4 header only: the UDP checksum is updated in software */
		struct frame fr;

		make(&fr, 300, true, 0, 0);
		mp_udp_rewrite_hw(fr.buf, &fr.pkt, MAC_US, MAC_ORIGIN, US, 20481, ORIGIN, 8000, MP_RW_HW_IP);
		mp_dp_tx_csum_prepare(&fr.m, &fr.pkt, MP_RW_HW_IP);
		assert_int_equal(fr.m.ol_flags, RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);
		assert_int_equal(fr.m.l2_len, 14);
		assert_int_equal(fr.m.l3_len, 20);
		assert_int_equal(mp_rd16(fr.buf + 24), 0);
		assert_int_equal(mp_csum(fr.buf + 34, 8 + 300, phdr_sum(fr.buf + 14)), 0xffff);
	}
	{
		/* nothing left to the port: the mbuf is not touched */
		struct frame fr;

		make(&fr, 300, true, 0, RTE_MBUF_F_RX_L4_CKSUM_GOOD);
		mp_dp_tx_csum_prepare(&fr.m, &fr.pkt, 0);
		assert_int_equal(fr.m.ol_flags, RTE_MBUF_F_RX_L4_CKSUM_GOOD);
		assert_int_equal(fr.m.l2_len, 0);
		assert_int_equal(fr.m.l3_len, 0);
	}
}

/* Over many sizes, addresses and ports: the frame the port completes is the software path's. */
static void offloaded_frame_once_completed_equals_the_software_path(void **state)
{
	static struct mp_dp dp; /* only ports[0] is read */
	const uint64_t offloads[] = { 0, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM, RTE_ETH_TX_OFFLOAD_UDP_CKSUM, BOTH_OFFLOADS };

	(void)state;
	srand(12);
	dp.n_ports = 1;
	memcpy(dp.ports[0].iface.mac, MAC_US, 6);
	for (int round = 0; round < 400; round++) {
		struct frame sw, hw;
		size_t n = (size_t)(rand() % 1400);
		bool csum = round % 5 != 0;
		uint16_t vlan = round % 3 ? 0 : 7;
		uint64_t rx = round % 4 ? RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD : 0;
		uint32_t sip = (uint32_t)rand() ^ ((uint32_t)rand() << 16), dip = (uint32_t)rand() << 1;
		uint16_t sp = (uint16_t)rand(), dpt = (uint16_t)(rand() | 1);

		make(&sw, n, csum, vlan, rx);
		make(&hw, n, csum, vlan, rx);
		mp_udp_rewrite(sw.buf, &sw.pkt, MAC_US, MAC_ORIGIN, sip, sp, dip, dpt);
		dp.ports[0].tx_offloads = offloads[round % 4];
		mp_dp_udp_rewrite(&dp, 0, &hw.m, &hw.pkt, MAC_ORIGIN, sip, sp, dip, dpt);
		if (!dp.ports[0].tx_offloads)
			assert_int_equal(hw.m.ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK, 0);
		port_completes(&hw.m);
		assert_int_equal(hw.len, sw.len);
		assert_memory_equal(hw.buf, sw.buf, sw.len);
		if (!vlan)
			assert_true(mp_test_udp_checksums_ok(hw.buf, hw.len));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_port_without_offloads_gets_none),
		cmocka_unit_test(ip_always_udp_only_when_the_rx_port_verified_it),
		cmocka_unit_test(prepare_sets_lengths_flags_and_the_pseudo_header_sum),
		cmocka_unit_test(offloaded_frame_once_completed_equals_the_software_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
