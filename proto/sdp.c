/* sdp.c: ICE ufrag/pwd and candidates of a WebRTC SDP, and the candidate rewrite for the appliance. */
#include "sdp.h"
#include "endpoint.h"
#include "mp_error.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* One line of the SDP: its text without terminator and where the next line starts. */
struct sdp_line {
	const char *p;
	size_t len;  /* without "\r\n" or "\n" */
	size_t next; /* offset of the next line */
};

/* RFC 8866 section 5: lines end in CRLF; a bare LF is accepted as well. 0 at the end. */
static int next_line(const char *s, size_t len, size_t pos, struct sdp_line *l)
{
	size_t e = pos;

	if (pos >= len)
		return 0;
	while (e < len && s[e] != '\n')
		e++;
	l->p = s + pos;
	l->next = e < len ? e + 1 : e;
	l->len = e - pos;
	if (l->len > 0 && l->p[l->len - 1] == '\r') /* also a CR cut off from its LF at the end */
		l->len--;
	return 1;
}

static int has_prefix(const struct sdp_line *l, const char *pfx)
{
	size_t n = strlen(pfx);

	return l->len >= n && memcmp(l->p, pfx, n) == 0;
}

/* RFC 8839 section 5.1: ice-char = ALPHA / DIGIT / "+" / "/" */
static int is_ice_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

static int ice_chars(const char *s, size_t len, size_t max)
{
	if (len == 0 || len > max)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!is_ice_char(s[i]))
			return 0;
	return 1;
}

/* Unsigned decimal of 1..max_digits digits, at most limit. */
static int dec(const char *s, size_t len, size_t max_digits, uint64_t limit, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > max_digits)
		return MP_ERR_INVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return MP_ERR_INVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > limit)
		return MP_ERR_INVAL;
	*out = v;
	return MP_OK;
}

static int token_is(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	if (len != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((s[i] | 0x20) != word[i]) /* transport and type are case-insensitive tokens */
			return 0;
	return 1;
}

/* Offsets of the address and port tokens within the candidate line, for the rewrite. */
struct cand_pos {
	size_t found_len, prio_off, prio_len, addr_off, addr_len, port_off, port_len;
};

/* Parse the candidate line l (RFC 8839 section 5.1):
 * "a=candidate:" foundation SP component-id SP transport SP priority SP connection-address SP port
 * SP "typ" SP cand-type *(SP extension). */
static int parse_candidate(const struct sdp_line *l, struct mp_sdp_candidate *c, struct cand_pos *pos)
{
	const char *t[8];
	size_t tl[8], i = strlen("a=candidate:"), n = 0;
	uint64_t v;

	memset(c, 0, sizeof(*c));
	while (n < 8) {
		size_t s = i;

		while (i < l->len && l->p[i] != ' ')
			i++;
		if (i == s)
			return MP_ERR_INVAL; /* empty token: double space, or the line ends early */
		t[n] = l->p + s;
		tl[n++] = i - s;
		if (n < 8 && i++ >= l->len)
			return MP_ERR_INVAL;
	}
	if (!ice_chars(t[0], tl[0], MP_SDP_FOUNDATION_MAX - 1) || dec(t[1], tl[1], 3, 256, &v) || v == 0)
		return MP_ERR_INVAL;
	memcpy(c->foundation, t[0], tl[0]);
	c->component = (uint16_t)v;
	c->transport = token_is(t[2], tl[2], "udp") ? MP_SDP_UDP : token_is(t[2], tl[2], "tcp") ? MP_SDP_TCP
											    : MP_SDP_TRANSPORT_OTHER;
	if (dec(t[3], tl[3], 10, UINT32_MAX, &v))
		return MP_ERR_INVAL;
	c->priority = (uint32_t)v;
	if (tl[4] >= MP_SDP_ADDR_MAX)
		return MP_ERR_INVAL;
	for (size_t k = 0; k < tl[4]; k++)
		if ((unsigned char)t[4][k] <= 0x20 || t[4][k] == 0x7f)
			return MP_ERR_INVAL;
	memcpy(c->address, t[4], tl[4]);
	if (mp_ipv4_parse(t[4], tl[4], &c->ipv4) != MP_OK)
		c->ipv4 = 0;
	if (dec(t[5], tl[5], 5, 65535, &v) || !token_is(t[6], tl[6], "typ"))
		return MP_ERR_INVAL;
	c->port = (uint16_t)v;
	c->type = token_is(t[7], tl[7], "host")	   ? MP_SDP_HOST
		  : token_is(t[7], tl[7], "srflx") ? MP_SDP_SRFLX
		  : token_is(t[7], tl[7], "prflx") ? MP_SDP_PRFLX
		  : token_is(t[7], tl[7], "relay") ? MP_SDP_RELAY
						   : MP_SDP_TYPE_OTHER;
	pos->found_len = tl[0];
	pos->prio_off = (size_t)(t[3] - l->p);
	pos->prio_len = tl[3];
	pos->addr_off = (size_t)(t[4] - l->p);
	pos->addr_len = tl[4];
	pos->port_off = (size_t)(t[5] - l->p);
	pos->port_len = tl[5];
	return MP_OK;
}

/* An ice-ufrag or ice-pwd line: take it if none is chosen yet, else note a mismatch. */
static int take_ice(const struct sdp_line *l, size_t skip, size_t min, char *dst, uint8_t *mismatch)
{
	const char *v = l->p + skip;
	size_t n = l->len - skip;

	/* RFC 8839 section 5.4: ice-ufrag is 4..256 ice-chars, ice-pwd 22..256. */
	if (n < min || !ice_chars(v, n, MP_SDP_ICE_MAX - 1))
		return MP_ERR_INVAL;
	if (dst[0] == '\0') {
		memcpy(dst, v, n);
		dst[n] = '\0';
	} else if (strlen(dst) != n || memcmp(dst, v, n) != 0) {
		*mismatch = 1;
	}
	return MP_OK;
}

int mp_sdp_parse(const char *sdp, size_t len, struct mp_sdp_info *out)
{
	struct sdp_line l;
	size_t pos = 0;
	int rc = MP_OK;

	if (!out)
		return MP_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	/* RFC 8866 section 5: the session description starts with "v=0". */
	if (!sdp || !next_line(sdp, len, 0, &l) || l.len != 3 || memcmp(l.p, "v=0", 3) != 0)
		return MP_ERR_INVAL;
	while (rc == MP_OK && next_line(sdp, len, pos, &l)) {
		pos = l.next;
		if (has_prefix(&l, "m=")) {
			if (out->n_media < UINT16_MAX)
				out->n_media++;
		} else if (has_prefix(&l, "a=ice-ufrag:")) {
			rc = take_ice(&l, 12, 4, out->ufrag, &out->ice_mismatch);
		} else if (has_prefix(&l, "a=ice-pwd:")) {
			rc = take_ice(&l, 10, 22, out->pwd, &out->ice_mismatch);
		} else if (has_prefix(&l, "a=candidate:")) {
			struct mp_sdp_candidate c;
			struct cand_pos cp;

			rc = parse_candidate(&l, &c, &cp);
			c.media = (int16_t)(out->n_media > INT16_MAX ? INT16_MAX : out->n_media) - 1;
			if (rc == MP_OK && out->n_cand < MP_SDP_MAX_CANDIDATES)
				out->cand[out->n_cand++] = c;
			if (rc == MP_OK && out->n_cand_seen < UINT16_MAX)
				out->n_cand_seen++;
		}
	}
	if (rc != MP_OK) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	return out->ufrag[0] && out->pwd[0] ? MP_OK : MP_ERR_NOTFOUND;
}

int mp_sdp_media_addr(const struct mp_sdp_info *info, uint32_t *ipv4, uint16_t *port)
{
	for (unsigned i = 0; info && i < info->n_cand; i++) {
		const struct mp_sdp_candidate *c = &info->cand[i];

		if (c->type == MP_SDP_HOST && c->transport == MP_SDP_UDP && c->ipv4 != 0 && c->port != 0) {
			*ipv4 = c->ipv4;
			*port = c->port;
			return MP_OK;
		}
	}
	return MP_ERR_NOTFOUND;
}

int mp_sdp_media_addr6(const struct mp_sdp_info *info, uint8_t ip6[16], uint16_t *port)
{
	static const uint8_t any[16];

	for (unsigned i = 0; info && i < info->n_cand; i++) {
		const struct mp_sdp_candidate *c = &info->cand[i];

		if (c->type == MP_SDP_HOST && c->transport == MP_SDP_UDP && c->port != 0 &&
		    mp_ipv6_parse(c->address, strnlen(c->address, sizeof(c->address)), ip6) == MP_OK &&
		    memcmp(ip6, any, 16) != 0) {
			*port = c->port;
			return MP_OK;
		}
	}
	return MP_ERR_NOTFOUND;
}

/* Bounded output: o->len bytes written so far; o->err set once something did not fit. */
struct out_buf {
	char *p;
	size_t cap, len;
	int err;
};

static void put(struct out_buf *o, const char *s, size_t n)
{
	if (o->err || n >= o->cap - o->len) { /* keep room for the NUL */
		o->err = MP_ERR_NOSPACE;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* "c=IN IP4 <addr>" naming a real address (not 0.0.0.0), or "c=IN IP6 <addr>" (not ::, an IPv6
 * origin's): the default candidate's address (RFC 8839 section 4.2.1.2), which would reveal the
 * origin. Sets *addr_off to where addr starts (both prefixes are as long). */
static int is_c_line_with_addr(const struct sdp_line *l, size_t *addr_off)
{
	static const char pfx[] = "c=IN IP4 ", pfx6[] = "c=IN IP6 ";
	size_t n = sizeof(pfx) - 1, e = n;
	bool v6 = has_prefix(l, pfx6);

	if (!v6 && !has_prefix(l, pfx))
		return 0;
	while (e < l->len && l->p[e] != ' ' && l->p[e] != '/')
		e++;
	*addr_off = n;
	if (v6)
		return !(e - n == 2 && memcmp(l->p + n, "::", 2) == 0) && e > n;
	return !(e - n == 7 && memcmp(l->p + n, "0.0.0.0", 7) == 0) && e > n;
}

/* "o=<username> <sess-id> <sess-version> IN IP4|IP6 <unicast-address>" (RFC 8866 section 5.2) with an
 * address other than 0.0.0.0 or ::: sets *type_off to the address type ("IP4"/"IP6"), which with the
 * address runs to the end of the line. */
static int is_o_line_with_addr(const struct sdp_line *l, size_t *type_off)
{
	size_t i = 2, a;

	if (!has_prefix(l, "o="))
		return 0;
	for (int f = 0; f < 3; f++) { /* username, sess-id, sess-version */
		while (i < l->len && l->p[i] != ' ')
			i++;
		if (i++ >= l->len)
			return 0;
	}
	if (l->len - i < 8 || memcmp(l->p + i, "IN IP", 5) || (l->p[i + 5] != '4' && l->p[i + 5] != '6') ||
	    l->p[i + 6] != ' ')
		return 0;
	*type_off = i + 3;
	a = i + 7;
	return !(l->len - a == 7 && memcmp(l->p + a, "0.0.0.0", 7) == 0) &&
	       !(l->len - a == 2 && memcmp(l->p + a, "::", 2) == 0);
}

/* "m=<media> <port> ..." with a real port (not 0, which rejects the section, nor 9, the ICE
 * placeholder of RFC 8839 section 4.2.1.2). Sets *port_off and *port_len to the port digits. */
static int is_m_line_with_port(const struct sdp_line *l, size_t *port_off, size_t *port_len)
{
	size_t i = 2, b;

	if (!has_prefix(l, "m="))
		return 0;
	while (i < l->len && l->p[i] != ' ')
		i++;
	b = ++i;
	while (i < l->len && l->p[i] >= '0' && l->p[i] <= '9')
		i++;
	if (i == b || i - b > 5 || (i - b == 1 && (l->p[b] == '0' || l->p[b] == '9')))
		return 0;
	*port_off = b;
	*port_len = i - b;
	return 1;
}

/* The IPv6 twin of a rewritten host candidate line (whole, its terminator included): foundation
 * with a "6" added (another base address has another foundation, RFC 8445 section 5.1.1.3),
 * priority one local-preference step below the IPv4 candidate's (RFC 8445 section 5.1.2.1: the IPv4
 * path is preferred by a dual-stack client), address ip6, port port_s, the rest as it was. */
static void put_twin6(struct out_buf *o, const char *whole, size_t whole_len, const struct mp_sdp_candidate *c,
		      const struct cand_pos *cp, const char *ip6, const char *port_s)
{
	static const char pfx[] = "a=candidate:";
	size_t fl = cp->found_len < MP_SDP_FOUNDATION_MAX - 1 ? cp->found_len : cp->found_len - 1;
	char prio[12];

	put(o, pfx, sizeof(pfx) - 1);
	put(o, c->foundation, fl);
	put(o, fl < cp->found_len && c->foundation[fl] == '6' ? "v" : "6", 1);
	put(o, whole + sizeof(pfx) - 1 + cp->found_len, cp->prio_off - (sizeof(pfx) - 1) - cp->found_len);
	snprintf(prio, sizeof(prio), "%u", c->priority >= 256 ? c->priority - 256 : c->priority);
	put(o, prio, strlen(prio));
	put(o, whole + cp->prio_off + cp->prio_len, cp->addr_off - cp->prio_off - cp->prio_len);
	put(o, ip6, strlen(ip6));
	put(o, whole + cp->addr_off + cp->addr_len, cp->port_off - cp->addr_off - cp->addr_len);
	put(o, port_s, strlen(port_s));
	put(o, whole + cp->port_off + cp->port_len, whole_len - cp->port_off - cp->port_len);
}

int mp_sdp_rewrite_candidates(const char *sdp, size_t len, uint32_t public_ipv4, uint16_t port,
			      unsigned flags, char *out, size_t cap, size_t *out_len)
{
	return mp_sdp_rewrite_candidates6(sdp, len, public_ipv4, NULL, port, flags, out, cap, out_len);
}

int mp_sdp_rewrite_candidates6(const char *sdp, size_t len, uint32_t public_ipv4, const uint8_t *public_ip6,
			       uint16_t port, unsigned flags, char *out, size_t cap, size_t *out_len)
{
	struct out_buf o = { out, cap, 0, 0 };
	struct sdp_line l;
	size_t pos = 0;
	char ip[16], ip6[INET6_ADDRSTRLEN], port_s[8];
	uint8_t twinned[256 / 8] = { 0 }; /* components of this m= section given an IPv6 twin */
	int rewritten = 0;

	if (!sdp || !out || cap == 0 || !out_len)
		return MP_ERR_INVAL;
	if (!next_line(sdp, len, 0, &l) || l.len != 3 || memcmp(l.p, "v=0", 3) != 0)
		return MP_ERR_INVAL;
	mp_ipv4_format(public_ipv4, ip, sizeof(ip));
	if (public_ip6 && !inet_ntop(AF_INET6, public_ip6, ip6, sizeof(ip6)))
		return MP_ERR_INVAL;
	snprintf(port_s, sizeof(port_s), "%u", port);
	while (next_line(sdp, len, pos, &l)) {
		const char *whole = sdp + pos; /* the line with its own terminator */
		size_t whole_len = l.next - pos;
		struct mp_sdp_candidate c;
		struct cand_pos cp;

		pos = l.next;
		{
			size_t off, n;

			/* The default candidate in c= and m= becomes the appliance too (else the answer
			 * would still tell the client the origin's address). */
			if (is_c_line_with_addr(&l, &off)) {
				size_t e = off;

				while (e < l.len && l.p[e] != ' ' && l.p[e] != '/')
					e++;
				put(&o, "c=IN IP4 ", off); /* an IPv6 origin's default candidate becomes our IPv4 one */
				put(&o, ip, strlen(ip));
				put(&o, whole + e, whole_len - e);
				continue;
			}
			/* The origin line names the host that made the session: the appliance, not the origin. */
			if (is_o_line_with_addr(&l, &off)) {
				put(&o, whole, off);
				put(&o, "IP4 ", 4);
				put(&o, ip, strlen(ip));
				put(&o, whole + l.len, whole_len - l.len);
				continue;
			}
			if (has_prefix(&l, "m="))
				memset(twinned, 0, sizeof(twinned));
			if (is_m_line_with_port(&l, &off, &n)) {
				put(&o, whole, off);
				put(&o, port_s, strlen(port_s));
				put(&o, whole + off + n, whole_len - off - n);
				continue;
			}
		}
		if (!has_prefix(&l, "a=candidate:")) {
			put(&o, whole, whole_len);
			continue;
		}
		if (parse_candidate(&l, &c, &cp) != MP_OK)
			return MP_ERR_INVAL;
		if (c.type != MP_SDP_HOST) {
			if (!(flags & MP_SDP_DROP_NONHOST))
				put(&o, whole, whole_len);
			continue;
		}
		if (c.transport == MP_SDP_TCP && !(flags & MP_SDP_REWRITE_TCP))
			continue; /* the appliance carries WebRTC media over UDP only */
		if (c.transport == MP_SDP_TRANSPORT_OTHER) {
			put(&o, whole, whole_len);
			continue;
		}
		/* Same line, with connection-address and port replaced (RFC 8839 section 5.1). */
		put(&o, whole, cp.addr_off);
		put(&o, ip, strlen(ip));
		put(&o, whole + cp.addr_off + cp.addr_len, cp.port_off - cp.addr_off - cp.addr_len);
		put(&o, port_s, strlen(port_s));
		put(&o, whole + cp.port_off + cp.port_len, whole_len - cp.port_off - cp.port_len);
		rewritten++;
		/* One IPv6 twin per component of the section (several origin candidates all become
		 * the one public address: one twin is enough). */
		if (public_ip6 && c.transport == MP_SDP_UDP && !(twinned[(c.component - 1) / 8] & (1u << ((c.component - 1) % 8)))) {
			twinned[(c.component - 1) / 8] |= (uint8_t)(1u << ((c.component - 1) % 8));
			/* The last line, unterminated (or a CR without its LF): the twin goes on a line of its own. */
			if (whole[whole_len - 1] != '\n')
				put(&o, whole[whole_len - 1] == '\r' ? "\n" : "\r\n", whole[whole_len - 1] == '\r' ? 1 : 2);
			put_twin6(&o, whole, whole_len, &c, &cp, ip6, port_s);
			rewritten++;
		}
	}
	if (o.err)
		return o.err;
	out[o.len] = '\0';
	*out_len = o.len;
	return rewritten;
}
