/* test_origin_replies.c: an origin none of whose sessions hears back is shown silent and marked down
 * (not picked until it registers again); one that answers a session is shown as seen and stays up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "lb.h"
#include "mp_error.h"
#include "mp_log.h"
#include "origin_replies.h"
#include "registration.h"
#include "test_eal.h"

static int eal_setup(void **state)
{
	(void)state;
	if (mp_test_eal_init("mptest-oreplies", 256, NULL) < 0)
		return -1;
	mp_log_set_level(MP_LOG_ERR);
	return 0;
}

static int eal_teardown(void **state)
{
	(void)state;
	mp_test_eal_cleanup();
	return 0;
}

/* An origin serving WebRTC at ipv4:8000. */
static uint32_t add_origin(struct mp_lb *lb, const char *server, uint32_t ipv4, uint64_t now)
{
	struct mp_registration r;
	int id;

	memset(&r, 0, sizeof(r));
	snprintf(r.device_id, sizeof(r.device_id), "dev-%s", server);
	snprintf(r.ip, sizeof(r.ip), "%u.%u.%u.%u", ipv4 >> 24, (ipv4 >> 16) & 255, (ipv4 >> 8) & 255, ipv4 & 255);
	r.ipv4 = ipv4;
	snprintf(r.server, sizeof(r.server), "%s", server);
	snprintf(r.service, sizeof(r.service), "svc");
	snprintf(r.pid, sizeof(r.pid), "42");
	r.n_ep[MP_PROTO_RTC] = 1;
	r.ep[MP_PROTO_RTC][0].port = 8000;
	r.ep[MP_PROTO_RTC][0].scheme = MP_EP_UDP;
	id = mp_lb_origin_update(lb, &r, now);
	assert_true(id >= 0);
	return (uint32_t)id;
}

static struct mp_lb_session *add_session(struct mp_lb *lb, uint32_t origin_id, uint32_t origin_ip, uint16_t cport,
					 uint64_t now)
{
	struct mp_lb_session *s = NULL;
	struct mp_lb_session_params p = {
		.tuple = { .src_ip = 0xc6130002, .dst_ip = 0xc6120002, .src_port = cport, .dst_port = 8000,
			   .proto = IPPROTO_UDP },
		.origin_ipv4 = origin_ip, .origin_port = 8000, .origin_id = origin_id, .kind = MP_LB_SESS_WEBRTC,
		.state = MP_LB_SESS_ACTIVE, .username = "a:b",
	};

	assert_int_equal(mp_lb_session_create(lb, &p, now, &s), MP_OK);
	return s;
}

static void an_origin_no_session_hears_back_from_is_silent_and_down(void **state)
{
	struct mp_lb_config c;
	struct mp_lb *lb;
	struct mp_origin_replies *r;
	uint32_t mute, talks;
	struct mp_lb_session *s;
	const struct mp_lb_origin *o;
	uint64_t t0 = 1000000;

	(void)state;
	mp_lb_config_default(&c);
	c.max_origins = 8, c.max_streams = 64, c.max_webrtc = 64, c.max_sessions = 64, c.max_readers = 4;
	lb = mp_lb_create(&c);
	assert_non_null(lb);
	assert_int_equal(mp_lb_reader_register(lb, 0), MP_OK);
	r = mp_origin_replies_new(c.max_origins);
	assert_non_null(r);
	mute = add_origin(lb, "mute", 0xc6120101, t0);
	talks = add_origin(lb, "talks", 0xc6120102, t0);
	add_session(lb, mute, 0xc6120101, 5000, t0);
	s = add_session(lb, talks, 0xc6120102, 5001, t0);
	atomic_store(&s->pkts_o2c, 3); /* the origin's answers came back */

	/* younger than MP_ORIGIN_SILENT_MS: not judged yet */
	mp_origin_replies_scan(r, lb, t0 + MP_ORIGIN_SILENT_MS / 2);
	o = mp_lb_origin_get(lb, mute);
	assert_int_equal(mp_origin_replies_get(r, mute, o->uid), MP_REPLY_UNKNOWN);
	assert_true(mp_lb_origin_alive(lb, o, t0 + MP_ORIGIN_SILENT_MS / 2));

	/* silent (shown, logged) but a slow origin is not a dead one: still picked */
	mp_origin_replies_scan(r, lb, t0 + 2 * MP_ORIGIN_SILENT_MS);
	o = mp_lb_origin_get(lb, mute);
	assert_int_equal(mp_origin_replies_get(r, mute, o->uid), MP_REPLY_SILENT);
	assert_int_equal(o->down_ms, 0);
	assert_true(mp_lb_origin_alive(lb, o, t0 + 2 * MP_ORIGIN_SILENT_MS));

	/* silent for MP_ORIGIN_DOWN_MS: marked down, not picked */
	mp_origin_replies_scan(r, lb, t0 + MP_ORIGIN_DOWN_MS);
	o = mp_lb_origin_get(lb, mute);
	assert_int_equal(mp_origin_replies_get(r, mute, o->uid), MP_REPLY_SILENT);
	assert_true(o->down_ms != 0);
	assert_false(mp_lb_origin_alive(lb, o, t0 + MP_ORIGIN_DOWN_MS));
	o = mp_lb_origin_get(lb, talks);
	assert_int_equal(mp_origin_replies_get(r, talks, o->uid), MP_REPLY_SEEN);
	assert_int_equal(o->down_ms, 0);
	assert_true(mp_lb_origin_alive(lb, o, t0 + MP_ORIGIN_DOWN_MS));

	/* a new registration clears the mark: picked again */
	add_origin(lb, "mute", 0xc6120101, t0 + MP_ORIGIN_DOWN_MS + 1);
	o = mp_lb_origin_get(lb, mute);
	assert_true(mp_lb_origin_alive(lb, o, t0 + MP_ORIGIN_DOWN_MS + 1));

	mp_origin_replies_free(r);
	mp_lb_destroy(lb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_origin_no_session_hears_back_from_is_silent_and_down),
	};

	return cmocka_run_group_tests(tests, eal_setup, eal_teardown);
}
