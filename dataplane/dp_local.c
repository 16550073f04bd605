/* dp_local.c: origins on the appliance's own host in default mode, reached at the TAP's kernel side. */
#include "dp.h"

/* An origin registered with 127.0.0.1, or with any other address of the host (SRS registers its
 * first non-loopback interface's), is one the kernel behind the TAP delivers to; but the kernel
 * answers it from the TAP's address, so the session is made with that address: what the data plane
 * sends goes there, and the replies match the session (no wrong_origin). The origin must listen on
 * 0.0.0.0 (SRS's default) or on the TAP's address. Read only when a session is made. */
uint32_t mp_dp_origin_addr(const struct mp_dp *dp, uint32_t ip)
{
	uint32_t local = dp->local_origin_ip;
	unsigned n;

	if (!local || ip == local)
		return ip;
	if ((ip >> 24) == 127 || ip == 0)
		return local;
	n = __atomic_load_n(&dp->n_host_addrs, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < n && i < MP_DP_HOST_ADDRS_MAX; i++)
		if (__atomic_load_n(&dp->host_addrs[i], __ATOMIC_RELAXED) == ip)
			return local;
	return ip;
}

void mp_dp_set_host_addrs(struct mp_dp *dp, const uint32_t *ip, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n && k < MP_DP_HOST_ADDRS_MAX; i++)
		if (ip[i] != dp->conf.public_ip && ip[i] != dp->conf.private_ip) /* the appliance's own are not */
			__atomic_store_n(&dp->host_addrs[k++], ip[i], __ATOMIC_RELAXED);
	__atomic_store_n(&dp->n_host_addrs, k, __ATOMIC_RELEASE);
}
