/* test_rtmp_ctrl.c: RTMP protocol control and User Control messages (spec 1.0 sections 5.4, 7.1.7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mp_error.h"
#include "rtmp_chunk.h"
#include "rtmp_ctrl.h"

static void control_messages_parse_what_they_build(void **state)
{
	static const struct mp_rtmp_ctrl cases[] = {
		{ .type = MP_RTMP_MSG_SET_CHUNK_SIZE, .value = 60000 },
		{ .type = MP_RTMP_MSG_ABORT, .value = 6 },
		{ .type = MP_RTMP_MSG_ACK, .value = 123456 },
		{ .type = MP_RTMP_MSG_WINDOW_ACK_SIZE, .value = 2500000 },
		{ .type = MP_RTMP_MSG_SET_PEER_BANDWIDTH, .value = 2500000, .limit_type = MP_RTMP_BW_DYNAMIC },
		{ .type = MP_RTMP_MSG_USER_CONTROL, .event = MP_RTMP_UC_STREAM_BEGIN, .value = 1 },
		{ .type = MP_RTMP_MSG_USER_CONTROL, .event = MP_RTMP_UC_SET_BUFFER_LENGTH, .value = 1, .value2 = 3000 },
	};
	struct mp_rtmp_ctrl bad = { .type = MP_RTMP_MSG_SET_CHUNK_SIZE, .value = 0x80000000u };
	uint8_t out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mp_rtmp_reader r;
		struct mp_rtmp_msg m;
		struct mp_rtmp_ctrl c;
		size_t used;
		int n = mp_rtmp_ctrl_write(&cases[i], 128, out, sizeof(out));

		assert_true(n > 12);
		assert_int_equal(out[0], 0x02); /* chunk stream 2 */
		mp_rtmp_reader_init(&r, 0);
		assert_int_equal(mp_rtmp_reader_feed(&r, out, (size_t)n, &used, &m), MP_OK);
		assert_int_equal(used, n);
		assert_int_equal(m.stream_id, 0);
		assert_int_equal(mp_rtmp_ctrl_parse(&m, &c), MP_OK);
		assert_memory_equal(&c, &cases[i], sizeof(c));
		m.len = 1;
		assert_int_equal(mp_rtmp_ctrl_parse(&m, &c), MP_ERR_TRUNCATED);
		mp_rtmp_reader_free(&r);
	}
	assert_int_equal(mp_rtmp_ctrl_write(&bad, 128, out, sizeof(out)), MP_ERR_INVAL);
}

static void capture_style_set_chunk_size_parses(void **state)
{
	/* ffmpeg's SetChunkSize 4096 from the capture: csid 2, type 1, stream 0 */
	static const uint8_t in[] = { 0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0x10, 0 };
	struct mp_rtmp_reader r;
	struct mp_rtmp_msg m;
	struct mp_rtmp_ctrl c;
	size_t used;

	(void)state;
	mp_rtmp_reader_init(&r, 0);
	assert_int_equal(mp_rtmp_reader_feed(&r, in, sizeof(in), &used, &m), MP_OK);
	assert_int_equal(mp_rtmp_ctrl_parse(&m, &c), MP_OK);
	assert_int_equal(c.value, 4096);
	assert_int_equal(r.chunk_size, 4096);
	m.type = MP_RTMP_MSG_AUDIO;
	assert_int_equal(mp_rtmp_ctrl_parse(&m, &c), MP_ERR_INVAL);
	mp_rtmp_reader_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(control_messages_parse_what_they_build),
		cmocka_unit_test(capture_style_set_chunk_size_parses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
