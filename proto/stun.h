/* stun.h: STUN message parsing for ICE on the data plane (RFC 8489, RFC 5389, RFC 8445). */
#ifndef MP_PROTO_STUN_H
#define MP_PROTO_STUN_H

#include <stddef.h>
#include <stdint.h>

#include "byteorder.h"
#include "mp_error.h"

#define MP_STUN_HEADER_LEN 20
#define MP_STUN_MAGIC_COOKIE 0x2112A442u       /* RFC 8489 section 5 */
#define MP_STUN_TXID_LEN 12
#define MP_STUN_USERNAME_MAX 512               /* RFC 5389 section 15.3: fewer than 513 bytes */

/* Message classes (RFC 8489 section 5). */
enum mp_stun_class {
	MP_STUN_CLASS_REQUEST = 0,
	MP_STUN_CLASS_INDICATION = 1,
	MP_STUN_CLASS_SUCCESS = 2,
	MP_STUN_CLASS_ERROR = 3,
};

#define MP_STUN_METHOD_BINDING 0x001
#define MP_STUN_BINDING_REQUEST 0x0001          /* message type: Binding, class request */
#define MP_STUN_BINDING_SUCCESS 0x0101

/* Attribute types (RFC 8489 section 18.3, RFC 8445 section 16.1). */
enum mp_stun_attr_type {
	MP_STUN_ATTR_MAPPED_ADDRESS = 0x0001,
	MP_STUN_ATTR_USERNAME = 0x0006,
	MP_STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
	MP_STUN_ATTR_ERROR_CODE = 0x0009,
	MP_STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
	MP_STUN_ATTR_REALM = 0x0014,
	MP_STUN_ATTR_NONCE = 0x0015,
	MP_STUN_ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C,
	MP_STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
	MP_STUN_ATTR_PRIORITY = 0x0024,
	MP_STUN_ATTR_USE_CANDIDATE = 0x0025,
	MP_STUN_ATTR_SOFTWARE = 0x8022,
	MP_STUN_ATTR_FINGERPRINT = 0x8028,
	MP_STUN_ATTR_ICE_CONTROLLED = 0x8029,
	MP_STUN_ATTR_ICE_CONTROLLING = 0x802A,
};

/* A parsed message. Offsets are from the start of the message and point at an attribute's
 * 4-byte header; 0 means the attribute is absent (no attribute can start before byte 20). */
struct mp_stun_msg {
	uint16_t type;        /* message type as on the wire (14 bits) */
	uint16_t method;      /* 12-bit method */
	uint8_t cls;          /* enum mp_stun_class */
	uint16_t length;      /* body length from the header (multiple of 4) */
	uint8_t txid[MP_STUN_TXID_LEN];
	uint16_t n_attrs;     /* attributes walked (including ignored ones) */
	uint16_t username_off;
	uint16_t username_len;
	uint16_t integrity_off;        /* MESSAGE-INTEGRITY */
	uint16_t integrity_sha256_off; /* MESSAGE-INTEGRITY-SHA256 */
	uint16_t fingerprint_off;      /* FINGERPRINT */
	uint16_t xor_mapped_off;       /* XOR-MAPPED-ADDRESS */
	uint16_t priority_off;         /* PRIORITY */
	uint8_t use_candidate;         /* USE-CANDIDATE present */
};

/* A transport address from (XOR-)MAPPED-ADDRESS. */
struct mp_stun_addr {
	uint8_t family;   /* 4 or 6 */
	uint16_t port;    /* host order */
	uint32_t ipv4;    /* host order, IPv4 only */
	uint8_t addr[16]; /* network order: 4 bytes for IPv4, 16 for IPv6 */
};

/* The two ICE ufrags of a USERNAME "answerUfrag:offerUfrag" (RFC 8445 section 7.2.2:
 * the receiver's ufrag, a colon, the sender's ufrag). Pointers into the message. */
struct mp_stun_ufrags {
	const char *answer;
	size_t answer_len;
	const char *offer;
	size_t offer_len;
};

/* The fixed-header checks of RFC 8489 section 5 and 6.3: at least 20 bytes, top two bits zero,
 * body length a multiple of 4 that fills the datagram exactly, magic cookie.
 * Returns MP_OK, MP_ERR_TRUNCATED, MP_ERR_LENGTH or MP_ERR_INVAL. */
static inline int mp_stun_check_header(const uint8_t *buf, size_t len)
{
	uint16_t blen;

	if (len < MP_STUN_HEADER_LEN)
		return MP_ERR_TRUNCATED;
	if (buf[0] & 0xC0)
		return MP_ERR_INVAL;
	if (mp_rd32(buf + 4) != MP_STUN_MAGIC_COOKIE)
		return MP_ERR_INVAL;
	blen = mp_rd16(buf + 2);
	if (blen & 3)
		return MP_ERR_LENGTH;
	if ((size_t)blen + MP_STUN_HEADER_LEN != len)
		return len < (size_t)blen + MP_STUN_HEADER_LEN ? MP_ERR_TRUNCATED : MP_ERR_LENGTH;
	return MP_OK;
}

/* Class and method of a 14-bit message type (RFC 8489 section 5, figure 3). */
static inline uint8_t mp_stun_type_class(uint16_t type)
{
	return (uint8_t)(((type >> 7) & 2) | ((type >> 4) & 1));
}

static inline uint16_t mp_stun_type_method(uint16_t type)
{
	return (uint16_t)((type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80));
}

/* Attribute walk over a message whose header passed mp_stun_check_header. */
struct mp_stun_attr_iter {
	const uint8_t *buf;
	size_t end; /* 20 + body length */
	size_t off; /* next attribute header */
};

static inline void mp_stun_attr_begin(struct mp_stun_attr_iter *it, const uint8_t *buf, size_t len)
{
	it->buf = buf;
	it->end = len;
	it->off = MP_STUN_HEADER_LEN;
}

/* Next attribute: 1 and its type/value/offset, 0 at the end, or MP_ERR_TRUNCATED when the
 * attribute header or its value padded to 4 bytes (RFC 8489 section 14) runs past the end. */
static inline int mp_stun_attr_next(struct mp_stun_attr_iter *it, uint16_t *type,
				    const uint8_t **val, uint16_t *vlen, size_t *attr_off)
{
	size_t off = it->off, padded;
	uint16_t l;

	if (off >= it->end)
		return 0;
	if (it->end - off < 4)
		return MP_ERR_TRUNCATED;
	l = mp_rd16(it->buf + off + 2);
	padded = ((size_t)l + 3) & ~(size_t)3;
	if (it->end - off - 4 < padded)
		return MP_ERR_TRUNCATED;
	*type = mp_rd16(it->buf + off);
	*val = it->buf + off + 4;
	*vlen = l;
	*attr_off = off;
	it->off = off + 4 + padded;
	return 1;
}

/* Full parse: header, class/method, transaction id, and a bounded walk of every attribute with
 * the length rules of the attributes located (USERNAME <= 512, MESSAGE-INTEGRITY 20,
 * MESSAGE-INTEGRITY-SHA256 16..32, FINGERPRINT 4 and last, PRIORITY 4, XOR-MAPPED-ADDRESS 8/20).
 * Attributes after MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256, other than those two and
 * FINGERPRINT, are walked but ignored (RFC 8489 sections 14.5, 14.6). MP_OK or a negative mp_err. */
int mp_stun_parse(const uint8_t *buf, size_t len, struct mp_stun_msg *msg);

/* Hot path: the USERNAME value of a Binding request, without decoding anything else.
 * Returns MP_OK with user and user_len set; MP_ERR_UNSUPPORTED when the message is valid STUN but
 * not a Binding request; MP_ERR_NOTFOUND when there is no USERNAME before the integrity attributes;
 * MP_ERR_INVAL for an empty USERNAME; MP_ERR_TOOLONG when over 512 bytes; header errors as
 * mp_stun_check_header; MP_ERR_TRUNCATED when an attribute runs past the end. */
int mp_stun_binding_username(const uint8_t *buf, size_t len, const uint8_t **user, size_t *user_len);

/* Split "answerUfrag:offerUfrag" at its colon. Both parts must be non-empty and the second
 * must not hold another colon (ice-char excludes it, RFC 8839 section 5.4). MP_OK or MP_ERR_INVAL. */
int mp_stun_username_split(const uint8_t *user, size_t len, struct mp_stun_ufrags *out);

/* Decode an XOR-MAPPED-ADDRESS value (RFC 8489 section 14.2): family 1 (IPv4, 8 bytes) or 2
 * (IPv6, 20 bytes), XORed with the magic cookie (and the transaction id for IPv6); hdr is the
 * message start. Returns MP_OK, MP_ERR_LENGTH or MP_ERR_UNSUPPORTED (unknown family). */
int mp_stun_xor_address_decode(const uint8_t *val, size_t vlen, const uint8_t *hdr,
			       struct mp_stun_addr *out);

/* The XOR-MAPPED-ADDRESS of a parsed message; MP_ERR_NOTFOUND when absent. */
int mp_stun_xor_mapped_address(const uint8_t *buf, const struct mp_stun_msg *msg,
			       struct mp_stun_addr *out);

#endif
