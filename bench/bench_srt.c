/* bench_srt.c: SRT handshakes per second completed through the real worker loop against a responding origin
 * (net_ring port, this thread playing clients and origin, 64 in flight), beside the reference: the same
 * lockstep harness carrying data frames of an established session, 5 batches per batch of handshakes (a
 * handshake is 5 exchanges: INDUCTION, CONCLUSION, the origin's two answers, SHUTDOWN). SRT forwarding
 * itself is measured by bench_fwd (bench/run srt-...).
 *   bench_srt handshakes SECONDS */
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

#define CLIENT_IP 0xC6120101u
#define PUBLIC_IP 0xC6120102u
#define ORIGIN_IP 0xC6120103u
#define BATCH 64
#define REF_CLIENT_IP 0xC6120104u
#define REF_ORIGIN_SOCK 0x7f000001u
static const uint8_t CLIENT_MAC[6] = { 0x02, 0xc1, 0, 0, 0, 1 };
static const uint8_t ORIGIN_MAC[6] = { 0x02, 0x0e, 0, 0, 0, 1 };
static const uint8_t APPLIANCE_MAC[6] = { 0x02, 0xaa, 0, 0, 0, 1 };

static struct mp_dp dp;
static struct mp_lb *lb;
static struct rte_mempool *bpool;
static uint8_t *capbuf[256];
static size_t caplen[256];
static int cap_to_server[256], ncap;

static void die(const char *m)
{
	fprintf(stderr, "bench_srt: %s\n", m);
	exit(1);
}

static void load_capture(void)
{
	struct mp_pcap pc;
	struct mp_pcap_frame fr;

	mp_pcap_open(&pc, "srt-ffmpeg-publish.pcap");
	while (mp_pcap_next(&pc, &fr) && ncap < 256) {
		if (fr.ip_proto != 17)
			continue;
		capbuf[ncap] = malloc(fr.payload_len);
		memcpy(capbuf[ncap], fr.payload, fr.payload_len);
		caplen[ncap] = fr.payload_len;
		cap_to_server[ncap] = fr.dst_port == 10081;
		ncap++;
	}
	mp_pcap_close(&pc);
}

static void eal(const char *lcores)
{
	char prefix[64];
	char *argv[] = { "bench_srt", "--no-pci", "--no-huge", "-m", "512", "--no-shconf", "--file-prefix", prefix,
			 "-l", (char *)lcores, "--log-level", "error", NULL };

	snprintf(prefix, sizeof(prefix), "mps-bench-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		die("EAL init failed");
	mp_log_set_level(MP_LOG_WARN);
	bpool = rte_pktmbuf_pool_create("mps_bpool", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (!bpool)
		die("no pool");
}

static void make_lb(uint32_t sessions, uint16_t nat_min, uint16_t nat_max)
{
	struct mp_lb_config lc;

	mp_lb_config_default(&lc);
	lc.max_sessions = sessions;
	lc.max_streams = 64;
	lc.max_origins = 16;
	lc.max_webrtc = 64;
	lc.max_readers = 2;
	lc.nat_port_min = nat_min;
	lc.nat_port_max = nat_max;
	lc.nat_quiet_ms = 0;
	lb = mp_lb_create(&lc);
	if (!lb || mp_lb_reader_register(lb, 0) != MP_OK)
		die("no balancer");
}

static void start_dp(const char *pub, const char *priv, uint16_t nat_min, uint16_t nat_max)
{
	struct mp_dp_conf c;
	char err[256];

	memset(&c, 0, sizeof(c));
	snprintf(c.public_port, sizeof(c.public_port), "%s", pub);
	c.public_ip = PUBLIC_IP;
	c.public_prefix = 24;
	if (priv) {
		snprintf(c.private_port, sizeof(c.private_port), "%s", priv);
		c.private_ip = PUBLIC_IP + 0x100;
		c.private_prefix = 24;
	}
	c.webrtc_port = 8000;
	c.srt_port = 10080;
	c.nat_port_min = nat_min;
	c.nat_port_max = nat_max;
	c.workers = 1;
	c.mbufs = 16383;
	c.rx_desc = 1024;
	c.tx_desc = 1024;
	if (mp_dp_init(&dp, &c, err, sizeof(err)) != MP_OK)
		die(err);
	dp.lb = lb;
	mp_arp_cache_learn(&dp.ports[0].arp, CLIENT_IP, CLIENT_MAC, mp_now_ms());
	mp_arp_cache_learn(&dp.ports[dp.n_ports - 1].arp, ORIGIN_IP, ORIGIN_MAC, mp_now_ms());
	if (mp_dp_start(&dp, err, sizeof(err)))
		die(err);
}

static void finish(void)
{
	char cmd[128];

	mp_dp_stop(&dp);
	mp_lb_reader_unregister(lb, 0);
	mp_lb_destroy(lb);
	rte_eal_cleanup();
	snprintf(cmd, sizeof(cmd), "rm -rf /var/run/dpdk/mps-bench-%d", (int)getpid());
	if (system(cmd) != 0)
		fprintf(stderr, "bench_srt: runtime directory left behind\n");
}

/* ---- handshakes: clients and a responding origin, BATCH at a time ---- */

static struct rte_ring *rxr[2], *txr[2];

static void inject(unsigned pi, const uint8_t *mac, uint32_t sip, uint16_t sport, uint32_t dip, uint16_t dport,
		   const uint8_t *p, size_t n)
{
	struct mp_iface ifc = { 0 };
	struct rte_mbuf *m;

	memcpy(ifc.mac, mac, 6);
	m = mp_dp_udp_frame(bpool, &ifc, APPLIANCE_MAC, sip, sport, dip, dport, p, n);
	if (!m)
		die("pool");
	while (rte_ring_enqueue(rxr[pi], m) != 0)
		;
}

/* Take up to n frames sent on port pi; hand each UDP payload to fn. Returns how many came: fewer when
 * nothing more came for 300 ms (a frame the appliance dropped, e.g. a CONCLUSION whose cookie was made
 * just before the cookie's time bucket turned: counted in stalls, the stats printed once). */
static unsigned stalls;
static int collect(unsigned pi, int n, void (*fn)(const uint8_t *ip, const uint8_t *p, size_t len))
{
	uint64_t t0 = mp_now_ms();
	int got = 0;

	while (n > 0) {
		struct rte_mbuf *m;
		const uint8_t *f, *u;

		if (rte_ring_dequeue(txr[pi], (void **)&m) != 0) {
			if (mp_now_ms() - t0 > 300) {
				if (stalls++)
					return got;
				struct mp_dp_stats st;

				mp_dp_stats_sum(&dp, &st);
				fprintf(stderr, "bench_srt: waiting for %d frames; rx %llu tx %llu drops:", n,
					(unsigned long long)st.rx_packets, (unsigned long long)st.tx_packets);
				for (int i = 0; i < MP_DROP__COUNT; i++)
					if (st.drops[i])
						fprintf(stderr, " %s %llu", mp_dp_drop_name((enum mp_dp_drop)i),
							(unsigned long long)st.drops[i]);
				{
					struct mp_lb_stats ls;

					mp_lb_stats(lb, &ls);
					fprintf(stderr, " rejects %llu handshakes %llu", (unsigned long long)st.srt_rejects,
						(unsigned long long)st.srt_handshakes);
					for (int i = 0; i < MP_LB_T__COUNT; i++)
						fprintf(stderr, " %s %u/%u refused %llu", mp_lb_table_name((enum mp_lb_table_id)i),
							ls.count[i], ls.capacity[i], (unsigned long long)ls.refused[i]);
				}
				fprintf(stderr, "\n");
				return got;
			}
			continue;
		}
		t0 = mp_now_ms();
		f = rte_pktmbuf_mtod(m, const uint8_t *);
		if (f[12] == 0x08 && f[13] == 0x00) {
			u = f + 34;
			fn(f + 14, u + 8, (size_t)((u[4] << 8 | u[5]) - 8));
			n--;
			got++;
		}
		rte_pktmbuf_free(m);
	}
	return got;
}

static uint32_t cookies[65536];   /* by client port */
static uint16_t nat_of[BATCH];    /* by client index in the batch */

static void got_induction_answer(const uint8_t *ip, const uint8_t *p, size_t len)
{
	uint16_t dport = (uint16_t)(ip[22] << 8 | ip[23]);

	if (len == MP_SRT_HS_LEN)
		cookies[dport] = mp_rd32(p + MP_SRT_HS_COOKIE_OFF);
}

static void got_origin_request(const uint8_t *ip, const uint8_t *p, size_t len)
{
	uint32_t sock = mp_rd32(p + 40);

	(void)len;
	nat_of[(sock - 1) % BATCH] = (uint16_t)(ip[20] << 8 | ip[21]);
}

static void answer(const uint8_t *ip, const uint8_t *p, size_t len)
{
	struct mp_srt_handshake hs;

	(void)ip;
	if (mp_srt_hs_parse(p, len, &hs) == MP_OK && mp_srt_hs_reject_reason(hs.hs_type) >= 0)
		fprintf(stderr, "bench_srt: rejected (%d) %u\n", mp_srt_hs_reject_reason(hs.hs_type), mp_rd32(p + 12));
}

static void ignore(const uint8_t *ip, const uint8_t *p, size_t len)
{
	(void)ip;
	(void)p;
	(void)len;
}

/* The reference: BATCH data frames of one established session per exchange, 5 exchanges per "handshake". */
static uint64_t ref_sent;
static void count_ref(const uint8_t *ip, const uint8_t *p, size_t len)
{
	(void)ip;
	(void)p;
	(void)len;
	ref_sent++;
}

static double reference(double secs)
{
	uint8_t b[1500];
	uint64_t t0 = mp_now_ms(), t1, exchanges = 0;

	memset(b, 0, sizeof(b));
	mp_wr32(b + 12, REF_ORIGIN_SOCK);
	while ((t1 = mp_now_ms()) - t0 < (uint64_t)(secs * 1000)) {
		for (int i = 0; i < BATCH; i++) {
			mp_wr32(b, (uint32_t)(exchanges * BATCH + (uint64_t)i) & 0x7fffffffu); /* data: sequence number */
			inject(0, CLIENT_MAC, REF_CLIENT_IP, 40000, PUBLIC_IP, 10080, b, 16 + 1316);
		}
		collect(0, BATCH, count_ref);
		exchanges++;
		mp_lb_quiescent(lb, 0);
	}
	/* a batch of BATCH handshakes is 5 exchanges of BATCH frames each way */
	return (double)exchanges * BATCH / 5.0 * 1000.0 / (double)(t1 - t0);
}

static int handshakes(double secs)
{
	static const char body[] = "{\"ip\":\"198.18.1.3\",\"server\":\"b\",\"service\":\"b\",\"pid\":\"1\","
				   "\"srt\":[\"198.18.1.3:10081\"]}";
	struct mp_registration r;
	char why[128], names[2][16];
	uint8_t b[1500], shut[16] = { 0x80, 0x05 };
	uint64_t done = 0, t0, t1;
	uint32_t k = 0;

	eal("0-1");
	for (int pi = 0; pi < 2; pi++) {
		char n[32];
		int id;

		snprintf(n, sizeof(n), "mps_brx%d", pi);
		rxr[pi] = rte_ring_create(n, 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(n, sizeof(n), "mps_btx%d", pi);
		txr[pi] = rte_ring_create(n, 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(n, sizeof(n), "mps_bport%d", pi);
		id = rte_eth_from_rings(n, &rxr[pi], 1, &txr[pi], 1, 0);
		if (id < 0)
			die("ring port");
		snprintf(names[pi], sizeof(names[pi]), "%d", id);
	}
	make_lb(65536, 16384, 65535);
	if (mp_registration_parse(body, sizeof(body) - 1, &r, why, sizeof(why)) != MP_OK ||
	    mp_lb_origin_update(lb, &r, mp_now_ms()) < 0)
		die("origin");
	{
		struct mp_lb_session_params sp;
		struct mp_lb_session *s;

		memset(&sp, 0, sizeof(sp));
		mp_lb_tuple_set(&sp.tuple, REF_CLIENT_IP, 40000, PUBLIC_IP, 10080, 17);
		sp.origin_ipv4 = ORIGIN_IP;
		sp.origin_port = 10081;
		sp.kind = MP_LB_SESS_SRT;
		sp.state = MP_LB_SESS_ACTIVE;
		sp.srt_client_sock = 0x7e000001u;
		if (mp_lb_session_create(lb, &sp, mp_now_ms(), &s) != MP_OK ||
		    mp_lb_session_srt_bind(lb, s, REF_ORIGIN_SOCK, REF_ORIGIN_SOCK) != MP_OK)
			die("reference session");
	}
	/* One port: the origin is on the clients' subnet (198.18.1.3). */
	start_dp(names[0], NULL, 16384, 65535);
	t0 = mp_now_ms();
	while ((t1 = mp_now_ms()) - t0 < (uint64_t)(secs * 1000)) {
		uint32_t base = k;

		for (int i = 0; i < BATCH; i++) {
			memcpy(b, capbuf[0], caplen[0]);
			mp_wr32(b + 40, base + (uint32_t)i + 1);
			inject(0, CLIENT_MAC, CLIENT_IP, (uint16_t)(1024 + (base + i) % 60000), PUBLIC_IP, 10080, b, caplen[0]);
		}
		collect(0, BATCH, got_induction_answer);
		memset(nat_of, 0, sizeof(nat_of)); /* a client whose CONCLUSION was dropped gets no origin answer */
		for (int i = 0; i < BATCH; i++) {
			uint16_t cp = (uint16_t)(1024 + (base + i) % 60000);

			memcpy(b, capbuf[2], caplen[2]);
			mp_wr32(b + 40, base + (uint32_t)i + 1);
			mp_srt_hs_set_cookie(b, caplen[2], cookies[cp]);
			inject(0, CLIENT_MAC, CLIENT_IP, cp, PUBLIC_IP, 10080, b, caplen[2]);
		}
		collect(0, BATCH, got_origin_request); /* (a rejection here would be lost: counted in the stats) */
		int sent = 0;
		for (int i = 0; i < BATCH; i++) {
			if (!nat_of[(base + i) % BATCH])
				continue;
			sent++;
			memcpy(b, capbuf[1], caplen[1]);
			mp_wr32(b + 12, base + (uint32_t)i + 1);
			mp_wr32(b + 40, base + (uint32_t)i + 1);
			inject(0, ORIGIN_MAC, 0xC6120103u, 10081, PUBLIC_IP, nat_of[(base + i) % BATCH], b, caplen[1]);
		}
		collect(0, sent, ignore); /* the CONCLUSIONs replayed to the origin */
		for (int i = 0; i < BATCH; i++) {
			if (!nat_of[(base + i) % BATCH])
				continue;
			memcpy(b, capbuf[3], caplen[3]);
			mp_wr32(b + 12, base + (uint32_t)i + 1);
			mp_wr32(b + 40, 0x40000000u + base + (uint32_t)i);
			inject(0, ORIGIN_MAC, 0xC6120103u, 10081, PUBLIC_IP, nat_of[(base + i) % BATCH], b, caplen[3]);
		}
		int ok = collect(0, sent, answer); /* the answers to the clients: handshakes done */
		done += (uint64_t)ok;
		for (int i = 0; i < BATCH; i++) {
			mp_wr32(shut + 12, 0x40000000u + base + (uint32_t)i);
			inject(0, CLIENT_MAC, CLIENT_IP, (uint16_t)(1024 + (base + i) % 60000), PUBLIC_IP, 10080, shut,
			       sizeof(shut));
		}
		collect(0, ok, ignore); /* SHUTDOWNs forwarded: sessions closed */
		mp_lb_quiescent(lb, 0);
		k += BATCH;
	}
	double rate = (double)done * 1000.0 / (double)(t1 - t0), ref = reference(secs);

	printf("mediaplane srt handshakes: %.0f per second completed (INDUCTION, CONCLUSION, origin replay, answer; "
	       "%d in flight; each session then shut down); %u waits of 300 ms for dropped frames\n", rate, BATCH, stalls);
	printf("reference: %.0f exchanges of %d data frames per second on an established session (%llu frames): "
	       "%.0f handshakes' worth of exchanges per second\n", ref * 5 / BATCH, BATCH, (unsigned long long)ref_sent, ref);
	printf("bench srt-handshakes: %.0f handshakes/s = %.3f x the same exchanges of data frames (%.0f/s) | 1 worker, "
	       "%d in flight, this thread plays clients and origin\n", rate, ref > 0 ? rate / ref : 0.0, ref, BATCH);
	finish();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "handshakes")) {
		load_capture();
		return handshakes(atof(argv[2]));
	}
	fprintf(stderr, "usage: %s handshakes SECONDS\n", argv[0]);
	return 2;
}
