/* bench_lb.c: session 5-tuple lookup and insert speed of lb, against a plain rte_hash in the same run. */
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "lb.h"
#include "mp_log.h"

#define ROUNDS 8
#define PER_ROUND 500000u
#define LOOKUPS (ROUNDS * PER_ROUND)
#define BULK 32 /* a data-plane burst */

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void make_keys(struct mp_lb_tuple *keys, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		memset(&keys[i], 0, sizeof(keys[i]));
		keys[i].src_ip = 0x0b000000u + i; /* distinct; the CRC hash spreads them */
		keys[i].dst_ip = 0xc6120002u;
		keys[i].src_port = (uint16_t)(1024 + (i % 60000));
		keys[i].dst_port = 8000;
		keys[i].proto = IPPROTO_UDP;
	}
}

/* Lookup order: a random walk over the keys, so large tables miss the cache as real traffic does. */
static uint32_t *make_order(uint32_t n)
{
	uint32_t *ord = malloc(sizeof(uint32_t) * LOOKUPS);
	uint64_t s = 0x9e3779b97f4a7c15ull;
	for (uint32_t i = 0; i < LOOKUPS; i++)
		ord[i] = (uint32_t)(xorshift(&s) % n);
	return ord;
}

static double ns_per(uint64_t cycles, uint64_t ops)
{
	return (double)cycles * 1e9 / (double)rte_get_tsc_hz() / (double)ops;
}

struct result {
	double lb_ns, ref_ns;       /* lookup and read one field of the record found */
	double lb_bare, ref_bare;   /* lookup only */
	double inserts_per_s, ref_inserts_per_s;
	double lb_bulk, ref_bulk;   /* bursts of BULK lookups, records prefetched then read (the data plane's way) */
};

static int bench_size(uint32_t n, struct result *r)
{
	struct mp_lb_tuple *keys = malloc(sizeof(*keys) * n);
	uint32_t *ord = make_order(n);
	make_keys(keys, n);

	struct mp_lb_config c;
	mp_lb_config_default(&c);
	c.max_sessions = n;
	c.nat_port_min = 0; /* NAT ports would cap sessions at the port range */
	c.max_streams = 1024;
	c.max_webrtc = 1024;
	c.max_origins = 64;
	struct mp_lb *lb = mp_lb_create(&c);
	if (lb == NULL)
		return -1;
	mp_lb_reader_register(lb, 0);

	uint64_t t0 = rte_rdtsc();
	for (uint32_t i = 0; i < n; i++) {
		struct mp_lb_session_params p = {
			.tuple = keys[i], .origin_ipv4 = 0xc6120001, .origin_port = 8000,
			.kind = MP_LB_SESS_SRT, .state = MP_LB_SESS_ACTIVE,
		};
		struct mp_lb_session *s;
		if (mp_lb_session_create(lb, &p, 1, &s) != 0) {
			fprintf(stderr, "insert %u of %u refused\n", i, n);
			return -1;
		}
	}
	uint64_t t1 = rte_rdtsc();
	r->inserts_per_s = (double)n * (double)rte_get_tsc_hz() / (double)(t1 - t0);

	/* Reference: plain rte_hash, no RW_CONCURRENCY flags, same sizing, key, hash and data. */
	char name[32];
	snprintf(name, sizeof(name), "ref%u", n);
	struct rte_hash_parameters hp = {
		.name = name, .entries = n + n / 4 + 64, .key_len = sizeof(struct mp_lb_tuple),
		.hash_func = rte_hash_crc, .socket_id = SOCKET_ID_ANY, .extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct rte_hash *h = rte_hash_create(&hp);
	/* Data: records of the same size as lb's sessions, so reading one costs the same. */
	struct mp_lb_session *vals = rte_zmalloc(NULL, sizeof(*vals) * n, 64);
	if (h == NULL || vals == NULL)
		return -1;
	t0 = rte_rdtsc();
	for (uint32_t i = 0; i < n; i++) {
		vals[i].origin_port = 8000;
		if (rte_hash_add_key_data(h, &keys[i], &vals[i]) != 0)
			return -1;
	}
	t1 = rte_rdtsc();
	r->ref_inserts_per_s = (double)n * (double)rte_get_tsc_hz() / (double)(t1 - t0);

	/* The machine may be shared: alternate the four loops over several rounds, keep each one's
	 * best round (the run least disturbed by other processes). */
	uint64_t sum = 0;
	r->lb_bare = r->ref_bare = r->lb_ns = r->ref_ns = r->lb_bulk = r->ref_bulk = 1e30;
	for (int round = 0; round < ROUNDS; round++) {
		const uint32_t *o = ord + (size_t)round * PER_ROUND;
		double v;
		t0 = rte_rdtsc();
		for (uint32_t i = 0; i < PER_ROUND; i++) {
			struct mp_lb_session *s = mp_lb_session_find(lb, &keys[o[i]]);
			sum += (uintptr_t)s;
			if ((i & 1023) == 0)
				mp_lb_quiescent(lb, 0);
		}
		v = ns_per(rte_rdtsc() - t0, PER_ROUND);
		r->lb_bare = v < r->lb_bare ? v : r->lb_bare;
		t0 = rte_rdtsc();
		for (uint32_t i = 0; i < PER_ROUND; i++) {
			void *d;
			rte_hash_lookup_data(h, &keys[o[i]], &d);
			sum += (uintptr_t)d;
		}
		v = ns_per(rte_rdtsc() - t0, PER_ROUND);
		r->ref_bare = v < r->ref_bare ? v : r->ref_bare;
		t0 = rte_rdtsc();
		for (uint32_t i = 0; i < PER_ROUND; i++) {
			struct mp_lb_session *s = mp_lb_session_find(lb, &keys[o[i]]);
			sum += s->origin_port;
			if ((i & 1023) == 0)
				mp_lb_quiescent(lb, 0);
		}
		v = ns_per(rte_rdtsc() - t0, PER_ROUND);
		r->lb_ns = v < r->lb_ns ? v : r->lb_ns;
		t0 = rte_rdtsc();
		for (uint32_t i = 0; i < PER_ROUND; i++) {
			void *d;
			rte_hash_lookup_data(h, &keys[o[i]], &d);
			sum += ((struct mp_lb_session *)d)->origin_port;
		}
		v = ns_per(rte_rdtsc() - t0, PER_ROUND);
		r->ref_ns = v < r->ref_ns ? v : r->ref_ns;
		t0 = rte_rdtsc();
		for (uint32_t i = 0; i + BULK <= PER_ROUND; i += BULK) {
			const struct mp_lb_tuple *kp[BULK];
			struct mp_lb_session *found[BULK];
			for (unsigned int j = 0; j < BULK; j++)
				kp[j] = &keys[o[i + j]];
			mp_lb_session_find_bulk(lb, kp, BULK, found);
			for (unsigned int j = 0; j < BULK; j++)
				if (found[j])
					rte_prefetch0(&found[j]->last_seen_ms);
			for (unsigned int j = 0; j < BULK; j++)
				sum += found[j] ? found[j]->origin_port + atomic_load(&found[j]->pkts_c2o) : 0;
			if ((i & 1023) < BULK)
				mp_lb_quiescent(lb, 0);
		}
		v = ns_per(rte_rdtsc() - t0, PER_ROUND / BULK * BULK);
		r->lb_bulk = v < r->lb_bulk ? v : r->lb_bulk;
		t0 = rte_rdtsc();
		for (uint32_t i = 0; i + BULK <= PER_ROUND; i += BULK) {
			const void *kp[BULK];
			void *d[BULK];
			uint64_t hits = 0;
			for (unsigned int j = 0; j < BULK; j++)
				kp[j] = &keys[o[i + j]];
			rte_hash_lookup_bulk_data(h, kp, BULK, &hits, d);
			for (unsigned int j = 0; j < BULK; j++)
				if (hits & (1ull << j)) {
					rte_prefetch0(d[j]);
					rte_prefetch0(&((struct mp_lb_session *)d[j])->last_seen_ms);
				}
			for (unsigned int j = 0; j < BULK; j++)
				sum += (hits & (1ull << j)) ? ((struct mp_lb_session *)d[j])->origin_port +
								    atomic_load(&((struct mp_lb_session *)d[j])->pkts_c2o)
							    : 0;
		}
		v = ns_per(rte_rdtsc() - t0, PER_ROUND / BULK * BULK);
		r->ref_bulk = v < r->ref_bulk ? v : r->ref_bulk;
	}
	mp_lb_destroy(lb);
	rte_hash_free(h);
	rte_free(vals);
	free(keys);
	free(ord);
	return sum == 0 ? -1 : 0; /* use sum, so the loops are not optimised away */
}

int main(int argc, char **argv)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "mpbench-lb-%d", (int)getpid());
	char *def[] = { argv[0], "--no-pci", "--no-huge", "-m", "3072", "--no-shconf", "--file-prefix", prefix,
			"--log-level", "error", NULL };
	/* Own EAL arguments may be given (e.g. to use hugepages); default: no hugepages, 3 GB. */
	if (argc > 1 ? rte_eal_init(argc, argv) < 0 : rte_eal_init(10, def) < 0) {
		fprintf(stderr, "bench_lb: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	mp_log_set_level(MP_LOG_WARN);
	printf("bench_lb: session lookup by client 5-tuple, random keys, best of %d rounds of %u lookups, one lcore\n",
	       ROUNDS, PER_ROUND);
	printf("reference: plain rte_hash (no RW_CONCURRENCY flags) on the same keys\n\n");
	printf("ns per lookup: 'bare' = lookup only (lb's lookup reads the record: it checks the key there); "
	       "'read' = lookup + read a field of the %zu-byte record\n", sizeof(struct mp_lb_session));
	printf("'bulk' = bursts of %d lookups, both record lines prefetched, then read (as the data plane does)\n", BULK);
	printf("%9s %8s %8s %6s %8s %8s %6s %8s %8s %6s %13s %13s\n", "sessions", "lb bare", "ref bare", "ratio",
	       "lb read", "ref read", "ratio", "lb bulk", "ref bulk", "ratio", "lb inserts/s", "ref inserts/s");
	const uint32_t sizes[] = { 1000, 100000, 1u << 20 };
	struct result big = { 0 };
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct result r;
		if (bench_size(sizes[i], &r) != 0) {
			fprintf(stderr, "bench_lb: size %u failed\n", sizes[i]);
			return 1;
		}
		printf("%9u %8.1f %8.1f %6.2f %8.1f %8.1f %6.2f %8.1f %8.1f %6.2f %13.0f %13.0f\n", sizes[i], r.lb_bare,
		       r.ref_bare, r.lb_bare / r.ref_bare, r.lb_ns, r.ref_ns, r.lb_ns / r.ref_ns, r.lb_bulk, r.ref_bulk,
		       r.lb_bulk / r.ref_bulk, r.inserts_per_s, r.ref_inserts_per_s);
		big = r;
	}

	struct mp_lb_config c;
	mp_lb_config_default(&c);
	struct mp_lb *lb = mp_lb_create(&c);
	if (lb == NULL) {
		fprintf(stderr, "bench_lb: default configuration does not fit\n");
		return 1;
	}
	printf("\nbytes per session (default config, %u sessions, NAT ports %u-%u): %.1f"
	       " (session record %zu)\n", c.max_sessions, c.nat_port_min, c.nat_port_max,
	       mp_lb_bytes_per_session(lb), sizeof(struct mp_lb_session));
	const char *part[MP_LB_MEM_PARTS_MAX];
	double part_b[MP_LB_MEM_PARTS_MAX];
	unsigned int nparts = mp_lb_memory_parts(lb, part, part_b, MP_LB_MEM_PARTS_MAX);
	printf("bytes per session by structure:");
	for (unsigned int i = 0; i < nparts; i++)
		printf("%s %s %.1f", i ? "," : "", part[i], part_b[i]);
	printf("\n");
	printf("bench memory: %.0f B/session = %.2f x the 256 B goal | lb tables at %u sessions (record %zu B); "
	       "lookup at 1M %.1f ns = %.2f x plain rte_hash\n", mp_lb_bytes_per_session(lb),
	       mp_lb_bytes_per_session(lb) / 256.0, c.max_sessions, sizeof(struct mp_lb_session), big.lb_ns,
	       big.ref_ns > 0 ? big.lb_ns / big.ref_ns : 0.0);
	mp_lb_destroy(lb);
	rte_eal_cleanup();
	return 0;
}
