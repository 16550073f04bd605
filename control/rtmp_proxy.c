/* rtmp_proxy.c: the RTMP proxy — not built yet (issue 7): connections are refused at once. */
#include "rtmp_proxy.h"
#include "control.h"
#include "mp_log.h"

#include <unistd.h>

void mp_rtmp_proxy_accept(struct mp_control *c, evutil_socket_t fd, const struct sockaddr *peer, int peerlen)
{
	(void)c;
	(void)peer;
	(void)peerlen;
	MP_WARN("RTMP: connection refused: the RTMP proxy is not in this build yet");
	close(fd);
}
