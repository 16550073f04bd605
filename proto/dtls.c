/* dtls.c: DTLS record walk: find alert records that end a DTLS-SRTP association. */
#include "dtls.h"

#include "byteorder.h"

/* One record at buf (len bytes left): its kind and its size, or a negative error. */
static int record(const uint8_t *buf, size_t len, size_t *size)
{
	uint8_t type = buf[0];
	size_t hlen, body;

	if (type >= 32 && type <= 63) {
		/* RFC 9147 section 4: DTLS 1.3 unified header 001CSLEE. The content type is encrypted.
		 * A connection id (C) has a length the receiver alone knows: the walk cannot go on. */
		if (type & 0x10)
			return MP_ERR_UNSUPPORTED;
		hlen = 1 + ((type & 0x08) ? 2 : 1);
		if (!(type & 0x04)) { /* no length: the record fills the rest of the datagram */
			if (len < hlen)
				return MP_ERR_TRUNCATED;
			*size = len;
			return MP_DTLS_ALERT_NONE;
		}
		if (len < hlen + 2)
			return MP_ERR_TRUNCATED;
		body = mp_rd16(buf + hlen);
		hlen += 2;
		if (len - hlen < body)
			return MP_ERR_TRUNCATED;
		*size = hlen + body;
		return MP_DTLS_ALERT_NONE;
	}
	if (type < 20 || type > 63)
		return MP_ERR_INVAL;
	if (len < MP_DTLS_HEADER_LEN)
		return MP_ERR_TRUNCATED;
	body = mp_rd16(buf + 11);
	if (len - MP_DTLS_HEADER_LEN < body)
		return MP_ERR_TRUNCATED;
	*size = MP_DTLS_HEADER_LEN + body;
	if (type != MP_DTLS_CT_ALERT)
		return MP_DTLS_ALERT_NONE;
	if (mp_rd16(buf + 3) != 0) /* epoch (RFC 6347 section 4.1): the fragment is encrypted */
		return MP_DTLS_ALERT_ENCRYPTED;
	if (body < 2)
		return MP_ERR_LENGTH;
	/* RFC 5246 section 7.2: level 2 is fatal; description 0 is close_notify. */
	if (buf[MP_DTLS_HEADER_LEN] == 2 || buf[MP_DTLS_HEADER_LEN + 1] == 0)
		return MP_DTLS_ALERT_CLOSE;
	return MP_DTLS_ALERT_WARNING;
}

int mp_dtls_alert(const uint8_t *buf, size_t len)
{
	size_t off = 0;
	int best = MP_DTLS_ALERT_NONE;

	if (len == 0)
		return MP_ERR_TRUNCATED;
	while (off < len) {
		size_t size = 0;
		int k = record(buf + off, len - off, &size);

		if (k < 0)
			return off == 0 ? (k == MP_ERR_UNSUPPORTED ? MP_DTLS_ALERT_NONE : k) : best;
		if (k == MP_DTLS_ALERT_CLOSE || k == MP_DTLS_ALERT_ENCRYPTED)
			return k;
		if (k > best)
			best = k;
		off += size;
	}
	return best;
}
