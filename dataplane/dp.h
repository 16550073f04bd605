/* dp.h: the data plane: ports, worker lcores and their counters, as the appliance starts and stops it. */
#ifndef MP_DP_H
#define MP_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_mempool.h>

#include "arp_cache.h"
#include "classify.h"
#include "mp_clock.h"
#include "dp_guard.h"
#include "dp_stats.h"

#define MP_DP_MAX_WORKERS 64
#define MP_BURST 32
/* lb reader ids: 0 is the control plane, workers take MP_DP_READER_FIRST + index. */
#define MP_DP_READER_FIRST 1
#define MP_DP_SWEEP_MS 10     /* each worker sweeps idle sessions this often, every turn while some are due */
#define MP_DP_SWEEP_BUDGET 256 /* sessions looked at per sweep (mp_lb_session_sweep) */
/* A STUN with a session's USERNAME from another client address moves the session there only when
 * the session's own address has sent nothing for this long (NAT rebinding), or when the request
 * nominates the new pair (USE-CANDIDATE, RFC 8445 section 7.3.1.5); else it is dropped, so ICE checks
 * of a client's other candidates do not tear the media path away from the selected pair. */
#define MP_DP_REBIND_QUIET_MS 2000

/* What the data plane is asked to do (filled by the appliance from its config). */
/* tx_csum_offload: auto = a port's offload unless it is net_tap's (a software sum of the whole datagram,
 * dearer than the incremental update); on = any port's; off = always the incremental update. */
enum mp_txcsum_mode { MP_TXCSUM_AUTO = 0, MP_TXCSUM_ON, MP_TXCSUM_OFF };

struct mp_dp_conf {
	char public_port[128];     /* DPDK device name */
	uint32_t public_ip;        /* host order */
	uint8_t public_prefix;
	uint32_t public_gateway;
	uint32_t service_ip;       /* 0: none; the fleet's shared /32, also ours on the public port */
	char private_port[128];    /* empty: public port only */
	uint32_t private_ip;
	uint8_t private_prefix;
	uint32_t private_gateway;
	/* IPv6 per port (all zero: none): address, prefix, gateway (all zero: none) */
	uint8_t public_ip6[16], public_gateway6[16];
	uint8_t public_prefix6;
	uint8_t private_ip6[16], private_gateway6[16];
	uint8_t private_prefix6;
	uint16_t vlan_id;
	uint16_t webrtc_port, srt_port;
	uint16_t nat_port_min, nat_port_max;
	unsigned workers;
	unsigned mbufs;            /* packet pool size; 0: computed from the rest (dp_pool.h) */
	uint16_t rx_desc, tx_desc;
	unsigned idle_sleep_us;
	bool exception_path;       /* a kernel TAP per data port for what the fast path does not serve */
	char exception_tap[12];    /* its name prefix: port i gets "<prefix><i>" */
	uint32_t exception_rate;   /* frames per second to the kernel, over all workers (0: no limit) */
	uint32_t srt_hs_timeout_ms; /* an origin silent this long in the SRT handshake: the client is rejected (0: 1500) */
	uint32_t session_rate;     /* new sessions per source address per second, per worker (0: no limit) */
	uint32_t srt_hs_rate;      /* SRT handshake packets per source address per second, per worker (0: no limit) */
	char srt_default_stream[256]; /* the stream id of a caller that sends none ("" : such a caller is rejected) */
	uint8_t tx_csum_offload;   /* enum mp_txcsum_mode: TX checksum offload where a port has it (dp_txcsum.h) */
	bool webrtc_allow_no_pwd;  /* a STUN for an ICE username stored without ice-pwd may start a session
				    * (counted as stun_unverified); default: refused (drop stun_no_pwd) */
	bool fleet_nat;            /* sessions shared by a fleet (fleet_size > 1): datagrams to origins leave
				    * from service_ip where the port has it (docs/fleet.md) */
};

struct mp_dp_port {
	uint16_t port_id;
	char name[128];
	struct mp_iface iface;
	struct mp_arp_cache arp;   /* neighbours on this port, shared by every worker */
	struct mp_arp_cache nd;    /* IPv6 neighbours (the same table keyed by IPv6), when iface.has_ip6 */
	bool started;
	uint64_t tx_offloads;      /* TX checksum offloads enabled (RTE_ETH_TX_OFFLOAD_*; dp_txcsum.h) */
	/* exception path (dp_exception.c): the kernel TAP that carries this port's IP and MAC */
	uint16_t exc_port_id;
	bool exc_started;
	char exc_ifname[16];
};

/* One worker lcore's state; nothing in it is written by another lcore. */
struct mp_dp;
struct mp_lb;
struct mp_lb_session;
struct mp_dp_srt;
struct mp_dp_srt_worker;
struct mp_dp_v6c;

struct mp_dp_tx_batch {
	struct rte_mbuf *pkts[MP_BURST];
	uint16_t n;
};

/* Next hops a worker resolved lately on a port, direct-mapped by address (MP_DP_NH_SLOTS slots per
 * port), each kept for MP_DP_NH_CACHE_MS: traffic to many origins on link, or to clients through the
 * gateway, costs one ARP-cache lookup per hop per 100 ms, not one per packet (a changed MAC is seen
 * that late). Two hops in one slot take turns (each refill is one ARP-cache lookup). */
#define MP_DP_NH_CACHE_MS 100
#define MP_DP_NH_SLOTS_LOG2 6
#define MP_DP_NH_SLOTS (1u << MP_DP_NH_SLOTS_LOG2)
struct mp_dp_nh_cache {
	uint32_t hop;
	uint8_t mac[6];
	uint64_t until_ms;
};

/* The same for IPv6 next hops (dp_v6client.c's frames translated to IPv6 clients and origins), slotted
 * by the hop's interface identifier: IPv6 origins on the private link do not take turns in one slot. */
struct mp_dp_nh6_cache {
	uint8_t hop[16];
	uint8_t mac[6];
	uint64_t until_ms;
};

/* A frame passed to the worker that owns its session (dp_handoff.c) with what classification found,
 * so the owner does not classify it again. */
enum mp_dp_xfer_kind { MP_DP_XFER_NAT = 0, MP_DP_XFER_WEBRTC, MP_DP_XFER_SRT, MP_DP_XFER__COUNT };
struct mp_dp_xfer {
	struct rte_mbuf *m;
	struct mp_pkt pkt;
	uint8_t pi;   /* port it arrived on */
	uint8_t kind; /* enum mp_dp_xfer_kind */
};
#define MP_DP_XFER_RING 1024 /* frames in flight from one worker to another */

struct mp_dp_worker {
	struct mp_dp *dp;
	unsigned lcore_id;
	unsigned reader_id;        /* this worker's lb reader id (RCU QSBR) */
	uint16_t queue;            /* RX/TX queue index on every port */
	struct mp_dp_tx_batch tx[2]; /* per port, flushed after every burst */
	struct mp_dp_tx_batch exc_tx[2]; /* per port's exception TAP (to the kernel) */
	uint64_t exc_tokens;       /* exception-path token bucket (frames x 1000) */
	uint64_t exc_refill_ms;
	uint64_t exc_next_poll_ms;
	uint64_t alive_ms;         /* the clock of its last turn (atomic; read by the fleet health check) */
	uint64_t turn_ms;          /* the clock of the turn under way (for senders not given it) */
	bool gw6_asked;            /* the IPv6 gateways were solicited (the first worker's first turn) */
	struct mp_dp_srt_worker *srt; /* this worker's SRT handshakes (dp_srt_hs.c) */
	struct mp_dp_guard *guard;  /* per-source rate limits, STUN HMAC (dp_guard.c) */
	struct mp_dp_nh_cache nh[2][MP_DP_NH_SLOTS]; /* per port */
	struct mp_dp_nh6_cache nh6[2][MP_DP_NH_SLOTS]; /* per port */
	uint64_t next_sweep_ms;    /* when this worker next sweeps idle lb sessions */
	struct mp_dp_xfer *xfer_out; /* [n_workers][MP_BURST]: frames for other workers, sent after the burst */
	uint16_t xfer_n[MP_DP_MAX_WORKERS];
	struct mp_dp_stats stats;
} __attribute__((aligned(64)));

struct mp_dp {
	struct mp_dp_conf conf;
	struct mp_dp_port ports[2];
	unsigned n_ports;
	struct rte_mempool *pool;
	struct mp_dp_worker workers[MP_DP_MAX_WORKERS];
	unsigned n_workers;
	struct mp_lb *lb;          /* the balancer (set by the appliance before mp_dp_start) */
	struct mp_dp_srt *srt;     /* SRT relay state, made by mp_dp_start when lb is set (dp_srt_hs.c) */
	struct mp_dp_v6c *v6c;     /* IPv6 clients' stand-in addresses (dp_v6client.h); NULL without IPv6 */
	volatile bool running;     /* workers loop while set */
	unsigned n_launched;       /* workers running mp_dp_worker_main */
	bool driven;               /* started by mp_dp_start_driven: the caller turns the loops */
	/* Default mode (dp_local.c): origins at a host address are reached at local_origin_ip (the TAP's
	 * kernel side; 0: off); the host's addresses, set by the control plane. */
	uint32_t local_origin_ip;
#define MP_DP_HOST_ADDRS_MAX 64
	uint32_t host_addrs[MP_DP_HOST_ADDRS_MAX];
	unsigned n_host_addrs;
	/* Software hand-off (dp_handoff.c): one single-producer single-consumer ring per ordered pair of
	 * workers, [from][to]; NULL with one worker. nat_owner[port]: the worker whose slice of NAT ports
	 * holds port (lb's slices, one per worker), i.e. the one that handles the session's both ways. */
	struct rte_ring *xfer[MP_DP_MAX_WORKERS][MP_DP_MAX_WORKERS];
	bool flow_steered;         /* rte_flow sends each slice's return traffic to its owner's queue */
	uint8_t nat_owner[65536];
};

/* The address a session with an origin at ip is made with: local_origin_ip for 127.0.0.0/8 in
 * default mode, else ip itself. */
uint32_t mp_dp_origin_addr(const struct mp_dp *dp, uint32_t ip);
/* Default mode: may a reply from src_ip belong to a session with an origin at origin_ip (one of this
 * host's addresses, answering from a socket on 0.0.0.0, so from local_origin_ip)? Only asked when
 * src_ip is not origin_ip. */
bool mp_dp_local_origin_reply(const struct mp_dp *dp, uint32_t origin_ip, uint32_t src_ip);
/* Default mode: the session a reply from src_ip:src_port to nat_port belongs to when src_ip is the
 * TAP's kernel side and the session was made with another of the host's addresses (its origin's
 * socket is on 0.0.0.0): the return path is keyed by the address sent to, so each host address is
 * tried. NULL otherwise. Only asked on a miss. */
struct mp_lb_session *mp_dp_local_origin_session(const struct mp_dp *dp, uint32_t src_ip, uint16_t src_port,
						 uint16_t nat_port);
/* The host's IPv4 addresses (control plane, now and then; workers read them lock-free). */
void mp_dp_set_host_addrs(struct mp_dp *dp, const uint32_t *ip, unsigned n);

/* Find, configure and start the ports (one RX/TX queue per worker), make the mbuf pool. */
int mp_dp_init(struct mp_dp *dp, const struct mp_dp_conf *conf, char *err, size_t errcap);
/* Launch the worker loop on every worker lcore. */
int mp_dp_start(struct mp_dp *dp, char *err, size_t errcap);
/* Stop the workers (waits for them), then stop and close the ports and free the pool. */
void mp_dp_stop(struct mp_dp *dp);
/* Stop the worker loops and wait for them (ports stay up). */
void mp_dp_stop_workers(struct mp_dp *dp);
/* Sum of every worker's counters. */
void mp_dp_stats_sum(const struct mp_dp *dp, struct mp_dp_stats *sum);

/* Milliseconds on the clock every table's timestamps use (common/mp_clock.h). */
static inline uint64_t mp_dp_now_ms(const struct mp_dp *dp)
{
	(void)dp;
	return mp_now_ms();
}

/* Next-hop MAC for dst on port pi. On a miss, asks (ARP request, rate-limited) from worker w's
 * queue and returns MP_ERR_NOTFOUND; the caller drops and counts MP_DROP_NO_NEXTHOP.
 * mp_dp_resolve_slow: the same without the worker's next-hop cache in front (it fills it). */
int mp_dp_resolve_slow(struct mp_dp *dp, struct mp_dp_worker *w, unsigned pi, uint32_t dst, uint8_t mac[6],
		       uint64_t now_ms);

static inline unsigned mp_dp_nh_slot(uint32_t hop)
{
	return (hop * 2654435761u) >> (32 - MP_DP_NH_SLOTS_LOG2); /* Fibonacci hashing */
}

/* An IPv6 hop's slot: its interface identifier (the low 64 bits: what tells neighbours on a link apart)
 * folded to 32 bits. */
static inline unsigned mp_dp_nh6_slot(const uint8_t hop[16])
{
	uint32_t hi, lo;

	memcpy(&hi, hop + 8, 4);
	memcpy(&lo, hop + 12, 4);
	return mp_dp_nh_slot(hi ^ lo);
}

static inline int mp_dp_resolve(struct mp_dp *dp, struct mp_dp_worker *w, unsigned pi, uint32_t dst, uint8_t mac[6],
				uint64_t now_ms)
{
	const struct mp_iface *ifc = &dp->ports[pi].iface;
	uint32_t hop = mp_next_hop(dst, ifc->ip, ifc->prefix, ifc->gateway);
	const struct mp_dp_nh_cache *c = &w->nh[pi][mp_dp_nh_slot(hop)];

	/* 0.0.0.0/8: an IPv6 client's stand-in (dp_v6client.h), resolved where it is translated */
	if (__builtin_expect(c->hop == hop && now_ms < c->until_ms && (dst >> 24) != 0, 1)) {
		memcpy(mac, c->mac, 6);
		return 0; /* MP_OK */
	}
	return mp_dp_resolve_slow(dp, w, pi, dst, mac, now_ms);
}

/* The same for an IPv6 destination (neighbour cache, RFC 4861): on our prefix or link-local, else
 * through the port's IPv6 gateway; on a miss a neighbour solicitation goes out (rate-limited), and a
 * known but ageing neighbour is used while a unicast probe asks again (stale-while-probing). */
int mp_dp_resolve6(struct mp_dp *dp, struct mp_dp_worker *w, unsigned pi, const uint8_t dst[16], uint8_t mac[6],
		   uint64_t now_ms);

/* The source address of datagrams to origins on port pi: the fleet's service address when the fleet
 * shares sessions (the origin sees one address and NAT port whichever appliance forwards, and its
 * answers reach whichever is alive), else the port's own. */
static inline uint32_t mp_dp_nat_ip(const struct mp_dp *dp, unsigned pi)
{
	const struct mp_iface *ifc = &dp->ports[pi].iface;

	return dp->conf.fleet_nat && ifc->service_ip ? ifc->service_ip : ifc->ip;
}

/* The port to reach ip from: the one whose subnet holds it, else port `other` (through its gateway):
 * for origins the private port if any (n_ports - 1), for clients the public port (0). */
static inline unsigned mp_dp_port_toward(const struct mp_dp *dp, uint32_t ip, unsigned other)
{
	if (dp->n_ports == 1) /* one port (other is 0 then): no question, per packet */
		return 0;
	for (unsigned pi = 0; pi < dp->n_ports; pi++) {
		const struct mp_iface *ifc = &dp->ports[pi].iface;
		uint32_t mask = ifc->prefix ? ~0u << (32 - ifc->prefix) : 0;

		if ((ip & mask) == (ifc->ip & mask))
			return pi;
	}
	return other;
}

/* The worker loop (dp_worker.c); arg is the struct mp_dp_worker. It is
 * for (;;) mp_dp_poll_once(w, mp_dp_now_ms(dp)), sleeping idle_sleep_us after a turn that received nothing. */
int mp_dp_worker_main(void *arg);
/* One turn of a worker's loop at now_ms (the clock of every table, mp_dp_now_ms): RX bursts on every port,
 * SRT and exception-path timers, TX flush, the idle-session sweep every MP_DP_SWEEP_MS, quiescence.
 * Returns the frames received. Only the worker's own thread may call it. */
unsigned mp_dp_poll_once(struct mp_dp_worker *w, uint64_t now_ms);
/* mp_dp_start without launching the loops: the caller (a test or bench) turns each worker with
 * mp_dp_poll_once on its own thread and chooses the time; mp_dp_end_driven (or mp_dp_stop) ends it. */
int mp_dp_start_driven(struct mp_dp *dp, char *err, size_t errcap);
void mp_dp_end_driven(struct mp_dp *dp);

#endif
