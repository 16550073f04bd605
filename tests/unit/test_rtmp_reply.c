/* test_rtmp_reply.c: the RTMP proxy's own command payloads (control/rtmp_reply.c) parse back as
 * clients read them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "mp_error.h"
#include "rtmp_command.h"
#include "rtmp_session.h"

static int str_is(struct mp_rtmp_str s, const char *want)
{
	return s.ptr && s.len == strlen(want) && !memcmp(s.ptr, want, s.len);
}

static void status_error_is_an_on_status_with_level_error(void **state)
{
	struct mp_amf0_node nodes[32];
	struct mp_rtmp_cmd cmd;
	uint8_t buf[256];
	int n;

	(void)state;
	n = mp_rtmp_reply_status_error(buf, sizeof(buf), "NetStream.Publish.Denied", "no origin");
	assert_true(n > 0);
	assert_int_equal(mp_rtmp_cmd_parse(&cmd, nodes, 32, 20, buf, (size_t)n), MP_OK);
	assert_int_equal(cmd.kind, MP_RTMP_CMD_ON_STATUS);
	assert_true(cmd.txn == 0);
	assert_true(str_is(cmd.level, "error"));
	assert_true(str_is(cmd.code, "NetStream.Publish.Denied"));
	assert_true(str_is(cmd.description, "no origin"));
}

static void status_error_reports_a_small_buffer(void **state)
{
	uint8_t buf[20];

	(void)state;
	assert_int_equal(mp_rtmp_reply_status_error(buf, sizeof(buf), "NetStream.Play.Failed", "x"), MP_ERR_NOSPACE);
}

static void state_names_cover_every_state(void **state)
{
	(void)state;
	for (int s = 0; s < MP_RTMP_S__COUNT; s++)
		assert_non_null(mp_rtmp_state_name((enum mp_rtmp_state)s));
	assert_string_equal(mp_rtmp_state_name(MP_RTMP_S_RELAY), "relay");
	assert_string_equal(mp_rtmp_state_name(MP_RTMP_S__COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(status_error_is_an_on_status_with_level_error),
		cmocka_unit_test(status_error_reports_a_small_buffer),
		cmocka_unit_test(state_names_cover_every_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
