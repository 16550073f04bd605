/* dp_v6client.c: the IPv6 client table (stand-in IPv4 addresses) and the translation at the data plane's edges. */
#include "dp_v6client.h"
#include "dp.h"
#include "dp_media.h"
#include "ipv6.h"
#include "lb.h"
#include "mp_error.h"
#include "rewrite.h"

#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#define LD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define ST(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

int mp_dp_v6c_init(struct mp_dp *dp, char *err, size_t errcap)
{
	static unsigned seq;
	struct mp_dp_v6c *t;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.entries = MP_DP_V6C_CAPACITY,
		.key_len = 16,
		.hash_func = rte_hash_crc,
		.socket_id = SOCKET_ID_ANY,
		/* deleted keys keep their slot until freed (rte_hash_free_key_with_position) */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD |
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	snprintf(name, sizeof(name), "mp_v6c%u", __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	hp.name = name;
	t = rte_zmalloc("mp_v6c", sizeof(*t), 64);
	if (!t)
		goto nomem;
	dp->v6c = t;
	t->h = rte_hash_create(&hp);
	if (!t->h)
		goto nomem;
	t->n_slots = (uint32_t)rte_hash_max_key_id(t->h) + 1;
	t->addr = rte_zmalloc("mp_v6c_addr", (size_t)t->n_slots * 16, 64);
	t->used_ms = rte_zmalloc("mp_v6c_used", (size_t)t->n_slots * 8, 64);
	t->dead_ms = rte_zmalloc("mp_v6c_dead", (size_t)t->n_slots * 8, 64);
	/* client stand-ins stay below the origins' (lb.h MP_LB_ORIGIN6_NET) */
	if (!t->addr || !t->used_ms || !t->dead_ms || t->n_slots >= MP_LB_ORIGIN6_NET)
		goto nomem;
	return MP_OK;
nomem:
	snprintf(err, errcap, "cannot create the IPv6 client table (%u clients): %s", MP_DP_V6C_CAPACITY,
		 rte_strerror(rte_errno));
	mp_dp_v6c_free(dp);
	return MP_ERR_NOMEM;
}

/* mp_lb_client6_fn: read only (a log line does not keep a stand-in alive). */
static bool client6_addr(void *ctx, uint32_t ip, uint8_t a[16])
{
	const struct mp_dp_v6c *t = ctx;
	uint32_t k = ip - 1;

	if (!mp_lb_is_standin(ip) || mp_lb_origin6_is_standin(ip) || k >= t->n_slots || !LD(&t->used_ms[k]))
		return false;
	memcpy(a, t->addr[k], 16);
	return true;
}

void mp_dp_v6c_attach(struct mp_dp *dp)
{
	if (dp->v6c && dp->lb)
		mp_lb_set_client6(dp->lb, client6_addr, dp->v6c);
}

void mp_dp_v6c_free(struct mp_dp *dp)
{
	struct mp_dp_v6c *t = dp->v6c;

	if (!t)
		return;
	if (dp->lb)
		mp_lb_set_client6(dp->lb, NULL, NULL);
	rte_hash_free(t->h);
	rte_free(t->addr);
	rte_free(t->used_ms);
	rte_free(t->dead_ms);
	rte_free(t);
	dp->v6c = NULL;
}

/* Mark slot k used now (once a second); false when the sweeper is giving it back: the sweeper sets
 * dead_ms then re-reads used_ms, this stores used_ms then reads dead_ms, each with a full fence
 * between, so at least one of them sees the other. */
static inline bool touch(struct mp_dp_v6c *t, uint32_t k, uint64_t now_ms)
{
	if (likely(LD(&t->used_ms[k]) / 1000 == now_ms / 1000))
		return true;
	ST(&t->used_ms[k], now_ms ? now_ms : 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return LD(&t->dead_ms[k]) == 0;
}

uint32_t mp_dp_v6c_alias(struct mp_dp *dp, const uint8_t addr[16], uint64_t now_ms)
{
	struct mp_dp_v6c *t = dp->v6c;
	uint64_t key[2]; /* rte_hash_crc reads 8 bytes at a time: an aligned copy of the frame's bytes */
	const uint8_t *a = (const uint8_t *)key;
	int32_t k;

	if (unlikely(!t))
		return 0;
	memcpy(key, addr, sizeof(key));
	k = rte_hash_lookup(t->h, a);
	if (unlikely(k < 0)) {
		k = rte_hash_add_key(t->h, a);
		if (k < 0 || (uint32_t)k >= t->n_slots)
			return 0;
		/* a new slot (or one another worker just made for the same address: the same bytes) */
		memcpy(t->addr[k], a, 16);
		__atomic_store_n(&t->dead_ms[k], 0, __ATOMIC_RELEASE);
	}
	if (unlikely(!touch(t, (uint32_t)k, now_ms)))
		return 0;
	return (uint32_t)k + 1;
}

const uint8_t *mp_dp_v6c_addr(struct mp_dp *dp, uint32_t ip, uint64_t now_ms)
{
	struct mp_dp_v6c *t = dp->v6c;
	uint32_t k = ip - 1;

	if (mp_lb_origin6_is_standin(ip))
		return dp->lb ? mp_lb_origin6_addr(dp->lb, ip) : NULL;
	if (unlikely(!t || !mp_lb_is_standin(ip) || k >= t->n_slots || !LD(&t->used_ms[k])))
		return NULL;
	if (unlikely(!touch(t, k, now_ms)))
		return NULL;
	return t->addr[k];
}

void mp_dp_v6c_sweep(struct mp_dp *dp, uint64_t now_ms)
{
	struct mp_dp_v6c *t = dp->v6c;

	if (!t || now_ms < t->next_sweep_ms)
		return;
	t->next_sweep_ms = now_ms + MP_DP_V6C_SWEEP_MS;
	for (unsigned i = 0; i < MP_DP_V6C_SWEEP_BUDGET; i++) {
		uint32_t k = t->sweep_at++ % t->n_slots;
		uint64_t used = LD(&t->used_ms[k]), dead = LD(&t->dead_ms[k]);

		if (!used)
			continue;
		if (dead) {
			/* removed from the hash a grace ago: no worker still holds the slot from a lookup */
			if (now_ms - dead >= MP_DP_V6C_GRACE_MS) {
				ST(&t->used_ms[k], 0);
				rte_hash_free_key_with_position(t->h, (int32_t)k);
			}
			continue;
		}
		if (now_ms < used || now_ms - used < MP_DP_V6C_IDLE_MS)
			continue;
		ST(&t->dead_ms[k], now_ms ? now_ms : 1);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (now_ms - LD(&t->used_ms[k]) < MP_DP_V6C_IDLE_MS) {
			ST(&t->dead_ms[k], 0); /* used meanwhile */
			continue;
		}
		rte_hash_del_key(t->h, t->addr[k]);
		t->reclaimed++;
	}
}

/* The classified UDP/IPv6 frame m becomes UDP/IPv4 from src to the port's IPv4 address, in place. */
static void to_ipv4(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, struct mp_pkt *pkt, uint32_t src)
{
	size_t shift = mp_udp6_to_4(rte_pktmbuf_mtod(m, uint8_t *), pkt, src, w->dp->ports[pi].iface.ip);

	rte_pktmbuf_adj(m, (uint16_t)shift);
	/* what follows the UDP datagram (Ethernet padding) is not carried */
	if (rte_pktmbuf_data_len(m) > (size_t)pkt->payload_off + pkt->payload_len)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - pkt->payload_off - pkt->payload_len));
	w->stats.ip6_translated_in++;
}

bool mp_dp_v6_ingress(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, struct mp_pkt *pkt, uint64_t now_ms)
{
	uint32_t alias = mp_dp_v6c_alias(w->dp, rte_pktmbuf_mtod(m, uint8_t *) + pkt->l3_off + 8, now_ms);

	if (unlikely(!alias)) {
		mp_dp_drop(w, m, MP_DROP_IP6_CLIENTS_FULL);
		return false;
	}
	to_ipv4(w, pi, m, pkt, alias);
	return true;
}

bool mp_dp_v6_origin_ingress(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, struct mp_pkt *pkt)
{
	uint32_t standin = w->dp->lb ? mp_lb_origin6_standin(w->dp->lb, rte_pktmbuf_mtod(m, uint8_t *) + pkt->l3_off + 8) : 0;

	if (unlikely(!standin)) {
		pkt->drop = MP_DROP_UDP_PORT;
		mp_dp_exception_rx(w, pi, m, pkt, w->turn_ms);
		return false;
	}
	to_ipv4(w, pi, m, pkt, standin);
	return true;
}

void mp_dp_tx_udp6(struct mp_dp_worker *w, unsigned pi, struct rte_mbuf *m, uint64_t now_ms)
{
	struct mp_dp *dp = w->dp;
	const struct mp_iface *ifc = &dp->ports[pi].iface;
	size_t l3 = ifc->vlan_id ? 18 : 14, len;
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *), mac[6];
	uint32_t dst = mp_rd32(f + l3 + 16);
	const uint8_t *dst6;
	unsigned p6 = pi;

	if (!dp->ports[p6].iface.has_ip6)
		p6 = 0;
	ifc = &dp->ports[p6].iface;
	dst6 = mp_dp_v6c_addr(dp, dst, now_ms);
	if (unlikely(!dst6)) {
		mp_dp_drop(w, m, MP_DROP_NO_SESSION);
		return;
	}
	if (unlikely(mp_dp_resolve6(dp, w, p6, dst6, mac, now_ms) != MP_OK)) {
		mp_dp_drop(w, m, MP_DROP_NO_NEXTHOP);
		return;
	}
	f = (uint8_t *)rte_pktmbuf_prepend(m, 20);
	if (unlikely(!f)) {
		mp_dp_drop(w, m, MP_DROP_TX_FULL);
		return;
	}
	len = mp_udp4_to_6(f, l3, ifc->ip6, dst6);
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	memcpy(f, mac, 6);
	memcpy(f + 6, ifc->mac, 6);
	w->stats.ip6_translated_out++;
	mp_dp_tx(w, p6, m);
}
