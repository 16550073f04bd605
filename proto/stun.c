/* stun.c: STUN header checks, bounded attribute walk, USERNAME, XOR-MAPPED-ADDRESS (FINGERPRINT is located and must
 * be last, but its CRC-32 is not checked: nothing the appliance decides depends on it). */
#include "stun.h"

#include <string.h>

/* Record one attribute met by mp_stun_parse; after_mi: MESSAGE-INTEGRITY was already seen. */
static int stun_note_attr(struct mp_stun_msg *msg, uint16_t type, uint16_t vlen, size_t off, int after_mi)
{
	if (msg->fingerprint_off)
		return MP_ERR_INVAL; /* RFC 8489 section 14.7: FINGERPRINT is the last attribute */
	switch (type) {
	case MP_STUN_ATTR_FINGERPRINT:
		if (vlen != 4)
			return MP_ERR_LENGTH;
		msg->fingerprint_off = (uint16_t)off;
		return MP_OK;
	case MP_STUN_ATTR_MESSAGE_INTEGRITY_SHA256:
		/* RFC 8489 section 14.6: 16 to 32 bytes, a multiple of 4 */
		if (vlen < 16 || vlen > 32 || (vlen & 3))
			return MP_ERR_LENGTH;
		if (!msg->integrity_sha256_off)
			msg->integrity_sha256_off = (uint16_t)off;
		return MP_OK;
	default:
		break;
	}
	if (after_mi)
		return MP_OK; /* RFC 8489 section 14.5: ignored after MESSAGE-INTEGRITY */
	switch (type) {
	case MP_STUN_ATTR_MESSAGE_INTEGRITY:
		if (vlen != 20) /* HMAC-SHA1, RFC 8489 section 14.5 */
			return MP_ERR_LENGTH;
		msg->integrity_off = (uint16_t)off;
		break;
	case MP_STUN_ATTR_USERNAME:
		if (vlen > MP_STUN_USERNAME_MAX)
			return MP_ERR_TOOLONG;
		if (!msg->username_off) {
			msg->username_off = (uint16_t)off;
			msg->username_len = vlen;
		}
		break;
	case MP_STUN_ATTR_XOR_MAPPED_ADDRESS:
		if (vlen != 8 && vlen != 20)
			return MP_ERR_LENGTH;
		if (!msg->xor_mapped_off)
			msg->xor_mapped_off = (uint16_t)off;
		break;
	case MP_STUN_ATTR_PRIORITY:
		if (vlen != 4) /* RFC 8445 section 16.1 */
			return MP_ERR_LENGTH;
		if (!msg->priority_off)
			msg->priority_off = (uint16_t)off;
		break;
	case MP_STUN_ATTR_USE_CANDIDATE:
		if (vlen != 0)
			return MP_ERR_LENGTH;
		msg->use_candidate = 1;
		break;
	default:
		break;
	}
	return MP_OK;
}

int mp_stun_parse(const uint8_t *buf, size_t len, struct mp_stun_msg *msg)
{
	struct mp_stun_attr_iter it;
	const uint8_t *val;
	uint16_t type, vlen;
	size_t off;
	int rc;

	if (!buf || !msg)
		return MP_ERR_INVAL;
	rc = mp_stun_check_header(buf, len);
	if (rc != MP_OK)
		return rc;
	memset(msg, 0, sizeof(*msg));
	msg->type = mp_rd16(buf);
	msg->cls = mp_stun_type_class(msg->type);
	msg->method = mp_stun_type_method(msg->type);
	msg->length = mp_rd16(buf + 2);
	memcpy(msg->txid, buf + 8, MP_STUN_TXID_LEN);
	mp_stun_attr_begin(&it, buf, len);
	while ((rc = mp_stun_attr_next(&it, &type, &val, &vlen, &off)) == 1) {
		rc = stun_note_attr(msg, type, vlen, off,
				    msg->integrity_off != 0 || msg->integrity_sha256_off != 0);
		if (rc != MP_OK)
			return rc;
		msg->n_attrs++;
	}
	return rc;
}

int mp_stun_binding_username(const uint8_t *buf, size_t len, const uint8_t **user, size_t *user_len)
{
	struct mp_stun_attr_iter it;
	const uint8_t *val;
	uint16_t type, vlen;
	size_t off;
	int rc;

	rc = mp_stun_check_header(buf, len);
	if (rc != MP_OK)
		return rc;
	if (buf[0] != 0x00 || buf[1] != 0x01)
		return MP_ERR_UNSUPPORTED;
	mp_stun_attr_begin(&it, buf, len);
	while ((rc = mp_stun_attr_next(&it, &type, &val, &vlen, &off)) == 1) {
		if (type == MP_STUN_ATTR_USERNAME) {
			if (vlen == 0)
				return MP_ERR_INVAL;
			if (vlen > MP_STUN_USERNAME_MAX)
				return MP_ERR_TOOLONG;
			*user = val;
			*user_len = vlen;
			return MP_OK;
		}
		/* RFC 8489 sections 14.5, 14.6: nothing after the integrity attributes counts */
		if (type == MP_STUN_ATTR_MESSAGE_INTEGRITY || type == MP_STUN_ATTR_MESSAGE_INTEGRITY_SHA256 ||
		    type == MP_STUN_ATTR_FINGERPRINT)
			return MP_ERR_NOTFOUND;
	}
	return rc < 0 ? rc : MP_ERR_NOTFOUND;
}

int mp_stun_username_split(const uint8_t *user, size_t len, struct mp_stun_ufrags *out)
{
	const uint8_t *colon;

	if (!user || len == 0)
		return MP_ERR_INVAL;
	colon = memchr(user, ':', len);
	if (!colon || colon == user || colon == user + len - 1)
		return MP_ERR_INVAL;
	if (memchr(colon + 1, ':', (size_t)(user + len - colon - 1)))
		return MP_ERR_INVAL;
	out->answer = (const char *)user;
	out->answer_len = (size_t)(colon - user);
	out->offer = (const char *)colon + 1;
	out->offer_len = len - out->answer_len - 1;
	return MP_OK;
}

int mp_stun_xor_address_decode(const uint8_t *val, size_t vlen, const uint8_t *hdr,
			       struct mp_stun_addr *out)
{
	if (vlen < 4)
		return MP_ERR_LENGTH;
	memset(out, 0, sizeof(*out));
	/* X-Port: port XOR the 16 most significant bits of the magic cookie */
	out->port = (uint16_t)(mp_rd16(val + 2) ^ (MP_STUN_MAGIC_COOKIE >> 16));
	switch (val[1]) {
	case 0x01:
		if (vlen != 8)
			return MP_ERR_LENGTH;
		out->family = 4;
		out->ipv4 = mp_rd32(val + 4) ^ MP_STUN_MAGIC_COOKIE;
		for (int i = 0; i < 4; i++)
			out->addr[i] = (uint8_t)(out->ipv4 >> (24 - 8 * i));
		return MP_OK;
	case 0x02:
		/* X-Address: XOR the cookie followed by the 96-bit transaction id */
		if (vlen != 20)
			return MP_ERR_LENGTH;
		out->family = 6;
		for (int i = 0; i < 16; i++)
			out->addr[i] = val[4 + i] ^ hdr[4 + i];
		return MP_OK;
	default:
		return MP_ERR_UNSUPPORTED;
	}
}

int mp_stun_xor_mapped_address(const uint8_t *buf, const struct mp_stun_msg *msg,
			       struct mp_stun_addr *out)
{
	size_t off = msg->xor_mapped_off;

	if (!off)
		return MP_ERR_NOTFOUND;
	return mp_stun_xor_address_decode(buf + off + 4, mp_rd16(buf + off + 2), buf, out);
}
