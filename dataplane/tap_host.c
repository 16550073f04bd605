/* tap_host.c: configures the kernel side of the default TAP port with ioctl (address, netmask, up). */
#include "tap_host.h"
#include "mp_error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int set_addr(int fd, const char *ifname, unsigned long req, uint32_t v)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(v);
	return ioctl(fd, req, &ifr);
}

int mp_tap_host_configure(const char *ifname, uint32_t ipv4, uint8_t prefix, char *err, size_t errcap)
{
	uint32_t mask = prefix ? ~0u << (32 - prefix) : 0;
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(err, errcap, "tap %s: socket: %s", ifname, strerror(errno));
		return MP_ERR_IO;
	}
	if (set_addr(fd, ifname, SIOCSIFADDR, ipv4) || set_addr(fd, ifname, SIOCSIFNETMASK, mask)) {
		snprintf(err, errcap, "tap %s: cannot set address: %s", ifname, strerror(errno));
		close(fd);
		return MP_ERR_IO;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) == 0) {
			close(fd);
			return MP_OK;
		}
	}
	snprintf(err, errcap, "tap %s: cannot bring it up: %s", ifname, strerror(errno));
	close(fd);
	return MP_ERR_IO;
}

int mp_tap_host_exists(const char *ifname)
{
	return if_nametoindex(ifname) != 0;
}
