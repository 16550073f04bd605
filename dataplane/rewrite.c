/* rewrite.c: NAT address/port rewrite with incremental checksums (or left to the port), and ARP request frames. */
#include "rewrite.h"

#include <string.h>

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), accumulated over several 16-bit words. */
static inline uint32_t csum_delta(uint32_t acc, uint16_t old, uint16_t new)
{
	return acc + (uint16_t)~old + new;
}

static inline uint16_t csum_apply(uint16_t hc, uint32_t delta)
{
	return (uint16_t)~mp_csum_fold((uint16_t)~hc + delta);
}

/* hw: MP_RW_HW_* (rewrite.h), the checksums left to the port. Inlined into both callers, so that
 * hw == 0 folds away in mp_udp_rewrite, the software path. */
static inline __attribute__((always_inline)) void
udp_rewrite(uint8_t *f, const struct mp_pkt *pkt, const uint8_t src_mac[6], const uint8_t dst_mac[6], uint32_t src_ip,
	    uint16_t src_port, uint32_t dst_ip, uint16_t dst_port, unsigned hw)
{
	uint8_t *ip = f + pkt->l3_off, *u = f + pkt->l4_off;
	uint32_t addr = 0, ttl = 0, ports;
	uint16_t old_ttl_word = mp_rd16(ip + 8), old[4], uc;

	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	for (int i = 0; i < 4; i++)
		old[i] = mp_rd16(ip + 12 + 2 * i);
	mp_wr16(ip + 12, (uint16_t)(src_ip >> 16));
	mp_wr16(ip + 14, (uint16_t)src_ip);
	mp_wr16(ip + 16, (uint16_t)(dst_ip >> 16));
	mp_wr16(ip + 18, (uint16_t)dst_ip);
	for (int i = 0; i < 4; i++)
		addr = csum_delta(addr, old[i], mp_rd16(ip + 12 + 2 * i));
	if (ip[8] > 1)
		ip[8]--;
	ttl = csum_delta(0, old_ttl_word, mp_rd16(ip + 8));
	/* Left to the port: the field is 0 while the port sums the header. */
	mp_wr16(ip + 10, (hw & MP_RW_HW_IP) ? 0 : csum_apply(mp_rd16(ip + 10), addr + ttl));

	ports = csum_delta(0, mp_rd16(u), src_port);
	ports = csum_delta(ports, mp_rd16(u + 2), dst_port);
	mp_wr16(u, src_port);
	mp_wr16(u + 2, dst_port);
	uc = mp_rd16(u + 6);
	if (uc && !(hw & MP_RW_HW_UDP)) {
		/* The UDP checksum covers the pseudo-header addresses too (RFC 768). */
		uc = csum_apply(uc, addr + ports);
		mp_wr16(u + 6, uc ? uc : 0xffff);
	}
}

void mp_udp_rewrite(uint8_t *f, const struct mp_pkt *pkt, const uint8_t src_mac[6], const uint8_t dst_mac[6],
		    uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port)
{
	udp_rewrite(f, pkt, src_mac, dst_mac, src_ip, src_port, dst_ip, dst_port, 0);
}

void mp_udp_rewrite_hw(uint8_t *f, const struct mp_pkt *pkt, const uint8_t src_mac[6], const uint8_t dst_mac[6],
		       uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port, unsigned hw)
{
	udp_rewrite(f, pkt, src_mac, dst_mac, src_ip, src_port, dst_ip, dst_port, hw);
}

size_t mp_build_arp_request(uint8_t *out, const struct mp_iface *ifc, uint32_t target_ip)
{
	size_t off = 12;
	uint8_t *a;

	memset(out, 0xff, 6);
	memcpy(out + 6, ifc->mac, 6);
	if (ifc->vlan_id) {
		mp_wr16(out + 12, 0x8100);
		mp_wr16(out + 14, ifc->vlan_id);
		off = 16;
	}
	mp_wr16(out + off, 0x0806);
	a = out + off + 2;
	mp_wr16(a, 1);          /* Ethernet */
	mp_wr16(a + 2, 0x0800); /* IPv4 */
	a[4] = 6;
	a[5] = 4;
	mp_wr16(a + 6, 1);      /* request */
	memcpy(a + 8, ifc->mac, 6);
	mp_wr16(a + 14, (uint16_t)(ifc->ip >> 16));
	mp_wr16(a + 16, (uint16_t)ifc->ip);
	memset(a + 18, 0, 6);
	mp_wr16(a + 24, (uint16_t)(target_ip >> 16));
	mp_wr16(a + 26, (uint16_t)target_ip);
	/* Pad to the Ethernet minimum (60 bytes before the FCS). */
	memset(a + 28, 0, 60 - (size_t)(a + 28 - out));
	return 60;
}
