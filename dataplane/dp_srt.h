/* dp_srt.h: the SRT relay's state (cookie key, handshake slots, hand-off rings) and the hooks the worker loop calls. */
#ifndef MP_DP_SRT_H
#define MP_DP_SRT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp.h"
#include "dp_srt_events.h"
#include "lb.h"
#include "srt.h"
#include "srt_cookie.h"
#include "stream_url.h"

/*
 * Threads. A session in the SRT handshake is owned by the worker that created it (the one that got
 * the client's CONCLUSION; with RSS the client's tuple always lands on that queue). Only the owner
 * touches the session's handshake slot: its stored CONCLUSION, the origin's cookie, the timers.
 * The session's NAT port comes from the owner's slice, so the origin's answers reach the owner
 * (dp_handoff.c hands them over when RSS puts them elsewhere); a handshake packet that still lands
 * on another worker is passed to the owner the same way, with its classification, so no slot is
 * ever shared and nothing locks. hs_ref[session index] (atomic) names the owner and the slot
 * while a handshake is pending. Timers run on the owner inside its loop (mp_dp_srt_periodic):
 * no rte_timer, no lock. After the handshake the session is forwarded by any worker from the
 * balancer's lock-free tables (mp_lb_session_by_srt, mp_lb_session_by_nat).
 */

#define MP_DP_SRT_HS_SLOTS 1024     /* handshakes pending at once, per worker */
#define MP_DP_SRT_HS_BYTES 1024     /* largest handshake kept (CONCLUSION with a 512-byte stream id) */
#define MP_DP_SRT_RETX_MS 250       /* resend to a silent origin this often (libsrt's own pace) */
#define MP_DP_SRT_HS_TIMEOUT_MS 1500 /* then reject the client (its own connect timeout is 3 s) */
#define MP_DP_SRT_LINGER_MS 1000    /* keep the origin's answer this long for CONCLUSION retransmissions
				     * (the caller resends every 250 ms), or until the client's first packet */
#define MP_DP_SRT_TIMER_MS 10       /* the owner walks its pending handshakes this often */

enum mp_dp_srt_hs_state {
	MP_DP_SRT_HS_FREE = 0,
	MP_DP_SRT_HS_WAIT_INDUCTION,   /* the client's INDUCTION replayed to the origin */
	MP_DP_SRT_HS_WAIT_CONCLUSION,  /* the client's CONCLUSION replayed with the origin's cookie */
	MP_DP_SRT_HS_DONE,             /* answered; kept for retransmitted CONCLUSIONs until the deadline */
};

struct mp_dp_srt_slot {
	uint8_t state;              /* enum mp_dp_srt_hs_state */
	uint8_t client_pi;          /* port the client is on */
	uint8_t client_mac[6];      /* next hop towards the client, from its CONCLUSION */
	uint32_t sess_index;
	uint64_t sess_created_ms;   /* with sess_index and nat_port: the session this slot serves */
	uint16_t nat_port;
	uint16_t used_pos;          /* position in the owner's used list */
	uint32_t ref;               /* the value of hs_ref for this slot */
	uint32_t client_cookie;     /* the appliance's cookie, given to the client */
	uint32_t origin_cookie;
	uint64_t deadline_ms;       /* reject (or, DONE: forget) at this time */
	uint64_t next_retx_ms;
	uint16_t conc_len, resp_len;
	uint8_t induction[MP_SRT_HS_LEN];
	uint8_t conclusion[MP_DP_SRT_HS_BYTES];
	uint8_t response[MP_DP_SRT_HS_BYTES]; /* the origin's CONCLUSION answer, with the appliance's cookie */
};

struct mp_dp_srt_worker {
	struct mp_dp_srt_slot *slots;
	uint16_t *free_list;
	uint32_t n_free;
	uint16_t *used;
	uint32_t n_used;
	uint64_t next_timer_ms;
	unsigned index;
	struct mp_dp_srt_evring events; /* failed handshakes, for the control thread's log (dp_srt_events.h) */
};

struct mp_dp_srt {
	uint8_t key[MP_SRT_COOKIE_KEY_LEN]; /* SYN cookie key, random at start */
	_Atomic uint32_t *hs_ref;   /* per session index: 0, or (owner << 16) | (slot + 1) */
	uint32_t max_sessions;
	uint32_t hs_timeout_ms;
	/* srt_default_stream: what a caller without a stream id is given (default_sid_len 0: none) */
	char default_sid[MP_SRT_STREAMID_MAX + 1];
	size_t default_sid_len;
	struct mp_stream_url default_url;
	struct mp_dp_srt_worker workers[MP_DP_MAX_WORKERS];
};

/* Make the relay state (cookie key, slots, rings); dp->lb must be set. 0 or -1 with err. */
int mp_dp_srt_init(struct mp_dp *dp, char *err, size_t errcap);
void mp_dp_srt_free(struct mp_dp *dp);
/* Every loop turn of worker w: run its handshake timers when due. */
void mp_dp_srt_periodic(struct mp_dp_worker *w, uint64_t now_ms);

/* ---- between dp_srt.c, dp_srt_hs.c and dp_srt_frame.c ---- */

/* The client's handshake with destination socket 0 (INDUCTION, CONCLUSION). Owns m. */
void mp_dp_srt_client_hs(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
			 uint64_t now_ms);
/* The origin's datagram while session s is in its handshake. Owns m. */
void mp_dp_srt_origin_hs(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
			 struct mp_lb_session *s, uint64_t now_ms);

/* The port index origins are reached on, and the one a session's client is on. */
static inline unsigned mp_dp_srt_origin_pi(const struct mp_dp *dp)
{
	return dp->n_ports > 1 ? 1 : 0;
}
static inline unsigned mp_dp_srt_client_pi(const struct mp_dp *dp, const struct mp_lb_session *s)
{
	return dp->n_ports > 1 && s->tuple.dst_ip == dp->ports[1].iface.ip ? 1 : 0;
}

/* A UDP/IPv4 frame (VLAN-tagged when the port is) in a new mbuf from ifc to dst_mac, with the
 * IPv4 and UDP checksums computed. NULL when the pool is empty or the payload does not fit. */
struct rte_mbuf *mp_dp_udp_frame(struct rte_mempool *pool, const struct mp_iface *ifc, const uint8_t dst_mac[6],
				 uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port,
				 const uint8_t *payload, size_t len);
/* Build and queue a datagram from the appliance's SRT port to a client on port pi (MAC known). */
void mp_dp_srt_send_client(struct mp_dp_worker *w, unsigned pi, const uint8_t mac[6], uint32_t client_ip,
			   uint16_t client_port, const uint8_t *payload, size_t len);
/* Build and queue a datagram from nat_port to the session's origin (ARP-resolved; dropped and
 * counted when the next hop is not known yet: the handshake timer resends). */
void mp_dp_srt_send_origin(struct mp_dp_worker *w, const struct mp_lb_session *s, const uint8_t *payload,
			   size_t len, uint64_t now_ms);

#endif
