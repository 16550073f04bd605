/* bench_webrtc.c: WebRTC forwarding throughput of the real worker loop with N live sessions (bench_webrtc.sh).
 *
 *   bench_webrtc gen OUT.pcap N FRAMES   the client side of the aiortc capture, cloned to N client
 *                                        addresses (frame j from a client drawn uniformly from the N),
 *                                        FRAMES frames, sizes as captured
 *   bench_webrtc run N SECONDS EAL...    installs the N sessions in lb, starts mp_dp on the port EAL
 *                                        gives (net_pcap, infinite_rx=1), one worker, and prints
 *                                        forwarded Mpps and TSC cycles per packet of the best
 *                                        one-second window of SECONDS
 */
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include "dp.h"
#include "lb.h"
#include "mp_error.h"
#include "mp_log.h"
#include "pcap_write.h"
#include "runtime_dir.h"
#include "test_data.h"
#include "udp_frame.h"

#define US 0xC6123E02u      /* 198.18.62.2/16: the appliance */
#define ORIGIN 0xC6123E03u  /* origin media address, on link */
#define CLIENT_BASE 0xC6130000u /* clients 198.19.x.y (+ index), ports 20000 + index % 40000 */

static const uint8_t ORIGIN_MAC[6] = { 0x02, 0x0a, 0, 0, 0, 3 };
static const uint8_t CLIENT_MAC[6] = { 0x02, 0xc1, 0, 0, 0, 1 };

/* Session i's client address: distinct for every i below 2^20 * 40000 / 65536. */
static void client_of(uint32_t i, uint32_t *ip, uint16_t *port)
{
	*ip = CLIENT_BASE + (i % 65536);
	*port = (uint16_t)(20000 + (i / 65536) * 997 % 40000);
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static int gen(const char *out, uint32_t n, uint32_t frames)
{
	struct mp_pcap pc;
	struct mp_pcap_frame fr;
	const uint8_t *pl[256];
	size_t len[256], bytes = 0;
	unsigned np = 0;
	uint64_t rnd = 0x9e3779b97f4a7c15ull;
	FILE *f = mp_pcap_create(out);
	uint8_t frame[2048];

	if (!f)
		return 1;
	mp_pcap_open(&pc, "webrtc-aiortc-whip.pcap");
	while (mp_pcap_next(&pc, &fr))
		if (fr.ip_proto == 17 && fr.src_port == 48339 && np < 256) { /* the client's datagrams */
			pl[np] = fr.payload;
			len[np++] = fr.payload_len;
		}
	for (uint32_t j = 0; j < frames; j++) {
		struct mp_test_udp u = { .dst_ip = US, .dst_port = 8000, .ttl = 64 };
		uint32_t c = (uint32_t)(xorshift(&rnd) % n);

		memcpy(u.src_mac, CLIENT_MAC, 6);
		memset(u.dst_mac, 0xff, 6); /* net_pcap takes any destination MAC */
		client_of(c, &u.src_ip, &u.src_port);
		mp_pcap_write(f, frame, mp_test_udp_frame(frame, &u, pl[j % np], len[j % np]));
		bytes += len[j % np];
	}
	fclose(f);
	mp_pcap_close(&pc);
	printf("%u frames from %u clients, mean UDP payload %.0f B (the %u client datagrams of the capture: STUN, DTLS, SRTP/SRTCP)\n",
	       frames, n, (double)bytes / frames, np);
	return 0;
}

static int run(uint32_t n, unsigned seconds, int eal_argc, char **eal_argv)
{
	struct mp_lb_config lc;
	struct mp_dp_conf c;
	struct mp_dp dp;
	struct mp_lb *lb;
	struct mp_dp_stats s0, s1;
	char err[256];
	uint64_t now, t0, t1;
	uint32_t nat_range = 65535 - 32768 + 1;
	bool nat = n <= nat_range;

	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "bench_webrtc: EAL init failed\n");
		return 1;
	}
	mp_log_set_level(MP_LOG_WARN);
	mp_lb_config_default(&lc);
	lc.max_sessions = n < 1024 ? 1024 : n;
	lc.max_readers = MP_DP_READER_FIRST + 1;
	lc.webrtc_idle_ms = 3600 * 1000; /* nothing expires during the run */
	/* NAT ports bound live sessions to the range size: past it, sessions get no NAT port (the
	 * client -> origin path measured here is the same; the return path would need more addresses). */
	lc.nat_port_min = nat ? 32768 : 0;
	lc.nat_port_max = nat ? 65535 : 0;
	lb = mp_lb_create(&lc);
	if (!lb)
		return 1;
	mp_lb_reader_register(lb, 0);
	now = mp_now_ms();
	mp_lb_webrtc_store(lb, "gLet:M3H2", NULL, "__defaultVhost__/live/livestream", 0, ORIGIN, 8000, now);
	for (uint32_t i = 0; i < n; i++) {
		struct mp_lb_session_params p = { .origin_ipv4 = ORIGIN, .origin_port = 8000, .kind = MP_LB_SESS_WEBRTC,
						  .state = MP_LB_SESS_ACTIVE, .username = "gLet:M3H2" };
		struct mp_lb_session *s;
		uint32_t ip;
		uint16_t port;

		client_of(i, &ip, &port);
		mp_lb_tuple_set(&p.tuple, ip, port, US, 8000, IPPROTO_UDP);
		if (mp_lb_session_create(lb, &p, now, &s) != MP_OK) {
			fprintf(stderr, "bench_webrtc: session %u not created\n", i);
			return 1;
		}
	}
	memset(&c, 0, sizeof(c));
	snprintf(c.public_port, sizeof(c.public_port), "0");
	c.public_ip = US;
	c.public_prefix = 16;
	c.webrtc_port = 8000;
	c.srt_port = 10080;
	c.nat_port_min = 32768;
	c.nat_port_max = 65535;
	c.workers = 1;
	c.mbufs = 65535;
	c.rx_desc = c.tx_desc = 1024;
	if (mp_dp_init(&dp, &c, err, sizeof(err)) != MP_OK) {
		fprintf(stderr, "bench_webrtc: %s\n", err);
		return 1;
	}
	mp_arp_cache_learn(&dp.ports[0].arp, ORIGIN, ORIGIN_MAC, mp_now_ms());
	dp.lb = lb;
	mp_lb_reader_offline(lb, 0);
	if (mp_dp_start(&dp, err, sizeof(err))) {
		fprintf(stderr, "bench_webrtc: %s\n", err);
		return 1;
	}
	sleep(1); /* warm up */
	/* Best one-second window of `seconds` (a shared machine: other loads only ever slow it down). */
	double best = 0, best_cyc = 0;
	uint64_t drops = 0, misses = 0;
	for (unsigned k = 0; k < seconds; k++) {
		mp_dp_stats_sum(&dp, &s0);
		t0 = rte_rdtsc();
		sleep(1);
		mp_dp_stats_sum(&dp, &s1);
		t1 = rte_rdtsc();
		uint64_t fwd = s1.tx_packets - s0.tx_packets;
		double mpps = (double)fwd / ((double)(t1 - t0) / (double)rte_get_tsc_hz()) / 1e6;
		if (mpps > best) {
			best = mpps;
			best_cyc = fwd ? (double)(t1 - t0) / (double)fwd : 0.0;
		}
		drops = mp_dp_stats_drops(&s1);
		misses = s1.lookup_misses;
	}
	{
		struct mp_lb_stats ls;

		mp_lb_stats(lb, &ls);
		printf("sessions=%u nat_ports=%s live=%u fwd_mpps=%.3f cycles_per_pkt=%.0f drops=%" PRIu64
		       " misses=%" PRIu64 " bytes_per_session=%.0f tsc_hz=%" PRIu64 "\n",
		       n, nat ? "yes" : "no", ls.count[MP_LB_T_SESSIONS], best, best_cyc, drops, misses,
		       mp_lb_bytes_per_session(lb), rte_get_tsc_hz());
	}
	mp_dp_stop(&dp);
	mp_lb_destroy(lb);
	{
		char dir[512];

		mp_runtime_dir_remember(dir, sizeof(dir));
		rte_eal_cleanup();
		mp_runtime_dir_remove(dir); /* leave nothing under /var/run/dpdk */
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "gen"))
		return gen(argv[2], (uint32_t)strtoul(argv[3], NULL, 10), (uint32_t)strtoul(argv[4], NULL, 10));
	if (argc >= 4 && !strcmp(argv[1], "run")) {
		unsigned seconds = (unsigned)strtoul(argv[3], NULL, 10);

		argv[3] = argv[0]; /* EAL's argv[0] */
		return run((uint32_t)strtoul(argv[2], NULL, 10), seconds ? seconds : 3, argc - 3, argv + 3);
	}
	fprintf(stderr, "usage: %s gen OUT.pcap SESSIONS FRAMES | run SESSIONS SECONDS EAL-ARGS...\n", argv[0]);
	return 2;
}
