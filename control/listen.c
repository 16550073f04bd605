/* listen.c: TCP listener sockets for the control plane (bind errors name the listener and address). */
#include "listen.h"
#include "mp_error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void mp_listen_format(const struct mp_listen *l, char *out, size_t cap)
{
	snprintf(out, cap, "%u.%u.%u.%u:%u", l->ipv4 >> 24, (l->ipv4 >> 16) & 255, (l->ipv4 >> 8) & 255,
		 l->ipv4 & 255, l->port);
}

int mp_listen_tcp(const struct mp_listen *l, const char *what, char *err, size_t errcap)
{
	struct sockaddr_in sin;
	char addr[32];
	int one = 1, fd, e;

	mp_listen_format(l, addr, sizeof(addr));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errcap, "%s: socket: %s", what, strerror(errno));
		return MP_ERR_IO;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(l->port);
	sin.sin_addr.s_addr = htonl(l->ipv4);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 1024) < 0) {
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
