/* netlink_addr.c: adds and removes an IPv4 address on a kernel interface over rtnetlink (RFC 3549). */
#include "netlink_addr.h"
#include "endpoint.h"
#include "mp_error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct addr_req {
	struct nlmsghdr nh;
	struct ifaddrmsg ifa;
	char attrs[64];
};

static void put_attr(struct addr_req *r, unsigned short type, const void *data, unsigned short len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

int mp_netlink_addr(const char *ifname, uint32_t ipv4, uint8_t prefix, bool add, char *err, size_t errcap)
{
	unsigned idx = if_nametoindex(ifname);
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval tv = { 1, 0 };
	struct addr_req r;
	uint32_t be = htonl(ipv4);
	char buf[512];
	ssize_t n;
	int fd, e;

	if (!idx) {
		snprintf(err, errcap, "interface %s: %s", ifname, strerror(errno));
		return MP_ERR_NODEV;
	}
	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	r.nh.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	r.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	r.nh.nlmsg_seq = 1;
	r.ifa.ifa_family = AF_INET;
	r.ifa.ifa_prefixlen = prefix;
	r.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	r.ifa.ifa_index = idx;
	put_attr(&r, IFA_LOCAL, &be, sizeof(be));
	put_attr(&r, IFA_ADDRESS, &be, sizeof(be));

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		snprintf(err, errcap, "netlink socket: %s", strerror(errno));
		return MP_ERR_IO;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, &r, r.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		snprintf(err, errcap, "netlink send: %s", strerror(errno));
		close(fd);
		return MP_ERR_IO;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	e = errno;
	close(fd);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
		snprintf(err, errcap, "netlink: no acknowledgement (%s)", n < 0 ? strerror(e) : "short");
		return MP_ERR_IO;
	}
	{
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		const struct nlmsgerr *ne = NLMSG_DATA(h);

		if (h->nlmsg_type != NLMSG_ERROR)
			return MP_OK;
		e = -ne->error;
	}
	/* Already there, or already gone: what was asked holds. */
	if (!e || (add && e == EEXIST) || (!add && (e == EADDRNOTAVAIL || e == ENODEV)))
		return MP_OK;
	char a[16];

	mp_ipv4_format(ipv4, a, sizeof(a));
	snprintf(err, errcap, "%s %s/%u %s %s: %s", add ? "add" : "delete", a, prefix, add ? "to" : "from", ifname,
		 strerror(e));
	return MP_ERR_IO;
}
