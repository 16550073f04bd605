/* webrtc_answer.h: from a WebRTC offer and an origin's answer, the ICE username, the origin's media
 * address, and the answer the client gets (candidates moved to the appliance). */
#ifndef MP_WEBRTC_ANSWER_H
#define MP_WEBRTC_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb.h"
#include "sdp.h"

struct mp_webrtc_answer {
	char username[MP_LB_USERNAME_MAX]; /* "answerUfrag:offerUfrag", the client's STUN USERNAME */
	char ice_pwd[MP_LB_ICE_PWD_MAX];   /* the answer's a=ice-pwd: the key of the client's MESSAGE-INTEGRITY */
	uint32_t media_ipv4;               /* where the origin takes media (host order) */
	uint16_t media_port;
	bool media_from_sdp;               /* false: from the registered rtc endpoint */
	bool media6;                       /* no IPv4 host candidate but an IPv6 one: media_ip6:media6_port
					    * (the caller maps it to the origin's stand-in, lb.h) */
	uint8_t media_ip6[16];
	uint16_t media6_port;
	int rewritten;                     /* candidates moved to the appliance (IPv6 twins included) */
	char *sdp;                         /* the answer for the client (malloc'd, NUL-terminated) */
	size_t sdp_len;
};

/* offer_ufrag: the offer's a=ice-ufrag. answer: the origin's SDP. The media address is the
 * answer's first UDP host IPv4 candidate, else rtc_ipv4:rtc_port (the origin's registered rtc
 * endpoint; 0 when it has none). Every UDP host candidate becomes public_ipv4:public_port, and with
 * public_ip6 (16 bytes; NULL: none) gets an IPv6 twin at public_ip6:public_port (mp_sdp_rewrite_candidates6).
 * Returns MP_OK (free out->sdp with mp_webrtc_answer_free), or an error with a reason for the
 * client in reason: MP_ERR_INVAL (answer not SDP, no ufrag), MP_ERR_TOOLONG (username over 63
 * bytes), MP_ERR_NOTFOUND (no media address at all), MP_ERR_NOMEM. */
int mp_webrtc_answer_build(const char *offer_ufrag, const char *answer, size_t answer_len,
			   uint32_t rtc_ipv4, uint16_t rtc_port, uint32_t public_ipv4, const uint8_t *public_ip6,
			   uint16_t public_port, struct mp_webrtc_answer *out, char *reason, size_t reason_cap);
void mp_webrtc_answer_free(struct mp_webrtc_answer *a);

/* The offer's a=ice-ufrag into ufrag (MP_SDP_ICE_MAX bytes); MP_ERR_INVAL/MP_ERR_NOTFOUND with a reason. */
int mp_webrtc_offer_ufrag(const char *offer, size_t len, char *ufrag, char *reason, size_t reason_cap);

#endif
