/* test_nd.c: IPv6 on the data plane through the real worker loop (driven clock, net_ring): neighbour
 * solicitations for our address answered and their senders learned, the gateway solicited and kept
 * while it is probed again (stale-while-probing), advertisements nobody asked for ignored, echo
 * answered, IPv6 UDP classified (extension headers handled or dropped), and an IPv6 WebRTC client
 * reaching an IPv4 origin through its stand-in and hearing back over IPv6; an IPv6 SRT caller told
 * its own address in the handshake's peer IP field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "dp.h"
#include "ipv6.h"
#include "lb.h"
#include "mp_error.h"
#include "ring_harness.h"
#include "srt.h"
#include "udp_frame.h"

static const uint8_t US[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };      /* 2001:db8::2/64 */
static const uint8_t GW[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t CLIENT[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a };
static const uint8_t STRANGER[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x63 };
static const uint8_t FAR[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [15] = 1 }; /* off-link */
static const uint8_t CLIENT_MAC[6] = { 0x02, 0xc1, 0, 0, 0, 0x0a };
static const uint8_t GW_MAC[6] = { 0x02, 0x61, 0, 0, 0, 0x01 };
static const uint8_t GW_MAC2[6] = { 0x02, 0x61, 0, 0, 0, 0x02 };
static const uint8_t STRANGER_MAC[6] = { 0x02, 0x66, 0, 0, 0, 0x63 };

#define EXPIRY_MS 300000 /* the neighbour cache's lifetime (dp_port.c), as ARP's */

static void start(struct mp_rh *h)
{
	struct mp_rh_addr a = { .public_ip = 0xC6124202u, .public_prefix = 16, .public_gateway = 0xC6124201u,
				.public_prefix6 = 64 };
	struct mp_lb_config lc;

	memcpy(a.public_ip6, US, 16);
	memcpy(a.public_gateway6, GW, 16);
	mp_rh_lb_config(&lc);
	mp_rh_start_driven(h, &a, 1, 1, &lc);
	mp_rh_settle(h);
}

/* Ethernet + IPv6 from src/mac to dst (Ethernet to the port's MAC, or to dst's group if multicast)
 * carrying l4 (whose checksum at csum_off, if any, is filled); hop limit hl; returns the length. */
static size_t frame6(struct mp_rh *h, uint8_t *f, const uint8_t mac[6], const uint8_t src[16], const uint8_t dst[16],
		     uint8_t nh, uint8_t hl, const uint8_t *l4, size_t n, int csum_off)
{
	if (mp_ip6_is_multicast(dst))
		mp_ip6_multicast_mac(dst, f);
	else
		memcpy(f, mp_rh_port_mac(h, 0), 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x86, f[13] = 0xdd;
	mp_ip6_write_header(f + 14, (uint16_t)n, nh, hl, src, dst);
	memcpy(f + 54, l4, n);
	if (csum_off >= 0) {
		mp_wr16(f + 54 + csum_off, 0);
		mp_wr16(f + 54 + csum_off, mp_ip6_l4_csum(f + 14, f + 54, n, nh));
	}
	return 54 + n;
}

/* An NS (type 135) or NA (136) for target with a link-layer option of lladdr (NULL: none). */
static void send_nd(struct mp_rh *h, uint8_t type, uint8_t flags, const uint8_t mac[6], const uint8_t src[16],
		    const uint8_t dst[16], const uint8_t target[16], const uint8_t *lladdr, uint8_t hl)
{
	uint8_t m[32] = { type, 0, 0, 0, flags }, f[128];

	memcpy(m + 8, target, 16);
	if (lladdr) {
		m[24] = type == MP_ND_NS ? 1 : 2;
		m[25] = 1;
		memcpy(m + 26, lladdr, 6);
	}
	mp_rh_send(h, 0, f, frame6(h, f, mac, src, dst, MP_IPPROTO_ICMPV6, hl, m, lladdr ? 32 : 24, 2));
}

static void send_ns(struct mp_rh *h, const uint8_t target[16])
{
	uint8_t group[16];

	mp_ip6_solicited_node(target, group);
	send_nd(h, MP_ND_NS, 0, CLIENT_MAC, CLIENT, group, target, CLIENT_MAC, 255);
}

/* Frames of ICMPv6 type among what left port 0 since out[from] (for NS/NA: with this target). */
static unsigned icmp6_out(struct mp_rh *h, unsigned from, uint8_t type, const uint8_t *target)
{
	unsigned n = 0;

	for (unsigned i = from; i < h->nout[0]; i++) {
		const uint8_t *f = h->out[0][i].b, *ip = f + 14;
		struct mp_ip6 m;

		if (mp_rd16(f + 12) != 0x86dd || mp_ip6_parse(ip, h->out[0][i].len - 14, &m) != MP_IP6_OK ||
		    m.proto != MP_IPPROTO_ICMPV6 || ip[m.l4_off] != type)
			continue;
		/* every ICMPv6 message we send verifies */
		assert_true(mp_ip6_l4_csum_ok(ip, ip + m.l4_off, m.l4_len, MP_IPPROTO_ICMPV6));
		if (!target || !memcmp(ip + m.l4_off + 8, target, 16))
			n++;
	}
	return n;
}

static const uint8_t *last_out(struct mp_rh *h)
{
	assert_true(h->nout[0] > 0);
	return h->out[0][h->nout[0] - 1].b;
}

static bool known(struct mp_rh *h, const uint8_t ip[16], uint8_t mac[6])
{
	bool refresh;

	return mp_nd_cache_lookup(&h->dp.ports[0].nd, ip, mac, h->now, &refresh) == MP_OK;
}

static void a_solicitation_for_our_address_is_answered_and_its_sender_learned(void **state)
{
	static struct mp_rh h;
	struct mp_dp_stats st;
	uint8_t mac[6], group[16];
	const uint8_t *f;

	(void)state;
	start(&h);
	h.nout[0] = 0;
	assert_false(known(&h, CLIENT, mac));
	send_ns(&h, US);
	mp_rh_settle(&h);
	assert_int_equal(icmp6_out(&h, 0, MP_ND_NA, US), 1);
	f = last_out(&h);
	assert_memory_equal(f, CLIENT_MAC, 6);                  /* back to the sender */
	assert_memory_equal(f + 6, mp_rh_port_mac(&h, 0), 6);
	assert_memory_equal(f + 14 + 8, US, 16);
	assert_memory_equal(f + 14 + 24, CLIENT, 16);
	assert_int_equal(f[14 + 7], 255);
	assert_int_equal(f[54 + 4], MP_ND_NA_SOLICITED | MP_ND_NA_OVERRIDE);
	assert_int_equal(f[54 + 24], 2);                        /* target link-layer address: ours */
	assert_memory_equal(f + 54 + 26, mp_rh_port_mac(&h, 0), 6);
	assert_true(known(&h, CLIENT, mac));
	assert_memory_equal(mac, CLIENT_MAC, 6);

	/* duplicate address detection from :: for our address: answered to all-nodes, S clear */
	mp_ip6_solicited_node(US, group);
	send_nd(&h, MP_ND_NS, 0, STRANGER_MAC, (const uint8_t[16]){ 0 }, group, US, NULL, 255);
	mp_rh_settle(&h);
	assert_int_equal(icmp6_out(&h, 0, MP_ND_NA, US), 2);
	f = last_out(&h);
	assert_memory_equal(f, ((const uint8_t[6]){ 0x33, 0x33, 0, 0, 0, 1 }), 6);
	assert_int_equal(f[54 + 4], MP_ND_NA_OVERRIDE);

	/* for another address (to its group, or to us), or from off-link (hop limit 254): not
	 * answered, counted */
	send_ns(&h, STRANGER);
	send_nd(&h, MP_ND_NS, 0, CLIENT_MAC, CLIENT, US, STRANGER, CLIENT_MAC, 255);
	send_nd(&h, MP_ND_NS, 0, CLIENT_MAC, CLIENT, group, US, CLIENT_MAC, 254);
	mp_rh_settle(&h);
	assert_int_equal(icmp6_out(&h, 0, MP_ND_NA, NULL), 2);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.nd_advertisements, 2);
	assert_int_equal(st.drops[MP_DROP_NOT_US], 1);
	assert_int_equal(st.drops[MP_DROP_ND_NOT_US], 1);
	assert_int_equal(st.drops[MP_DROP_ND_MALFORMED], 1);
	mp_rh_stop(&h);
}

/* The gateway is asked for at start; its answer is taken; before its lifetime ends it is used while
 * probed again by unicast; without an answer it ends, and multicast solicitations start again.
 * Advertisements nobody asked for create nothing and move nothing. */
static void the_gateway_is_solicited_and_kept_while_it_is_probed_again(void **state)
{
	static struct mp_rh h;
	struct mp_dp_worker *w;
	struct mp_dp_stats st;
	uint8_t mac[6];
	unsigned mark;
	uint64_t t0;

	(void)state;
	start(&h);
	w = &h.dp.workers[0];
	/* at start: one solicitation for the gateway, to its solicited-node group */
	assert_int_equal(icmp6_out(&h, 0, MP_ND_NS, GW), 1);
	assert_memory_equal(last_out(&h), ((const uint8_t[6]){ 0x33, 0x33, 0xff, 0, 0, 1 }), 6);
	assert_false(known(&h, GW, mac));
	assert_int_equal(mp_dp_resolve6(&h.dp, w, 0, FAR, mac, h.now), MP_ERR_NOTFOUND);
	/* an advertisement for a stranger nobody asked about: nothing created */
	send_nd(&h, MP_ND_NA, MP_ND_NA_OVERRIDE, STRANGER_MAC, STRANGER, US, STRANGER, STRANGER_MAC, 255);
	/* the gateway answers */
	send_nd(&h, MP_ND_NA, MP_ND_NA_SOLICITED | MP_ND_NA_ROUTER, GW_MAC, GW, US, GW, GW_MAC, 255);
	mp_rh_settle(&h);
	assert_false(known(&h, STRANGER, mac));
	assert_int_equal(h.dp.ports[0].nd.unsolicited, 1);
	assert_true(known(&h, GW, mac));
	assert_memory_equal(mac, GW_MAC, 6);
	/* off-link destinations go through it */
	t0 = h.now;
	h.nout[0] = 0;
	assert_int_equal(mp_dp_resolve6(&h.dp, w, 0, FAR, mac, h.now), MP_OK);
	assert_memory_equal(mac, GW_MAC, 6);
	mp_rh_settle(&h);
	assert_int_equal(icmp6_out(&h, 0, MP_ND_NS, NULL), 0);
	/* a second advertisement of the gateway with another MAC, unasked: ignored */
	send_nd(&h, MP_ND_NA, MP_ND_NA_OVERRIDE, GW_MAC2, GW, US, GW, GW_MAC2, 255);
	mp_rh_settle(&h);
	assert_true(known(&h, GW, mac));
	assert_memory_equal(mac, GW_MAC, 6);

	/* 250 s: past the refresh point (4/5 of the lifetime): still used, and probed once, unicast */
	mp_rh_advance(&h, 250000);
	mark = h.nout[0];
	assert_int_equal(mp_dp_resolve6(&h.dp, w, 0, FAR, mac, h.now), MP_OK);
	assert_int_equal(mp_dp_resolve6(&h.dp, w, 0, FAR, mac, h.now), MP_OK);
	mp_rh_settle(&h);
	assert_int_equal(icmp6_out(&h, mark, MP_ND_NS, GW), 1);
	assert_memory_equal(last_out(&h), GW_MAC, 6);
	assert_memory_equal(last_out(&h) + 14 + 24, GW, 16);
	/* no answer: at its lifetime it is gone; the next lookup solicits the group again */
	mp_rh_advance(&h, t0 + EXPIRY_MS + 1000 - h.now);
	mark = h.nout[0];
	assert_int_equal(mp_dp_resolve6(&h.dp, w, 0, FAR, mac, h.now), MP_ERR_NOTFOUND);
	mp_rh_settle(&h);
	assert_int_equal(icmp6_out(&h, mark, MP_ND_NS, GW), 1);
	assert_memory_equal(last_out(&h), ((const uint8_t[6]){ 0x33, 0x33, 0xff, 0, 0, 1 }), 6);
	/* its answer now is solicited: taken */
	send_nd(&h, MP_ND_NA, MP_ND_NA_SOLICITED, GW_MAC2, GW, US, GW, GW_MAC2, 255);
	mp_rh_settle(&h);
	assert_int_equal(mp_dp_resolve6(&h.dp, w, 0, FAR, mac, h.now), MP_OK);
	assert_memory_equal(mac, GW_MAC2, 6);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.nd_solicitations, 3);
	mp_rh_stop(&h);
}

static void echo_to_our_address_is_answered(void **state)
{
	static struct mp_rh h;
	struct mp_dp_stats st;
	uint8_t echo[16] = { MP_ICMP6_ECHO_REQUEST, 0, 0, 0, 0x12, 0x34, 0, 1, 'a', 'b', 'c', 'd' }, f[128];
	const uint8_t *o;

	(void)state;
	start(&h);
	h.nout[0] = 0;
	mp_rh_send(&h, 0, f, frame6(&h, f, CLIENT_MAC, CLIENT, US, MP_IPPROTO_ICMPV6, 64, echo, sizeof(echo), 2));
	mp_rh_send(&h, 0, f, frame6(&h, f, CLIENT_MAC, CLIENT, STRANGER, MP_IPPROTO_ICMPV6, 64, echo, sizeof(echo), 2));
	/* a bad checksum */
	frame6(&h, f, CLIENT_MAC, CLIENT, US, MP_IPPROTO_ICMPV6, 64, echo, sizeof(echo), 2);
	f[54 + 3] ^= 1;
	mp_rh_send(&h, 0, f, 54 + sizeof(echo));
	mp_rh_settle(&h);
	assert_int_equal(icmp6_out(&h, 0, MP_ICMP6_ECHO_REPLY, NULL), 1);
	o = last_out(&h);
	assert_memory_equal(o, CLIENT_MAC, 6);
	assert_memory_equal(o + 14 + 8, US, 16);
	assert_memory_equal(o + 14 + 24, CLIENT, 16);
	assert_memory_equal(o + 54 + 4, echo + 4, 8);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.icmp_echo_replies, 1);
	assert_int_equal(st.drops[MP_DROP_NOT_US], 1);
	assert_int_equal(st.drops[MP_DROP_ICMP_MALFORMED], 1);
	mp_rh_stop(&h);
}

/* UDP of n bytes payload pl from CLIENT:sport to US:dport behind extension headers ext (m bytes,
 * first next header nh0, the last one's next header UDP); hop limit hl. */
static void send_udp6(struct mp_rh *h, uint8_t nh0, const uint8_t *ext, size_t m, uint16_t dport, uint8_t hl,
		      bool zero_csum)
{
	uint8_t l[256] = { 0 }, f[512];
	static const uint8_t pl[20] = { 0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42 }; /* a STUN header */
	size_t n;

	if (m) /* no extension headers: ext may be NULL */
		memcpy(l, ext, m);
	mp_wr16(l + m, 5000);
	mp_wr16(l + m + 2, dport);
	mp_wr16(l + m + 4, 8 + sizeof(pl));
	memcpy(l + m + 8, pl, sizeof(pl));
	n = frame6(h, f, CLIENT_MAC, CLIENT, US, nh0, hl, l, m + 8 + sizeof(pl), -1);
	if (!zero_csum)
		mp_wr16(f + 54 + m + 6, mp_ip6_l4_csum(f + 14, f + 54 + m, 8 + sizeof(pl), MP_IPPROTO_UDP));
	mp_rh_send(h, 0, f, n);
}

static void ipv6_udp_is_classified_and_extension_headers_handled_or_counted(void **state)
{
	static struct mp_rh h;
	struct mp_dp_stats st;
	/* destination options (PadN) then UDP; routing with segments left 1; a fragment header */
	static const uint8_t dstopts[8] = { MP_IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0 };
	static const uint8_t routing[8] = { MP_IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 0 };
	static const uint8_t frag[8] = { MP_IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 9 };
	static const uint8_t discard[8] = { MP_IPPROTO_UDP, 0, 0x9e, 2, 0, 0, 1, 0 }; /* action 10: discard */

	(void)state;
	start(&h);
	send_udp6(&h, MP_IPPROTO_UDP, NULL, 0, 8000, 64, false);     /* WebRTC port */
	send_udp6(&h, MP_IPPROTO_UDP, NULL, 0, 10080, 64, false);    /* SRT port */
	send_udp6(&h, MP_IPPROTO_DSTOPTS, dstopts, 8, 8000, 64, false); /* skipped header: still media */
	send_udp6(&h, MP_IPPROTO_ROUTING, routing, 8, 8000, 64, false);
	send_udp6(&h, MP_IPPROTO_DSTOPTS, discard, 8, 8000, 64, false);
	send_udp6(&h, MP_IPPROTO_FRAGMENT, frag, 8, 8000, 64, false); /* the kernel's (none here: counted) */
	send_udp6(&h, MP_IPPROTO_UDP, NULL, 0, 8000, 64, true);      /* no checksum: RFC 8200 section 8.1 */
	send_udp6(&h, MP_IPPROTO_UDP, NULL, 0, 8000, 1, false);      /* hop limit 1 */
	send_udp6(&h, MP_IPPROTO_UDP, NULL, 0, 12345, 64, false);    /* another port: the kernel's */
	mp_rh_settle(&h);
	mp_rh_stats(&h, &st);
	/* the three media frames enter the session machinery (as their client's stand-in), which
	 * drops them there: no USERNAME (WebRTC), no session for the socket id (SRT) */
	assert_int_equal(st.ip6_translated_in, 3);
	assert_int_equal(st.drops[MP_DROP_NO_SESSION] + st.drops[MP_DROP_SRT_SOCKET] + st.drops[MP_DROP_SRT_MALFORMED] +
				 st.drops[MP_DROP_SRT_HANDSHAKE], 3);
	assert_int_equal(st.drops[MP_DROP_IP6_EXTENSION], 2);
	assert_int_equal(st.drops[MP_DROP_IP_FRAGMENT], 1);
	assert_int_equal(st.drops[MP_DROP_UDP_MALFORMED], 1);
	assert_int_equal(st.drops[MP_DROP_TTL], 1);
	assert_int_equal(st.drops[MP_DROP_UDP_PORT], 1);
	assert_int_equal(st.sessions_created, 0);
	assert_int_equal(mp_dp_stats_drops(&st), 9);
	mp_rh_stop(&h);
}

#define ORIGIN 0xC6124214u /* 198.18.66.20: an IPv4 origin on the port's IPv4 subnet */
static const uint8_t ORIGIN_MAC[6] = { 0x02, 0x0a, 0, 0, 0, 0x14 };

/* The frames that left port 0 since out[from] of ethertype type. */
static unsigned out_of_type(struct mp_rh *h, unsigned from, uint16_t type, unsigned *last)
{
	unsigned n = 0;

	for (unsigned i = from; i < h->nout[0]; i++)
		if (mp_rd16(h->out[0][i].b + 12) == type) {
			n++;
			*last = i;
		}
	return n;
}

/* UDP/IPv6 from CLIENT:sport (MAC CLIENT_MAC) to US:dport with a valid checksum. */
static void send_udp6_payload(struct mp_rh *h, uint16_t sport, uint16_t dport, const uint8_t *pl, size_t n)
{
	uint8_t l[1500], f[1600];

	mp_wr16(l, sport);
	mp_wr16(l + 2, dport);
	mp_wr16(l + 4, (uint16_t)(8 + n));
	mp_wr16(l + 6, 0);
	memcpy(l + 8, pl, n);
	mp_rh_send(h, 0, f, frame6(h, f, CLIENT_MAC, CLIENT, US, MP_IPPROTO_UDP, 64, l, 8 + n, 6));
}

/* The one IPv6 UDP frame to the client among out[from..]: from US:sport to CLIENT:dport, valid
 * checksum, carrying pl; returns its payload. */
static const uint8_t *assert_udp6_to_client(struct mp_rh *h, unsigned from, uint16_t sport, uint16_t dport,
					    const uint8_t *pl, size_t n)
{
	unsigned at = 0;
	const uint8_t *f, *ip;
	struct mp_ip6 m;

	assert_int_equal(out_of_type(h, from, 0x86dd, &at), 1);
	f = h->out[0][at].b;
	ip = f + 14;
	assert_memory_equal(f, CLIENT_MAC, 6);
	assert_memory_equal(f + 6, mp_rh_port_mac(h, 0), 6);
	assert_int_equal(mp_ip6_parse(ip, h->out[0][at].len - 14, &m), MP_IP6_OK);
	assert_int_equal(m.proto, MP_IPPROTO_UDP);
	assert_memory_equal(ip + 8, US, 16);
	assert_memory_equal(ip + 24, CLIENT, 16);
	assert_int_equal(mp_rd16(ip + 40), sport);
	assert_int_equal(mp_rd16(ip + 42), dport);
	assert_int_equal(mp_rd16(ip + 44), 8 + n);
	assert_int_equal(h->out[0][at].len, 14 + 40 + 8 + n);
	assert_int_not_equal(mp_rd16(ip + 46), 0);
	assert_true(mp_ip6_l4_csum_ok(ip, ip + 40, 8 + n, MP_IPPROTO_UDP));
	if (pl)
		assert_memory_equal(ip + 48, pl, n);
	return ip + 48;
}

static void an_ipv6_webrtc_client_reaches_an_ipv4_origin_and_hears_back_over_ipv6(void **state)
{
	static struct mp_rh h;
	static const uint8_t rtp[100] = { 0x80, 0x60, 0, 1 }, back[80] = { 0x80, 0x60, 0, 9, 'o' };
	struct mp_test_udp u = { .src_ip = ORIGIN, .dst_ip = 0xC6124202u, .src_port = 8000 };
	struct mp_dp_stats st;
	struct mp_lb_session *s = NULL;
	uint8_t stun[160], f[256];
	size_t sn, fn;
	unsigned at = 0, mark;

	(void)state;
	start(&h);
	assert_int_equal(mp_lb_webrtc_store(h.lb, "v6:1", MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, ORIGIN, 8000,
					    h.now), MP_OK);
	mp_rh_send_arp(&h, 0, ORIGIN, ORIGIN_MAC);
	send_ns(&h, US); /* the client resolves us: we learn it */
	mp_rh_settle(&h);
	mark = h.nout[0];
	/* its STUN check starts the session: forwarded over IPv4 from our NAT port */
	sn = mp_rh_stun(stun, "v6:1", false, 5000, MP_RH_ICE_PWD);
	send_udp6_payload(&h, 5000, 8000, stun, sn);
	mp_rh_settle(&h);
	for (uint32_t i = 0; i < 1024 && !s; i++)
		s = mp_lb_session_at(h.lb, i);
	assert_non_null(s);
	assert_true(s->tuple.src_ip != 0 && s->tuple.src_ip >> 24 == 0); /* the client's stand-in, 0.0.0.0/8 */
	assert_int_equal(out_of_type(&h, mark, 0x0800, &at), 1);
	mp_rh_assert_udp_out(&h.out[0][at], mp_rh_port_mac(&h, 0), ORIGIN_MAC, 0xC6124202u, s->nat_port, ORIGIN, 8000,
			     stun, sn);
	/* media follows on the session */
	mark = h.nout[0];
	send_udp6_payload(&h, 5000, 8000, rtp, sizeof(rtp));
	mp_rh_settle(&h);
	assert_int_equal(out_of_type(&h, mark, 0x0800, &at), 1);
	mp_rh_assert_udp_out(&h.out[0][at], mp_rh_port_mac(&h, 0), ORIGIN_MAC, 0xC6124202u, s->nat_port, ORIGIN, 8000,
			     rtp, sizeof(rtp));
	/* the origin answers the NAT port over IPv4: the client hears it over IPv6, from US:8000 */
	mark = h.nout[0];
	mp_rh_send_udp(&h, 0, ORIGIN_MAC, ORIGIN, 8000, s->nat_port, back, sizeof(back));
	mp_rh_settle(&h);
	assert_udp6_to_client(&h, mark, 8000, 5000, back, sizeof(back));
	assert_int_equal(h.out[0][h.nout[0] - 1].b[14 + 7], 63); /* hop limit: the TTL, decremented */
	/* without a UDP checksum over IPv4 (RFC 768 allows it), one is computed for IPv6 */
	mark = h.nout[0];
	memcpy(u.src_mac, ORIGIN_MAC, 6);
	memcpy(u.dst_mac, mp_rh_port_mac(&h, 0), 6);
	u.dst_port = s->nat_port;
	fn = mp_test_udp_frame(f, &u, back, sizeof(back));
	mp_wr16(f + 40, 0);
	mp_rh_send(&h, 0, f, fn);
	mp_rh_settle(&h);
	assert_udp6_to_client(&h, mark, 8000, 5000, back, sizeof(back));
	mp_rh_stats(&h, &st);
	assert_int_equal(st.sessions_created, 1);
	assert_int_equal(st.ip6_translated_in, 2);
	assert_int_equal(st.ip6_translated_out, 2);
	assert_int_equal(mp_dp_stats_drops(&st), 0);
	mp_rh_stop(&h);
}

/* An IPv6 caller's INDUCTION is answered by the appliance over IPv6, its peer IP field naming the
 * caller's IPv6 address as libsrt lays it out (not its IPv4 stand-in). */
static void an_ipv6_srt_caller_is_answered_over_ipv6_with_its_own_address(void **state)
{
	static struct mp_rh h;
	struct mp_srt_handshake ind = { .version = 4, .extension = 2, .isn = 1, .mtu = 1500, .flow_window = 8192,
					.hs_type = MP_SRT_HS_INDUCTION, .socket_id = 0x1234 };
	struct mp_srt_handshake ans;
	uint8_t pkt[128], peer[16];
	const uint8_t *pl;
	int n;
	unsigned mark;

	(void)state;
	start(&h);
	send_ns(&h, US);
	mp_rh_settle(&h);
	mark = h.nout[0];
	n = mp_srt_hs_build(&ind, pkt, sizeof(pkt));
	assert_true(n > 0);
	send_udp6_payload(&h, 6000, 10080, pkt, (size_t)n);
	mp_rh_settle(&h);
	pl = assert_udp6_to_client(&h, mark, 10080, 6000, NULL, MP_SRT_HS_LEN);
	assert_int_equal(mp_srt_hs_parse(pl, MP_SRT_HS_LEN, &ans), MP_OK);
	assert_int_equal(ans.hs_type, MP_SRT_HS_INDUCTION);
	assert_int_equal(ans.dst_sockid, 0x1234);
	mp_srt_peer_ip_from_ipv6(CLIENT, peer);
	assert_memory_equal(ans.peer_ip, peer, 16);
	mp_rh_stop(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(a_solicitation_for_our_address_is_answered_and_its_sender_learned, mp_rh_teardown),
		cmocka_unit_test_teardown(the_gateway_is_solicited_and_kept_while_it_is_probed_again, mp_rh_teardown),
		cmocka_unit_test_teardown(echo_to_our_address_is_answered, mp_rh_teardown),
		cmocka_unit_test_teardown(ipv6_udp_is_classified_and_extension_headers_handled_or_counted, mp_rh_teardown),
		cmocka_unit_test_teardown(an_ipv6_webrtc_client_reaches_an_ipv4_origin_and_hears_back_over_ipv6, mp_rh_teardown),
		cmocka_unit_test_teardown(an_ipv6_srt_caller_is_answered_over_ipv6_with_its_own_address, mp_rh_teardown),
	};

	return cmocka_run_group_tests(tests, mp_rh_eal_setup, mp_rh_eal_teardown);
}
