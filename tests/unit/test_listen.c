/* test_listen.c: control-plane listen addresses of both families (control/listen.c, the listen keys of
 * control/config.c): "[IPV6]:PORT" forms parse and print back; a wildcard listener with
 * listen_dual_stack takes IPv4 and IPv6 clients on one socket and names each as its own family; with
 * it off, 0.0.0.0 refuses IPv6 and an IPv6 address refuses IPv4. Loopback only, ports from the kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "listen.h"
#include "mp_error.h"
#include "peer_addr.h"

static void ipv6_listen_forms_parse_and_print_back(void **state)
{
	static const char *const bad[] = { "[::1]", "[::1]1935", "[zz::1]:1935", "[::1]:0", "::1:1935",
					   "[1.2.3.4]:1935", "[::1:1935", "[::1]:70000" };
	struct mp_config c;
	char err[256], out[16384];
	static const uint8_t db8_1[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	(void)state;
	mp_config_defaults(&c);
	assert_true(c.listen_dual_stack);
	assert_int_equal(mp_config_set(&c, "rtmp_listen", "[2001:db8::1]:1935", "t", err, sizeof(err)), MP_OK);
	assert_int_equal(c.rtmp_listen.v6, 1);
	assert_memory_equal(c.rtmp_listen.ip6, db8_1, 16);
	assert_int_equal(c.rtmp_listen.port, 1935);
	assert_false(mp_listen_all(&c.rtmp_listen));
	assert_int_equal(mp_config_set(&c, "https_stream_listen", "[::]:8088", "t", err, sizeof(err)), MP_OK);
	assert_true(mp_listen_all(&c.https_stream_listen));
	assert_int_equal(mp_config_set(&c, "http_listen", "127.0.0.1:8080", "t", err, sizeof(err)), MP_OK);
	assert_int_equal(c.http_listen.v6, 0); /* an IPv4 form after nothing else stays IPv4 */
	mp_config_dump(&c, out, sizeof(out));
	assert_non_null(strstr(out, "rtmp_listen = [2001:db8::1]:1935"));
	assert_non_null(strstr(out, "https_stream_listen = [::]:8088"));
	assert_non_null(strstr(out, "api_listen = 0.0.0.0:1985"));
	assert_non_null(strstr(out, "listen_dual_stack = on"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (mp_config_set(&c, "api_listen", bad[i], "t", err, sizeof(err)) != MP_ERR_CONFIG)
			fail_msg("'%s' was taken", bad[i]);
		assert_non_null(strstr(err, "[IPV6]:PORT"));
	}
}

static uint16_t bound_port(int fd, int *family)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*family = ss.ss_family;
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
}

/* Connect to loopback of family af at port; true when it connected. */
static bool connect_to(int af, uint16_t port, int *out)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd = socket(af, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	if (af == AF_INET6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		s->sin6_addr = in6addr_loopback;
		len = sizeof(*s);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s);
	}
	if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
		close(fd);
		return false;
	}
	*out = fd;
	return true;
}

/* Accept one connection on the listening socket lfd and name its peer. */
static void accept_named(int lfd, const char *want)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	char ip[MP_PEER_HOST_MAX];
	int fd;

	assert_int_equal(poll(&p, 1, 10000), 1);
	fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	assert_true(mp_peer_fd(fd, ip, sizeof(ip), NULL));
	assert_string_equal(ip, want);
	close(fd);
}

static bool host_has_ipv6(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&s, sizeof(s)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* A listener, and how each family's loopback client is named on it (NULL: refused). */
static const struct listen_case {
	const char *what;
	bool on_v6_loopback; /* [::1], else the wildcard 0.0.0.0 */
	bool dual_stack;     /* listen_dual_stack */
	int family;          /* of the listening socket */
	const char *v4_peer, *v6_peer;
} listen_cases[] = {
	/* the IPv4 client is ::ffff:127.0.0.1 on the socket, named in its own family */
	{ "0.0.0.0 with dual stack: both families", false, true, AF_INET6, "127.0.0.1", "::1" },
	{ "0.0.0.0 without dual stack: IPv4 only", false, false, AF_INET, "127.0.0.1", NULL },
	{ "[::1]: IPv6 only, whatever listen_dual_stack says", true, true, AF_INET6, NULL, "::1" },
};

static int listen_case_open(const struct listen_case *c, uint16_t port, const char *name, char *err, size_t cap)
{
	struct mp_listen l = { 0 }; /* port 0: one from the kernel */

	l.port = port;
	if (c->on_v6_loopback) {
		l.v6 = 1;
		l.ip6[15] = 1;
	}
	return mp_listen_tcp(&l, c->dual_stack, name, err, cap);
}

/* A client of family af connects to port and is accepted on lfd as want, or is refused (want NULL). */
static void client_named_or_refused(int lfd, int af, uint16_t port, const char *want)
{
	int cfd;

	if (want == NULL) {
		assert_false(connect_to(af, port, &cfd));
		return;
	}
	assert_true(connect_to(af, port, &cfd));
	accept_named(lfd, want);
	close(cfd);
}

static void listeners_take_the_families_their_address_says(void **state)
{
	char err[256];
	int lfd, fam;
	uint16_t port;

	(void)state;
	if (!host_has_ipv6())
		skip();
	for (size_t i = 0; i < sizeof(listen_cases) / sizeof(listen_cases[0]); i++) {
		const struct listen_case *c = &listen_cases[i];

		print_message("%s\n", c->what);
		lfd = listen_case_open(c, 0, "test", err, sizeof(err));
		assert_true(lfd >= 0);
		port = bound_port(lfd, &fam);
		assert_int_equal(fam, c->family);
		client_named_or_refused(lfd, AF_INET, port, c->v4_peer);
		client_named_or_refused(lfd, AF_INET6, port, c->v6_peer);
		close(lfd);
	}
}

static void address_in_use_is_named_in_its_own_form(void **state)
{
	const struct listen_case *v6 = &listen_cases[2];
	char err[256];
	int lfd, fam;

	(void)state;
	if (!host_has_ipv6())
		skip();
	lfd = listen_case_open(v6, 0, "test", err, sizeof(err));
	assert_true(lfd >= 0);
	assert_int_equal(listen_case_open(v6, bound_port(lfd, &fam), "RTMP", err, sizeof(err)), MP_ERR_ADDRINUSE);
	assert_non_null(strstr(err, "RTMP: address [::1]:"));
	close(lfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv6_listen_forms_parse_and_print_back),
		cmocka_unit_test(listeners_take_the_families_their_address_says),
		cmocka_unit_test(address_in_use_is_named_in_its_own_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
