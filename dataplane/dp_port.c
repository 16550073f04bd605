/* dp_port.c: DPDK port discovery, configuration, start and stop for the data plane. */
#include "dp.h"
#include "dp_handoff.h"
#include "dp_exception.h"
#include "dp_pool.h"
#include "dp_srt.h"
#include "dp_v6client.h"
#include "endpoint.h"
#include "mp_error.h"
#include "mp_log.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

static int port_find(const char *name, uint16_t *port_id)
{
	uint16_t id;

	if (rte_eth_dev_get_port_by_name(name, &id) == 0) {
		*port_id = id;
		return MP_OK;
	}
	/* Accept a plain port number too, as testpmd does. */
	char *end;
	unsigned long n = strtoul(name, &end, 10);

	if (*name && !*end && n < RTE_MAX_ETHPORTS && rte_eth_dev_is_valid_port((uint16_t)n)) {
		*port_id = (uint16_t)n;
		return MP_OK;
	}
	return MP_ERR_NODEV;
}

/* The checksum offloads a port runs with, said once at start. */
static unsigned csum_bits(uint64_t v, uint64_t ipv4, uint64_t udp)
{
	return ((v & ipv4) ? 1u : 0u) | ((v & udp) ? 2u : 0u);
}

static void log_offloads(const struct mp_dp_port *p, uint64_t rx, uint64_t tx_capa, const char *why_not)
{
	static const char *const names[4] = { "none", "ipv4", "udp", "ipv4+udp" };
	unsigned r = csum_bits(rx, RTE_ETH_RX_OFFLOAD_IPV4_CKSUM, RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
	unsigned t = csum_bits(p->tx_offloads, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM, RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
	unsigned c = csum_bits(tx_capa, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM, RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
	const char *which = t == 3 ? NULL : !c ? "the port has none" : !t && why_not ? why_not : "the rest";

	MP_INFO("port %u (%s): checksum offload: RX %s, TX %s%s%s%s", p->port_id, p->name, names[r], names[t],
		which ? " (" : "", which ? which : "", which ? ": incremental update in software)" : "");
}

static int port_setup(struct mp_dp *dp, struct mp_dp_port *p, char *err, size_t errcap)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint16_t nq = (uint16_t)dp->n_workers, rxd = dp->conf.rx_desc, txd = dp->conf.tx_desc;
	int rc;

	if (port_find(p->name, &p->port_id) != MP_OK) {
		snprintf(err, errcap, "DPDK port '%s' not found (%u ports available; give it with -a or --vdev)",
			 p->name, rte_eth_dev_count_avail());
		return MP_ERR_NODEV;
	}
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc) {
		snprintf(err, errcap, "port %s: cannot get device info: %s", p->name, rte_strerror(-rc));
		return MP_ERR_NODEV;
	}
	if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
		snprintf(err, errcap, "port %s: %u workers need %u queues, the device has %u RX / %u TX",
			 p->name, nq, nq, info.max_rx_queues, info.max_tx_queues);
		return MP_ERR_CONFIG;
	}
	memset(&conf, 0, sizeof(conf));
	if (nq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	}
	/* RX checksum offload where the port has it: classify trusts its GOOD and drops its BAD. */
	conf.rxmode.offloads = info.rx_offload_capa & (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
	/* TX checksum offload likewise (unless tx_csum_offload = off): rewritten frames leave their
	 * checksums to the port (dp_txcsum.h); without it they are updated incrementally (rewrite.c). */
	const char *why_not = dp->conf.tx_csum_offload == MP_TXCSUM_OFF ? "tx_csum_offload = off"
			    : dp->conf.tx_csum_offload == MP_TXCSUM_AUTO && !strcmp(info.driver_name, "net_tap")
				? "tx_csum_offload = auto: net_tap's offload is a software sum" : NULL;
	if (why_not == NULL)
		conf.txmode.offloads = info.tx_offload_capa & (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
	rc = rte_eth_dev_configure(p->port_id, nq, nq, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &rxd, &txd);
	for (uint16_t q = 0; rc == 0 && q < nq; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, rxd, rte_eth_dev_socket_id(p->port_id), NULL, dp->pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(p->port_id, q, txd, rte_eth_dev_socket_id(p->port_id), NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(p->port_id);
	if (rc) {
		snprintf(err, errcap, "port %s: setup failed: %s", p->name, rte_strerror(-rc));
		return MP_ERR_IO;
	}
	p->started = true;
	p->tx_offloads = conf.txmode.offloads;
	log_offloads(p, conf.rxmode.offloads, info.tx_offload_capa, why_not);
	rte_eth_promiscuous_enable(p->port_id); /* some vdevs filter by MAC otherwise; failures are harmless */
	rte_eth_macaddr_get(p->port_id, &mac);
	memcpy(p->iface.mac, mac.addr_bytes, 6);
	if (!strcmp(info.driver_name, "net_tap") || rte_is_zero_ether_addr(&mac)) {
		/* A TAP port's MAC is the kernel interface's own: the appliance, on the far side of that
		 * virtual wire, takes a locally administered MAC made from its address (02:00:<ip>);
		 * so does a port with no MAC at all (net_ring). */
		uint32_t ip = p->iface.ip;
		uint8_t own[6] = { 0x02, 0x00, (uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8), (uint8_t)ip };

		memcpy(p->iface.mac, own, 6);
	}
	return MP_OK;
}

static void iface_fill(struct mp_iface *ifc, const struct mp_dp_conf *c, uint32_t ip, uint8_t prefix, uint32_t gw)
{
	ifc->ip = ip;
	ifc->prefix = prefix;
	ifc->gateway = gw;
	ifc->vlan_id = c->vlan_id;
	ifc->webrtc_port = c->webrtc_port;
	ifc->srt_port = c->srt_port;
	ifc->nat_port_min = c->nat_port_min;
	ifc->nat_port_max = c->nat_port_max;
}

/* A port's IPv6 address (none when ip6 is all zero). */
static void iface_fill6(struct mp_iface *ifc, const uint8_t ip6[16], uint8_t prefix6, const uint8_t gw6[16])
{
	static const uint8_t zero[16];

	if (!memcmp(ip6, zero, 16))
		return;
	memcpy(ifc->ip6, ip6, 16);
	memcpy(ifc->gateway6, gw6, 16);
	ifc->prefix6 = prefix6;
	ifc->has_ip6 = 1;
}

#define POOL_CACHE 256

/* The packet pool, sized from the configuration (dp_pool.h) unless conf->mbufs gives the size. */
static int pool_create(struct mp_dp *dp, const struct mp_dp_conf *conf, char *err, size_t errcap)
{
	bool two = conf->private_port[0] && strcmp(conf->private_port, conf->public_port);
	struct mp_dp_pool_need need = {
		.workers = dp->n_workers,
		.ports = two ? 2 : 1,
		.rx_desc = conf->rx_desc,
		.tx_desc = conf->tx_desc,
		.exc_ports = conf->exception_path ? (two ? 2 : 1) : 0,
		.exc_desc = MP_DP_EXC_DESC,
		/* an RX burst, TX batches to two ports and two TAPs, and the hand-off to the other workers
		 * (dp_handoff.c, NAT and SRT): frames staged for each and its rings to them */
		.worker_held = MP_BURST + 4 * MP_BURST +
			       (dp->n_workers > 1 ? (dp->n_workers - 1) * (MP_BURST + MP_DP_XFER_RING) : 0),
		.cache = POOL_CACHE,
	};
	unsigned sized = mp_dp_pool_size(&need), n = conf->mbufs ? conf->mbufs : sized;

	dp->pool = rte_pktmbuf_pool_create("mp_pkts", n, POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!dp->pool) {
		snprintf(err, errcap, "cannot create the mbuf pool (%u mbufs, %u MiB): %s", n,
			 (unsigned)((uint64_t)n * (RTE_MBUF_DEFAULT_BUF_SIZE + sizeof(struct rte_mbuf)) >> 20),
			 rte_strerror(rte_errno));
		return MP_ERR_NOMEM;
	}
	MP_INFO("mbuf pool: %u mbufs%s (%u workers x %u ports x (%u RX + %u TX descriptors) + %u exception TAPs + "
		"%u per worker + %u per-lcore caches, + 1/8: %u)", n, conf->mbufs ? " as configured" : "",
		need.workers, need.ports, need.rx_desc, need.tx_desc, need.exc_ports, need.worker_held, need.cache,
		sized);
	if (conf->mbufs && conf->mbufs < mp_dp_pool_held(&need))
		MP_WARN("mbufs = %u is below the %llu this configuration can hold at once: RX may starve under load",
			conf->mbufs, mp_dp_pool_held(&need));
	return MP_OK;
}

/* The kernel picks its own UDP source ports (DNS, NTP from the exception path's TAP, which shares the
 * appliance's address) in ip_local_port_range: a NAT range overlapping it could take a reply meant
 * for the kernel when it comes from an origin endpoint a session uses. Said once at start. */
static void check_ephemeral(const struct mp_dp_conf *c)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	unsigned lo, hi;

	if (!f)
		return;
	if (fscanf(f, "%u %u", &lo, &hi) == 2 && c->nat_port_min && c->nat_port_min <= hi && c->nat_port_max >= lo)
		MP_WARN("NAT ports %u-%u overlap the kernel's ephemeral ports %u-%u (ip_local_port_range): a reply to "
			"the kernel's own UDP from an origin endpoint may be taken for a session; the default 20480-32767 "
			"stays below them", c->nat_port_min, c->nat_port_max, lo, hi);
	fclose(f);
}

int mp_dp_init(struct mp_dp *dp, const struct mp_dp_conf *conf, char *err, size_t errcap)
{
	unsigned lcore;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	memset(dp, 0, sizeof(*dp));
	check_ephemeral(conf);
	dp->conf = *conf;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (dp->n_workers == conf->workers)
			break;
		dp->workers[dp->n_workers].dp = dp;
		dp->workers[dp->n_workers].lcore_id = lcore;
		dp->workers[dp->n_workers].queue = (uint16_t)dp->n_workers;
		dp->workers[dp->n_workers].reader_id = MP_DP_READER_FIRST + dp->n_workers;
		dp->n_workers++;
	}
	if (dp->n_workers < conf->workers) {
		snprintf(err, errcap, "workers = %u needs %u lcores (main + workers); EAL has %u (give -l)",
			 conf->workers, conf->workers + 1, rte_lcore_count());
		return MP_ERR_CONFIG;
	}
	if (pool_create(dp, conf, err, errcap) != MP_OK)
		return MP_ERR_NOMEM;
	snprintf(dp->ports[0].name, sizeof(dp->ports[0].name), "%s", conf->public_port);
	iface_fill(&dp->ports[0].iface, conf, conf->public_ip, conf->public_prefix, conf->public_gateway);
	dp->ports[0].iface.service_ip = conf->service_ip;
	iface_fill6(&dp->ports[0].iface, conf->public_ip6, conf->public_prefix6, conf->public_gateway6);
	dp->n_ports = 1;
	if (conf->private_port[0] && strcmp(conf->private_port, conf->public_port)) {
		snprintf(dp->ports[1].name, sizeof(dp->ports[1].name), "%s", conf->private_port);
		iface_fill(&dp->ports[1].iface, conf, conf->private_ip, conf->private_prefix, conf->private_gateway);
		iface_fill6(&dp->ports[1].iface, conf->private_ip6, conf->private_prefix6, conf->private_gateway6);
		dp->n_ports = 2;
	}
	for (unsigned i = 0; i < dp->n_ports; i++) {
		struct mp_dp_port *p = &dp->ports[i];
		struct rte_ether_addr ea;
		struct rte_eth_link link;
		char arp_name[32], a4[16];
		int rc;

		snprintf(arp_name, sizeof(arp_name), "mp_arp%u", i);
		if (mp_arp_cache_init(&p->arp, arp_name, 16384, 300000, 1000) != MP_OK) {
			snprintf(err, errcap, "cannot create the ARP cache of port %s", p->name);
			return MP_ERR_NOMEM;
		}
		snprintf(arp_name, sizeof(arp_name), "mp_nd%u", i);
		if (p->iface.has_ip6 && mp_arp_cache_init(&p->nd, arp_name, 16384, 300000, 1000) != MP_OK) {
			snprintf(err, errcap, "cannot create the IPv6 neighbour cache of port %s", p->name);
			return MP_ERR_NOMEM;
		}
		rc = port_setup(dp, p, err, errcap);
		if (rc != MP_OK)
			return rc;
		memcpy(ea.addr_bytes, p->iface.mac, 6);
		rte_ether_format_addr(mac, sizeof(mac), &ea);
		rte_eth_link_get_nowait(p->port_id, &link);
		mp_ipv4_format(p->iface.ip, a4, sizeof(a4));
		MP_INFO("port %u (%s): %s %s/%u mac %s, %u queue(s), link %s %u Mbps", p->port_id, p->name,
			i == 0 ? (dp->n_ports == 1 ? "public+private" : "public") : "private", a4, p->iface.prefix, mac,
			dp->n_workers, link.link_status ? "up" : "down", link.link_speed);
		if (p->iface.has_ip6) {
			char a6[INET6_ADDRSTRLEN], g6[INET6_ADDRSTRLEN];

			inet_ntop(AF_INET6, p->iface.ip6, a6, sizeof(a6));
			inet_ntop(AF_INET6, p->iface.gateway6, g6, sizeof(g6));
			MP_INFO("port %u (%s): IPv6 %s/%u gateway %s", p->port_id, p->name, a6, p->iface.prefix6, g6);
		}
	}
	if ((dp->ports[0].iface.has_ip6 || (dp->n_ports > 1 && dp->ports[1].iface.has_ip6)) &&
	    mp_dp_v6c_init(dp, err, errcap) != MP_OK)
		return MP_ERR_NOMEM;
	if (mp_dp_exception_setup(dp, err, errcap))
		return MP_ERR_IO;
	return MP_OK;
}

void mp_dp_stop_workers(struct mp_dp *dp)
{
	dp->running = false;
	for (unsigned i = 0; i < dp->n_launched; i++)
		rte_eal_wait_lcore(dp->workers[i].lcore_id);
	dp->n_launched = 0;
}

void mp_dp_stop(struct mp_dp *dp)
{
	mp_dp_stop_workers(dp);
	mp_dp_end_driven(dp);
	mp_dp_exception_teardown(dp);
	mp_dp_srt_free(dp);
	mp_dp_guard_free(dp);
	mp_dp_flow_clear(dp);
	mp_dp_handoff_free(dp);
	mp_dp_v6c_free(dp);
	for (unsigned i = 0; i < dp->n_ports; i++) {
		struct mp_dp_port *p = &dp->ports[i];

		if (p->started) {
			rte_eth_dev_stop(p->port_id);
			rte_eth_dev_close(p->port_id);
			p->started = false;
		}
		if (p->arp.e)
			mp_arp_cache_free(&p->arp);
		if (p->nd.e)
			mp_arp_cache_free(&p->nd);
	}
	dp->n_ports = 0;
	if (dp->pool) {
		rte_mempool_free(dp->pool);
		dp->pool = NULL;
	}
}

void mp_dp_stats_sum(const struct mp_dp *dp, struct mp_dp_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned i = 0; i < dp->n_workers; i++)
		mp_dp_stats_add(sum, &dp->workers[i].stats);
}
