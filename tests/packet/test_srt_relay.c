/* test_srt_relay.c: the real worker loop (2 workers, net_ring ports) relays the captured ffmpeg SRT session: the
 * appliance's own INDUCTION answer and cookie, bad cookies dropped, the replay to the origin byte for byte, the
 * origin's answer with our cookie, forwarding by socket id both ways, SHUTDOWN, rejections (no origin, silence,
 * the origin's own). */
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
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp.h"
#include "dp_srt.h"
#include "lb.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"
#include "registration.h"
#include "srt.h"
#include "test_data.h"

#define CLIENT_IP 0xC6120101u /* 198.18.1.1 */
#define PUBLIC_IP 0xC6120102u /* 198.18.1.2 */
#define ORIGIN_IP 0xC6120201u /* 198.18.2.1 */
#define PRIVATE_IP 0xC6120202u /* 198.18.2.2 */
#define ORIGIN_PORT 10081
#define NQ 2
static const uint8_t CLIENT_MAC[6] = { 0x02, 0xc1, 0, 0, 0, 1 };
static const uint8_t ORIGIN_MAC[6] = { 0x02, 0x0e, 0, 0, 0, 1 };

static struct mp_dp dp;
static struct mp_lb *lb;
static struct rte_ring *rxr[2][NQ], *txr[2][NQ];
static struct rte_mempool *tpool;

/* The capture: client -> server and server -> client payloads, in order. */
static struct cap {
	uint8_t *buf[256];
	size_t len[256];
	int to_server[256];
	int n;
} cap;

struct out {
	uint8_t frame[2048];
	size_t len;
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
	const uint8_t *payload;
	size_t payload_len;
};

/* Put a datagram on RX queue q of port pi (0 public, 1 private) as if the wire delivered it. */
static void inject(unsigned pi, unsigned q, uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port,
		   const uint8_t *payload, size_t len)
{
	struct mp_iface peer = { 0 };
	struct rte_mbuf *m;

	memcpy(peer.mac, pi ? ORIGIN_MAC : CLIENT_MAC, 6);
	m = mp_dp_udp_frame(tpool, &peer, dp.ports[pi].iface.mac, src_ip, src_port, dst_ip, dst_port, payload, len);
	assert_non_null(m);
	m->port = dp.ports[pi].port_id;
	assert_int_equal(rte_ring_enqueue(rxr[pi][q], m), 0);
}

/* The test thread turns the workers' loops at now_ms (mp_dp_start_driven): the clock moves only
 * when a test calls advance(). */
static uint64_t now_ms;

/* Turn every worker's loop at now_ms until a whole turn receives nothing (hand-offs between
 * workers included). */
static void turn(void)
{
	for (int i = 0;; i++) {
		unsigned got = 0;

		assert_true(i < 100000);
		for (unsigned q = 0; q < NQ; q++)
			got += mp_dp_poll_once(&dp.workers[q], now_ms);
		mp_lb_quiescent(lb, 0);
		if (!got)
			return;
	}
}

/* Time passes for a loop that keeps turning: a turn every millisecond. */
static void advance(uint64_t ms)
{
	for (uint64_t i = 0; i < ms; i++) {
		now_ms++;
		turn();
	}
}

/* The next frame the appliance sent on port pi once the workers handled everything given to them;
 * checks its IPv4/UDP checksums. */
static bool take(unsigned pi, struct out *o)
{
	turn();
	for (unsigned q = 0; q < NQ; q++) {
		struct rte_mbuf *m;
		const uint8_t *ip, *u;
		uint32_t sum;

		while (rte_ring_dequeue(txr[pi][q], (void **)&m) == 0) {
			o->len = rte_pktmbuf_pkt_len(m);
			memcpy(o->frame, rte_pktmbuf_mtod(m, uint8_t *), o->len);
			rte_pktmbuf_free(m);
			if (mp_rd16(o->frame + 12) != 0x0800) /* ARP: not what the tests look for */
				continue;
			ip = o->frame + 14;
			u = ip + 20;
			assert_int_equal(mp_csum(ip, 20, 0), 0xffff);
			o->src_ip = mp_rd32(ip + 12);
			o->dst_ip = mp_rd32(ip + 16);
			o->src_port = mp_rd16(u);
			o->dst_port = mp_rd16(u + 2);
			o->payload = u + 8;
			o->payload_len = mp_rd16(u + 4) - 8u;
			sum = (o->src_ip >> 16) + (o->src_ip & 0xffff) + (o->dst_ip >> 16) + (o->dst_ip & 0xffff) + 17 +
			      mp_rd16(u + 4);
			assert_int_equal(mp_csum(u, mp_rd16(u + 4), sum), 0xffff);
			return true;
		}
	}
	return false;
}

static bool nothing(unsigned pi)
{
	struct out o;

	return !take(pi, &o);
}

static struct mp_dp_stats stats(void)
{
	struct mp_dp_stats s;

	mp_dp_stats_sum(&dp, &s);
	return s;
}

static void register_origin(void)
{
	static const char body[] = "{\"ip\":\"198.18.2.1\",\"server\":\"srs\",\"service\":\"s1\",\"pid\":\"42\","
				   "\"srt\":[\"198.18.2.1:10081\"]}";
	struct mp_registration r;
	char why[128];

	assert_int_equal(mp_registration_parse(body, sizeof(body) - 1, &r, why, sizeof(why)), MP_OK);
	assert_true(mp_lb_origin_update(lb, &r, mp_now_ms()) >= 0);
}

static int setup(void **state)
{
	char prefix[64];
	struct mp_lb_config lc;
	struct mp_dp_conf c;
	struct mp_pcap pc;
	struct mp_pcap_frame fr;
	char err[256];
	const char *names[2] = { "mps_pub", "mps_priv" };
	char port_ids[2][16];

	(void)state;
	snprintf(prefix, sizeof(prefix), "mps-pkt-%d", (int)getpid());
	{
		char *argv[] = { "test", "--no-pci", "--no-huge", "-m", "256", "--no-shconf", "--file-prefix", prefix,
				 "--lcores", "0@0,1@0,2@1", "--log-level", "error", NULL };

		if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
			return -1;
	}
	mp_log_set_level(MP_LOG_WARN);
	tpool = rte_pktmbuf_pool_create("mps_tpool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	for (int pi = 0; pi < 2; pi++) {
		for (int q = 0; q < NQ; q++) {
			char n[32];

			snprintf(n, sizeof(n), "mps_rx%d%d", pi, q);
			rxr[pi][q] = rte_ring_create(n, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
			snprintf(n, sizeof(n), "mps_tx%d%d", pi, q);
			txr[pi][q] = rte_ring_create(n, 4096, 0, RING_F_SC_DEQ);
		}
		int id = rte_eth_from_rings(names[pi], rxr[pi], NQ, txr[pi], NQ, 0);

		if (id < 0)
			return -1;
		snprintf(port_ids[pi], sizeof(port_ids[pi]), "%d", id);
	}
	mp_lb_config_default(&lc);
	lc.max_sessions = 1024;
	lc.max_streams = 64;
	lc.max_origins = 16;
	lc.max_webrtc = 64;
	lc.max_readers = 1 + NQ;
	lc.nat_port_min = 20000;
	lc.nat_port_max = 20999;
	lb = mp_lb_create(&lc);
	if (!lb || mp_lb_reader_register(lb, 0) != MP_OK)
		return -1;
	memset(&c, 0, sizeof(c));
	snprintf(c.public_port, sizeof(c.public_port), "%s", port_ids[0]);
	c.public_ip = PUBLIC_IP;
	c.public_prefix = 24;
	snprintf(c.private_port, sizeof(c.private_port), "%s", port_ids[1]);
	c.private_ip = PRIVATE_IP;
	c.private_prefix = 24;
	c.webrtc_port = 8000;
	c.srt_port = 10080;
	c.nat_port_min = 20000;
	c.nat_port_max = 20999;
	c.workers = NQ;
	c.mbufs = 4095;
	c.rx_desc = 256;
	c.tx_desc = 256;
	c.idle_sleep_us = 50;
	c.srt_hs_timeout_ms = 400;
	if (mp_dp_init(&dp, &c, err, sizeof(err)) != MP_OK) {
		fprintf(stderr, "mp_dp_init: %s\n", err);
		return -1;
	}
	dp.lb = lb;
	/* Neighbours known up front: these tests are about SRT, not ARP. */
	mp_arp_cache_learn(&dp.ports[0].arp, CLIENT_IP, CLIENT_MAC, mp_now_ms());
	mp_arp_cache_learn(&dp.ports[1].arp, ORIGIN_IP, ORIGIN_MAC, mp_now_ms());
	now_ms = mp_now_ms();
	if (mp_dp_start_driven(&dp, err, sizeof(err))) {
		fprintf(stderr, "mp_dp_start_driven: %s\n", err);
		return -1;
	}
	mp_pcap_open(&pc, "srt-ffmpeg-publish.pcap");
	while (mp_pcap_next(&pc, &fr) && cap.n < 256) {
		if (fr.ip_proto != 17)
			continue;
		cap.buf[cap.n] = malloc(fr.payload_len);
		memcpy(cap.buf[cap.n], fr.payload, fr.payload_len);
		cap.len[cap.n] = fr.payload_len;
		cap.to_server[cap.n] = fr.dst_port == 10081;
		cap.n++;
	}
	mp_pcap_close(&pc);
	return cap.n == 186 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	mp_dp_stop(&dp);
	mp_lb_reader_unregister(lb, 0);
	mp_lb_destroy(lb);
	for (int i = 0; i < cap.n; i++)
		free(cap.buf[i]);
	rte_eal_cleanup();
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf /var/run/dpdk/mps-pkt-%d", (int)getpid());
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove the EAL runtime directory\n");
	}
	return 0;
}

/* Frames 0..3 of the capture: INDUCTION, its answer, CONCLUSION, its answer. */
#define C_IND 0
#define S_IND 1
#define C_CONC 2
#define S_CONC 3

/* The client's INDUCTION from port cport: the appliance's answer (cookie returned). */
static uint32_t induction(uint16_t cport)
{
	struct out o;
	struct mp_srt_handshake hs, req;

	inject(0, 0, CLIENT_IP, cport, PUBLIC_IP, 10080, cap.buf[C_IND], cap.len[C_IND]);
	assert_true(take(0, &o));
	assert_int_equal(o.src_ip, PUBLIC_IP);
	assert_int_equal(o.src_port, 10080);
	assert_int_equal(o.dst_ip, CLIENT_IP);
	assert_int_equal(o.dst_port, cport);
	assert_memory_equal(o.frame, CLIENT_MAC, 6);
	assert_int_equal(o.payload_len, MP_SRT_HS_LEN);
	assert_int_equal(mp_srt_hs_parse(o.payload, o.payload_len, &hs), MP_OK);
	assert_int_equal(mp_srt_hs_parse(cap.buf[C_IND], cap.len[C_IND], &req), MP_OK);
	assert_int_equal(hs.hs_type, MP_SRT_HS_INDUCTION);
	assert_int_equal(hs.version, 5);
	assert_int_equal(hs.extension, MP_SRT_HS_MAGIC);
	assert_int_equal(hs.dst_sockid, req.socket_id);
	assert_int_equal(hs.socket_id, req.socket_id);
	assert_int_equal(hs.isn, req.isn);
	assert_int_not_equal(hs.cookie, 0);
	return hs.cookie;
}

/* The client's CONCLUSION with cookie from port cport. */
static void conclusion(uint16_t cport, uint32_t cookie)
{
	uint8_t b[1500];

	memcpy(b, cap.buf[C_CONC], cap.len[C_CONC]);
	assert_int_equal(mp_srt_hs_set_cookie(b, cap.len[C_CONC], cookie), MP_OK);
	inject(0, 0, CLIENT_IP, cport, PUBLIC_IP, 10080, b, cap.len[C_CONC]);
}

static void induction_is_answered_with_a_cookie_per_client(void **state)
{
	uint32_t a, b, a2;

	(void)state;
	a = induction(40000);
	b = induction(40001);
	a2 = induction(40000);
	assert_int_not_equal(a, b);                      /* keyed on the client's address and port */
	assert_int_equal(a, a2);                         /* and stable within its time bucket */
	assert_int_not_equal(a, mp_rd32(cap.buf[S_IND] + MP_SRT_HS_COOKIE_OFF)); /* not the capture's constant */
	assert_int_equal(stats().srt_inductions, 3);
	assert_true(nothing(1));                     /* the origin is not asked for an INDUCTION */
}

static void conclusion_with_a_bad_cookie_is_dropped_and_counted(void **state)
{
	uint32_t c;

	(void)state;
	c = induction(40002);
	conclusion(40002, c ^ 0x10);
	conclusion(40003, c);                             /* a cookie made for another port */
	assert_true(nothing(0));
	assert_true(nothing(1));
	assert_int_equal(stats().drops[MP_DROP_SRT_COOKIE], 2);
}

static void no_origin_gets_the_client_a_rejection_at_once(void **state)
{
	struct out o;
	struct mp_srt_handshake hs;
	uint32_t c;

	(void)state;
	c = induction(40004);
	conclusion(40004, c);
	assert_true(take(0, &o));
	assert_int_equal(o.dst_port, 40004);
	assert_int_equal(mp_srt_hs_parse(o.payload, o.payload_len, &hs), MP_OK);
	assert_int_equal(mp_srt_hs_reject_reason(hs.hs_type), MP_SRT_REJX_DOWN);
	assert_int_equal(hs.dst_sockid, mp_rd32(cap.buf[C_CONC] + 16 + 24)); /* the caller's socket id */
	assert_int_equal(stats().srt_rejects, 1);
	assert_true(nothing(1));
}

/* The whole capture through the appliance: handshake replayed to the origin, then every packet
 * forwarded with its payload untouched, client side on RX queue 0 and origin side on queue 1 (so
 * the origin's answers reach the other worker and are handed to the session's owner). */
static void capture_is_relayed_byte_for_byte_through_the_origin(void **state)
{
	struct out o;
	uint32_t c, origin_sock = mp_rd32(cap.buf[S_CONC] + 16 + 24);
	uint16_t nat;
	int forwarded_c2o = 0, forwarded_o2c = 0;

	(void)state;
	register_origin();
	c = induction(40010);
	conclusion(40010, c);
	/* 1. The client's INDUCTION replayed: same bytes as the capture's but the timestamp. */
	assert_true(take(1, &o));
	assert_int_equal(o.src_ip, PRIVATE_IP);
	assert_int_equal(o.dst_ip, ORIGIN_IP);
	assert_int_equal(o.dst_port, ORIGIN_PORT);
	assert_memory_equal(o.frame, ORIGIN_MAC, 6);
	assert_true(o.src_port >= 20000 && o.src_port <= 20999);
	nat = o.src_port;
	assert_int_equal(o.payload_len, cap.len[C_IND]);
	assert_memory_equal(o.payload, cap.buf[C_IND], 8);
	assert_memory_equal(o.payload + 12, cap.buf[C_IND] + 12, cap.len[C_IND] - 12);
	/* The client retransmits its CONCLUSION meanwhile: not answered, not sent on. */
	conclusion(40010, c);
	/* 2. The origin's INDUCTION answer: the client's CONCLUSION goes on with the origin's cookie,
	 * which is exactly what the capture's caller sent. */
	inject(1, 1, ORIGIN_IP, ORIGIN_PORT, PRIVATE_IP, nat, cap.buf[S_IND], cap.len[S_IND]);
	for (;;) {
		assert_true(take(1, &o));
		if (o.payload_len != MP_SRT_HS_LEN)
			break; /* skip INDUCTION retransmissions made before the answer arrived */
	}
	assert_int_equal(o.dst_port, ORIGIN_PORT);
	assert_int_equal(o.src_port, nat);
	assert_int_equal(o.payload_len, cap.len[C_CONC]);
	assert_memory_equal(o.payload, cap.buf[C_CONC], cap.len[C_CONC]);
	/* 3. The origin's CONCLUSION answer reaches the client with the appliance's cookie. */
	inject(1, 1, ORIGIN_IP, ORIGIN_PORT, PRIVATE_IP, nat, cap.buf[S_CONC], cap.len[S_CONC]);
	assert_true(take(0, &o));
	assert_int_equal(o.src_ip, PUBLIC_IP);
	assert_int_equal(o.src_port, 10080);
	assert_int_equal(o.dst_port, 40010);
	assert_int_equal(o.payload_len, cap.len[S_CONC]);
	assert_int_equal(mp_rd32(o.payload + MP_SRT_HS_COOKIE_OFF), c);
	assert_memory_equal(o.payload, cap.buf[S_CONC], MP_SRT_HS_COOKIE_OFF);
	assert_memory_equal(o.payload + MP_SRT_HS_COOKIE_OFF + 4, cap.buf[S_CONC] + MP_SRT_HS_COOKIE_OFF + 4,
			    cap.len[S_CONC] - MP_SRT_HS_COOKIE_OFF - 4);
	assert_ptr_not_equal(mp_lb_session_by_srt(lb, origin_sock), NULL);
	assert_int_equal(stats().srt_handshakes, 1);
	/* A CONCLUSION retransmitted after that is answered from what the origin said. */
	conclusion(40010, c);
	assert_true(take(0, &o));
	assert_int_equal(o.payload_len, cap.len[S_CONC]);
	assert_int_equal(mp_rd32(o.payload + MP_SRT_HS_COOKIE_OFF), c);
	/* 4. Everything else, in capture order, each side on its own queue. */
	while (take(1, &o))
		; /* CONCLUSION retransmissions sent before the origin's answer came */
	for (int i = S_CONC + 1; i < cap.n; i++) {
		if (cap.to_server[i]) {
			inject(0, 0, CLIENT_IP, 40010, PUBLIC_IP, 10080, cap.buf[i], cap.len[i]);
			assert_true(take(1, &o));
			assert_int_equal(o.src_ip, PRIVATE_IP);
			assert_int_equal(o.src_port, nat);
			assert_int_equal(o.dst_ip, ORIGIN_IP);
			assert_int_equal(o.dst_port, ORIGIN_PORT);
			forwarded_c2o++;
		} else {
			inject(1, 1, ORIGIN_IP, ORIGIN_PORT, PRIVATE_IP, nat, cap.buf[i], cap.len[i]);
			assert_true(take(0, &o));
			assert_int_equal(o.src_ip, PUBLIC_IP);
			assert_int_equal(o.src_port, 10080);
			assert_int_equal(o.dst_ip, CLIENT_IP);
			assert_int_equal(o.dst_port, 40010);
			forwarded_o2c++;
		}
		assert_int_equal(o.payload_len, cap.len[i]);
		assert_memory_equal(o.payload, cap.buf[i], cap.len[i]);
	}
	assert_true(dp.workers[0].stats.rx_packets > 0 && dp.workers[1].stats.rx_packets > 0); /* both worked */
	assert_true(forwarded_c2o > 100);
	assert_true(forwarded_o2c > 40);
	/* The capture ends with the client's SHUTDOWN: the session is gone at once. */
	assert_int_equal(mp_rd16(cap.buf[cap.n - 1]), 0x8005);
	assert_null(mp_lb_session_by_srt(lb, origin_sock));
	assert_int_equal(stats().srt_shutdowns, 1);
	mp_lb_quiescent(lb, 0);
	/* Data to the closed session's socket id is dropped and counted. */
	inject(0, 0, CLIENT_IP, 40010, PUBLIC_IP, 10080, cap.buf[10], cap.len[10]);
	assert_true(nothing(1));
	assert_true(stats().drops[MP_DROP_SRT_SOCKET] >= 1);
}

static void silent_origin_gets_the_client_a_timeout_rejection(void **state)
{
	struct out o;
	struct mp_srt_handshake hs;
	uint32_t c;
	int asked = 0;
	uint64_t waited = 0;

	(void)state;
	c = induction(40020);
	conclusion(40020, c);
	/* The origin is asked again every MP_DP_SRT_RETX_MS; when the handshake timeout (400 ms here)
	 * runs out, the client hears a rejection, and not before. */
	for (;;) {
		while (take(1, &o))
			asked += o.dst_ip == ORIGIN_IP && o.payload_len == MP_SRT_HS_LEN;
		if (take(0, &o))
			break;
		assert_true(waited <= 400 + MP_DP_SRT_TIMER_MS);
		advance(1);
		waited++;
	}
	assert_true(waited >= 400);
	assert_int_equal(asked, 1 + 400 / MP_DP_SRT_RETX_MS);
	assert_int_equal(o.dst_port, 40020);
	assert_int_equal(mp_srt_hs_parse(o.payload, o.payload_len, &hs), MP_OK);
	assert_int_equal(mp_srt_hs_reject_reason(hs.hs_type), MP_SRT_REJ_TIMEOUT);
	assert_int_equal(hs.cookie, c);
	assert_int_equal(stats().srt_origin_timeouts, 1);
	/* ...and the origin's silence is reported for the control plane to mark it down, once. */
	{
		const struct mp_lb_origin *og = mp_lb_origin_find(lb, "srs-s1-42");

		assert_non_null(og);
		assert_int_equal(mp_lb_origin_silent_take(lb, og->id), 1);
		assert_int_equal(mp_lb_origin_silent_take(lb, og->id), 0);
	}
	/* The session is gone: a new attempt from the same address starts afresh. */
	{
		struct mp_lb_tuple t;

		mp_lb_tuple_set(&t, CLIENT_IP, 40020, PUBLIC_IP, 10080, 17);
		assert_null(mp_lb_session_find(lb, &t));
	}
}

static void origin_rejection_reaches_the_client_with_our_cookie(void **state)
{
	struct out o;
	struct mp_srt_handshake hs;
	uint8_t rej[MP_SRT_HS_LEN];
	uint32_t c;
	uint16_t nat;
	struct mp_lb_tuple t;

	(void)state;
	c = induction(40030);
	conclusion(40030, c);
	assert_true(take(1, &o)); /* the INDUCTION replay */
	nat = o.src_port;
	inject(1, 1, ORIGIN_IP, ORIGIN_PORT, PRIVATE_IP, nat, cap.buf[S_IND], cap.len[S_IND]);
	do
		assert_true(take(1, &o));
	while (o.payload_len == MP_SRT_HS_LEN);
	/* The origin refuses the CONCLUSION (say, a stream it does not know). */
	assert_int_equal(mp_srt_hs_parse(o.payload, o.payload_len, &hs), MP_OK);
	assert_int_equal(mp_srt_hs_build_reject(&hs, MP_SRT_REJX_NOTFOUND, 5, rej, sizeof(rej)), MP_SRT_HS_LEN);
	inject(1, 1, ORIGIN_IP, ORIGIN_PORT, PRIVATE_IP, nat, rej, sizeof(rej));
	assert_true(take(0, &o));
	assert_int_equal(o.dst_port, 40030);
	assert_int_equal(mp_srt_hs_parse(o.payload, o.payload_len, &hs), MP_OK);
	assert_int_equal(mp_srt_hs_reject_reason(hs.hs_type), MP_SRT_REJX_NOTFOUND);
	assert_int_equal(hs.cookie, c);
	mp_lb_tuple_set(&t, CLIENT_IP, 40030, PUBLIC_IP, 10080, 17);
	assert_null(mp_lb_session_find(lb, &t));
	while (take(1, &o))
		;
}

static void a_caller_restarting_from_the_same_port_replaces_its_session(void **state)
{
	struct out o;
	uint8_t b[1500];
	uint32_t c;
	struct mp_lb_tuple t;
	struct mp_lb_session *s1, *s2;

	(void)state;
	c = induction(40040);
	conclusion(40040, c);
	assert_true(take(1, &o));
	mp_lb_tuple_set(&t, CLIENT_IP, 40040, PUBLIC_IP, 10080, 17);
	s1 = mp_lb_session_find(lb, &t);
	assert_non_null(s1);
	/* Same address and port, another socket id: a new connection, not a retransmission. */
	memcpy(b, cap.buf[C_CONC], cap.len[C_CONC]);
	mp_wr32(b + 16 + 24, 0x11223344);
	mp_srt_hs_set_cookie(b, cap.len[C_CONC], c);
	inject(0, 0, CLIENT_IP, 40040, PUBLIC_IP, 10080, b, cap.len[C_CONC]);
	for (;;) {
		assert_true(take(1, &o));
		if (o.payload_len == MP_SRT_HS_LEN && mp_rd32(o.payload + 16 + 24) == 0x11223344)
			break; /* the new socket's INDUCTION replay */
	}
	mp_lb_quiescent(lb, 0);
	s2 = mp_lb_session_find(lb, &t);
	assert_non_null(s2);
	assert_int_equal(s2->u.srt.client_sock, 0x11223344);
	while (take(1, &o))
		;
}

/* A handshake the appliance sent the origin for one of the flood's sockets (0x5000xxxx). */
static bool from_flood(const struct out *o)
{
	return o->dst_ip == ORIGIN_IP && o->payload_len >= MP_SRT_HS_LEN && o->src_port >= 20000 &&
	       o->src_port <= 20999 && (mp_rd32(o->payload + 16 + 24) & 0xffff0000u) == 0x50000000u;
}

/* Issue 11 item 2: one INDUCTION, then CONCLUSIONs reusing its cookie with a new socket id each.
 * Each replaced the previous session and took a fresh NAT port, held 60 s: 1500 of them drained
 * this 1000-port range and locked every caller out. Now a replacement keeps its session's port. */
static void a_conclusion_flood_from_one_port_cannot_drain_the_nat_ports(void **state)
{
	struct out o;
	struct mp_srt_handshake hs;
	struct mp_lb_stats ls;
	uint8_t b[1500], seen[1000] = { 0 };
	uint32_t c, c2;
	unsigned distinct = 0;
	uint64_t t0, elapsed_ms;
	const uint32_t attacker = CLIENT_IP + 7, caller = CLIENT_IP + 8;

	(void)state;
	register_origin();
	while (take(1, &o))
		;
	/* The attacker's one INDUCTION (its cookie is bound to its address and port). */
	inject(0, 0, attacker, 41000, PUBLIC_IP, 10080, cap.buf[C_IND], cap.len[C_IND]);
	assert_true(take(0, &o));
	assert_int_equal(mp_srt_hs_parse(o.payload, o.payload_len, &hs), MP_OK);
	c = hs.cookie;
	t0 = now_ms;
	for (uint32_t i = 0; i < 1500; i++) {
		memcpy(b, cap.buf[C_CONC], cap.len[C_CONC]);
		mp_wr32(b + 16 + 24, 0x50000000u + i); /* a new socket id each time */
		mp_srt_hs_set_cookie(b, cap.len[C_CONC], c);
		inject(0, 0, attacker, 41000, PUBLIC_IP, 10080, b, cap.len[C_CONC]);
		if (i % 50 == 49) {
			/* let the worker take them; note which NAT ports asked the origin. This thread is an
			 * lb reader: it reports quiescence as the control plane does every 10 ms, so replaced
			 * sessions' records are recycled. */
			advance(20);
			mp_lb_quiescent(lb, 0);
			while (take(1, &o))
				if (from_flood(&o) && !seen[o.src_port - 20000]) {
					seen[o.src_port - 20000] = 1;
					distinct++;
				}
			while (take(0, &o))
				;
		}
	}
	while (take(1, &o))
		if (from_flood(&o) && !seen[o.src_port - 20000]) {
			seen[o.src_port - 20000] = 1;
			distinct++;
		}
	elapsed_ms = now_ms - t0;
	/* One port, plus one more each time the silent origin's handshake timed out (400 ms here)
	 * and the next CONCLUSION found no session to replace. */
	print_message("flood: %u NAT port(s) in %lu ms\n", distinct, (unsigned long)elapsed_ms);
	assert_true(distinct >= 1);
	assert_true(distinct <= 2 + elapsed_ms / 400);
	mp_lb_stats(lb, &ls);
	assert_int_equal(ls.refused[MP_LB_T_NATPORTS], 0);
	assert_true(ls.count[MP_LB_T_SESSIONS] <= 1);

	/* A legitimate caller from another address right after: its handshake goes to the origin. */
	while (take(0, &o))
		;
	inject(0, 0, caller, 42000, PUBLIC_IP, 10080, cap.buf[C_IND], cap.len[C_IND]);
	assert_true(take(0, &o));
	assert_int_equal(o.dst_ip, caller);
	assert_int_equal(mp_srt_hs_parse(o.payload, o.payload_len, &hs), MP_OK);
	c2 = hs.cookie;
	memcpy(b, cap.buf[C_CONC], cap.len[C_CONC]);
	mp_srt_hs_set_cookie(b, cap.len[C_CONC], c2);
	inject(0, 0, caller, 42000, PUBLIC_IP, 10080, b, cap.len[C_CONC]);
	for (;;) {
		assert_true(take(1, &o)); /* not a rejection to the caller: the origin is asked */
		if (o.dst_ip == ORIGIN_IP && o.payload_len == MP_SRT_HS_LEN &&
		    mp_rd32(o.payload + 16 + 24) == mp_rd32(cap.buf[C_CONC] + 16 + 24))
			break;
	}
	assert_true(o.src_port >= 20000 && o.src_port <= 20999);
	assert_true(nothing(0)); /* and no rejection */
	while (take(1, &o))
		;
}

/* The CONCLUSION of client socket sock from cport (cookie c) set up with the origin, whose answers (the
 * capture's) are addressed to sock and name origin socket osock; the client gets the last one. The NAT port. */
static uint16_t handshake(uint16_t cport, uint32_t c, uint32_t sock, uint32_t osock)
{
	struct out o;
	uint8_t b[1500];
	uint16_t nat;

	memcpy(b, cap.buf[C_CONC], cap.len[C_CONC]);
	mp_wr32(b + 16 + 24, sock);
	mp_srt_hs_set_cookie(b, cap.len[C_CONC], c);
	inject(0, 0, CLIENT_IP, cport, PUBLIC_IP, 10080, b, cap.len[C_CONC]);
	do
		assert_true(take(1, &o));
	while (o.payload_len != MP_SRT_HS_LEN || mp_rd32(o.payload + 16 + 24) != sock);
	nat = o.src_port;
	memcpy(b, cap.buf[S_IND], cap.len[S_IND]);
	mp_wr32(b + 12, sock);
	inject(1, 1, ORIGIN_IP, ORIGIN_PORT, PRIVATE_IP, nat, b, cap.len[S_IND]);
	do
		assert_true(take(1, &o));
	while (o.payload_len == MP_SRT_HS_LEN);
	memcpy(b, cap.buf[S_CONC], cap.len[S_CONC]);
	mp_wr32(b + 12, sock);
	mp_wr32(b + 16 + 24, osock);
	inject(1, 1, ORIGIN_IP, ORIGIN_PORT, PRIVATE_IP, nat, b, cap.len[S_CONC]);
	assert_true(take(0, &o));
	assert_int_equal(o.dst_port, cport);
	assert_int_equal(mp_rd32(o.payload + 12), sock);
	while (take(1, &o))
		;
	return nat;
}

/* A replacement keeps its NAT port, so the origin's side of the connection it replaced still sends there
 * (ACKs, keep-alives, and at last its SHUTDOWN, as the e2e flood showed: the live session was closed and the
 * next CONCLUSION took a fresh port). What the origin addresses to another socket than the session's client
 * socket is dropped; the session's own traffic passes. */
static void the_origins_side_of_a_replaced_connection_neither_reaches_nor_closes_the_new_one(void **state)
{
	struct out o;
	uint8_t shutdown[20] = { 0x80, 0x05 }, keepalive[20] = { 0x80, 0x01 };
	uint64_t before;
	uint32_t c;
	uint16_t nat;

	(void)state;
	register_origin();
	c = induction(40060);
	nat = handshake(40060, c, 0x0a000001, 0x0b000001);
	assert_int_equal(handshake(40060, c, 0x0a000002, 0x0b000002), nat);
	assert_non_null(mp_lb_session_by_srt(lb, 0x0b000002));
	before = stats().drops[MP_DROP_SRT_SOCKET];
	mp_wr32(keepalive + 12, 0x0a000001);
	inject(1, 1, ORIGIN_IP, ORIGIN_PORT, PRIVATE_IP, nat, keepalive, sizeof(keepalive));
	mp_wr32(shutdown + 12, 0x0a000001);
	inject(1, 1, ORIGIN_IP, ORIGIN_PORT, PRIVATE_IP, nat, shutdown, sizeof(shutdown));
	assert_true(nothing(0));
	assert_int_equal(stats().drops[MP_DROP_SRT_SOCKET], before + 2);
	assert_non_null(mp_lb_session_by_srt(lb, 0x0b000002));
	/* The new connection's own keep-alive reaches the caller, and its SHUTDOWN ends the session. */
	mp_wr32(keepalive + 12, 0x0a000002);
	inject(1, 1, ORIGIN_IP, ORIGIN_PORT, PRIVATE_IP, nat, keepalive, sizeof(keepalive));
	assert_true(take(0, &o));
	assert_int_equal(o.dst_port, 40060);
	mp_wr32(shutdown + 12, 0x0a000002);
	inject(1, 1, ORIGIN_IP, ORIGIN_PORT, PRIVATE_IP, nat, shutdown, sizeof(shutdown));
	assert_true(take(0, &o));
	assert_null(mp_lb_session_by_srt(lb, 0x0b000002));
	mp_lb_quiescent(lb, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(induction_is_answered_with_a_cookie_per_client),
		cmocka_unit_test(conclusion_with_a_bad_cookie_is_dropped_and_counted),
		cmocka_unit_test(no_origin_gets_the_client_a_rejection_at_once),
		cmocka_unit_test(capture_is_relayed_byte_for_byte_through_the_origin),
		cmocka_unit_test(silent_origin_gets_the_client_a_timeout_rejection),
		cmocka_unit_test(origin_rejection_reaches_the_client_with_our_cookie),
		cmocka_unit_test(a_caller_restarting_from_the_same_port_replaces_its_session),
		cmocka_unit_test(a_conclusion_flood_from_one_port_cannot_drain_the_nat_ports),
		cmocka_unit_test(the_origins_side_of_a_replaced_connection_neither_reaches_nor_closes_the_new_one),
	};
	if (geteuid() != 0)
		return 77;
	return cmocka_run_group_tests(tests, setup, teardown);
}
