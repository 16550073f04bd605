/* dp_local.c: origins on the appliance's own host in default mode, reached at the TAP's kernel side. */
#include "dp.h"
#include "lb.h"

/* Default mode. An origin on this host is reached through the TAP: the kernel behind it delivers
 * to any of the host's addresses, but not to 127.0.0.0/8 (martian on mp0), so an origin registered
 * with a loopback address is sent to at the TAP's kernel side instead (it must listen on 0.0.0.0,
 * SRS's default). Its replies come from the address its socket is bound to, or, for a socket on
 * 0.0.0.0, from the TAP's kernel side (the kernel's source for the route back): a session with an
 * origin at a host address takes replies from either (mp_dp_local_origin_reply). */
static bool host_addr(const struct mp_dp *dp, uint32_t ip)
{
	unsigned n = __atomic_load_n(&dp->n_host_addrs, __ATOMIC_ACQUIRE);

	if ((ip >> 24) == 127)
		return true;
	for (unsigned i = 0; i < n && i < MP_DP_HOST_ADDRS_MAX; i++)
		if (__atomic_load_n(&dp->host_addrs[i], __ATOMIC_RELAXED) == ip)
			return true;
	return false;
}

uint32_t mp_dp_origin_addr(const struct mp_dp *dp, uint32_t ip)
{
	if (dp->local_origin_ip && ((ip >> 24) == 127 || ip == 0))
		return dp->local_origin_ip;
	return ip;
}

bool mp_dp_local_origin_reply(const struct mp_dp *dp, uint32_t origin_ip, uint32_t src_ip)
{
	return dp->local_origin_ip && src_ip == dp->local_origin_ip && host_addr(dp, origin_ip);
}

struct mp_lb_session *mp_dp_local_origin_session(const struct mp_dp *dp, uint32_t src_ip, uint16_t src_port,
						 uint16_t nat_port)
{
	unsigned n;

	if (!dp->local_origin_ip || src_ip != dp->local_origin_ip || !dp->lb)
		return NULL;
	n = __atomic_load_n(&dp->n_host_addrs, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < n && i < MP_DP_HOST_ADDRS_MAX; i++) {
		uint32_t ip = __atomic_load_n(&dp->host_addrs[i], __ATOMIC_RELAXED);
		struct mp_lb_session *s;

		if (ip == src_ip) /* already looked up under its own address */
			continue;
		s = mp_lb_session_by_nat(dp->lb, ip, src_port, nat_port);
		if (s)
			return s;
	}
	return NULL;
}

void mp_dp_set_host_addrs(struct mp_dp *dp, const uint32_t *ip, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n && k < MP_DP_HOST_ADDRS_MAX; i++)
		if (ip[i] != dp->conf.public_ip && ip[i] != dp->conf.private_ip) /* the appliance's own are not */
			__atomic_store_n(&dp->host_addrs[k++], ip[i], __ATOMIC_RELAXED);
	__atomic_store_n(&dp->n_host_addrs, k, __ATOMIC_RELEASE);
}
