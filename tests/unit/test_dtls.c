/* test_dtls.c: the DTLS record walk finds close_notify, fatal and encrypted alerts, and nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "demux.h"
#include "dtls.h"
#include "test_data.h"

/* A DTLS 1.2 record: type, version DTLS 1.2 (0xfefd), epoch, sequence 0, body. Returns its size. */
static size_t rec(uint8_t *out, uint8_t type, uint16_t epoch, const uint8_t *body, uint16_t blen)
{
	memset(out, 0, MP_DTLS_HEADER_LEN);
	out[0] = type;
	out[1] = 0xfe;
	out[2] = 0xfd;
	out[3] = (uint8_t)(epoch >> 8);
	out[4] = (uint8_t)epoch;
	out[10] = 7;
	out[11] = (uint8_t)(blen >> 8);
	out[12] = (uint8_t)blen;
	memcpy(out + MP_DTLS_HEADER_LEN, body, blen);
	return MP_DTLS_HEADER_LEN + (size_t)blen;
}

static void plaintext_close_notify_and_fatal_alerts_end_the_association(void **state)
{
	uint8_t b[64];
	const uint8_t close_notify[2] = { 1, 0 }, fatal[2] = { 2, 40 }, warning[2] = { 1, 90 };

	(void)state;
	assert_int_equal(mp_dtls_alert(b, rec(b, 21, 0, close_notify, 2)), MP_DTLS_ALERT_CLOSE);
	assert_int_equal(mp_dtls_alert(b, rec(b, 21, 0, fatal, 2)), MP_DTLS_ALERT_CLOSE);
	assert_int_equal(mp_dtls_alert(b, rec(b, 21, 0, warning, 2)), MP_DTLS_ALERT_WARNING);
	assert_int_equal(mp_dtls_alert(b, rec(b, 21, 0, close_notify, 1)), MP_ERR_LENGTH);
}

static void an_alert_record_after_the_handshake_is_reported_encrypted(void **state)
{
	uint8_t b[64], body[26];

	(void)state;
	memset(body, 0xa5, sizeof(body)); /* AES-GCM: 8 explicit nonce + 2 + 16 tag */
	assert_int_equal(mp_dtls_alert(b, rec(b, 21, 1, body, sizeof(body))), MP_DTLS_ALERT_ENCRYPTED);
}

static void alert_behind_another_record_in_the_same_datagram_is_found(void **state)
{
	uint8_t b[128], body[26] = { 0 };
	const uint8_t warning[2] = { 1, 90 };
	size_t n;

	(void)state;
	n = rec(b, 23, 1, body, 20);                 /* application data */
	n += rec(b + n, 21, 0, warning, 2);          /* a warning: not an end by itself */
	assert_int_equal(mp_dtls_alert(b, n), MP_DTLS_ALERT_WARNING);
	n += rec(b + n, 21, 1, body, sizeof(body));  /* then an encrypted alert */
	assert_int_equal(mp_dtls_alert(b, n), MP_DTLS_ALERT_ENCRYPTED);
	/* A truncated record after the first ends the walk with what was found before. */
	assert_int_equal(mp_dtls_alert(b, n - 1), MP_DTLS_ALERT_WARNING);
}

static void handshake_application_data_and_dtls13_ciphertext_carry_no_alert(void **state)
{
	uint8_t b[64], body[20] = { 0 };

	(void)state;
	assert_int_equal(mp_dtls_alert(b, rec(b, 22, 0, body, 20)), MP_DTLS_ALERT_NONE);
	assert_int_equal(mp_dtls_alert(b, rec(b, 23, 1, body, 20)), MP_DTLS_ALERT_NONE);
	/* RFC 9147 unified header 0x2c: 16-bit sequence, length present; then one without length. */
	b[0] = 0x2c;
	b[1] = 0;
	b[2] = 1;
	b[3] = 0;
	b[4] = 4;
	memset(b + 5, 0x15, 4);
	assert_int_equal(mp_dtls_alert(b, 9), MP_DTLS_ALERT_NONE);
	assert_int_equal(mp_dtls_alert(b, 8), MP_ERR_TRUNCATED);
	b[0] = 0x20;
	assert_int_equal(mp_dtls_alert(b, 9), MP_DTLS_ALERT_NONE);
	b[0] = 0x30; /* connection id of unknown length: cannot be walked */
	assert_int_equal(mp_dtls_alert(b, 9), MP_DTLS_ALERT_NONE);
}

static void truncated_and_non_dtls_input_is_refused_at_every_length(void **state)
{
	uint8_t b[64], body[26] = { 0 };
	size_t n = rec(b, 21, 1, body, sizeof(body));

	(void)state;
	for (size_t l = 0; l < n; l++)
		assert_int_equal(mp_dtls_alert(b, l), MP_ERR_TRUNCATED);
	b[0] = 0x80; /* RTP */
	assert_int_equal(mp_dtls_alert(b, n), MP_ERR_INVAL);
	b[0] = 0;    /* STUN */
	assert_int_equal(mp_dtls_alert(b, n), MP_ERR_INVAL);
}

static void the_captured_dtls_handshake_carries_no_alert(void **state)
{
	struct mp_pcap p;
	struct mp_pcap_frame f;
	int dtls = 0;

	(void)state;
	mp_pcap_open(&p, "webrtc-aiortc-whip.pcap");
	while (mp_pcap_next(&p, &f)) {
		if (f.ip_proto != 17 || mp_demux_classify(f.payload, f.payload_len) != MP_DEMUX_DTLS)
			continue;
		dtls++;
		assert_int_equal(mp_dtls_alert(f.payload, f.payload_len), MP_DTLS_ALERT_NONE);
	}
	mp_pcap_close(&p);
	assert_int_equal(dtls, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plaintext_close_notify_and_fatal_alerts_end_the_association),
		cmocka_unit_test(an_alert_record_after_the_handshake_is_reported_encrypted),
		cmocka_unit_test(alert_behind_another_record_in_the_same_datagram_is_found),
		cmocka_unit_test(handshake_application_data_and_dtls13_ciphertext_carry_no_alert),
		cmocka_unit_test(truncated_and_non_dtls_input_is_refused_at_every_length),
		cmocka_unit_test(the_captured_dtls_handshake_carries_no_alert),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
