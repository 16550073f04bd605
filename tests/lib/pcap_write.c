/* pcap_write.c: minimal classic pcap writer (microsecond timestamps, Ethernet linktype). */
#include "pcap_write.h"

#include <string.h>

FILE *mp_pcap_create(const char *path)
{
	FILE *f = fopen(path, "wb");
	uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };

	if (f)
		fwrite(hdr, sizeof(hdr), 1, f);
	return f;
}

void mp_pcap_write(FILE *f, const uint8_t *frame, size_t len)
{
	static uint32_t usec;
	uint32_t rec[4] = { 1, usec++, (uint32_t)len, (uint32_t)len };

	fwrite(rec, sizeof(rec), 1, f);
	fwrite(frame, 1, len, f);
}
