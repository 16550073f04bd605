/* test_amf0.c: AMF0 decode/encode of every supported type, the capture's command bodies
 * re-encoded byte for byte, nesting and type limits (AMF0 specification section 2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "amf0.h"
#include "mp_error.h"
#include "rtmp_messages.h"

static struct mp_amf0_node nodes[512];

static void capture_command_bodies_decode_and_reencode_identically(void **state)
{
	static struct rtmp_msgs s;
	static uint8_t out[8192];
	int amf = 0;

	(void)state;
	for (int up = 0; up < 2; up++) {
		rtmp_capture_messages(up, &s);
		assert_true(s.n > 5);
		for (size_t i = 0; i < s.n; i++) {
			struct mp_amf0_doc doc;
			struct mp_amf0_writer w;

			if (s.m[i].type != MP_RTMP_MSG_COMMAND_AMF0 && s.m[i].type != MP_RTMP_MSG_DATA_AMF0)
				continue;
			amf++;
			assert_int_equal(mp_amf0_decode(&doc, nodes, 512, s.m[i].payload, s.m[i].len), MP_OK);
			mp_amf0_writer_init(&w, out, sizeof(out));
			for (const struct mp_amf0_node *n = mp_amf0_top(&doc, 0); n; n = mp_amf0_next(&doc, n))
				mp_amf0_put_node(&w, &doc, n);
			assert_int_equal(mp_amf0_writer_result(&w), s.m[i].len);
			assert_memory_equal(out, s.m[i].payload, s.m[i].len);
		}
		rtmp_msgs_free(&s);
	}
	assert_true(amf >= 9); /* 6 client commands + onMetaData, and nginx's replies */
}

static void connect_object_members_are_found_by_name(void **state)
{
	static struct rtmp_msgs s;
	struct mp_amf0_doc doc;
	const struct mp_amf0_node *obj;
	const char *str;
	size_t len;
	double v;

	(void)state;
	rtmp_capture_messages(1, &s);
	assert_int_equal(mp_amf0_decode(&doc, nodes, 512, s.m[0].payload, s.m[0].len), MP_OK);
	assert_int_equal(doc.count, 3);
	assert_true(mp_amf0_str_eq(mp_amf0_top(&doc, 0), "connect"));
	assert_true(mp_amf0_top(&doc, 1)->num == 1.0);
	obj = mp_amf0_top(&doc, 2);
	assert_int_equal(obj->type, MP_AMF0_OBJECT);
	assert_int_equal(mp_amf0_get_str(&doc, obj, "app", &str, &len), MP_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(str, "live", 4);
	assert_int_equal(mp_amf0_get_str(&doc, obj, "tcUrl", &str, &len), MP_OK);
	assert_int_equal(len, strlen("rtmp://127.0.0.1:19350/live"));
	assert_memory_equal(str, "rtmp://127.0.0.1:19350/live", len);
	assert_int_equal(mp_amf0_get_str(&doc, obj, "nope", &str, &len), MP_ERR_NOTFOUND);
	assert_int_equal(mp_amf0_get_num(&doc, obj, "app", &v), MP_ERR_INVAL);
	assert_null(mp_amf0_top(&doc, 3));
	rtmp_msgs_free(&s);
}

static void every_type_round_trips(void **state)
{
	uint8_t buf[200000], again[200000];
	static char longs[70000];
	struct mp_amf0_writer w;
	struct mp_amf0_doc doc;
	const struct mp_amf0_node *n, *c;
	int len;

	(void)state;
	memset(longs, 'x', sizeof(longs));
	mp_amf0_writer_init(&w, buf, sizeof(buf));
	mp_amf0_put_number(&w, -2.5);
	mp_amf0_put_bool(&w, 1);
	mp_amf0_put_cstr(&w, "hi");
	mp_amf0_put_string(&w, longs, sizeof(longs)); /* long string, spec 2.14 */
	mp_amf0_put_object_start(&w);
	mp_amf0_put_prop_num(&w, "a", 1);
	mp_amf0_put_key(&w, "o");
	mp_amf0_put_object_start(&w);
	mp_amf0_put_prop_bool(&w, "b", 0);
	mp_amf0_put_object_end(&w);
	mp_amf0_put_object_end(&w);
	mp_amf0_put_null(&w);
	mp_amf0_put_undefined(&w);
	mp_amf0_put_ecma_start(&w, 2);
	mp_amf0_put_prop_str(&w, "k1", "v1");
	mp_amf0_put_prop_num(&w, "k2", 2);
	mp_amf0_put_object_end(&w);
	mp_amf0_put_strict_array_start(&w, 3);
	mp_amf0_put_number(&w, 1);
	mp_amf0_put_cstr(&w, "two");
	mp_amf0_put_null(&w);
	mp_amf0_put_date(&w, 1700000000000.0, 0);
	len = mp_amf0_writer_result(&w);
	assert_true(len > 70000);
	assert_int_equal(mp_amf0_decode(&doc, nodes, 512, buf, (size_t)len), MP_OK);
	assert_int_equal(doc.count, 10);
	assert_true(mp_amf0_top(&doc, 0)->num == -2.5);
	assert_int_equal(mp_amf0_top(&doc, 1)->type, MP_AMF0_BOOLEAN);
	assert_true(mp_amf0_str_eq(mp_amf0_top(&doc, 2), "hi"));
	n = mp_amf0_top(&doc, 3);
	assert_int_equal(n->type, MP_AMF0_LONG_STRING);
	assert_int_equal(n->str_len, sizeof(longs));
	n = mp_amf0_top(&doc, 4);
	c = mp_amf0_get(&doc, n, "o");
	assert_int_equal(c->type, MP_AMF0_OBJECT);
	assert_int_equal(mp_amf0_get(&doc, c, "b")->type, MP_AMF0_BOOLEAN);
	assert_int_equal(mp_amf0_top(&doc, 5)->type, MP_AMF0_NULL);
	assert_int_equal(mp_amf0_top(&doc, 6)->type, MP_AMF0_UNDEFINED);
	n = mp_amf0_top(&doc, 7);
	assert_int_equal(n->type, MP_AMF0_ECMA_ARRAY);
	assert_int_equal(n->count, 2);
	assert_true(mp_amf0_str_eq(mp_amf0_get(&doc, n, "k1"), "v1"));
	n = mp_amf0_top(&doc, 8);
	assert_int_equal(n->count, 3);
	assert_true(mp_amf0_str_eq(mp_amf0_child(&doc, n, 1), "two"));
	assert_null(mp_amf0_child(&doc, n, 3));
	n = mp_amf0_top(&doc, 9);
	assert_int_equal(n->type, MP_AMF0_DATE);
	assert_true(n->num == 1700000000000.0);
	/* re-encoding the tree gives the same bytes */
	mp_amf0_writer_init(&w, again, sizeof(again));
	for (n = mp_amf0_top(&doc, 0); n; n = mp_amf0_next(&doc, n))
		mp_amf0_put_node(&w, &doc, n);
	assert_int_equal(mp_amf0_writer_result(&w), len);
	assert_memory_equal(again, buf, (size_t)len);
	/* truncation anywhere inside is an error or a shorter complete sequence, never a crash */
	for (size_t cut = 0; cut < 200; cut++) {
		int rc = mp_amf0_decode(&doc, nodes, 512, buf, cut);

		assert_true(rc == MP_OK || rc == MP_ERR_TRUNCATED);
	}
}

static void nesting_is_bounded(void **state)
{
	uint8_t buf[256];
	struct mp_amf0_writer w;
	struct mp_amf0_doc doc;
	int len;

	(void)state;
	for (int depth = MP_AMF0_MAX_DEPTH; depth <= MP_AMF0_MAX_DEPTH + 1; depth++) {
		mp_amf0_writer_init(&w, buf, sizeof(buf));
		for (int i = 0; i < depth; i++) {
			mp_amf0_put_object_start(&w);
			mp_amf0_put_key(&w, "o");
		}
		mp_amf0_put_null(&w);
		for (int i = 0; i < depth; i++)
			mp_amf0_put_object_end(&w);
		len = mp_amf0_writer_result(&w);
		assert_true(len > 0);
		assert_int_equal(mp_amf0_decode(&doc, nodes, 512, buf, (size_t)len),
				 depth > MP_AMF0_MAX_DEPTH ? MP_ERR_TOOLONG : MP_OK);
	}
	/* strict arrays nest too */
	memset(buf, 0, sizeof(buf));
	for (int i = 0; i < 40; i++) {
		buf[5 * i] = MP_AMF0_STRICT_ARRAY;
		buf[5 * i + 4] = 1;
	}
	buf[200] = MP_AMF0_NULL;
	assert_int_equal(mp_amf0_decode(&doc, nodes, 512, buf, 201), MP_ERR_TOOLONG);
}

static void unsupported_and_malformed_are_refused(void **state)
{
	static const uint8_t ref[] = { 0x07, 0x00, 0x01 };
	static const uint8_t typed[] = { 0x10, 0x00, 0x01, 'T', 0x00, 0x00, 0x09 };
	static const uint8_t avm[] = { 0x11, 0x01 };
	static const uint8_t clip[] = { 0x04 };
	static const uint8_t unknown[] = { 0x12 };
	static const uint8_t end_at_top[] = { 0x09 };
	static const uint8_t empty_key_not_end[] = { 0x03, 0x00, 0x00, 0x05 };
	static const uint8_t big_array[] = { 0x0a, 0xff, 0xff, 0xff, 0xff, 0x05 };
	static const uint8_t short_str[] = { 0x02, 0x00, 0x05, 'a', 'b' };
	struct mp_amf0_doc doc;

	(void)state;
	assert_int_equal(mp_amf0_decode(&doc, nodes, 8, ref, sizeof(ref)), MP_ERR_UNSUPPORTED);
	assert_int_equal(mp_amf0_decode(&doc, nodes, 8, typed, sizeof(typed)), MP_ERR_UNSUPPORTED);
	assert_int_equal(mp_amf0_decode(&doc, nodes, 8, avm, sizeof(avm)), MP_ERR_UNSUPPORTED);
	assert_int_equal(mp_amf0_decode(&doc, nodes, 8, clip, sizeof(clip)), MP_ERR_UNSUPPORTED);
	assert_int_equal(mp_amf0_decode(&doc, nodes, 8, unknown, sizeof(unknown)), MP_ERR_INVAL);
	assert_int_equal(mp_amf0_decode(&doc, nodes, 8, end_at_top, sizeof(end_at_top)), MP_ERR_INVAL);
	assert_int_equal(mp_amf0_decode(&doc, nodes, 8, empty_key_not_end, sizeof(empty_key_not_end)),
			 MP_ERR_INVAL);
	assert_int_equal(mp_amf0_decode(&doc, nodes, 8, big_array, sizeof(big_array)), MP_ERR_TRUNCATED);
	assert_int_equal(mp_amf0_decode(&doc, nodes, 8, short_str, sizeof(short_str)), MP_ERR_TRUNCATED);
	assert_int_equal(mp_amf0_decode(&doc, nodes, 0, short_str, 1), MP_ERR_FULL);
	assert_int_equal(mp_amf0_decode(&doc, nodes, 8, NULL, 0), MP_OK);
	assert_int_equal(doc.count, 0);
}

static void writer_errors_are_sticky(void **state)
{
	uint8_t buf[8];
	struct mp_amf0_writer w;

	(void)state;
	mp_amf0_writer_init(&w, buf, sizeof(buf));
	mp_amf0_put_number(&w, 1);
	assert_int_equal(mp_amf0_writer_result(&w), MP_ERR_NOSPACE); /* 9 bytes do not fit in 8 */
	mp_amf0_put_null(&w);
	assert_int_equal(mp_amf0_writer_result(&w), MP_ERR_NOSPACE);
	mp_amf0_writer_init(&w, buf, sizeof(buf));
	mp_amf0_put_key(&w, "");
	assert_int_equal(mp_amf0_writer_result(&w), MP_ERR_INVAL);
	mp_amf0_writer_init(&w, buf, sizeof(buf));
	mp_amf0_put_bool(&w, 1);
	mp_amf0_put_null(&w);
	assert_int_equal(mp_amf0_writer_result(&w), 3);
	assert_memory_equal(buf, "\x01\x01\x05", 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(capture_command_bodies_decode_and_reencode_identically),
		cmocka_unit_test(connect_object_members_are_found_by_name),
		cmocka_unit_test(every_type_round_trips),
		cmocka_unit_test(nesting_is_bounded),
		cmocka_unit_test(unsupported_and_malformed_are_refused),
		cmocka_unit_test(writer_errors_are_sticky),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
