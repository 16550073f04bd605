/* rtmp_capture.h: the two TCP byte streams of tests/data/rtmp-ffmpeg-publish.pcap, for RTMP tests. */
#ifndef MP_TEST_RTMP_CAPTURE_H
#define MP_TEST_RTMP_CAPTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test_data.h"

#define RTMP_CAPTURE_SERVER_PORT 19350 /* nginx-rtmp in the capture */

/* The client->server (c2s) and server->client (s2c) payloads concatenated in capture order
 * (the capture is loopback without loss or reordering). Free both with free(). */
static inline void rtmp_capture_streams(uint8_t **c2s, size_t *c2s_len, uint8_t **s2c, size_t *s2c_len)
{
	struct mp_pcap p;
	struct mp_pcap_frame f;

	*c2s = malloc(1 << 20), *s2c = malloc(1 << 20);
	*c2s_len = *s2c_len = 0;
	mp_pcap_open(&p, "rtmp-ffmpeg-publish.pcap");
	while (mp_pcap_next(&p, &f)) {
		int up = f.dst_port == RTMP_CAPTURE_SERVER_PORT;
		uint8_t *dst = up ? *c2s : *s2c;
		size_t *n = up ? c2s_len : s2c_len;

		if (f.ip_proto != 6 || !f.payload_len || *n + f.payload_len > (1 << 20))
			continue;
		memcpy(dst + *n, f.payload, f.payload_len);
		*n += f.payload_len;
	}
	mp_pcap_close(&p);
}

#endif
