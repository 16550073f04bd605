/* test_flv_split.c: an FLV stream cut into pieces of any size comes out as the same bytes, in whole
 * units with the right classes (headers, metadata, sequence headers, keyframes, frames); not-FLV is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "flv_split.h"
#include "mp_error.h"
#include "test_data.h"

struct tally {
	unsigned units, cls[MP_FLV_OTHER + 1];
	enum mp_flv_class order[8];
	uint8_t *out;
	size_t out_len;
};

/* Split buf in pieces of `piece` bytes (0: pseudo-random 1..700), checking the runs. */
static int split(const uint8_t *buf, size_t len, size_t piece, struct tally *t)
{
	struct mp_flv_split s;
	size_t pos = 0;
	unsigned seed = 7;

	memset(t, 0, sizeof(*t));
	t->out = malloc(len + 1);
	mp_flv_split_init(&s);
	while (pos < len) {
		size_t n = piece ? piece : 1 + (seed = seed * 1103515245u + 12345u) % 700;
		const uint8_t *p = buf + pos;
		struct mp_flv_run run;
		int rc;

		if (n > len - pos)
			n = len - pos;
		pos += n;
		while ((rc = mp_flv_split_next(&s, &p, &n, &run)) == 1) {
			if (run.first) {
				if (t->units < 8)
					t->order[t->units] = run.cls;
				t->units++;
				t->cls[run.cls]++;
			}
			memcpy(t->out + t->out_len, run.p, run.n);
			t->out_len += run.n;
		}
		if (rc < 0)
			return rc;
		assert_int_equal(n, 0);
	}
	return MP_OK;
}

static void check_small_flv(size_t piece)
{
	size_t len;
	uint8_t *flv = mp_test_read_file("seeds-flv/small.flv", &len);
	struct tally t;

	assert_non_null(flv);
	assert_int_equal(split(flv, len, piece, &t), MP_OK);
	assert_int_equal(t.out_len, len);
	assert_memory_equal(t.out, flv, len);
	assert_int_equal(t.order[0], MP_FLV_FILE_HEADER);
	assert_int_equal(t.order[1], MP_FLV_SCRIPT);
	assert_int_equal(t.cls[MP_FLV_FILE_HEADER], 1);
	assert_int_equal(t.cls[MP_FLV_SCRIPT], 1);
	assert_int_equal(t.cls[MP_FLV_VIDEO_CONFIG], 1);
	assert_int_equal(t.cls[MP_FLV_AUDIO_CONFIG], 1);
	assert_int_equal(t.cls[MP_FLV_VIDEO_KEY], 3);     /* 1.5 s at 10 fps, a keyframe every 5 */
	assert_int_equal(t.cls[MP_FLV_VIDEO], 15 - 3);
	assert_true(t.cls[MP_FLV_AUDIO] > 20);
	free(t.out);
	free(flv);
}

static void test_whole_file_in_one_piece(void **state)
{
	(void)state;
	check_small_flv(1 << 20);
}

static void test_byte_by_byte(void **state)
{
	(void)state;
	check_small_flv(1);
}

static void test_random_pieces(void **state)
{
	(void)state;
	check_small_flv(0);
	check_small_flv(13);
	check_small_flv(11);
}

static void test_not_flv_is_refused(void **state)
{
	static const uint8_t ts[] = { 0x47, 0x40, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t bad_off[] = { 'F', 'L', 'V', 1, 5, 0, 0, 0, 8, 0, 0, 0, 0 };
	struct tally t;

	(void)state;
	assert_int_equal(split(ts, sizeof(ts), 100, &t), MP_ERR_PROTO);
	free(t.out);
	assert_int_equal(split(bad_off, sizeof(bad_off), 100, &t), MP_ERR_PROTO);
	free(t.out);
}

static void test_enhanced_rtmp_and_tiny_tags(void **state)
{
	/* header; ExHeader video SequenceStart (hvc1); ExHeader keyframe CodedFrames; a 0-byte audio
	 * tag; a 1-byte video tag (inter frame, no packet type byte) */
	static const uint8_t s[] = {
		'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0,
		9, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0x90, 'h', 'v', 'c', '1', 0, 0, 0, 16,
		9, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0x91, 'h', 'v', 'c', '1', 0, 0, 0, 16,
		8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
		9, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x27, 0, 0, 0, 12,
	};
	struct tally t;

	(void)state;
	for (size_t piece = 1; piece < sizeof(s); piece++) {
		assert_int_equal(split(s, sizeof(s), piece, &t), MP_OK);
		assert_int_equal(t.out_len, sizeof(s));
		assert_memory_equal(t.out, s, sizeof(s));
		assert_int_equal(t.units, 5);
		assert_int_equal(t.order[1], MP_FLV_VIDEO_CONFIG);
		assert_int_equal(t.order[2], MP_FLV_VIDEO_KEY);
		assert_int_equal(t.order[3], MP_FLV_AUDIO);
		assert_int_equal(t.order[4], MP_FLV_VIDEO);
		free(t.out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_file_in_one_piece),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_random_pieces),
		cmocka_unit_test(test_not_flv_is_refused),
		cmocka_unit_test(test_enhanced_rtmp_and_tiny_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
