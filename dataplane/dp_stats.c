/* dp_stats.c: names of the drop reasons and summing of per-lcore counters. */
#include "dp_stats.h"

static const char *const drop_names[MP_DROP__COUNT] = {
	[MP_DROP_RUNT] = "runt",
	[MP_DROP_ETHERTYPE] = "ethertype",
	[MP_DROP_VLAN] = "vlan",
	[MP_DROP_ARP_MALFORMED] = "arp_malformed",
	[MP_DROP_ARP_NOT_US] = "arp_not_us",
	[MP_DROP_IP_HEADER] = "ip_header",
	[MP_DROP_IP_CHECKSUM] = "ip_checksum",
	[MP_DROP_IP_FRAGMENT] = "ip_fragment",
	[MP_DROP_IP_OPTIONS] = "ip_options",
	[MP_DROP_NOT_US] = "not_us",
	[MP_DROP_ICMP_MALFORMED] = "icmp_malformed",
	[MP_DROP_ICMP_OTHER] = "icmp_other",
	[MP_DROP_UDP_MALFORMED] = "udp_malformed",
	[MP_DROP_UDP_PORT] = "udp_port",
	[MP_DROP_TCP] = "tcp",
	[MP_DROP_OTHER_PROTO] = "other_proto",
	[MP_DROP_NO_SESSION] = "no_session",
	[MP_DROP_STUN_UNKNOWN] = "stun_unknown",
	[MP_DROP_NO_NEXTHOP] = "no_nexthop",
	[MP_DROP_TX_FULL] = "tx_full",
	[MP_DROP_SRT_MALFORMED] = "srt_malformed",
	[MP_DROP_SRT_COOKIE] = "srt_cookie",
	[MP_DROP_SRT_HANDSHAKE] = "srt_handshake",
	[MP_DROP_SRT_SOCKET] = "srt_socket",
	[MP_DROP_EXCEPTION_RATE] = "exception_rate",
	[MP_DROP_SESSIONS_FULL] = "sessions_full",
	[MP_DROP_WRONG_ORIGIN] = "wrong_origin",
	[MP_DROP_STUN_OTHER_ADDR] = "stun_other_address",
	[MP_DROP_SESSION_RATE] = "session_rate",
	[MP_DROP_SRT_HS_RATE] = "srt_handshake_rate",
	[MP_DROP_STUN_INTEGRITY] = "stun_integrity",
	[MP_DROP_STUN_NO_PWD] = "stun_no_pwd",
	[MP_DROP_TTL] = "ttl_exceeded",
	[MP_DROP_HANDOFF_FULL] = "handoff_full",
	[MP_DROP_IP6_HEADER] = "ip6_header",
	[MP_DROP_IP6_EXTENSION] = "ip6_extension",
	[MP_DROP_ND_MALFORMED] = "nd_malformed",
	[MP_DROP_ND_NOT_US] = "nd_not_us",
	[MP_DROP_IP6_CLIENTS_FULL] = "ip6_clients_full",
};

const char *mp_dp_drop_name(enum mp_dp_drop d)
{
	return (unsigned)d < MP_DROP__COUNT ? drop_names[d] : "unknown";
}

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

void mp_dp_stats_add(struct mp_dp_stats *sum, const struct mp_dp_stats *one)
{
	sum->rx_packets += LOAD(one->rx_packets);
	sum->rx_bytes += LOAD(one->rx_bytes);
	sum->tx_packets += LOAD(one->tx_packets);
	sum->tx_bytes += LOAD(one->tx_bytes);
	sum->arp_replies += LOAD(one->arp_replies);
	sum->arp_requests += LOAD(one->arp_requests);
	sum->icmp_echo_replies += LOAD(one->icmp_echo_replies);
	sum->sessions_created += LOAD(one->sessions_created);
	sum->sessions_expired += LOAD(one->sessions_expired);
	sum->sessions_rebound += LOAD(one->sessions_rebound);
	sum->sessions_closed += LOAD(one->sessions_closed);
	sum->stun_unverified += LOAD(one->stun_unverified);
	sum->lookup_misses += LOAD(one->lookup_misses);
	sum->srt_inductions += LOAD(one->srt_inductions);
	sum->srt_handshakes += LOAD(one->srt_handshakes);
	sum->srt_rejects += LOAD(one->srt_rejects);
	sum->srt_origin_timeouts += LOAD(one->srt_origin_timeouts);
	sum->srt_shutdowns += LOAD(one->srt_shutdowns);
	sum->exception_to_kernel += LOAD(one->exception_to_kernel);
	sum->exception_from_kernel += LOAD(one->exception_from_kernel);
	sum->nat_to_kernel += LOAD(one->nat_to_kernel);
	sum->handed_off += LOAD(one->handed_off);
	sum->nd_advertisements += LOAD(one->nd_advertisements);
	sum->nd_solicitations += LOAD(one->nd_solicitations);
	sum->ip6_translated_in += LOAD(one->ip6_translated_in);
	sum->ip6_translated_out += LOAD(one->ip6_translated_out);
	for (int i = 0; i < MP_DROP__COUNT; i++)
		sum->drops[i] += LOAD(one->drops[i]);
}
