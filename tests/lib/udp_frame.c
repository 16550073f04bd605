/* udp_frame.c: Ethernet/IPv4/UDP frame and STUN Binding request builders with checksums (libc only). */
#include "udp_frame.h"

#include <string.h>

uint16_t mp_test_udp_csum(const uint8_t *f)
{
	const uint8_t *ip = f + 14, *u = f + 34;
	uint16_t ulen = mp_rd16(u + 4);
	uint32_t s = mp_csum(ip + 12, 8, 0) + 17u + ulen; /* RFC 768 pseudo-header */
	uint16_t c;

	s = mp_csum(u, 6, s);
	c = (uint16_t)~mp_csum(u + 8, (size_t)ulen - 8, s);
	return c ? c : 0xffff;
}

size_t mp_test_udp_frame(uint8_t *f, const struct mp_test_udp *u, const uint8_t *payload, size_t len)
{
	uint8_t *ip = f + 14, *udp = f + 34;

	memcpy(f, u->dst_mac, 6);
	memcpy(f + 6, u->src_mac, 6);
	mp_wr16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	mp_wr16(ip + 2, (uint16_t)(28 + len));
	mp_wr16(ip + 4, 0x1234);
	ip[8] = u->ttl ? u->ttl : 64;
	ip[9] = 17;
	mp_wr32(ip + 12, u->src_ip);
	mp_wr32(ip + 16, u->dst_ip);
	mp_wr16(ip + 10, (uint16_t)~mp_csum(ip, 20, 0));
	mp_wr16(udp, u->src_port);
	mp_wr16(udp + 2, u->dst_port);
	mp_wr16(udp + 4, (uint16_t)(8 + len));
	mp_wr16(udp + 6, 0);
	memcpy(udp + 8, payload, len);
	mp_wr16(udp + 6, mp_test_udp_csum(f));
	return 42 + len;
}

bool mp_test_udp_checksums_ok(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;

	if (len < 42 || mp_csum(ip, 20, 0) != 0xffff)
		return false;
	if ((size_t)mp_rd16(f + 34 + 4) + 34 > len)
		return false;
	return mp_rd16(f + 34 + 6) == 0 || mp_rd16(f + 34 + 6) == mp_test_udp_csum(f);
}

size_t mp_test_stun_binding(uint8_t *out, const char *username, bool use_candidate, uint32_t txid)
{
	size_t ul = strlen(username), off = 20;

	memset(out, 0, 128);
	mp_wr16(out, 0x0001);
	mp_wr32(out + 4, 0x2112A442);
	mp_wr32(out + 8, txid);
	mp_wr32(out + 12, ~txid);
	mp_wr32(out + 16, txid * 2654435761u);
	mp_wr16(out + off, 0x0006);                /* USERNAME */
	mp_wr16(out + off + 2, (uint16_t)ul);
	memcpy(out + off + 4, username, ul);
	off += 4 + ((ul + 3) & ~(size_t)3);
	mp_wr16(out + off, 0x0024);                /* PRIORITY */
	mp_wr16(out + off + 2, 4);
	mp_wr32(out + off + 4, 0x6e0001ff);
	off += 8;
	if (use_candidate) {
		mp_wr16(out + off, 0x0025);        /* USE-CANDIDATE */
		off += 4;
	}
	mp_wr16(out + 2, (uint16_t)(off - 20));
	return off;
}
