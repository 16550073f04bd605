/* srt_origin.c: an SRT origin for the e2e tests that accepts every caller (srt-live-transmit and ffmpeg take one):
 * each connection's payload is appended to DIR/<stream>.ts, <stream> being its stream id's r= resource with every
 * character but [A-Za-z0-9] made '_'; one line per accepted caller on stdout ("accepted <streamid> from
 * <ip:port>"), and one per silence of a connection longer than 100 ms, when it ends ("silence <ms> ms
 * on <ip:port> until <Unix time in ms>": the hole in arrival time a failover leaves, counted where it
 * matters).
 *   srt_origin PORT DIR [ADDR]   (runs until SIGTERM/SIGINT; ADDR: the address to listen on, IPv4 or
 *                                 IPv6 (then IPv6 only); default 0.0.0.0) */
#include <arpa/inet.h>
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <srt/srt.h>

#define MAX_CONN 4096

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

struct conn {
	SRTSOCKET s;
	FILE *f;
	char peer[64];
	double last_ms; /* arrival of the last message, 0: none yet */
};

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
static struct conn conns[MAX_CONN];

/* DIR/<resource>.ts for stream id sid ("#!::r=live/x,m=publish" -> live_x; anything else as a whole). */
static FILE *open_for(const char *dir, const char *sid)
{
	char name[256], path[512];
	const char *r = strstr(sid, "r=");
	size_t n = 0;

	r = r ? r + 2 : sid;
	while (*r && *r != ',' && n < sizeof(name) - 1) {
		name[n++] = isalnum((unsigned char)*r) ? *r : '_';
		r++;
	}
	name[n] = '\0';
	snprintf(path, sizeof(path), "%s/%s.ts", dir, n ? name : "none");
	return fopen(path, "ab");
}

static void drop(int eid, int i)
{
	srt_epoll_remove_usock(eid, conns[i].s);
	srt_close(conns[i].s);
	if (conns[i].f)
		fclose(conns[i].f);
	conns[i].s = SRT_INVALID_SOCK;
	conns[i].f = NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6 };
	int no = 0, yes = 1, eid, events = SRT_EPOLL_IN | SRT_EPOLL_ERR, v6 = 0;
	SRTSOCKET l;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s PORT DIR [ADDR]\n", argv[0]);
		return 2;
	}
	if (argc == 4 && inet_pton(AF_INET6, argv[3], &sa6.sin6_addr) == 1)
		v6 = 1;
	else if (argc == 4 && inet_pton(AF_INET, argv[3], &sa.sin_addr) != 1) {
		fprintf(stderr, "bad address %s\n", argv[3]);
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (int i = 0; i < MAX_CONN; i++)
		conns[i].s = SRT_INVALID_SOCK;
	srt_startup();
	l = srt_create_socket();
	srt_setsockflag(l, SRTO_RCVSYN, &no, sizeof(no));
	srt_setsockflag(l, SRTO_REUSEADDR, &yes, sizeof(yes));
	sa.sin_port = sa6.sin6_port = htons((uint16_t)atoi(argv[1]));
	if (v6)
		srt_setsockflag(l, SRTO_IPV6ONLY, &yes, sizeof(yes));
	if ((v6 ? srt_bind(l, (struct sockaddr *)&sa6, sizeof(sa6)) : srt_bind(l, (struct sockaddr *)&sa, sizeof(sa))) ==
		    SRT_ERROR ||
	    srt_listen(l, 1024) == SRT_ERROR) {
		fprintf(stderr, "listen: %s\n", srt_getlasterror_str());
		return 1;
	}
	eid = srt_epoll_create();
	srt_epoll_add_usock(eid, l, &events);
	printf("listening\n");
	fflush(stdout);
	while (!stop) {
		SRTSOCKET rd[64];
		int nrd = 64;
		char buf[1500];

		if (srt_epoll_wait(eid, rd, &nrd, NULL, NULL, 200, NULL, NULL, NULL, NULL) < 0)
			continue; /* timeout */
		for (int k = 0; k < nrd; k++) {
			if (rd[k] == l) {
				SRTSOCKET c;
				struct sockaddr_storage peer;
				int plen = sizeof(peer);

				while ((c = srt_accept(l, (struct sockaddr *)&peer, &plen)) != SRT_INVALID_SOCK) {
					char sid[600] = "", pa[INET6_ADDRSTRLEN] = "?";
					const struct sockaddr_in6 *p6 = (const struct sockaddr_in6 *)&peer;
					const struct sockaddr_in *p4 = (const struct sockaddr_in *)&peer;
					int sl = sizeof(sid) - 1, i;

					srt_getsockflag(c, SRTO_STREAMID, sid, &sl);
					sid[sl > 0 ? sl : 0] = '\0';
					for (i = 0; i < MAX_CONN && conns[i].s != SRT_INVALID_SOCK; i++)
						;
					if (i == MAX_CONN) {
						srt_close(c);
						continue;
					}
					srt_setsockflag(c, SRTO_RCVSYN, &no, sizeof(no));
					conns[i].s = c;
					conns[i].f = open_for(argv[2], sid);
					conns[i].last_ms = 0;
					if (peer.ss_family == AF_INET6) {
						inet_ntop(AF_INET6, &p6->sin6_addr, pa, sizeof(pa));
						snprintf(conns[i].peer, sizeof(conns[i].peer), "[%s]:%u", pa, ntohs(p6->sin6_port));
					} else {
						inet_ntop(AF_INET, &p4->sin_addr, pa, sizeof(pa));
						snprintf(conns[i].peer, sizeof(conns[i].peer), "%s:%u", pa, ntohs(p4->sin_port));
					}
					srt_epoll_add_usock(eid, c, &events);
					printf("accepted %s from %s\n", sid, conns[i].peer);
					plen = sizeof(peer);
					fflush(stdout);
				}
				continue;
			}
			for (int i = 0; i < MAX_CONN; i++) {
				int r;

				if (conns[i].s != rd[k])
					continue;
				while ((r = srt_recvmsg(conns[i].s, buf, sizeof(buf))) > 0) {
					double now = mono_ms();

					if (conns[i].last_ms > 0 && now - conns[i].last_ms > 100) {
						struct timespec wall;

						clock_gettime(CLOCK_REALTIME, &wall);
						printf("silence %.0f ms on %s until %lld\n", now - conns[i].last_ms, conns[i].peer,
						       (long long)wall.tv_sec * 1000 + wall.tv_nsec / 1000000);
						fflush(stdout);
					}
					conns[i].last_ms = now;
					if (conns[i].f) {
						fwrite(buf, 1, (size_t)r, conns[i].f);
						fflush(conns[i].f);
					}
				}
				if (r == SRT_ERROR && srt_getlasterror(NULL) != SRT_EASYNCRCV)
					drop(eid, i);
				break;
			}
		}
	}
	for (int i = 0; i < MAX_CONN; i++)
		if (conns[i].s != SRT_INVALID_SOCK)
			drop(eid, i);
	srt_epoll_release(eid);
	srt_close(l);
	srt_cleanup();
	return 0;
}
