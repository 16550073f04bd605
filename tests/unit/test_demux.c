/* test_demux.c: RFC 7983/9443 first-byte demultiplexing, on every first byte and on the captures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "demux.h"
#include "test_data.h"

static void every_first_byte_falls_in_its_rfc_range(void **state)
{
	uint8_t b[2] = { 0, 0 };

	(void)state;
	for (int v = 0; v < 256; v++) {
		int want;

		b[0] = (uint8_t)v;
		if (v <= 3)
			want = MP_DEMUX_STUN;
		else if (v >= 16 && v <= 19)
			want = MP_DEMUX_ZRTP;
		else if (v >= 20 && v <= 63)
			want = MP_DEMUX_DTLS;
		else if (v >= 64 && v <= 79)
			want = MP_DEMUX_TURN_CHANNEL;
		else if (v >= 128 && v <= 191)
			want = MP_DEMUX_RTP;
		else
			want = MP_DEMUX_OTHER;
		assert_int_equal(mp_demux_classify(b, 2), want);
	}
}

static void rtcp_is_told_from_rtp_by_the_second_byte(void **state)
{
	uint8_t b[2] = { 0x80, 0 };

	(void)state;
	for (int v = 0; v < 256; v++) {
		b[1] = (uint8_t)v;
		assert_int_equal(mp_demux_classify(b, 2),
				 v >= 192 && v <= 223 ? MP_DEMUX_RTCP : MP_DEMUX_RTP);
	}
	assert_int_equal(mp_demux_classify(b, 1), MP_ERR_TRUNCATED);
	assert_int_equal(mp_demux_classify(b, 0), MP_ERR_TRUNCATED);
	b[0] = 0;
	assert_int_equal(mp_demux_classify(b, 1), MP_DEMUX_STUN);
}

static void the_webrtc_capture_is_stun_dtls_rtp_and_rtcp_only(void **state)
{
	struct mp_pcap pc;
	struct mp_pcap_frame f;
	int count[MP_DEMUX__COUNT] = { 0 };

	(void)state;
	mp_pcap_open(&pc, "webrtc-aiortc-whip.pcap");
	while (mp_pcap_next(&pc, &f)) {
		int k = mp_demux_classify(f.payload, f.payload_len);

		assert_true(k >= 0 && k < MP_DEMUX__COUNT);
		count[k]++;
	}
	mp_pcap_close(&pc);
	assert_int_equal(count[MP_DEMUX_STUN], 4);
	assert_int_equal(count[MP_DEMUX_DTLS], 4);
	assert_int_equal(count[MP_DEMUX_OTHER], 0);
	assert_int_equal(count[MP_DEMUX_ZRTP] + count[MP_DEMUX_TURN_CHANNEL], 0);
	assert_true(count[MP_DEMUX_RTP] > 100);
	assert_true(count[MP_DEMUX_RTCP] > 0);
	assert_int_equal(count[MP_DEMUX_STUN] + count[MP_DEMUX_DTLS] + count[MP_DEMUX_RTP] +
			 count[MP_DEMUX_RTCP], 150);
}

static void kind_names_are_stable(void **state)
{
	(void)state;
	assert_string_equal(mp_demux_name(MP_DEMUX_STUN), "stun");
	assert_string_equal(mp_demux_name(MP_DEMUX_RTCP), "rtcp");
	assert_string_equal(mp_demux_name(-1), "unknown");
	assert_string_equal(mp_demux_name(MP_DEMUX__COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_first_byte_falls_in_its_rfc_range),
		cmocka_unit_test(rtcp_is_told_from_rtp_by_the_second_byte),
		cmocka_unit_test(the_webrtc_capture_is_stun_dtls_rtp_and_rtcp_only),
		cmocka_unit_test(kind_names_are_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
