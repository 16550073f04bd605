/* ipv6.h: IPv6 header and extension-header walk, upper-layer checksums, NDP and ICMPv6 echo (pure). */
#ifndef MP_IPV6_H
#define MP_IPV6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MP_IP6_HLEN 40
#define MP_IP6_EXT_MAX 8      /* extension headers walked before a datagram is refused */
#define MP_IPPROTO_HOPOPTS 0
#define MP_IPPROTO_TCP 6
#define MP_IPPROTO_UDP 17
#define MP_IPPROTO_ROUTING 43
#define MP_IPPROTO_FRAGMENT 44
#define MP_IPPROTO_ICMPV6 58
#define MP_IPPROTO_NONE 59
#define MP_IPPROTO_DSTOPTS 60

/* What mp_ip6_parse found wrong, or MP_IP6_OK. */
enum mp_ip6_res {
	MP_IP6_OK = 0,
	MP_IP6_MALFORMED,  /* truncated, version not 6, payload length beyond the buffer */
	MP_IP6_EXT_BAD,    /* an extension header truncated, misplaced (hop-by-hop not first), too many
			    * (MP_IP6_EXT_MAX), an option whose type says discard (RFC 8200 section 4.2),
			    * a routing header with segments left (section 4.4), or No Next Header */
	MP_IP6_FRAGMENT,   /* a fragment header: not for the fast path (no reassembly there) */
};

/* A parsed IPv6 datagram. Offsets are from the start of the IPv6 header. */
struct mp_ip6 {
	uint16_t l4_off;     /* the upper-layer header */
	uint16_t l4_len;     /* upper-layer bytes (payload length minus extension headers) */
	uint16_t len;        /* 40 + payload length: the datagram within the buffer (trailing padding excluded) */
	uint8_t proto;       /* upper-layer protocol (the last Next Header) */
	uint8_t hop_limit;
	uint8_t n_ext;       /* extension headers skipped */
};

/* Parse the IPv6 header at p (len bytes available) and walk its extension headers (RFC 8200
 * section 4): hop-by-hop (first only) and destination options are skipped when every option in them
 * is Pad1/PadN or has action bits 00 (skip if unrecognised); routing with segments left 0 is
 * skipped; a fragment header is reported (MP_IP6_FRAGMENT); anything else ends the walk as the
 * upper-layer protocol (TCP, UDP, ICMPv6, ESP, ...). */
enum mp_ip6_res mp_ip6_parse(const uint8_t *p, size_t len, struct mp_ip6 *out);

static inline bool mp_ip6_is_multicast(const uint8_t a[16])
{
	return a[0] == 0xff;
}

static inline bool mp_ip6_is_unspecified(const uint8_t a[16])
{
	for (int i = 0; i < 16; i++)
		if (a[i])
			return false;
	return true;
}

/* Do a and b share their first prefix bits? */
bool mp_ip6_same_prefix(const uint8_t a[16], const uint8_t b[16], uint8_t prefix);
/* RFC 4291 section 2.7.1: the solicited-node multicast address of a (ff02::1:ffXX:XXXX). */
void mp_ip6_solicited_node(const uint8_t a[16], uint8_t out[16]);
/* RFC 2464 section 7: the Ethernet address of IPv6 multicast group g (33:33 + its last 32 bits). */
void mp_ip6_multicast_mac(const uint8_t g[16], uint8_t mac[6]);

/* RFC 8200 section 8.1: the one's-complement sum (unfolded) of the upper-layer pseudo-header. */
uint32_t mp_ip6_pseudo_sum(const uint8_t src[16], const uint8_t dst[16], uint32_t l4_len, uint8_t proto);
/* The checksum field to write for the upper-layer message l4 (l4_len bytes, its checksum field
 * zero) of the datagram ip6 (whose addresses are used). */
uint16_t mp_ip6_l4_csum(const uint8_t *ip6, const uint8_t *l4, size_t l4_len, uint8_t proto);
/* Does the upper-layer message (checksum field included) verify? */
bool mp_ip6_l4_csum_ok(const uint8_t *ip6, const uint8_t *l4, size_t l4_len, uint8_t proto);

/* Write an IPv6 header (no extension headers) at p. */
void mp_ip6_write_header(uint8_t *p, uint16_t payload_len, uint8_t proto, uint8_t hop_limit, const uint8_t src[16],
			 const uint8_t dst[16]);

/* Neighbour Discovery (RFC 4861 section 4.3, 4.4) */
#define MP_ICMP6_ECHO_REQUEST 128
#define MP_ICMP6_ECHO_REPLY 129
#define MP_ND_NS 135
#define MP_ND_NA 136
#define MP_ND_NA_ROUTER 0x80u
#define MP_ND_NA_SOLICITED 0x40u
#define MP_ND_NA_OVERRIDE 0x20u
#define MP_ND_MSG_LEN 32      /* NS or NA with one link-layer address option */

struct mp_nd {
	uint8_t type;            /* MP_ND_NS or MP_ND_NA */
	uint8_t flags;           /* NA: R, S, O (MP_ND_NA_*) */
	uint8_t target[16];
	uint8_t lladdr[6];       /* source (NS) or target (NA) link-layer address option */
	bool has_lladdr;
};

/* Validate an NS or NA per RFC 4861 sections 7.1.1 and 7.1.2: the ICMPv6 message at ip6 + m.l4_off
 * of the datagram ip6 (parsed into m, proto ICMPv6), checksum included. MP_OK and out filled;
 * MP_ERR_UNSUPPORTED for another ICMPv6 type; MP_ERR_CHECKSUM; MP_ERR_INVAL when it breaks a rule
 * (hop limit not 255, code not 0, short, multicast target, an option of length 0 or past the end,
 * a source link-layer option from the unspecified address, a solicited NA to a multicast address). */
int mp_nd_parse(const uint8_t *ip6, const struct mp_ip6 *m, struct mp_nd *out);

/* Build at p an IPv6 datagram carrying an NS for target from src with our link-layer address mac:
 * to target's solicited-node group (or to target itself when unicast, a probe of a known
 * neighbour, RFC 4861 section 7.3.3). Returns its length (40 + MP_ND_MSG_LEN). */
size_t mp_nd_build_ns(uint8_t *p, const uint8_t src[16], const uint8_t mac[6], const uint8_t target[16], bool unicast);
/* Build at p an NA from src for target (our address) with our link-layer address mac to dst, flags
 * MP_ND_NA_*. Returns its length (40 + MP_ND_MSG_LEN). */
size_t mp_nd_build_na(uint8_t *p, const uint8_t src[16], const uint8_t dst[16], const uint8_t mac[6],
		      const uint8_t target[16], uint8_t flags);

/* RFC 4443 section 4.2: turn the verified echo request in datagram ip6 (parsed into m) into its
 * reply in place: addresses swapped (the caller checked the destination is ours, unicast), type
 * 129, hop limit 64, the checksum updated (RFC 1624; the pseudo-header sum is unchanged by the swap).
 * MP_ERR_INVAL if it is not an echo request of at least 8 bytes with code 0; MP_ERR_CHECKSUM if it
 * does not verify. */
int mp_icmp6_echo_reply(uint8_t *ip6, const struct mp_ip6 *m);

#endif
