/* test_v6origin.c: IPv6 origins through the real worker loop (driven clock, net_ring, two ports): an
 * origin registered at an IPv6 address gets WebRTC and SRT media from IPv4 and IPv6 clients over
 * IPv6 from the private port's IPv6 address and NAT port (its stand-in translated back), and its
 * answers reach each client in the client's family; SRT handshake peer IP fields name each side's
 * own address in its own family; IPv6 datagrams to a NAT port from another address go to the kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "dp.h"
#include "ipv6.h"
#include "lb.h"
#include "mp_error.h"
#include "registration.h"
#include "ring_harness.h"
#include "srt.h"

#define PUB4 0xC6124202u      /* 198.18.66.2/24: the public port */
#define CLIENT4 0xC612420Au   /* 198.18.66.10 */
#define PRIV4 0xC6124302u     /* 198.18.67.2/24: the private port */
static const uint8_t PUB6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };                /* 2001:db8::2/64 */
static const uint8_t CLIENT6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a };
static const uint8_t PRIV6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };         /* 2001:db8:1::2/64 */
static const uint8_t ORIGIN6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x14 };    /* 2001:db8:1::14 */
static const uint8_t STRANGER6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x63 };
static const uint8_t CLIENT_MAC[6] = { 0x02, 0xc1, 0, 0, 0, 0x0a };
static const uint8_t CLIENT6_MAC[6] = { 0x02, 0xc6, 0, 0, 0, 0x0a };
static const uint8_t ORIGIN_MAC[6] = { 0x02, 0x0e, 0, 0, 0, 0x14 };
static const uint8_t STRANGER_MAC[6] = { 0x02, 0x66, 0, 0, 0, 0x63 };
#define REG "{\"ip\":\"2001:db8:1::14\",\"server\":\"srs6\",\"service\":\"s\",\"pid\":\"1\",\"srt\":[\"10080\"]," \
	    "\"rtc\":[\"udp://[2001:db8:1::14]:8000\"],\"api\":[\"1985\"]}"

/* Two ports, IPv4 and IPv6 on each; the origin registered; the neighbours known (their solicitations). */
static void start(struct mp_rh *h)
{
	struct mp_rh_addr a = { .public_ip = PUB4, .public_prefix = 24, .private_ip = PRIV4, .private_prefix = 24,
				.public_prefix6 = 64, .private_prefix6 = 64 };
	struct mp_lb_config lc;
	struct mp_registration r;
	char why[128];

	memcpy(a.public_ip6, PUB6, 16);
	memcpy(a.private_ip6, PRIV6, 16);
	mp_rh_lb_config(&lc);
	mp_rh_start_driven(h, &a, 2, 1, &lc);
	assert_int_equal(mp_registration_parse(REG, strlen(REG), &r, why, sizeof(why)), MP_OK);
	assert_true(r.ip_v6);
	assert_true(mp_lb_origin_update(h->lb, &r, h->now) >= 0);
	mp_rh_settle(h);
}

/* Ethernet + IPv6 on port p from mac/src to dst (Ethernet to the port's MAC, or to dst's group if
 * multicast) carrying l4 of n bytes, its checksum at csum_off filled; hop limit hl. */
static size_t frame6(struct mp_rh *h, unsigned p, uint8_t *f, const uint8_t mac[6], const uint8_t src[16],
		     const uint8_t dst[16], uint8_t nh, uint8_t hl, const uint8_t *l4, size_t n, int csum_off)
{
	if (mp_ip6_is_multicast(dst))
		mp_ip6_multicast_mac(dst, f);
	else
		memcpy(f, mp_rh_port_mac(h, p), 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x86, f[13] = 0xdd;
	mp_ip6_write_header(f + 14, (uint16_t)n, nh, hl, src, dst);
	memcpy(f + 54, l4, n);
	mp_wr16(f + 54 + csum_off, 0);
	mp_wr16(f + 54 + csum_off, mp_ip6_l4_csum(f + 14, f + 54, n, nh));
	return 54 + n;
}

/* A neighbour solicitation from src/mac for our address on port p: the appliance learns the sender. */
static void send_ns(struct mp_rh *h, unsigned p, const uint8_t mac[6], const uint8_t src[16], const uint8_t us[16])
{
	uint8_t m[32] = { MP_ND_NS }, f[128], group[16];

	memcpy(m + 8, us, 16);
	m[24] = 1;
	m[25] = 1;
	memcpy(m + 26, mac, 6);
	mp_ip6_solicited_node(us, group);
	mp_rh_send(h, p, f, frame6(h, p, f, mac, src, group, MP_IPPROTO_ICMPV6, 255, m, 32, 2));
}

/* UDP/IPv6 on port p from mac/src:sport to dst:dport carrying pl, hop limit 64, valid checksum. */
static void send_udp6(struct mp_rh *h, unsigned p, const uint8_t mac[6], const uint8_t src[16], uint16_t sport,
		      const uint8_t dst[16], uint16_t dport, const uint8_t *pl, size_t n)
{
	uint8_t l[1500], f[1600];

	mp_wr16(l, sport);
	mp_wr16(l + 2, dport);
	mp_wr16(l + 4, (uint16_t)(8 + n));
	memcpy(l + 8, pl, n);
	mp_rh_send(h, p, f, frame6(h, p, f, mac, src, dst, MP_IPPROTO_UDP, 64, l, 8 + n, 6));
}

/* The frames that left port p since out[from] of ethertype type; *last the last one. */
static unsigned out_of_type(struct mp_rh *h, unsigned p, unsigned from, uint16_t type, unsigned *last)
{
	unsigned n = 0;

	for (unsigned i = from; i < h->nout[p]; i++)
		if (mp_rd16(h->out[p][i].b + 12) == type) {
			n++;
			*last = i;
		}
	return n;
}

/* The one UDP/IPv6 frame among what left port p since out[from]: Ethernet from the port to dmac,
 * from src:sport to dst:dport (sport 0: any, returned), hop limit hl (0: any), valid UDP checksum,
 * exactly its UDP datagram long; its payload (n bytes, compared with pl unless NULL). */
static const uint8_t *assert_udp6_out(struct mp_rh *h, unsigned p, unsigned from, const uint8_t dmac[6],
				      const uint8_t src[16], uint16_t *sport, const uint8_t dst[16], uint16_t dport,
				      uint8_t hl, const uint8_t *pl, size_t n)
{
	unsigned at = 0;
	const uint8_t *f, *ip;
	struct mp_ip6 m;

	assert_int_equal(out_of_type(h, p, from, 0x86dd, &at), 1);
	f = h->out[p][at].b;
	ip = f + 14;
	assert_memory_equal(f, dmac, 6);
	assert_memory_equal(f + 6, mp_rh_port_mac(h, p), 6);
	assert_int_equal(mp_ip6_parse(ip, h->out[p][at].len - 14, &m), MP_IP6_OK);
	assert_int_equal(m.proto, MP_IPPROTO_UDP);
	assert_int_equal(m.l4_off, 40);
	if (hl)
		assert_int_equal(ip[7], hl);
	assert_memory_equal(ip + 8, src, 16);
	assert_memory_equal(ip + 24, dst, 16);
	if (*sport)
		assert_int_equal(mp_rd16(ip + 40), *sport);
	*sport = mp_rd16(ip + 40);
	assert_int_equal(mp_rd16(ip + 42), dport);
	assert_int_equal(mp_rd16(ip + 44), 8 + n);
	assert_int_equal(h->out[p][at].len, 14 + 40 + 8 + n);
	assert_int_not_equal(mp_rd16(ip + 46), 0);
	assert_true(mp_ip6_l4_csum_ok(ip, ip + 40, 8 + n, MP_IPPROTO_UDP));
	if (pl)
		assert_memory_equal(ip + 48, pl, n);
	return ip + 48;
}

/* The origin's stand-in for protocol p, as the pick gives it. */
static uint32_t standin(struct mp_rh *h, enum mp_reg_proto p)
{
	struct mp_lb_target t;

	assert_int_equal(mp_lb_pick(h->lb, "__defaultVhost__/live/s", p, h->now, &t), MP_OK);
	assert_true(mp_lb_origin6_is_standin(t.ipv4));
	assert_memory_equal(mp_lb_origin6_addr(h->lb, t.ipv4), ORIGIN6, 16);
	return t.ipv4;
}

/* The session of client src_ip, or (src_ip 0) of the IPv6 client (its stand-in, in 0.0.0.0/8). */
static struct mp_lb_session *session_of(struct mp_rh *h, uint32_t src_ip)
{
	for (uint32_t i = 0; i < 1024; i++) {
		struct mp_lb_session *s = mp_lb_session_at(h->lb, i);

		if (s && (src_ip ? s->tuple.src_ip == src_ip : s->tuple.src_ip >> 24 == 0))
			return s;
	}
	fail_msg("no session of %08x", src_ip);
	return NULL;
}

static void webrtc_from_ipv4_and_ipv6_clients_reaches_an_ipv6_origin_and_comes_back(void **state)
{
	static struct mp_rh h;
	static const uint8_t rtp[100] = { 0x80, 0x60, 0, 1 }, back[80] = { 0x80, 0x60, 0, 9, 'o' };
	struct mp_lb_session *s4, *s6;
	struct mp_dp_stats st;
	uint8_t stun[160];
	uint32_t o4;
	uint16_t nat4 = 0, nat6 = 0, sport;
	size_t sn;
	unsigned mark;

	(void)state;
	start(&h);
	o4 = standin(&h, MP_PROTO_RTC);
	/* as the WHIP relay stores it: the registration's rtc endpoint, by its stand-in */
	assert_int_equal(mp_lb_webrtc_store(h.lb, "o4:c4", MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, o4, 8000, h.now),
			 MP_OK);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "o6:c6", MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, o4, 8000, h.now),
			 MP_OK);
	send_ns(&h, 1, ORIGIN_MAC, ORIGIN6, PRIV6);
	send_ns(&h, 0, CLIENT6_MAC, CLIENT6, PUB6);
	mp_rh_send_arp(&h, 0, CLIENT4, CLIENT_MAC);
	mp_rh_settle(&h);

	/* the IPv4 client's check starts a session; it reaches the origin over IPv6 from the private
	 * port's IPv6 address and a NAT port */
	mark = h.nout[1];
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT4, 5000, "o4:c4", false);
	mp_rh_settle(&h);
	s4 = session_of(&h, CLIENT4);
	assert_int_equal(s4->origin_ipv4, o4);
	nat4 = s4->nat_port;
	sn = mp_rh_stun(stun, "o4:c4", false, 0, MP_RH_ICE_PWD);
	sport = nat4;
	assert_udp6_out(&h, 1, mark, ORIGIN_MAC, PRIV6, &sport, ORIGIN6, 8000, 63, NULL, sn);
	mark = h.nout[1];
	mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT4, 5000, 8000, rtp, sizeof(rtp));
	mp_rh_settle(&h);
	assert_udp6_out(&h, 1, mark, ORIGIN_MAC, PRIV6, &sport, ORIGIN6, 8000, 63, rtp, sizeof(rtp));
	/* the origin answers the NAT port over IPv6: the client hears it over IPv4 from our port 8000 */
	mark = h.nout[0];
	send_udp6(&h, 1, ORIGIN_MAC, ORIGIN6, 8000, PRIV6, nat4, back, sizeof(back));
	mp_rh_settle(&h);
	assert_int_equal(h.nout[0], mark + 1);
	mp_rh_assert_udp_out(&h.out[0][mark], mp_rh_port_mac(&h, 0), CLIENT_MAC, PUB4, 8000, CLIENT4, 5000, back,
			     sizeof(back));

	/* an IPv6 client: both translations at once */
	mark = h.nout[1];
	sn = mp_rh_stun(stun, "o6:c6", false, 7, MP_RH_ICE_PWD);
	send_udp6(&h, 0, CLIENT6_MAC, CLIENT6, 5002, PUB6, 8000, stun, sn);
	mp_rh_settle(&h);
	s6 = session_of(&h, 0);
	assert_int_equal(s6->origin_ipv4, o4);
	nat6 = s6->nat_port;
	assert_int_not_equal(nat6, nat4);
	sport = nat6;
	assert_udp6_out(&h, 1, mark, ORIGIN_MAC, PRIV6, &sport, ORIGIN6, 8000, 63, stun, sn);
	mark = h.nout[1];
	send_udp6(&h, 0, CLIENT6_MAC, CLIENT6, 5002, PUB6, 8000, rtp, sizeof(rtp));
	mp_rh_settle(&h);
	assert_udp6_out(&h, 1, mark, ORIGIN_MAC, PRIV6, &sport, ORIGIN6, 8000, 63, rtp, sizeof(rtp));
	mark = h.nout[0];
	send_udp6(&h, 1, ORIGIN_MAC, ORIGIN6, 8000, PRIV6, nat6, back, sizeof(back));
	mp_rh_settle(&h);
	sport = 8000;
	assert_udp6_out(&h, 0, mark, CLIENT6_MAC, PUB6, &sport, CLIENT6, 5002, 63, back, sizeof(back));

	/* to a NAT port over IPv6 from an address no origin has, or from the origin to a port no session
	 * holds: not media (the kernel's, counted without an exception path) */
	send_ns(&h, 1, STRANGER_MAC, STRANGER6, PRIV6);
	send_udp6(&h, 1, STRANGER_MAC, STRANGER6, 8000, PRIV6, nat4, back, sizeof(back));
	send_udp6(&h, 1, ORIGIN_MAC, ORIGIN6, 8000, PRIV6, 40998, back, sizeof(back));
	mp_rh_settle(&h);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.sessions_created, 2);
	/* in: the origin's 3 (the last to no session), the IPv6 client's 2; out: 4 to the origin, 1 to
	 * the IPv6 client */
	assert_int_equal(st.ip6_translated_in, 5);
	assert_int_equal(st.ip6_translated_out, 5);
	assert_int_equal(st.drops[MP_DROP_UDP_PORT], 1);
	assert_int_equal(st.drops[MP_DROP_NO_SESSION], 1);
	assert_int_equal(mp_dp_stats_drops(&st), 2);
	mp_rh_stop(&h);
}

/* A caller (IPv4 or IPv6, from client/mac/cport on port 0) publishes by SRT to the IPv6 origin: the
 * handshake is relayed to the origin over IPv6 with the origin's own address in the peer IP field,
 * the origin's answer reaches the caller naming the caller's address, then data flows both ways. */
static void srt_caller(struct mp_rh *h, bool v6, const uint8_t mac[6], uint16_t cport, uint32_t csock, uint32_t osock)
{
	struct mp_srt_handshake ind = { .version = 4, .extension = 2, .isn = 1, .mtu = 1500, .flow_window = 8192,
					.hs_type = MP_SRT_HS_INDUCTION, .socket_id = csock };
	struct mp_srt_handshake ans, hs;
	static const char sid[] = "#!::r=live/s,m=publish";
	uint8_t b[512], conc[512], peer[16], data[200] = { 0 };
	const uint8_t *pl;
	uint16_t nat = 0, sport;
	uint32_t cookie, ocookie = 0xc0c0a5a5u;
	int n, cn;
	unsigned mark, at = 0;

	/* the caller's INDUCTION: answered by the appliance, its cookie */
	mark = h->nout[0];
	n = mp_srt_hs_build(&ind, b, sizeof(b));
	assert_true(n > 0);
	if (v6)
		send_udp6(h, 0, mac, CLIENT6, cport, PUB6, 10080, b, (size_t)n);
	else
		mp_rh_send_udp(h, 0, mac, CLIENT4, cport, 10080, b, (size_t)n);
	mp_rh_settle(h);
	assert_int_equal(out_of_type(h, 0, mark, v6 ? 0x86dd : 0x0800, &at), 1);
	pl = h->out[0][at].b + (v6 ? 14 + 48 : 14 + 28);
	assert_int_equal(mp_srt_hs_parse(pl, MP_SRT_HS_LEN, &ans), MP_OK);
	cookie = ans.cookie;

	/* its CONCLUSION: a session towards the origin's stand-in, the origin asked over IPv6 */
	hs = (struct mp_srt_handshake){ .version = 5, .extension = MP_SRT_HS_EXT_HSREQ, .isn = 1, .mtu = 1500,
					.flow_window = 8192, .hs_type = MP_SRT_HS_CONCLUSION, .socket_id = csock,
					.cookie = cookie };
	if (v6)
		mp_srt_peer_ip_from_ipv6(PUB6, hs.peer_ip);
	else
		mp_srt_peer_ip_from_ipv4(PUB4, hs.peer_ip);
	n = mp_srt_hs_build(&hs, b, sizeof(b));
	assert_true(n > 0);
	cn = mp_srt_hs_add_streamid(b, (size_t)n, sid, sizeof(sid) - 1, conc, sizeof(conc));
	assert_true(cn > 0);
	mark = h->nout[1];
	if (v6)
		send_udp6(h, 0, mac, CLIENT6, cport, PUB6, 10080, conc, (size_t)cn);
	else
		mp_rh_send_udp(h, 0, mac, CLIENT4, cport, 10080, conc, (size_t)cn);
	mp_rh_settle(h);
	/* the INDUCTION the appliance sends the origin (the caller's, as v5 rebuilt) names the origin */
	pl = assert_udp6_out(h, 1, mark, ORIGIN_MAC, PRIV6, &nat, ORIGIN6, 10080, 0, NULL, MP_SRT_HS_LEN);
	assert_int_equal(mp_srt_hs_parse(pl, MP_SRT_HS_LEN, &ans), MP_OK);
	assert_int_equal(ans.hs_type, MP_SRT_HS_INDUCTION);
	mp_srt_peer_ip_from_ipv6(ORIGIN6, peer);
	assert_memory_equal(ans.peer_ip, peer, 16);
	assert_true(nat >= 40000 && nat <= 40999);

	/* the origin's INDUCTION answer (its cookie) -> the caller's CONCLUSION with that cookie */
	hs = (struct mp_srt_handshake){ .dst_sockid = csock, .version = 5, .extension = MP_SRT_HS_MAGIC, .isn = 1,
					.mtu = 1500, .flow_window = 8192, .hs_type = MP_SRT_HS_INDUCTION,
					.socket_id = osock, .cookie = ocookie };
	mp_srt_peer_ip_from_ipv6(PRIV6, hs.peer_ip);
	n = mp_srt_hs_build(&hs, b, sizeof(b));
	mark = h->nout[1];
	send_udp6(h, 1, ORIGIN_MAC, ORIGIN6, 10080, PRIV6, nat, b, (size_t)n);
	mp_rh_settle(h);
	sport = nat;
	pl = assert_udp6_out(h, 1, mark, ORIGIN_MAC, PRIV6, &sport, ORIGIN6, 10080, 0, NULL, (size_t)cn);
	assert_int_equal(mp_srt_hs_parse(pl, (size_t)cn, &ans), MP_OK);
	assert_int_equal(ans.hs_type, MP_SRT_HS_CONCLUSION);
	assert_int_equal(ans.cookie, ocookie);
	assert_int_equal(ans.socket_id, csock);
	assert_memory_equal(ans.peer_ip, peer, 16);                  /* the origin's own address */
	assert_memory_equal(pl + MP_SRT_HS_LEN, conc + MP_SRT_HS_LEN, (size_t)cn - MP_SRT_HS_LEN); /* the SID, HSREQ */

	/* the origin's CONCLUSION answer (naming our IPv6 address) reaches the caller naming the caller */
	hs.hs_type = MP_SRT_HS_CONCLUSION;
	hs.extension = MP_SRT_HS_EXT_HSREQ;
	hs.cookie = 0;
	n = mp_srt_hs_build(&hs, b, sizeof(b));
	mark = h->nout[0];
	send_udp6(h, 1, ORIGIN_MAC, ORIGIN6, 10080, PRIV6, nat, b, (size_t)n);
	mp_rh_settle(h);
	if (v6) {
		sport = 10080;
		pl = assert_udp6_out(h, 0, mark, mac, PUB6, &sport, CLIENT6, cport, 0, NULL, (size_t)n);
		mp_srt_peer_ip_from_ipv6(CLIENT6, peer);
	} else {
		assert_int_equal(out_of_type(h, 0, mark, 0x0800, &at), 1);
		assert_int_equal(mp_rd32(h->out[0][at].b + 14 + 12), PUB4);
		assert_int_equal(mp_rd32(h->out[0][at].b + 14 + 16), CLIENT4);
		assert_int_equal(mp_rd16(h->out[0][at].b + 34), 10080);
		assert_int_equal(mp_rd16(h->out[0][at].b + 36), cport);
		pl = h->out[0][at].b + 42;
		mp_srt_peer_ip_from_ipv4(CLIENT4, peer);
	}
	assert_int_equal(mp_srt_hs_parse(pl, (size_t)n, &ans), MP_OK);
	assert_int_equal(ans.hs_type, MP_SRT_HS_CONCLUSION);
	assert_int_equal(ans.cookie, cookie);
	assert_int_equal(ans.socket_id, osock);
	assert_memory_equal(ans.peer_ip, peer, 16);

	/* data: the caller's to the origin's socket, over IPv6 from the NAT port */
	mp_wr32(data, 7);          /* data packet, sequence 7 */
	mp_wr32(data + 12, osock);
	memset(data + 16, 0x47, sizeof(data) - 16);
	mark = h->nout[1];
	if (v6)
		send_udp6(h, 0, mac, CLIENT6, cport, PUB6, 10080, data, sizeof(data));
	else
		mp_rh_send_udp(h, 0, mac, CLIENT4, cport, 10080, data, sizeof(data));
	mp_rh_settle(h);
	sport = nat;
	assert_udp6_out(h, 1, mark, ORIGIN_MAC, PRIV6, &sport, ORIGIN6, 10080, 63, data, sizeof(data));
	/* and the origin's (an ACK-like packet to the caller's socket) back to the caller */
	mp_wr32(data, 0x80020000u); /* control: ACK */
	mp_wr32(data + 12, csock);
	mark = h->nout[0];
	send_udp6(h, 1, ORIGIN_MAC, ORIGIN6, 10080, PRIV6, nat, data, 44);
	mp_rh_settle(h);
	if (v6) {
		sport = 10080;
		assert_udp6_out(h, 0, mark, mac, PUB6, &sport, CLIENT6, cport, 63, data, 44);
	} else {
		assert_int_equal(h->nout[0], mark + 1);
		mp_rh_assert_udp_out(&h->out[0][mark], mp_rh_port_mac(h, 0), mac, PUB4, 10080, CLIENT4, cport, data, 44);
	}
}

static void srt_from_ipv4_and_ipv6_callers_reaches_an_ipv6_origin_and_comes_back(void **state)
{
	static struct mp_rh h;
	struct mp_dp_stats st;

	(void)state;
	start(&h);
	(void)standin(&h, MP_PROTO_SRT);
	send_ns(&h, 1, ORIGIN_MAC, ORIGIN6, PRIV6);
	send_ns(&h, 0, CLIENT6_MAC, CLIENT6, PUB6);
	mp_rh_send_arp(&h, 0, CLIENT4, CLIENT_MAC);
	mp_rh_settle(&h);
	srt_caller(&h, false, CLIENT_MAC, 6000, 0x11111111u, 0x0a0a0a0au);
	srt_caller(&h, true, CLIENT6_MAC, 6002, 0x22222222u, 0x0b0b0b0bu);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.sessions_created, 2);
	assert_int_equal(st.srt_handshakes, 2);
	assert_int_equal(mp_dp_stats_drops(&st), 0);
	mp_rh_stop(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(webrtc_from_ipv4_and_ipv6_clients_reaches_an_ipv6_origin_and_comes_back,
					  mp_rh_teardown),
		cmocka_unit_test_teardown(srt_from_ipv4_and_ipv6_callers_reaches_an_ipv6_origin_and_comes_back,
					  mp_rh_teardown),
	};

	return cmocka_run_group_tests(tests, mp_rh_eal_setup, mp_rh_eal_teardown);
}
