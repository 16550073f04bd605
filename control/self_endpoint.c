/* self_endpoint.c: match origin endpoints against the appliance's own listeners and addresses. */
#include "self_endpoint.h"
#include "mp_error.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <arpa/inet.h>

void mp_self_addrs_load(struct mp_self_addrs *a, uint64_t now)
{
	struct ifaddrs *list, *i;
	unsigned n = 0;

	if (getifaddrs(&list) != 0)
		return;
	for (i = list; i && n < MP_SELF_ADDRS_MAX; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET)
			a->ip[n++] = ntohl(((const struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
	freeifaddrs(list);
	a->n = n;
	a->loaded_ms = now ? now : 1;
}

/* ip reaches a socket bound to 0.0.0.0 on this host. */
static bool local_address(const struct mp_config *cfg, const struct mp_self_addrs *host, uint32_t ip)
{
	if (ip == 0 || (ip >> 24) == 127 || ip == cfg->public_ip.ipv4 || (cfg->private_ip.ipv4 && ip == cfg->private_ip.ipv4))
		return true;
	for (unsigned i = 0; i < host->n; i++)
		if (host->ip[i] == ip)
			return true;
	return false;
}

static bool listener_at(const struct mp_config *cfg, const struct mp_self_addrs *host, const struct mp_listen *l,
			uint32_t ip, uint16_t port)
{
	if (!l->port || l->port != port)
		return false;
	return l->ipv4 ? l->ipv4 == ip : local_address(cfg, host, ip);
}

bool mp_self_endpoint(const struct mp_config *cfg, const struct mp_self_addrs *host, enum mp_reg_proto p,
		      uint32_t ip, uint16_t port)
{
	if (p == MP_PROTO_SRT || p == MP_PROTO_RTC) {
		bool dp_addr = ip == cfg->public_ip.ipv4 || (cfg->private_ip.ipv4 && ip == cfg->private_ip.ipv4);

		return dp_addr && (port == cfg->srt_port || port == cfg->webrtc_port);
	}
	return listener_at(cfg, host, &cfg->rtmp_listen, ip, port) || listener_at(cfg, host, &cfg->http_listen, ip, port) ||
	       listener_at(cfg, host, &cfg->api_listen, ip, port) ||
	       listener_at(cfg, host, &cfg->system_api_listen, ip, port);
}

int mp_self_check_registration(const struct mp_config *cfg, const struct mp_self_addrs *host,
			       const struct mp_registration *reg, char *why, size_t cap)
{
	for (int p = 0; p < MP_PROTO__COUNT; p++)
		for (unsigned i = 0; i < reg->n_ep[p]; i++) {
			uint32_t ip = mp_endpoint_ip(&reg->ep[p][i], reg->ipv4);
			uint16_t port = reg->ep[p][i].port;

			if (!mp_self_endpoint(cfg, host, (enum mp_reg_proto)p, ip, port))
				continue;
			snprintf(why, cap, "endpoint %s[%u] %u.%u.%u.%u:%u is this appliance's own listener: relaying "
				 "to it would loop", mp_proto_name((enum mp_reg_proto)p), i, ip >> 24, (ip >> 16) & 255,
				 (ip >> 8) & 255, ip & 255, port);
			return MP_ERR_PERM;
		}
	return MP_OK;
}
