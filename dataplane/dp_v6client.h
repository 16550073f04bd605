/* dp_v6client.h: IPv6 clients of the IPv4 session machinery: each client address gets a stand-in IPv4 address in 0.0.0.0/8. */
#ifndef MP_DP_V6CLIENT_H
#define MP_DP_V6CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb.h" /* mp_lb_is_standin: a client's stand-in, or an origin's (lb_origin6.c) */

struct mp_dp;
struct mp_dp_worker;
struct rte_hash;
struct rte_mbuf;
struct mp_pkt;

/* Sessions (lb.h) key a client by a 32-bit address. An IPv6 client is given one from 0.0.0.0/8
 * (never the source of a real datagram, RFC 1122 section 3.2.1.3): its media frames are translated
 * to IPv4 from that stand-in on receipt (mp_dp_v6_ingress) and back to IPv6 when sent to it
 * (mp_dp_tx_udp), so WebRTC and SRT sessions, per-source limits and the origin side run
 * unchanged, and origins see the appliance's IPv4 NAT address. A stand-in is used while either way
 * carries its client's packets, and given back after MP_DP_V6C_IDLE_MS without any (sessions idle
 * out long before), its slot reused MP_DP_V6C_GRACE_MS later. */
#define MP_DP_V6C_CAPACITY 65536
#define MP_DP_V6C_IDLE_MS 600000
#define MP_DP_V6C_GRACE_MS 10000
#define MP_DP_V6C_SWEEP_MS 100     /* the first worker looks at MP_DP_V6C_SWEEP_BUDGET slots this often */
#define MP_DP_V6C_SWEEP_BUDGET 1024

struct mp_dp_v6c {
	struct rte_hash *h;      /* IPv6 address -> slot (lock-free readers, workers add) */
	uint8_t (*addr)[16];     /* per slot */
	uint64_t *used_ms;       /* last use either way, stored when the second changes; 0: free */
	uint64_t *dead_ms;       /* removed from h at (the sweeper's), the slot freed after the grace */
	uint32_t n_slots;
	uint32_t sweep_at;       /* the sweeper's next slot */
	uint64_t next_sweep_ms;
	uint64_t reclaimed;      /* stand-ins given back (relaxed, sweeper only) */
};


/* Made by mp_dp_init when a port has an IPv6 address; dp->v6c NULL otherwise. */
int mp_dp_v6c_init(struct mp_dp *dp, char *err, size_t errcap);
void mp_dp_v6c_free(struct mp_dp *dp);
/* The stand-in of IPv6 address a, made if new; 0 when the table is full. Any worker. */
uint32_t mp_dp_v6c_alias(struct mp_dp *dp, const uint8_t a[16], uint64_t now_ms);
/* The IPv6 address of stand-in ip (a client's, or an origin's from lb); NULL when it is none
 * (given back). Any worker. */
const uint8_t *mp_dp_v6c_addr(struct mp_dp *dp, uint32_t ip, uint64_t now_ms);
/* Let lb name IPv6 clients by their address in logs, the System API and the CLI
 * (mp_lb_addr_text), once dp->lb is set; mp_dp_v6c_free takes it back. No-op without IPv6. */
void mp_dp_v6c_attach(struct mp_dp *dp);
/* Give back stand-ins idle past MP_DP_V6C_IDLE_MS, a budget of slots at a time (the first worker). */
void mp_dp_v6c_sweep(struct mp_dp *dp, uint64_t now_ms);

/* A classified IPv6 media frame (MP_V_WEBRTC/MP_V_SRT, pkt->is_v6) from port pi becomes the IPv4
 * frame of its client's stand-in to the port's IPv4 address; pkt describes it after. False when
 * it was dropped (and counted: ip6_clients_full). */
bool mp_dp_v6_ingress(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, struct mp_pkt *pkt, uint64_t now_ms);
/* An IPv6 origin's datagram to a NAT port (MP_V_NAT, pkt->is_v6) from port pi becomes the IPv4
 * frame of the origin's stand-in (lb_origin6.c) to the port's IPv4 address, for the return path as
 * any origin's (dp_nat.c). False when the source is no IPv6 origin's: then m went to the kernel
 * (exception path: its own UDP) or was dropped, counted as before (udp_port). */
bool mp_dp_v6_origin_ingress(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, struct mp_pkt *pkt);
/* mp_dp_tx_udp's (dp_media.h) translation: the UDP/IPv4 frame m, to a stand-in, sent translated to
 * IPv6 from the port's IPv6 address (port 0's when pi has none) to the peer's, to its next hop
 * (neighbour cache); dropped and counted when that is unknown (no_nexthop) or the stand-in was
 * given back (no_session). */
void mp_dp_tx_udp6(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, uint64_t now_ms);

#endif
