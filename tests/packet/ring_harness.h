/* ring_harness.h: the real data plane (mp_dp + lb, worker lcores) on net_ring ports, driven frame by
 * frame from a cmocka test: inject frames per port and queue, collect what the ports send. */
#ifndef MP_RING_HARNESS_H
#define MP_RING_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ring.h>

#include "dp.h"
#include "lb.h"

#define MP_RH_MAXF 256

struct mp_rh_frame {
	uint8_t b[2048];
	size_t len;
};

/* Addresses of the ports (host order); tx_ring: TX ring size (0: 1024); the data plane's
 * per-source limits and legacy switch (mp_dp_conf fields of the same names; 0/false by default). */
struct mp_rh_addr {
	uint32_t public_ip, public_gateway;
	uint8_t public_prefix;
	uint32_t private_ip, private_gateway;
	uint8_t private_prefix;
	unsigned tx_ring;
	uint32_t session_rate, srt_hs_rate;
	bool webrtc_allow_no_pwd;
	uint8_t public_ip6[16], public_gateway6[16]; /* all zero: no IPv6 */
	uint8_t public_prefix6;
	uint8_t private_ip6[16], private_gateway6[16]; /* two ports only; all zero: no IPv6 there */
	uint8_t private_prefix6;
	uint32_t service_ip;               /* mp_dp_conf's (0: none) */
	unsigned fleet_index, fleet_size;  /* fleet_size > 1: mp_lb_set_fleet and the fleet's NAT source */
};

/* The appliance's data plane on ring ports (one queue per worker), with the test thread as lb reader 0. */
struct mp_rh {
	struct mp_dp dp;
	struct mp_lb *lb;
	struct rte_ring *rx[2][2], *tx[2][2];
	unsigned nports, nq;
	uint64_t sent;
	struct mp_rh_frame out[2][MP_RH_MAXF]; /* what left each port, in order (mp_rh_collect) */
	unsigned nout[2];
	bool driven;   /* mp_rh_start_driven: the test thread turns the workers' loops ... */
	uint64_t now;  /* ... at this time (ms on the mp_now_ms scale), moved by mp_rh_advance only */
};

/* cmocka group setup/teardown: EAL with --no-huge, 3 lcores on the CPUs there are; per-test
 * teardown that stops a harness left running by a failed test. */
int mp_rh_eal_setup(void **state);
int mp_rh_eal_teardown(void **state);
int mp_rh_teardown(void **state);

/* lc: the defaults with the small tables of the packet tests (16 origins, 64 streams, 64 WebRTC
 * sessions, 1024 sessions, NAT ports 40000-40999); the test sets what else it needs. */
void mp_rh_lb_config(struct mp_lb_config *lc);
/* Make nports (1 or 2) ring ports, lb from lc (max_readers set here), mp_dp_init + mp_dp_start. */
void mp_rh_start(struct mp_rh *h, const struct mp_rh_addr *a, unsigned nports, unsigned workers,
		 struct mp_lb_config *lc);
/* The same, but no worker lcore is launched: mp_rh_settle and mp_rh_advance turn every worker's loop
 * (mp_dp_poll_once) on the test thread at h->now, so timers run when the test moves the clock. */
void mp_rh_start_driven(struct mp_rh *h, const struct mp_rh_addr *a, unsigned nports, unsigned workers,
			struct mp_lb_config *lc);
void mp_rh_stop(struct mp_rh *h);
/* Driven: move the clock ms forward, turning every worker's loop until idle at least every MP_DP_SWEEP_MS. */
void mp_rh_advance(struct mp_rh *h, uint64_t ms);
/* Wait until the workers took every frame sent and the ports' output stopped changing; collect it.
 * Driven: turn the loops until every frame sent is taken and a turn of all workers receives nothing. */
void mp_rh_settle(struct mp_rh *h);
void mp_rh_collect(struct mp_rh *h);
void mp_rh_stats(struct mp_rh *h, struct mp_dp_stats *s);
const uint8_t *mp_rh_port_mac(struct mp_rh *h, unsigned p);

void mp_rh_send_q(struct mp_rh *h, unsigned port, unsigned q, const uint8_t *f, size_t len);
/* The same with the RX offload flags a port's hardware would set (RTE_MBUF_F_RX_*). */
void mp_rh_send_ol(struct mp_rh *h, unsigned port, unsigned q, const uint8_t *f, size_t len, uint64_t ol_flags);
void mp_rh_send(struct mp_rh *h, unsigned port, const uint8_t *f, size_t len);
/* An ARP request from ip/mac for the port's address, so the appliance learns the sender. */
void mp_rh_send_arp(struct mp_rh *h, unsigned p, uint32_t ip, const uint8_t mac[6]);
/* A UDP datagram from mac/src:sport to the port's address and dport, valid checksums. */
void mp_rh_send_udp_q(struct mp_rh *h, unsigned p, unsigned q, const uint8_t mac[6], uint32_t src, uint16_t sport,
		      uint16_t dport, const uint8_t *pl, size_t n);
void mp_rh_send_udp(struct mp_rh *h, unsigned p, const uint8_t mac[6], uint32_t src, uint16_t sport, uint16_t dport,
		    const uint8_t *pl, size_t n);
/* The same to address dst (another address of the appliance: the service address). */
void mp_rh_send_udp_to(struct mp_rh *h, unsigned p, const uint8_t mac[6], uint32_t src, uint16_t sport, uint32_t dst,
		       uint16_t dport, const uint8_t *pl, size_t n);
/* The ice-pwd the tests store with their ICE usernames (what an origin's answer would give). */
#define MP_RH_ICE_PWD "mediaplane-test-pwd-0123"
/* A STUN Binding request with USERNAME user (USE-CANDIDATE if nominate) in out (>= 160 bytes),
 * ending with MESSAGE-INTEGRITY keyed with pwd (RFC 5389 section 15.4; NULL: none). Its length. */
size_t mp_rh_stun(uint8_t *out, const char *user, bool nominate, uint32_t txid, const char *pwd);
/* Such a request (signed with MP_RH_ICE_PWD) to port 8000. */
void mp_rh_send_stun(struct mp_rh *h, unsigned p, const uint8_t mac[6], uint32_t src, uint16_t sport,
		     const char *user, bool nominate);
/* Check a forwarded frame field by field: MACs, addresses, ports, TTL 63, checksums, payload. */
void mp_rh_assert_udp_out(const struct mp_rh_frame *o, const uint8_t src_mac[6], const uint8_t dst_mac[6],
			  uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, const uint8_t *pl, size_t n);

#endif
