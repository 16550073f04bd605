/* ring_harness.c: the real data plane on net_ring ports for packet tests (see ring_harness.h). */
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

#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"
#include "ring_harness.h"
#include "runtime_dir.h"
#include "stun_integrity.h"
#include "udp_frame.h"

static unsigned seq;
static struct mp_rh *live; /* stopped by mp_rh_teardown when a test fails half way */

static void start(struct mp_rh *h, const struct mp_rh_addr *a, unsigned nports, unsigned workers,
		  struct mp_lb_config *lc, bool driven)
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
			h->tx[p][q] = rte_ring_create(name, a->tx_ring ? a->tx_ring : 1024, SOCKET_ID_ANY,
						      RING_F_SP_ENQ | RING_F_SC_DEQ);
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
	c.public_ip = a->public_ip;
	c.public_prefix = a->public_prefix;
	c.public_gateway = a->public_gateway;
	memcpy(c.public_ip6, a->public_ip6, 16);
	memcpy(c.public_gateway6, a->public_gateway6, 16);
	c.public_prefix6 = a->public_prefix6;
	if (nports == 2) {
		c.private_ip = a->private_ip;
		c.private_prefix = a->private_prefix;
		c.private_gateway = a->private_gateway;
		memcpy(c.private_ip6, a->private_ip6, 16);
		memcpy(c.private_gateway6, a->private_gateway6, 16);
		c.private_prefix6 = a->private_prefix6;
	}
	c.webrtc_port = 8000;
	c.srt_port = 10080;
	c.nat_port_min = lc->nat_port_min;
	c.nat_port_max = lc->nat_port_max;
	c.workers = workers;
	c.mbufs = 0; /* sized from the configuration, as the appliance does by default */
	c.rx_desc = c.tx_desc = 512;
	c.idle_sleep_us = 50;
	c.tx_csum_offload = MP_TXCSUM_AUTO; /* as the appliance by default: net_ring has none */
	c.session_rate = a->session_rate;
	c.srt_hs_rate = a->srt_hs_rate;
	c.webrtc_allow_no_pwd = a->webrtc_allow_no_pwd;
	c.service_ip = a->service_ip;
	c.fleet_nat = a->fleet_size > 1;
	lc->max_readers = MP_DP_READER_FIRST + workers;
	h->lb = mp_lb_create(lc);
	assert_non_null(h->lb);
	if (a->fleet_size > 1)
		assert_int_equal(mp_lb_set_fleet(h->lb, a->fleet_index, a->fleet_size), MP_OK);
	assert_int_equal(mp_lb_reader_register(h->lb, 0), MP_OK);
	if (mp_dp_init(&h->dp, &c, err, sizeof(err)) != MP_OK) {
		mp_dp_stop(&h->dp);
		fail_msg("mp_dp_init: %s", err);
	}
	h->dp.lb = h->lb;
	live = h;
	h->driven = driven;
	h->now = mp_now_ms();
	if ((driven ? mp_dp_start_driven : mp_dp_start)(&h->dp, err, sizeof(err)))
		fail_msg("mp_dp_start: %s", err);
}

void mp_rh_lb_config(struct mp_lb_config *lc)
{
	mp_lb_config_default(lc);
	lc->max_origins = 16;
	lc->max_streams = 64;
	lc->max_webrtc = 64;
	lc->max_sessions = 1024;
	lc->nat_port_min = 40000;
	lc->nat_port_max = 40999;
}

void mp_rh_start(struct mp_rh *h, const struct mp_rh_addr *a, unsigned nports, unsigned workers, struct mp_lb_config *lc)
{
	start(h, a, nports, workers, lc, false);
}

void mp_rh_start_driven(struct mp_rh *h, const struct mp_rh_addr *a, unsigned nports, unsigned workers,
			struct mp_lb_config *lc)
{
	start(h, a, nports, workers, lc, true);
}

/* Driven: turn every worker's loop at h->now until a whole turn receives nothing and no expiry is due. */
static void turn_until_idle(struct mp_rh *h)
{
	for (int i = 0;; i++) {
		unsigned got = 0;

		assert_true(i < 100000); /* a loop that never runs dry is a bug, not a slow machine */
		for (unsigned q = 0; q < h->nq; q++)
			got += mp_dp_poll_once(&h->dp.workers[q], h->now);
		mp_lb_quiescent(h->lb, 0);
		/* a real loop turns again at once, without a frame, while expiry work is due */
		if (!got && !mp_lb_session_sweep_pending(h->lb, h->now))
			return;
	}
}

/* Time passes as for a loop that never stops: a turn (at least) every MP_DP_SWEEP_MS. */
void mp_rh_advance(struct mp_rh *h, uint64_t ms)
{
	while (ms) {
		uint64_t step = ms < MP_DP_SWEEP_MS ? ms : MP_DP_SWEEP_MS;

		h->now += step;
		ms -= step;
		turn_until_idle(h);
	}
}

/* Move what the ports sent into h->out. */
void mp_rh_collect(struct mp_rh *h)
{
	for (unsigned p = 0; p < h->nports; p++)
		for (unsigned q = 0; q < h->nq; q++) {
			struct rte_mbuf *m;

			while (rte_ring_dequeue(h->tx[p][q], (void **)&m) == 0) {
				assert_true(h->nout[p] < MP_RH_MAXF);
				h->out[p][h->nout[p]].len = rte_pktmbuf_pkt_len(m);
				memcpy(h->out[p][h->nout[p]].b, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m));
				h->nout[p]++;
				rte_pktmbuf_free(m);
			}
		}
}

void mp_rh_stats(struct mp_rh *h, struct mp_dp_stats *s)
{
	mp_dp_stats_sum(&h->dp, s);
}

/* Wait until the workers took everything sent so far and flushed what it made. */
/* Are the workers' hand-off rings (dp_handoff.c) all empty? */
static bool handoff_empty(const struct mp_rh *h)
{
	for (unsigned a = 0; a < MP_DP_MAX_WORKERS; a++)
		for (unsigned b = 0; b < MP_DP_MAX_WORKERS; b++)
			if (h->dp.xfer[a][b] != NULL && rte_ring_count(h->dp.xfer[a][b]) > 0)
				return false;
	return true;
}

void mp_rh_settle(struct mp_rh *h)
{
	struct mp_dp_stats s;

	if (h->driven) {
		turn_until_idle(h);
		mp_rh_stats(h, &s);
		assert_int_equal(s.rx_packets, h->sent);
		mp_rh_collect(h);
		return;
	}
	for (int i = 0; i < 2000; i++) {
		mp_rh_stats(h, &s);
		if (s.rx_packets >= h->sent)
			break;
		mp_lb_quiescent(h->lb, 0);
		usleep(1000);
	}
	assert_int_equal(s.rx_packets, h->sent);
	/* Every frame is in: what is left in flight is in a worker's turn or in a hand-off ring. A worker
	 * reports a quiescent state only between turns, after its TX flush (it may be descheduled for
	 * long in the middle of one on a loaded machine: no quiet period is long enough). So: wait for
	 * every worker's current turn to end; when the hand-off rings are then empty, one more wait covers
	 * a turn that took their last frames meanwhile (a handed-off frame is never handed on). */
	for (;;) {
		mp_lb_wait_readers(h->lb, 0);
		if (handoff_empty(h))
			break;
		usleep(1000);
	}
	mp_lb_wait_readers(h->lb, 0);
	mp_rh_collect(h);
}

void mp_rh_send_q(struct mp_rh *h, unsigned port, unsigned q, const uint8_t *f, size_t len)
{
	mp_rh_send_ol(h, port, q, f, len, 0);
}

void mp_rh_send_ol(struct mp_rh *h, unsigned port, unsigned q, const uint8_t *f, size_t len, uint64_t ol_flags)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(h->dp.pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_mtod(m, void *), f, len);
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	m->ol_flags = ol_flags;
	assert_int_equal(rte_ring_enqueue(h->rx[port][q], m), 0);
	h->sent++;
}

void mp_rh_send(struct mp_rh *h, unsigned port, const uint8_t *f, size_t len)
{
	mp_rh_send_q(h, port, 0, f, len);
}

void mp_rh_stop(struct mp_rh *h)
{
	live = NULL;
	mp_dp_stop_workers(&h->dp);
	mp_rh_collect(h);
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

const uint8_t *mp_rh_port_mac(struct mp_rh *h, unsigned p)
{
	return h->dp.ports[p].iface.mac;
}

/* An ARP request from ip/mac for our address on port p, so the appliance learns the sender. */
void mp_rh_send_arp(struct mp_rh *h, unsigned p, uint32_t ip, const uint8_t mac[6])
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
	mp_rh_send(h, p, f, sizeof(f));
}

static size_t udp(uint8_t *f, struct mp_rh *h, unsigned p, const uint8_t mac[6], uint32_t src, uint16_t sport,
		  uint16_t dport, const uint8_t *pl, size_t n)
{
	struct mp_test_udp u = { .src_ip = src, .dst_ip = h->dp.ports[p].iface.ip, .src_port = sport,
				 .dst_port = dport, .ttl = 64 };

	memcpy(u.src_mac, mac, 6);
	memcpy(u.dst_mac, mp_rh_port_mac(h, p), 6);
	return mp_test_udp_frame(f, &u, pl, n);
}

void mp_rh_send_udp_q(struct mp_rh *h, unsigned p, unsigned q, const uint8_t mac[6], uint32_t src, uint16_t sport,
		       uint16_t dport, const uint8_t *pl, size_t n)
{
	uint8_t f[2048];

	mp_rh_send_q(h, p, q, f, udp(f, h, p, mac, src, sport, dport, pl, n));
}

void mp_rh_send_udp(struct mp_rh *h, unsigned p, const uint8_t mac[6], uint32_t src, uint16_t sport, uint16_t dport,
		     const uint8_t *pl, size_t n)
{
	mp_rh_send_udp_q(h, p, 0, mac, src, sport, dport, pl, n);
}

void mp_rh_send_udp_to(struct mp_rh *h, unsigned p, const uint8_t mac[6], uint32_t src, uint16_t sport, uint32_t dst,
		       uint16_t dport, const uint8_t *pl, size_t n)
{
	struct mp_test_udp u = { .src_ip = src, .dst_ip = dst, .src_port = sport, .dst_port = dport, .ttl = 64 };
	uint8_t f[2048];

	memcpy(u.src_mac, mac, 6);
	memcpy(u.dst_mac, mp_rh_port_mac(h, p), 6);
	mp_rh_send_q(h, p, 0, f, mp_test_udp_frame(f, &u, pl, n));
}

size_t mp_rh_stun(uint8_t *out, const char *user, bool nominate, uint32_t txid, const char *pwd)
{
	size_t n = mp_test_stun_binding(out, user, nominate, txid);
	struct mp_stun_hmac *hm;

	if (!pwd)
		return n;
	out[n] = 0x00; /* MESSAGE-INTEGRITY */
	out[n + 1] = 0x08;
	out[n + 2] = 0;
	out[n + 3] = MP_STUN_INTEGRITY_LEN;
	out[2] = (uint8_t)((n + 24 - 20) >> 8);
	out[3] = (uint8_t)(n + 24 - 20);
	hm = mp_stun_hmac_new();
	assert_non_null(hm);
	assert_int_equal(mp_stun_integrity_compute(hm, out, n, (const uint8_t *)pwd, strlen(pwd), out + n + 4), MP_OK);
	mp_stun_hmac_free(hm);
	return n + 24;
}

void mp_rh_send_stun(struct mp_rh *h, unsigned p, const uint8_t mac[6], uint32_t src, uint16_t sport, const char *user,
		      bool nominate)
{
	uint8_t s[160];

	mp_rh_send_udp(h, p, mac, src, sport, 8000, s, mp_rh_stun(s, user, nominate, sport, MP_RH_ICE_PWD));
}

/* Check one forwarded frame field by field. */
void mp_rh_assert_udp_out(const struct mp_rh_frame *o, const uint8_t src_mac[6], const uint8_t dst_mac[6], uint32_t src,
			   uint16_t sport, uint32_t dst, uint16_t dport, const uint8_t *pl, size_t n)
{
	assert_int_equal(o->len, 42 + n);
	assert_memory_equal(o->b, dst_mac, 6);
	assert_memory_equal(o->b + 6, src_mac, 6);
	assert_int_equal(mp_rd16(o->b + 12), 0x0800);
	assert_int_equal(o->b[14 + 8], 63); /* TTL decremented (RFC 1812 section 5.3.1) */
	assert_int_equal(mp_rd32(o->b + 14 + 12), src);
	assert_int_equal(mp_rd32(o->b + 14 + 16), dst);
	assert_int_equal(mp_rd16(o->b + 34), sport);
	assert_int_equal(mp_rd16(o->b + 36), dport);
	assert_int_equal(mp_rd16(o->b + 38), 8 + n);
	assert_true(mp_test_udp_checksums_ok(o->b, o->len));
	assert_int_not_equal(mp_rd16(o->b + 40), 0);
	assert_memory_equal(o->b + 42, pl, n);
}

int mp_rh_teardown(void **state)
{
	(void)state;
	if (live)
		mp_rh_stop(live);
	return 0;
}

int mp_rh_eal_setup(void **state)
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

int mp_rh_eal_teardown(void **state)
{
	char dir[512];

	(void)state;
	mp_runtime_dir_remember(dir, sizeof(dir));
	rte_eal_cleanup();
	mp_runtime_dir_remove(dir); /* leave nothing under /var/run/dpdk */
	return 0;
}
