/* test_hop_marker.c: the relays' hop markers: our name found in Via lists (with protocols, comments and
 * other hops), never a prefix or another appliance's; the RTMP connect marker built, appended to a real
 * connect and found again, also after a client's own argument and another appliance's marker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "hop_marker.h"
#include "rtmp_command.h"

static bool via(const char *v, const char *name)
{
	return mp_via_has(v, strlen(v), name);
}

static void via_finds_our_entry_among_others(void **state)
{
	(void)state;
	assert_true(via("1.1 mediaplane-a", "mediaplane-a"));
	assert_true(via("1.0 fred, 1.1 mediaplane-a (mediaplane)", "mediaplane-a"));
	assert_true(via("HTTP/1.1 squid (x, y), 1.1 MEDIAPLANE-A", "mediaplane-a"));
	assert_true(via(" ,1.1 p, ,1.1   mediaplane-a,", "mediaplane-a"));
	assert_false(via("1.1 mediaplane-ab", "mediaplane-a"));     /* another appliance: a chain */
	assert_false(via("1.1 mediaplane-b, 1.1 squid", "mediaplane-a"));
	assert_false(via("mediaplane-a", "mediaplane-a"));          /* a protocol, not a received-by */
	assert_false(via("1.1 x (1.1 mediaplane-a, z)", "mediaplane-a")); /* inside a comment */
	assert_false(via("", "mediaplane-a"));
	assert_false(via("1.1 mediaplane-a", ""));
}

/* A client's connect as ffmpeg sends it: parse it with our marker appended (as rtmp_origin.c replays it). */
static int connect_with(uint8_t *buf, size_t cap, const uint8_t *extra, size_t extra_len)
{
	static const char app[] = "live", tc[] = "rtmp://198.18.0.2/live";
	int n = mp_rtmp_build_connect(buf, cap, 1, (struct mp_rtmp_str){ app, 4 }, (struct mp_rtmp_str){ tc, sizeof(tc) - 1 },
				      (struct mp_rtmp_str){ 0 }, 0);

	assert_true(n > 0);
	if (extra_len) /* memcpy from NULL is undefined even for 0 bytes (UBSan) */
		memcpy(buf + n, extra, extra_len);
	return n + (int)extra_len;
}

static void rtmp_connect_marker_round_trips(void **state)
{
	uint8_t buf[1024], mark[128], mark_b[128], client_arg[256];
	struct mp_amf0_node nodes[64];
	struct mp_rtmp_cmd cmd;
	int m, mb, n;

	(void)state;
	m = mp_rtmp_via_build(mark, sizeof(mark), "mediaplane-a");
	assert_true(m > 0);
	mb = mp_rtmp_via_build(mark_b, sizeof(mark_b), "mediaplane-b");
	assert_true(mb > 0);
	/* no marker: a plain client */
	n = connect_with(buf, sizeof(buf), NULL, 0);
	assert_int_equal(mp_rtmp_cmd_parse(&cmd, nodes, 64, 20, buf, (size_t)n), 0);
	assert_false(mp_rtmp_connect_has_via(&cmd, "mediaplane-a"));
	/* ours appended: found; another appliance's: not ours */
	n = connect_with(buf, sizeof(buf), mark, (size_t)m);
	assert_int_equal(mp_rtmp_cmd_parse(&cmd, nodes, 64, 20, buf, (size_t)n), 0);
	assert_true(mp_rtmp_connect_has_via(&cmd, "mediaplane-a"));
	assert_false(mp_rtmp_connect_has_via(&cmd, "mediaplane-b"));
	/* a client argument (a string, as some encoders send), then b's marker, then ours */
	client_arg[0] = 2, client_arg[1] = 0, client_arg[2] = 3, memcpy(client_arg + 3, "abc", 3);
	memcpy(client_arg + 6, mark_b, (size_t)mb);
	memcpy(client_arg + 6 + mb, mark, (size_t)m);
	n = connect_with(buf, sizeof(buf), client_arg, (size_t)(6 + mb + m));
	assert_int_equal(mp_rtmp_cmd_parse(&cmd, nodes, 64, 20, buf, (size_t)n), 0);
	assert_true(mp_rtmp_connect_has_via(&cmd, "mediaplane-a"));
	assert_true(mp_rtmp_connect_has_via(&cmd, "mediaplane-b"));
	assert_false(mp_rtmp_connect_has_via(&cmd, "mediaplane-c"));
	assert_int_equal(mp_rtmp_via_build(mark, sizeof(mark), ""), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(via_finds_our_entry_among_others),
		cmocka_unit_test(rtmp_connect_marker_round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
