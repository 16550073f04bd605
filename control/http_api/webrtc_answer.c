/* webrtc_answer.c: ICE username, origin media address and the client's answer from an origin's SDP. */
#include "webrtc_answer.h"
#include "mp_error.h"
#include "sdp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mp_webrtc_offer_ufrag(const char *offer, size_t len, char *ufrag, char *reason, size_t reason_cap)
{
	struct mp_sdp_info *info = malloc(sizeof(*info));
	int rc;

	if (!info) {
		snprintf(reason, reason_cap, "out of memory");
		return MP_ERR_NOMEM;
	}
	rc = mp_sdp_parse(offer, len, info);
	if (rc == MP_OK)
		memcpy(ufrag, info->ufrag, MP_SDP_ICE_MAX);
	else if (rc == MP_ERR_NOTFOUND)
		snprintf(reason, reason_cap, "the offer has no a=ice-ufrag or a=ice-pwd");
	else
		snprintf(reason, reason_cap, "the offer is not a valid SDP (%s)", mp_strerror(rc));
	free(info);
	return rc;
}

static int build(const char *offer_ufrag, const char *answer, size_t answer_len, uint32_t rtc_ipv4,
		 uint16_t rtc_port, uint32_t public_ipv4, const uint8_t *public_ip6, uint16_t public_port,
		 struct mp_sdp_info *info,
		 struct mp_webrtc_answer *out, char *reason, size_t reason_cap)
{
	size_t cap;
	int rc = mp_sdp_parse(answer, answer_len, info);

	if (rc != MP_OK) {
		snprintf(reason, reason_cap, rc == MP_ERR_NOTFOUND ? "the origin's answer has no a=ice-ufrag or a=ice-pwd"
								   : "the origin's answer is not a valid SDP");
		return MP_ERR_INVAL;
	}
	/* The client's STUN USERNAME is "<ufrag of the side it talks to>:<its own ufrag>" (RFC 8445
	 * section 7.2.2): the answerer's ufrag first. */
	if ((size_t)snprintf(out->username, sizeof(out->username), "%s:%s", info->ufrag, offer_ufrag) >=
	    sizeof(out->username)) {
		snprintf(reason, reason_cap, "ICE username %s:%s is longer than %d bytes", info->ufrag, offer_ufrag,
			 MP_LB_USERNAME_MAX - 1);
		return MP_ERR_TOOLONG;
	}
	_Static_assert(sizeof(out->ice_pwd) == sizeof(info->pwd), "ice-pwd sizes");
	memcpy(out->ice_pwd, info->pwd, sizeof(out->ice_pwd));
	out->media_from_sdp = mp_sdp_media_addr(info, &out->media_ipv4, &out->media_port) == MP_OK;
	if (!out->media_from_sdp)
		out->media6 = mp_sdp_media_addr6(info, out->media_ip6, &out->media6_port) == MP_OK;
	if (!out->media_from_sdp) {
		out->media_ipv4 = rtc_ipv4;
		out->media_port = rtc_port;
	}
	if ((!out->media_ipv4 || !out->media_port) && !out->media6) {
		snprintf(reason, reason_cap, "the origin's answer has no UDP host candidate and it registered no rtc endpoint");
		return MP_ERR_NOTFOUND;
	}
	/* Each rewritten candidate grows by at most "255.255.255.255" + "65535" over a 1-byte address and
	 * port; an IPv6 twin is at most a copy of its line grown by an IPv6 address, "6" and CRLF. */
	cap = answer_len + 32u * ((size_t)info->n_cand_seen + 2u) + 1u; /* + the o= line */
	if (public_ip6)
		cap += answer_len + 64u * ((size_t)info->n_cand_seen + 1u);
	out->sdp = malloc(cap);
	if (!out->sdp) {
		snprintf(reason, reason_cap, "out of memory");
		return MP_ERR_NOMEM;
	}
	rc = mp_sdp_rewrite_candidates6(answer, answer_len, public_ipv4, public_ip6, public_port, 0, out->sdp, cap,
					&out->sdp_len);
	if (rc < 0) {
		snprintf(reason, reason_cap, "cannot rewrite the origin's candidates (%s)", mp_strerror(rc));
		return rc;
	}
	out->rewritten = rc;
	return MP_OK;
}

int mp_webrtc_answer_build(const char *offer_ufrag, const char *answer, size_t answer_len,
			   uint32_t rtc_ipv4, uint16_t rtc_port, uint32_t public_ipv4, const uint8_t *public_ip6,
			   uint16_t public_port, struct mp_webrtc_answer *out, char *reason, size_t reason_cap)
{
	struct mp_sdp_info *info = malloc(sizeof(*info));
	int rc;

	memset(out, 0, sizeof(*out));
	if (!info) {
		snprintf(reason, reason_cap, "out of memory");
		return MP_ERR_NOMEM;
	}
	rc = build(offer_ufrag, answer, answer_len, rtc_ipv4, rtc_port, public_ipv4, public_ip6, public_port, info,
		   out, reason, reason_cap);
	free(info);
	if (rc != MP_OK)
		mp_webrtc_answer_free(out);
	return rc;
}

void mp_webrtc_answer_free(struct mp_webrtc_answer *a)
{
	free(a->sdp);
	a->sdp = NULL;
	a->sdp_len = 0;
}
