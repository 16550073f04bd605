/* srt.c: SRT handshake parse and build, INDUCTION answer, rejection, in-place cookie rewrite. */
#include "srt.h"

#include <string.h>

static int srt_walk_extensions(const uint8_t *p, size_t n, struct mp_srt_handshake *hs)
{
	size_t off = 0;

	while (off < n) {
		struct mp_srt_hs_ext *e;
		size_t vlen;

		if (n - off < 4)
			return MP_ERR_LENGTH;
		vlen = (size_t)mp_rd16(p + off + 2) * 4;
		if (n - off - 4 < vlen)
			return MP_ERR_LENGTH; /* block runs past the datagram */
		if (hs->n_ext >= MP_SRT_HS_MAX_EXT)
			return MP_ERR_TOOLONG;
		e = &hs->ext[hs->n_ext++];
		e->type = mp_rd16(p + off);
		e->len = (uint16_t)vlen;
		e->value = p + off + 4;
		/* section 3.2.1.1: HSREQ/HSRSP carry 3 words; access-control.md: SID up to 512 bytes */
		if ((e->type == MP_SRT_EXT_HSREQ || e->type == MP_SRT_EXT_HSRSP) && vlen < 12)
			return MP_ERR_LENGTH;
		if (e->type == MP_SRT_EXT_SID && vlen > MP_SRT_STREAMID_MAX)
			return MP_ERR_TOOLONG;
		off += 4 + vlen;
	}
	return MP_OK;
}

int mp_srt_hs_parse(const uint8_t *buf, size_t len, struct mp_srt_handshake *hs)
{
	const uint8_t *c = buf + MP_SRT_HEADER_LEN;

	if (!buf || !hs)
		return MP_ERR_INVAL;
	if (len < MP_SRT_HS_LEN)
		return MP_ERR_TRUNCATED;
	if (!mp_srt_is_handshake(buf, len))
		return MP_ERR_INVAL;
	memset(hs, 0, sizeof(*hs));
	if (buf[2] != 0 || buf[3] != 0)
		return MP_ERR_INVAL; /* handshake has no subtype (section 3.2.1) */
	hs->type_info = mp_rd32(buf + 4);
	hs->timestamp = mp_rd32(buf + 8);
	hs->dst_sockid = mp_rd32(buf + 12);
	hs->version = mp_rd32(c);
	hs->encryption = mp_rd16(c + 4);
	hs->extension = mp_rd16(c + 6);
	hs->isn = mp_rd32(c + 8);
	hs->mtu = mp_rd32(c + 12);
	hs->flow_window = mp_rd32(c + 16);
	hs->hs_type = (int32_t)mp_rd32(c + 20);
	hs->socket_id = mp_rd32(c + 24);
	hs->cookie = mp_rd32(c + 28);
	memcpy(hs->peer_ip, c + 32, 16);
	if (hs->version != 4 && hs->version != 5)
		return MP_ERR_UNSUPPORTED;
	if (len == MP_SRT_HS_LEN)
		return MP_OK;
	if (hs->version == 5 &&
	    (hs->hs_type == MP_SRT_HS_CONCLUSION || hs->hs_type == MP_SRT_HS_AGREEMENT))
		return srt_walk_extensions(buf + MP_SRT_HS_LEN, len - MP_SRT_HS_LEN, hs);
	hs->tail = buf + MP_SRT_HS_LEN;
	hs->tail_len = len - MP_SRT_HS_LEN;
	return MP_OK;
}

static size_t srt_hs_size(const struct mp_srt_handshake *hs)
{
	size_t n = MP_SRT_HS_LEN + hs->tail_len;

	for (unsigned i = 0; i < hs->n_ext && i < MP_SRT_HS_MAX_EXT; i++)
		n += 4 + hs->ext[i].len;
	return n;
}

int mp_srt_hs_build(const struct mp_srt_handshake *hs, uint8_t *out, size_t cap)
{
	uint8_t *c = out + MP_SRT_HEADER_LEN;
	size_t n, off;

	if (!hs || !out || hs->n_ext > MP_SRT_HS_MAX_EXT)
		return MP_ERR_INVAL;
	for (unsigned i = 0; i < hs->n_ext; i++)
		if ((hs->ext[i].len & 3) || (hs->ext[i].len && !hs->ext[i].value))
			return MP_ERR_INVAL;
	if (hs->tail_len && !hs->tail)
		return MP_ERR_INVAL;
	n = srt_hs_size(hs);
	if (n > cap)
		return MP_ERR_NOSPACE;
	if (n > 0x7FFFFFFF)
		return MP_ERR_TOOLONG;
	mp_wr32(out, 0x80000000u); /* control, type 0 HANDSHAKE, subtype 0 */
	mp_wr32(out + 4, hs->type_info);
	mp_wr32(out + 8, hs->timestamp);
	mp_wr32(out + 12, hs->dst_sockid);
	mp_wr32(c, hs->version);
	mp_wr32(c + 4, ((uint32_t)hs->encryption << 16) | hs->extension);
	mp_wr32(c + 8, hs->isn);
	mp_wr32(c + 12, hs->mtu);
	mp_wr32(c + 16, hs->flow_window);
	mp_wr32(c + 20, (uint32_t)hs->hs_type);
	mp_wr32(c + 24, hs->socket_id);
	mp_wr32(c + 28, hs->cookie);
	memcpy(c + 32, hs->peer_ip, 16);
	off = MP_SRT_HS_LEN;
	for (unsigned i = 0; i < hs->n_ext; i++) {
		const struct mp_srt_hs_ext *e = &hs->ext[i];

		mp_wr32(out + off, ((uint32_t)e->type << 16) | (uint32_t)(e->len / 4));
		if (e->len)
			memmove(out + off + 4, e->value, e->len);
		off += 4 + e->len;
	}
	if (hs->tail_len)
		memmove(out + off, hs->tail, hs->tail_len);
	return (int)n;
}

const struct mp_srt_hs_ext *mp_srt_hs_find_ext(const struct mp_srt_handshake *hs, uint16_t type)
{
	for (unsigned i = 0; i < hs->n_ext && i < MP_SRT_HS_MAX_EXT; i++)
		if (hs->ext[i].type == type)
			return &hs->ext[i];
	return NULL;
}

int mp_srt_hs_build_induction_response(const struct mp_srt_handshake *req, uint32_t cookie,
				       const uint8_t peer_ip[16], uint32_t timestamp,
				       uint8_t *out, size_t cap)
{
	struct mp_srt_handshake r;

	if (!req || !peer_ip || !out)
		return MP_ERR_INVAL;
	if (req->hs_type != MP_SRT_HS_INDUCTION)
		return MP_ERR_PROTO;
	memset(&r, 0, sizeof(r));
	r.timestamp = timestamp;
	r.dst_sockid = req->socket_id;
	r.version = 5;              /* section 4.3.1.1: the listener answers with version 5 ... */
	r.encryption = 0;
	r.extension = MP_SRT_HS_MAGIC; /* ... and the SRT magic in the extension field */
	r.isn = req->isn;
	r.mtu = req->mtu;
	r.flow_window = req->flow_window;
	r.hs_type = MP_SRT_HS_INDUCTION;
	r.socket_id = req->socket_id; /* libsrt echoes the caller's id (observed) */
	r.cookie = cookie;
	memcpy(r.peer_ip, peer_ip, 16);
	return mp_srt_hs_build(&r, out, cap);
}

int mp_srt_hs_build_reject(const struct mp_srt_handshake *req, uint32_t reason, uint32_t timestamp,
			   uint8_t *out, size_t cap)
{
	struct mp_srt_handshake r;

	if (!req || !out)
		return MP_ERR_INVAL;
	/* 0 would encode as 1000, which libsrt does not read as a rejection */
	if (reason == 0 || (reason >= MP_SRT_REJ__SIZE && reason < MP_SRT_REJX_FALLBACK) || reason >= 3000)
		return MP_ERR_INVAL;
	r = *req;
	r.type_info = 0;
	r.timestamp = timestamp;
	r.dst_sockid = req->socket_id;
	r.hs_type = (int32_t)(MP_SRT_HS_REJECT_BASE + reason);
	r.n_ext = 0;
	r.tail = NULL;
	r.tail_len = 0;
	return mp_srt_hs_build(&r, out, cap);
}

int mp_srt_hs_reject_reason(int32_t hs_type)
{
	if (hs_type < MP_SRT_HS_REJECT_BASE)
		return -1;
	return hs_type - MP_SRT_HS_REJECT_BASE;
}

int mp_srt_hs_set_cookie(uint8_t *buf, size_t len, uint32_t cookie)
{
	if (!buf || !mp_srt_is_handshake(buf, len))
		return MP_ERR_INVAL;
	mp_wr32(buf + MP_SRT_HS_COOKIE_OFF, cookie);
	return MP_OK;
}

void mp_srt_peer_ip_from_ipv6(const uint8_t ipv6[16], uint8_t out[16])
{
	for (int w = 0; w < 16; w += 4)
		for (int k = 0; k < 4; k++)
			out[w + k] = ipv6[w + 3 - k];
}

int mp_srt_hs_set_peer_ip(uint8_t *buf, size_t len, const uint8_t peer_ip[16])
{
	if (!buf || !mp_srt_is_handshake(buf, len) || len < MP_SRT_HS_PEER_IP_OFF + 16)
		return MP_ERR_INVAL;
	memcpy(buf + MP_SRT_HS_PEER_IP_OFF, peer_ip, 16);
	return MP_OK;
}

void mp_srt_peer_ip_from_ipv4(uint32_t ipv4, uint8_t out[16])
{
	memset(out, 0, 16);
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)(ipv4 >> (8 * i));
}
