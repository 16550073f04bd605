/* srt_payload.c: a libsrt caller or listener that sends N numbered 1316-byte messages and checks the N it gets
 * back byte for byte (used by test_srt.sh through the appliance). Exit 0 when every byte matched.
 *   srt_payload listen PORT N          (origin side: receive N, check, send N)
 *   srt_payload call IP PORT STREAMID N (client side: send N, receive N, check) */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <srt/srt.h>

#define MSG 1316

/* Message i's bytes: its number, then a pattern that depends on i and on the position. */
static void fill(uint8_t *b, uint32_t i, uint32_t salt)
{
	uint32_t x = i * 2654435761u ^ salt;

	b[0] = (uint8_t)(i >> 24);
	b[1] = (uint8_t)(i >> 16);
	b[2] = (uint8_t)(i >> 8);
	b[3] = (uint8_t)i;
	for (int k = 4; k < MSG; k++) {
		x = x * 1103515245u + 12345u;
		b[k] = (uint8_t)(x >> 16);
	}
}

static int check(SRTSOCKET s, uint32_t n, uint32_t salt)
{
	uint8_t got[1500], want[MSG];
	uint32_t ok = 0, bad = 0;

	for (uint32_t i = 0; i < n; i++) {
		int r = srt_recvmsg(s, (char *)got, sizeof(got));

		if (r == SRT_ERROR) {
			fprintf(stderr, "recv %u: %s\n", i, srt_getlasterror_str());
			break;
		}
		uint32_t idx = (uint32_t)got[0] << 24 | (uint32_t)got[1] << 16 | (uint32_t)got[2] << 8 | got[3];

		fill(want, idx, salt);
		if (r == MSG && idx < n && !memcmp(got, want, MSG))
			ok++;
		else
			bad++;
		if (idx == n - 1)
			break;
	}
	printf("received %u intact, %u damaged, of %u\n", ok, bad, n);
	return ok == n && bad == 0 ? 0 : 1;
}

static int send_all(SRTSOCKET s, uint32_t n, uint32_t salt)
{
	uint8_t b[MSG];

	for (uint32_t i = 0; i < n; i++) {
		fill(b, i, salt);
		if (srt_sendmsg(s, (const char *)b, MSG, -1, 1) == SRT_ERROR) {
			fprintf(stderr, "send %u: %s\n", i, srt_getlasterror_str());
			return 1;
		}
		usleep(500); /* ~21 Mbit/s: well inside the default bandwidth limits */
	}
	return 0;
}

static void opts(SRTSOCKET s)
{
	int yes = 1, latency = 400, tmo = 5000;

	srt_setsockflag(s, SRTO_RCVSYN, &yes, sizeof(yes));
	srt_setsockflag(s, SRTO_SNDSYN, &yes, sizeof(yes));
	srt_setsockflag(s, SRTO_LATENCY, &latency, sizeof(latency));
	srt_setsockflag(s, SRTO_RCVTIMEO, &tmo, sizeof(tmo));
	srt_setsockflag(s, SRTO_CONNTIMEO, &tmo, sizeof(tmo));
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	SRTSOCKET s, c;
	int rc = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: %s listen PORT N | call IP PORT STREAMID N\n", argv[0]);
		return 2;
	}
	srt_startup();
	s = srt_create_socket();
	opts(s);
	if (!strcmp(argv[1], "listen")) {
		uint32_t n = (uint32_t)atoi(argv[3]);

		sa.sin_port = htons((uint16_t)atoi(argv[2]));
		if (srt_bind(s, (struct sockaddr *)&sa, sizeof(sa)) == SRT_ERROR || srt_listen(s, 1) == SRT_ERROR) {
			fprintf(stderr, "listen: %s\n", srt_getlasterror_str());
			return 1;
		}
		printf("listening\n");
		fflush(stdout);
		c = srt_accept(s, NULL, NULL);
		if (c == SRT_INVALID_SOCK) {
			fprintf(stderr, "accept: %s\n", srt_getlasterror_str());
			return 1;
		}
		rc = check(c, n, 0x5eed) | send_all(c, n, 0xbacc);
		sleep(2); /* let the caller read everything before closing */
		srt_close(c);
	} else if (argc >= 6) {
		uint32_t n = (uint32_t)atoi(argv[5]);
		const char *sid = argv[4];

		srt_setsockflag(s, SRTO_STREAMID, sid, (int)strlen(sid));
		sa.sin_port = htons((uint16_t)atoi(argv[3]));
		inet_pton(AF_INET, argv[2], &sa.sin_addr);
		if (srt_connect(s, (struct sockaddr *)&sa, sizeof(sa)) == SRT_ERROR) {
			fprintf(stderr, "connect: %s (reject reason %d)\n", srt_getlasterror_str(), srt_getrejectreason(s));
			return 3;
		}
		printf("connected\n");
		rc = send_all(s, n, 0x5eed) | check(s, n, 0xbacc);
	}
	srt_close(s);
	srt_cleanup();
	return rc;
}
