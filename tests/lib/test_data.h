/* test_data.h: load test vectors from tests/data and walk pcap captures (libc only). */
#ifndef MP_TEST_DATA_H
#define MP_TEST_DATA_H

#include <stddef.h>
#include <stdint.h>

/* Read tests/data/<name> (directory from $MP_TEST_DATA; an absolute name is used as it is) into a malloc'd buffer
 * with a NUL after the last byte. Aborts the test binary if it cannot. */
uint8_t *mp_test_read_file(const char *name, size_t *len);

/* One frame of a pcap file, with its IPv4/UDP or TCP payload located. */
struct mp_pcap_frame {
	const uint8_t *frame;    /* Ethernet frame */
	size_t frame_len;
	uint8_t ip_proto;        /* 17 UDP, 6 TCP, 0 if not IPv4 */
	uint32_t src_ip, dst_ip; /* host order */
	uint16_t src_port, dst_port;
	const uint8_t *payload;  /* UDP or TCP payload */
	size_t payload_len;
};

struct mp_pcap {
	uint8_t *data;
	size_t len;
	size_t off;
	int swapped;
};

/* Open tests/data/<name> (Ethernet linktype, classic pcap). Aborts on error. */
void mp_pcap_open(struct mp_pcap *p, const char *name);
/* Next frame, 1 if one was read, 0 at the end. */
int mp_pcap_next(struct mp_pcap *p, struct mp_pcap_frame *f);
void mp_pcap_close(struct mp_pcap *p);

#endif
