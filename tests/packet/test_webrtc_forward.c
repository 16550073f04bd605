/* test_webrtc_forward.c: the real worker loop on net_ring ports forwards WebRTC by ICE username both
 * ways (MACs, addresses, ports, checksums, payload checked field by field, the aiortc capture replayed),
 * re-binds, expires and closes sessions, finds them from any worker, and counts every drop by reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp.h"
#include "lb.h"
#include "mp_error.h"
#include "mp_log.h"
#include "runtime_dir.h"
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
#define MAXF 256

static const uint8_t GW_MAC[6] = { 0x02, 0x47, 0x57, 0, 0, 1 };
static const uint8_t CLIENT_MAC[6] = { 0x02, 0xc1, 0, 0, 0, 0x0a };
static const uint8_t CLIENT_B_MAC[6] = { 0x02, 0xc1, 0, 0, 0, 0x0b };
static const uint8_t ORIGIN_MAC[6] = { 0x02, 0x0a, 0, 0, 0, 0x14 };
static const uint8_t ORIGIN_PRIV_MAC[6] = { 0x02, 0x0b, 0, 0, 0, 0x14 };

struct frame {
	uint8_t b[2048];
	size_t len;
};

/* The appliance's data plane on ring ports, with the test thread as lb reader 0. */
struct h {
	struct mp_dp dp;
	struct mp_lb *lb;
	struct rte_ring *rx[2][2], *tx[2][2];
	unsigned nports, nq;
	uint64_t sent;
	struct frame out[2][MAXF]; /* what left each port, in order */
	unsigned nout[2];
};

static unsigned seq;
static struct h *live; /* stopped by the teardown when a test fails half way */

static void h_start(struct h *h, unsigned nports, unsigned workers, struct mp_lb_config *lc)
{
	struct mp_dp_conf c;
	char name[64], err[256];

	memset(h, 0, sizeof(*h));
	h->nports = nports;
	h->nq = workers;
	memset(&c, 0, sizeof(c));
	for (unsigned p = 0; p < nports; p++) {
		for (unsigned q = 0; q < workers; q++) {
			snprintf(name, sizeof(name), "mpw_rx%u_%u_%u", seq, p, q);
			h->rx[p][q] = rte_ring_create(name, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
			snprintf(name, sizeof(name), "mpw_tx%u_%u_%u", seq, p, q);
			h->tx[p][q] = rte_ring_create(name, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
			assert_non_null(h->rx[p][q]);
			assert_non_null(h->tx[p][q]);
		}
		snprintf(name, sizeof(name), "mpw_port%u_%u", seq, p);
		int id = rte_eth_from_rings(name, h->rx[p], workers, h->tx[p], workers, 0);

		assert_true(id >= 0);
		/* the appliance takes a port number as a port name, as testpmd does */
		snprintf(p ? c.private_port : c.public_port, sizeof(c.public_port), "%d", id);
	}
	seq++;
	c.public_ip = US;
	c.public_prefix = 24;
	c.public_gateway = GW;
	if (nports == 2) {
		c.private_ip = PRIV;
		c.private_prefix = 24;
	}
	c.webrtc_port = 8000;
	c.srt_port = 10080;
	c.nat_port_min = lc->nat_port_min;
	c.nat_port_max = lc->nat_port_max;
	c.workers = workers;
	c.mbufs = 4095;
	c.rx_desc = c.tx_desc = 512;
	c.idle_sleep_us = 50;
	lc->max_readers = MP_DP_READER_FIRST + workers;
	h->lb = mp_lb_create(lc);
	assert_non_null(h->lb);
	assert_int_equal(mp_lb_reader_register(h->lb, 0), MP_OK);
	if (mp_dp_init(&h->dp, &c, err, sizeof(err)) != MP_OK) {
		mp_dp_stop(&h->dp);
		fail_msg("mp_dp_init: %s", err);
	}
	h->dp.lb = h->lb;
	live = h;
	if (mp_dp_start(&h->dp, err, sizeof(err)))
		fail_msg("mp_dp_start: %s", err);
}

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

/* Move what the ports sent into h->out. */
static void h_collect(struct h *h)
{
	for (unsigned p = 0; p < h->nports; p++)
		for (unsigned q = 0; q < h->nq; q++) {
			struct rte_mbuf *m;

			while (rte_ring_dequeue(h->tx[p][q], (void **)&m) == 0) {
				assert_true(h->nout[p] < MAXF);
				h->out[p][h->nout[p]].len = rte_pktmbuf_pkt_len(m);
				memcpy(h->out[p][h->nout[p]].b, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m));
				h->nout[p]++;
				rte_pktmbuf_free(m);
			}
		}
}

static void h_stats(struct h *h, struct mp_dp_stats *s)
{
	mp_dp_stats_sum(&h->dp, s);
}

/* Wait until the workers took everything sent so far and flushed what it made. */
static void h_settle(struct h *h)
{
	struct mp_dp_stats s;

	for (int i = 0; i < 2000; i++) {
		h_stats(h, &s);
		if (s.rx_packets >= h->sent)
			break;
		mp_lb_quiescent(h->lb, 0);
		usleep(1000);
	}
	assert_int_equal(s.rx_packets, h->sent);
	usleep(20000); /* TX is flushed after each burst; let the last one go */
	mp_lb_quiescent(h->lb, 0);
	h_collect(h);
}

static void h_send_q(struct h *h, unsigned port, unsigned q, const uint8_t *f, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(h->dp.pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_mtod(m, void *), f, len);
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	assert_int_equal(rte_ring_enqueue(h->rx[port][q], m), 0);
	h->sent++;
}

static void h_send(struct h *h, unsigned port, const uint8_t *f, size_t len)
{
	h_send_q(h, port, 0, f, len);
}

static void h_stop(struct h *h)
{
	live = NULL;
	mp_dp_stop_workers(&h->dp);
	h_collect(h);
	for (unsigned p = 0; p < h->nports; p++)
		for (unsigned q = 0; q < h->nq; q++) {
			struct rte_mbuf *m;

			while (rte_ring_dequeue(h->rx[p][q], (void **)&m) == 0)
				rte_pktmbuf_free(m);
		}
	mp_dp_stop(&h->dp);
	for (unsigned p = 0; p < h->nports; p++)
		for (unsigned q = 0; q < h->nq; q++) {
			rte_ring_free(h->rx[p][q]);
			rte_ring_free(h->tx[p][q]);
		}
	mp_lb_destroy(h->lb);
}

static const uint8_t *port_mac(struct h *h, unsigned p)
{
	return h->dp.ports[p].iface.mac;
}

/* An ARP request from ip/mac for our address on port p, so the appliance learns the sender. */
static void send_arp(struct h *h, unsigned p, uint32_t ip, const uint8_t mac[6])
{
	uint8_t f[60] = { 0 };
	uint32_t us = h->dp.ports[p].iface.ip;

	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08, f[13] = 0x06;
	f[15] = 1, f[16] = 0x08, f[18] = 6, f[19] = 4, f[21] = 1;
	memcpy(f + 22, mac, 6);
	f[28] = (uint8_t)(ip >> 24), f[29] = (uint8_t)(ip >> 16), f[30] = (uint8_t)(ip >> 8), f[31] = (uint8_t)ip;
	f[38] = (uint8_t)(us >> 24), f[39] = (uint8_t)(us >> 16), f[40] = (uint8_t)(us >> 8), f[41] = (uint8_t)us;
	h_send(h, p, f, sizeof(f));
}

static size_t udp(uint8_t *f, struct h *h, unsigned p, const uint8_t mac[6], uint32_t src, uint16_t sport,
		  uint16_t dport, const uint8_t *pl, size_t n)
{
	struct mp_test_udp u = { .src_ip = src, .dst_ip = h->dp.ports[p].iface.ip, .src_port = sport,
				 .dst_port = dport, .ttl = 64 };

	memcpy(u.src_mac, mac, 6);
	memcpy(u.dst_mac, port_mac(h, p), 6);
	return mp_test_udp_frame(f, &u, pl, n);
}

static void send_udp_q(struct h *h, unsigned p, unsigned q, const uint8_t mac[6], uint32_t src, uint16_t sport,
		       uint16_t dport, const uint8_t *pl, size_t n)
{
	uint8_t f[2048];

	h_send_q(h, p, q, f, udp(f, h, p, mac, src, sport, dport, pl, n));
}

static void send_udp(struct h *h, unsigned p, const uint8_t mac[6], uint32_t src, uint16_t sport, uint16_t dport,
		     const uint8_t *pl, size_t n)
{
	send_udp_q(h, p, 0, mac, src, sport, dport, pl, n);
}

static void send_stun(struct h *h, unsigned p, const uint8_t mac[6], uint32_t src, uint16_t sport, const char *user,
		      bool nominate)
{
	uint8_t s[128];

	send_udp(h, p, mac, src, sport, 8000, s, mp_test_stun_binding(s, user, nominate, sport));
}

/* An RTP-looking payload (SRTP is opaque to the appliance): version 2, payload type 96, tag bytes. */
static size_t rtp(uint8_t *b, size_t n, uint8_t tag)
{
	memset(b, tag, n);
	b[0] = 0x80;
	b[1] = 0x60;
	return n;
}

/* Check one forwarded frame field by field. */
static void assert_udp_out(const struct frame *o, const uint8_t src_mac[6], const uint8_t dst_mac[6], uint32_t src,
			   uint16_t sport, uint32_t dst, uint16_t dport, const uint8_t *pl, size_t n)
{
	assert_int_equal(o->len, 42 + n);
	assert_memory_equal(o->b, dst_mac, 6);
	assert_memory_equal(o->b + 6, src_mac, 6);
	assert_int_equal(mp_test_rd16(o->b + 12), 0x0800);
	assert_int_equal(o->b[14 + 8], 63); /* TTL decremented (RFC 1812 section 5.3.1) */
	assert_int_equal(mp_test_rd32(o->b + 14 + 12), src);
	assert_int_equal(mp_test_rd32(o->b + 14 + 16), dst);
	assert_int_equal(mp_test_rd16(o->b + 34), sport);
	assert_int_equal(mp_test_rd16(o->b + 36), dport);
	assert_int_equal(mp_test_rd16(o->b + 38), 8 + n);
	assert_true(mp_test_udp_checksums_ok(o->b, o->len));
	assert_int_not_equal(mp_test_rd16(o->b + 40), 0);
	assert_memory_equal(o->b + 42, pl, n);
}

static struct mp_lb_session *only_session(struct h *h)
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
	static struct h h;
	struct mp_lb_config lc;
	struct mp_dp_stats st;
	struct mp_lb_session *s;
	uint8_t stun[128], pl[1200], back[300];
	size_t sn, n;
	uint16_t nat;

	(void)state;
	lb_conf(&lc);
	h_start(&h, 1, 1, &lc);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "ans1:off1", "__defaultVhost__/live/s", 0, ORIGIN, 8000, mp_now_ms()),
			 MP_OK);
	send_arp(&h, 0, CLIENT, CLIENT_MAC);
	send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	sn = mp_test_stun_binding(stun, "ans1:off1", false, 1);
	send_udp(&h, 0, CLIENT_MAC, CLIENT, 50000, 8000, stun, sn);
	n = rtp(pl, sizeof(pl), 0x5a);
	send_udp(&h, 0, CLIENT_MAC, CLIENT, 50000, 8000, pl, n);
	h_settle(&h);
	s = only_session(&h);
	nat = s->nat_port;
	assert_true(nat >= NAT_MIN && nat <= NAT_MAX);
	assert_int_equal(s->origin_ipv4, ORIGIN);
	assert_int_equal(s->origin_port, 8000);
	assert_string_equal(s->u.username, "ans1:off1");
	/* gratuitous ARP, two ARP replies, then the STUN and the media to the origin */
	assert_int_equal(h.nout[0], 5);
	assert_int_equal(mp_test_rd16(h.out[0][1].b + 12), 0x0806);
	assert_int_equal(mp_test_rd16(h.out[0][2].b + 12), 0x0806);
	assert_udp_out(&h.out[0][3], port_mac(&h, 0), ORIGIN_MAC, US, nat, ORIGIN, 8000, stun, sn);
	assert_udp_out(&h.out[0][4], port_mac(&h, 0), ORIGIN_MAC, US, nat, ORIGIN, 8000, pl, n);

	/* The origin answers to the NAT port: back to the client from 8000. */
	memset(back, 0xa7, sizeof(back));
	back[0] = 0x90;
	back[1] = 0xe0;
	send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8000, nat, back, sizeof(back));
	h_settle(&h);
	assert_int_equal(h.nout[0], 6);
	assert_udp_out(&h.out[0][5], port_mac(&h, 0), CLIENT_MAC, US, 8000, CLIENT, 50000, back, sizeof(back));
	assert_int_equal(s->pkts_c2o, 2);
	assert_int_equal(s->bytes_c2o, sn + n);
	assert_int_equal(s->pkts_o2c, 1);
	assert_int_equal(s->bytes_o2c, sizeof(back));
	h_stats(&h, &st);
	assert_int_equal(st.sessions_created, 1);
	assert_int_equal(st.lookup_misses, 1);
	assert_int_equal(mp_dp_stats_drops(&st), 0);
	h_stop(&h);
}

static void the_captured_aiortc_session_is_forwarded_byte_identical(void **state)
{
	static struct h h;
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
	lb_conf(&lc);
	h_start(&h, 1, 1, &lc);
	/* The aiortc client sent "gLet:M3H2" (answer ufrag : offer ufrag). */
	assert_int_equal(mp_lb_webrtc_store(h.lb, "gLet:M3H2", "__defaultVhost__/live/s", 0, ORIGIN, 8000, mp_now_ms()),
			 MP_OK);
	send_arp(&h, 0, GW, GW_MAC);
	send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	mp_pcap_open(&pc, "webrtc-aiortc-whip.pcap");
	while (mp_pcap_next(&pc, &fr)) {
		if (fr.ip_proto != 17)
			continue;
		if (fr.src_port == 48339) { /* the client */
			c2o[nc] = fr.payload;
			c2o_len[nc++] = fr.payload_len;
			client_port = fr.src_port;
			send_udp(&h, 0, GW_MAC, FAR, fr.src_port, 8000, fr.payload, fr.payload_len);
		} else {
			o2c[no] = fr.payload;
			o2c_len[no++] = fr.payload_len;
		}
	}
	assert_int_equal(nc, 146);
	assert_int_equal(no, 4);
	h_settle(&h);
	s = only_session(&h);
	for (unsigned i = 0; i < no; i++)
		send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8000, s->nat_port, o2c[i], o2c_len[i]);
	h_settle(&h);
	for (unsigned i = 0; i < h.nout[0]; i++) {
		const struct frame *o = &h.out[0][i];

		if (mp_test_rd16(o->b + 12) != 0x0800)
			continue;
		if (mp_test_rd32(o->b + 30) == ORIGIN) {
			assert_true(ci < nc);
			assert_udp_out(o, port_mac(&h, 0), ORIGIN_MAC, US, s->nat_port, ORIGIN, 8000, c2o[ci], c2o_len[ci]);
			ci++;
		} else {
			assert_true(oi < no);
			/* the client is off-link: its frames go to the gateway's MAC */
			assert_udp_out(o, port_mac(&h, 0), GW_MAC, US, 8000, FAR, client_port, o2c[oi], o2c_len[oi]);
			oi++;
		}
	}
	/* The client's first datagram answers the aiortc answerer's own check (an ICE-lite origin such as
	 * SRS sends none): a Binding success response from an unknown address, dropped. The rest pass. */
	assert_int_equal(ci, 146);
	assert_int_equal(oi, 4);
	assert_int_equal(s->pkts_c2o, 145);
	assert_int_equal(s->pkts_o2c, 4);
	h_stats(&h, &st);
	assert_int_equal(st.sessions_created, 1);
	assert_int_equal(st.drops[MP_DROP_NO_SESSION], 1);
	assert_int_equal(mp_dp_stats_drops(&st), 1);
	mp_pcap_close(&pc);
	h_stop(&h);
}

static void with_a_private_port_origins_are_reached_from_it(void **state)
{
	static struct h h;
	struct mp_lb_config lc;
	struct mp_lb_session *s;
	uint8_t stun[128], pl[400];
	size_t sn, n;

	(void)state;
	lb_conf(&lc);
	h_start(&h, 2, 1, &lc);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "a:b", "__defaultVhost__/live/s", 0, ORIGIN_PRIV, 8000, mp_now_ms()),
			 MP_OK);
	send_arp(&h, 0, GW, GW_MAC);
	send_arp(&h, 1, ORIGIN_PRIV, ORIGIN_PRIV_MAC);
	h_settle(&h); /* the worker polls port 0 before port 1: learn the origin first */
	sn = mp_test_stun_binding(stun, "a:b", true, 7);
	send_udp(&h, 0, GW_MAC, FAR, 51000, 8000, stun, sn);
	h_settle(&h);
	s = only_session(&h);
	n = rtp(pl, sizeof(pl), 0x33);
	send_udp(&h, 1, ORIGIN_PRIV_MAC, ORIGIN_PRIV, 8000, s->nat_port, pl, n);
	h_settle(&h);
	/* public: gratuitous ARP, ARP reply, the answer; private: gratuitous ARP, ARP reply, the STUN */
	assert_int_equal(h.nout[0], 3);
	assert_int_equal(h.nout[1], 3);
	assert_udp_out(&h.out[1][2], port_mac(&h, 1), ORIGIN_PRIV_MAC, PRIV, s->nat_port, ORIGIN_PRIV, 8000, stun, sn);
	assert_udp_out(&h.out[0][2], port_mac(&h, 0), GW_MAC, US, 8000, FAR, 51000, pl, n);
	h_stop(&h);
}

static void unknown_and_unwanted_traffic_is_dropped_and_counted_by_reason(void **state)
{
	static struct h h;
	struct mp_lb_config lc;
	struct mp_dp_stats st;
	struct mp_lb_session *s;
	uint8_t stun[128], pl[200];
	size_t n = rtp(pl, sizeof(pl), 1);
	unsigned arp_requests = 0;

	(void)state;
	memset(stun, 0, sizeof(stun));
	lb_conf(&lc);
	lc.nat_port_max = NAT_MIN; /* one NAT port: the second session does not fit */
	h_start(&h, 1, 1, &lc);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "k:1", "__defaultVhost__/live/s", 0, ORIGIN, 8000, mp_now_ms()), MP_OK);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "k:2", "__defaultVhost__/live/s", 0, ORIGIN, 8000, mp_now_ms()), MP_OK);
	send_arp(&h, 0, CLIENT, CLIENT_MAC);
	send_udp(&h, 0, CLIENT_MAC, CLIENT, 1000, 8000, pl, n);                 /* no_session: media, no session */
	send_stun(&h, 0, CLIENT_MAC, CLIENT, 1001, "nobody:here", false);       /* stun_unknown */
	send_udp(&h, 0, CLIENT_MAC, CLIENT, 1002, 8000, stun, 12);              /* no_session: truncated STUN */
	memset(stun, 0, 20);
	stun[1] = 1;
	stun[4] = 0x21, stun[5] = 0x12, stun[6] = 0xa4, stun[7] = 0x42;
	send_udp(&h, 0, CLIENT_MAC, CLIENT, 1003, 8000, stun, 20);              /* no_session: no USERNAME */
	send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8000, NAT_MIN, pl, n);              /* no_session: NAT port unused */
	send_stun(&h, 0, CLIENT_MAC, CLIENT, 1004, "k:1", false);               /* no_nexthop: origin MAC unknown */
	h_settle(&h);
	send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	send_stun(&h, 0, CLIENT_MAC, CLIENT, 1004, "k:1", false);               /* forwarded */
	send_stun(&h, 0, CLIENT_MAC, CLIENT, 1005, "k:2", false);               /* sessions_full: one NAT port */
	send_stun(&h, 0, CLIENT_MAC, CLIENT, 1006, "k:1", false);               /* stun_other_address */
	h_settle(&h);
	s = only_session(&h);
	assert_int_equal(s->nat_port, NAT_MIN);
	send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8001, NAT_MIN, pl, n);              /* wrong_origin: other port */
	send_udp(&h, 0, CLIENT_MAC, CLIENT, 9999, NAT_MIN, pl, n);              /* wrong_origin: a client */
	h_settle(&h);
	h_stats(&h, &st);
	assert_int_equal(st.drops[MP_DROP_NO_SESSION], 4);
	assert_int_equal(st.drops[MP_DROP_STUN_UNKNOWN], 1);
	assert_int_equal(st.drops[MP_DROP_NO_NEXTHOP], 1);
	assert_int_equal(st.drops[MP_DROP_SESSIONS_FULL], 1);
	assert_int_equal(st.drops[MP_DROP_STUN_OTHER_ADDR], 1);
	assert_int_equal(st.drops[MP_DROP_WRONG_ORIGIN], 2);
	assert_int_equal(mp_dp_stats_drops(&st), 10);
	assert_int_equal(st.lookup_misses, 8);  /* every unknown tuple or NAT port */
	assert_int_equal(st.sessions_created, 1); /* the no_nexthop STUN made it, the next one forwarded */
	for (unsigned i = 0; i < h.nout[0]; i++) {
		const uint8_t *e = h.out[0][i].b;

		if (mp_test_rd16(e + 12) == 0x0806 && mp_test_rd16(e + 20) == 1 && mp_test_rd32(e + 38) == ORIGIN)
			arp_requests++; /* next-hop resolution asked for the origin */
	}
	assert_int_equal(arp_requests, 1);
	h_stop(&h);
}

static void a_known_username_from_a_new_address_rebinds_when_nominated_or_the_old_one_is_quiet(void **state)
{
	static struct h h;
	struct mp_lb_config lc;
	struct mp_dp_stats st;
	struct mp_lb_session *s;
	uint8_t stun[128], pl[300], back[100];
	size_t sn, n = rtp(pl, sizeof(pl), 9);
	uint16_t nat;

	(void)state;
	lb_conf(&lc);
	h_start(&h, 1, 1, &lc);
	memset(back, 0xbb, sizeof(back));
	assert_int_equal(mp_lb_webrtc_store(h.lb, "r:1", "__defaultVhost__/live/s", 0, ORIGIN, 8000, mp_now_ms()), MP_OK);
	send_arp(&h, 0, CLIENT, CLIENT_MAC);
	send_arp(&h, 0, CLIENT_B, CLIENT_B_MAC);
	send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	send_stun(&h, 0, CLIENT_MAC, CLIENT, 2000, "r:1", false);
	send_udp(&h, 0, CLIENT_MAC, CLIENT, 2000, 8000, pl, n);
	send_stun(&h, 0, CLIENT_B_MAC, CLIENT_B, 3000, "r:1", false); /* A is active: dropped */
	h_settle(&h);
	h_stats(&h, &st);
	assert_int_equal(st.drops[MP_DROP_STUN_OTHER_ADDR], 1);
	nat = only_session(&h)->nat_port;

	/* The client nominates the pair from B: the session moves there, keeping its NAT port. */
	h.nout[0] = 0;
	sn = mp_test_stun_binding(stun, "r:1", true, 3001);
	send_udp(&h, 0, CLIENT_B_MAC, CLIENT_B, 3000, 8000, stun, sn);
	send_udp(&h, 0, CLIENT_MAC, CLIENT, 2000, 8000, pl, n);       /* A no longer has a session */
	h_settle(&h); /* (a burst's WebRTC frames are handled after its other frames) */
	send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8000, nat, back, sizeof(back));
	h_settle(&h);
	s = only_session(&h);
	assert_int_equal(s->tuple.src_ip, CLIENT_B);
	assert_int_equal(s->nat_port, nat);
	assert_int_equal(h.nout[0], 2);
	assert_udp_out(&h.out[0][0], port_mac(&h, 0), ORIGIN_MAC, US, nat, ORIGIN, 8000, stun, sn);
	assert_udp_out(&h.out[0][1], port_mac(&h, 0), CLIENT_B_MAC, US, 8000, CLIENT_B, 3000, back, sizeof(back));
	h_stats(&h, &st);
	assert_int_equal(st.sessions_rebound, 1);
	assert_int_equal(st.drops[MP_DROP_NO_SESSION], 1);

	/* B goes quiet (a NAT rebinding back to A): after 2 s a plain check from A moves it back. */
	usleep((MP_DP_REBIND_QUIET_MS + 200) * 1000);
	send_stun(&h, 0, CLIENT_MAC, CLIENT, 2000, "r:1", false);
	h_settle(&h);
	send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8000, nat, back, sizeof(back));
	h_settle(&h);
	s = only_session(&h);
	assert_int_equal(s->tuple.src_ip, CLIENT);
	assert_int_equal(s->nat_port, nat);
	assert_udp_out(&h.out[0][h.nout[0] - 1], port_mac(&h, 0), CLIENT_MAC, US, 8000, CLIENT, 2000, back,
		       sizeof(back));
	h_stats(&h, &st);
	assert_int_equal(st.sessions_rebound, 2);
	assert_int_equal(st.sessions_created, 1);
	h_stop(&h);
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
	static struct h h;
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
	h_start(&h, 1, 1, &lc);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "e:1", "__defaultVhost__/live/s", 0, ORIGIN, 8000, mp_now_ms()), MP_OK);
	send_arp(&h, 0, CLIENT, CLIENT_MAC);
	send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	send_stun(&h, 0, CLIENT_MAC, CLIENT, 4000, "e:1", false);
	h_settle(&h);
	(void)only_session(&h);
	for (int i = 0; i < 100; i++) { /* idle for 300 ms: the workers' sweep ends it */
		usleep(10000);
		mp_lb_quiescent(h.lb, 0);
	}
	h_stats(&h, &st);
	assert_int_equal(st.sessions_expired, 1);
	send_udp(&h, 0, CLIENT_MAC, CLIENT, 4000, 8000, pl, n);
	h_settle(&h);
	h_stats(&h, &st);
	assert_int_equal(st.drops[MP_DROP_NO_SESSION], 1);

	/* A new session; the client's encrypted alert goes through, then the session is gone. */
	send_stun(&h, 0, CLIENT_MAC, CLIENT, 4000, "e:1", false);
	h_settle(&h);
	h.nout[0] = 0;
	an = dtls_alert(alert, true);
	send_udp(&h, 0, CLIENT_MAC, CLIENT, 4000, 8000, alert, an);
	send_udp(&h, 0, CLIENT_MAC, CLIENT, 4000, 8000, pl, n);
	h_settle(&h);
	assert_int_equal(h.nout[0], 1);
	assert_memory_equal(h.out[0][0].b + 42, alert, an);
	h_stats(&h, &st);
	assert_int_equal(st.sessions_closed, 1);
	assert_int_equal(st.drops[MP_DROP_NO_SESSION], 2);

	/* The origin's plaintext close_notify ends a session the same way. */
	send_stun(&h, 0, CLIENT_MAC, CLIENT, 4000, "e:1", false);
	h_settle(&h);
	s = only_session(&h);
	nat = s->nat_port;
	h.nout[0] = 0;
	an = dtls_alert(alert, false);
	send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8000, nat, alert, an);
	h_settle(&h);
	assert_int_equal(h.nout[0], 1);
	assert_udp_out(&h.out[0][0], port_mac(&h, 0), CLIENT_MAC, US, 8000, CLIENT, 4000, alert, an);
	h_stats(&h, &st);
	assert_int_equal(st.sessions_closed, 2);
	assert_int_equal(st.sessions_created, 3);
	mp_lb_stats(h.lb, &ls);
	assert_int_equal(ls.count[MP_LB_T_SESSIONS], 0);
	h_stop(&h);
}

static void sessions_made_on_one_worker_are_found_by_another(void **state)
{
	static struct h h;
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
	h_start(&h, 1, 2, &lc);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "m:1", "__defaultVhost__/live/s", 0, ORIGIN, 8000, mp_now_ms()), MP_OK);
	send_arp(&h, 0, CLIENT, CLIENT_MAC);
	send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	send_stun(&h, 0, CLIENT_MAC, CLIENT, 5000, "m:1", false); /* queue 0: worker 0 creates */
	h_settle(&h);
	s = only_session(&h);
	for (int i = 0; i < 10; i++) {                             /* queue 1: worker 1 forwards */
		send_udp_q(&h, 0, 1, CLIENT_MAC, CLIENT, 5000, 8000, pl, n);
		send_udp_q(&h, 0, 1, ORIGIN_MAC, ORIGIN, 8000, s->nat_port, back, sizeof(back));
	}
	h_settle(&h);
	for (unsigned i = 0; i < h.nout[0]; i++) {
		const struct frame *o = &h.out[0][i];

		if (mp_test_rd16(o->b + 12) != 0x0800)
			continue;
		if (mp_test_rd32(o->b + 30) == ORIGIN && o->len == 42 + n) {
			assert_udp_out(o, port_mac(&h, 0), ORIGIN_MAC, US, s->nat_port, ORIGIN, 8000, pl, n);
			to_origin++;
		} else if (mp_test_rd32(o->b + 30) == CLIENT) {
			assert_udp_out(o, port_mac(&h, 0), CLIENT_MAC, US, 8000, CLIENT, 5000, back, sizeof(back));
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
	h_stop(&h);
}

static int stop_live(void **state)
{
	(void)state;
	if (live)
		h_stop(live);
	return 0;
}

static int eal_setup(void **state)
{
	char prefix[64];
	char *argv[] = { "test", "--no-pci", "--no-huge", "-m", "512", "--no-shconf", "--file-prefix", prefix,
			 "--lcores", "0@0,1@1,2@0", "--log-level", "error", NULL };

	(void)state;
	snprintf(prefix, sizeof(prefix), "mpw-pkt-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		return -1;
	mp_log_set_level(MP_LOG_WARN);
	return 0;
}

static int eal_teardown(void **state)
{
	char dir[512];

	(void)state;
	mp_runtime_dir_remember(dir, sizeof(dir));
	rte_eal_cleanup();
	mp_runtime_dir_remove(dir); /* leave nothing under /var/run/dpdk */
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(stun_with_known_username_starts_a_session_and_media_flows_both_ways, stop_live),
		cmocka_unit_test_teardown(the_captured_aiortc_session_is_forwarded_byte_identical, stop_live),
		cmocka_unit_test_teardown(with_a_private_port_origins_are_reached_from_it, stop_live),
		cmocka_unit_test_teardown(unknown_and_unwanted_traffic_is_dropped_and_counted_by_reason, stop_live),
		cmocka_unit_test_teardown(a_known_username_from_a_new_address_rebinds_when_nominated_or_the_old_one_is_quiet, stop_live),
		cmocka_unit_test_teardown(idle_sessions_expire_and_a_dtls_alert_ends_one_early, stop_live),
		cmocka_unit_test_teardown(sessions_made_on_one_worker_are_found_by_another, stop_live),
	};
	return cmocka_run_group_tests(tests, eal_setup, eal_teardown);
}
