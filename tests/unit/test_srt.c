/* test_srt.c: SRT classification and handshake parse/build on the ffmpeg capture and edge cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "srt.h"
#include "test_data.h"

#define CALLER_SOCK 0x3493b41du
#define LISTENER_SOCK 0x2058f007u
#define COOKIE 0xf3477cbbu

/* The four handshake payloads of the capture (INDUCTION, its answer, CONCLUSION, its answer). */
static uint8_t hs_pkt[4][256];
static size_t hs_len[4];

static int load_handshakes(void **state)
{
	struct mp_pcap pc;
	struct mp_pcap_frame f;
	int n = 0;

	(void)state;
	mp_pcap_open(&pc, "srt-ffmpeg-publish.pcap");
	while (mp_pcap_next(&pc, &f) && n < 4) {
		if (f.payload_len >= 2 && f.payload[0] == 0x80 && f.payload[1] == 0 &&
		    f.payload_len <= sizeof(hs_pkt[0])) {
			memcpy(hs_pkt[n], f.payload, f.payload_len);
			hs_len[n++] = f.payload_len;
		}
	}
	mp_pcap_close(&pc);
	return n == 4 ? 0 : -1;
}

static void every_packet_of_the_capture_is_classified(void **state)
{
	struct mp_pcap pc;
	struct mp_pcap_frame f;
	int data = 0, ctrl[9] = { 0 }, frames = 0;

	(void)state;
	mp_pcap_open(&pc, "srt-ffmpeg-publish.pcap");
	while (mp_pcap_next(&pc, &f)) {
		struct mp_srt_pkt p = { 0 };
		uint32_t id = 0;

		frames++;
		assert_int_equal(mp_srt_classify(f.payload, f.payload_len, &p), MP_OK);
		assert_int_equal(mp_srt_dst_socket(f.payload, f.payload_len, &id), MP_OK);
		assert_int_equal(id, p.dst_sockid);
		if (p.is_control) {
			assert_true(p.ctrl_type <= MP_SRT_CTRL_PEERERROR);
			assert_string_not_equal(mp_srt_ctrl_name(p.ctrl_type), "unknown");
			ctrl[p.ctrl_type]++;
		} else {
			data++;
			assert_int_equal(f.dst_port, 10081);
			assert_int_equal(p.dst_sockid, LISTENER_SOCK);
		}
		/* after the handshake each side addresses the other's socket id */
		if (!(p.is_control && p.ctrl_type == MP_SRT_CTRL_HANDSHAKE))
			assert_int_equal(p.dst_sockid, f.dst_port == 10081 ? LISTENER_SOCK : CALLER_SOCK);
	}
	mp_pcap_close(&pc);
	assert_int_equal(frames, 186);
	assert_int_equal(ctrl[MP_SRT_CTRL_HANDSHAKE], 4);
	assert_true(ctrl[MP_SRT_CTRL_ACK] > 0);
	assert_int_equal(ctrl[MP_SRT_CTRL_ACK], ctrl[MP_SRT_CTRL_ACKACK]);
	assert_int_equal(ctrl[MP_SRT_CTRL_SHUTDOWN], 1);
	assert_int_equal(data, 77);
}

static void the_four_handshakes_decode_to_their_fields(void **state)
{
	struct mp_srt_handshake h;
	struct mp_srt_hsreq r;
	char sid[MP_SRT_STREAMID_MAX + 1];
	size_t sid_len;
	const uint8_t lo[16] = { 1, 0, 0, 0x7f };

	(void)state;
	assert_int_equal(mp_srt_hs_parse(hs_pkt[0], hs_len[0], &h), MP_OK);
	assert_int_equal(h.version, 4);
	assert_int_equal(h.encryption, 0);
	assert_int_equal(h.extension, 2); /* UDT_DGRAM socket type */
	assert_int_equal(h.isn, 0x2ac6d6f3u);
	assert_int_equal(h.mtu, 1500);
	assert_int_equal(h.flow_window, 8192);
	assert_int_equal(h.hs_type, MP_SRT_HS_INDUCTION);
	assert_int_equal(h.socket_id, CALLER_SOCK);
	assert_int_equal(h.cookie, 0);
	assert_int_equal(h.dst_sockid, 0);
	assert_memory_equal(h.peer_ip, lo, 16);
	assert_int_equal(h.n_ext, 0);

	assert_int_equal(mp_srt_hs_parse(hs_pkt[1], hs_len[1], &h), MP_OK);
	assert_int_equal(h.version, 5);
	assert_int_equal(h.extension, MP_SRT_HS_MAGIC);
	assert_int_equal(h.hs_type, MP_SRT_HS_INDUCTION);
	assert_int_equal(h.cookie, COOKIE);
	assert_int_equal(h.dst_sockid, CALLER_SOCK);

	assert_int_equal(mp_srt_hs_parse(hs_pkt[2], hs_len[2], &h), MP_OK);
	assert_int_equal(h.version, 5);
	assert_int_equal(h.hs_type, MP_SRT_HS_CONCLUSION);
	assert_string_equal(mp_srt_hs_type_name(h.hs_type), "conclusion");
	assert_int_equal(h.extension, MP_SRT_HS_EXT_HSREQ | MP_SRT_HS_EXT_CONFIG);
	assert_int_equal(h.cookie, COOKIE);
	assert_int_equal(h.n_ext, 2);
	assert_int_equal(mp_srt_hsreq_decode(mp_srt_hs_find_ext(&h, MP_SRT_EXT_HSREQ), &r), MP_OK);
	assert_int_equal(r.srt_version, 0x010501);
	assert_int_equal(r.flags, 0xbf);
	assert_int_equal(r.recv_delay, 120);
	assert_int_equal(r.send_delay, 0);
	assert_int_equal(mp_srt_hs_streamid(&h, sid, sizeof(sid), &sid_len), MP_OK);
	assert_string_equal(sid, "#!::r=live/livestream,m=publish");
	assert_int_equal(sid_len, 31);
	assert_null(mp_srt_hs_find_ext(&h, MP_SRT_EXT_KMREQ));

	assert_int_equal(mp_srt_hs_parse(hs_pkt[3], hs_len[3], &h), MP_OK);
	assert_int_equal(h.hs_type, MP_SRT_HS_CONCLUSION);
	assert_int_equal(h.socket_id, LISTENER_SOCK);
	assert_int_equal(mp_srt_hsreq_decode(mp_srt_hs_find_ext(&h, MP_SRT_EXT_HSRSP), &r), MP_OK);
	assert_int_equal(r.recv_delay, 120);
	assert_int_equal(r.send_delay, 120);
	assert_int_equal(mp_srt_hs_streamid(&h, sid, sizeof(sid), &sid_len), MP_ERR_NOTFOUND);
}

static void handshakes_rebuild_byte_identical(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++) {
		struct mp_srt_handshake h;
		uint8_t out[256];

		assert_int_equal(mp_srt_hs_parse(hs_pkt[i], hs_len[i], &h), MP_OK);
		assert_int_equal(mp_srt_hs_build(&h, out, sizeof(out)), (int)hs_len[i]);
		assert_memory_equal(out, hs_pkt[i], hs_len[i]);
		assert_int_equal(mp_srt_hs_build(&h, out, hs_len[i] - 1), MP_ERR_NOSPACE);
	}
}

static void the_induction_answer_matches_the_listeners(void **state)
{
	struct mp_srt_handshake req;
	uint8_t peer[16], out[128];

	(void)state;
	assert_int_equal(mp_srt_hs_parse(hs_pkt[0], hs_len[0], &req), MP_OK);
	mp_srt_peer_ip_from_ipv4(0x7F000001u, peer);
	assert_int_equal(mp_srt_hs_build_induction_response(&req, COOKIE, peer,
		mp_rd32(hs_pkt[1] + 8), out, sizeof(out)), (int)hs_len[1]);
	assert_memory_equal(out, hs_pkt[1], hs_len[1]);
	assert_int_equal(mp_srt_hs_parse(hs_pkt[2], hs_len[2], &req), MP_OK);
	assert_int_equal(mp_srt_hs_build_induction_response(&req, COOKIE, peer, 0, out, sizeof(out)),
			 MP_ERR_PROTO);
}

/* libsrt's own CIPAddress vectors: 2001:db8:85a3:8d3:1319:8a2e:370:7348 is the words htobe32(0x20010db8)...
 * in host order, each sent as a 32-bit field in network order: every 4 bytes reversed on the wire. */
static void an_ipv6_peer_address_is_laid_out_as_libsrt_does(void **state)
{
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x85, 0xa3, 0x08, 0xd3,
					0x13, 0x19, 0x8a, 0x2e, 0x03, 0x70, 0x73, 0x48 };
	static const uint8_t wire[16] = { 0xb8, 0x0d, 0x01, 0x20, 0xd3, 0x08, 0xa3, 0x85,
					  0x2e, 0x8a, 0x19, 0x13, 0x48, 0x73, 0x70, 0x03 };
	struct mp_srt_handshake req;
	uint8_t peer[16], out[128];

	(void)state;
	mp_srt_peer_ip_from_ipv6(a6, peer);
	assert_memory_equal(peer, wire, 16);
	/* set in place in a real handshake, read back by the parser */
	memcpy(out, hs_pkt[2], hs_len[2]);
	assert_int_equal(mp_srt_hs_set_peer_ip(out, hs_len[2], peer), MP_OK);
	assert_int_equal(mp_srt_hs_parse(out, hs_len[2], &req), MP_OK);
	assert_memory_equal(req.peer_ip, wire, 16);
	assert_int_equal(mp_srt_hs_set_peer_ip(out, 40, peer), MP_ERR_INVAL);
}

static void a_rejection_answers_the_conclusion(void **state)
{
	struct mp_srt_handshake req, rej;
	uint8_t out[128];

	(void)state;
	assert_int_equal(mp_srt_hs_parse(hs_pkt[2], hs_len[2], &req), MP_OK);
	assert_int_equal(mp_srt_hs_build_reject(&req, MP_SRT_REJX_NOTFOUND, 1234, out, sizeof(out)), 64);
	assert_int_equal(mp_srt_hs_parse(out, 64, &rej), MP_OK);
	assert_int_equal(rej.hs_type, 2404);
	assert_int_equal(mp_srt_hs_reject_reason(rej.hs_type), MP_SRT_REJX_NOTFOUND);
	assert_string_equal(mp_srt_reject_name(mp_srt_hs_reject_reason(rej.hs_type)), "REJX_NOTFOUND");
	assert_string_equal(mp_srt_hs_type_name(rej.hs_type), "reject");
	assert_int_equal(rej.dst_sockid, CALLER_SOCK);
	assert_int_equal(rej.socket_id, CALLER_SOCK);
	assert_int_equal(rej.timestamp, 1234);
	assert_int_equal(rej.n_ext, 0);
	assert_int_equal(mp_srt_hs_build_reject(&req, MP_SRT_REJ_PEER, 0, out, sizeof(out)), 64);
	assert_int_equal(mp_rd32(out + 36), 1002);
	assert_int_equal(mp_srt_hs_build_reject(&req, 0, 0, out, sizeof(out)), MP_ERR_INVAL);
	assert_int_equal(mp_srt_hs_build_reject(&req, 500, 0, out, sizeof(out)), MP_ERR_INVAL);
	assert_int_equal(mp_srt_hs_build_reject(&req, MP_SRT_REJ_PEER, 0, out, 63), MP_ERR_NOSPACE);
	assert_int_equal(mp_srt_hs_reject_reason(MP_SRT_HS_CONCLUSION), -1);
	assert_string_equal(mp_srt_reject_name(MP_SRT_REJ_TIMEOUT), "REJ_TIMEOUT");
	assert_string_equal(mp_srt_reject_name(2001), "REJC_USERDEFINED");
}

static void the_cookie_is_rewritten_in_place_and_nothing_else(void **state)
{
	uint8_t p[256];
	struct mp_srt_handshake a, b;

	(void)state;
	memcpy(p, hs_pkt[2], hs_len[2]);
	assert_int_equal(mp_srt_hs_set_cookie(p, hs_len[2], 0xdeadbeefu), MP_OK);
	assert_int_equal(mp_srt_hs_parse(p, hs_len[2], &b), MP_OK);
	assert_int_equal(mp_srt_hs_parse(hs_pkt[2], hs_len[2], &a), MP_OK);
	assert_int_equal(b.cookie, 0xdeadbeefu);
	assert_memory_equal(p, hs_pkt[2], MP_SRT_HS_COOKIE_OFF);
	assert_memory_equal(p + MP_SRT_HS_COOKIE_OFF + 4, hs_pkt[2] + MP_SRT_HS_COOKIE_OFF + 4,
			    hs_len[2] - MP_SRT_HS_COOKIE_OFF - 4);
	assert_int_equal(mp_srt_hs_set_cookie(p, 63, 1), MP_ERR_INVAL);
	p[0] = 0x00; /* a data packet */
	assert_int_equal(mp_srt_hs_set_cookie(p, hs_len[2], 1), MP_ERR_INVAL);
}

static void every_truncation_is_refused_or_ends_on_a_block(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++) {
		for (size_t cut = 0; cut < hs_len[i]; cut++) {
			uint8_t *p = malloc(cut ? cut : 1);
			struct mp_srt_handshake h;
			struct mp_srt_pkt k;
			int rc;

			memcpy(p, hs_pkt[i], cut);
			rc = mp_srt_hs_parse(p, cut, &h);
			if (cut < MP_SRT_HS_LEN)
				assert_int_equal(rc, MP_ERR_TRUNCATED);
			else if (cut == 64 || cut == 80) /* the CIF alone, or CIF + HSREQ/HSRSP */
				assert_int_equal(rc, MP_OK);
			else
				assert_int_equal(rc, MP_ERR_LENGTH);
			assert_int_equal(mp_srt_classify(p, cut, &k), cut < 16 ? MP_ERR_TRUNCATED : MP_OK);
			free(p);
		}
	}
}

static void lying_extension_lengths_are_refused(void **state)
{
	uint8_t p[1024];
	struct mp_srt_handshake h;
	size_t n = hs_len[2];

	(void)state;
	memcpy(p, hs_pkt[2], n);
	p[82] = 0; p[83] = 9; /* SID claims 9 words, 8 present */
	assert_int_equal(mp_srt_hs_parse(p, n, &h), MP_ERR_LENGTH);
	p[82] = 0xff; p[83] = 0xff;
	assert_int_equal(mp_srt_hs_parse(p, n, &h), MP_ERR_LENGTH);
	p[82] = 0; p[83] = 7; /* SID 7 words, its last word made an empty block of unknown type 9 */
	p[112] = 0; p[113] = 9; p[114] = 0; p[115] = 0;
	assert_int_equal(mp_srt_hs_parse(p, n, &h), MP_OK);
	assert_int_equal(h.n_ext, 3);
	memcpy(p, hs_pkt[2], n);
	p[66] = 0; p[67] = 2; /* HSREQ of 2 words */
	assert_int_equal(mp_srt_hs_parse(p, n, &h), MP_ERR_LENGTH);
	/* 13 empty blocks: more than kept */
	memcpy(p, hs_pkt[2], 64);
	memset(p + 64, 0, 13 * 4);
	for (int i = 0; i < 13; i++)
		p[64 + 4 * i + 1] = 9;
	assert_int_equal(mp_srt_hs_parse(p, 64 + 12 * 4, &h), MP_OK);
	assert_int_equal(h.n_ext, 12);
	assert_int_equal(mp_srt_hs_parse(p, 64 + 13 * 4, &h), MP_ERR_TOOLONG);
	/* an unknown version */
	memcpy(p, hs_pkt[2], n);
	p[19] = 6;
	assert_int_equal(mp_srt_hs_parse(p, n, &h), MP_ERR_UNSUPPORTED);
}

static void stream_ids_over_512_bytes_are_refused(void **state)
{
	uint8_t p[1024], enc[600];
	char sid[600], back[MP_SRT_STREAMID_MAX + 1];
	struct mp_srt_handshake h;
	size_t back_len;
	int n;

	(void)state;
	memset(sid, 'x', sizeof(sid));
	assert_int_equal(mp_srt_ext_string_encode(sid, 513, enc, sizeof(enc)), MP_ERR_TOOLONG);
	assert_int_equal(mp_srt_ext_string_encode(sid, 512, enc, 511), MP_ERR_NOSPACE);
	n = mp_srt_ext_string_encode(sid, 512, enc, sizeof(enc));
	assert_int_equal(n, 512);
	memcpy(p, hs_pkt[2], 64);
	p[64] = 0; p[65] = MP_SRT_EXT_SID; p[66] = 0; p[67] = 128;
	memcpy(p + 68, enc, 512);
	assert_int_equal(mp_srt_hs_parse(p, 68 + 512, &h), MP_OK);
	assert_int_equal(mp_srt_hs_streamid(&h, back, sizeof(back), &back_len), MP_OK);
	assert_int_equal(back_len, 512);
	assert_int_equal(mp_srt_hs_streamid(&h, back, 100, &back_len), MP_ERR_NOSPACE);
	p[67] = 129; /* 516 bytes */
	memset(p + 68 + 512, 'y', 4);
	assert_int_equal(mp_srt_hs_parse(p, 68 + 516, &h), MP_ERR_TOOLONG);
}

static void extension_strings_swap_each_word(void **state)
{
	uint8_t enc[16];
	char out[32];
	size_t len;

	(void)state;
	assert_int_equal(mp_srt_ext_string_encode("#!::r=a", 7, enc, sizeof(enc)), 8);
	assert_memory_equal(enc, "::!#\0a=r", 8);
	assert_int_equal(mp_srt_ext_string_decode(enc, 8, out, sizeof(out), &len), MP_OK);
	assert_string_equal(out, "#!::r=a");
	assert_int_equal(mp_srt_ext_string_decode(enc, 7, out, sizeof(out), &len), MP_ERR_INVAL);
	enc[2] = 0; /* a NUL inside the string */
	assert_int_equal(mp_srt_ext_string_decode(enc, 8, out, sizeof(out), &len), MP_ERR_INVAL);
	assert_int_equal(mp_srt_ext_string_decode(enc, 0, out, sizeof(out), &len), MP_OK);
	assert_int_equal(len, 0);
}

static void short_and_odd_headers_are_handled(void **state)
{
	uint8_t b[16] = { 0xff, 0xff, 0x12, 0x34 };
	struct mp_srt_pkt p;
	uint32_t id;

	(void)state;
	assert_int_equal(mp_srt_classify(b, 16, &p), MP_OK);
	assert_int_equal(p.is_control, 1);
	assert_int_equal(p.ctrl_type, MP_SRT_CTRL_USER);
	assert_int_equal(p.subtype, 0x1234);
	assert_string_equal(mp_srt_ctrl_name(p.ctrl_type), "user");
	assert_string_equal(mp_srt_ctrl_name(100), "unknown");
	b[0] = 0x7f;
	assert_int_equal(mp_srt_classify(b, 16, &p), MP_OK);
	assert_int_equal(p.is_control, 0);
	assert_int_equal(p.seq, 0x7fff1234u);
	assert_int_equal(mp_srt_dst_socket(b, 15, &id), MP_ERR_TRUNCATED);
	assert_false(mp_srt_is_handshake(b, 16));
}

static void a_default_stream_id_is_added_to_a_conclusion_without_one(void **state)
{
	uint8_t conc[512], out[1024];
	struct mp_srt_handshake h, o;
	char sid[MP_SRT_STREAMID_MAX + 1];
	size_t sid_len;
	int n, base;

	(void)state;
	/* the capture's CONCLUSION names a stream: with it, nothing is added */
	assert_int_equal(mp_srt_hs_add_streamid(hs_pkt[2], hs_len[2], "live/x", 6, out, sizeof(out)), MP_ERR_EXISTS);
	/* the same CONCLUSION without its SID block (a caller with no streamid) */
	assert_int_equal(mp_srt_hs_parse(hs_pkt[2], hs_len[2], &h), MP_OK);
	for (unsigned i = 0; i < h.n_ext; i++)
		if (h.ext[i].type == MP_SRT_EXT_SID) {
			h.ext[i] = h.ext[h.n_ext - 1];
			h.n_ext--;
		}
	h.extension &= (uint16_t)~MP_SRT_HS_EXT_CONFIG;
	n = base = mp_srt_hs_build(&h, conc, sizeof(conc));
	assert_true(n > 0);
	assert_int_equal(mp_srt_hs_parse(conc, (size_t)n, &h), MP_OK);
	assert_int_equal(mp_srt_hs_streamid(&h, sid, sizeof(sid), &sid_len), MP_ERR_NOTFOUND);
	n = mp_srt_hs_add_streamid(conc, (size_t)n, "#!::r=live/livestream,m=publish", 31, out, sizeof(out));
	assert_int_equal(n, base + 4 + 32);
	assert_int_equal(mp_srt_hs_parse(out, (size_t)n, &o), MP_OK);
	assert_int_equal(mp_srt_hs_streamid(&o, sid, sizeof(sid), &sid_len), MP_OK);
	assert_string_equal(sid, "#!::r=live/livestream,m=publish");
	assert_true(o.extension & MP_SRT_HS_EXT_CONFIG);
	assert_int_equal(o.extension & ~MP_SRT_HS_EXT_CONFIG, h.extension & ~MP_SRT_HS_EXT_CONFIG);
	assert_int_equal(o.n_ext, h.n_ext + 1);
	for (unsigned i = 0; i < h.n_ext; i++) { /* HSREQ (and a KMREQ when there is one) byte for byte */
		assert_int_equal(o.ext[i].type, h.ext[i].type);
		assert_int_equal(o.ext[i].len, h.ext[i].len);
		assert_memory_equal(o.ext[i].value, h.ext[i].value, h.ext[i].len);
	}
	assert_int_equal(o.socket_id, h.socket_id);
	assert_int_equal(o.cookie, h.cookie);
	/* not a CONCLUSION, or no room */
	assert_int_equal(mp_srt_hs_add_streamid(hs_pkt[0], hs_len[0], "a/b", 3, out, sizeof(out)), MP_ERR_PROTO);
	assert_true(mp_srt_hs_add_streamid(conc, (size_t)base, "a/b", 3, out, 80) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_packet_of_the_capture_is_classified),
		cmocka_unit_test(the_four_handshakes_decode_to_their_fields),
		cmocka_unit_test(handshakes_rebuild_byte_identical),
		cmocka_unit_test(the_induction_answer_matches_the_listeners),
		cmocka_unit_test(a_rejection_answers_the_conclusion),
		cmocka_unit_test(the_cookie_is_rewritten_in_place_and_nothing_else),
		cmocka_unit_test(every_truncation_is_refused_or_ends_on_a_block),
		cmocka_unit_test(lying_extension_lengths_are_refused),
		cmocka_unit_test(stream_ids_over_512_bytes_are_refused),
		cmocka_unit_test(extension_strings_swap_each_word),
		cmocka_unit_test(short_and_odd_headers_are_handled),
		cmocka_unit_test(a_default_stream_id_is_added_to_a_conclusion_without_one),
		cmocka_unit_test(an_ipv6_peer_address_is_laid_out_as_libsrt_does),
	};
	return cmocka_run_group_tests(tests, load_handshakes, NULL);
}
