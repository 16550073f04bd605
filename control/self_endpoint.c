/* self_endpoint.c: match origin endpoints against the appliance's own listeners and addresses. */
#include "self_endpoint.h"
#include "endpoint.h"
#include "mp_error.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

void mp_self_addrs_load(struct mp_self_addrs *a, uint64_t now)
{
	struct ifaddrs *list, *i;
	unsigned n = 0, n6 = 0;

	if (getifaddrs(&list) != 0)
		return;
	for (i = list; i; i = i->ifa_next) {
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && n < MP_SELF_ADDRS_MAX)
			a->ip[n++] = ntohl(((const struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET6 && n6 < MP_SELF_ADDRS_MAX)
			memcpy(a->ip6[n6++], &((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
	}
	freeifaddrs(list);
	a->n = n;
	a->n6 = n6;
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

static const uint8_t any6[16];

/* ip6 reaches a socket bound to [::] on this host. */
static bool local_address6(const struct mp_self_addrs *host, const uint8_t ip6[16])
{
	static const uint8_t loopback6[16] = { [15] = 1 };

	if (!memcmp(ip6, any6, 16) || !memcmp(ip6, loopback6, 16))
		return true;
	for (unsigned i = 0; i < host->n6; i++)
		if (!memcmp(host->ip6[i], ip6, 16))
			return true;
	return false;
}

static bool listener_at(const struct mp_config *cfg, const struct mp_self_addrs *host, const struct mp_listen *l,
			uint32_t ip, uint16_t port)
{
	if (!l->port || l->port != port)
		return false;
	if (l->v6) /* IPv4 clients reach only [::] with dual stack */
		return !memcmp(l->ip6, any6, 16) && cfg->listen_dual_stack && local_address(cfg, host, ip);
	return l->ipv4 ? l->ipv4 == ip : local_address(cfg, host, ip);
}

static bool listener_at6(const struct mp_config *cfg, const struct mp_self_addrs *host, const struct mp_listen *l,
			 const uint8_t ip6[16], uint16_t port)
{
	if (!l->port || l->port != port)
		return false;
	if (l->v6)
		return memcmp(l->ip6, any6, 16) ? !memcmp(l->ip6, ip6, 16) : local_address6(host, ip6);
	return l->ipv4 == 0 && cfg->listen_dual_stack && local_address6(host, ip6);
}

bool mp_self_endpoint6(const struct mp_config *cfg, const struct mp_self_addrs *host, enum mp_reg_proto p,
		       const uint8_t ip6[16], uint16_t port)
{
	if (p == MP_PROTO_SRT || p == MP_PROTO_RTC) {
		/* the data plane's UDP ports at its IPv6 addresses (IPv6 origins are reached over it) */
		bool dp_addr = (cfg->public_ip6.set && !memcmp(ip6, cfg->public_ip6.ip6, 16)) ||
			       (cfg->private_ip6.set && !memcmp(ip6, cfg->private_ip6.ip6, 16));

		return dp_addr && (port == cfg->srt_port || port == cfg->webrtc_port);
	}
	return listener_at6(cfg, host, &cfg->rtmp_listen, ip6, port) || listener_at6(cfg, host, &cfg->http_listen, ip6, port) ||
	       listener_at6(cfg, host, &cfg->api_listen, ip6, port) ||
	       listener_at6(cfg, host, &cfg->system_api_listen, ip6, port);
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
			const struct mp_endpoint *ep = &reg->ep[p][i];
			uint32_t ip = mp_endpoint_ip(ep, reg->ipv4);
			uint16_t port = ep->port;
			char text[48];

			if (ep->v6 || (!ep->ipv4 && reg->ip_v6)) {
				const uint8_t *ip6 = ep->v6 ? ep->ip6 : reg->ip6;

				if (!mp_self_endpoint6(cfg, host, (enum mp_reg_proto)p, ip6, port))
					continue;
				mp_ipv6_format(ip6, text, sizeof(text));
				snprintf(why, cap, "endpoint %s[%u] [%s]:%u is this appliance's own listener: relaying "
					 "to it would loop", mp_proto_name((enum mp_reg_proto)p), i, text, port);
				return MP_ERR_PERM;
			}
			if (!mp_self_endpoint(cfg, host, (enum mp_reg_proto)p, ip, port))
				continue;
			mp_ipv4_format(ip, text, sizeof(text));
			snprintf(why, cap, "endpoint %s[%u] %s:%u is this appliance's own listener: relaying "
				 "to it would loop", mp_proto_name((enum mp_reg_proto)p), i, text, port);
			return MP_ERR_PERM;
		}
	return MP_OK;
}
