/* peer_addr.c: client addresses of either family as text and as per-client keys (see peer_addr.h). */
#include "peer_addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

bool mp_peer_sockaddr(const struct sockaddr *sa, size_t salen, char *out, size_t cap, uint16_t *port)
{
	if (cap)
		snprintf(out, cap, "?");
	if (port)
		*port = 0;
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		if (!inet_ntop(AF_INET, &s4->sin_addr, out, (socklen_t)cap))
			return false;
		if (port)
			*port = ntohs(s4->sin_port);
		return true;
	}
	if (sa->sa_family == AF_INET6 && salen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		const void *a = &s6->sin6_addr;
		int af = AF_INET6;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			a = s6->sin6_addr.s6_addr + 12;
			af = AF_INET;
		}
		if (!inet_ntop(af, a, out, (socklen_t)cap))
			return false;
		if (port)
			*port = ntohs(s6->sin6_port);
		return true;
	}
	return false;
}

bool mp_peer_fd(int fd, char *out, size_t cap, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) != 0) {
		if (cap)
			snprintf(out, cap, "?");
		return false;
	}
	return mp_peer_sockaddr((struct sockaddr *)&ss, len, out, cap, port);
}

const char *mp_peer_unmap(const char *host)
{
	struct in_addr a;

	if (host && !strncasecmp(host, "::ffff:", 7) && inet_pton(AF_INET, host + 7, &a) == 1)
		return host + 7;
	return host;
}

bool mp_peer_ipv4(const char *host, uint32_t *ipv4)
{
	struct in_addr a;

	host = mp_peer_unmap(host);
	if (!host || inet_pton(AF_INET, host, &a) != 1)
		return false;
	*ipv4 = ntohl(a.s_addr);
	return true;
}

uint64_t mp_peer_key(const struct sockaddr *sa, size_t salen)
{
	if (sa && sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in))
		return ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
	if (sa && sa->sa_family == AF_INET6 && salen >= sizeof(struct sockaddr_in6)) {
		const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		uint64_t k = 0;

		if (IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)sa)->sin6_addr))
			return (uint64_t)b[12] << 24 | (uint64_t)b[13] << 16 | (uint64_t)b[14] << 8 | b[15];
		for (int i = 0; i < 8; i++)
			k = k << 8 | b[i];
		return k < (1ull << 32) ? k | (1ull << 63) : k; /* ::/32-ish prefixes stay out of IPv4's keys */
	}
	return 0;
}

uint32_t mp_peer_key32(const char *host)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	uint32_t ip;
	uint64_t k;

	if (mp_peer_ipv4(host, &ip))
		return ip;
	if (!host || inet_pton(AF_INET6, host, &s6.sin6_addr) != 1)
		return 0;
	k = mp_peer_key((struct sockaddr *)&s6, sizeof(s6));
	ip = (uint32_t)(k ^ k >> 32);
	return ip ? ip : 1; /* never 0 */
}

int mp_peer_hostport(const char *host, uint16_t port, char *out, size_t cap)
{
	int n = snprintf(out, cap, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);

	return n < 0 || (size_t)n >= cap ? -1 : n;
}
