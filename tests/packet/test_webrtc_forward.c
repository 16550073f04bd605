/* test_webrtc_forward.c: the real worker loop on net_ring ports forwards WebRTC by ICE username both
 * ways (MACs, addresses, ports, checksums, payload checked field by field, the aiortc capture replayed),
 * re-binds, expires and closes sessions, finds them from any worker, and counts every drop by reason
 * (tx_full included). The harness is ring_harness.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dp.h"
#include "lb.h"
#include "mp_error.h"
#include "ring_harness.h"
#include "test_data.h"
#include "udp_frame.h"

#define US 0xC6123D02u          /* 198.18.61.2/24, the public port */
#define GW 0xC6123D01u          /* 198.18.61.1 */
#define CLIENT 0xC6123D0Au      /* 198.18.61.10, on the public link */
#define CLIENT_B 0xC6123D0Bu    /* 198.18.61.11, the same client after a NAT rebinding */
#define FAR 0xCB007107u         /* 203.0.113.7, behind the gateway */
#define ORIGIN 0xC6123D14u      /* 198.18.61.20, origin media on the public link */
#define PRIV 0x0A3D0002u        /* 10.61.0.2/24, the private port */
#define ORIGIN_PRIV 0x0A3D0014u /* 10.61.0.20 */
#define NAT_MIN 40000
#define NAT_MAX 40999

static const uint8_t GW_MAC[6] = { 0x02, 0x47, 0x57, 0, 0, 1 };
static const uint8_t CLIENT_MAC[6] = { 0x02, 0xc1, 0, 0, 0, 0x0a };
static const uint8_t CLIENT_B_MAC[6] = { 0x02, 0xc1, 0, 0, 0, 0x0b };
static const uint8_t ORIGIN_MAC[6] = { 0x02, 0x0a, 0, 0, 0, 0x14 };
static const uint8_t ORIGIN_PRIV_MAC[6] = { 0x02, 0x0b, 0, 0, 0, 0x14 };

static const struct mp_rh_addr ADDR = { .public_ip = US, .public_gateway = GW, .public_prefix = 24,
					 .private_ip = PRIV, .private_prefix = 24 };

static void lb_conf(struct mp_lb_config *lc)
{
	mp_lb_config_default(lc);
	lc->max_origins = 16;
	lc->max_streams = 64;
	lc->max_webrtc = 64;
	lc->max_sessions = 1024;
	lc->nat_port_min = NAT_MIN;
	lc->nat_port_max = NAT_MAX;
}

/* An RTP-looking payload (SRTP is opaque to the appliance): version 2, payload type 96, tag bytes. */
static size_t rtp(uint8_t *b, size_t n, uint8_t tag)
{
	memset(b, tag, n);
	b[0] = 0x80;
	b[1] = 0x60;
	return n;
}

static struct mp_lb_session *only_session(struct mp_rh *h)
{
	struct mp_lb_session *found = NULL;

	for (uint32_t i = 0; i < 1024; i++) {
		struct mp_lb_session *s = mp_lb_session_at(h->lb, i);

		if (s) {
			assert_null(found);
			found = s;
		}
	}
	assert_non_null(found);
	return found;
}

static void stun_with_known_username_starts_a_session_and_media_flows_both_ways(void **state)
{
	static struct mp_rh h;
	struct mp_lb_config lc;
	struct mp_dp_stats st;
	struct mp_lb_session *s;
	uint8_t stun[160], pl[1200], back[300];
	size_t sn, n;
	uint16_t nat;

	(void)state;
	lb_conf(&lc);
	mp_rh_start_driven(&h, &ADDR, 1, 1, &lc);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "ans1:off1", MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, ORIGIN, 8000, mp_now_ms()),
			 MP_OK);
	mp_rh_send_arp(&h, 0, CLIENT, CLIENT_MAC);
	mp_rh_send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	sn = mp_rh_stun(stun, "ans1:off1", false, 1, MP_RH_ICE_PWD);
	mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT, 50000, 8000, stun, sn);
	n = rtp(pl, sizeof(pl), 0x5a);
	mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT, 50000, 8000, pl, n);
	mp_rh_settle(&h);
	s = only_session(&h);
	nat = s->nat_port;
	assert_true(nat >= NAT_MIN && nat <= NAT_MAX);
	assert_int_equal(s->origin_ipv4, ORIGIN);
	assert_int_equal(s->origin_port, 8000);
	char user[MP_LB_USERNAME_MAX];
	assert_int_equal(mp_lb_session_username(h.lb, s, user), MP_OK);
	assert_string_equal(user, "ans1:off1");
	/* gratuitous ARP, two ARP replies, then the STUN and the media to the origin */
	assert_int_equal(h.nout[0], 5);
	assert_int_equal(mp_rd16(h.out[0][1].b + 12), 0x0806);
	assert_int_equal(mp_rd16(h.out[0][2].b + 12), 0x0806);
	mp_rh_assert_udp_out(&h.out[0][3], mp_rh_port_mac(&h, 0), ORIGIN_MAC, US, nat, ORIGIN, 8000, stun, sn);
	mp_rh_assert_udp_out(&h.out[0][4], mp_rh_port_mac(&h, 0), ORIGIN_MAC, US, nat, ORIGIN, 8000, pl, n);

	/* The origin answers to the NAT port: back to the client from 8000. */
	memset(back, 0xa7, sizeof(back));
	back[0] = 0x90;
	back[1] = 0xe0;
	mp_rh_send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8000, nat, back, sizeof(back));
	mp_rh_settle(&h);
	assert_int_equal(h.nout[0], 6);
	mp_rh_assert_udp_out(&h.out[0][5], mp_rh_port_mac(&h, 0), CLIENT_MAC, US, 8000, CLIENT, 50000, back, sizeof(back));
	assert_int_equal(s->pkts_c2o, 2);
	assert_int_equal(s->bytes_c2o, sn + n);
	assert_int_equal(s->pkts_o2c, 1);
	assert_int_equal(s->bytes_o2c, sizeof(back));
	mp_rh_stats(&h, &st);
	assert_int_equal(st.sessions_created, 1);
	assert_int_equal(st.lookup_misses, 1);
	assert_int_equal(mp_dp_stats_drops(&st), 0);
	mp_rh_stop(&h);
}

/* Issue 14 item 5: in a fleet (fleet_size 2, this appliance index 1), media to the origin leaves from
 * the fleet's service address with a NAT port of this appliance's half of the range, so a peer can
 * take the session over unchanged; the origin's answer to service address and port reaches the client. */
static void in_a_fleet_media_leaves_from_the_service_address_and_a_port_of_this_appliances_share(void **state)
{
	static struct mp_rh h;
	struct mp_rh_addr a = ADDR;
	struct mp_lb_config lc;
	struct mp_lb_session *s;
	uint8_t stun[160], pl[200], back[100];
	size_t sn, n;
	const uint32_t VIP = 0xc6126401; /* 198.18.100.1 */
	uint16_t nat;

	(void)state;
	a.service_ip = VIP;
	a.fleet_index = 1;
	a.fleet_size = 2;
	lb_conf(&lc);
	mp_rh_start_driven(&h, &a, 1, 1, &lc);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "ansF:offF", MP_RH_ICE_PWD, "__defaultVhost__/live/f", 0, ORIGIN, 8000,
					    mp_now_ms()),
			 MP_OK);
	mp_rh_send_arp(&h, 0, CLIENT, CLIENT_MAC);
	mp_rh_send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	sn = mp_rh_stun(stun, "ansF:offF", false, 1, MP_RH_ICE_PWD);
	mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT, 50000, 8000, stun, sn);
	n = rtp(pl, sizeof(pl), 0x5b);
	mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT, 50000, 8000, pl, n);
	mp_rh_settle(&h);
	s = only_session(&h);
	nat = s->nat_port;
	assert_true(nat >= NAT_MIN + (NAT_MAX - NAT_MIN + 1) / 2 && nat <= NAT_MAX); /* the upper half: index 1 */
	assert_false(mp_lb_nat_port_foreign(h.lb, nat));
	assert_true(mp_lb_nat_port_foreign(h.lb, NAT_MIN));
	assert_int_equal(h.nout[0], 5);
	mp_rh_assert_udp_out(&h.out[0][3], mp_rh_port_mac(&h, 0), ORIGIN_MAC, VIP, nat, ORIGIN, 8000, stun, sn);
	mp_rh_assert_udp_out(&h.out[0][4], mp_rh_port_mac(&h, 0), ORIGIN_MAC, VIP, nat, ORIGIN, 8000, pl, n);
	memset(back, 0xa5, sizeof(back));
	back[0] = 0x90;
	mp_rh_send_udp_to(&h, 0, ORIGIN_MAC, ORIGIN, 8000, VIP, nat, back, sizeof(back));
	mp_rh_settle(&h);
	assert_int_equal(h.nout[0], 6);
	mp_rh_assert_udp_out(&h.out[0][5], mp_rh_port_mac(&h, 0), CLIENT_MAC, US, 8000, CLIENT, 50000, back, sizeof(back));
	mp_rh_stop(&h);
}

static void the_captured_aiortc_session_is_forwarded_byte_identical(void **state)
{
	static struct mp_rh h;
	struct mp_lb_config lc;
	struct mp_dp_stats st;
	struct mp_pcap pc;
	struct mp_pcap_frame fr;
	struct mp_lb_session *s;
	const uint8_t *c2o[160], *o2c[8];
	size_t c2o_len[160], o2c_len[8];
	unsigned nc = 0, no = 0, ci = 1, oi = 0;
	uint16_t client_port = 0;

	(void)state;
	struct mp_rh_addr legacy = ADDR;

	lb_conf(&lc);
	/* The capture's checks are signed with an answer's ice-pwd that was not kept: the username is
	 * stored without one, as an SRS proxy writes it into Redis, and webrtc_allow_no_pwd lets it in. */
	legacy.webrtc_allow_no_pwd = true;
	mp_rh_start_driven(&h, &legacy, 1, 1, &lc);
	/* The aiortc client sent "gLet:M3H2" (answer ufrag : offer ufrag). */
	assert_int_equal(mp_lb_webrtc_store(h.lb, "gLet:M3H2", NULL, "__defaultVhost__/live/s", 0, ORIGIN, 8000, mp_now_ms()),
			 MP_OK);
	mp_rh_send_arp(&h, 0, GW, GW_MAC);
	mp_rh_send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	mp_pcap_open(&pc, "webrtc-aiortc-whip.pcap");
	while (mp_pcap_next(&pc, &fr)) {
		if (fr.ip_proto != 17)
			continue;
		if (fr.src_port == 48339) { /* the client */
			c2o[nc] = fr.payload;
			c2o_len[nc++] = fr.payload_len;
			client_port = fr.src_port;
			mp_rh_send_udp(&h, 0, GW_MAC, FAR, fr.src_port, 8000, fr.payload, fr.payload_len);
		} else {
			o2c[no] = fr.payload;
			o2c_len[no++] = fr.payload_len;
		}
	}
	assert_int_equal(nc, 146);
	assert_int_equal(no, 4);
	mp_rh_settle(&h);
	s = only_session(&h);
	for (unsigned i = 0; i < no; i++)
		mp_rh_send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8000, s->nat_port, o2c[i], o2c_len[i]);
	mp_rh_settle(&h);
	for (unsigned i = 0; i < h.nout[0]; i++) {
		const struct mp_rh_frame *o = &h.out[0][i];

		if (mp_rd16(o->b + 12) != 0x0800)
			continue;
		if (mp_rd32(o->b + 30) == ORIGIN) {
			assert_true(ci < nc);
			mp_rh_assert_udp_out(o, mp_rh_port_mac(&h, 0), ORIGIN_MAC, US, s->nat_port, ORIGIN, 8000, c2o[ci], c2o_len[ci]);
			ci++;
		} else {
			assert_true(oi < no);
			/* the client is off-link: its frames go to the gateway's MAC */
			mp_rh_assert_udp_out(o, mp_rh_port_mac(&h, 0), GW_MAC, US, 8000, FAR, client_port, o2c[oi], o2c_len[oi]);
			oi++;
		}
	}
	/* The client's first datagram answers the aiortc answerer's own check (an ICE-lite origin such as
	 * SRS sends none): a Binding success response from an unknown address, dropped. The rest pass. */
	assert_int_equal(ci, 146);
	assert_int_equal(oi, 4);
	assert_int_equal(s->pkts_c2o, 145);
	assert_int_equal(s->pkts_o2c, 4);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.sessions_created, 1);
	assert_int_equal(st.stun_unverified, 1); /* accepted unverified, and counted */
	assert_int_equal(st.drops[MP_DROP_NO_SESSION], 1);
	assert_int_equal(mp_dp_stats_drops(&st), 1);
	mp_pcap_close(&pc);
	mp_rh_stop(&h);
}

static void with_a_private_port_origins_are_reached_from_it(void **state)
{
	static struct mp_rh h;
	struct mp_lb_config lc;
	struct mp_lb_session *s;
	uint8_t stun[160], pl[400];
	size_t sn, n;

	(void)state;
	lb_conf(&lc);
	mp_rh_start_driven(&h, &ADDR, 2, 1, &lc);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "a:b", MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, ORIGIN_PRIV, 8000, mp_now_ms()),
			 MP_OK);
	mp_rh_send_arp(&h, 0, GW, GW_MAC);
	mp_rh_send_arp(&h, 1, ORIGIN_PRIV, ORIGIN_PRIV_MAC);
	mp_rh_settle(&h); /* the worker polls port 0 before port 1: learn the origin first */
	sn = mp_rh_stun(stun, "a:b", true, 7, MP_RH_ICE_PWD);
	mp_rh_send_udp(&h, 0, GW_MAC, FAR, 51000, 8000, stun, sn);
	mp_rh_settle(&h);
	s = only_session(&h);
	n = rtp(pl, sizeof(pl), 0x33);
	mp_rh_send_udp(&h, 1, ORIGIN_PRIV_MAC, ORIGIN_PRIV, 8000, s->nat_port, pl, n);
	mp_rh_settle(&h);
	/* public: gratuitous ARP, ARP reply, the answer; private: gratuitous ARP, ARP reply, the STUN */
	assert_int_equal(h.nout[0], 3);
	assert_int_equal(h.nout[1], 3);
	mp_rh_assert_udp_out(&h.out[1][2], mp_rh_port_mac(&h, 1), ORIGIN_PRIV_MAC, PRIV, s->nat_port, ORIGIN_PRIV, 8000, stun, sn);
	mp_rh_assert_udp_out(&h.out[0][2], mp_rh_port_mac(&h, 0), GW_MAC, US, 8000, FAR, 51000, pl, n);
	mp_rh_stop(&h);
}

static void unknown_and_unwanted_traffic_is_dropped_and_counted_by_reason(void **state)
{
	static struct mp_rh h;
	struct mp_lb_config lc;
	struct mp_dp_stats st;
	struct mp_lb_session *s;
	uint8_t stun[160], pl[200];
	size_t n = rtp(pl, sizeof(pl), 1);
	unsigned arp_requests = 0;

	(void)state;
	memset(stun, 0, sizeof(stun));
	lb_conf(&lc);
	lc.nat_port_max = NAT_MIN; /* one NAT port: the second session does not fit */
	mp_rh_start_driven(&h, &ADDR, 1, 1, &lc);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "k:1", MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, ORIGIN, 8000, mp_now_ms()), MP_OK);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "k:2", MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, ORIGIN, 8000, mp_now_ms()), MP_OK);
	mp_rh_send_arp(&h, 0, CLIENT, CLIENT_MAC);
	mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT, 1000, 8000, pl, n);                 /* no_session: media, no session */
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 1001, "nobody:here", false);       /* stun_unknown */
	mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT, 1002, 8000, stun, 12);              /* no_session: truncated STUN */
	memset(stun, 0, 20);
	stun[1] = 1;
	stun[4] = 0x21, stun[5] = 0x12, stun[6] = 0xa4, stun[7] = 0x42;
	mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT, 1003, 8000, stun, 20);              /* no_session: no USERNAME */
	mp_rh_send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8000, NAT_MIN, pl, n);              /* no_session: NAT port unused */
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 1004, "k:1", false);               /* no_nexthop: origin MAC unknown */
	mp_rh_settle(&h);
	mp_rh_send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 1004, "k:1", false);               /* forwarded */
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 1005, "k:2", false);               /* sessions_full: one NAT port */
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 1006, "k:1", false);               /* stun_other_address */
	mp_rh_settle(&h);
	s = only_session(&h);
	assert_int_equal(s->nat_port, NAT_MIN);
	/* The return path is keyed by (origin address, origin port, NAT port): anyone else misses and goes
	 * to the kernel (no exception path here: dropped as no_session), as the unused port did. */
	mp_rh_send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8001, NAT_MIN, pl, n);              /* no_session: other port */
	mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT, 9999, NAT_MIN, pl, n);              /* no_session: a client */
	mp_rh_settle(&h);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.drops[MP_DROP_NO_SESSION], 6);
	assert_int_equal(st.nat_to_kernel, 3);
	assert_int_equal(st.drops[MP_DROP_STUN_UNKNOWN], 1);
	assert_int_equal(st.drops[MP_DROP_NO_NEXTHOP], 1);
	assert_int_equal(st.drops[MP_DROP_SESSIONS_FULL], 1);
	assert_int_equal(st.drops[MP_DROP_STUN_OTHER_ADDR], 1);
	assert_int_equal(st.drops[MP_DROP_WRONG_ORIGIN], 0);
	assert_int_equal(mp_dp_stats_drops(&st), 10);
	assert_int_equal(st.lookup_misses, 10); /* every unknown tuple or NAT return-path key */
	assert_int_equal(st.sessions_created, 1); /* the no_nexthop STUN made it, the next one forwarded */
	for (unsigned i = 0; i < h.nout[0]; i++) {
		const uint8_t *e = h.out[0][i].b;

		if (mp_rd16(e + 12) == 0x0806 && mp_rd16(e + 20) == 1 && mp_rd32(e + 38) == ORIGIN)
			arp_requests++; /* next-hop resolution asked for the origin */
	}
	assert_int_equal(arp_requests, 1);
	mp_rh_stop(&h);
}

static unsigned live_sessions(struct mp_rh *h)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < 1024; i++)
		n += mp_lb_session_at(h->lb, i) != NULL;
	return n;
}

/* Issue 11 item 10: whoever saw a USERNAME could start a session or move one (USE-CANDIDATE) to
 * itself. Only a check whose MESSAGE-INTEGRITY verifies with the answer's ice-pwd may. */
static void stun_without_the_right_message_integrity_neither_starts_nor_moves_a_session(void **state)
{
	static struct mp_rh h;
	struct mp_lb_config lc;
	struct mp_dp_stats st;
	struct mp_lb_session *s;
	uint8_t stun[160], back[100];
	size_t sn;
	uint16_t nat;

	(void)state;
	lb_conf(&lc);
	mp_rh_start(&h, &ADDR, 1, 1, &lc);
	memset(back, 0xbb, sizeof(back));
	assert_int_equal(mp_lb_webrtc_store(h.lb, "mi:1", MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, ORIGIN, 8000,
					    mp_now_ms()), MP_OK);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "nopwd:1", NULL, "__defaultVhost__/live/s", 0, ORIGIN, 8000,
					    mp_now_ms()), MP_OK);
	mp_rh_send_arp(&h, 0, CLIENT, CLIENT_MAC);
	mp_rh_send_arp(&h, 0, CLIENT_B, CLIENT_B_MAC);
	mp_rh_send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	mp_rh_settle(&h);
	h.nout[0] = 0;

	/* 1. The attacker knows the USERNAME: no MESSAGE-INTEGRITY, a wrong password, a bad HMAC;
	 * none starts a session, nothing reaches the origin. */
	sn = mp_rh_stun(stun, "mi:1", true, 1, NULL);
	mp_rh_send_udp(&h, 0, CLIENT_B_MAC, CLIENT_B, 3000, 8000, stun, sn);
	sn = mp_rh_stun(stun, "mi:1", true, 2, "not-the-answers-password");
	mp_rh_send_udp(&h, 0, CLIENT_B_MAC, CLIENT_B, 3000, 8000, stun, sn);
	sn = mp_rh_stun(stun, "mi:1", true, 3, MP_RH_ICE_PWD);
	stun[sn - 1] ^= 1; /* the right password, but the HMAC does not match the bytes */
	mp_rh_send_udp(&h, 0, CLIENT_B_MAC, CLIENT_B, 3000, 8000, stun, sn);
	/* a username stored without a password: refused by default */
	sn = mp_rh_stun(stun, "nopwd:1", true, 4, MP_RH_ICE_PWD);
	mp_rh_send_udp(&h, 0, CLIENT_B_MAC, CLIENT_B, 3001, 8000, stun, sn);
	mp_rh_settle(&h);
	mp_rh_stats(&h, &st);
	assert_int_equal(live_sessions(&h), 0);
	assert_int_equal(h.nout[0], 0);
	assert_int_equal(st.drops[MP_DROP_STUN_INTEGRITY], 3);
	assert_int_equal(st.drops[MP_DROP_STUN_NO_PWD], 1);
	assert_int_equal(st.sessions_created, 0);

	/* 2. The real client's check, signed with the answer's ice-pwd: a session, forwarded as is. */
	sn = mp_rh_stun(stun, "mi:1", false, 5, MP_RH_ICE_PWD);
	mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT, 2000, 8000, stun, sn);
	mp_rh_settle(&h);
	s = only_session(&h);
	assert_int_equal(s->tuple.src_ip, CLIENT);
	nat = s->nat_port;
	assert_int_equal(h.nout[0], 1);
	mp_rh_assert_udp_out(&h.out[0][0], mp_rh_port_mac(&h, 0), ORIGIN_MAC, US, nat, ORIGIN, 8000, stun, sn);

	/* 3. The attacker nominates its own address (USE-CANDIDATE) without the password: the session
	 * stays with the client and the origin's media still goes there. */
	h.nout[0] = 0;
	sn = mp_rh_stun(stun, "mi:1", true, 6, NULL);
	mp_rh_send_udp(&h, 0, CLIENT_B_MAC, CLIENT_B, 3000, 8000, stun, sn);
	sn = mp_rh_stun(stun, "mi:1", true, 7, "guess");
	mp_rh_send_udp(&h, 0, CLIENT_B_MAC, CLIENT_B, 3000, 8000, stun, sn);
	mp_rh_settle(&h);
	mp_rh_send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8000, nat, back, sizeof(back));
	mp_rh_settle(&h);
	s = only_session(&h);
	assert_int_equal(s->tuple.src_ip, CLIENT);
	assert_int_equal(h.nout[0], 1);
	mp_rh_assert_udp_out(&h.out[0][0], mp_rh_port_mac(&h, 0), CLIENT_MAC, US, 8000, CLIENT, 2000, back, sizeof(back));
	mp_rh_stats(&h, &st);
	assert_int_equal(st.sessions_rebound, 0);
	assert_int_equal(st.drops[MP_DROP_STUN_INTEGRITY], 5);

	/* 4. The client itself nominates a new address with a signed check: it moves (same NAT port). */
	h.nout[0] = 0;
	sn = mp_rh_stun(stun, "mi:1", true, 8, MP_RH_ICE_PWD);
	mp_rh_send_udp(&h, 0, CLIENT_B_MAC, CLIENT_B, 3002, 8000, stun, sn);
	mp_rh_settle(&h);
	mp_rh_send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8000, nat, back, sizeof(back));
	mp_rh_settle(&h);
	s = only_session(&h);
	assert_int_equal(s->tuple.src_ip, CLIENT_B);
	assert_int_equal(s->tuple.src_port, 3002);
	assert_int_equal(s->nat_port, nat);
	assert_int_equal(h.nout[0], 2);
	mp_rh_assert_udp_out(&h.out[0][1], mp_rh_port_mac(&h, 0), CLIENT_B_MAC, US, 8000, CLIENT_B, 3002, back,
			     sizeof(back));
	mp_rh_stats(&h, &st);
	assert_int_equal(st.sessions_rebound, 1);
	assert_int_equal(st.stun_unverified, 0);
	mp_rh_stop(&h);
}

/* session_rate: one source starting session after session (each check signed, each from a new
 * port) gets at most the bucket's burst plus its refill over the time taken; the rest are dropped. */
static void one_source_gets_only_session_rate_new_sessions(void **state)
{
	static struct mp_rh h;
	struct mp_rh_addr a = ADDR;
	struct mp_lb_config lc;
	struct mp_dp_stats st;
	uint64_t t0, elapsed_ms, bound, created;
	char user[32];

	(void)state;
	lb_conf(&lc);
	a.session_rate = 5;
	mp_rh_start(&h, &a, 1, 1, &lc);
	mp_rh_send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	for (int i = 0; i < 40; i++) {
		snprintf(user, sizeof(user), "rate:%d", i);
		assert_int_equal(mp_lb_webrtc_store(h.lb, user, MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, ORIGIN, 8000,
						    mp_now_ms()), MP_OK);
	}
	mp_rh_settle(&h);
	t0 = mp_now_ms();
	for (int i = 0; i < 40; i++) {
		snprintf(user, sizeof(user), "rate:%d", i);
		mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, (uint16_t)(9000 + i), user, false);
	}
	mp_rh_settle(&h);
	elapsed_ms = mp_now_ms() - t0;
	/* burst 5, then 5 per second over the time the sends took (however slow the machine) */
	bound = 5 + (elapsed_ms * 5 + 999) / 1000 + 1;
	mp_rh_stats(&h, &st);
	created = st.sessions_created;
	assert_true(created >= 5);
	assert_true(created <= bound);
	assert_int_equal(created + st.drops[MP_DROP_SESSION_RATE], 40);
	/* Another source has its own bucket. */
	mp_rh_send_stun(&h, 0, CLIENT_B_MAC, CLIENT_B, 9100, "rate:39", true);
	mp_rh_settle(&h);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.sessions_created + st.sessions_rebound, created + 1);
	mp_rh_stop(&h);
}

static void a_known_username_from_a_new_address_rebinds_when_nominated_or_the_old_one_is_quiet(void **state)
{
	static struct mp_rh h;
	struct mp_lb_config lc;
	struct mp_dp_stats st;
	struct mp_lb_session *s;
	uint8_t stun[160], pl[300], back[100];
	size_t sn, n = rtp(pl, sizeof(pl), 9);
	uint16_t nat;

	(void)state;
	lb_conf(&lc);
	mp_rh_start_driven(&h, &ADDR, 1, 1, &lc);
	memset(back, 0xbb, sizeof(back));
	assert_int_equal(mp_lb_webrtc_store(h.lb, "r:1", MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, ORIGIN, 8000, mp_now_ms()), MP_OK);
	mp_rh_send_arp(&h, 0, CLIENT, CLIENT_MAC);
	mp_rh_send_arp(&h, 0, CLIENT_B, CLIENT_B_MAC);
	mp_rh_send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 2000, "r:1", false);
	mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT, 2000, 8000, pl, n);
	mp_rh_send_stun(&h, 0, CLIENT_B_MAC, CLIENT_B, 3000, "r:1", false); /* A is active: dropped */
	mp_rh_settle(&h);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.drops[MP_DROP_STUN_OTHER_ADDR], 1);
	nat = only_session(&h)->nat_port;

	/* The client nominates the pair from B: the session moves there, keeping its NAT port. */
	h.nout[0] = 0;
	sn = mp_rh_stun(stun, "r:1", true, 3001, MP_RH_ICE_PWD);
	mp_rh_send_udp(&h, 0, CLIENT_B_MAC, CLIENT_B, 3000, 8000, stun, sn);
	mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT, 2000, 8000, pl, n);       /* A no longer has a session */
	mp_rh_settle(&h); /* (a burst's WebRTC frames are handled after its other frames) */
	mp_rh_send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8000, nat, back, sizeof(back));
	mp_rh_settle(&h);
	s = only_session(&h);
	assert_int_equal(s->tuple.src_ip, CLIENT_B);
	assert_int_equal(s->nat_port, nat);
	assert_int_equal(h.nout[0], 2);
	mp_rh_assert_udp_out(&h.out[0][0], mp_rh_port_mac(&h, 0), ORIGIN_MAC, US, nat, ORIGIN, 8000, stun, sn);
	mp_rh_assert_udp_out(&h.out[0][1], mp_rh_port_mac(&h, 0), CLIENT_B_MAC, US, 8000, CLIENT_B, 3000, back, sizeof(back));
	mp_rh_stats(&h, &st);
	assert_int_equal(st.sessions_rebound, 1);
	assert_int_equal(st.drops[MP_DROP_NO_SESSION], 1);

	/* B goes quiet (a NAT rebinding back to A): not yet quiet long enough, a plain check from A is
	 * dropped; after MP_DP_REBIND_QUIET_MS it moves the session back. */
	mp_rh_advance(&h, MP_DP_REBIND_QUIET_MS - 100);
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 2000, "r:1", false);
	mp_rh_settle(&h);
	assert_int_equal(only_session(&h)->tuple.src_ip, CLIENT_B);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.drops[MP_DROP_STUN_OTHER_ADDR], 2);
	mp_rh_advance(&h, 200);
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 2000, "r:1", false);
	mp_rh_settle(&h);
	mp_rh_send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8000, nat, back, sizeof(back));
	mp_rh_settle(&h);
	s = only_session(&h);
	assert_int_equal(s->tuple.src_ip, CLIENT);
	assert_int_equal(s->nat_port, nat);
	mp_rh_assert_udp_out(&h.out[0][h.nout[0] - 1], mp_rh_port_mac(&h, 0), CLIENT_MAC, US, 8000, CLIENT, 2000, back,
		       sizeof(back));
	mp_rh_stats(&h, &st);
	assert_int_equal(st.sessions_rebound, 2);
	assert_int_equal(st.sessions_created, 1);
	mp_rh_stop(&h);
}

/* A DTLS 1.2 alert record: epoch 0 with a plaintext close_notify, or epoch 1 (encrypted). */
static size_t dtls_alert(uint8_t *b, bool encrypted)
{
	memset(b, 0, 13 + 26);
	b[0] = 21;
	b[1] = 0xfe;
	b[2] = 0xfd;
	b[4] = encrypted ? 1 : 0;
	b[12] = encrypted ? 26 : 2;
	if (encrypted)
		memset(b + 13, 0x77, 26);
	else
		b[13] = 1; /* warning, close_notify */
	return 13u + b[12];
}

static void idle_sessions_expire_and_a_dtls_alert_ends_one_early(void **state)
{
	static struct mp_rh h;
	struct mp_lb_config lc;
	struct mp_dp_stats st;
	struct mp_lb_session *s;
	uint8_t pl[100], alert[64];
	size_t n = rtp(pl, sizeof(pl), 3), an;
	struct mp_lb_stats ls;
	uint16_t nat;

	(void)state;
	lb_conf(&lc);
	lc.webrtc_idle_ms = 300;
	mp_rh_start_driven(&h, &ADDR, 1, 1, &lc);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "e:1", MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, ORIGIN, 8000, mp_now_ms()), MP_OK);
	mp_rh_send_arp(&h, 0, CLIENT, CLIENT_MAC);
	mp_rh_send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 4000, "e:1", false);
	mp_rh_settle(&h);
	(void)only_session(&h);
	/* idle for 300 ms: the workers' sweep ends it, not before */
	mp_rh_advance(&h, lc.webrtc_idle_ms - 2 * MP_DP_SWEEP_MS);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.sessions_expired, 0);
	mp_rh_advance(&h, 4 * MP_DP_SWEEP_MS);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.sessions_expired, 1);
	mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT, 4000, 8000, pl, n);
	mp_rh_settle(&h);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.drops[MP_DROP_NO_SESSION], 1);

	/* A new session; the client's encrypted alert goes through, then the session is gone. */
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 4000, "e:1", false);
	mp_rh_settle(&h);
	h.nout[0] = 0;
	an = dtls_alert(alert, true);
	mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT, 4000, 8000, alert, an);
	mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT, 4000, 8000, pl, n);
	mp_rh_settle(&h);
	assert_int_equal(h.nout[0], 1);
	assert_memory_equal(h.out[0][0].b + 42, alert, an);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.sessions_closed, 1);
	assert_int_equal(st.drops[MP_DROP_NO_SESSION], 2);

	/* The origin's plaintext close_notify ends a session the same way. */
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 4000, "e:1", false);
	mp_rh_settle(&h);
	s = only_session(&h);
	nat = s->nat_port;
	h.nout[0] = 0;
	an = dtls_alert(alert, false);
	mp_rh_send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8000, nat, alert, an);
	mp_rh_settle(&h);
	assert_int_equal(h.nout[0], 1);
	mp_rh_assert_udp_out(&h.out[0][0], mp_rh_port_mac(&h, 0), CLIENT_MAC, US, 8000, CLIENT, 4000, alert, an);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.sessions_closed, 2);
	assert_int_equal(st.sessions_created, 3);
	mp_lb_stats(h.lb, &ls);
	assert_int_equal(ls.count[MP_LB_T_SESSIONS], 0);
	mp_rh_stop(&h);
}

static void sessions_made_on_one_worker_are_found_by_another(void **state)
{
	static struct mp_rh h;
	struct mp_lb_config lc;
	struct mp_dp_stats w0, w1;
	struct mp_lb_session *s;
	uint8_t pl[500], back[200];
	size_t n = rtp(pl, sizeof(pl), 4);
	unsigned to_origin = 0, to_client = 0;

	(void)state;
	if (rte_lcore_count() < 3) {
		skip();
		return;
	}
	memset(back, 0xcc, sizeof(back));
	lb_conf(&lc);
	mp_rh_start(&h, &ADDR, 1, 2, &lc);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "m:1", MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, ORIGIN, 8000, mp_now_ms()), MP_OK);
	mp_rh_send_arp(&h, 0, CLIENT, CLIENT_MAC);
	mp_rh_send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 5000, "m:1", false); /* queue 0: worker 0 creates */
	mp_rh_settle(&h);
	s = only_session(&h);
	for (int i = 0; i < 10; i++) {                             /* queue 1: worker 1 forwards */
		mp_rh_send_udp_q(&h, 0, 1, CLIENT_MAC, CLIENT, 5000, 8000, pl, n);
		mp_rh_send_udp_q(&h, 0, 1, ORIGIN_MAC, ORIGIN, 8000, s->nat_port, back, sizeof(back));
	}
	mp_rh_settle(&h);
	for (unsigned i = 0; i < h.nout[0]; i++) {
		const struct mp_rh_frame *o = &h.out[0][i];

		if (mp_rd16(o->b + 12) != 0x0800)
			continue;
		if (mp_rd32(o->b + 30) == ORIGIN && o->len == 42 + n) {
			mp_rh_assert_udp_out(o, mp_rh_port_mac(&h, 0), ORIGIN_MAC, US, s->nat_port, ORIGIN, 8000, pl, n);
			to_origin++;
		} else if (mp_rd32(o->b + 30) == CLIENT) {
			mp_rh_assert_udp_out(o, mp_rh_port_mac(&h, 0), CLIENT_MAC, US, 8000, CLIENT, 5000, back, sizeof(back));
			to_client++;
		}
	}
	assert_int_equal(to_origin, 10);
	assert_int_equal(to_client, 10);
	memset(&w0, 0, sizeof(w0));
	memset(&w1, 0, sizeof(w1));
	mp_dp_stats_add(&w0, &h.dp.workers[0].stats);
	mp_dp_stats_add(&w1, &h.dp.workers[1].stats);
	assert_int_equal(w0.sessions_created, 1);
	assert_int_equal(w1.sessions_created, 0);
	assert_int_equal(w1.lookup_misses, 0);
	assert_int_equal(w1.rx_packets, 20);
	assert_int_equal(mp_dp_stats_drops(&w1), 0);
	mp_rh_stop(&h);
}

/* Issue 12 items 1-2, two workers, both directions: each worker's sessions get NAT ports of its own
 * slice (one port each here), the same NAT port serves a session towards each origin, and every frame
 * that lands on the other worker's queue (client or origin side) is handed to the owner, which
 * forwards it; the non-owner neither looks it up nor drops it. Driven clock, deterministic. */
static void two_workers_own_their_sessions_both_ways_and_nat_ports_are_reused_per_origin(void **state)
{
	static struct mp_rh h;
	struct mp_lb_config lc;
	struct mp_dp_stats w[2];
	struct mp_lb_session *s[3] = { 0 };
	static const uint32_t client_port[3] = { 5000, 5001, 5002 };
	static const unsigned creator[3] = { 0, 1, 0 };
	static const char *const user[3] = { "w:0", "w:1", "w:2" };
	const uint32_t origin2 = ORIGIN + 1;
	const uint8_t origin2_mac[6] = { 0x02, 0x0a, 0, 0, 0, 0x15 };
	uint8_t pl[3][400], back[3][200];
	unsigned to_origin[3] = { 0 }, to_client[3] = { 0 };
	enum { K = 8 };

	(void)state;
	lb_conf(&lc);
	lc.nat_port_max = NAT_MIN + 1; /* two ports: one per worker slice */
	mp_rh_start_driven(&h, &ADDR, 1, 2, &lc);
	assert_int_equal(mp_lb_nat_slices(h.lb), 2);
	for (unsigned i = 0; i < 3; i++) {
		rtp(pl[i], sizeof(pl[i]), (uint8_t)(0x10 + i));
		memset(back[i], 0x20 + i, sizeof(back[i]));
		assert_int_equal(mp_lb_webrtc_store(h.lb, user[i], MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0,
						    i == 2 ? origin2 : ORIGIN, 8000, h.now),
				 MP_OK);
	}
	mp_rh_send_arp(&h, 0, CLIENT, CLIENT_MAC);
	mp_rh_send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	mp_rh_send_arp(&h, 0, origin2, origin2_mac);
	mp_rh_settle(&h);
	for (unsigned i = 0; i < 3; i++) {
		uint8_t stun[160];
		size_t sn = mp_rh_stun(stun, user[i], false, 10 + i, MP_RH_ICE_PWD);

		mp_rh_send_udp_q(&h, 0, creator[i], CLIENT_MAC, CLIENT, (uint16_t)client_port[i], 8000, stun, sn);
		mp_rh_settle(&h);
		for (uint32_t j = 0; j < 1024 && !s[i]; j++) {
			struct mp_lb_session *x = mp_lb_session_at(h.lb, j);

			if (x && x->tuple.src_port == client_port[i])
				s[i] = x;
		}
		assert_non_null(s[i]);
		assert_int_equal(mp_lb_nat_slice_of(h.lb, s[i]->nat_port), creator[i]);
	}
	assert_int_equal(s[0]->nat_port, NAT_MIN);
	assert_int_equal(s[1]->nat_port, NAT_MIN + 1);
	assert_int_equal(s[2]->nat_port, NAT_MIN); /* the same port, towards another origin */
	/* Every frame on the queue of the worker that does not own its session, both ways. */
	for (int k = 0; k < K; k++)
		for (unsigned i = 0; i < 3; i++) {
			unsigned other = 1 - creator[i];

			mp_rh_send_udp_q(&h, 0, other, CLIENT_MAC, CLIENT, (uint16_t)client_port[i], 8000, pl[i],
					 sizeof(pl[i]));
			mp_rh_send_udp_q(&h, 0, other, i == 2 ? origin2_mac : ORIGIN_MAC, i == 2 ? origin2 : ORIGIN, 8000,
					 s[i]->nat_port, back[i], sizeof(back[i]));
		}
	mp_rh_settle(&h);
	for (unsigned f = 0; f < h.nout[0]; f++) {
		const struct mp_rh_frame *o = &h.out[0][f];

		if (mp_rd16(o->b + 12) != 0x0800)
			continue;
		for (unsigned i = 0; i < 3; i++) {
			uint32_t oip = i == 2 ? origin2 : ORIGIN;

			if (mp_rd32(o->b + 30) == oip && o->len == 42 + sizeof(pl[i]) && o->b[42 + 2] == 0x10 + i) {
				mp_rh_assert_udp_out(o, mp_rh_port_mac(&h, 0), i == 2 ? origin2_mac : ORIGIN_MAC, US,
						     s[i]->nat_port, oip, 8000, pl[i], sizeof(pl[i]));
				to_origin[i]++;
			} else if (mp_rd32(o->b + 30) == CLIENT && mp_rd16(o->b + 36) == client_port[i]) {
				mp_rh_assert_udp_out(o, mp_rh_port_mac(&h, 0), CLIENT_MAC, US, 8000, CLIENT,
						     (uint16_t)client_port[i], back[i], sizeof(back[i]));
				to_client[i]++;
			}
		}
	}
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(to_origin[i], K);
		assert_int_equal(to_client[i], K);
		assert_int_equal(s[i]->pkts_c2o, K + 1); /* the STUN and the media */
		assert_int_equal(s[i]->pkts_o2c, K);
	}
	for (unsigned i = 0; i < 2; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		mp_dp_stats_add(&w[i], &h.dp.workers[i].stats);
		assert_int_equal(mp_dp_stats_drops(&w[i]), 0);
	}
	/* Worker 1 received s0's and s2's frames (4K) and handed them over, worker 0 s1's (2K); the only
	 * lookup misses are the STUNs that started sessions. */
	assert_int_equal(w[1].handed_off, 4 * K);
	assert_int_equal(w[0].handed_off, 2 * K);
	assert_int_equal(w[0].lookup_misses, 2);
	assert_int_equal(w[1].lookup_misses, 1);
	assert_int_equal(w[0].sessions_created, 2);
	assert_int_equal(w[1].sessions_created, 1);
	mp_rh_stop(&h);
}

static void two_workers_racing_on_the_same_clients_make_one_session_each(void **state)
{
	static struct mp_rh h;
	struct mp_lb_config lc;
	struct mp_dp_stats st;
	struct mp_lb_stats ls;
	uint8_t stun[160];
	char user[32];
	unsigned fwd = 0, sessions = 0;

	(void)state;
	if (rte_lcore_count() < 3) {
		skip();
		return;
	}
	lb_conf(&lc);
	lc.max_webrtc = 128;
	mp_rh_start(&h, &ADDR, 1, 2, &lc);
	for (int i = 0; i < 100; i++) {
		snprintf(user, sizeof(user), "race:%d", i);
		assert_int_equal(mp_lb_webrtc_store(h.lb, user, MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, ORIGIN, 8000, mp_now_ms()),
				 MP_OK);
	}
	mp_rh_send_arp(&h, 0, CLIENT, CLIENT_MAC);
	mp_rh_send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	mp_rh_settle(&h);
	h.nout[0] = 0;
	/* 100 clients, each one's first check sent on both queues at once: both workers miss and try to
	 * create the same session; one creates, the other finds it (MP_ERR_EXISTS) and forwards. */
	for (uint16_t i = 0; i < 100; i++) {
		size_t sn;

		snprintf(user, sizeof(user), "race:%u", i);
		sn = mp_rh_stun(stun, user, false, i, MP_RH_ICE_PWD);
		mp_rh_send_udp_q(&h, 0, 0, CLIENT_MAC, CLIENT, (uint16_t)(6000 + i), 8000, stun, sn);
		mp_rh_send_udp_q(&h, 0, 1, CLIENT_MAC, CLIENT, (uint16_t)(6000 + i), 8000, stun, sn);
	}
	mp_rh_settle(&h);
	for (unsigned i = 0; i < h.nout[0]; i++)
		if (mp_rd16(h.out[0][i].b + 12) == 0x0800 && mp_rd32(h.out[0][i].b + 30) == ORIGIN) {
			assert_true(mp_test_udp_checksums_ok(h.out[0][i].b, h.out[0][i].len));
			fwd++;
		}
	for (uint32_t i = 0; i < 1024; i++)
		sessions += mp_lb_session_at(h.lb, i) != NULL;
	mp_lb_stats(h.lb, &ls);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.drops[MP_DROP_STUN_OTHER_ADDR], 0); /* the loser saw the winner's session */
	assert_int_equal(mp_dp_stats_drops(&st), 0);
	assert_int_equal(sessions, 100);
	assert_int_equal(ls.count[MP_LB_T_SESSIONS], 100);
	assert_int_equal(st.sessions_created, 100);
	assert_int_equal(fwd, 200);
	mp_rh_stop(&h);
}

static void frames_a_full_port_refuses_are_counted_as_tx_full(void **state)
{
	static struct mp_rh h;
	struct mp_rh_addr a = ADDR;
	struct mp_lb_config lc;
	struct mp_dp_stats st;
	uint8_t pl[200];
	size_t n = rtp(pl, sizeof(pl), 6);

	(void)state;
	a.tx_ring = 64; /* holds 63 frames, and nobody empties it until the end */
	lb_conf(&lc);
	mp_rh_start_driven(&h, &a, 1, 1, &lc);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "full:1", MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, ORIGIN, 8000, mp_now_ms()),
			 MP_OK);
	mp_rh_send_arp(&h, 0, CLIENT, CLIENT_MAC);
	mp_rh_send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 7000, "full:1", false);
	for (int i = 0; i < 100; i++)
		mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT, 7000, 8000, pl, n);
	mp_rh_settle(&h);
	mp_rh_stats(&h, &st);
	/* gratuitous ARP + 2 ARP replies + the STUN + 100 media = 104 frames for a 63-frame ring */
	assert_int_equal(st.tx_packets, 63);
	assert_int_equal(st.drops[MP_DROP_TX_FULL], 104 - 63);
	assert_int_equal(mp_dp_stats_drops(&st), 104 - 63);
	assert_int_equal(h.nout[0], 63);
	mp_rh_stop(&h);
}

/* Send a UDP frame with the given TTL from mac/src:sport to the port's address. */
static void send_ttl(struct mp_rh *h, const uint8_t mac[6], uint32_t src, uint16_t sport, uint16_t dport, uint8_t ttl,
		     const uint8_t *pl, size_t n)
{
	struct mp_test_udp u = { .src_ip = src, .dst_ip = US, .src_port = sport, .dst_port = dport, .ttl = ttl ? ttl : 1 };
	uint8_t f[2048];
	size_t len;

	memcpy(u.src_mac, mac, 6);
	memcpy(u.dst_mac, mp_rh_port_mac(h, 0), 6);
	len = mp_test_udp_frame(f, &u, pl, n);
	if (!ttl) { /* the builder's 0 means 64: TTL 0 by hand, header checksum redone */
		f[14 + 8] = 0;
		mp_wr16(f + 14 + 10, 0);
		mp_wr16(f + 14 + 10, (uint16_t)~mp_csum(f + 14, 20, 0));
	}
	mp_rh_send(h, 0, f, len);
}

/* RFC 1812 section 5.3.1: what arrives with TTL 1 (or 0) is not forwarded, either way, and is
 * counted as ttl_exceeded; TTL 2 leaves with 1. */
static void media_arriving_with_ttl_1_is_not_forwarded_and_counted(void **state)
{
	static struct mp_rh h;
	struct mp_lb_config lc;
	struct mp_dp_stats st;
	struct mp_lb_session *s;
	uint8_t pl[200];
	size_t n = rtp(pl, sizeof(pl), 0x33);
	uint16_t nat;

	(void)state;
	lb_conf(&lc);
	mp_rh_start_driven(&h, &ADDR, 1, 1, &lc);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "ttl:1", MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, ORIGIN, 8000,
					    mp_now_ms()), MP_OK);
	mp_rh_send_arp(&h, 0, CLIENT, CLIENT_MAC);
	mp_rh_send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 4100, "ttl:1", false);
	mp_rh_settle(&h);
	s = only_session(&h);
	nat = s->nat_port;
	h.nout[0] = 0;
	send_ttl(&h, CLIENT_MAC, CLIENT, 4100, 8000, 1, pl, n);       /* client -> origin */
	send_ttl(&h, CLIENT_MAC, CLIENT, 4100, 8000, 0, pl, n);
	send_ttl(&h, ORIGIN_MAC, ORIGIN, 8000, nat, 1, pl, n);        /* origin -> client */
	send_ttl(&h, CLIENT_MAC, CLIENT, 4101, 10080, 1, pl, n);      /* SRT port */
	mp_rh_settle(&h);
	assert_int_equal(h.nout[0], 0);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.drops[MP_DROP_TTL], 4);
	assert_int_equal(mp_dp_stats_drops(&st), 4);
	assert_string_equal(mp_dp_drop_name(MP_DROP_TTL), "ttl_exceeded");
	/* TTL 2 is forwarded, leaving with TTL 1 and a header checksum that verifies */
	send_ttl(&h, CLIENT_MAC, CLIENT, 4100, 8000, 2, pl, n);
	mp_rh_settle(&h);
	assert_int_equal(h.nout[0], 1);
	assert_int_equal(h.out[0][0].b[14 + 8], 1);
	assert_true(mp_test_udp_checksums_ok(h.out[0][0].b, h.out[0][0].len));
	mp_rh_stop(&h);
}

/* RX checksum offload: the port's verdicts (mbuf RX flags) are used: IP BAD drops as ip_checksum, L4
 * BAD as udp_malformed, IP GOOD skips the software sum (a frame whose header sum software would
 * refuse goes through, as the hardware said it was good); without flags software checks. */
static void rx_checksum_flags_from_the_port_are_used(void **state)
{
	static struct mp_rh h;
	struct mp_lb_config lc;
	struct mp_dp_stats st;
	struct mp_test_udp u = { .src_ip = CLIENT, .dst_ip = US, .src_port = 4200, .dst_port = 8000 };
	uint8_t pl[100], f[256], bad[256];
	size_t n = rtp(pl, sizeof(pl), 0x44), len;

	(void)state;
	lb_conf(&lc);
	mp_rh_start_driven(&h, &ADDR, 1, 1, &lc);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "csum:1", MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, ORIGIN, 8000,
					    mp_now_ms()), MP_OK);
	mp_rh_send_arp(&h, 0, CLIENT, CLIENT_MAC);
	mp_rh_send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 4200, "csum:1", false);
	mp_rh_settle(&h);
	(void)only_session(&h);
	memcpy(u.src_mac, CLIENT_MAC, 6);
	memcpy(u.dst_mac, mp_rh_port_mac(&h, 0), 6);
	len = mp_test_udp_frame(f, &u, pl, n);
	memcpy(bad, f, len);
	bad[14 + 10] ^= 0x5a; /* header checksum wrong */
	h.nout[0] = 0;
	mp_rh_send_ol(&h, 0, 0, f, len, RTE_MBUF_F_RX_IP_CKSUM_BAD);
	mp_rh_send_ol(&h, 0, 0, f, len, RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_BAD);
	mp_rh_send_ol(&h, 0, 0, bad, len, 0);
	mp_rh_settle(&h);
	assert_int_equal(h.nout[0], 0);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.drops[MP_DROP_IP_CHECKSUM], 2);
	assert_int_equal(st.drops[MP_DROP_UDP_MALFORMED], 1);
	mp_rh_send_ol(&h, 0, 0, bad, len, RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	mp_rh_send_ol(&h, 0, 0, f, len, RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN);
	mp_rh_settle(&h);
	assert_int_equal(h.nout[0], 2);
	assert_true(mp_test_udp_checksums_ok(h.out[0][1].b, h.out[0][1].len));
	mp_rh_stop(&h);
}

/* The live session whose origin port is oport (the test's sessions each have their own). */
static struct mp_lb_session *session_to(struct mp_rh *h, uint16_t oport)
{
	for (uint32_t i = 0; i < 1024; i++) {
		struct mp_lb_session *s = mp_lb_session_at(h->lb, i);

		if (s && s->origin_port == oport)
			return s;
	}
	fail_msg("no session to origin port %u", oport);
	return NULL;
}

/* Default mode, origins on the appliance's host (dp_local.c) with the keyed return path (origin
 * address, origin port, NAT port): one registered with 127.0.0.1 is sent to, and keyed by, the TAP's
 * kernel side, so its replies from there find the session; one registered with another host address
 * (its socket on 0.0.0.0) replies from the TAP's kernel side too, and from its own address when bound
 * to it: both reach the client. Another sender to that NAT port is not the session's. */
static void replies_of_origins_on_the_host_find_their_session_through_the_tap_side(void **state)
{
#define TAP_SIDE 0xC6123D1Eu /* 198.18.61.30: the TAP's kernel side */
#define HOST_ADDR 0xC6123D28u /* 198.18.61.40: another address of the host */
	static const uint8_t TAP_MAC[6] = { 0x02, 0x7a, 0, 0, 0, 0x1e };
	static const uint8_t HOST_MAC[6] = { 0x02, 0x7a, 0, 0, 0, 0x28 };
	static struct mp_rh h;
	struct mp_lb_config lc;
	struct mp_dp_stats st;
	struct mp_lb_session *lo, *ho;
	uint32_t host[2] = { HOST_ADDR, TAP_SIDE };
	uint8_t pl[120], back[150];
	size_t n = rtp(pl, sizeof(pl), 0x61);

	(void)state;
	lb_conf(&lc);
	mp_rh_start_driven(&h, &ADDR, 1, 1, &lc);
	h.dp.local_origin_ip = TAP_SIDE;
	mp_dp_set_host_addrs(&h.dp, host, 2);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "loc:1", MP_RH_ICE_PWD, "__defaultVhost__/live/a", 0, 0x7F000001u, 8001,
					    mp_now_ms()), MP_OK);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "loc:2", MP_RH_ICE_PWD, "__defaultVhost__/live/b", 0, HOST_ADDR, 8002,
					    mp_now_ms()), MP_OK);
	mp_rh_send_arp(&h, 0, CLIENT, CLIENT_MAC);
	mp_rh_send_arp(&h, 0, TAP_SIDE, TAP_MAC);
	mp_rh_send_arp(&h, 0, HOST_ADDR, HOST_MAC);
	mp_rh_send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 4301, "loc:1", false);
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 4302, "loc:2", false);
	mp_rh_settle(&h);
	lo = session_to(&h, 8001);
	ho = session_to(&h, 8002);
	assert_int_equal(lo->origin_ipv4, TAP_SIDE); /* 127.0.0.1: sent to the TAP's kernel side */
	assert_int_equal(ho->origin_ipv4, HOST_ADDR); /* a host address: sent to as registered */
	h.nout[0] = 0;
	mp_rh_send_udp(&h, 0, CLIENT_MAC, CLIENT, 4302, 8000, pl, n);
	mp_rh_settle(&h);
	assert_int_equal(h.nout[0], 1);
	mp_rh_assert_udp_out(&h.out[0][0], mp_rh_port_mac(&h, 0), HOST_MAC, US, ho->nat_port, HOST_ADDR, 8002, pl, n);

	memset(back, 0x3c, sizeof(back));
	back[0] = 0x80;
	h.nout[0] = 0;
	mp_rh_send_udp(&h, 0, TAP_MAC, TAP_SIDE, 8001, lo->nat_port, back, sizeof(back));  /* 127.0.0.1's */
	mp_rh_send_udp(&h, 0, TAP_MAC, TAP_SIDE, 8002, ho->nat_port, back, sizeof(back));  /* 0.0.0.0 socket */
	mp_rh_send_udp(&h, 0, HOST_MAC, HOST_ADDR, 8002, ho->nat_port, back, sizeof(back)); /* bound socket */
	mp_rh_settle(&h);
	assert_int_equal(h.nout[0], 3);
	mp_rh_assert_udp_out(&h.out[0][0], mp_rh_port_mac(&h, 0), CLIENT_MAC, US, 8000, CLIENT, 4301, back, sizeof(back));
	mp_rh_assert_udp_out(&h.out[0][1], mp_rh_port_mac(&h, 0), CLIENT_MAC, US, 8000, CLIENT, 4302, back, sizeof(back));
	mp_rh_assert_udp_out(&h.out[0][2], mp_rh_port_mac(&h, 0), CLIENT_MAC, US, 8000, CLIENT, 4302, back, sizeof(back));
	assert_int_equal(lo->pkts_o2c, 1);
	assert_int_equal(ho->pkts_o2c, 2);

	/* Another sender (not the host) from the same port to that NAT port: not the session's. */
	h.nout[0] = 0;
	mp_rh_send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8002, ho->nat_port, back, sizeof(back));
	mp_rh_settle(&h);
	assert_int_equal(h.nout[0], 0);
	assert_int_equal(ho->pkts_o2c, 2);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.nat_to_kernel, 1);
	assert_int_equal(st.drops[MP_DROP_WRONG_ORIGIN], 0);
	mp_rh_stop(&h);
#undef TAP_SIDE
#undef HOST_ADDR
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(stun_with_known_username_starts_a_session_and_media_flows_both_ways, mp_rh_teardown),
		cmocka_unit_test_teardown(the_captured_aiortc_session_is_forwarded_byte_identical, mp_rh_teardown),
		cmocka_unit_test_teardown(in_a_fleet_media_leaves_from_the_service_address_and_a_port_of_this_appliances_share,
					  mp_rh_teardown),
		cmocka_unit_test_teardown(with_a_private_port_origins_are_reached_from_it, mp_rh_teardown),
		cmocka_unit_test_teardown(unknown_and_unwanted_traffic_is_dropped_and_counted_by_reason, mp_rh_teardown),
		cmocka_unit_test_teardown(a_known_username_from_a_new_address_rebinds_when_nominated_or_the_old_one_is_quiet, mp_rh_teardown),
		cmocka_unit_test_teardown(stun_without_the_right_message_integrity_neither_starts_nor_moves_a_session,
					  mp_rh_teardown),
		cmocka_unit_test_teardown(one_source_gets_only_session_rate_new_sessions, mp_rh_teardown),
		cmocka_unit_test_teardown(idle_sessions_expire_and_a_dtls_alert_ends_one_early, mp_rh_teardown),
		cmocka_unit_test_teardown(sessions_made_on_one_worker_are_found_by_another, mp_rh_teardown),
		cmocka_unit_test_teardown(two_workers_own_their_sessions_both_ways_and_nat_ports_are_reused_per_origin,
					  mp_rh_teardown),
		cmocka_unit_test_teardown(two_workers_racing_on_the_same_clients_make_one_session_each, mp_rh_teardown),
		cmocka_unit_test_teardown(frames_a_full_port_refuses_are_counted_as_tx_full, mp_rh_teardown),
		cmocka_unit_test_teardown(media_arriving_with_ttl_1_is_not_forwarded_and_counted, mp_rh_teardown),
		cmocka_unit_test_teardown(rx_checksum_flags_from_the_port_are_used, mp_rh_teardown),
		cmocka_unit_test_teardown(replies_of_origins_on_the_host_find_their_session_through_the_tap_side,
					  mp_rh_teardown),
	};
	return cmocka_run_group_tests(tests, mp_rh_eal_setup, mp_rh_eal_teardown);
}
