/* dp_media.h: what the worker loop hands classified frames to, and the TX/drop helpers they use. */
#ifndef MP_DP_MEDIA_H
#define MP_DP_MEDIA_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "classify.h"
#include "dp.h"
#include "dp_v6client.h"

/* Each handler owns m: it forwards it (mp_dp_tx) or drops it (mp_dp_drop), and counts either way.
 * pi is the port the frame arrived on; now_ms the clock of this burst. */
void mp_dp_webrtc_rx(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
		     uint64_t now_ms);   /* UDP to webrtc_port (dp_webrtc.c) */
/* The same for n (<= MP_BURST) frames of one RX burst: their sessions are looked up in bulk. */
/* handed: the frames came from another worker (dp_handoff.c) to this one, their session's owner; a
 * frame whose session another worker owns is otherwise passed to it. */
void mp_dp_webrtc_rx_burst(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf **m, const struct mp_pkt *pkts,
			   unsigned n, uint64_t now_ms, bool handed);
void mp_dp_srt_rx(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
		  uint64_t now_ms);      /* UDP to srt_port (dp_srt.c) */
void mp_dp_srt_rx_burst(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf **m, const struct mp_pkt *pkts,
			unsigned n, uint64_t now_ms, bool handed);
void mp_dp_nat_rx(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
		  uint64_t now_ms);      /* UDP from an origin to a NAT port (dp_nat.c) */
/* The same for frames of this worker's NAT slice (dp_worker.c hands the others to their owner). */
void mp_dp_nat_rx_burst(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf **m, const struct mp_pkt *pkts,
			unsigned n, uint64_t now_ms);
struct mp_lb_session;
/* An origin's datagram to the NAT port of an SRT session (dp_nat.c hands it over; dp_srt.c). */
void mp_dp_srt_from_origin(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
			   struct mp_lb_session *s, uint64_t now_ms);
/* End WebRTC session s when payload (a datagram either way) carries a DTLS alert that closes the
 * association (dp_webrtc.c); true when it did. */
bool mp_dp_webrtc_check_close(struct mp_dp_worker *w, struct mp_lb_session *s, const uint8_t *payload,
			      uint16_t len, uint64_t now_ms);
void mp_dp_exception_rx(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, const struct mp_pkt *pkt,
			uint64_t now_ms); /* for the kernel: TCP, other UDP, fragments (dp_exception.c) */

static inline void mp_dp_drop(struct mp_dp_worker *w, struct rte_mbuf *m, unsigned why)
{
	w->stats.drops[why]++;
	rte_pktmbuf_free(m);
}

/* Queue m for TX on port pi from this worker's queue; flushed after the burst (or when full). */
void mp_dp_tx_flush(struct mp_dp_worker *w, unsigned pi);
static inline void mp_dp_tx(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m)
{
	struct mp_dp_tx_batch *b = &w->tx[pi];

	b->pkts[b->n++] = m;
	if (b->n == MP_BURST)
		mp_dp_tx_flush(w, pi);
}

/* Send the UDP/IPv4 frame m on port pi to a client or an origin: as it is (mp_dp_tx), or, when its
 * destination is a stand-in (an IPv6 client's or an IPv6 origin's), translated to IPv6
 * (mp_dp_tx_udp6, dp_v6client.c). */
static inline void mp_dp_tx_udp(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, uint64_t now_ms)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);

	if (likely(!mp_lb_is_standin(mp_rd32(f + (w->dp->ports[pi].iface.vlan_id ? 18 : 14) + 16)))) {
		mp_dp_tx(w, pi, m);
		return;
	}
	mp_dp_tx_udp6(w, pi, m, now_ms);
}

#endif
