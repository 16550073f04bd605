/* srt_payload.c: a libsrt caller or listener that sends N numbered 1316-byte messages and checks the N it gets
 * back byte for byte (used by test_srt.sh through the appliance). Exit 0 when every byte matched.
 *   srt_payload listen PORT N          (origin side: receive N, check, send N)
 *   srt_payload call IP PORT STREAMID N (client side: send N, receive N, check)
 * and a live stream for the fault tests, counted at the origin:
 *   srt_payload source IP PORT STREAMID (client: numbered messages every SRT_PAYLOAD_INTERVAL_US, default
 *                                        2000, until SIGUSR1/SIGTERM, then an end marker with the count sent)
 *   srt_payload sink PORT               (origin: prints "progress N" as messages arrive; at the end marker or
 *                                        a broken connection one summary line; exit 0 when every message
 *                                        arrived intact, none missing, and the end marker came) */
#include <arpa/inet.h>
#include <signal.h>
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

#define END_MARK 0xffffffffu

static volatile sig_atomic_t stop_source;
static void on_stop(int sig) { (void)sig; stop_source = 1; }

static uint32_t be32(const uint8_t *b) { return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]; }

/* source: send until told to stop, then the end marker (its number, then the count sent). */
static int source(SRTSOCKET s)
{
	const char *iv = getenv("SRT_PAYLOAD_INTERVAL_US");
	useconds_t interval = iv ? (useconds_t)atoi(iv) : 2000;
	uint8_t b[MSG];
	uint32_t i;

	signal(SIGUSR1, on_stop);
	signal(SIGTERM, on_stop);
	for (i = 0; !stop_source; i++) {
		fill(b, i, 0x5eed);
		if (srt_sendmsg(s, (const char *)b, MSG, -1, 1) == SRT_ERROR) {
			printf("source: connection broken after %u sent: %s\n", i, srt_getlasterror_str());
			return 4;
		}
		usleep(interval);
	}
	memset(b, 0, sizeof(b));
	b[0] = b[1] = b[2] = b[3] = 0xff;
	b[4] = (uint8_t)(i >> 24), b[5] = (uint8_t)(i >> 16), b[6] = (uint8_t)(i >> 8), b[7] = (uint8_t)i;
	if (srt_sendmsg(s, (const char *)b, MSG, -1, 1) == SRT_ERROR) {
		printf("source: end marker not sent after %u: %s\n", i, srt_getlasterror_str());
		return 4;
	}
	/* Live mode does not linger, and the receiver delivers a message only at its play time (latency
	 * after sending), dropping what it still holds when the connection closes: the sink closes once
	 * it has read the end marker; wait for that (at most 30 s). */
	for (int k = 0; k < 600 && srt_getsockstate(s) == SRTS_CONNECTED; k++)
		usleep(50000);
	printf("source: sent %u\n", i);
	return 0;
}

/* sink: count what arrives by message number: intact, damaged, duplicates, missing. */
static int sink(SRTSOCKET c)
{
	uint8_t got[1500], want[MSG];
	uint8_t *seen = NULL;
	uint32_t cap = 0, received = 0, damaged = 0, dup = 0, distinct = 0, top = 0, total = 0;
	int end = 0;

	for (;;) {
		int r = srt_recvmsg(c, (char *)got, sizeof(got));

		if (r == SRT_ERROR) {
			printf("sink: connection ended: %s\n", srt_getlasterror_str());
			break;
		}
		uint32_t idx = r >= 8 ? be32(got) : 0;

		if (r >= 8 && idx == END_MARK) {
			total = be32(got + 4);
			end = 1;
			break;
		}
		received++;
		fill(want, idx, 0x5eed);
		if (r != MSG || memcmp(got, want, MSG) || idx >= 1u << 26) {
			damaged++;
			continue;
		}
		if (idx >= cap) {
			uint32_t ncap = cap ? cap : 4096;

			while (ncap <= idx)
				ncap *= 2;
			seen = realloc(seen, ncap);
			if (!seen)
				return 1;
			memset(seen + cap, 0, ncap - cap);
			cap = ncap;
		}
		if (seen[idx])
			dup++;
		else
			seen[idx] = 1, distinct++;
		if (idx + 1 > top)
			top = idx + 1;
		if (received % 250 == 0) {
			printf("progress %u\n", received);
			fflush(stdout);
		}
	}
	if (!end)
		total = top;
	printf("sink: received %u of %u (%u damaged, %u duplicate), missing %u, end marker %s\n", received, total,
	       damaged, dup, total - distinct, end ? "yes" : "no");
	free(seen);
	return end && damaged == 0 && distinct == total ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	SRTSOCKET s, c;
	int rc = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: %s listen PORT N | call IP PORT STREAMID N | sink PORT | source IP PORT STREAMID\n",
			argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	srt_startup();
	s = srt_create_socket();
	opts(s);
	if (!strcmp(argv[1], "listen") || !strcmp(argv[1], "sink")) {
		uint32_t n = argc > 3 ? (uint32_t)atoi(argv[3]) : 0;

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
		if (!strcmp(argv[1], "sink")) {
			rc = sink(c);
		} else {
			rc = check(c, n, 0x5eed) | send_all(c, n, 0xbacc);
			sleep(2); /* let the caller read everything before closing */
		}
		srt_close(c);
	} else if (argc >= 5 && (!strcmp(argv[1], "source") || argc >= 6)) {
		uint32_t n = argc >= 6 ? (uint32_t)atoi(argv[5]) : 0;
		const char *sid = argv[4];

		srt_setsockflag(s, SRTO_STREAMID, sid, (int)strlen(sid));
		sa.sin_port = htons((uint16_t)atoi(argv[3]));
		inet_pton(AF_INET, argv[2], &sa.sin_addr);
		if (srt_connect(s, (struct sockaddr *)&sa, sizeof(sa)) == SRT_ERROR) {
			fprintf(stderr, "connect: %s (reject reason %d)\n", srt_getlasterror_str(), srt_getrejectreason(s));
			return 3;
		}
		printf("connected\n");
		if (!strcmp(argv[1], "source"))
			rc = source(s);
		else
			rc = send_all(s, n, 0x5eed) | check(s, n, 0xbacc);
	}
	srt_close(s);
	srt_cleanup();
	return rc;
}
