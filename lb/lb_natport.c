/* lb_natport.c: NAT port allocator over a configured range; a freed port waits a quiet period. */
#include <rte_malloc.h>

#include "lb_internal.h"
#include "mp_error.h"
#include "mp_log.h"

/* Ports sit in a FIFO in the order they were freed, so the head is always the port that has been
 * quiet longest: if the head is not quiet enough, none is. Late packets from an old session's
 * origin then never reach the next client given the same port. All calls under sess.wlock. */

uint16_t mp_lb_natport_take(struct mp_lb *lb, uint64_t now)
{
	if (lb->nat_count == 0)
		return 0;
	const struct mp_lb_natport_slot *e = &lb->nat_fifo[lb->nat_head];
	if (e->freed_ms != MP_LB_NEVER && (now < e->freed_ms || now - e->freed_ms < lb->cfg.nat_quiet_ms))
		return 0;
	uint16_t port = e->port;
	lb->nat_head = (lb->nat_head + 1) % lb->nat_size;
	lb->nat_count--;
	return port;
}

void mp_lb_natport_give(struct mp_lb *lb, uint16_t port, uint64_t freed_ms)
{
	if (port == 0 || lb->nat_count >= lb->nat_size)
		return;
	uint32_t tail = (lb->nat_head + lb->nat_count) % lb->nat_size;
	lb->nat_fifo[tail].port = port;
	lb->nat_fifo[tail].freed_ms = freed_ms;
	lb->nat_count++;
}

int mp_lb_natport_init(struct mp_lb *lb)
{
	lb->natport = rte_zmalloc_socket("mp_lb_natport", sizeof(*lb->natport) * 65536, RTE_CACHE_LINE_SIZE,
					 lb->cfg.socket_id);
	if (lb->natport == NULL)
		return MP_ERR_NOMEM;
	if (lb->cfg.nat_port_min == 0)
		return MP_OK; /* NAT ports disabled */
	lb->nat_size = (uint32_t)lb->cfg.nat_port_max - lb->cfg.nat_port_min + 1;
	lb->nat_fifo = rte_zmalloc_socket("mp_lb_natfifo", sizeof(*lb->nat_fifo) * lb->nat_size, 0,
					  lb->cfg.socket_id);
	if (lb->nat_fifo == NULL)
		return MP_ERR_NOMEM;
	for (uint32_t i = 0; i < lb->nat_size; i++) {
		lb->nat_fifo[i].port = (uint16_t)(lb->cfg.nat_port_min + i);
		lb->nat_fifo[i].freed_ms = MP_LB_NEVER;
	}
	lb->nat_head = 0;
	lb->nat_count = lb->nat_size;
	return MP_OK;
}

void mp_lb_natport_fini(struct mp_lb *lb)
{
	rte_free(lb->nat_fifo);
	rte_free(lb->natport);
	lb->nat_fifo = NULL;
	lb->natport = NULL;
}
