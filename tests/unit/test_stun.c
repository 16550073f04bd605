/* test_stun.c: STUN parsing on the aiortc capture and on hand-made malformed messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "stun.h"
#include "test_data.h"

/* ---- a tiny message builder for the hand-made cases ---- */

static size_t msg_begin(uint8_t *b, uint16_t type)
{
	static const uint8_t txid[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

	b[0] = (uint8_t)(type >> 8);
	b[1] = (uint8_t)type;
	b[2] = b[3] = 0;
	b[4] = 0x21; b[5] = 0x12; b[6] = 0xA4; b[7] = 0x42;
	memcpy(b + 8, txid, 12);
	return MP_STUN_HEADER_LEN;
}

static size_t msg_attr(uint8_t *b, size_t off, uint16_t type, const void *v, uint16_t vlen)
{
	size_t padded = ((size_t)vlen + 3) & ~(size_t)3;
	size_t blen;

	b[off] = (uint8_t)(type >> 8);
	b[off + 1] = (uint8_t)type;
	b[off + 2] = (uint8_t)(vlen >> 8);
	b[off + 3] = (uint8_t)vlen;
	memset(b + off + 4, 0, padded);
	if (vlen)
		memcpy(b + off + 4, v, vlen);
	off += 4 + padded;
	blen = off - MP_STUN_HEADER_LEN;
	b[2] = (uint8_t)(blen >> 8);
	b[3] = (uint8_t)blen;
	return off;
}

/* A FINGERPRINT attribute; its value is not checked by the parser, so any 4 bytes do. */
static size_t msg_fingerprint(uint8_t *b, size_t off)
{
	static const uint8_t any[4] = { 0xde, 0xad, 0xbe, 0xef };

	return msg_attr(b, off, MP_STUN_ATTR_FINGERPRINT, any, 4);
}

/* ---- tests ---- */

static void every_stun_packet_of_the_aiortc_capture_parses(void **state)
{
	struct mp_pcap pc;
	struct mp_pcap_frame f;
	int n = 0, requests = 0, responses = 0;

	(void)state;
	mp_pcap_open(&pc, "webrtc-aiortc-whip.pcap");
	while (mp_pcap_next(&pc, &f)) {
		struct mp_stun_msg m;

		if (f.ip_proto != 17 || f.payload_len == 0 || f.payload[0] > 3)
			continue;
		n++;
		assert_int_equal(mp_stun_parse(f.payload, f.payload_len, &m), MP_OK);
		assert_int_equal(m.method, MP_STUN_METHOD_BINDING);
		assert_memory_equal(m.txid, f.payload + 8, 12);
		if (m.cls == MP_STUN_CLASS_REQUEST) {
			const uint8_t *u;
			size_t ulen;
			struct mp_stun_ufrags uf;

			requests++;
			assert_int_equal(mp_stun_binding_username(f.payload, f.payload_len, &u, &ulen), MP_OK);
			assert_int_equal(ulen, m.username_len);
			assert_ptr_equal(u, f.payload + m.username_off + 4);
			assert_int_equal(mp_stun_username_split(u, ulen, &uf), MP_OK);
			assert_int_equal(uf.answer_len, 4);
			assert_int_equal(uf.offer_len, 4);
			/* the two agents use "M3H2" and "gLet"; each request names the receiver first */
			if (f.dst_port == 48339) {
				assert_memory_equal(uf.answer, "M3H2", 4);
				assert_memory_equal(uf.offer, "gLet", 4);
			} else {
				assert_memory_equal(uf.answer, "gLet", 4);
				assert_memory_equal(uf.offer, "M3H2", 4);
			}
			assert_int_not_equal(m.integrity_off, 0);
			assert_int_not_equal(m.priority_off, 0);
		} else {
			struct mp_stun_addr a;

			responses++;
			assert_int_equal(m.cls, MP_STUN_CLASS_SUCCESS);
			assert_int_equal(mp_stun_xor_mapped_address(f.payload, &m, &a), MP_OK);
			assert_int_equal(a.family, 4);
			assert_int_equal(a.ipv4, 0x7F000001u);
			assert_int_equal(a.port, f.dst_port); /* the requester's reflexive address */
			assert_int_equal(mp_stun_binding_username(f.payload, f.payload_len, &(const uint8_t *){0},
								  &(size_t){0}), MP_ERR_UNSUPPORTED);
		}
	}
	mp_pcap_close(&pc);
	assert_int_equal(n, 4);
	assert_int_equal(requests, 2);
	assert_int_equal(responses, 2);
}

static void every_truncation_of_a_real_request_is_an_error(void **state)
{
	struct mp_pcap pc;
	struct mp_pcap_frame f;

	(void)state;
	mp_pcap_open(&pc, "webrtc-aiortc-whip.pcap");
	while (mp_pcap_next(&pc, &f)) {
		if (f.ip_proto != 17 || f.payload_len == 0 || f.payload[0] > 3)
			continue;
		for (size_t cut = 0; cut < f.payload_len; cut++) {
			/* a fresh heap copy so ASan sees any read past the cut */
			uint8_t *p = malloc(cut ? cut : 1);
			struct mp_stun_msg m;
			const uint8_t *u;
			size_t ulen;

			memcpy(p, f.payload, cut);
			assert_true(mp_stun_parse(p, cut, &m) < 0);
			assert_true(mp_stun_binding_username(p, cut, &u, &ulen) < 0);
			free(p);
		}
	}
	mp_pcap_close(&pc);
}

static void header_rules_are_enforced(void **state)
{
	uint8_t b[64];
	struct mp_stun_msg m;
	size_t n = msg_begin(b, MP_STUN_BINDING_REQUEST);

	(void)state;
	n = msg_attr(b, n, MP_STUN_ATTR_USERNAME, "ab:cd", 5);
	assert_int_equal(mp_stun_parse(b, n, &m), MP_OK);
	b[4] = 0x21; b[7] = 0x43; /* wrong magic cookie */
	assert_int_equal(mp_stun_parse(b, n, &m), MP_ERR_INVAL);
	b[7] = 0x42;
	b[0] = 0x40; /* top bits not zero */
	assert_int_equal(mp_stun_parse(b, n, &m), MP_ERR_INVAL);
	b[0] = 0x00;
	b[3] = 13; /* not a multiple of 4 */
	assert_int_equal(mp_stun_parse(b, n, &m), MP_ERR_LENGTH);
	b[3] = 16; /* header says more than the datagram holds */
	assert_int_equal(mp_stun_parse(b, n, &m), MP_ERR_TRUNCATED);
	b[3] = 4; /* header says less: trailing bytes */
	assert_int_equal(mp_stun_parse(b, n, &m), MP_ERR_LENGTH);
	b[3] = 12;
	assert_int_equal(mp_stun_parse(NULL, n, &m), MP_ERR_INVAL);
}

static void an_attribute_running_past_the_end_is_an_error(void **state)
{
	uint8_t b[64];
	struct mp_stun_msg m;
	const uint8_t *u;
	size_t ulen, n = msg_begin(b, MP_STUN_BINDING_REQUEST);

	(void)state;
	n = msg_attr(b, n, MP_STUN_ATTR_SOFTWARE, "abcd", 4);
	n = msg_attr(b, n, MP_STUN_ATTR_USERNAME, "ab:cd", 5); /* 12 bytes on the wire */
	b[28 + 3] = 8; /* USERNAME 8 bytes: fills the 8 left exactly */
	assert_int_equal(mp_stun_parse(b, n, &m), MP_OK);
	b[28 + 3] = 9; /* padded 12 > 8 left */
	assert_int_equal(mp_stun_parse(b, n, &m), MP_ERR_TRUNCATED);
	assert_int_equal(mp_stun_binding_username(b, n, &u, &ulen), MP_ERR_TRUNCATED);
	b[28 + 2] = 0xFF; /* huge */
	assert_int_equal(mp_stun_parse(b, n, &m), MP_ERR_TRUNCATED);
	assert_int_equal(mp_stun_binding_username(b, n, &u, &ulen), MP_ERR_TRUNCATED);
	/* zero-length attributes walk as 4-byte headers */
	n = msg_begin(b, MP_STUN_BINDING_REQUEST);
	n = msg_attr(b, n, MP_STUN_ATTR_SOFTWARE, "ab", 2);
	b[22] = 0; b[23] = 0; /* SOFTWARE of length 0; its old value "ab\0\0" is an empty attr */
	assert_int_equal(mp_stun_parse(b, n, &m), MP_OK);
	assert_int_equal(m.n_attrs, 2);
}

static void zero_length_username_is_parsed_but_not_extracted(void **state)
{
	uint8_t b[64];
	struct mp_stun_msg m;
	struct mp_stun_ufrags uf;
	const uint8_t *u;
	size_t ulen, n = msg_begin(b, MP_STUN_BINDING_REQUEST);

	(void)state;
	n = msg_attr(b, n, MP_STUN_ATTR_USERNAME, NULL, 0);
	assert_int_equal(mp_stun_parse(b, n, &m), MP_OK);
	assert_int_equal(m.username_off, 20);
	assert_int_equal(m.username_len, 0);
	assert_int_equal(mp_stun_binding_username(b, n, &u, &ulen), MP_ERR_INVAL);
	assert_int_equal(mp_stun_username_split(b + 24, 0, &uf), MP_ERR_INVAL);
}

static void username_of_512_bytes_is_accepted_and_513_refused(void **state)
{
	uint8_t b[600], name[513];
	struct mp_stun_msg m;
	const uint8_t *u;
	size_t ulen, n;

	(void)state;
	memset(name, 'a', sizeof(name));
	name[100] = ':';
	n = msg_attr(b, msg_begin(b, MP_STUN_BINDING_REQUEST), MP_STUN_ATTR_USERNAME, name, 512);
	assert_int_equal(mp_stun_parse(b, n, &m), MP_OK);
	assert_int_equal(m.username_len, 512);
	assert_int_equal(mp_stun_binding_username(b, n, &u, &ulen), MP_OK);
	assert_int_equal(ulen, 512);
	n = msg_attr(b, msg_begin(b, MP_STUN_BINDING_REQUEST), MP_STUN_ATTR_USERNAME, name, 513);
	assert_int_equal(mp_stun_parse(b, n, &m), MP_ERR_TOOLONG);
	assert_int_equal(mp_stun_binding_username(b, n, &u, &ulen), MP_ERR_TOOLONG);
}

static void username_split_needs_exactly_one_inner_colon(void **state)
{
	struct mp_stun_ufrags uf;

	(void)state;
	assert_int_equal(mp_stun_username_split((const uint8_t *)"abcd:efgh", 9, &uf), MP_OK);
	assert_int_equal(uf.answer_len, 4);
	assert_memory_equal(uf.offer, "efgh", 4);
	assert_int_equal(mp_stun_username_split((const uint8_t *)"abcdefgh", 8, &uf), MP_ERR_INVAL);
	assert_int_equal(mp_stun_username_split((const uint8_t *)":efgh", 5, &uf), MP_ERR_INVAL);
	assert_int_equal(mp_stun_username_split((const uint8_t *)"abcd:", 5, &uf), MP_ERR_INVAL);
	assert_int_equal(mp_stun_username_split((const uint8_t *)"a:b:c", 5, &uf), MP_ERR_INVAL);
}

static void fingerprint_is_found_and_must_be_last(void **state)
{
	uint8_t b[128];
	struct mp_stun_msg m;
	size_t n = msg_begin(b, MP_STUN_BINDING_REQUEST), fp;

	(void)state;
	n = msg_attr(b, n, MP_STUN_ATTR_USERNAME, "ab:cd", 5);
	fp = n;
	n = msg_fingerprint(b, n);
	assert_int_equal(mp_stun_parse(b, n, &m), MP_OK);
	assert_int_equal(m.fingerprint_off, fp);
	n = msg_attr(b, n, MP_STUN_ATTR_SOFTWARE, "x", 1); /* after FINGERPRINT */
	assert_int_equal(mp_stun_parse(b, n, &m), MP_ERR_INVAL);
	n = msg_attr(b, msg_begin(b, MP_STUN_BINDING_REQUEST), MP_STUN_ATTR_FINGERPRINT, "abcdef", 6);
	assert_int_equal(mp_stun_parse(b, n, &m), MP_ERR_LENGTH);
	n = msg_attr(b, msg_begin(b, MP_STUN_BINDING_REQUEST), MP_STUN_ATTR_SOFTWARE, "x", 1);
	assert_int_equal(mp_stun_parse(b, n, &m), MP_OK);
	assert_int_equal(m.fingerprint_off, 0);
}

static void attributes_after_message_integrity_are_ignored(void **state)
{
	uint8_t b[128], mi[20] = { 0 };
	struct mp_stun_msg m;
	const uint8_t *u;
	size_t ulen, n = msg_begin(b, MP_STUN_BINDING_REQUEST), mi_off;

	(void)state;
	mi_off = n;
	n = msg_attr(b, n, MP_STUN_ATTR_MESSAGE_INTEGRITY, mi, 20);
	n = msg_attr(b, n, MP_STUN_ATTR_USERNAME, "ab:cd", 5);
	n = msg_fingerprint(b, n);
	assert_int_equal(mp_stun_parse(b, n, &m), MP_OK);
	assert_int_equal(m.integrity_off, mi_off);
	assert_int_equal(m.username_off, 0);
	assert_int_equal(mp_stun_binding_username(b, n, &u, &ulen), MP_ERR_NOTFOUND);
	n = msg_attr(b, msg_begin(b, MP_STUN_BINDING_REQUEST), MP_STUN_ATTR_MESSAGE_INTEGRITY, mi, 16);
	assert_int_equal(mp_stun_parse(b, n, &m), MP_ERR_LENGTH);
	/* the same after MESSAGE-INTEGRITY-SHA256 */
	n = msg_attr(b, msg_begin(b, MP_STUN_BINDING_REQUEST), MP_STUN_ATTR_MESSAGE_INTEGRITY_SHA256, mi, 20);
	n = msg_attr(b, n, MP_STUN_ATTR_USERNAME, "ab:cd", 5);
	assert_int_equal(mp_stun_parse(b, n, &m), MP_OK);
	assert_int_equal(m.integrity_sha256_off, 20);
	assert_int_equal(m.username_off, 0);
	assert_int_equal(mp_stun_binding_username(b, n, &u, &ulen), MP_ERR_NOTFOUND);
}

static void xor_mapped_address_decodes_ipv4_and_ipv6(void **state)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	uint8_t b[128], val[20];
	struct mp_stun_msg m;
	struct mp_stun_addr a;
	size_t n = msg_begin(b, MP_STUN_BINDING_SUCCESS);

	(void)state;
	/* IPv4 192.0.2.1:32853 (RFC 5769 section 2.2 values, XORed by hand) */
	val[0] = 0; val[1] = 1; val[2] = 0xA1; val[3] = 0x47;
	val[4] = 0xE1; val[5] = 0x12; val[6] = 0xA6; val[7] = 0x43;
	n = msg_attr(b, n, MP_STUN_ATTR_XOR_MAPPED_ADDRESS, val, 8);
	assert_int_equal(mp_stun_parse(b, n, &m), MP_OK);
	assert_int_equal(mp_stun_xor_mapped_address(b, &m, &a), MP_OK);
	assert_int_equal(a.family, 4);
	assert_int_equal(a.port, 32853);
	assert_int_equal(a.ipv4, 0xC0000201u);
	/* IPv6 2001:db8::1 port 5000: XOR with the cookie then the transaction id */
	n = msg_begin(b, MP_STUN_BINDING_SUCCESS);
	val[0] = 0; val[1] = 2; val[2] = (uint8_t)((5000 >> 8) ^ 0x21); val[3] = (uint8_t)((5000 & 0xff) ^ 0x12);
	for (int i = 0; i < 16; i++)
		val[4 + i] = v6[i] ^ b[4 + i];
	n = msg_attr(b, n, MP_STUN_ATTR_XOR_MAPPED_ADDRESS, val, 20);
	assert_int_equal(mp_stun_parse(b, n, &m), MP_OK);
	assert_int_equal(mp_stun_xor_mapped_address(b, &m, &a), MP_OK);
	assert_int_equal(a.family, 6);
	assert_int_equal(a.port, 5000);
	assert_memory_equal(a.addr, v6, 16);
	/* wrong lengths and families */
	assert_int_equal(mp_stun_xor_address_decode(val, 8, b, &a), MP_ERR_LENGTH);
	val[1] = 3;
	assert_int_equal(mp_stun_xor_address_decode(val, 20, b, &a), MP_ERR_UNSUPPORTED);
	n = msg_attr(b, msg_begin(b, MP_STUN_BINDING_SUCCESS), MP_STUN_ATTR_XOR_MAPPED_ADDRESS, val, 12);
	assert_int_equal(mp_stun_parse(b, n, &m), MP_ERR_LENGTH);
	n = msg_attr(b, msg_begin(b, MP_STUN_BINDING_SUCCESS), MP_STUN_ATTR_SOFTWARE, "x", 1);
	assert_int_equal(mp_stun_parse(b, n, &m), MP_OK);
	assert_int_equal(mp_stun_xor_mapped_address(b, &m, &a), MP_ERR_NOTFOUND);
}

static void class_and_method_come_from_the_interleaved_type_bits(void **state)
{
	(void)state;
	assert_int_equal(mp_stun_type_class(0x0001), MP_STUN_CLASS_REQUEST);
	assert_int_equal(mp_stun_type_class(0x0011), MP_STUN_CLASS_INDICATION);
	assert_int_equal(mp_stun_type_class(0x0101), MP_STUN_CLASS_SUCCESS);
	assert_int_equal(mp_stun_type_class(0x0111), MP_STUN_CLASS_ERROR);
	assert_int_equal(mp_stun_type_method(0x0111), 0x001);
	assert_int_equal(mp_stun_type_method(0x3EEF), 0xFFF);
	assert_int_equal(mp_stun_type_class(0x3EEF), MP_STUN_CLASS_REQUEST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_stun_packet_of_the_aiortc_capture_parses),
		cmocka_unit_test(every_truncation_of_a_real_request_is_an_error),
		cmocka_unit_test(header_rules_are_enforced),
		cmocka_unit_test(an_attribute_running_past_the_end_is_an_error),
		cmocka_unit_test(zero_length_username_is_parsed_but_not_extracted),
		cmocka_unit_test(username_of_512_bytes_is_accepted_and_513_refused),
		cmocka_unit_test(username_split_needs_exactly_one_inner_colon),
		cmocka_unit_test(fingerprint_is_found_and_must_be_last),
		cmocka_unit_test(attributes_after_message_integrity_are_ignored),
		cmocka_unit_test(xor_mapped_address_decodes_ipv4_and_ipv6),
		cmocka_unit_test(class_and_method_come_from_the_interleaved_type_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
