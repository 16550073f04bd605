/* test_webrtc_answer.c: the ICE username, origin media address and client answer from SRS's real WHIP
 * answer; the WHIP resource table that routes DELETE/PATCH back to the session's origin. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_error.h"
#include "test_data.h"
#include "webrtc_answer.h"
#include "whip_resource.h"

#define PUBLIC_IP 0xc6120102u /* 198.18.1.2 */
#define ORIGIN_RTC 0xc6120201u /* 198.18.2.1 */

static char reason[256];

static void chromium_offer_gives_its_ufrag(void **state)
{
	char ufrag[MP_SDP_ICE_MAX];
	size_t len;
	char *sdp = (char *)mp_test_read_file("chromium156-whip-offer.sdp", &len);

	(void)state;
	assert_int_equal(mp_webrtc_offer_ufrag(sdp, len, ufrag, reason, sizeof(reason)), MP_OK);
	assert_string_equal(ufrag, "oZ0b");
	assert_int_equal(mp_webrtc_offer_ufrag("v=0\r\ns=-\r\n", 10, ufrag, reason, sizeof(reason)), MP_ERR_NOTFOUND);
	assert_non_null(strstr(reason, "ice-ufrag"));
	assert_int_equal(mp_webrtc_offer_ufrag("hello", 5, ufrag, reason, sizeof(reason)), MP_ERR_INVAL);
	free(sdp);
}

static void srs_answer_gives_username_media_and_rewritten_candidates(void **state)
{
	struct mp_webrtc_answer a;
	size_t len;
	char *sdp = (char *)mp_test_read_file("srs7-whip-answer.sdp", &len);

	(void)state;
	assert_int_equal(mp_webrtc_answer_build("oZ0b", sdp, len, ORIGIN_RTC, 8000, PUBLIC_IP, NULL, 8000, &a, reason,
						sizeof(reason)), MP_OK);
	assert_string_equal(a.username, "6wii000d:oZ0b"); /* answerUfrag:offerUfrag, SRS's session name */
	assert_string_equal(a.ice_pwd, "pam2577i3kl189u6398pj8194l861c06"); /* the key of the client's checks */
	assert_true(a.media_from_sdp);
	assert_int_equal(a.media_ipv4, 0x7f000001u);
	assert_int_equal(a.media_port, 18000);
	assert_int_equal(a.rewritten, 2);
	assert_non_null(strstr(a.sdp, "a=candidate:0 1 udp 2130706431 198.18.1.2 8000 typ host generation 0\r\n"));
	assert_null(strstr(a.sdp, "127.0.0.1 18000"));
	assert_int_equal(strlen(a.sdp), a.sdp_len);
	assert_int_equal(a.sdp_len, len + 2 * (strlen("198.18.1.2 8000") - strlen("127.0.0.1 18000")));
	mp_webrtc_answer_free(&a);
	assert_null(a.sdp);
	free(sdp);
}

/* public_ip6 configured: beside each section's IPv4 candidate the answer offers the appliance's IPv6
 * address, so that an IPv6-only client's checks and media reach the data plane over IPv6. */
static void srs_answer_gets_an_ipv6_candidate_for_public_ip6(void **state)
{
	static const uint8_t ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 }; /* 2001:db8:1::2 */
	const char *v4 = "a=candidate:0 1 udp 2130706431 198.18.1.2 8000 typ host generation 0\r\n";
	const char *v6 = "a=candidate:06 1 udp 2130706175 2001:db8:1::2 8000 typ host generation 0\r\n";
	struct mp_webrtc_answer a;
	size_t len;
	char *sdp = (char *)mp_test_read_file("srs7-whip-answer.sdp", &len), *p, *video;

	(void)state;
	assert_int_equal(mp_webrtc_answer_build("oZ0b", sdp, len, ORIGIN_RTC, 8000, PUBLIC_IP, ip6, 8000, &a, reason,
						sizeof(reason)), MP_OK);
	assert_string_equal(a.username, "6wii000d:oZ0b");
	assert_int_equal(a.media_ipv4, 0x7f000001u); /* the origin side stays IPv4 */
	assert_int_equal(a.media_port, 18000);
	assert_int_equal(a.rewritten, 4); /* audio and video: IPv4 and IPv6 each */
	video = strstr(a.sdp, "m=video");
	assert_non_null(video);
	/* In each section, the IPv4 candidate then its IPv6 twin on the next line. */
	p = strstr(a.sdp, v4);
	assert_true(p && p < video);
	assert_ptr_equal(strstr(a.sdp, v6), p + strlen(v4));
	p = strstr(video, v4);
	assert_non_null(p);
	assert_ptr_equal(strstr(video, v6), p + strlen(v4));
	assert_null(strstr(a.sdp, "127.0.0.1"));
	assert_non_null(strstr(a.sdp, "c=IN IP4 0.0.0.0\r\n")); /* the placeholder stays */
	assert_int_equal(strlen(a.sdp), a.sdp_len);
	assert_int_equal(a.sdp_len, len + 2 * (strlen("198.18.1.2 8000") - strlen("127.0.0.1 18000")) + 2 * strlen(v6));
	mp_webrtc_answer_free(&a);
	free(sdp);
}

static void answer_without_candidates_uses_the_registered_rtc_endpoint(void **state)
{
	const char *sdp = "v=0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\nm=audio 9 UDP 0\r\n";
	struct mp_webrtc_answer a;

	(void)state;
	assert_int_equal(mp_webrtc_answer_build("wxyz", sdp, strlen(sdp), ORIGIN_RTC, 8001, PUBLIC_IP, NULL, 8000, &a, reason,
						sizeof(reason)), MP_OK);
	assert_false(a.media_from_sdp);
	assert_int_equal(a.media_ipv4, ORIGIN_RTC);
	assert_int_equal(a.media_port, 8001);
	assert_int_equal(a.rewritten, 0);
	assert_string_equal(a.sdp, sdp);
	mp_webrtc_answer_free(&a);
	/* Neither a candidate nor a registered endpoint: nowhere to send media. */
	assert_int_equal(mp_webrtc_answer_build("wxyz", sdp, strlen(sdp), 0, 0, PUBLIC_IP, NULL, 8000, &a, reason,
						sizeof(reason)), MP_ERR_NOTFOUND);
	assert_non_null(strstr(reason, "no UDP host candidate"));
	assert_null(a.sdp);
}

/* Issue 16: an IPv6 origin's answer (aiortc: a host candidate on a port of the session's own) names
 * its IPv6 media address for the caller to map to the origin's stand-in; the registered rtc endpoint
 * stays the fallback, and the candidate is rewritten to the appliance. */
static void ipv6_origin_answer_names_its_ipv6_media_address(void **state)
{
	static const uint8_t want[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 7, [15] = 1 };
	const char *sdp = "v=0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\nm=audio 9 UDP 0\r\n"
			  "c=IN IP6 2001:db8:7::1\r\na=candidate:1 1 udp 2130706431 2001:db8:7::1 40123 typ host\r\n";
	struct mp_webrtc_answer a;

	(void)state;
	assert_int_equal(mp_webrtc_answer_build("wxyz", sdp, strlen(sdp), ORIGIN_RTC, 8001, PUBLIC_IP, NULL, 8000, &a, reason,
						sizeof(reason)), MP_OK);
	assert_false(a.media_from_sdp);
	assert_true(a.media6);
	assert_memory_equal(a.media_ip6, want, 16);
	assert_int_equal(a.media6_port, 40123);
	assert_int_equal(a.media_ipv4, ORIGIN_RTC);
	assert_int_equal(a.media_port, 8001);
	assert_int_equal(a.rewritten, 1);
	assert_null(strstr(a.sdp, "2001:db8:7::1"));
	mp_webrtc_answer_free(&a);
	/* without a registered rtc endpoint: not refused here (the caller looks the address up) */
	assert_int_equal(mp_webrtc_answer_build("wxyz", sdp, strlen(sdp), 0, 0, PUBLIC_IP, NULL, 8000, &a, reason,
						sizeof(reason)), MP_OK);
	assert_true(a.media6);
	mp_webrtc_answer_free(&a);
}

static void unusable_answers_are_refused_with_a_reason(void **state)
{
	char sdp[1024], ufrag[100];
	struct mp_webrtc_answer a;

	(void)state;
	assert_int_equal(mp_webrtc_answer_build("wxyz", "<html>", 6, ORIGIN_RTC, 8000, PUBLIC_IP, NULL, 8000, &a, reason,
						sizeof(reason)), MP_ERR_INVAL);
	assert_non_null(strstr(reason, "not a valid SDP"));
	assert_int_equal(mp_webrtc_answer_build("wxyz", "v=0\r\n", 5, ORIGIN_RTC, 8000, PUBLIC_IP, NULL, 8000, &a, reason,
						sizeof(reason)), MP_ERR_INVAL);
	assert_non_null(strstr(reason, "no a=ice-ufrag"));
	/* The ICE username table keys are at most 63 bytes. */
	memset(ufrag, 'u', 60);
	ufrag[60] = '\0';
	snprintf(sdp, sizeof(sdp), "v=0\r\na=ice-ufrag:%s\r\na=ice-pwd:0123456789012345678901\r\n", ufrag);
	assert_int_equal(mp_webrtc_answer_build("wxyz", sdp, strlen(sdp), ORIGIN_RTC, 8000, PUBLIC_IP, NULL, 8000, &a, reason,
						sizeof(reason)), MP_ERR_TOOLONG);
	assert_null(a.sdp);
}

static struct mp_whip_res entry(const char *target, uint32_t origin)
{
	struct mp_whip_res e;

	memset(&e, 0, sizeof(e));
	snprintf(e.target, sizeof(e.target), "%s", target);
	snprintf(e.username, sizeof(e.username), "u%u:o", origin);
	snprintf(e.stream, sizeof(e.stream), "__defaultVhost__/live/s%u", origin);
	e.origin_id = origin;
	e.origin_uid = origin + 100;
	return e;
}

static void resources_route_back_to_their_origin(void **state)
{
	struct mp_whip_resources *t = mp_whip_res_create(100);
	struct mp_whip_res e = entry("/rtc/v1/whip/?action=delete&app=live&stream=s1&session=a:b", 1);
	const struct mp_whip_res *got;

	(void)state;
	assert_non_null(t);
	assert_int_equal(mp_whip_res_put(t, &e, 5), MP_OK);
	got = mp_whip_res_get(t, e.target);
	assert_non_null(got);
	assert_int_equal(got->origin_id, 1);
	assert_int_equal(got->origin_uid, 101);
	assert_string_equal(got->username, "u1:o");
	assert_null(mp_whip_res_get(t, "/rtc/v1/whip/?action=delete&app=live&stream=s1&session=a:c"));
	e.origin_id = 2; /* same URL again: replaced, not duplicated */
	assert_int_equal(mp_whip_res_put(t, &e, 6), MP_OK);
	assert_int_equal(mp_whip_res_count(t), 1);
	assert_int_equal(mp_whip_res_get(t, e.target)->origin_id, 2);
	mp_whip_res_del(t, e.target);
	assert_null(mp_whip_res_get(t, e.target));
	assert_int_equal(mp_whip_res_count(t), 0);
	memset(e.target, 'x', sizeof(e.target));
	assert_int_equal(mp_whip_res_put(t, &e, 7), MP_ERR_TOOLONG);
	mp_whip_res_destroy(t);
}

static void a_full_resource_table_keeps_the_newest(void **state)
{
	struct mp_whip_resources *t = mp_whip_res_create(16);
	char target[64];

	(void)state;
	for (uint32_t i = 0; i < 1000; i++) {
		struct mp_whip_res e;

		snprintf(target, sizeof(target), "/whip/resource/%u", i);
		e = entry(target, i);
		assert_int_equal(mp_whip_res_put(t, &e, 1 + i), MP_OK);
		assert_non_null(mp_whip_res_get(t, target)); /* the one just put is always there */
		assert_true(mp_whip_res_count(t) <= 16);
	}
	assert_int_equal(mp_whip_res_count(t), 16);
	mp_whip_res_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chromium_offer_gives_its_ufrag),
		cmocka_unit_test(srs_answer_gives_username_media_and_rewritten_candidates),
		cmocka_unit_test(srs_answer_gets_an_ipv6_candidate_for_public_ip6),
		cmocka_unit_test(answer_without_candidates_uses_the_registered_rtc_endpoint),
		cmocka_unit_test(ipv6_origin_answer_names_its_ipv6_media_address),
		cmocka_unit_test(unusable_answers_are_refused_with_a_reason),
		cmocka_unit_test(resources_route_back_to_their_origin),
		cmocka_unit_test(a_full_resource_table_keeps_the_newest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
