/* dp_exception_port.c: makes the exception path's net_tap ports (kernel name, address, MAC) and takes them down. */
#include "dp_exception.h"
#include "endpoint.h"
#include "mp_error.h"
#include "mp_log.h"
#include "tap_host.h"

#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

/* The kernel must not send IPv6 (router solicitations, DAD) out of the appliance's port. */
static void disable_ipv6(const char *ifname)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	f = fopen(path, "w");
	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
}

static int exc_port_setup(struct mp_dp *dp, unsigned pi, char *err, size_t errcap)
{
	struct mp_dp_port *p = &dp->ports[pi];
	const uint8_t *mac = p->iface.mac;
	uint16_t nq = (uint16_t)dp->n_workers, rxd = MP_DP_EXC_DESC, txd = MP_DP_EXC_DESC;
	char vdev[64], args[192];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	char a[16];
	int rc;

	snprintf(p->exc_ifname, sizeof(p->exc_ifname), "%s%u", dp->conf.exception_tap, pi);
	if (mp_tap_host_exists(p->exc_ifname)) {
		snprintf(err, errcap, "exception path: interface %s already exists (another mediaplane? set exception_tap)",
			 p->exc_ifname);
		return MP_ERR_CONFIG;
	}
	snprintf(vdev, sizeof(vdev), "net_tap_%s", p->exc_ifname);
	/* The kernel side takes the port's MAC, so its frames leave with the appliance's address. */
	snprintf(args, sizeof(args), "%s,iface=%s,mac=%02x:%02x:%02x:%02x:%02x:%02x", vdev, p->exc_ifname, mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
	rc = rte_dev_probe(args);
	if (rc == 0)
		rc = rte_eth_dev_get_port_by_name(vdev, &p->exc_port_id);
	if (rc) {
		snprintf(err, errcap, "exception path: cannot create TAP %s: %s", p->exc_ifname, rte_strerror(-rc));
		return MP_ERR_NODEV;
	}
	rc = rte_eth_dev_info_get(p->exc_port_id, &info);
	if (rc == 0 && (nq > info.max_rx_queues || nq > info.max_tx_queues)) {
		snprintf(err, errcap, "exception path: TAP %s has %u queues, %u workers need one each", p->exc_ifname,
			 info.max_rx_queues, nq);
		return MP_ERR_CONFIG;
	}
	memset(&conf, 0, sizeof(conf));
	if (rc == 0)
		rc = rte_eth_dev_configure(p->exc_port_id, nq, nq, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->exc_port_id, &rxd, &txd);
	for (uint16_t q = 0; rc == 0 && q < nq; q++) {
		rc = rte_eth_rx_queue_setup(p->exc_port_id, q, rxd, rte_socket_id(), NULL, dp->pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(p->exc_port_id, q, txd, rte_socket_id(), NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(p->exc_port_id);
	if (rc) {
		snprintf(err, errcap, "exception path: TAP %s setup failed: %s", p->exc_ifname, rte_strerror(-rc));
		return MP_ERR_IO;
	}
	p->exc_started = true;
	disable_ipv6(p->exc_ifname);
	rc = mp_tap_host_configure(p->exc_ifname, p->iface.ip, p->iface.prefix, err, errcap);
	if (rc != MP_OK)
		return rc;
	mp_ipv4_format(p->iface.ip, a, sizeof(a));
	MP_INFO("exception path: port %u (%s) <-> kernel %s %s/%u, at most %u frames/s to the kernel", p->port_id,
		p->name, p->exc_ifname, a, p->iface.prefix, dp->conf.exception_rate);
	return MP_OK;
}

int mp_dp_exception_setup(struct mp_dp *dp, char *err, size_t errcap)
{
	if (!dp->conf.exception_path)
		return 0;
	for (unsigned pi = 0; pi < dp->n_ports; pi++)
		if (exc_port_setup(dp, pi, err, errcap) != MP_OK)
			return -1;
	return 0;
}

void mp_dp_exception_teardown(struct mp_dp *dp)
{
	for (unsigned pi = 0; pi < 2; pi++) {
		struct mp_dp_port *p = &dp->ports[pi];
		char name[RTE_ETH_NAME_MAX_LEN];

		if (!p->exc_ifname[0])
			continue;
		if (rte_eth_dev_get_name_by_port(p->exc_port_id, name) == 0 && !strncmp(name, "net_tap_", 8)) {
			if (p->exc_started)
				rte_eth_dev_stop(p->exc_port_id);

			struct rte_eth_dev_info info;
			struct rte_device *dev = NULL;

			if (rte_eth_dev_info_get(p->exc_port_id, &info) == 0)
				dev = info.device;
			rte_eth_dev_close(p->exc_port_id);
			if (dev)
				rte_dev_remove(dev);
		}
		p->exc_started = false;
		p->exc_ifname[0] = 0;
	}
}
