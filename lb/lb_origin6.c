/* lb_origin6.c: stand-in IPv4 addresses (0.255.0.0/16) for IPv6 origin endpoints, so SRT and WebRTC sessions towards them stay IPv4. */
#include <rte_malloc.h>

#include <stdio.h>

#include "endpoint.h"
#include "lb_internal.h"
#include "mp_error.h"
#include "mp_log.h"

/* Slots: the stand-in of slot k is MP_LB_ORIGIN6_NET | (k + 1). Written under origins.wlock only
 * (registrations, removals); the data plane reads o6 (address -> slot) and o6_addr lock-free. A slot
 * whose last origin endpoint went keeps its address (late datagrams of its sessions still translate;
 * the same address registering again gets it back) and is given to another address only
 * MP_LB_ORIGIN6_QUIET_MS after it was first found unused, by then far past any session naming it. */

int mp_lb_origin6_init(struct mp_lb *lb)
{
	uint32_t cap = lb->cfg.max_origins * 2u;

	if (cap > MP_LB_ORIGIN6_MAX)
		cap = MP_LB_ORIGIN6_MAX;
	if (cap < 16)
		cap = 16;
	if (mp_lb_table_create(lb, &lb->o6, "o6", cap, 16, false) != MP_OK)
		return MP_ERR_NOMEM;
	lb->o6_addr = rte_zmalloc_socket("mp_lb_o6addr", (size_t)cap * 16, 64, lb->cfg.socket_id);
	lb->o6_refs = rte_zmalloc_socket("mp_lb_o6refs", (size_t)cap * sizeof(*lb->o6_refs), 0, lb->cfg.socket_id);
	lb->o6_free_ms = rte_zmalloc_socket("mp_lb_o6free", (size_t)cap * sizeof(*lb->o6_free_ms), 0, lb->cfg.socket_id);
	lb->o6_used = rte_zmalloc_socket("mp_lb_o6used", cap, 0, lb->cfg.socket_id);
	if (!lb->o6_addr || !lb->o6_refs || !lb->o6_free_ms || !lb->o6_used) {
		MP_ERR("lb: out of memory for %u IPv6 origin addresses", cap);
		return MP_ERR_NOMEM;
	}
	lb->o6_cap = cap;
	return MP_OK;
}

void mp_lb_origin6_fini(struct mp_lb *lb)
{
	rte_free(lb->o6_addr);
	rte_free(lb->o6_refs);
	rte_free(lb->o6_free_ms);
	rte_free(lb->o6_used);
	lb->o6_addr = NULL;
	lb->o6_refs = NULL;
	lb->o6_free_ms = NULL;
	lb->o6_used = NULL;
	mp_lb_table_free(&lb->o6);
}

static int32_t o6_lookup(struct mp_lb *lb, const uint8_t ip6[16])
{
	uint64_t key[2]; /* rte_hash_crc reads 8 bytes at a time: an aligned copy */
	void *data;

	if (lb->o6.h == NULL)
		return -1;
	memcpy(key, ip6, sizeof(key));
	if (rte_hash_lookup_data(lb->o6.h, key, &data) < 0)
		return -1;
	return (int32_t)mp_lb_p2u(data);
}

/* A slot for a new address: a never used one, else one unused for the quiet period (stamped the
 * first time a scan finds it unused). -1 when none. */
static int32_t o6_free_slot(struct mp_lb *lb, uint64_t now)
{
	int32_t best = -1;

	if (lb->o6_fresh < lb->o6_cap)
		return (int32_t)lb->o6_fresh++;
	for (uint32_t k = 0; k < lb->o6_cap; k++) {
		if (lb->o6_refs[k])
			continue;
		if (!lb->o6_free_ms[k]) {
			lb->o6_free_ms[k] = now ? now : 1;
			continue;
		}
		if (best < 0 && now >= lb->o6_free_ms[k] && now - lb->o6_free_ms[k] >= MP_LB_ORIGIN6_QUIET_MS)
			best = (int32_t)k;
	}
	return best;
}

/* The stand-in of ip6, held once more; 0 when the table is full. Under origins.wlock. */
static uint32_t o6_take(struct mp_lb *lb, const uint8_t ip6[16], uint64_t now)
{
	uint64_t key[2];
	int32_t k = o6_lookup(lb, ip6);

	if (k < 0) {
		k = o6_free_slot(lb, now);
		if (k < 0) {
			MP_WARN("lb: no stand-in address left for an IPv6 origin (%u in use or quiet)", lb->o6_cap);
			return 0;
		}
		if (__atomic_load_n(&lb->o6_used[k], __ATOMIC_RELAXED)) {
			/* unused for the quiet period: no session names it any more */
			memcpy(key, lb->o6_addr[k], sizeof(key));
			rte_hash_del_key(lb->o6.h, key);
			atomic_fetch_sub_explicit(&lb->o6.count, 1, memory_order_relaxed);
		}
		memcpy(lb->o6_addr[k], ip6, 16);
		__atomic_store_n(&lb->o6_used[k], 1, __ATOMIC_RELEASE);
		memcpy(key, ip6, sizeof(key));
		if (rte_hash_add_key_data(lb->o6.h, key, mp_lb_u2p((uint64_t)k)) != 0) {
			__atomic_store_n(&lb->o6_used[k], 0, __ATOMIC_RELEASE);
			lb->o6_free_ms[k] = 0;
			return 0;
		}
		atomic_fetch_add_explicit(&lb->o6.count, 1, memory_order_relaxed);
	}
	lb->o6_refs[k]++;
	lb->o6_free_ms[k] = 0;
	return MP_LB_ORIGIN6_NET | (uint32_t)(k + 1);
}

static void o6_give(struct mp_lb *lb, uint32_t standin)
{
	uint32_t k = (standin & 0xffffu) - 1;

	if (mp_lb_origin6_is_standin(standin) && k < lb->o6_cap && lb->o6_refs[k])
		lb->o6_refs[k]--;
}

/* The media protocols the data plane carries: the row of o->standin, -1 for the others. */
static int media_row(int p)
{
	return p == MP_PROTO_SRT ? 0 : p == MP_PROTO_RTC ? 1 : -1;
}

void mp_lb_origin6_hold(struct mp_lb *lb, struct mp_lb_origin *o, uint64_t now)
{
	for (int p = 0; p < MP_PROTO__COUNT; p++) {
		int r = media_row(p);

		for (unsigned i = 0; r >= 0 && i < o->n_ep[p]; i++) {
			const struct mp_endpoint *ep = &o->ep[p][i];

			if (ep->v6)
				o->standin[r][i] = o6_take(lb, ep->ip6, now);
			else if (!ep->ipv4 && o->ip_v6)
				o->standin[r][i] = o6_take(lb, o->ip6, now);
		}
	}
}

void mp_lb_origin6_release(struct mp_lb *lb, const struct mp_lb_origin *o)
{
	for (int r = 0; r < 2; r++)
		for (unsigned i = 0; i < MP_REG_MAX_ENDPOINTS; i++)
			if (o->standin[r][i])
				o6_give(lb, o->standin[r][i]);
}

uint32_t mp_lb_origin6_standin_of(const struct mp_lb_origin *o, enum mp_reg_proto p, unsigned int i)
{
	int r = media_row(p);

	return r >= 0 && i < MP_REG_MAX_ENDPOINTS ? o->standin[r][i] : 0;
}

uint32_t mp_lb_origin6_standin(struct mp_lb *lb, const uint8_t ip6[16])
{
	int32_t k = o6_lookup(lb, ip6);

	return k < 0 ? 0 : MP_LB_ORIGIN6_NET | (uint32_t)(k + 1);
}

const uint8_t *mp_lb_origin6_addr(struct mp_lb *lb, uint32_t standin)
{
	uint32_t k = (standin & 0xffffu) - 1;

	if (!mp_lb_origin6_is_standin(standin) || k >= lb->o6_cap || !__atomic_load_n(&lb->o6_used[k], __ATOMIC_ACQUIRE))
		return NULL;
	return lb->o6_addr[k];
}

int mp_lb_addr_text(struct mp_lb *lb, uint32_t ip, char *out, size_t cap)
{
	const uint8_t *a = lb && mp_lb_origin6_is_standin(ip) ? mp_lb_origin6_addr(lb, ip) : NULL;
	char t[MP_LB_ADDR_TEXT_MAX];
	uint8_t c6[16];

	if (!a && lb && mp_lb_is_standin(ip) && lb->client6 && lb->client6(lb->client6_ctx, ip, c6))
		a = c6;
	if (a && mp_ipv6_format(a, t, sizeof(t)) > 0)
		return snprintf(out, cap, "[%s]", t);
	return mp_ipv4_format(ip, out, cap);
}

void mp_lb_set_client6(struct mp_lb *lb, mp_lb_client6_fn fn, void *ctx)
{
	lb->client6 = fn;
	lb->client6_ctx = ctx;
}
