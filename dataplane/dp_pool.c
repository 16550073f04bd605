/* dp_pool.c: the packet pool's size from the configuration (see dp_pool.h). */
#include "dp_pool.h"

#include <stdint.h>

unsigned long long mp_dp_pool_held(const struct mp_dp_pool_need *n)
{
	return (uint64_t)n->ports * n->workers * (n->rx_desc + n->tx_desc) +
	       (uint64_t)n->exc_ports * n->workers * 2 * n->exc_desc + (uint64_t)n->workers * n->worker_held +
	       (uint64_t)(n->workers + 1) * n->cache;
}

unsigned mp_dp_pool_size(const struct mp_dp_pool_need *n)
{
	uint64_t need = mp_dp_pool_held(n), size = 8191;

	need += need / 8;
	while (size < need && size < UINT32_MAX / 2)
		size = size * 2 + 1;
	return (unsigned)size;
}
