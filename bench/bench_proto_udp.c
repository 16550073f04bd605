/* bench_proto_udp.c: ns per STUN USERNAME extraction and SRT classification on the real captures,
 * against a memcpy of the same bytes measured in the same run (best of 5). Usage: [rounds]. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "demux.h"
#include "srt.h"
#include "stun.h"
#include "test_data.h"

#define MAX_PKTS 512
#define BARRIER(p) __asm__ volatile("" : : "r"(p) : "memory")

struct pkt_set {
	const uint8_t *p[MAX_PKTS];
	size_t len[MAX_PKTS];
	size_t bytes;
	int n;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Payloads of a capture kept when keep() says so. The pcap stays open (its buffer is used). */
static void load(struct mp_pcap *pc, const char *name, struct pkt_set *s, int (*keep)(const uint8_t *, size_t))
{
	struct mp_pcap_frame f;

	memset(s, 0, sizeof(*s));
	mp_pcap_open(pc, name);
	while (mp_pcap_next(pc, &f) && s->n < MAX_PKTS) {
		if (f.ip_proto != 17 || !keep(f.payload, f.payload_len))
			continue;
		s->p[s->n] = f.payload;
		s->len[s->n] = f.payload_len;
		s->bytes += f.payload_len;
		s->n++;
	}
}

static int is_binding_request(const uint8_t *b, size_t n)
{
	return mp_demux_classify(b, n) == MP_DEMUX_STUN && n >= 2 && b[0] == 0 && b[1] == 1;
}

static int any(const uint8_t *b, size_t n)
{
	(void)b;
	return n > 0;
}

static double bench_memcpy(const struct pkt_set *s, long rounds)
{
	static uint8_t dst[2048];
	double t0 = now_ns();

	for (long r = 0; r < rounds; r++)
		for (int i = 0; i < s->n; i++) {
			memcpy(dst, s->p[i], s->len[i]);
			BARRIER(dst);
		}
	return (now_ns() - t0) / ((double)rounds * s->n);
}

static double bench_stun_username(const struct pkt_set *s, long rounds, unsigned long *sum)
{
	double t0 = now_ns();

	for (long r = 0; r < rounds; r++)
		for (int i = 0; i < s->n; i++) {
			const uint8_t *u;
			size_t ulen;
			struct mp_stun_ufrags uf;

			if (mp_stun_binding_username(s->p[i], s->len[i], &u, &ulen) == MP_OK &&
			    mp_stun_username_split(u, ulen, &uf) == MP_OK)
				*sum += uf.answer_len + uf.offer_len;
			BARRIER(s->p[i]);
		}
	return (now_ns() - t0) / ((double)rounds * s->n);
}

static double bench_stun_full(const struct pkt_set *s, long rounds, unsigned long *sum)
{
	double t0 = now_ns();

	for (long r = 0; r < rounds; r++)
		for (int i = 0; i < s->n; i++) {
			struct mp_stun_msg m;

			if (mp_stun_parse(s->p[i], s->len[i], &m) == MP_OK)
				*sum += m.n_attrs;
			BARRIER(s->p[i]);
		}
	return (now_ns() - t0) / ((double)rounds * s->n);
}

static double bench_srt_classify(const struct pkt_set *s, long rounds, unsigned long *sum)
{
	double t0 = now_ns();

	for (long r = 0; r < rounds; r++)
		for (int i = 0; i < s->n; i++) {
			struct mp_srt_pkt p;

			if (mp_srt_classify(s->p[i], s->len[i], &p) == MP_OK)
				*sum += p.dst_sockid + p.is_control + p.ctrl_type;
			BARRIER(s->p[i]);
		}
	return (now_ns() - t0) / ((double)rounds * s->n);
}

typedef double (*bench_fn)(const struct pkt_set *, long, unsigned long *);

/* The best of REPEATS runs: the machine is shared, the minimum is the least disturbed. */
#define REPEATS 5
static double best_of(bench_fn fn, const struct pkt_set *s, long rounds, unsigned long *sum)
{
	double best = 1e30;

	for (int i = 0; i < REPEATS; i++) {
		double ns = fn(s, rounds, sum);

		if (ns < best)
			best = ns;
	}
	return best;
}

static double memcpy_fn(const struct pkt_set *s, long rounds, unsigned long *sum)
{
	(void)sum;
	return bench_memcpy(s, rounds);
}

static void report(const char *what, double ns, double ref, const struct pkt_set *s)
{
	printf("%-34s %8.2f ns/packet   memcpy of the same bytes %6.2f ns   ratio %6.2f  (%d packets, %zu bytes avg)\n",
	       what, ns, ref, ns / ref, s->n, s->n ? s->bytes / (size_t)s->n : 0);
}

int main(int argc, char **argv)
{
	struct mp_pcap wpc, spc;
	struct pkt_set stun, srt;
	unsigned long sum = 0;
	long rounds = argc > 1 ? atol(argv[1]) : 200000;
	double ref, ns;

	if (!getenv("MP_TEST_DATA"))
		setenv("MP_TEST_DATA", MP_BENCH_DATA_DIR, 0);
	if (rounds <= 0)
		rounds = 200000;
	load(&wpc, "webrtc-aiortc-whip.pcap", &stun, is_binding_request);
	load(&spc, "srt-ffmpeg-publish.pcap", &srt, any);
	if (stun.n == 0 || srt.n == 0) {
		fprintf(stderr, "bench_proto_udp: no packets in the captures\n");
		return 1;
	}
	/* warm up caches and branch predictors once */
	(void)bench_stun_username(&stun, rounds / 10 + 1, &sum);
	(void)bench_srt_classify(&srt, rounds / 100 + 1, &sum);

	ref = best_of(memcpy_fn, &stun, rounds * 10, &sum);
	ns = best_of(bench_stun_username, &stun, rounds * 10, &sum);
	report("stun binding USERNAME + split", ns, ref, &stun);
	ns = best_of(bench_stun_full, &stun, rounds * 10, &sum);
	report("stun full parse", ns, ref, &stun);
	ref = best_of(memcpy_fn, &srt, rounds / 10 + 1, &sum);
	ns = best_of(bench_srt_classify, &srt, rounds / 10 + 1, &sum);
	report("srt classify + dst socket id", ns, ref, &srt);
	printf("(checksum %lu)\n", sum);
	ref = best_of(memcpy_fn, &stun, rounds * 10, &sum);
	ns = best_of(bench_stun_username, &stun, rounds * 10, &sum);
	printf("bench proto-udp: %.2f ns/packet = %.2f x memcpy of the same bytes (%.2f ns) | STUN USERNAME extraction\n",
	       ns, ns / ref, ref);
	mp_pcap_close(&wpc);
	mp_pcap_close(&spc);
	return 0;
}
