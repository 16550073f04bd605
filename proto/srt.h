/* srt.h: SRT packet classification and handshake parse/build (draft-sharabayko-srt, libsrt 1.5). */
#ifndef MP_PROTO_SRT_H
#define MP_PROTO_SRT_H

#include <stddef.h>
#include <stdint.h>

#include "byteorder.h"
#include "mp_error.h"

#define MP_SRT_HEADER_LEN 16        /* draft-sharabayko-srt section 3 */
#define MP_SRT_HS_CIF_LEN 48        /* handshake control information field, section 3.2.1 */
#define MP_SRT_HS_LEN (MP_SRT_HEADER_LEN + MP_SRT_HS_CIF_LEN)
#define MP_SRT_HS_COOKIE_OFF (MP_SRT_HEADER_LEN + 28) /* SYN cookie, from the packet start */
#define MP_SRT_HS_MAGIC 0x4A17      /* extension field of a v5 INDUCTION response */
#define MP_SRT_HS_MAX_EXT 12        /* extension blocks kept per handshake */
#define MP_SRT_STREAMID_MAX 512     /* SRTO_STREAMID, access-control.md */

/* Control types (section 3.2). */
enum mp_srt_ctrl {
	MP_SRT_CTRL_HANDSHAKE = 0,
	MP_SRT_CTRL_KEEPALIVE = 1,
	MP_SRT_CTRL_ACK = 2,
	MP_SRT_CTRL_NAK = 3,
	MP_SRT_CTRL_CONGESTION = 4,
	MP_SRT_CTRL_SHUTDOWN = 5,
	MP_SRT_CTRL_ACKACK = 6,
	MP_SRT_CTRL_DROPREQ = 7,
	MP_SRT_CTRL_PEERERROR = 8,
	MP_SRT_CTRL_USER = 0x7FFF,
};

/* Handshake types (section 3.2.1, table 4); rejections are 1000 + reason. */
enum mp_srt_hs_type {
	MP_SRT_HS_DONE = -3,
	MP_SRT_HS_AGREEMENT = -2,
	MP_SRT_HS_CONCLUSION = -1,
	MP_SRT_HS_WAVEAHAND = 0,
	MP_SRT_HS_INDUCTION = 1,
	MP_SRT_HS_REJECT_BASE = 1000, /* libsrt URQ_FAILURE_TYPES */
};

/* Rejection reasons (libsrt srt.h SRT_REJ_*, section 3.2.1 table 7). */
enum mp_srt_rej {
	MP_SRT_REJ_UNKNOWN = 0, MP_SRT_REJ_SYSTEM, MP_SRT_REJ_PEER, MP_SRT_REJ_RESOURCE,
	MP_SRT_REJ_ROGUE, MP_SRT_REJ_BACKLOG, MP_SRT_REJ_IPE, MP_SRT_REJ_CLOSE, MP_SRT_REJ_VERSION,
	MP_SRT_REJ_RDVCOOKIE, MP_SRT_REJ_BADSECRET, MP_SRT_REJ_UNSECURE, MP_SRT_REJ_MESSAGEAPI,
	MP_SRT_REJ_CONGESTION, MP_SRT_REJ_FILTER, MP_SRT_REJ_GROUP, MP_SRT_REJ_TIMEOUT,
	MP_SRT_REJ_CRYPTO, MP_SRT_REJ__SIZE,
	/* access-control.md: SRT_REJC_PREDEFINED (1000) + HTTP-like codes, SRT_REJX_* */
	MP_SRT_REJX_FALLBACK = 1000, MP_SRT_REJX_KEY_NOTSUP = 1001, MP_SRT_REJX_FILEPATH = 1002,
	MP_SRT_REJX_HOSTNOTFOUND = 1003, MP_SRT_REJX_BAD_REQUEST = 1400,
	MP_SRT_REJX_UNAUTHORIZED = 1401, MP_SRT_REJX_OVERLOAD = 1402, MP_SRT_REJX_FORBIDDEN = 1403,
	MP_SRT_REJX_NOTFOUND = 1404, MP_SRT_REJX_BAD_MODE = 1405, MP_SRT_REJX_UNACCEPTABLE = 1406,
	MP_SRT_REJX_CONFLICT = 1409, MP_SRT_REJX_NOTSUP_MEDIA = 1415, MP_SRT_REJX_LOCKED = 1423,
	MP_SRT_REJX_FAILED_DEPEND = 1424, MP_SRT_REJX_ISE = 1500, MP_SRT_REJX_UNIMPLEMENTED = 1501,
	MP_SRT_REJX_GW = 1502, MP_SRT_REJX_DOWN = 1503, MP_SRT_REJX_VERSION = 1505,
	MP_SRT_REJX_NOROOM = 1507,
	MP_SRT_REJC_USERDEFINED = 2000,
};

/* Handshake extension flags in the extension field of a v5 CONCLUSION (section 3.2.1.1). */
#define MP_SRT_HS_EXT_HSREQ 0x1
#define MP_SRT_HS_EXT_KMREQ 0x2
#define MP_SRT_HS_EXT_CONFIG 0x4

/* Extension block types (section 3.2.1, table 5). */
enum mp_srt_ext_type {
	MP_SRT_EXT_HSREQ = 1, MP_SRT_EXT_HSRSP = 2, MP_SRT_EXT_KMREQ = 3, MP_SRT_EXT_KMRSP = 4,
	MP_SRT_EXT_SID = 5, MP_SRT_EXT_CONGESTION = 6, MP_SRT_EXT_FILTER = 7, MP_SRT_EXT_GROUP = 8,
};

/* The 16-byte header of any SRT packet (section 3.1 data, 3.2 control). */
struct mp_srt_pkt {
	uint8_t is_control;  /* bit 0 of word 0 */
	uint16_t ctrl_type;  /* control: bits 1..15 of word 0 */
	uint16_t subtype;    /* control: bits 16..31 of word 0 */
	uint32_t seq;        /* data: packet sequence number (31 bits) */
	uint32_t word1;      /* data: PP/O/KK/R/message number; control: type-specific info */
	uint32_t timestamp;  /* word 2, microseconds */
	uint32_t dst_sockid; /* word 3 */
};

/* One extension block: type, value length in bytes (4 x the wire's word count), value in the packet. */
struct mp_srt_hs_ext {
	uint16_t type;
	uint16_t len;
	const uint8_t *value;
};

/* A handshake control packet: header fields, the CIF, and the extensions after a v5
 * CONCLUSION/AGREEMENT (other handshakes keep any bytes after the CIF in tail). */
struct mp_srt_handshake {
	uint32_t type_info;   /* header word 1 */
	uint32_t timestamp;
	uint32_t dst_sockid;
	uint32_t version;     /* 4 (UDT legacy) or 5 */
	uint16_t encryption;  /* v5: cipher (0 none, 2/3/4 AES-128/192/256) */
	uint16_t extension;   /* v4: socket type; v5: MP_SRT_HS_EXT_* flags or MP_SRT_HS_MAGIC */
	uint32_t isn;         /* initial packet sequence number */
	uint32_t mtu;
	uint32_t flow_window;
	int32_t hs_type;      /* enum mp_srt_hs_type or 1000 + reason */
	uint32_t socket_id;   /* sender's SRT socket id */
	uint32_t cookie;      /* SYN cookie */
	uint8_t peer_ip[16];  /* as on the wire; see mp_srt_peer_ip_from_ipv4 */
	uint8_t n_ext;
	struct mp_srt_hs_ext ext[MP_SRT_HS_MAX_EXT];
	const uint8_t *tail;  /* bytes after the CIF that are not extension blocks */
	size_t tail_len;
};

/* HSREQ/HSRSP value (section 3.2.1.1): SRT version, flags, TSBPD delays in ms. */
struct mp_srt_hsreq {
	uint32_t srt_version; /* 0x00MMmmpp, e.g. 0x010501 */
	uint32_t flags;
	uint16_t recv_delay;
	uint16_t send_delay;
};

/* Hot path: the destination socket id (word 3). MP_OK or MP_ERR_TRUNCATED. */
static inline int mp_srt_dst_socket(const uint8_t *buf, size_t len, uint32_t *id)
{
	if (len < MP_SRT_HEADER_LEN)
		return MP_ERR_TRUNCATED;
	*id = mp_rd32(buf + 12);
	return MP_OK;
}

/* Hot path: classify by the header. MP_OK or MP_ERR_TRUNCATED (shorter than 16 bytes). */
static inline int mp_srt_classify(const uint8_t *buf, size_t len, struct mp_srt_pkt *p)
{
	uint32_t w0;

	if (len < MP_SRT_HEADER_LEN)
		return MP_ERR_TRUNCATED;
	w0 = mp_rd32(buf);
	p->is_control = (uint8_t)(w0 >> 31);
	if (p->is_control) {
		p->ctrl_type = (uint16_t)((w0 >> 16) & 0x7FFF);
		p->subtype = (uint16_t)w0;
		p->seq = 0;
	} else {
		p->ctrl_type = 0;
		p->subtype = 0;
		p->seq = w0 & 0x7FFFFFFFu;
	}
	p->word1 = mp_rd32(buf + 4);
	p->timestamp = mp_rd32(buf + 8);
	p->dst_sockid = mp_rd32(buf + 12);
	return MP_OK;
}

/* A handshake control packet (control bit set, type 0) at least the header plus CIF long. */
static inline int mp_srt_is_handshake(const uint8_t *buf, size_t len)
{
	return len >= MP_SRT_HS_LEN && buf[0] == 0x80 && buf[1] == 0x00;
}

/* Parse a handshake packet. Extensions are walked after a v5 CONCLUSION or AGREEMENT: each block
 * is a 16-bit type and a 16-bit length in 4-byte words; a block running past the end is
 * MP_ERR_LENGTH, more than MP_SRT_HS_MAX_EXT blocks MP_ERR_TOOLONG, HSREQ/HSRSP shorter than
 * 3 words MP_ERR_LENGTH, SID longer than 512 bytes MP_ERR_TOOLONG. Unknown types are kept. */
int mp_srt_hs_parse(const uint8_t *buf, size_t len, struct mp_srt_handshake *hs);

/* Serialise hs (header, CIF, extensions, tail). Returns the length written or MP_ERR_NOSPACE /
 * MP_ERR_INVAL. build(parse(x)) == x byte for byte. */
int mp_srt_hs_build(const struct mp_srt_handshake *hs, uint8_t *out, size_t cap);

/* The first extension of that type, or NULL. */
const struct mp_srt_hs_ext *mp_srt_hs_find_ext(const struct mp_srt_handshake *hs, uint16_t type);

/* Decode HSREQ/HSRSP. MP_OK or MP_ERR_LENGTH. */
int mp_srt_hsreq_decode(const struct mp_srt_hs_ext *e, struct mp_srt_hsreq *out);

/* The stream id of a CONCLUSION (SID extension) into out (NUL-terminated, cap >= 513 holds any).
 * Returns MP_OK, MP_ERR_NOTFOUND, MP_ERR_TOOLONG, MP_ERR_NOSPACE or MP_ERR_INVAL (NUL inside). */
int mp_srt_hs_streamid(const struct mp_srt_handshake *hs, char *out, size_t cap, size_t *out_len);

/* String extensions (SID, CONGESTION, FILTER) are 32-bit words whose bytes are reversed: libsrt
 * copies the string into host-order words and sends them big-endian, so "#!::" is "::!#" on the
 * wire (observed: ffmpeg/libsrt 1.5.1). Decode trims the trailing NUL padding. */
int mp_srt_ext_string_decode(const uint8_t *val, size_t vlen, char *out, size_t cap, size_t *out_len);
/* Encode s into words padded with NULs; returns the byte count (multiple of 4) or MP_ERR_NOSPACE /
 * MP_ERR_TOOLONG (over 512). */
int mp_srt_ext_string_encode(const char *s, size_t len, uint8_t *out, size_t cap);

/* A v5 CONCLUSION (len bytes at in) with a SID extension carrying sid appended and the CONFIG flag set
 * in its extension field, into out: for a caller that sent no stream id, so the origin is asked for the
 * stream the appliance picked it for (srt_default_stream). Every other byte (KMREQ included) is kept.
 * Returns the new length, MP_ERR_EXISTS when in already has a SID, MP_ERR_PROTO when in is not a v5
 * CONCLUSION, MP_ERR_NOSPACE (no room in out, or in has MP_SRT_HS_MAX_EXT blocks already) /
 * MP_ERR_TOOLONG / MP_ERR_INVAL. */
int mp_srt_hs_add_streamid(const uint8_t *in, size_t len, const char *sid, size_t sid_len, uint8_t *out, size_t cap);

/* The listener's answer to a caller's INDUCTION (section 4.3.1.1): version 5, encryption 0,
 * extension 0x4A17, the caller's ISN/MTU/window/socket id, our cookie, the caller's address.
 * Returns the length (64) or a negative mp_err (MP_ERR_PROTO when req is not an INDUCTION). */
int mp_srt_hs_build_induction_response(const struct mp_srt_handshake *req, uint32_t cookie,
				       const uint8_t peer_ip[16], uint32_t timestamp,
				       uint8_t *out, size_t cap);

/* A rejection answering req: req's fields, handshake type 1000 + reason, no extensions,
 * addressed to req's socket id. reason is an SRT_REJ_* (1..17) or SRT_REJX_* (1000..2999) code.
 * Returns the length (64) or MP_ERR_INVAL / MP_ERR_NOSPACE. */
int mp_srt_hs_build_reject(const struct mp_srt_handshake *req, uint32_t reason, uint32_t timestamp,
			   uint8_t *out, size_t cap);

/* The rejection reason of a handshake type (type - 1000), or -1 when it is not a rejection. */
int mp_srt_hs_reject_reason(int32_t hs_type);

/* Rewrite the SYN cookie of a handshake packet in place. MP_OK or MP_ERR_INVAL (not a handshake). */
int mp_srt_hs_set_cookie(uint8_t *buf, size_t len, uint32_t cookie);

/* Peer IP field for an IPv4 address (host order): libsrt writes the in_addr bytes reversed in
 * the first word (127.0.0.1 is 01 00 00 7f on the wire, observed from libsrt 1.5.1). */
void mp_srt_peer_ip_from_ipv4(uint32_t ipv4, uint8_t out[16]);
/* The same for an IPv6 address (16 bytes as in in6_addr): libsrt keeps it as four 32-bit words
 * each byte-swapped on the wire, so 2001:db8:85a3:8d3:... is b8 0d 01 20 d3 08 a3 85 ... (libsrt's
 * CIPAddress test vectors). */
void mp_srt_peer_ip_from_ipv6(const uint8_t ipv6[16], uint8_t out[16]);
/* Rewrite the peer IP field of a handshake packet in place. MP_OK or MP_ERR_INVAL (not a handshake). */
#define MP_SRT_HS_PEER_IP_OFF (MP_SRT_HEADER_LEN + 32) /* peer IP, from the packet start */
int mp_srt_hs_set_peer_ip(uint8_t *buf, size_t len, const uint8_t peer_ip[16]);

/* Constant names: "handshake", "ack", ...; "induction", "conclusion", "reject"...; "REJ_PEER"... */
const char *mp_srt_ctrl_name(uint16_t ctrl_type);
const char *mp_srt_hs_type_name(int32_t hs_type);
const char *mp_srt_reject_name(int reason);

#endif
