/* dp_stats.h: per-lcore data-plane counters (single writer: the owning worker; read by the control plane). */
#ifndef MP_DP_STATS_H
#define MP_DP_STATS_H

#include <stdint.h>

/* Why a packet was dropped. Keep mp_dp_drop_name() in dp_stats.c in step. */
enum mp_dp_drop {
	MP_DROP_RUNT = 0,        /* shorter than an Ethernet header */
	MP_DROP_ETHERTYPE,       /* neither IPv4 nor ARP (nor the configured VLAN) */
	MP_DROP_VLAN,            /* VLAN tag absent, unexpected or other VLAN id */
	MP_DROP_ARP_MALFORMED,   /* ARP not Ethernet/IPv4 or truncated */
	MP_DROP_ARP_NOT_US,      /* ARP for another address */
	MP_DROP_IP_HEADER,       /* version, IHL or total length wrong */
	MP_DROP_IP_CHECKSUM,     /* IPv4 header checksum wrong */
	MP_DROP_IP_FRAGMENT,     /* fragments (no reassembly on the fast path) */
	MP_DROP_IP_OPTIONS,      /* IPv4 options */
	MP_DROP_NOT_US,          /* IPv4 destination is not the appliance */
	MP_DROP_ICMP_MALFORMED,  /* ICMP truncated or checksum wrong */
	MP_DROP_ICMP_OTHER,      /* ICMP other than echo request */
	MP_DROP_UDP_MALFORMED,   /* UDP length or checksum wrong */
	MP_DROP_UDP_PORT,        /* UDP to a port the data plane does not serve */
	MP_DROP_TCP,             /* TCP to the appliance (no exception path configured) */
	MP_DROP_OTHER_PROTO,     /* other IP protocols */
	MP_DROP_NO_SESSION,      /* media from an address with no session, not a known STUN */
	MP_DROP_STUN_UNKNOWN,    /* STUN whose USERNAME is not in the balancer */
	MP_DROP_NO_NEXTHOP,      /* next hop MAC unknown (ARP pending) */
	MP_DROP_TX_FULL,         /* the port refused the packet */
	MP_DROP_SRT_MALFORMED,   /* SRT shorter than its header, or a handshake that does not parse */
	MP_DROP_SRT_COOKIE,      /* SRT CONCLUSION whose SYN cookie does not verify */
	MP_DROP_SRT_HANDSHAKE,   /* SRT handshake not acted on (retransmission while the origin is asked) */
	MP_DROP_SRT_SOCKET,      /* SRT to a socket id with no session, or from another address */
	MP_DROP_EXCEPTION_RATE,  /* for the kernel, over the exception path's rate limit */
	MP_DROP_SESSIONS_FULL,   /* a new session refused: session table or NAT port range exhausted */
	MP_DROP_WRONG_ORIGIN,    /* to a NAT port from an address other than its session's origin */
	MP_DROP_STUN_OTHER_ADDR, /* a known USERNAME from a second address while the session's is active */
	MP_DROP_SESSION_RATE,    /* a new, replacing or re-bound session over its source's rate (session_rate) */
	MP_DROP_SRT_HS_RATE,     /* an SRT handshake over its source's rate (srt_handshake_rate) */
	MP_DROP_STUN_INTEGRITY,  /* a STUN that would start or move a session: MESSAGE-INTEGRITY missing or wrong */
	MP_DROP_STUN_NO_PWD,     /* the same for an ICE username stored without ice-pwd (webrtc_allow_no_pwd off) */
	MP_DROP_TTL,             /* media that would be forwarded with TTL <= 1 (RFC 1812 section 5.3.1) */
	MP_DROP_HANDOFF_FULL,    /* for another worker (its session's owner), whose hand-off ring was full */
	MP_DROP_IP6_HEADER,      /* IPv6: truncated, version not 6, payload length past the frame */
	MP_DROP_IP6_EXTENSION,   /* IPv6 extension headers refused (proto/ipv6.h: discard options, routing
				  * with segments left, hop-by-hop not first, more than 8, No Next Header) */
	MP_DROP_ND_MALFORMED,    /* a neighbour solicitation/advertisement breaking RFC 4861 section 7.1 */
	MP_DROP_ND_NOT_US,       /* a neighbour solicitation for an address that is not ours */
	MP_DROP_IP6_CLIENTS_FULL, /* an IPv6 client's media when the IPv6 client table is full (dp_v6client.h) */
	MP_DROP__COUNT
};

struct mp_dp_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t arp_replies;
	uint64_t arp_requests;
	uint64_t icmp_echo_replies;
	uint64_t sessions_created;
	uint64_t sessions_expired;
	uint64_t sessions_rebound;  /* moved to a new client address (NAT rebinding, path change) */
	uint64_t sessions_closed;   /* ended early by a DTLS alert */
	uint64_t stun_unverified;   /* sessions started or moved by a STUN not verified (no ice-pwd known,
				     * webrtc_allow_no_pwd on) */
	uint64_t lookup_misses;
	uint64_t srt_inductions;      /* INDUCTIONs answered by the appliance */
	uint64_t srt_handshakes;      /* handshakes completed through an origin */
	uint64_t srt_rejects;         /* rejections sent to clients (no origin, origin silent, origin refused) */
	uint64_t srt_origin_timeouts; /* origins that did not answer the handshake in time */
	uint64_t srt_shutdowns;       /* sessions closed by an SRT SHUTDOWN */
	uint64_t exception_to_kernel;   /* frames handed to the kernel through the exception path */
	uint64_t exception_from_kernel; /* frames the kernel sent out through the data port */
	uint64_t nat_to_kernel;  /* to a NAT port with no live session for its sender: given to the kernel
				  * (exception path; counted as drop no_session without one) */
	uint64_t handed_off;     /* frames passed to the worker that owns their session (dp_handoff.c) */
	uint64_t nd_advertisements; /* IPv6 neighbour advertisements sent (answers to solicitations for our address) */
	uint64_t nd_solicitations;  /* IPv6 neighbour solicitations sent (resolving next hops, probing stale ones) */
	uint64_t ip6_translated_in;  /* IPv6 clients' media translated to IPv4 (their stand-in, dp_v6client.h) */
	uint64_t ip6_translated_out; /* frames to IPv6 clients translated back to IPv6 */
	uint64_t drops[MP_DROP__COUNT];
} __attribute__((aligned(64)));

const char *mp_dp_drop_name(enum mp_dp_drop d);

/* sum += one, reading one with relaxed atomic loads (it is written by another lcore). */
void mp_dp_stats_add(struct mp_dp_stats *sum, const struct mp_dp_stats *one);

static inline uint64_t mp_dp_stats_drops(const struct mp_dp_stats *s)
{
	uint64_t n = 0;

	for (int i = 0; i < MP_DROP__COUNT; i++)
		n += s->drops[i];
	return n;
}

#endif
