/* ipv6.c: IPv6 header and extension-header walk (RFC 8200), pseudo-header checksums, NDP (RFC 4861), ICMPv6 echo. */
#include "ipv6.h"
#include "byteorder.h"
#include "mp_error.h"

#include <string.h>

/* RFC 8200 section 4.2: every option of a hop-by-hop or destination options header (h, hlen bytes)
 * must be Pad1/PadN or say "skip if unrecognised" (action bits 00): we recognise none other, and the
 * other actions all discard. Returns false to discard. */
static bool options_skippable(const uint8_t *h, size_t hlen)
{
	size_t i = 2;

	while (i < hlen) {
		uint8_t t = h[i];

		if (t == 0) { /* Pad1 */
			i++;
			continue;
		}
		if (i + 2 > hlen || i + 2 + (size_t)h[i + 1] > hlen)
			return false;
		if (t != 1 && (t >> 6) != 0)
			return false;
		i += 2 + (size_t)h[i + 1];
	}
	return true;
}

enum mp_ip6_res mp_ip6_parse(const uint8_t *p, size_t len, struct mp_ip6 *out)
{
	size_t off = MP_IP6_HLEN, end;
	uint8_t nh;

	memset(out, 0, sizeof(*out));
	if (len < MP_IP6_HLEN || (p[0] >> 4) != 6)
		return MP_IP6_MALFORMED;
	end = MP_IP6_HLEN + (size_t)mp_rd16(p + 4);
	/* a payload length of 0 with a hop-by-hop jumbo option (RFC 2675) is not for us either */
	if (end > len)
		return MP_IP6_MALFORMED;
	out->len = (uint16_t)end;
	out->hop_limit = p[7];
	nh = p[6];
	for (;;) {
		const uint8_t *h = p + off;
		size_t hlen;

		if (nh != MP_IPPROTO_HOPOPTS && nh != MP_IPPROTO_DSTOPTS && nh != MP_IPPROTO_ROUTING &&
		    nh != MP_IPPROTO_FRAGMENT && nh != MP_IPPROTO_NONE)
			break;
		if (nh == MP_IPPROTO_NONE || out->n_ext >= MP_IP6_EXT_MAX)
			return MP_IP6_EXT_BAD;
		/* section 4.1: hop-by-hop only immediately after the IPv6 header */
		if (nh == MP_IPPROTO_HOPOPTS && off != MP_IP6_HLEN)
			return MP_IP6_EXT_BAD;
		if (off + 8 > end)
			return MP_IP6_EXT_BAD;
		if (nh == MP_IPPROTO_FRAGMENT)
			return MP_IP6_FRAGMENT;
		hlen = ((size_t)h[1] + 1) * 8;
		if (off + hlen > end)
			return MP_IP6_EXT_BAD;
		if (nh == MP_IPPROTO_ROUTING) {
			if (h[3] != 0) /* section 4.4: segments left; we are no router of source routes */
				return MP_IP6_EXT_BAD;
		} else if (!options_skippable(h, hlen)) {
			return MP_IP6_EXT_BAD;
		}
		nh = h[0];
		off += hlen;
		out->n_ext++;
	}
	out->proto = nh;
	out->l4_off = (uint16_t)off;
	out->l4_len = (uint16_t)(end - off);
	return MP_IP6_OK;
}

bool mp_ip6_same_prefix(const uint8_t a[16], const uint8_t b[16], uint8_t prefix)
{
	unsigned full = prefix > 128 ? 16 : prefix / 8u, rest = prefix > 128 ? 0 : prefix % 8u;

	if (memcmp(a, b, full))
		return false;
	if (!rest)
		return true;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}

void mp_ip6_solicited_node(const uint8_t a[16], uint8_t out[16])
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };

	memcpy(out, pfx, 13);
	memcpy(out + 13, a + 13, 3);
}

void mp_ip6_multicast_mac(const uint8_t g[16], uint8_t mac[6])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, g + 12, 4);
}

uint32_t mp_ip6_pseudo_sum(const uint8_t src[16], const uint8_t dst[16], uint32_t l4_len, uint8_t proto)
{
	uint32_t sum = 0;

	for (int i = 0; i < 16; i += 2)
		sum += (uint32_t)mp_rd16(src + i) + mp_rd16(dst + i);
	sum += (l4_len >> 16) + (l4_len & 0xffff) + proto;
	return sum;
}

uint16_t mp_ip6_l4_csum(const uint8_t *ip6, const uint8_t *l4, size_t l4_len, uint8_t proto)
{
	uint16_t c = (uint16_t)~mp_csum(l4, l4_len, mp_csum_fold(mp_ip6_pseudo_sum(ip6 + 8, ip6 + 24, (uint32_t)l4_len, proto)));

	/* RFC 8200 section 8.1: a UDP checksum that computes to zero is sent as 0xffff */
	return proto == MP_IPPROTO_UDP && c == 0 ? 0xffff : c;
}

bool mp_ip6_l4_csum_ok(const uint8_t *ip6, const uint8_t *l4, size_t l4_len, uint8_t proto)
{
	return mp_csum(l4, l4_len, mp_csum_fold(mp_ip6_pseudo_sum(ip6 + 8, ip6 + 24, (uint32_t)l4_len, proto))) == 0xffff;
}

void mp_ip6_write_header(uint8_t *p, uint16_t payload_len, uint8_t proto, uint8_t hop_limit, const uint8_t src[16],
			 const uint8_t dst[16])
{
	mp_wr32(p, 0x60000000u);
	mp_wr16(p + 4, payload_len);
	p[6] = proto;
	p[7] = hop_limit;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
}

int mp_nd_parse(const uint8_t *ip6, const struct mp_ip6 *m, struct mp_nd *out)
{
	const uint8_t *ic = ip6 + m->l4_off;
	size_t n = m->l4_len, off;

	memset(out, 0, sizeof(*out));
	if (m->proto != MP_IPPROTO_ICMPV6 || n < 4)
		return MP_ERR_INVAL;
	if (ic[0] != MP_ND_NS && ic[0] != MP_ND_NA)
		return MP_ERR_UNSUPPORTED;
	/* sections 7.1.1/7.1.2: hop limit 255 (the sender is on our link), code 0, at least 24 bytes */
	if (m->hop_limit != 255 || ic[1] != 0 || n < 24)
		return MP_ERR_INVAL;
	if (!mp_ip6_l4_csum_ok(ip6, ic, n, MP_IPPROTO_ICMPV6))
		return MP_ERR_CHECKSUM;
	out->type = ic[0];
	out->flags = ic[4] & (MP_ND_NA_ROUTER | MP_ND_NA_SOLICITED | MP_ND_NA_OVERRIDE);
	memcpy(out->target, ic + 8, 16);
	if (mp_ip6_is_multicast(out->target))
		return MP_ERR_INVAL;
	if (out->type == MP_ND_NA && (out->flags & MP_ND_NA_SOLICITED) && mp_ip6_is_multicast(ip6 + 24))
		return MP_ERR_INVAL;
	for (off = 24; off < n;) {
		size_t olen;

		if (off + 2 > n || ic[off + 1] == 0)
			return MP_ERR_INVAL;
		olen = (size_t)ic[off + 1] * 8;
		if (off + olen > n)
			return MP_ERR_INVAL;
		/* source link-layer address in an NS, target link-layer address in an NA */
		if (ic[off] == (out->type == MP_ND_NS ? 1 : 2) && olen >= 8) {
			memcpy(out->lladdr, ic + off + 2, 6);
			out->has_lladdr = true;
		}
		off += olen;
	}
	/* section 7.1.1: duplicate address detection (from ::) goes to the solicited-node group and
	 * carries no source link-layer address */
	if (out->type == MP_ND_NS && mp_ip6_is_unspecified(ip6 + 8)) {
		uint8_t sn[16];

		mp_ip6_solicited_node(out->target, sn);
		if (out->has_lladdr || memcmp(ip6 + 24, sn, 16))
			return MP_ERR_INVAL;
	}
	return MP_OK;
}

/* The ICMPv6 message (type, flags, target, one link-layer option of type opt) after an IPv6 header. */
static size_t nd_build(uint8_t *p, const uint8_t src[16], const uint8_t dst[16], uint8_t type, uint8_t flags,
		       const uint8_t target[16], uint8_t opt, const uint8_t mac[6])
{
	uint8_t *ic = p + MP_IP6_HLEN;

	mp_ip6_write_header(p, MP_ND_MSG_LEN, MP_IPPROTO_ICMPV6, 255, src, dst);
	memset(ic, 0, MP_ND_MSG_LEN);
	ic[0] = type;
	ic[4] = flags;
	memcpy(ic + 8, target, 16);
	ic[24] = opt;
	ic[25] = 1;
	memcpy(ic + 26, mac, 6);
	mp_wr16(ic + 2, mp_ip6_l4_csum(p, ic, MP_ND_MSG_LEN, MP_IPPROTO_ICMPV6));
	return MP_IP6_HLEN + MP_ND_MSG_LEN;
}

size_t mp_nd_build_ns(uint8_t *p, const uint8_t src[16], const uint8_t mac[6], const uint8_t target[16], bool unicast)
{
	uint8_t dst[16];

	if (unicast)
		memcpy(dst, target, 16);
	else
		mp_ip6_solicited_node(target, dst);
	return nd_build(p, src, dst, MP_ND_NS, 0, target, 1, mac);
}

size_t mp_nd_build_na(uint8_t *p, const uint8_t src[16], const uint8_t dst[16], const uint8_t mac[6],
		      const uint8_t target[16], uint8_t flags)
{
	return nd_build(p, src, dst, MP_ND_NA, flags, target, 2, mac);
}

int mp_icmp6_echo_reply(uint8_t *ip6, const struct mp_ip6 *m)
{
	uint8_t *ic = ip6 + m->l4_off, tmp[16];
	uint32_t sum;

	if (m->proto != MP_IPPROTO_ICMPV6 || m->l4_len < 8 || ic[0] != MP_ICMP6_ECHO_REQUEST || ic[1] != 0)
		return MP_ERR_INVAL;
	if (!mp_ip6_l4_csum_ok(ip6, ic, m->l4_len, MP_IPPROTO_ICMPV6))
		return MP_ERR_CHECKSUM;
	memcpy(tmp, ip6 + 8, 16);
	memcpy(ip6 + 8, ip6 + 24, 16);
	memcpy(ip6 + 24, tmp, 16);
	ip6[7] = 64;
	/* RFC 1624 eqn. 3: only the type word changed (128 -> 129) */
	sum = (uint32_t)(uint16_t)~mp_rd16(ic + 2) + (uint16_t)~mp_rd16(ic) + (uint32_t)(MP_ICMP6_ECHO_REPLY << 8 | ic[1]);
	ic[0] = MP_ICMP6_ECHO_REPLY;
	mp_wr16(ic + 2, (uint16_t)~mp_csum_fold(sum));
	return MP_OK;
}
