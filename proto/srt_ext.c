/* srt_ext.c: SRT handshake extension values (HSREQ, byte-swapped strings, stream id) and names. */
#include "srt.h"

#include <string.h>

int mp_srt_hsreq_decode(const struct mp_srt_hs_ext *e, struct mp_srt_hsreq *out)
{
	if (!e || !out || e->len < 12)
		return MP_ERR_LENGTH;
	out->srt_version = mp_rd32(e->value);
	out->flags = mp_rd32(e->value + 4);
	/* section 3.2.1.1.1: receiver TSBPD delay in the high half, sender's in the low half */
	out->recv_delay = mp_rd16(e->value + 8);
	out->send_delay = mp_rd16(e->value + 10);
	return MP_OK;
}

int mp_srt_ext_string_decode(const uint8_t *val, size_t vlen, char *out, size_t cap, size_t *out_len)
{
	size_t n;

	if (!out || !out_len || (vlen & 3) || (vlen && !val))
		return MP_ERR_INVAL;
	if (vlen > MP_SRT_STREAMID_MAX)
		return MP_ERR_TOOLONG;
	n = 0;
	for (size_t i = 0; i < vlen; i++) {
		uint8_t ch = val[(i & ~(size_t)3) + 3 - (i & 3)];

		if (ch == 0) {
			/* only padding may follow: every remaining byte must be NUL */
			for (size_t j = i + 1; j < vlen; j++)
				if (val[(j & ~(size_t)3) + 3 - (j & 3)] != 0)
					return MP_ERR_INVAL;
			break;
		}
		if (n + 1 >= cap)
			return MP_ERR_NOSPACE;
		out[n++] = (char)ch;
	}
	if (cap == 0)
		return MP_ERR_NOSPACE;
	out[n] = '\0';
	*out_len = n;
	return MP_OK;
}

int mp_srt_ext_string_encode(const char *s, size_t len, uint8_t *out, size_t cap)
{
	size_t padded = (len + 3) & ~(size_t)3;

	if ((!s && len) || !out)
		return MP_ERR_INVAL;
	if (len > MP_SRT_STREAMID_MAX)
		return MP_ERR_TOOLONG;
	if (padded > cap)
		return MP_ERR_NOSPACE;
	for (size_t i = 0; i < padded; i++)
		out[(i & ~(size_t)3) + 3 - (i & 3)] = i < len ? (uint8_t)s[i] : 0;
	return (int)padded;
}

int mp_srt_hs_streamid(const struct mp_srt_handshake *hs, char *out, size_t cap, size_t *out_len)
{
	const struct mp_srt_hs_ext *e;

	if (!hs)
		return MP_ERR_INVAL;
	e = mp_srt_hs_find_ext(hs, MP_SRT_EXT_SID);
	if (!e)
		return MP_ERR_NOTFOUND;
	return mp_srt_ext_string_decode(e->value, e->len, out, cap, out_len);
}

const char *mp_srt_ctrl_name(uint16_t ctrl_type)
{
	static const char *const names[] = {
		"handshake", "keepalive", "ack", "nak", "congestion", "shutdown", "ackack",
		"dropreq", "peererror",
	};

	if (ctrl_type < sizeof(names) / sizeof(names[0]))
		return names[ctrl_type];
	if (ctrl_type == MP_SRT_CTRL_USER)
		return "user";
	return "unknown";
}

const char *mp_srt_hs_type_name(int32_t hs_type)
{
	switch (hs_type) {
	case MP_SRT_HS_DONE: return "done";
	case MP_SRT_HS_AGREEMENT: return "agreement";
	case MP_SRT_HS_CONCLUSION: return "conclusion";
	case MP_SRT_HS_WAVEAHAND: return "waveahand";
	case MP_SRT_HS_INDUCTION: return "induction";
	default: break;
	}
	return hs_type >= MP_SRT_HS_REJECT_BASE ? "reject" : "unknown";
}

const char *mp_srt_reject_name(int reason)
{
	static const char *const internal[MP_SRT_REJ__SIZE] = {
		"REJ_UNKNOWN", "REJ_SYSTEM", "REJ_PEER", "REJ_RESOURCE", "REJ_ROGUE", "REJ_BACKLOG",
		"REJ_IPE", "REJ_CLOSE", "REJ_VERSION", "REJ_RDVCOOKIE", "REJ_BADSECRET",
		"REJ_UNSECURE", "REJ_MESSAGEAPI", "REJ_CONGESTION", "REJ_FILTER", "REJ_GROUP",
		"REJ_TIMEOUT", "REJ_CRYPTO",
	};
	static const struct { int code; const char *name; } rejx[] = {
		{1000, "REJX_FALLBACK"}, {1001, "REJX_KEY_NOTSUP"}, {1002, "REJX_FILEPATH"},
		{1003, "REJX_HOSTNOTFOUND"}, {1400, "REJX_BAD_REQUEST"}, {1401, "REJX_UNAUTHORIZED"},
		{1402, "REJX_OVERLOAD"}, {1403, "REJX_FORBIDDEN"}, {1404, "REJX_NOTFOUND"},
		{1405, "REJX_BAD_MODE"}, {1406, "REJX_UNACCEPTABLE"}, {1409, "REJX_CONFLICT"},
		{1415, "REJX_NOTSUP_MEDIA"}, {1423, "REJX_LOCKED"}, {1424, "REJX_FAILED_DEPEND"},
		{1500, "REJX_ISE"}, {1501, "REJX_UNIMPLEMENTED"}, {1502, "REJX_GW"},
		{1503, "REJX_DOWN"}, {1505, "REJX_VERSION"}, {1507, "REJX_NOROOM"},
	};

	if (reason >= 0 && reason < MP_SRT_REJ__SIZE)
		return internal[reason];
	for (size_t i = 0; i < sizeof(rejx) / sizeof(rejx[0]); i++)
		if (rejx[i].code == reason)
			return rejx[i].name;
	if (reason >= MP_SRT_REJC_USERDEFINED && reason < 3000)
		return "REJC_USERDEFINED";
	return "REJ_UNKNOWN_CODE";
}

int mp_srt_hs_add_streamid(const uint8_t *in, size_t len, const char *sid, size_t sid_len, uint8_t *out, size_t cap)
{
	struct mp_srt_handshake hs;
	uint8_t *c = out + MP_SRT_HEADER_LEN;
	int n, rc;

	if (!in || !out || !sid || !sid_len)
		return MP_ERR_INVAL;
	rc = mp_srt_hs_parse(in, len, &hs);
	if (rc != MP_OK)
		return rc;
	if (hs.version != 5 || hs.hs_type != MP_SRT_HS_CONCLUSION || hs.tail_len)
		return MP_ERR_PROTO;
	if (mp_srt_hs_find_ext(&hs, MP_SRT_EXT_SID))
		return MP_ERR_EXISTS;
	if (hs.n_ext >= MP_SRT_HS_MAX_EXT)
		return MP_ERR_NOSPACE; /* one block more would not parse back (mp_srt_hs_parse keeps 12) */
	if (cap < len + 4)
		return MP_ERR_NOSPACE;
	memmove(out, in, len);
	n = mp_srt_ext_string_encode(sid, sid_len, out + len + 4, cap - len - 4);
	if (n < 0)
		return n;
	/* section 3.2.1.3: type SRT_CMD_SID, then the length in 32-bit words */
	mp_wr16(out + len, MP_SRT_EXT_SID);
	mp_wr16(out + len + 2, (uint16_t)(n / 4));
	/* section 3.2.1.1: a config block (SID) is announced by the CONFIG flag */
	mp_wr16(c + 6, (uint16_t)(hs.extension | MP_SRT_HS_EXT_CONFIG));
	return (int)len + 4 + n;
}
