/* test_data.c: load test vectors and walk classic pcap files for the unit tests. */
#include "test_data.h"

#include "byteorder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t *mp_test_read_file(const char *name, size_t *len)
{
	const char *dir = getenv("MP_TEST_DATA");
	char path[1024];
	FILE *f;
	long n;
	uint8_t *buf;

	if (name[0] == '/') /* an absolute path (run_fuzz.sh passes $MP_TEST_DATA/<seed>) */
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/data", name);
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		fprintf(stderr, "test data %s: cannot read\n", path);
		abort();
	}
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "test data %s: short read\n", path);
		abort();
	}
	fclose(f);
	buf[n] = 0;
	*len = (size_t)n;
	return buf;
}

static uint32_t rd32(const struct mp_pcap *p, const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return p->swapped ? __builtin_bswap32(v) : v;
}

void mp_pcap_open(struct mp_pcap *p, const char *name)
{
	uint32_t magic;

	p->data = mp_test_read_file(name, &p->len);
	if (p->len < 24) {
		fprintf(stderr, "pcap %s: too short\n", name);
		abort();
	}
	memcpy(&magic, p->data, 4);
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
		p->swapped = 0;
	else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
		p->swapped = 1;
	else {
		fprintf(stderr, "pcap %s: bad magic\n", name);
		abort();
	}
	if (rd32(p, p->data + 20) != 1) {
		fprintf(stderr, "pcap %s: not Ethernet\n", name);
		abort();
	}
	p->off = 24;
}

int mp_pcap_next(struct mp_pcap *p, struct mp_pcap_frame *f)
{
	uint32_t caplen;
	const uint8_t *e, *ip, *l4;
	size_t ihl, iplen;

	if (p->off + 16 > p->len)
		return 0;
	caplen = rd32(p, p->data + p->off + 8);
	if (p->off + 16 + caplen > p->len)
		return 0;
	memset(f, 0, sizeof(*f));
	f->frame = e = p->data + p->off + 16;
	f->frame_len = caplen;
	p->off += 16 + caplen;
	if (caplen < 14 + 20 || mp_rd16(e + 12) != 0x0800)
		return 1;
	ip = e + 14;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	iplen = mp_rd16(ip + 2);
	if (iplen > caplen - 14 || ihl < 20 || iplen < ihl)
		return 1;
	f->src_ip = mp_rd32(ip + 12);
	f->dst_ip = mp_rd32(ip + 16);
	l4 = ip + ihl;
	if (ip[9] == 17 && iplen >= ihl + 8) {
		f->ip_proto = 17;
		f->src_port = mp_rd16(l4);
		f->dst_port = mp_rd16(l4 + 2);
		f->payload = l4 + 8;
		f->payload_len = iplen - ihl - 8;
	} else if (ip[9] == 6 && iplen >= ihl + 20) {
		size_t doff = (size_t)(l4[12] >> 4) * 4;

		if (doff < 20 || ihl + doff > iplen)
			return 1;
		f->ip_proto = 6;
		f->src_port = mp_rd16(l4);
		f->dst_port = mp_rd16(l4 + 2);
		f->payload = l4 + doff;
		f->payload_len = iplen - ihl - doff;
	}
	return 1;
}

void mp_pcap_close(struct mp_pcap *p)
{
	free(p->data);
	p->data = NULL;
}
