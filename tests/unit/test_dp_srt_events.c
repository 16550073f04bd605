/* test_dp_srt_events.c: the workers' ring of failed SRT handshakes (dataplane/dp_srt_events.c): events come out
 * in order and whole, a full ring loses (and counts) new events instead of waiting, long stream keys are cut,
 * and a producer thread and a consumer thread running at once lose and tear nothing the ring could hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dp_srt_events.h"

static struct mp_dp_srt_evring ring;

static void events_come_out_in_order_and_whole(void **state)
{
	struct mp_dp_srt_event e;

	(void)state;
	memset(&ring, 0, sizeof(ring));
	assert_int_equal(mp_dp_srt_event_take(&ring, &e), 0);
	mp_dp_srt_event_put(&ring, MP_DP_SRT_EV_ORIGIN_REJECT, 10, 0xc6120101u, 4242, 3, "__defaultVhost__/live/a");
	mp_dp_srt_event_put(&ring, MP_DP_SRT_EV_REFUSED, 1400, 0xc6120102u, 4243, MP_DP_SRT_EV_NO_ORIGIN, NULL);
	assert_int_equal(mp_dp_srt_event_take(&ring, &e), 1);
	assert_int_equal(e.kind, MP_DP_SRT_EV_ORIGIN_REJECT);
	assert_int_equal(e.reason, 10);
	assert_int_equal(e.client_ip, 0xc6120101u);
	assert_int_equal(e.client_port, 4242);
	assert_int_equal(e.origin_id, 3);
	assert_string_equal(e.stream, "__defaultVhost__/live/a");
	assert_int_equal(mp_dp_srt_event_take(&ring, &e), 1);
	assert_int_equal(e.kind, MP_DP_SRT_EV_REFUSED);
	assert_int_equal(e.origin_id, MP_DP_SRT_EV_NO_ORIGIN);
	assert_string_equal(e.stream, "");
	assert_int_equal(mp_dp_srt_event_take(&ring, &e), 0);
}

static void a_full_ring_loses_and_counts_instead_of_waiting(void **state)
{
	struct mp_dp_srt_event e;
	char key[300];

	(void)state;
	memset(&ring, 0, sizeof(ring));
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = 0;
	for (unsigned i = 0; i < MP_DP_SRT_EV_RING + 5; i++)
		mp_dp_srt_event_put(&ring, MP_DP_SRT_EV_ORIGIN_TIMEOUT, (int32_t)i, i, 0, 0, key);
	assert_int_equal(atomic_load(&ring.lost), 5);
	for (unsigned i = 0; i < MP_DP_SRT_EV_RING; i++) {
		assert_int_equal(mp_dp_srt_event_take(&ring, &e), 1);
		assert_int_equal(e.reason, (int32_t)i); /* the oldest are kept, the newest lost */
		assert_int_equal(strlen(e.stream), MP_DP_SRT_EV_STREAM - 1);
	}
	assert_int_equal(mp_dp_srt_event_take(&ring, &e), 0);
	/* room again once taken */
	mp_dp_srt_event_put(&ring, MP_DP_SRT_EV_ORIGIN_TIMEOUT, 77, 0, 0, 0, "s");
	assert_int_equal(mp_dp_srt_event_take(&ring, &e), 1);
	assert_int_equal(e.reason, 77);
	assert_int_equal(atomic_load(&ring.lost), 5);
}

#define N_THREADED 200000u

static void *producer(void *arg)
{
	char key[32];

	(void)arg;
	for (uint32_t i = 0; i < N_THREADED; i++) {
		snprintf(key, sizeof(key), "live/%u", i);
		mp_dp_srt_event_put(&ring, MP_DP_SRT_EV_REFUSED, (int32_t)i, i, (uint16_t)i, i, key);
	}
	return NULL;
}

static void producer_and_consumer_threads_tear_nothing(void **state)
{
	struct mp_dp_srt_event e;
	pthread_t t;
	uint64_t got = 0;
	int32_t last = -1;
	char want[32];

	(void)state;
	memset(&ring, 0, sizeof(ring));
	assert_int_equal(pthread_create(&t, NULL, producer, NULL), 0);
	for (;;) {
		if (mp_dp_srt_event_take(&ring, &e)) {
			/* each event whole (its fields agree) and in order; lost ones leave gaps only */
			assert_true(e.reason > last);
			assert_int_equal(e.client_ip, (uint32_t)e.reason);
			assert_int_equal(e.origin_id, (uint32_t)e.reason);
			snprintf(want, sizeof(want), "live/%d", e.reason);
			assert_string_equal(e.stream, want);
			last = e.reason;
			got++;
			continue;
		}
		if (last == (int32_t)(N_THREADED - 1) || got + atomic_load(&ring.lost) == N_THREADED)
			break;
	}
	pthread_join(t, NULL);
	while (mp_dp_srt_event_take(&ring, &e))
		got++;
	assert_int_equal(got + atomic_load(&ring.lost), N_THREADED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(events_come_out_in_order_and_whole),
		cmocka_unit_test(a_full_ring_loses_and_counts_instead_of_waiting),
		cmocka_unit_test(producer_and_consumer_threads_tear_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
