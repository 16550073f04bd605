/* test_exception.c: the exception path on a net_ring port (real worker loop, a kernel TAP made at start): TCP,
 * other UDP and UDP to a NAT port that is no session's reach the kernel, which answers through the data port
 * after resolving the peer by ARP through it, and a flood is cut to exception_rate frames per second, the rest
 * dropped and counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

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
#include "udp_frame.h"

/* A subnet of its own (198.18.77.0/24): the kernel routes it to the TAP while the test runs. */
#define PEER_IP 0xC6124D01u /* 198.18.77.1 */
#define US_IP 0xC6124D02u   /* 198.18.77.2 */
#define RATE 2000
static const uint8_t PEER_MAC[6] = { 0x02, 0x77, 0, 0, 0, 1 };

static struct mp_dp dp;
static struct mp_lb *lb;
static struct rte_ring *rxr, *txr;
static struct rte_mempool *tpool;
static char tap[12];

/* The test thread turns the worker's loop at now_ms (mp_dp_start_driven); the clock moves only when a
 * test moves it, so the exception path's rate limit is checked exactly. */
static uint64_t now_ms;

/* Turn the worker's loop at now_ms until a turn receives nothing. */
static void turn(void)
{
	for (int i = 0; mp_dp_poll_once(&dp.workers[0], now_ms); i++)
		assert_true(i < 100000);
}

static void put(const uint8_t *f, size_t len)
{
	struct rte_mbuf *m;

	for (int i = 0; !(m = rte_pktmbuf_alloc(tpool)); i++) {
		assert_true(i < 1000); /* the appliance frees what it took, so mbufs come back */
		turn();
	}
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), f, len);
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	while (rte_ring_enqueue(rxr, m) != 0)
		turn();
}

/* A TCP SYN from the peer to us:dport (RFC 793), checksums right. */
static size_t tcp_syn(uint8_t *f, uint16_t sport, uint16_t dport)
{
	uint8_t *ip = f + 14, *t = ip + 20;
	uint32_t sum;

	memcpy(f, dp.ports[0].iface.mac, 6);
	memcpy(f + 6, PEER_MAC, 6);
	mp_wr16(f + 12, 0x0800);
	memset(ip, 0, 40);
	ip[0] = 0x45;
	mp_wr16(ip + 2, 40);
	ip[8] = 64;
	ip[9] = 6;
	mp_wr32(ip + 12, PEER_IP);
	mp_wr32(ip + 16, US_IP);
	mp_wr16(ip + 10, (uint16_t)~mp_csum(ip, 20, 0));
	mp_wr16(t, sport);
	mp_wr16(t + 2, dport);
	mp_wr32(t + 4, 1000);
	t[12] = 5 << 4;
	t[13] = 0x02; /* SYN */
	mp_wr16(t + 14, 65535);
	sum = (PEER_IP >> 16) + (PEER_IP & 0xffff) + (US_IP >> 16) + (US_IP & 0xffff) + 6 + 20;
	mp_wr16(t + 16, (uint16_t)~mp_csum(t, 20, sum));
	return 54;
}

/* The ARP reply the peer gives the kernel's request (RFC 826). */
static size_t arp_reply(uint8_t *f, const uint8_t *req)
{
	memset(f, 0, 60);
	memcpy(f, req + 6, 6);
	memcpy(f + 6, PEER_MAC, 6);
	mp_wr16(f + 12, 0x0806);
	mp_wr16(f + 14, 1);
	mp_wr16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	mp_wr16(f + 20, 2);
	memcpy(f + 22, PEER_MAC, 6);
	mp_wr32(f + 28, PEER_IP);
	memcpy(f + 32, req + 22, 10); /* target: the asker's MAC and IP */
	return 60;
}

static struct mp_dp_stats stats(void)
{
	struct mp_dp_stats s;

	mp_dp_stats_sum(&dp, &s);
	return s;
}

static int setup(void **state)
{
	char prefix[64], err[256], port[16];
	struct mp_lb_config lc;
	struct mp_dp_conf c;
	int id;

	(void)state;
	snprintf(prefix, sizeof(prefix), "mps-exc-%d", (int)getpid());
	snprintf(tap, sizeof(tap), "mpse%d", (int)(getpid() % 100000) & 0x1ffff);
	{
		char *argv[] = { "test", "--no-pci", "--no-huge", "-m", "256", "--no-shconf", "--file-prefix", prefix,
				 "--lcores", "0@0,1@1", "--log-level", "error", NULL };

		if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
			return -1;
	}
	mp_log_set_level(MP_LOG_WARN);
	tpool = rte_pktmbuf_pool_create("mps_epool", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	rxr = rte_ring_create("mps_erx", 8192, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	txr = rte_ring_create("mps_etx", 8192, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	id = rte_eth_from_rings("mps_eport", &rxr, 1, &txr, 1, 0);
	if (!tpool || id < 0)
		return -1;
	snprintf(port, sizeof(port), "%d", id);
	mp_lb_config_default(&lc);
	lc.max_sessions = 64;
	lc.max_streams = 16;
	lc.max_origins = 4;
	lc.max_webrtc = 16;
	lc.max_readers = 2;
	lb = mp_lb_create(&lc);
	if (!lb)
		return -1;
	memset(&c, 0, sizeof(c));
	snprintf(c.public_port, sizeof(c.public_port), "%s", port);
	c.public_ip = US_IP;
	c.public_prefix = 24;
	c.webrtc_port = 8000;
	c.srt_port = 10080;
	c.nat_port_min = 32768;
	c.nat_port_max = 65535;
	c.workers = 1;
	c.mbufs = 8191;
	c.rx_desc = 1024;
	c.tx_desc = 1024;
	c.idle_sleep_us = 20;
	c.exception_path = true;
	snprintf(c.exception_tap, sizeof(c.exception_tap), "%s", tap);
	c.exception_rate = RATE;
	if (mp_dp_init(&dp, &c, err, sizeof(err)) != MP_OK) {
		fprintf(stderr, "mp_dp_init: %s\n", err);
		mp_dp_stop(&dp);
		return -1;
	}
	dp.lb = lb;
	now_ms = mp_now_ms();
	if (mp_dp_start_driven(&dp, err, sizeof(err)))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	mp_dp_stop(&dp);
	mp_lb_destroy(lb);
	rte_eal_cleanup();
	snprintf(cmd, sizeof(cmd), "rm -rf /var/run/dpdk/mps-exc-%d", (int)getpid());
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove the EAL runtime directory\n");
	return 0;
}

/* Frames the appliance sent out of the port within ms of real time (the kernel answers at its own
 * pace; the worker's clock moves 1 ms a turn meanwhile): the first TCP one (from the kernel) is
 * copied to tcp; ARP requests from the kernel are answered as the peer would. */
static bool wait_tcp(uint8_t *tcp, int ms)
{
	uint64_t t0 = mp_now_ms();

	while ((int)(mp_now_ms() - t0) < ms) {
		struct rte_mbuf *m;
		const uint8_t *f;

		now_ms++;
		turn();
		if (rte_ring_dequeue(txr, (void **)&m) != 0) {
			usleep(200);
			continue;
		}
		f = rte_pktmbuf_mtod(m, const uint8_t *);
		if (mp_rd16(f + 12) == 0x0806 && mp_rd16(f + 20) == 1 && mp_rd16(f + 38) == (PEER_IP >> 16) &&
		    mp_rd16(f + 40) == (PEER_IP & 0xffff)) {
			uint8_t rep[60];

			put(rep, arp_reply(rep, f));
		} else if (mp_rd16(f + 12) == 0x0800 && f[14 + 9] == 6) {
			memcpy(tcp, f, 54);
			rte_pktmbuf_free(m);
			return true;
		}
		rte_pktmbuf_free(m);
	}
	return false;
}

static void tcp_reaches_the_kernel_and_its_answer_leaves_by_the_port(void **state)
{
	uint8_t f[64], got[64];
	const uint8_t *ip = got + 14, *t = ip + 20;

	(void)state;
	/* A closed port: the kernel answers RST+ACK (RFC 793 section 3.4), after asking ARP for the peer
	 * through the TAP and the data port. */
	put(f, tcp_syn(f, 41000, 9));
	if (!wait_tcp(got, 3000)) {
		struct mp_dp_stats s = stats();

		fail_msg("no TCP answer: rx %llu, to kernel %llu, from kernel %llu, tx %llu", (unsigned long long)s.rx_packets,
			 (unsigned long long)s.exception_to_kernel, (unsigned long long)s.exception_from_kernel,
			 (unsigned long long)s.tx_packets);
	}
	assert_memory_equal(got, PEER_MAC, 6);
	assert_memory_equal(got + 6, dp.ports[0].iface.mac, 6); /* the kernel speaks with the port's MAC */
	assert_int_equal(mp_rd16(ip + 12), US_IP >> 16);
	assert_int_equal(mp_rd16(ip + 14), US_IP & 0xffff);
	assert_int_equal(mp_rd16(t), 9);
	assert_int_equal(mp_rd16(t + 2), 41000);
	assert_true(t[13] & 0x04); /* RST */
	assert_true(stats().exception_to_kernel >= 2);   /* the SYN and the ARP reply */
	assert_true(stats().exception_from_kernel >= 2); /* the ARP request and the RST */
}

/* Issue 12 item 1: the TAP shares the appliance's address, so the kernel's own UDP (a DNS or NTP
 * query) gets its reply on a port the data plane also sees; one in the NAT range that is no session's
 * (origin, origin port, NAT port) goes to the kernel, whose socket receives it. */
static void a_reply_to_the_kernels_own_udp_on_a_nat_port_reaches_its_socket(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(40000), .sin_addr.s_addr = htonl(US_IP) };
	struct mp_test_udp u = { .src_ip = PEER_IP, .dst_ip = US_IP, .src_port = 53, .dst_port = 40000 };
	static const uint8_t answer[] = "a DNS answer for the kernel";
	struct mp_dp_stats before = stats();
	uint8_t f[128], got[64];
	uint64_t t0;
	ssize_t n = -1;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	memcpy(u.src_mac, PEER_MAC, 6);
	memcpy(u.dst_mac, dp.ports[0].iface.mac, 6);
	put(f, mp_test_udp_frame(f, &u, answer, sizeof(answer)));
	for (t0 = mp_now_ms(); n < 0 && mp_now_ms() - t0 < 3000;) {
		now_ms++;
		turn();
		n = recv(fd, got, sizeof(got), 0);
		if (n < 0)
			usleep(200);
	}
	close(fd);
	assert_int_equal(n, sizeof(answer));
	assert_memory_equal(got, answer, sizeof(answer));
	assert_int_equal(stats().nat_to_kernel - before.nat_to_kernel, 1);
	assert_int_equal(stats().drops[MP_DROP_NO_SESSION], before.drops[MP_DROP_NO_SESSION]);
	{
		struct rte_mbuf *m;

		while (rte_ring_dequeue(txr, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	}
}

/* The flood at one instant: the bucket's burst (a tenth of a second of RATE) passes, the rest is
 * dropped; 50 ms later, 50 ms worth of RATE passes. */
static uint64_t flood(uint64_t sent, uint64_t *passed)
{
	uint8_t f[64];
	struct mp_dp_stats a = stats(), b;

	for (uint64_t i = 0; i < sent; i++)
		put(f, tcp_syn(f, (uint16_t)(20000 + i % 20000), 9));
	turn();
	b = stats();
	assert_int_equal(b.rx_packets - a.rx_packets, sent);
	*passed = b.exception_to_kernel - a.exception_to_kernel;
	return b.drops[MP_DROP_EXCEPTION_RATE] - a.drops[MP_DROP_EXCEPTION_RATE];
}

static void a_tcp_flood_is_cut_to_the_rate_and_counted(void **state)
{
	uint64_t passed, dropped;

	(void)state;
	now_ms += 1000; /* a full bucket */
	dropped = flood(5000, &passed);
	assert_int_equal(passed, RATE / 10);
	assert_int_equal(dropped, 5000 - RATE / 10);
	now_ms += 50;
	dropped = flood(5000, &passed);
	assert_int_equal(passed, 50 * RATE / 1000);
	assert_int_equal(dropped, 5000 - 50 * RATE / 1000);
	{
		struct rte_mbuf *m;

		turn();
		while (rte_ring_dequeue(txr, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tcp_reaches_the_kernel_and_its_answer_leaves_by_the_port),
		cmocka_unit_test(a_reply_to_the_kernels_own_udp_on_a_nat_port_reaches_its_socket),
		cmocka_unit_test(a_tcp_flood_is_cut_to_the_rate_and_counted),
	};
	if (geteuid() != 0)
		return 77;
	return cmocka_run_group_tests(tests, setup, teardown);
}
