/* bench_rtmp.c: RTMP chunk reader/writer and complex handshake throughput on the ffmpeg capture,
 * printed with the ratio to memcpy of the same bytes measured in the same run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mp_error.h"
#include "rtmp_chunk.h"
#include "rtmp_handshake.h"
#include "test_data.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	struct mp_pcap p;
	struct mp_pcap_frame f;
	static uint8_t c2s[1 << 20], out[1 << 21], copy[1 << 20];
	static struct mp_rtmp_msg msgs[512];
	static uint8_t *bodies[512];
	size_t n = 0, nm = 0, stream_len, wrote = 0;
	const int rounds = 2000;
	double t0, t_memcpy, t_read, t_write, t_hs;
	volatile uint8_t sink = 0;

	mp_pcap_open(&p, "rtmp-ffmpeg-publish.pcap");
	while (mp_pcap_next(&p, &f))
		if (f.ip_proto == 6 && f.dst_port == 19350 && n + f.payload_len <= sizeof(c2s)) {
			memcpy(c2s + n, f.payload, f.payload_len);
			n += f.payload_len;
		}
	mp_pcap_close(&p);
	const uint8_t *stream = c2s + MP_RTMP_HS_C0C1_LEN + MP_RTMP_HS_SIZE;

	stream_len = n - MP_RTMP_HS_C0C1_LEN - MP_RTMP_HS_SIZE;

	t0 = now();
	for (int i = 0; i < rounds; i++) {
		memcpy(copy, stream, stream_len);
		sink ^= copy[i % stream_len];
	}
	t_memcpy = now() - t0;

	t0 = now();
	for (int i = 0; i < rounds; i++) {
		struct mp_rtmp_reader r;
		struct mp_rtmp_msg m;
		size_t off = 0, used;

		mp_rtmp_reader_init(&r, 0);
		while (mp_rtmp_reader_feed(&r, stream + off, stream_len - off, &used, &m) == MP_OK) {
			off += used;
			if (i == 0 && nm < 512) {
				bodies[nm] = malloc(m.len + 1);
				memcpy(bodies[nm], m.payload, m.len);
				msgs[nm] = m;
				msgs[nm].payload = bodies[nm];
				nm++;
			}
		}
		mp_rtmp_reader_free(&r);
	}
	t_read = now() - t0;

	t0 = now();
	for (int i = 0; i < rounds; i++) {
		size_t o = 0;

		for (size_t k = 0; k < nm; k++)
			o += (size_t)mp_rtmp_chunk_write(&msgs[k], 4096, out + o, sizeof(out) - o);
		wrote = o;
		sink ^= out[i % o];
	}
	t_write = now() - t0;

	uint8_t rnd[2 * MP_RTMP_HS_SIZE] = { 1 }, s[MP_RTMP_HS_S0S1S2_LEN];
	const int hs_rounds = 2000;

	t0 = now();
	for (int i = 0; i < hs_rounds; i++) {
		struct mp_rtmp_hs_peer c;

		mp_rtmp_hs_parse_c0c1(c2s, MP_RTMP_HS_C0C1_LEN, &c);
		mp_rtmp_hs_build_s0s1s2(&c, c2s, rnd, 0, s, sizeof(s));
		sink ^= s[100];
	}
	t_hs = now() - t0;

	double mb = (double)stream_len * rounds / 1e6;

	printf("rtmp chunk read   : %zu msgs, %8.1f MB/s  (memcpy %8.1f MB/s, ratio %.3f)\n", nm,
	       mb / t_read, mb / t_memcpy, t_memcpy / t_read);
	printf("rtmp chunk write  : %zu bytes at 4096, %8.1f MB/s (ratio to memcpy %.3f)\n", wrote,
	       (double)wrote * rounds / 1e6 / t_write, t_memcpy / t_write);
	printf("complex handshake : %8.0f server answers/s (parse C0C1 + build S0S1S2)\n", hs_rounds / t_hs);
	for (size_t k = 0; k < nm; k++)
		free(bodies[k]);
	printf("(sink %u)\n", (unsigned)sink);
	printf("bench rtmp: %.1f MB/s = %.3f x memcpy (%.1f MB/s) | chunk reader\n", mb / t_read, t_memcpy / t_read,
	       mb / t_memcpy);
	return 0;
}
