/* arp_cache.h: next-hop MAC resolution shared by all worker lcores (lock-free readers): the ARP table
 * (RFC 826) and, with the same structure keyed by IPv6 addresses, the neighbour cache (RFC 4861). */
#ifndef MP_ARP_CACHE_H
#define MP_ARP_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_spinlock.h>

/* One neighbour. Readers take key and mac without a lock; a writer reusing the slot for another
 * address first invalidates mac, then changes key, then sets mac, so a reader that sees its own key
 * after the mac also saw that address's mac (or an invalid one); a key read half old, half new
 * fails that second comparison once the mac is valid again. */
struct mp_arp_entry {
	uint64_t key[2];       /* the address: IPv4 in key[1] (key[0] 0), IPv6 as two big-endian halves; 0: free */
	uint64_t mac;          /* 48-bit MAC in the low bits, bit 63 set when valid; one atomic word */
	uint64_t updated_ms;   /* when the MAC was last learned */
	uint64_t requested_ms; /* when we last asked (rate limit) */
	uint64_t used_ms;      /* last lookup or creation, to the second (LRU eviction) */
};

#define MP_ARP_WAYS 8      /* entries per bucket: an address lives in the bucket its hash names */

struct mp_arp_cache {
	struct mp_arp_entry *e;  /* n_buckets x MP_ARP_WAYS */
	uint32_t n_buckets;      /* a power of two */
	uint32_t expiry_ms;      /* a MAC older than this is not used (re-resolved) */
	uint32_t refresh_ms;     /* a MAC older than this is still used, and asked for again */
	uint32_t retry_ms;       /* at most one request per address per retry_ms */
	rte_spinlock_t wlock;    /* creating or evicting an entry (rare); updates are lock-free */
	uint64_t evicted;        /* entries given to another address (relaxed counters) */
	uint64_t unsolicited;    /* ARP replies for addresses we had not asked about, ignored */
};

/* Room for at least capacity neighbours (rounded up to a power of two of buckets): when a bucket is
 * full the least recently used entry goes. name labels the memory. Returns 0 or a negative mp_err. */
int mp_arp_cache_init(struct mp_arp_cache *c, const char *name, uint32_t capacity, uint32_t expiry_ms,
		      uint32_t retry_ms);
void mp_arp_cache_free(struct mp_arp_cache *c);

/* Learn or refresh ip -> mac, creating the entry if needed (any lcore): for a peer that proved
 * itself (an ARP request for our address, a verified SRT handshake) and for tests. */
int mp_arp_cache_learn(struct mp_arp_cache *c, uint32_t ip, const uint8_t mac[6], uint64_t now_ms);
/* An ARP reply: sets ip -> mac only while a request we sent for ip is unanswered; MP_ERR_NOTFOUND
 * (counted as unsolicited) otherwise, and nothing is created or changed. */
int mp_arp_cache_reply(struct mp_arp_cache *c, uint32_t ip, const uint8_t mac[6], uint64_t now_ms);
/* MAC for ip: MP_OK and mac filled; *refresh set when it is older than refresh_ms (use it, and ask
 * again: mp_arp_cache_should_request); MP_ERR_NOTFOUND when unknown or older than expiry_ms. */
int mp_arp_cache_lookup(struct mp_arp_cache *c, uint32_t ip, uint8_t mac[6], uint64_t now_ms, bool *refresh);
/* Should the caller send an ARP request for ip now? True at most once per retry_ms per address
 * (an atomic claim, so two lcores never both ask). Makes the entry (we asked) if there is none. */
bool mp_arp_cache_should_request(struct mp_arp_cache *c, uint32_t ip, uint64_t now_ms);

/* The same table keyed by IPv6 addresses: a port's neighbour cache (RFC 4861 section 5.1), a table
 * of its own (mp_arp_cache_init). learn: a neighbour solicitation for our address with a source
 * link-layer address (section 7.2.3); reply: a neighbour advertisement, taken only while our
 * solicitation is unanswered; lookup and should_request as for IPv4 (stale-while-probing). The
 * unspecified address (::) is never an entry. */
int mp_nd_cache_learn(struct mp_arp_cache *c, const uint8_t ip6[16], const uint8_t mac[6], uint64_t now_ms);
int mp_nd_cache_reply(struct mp_arp_cache *c, const uint8_t ip6[16], const uint8_t mac[6], uint64_t now_ms);
int mp_nd_cache_lookup(struct mp_arp_cache *c, const uint8_t ip6[16], uint8_t mac[6], uint64_t now_ms, bool *refresh);
bool mp_nd_cache_should_request(struct mp_arp_cache *c, const uint8_t ip6[16], uint64_t now_ms);

/* Next hop for dst on a subnet ip/prefix with gateway gw (0: none); 0 when unreachable. */
static inline uint32_t mp_next_hop(uint32_t dst, uint32_t ip, uint8_t prefix, uint32_t gw)
{
	uint32_t mask = prefix ? ~0u << (32 - prefix) : 0;

	return (dst & mask) == (ip & mask) ? dst : gw;
}

#endif
