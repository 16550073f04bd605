/* listen.c: TCP listener sockets for the control plane, IPv4 and IPv6 (bind errors name the listener
 * and address). */
#include "listen.h"
#include "endpoint.h"
#include "mp_error.h"
#include "mp_log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const uint8_t any6[16];

void mp_listen_format(const struct mp_listen *l, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	if (l->v6 && mp_ipv6_format(l->ip6, a, sizeof(a)) > 0)
		snprintf(out, cap, "[%s]:%u", a, l->port);
	else if (mp_ipv4_format(l->ipv4, a, sizeof(a)) > 0)
		snprintf(out, cap, "%s:%u", a, l->port);
}

bool mp_listen_all(const struct mp_listen *l)
{
	return l->v6 ? !memcmp(l->ip6, any6, 16) : l->ipv4 == 0;
}

/* The socket address l binds: IPv6 for an IPv6 address, and for all addresses with dual_stack. */
static socklen_t listen_sockaddr(const struct mp_listen *l, bool six, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (six) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(l->port);
		memcpy(&s6->sin6_addr, l->v6 ? l->ip6 : any6, 16);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(l->port);
	s4->sin_addr.s_addr = htonl(l->ipv4);
	return sizeof(*s4);
}

int mp_listen_tcp(const struct mp_listen *l, bool dual_stack, const char *what, char *err, size_t errcap)
{
	bool all = mp_listen_all(l), six = l->v6 || (all && dual_stack);
	struct sockaddr_storage ss;
	socklen_t sslen;
	char addr[64];
	int one = 1, fd, e;

	mp_listen_format(l, addr, sizeof(addr));
	fd = socket(six ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && six && !l->v6 && errno == EAFNOSUPPORT) {
		/* a host without IPv6 (ipv6.disable=1): the wildcard still serves IPv4 */
		MP_WARN("%s: no IPv6 on this host: listening on %s for IPv4 only", what, addr);
		six = false;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (fd < 0) {
		snprintf(err, errcap, "%s: socket: %s", what, strerror(errno));
		return MP_ERR_IO;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (six) {
		/* one socket for both families on the wildcard; an IPv6 address or dual_stack off: IPv6 only
		 * (whatever net.ipv6.bindv6only says) */
		int v6only = !(all && dual_stack);

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	}
	sslen = listen_sockaddr(l, six, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sslen) < 0 || listen(fd, 1024) < 0) {
		e = errno;
		close(fd);
		if (e == EADDRINUSE) {
			snprintf(err, errcap, "%s: address %s already in use", what, addr);
			return MP_ERR_ADDRINUSE;
		}
		snprintf(err, errcap, "%s: cannot listen on %s: %s", what, addr, strerror(e));
		return e == EACCES ? MP_ERR_PERM : MP_ERR_IO;
	}
	return fd;
}
