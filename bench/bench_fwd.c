/* bench_fwd.c: WebRTC or SRT forwarding by the real worker loop on net_ring ports fed by an in-process generator,
 * beside a macswap loop (testpmd --forward-mode=macswap's work) on another net_ring port fed the same way.
 *
 *   bench_fwd KIND SESSIONS WORKERS SECONDS [sep|inline] [c2o] [v6|o6] [-- EAL-ARGS...]
 *   bench_fwd stun-setup SESSIONS 1 SECONDS [-- EAL-ARGS...]
 *
 * stun-setup: session setup rate. The generator sends SESSIONS STUN Binding requests (USERNAME of a stored
 * ICE username, MESSAGE-INTEGRITY keyed with its ice-pwd) from as many new client addresses: each starts a
 * session (HMAC check, session and NAT port allocation). Figure: sessions created per second from the first
 * to the last, beside the reference: the same requests forwarded afterwards as consent checks of the
 * sessions they made (the fast path), in packets per second. SESSIONS must fit the NAT range.
 *
 * KIND is webrtc or srt. SESSIONS live sessions are installed in lb (clients 198.19.0.0/16 behind the gateway,
 * 32 origins on link); every session is then sent one client -> origin datagram through the data plane and
 * the NAT address and port it leaves from are learned, as an origin would. The generator then plays every
 * session in both directions (client -> origin to the service port, origin -> client to the learned NAT
 * port) in a scattered order, so each session is touched once per 2 x SESSIONS packets. With 2 workers the
 * NAT range is cut into one slice per worker (as the data plane does) and each session takes its port from
 * the slice of the worker its client's frames reach by RSS (the one that would have created it); the
 * origin's frames reach either worker and go to the owner by the data plane's hand-off. A NAT port is unique
 * per origin endpoint (lb.h mp_lb_nat_key), so the range 32768-65535 towards each of the 32 origins gives
 * 32 x 32768 sessions their return path: 1M live sessions with return traffic. When lb still cannot give
 * every session a NAT port (a larger SESSIONS), the run says so and measures client -> origin only, with
 * NAT ports off. c2o asks for client -> origin only anyway (to compare
 * sizes on the same traffic); the name then ends in -c2o.
 * v6: the clients are on IPv6 (2001:db8:1::/64 behind the IPv6 gateway; the appliance 2001:db8:2::2/64),
 * the origins on IPv4 as always: client -> origin frames are IPv6 (translated to IPv4 from each client's
 * stand-in, dataplane/dp_v6client.c), origin -> client frames IPv4 (translated back to IPv6). The name's
 * kind then ends in 6 (webrtc6, srt6). The v4 frames are laid 20 bytes into the buffer so every payload
 * sits at the same place (the generator never copies it); RSS hashes an IPv6 client by its index.
 * o6: the reverse: the clients on IPv4, the 32 origins on IPv6 (2001:db8:2::100.., on link of the appliance's
 * 2001:db8:2::2/64), registered so lb gives each a stand-in (lb/lb_origin6.c): client -> origin frames leave
 * translated to IPv6, origin -> client frames arrive as IPv6 (translated to IPv4 from the origin's stand-in).
 * The kind then ends in o6 (webrtco6, srto6).
 *
 * Ports: one net_ring port per program (mediaplane's, the reference's), one RX and one TX ring per worker.
 * The generator takes each mbuf back from the TX ring, rewrites its 42 header bytes (and SRT's destination
 * socket) for the next packet of its list, with valid IPv4 and UDP checksums, and puts it on the RX ring;
 * mbufs are allocated only to fill the rings (1000 per queue in flight). With 2 workers the packets are
 * spread over the queues by the Toeplitz hash a NIC's RSS computes (default key), so the two directions of
 * a session usually land on different workers, as on a NIC without rte_flow.
 *   inline: each worker lcore generates its own queue's packets between its turns (default): the generator
 *           and the ring together then play a NIC's RX/TX whose cost per packet is what the reference spends
 *           per packet in all (printed as the port's own cost)
 *   sep:    the generator runs on its own lcore (CPU 0), the worker on CPU 1: needs both CPUs to itself; on a
 *           shared VM the two threads are rarely scheduled together and every hand-off waits (measured:
 *           ~40 x slower), so it is not the default
 * The reference gets exactly the same packets, placement and generator; it does what testpmd's macswap
 * engine does per burst: rte_eth_rx_burst, swap the Ethernet addresses, rte_eth_tx_burst.
 *
 * Figures: the best one-second window of SECONDS for each, reference and mediaplane alternating twice.
 * Mpps = frames sent on by the port per second of wall time. cycles/packet = TSC cycles of wall time per
 * frame forwarded, per worker core (so with the inline generator, the reference's is the port's whole cost:
 * generator, rings, the swap); "own" = mediaplane's minus the reference's. The detail lines also give the
 * cycles spent inside the worker's turns that received frames per frame ("in turns": no generator, no
 * empty turns). The last line is
 *   bench NAME: X Mpps = R x macswap-ring (Y Mpps) | mediaplane C cyc/pkt, own C-P over the port's P | DIRECTIONS
 *     | on-CPU C' cyc/pkt, own C'-P' over the port's P'
 * where the on-CPU figures count only the time the worker threads ran (their CPU-time clocks, in TSC
 * cycles), not the time another process had their CPU: the figure least moved by other load on a shared
 * machine. Under valgrind's callgrind (bench/run --instr) the mediaplane windows alone are instrumented
 * and the frames they forwarded are printed, for instructions per frame.
 */
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_thash.h>

#include "dp.h"
#include "dp_v6client.h"
#include "ipv6.h"
#include "lb.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"
#include "registration.h"
#include "runtime_dir.h"
#include "stun_integrity.h"
#include "udp_frame.h"

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#endif

#define US 0xC6123E02u          /* 198.18.62.2/16: the appliance */
static const uint8_t US6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2 };  /* 2001:db8:2::2/64 (v6) */
static const uint8_t GW6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1 };  /* 2001:db8:2::1 */
#define GATEWAY 0xC6120001u     /* 198.18.0.1: toward the clients */
#define ORIGIN_BASE 0xC6123F01u /* origins 198.18.63.1 .. +N_ORIGINS-1, on link */
#define N_ORIGINS 32
#define CLIENT_BASE 0xC6130000u /* clients 198.19.x.y, ports 20000 + index / 65536 */
#define NAT_MIN 32768
#define NAT_MAX 65535
#define WEBRTC_PORT 8000
#define SRT_PORT 10080
#define ICE_USER "gLet:M3H2"   /* every forwarding session's (they are made by lb, not by STUN) */
#define ICE_USER_FMT "%08x:%08x" /* stun-setup: session i's, as answerUfrag:offerUfrag */
#define ICE_PWD "mediaplane-bench-pwd-0123456"
#define SRT_ORIGIN_SOCK 0x10000000u /* + session: the socket id the origin chose */
#define SRT_CLIENT_SOCK 0x20000000u /* + session: the client's */
#define RING_SIZE 1024
#define INFLIGHT 1000 /* mbufs per queue (below the rings' 1023) */
#define GEN_BURST 32
#define MAXQ 2

enum phase { PH_IDLE, PH_MP, PH_REF, PH_QUIT };
enum prog { P_MP, P_REF };

static const uint8_t GW_MAC[6] = { 0x02, 0x9a, 0, 0, 0, 1 };
static const uint8_t ORIGIN_MAC[6] = { 0x02, 0x0e, 0, 0, 0, 1 };

/* One packet of the generator's list: what differs between packets. */
struct flow {
	uint32_t sip, dip;     /* v6 client -> origin: sip is the client's index */
	uint16_t sport, dport;
	uint32_t sock; /* SRT destination socket id (payload bytes 12..15) */
	bool v6;
};

/* One queue of one port, as the generator feeds it. */
struct genq {
	struct rte_ring *rx, *tx;
	struct rte_mempool *pool;
	const struct flow *fl;
	uint32_t nfl, pos;
};

/* Counters of one lcore, read by the main lcore. */
struct thr {
	unsigned q;        /* worker: its queue */
	bool gen;          /* the separate generator */
	_Atomic uint64_t busy, pkts, gen_cyc;
	bool worker;       /* a worker lcore (launched) */
	clockid_t cpu;     /* its thread's CPU-time clock */
	_Atomic bool has_cpu;
} __attribute__((aligned(64)));

static struct {
	bool srt, stun, inline_gen, both, c2o_only, v6, o6;
	uint32_t o6_standin[N_ORIGINS]; /* o6: each origin's stand-in, from lb */
	uint8_t hdr6[62];  /* v6: Ethernet, IPv6 (to US6, source prefix), UDP without ports and checksum */
	uint32_t sum6;     /* v6: pseudo-header words of the fixed address parts */
	unsigned off4;     /* where an IPv4 frame starts in the buffer: 0, or 20 with v6 (payload at 62) */
	unsigned nq;
	uint32_t sessions;
	uint16_t port[2];
	struct rte_ring *rx[2][MAXQ], *tx[2][MAXQ];
	struct genq g[2][MAXQ];
	struct flow *lists[MAXQ];
	uint32_t nlist[MAXQ];
	uint8_t payload[1400];
	uint16_t plen;
	uint32_t pay_sum;  /* payload words (SRT socket field as zero) + pseudo-header proto and lengths */
	uint32_t ip_sum;   /* IPv4 header words except the addresses and the checksum */
	uint8_t (*stun_pl)[128]; /* stun-setup: each session's own request (its ICE username), and its words' sum */
	uint32_t *stun_sum;
	uint8_t hdr[42];   /* template: Ethernet, IPv4, UDP without addresses, ports and checksums */
	struct mp_dp dp;
	struct mp_lb *lb;
	_Atomic int phase;
	struct thr thr[RTE_MAX_LCORE];
	uint64_t hz;
	uint64_t cg_pkts;  /* under callgrind: frames forwarded while mediaplane's turns were instrumented */
} B;

static void die(const char *m)
{
	fprintf(stderr, "bench_fwd: %s\n", m);
	exit(1);
}

static void client_of(uint32_t i, uint32_t *ip, uint16_t *port)
{
	*ip = CLIENT_BASE + (i & 0xffff);
	*port = (uint16_t)(20000 + (i >> 16));
}

/* v6: client i is 2001:db8:1::<i + 1> */
static void client6_of(uint32_t i, uint8_t a[16])
{
	static const uint8_t pfx[12] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 };

	memcpy(a, pfx, 12);
	mp_wr32(a + 12, i + 1);
}

static uint32_t origin_of(uint32_t i)
{
	return B.o6 ? B.o6_standin[i % N_ORIGINS] : ORIGIN_BASE + i % N_ORIGINS;
}

/* o6: origin o is 2001:db8:2::<0x100 + o>; as a flow's source its index is 0xff + o (gen_fill6 adds 1) */
static void origin6_of(uint32_t o, uint8_t a[16])
{
	memcpy(a, US6, 12);
	mp_wr32(a + 12, 0x100 + o);
}
#define O6_SIP(o) (0xffu + (o))

static uint16_t svc_port(void)
{
	return B.srt ? SRT_PORT : WEBRTC_PORT;
}

/* ---- the generator ---- */

static void make_templates(void)
{
	struct mp_test_udp u = { .src_ip = 0, .dst_ip = 0, .ttl = 64 };
	uint8_t f[1500];

	memset(B.payload, 0, sizeof(B.payload));
	if (B.stun) { /* per session: a Binding request as a browser's ICE agent sends it, signed with the ice-pwd */
		struct mp_stun_hmac *hm = mp_stun_hmac_new();

		B.stun_pl = calloc(B.sessions, sizeof(*B.stun_pl));
		B.stun_sum = calloc(B.sessions, sizeof(*B.stun_sum));
		if (!hm || !B.stun_pl || !B.stun_sum)
			die("no memory");
		for (uint32_t i = 0; i < B.sessions; i++) {
			uint8_t *p = B.stun_pl[i];
			char user[32];
			size_t n;

			snprintf(user, sizeof(user), ICE_USER_FMT, i, ~i);
			n = mp_test_stun_binding(p, user, true, 0x4d50 + i);
			p[n] = 0x00; /* MESSAGE-INTEGRITY */
			p[n + 1] = 0x08;
			p[n + 3] = MP_STUN_INTEGRITY_LEN;
			mp_wr16(p + 2, (uint16_t)(n + 24 - 20));
			if (n + 24 > sizeof(*B.stun_pl) ||
			    mp_stun_integrity_compute(hm, p, n, (const uint8_t *)ICE_PWD, strlen(ICE_PWD), p + n + 4) != MP_OK)
				die("cannot sign the STUN request");
			B.plen = (uint16_t)(n + 24); /* the same for every session */
			B.stun_sum[i] = 0;
			for (unsigned k = 0; k + 1 < B.plen; k += 2)
				B.stun_sum[i] += mp_rd16(p + k);
		}
		mp_stun_hmac_free(hm);
		memcpy(B.payload, B.stun_pl[0], B.plen);
	} else if (B.srt) {
		B.plen = 16 + 1316; /* a data packet: sequence number (bit 0 clear), message number, time, socket */
		B.payload[3] = 1;
		B.payload[4] = 0xe0;
		for (unsigned i = 16; i < B.plen; i++)
			B.payload[i] = (uint8_t)(0x47 + i); /* MPEG-TS-ish, any bytes do */
	} else {
		B.plen = 1200; /* an SRTP video packet: RTP version 2, payload type 96 */
		B.payload[0] = 0x80;
		B.payload[1] = 0x60;
		for (unsigned i = 12; i < B.plen; i++)
			B.payload[i] = (uint8_t)(i * 7);
	}
	memcpy(u.src_mac, GW_MAC, 6);
	rte_eth_macaddr_get(B.port[P_MP], (struct rte_ether_addr *)u.dst_mac);
	mp_test_udp_frame(f, &u, B.payload, B.plen);
	memcpy(B.hdr, f, 42);
	mp_wr16(B.hdr + 24, 0); /* IPv4 checksum */
	mp_wr16(B.hdr + 40, 0); /* UDP checksum */
	B.ip_sum = 0;
	for (unsigned i = 0; i < 20; i += 2)
		B.ip_sum += mp_rd16(B.hdr + 14 + i);
	if (B.v6 || B.o6) {
		uint8_t c6[16];

		memcpy(B.hdr6, B.hdr, 12);
		mp_wr16(B.hdr6 + 12, 0x86dd);
		if (B.o6) {
			origin6_of(0, c6);
			memcpy(B.hdr6 + 6, ORIGIN_MAC, 6);
		} else {
			client6_of(0, c6);
		}
		mp_ip6_write_header(B.hdr6 + 14, (uint16_t)(8 + B.plen), MP_IPPROTO_UDP, 64, c6, US6);
		mp_wr16(B.hdr6 + 54 + 4, (uint16_t)(8 + B.plen));
		B.sum6 = 0;
		for (unsigned i = 0; i < 12; i += 2)
			B.sum6 += mp_rd16(c6 + i);
		for (unsigned i = 0; i < 16; i += 2)
			B.sum6 += mp_rd16(US6 + i);
		B.off4 = 20;
	}
	B.pay_sum = 17u + 2u * (8u + B.plen); /* pseudo-header protocol and length, UDP length */
	for (unsigned i = 0; i + 1 < B.plen; i += 2)
		B.pay_sum += mp_rd16(B.payload + i);
	if (B.plen & 1)
		B.pay_sum += (uint32_t)B.payload[B.plen - 1] << 8;
}

static inline uint16_t fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* v6: a client -> origin packet (client index fl->sip) into m; its payload is at 62. */
static inline void gen_fill6(struct rte_mbuf *m, const struct flow *fl)
{
	uint8_t *p = (uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM;
	uint32_t id = fl->sip + 1;
	uint32_t us = B.pay_sum + B.sum6 + (id >> 16) + (id & 0xffff) + fl->sport + fl->dport;
	uint16_t c;

	memcpy(p, B.hdr6, 62);
	mp_wr32(p + 14 + 8 + 12, id);
	mp_wr16(p + 54, fl->sport);
	mp_wr16(p + 56, fl->dport);
	if (B.srt) {
		mp_wr32(p + 62 + 12, fl->sock);
		us += (fl->sock >> 16) + (fl->sock & 0xffff);
	}
	c = (uint16_t)~fold(us);
	mp_wr16(p + 60, c ? c : 0xffff);
	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->data_len = (uint16_t)(62 + B.plen);
	m->pkt_len = 62u + B.plen;
	m->ol_flags = 0;
}

/* Write packet fl into m (headers; the payload is already there). */
static inline void gen_fill(struct rte_mbuf *m, const struct flow *fl)
{
	uint8_t *p = (uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM + B.off4;
	uint32_t a = (fl->sip >> 16) + (fl->sip & 0xffff) + (fl->dip >> 16) + (fl->dip & 0xffff);
	uint32_t us = B.pay_sum + a + fl->sport + fl->dport;
	uint16_t c;

	memcpy(p, B.hdr, 42);
	mp_wr32(p + 26, fl->sip);
	mp_wr32(p + 30, fl->dip);
	mp_wr16(p + 24, (uint16_t)~fold(B.ip_sum + a));
	mp_wr16(p + 34, fl->sport);
	mp_wr16(p + 36, fl->dport);
	if (B.srt) {
		mp_wr32(p + 42 + 12, fl->sock);
		us += (fl->sock >> 16) + (fl->sock & 0xffff);
	} else if (B.stun) { /* sock: the session */
		memcpy(p + 42, B.stun_pl[fl->sock], B.plen);
		us += B.stun_sum[fl->sock] - B.pay_sum + 17u + 2u * (8u + B.plen);
	}
	c = (uint16_t)~fold(us);
	mp_wr16(p + 40, c ? c : 0xffff);
	m->data_off = (uint16_t)(RTE_PKTMBUF_HEADROOM + B.off4);
	m->data_len = (uint16_t)(42 + B.plen);
	m->pkt_len = 42u + B.plen;
	m->ol_flags = 0;
}

/* One generator turn on a queue: take back what the port sent (or dropped-and-freed mbufs from the pool),
 * rewrite, feed the RX ring. */
static inline void gen_turn(struct genq *g)
{
	/* Up to two bursts back: with 2 workers a worker sends its own burst and the frames handed to it
	 * in one turn, and a TX ring drained slower than that fills and drops (tx_full). */
	struct rte_mbuf *b[2 * GEN_BURST];
	unsigned k = rte_ring_dequeue_burst(g->tx, (void **)b, 2 * GEN_BURST, NULL);
	unsigned fresh = 0, sent;

	if (k < GEN_BURST) {
		unsigned want = GEN_BURST - k, avail = rte_mempool_avail_count(g->pool);

		if (want > avail)
			want = avail;
		if (want && rte_pktmbuf_alloc_bulk(g->pool, b + k, want) == 0) {
			fresh = want;
			for (unsigned i = k; i < k + fresh; i++)
				memcpy((uint8_t *)b[i]->buf_addr + RTE_PKTMBUF_HEADROOM + B.off4 + 42, B.payload, B.plen);
		}
	}
	k += fresh;
	if (!k)
		return;
	for (unsigned i = 0; i < k; i++)
		rte_prefetch0((uint8_t *)b[i]->buf_addr + RTE_PKTMBUF_HEADROOM);
	for (unsigned i = 0; i < k; i++) {
		if (g->fl[g->pos].v6)
			gen_fill6(b[i], &g->fl[g->pos]);
		else
			gen_fill(b[i], &g->fl[g->pos]);
		if (++g->pos == g->nfl)
			g->pos = 0;
	}
	sent = rte_ring_enqueue_burst(g->rx, (void **)b, k, NULL);
	if (sent < k)
		rte_pktmbuf_free_bulk(b + sent, k - sent);
}

/* ---- lcores ---- */

static inline uint16_t macswap_burst(uint16_t port, uint16_t q)
{
	struct rte_mbuf *b[MP_BURST];
	uint16_t n = rte_eth_rx_burst(port, q, b, MP_BURST), sent;

	if (!n)
		return 0;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_ether_hdr *e = rte_pktmbuf_mtod(b[i], struct rte_ether_hdr *);
		struct rte_ether_addr t = e->dst_addr;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(b[i + 1], void *));
		e->dst_addr = e->src_addr;
		e->src_addr = t;
	}
	sent = rte_eth_tx_burst(port, q, b, n);
	if (sent < n)
		rte_pktmbuf_free_bulk(b + sent, (unsigned)(n - sent));
	return n;
}

static int lcore_main(void *arg)
{
	struct thr *t = arg;
	struct mp_dp_worker *w = t->gen ? NULL : &B.dp.workers[t->q];

	if (pthread_getcpuclockid(pthread_self(), &t->cpu) == 0)
		atomic_store(&t->has_cpu, true);
	for (;;) {
		int ph = atomic_load_explicit(&B.phase, memory_order_relaxed);
		enum prog pr = ph == PH_MP ? P_MP : P_REF;
		uint64_t t0, t1;
		unsigned n;

		if (ph == PH_QUIT)
			return 0;
		if (ph == PH_IDLE) {
			rte_pause();
			continue;
		}
		if (t->gen) {
			for (unsigned q = 0; q < B.nq; q++)
				gen_turn(&B.g[pr][q]);
			continue;
		}
		if (B.inline_gen) {
			t0 = rte_rdtsc();
			gen_turn(&B.g[pr][t->q]);
			atomic_fetch_add_explicit(&t->gen_cyc, rte_rdtsc() - t0, memory_order_relaxed);
		}
		t0 = rte_rdtsc();
		if (pr == P_MP)
			n = mp_dp_poll_once(w, mp_now_ms());
		else
			n = macswap_burst(B.port[P_REF], (uint16_t)t->q);
		t1 = rte_rdtsc();
		if (n) {
			atomic_store_explicit(&t->busy, atomic_load_explicit(&t->busy, memory_order_relaxed) + (t1 - t0),
					      memory_order_relaxed);
			atomic_store_explicit(&t->pkts, atomic_load_explicit(&t->pkts, memory_order_relaxed) + n,
					      memory_order_relaxed);
		}
	}
}

/* ---- setup ---- */

static uint16_t ring_port(const char *name, unsigned which)
{
	char n[64];
	int id;

	for (unsigned q = 0; q < B.nq; q++) {
		snprintf(n, sizeof(n), "bf_rx%u_%u", which, q);
		B.rx[which][q] = rte_ring_create(n, RING_SIZE, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(n, sizeof(n), "bf_tx%u_%u", which, q);
		B.tx[which][q] = rte_ring_create(n, RING_SIZE, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!B.rx[which][q] || !B.tx[which][q])
			die("no ring");
		snprintf(n, sizeof(n), "bf_pool%u_%u", which, q);
		B.g[which][q].pool = rte_pktmbuf_pool_create(n, INFLIGHT, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
							     (int)rte_socket_id());
		if (!B.g[which][q].pool)
			die("no generator pool (give EAL more memory: -m)");
		B.g[which][q].rx = B.rx[which][q];
		B.g[which][q].tx = B.tx[which][q];
	}
	id = rte_eth_from_rings(name, B.rx[which], B.nq, B.tx[which], B.nq, (unsigned)rte_socket_id());
	if (id < 0)
		die("no ring port");
	return (uint16_t)id;
}

static void start_ref_port(void)
{
	struct rte_eth_conf conf;
	uint16_t p = B.port[P_REF];

	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(p, (uint16_t)B.nq, (uint16_t)B.nq, &conf) != 0)
		die("reference port configure");
	for (unsigned q = 0; q < B.nq; q++)
		if (rte_eth_rx_queue_setup(p, (uint16_t)q, RING_SIZE, (unsigned)rte_socket_id(), NULL, B.g[P_REF][q].pool) ||
		    rte_eth_tx_queue_setup(p, (uint16_t)q, RING_SIZE, (unsigned)rte_socket_id(), NULL))
			die("reference port queues");
	if (rte_eth_dev_start(p) != 0)
		die("reference port start");
}

/* The Toeplitz key most NICs ship as default (Microsoft's RSS verification key). */
static const uint8_t RSS_KEY[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3e, 0xbe, 0xad, 0xfa, 0x01,
};

/* The queue a NIC's RSS puts packet fl on (v6: the client's index stands for its address). */
static unsigned rss_queue(const struct flow *fl)
{
	uint32_t t[3] = { fl->sip, fl->dip, (uint32_t)fl->sport << 16 | fl->dport };

	return B.nq > 1 ? rte_softrss(t, 3, RSS_KEY) % B.nq : 0;
}

/* Sessions in lb: with NAT ports if all fit, else (said) without. Returns whether the return path exists. */
static bool make_sessions(void)
{
	struct mp_lb_config lc;

	for (int nat = 1; nat >= 0; nat--) {
		uint64_t now = mp_now_ms();
		uint32_t i;
		int rc = MP_OK;

		mp_lb_config_default(&lc);
		lc.max_sessions = B.sessions < 1024 ? 1024 : B.sessions;
		lc.max_readers = MP_DP_READER_FIRST + B.nq;
		lc.webrtc_idle_ms = lc.srt_idle_ms = 3600 * 1000; /* nothing expires during the run */
		lc.nat_port_min = nat ? NAT_MIN : 0;
		lc.nat_port_max = nat ? NAT_MAX : 0;
		lc.nat_quiet_ms = 0;
		if (B.stun && lc.max_webrtc < B.sessions)
			lc.max_webrtc = B.sessions;
		B.lb = mp_lb_create(&lc);
		if (!B.lb || mp_lb_reader_register(B.lb, 0) != MP_OK)
			die("no balancer");
		/* One NAT slice per worker, as the data plane cuts them (dp_handoff.c; it cannot once sessions
		 * exist): each session's port comes from the slice of the worker its client's frames reach by
		 * RSS, the worker that would have created it from the client's first datagram. */
		if (nat && B.nq > 1 && mp_lb_set_nat_slices(B.lb, B.nq) != MP_OK)
			die("cannot cut the NAT range into one slice per worker");
		for (uint32_t o = 0; B.o6 && o < N_ORIGINS; o++) { /* IPv6 origins: lb gives each a stand-in */
			struct mp_registration r = { .ip_v6 = 1 };
			const struct mp_lb_origin *org;
			uint16_t port;
			int id;

			snprintf(r.server, sizeof(r.server), "o6-%u", o);
			snprintf(r.service, sizeof(r.service), "bench");
			snprintf(r.pid, sizeof(r.pid), "1");
			origin6_of(o, r.ip6);
			r.n_ep[MP_PROTO_SRT] = r.n_ep[MP_PROTO_RTC] = 1;
			r.ep[MP_PROTO_SRT][0].port = SRT_PORT;
			r.ep[MP_PROTO_RTC][0].port = WEBRTC_PORT;
			id = mp_lb_origin_update(B.lb, &r, now);
			org = id >= 0 ? mp_lb_origin_get(B.lb, (uint32_t)id) : NULL;
			if (!org || mp_lb_origin_endpoint(org, B.srt ? MP_PROTO_SRT : MP_PROTO_RTC, 0, &B.o6_standin[o], &port) !=
					    MP_OK)
				die("o6: an IPv6 origin got no stand-in");
		}
		if (!B.srt)
			mp_lb_webrtc_store(B.lb, ICE_USER, ICE_PWD, "__defaultVhost__/live/livestream", 0, origin_of(0),
					   WEBRTC_PORT, now);
		if (B.stun) { /* the data plane makes the sessions, from these usernames */
			for (i = 0; i < B.sessions; i++) {
				char user[32];

				snprintf(user, sizeof(user), ICE_USER_FMT, i, ~i);
				if (mp_lb_webrtc_store(B.lb, user, ICE_PWD, "__defaultVhost__/live/livestream", 0,
						       origin_of(i), WEBRTC_PORT, now) != MP_OK)
					die("cannot store the ICE usernames (max_webrtc)");
			}
			return false;
		}
		for (i = 0; i < B.sessions; i++) {
			struct mp_lb_session_params p = {
				.origin_ipv4 = origin_of(i), .origin_port = svc_port(), .state = MP_LB_SESS_ACTIVE,
				.kind = B.srt ? MP_LB_SESS_SRT : MP_LB_SESS_WEBRTC,
				.username = ICE_USER, .srt_client_sock = SRT_CLIENT_SOCK + i,
			};
			struct mp_lb_session *s;
			uint32_t ip;
			uint16_t port;

			client_of(i, &ip, &port);
			{
				struct flow c2o = { .sip = B.v6 ? i : ip, .dip = US, .sport = port, .dport = svc_port() };

				p.nat_slice = (uint16_t)rss_queue(&c2o);
			}
			if (B.v6) { /* the stand-in the data plane gives this IPv6 client */
				uint8_t c6[16];

				client6_of(i, c6);
				ip = mp_dp_v6c_alias(&B.dp, c6, now);
				if (!ip)
					die("v6: the IPv6 client table is full");
			}
			mp_lb_tuple_set(&p.tuple, ip, port, US, svc_port(), IPPROTO_UDP);
			rc = mp_lb_session_create(B.lb, &p, now, &s);
			if (rc == MP_OK && B.srt)
				rc = mp_lb_session_srt_bind(B.lb, s, SRT_ORIGIN_SOCK + i, SRT_ORIGIN_SOCK + i);
			if (rc != MP_OK)
				break;
			if ((i & 1023) == 1023)
				mp_lb_quiescent(B.lb, 0);
		}
		if (i == B.sessions)
			return nat;
		if (!nat || rc != MP_ERR_FULL) {
			fprintf(stderr, "bench_fwd: session %u not created: %s\n", i, mp_strerror(rc));
			exit(1);
		}
		printf("return path: NOT MEASURED - lb gave NAT ports to %u sessions, then refused (%s): the NAT range "
		       "%u-%u on one address caps live sessions with return traffic at %u; measuring client -> origin "
		       "only, NAT ports off\n", i, mp_strerror(rc), NAT_MIN, NAT_MAX, NAT_MAX - NAT_MIN + 1);
		mp_lb_reader_unregister(B.lb, 0);
		mp_lb_destroy(B.lb);
	}
	return false;
}

/* Send every session's client -> origin datagram through worker 0 on this thread and note the source
 * address and port it left from (the NAT side the origin answers to). */
/* One turn of every worker, on this thread (driven). */
static unsigned poll_all(void)
{
	unsigned n = 0;

	for (unsigned q = 0; q < B.dp.n_workers; q++)
		n += mp_dp_poll_once(&B.dp.workers[q], mp_now_ms());
	return n;
}

static void learn_nat(uint32_t *nat_ip, uint16_t *nat_port)
{
	uint32_t learned = 0;

	for (uint32_t base = 0; base < B.sessions; base += 512) {
		uint32_t end = base + 512 < B.sessions ? base + 512 : B.sessions;

		for (uint32_t i = base; i < end; i++) {
			struct flow fl = { .dip = US, .dport = svc_port(), .sock = SRT_ORIGIN_SOCK + i, .v6 = B.v6 };
			struct genq *g;
			struct rte_mbuf *m;

			client_of(i, &fl.sip, &fl.sport);
			if (B.v6)
				fl.sip = i;
			g = &B.g[P_MP][rss_queue(&fl)]; /* to the worker that owns the session (its NAT slice) */
			m = rte_pktmbuf_alloc(g->pool);
			if (!m)
				die("learn: pool empty");
			memcpy((uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM + B.off4 + 42, B.payload, B.plen);
			if (!B.srt) /* the session as RTP SSRC, to know the packet again */
				mp_wr32((uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM + B.off4 + 42 + 8, i);
			if (fl.v6)
				gen_fill6(m, &fl);
			else
				gen_fill(m, &fl);
			while (rte_ring_enqueue(g->rx, m) != 0)
				poll_all();
		}
		for (int idle = 0; idle < 3;) {
			struct rte_mbuf *b[64];
			unsigned n;

			idle = poll_all() ? 0 : idle + 1;
			for (unsigned q = 0; q < B.nq; q++)
				while ((n = rte_ring_dequeue_burst(B.g[P_MP][q].tx, (void **)b, 64, NULL)) > 0)
					for (unsigned k = 0; k < n; k++) {
						const uint8_t *f = rte_pktmbuf_mtod(b[k], const uint8_t *);

						if (B.o6 && rte_pktmbuf_data_len(b[k]) >= 62u + 16 && mp_rd16(f + 12) == 0x86dd &&
						    f[20] == 17) {
							/* to an IPv6 origin: from our IPv6 address and the NAT port */
							uint32_t i = B.srt ? mp_rd32(f + 62 + 12) - SRT_ORIGIN_SOCK
									   : mp_rd32(f + 62 + 8);
							uint8_t o6[16];

							if (i < B.sessions) {
								origin6_of(i % N_ORIGINS, o6);
								if (!memcmp(f + 38, o6, 16)) {
									learned += nat_port[i] == 0;
									nat_ip[i] = US;
									nat_port[i] = mp_rd16(f + 54);
								}
							}
						}
						if (rte_pktmbuf_data_len(b[k]) >= 42u + 16 && mp_rd16(f + 12) == 0x0800 &&
						    f[23] == 17) {
							uint32_t i = B.srt ? mp_rd32(f + 42 + 12) - SRT_ORIGIN_SOCK
									   : mp_rd32(f + 42 + 8);

							if (i < B.sessions && mp_rd32(f + 30) == origin_of(i)) {
								learned += nat_port[i] == 0;
								nat_ip[i] = mp_rd32(f + 26);
								nat_port[i] = mp_rd16(f + 34);
							}
						}
						rte_pktmbuf_free(b[k]);
					}
		}
		mp_lb_quiescent(B.lb, 0);
	}
	if (learned != B.sessions) {
		struct mp_dp_stats s;

		mp_dp_stats_sum(&B.dp, &s);
		fprintf(stderr, "bench_fwd: only %u of %u sessions forwarded client -> origin (drops %" PRIu64 ")\n", learned,
			B.sessions, mp_dp_stats_drops(&s));
		for (int k = 0; k < MP_DROP__COUNT; k++)
			if (s.drops[k])
				fprintf(stderr, "  %s %" PRIu64 "\n", mp_dp_drop_name((enum mp_dp_drop)k), s.drops[k]);
		exit(1);
	}
}

/* Every session's packets (both directions when the return path exists) in a scattered order, split over
 * the queues by RSS. */
static void make_lists(const uint32_t *nat_ip, const uint16_t *nat_port)
{
	uint64_t m = (uint64_t)B.sessions * (B.both ? 2 : 1), step = 1000003, x = 0;

	for (unsigned q = 0; q < B.nq; q++) {
		B.lists[q] = malloc(sizeof(struct flow) * m);
		if (!B.lists[q])
			die("no memory for the packet lists");
		B.nlist[q] = 0;
	}
	while (step % 2 == 0 || step % 5 == 0 || m % step == 0) /* coprime to m (m = 10^k or 2 x 10^k here) */
		step += 2;
	for (uint64_t k = 0; k < m; k++) {
		uint32_t i = (uint32_t)(B.both ? x >> 1 : x), q = 0;
		struct flow fl;

		fl.v6 = false;
		if (!B.both || !(x & 1)) { /* client -> origin */
			client_of(i, &fl.sip, &fl.sport);
			fl.dip = US;
			fl.dport = svc_port();
			fl.sock = B.stun ? i : SRT_ORIGIN_SOCK + i;
			if (B.v6) {
				fl.sip = i;
				fl.v6 = true;
			}
		} else { /* origin -> client, to the NAT side */
			fl.sip = origin_of(i);
			fl.sport = svc_port();
			fl.dip = nat_ip[i];
			fl.dport = nat_port[i];
			fl.sock = SRT_CLIENT_SOCK + i;
			if (B.o6) {
				fl.sip = O6_SIP(i % N_ORIGINS);
				fl.v6 = true;
			}
		}
		q = rss_queue(&fl);
		B.lists[q][B.nlist[q]++] = fl;
		x = (x + step) % m;
	}
	for (unsigned p = 0; p < 2; p++)
		for (unsigned q = 0; q < B.nq; q++) {
			B.g[p][q].fl = B.lists[q];
			B.g[p][q].nfl = B.nlist[q];
			B.g[p][q].pos = 0;
		}
}

/* ---- measurement ---- */

struct fig {
	double mpps, cyc, wcyc, idle; /* best window: Mpps, cycles per packet in turns and of wall time per worker,
				       * share of worker time neither in turns with frames nor generating */
	double ccyc;                  /* least CPU time of the worker threads per frame, in TSC cycles (0: unknown) */
	uint64_t drops, misses;
};

/* CPU time (ns) the worker threads have run: what the scheduler gave them, whatever else the machine did;
 * 0 when a thread's clock is unknown. */
static uint64_t worker_cpu_ns(void)
{
	uint64_t ns = 0;
	unsigned lc;

	RTE_LCORE_FOREACH_WORKER(lc) {
		struct timespec ts;

		if (!B.thr[lc].worker)
			continue;
		if (!atomic_load(&B.thr[lc].has_cpu) || clock_gettime(B.thr[lc].cpu, &ts) != 0)
			return 0;
		ns += (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	}
	return ns;
}

static void snap(uint64_t *busy, uint64_t *pkts, uint64_t *gen, uint64_t *fwd, struct mp_dp_stats *st, enum prog pr)
{
	unsigned lc;

	*busy = *pkts = *gen = 0;
	RTE_LCORE_FOREACH_WORKER(lc) {
		if (B.thr[lc].gen)
			continue;
		*busy += atomic_load_explicit(&B.thr[lc].busy, memory_order_relaxed);
		*pkts += atomic_load_explicit(&B.thr[lc].pkts, memory_order_relaxed);
		*gen += atomic_load_explicit(&B.thr[lc].gen_cyc, memory_order_relaxed);
	}
	if (pr == P_MP) {
		mp_dp_stats_sum(&B.dp, st);
		*fwd = st->tx_packets;
	} else {
		struct rte_eth_stats es;

		rte_eth_stats_get(B.port[P_REF], &es);
		*fwd = es.opackets;
	}
}

static void measure(enum prog pr, unsigned secs, struct fig *best)
{
	atomic_store(&B.phase, pr == P_MP ? PH_MP : PH_REF);
	usleep(300000);
	for (unsigned k = 0; k < secs; k++) {
		uint64_t b0, p0, g0, f0, b1, p1, g1, f1, t0, t1, c0, c1;
		struct mp_dp_stats s0, s1;
		double win, mpps;

		memset(&s0, 0, sizeof(s0));
		memset(&s1, 0, sizeof(s1));
		if (pr == P_MP && RUNNING_ON_VALGRIND) /* bench/run --instr: the turns of this window only */
			CALLGRIND_START_INSTRUMENTATION;
		snap(&b0, &p0, &g0, &f0, &s0, pr);
		c0 = worker_cpu_ns();
		t0 = rte_rdtsc();
		usleep(1000000);
		snap(&b1, &p1, &g1, &f1, &s1, pr);
		c1 = worker_cpu_ns();
		t1 = rte_rdtsc();
		if (pr == P_MP && RUNNING_ON_VALGRIND) {
			CALLGRIND_STOP_INSTRUMENTATION;
			B.cg_pkts += f1 - f0;
		}
		if (c0 && c1 > c0 && f1 > f0) {
			double cc = (double)(c1 - c0) * (double)B.hz / 1e9 / (double)(f1 - f0);

			if (!best->ccyc || cc < best->ccyc)
				best->ccyc = cc;
		}
		win = (double)(t1 - t0);
		mpps = (double)(f1 - f0) / (win / (double)B.hz) / 1e6;
		if (mpps > best->mpps) {
			best->mpps = mpps;
			best->cyc = p1 > p0 ? (double)(b1 - b0) / (double)(p1 - p0) : 0;
			best->wcyc = f1 > f0 ? win * B.dp.n_workers / (double)(f1 - f0) : 0;
			best->idle = 1.0 - (double)((b1 - b0) + (g1 - g0)) / (win * B.dp.n_workers);
			best->drops = mp_dp_stats_drops(&s1) - mp_dp_stats_drops(&s0);
			best->misses = s1.lookup_misses - s0.lookup_misses;
		}
	}
	atomic_store(&B.phase, PH_IDLE);
	usleep(20000);
}

/* Sessions started by STUN from new addresses, then the same requests as consent checks (the reference). */
static void stun_setup(unsigned secs)
{
	struct mp_dp_stats s0, s1;
	struct fig fwd = { 0 };
	uint64_t b0, p0, g0, f0, b1, p1, g1, f1, t0, t1, deadline;
	uint64_t created;

	memset(&s0, 0, sizeof(s0));
	memset(&s1, 0, sizeof(s1));
	snap(&b0, &p0, &g0, &f0, &s0, P_MP);
	t0 = rte_rdtsc();
	deadline = t0 + 30 * B.hz;
	atomic_store(&B.phase, PH_MP);
	do {
		rte_delay_us_sleep(200);
		mp_dp_stats_sum(&B.dp, &s1);
	} while (s1.sessions_created - s0.sessions_created < B.sessions && rte_rdtsc() < deadline);
	t1 = rte_rdtsc();
	snap(&b1, &p1, &g1, &f1, &s1, P_MP);
	atomic_store(&B.phase, PH_IDLE);
	created = s1.sessions_created - s0.sessions_created;
	if (created < B.sessions) {
		fprintf(stderr, "bench_fwd: only %" PRIu64 " of %u sessions started in 30 s (drops %" PRIu64 ")\n", created,
			B.sessions, mp_dp_stats_drops(&s1));
		for (int k = 0; k < MP_DROP__COUNT; k++)
			if (s1.drops[k])
				fprintf(stderr, "  %s %" PRIu64 "\n", mp_dp_drop_name((enum mp_dp_drop)k), s1.drops[k]);
		exit(1);
	}
	double rate = (double)created / ((double)(t1 - t0) / (double)B.hz);
	double cyc = (double)(b1 - b0) / (double)created; /* every frame until then started a session, or nearly */

	usleep(20000);
	for (int round = 0; round < 2; round++)
		measure(P_MP, secs, &fwd);
	printf("STUN session setup: %" PRIu64 " sessions from new addresses in %.3f s: %.0f per second, %.0f worker "
	       "cycles per setup (HMAC-SHA1 check, session, NAT port), 1 worker\n",
	       created, (double)(t1 - t0) / (double)B.hz, rate, cyc);
	printf("reference: the same requests as consent checks of the sessions they made: %.3f Mpps, %.0f cycles/packet, "
	       "drops %" PRIu64 "\n", fwd.mpps, fwd.cyc, fwd.drops);
	printf("bench stun-setup: %.0f sessions/s = %.4f x consent-check forwarding (%.0f packets/s) | %.0f cyc/setup\n",
	       rate, fwd.mpps > 0 ? rate / (fwd.mpps * 1e6) : 0.0, fwd.mpps * 1e6, cyc);
}

static const char *size_name(uint32_t n, char *buf, size_t cap)
{
	if (n >= 1000000 && n % 1000000 == 0)
		snprintf(buf, cap, "%um", n / 1000000);
	else if (n >= 1000 && n % 1000 == 0)
		snprintf(buf, cap, "%uk", n / 1000);
	else
		snprintf(buf, cap, "%u", n);
	return buf;
}

int main(int argc, char **argv)
{
	char prefix[64], lcores[64], err[256], sz[32], dir[512], cpu[96] = "";
	char *eal[64] = { argv[0], "--no-pci", "--lcores", lcores, "--log-level", "error", "--file-prefix", prefix };
	int neal = 8;
	unsigned secs, workers, lc;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint32_t *nat_ip;
	uint16_t *nat_port;
	struct mp_dp_conf c;
	struct fig mp = { 0 }, ref = { 0 };
	struct mp_lb_stats ls;
	double bps;

	if (argc < 5 || (strcmp(argv[1], "webrtc") && strcmp(argv[1], "srt") && strcmp(argv[1], "stun-setup"))) {
		fprintf(stderr, "usage: %s webrtc|srt|stun-setup SESSIONS WORKERS SECONDS [sep|inline] [-- EAL-ARGS...]\n",
			argv[0]);
		return 2;
	}
	B.srt = !strcmp(argv[1], "srt");
	B.stun = !strcmp(argv[1], "stun-setup");
	B.sessions = (uint32_t)strtoul(argv[2], NULL, 10);
	workers = (unsigned)strtoul(argv[3], NULL, 10);
	secs = (unsigned)strtoul(argv[4], NULL, 10);
	if (!B.sessions || workers < 1 || workers > MAXQ || !secs)
		die("sessions >= 1, workers 1 or 2, seconds >= 1");
	B.nq = workers;
	B.inline_gen = true;
	for (int i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "sep"))
			B.inline_gen = false;
		else if (!strcmp(argv[i], "inline"))
			B.inline_gen = true;
		else if (!strcmp(argv[i], "c2o"))
			B.c2o_only = true;
		else if (!strcmp(argv[i], "v6"))
			B.v6 = true;
		else if (!strcmp(argv[i], "o6"))
			B.o6 = true;
		else if (!strcmp(argv[i], "--"))
			for (i++; i < argc && neal < 60; i++)
				eal[neal++] = argv[i];
		else
			die("unknown argument");
	}
	if (neal == 8) { /* no memory options given: plain pages */
		static char *def[] = { "--no-huge", "-m", "2048", "--no-shconf" };

		for (unsigned i = 0; i < 4; i++)
			eal[neal++] = def[i];
	}
	if ((B.v6 || B.o6) && B.stun)
		die("v6 and o6 are for webrtc and srt forwarding");
	if (B.v6 && B.o6)
		die("v6 or o6, not both");
	if (!B.inline_gen && workers > 1)
		fprintf(stderr, "bench_fwd: warning: a separate generator with 2 workers needs 3 CPUs\n");
	/* lcore 1 on the second CPU, lcore 2 on the first (the generator, or the second worker); main sleeps. */
	snprintf(lcores, sizeof(lcores), "0@0,1@%d,2@0", ncpu > 1 ? 1 : 0);
	if (!B.inline_gen && workers == 1 && ncpu > 2) /* the generator on a CPU of its own */
		snprintf(lcores, sizeof(lcores), "0@0,1@1,2@2");
	snprintf(prefix, sizeof(prefix), "mpb-fwd-%d", (int)getpid());
	if (rte_eal_init(neal, eal) < 0)
		die("EAL init failed");
	mp_log_set_level(MP_LOG_WARN);
	B.hz = rte_get_tsc_hz();
	B.port[P_MP] = ring_port("bf_mp", P_MP);
	B.port[P_REF] = ring_port("bf_ref", P_REF);
	make_templates();

	memset(&c, 0, sizeof(c));
	snprintf(c.public_port, sizeof(c.public_port), "%u", B.port[P_MP]);
	c.public_ip = US;
	c.public_prefix = 16;
	c.public_gateway = GATEWAY;
	if (B.v6 || B.o6) {
		memcpy(c.public_ip6, US6, 16);
		memcpy(c.public_gateway6, GW6, 16);
		c.public_prefix6 = 64;
	}
	c.webrtc_port = WEBRTC_PORT;
	c.srt_port = SRT_PORT;
	c.nat_port_min = NAT_MIN;
	c.nat_port_max = NAT_MAX;
	c.workers = workers;
	c.mbufs = 2047; /* the data plane's own (ARP); the generator brings the traffic's */
	c.rx_desc = c.tx_desc = RING_SIZE;
	if (mp_dp_init(&B.dp, &c, err, sizeof(err)) != MP_OK)
		die(err);
	/* after the data plane: a v6 session's client is the stand-in its IPv6 client table gives */
	B.both = make_sessions() && !B.c2o_only;
	B.dp.lb = B.lb;
	if (B.v6)
		mp_nd_cache_learn(&B.dp.ports[0].nd, GW6, GW_MAC, mp_now_ms());
	mp_arp_cache_learn(&B.dp.ports[0].arp, GATEWAY, GW_MAC, mp_now_ms());
	for (uint32_t o = 0; o < N_ORIGINS; o++)
		mp_arp_cache_learn(&B.dp.ports[0].arp, ORIGIN_BASE + o, ORIGIN_MAC, mp_now_ms());
	for (uint32_t o = 0; B.o6 && o < N_ORIGINS; o++) {
		uint8_t o6[16];

		origin6_of(o, o6);
		mp_nd_cache_learn(&B.dp.ports[0].nd, o6, ORIGIN_MAC, mp_now_ms());
	}
	if (mp_dp_start_driven(&B.dp, err, sizeof(err)))
		die(err);
	start_ref_port();

	nat_ip = calloc(B.sessions, sizeof(*nat_ip));
	nat_port = calloc(B.sessions, sizeof(*nat_port));
	if (!nat_ip || !nat_port)
		die("no memory");
	if (!B.stun)
		learn_nat(nat_ip, nat_port);
	make_lists(nat_ip, nat_port);
	free(nat_ip);
	free(nat_port);
	mp_lb_reader_offline(B.lb, 0);

	RTE_LCORE_FOREACH_WORKER(lc) {
		unsigned idx = 0;

		for (unsigned i = 0; i < B.dp.n_workers; i++)
			if (B.dp.workers[i].lcore_id == lc)
				idx = i + 1;
		if (idx) {
			B.thr[lc].q = idx - 1;
			B.thr[lc].worker = true;
		} else if (!B.inline_gen) {
			B.thr[lc].gen = true;
		} else {
			continue;
		}
		if (rte_eal_remote_launch(lcore_main, &B.thr[lc], lc) != 0)
			die("cannot launch an lcore");
	}
	if (B.stun) {
		stun_setup(secs);
		goto out;
	}
	mp_lb_stats(B.lb, &ls);
	printf("%s forwarding%s: %u live sessions (lb holds %u), %s, %u worker(s), generator %s, %u+%u B frames, "
	       "%u packets per cycle over every session, %s, TSC %.2f GHz\n",
	       B.srt ? "SRT" : "WebRTC",
	       B.v6 ? " (IPv6 clients: 62 B headers client -> origin)" : B.o6 ? " (IPv6 origins: 62 B headers origin -> client)" : "",
	       B.sessions, ls.count[MP_LB_T_SESSIONS],
	       B.both ? "both directions (client -> origin, origin -> client)" : "client -> origin only", workers,
	       B.inline_gen ? "inline on each worker" : "on its own lcore", 42, B.plen,
	       B.nlist[0] + (B.nq > 1 ? B.nlist[1] : 0), rte_eal_has_hugepages() ? "hugepages" : "no hugepages (4 KiB pages)",
	       (double)B.hz / 1e9);
	for (int round = 0; round < 2; round++) {
		measure(P_REF, secs, &ref);
		measure(P_MP, secs, &mp);
	}
	fflush(stdout);
	bps = mp_lb_bytes_per_session(B.lb);
	printf("reference macswap on net_ring: %.3f Mpps, %.0f cycles/packet per worker core (the port's own cost: %s"
	       "ring RX + TX, the swap), %.0f in turns, workers idle %.0f%%\n", ref.mpps, ref.wcyc,
	       B.inline_gen ? "generator, " : "", ref.cyc, ref.idle * 100);
	printf("mediaplane: %.3f Mpps, %.0f cycles/packet per worker core, %.0f in turns, workers idle %.0f%%, drops %" PRIu64
	       ", lookup misses %" PRIu64 ", table %.0f B/session\n", mp.mpps, mp.wcyc, mp.cyc, mp.idle * 100, mp.drops,
	       mp.misses, bps);
	if (mp.drops) { /* why, over the whole run */
		struct mp_dp_stats st;

		mp_dp_stats_sum(&B.dp, &st);
		printf("drops over the run:");
		for (int k = 0; k < MP_DROP__COUNT; k++)
			if (st.drops[k])
				printf(" %s %" PRIu64, mp_dp_drop_name((enum mp_dp_drop)k), st.drops[k]);
		printf("\n");
	}
	if (!B.inline_gen && ref.idle > 0.1)
		printf("note: the reference waited on the generator %.0f%% of its time: its Mpps is the generator's "
		       "bound, the ratio flatters mediaplane; compare cycles/packet\n", ref.idle * 100);
	/* Hardware counters (instructions) are not available in every VM (this one's perf says <not supported>):
	 * the figure that least depends on other load here is the workers' own CPU time per frame (time the
	 * threads were descheduled left out), in TSC cycles; bench/run --instr counts instructions (callgrind). */
	if (ref.ccyc > 0 && mp.ccyc > 0)
		snprintf(cpu, sizeof(cpu), " | on-CPU %.0f cyc/pkt, own %.0f over the port's %.0f", mp.ccyc, mp.ccyc - ref.ccyc,
			 ref.ccyc);
	printf("on-CPU time of the worker threads per frame (least of the windows, TSC cycles): mediaplane %.0f, "
	       "reference %.0f%s\n", mp.ccyc, ref.ccyc, ref.ccyc > 0 && mp.ccyc > 0 ? "" : " (thread CPU clocks unknown)");
	if (RUNNING_ON_VALGRIND)
		printf("callgrind: %" PRIu64 " frames forwarded while mediaplane's turns were instrumented\n", B.cg_pkts);
	printf("bench %s%s-%s-%uw%s: %.3f Mpps = %.3f x macswap-ring (%.3f Mpps) | mediaplane %.0f cyc/pkt, own %.0f over "
	       "the port's %.0f | %s%s%s\n",
	       B.srt ? "srt" : "webrtc", B.v6 ? "6" : B.o6 ? "o6" : "", size_name(B.sessions, sz, sizeof(sz)), workers,
	       B.c2o_only ? "-c2o" : "", mp.mpps, ref.mpps > 0 ? mp.mpps / ref.mpps : 0.0, ref.mpps, mp.wcyc, mp.wcyc - ref.wcyc, ref.wcyc,
	       B.both ? "both directions" : B.c2o_only ? "client->origin only (asked)" : "client->origin only (no NAT ports for all)",
	       cpu, mp.drops ? " | DROPS" : "");
out:
	atomic_store(&B.phase, PH_QUIT);
	rte_eal_mp_wait_lcore();
	mp_dp_end_driven(&B.dp);
	mp_dp_stop(&B.dp);
	mp_lb_reader_unregister(B.lb, 0);
	mp_lb_destroy(B.lb);
	mp_runtime_dir_remember(dir, sizeof(dir));
	rte_eal_cleanup();
	mp_runtime_dir_remove(dir);
	return 0;
}
