/* arp_cache.h: next-hop MAC resolution shared by all worker lcores (lock-free rte_hash, RFC 826). */
#ifndef MP_ARP_CACHE_H
#define MP_ARP_CACHE_H

#include <stdbool.h>
#include <stdint.h>

struct rte_hash;

struct mp_arp_entry {
	uint64_t mac;          /* 48-bit MAC in the low bits, bit 63 set when valid; one atomic word */
	uint64_t updated_ms;   /* when the MAC was last learned */
	uint64_t requested_ms; /* when we last asked (rate limit) */
};

struct mp_arp_cache {
	struct rte_hash *h;    /* IPv4 (host order) -> index into e[] */
	struct mp_arp_entry *e;
	uint32_t capacity;
	uint32_t expiry_ms;    /* a MAC older than this is re-resolved */
	uint32_t retry_ms;     /* at most one request per address per retry_ms */
	uint64_t full;         /* learns refused because the table is full (relaxed counter) */
};

/* name must be unique per process (rte_hash names are global). Returns 0 or a negative mp_err. */
int mp_arp_cache_init(struct mp_arp_cache *c, const char *name, uint32_t capacity, uint32_t expiry_ms,
		      uint32_t retry_ms);
void mp_arp_cache_free(struct mp_arp_cache *c);

/* Learn or refresh ip -> mac (any lcore, lock-free). */
int mp_arp_cache_learn(struct mp_arp_cache *c, uint32_t ip, const uint8_t mac[6], uint64_t now_ms);
/* Fresh MAC for ip: MP_OK and mac filled; MP_ERR_NOTFOUND when unknown or expired. */
int mp_arp_cache_lookup(struct mp_arp_cache *c, uint32_t ip, uint8_t mac[6], uint64_t now_ms);
/* Should the caller send an ARP request for ip now? True at most once per retry_ms per address
 * (an atomic claim, so two lcores never both ask). */
bool mp_arp_cache_should_request(struct mp_arp_cache *c, uint32_t ip, uint64_t now_ms);

/* Next hop for dst on a subnet ip/prefix with gateway gw (0: none); 0 when unreachable. */
static inline uint32_t mp_next_hop(uint32_t dst, uint32_t ip, uint8_t prefix, uint32_t gw)
{
	uint32_t mask = prefix ? ~0u << (32 - prefix) : 0;

	return (dst & mask) == (ip & mask) ? dst : gw;
}

#endif
