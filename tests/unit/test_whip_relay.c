/* test_whip_relay.c: the WHIP relay (control/http_api/whip_relay.c) on a real event loop with a client
 * and a server on loopback, towards origins that fail: connect() failing at once (255.255.255.255,
 * descriptors exhausted: libevent 2.1 runs the completion inside evhttp_make_request, issue 11 item 1, a
 * use-after-free caught here under the ASan build) is reported through the callback from the loop, as a
 * refused connection is, so the HTTP API can re-pick (issue 13); the client gets one 502 each time and
 * the loop keeps serving. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "mp_error.h"
#include "whip_relay.h"

struct call {
	struct mp_whip_relay relay; /* first: the relay's callbacks get this */
	int *done_calls;
};

static struct event_base *base;
static struct evhttp *srv;
static uint16_t srv_port;
static struct mp_whip_relay *inflight;
static const char *origin_ip;
static uint16_t origin_port;
static bool exhaust_fds;     /* the relay's socket() fails with EMFILE */
static int start_rc, done_calls, released, status;
static char reason[256], start_error[256];

static void release(struct mp_whip_relay *r)
{
	released++;
	memset(r, 0x5a, sizeof(*r)); /* a later use shows as garbage even without ASan */
	free(r);
}

static void done(struct mp_whip_relay *r, struct evhttp_request *resp)
{
	struct evhttp_request *req;

	(*((struct call *)r)->done_calls)++;
	assert_null(resp);
	snprintf(reason, sizeof(reason), "%s", mp_whip_relay_error_text(r->error));
	snprintf(start_error, sizeof(start_error), "%s", mp_whip_relay_start_error(r));
	if ((req = mp_whip_relay_take_client(r)))
		evhttp_send_reply(req, 502, "Bad Gateway", NULL);
	mp_whip_relay_finish(r);
}

/* Lower the soft descriptor limit to the next free descriptor, so the next socket() fails. */
static rlim_t squeeze_fds(void)
{
	struct rlimit rl;
	rlim_t old;
	int fd = dup(0);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	old = rl.rlim_cur;
	rl.rlim_cur = (rlim_t)fd;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	return old;
}

static void restore_fds(rlim_t old)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = old;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* The server: relay every request to the origin under test, as the HTTP API does (http_api.c). */
static void on_request(struct evhttp_request *req, void *arg)
{
	struct call *c = calloc(1, sizeof(*c));
	rlim_t old = 0;

	(void)arg;
	assert_non_null(c);
	c->done_calls = &done_calls;
	c->relay.req = req;
	c->relay.done = done;
	c->relay.release = release;
	c->relay.list = &inflight;
	if (exhaust_fds)
		old = squeeze_fds();
	start_rc = mp_whip_relay_start(&c->relay, base, origin_ip, origin_port, "v=0\r\n", 5);
	if (exhaust_fds)
		restore_fds(old);
	if (start_rc != MP_OK) {
		/* the relay is still ours, untouched by a callback */
		assert_int_equal(done_calls, 0);
		assert_null(c->relay.conn);
		snprintf(reason, sizeof(reason), "%s", mp_whip_relay_start_error(&c->relay));
		evhttp_send_reply(req, 502, "Bad Gateway", NULL);
		free(c);
	}
}

static void on_client_done(struct evhttp_request *resp, void *arg)
{
	(void)arg;
	status = resp ? evhttp_request_get_response_code(resp) : -1;
	event_base_loopexit(base, NULL);
}

/* One POST through the server; returns the status the client got. */
static int post(void)
{
	struct evhttp_connection *cc = evhttp_connection_base_new(base, NULL, "127.0.0.1", srv_port);
	struct evhttp_request *req = evhttp_request_new(on_client_done, NULL);
	struct timeval deadline = { 30, 0 };

	assert_non_null(cc);
	status = 0;
	start_rc = 1;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", "127.0.0.1");
	evbuffer_add(evhttp_request_get_output_buffer(req), "offer", 5);
	assert_int_equal(evhttp_make_request(cc, req, EVHTTP_REQ_POST, "/rtc/v1/whip/?app=live&stream=s"), 0);
	event_base_loopexit(base, &deadline);
	event_base_dispatch(base);
	evhttp_connection_free(cc);
	return status;
}

static int setup(void **state)
{
	struct evhttp_bound_socket *b;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	(void)state;
	base = event_base_new();
	srv = evhttp_new(base);
	b = evhttp_bind_socket_with_handle(srv, "127.0.0.1", 0);
	assert_non_null(b);
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(b), (struct sockaddr *)&sin, &len), 0);
	srv_port = ntohs(sin.sin_port);
	evhttp_set_gencb(srv, on_request, NULL);
	done_calls = released = 0;
	exhaust_fds = false;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mp_whip_relay_cancel_all(&inflight);
	evhttp_free(srv);
	event_base_free(base);
	return 0;
}

/* 255.255.255.255: connect() fails at once (EACCES, or ENETUNREACH without a route). Twice, so the
 * second request shows the loop survived the first. */
static void broadcast_origin_fails_at_once_with_502(void **state)
{
	(void)state;
	origin_ip = "255.255.255.255";
	origin_port = 1985;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(post(), 502);
		if (start_rc == MP_OK) { /* a host routing it: then the callback said so, from the loop */
			assert_int_equal(done_calls, i + 1);
		} else {
			assert_int_equal(start_rc, MP_ERR_IO);
			assert_int_equal(done_calls, 0);
		}
	}
	assert_null(inflight);
	printf("255.255.255.255: %s\n", reason);
}

/* Descriptors exhausted: socket() fails with EMFILE inside evhttp_make_request. */
static void exhausted_fds_fail_at_once_with_502(void **state)
{
	(void)state;
	origin_ip = "127.0.0.1";
	origin_port = 9; /* never reached */
	exhaust_fds = true;
	assert_int_equal(post(), 502);
	assert_int_equal(start_rc, MP_OK); /* reported from the loop, the relay's own */
	assert_int_equal(done_calls, 1);
	assert_int_equal(released, 1);
	assert_string_equal(reason, "cannot connect");
	assert_string_equal(start_error, strerror(EMFILE));
	exhaust_fds = false;
	assert_int_equal(post(), 502); /* and the next request is served */
	assert_int_equal(done_calls, 2);
	assert_null(inflight);
}

/* A closed port on loopback: refused after the call returned; the callback runs once, from the loop. */
static void refused_origin_fails_later_through_the_callback(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001u) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	/* a port just released by a socket of ours: nothing listens there */
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	origin_ip = "127.0.0.1";
	origin_port = ntohs(sin.sin_port);
	assert_int_equal(post(), 502);
	assert_int_equal(start_rc, MP_OK);
	assert_int_equal(done_calls, 1);
	assert_int_equal(released, 1);
	assert_null(inflight);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(broadcast_origin_fails_at_once_with_502, setup, teardown),
		cmocka_unit_test_setup_teardown(exhausted_fds_fail_at_once_with_502, setup, teardown),
		cmocka_unit_test_setup_teardown(refused_origin_fails_later_through_the_callback, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
