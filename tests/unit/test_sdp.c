/* test_sdp.c: ICE ufrag/pwd and candidates of real WHIP SDPs, the candidate rewrite, the legacy JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_error.h"
#include "sdp.h"
#include "sdp_legacy.h"
#include "test_data.h"

#define PUBLIC_IP 0xc6120002u /* 198.18.0.2 */

static struct mp_sdp_info info;
static char out[8192];

static int parse(const char *s)
{
	return mp_sdp_parse(s, strlen(s), &info);
}

static int rewrite(const char *s, unsigned flags, size_t *n)
{
	return mp_sdp_rewrite_candidates(s, strlen(s), PUBLIC_IP, 8000, flags, out, sizeof(out), n);
}

/* Replace every "from" with "to" in s (test oracle for the rewrite). */
static char *replace_all(const char *s, const char *from, const char *to)
{
	char *r = calloc(1, strlen(s) * 2 + 1), *w = r;

	while (*s) {
		if (strncmp(s, from, strlen(from)) == 0) {
			w += sprintf(w, "%s", to);
			s += strlen(from);
		} else {
			*w++ = *s++;
		}
	}
	return r;
}

static void chromium_offer_gives_ufrag_and_pwd(void **state)
{
	size_t len;
	char *sdp = (char *)mp_test_read_file("chromium156-whip-offer.sdp", &len);

	(void)state;
	assert_int_equal(mp_sdp_parse(sdp, len, &info), MP_OK);
	assert_string_equal(info.ufrag, "oZ0b");
	assert_string_equal(info.pwd, "+gMV7EsXsoEfoDlFe+RxeN2Y");
	assert_int_equal(info.ice_mismatch, 0);
	assert_int_equal(info.n_media, 2);
	assert_int_equal(info.n_cand, 0); /* trickle ICE: no candidates in the offer */
	free(sdp);
}

static void srs_answer_gives_candidates_and_media_address(void **state)
{
	size_t len;
	char *sdp = (char *)mp_test_read_file("srs7-whip-answer.sdp", &len);
	uint32_t ip;
	uint16_t port;

	(void)state;
	assert_int_equal(mp_sdp_parse(sdp, len, &info), MP_OK);
	assert_string_equal(info.ufrag, "6wii000d");
	assert_string_equal(info.pwd, "pam2577i3kl189u6398pj8194l861c06");
	assert_int_equal(info.n_cand, 2);
	assert_int_equal(info.n_cand_seen, 2);
	assert_string_equal(info.cand[0].foundation, "0");
	assert_int_equal(info.cand[0].component, 1);
	assert_int_equal(info.cand[0].transport, MP_SDP_UDP);
	assert_int_equal(info.cand[0].priority, 2130706431u);
	assert_string_equal(info.cand[0].address, "127.0.0.1");
	assert_int_equal(info.cand[0].ipv4, 0x7f000001);
	assert_int_equal(info.cand[0].port, 18000);
	assert_int_equal(info.cand[0].type, MP_SDP_HOST);
	assert_int_equal(info.cand[0].media, 0);
	assert_int_equal(info.cand[1].media, 1);
	assert_int_equal(mp_sdp_media_addr(&info, &ip, &port), MP_OK);
	assert_int_equal(ip, 0x7f000001);
	assert_int_equal(port, 18000);
	free(sdp);
}

static void srs_answer_rewrite_changes_only_ip_and_port(void **state)
{
	size_t len, n;
	char *sdp = (char *)mp_test_read_file("srs7-whip-answer.sdp", &len);
	char *want = replace_all(sdp, "127.0.0.1 18000 typ host", "198.18.0.2 8000 typ host");

	(void)state;
	assert_int_equal(mp_sdp_rewrite_candidates(sdp, len, PUBLIC_IP, 8000, 0, out, sizeof(out), &n), 2);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n); /* CRLF and every other byte kept */
	assert_int_equal(out[n], '\0');
	/* Exactly enough room (plus the NUL) works; one byte less does not. */
	assert_int_equal(mp_sdp_rewrite_candidates(sdp, len, PUBLIC_IP, 8000, 0, out, n + 1, &n), 2);
	assert_int_equal(mp_sdp_rewrite_candidates(sdp, len, PUBLIC_IP, 8000, 0, out, n, &n), MP_ERR_NOSPACE);
	free(want);
	free(sdp);
}

static const char *mixed =
	"v=0\n"
	"o=- 1 2 IN IP4 0.0.0.0\n"
	"a=ice-ufrag:sessUfrag\n"
	"a=ice-pwd:sessionpasswordsessionpw\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\n"
	"a=candidate:1 1 UDP 2130706431 10.0.0.1 18000 typ host generation 0\n"
	"a=candidate:2 1 tcp 1518280447 10.0.0.1 9 typ host tcptype active\n"
	"a=candidate:3 1 udp 1686052607 203.0.113.9 40000 typ srflx raddr 10.0.0.1 rport 18000\n"
	"a=candidate:4 1 udp 2122260223 fd00::1 18000 typ host\n"
	"a=candidate:5 1 udp 2122260223 4f1d7c3e-aaaa.local 50000 typ host\n"
	"a=end-of-candidates";

static void tcp_and_non_host_candidates_follow_the_flags(void **state)
{
	size_t n;

	(void)state;
	assert_int_equal(parse(mixed), MP_OK);
	assert_int_equal(info.n_cand, 5);
	assert_int_equal(info.cand[1].transport, MP_SDP_TCP);
	assert_int_equal(info.cand[2].type, MP_SDP_SRFLX);
	assert_int_equal(info.cand[3].ipv4, 0);
	assert_string_equal(info.cand[4].address, "4f1d7c3e-aaaa.local");
	assert_int_equal(rewrite(mixed, 0, &n), 3);
	assert_string_equal(out,
			    "v=0\n"
			    "o=- 1 2 IN IP4 0.0.0.0\n"
			    "a=ice-ufrag:sessUfrag\n"
			    "a=ice-pwd:sessionpasswordsessionpw\n"
			    "m=audio 9 UDP/TLS/RTP/SAVPF 111\n"
			    "a=candidate:1 1 UDP 2130706431 198.18.0.2 8000 typ host generation 0\n"
			    "a=candidate:3 1 udp 1686052607 203.0.113.9 40000 typ srflx raddr 10.0.0.1 rport 18000\n"
			    "a=candidate:4 1 udp 2122260223 198.18.0.2 8000 typ host\n"
			    "a=candidate:5 1 udp 2122260223 198.18.0.2 8000 typ host\n"
			    "a=end-of-candidates");
	assert_int_equal(rewrite(mixed, MP_SDP_REWRITE_TCP | MP_SDP_DROP_NONHOST, &n), 4);
	assert_non_null(strstr(out, "a=candidate:2 1 tcp 1518280447 198.18.0.2 8000 typ host tcptype active\n"));
	assert_null(strstr(out, "srflx"));
}

/* aiortc and browsers put their own address in c= and a real port in m=: both become the appliance,
 * so the answer never names the origin; 0.0.0.0, port 9 and port 0 (a rejected section) stay. */
static void default_candidate_in_c_and_m_lines_is_rewritten(void **state)
{
	size_t n;

	(void)state;
	assert_int_equal(rewrite("v=0\r\no=- 1 2 IN IP4 198.18.2.1\r\ns=-\r\nt=0 0\r\n"
				 "m=audio 40123 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 198.18.2.1\r\n"
				 "a=candidate:1 1 udp 2130706431 198.18.2.1 40123 typ host\r\n"
				 "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
				 "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 198.18.2.1/127\r\n",
				 0, &n), 1);
	assert_string_equal(out, "v=0\r\no=- 1 2 IN IP4 198.18.0.2\r\ns=-\r\nt=0 0\r\n"
				 "m=audio 8000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 198.18.0.2\r\n"
				 "a=candidate:1 1 udp 2130706431 198.18.0.2 8000 typ host\r\n"
				 "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
				 "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 198.18.0.2/127\r\n");
}

/* Issue 16: an IPv6 origin's answer (aiortc's form) names its IPv6 address in c= and its host
 * candidate: both become the appliance's IPv4 public address (and its IPv6 twin with public_ip6);
 * the origin's address is gone. */
static void ipv6_origin_default_and_host_candidates_are_rewritten(void **state)
{
	static const uint8_t ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 }; /* 2001:db8::2 */
	static const char *sdp = "v=0\r\ns=-\r\nt=0 0\r\n"
				 "m=audio 40123 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP6 2001:db8:2::1\r\n"
				 "a=candidate:9 1 udp 2130706431 2001:db8:2::1 40123 typ host\r\n"
				 "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP6 ::\r\n";
	size_t n;

	(void)state;
	assert_int_equal(mp_sdp_rewrite_candidates6(sdp, strlen(sdp), PUBLIC_IP, ip6, 8000, 0, out, sizeof(out), &n), 2);
	assert_string_equal(out, "v=0\r\ns=-\r\nt=0 0\r\n"
				 "m=audio 8000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 198.18.0.2\r\n"
				 "a=candidate:9 1 udp 2130706431 198.18.0.2 8000 typ host\r\n"
				 "a=candidate:96 1 udp 2130706175 2001:db8::2 8000 typ host\r\n"
				 "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP6 ::\r\n");
	assert_null(strstr(out, "2001:db8:2::1"));
	/* no IPv4 host candidate: the media address is the registration's rtc endpoint (its stand-in) */
	assert_int_equal(parse("v=0\r\na=ice-ufrag:abcd\r\na=ice-pwd:pppppppppppppppppppppp\r\n"
			       "a=candidate:9 1 udp 2130706431 2001:db8:2::1 40123 typ host\r\n"), MP_OK);
	uint32_t ip;
	uint16_t port;
	assert_int_equal(mp_sdp_media_addr(&info, &ip, &port), MP_ERR_NOTFOUND);
}

/* The origin line (RFC 8866 section 5.2) names the host that made the session: an origin's IPv4 or
 * IPv6 address becomes the appliance's, 0.0.0.0 and :: stay, a line that is not "IN IP4|IP6" or
 * lacks fields is kept as it is. */
static void origin_line_names_the_appliance_not_the_origin(void **state)
{
	size_t n;

	(void)state;
	assert_int_equal(rewrite("v=0\r\no=- 4611731400430051336 2 IN IP6 2001:db8:2::1\r\ns=-\r\n", 0, &n), 0);
	assert_string_equal(out, "v=0\r\no=- 4611731400430051336 2 IN IP4 198.18.0.2\r\ns=-\r\n");
	assert_int_equal(rewrite("v=0\no=SRS/7.0.0(Kai) 1 2 IN IP4 198.18.7.7", 0, &n), 0);
	assert_string_equal(out, "v=0\no=SRS/7.0.0(Kai) 1 2 IN IP4 198.18.0.2");
	assert_int_equal(rewrite("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n", 0, &n), 0);
	assert_string_equal(out, "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n");
	assert_int_equal(rewrite("v=0\r\no=- 1 2 IN IP6 ::\r\n", 0, &n), 0);
	assert_string_equal(out, "v=0\r\no=- 1 2 IN IP6 ::\r\n");
	assert_int_equal(rewrite("v=0\r\no=- 1 2 IN IP4\r\no=- 1 IN IP4 198.18.7.7\r\no=- 1 2 XX IP4 198.18.7.7\r\n", 0, &n), 0);
	assert_string_equal(out, "v=0\r\no=- 1 2 IN IP4\r\no=- 1 IN IP4 198.18.7.7\r\no=- 1 2 XX IP4 198.18.7.7\r\n");
}

static void last_line_without_lf_keeps_its_cr(void **state)
{
	size_t n;

	(void)state;
	assert_int_equal(rewrite("v=0\r\na=ice-ufrag:abcd\r\na=candidate:1 1 udp 9 1.2.3.4 5 typ host\r", 0, &n), 1);
	assert_string_equal(out, "v=0\r\na=ice-ufrag:abcd\r\na=candidate:1 1 udp 9 198.18.0.2 8000 typ host\r");
	assert_int_equal(parse("v=0\r\na=ice-ufrag:abcd\r\na=ice-pwd:pppppppppppppppppppppp\r"), MP_OK);
	assert_string_equal(info.pwd, "pppppppppppppppppppppp");
}

/* With public_ip6: one IPv6 twin per component and m= section, right after the first rewritten UDP host
 * candidate; TCP, non-host and later duplicates get none; an unterminated last line gets its twin on a
 * line of its own; a 32-character foundation stays 32 characters and differs. */
static void ipv6_twins_follow_the_first_udp_host_candidate_of_each_component(void **state)
{
	static const uint8_t ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 }; /* 2001:db8::2 */
	static const char *sdp =
		"v=0\r\n"
		"a=ice-ufrag:sessUfrag\r\n"
		"a=ice-pwd:sessionpasswordsessionpw\r\n"
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
		"a=candidate:1 1 udp 2130706431 10.0.0.1 18000 typ host generation 0\r\n"
		"a=candidate:2 1 udp 2130706430 10.0.0.2 18000 typ host\r\n"
		"a=candidate:3 2 udp 100 10.0.0.1 18001 typ host\r\n"
		"a=candidate:4 1 tcp 1518280447 10.0.0.1 9 typ host tcptype active\r\n"
		"a=candidate:5 1 udp 1686052607 203.0.113.9 40000 typ srflx raddr 10.0.0.1 rport 18000\r\n"
		"m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
		"a=candidate:abcdefghijklmnopqrstuvwxyz012346 1 UDP 2130706431 10.0.0.1 18000 typ host";
	static const char *want =
		"v=0\r\n"
		"a=ice-ufrag:sessUfrag\r\n"
		"a=ice-pwd:sessionpasswordsessionpw\r\n"
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
		"a=candidate:1 1 udp 2130706431 198.18.0.2 8000 typ host generation 0\r\n"
		"a=candidate:16 1 udp 2130706175 2001:db8::2 8000 typ host generation 0\r\n"
		"a=candidate:2 1 udp 2130706430 198.18.0.2 8000 typ host\r\n"
		"a=candidate:3 2 udp 100 198.18.0.2 8000 typ host\r\n"
		"a=candidate:36 2 udp 100 2001:db8::2 8000 typ host\r\n"
		"a=candidate:5 1 udp 1686052607 203.0.113.9 40000 typ srflx raddr 10.0.0.1 rport 18000\r\n"
		"m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
		"a=candidate:abcdefghijklmnopqrstuvwxyz012346 1 UDP 2130706431 198.18.0.2 8000 typ host\r\n"
		"a=candidate:abcdefghijklmnopqrstuvwxyz01234v 1 UDP 2130706175 2001:db8::2 8000 typ host";
	size_t n;

	(void)state;
	assert_int_equal(mp_sdp_rewrite_candidates6(sdp, strlen(sdp), PUBLIC_IP, ip6, 8000, 0, out, sizeof(out), &n), 7);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
	/* The twin's foundation, priority and address parse (a client takes it as a candidate). */
	assert_int_equal(parse(out), MP_OK);
	assert_int_equal(info.n_cand, 8); /* the srflx line kept as it was */
	assert_string_equal(info.cand[1].address, "2001:db8::2");
	assert_int_equal(info.cand[1].port, 8000);
	assert_int_equal(info.cand[1].media, 0);
	assert_string_equal(info.cand[7].foundation, "abcdefghijklmnopqrstuvwxyz01234v");
	/* Exactly enough room works, one byte less does not; without public_ip6 no twin. */
	assert_int_equal(mp_sdp_rewrite_candidates6(sdp, strlen(sdp), PUBLIC_IP, ip6, 8000, 0, out, n + 1, &n), 7);
	assert_int_equal(mp_sdp_rewrite_candidates6(sdp, strlen(sdp), PUBLIC_IP, ip6, 8000, 0, out, n, &n), MP_ERR_NOSPACE);
	assert_int_equal(mp_sdp_rewrite_candidates6(sdp, strlen(sdp), PUBLIC_IP, NULL, 8000, 0, out, sizeof(out), &n), 4);
	assert_null(strstr(out, "2001:db8"));
}

static void ufrag_and_pwd_levels_and_mismatches(void **state)
{
	(void)state;
	/* Session level wins over media level; a different media value is reported. */
	assert_int_equal(parse("v=0\r\na=ice-ufrag:sess\r\na=ice-pwd:pppppppppppppppppppppp\r\nm=audio 9 x 0\r\n"
			       "a=ice-ufrag:med1\r\n"), MP_OK);
	assert_string_equal(info.ufrag, "sess");
	assert_int_equal(info.ice_mismatch, 1);
	/* No session level: the first media level wins. */
	assert_int_equal(parse("v=0\r\nm=audio 9 x 0\r\na=ice-ufrag:med1\r\na=ice-pwd:pppppppppppppppppppppp\r\n"
			       "m=video 9 x 0\r\na=ice-ufrag:med1\r\na=ice-pwd:pppppppppppppppppppppp\r\n"), MP_OK);
	assert_string_equal(info.ufrag, "med1");
	assert_int_equal(info.ice_mismatch, 0);
	assert_int_equal(parse("v=0\r\nm=audio 9 x 0\r\na=ice-ufrag:med1\r\na=ice-pwd:pppppppppppppppppppppp\r\n"
			       "m=video 9 x 0\r\na=ice-ufrag:med2\r\n"), MP_OK);
	assert_string_equal(info.ufrag, "med1");
	assert_int_equal(info.ice_mismatch, 1);
}

static void bad_sdps_are_refused(void **state)
{
	const char *ok = "v=0\r\na=ice-ufrag:abcd\r\na=ice-pwd:pppppppppppppppppppppp\r\n";
	const char *bad_cand[] = {
		"a=candidate:1 1 udp 2130706431 1.2.3.4 18000 host",      /* no "typ" */
		"a=candidate:1 1 udp 4294967296 1.2.3.4 18000 typ host",  /* priority > 2^32-1 */
		"a=candidate:1 1 udp 1 1.2.3.4 65536 typ host",           /* port */
		"a=candidate:1 0 udp 1 1.2.3.4 1 typ host",               /* component 0 */
		"a=candidate:1 1 udp 1  1.2.3.4 1 typ host",              /* empty token */
		"a=candidate:1 1 udp 1 1.2.3.4 1 typ",                    /* ends early */
		"a=candidate:f:x 1 udp 1 1.2.3.4 1 typ host",             /* foundation not ice-chars */
		"a=candidate:",
	};
	char buf[512];
	size_t n;

	(void)state;
	assert_int_equal(parse(ok), MP_OK);
	assert_int_equal(parse(""), MP_ERR_INVAL);
	assert_int_equal(parse("v=1\r\na=ice-ufrag:abcd\r\n"), MP_ERR_INVAL);
	assert_int_equal(parse("o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\n"), MP_ERR_INVAL);
	assert_int_equal(parse("v=0\r\na=ice-ufrag:abcd\r\n"), MP_ERR_NOTFOUND);
	assert_int_equal(parse("v=0\r\na=ice-pwd:pppppppppppppppppppppp\r\n"), MP_ERR_NOTFOUND);
	assert_int_equal(parse("v=0\r\na=ice-ufrag:ab:cd\r\na=ice-pwd:pppppppppppppppppppppp\r\n"), MP_ERR_INVAL);
	assert_int_equal(parse("v=0\r\na=ice-ufrag:abc\r\na=ice-pwd:pppppppppppppppppppppp\r\n"), MP_ERR_INVAL);
	assert_int_equal(parse("v=0\r\na=ice-ufrag:abcd\r\na=ice-pwd:short\r\n"), MP_ERR_INVAL);
	assert_int_equal(parse("v=0\r\na=ice-ufrag:\r\n"), MP_ERR_INVAL);
	for (size_t i = 0; i < sizeof(bad_cand) / sizeof(bad_cand[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s\r\n", ok, bad_cand[i]);
		assert_int_equal(parse(buf), MP_ERR_INVAL);
		assert_int_equal(rewrite(buf, 0, &n), MP_ERR_INVAL);
	}
	assert_int_equal(mp_sdp_media_addr(&info, &(uint32_t){ 0 }, &(uint16_t){ 0 }), MP_ERR_NOTFOUND);
}

static void ice_values_are_bounded_at_256(void **state)
{
	char sdp[1200], val[300];

	(void)state;
	memset(val, 'u', sizeof(val));
	val[256] = '\0';
	snprintf(sdp, sizeof(sdp), "v=0\r\na=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", val, val);
	assert_int_equal(parse(sdp), MP_OK);
	assert_int_equal(strlen(info.ufrag), 256);
	assert_int_equal(strlen(info.pwd), 256);
	val[256] = 'u';
	val[257] = '\0';
	snprintf(sdp, sizeof(sdp), "v=0\r\na=ice-ufrag:abcd\r\na=ice-pwd:%s\r\n", val);
	assert_int_equal(parse(sdp), MP_ERR_INVAL);
	memset(val, 'f', 33);
	val[32] = '\0'; /* a 32-char foundation fits, 33 does not */
	snprintf(sdp, sizeof(sdp), "v=0\r\na=ice-ufrag:abcd\r\na=ice-pwd:pppppppppppppppppppppp\r\n"
		 "a=candidate:%s 256 udp 4294967295 1.2.3.4 65535 typ host\r\n", val);
	assert_int_equal(parse(sdp), MP_OK);
	assert_int_equal(info.cand[0].component, 256);
	assert_int_equal(info.cand[0].priority, 4294967295u);
	assert_int_equal(info.cand[0].port, 65535);
	val[32] = 'f';
	val[33] = '\0';
	snprintf(sdp, sizeof(sdp), "v=0\r\na=ice-ufrag:abcd\r\na=ice-pwd:pppppppppppppppppppppp\r\n"
		 "a=candidate:%s 1 udp 1 1.2.3.4 1 typ host\r\n", val);
	assert_int_equal(parse(sdp), MP_ERR_INVAL);
}

static void more_candidates_than_stored_are_counted(void **state)
{
	char sdp[4096];
	int n = snprintf(sdp, sizeof(sdp), "v=0\na=ice-ufrag:abcd\na=ice-pwd:pppppppppppppppppppppp\n");

	(void)state;
	for (int i = 0; i < MP_SDP_MAX_CANDIDATES + 3; i++)
		n += snprintf(sdp + n, sizeof(sdp) - (size_t)n, "a=candidate:%d 1 udp 1 10.0.0.%d 9 typ host\n", i, i);
	assert_int_equal(parse(sdp), MP_OK);
	assert_int_equal(info.n_cand, MP_SDP_MAX_CANDIDATES);
	assert_int_equal(info.n_cand_seen, MP_SDP_MAX_CANDIDATES + 3);
	assert_int_equal(info.cand[0].media, -1); /* before any m= line */
	assert_int_equal(rewrite(sdp, 0, &(size_t){ 0 }), MP_SDP_MAX_CANDIDATES + 3);
}

static void truncated_answer_never_misparses(void **state)
{
	size_t len, n;
	char *sdp = (char *)mp_test_read_file("srs7-whip-answer.sdp", &len);

	(void)state;
	for (size_t cut = 0; cut < len; cut++) {
		char *part = malloc(cut ? cut : 1); /* exact size: ASan catches an over-read */
		int rc;

		memcpy(part, sdp, cut);
		rc = mp_sdp_parse(part, cut, &info);
		assert_true(rc == MP_OK || rc == MP_ERR_INVAL || rc == MP_ERR_NOTFOUND);
		rc = mp_sdp_rewrite_candidates(part, cut, PUBLIC_IP, 8000, 0, out, sizeof(out), &n);
		assert_true(rc >= 0 || rc == MP_ERR_INVAL);
		free(part);
	}
	free(sdp);
}

static void legacy_envelope_unwraps_and_rewraps(void **state)
{
	size_t len, n, sdp_len;
	char *offer = (char *)mp_test_read_file("chromium156-whip-offer.sdp", &len);
	char *answer = (char *)mp_test_read_file("srs7-whip-answer.sdp", &sdp_len);
	cJSON *req = cJSON_CreateObject(), *res = cJSON_CreateObject(), *back;
	char *body, sdp[8192], url[256], wrapped[8192];

	(void)state;
	cJSON_AddStringToObject(req, "api", "http://127.0.0.1:1985/rtc/v1/publish/");
	cJSON_AddStringToObject(req, "streamurl", "webrtc://127.0.0.1/live/livestream");
	cJSON_AddNullToObject(req, "clientip");
	cJSON_AddStringToObject(req, "sdp", offer);
	body = cJSON_PrintUnformatted(req);
	assert_int_equal(mp_sdp_legacy_unwrap(body, strlen(body), sdp, sizeof(sdp), &n, url, sizeof(url)), MP_OK);
	assert_int_equal(n, len);
	assert_memory_equal(sdp, offer, len);
	assert_string_equal(url, "webrtc://127.0.0.1/live/livestream");
	assert_int_equal(mp_sdp_legacy_unwrap(body, strlen(body), sdp, len, &n, url, sizeof(url)), MP_ERR_NOSPACE);
	assert_int_equal(mp_sdp_legacy_unwrap("{\"sdp\":1}", 9, sdp, sizeof(sdp), &n, url, sizeof(url)), MP_ERR_INVAL);
	assert_int_equal(mp_sdp_legacy_unwrap("[]", 2, sdp, sizeof(sdp), &n, url, sizeof(url)), MP_ERR_INVAL);
	cJSON_free(body);

	cJSON_AddNumberToObject(res, "code", 0);
	cJSON_AddStringToObject(res, "server", "vid-448kd71");
	cJSON_AddStringToObject(res, "sdp", answer);
	cJSON_AddStringToObject(res, "sessionid", "6wii000d:oZ0b");
	body = cJSON_PrintUnformatted(res);
	assert_int_equal(mp_sdp_rewrite_candidates(answer, sdp_len, PUBLIC_IP, 8000, 0, sdp, sizeof(sdp), &n), 2);
	assert_int_equal(mp_sdp_legacy_rewrap(body, strlen(body), sdp, n, wrapped, sizeof(wrapped), &len), MP_OK);
	assert_int_equal(len, strlen(wrapped));
	back = cJSON_Parse(wrapped);
	assert_string_equal(cJSON_GetObjectItem(back, "sdp")->valuestring, sdp);
	assert_string_equal(cJSON_GetObjectItem(back, "sessionid")->valuestring, "6wii000d:oZ0b");
	assert_int_equal(strncmp(wrapped, "{\"code\":0,\"server\":\"vid-448kd71\",\"sdp\":\"v=0\\r\\n", 46), 0);
	assert_int_equal(mp_sdp_legacy_rewrap(body, strlen(body), sdp, n, wrapped, 100, &len), MP_ERR_NOSPACE);
	assert_int_equal(mp_sdp_legacy_rewrap("{\"code\":400}", 12, sdp, n, wrapped, sizeof(wrapped), &len),
			 MP_ERR_PROTO);
	assert_int_equal(mp_sdp_legacy_rewrap("{\"code\":0}", 10, sdp, n, wrapped, sizeof(wrapped), &len),
			 MP_ERR_INVAL);
	cJSON_Delete(back);
	cJSON_free(body);
	cJSON_Delete(req);
	cJSON_Delete(res);
	free(offer);
	free(answer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chromium_offer_gives_ufrag_and_pwd),
		cmocka_unit_test(srs_answer_gives_candidates_and_media_address),
		cmocka_unit_test(srs_answer_rewrite_changes_only_ip_and_port),
		cmocka_unit_test(default_candidate_in_c_and_m_lines_is_rewritten),
		cmocka_unit_test(tcp_and_non_host_candidates_follow_the_flags),
		cmocka_unit_test(ipv6_origin_default_and_host_candidates_are_rewritten),
		cmocka_unit_test(origin_line_names_the_appliance_not_the_origin),
		cmocka_unit_test(last_line_without_lf_keeps_its_cr),
		cmocka_unit_test(ipv6_twins_follow_the_first_udp_host_candidate_of_each_component),
		cmocka_unit_test(ufrag_and_pwd_levels_and_mismatches),
		cmocka_unit_test(bad_sdps_are_refused),
		cmocka_unit_test(ice_values_are_bounded_at_256),
		cmocka_unit_test(more_candidates_than_stored_are_counted),
		cmocka_unit_test(truncated_answer_never_misparses),
		cmocka_unit_test(legacy_envelope_unwraps_and_rewraps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
