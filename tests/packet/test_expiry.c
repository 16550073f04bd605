/* test_expiry.c: idle expiry keeps its promise at scale, on the driven data-plane clock (no wall
 * clock): with 1M live sessions every one ends within its idle limit + 1 s and none before it, and NAT
 * ports come back to the pool as soon as their sessions expire (plus the quiet period). The worker
 * loop (mp_dp_poll_once) does the expiring, as in the appliance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp.h"
#include "lb.h"
#include "mp_error.h"
#include "ring_harness.h"

#define US 0xC6124102u /* 198.18.65.2/24 */
#define GW 0xC6124101u
#define ORIGIN 0xC6124114u

static const struct mp_rh_addr ADDR = { .public_ip = US, .public_prefix = 24, .public_gateway = GW };

static bool live(const struct mp_lb_session *s)
{
	uint8_t st = atomic_load_explicit(&s->state, memory_order_acquire);

	return st == MP_LB_SESS_HANDSHAKE || st == MP_LB_SESS_ACTIVE;
}

/* Session i: WebRTC when even, SRT when odd, from its own client address and port. */
static int create(struct mp_rh *h, uint32_t i, uint64_t now, struct mp_lb_session **s)
{
	struct mp_lb_session_params p = {
		.origin_ipv4 = ORIGIN,
		.origin_port = 8000,
		.kind = i % 2 ? MP_LB_SESS_SRT : MP_LB_SESS_WEBRTC,
		.state = MP_LB_SESS_ACTIVE,
		.srt_client_sock = i + 1,
	};

	mp_lb_tuple_set(&p.tuple, 0x0A000000u + (i >> 4), (uint16_t)(1024 + (i & 15)), US,
			i % 2 ? 10080 : 8000, IPPROTO_UDP);
	return mp_lb_session_create(h->lb, &p, now, s);
}

#define N (1u << 20)
#define SPREAD_MS 1000   /* sessions are created over this long */
#define CHECK_MS 50      /* how often every session's state is checked */

static struct mp_lb_session *sess[N];
static uint64_t deadline[N]; /* last packet from the client + idle limit */
static uint64_t gone_at[N];  /* first check that found it expired */

static void every_one_of_a_million_sessions_expires_within_its_idle_limit_plus_one_second(void **state)
{
	static struct mp_rh h;
	struct mp_lb_config lc;
	struct mp_dp_stats st;
	uint64_t t0, late_max = 0, late_sum = 0, last_deadline = 0;
	uint32_t i = 0;

	(void)state;
	mp_lb_config_default(&lc);
	lc.max_origins = 16;
	lc.max_streams = 64;
	lc.max_webrtc = 64;
	lc.max_sessions = N;
	lc.nat_port_min = lc.nat_port_max = 0; /* NAT ports cap sessions at the range (issue 12 item 1) */
	mp_rh_start_driven(&h, &ADDR, 1, 1, &lc);
	t0 = h.now;
	/* 1M sessions arrive over a second: 10 ms of the clock at a time, the worker turning meanwhile. */
	while (i < N) {
		uint32_t upto = i + N / (SPREAD_MS / MP_DP_SWEEP_MS);

		for (; i < N && i < upto; i++) {
			assert_int_equal(create(&h, i, h.now, &sess[i]), MP_OK);
			deadline[i] = h.now + (i % 2 ? lc.srt_idle_ms : lc.webrtc_idle_ms);
		}
		mp_rh_advance(&h, MP_DP_SWEEP_MS);
	}
	assert_int_equal(mp_lb_session_count(h.lb, -1), N);
	/* 5 s in, every fourth client sends (the data plane's own per-packet call): its deadline moves. */
	mp_rh_advance(&h, t0 + 5000 - h.now);
	for (i = 0; i < N; i += 4) {
		mp_lb_session_count_c2o(sess[i], 100, h.now);
		deadline[i] = h.now + (i % 2 ? lc.srt_idle_ms : lc.webrtc_idle_ms);
	}
	for (i = 0; i < N; i++)
		last_deadline = deadline[i] > last_deadline ? deadline[i] : last_deadline;
	/* Time passes; every CHECK_MS each session is looked at: alive before its deadline, gone within 1 s. */
	while (h.now < last_deadline + 1000 + CHECK_MS) {
		mp_rh_advance(&h, CHECK_MS);
		for (i = 0; i < N; i++) {
			bool up = live(sess[i]);

			if (h.now < deadline[i] && !up)
				fail_msg("session %u expired at %llu ms, %llu ms before its deadline", i,
					 (unsigned long long)(h.now - t0), (unsigned long long)(deadline[i] - h.now));
			if (!up && !gone_at[i])
				gone_at[i] = h.now;
			if (h.now >= deadline[i] + 1000 && up)
				fail_msg("session %u still live %llu ms after its deadline", i,
					 (unsigned long long)(h.now - deadline[i]));
		}
	}
	for (i = 0; i < N; i++) {
		uint64_t late = gone_at[i] - deadline[i];

		late_max = late > late_max ? late : late_max;
		late_sum += late;
	}
	print_message("1M sessions: expired at most %llu ms (mean %llu ms) after their deadline (checked every %u ms)\n",
		      (unsigned long long)late_max, (unsigned long long)(late_sum / N), CHECK_MS);
	mp_rh_stats(&h, &st);
	assert_int_equal(st.sessions_expired, N);
	assert_int_equal(mp_lb_session_count(h.lb, -1), 0);
	mp_rh_stop(&h);
}

/* Every NAT port of the range is taken; the sessions go idle; the ports serve new sessions as soon as
 * the expiry and the quiet period allow, not a sweep pass later. */
static void nat_ports_return_to_the_pool_when_their_sessions_expire(void **state)
{
	static struct mp_rh h;
	struct mp_lb_config lc;
	struct mp_lb_session *s;
	struct mp_lb_stats ls;
	uint64_t t0, ready;
	const uint32_t ports = 4096;

	(void)state;
	mp_lb_config_default(&lc);
	lc.max_origins = 16;
	lc.max_streams = 64;
	lc.max_webrtc = 64;
	lc.max_sessions = 4 * ports;
	lc.nat_port_min = 50000;
	lc.nat_port_max = (uint16_t)(50000 + ports - 1);
	lc.nat_quiet_ms = 2000;
	mp_rh_start_driven(&h, &ADDR, 1, 1, &lc);
	t0 = h.now;
	for (uint32_t i = 0; i < ports; i++)
		assert_int_equal(create(&h, 2 * i + 1, h.now, &s), MP_OK); /* SRT: 10 s idle */
	assert_int_equal(create(&h, 2 * ports + 1, h.now, &s), MP_ERR_FULL); /* the range is used up */
	/* Expired by 10 s + 1 s; reusable after the quiet period: every port serves a new client then. */
	ready = t0 + lc.srt_idle_ms + 1000 + lc.nat_quiet_ms;
	mp_rh_advance(&h, ready - h.now);
	mp_lb_stats(h.lb, &ls);
	assert_int_equal(ls.sessions_expired, ports);
	for (uint32_t i = 0; i < ports; i++)
		assert_int_equal(create(&h, 2 * (ports + i) + 1, h.now, &s), MP_OK);
	assert_int_equal(create(&h, 2 * (2 * ports) + 1, h.now, &s), MP_ERR_FULL);
	mp_rh_stop(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(every_one_of_a_million_sessions_expires_within_its_idle_limit_plus_one_second,
					  mp_rh_teardown),
		cmocka_unit_test_teardown(nat_ports_return_to_the_pool_when_their_sessions_expire, mp_rh_teardown),
	};
	return cmocka_run_group_tests(tests, mp_rh_eal_setup, mp_rh_eal_teardown);
}
