/* sdp.h: the ICE parts of a WebRTC SDP (ufrag, pwd, candidates) and the candidate rewrite. */
#ifndef MP_PROTO_SDP_H
#define MP_PROTO_SDP_H

#include <stddef.h>
#include <stdint.h>

#define MP_SDP_ICE_MAX 257         /* ice-ufrag/ice-pwd: at most 256 ice-chars (RFC 8839 section 5.4) + NUL */
#define MP_SDP_FOUNDATION_MAX 33   /* foundation: 1*32 ice-char (RFC 8839 section 5.1) + NUL */
#define MP_SDP_ADDR_MAX 256        /* connection-address as written (IPv4, IPv6, FQDN or mDNS name) + NUL */
#define MP_SDP_MAX_CANDIDATES 32   /* stored; more are counted in n_cand_seen, not stored */

enum mp_sdp_transport { MP_SDP_TRANSPORT_OTHER = 0, MP_SDP_UDP, MP_SDP_TCP };
enum mp_sdp_cand_type { MP_SDP_TYPE_OTHER = 0, MP_SDP_HOST, MP_SDP_SRFLX, MP_SDP_PRFLX, MP_SDP_RELAY };

/* One "a=candidate:" line (RFC 8839 section 5.1). */
struct mp_sdp_candidate {
	char foundation[MP_SDP_FOUNDATION_MAX];
	char address[MP_SDP_ADDR_MAX];
	uint32_t ipv4;      /* address as IPv4, host order; 0 when it is not a dotted quad */
	uint32_t priority;
	uint16_t component; /* 1 RTP, 2 RTCP */
	uint16_t port;
	uint8_t transport;  /* enum mp_sdp_transport ("UDP"/"TCP" in any case) */
	uint8_t type;       /* enum mp_sdp_cand_type */
	int16_t media;      /* index of the m= section holding it, -1 at session level */
};

struct mp_sdp_info {
	char ufrag[MP_SDP_ICE_MAX];  /* session-level value, else the first media-level one */
	char pwd[MP_SDP_ICE_MAX];    /* same rule as ufrag */
	uint8_t ice_mismatch;        /* some ice-ufrag/ice-pwd line differs from the chosen value */
	uint16_t n_media;            /* m= sections */
	uint16_t n_cand;             /* candidates stored in cand[] */
	uint16_t n_cand_seen;        /* candidate lines in the SDP (may exceed MP_SDP_MAX_CANDIDATES) */
	struct mp_sdp_candidate cand[MP_SDP_MAX_CANDIDATES];
};

/* Parse len bytes of SDP (RFC 8866; lines end in CRLF or LF; the first line must be "v=0").
 * Returns MP_OK; MP_ERR_INVAL for a malformed session, ice-ufrag/ice-pwd (empty, not ice-chars,
 * too long) or candidate line; MP_ERR_NOTFOUND when there is no ice-ufrag or no ice-pwd. */
int mp_sdp_parse(const char *sdp, size_t len, struct mp_sdp_info *out);

/* The origin's media address: the first UDP host candidate with an IPv4 address (not 0.0.0.0).
 * Returns MP_OK or MP_ERR_NOTFOUND (then use the origin's registered rtc endpoint). */
int mp_sdp_media_addr(const struct mp_sdp_info *info, uint32_t *ipv4, uint16_t *port);

/* The same for an IPv6 origin (issue 16): the first UDP host candidate with an IPv6 address (not ::),
 * into ip6[16] (network order). MP_OK or MP_ERR_NOTFOUND. */
int mp_sdp_media_addr6(const struct mp_sdp_info *info, uint8_t ip6[16], uint16_t *port);

#define MP_SDP_REWRITE_TCP 1u   /* rewrite TCP host candidates too (default: drop their lines) */
#define MP_SDP_DROP_NONHOST 2u  /* drop srflx/prflx/relay candidates (default: keep them as they are) */

/* Copy sdp to out with every UDP host candidate's connection-address and port replaced by
 * public_ipv4:port (host order), the appliance's public WebRTC address, so that the client sends
 * its media to the appliance. TCP host candidates are dropped (or rewritten with
 * MP_SDP_REWRITE_TCP). The default candidate is rewritten as well: a "c=IN IP4" address other than
 * 0.0.0.0 and an "m=" port other than 0 and 9; so is the origin line's ("o=... IN IP4|IP6 <addr>",
 * unless 0.0.0.0 or ::), which would still name the origin. Every other byte, line endings included,
 * is kept.
 * Returns the number of candidates rewritten (>= 0) and sets *out_len (out is NUL-terminated);
 * MP_ERR_INVAL when the first line is not "v=0" or a candidate line is malformed;
 * MP_ERR_NOSPACE when out is too small (cap must leave room for the NUL). */
int mp_sdp_rewrite_candidates(const char *sdp, size_t len, uint32_t public_ipv4, uint16_t port,
			      unsigned flags, char *out, size_t cap, size_t *out_len);

/* The same, and with public_ip6 (16 bytes, network order; NULL: none, as above) the first rewritten
 * UDP host candidate of each component in each m= section is followed by its IPv6 twin: the same
 * line with the foundation given a "6", the priority one local-preference step lower (a dual-stack
 * client prefers the IPv4 path) and public_ip6:port as its address, so that an IPv6 client reaches
 * the data plane over IPv6 (docs/ipv6-dataplane.md). The twins count in the returned number. */
int mp_sdp_rewrite_candidates6(const char *sdp, size_t len, uint32_t public_ipv4, const uint8_t *public_ip6,
			       uint16_t port, unsigned flags, char *out, size_t cap, size_t *out_len);

#endif
