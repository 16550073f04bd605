/* dp_flow.c: rte_flow rules that send each worker's slice of NAT ports to that worker's queue, where the port has them. */
#include "dp_handoff.h"
#include "lb.h"
#include "mp_log.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_flow.h>

/* One rule: UDP to port ip, destination port lo..hi, to queue q (validated first, then created). */
static struct rte_flow *slice_rule(uint16_t port_id, uint32_t ip, uint16_t lo, uint16_t hi, uint16_t q, bool create,
				   struct rte_flow_error *e)
{
	struct rte_flow_attr attr = { .ingress = 1, .priority = 1 };
	struct rte_flow_item_ipv4 ip_spec = { .hdr.dst_addr = rte_cpu_to_be_32(ip) };
	struct rte_flow_item_ipv4 ip_mask = { .hdr.dst_addr = RTE_BE32(0xffffffff) };
	struct rte_flow_item_udp udp_spec = { .hdr.dst_port = rte_cpu_to_be_16(lo) };
	struct rte_flow_item_udp udp_last = { .hdr.dst_port = rte_cpu_to_be_16(hi) };
	struct rte_flow_item_udp udp_mask = { .hdr.dst_port = RTE_BE16(0xffff) };
	struct rte_flow_item pattern[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &ip_spec, .mask = &ip_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_UDP, .spec = &udp_spec, .last = &udp_last, .mask = &udp_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_action_queue queue = { .index = q };
	struct rte_flow_action actions[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &queue },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};

	if (!create)
		return rte_flow_validate(port_id, &attr, pattern, actions, e) == 0 ? (struct rte_flow *)1 : NULL;
	return rte_flow_create(port_id, &attr, pattern, actions, e);
}

/* The first and last port of NAT slice k (lb's slices), false when it is empty. */
static bool slice_bounds(const struct mp_dp *dp, unsigned k, uint16_t *lo, uint16_t *hi)
{
	bool any = false;

	for (uint32_t p = dp->conf.nat_port_min; p <= dp->conf.nat_port_max; p++)
		if (dp->nat_owner[p] == k && mp_lb_nat_slice_of(dp->lb, (uint16_t)p) == k) {
			if (!any)
				*lo = (uint16_t)p;
			*hi = (uint16_t)p;
			any = true;
		}
	return any;
}

void mp_dp_flow_steer(struct mp_dp *dp)
{
	struct rte_flow_error e;
	unsigned n = dp->n_workers;

	dp->flow_steered = false;
	/* In a fleet (docs/fleet.md) origins answer to the service address, and a worker's ports are one
	 * range per appliance's share: not steered, the software hand-off serves them. */
	if (n < 2 || !dp->lb || !dp->conf.nat_port_min || dp->conf.vlan_id || mp_lb_nat_slices(dp->lb) != n ||
	    dp->conf.fleet_nat)
		return;
	/* Every rule must be accepted, or none is made: the software hand-off then serves all. */
	for (int create = 0; create < 2; create++)
		for (unsigned pi = 0; pi < dp->n_ports; pi++)
			for (unsigned k = 0; k < n; k++) {
				uint16_t lo = 0, hi = 0;

				memset(&e, 0, sizeof(e));
				if (!slice_bounds(dp, k, &lo, &hi))
					continue;
				if (slice_rule(dp->ports[pi].port_id, dp->ports[pi].iface.ip, lo, hi, (uint16_t)k, create,
					       &e))
					continue;
				MP_INFO("data plane: port %s: no rte_flow steering of NAT ports %u-%u to queue %u (%s): "
					"return traffic on another queue is handed to its owner in software",
					dp->ports[pi].name, lo, hi, k, e.message ? e.message : "not supported");
				if (create)
					mp_dp_flow_clear(dp);
				return;
			}
	dp->flow_steered = true;
	MP_INFO("data plane: rte_flow steers each worker's NAT ports to its queue on %u port(s)", dp->n_ports);
}

void mp_dp_flow_clear(struct mp_dp *dp)
{
	struct rte_flow_error e;

	for (unsigned pi = 0; pi < dp->n_ports; pi++)
		if (dp->ports[pi].started)
			rte_flow_flush(dp->ports[pi].port_id, &e);
	dp->flow_steered = false;
}
