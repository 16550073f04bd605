/* test_rtmp_command.c: RTMP commands (spec 1.0 section 7.2) parsed from the ffmpeg -> nginx-rtmp
 * capture, and every builder's output parsed back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mp_error.h"
#include "rtmp_command.h"
#include "rtmp_messages.h"

static struct mp_amf0_node nodes[256];

#define assert_str(s, lit) do { \
	assert_int_equal((s).len, strlen(lit)); \
	assert_memory_equal((s).ptr, lit, strlen(lit)); \
} while (0)

static void client_commands_of_the_capture_parse_in_order(void **state)
{
	static struct rtmp_msgs s;
	static const int want[] = { MP_RTMP_CMD_CONNECT, MP_RTMP_CMD_RELEASE_STREAM, MP_RTMP_CMD_FC_PUBLISH,
				    MP_RTMP_CMD_CREATE_STREAM, MP_RTMP_CMD_PUBLISH, MP_RTMP_CMD_DATA };
	struct mp_rtmp_cmd c;
	size_t k = 0;

	(void)state;
	rtmp_capture_messages(1, &s);
	for (size_t i = 0; i < s.n && k < 6; i++) {
		if (s.m[i].type != MP_RTMP_MSG_COMMAND_AMF0 && s.m[i].type != MP_RTMP_MSG_DATA_AMF0)
			continue;
		assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, s.m[i].type, s.m[i].payload, s.m[i].len), MP_OK);
		assert_int_equal(c.kind, want[k]);
		switch (c.kind) {
		case MP_RTMP_CMD_CONNECT:
			assert_true(c.txn == 1);
			assert_str(c.app, "live");
			assert_str(c.tc_url, "rtmp://127.0.0.1:19350/live");
			assert_str(c.flash_ver, "FMLE/3.0 (compatible; Lavf59.27.100)");
			assert_str(c.type, "nonprivate");
			assert_true(c.object_encoding == 0);
			break;
		case MP_RTMP_CMD_RELEASE_STREAM:
		case MP_RTMP_CMD_FC_PUBLISH:
			assert_str(c.stream, "livestream");
			break;
		case MP_RTMP_CMD_PUBLISH:
			assert_str(c.stream_name, "livestream");
			assert_null(c.query.ptr);
			assert_str(c.publish_type, "live");
			assert_int_equal(s.m[i].stream_id, 1);
			break;
		case MP_RTMP_CMD_DATA:
			assert_str(c.name, "@setDataFrame");
			assert_true(mp_amf0_str_eq(c.arg, "onMetaData"));
			assert_int_equal(mp_amf0_next(&c.doc, c.arg)->type, MP_AMF0_ECMA_ARRAY);
			break;
		}
		k++;
	}
	assert_int_equal(k, 6);
	rtmp_msgs_free(&s);
}

static void nginx_replies_of_the_capture_parse(void **state)
{
	static struct rtmp_msgs s;
	struct mp_rtmp_cmd c;
	int connect_ok = 0, stream_id = 0, publish_start = 0;

	(void)state;
	rtmp_capture_messages(0, &s);
	for (size_t i = 0; i < s.n; i++) {
		if (s.m[i].type != MP_RTMP_MSG_COMMAND_AMF0)
			continue;
		assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, s.m[i].type, s.m[i].payload, s.m[i].len), MP_OK);
		if (c.kind == MP_RTMP_CMD_RESULT && c.code.len)
			connect_ok = c.code.len == 29 && !memcmp(c.code.ptr, "NetConnection.Connect.Success", 29);
		if (c.kind == MP_RTMP_CMD_RESULT && c.stream_id)
			stream_id = (int)c.stream_id;
		if (c.kind == MP_RTMP_CMD_ON_STATUS)
			publish_start = c.code.len == 23 && !memcmp(c.code.ptr, "NetStream.Publish.Start", 23);
	}
	assert_true(connect_ok);
	assert_int_equal(stream_id, 1);
	assert_true(publish_start);
	rtmp_msgs_free(&s);
}

static void connect_replay_is_byte_identical_to_the_client_connect(void **state)
{
	static struct rtmp_msgs s;
	struct mp_rtmp_cmd c;
	uint8_t out[1024];

	(void)state;
	rtmp_capture_messages(1, &s);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, s.m[0].type, s.m[0].payload, s.m[0].len), MP_OK);
	assert_int_equal(mp_rtmp_build_connect_replay(out, sizeof(out), &c), s.m[0].len);
	assert_memory_equal(out, s.m[0].payload, s.m[0].len);
	assert_int_equal(mp_rtmp_build_connect_replay(out, 10, &c), MP_ERR_NOSPACE);
	rtmp_msgs_free(&s);
}

static void replies_to_clients_parse_back(void **state)
{
	uint8_t out[512];
	struct mp_rtmp_cmd c;
	int n;

	(void)state;
	n = mp_rtmp_build_connect_result(out, sizeof(out), 1, 0);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, out, (size_t)n), MP_OK);
	assert_int_equal(c.kind, MP_RTMP_CMD_RESULT);
	assert_true(c.txn == 1);
	assert_str(c.code, "NetConnection.Connect.Success");
	assert_str(c.level, "status");
	assert_true(mp_amf0_str_eq(mp_amf0_get(&c.doc, c.obj, "fmsVer"), "FMS/3,5,3,888"));

	n = mp_rtmp_build_create_stream_result(out, sizeof(out), 4, 1);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, out, (size_t)n), MP_OK);
	assert_true(c.txn == 4 && c.stream_id == 1);

	n = mp_rtmp_build_result(out, sizeof(out), 2);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, out, (size_t)n), MP_OK);
	assert_int_equal(c.obj->type, MP_AMF0_NULL);
	assert_int_equal(c.arg->type, MP_AMF0_UNDEFINED);

	n = mp_rtmp_build_on_status(out, sizeof(out), MP_RTMP_STATUS_PUBLISH_START, mp_rtmp_cstr("livestream"),
				    "ASAICiss");
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, out, (size_t)n), MP_OK);
	assert_int_equal(c.kind, MP_RTMP_CMD_ON_STATUS);
	assert_str(c.code, "NetStream.Publish.Start");
	assert_true(mp_amf0_str_eq(mp_amf0_get(&c.doc, c.arg, "details"), "livestream"));
	assert_true(mp_amf0_str_eq(mp_amf0_get(&c.doc, c.arg, "clientid"), "ASAICiss"));
	n = mp_rtmp_build_on_status(out, sizeof(out), MP_RTMP_STATUS_PLAY_RESET, mp_rtmp_cstr(NULL), NULL);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, out, (size_t)n), MP_OK);
	assert_str(c.code, "NetStream.Play.Reset");
	assert_null(mp_amf0_get(&c.doc, c.arg, "details"));
	n = mp_rtmp_build_on_status(out, sizeof(out), MP_RTMP_STATUS_PLAY_START, mp_rtmp_cstr("s"), NULL);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, out, (size_t)n), MP_OK);
	assert_str(c.code, "NetStream.Play.Start");
	assert_int_equal(mp_rtmp_build_on_status(out, sizeof(out), (enum mp_rtmp_status)99, mp_rtmp_cstr(NULL),
						 NULL), MP_ERR_INVAL);

	n = mp_rtmp_build_on_fcpublish(out, sizeof(out), mp_rtmp_cstr("livestream"));
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, out, (size_t)n), MP_OK);
	assert_int_equal(c.kind, MP_RTMP_CMD_ON_FC_PUBLISH);
	assert_str(c.code, "NetStream.Publish.Start");

	n = mp_rtmp_build_sample_access(out, sizeof(out), 1, 1);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 18, out, (size_t)n), MP_OK);
	assert_int_equal(c.kind, MP_RTMP_CMD_DATA);
	assert_str(c.name, "|RtmpSampleAccess");
	assert_int_equal(c.arg->type, MP_AMF0_BOOLEAN);

	n = mp_rtmp_build_error(out, sizeof(out), 5, "NetStream.Publish.BadName", "no origin");
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, out, (size_t)n), MP_OK);
	assert_int_equal(c.kind, MP_RTMP_CMD_ERROR);
	assert_str(c.level, "error");
	assert_str(c.code, "NetStream.Publish.BadName");
}

static void requests_to_origins_parse_back(void **state)
{
	uint8_t out[512];
	struct mp_rtmp_cmd c;
	int n;

	(void)state;
	n = mp_rtmp_build_connect(out, sizeof(out), 1, mp_rtmp_cstr("live"),
				  mp_rtmp_cstr("rtmp://10.0.0.1:1935/live"), mp_rtmp_cstr(NULL), 0);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, out, (size_t)n), MP_OK);
	assert_int_equal(c.kind, MP_RTMP_CMD_CONNECT);
	assert_str(c.app, "live");
	assert_str(c.tc_url, "rtmp://10.0.0.1:1935/live");
	assert_str(c.flash_ver, "FMLE/3.0 (compatible; mediaplane)");
	assert_null(mp_amf0_get(&c.doc, c.obj, "objectEncoding"));

	n = mp_rtmp_build_call(out, sizeof(out), "releaseStream", 2, mp_rtmp_cstr("livestream?token=abc"));
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, out, (size_t)n), MP_OK);
	assert_int_equal(c.kind, MP_RTMP_CMD_RELEASE_STREAM);
	assert_str(c.stream, "livestream?token=abc");
	assert_str(c.stream_name, "livestream");
	assert_str(c.query, "token=abc");

	n = mp_rtmp_build_call(out, sizeof(out), "createStream", 4, mp_rtmp_cstr(NULL));
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, out, (size_t)n), MP_OK);
	assert_int_equal(c.kind, MP_RTMP_CMD_CREATE_STREAM);
	assert_null(c.arg);

	n = mp_rtmp_build_publish(out, sizeof(out), 5, mp_rtmp_cstr("livestream?token=abc"), mp_rtmp_cstr(NULL));
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, out, (size_t)n), MP_OK);
	assert_int_equal(c.kind, MP_RTMP_CMD_PUBLISH);
	assert_str(c.query, "token=abc");
	assert_str(c.publish_type, "live");

	n = mp_rtmp_build_play(out, sizeof(out), 6, mp_rtmp_cstr("livestream?"), -2);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, out, (size_t)n), MP_OK);
	assert_int_equal(c.kind, MP_RTMP_CMD_PLAY);
	assert_str(c.stream_name, "livestream");
	assert_int_equal(c.query.len, 0);
	assert_true(mp_amf0_next(&c.doc, c.arg)->num == -2);

	n = mp_rtmp_build_delete_stream(out, sizeof(out), 7, 1);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, out, (size_t)n), MP_OK);
	assert_int_equal(c.kind, MP_RTMP_CMD_DELETE_STREAM);
	assert_true(c.stream_id == 1);
	for (const char *name[] = { "FCUnpublish", "closeStream", "getStreamLength", "_checkbw" }, **p = name;
	     p < name + 4; p++) {
		n = mp_rtmp_build_call(out, sizeof(out), *p, 8, mp_rtmp_cstr("s"));
		assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, out, (size_t)n), MP_OK);
		assert_true(c.kind == MP_RTMP_CMD_FC_UNPUBLISH || c.kind == MP_RTMP_CMD_CLOSE_STREAM ||
			    c.kind == MP_RTMP_CMD_GET_STREAM_LENGTH || c.kind == MP_RTMP_CMD_CHECKBW);
	}
}

static void malformed_commands_are_refused(void **state)
{
	static const uint8_t no_txn[] = { 0x02, 0x00, 0x04, 'p', 'l', 'a', 'y' };
	static const uint8_t not_name[] = { 0x05, 0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0 };
	/* "publish", 5, null and no stream name */
	static const uint8_t publish_no_name[] = { 0x02, 0x00, 0x07, 'p', 'u', 'b', 'l', 'i', 's', 'h',
						   0x00, 0x40, 0x14, 0, 0, 0, 0, 0, 0, 0x05 };
	/* "connect", 1, null: no command object */
	static const uint8_t connect_null[] = { 0x02, 0x00, 0x07, 'c', 'o', 'n', 'n', 'e', 'c', 't',
						0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0x05 };
	uint8_t amf3[64];
	struct mp_rtmp_cmd c;
	int n;

	(void)state;
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, no_txn, sizeof(no_txn)), MP_ERR_PROTO);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, not_name, sizeof(not_name)), MP_ERR_PROTO);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, publish_no_name, sizeof(publish_no_name)),
			 MP_ERR_PROTO);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, connect_null, sizeof(connect_null)), MP_ERR_PROTO);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 8, no_txn, sizeof(no_txn)), MP_ERR_INVAL);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, no_txn, 3), MP_ERR_TRUNCATED);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 17, no_txn, 0), MP_ERR_PROTO);
	/* AMF3 command message: a format selector byte, then AMF0 */
	amf3[0] = 0;
	n = mp_rtmp_build_call(amf3 + 1, sizeof(amf3) - 1, "createStream", 2, mp_rtmp_cstr(NULL));
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 17, amf3, (size_t)n + 1), MP_OK);
	assert_int_equal(c.kind, MP_RTMP_CMD_CREATE_STREAM);
}

static void a_stream_argument_is_replaced_and_the_rest_kept(void **state)
{
	uint8_t in[256], out[70000 + 256];
	static char big[70000];
	struct mp_rtmp_cmd c;
	int n, m;

	(void)state;
	n = mp_rtmp_build_publish(in, sizeof(in), 5, mp_rtmp_cstr("livestream?token=abc"), mp_rtmp_cstr("live"));
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, in, (size_t)n), MP_OK);
	m = mp_rtmp_replace_string(in, (size_t)n, c.stream, "livestream?token=abc&client_ip=198.18.1.2", 41, out,
				   sizeof(out));
	assert_int_equal(m, n + 21);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, out, (size_t)m), MP_OK);
	assert_int_equal(c.kind, MP_RTMP_CMD_PUBLISH);
	assert_true(c.txn == 5);
	assert_str(c.stream, "livestream?token=abc&client_ip=198.18.1.2");
	assert_str(c.publish_type, "live"); /* what follows the stream is kept */
	/* past 65535 bytes the string becomes an AMF0 long string, and parses back */
	memset(big, 'a', sizeof(big));
	n = mp_rtmp_build_play(in, sizeof(in), 4, mp_rtmp_cstr("s"), -2);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, in, (size_t)n), MP_OK);
	m = mp_rtmp_replace_string(in, (size_t)n, c.stream, big, sizeof(big), out, sizeof(out));
	assert_int_equal(m, n - 1 + 2 + (int)sizeof(big));
	assert_int_equal(out[m - 9 - (int)sizeof(big) - 5], 0x0C);
	/* a range that is not a string of this payload, and a small buffer, are refused */
	assert_int_equal(mp_rtmp_replace_string(in, (size_t)n, mp_rtmp_cstr("s"), "x", 1, out, sizeof(out)), MP_ERR_INVAL);
	assert_int_equal(mp_rtmp_cmd_parse(&c, nodes, 256, 20, in, (size_t)n), MP_OK);
	assert_int_equal(mp_rtmp_replace_string(in, (size_t)n, c.stream, "xyz", 3, out, 8), MP_ERR_NOSPACE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(client_commands_of_the_capture_parse_in_order),
		cmocka_unit_test(nginx_replies_of_the_capture_parse),
		cmocka_unit_test(connect_replay_is_byte_identical_to_the_client_connect),
		cmocka_unit_test(replies_to_clients_parse_back),
		cmocka_unit_test(requests_to_origins_parse_back),
		cmocka_unit_test(malformed_commands_are_refused),
		cmocka_unit_test(a_stream_argument_is_replaced_and_the_rest_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
