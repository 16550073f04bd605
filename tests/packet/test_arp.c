/* test_arp.c: the data plane's neighbour table through the real worker loop (driven clock): an
 * ageing entry keeps forwarding while a probe goes out, replies and gratuitous ARPs nobody asked
 * for create nothing, and a flood of neighbours stays within the table, evicting the least
 * recently used, never the origin in use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "dp.h"
#include "lb.h"
#include "mp_error.h"
#include "ring_harness.h"
#include "udp_frame.h"

#define US 0xC6124202u     /* 198.18.66.2/16 (room for a flood of on-link neighbours) */
#define GW 0xC6124201u
#define CLIENT 0xC612420Au
#define ORIGIN 0xC6124214u
#define STRANGER 0xC6124263u

static const struct mp_rh_addr ADDR = { .public_ip = US, .public_prefix = 16, .public_gateway = GW };
static const uint8_t CLIENT_MAC[6] = { 0x02, 0xc1, 0, 0, 0, 0x0a };
static const uint8_t ORIGIN_MAC[6] = { 0x02, 0x0a, 0, 0, 0, 0x14 };
static const uint8_t ORIGIN_MAC2[6] = { 0x02, 0x0a, 0, 0, 0, 0x15 };
static const uint8_t STRANGER_MAC[6] = { 0x02, 0x66, 0, 0, 0, 0x63 };

#define EXPIRY_MS 300000 /* the data plane's ARP lifetime (dp_port.c) */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* An ARP frame: op 1 request / 2 reply, sender mac/sip, target tip (hardware address zero). */
static void send_arp(struct mp_rh *h, uint16_t op, const uint8_t mac[6], uint32_t sip, uint32_t tip)
{
	uint8_t f[60] = { 0 };

	memcpy(f, op == 1 ? (const uint8_t *)"\xff\xff\xff\xff\xff\xff" : mp_rh_port_mac(h, 0), 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08, f[13] = 0x06;
	f[15] = 1, f[16] = 0x08, f[18] = 6, f[19] = 4, f[21] = (uint8_t)op;
	memcpy(f + 22, mac, 6);
	put32(f + 28, sip);
	put32(f + 38, tip);
	mp_rh_send(h, 0, f, sizeof(f));
}

/* ARP requests for ip among what left port 0 since out[from]. */
static unsigned requests_for(struct mp_rh *h, unsigned from, uint32_t ip)
{
	unsigned n = 0;

	for (unsigned i = from; i < h->nout[0]; i++) {
		const uint8_t *f = h->out[0][i].b;

		if (mp_rd16(f + 12) == 0x0806 && mp_rd16(f + 20) == 1 && mp_rd32(f + 38) == ip)
			n++;
	}
	return n;
}

static bool known(struct mp_rh *h, uint32_t ip, uint8_t mac[6])
{
	bool refresh;

	return mp_arp_cache_lookup(&h->dp.ports[0].arp, ip, mac, h->now, &refresh) == MP_OK;
}

static void start(struct mp_rh *h, uint16_t *nat)
{
	struct mp_lb_config lc;

	mp_rh_lb_config(&lc);
	lc.webrtc_idle_ms = 3600000; /* the session outlives the ARP lifetimes tested */
	lc.webrtc_ttl_ms = 3600000;
	mp_rh_start_driven(h, &ADDR, 1, 1, &lc);
	assert_int_equal(mp_lb_webrtc_store(h->lb, "arp:1", MP_RH_ICE_PWD, "__defaultVhost__/live/s", 0, ORIGIN, 8000,
					    h->now), MP_OK);
	mp_rh_send_arp(h, 0, CLIENT, CLIENT_MAC);
	mp_rh_send_arp(h, 0, ORIGIN, ORIGIN_MAC);
	mp_rh_send_stun(h, 0, CLIENT_MAC, CLIENT, 5000, "arp:1", false);
	mp_rh_settle(h);
	for (uint32_t i = 0; i < 1024; i++) {
		struct mp_lb_session *s = mp_lb_session_at(h->lb, i);

		if (s)
			*nat = s->nat_port;
	}
	h->nout[0] = 0;
}

/* Media from the client: forwarded to the origin's MAC? */
static bool media_reaches(struct mp_rh *h, const uint8_t mac[6])
{
	static const uint8_t pl[64] = { 0x80, 0x60 };
	unsigned before = h->nout[0];

	mp_rh_send_udp(h, 0, CLIENT_MAC, CLIENT, 5000, 8000, pl, sizeof(pl));
	mp_rh_settle(h);
	for (unsigned i = before; i < h->nout[0]; i++)
		if (mp_rd16(h->out[0][i].b + 12) == 0x0800 && !memcmp(h->out[0][i].b, mac, 6))
			return true;
	return false;
}

/* Before the lifetime ends, a used entry is asked for again while media keeps flowing with it; the
 * answer renews it, so there is never a gap. Without an answer it ends at its lifetime. */
static void an_ageing_entry_keeps_forwarding_while_it_is_asked_for_again(void **state)
{
	static struct mp_rh h;
	struct mp_dp_stats st;
	uint8_t mac[6];
	uint16_t nat = 0;
	uint64_t t0;

	(void)state;
	start(&h, &nat);
	t0 = h.now;
	assert_true(media_reaches(&h, ORIGIN_MAC));
	assert_int_equal(requests_for(&h, 0, ORIGIN), 0);
	/* 250 s: past the refresh point (4/5 of 300 s), still forwarding, and one request goes out */
	mp_rh_advance(&h, 250000);
	h.nout[0] = 0;
	assert_true(media_reaches(&h, ORIGIN_MAC));
	assert_true(media_reaches(&h, ORIGIN_MAC));
	assert_int_equal(requests_for(&h, 0, ORIGIN), 1); /* rate-limited: not one per packet */
	/* the origin answers (with a new MAC, say): renewed and used at once */
	send_arp(&h, 2, ORIGIN_MAC2, ORIGIN, US);
	mp_rh_settle(&h);
	mp_rh_advance(&h, MP_DP_NH_CACHE_MS);
	assert_true(media_reaches(&h, ORIGIN_MAC2));
	/* past the first lifetime: still known, never a drop */
	mp_rh_advance(&h, t0 + EXPIRY_MS + 10000 - h.now);
	assert_true(media_reaches(&h, ORIGIN_MAC2));
	mp_rh_stats(&h, &st);
	assert_int_equal(st.drops[MP_DROP_NO_NEXTHOP], 0);
	/* no answer this time: asked again and again (once per second at most), and at its lifetime it
	 * is gone: the frame is dropped as no_nexthop */
	mp_rh_advance(&h, 245000 - 10000); /* 295 s after the answer */
	h.nout[0] = 0;
	assert_true(media_reaches(&h, ORIGIN_MAC2));
	assert_int_equal(requests_for(&h, 0, ORIGIN), 1);
	mp_rh_advance(&h, 60000);
	assert_false(known(&h, ORIGIN, mac));
	assert_false(media_reaches(&h, ORIGIN_MAC2));
	mp_rh_stats(&h, &st);
	assert_int_equal(st.drops[MP_DROP_NO_NEXTHOP], 1);
	mp_rh_stop(&h);
}

/* Replies nobody asked for, gratuitous ARPs and requests from off-link addresses make no entry; a
 * reply to our own request does. */
static void only_neighbours_we_asked_about_or_that_asked_us_get_an_entry(void **state)
{
	static struct mp_rh h;
	struct mp_dp_stats st;
	uint8_t mac[6];
	uint16_t nat = 0;

	(void)state;
	start(&h, &nat);
	send_arp(&h, 2, STRANGER_MAC, STRANGER, US);             /* unsolicited reply */
	send_arp(&h, 1, STRANGER_MAC, STRANGER, STRANGER);       /* gratuitous request */
	send_arp(&h, 2, STRANGER_MAC, STRANGER, STRANGER);       /* gratuitous reply */
	send_arp(&h, 2, STRANGER_MAC, CLIENT, US);               /* a reply claiming the client's address */
	send_arp(&h, 1, STRANGER_MAC, 0xCB007107u, US);          /* a request from off our link */
	mp_rh_settle(&h);
	assert_false(known(&h, STRANGER, mac));
	assert_false(known(&h, 0xCB007107u, mac));
	/* the client's entry (it asked us) is not moved by a reply we did not ask for */
	assert_true(known(&h, CLIENT, mac));
	assert_memory_equal(mac, CLIENT_MAC, 6);
	assert_int_equal(h.dp.ports[0].arp.unsolicited, 2);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.drops[MP_DROP_ARP_NOT_US], 2);
	/* the data plane asks for the stranger (it became the origin): now its reply is taken */
	assert_int_equal(mp_lb_webrtc_store(h.lb, "arp:2", MP_RH_ICE_PWD, "__defaultVhost__/live/t", 0, STRANGER, 8000,
					    h.now), MP_OK);
	h.nout[0] = 0;
	mp_rh_send_stun(&h, 0, CLIENT_MAC, CLIENT, 5001, "arp:2", false);
	mp_rh_settle(&h);
	assert_int_equal(requests_for(&h, 0, STRANGER), 1);
	send_arp(&h, 2, STRANGER_MAC, STRANGER, US);
	mp_rh_settle(&h);
	assert_true(known(&h, STRANGER, mac));
	assert_memory_equal(mac, STRANGER_MAC, 6);
	mp_rh_stop(&h);
}

/* 40000 on-link neighbours ask for us, a second of the clock per 1000, while media flows to the
 * origin: the table keeps at most its capacity, evicts the least recently used (the flood's oldest),
 * and the origin, in use all along, is never evicted: not one frame to it is lost. */
static void a_neighbour_flood_stays_bounded_and_evicts_the_least_recently_used(void **state)
{
	static struct mp_rh h;
	struct mp_dp_stats st;
	struct mp_arp_cache *c;
	uint8_t mac[6], fm[6] = { 0x02, 0x77, 0, 0, 0, 0 };
	uint16_t nat = 0;
	uint32_t entries = 0, first_known = 0, last_known = 0;
	const uint32_t flood = 40000, base = 0xC6124300u; /* 198.18.67.0 onwards */

	(void)state;
	start(&h, &nat);
	c = &h.dp.ports[0].arp;
	for (uint32_t i = 0; i < flood; i++) {
		fm[4] = (uint8_t)(i >> 8), fm[5] = (uint8_t)i;
		send_arp(&h, 1, fm, base + i, US);
		if (i % 200 == 199) {
			h.nout[0] = 0; /* the answers are not looked at */
			mp_rh_settle(&h);
		}
		if (i % 1000 == 999) {
			mp_rh_advance(&h, 1000);
			h.nout[0] = 0;
			assert_true(media_reaches(&h, ORIGIN_MAC));
		}
	}
	for (uint32_t k = 0; k < c->n_buckets * MP_ARP_WAYS; k++)
		entries += c->e[k].key[1] != 0; /* IPv4 entries: the address in key[1] */
	assert_true(entries <= c->n_buckets * MP_ARP_WAYS);
	/* the newest thousand are all there; most of the oldest are gone */
	for (uint32_t i = 0; i < 1000; i++) {
		first_known += known(&h, base + i, mac);
		last_known += known(&h, base + flood - 1000 + i, mac);
	}
	print_message("ARP flood: %u entries of %u, %llu evicted; oldest 1000 kept %u, newest 1000 kept %u\n", entries,
		      c->n_buckets * MP_ARP_WAYS, (unsigned long long)c->evicted, first_known, last_known);
	/* every entry made (client, origin, the flood) is in the table or was evicted, none lost */
	assert_int_equal(c->evicted, flood + 2 - entries);
	assert_int_equal(last_known, 1000);
	assert_true(first_known < 100);
	assert_true(known(&h, ORIGIN, mac));
	mp_rh_stats(&h, &st);
	assert_int_equal(st.drops[MP_DROP_NO_NEXTHOP], 0);
	mp_rh_stop(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(an_ageing_entry_keeps_forwarding_while_it_is_asked_for_again, mp_rh_teardown),
		cmocka_unit_test_teardown(only_neighbours_we_asked_about_or_that_asked_us_get_an_entry, mp_rh_teardown),
		cmocka_unit_test_teardown(a_neighbour_flood_stays_bounded_and_evicts_the_least_recently_used,
					  mp_rh_teardown),
	};
	return cmocka_run_group_tests(tests, mp_rh_eal_setup, mp_rh_eal_teardown);
}
