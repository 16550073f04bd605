/* pcap_write.h: write frames into a classic pcap file (Ethernet) for packet tests. */
#ifndef MP_TEST_PCAP_WRITE_H
#define MP_TEST_PCAP_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

FILE *mp_pcap_create(const char *path);
void mp_pcap_write(FILE *f, const uint8_t *frame, size_t len);

#endif
