/* pcap_to_corpus.c: writes each UDP/TCP payload (or whole frame) of a pcap as one corpus file. */
#include "test_data.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct mp_pcap p;
	struct mp_pcap_frame f;
	int n = 0;

	if (argc != 4 || (strcmp(argv[2], "payload") && strcmp(argv[2], "frame"))) {
		fprintf(stderr, "usage: pcap_to_corpus FILE.pcap payload|frame OUTDIR\n");
		return 2;
	}
	mp_pcap_open(&p, argv[1]);
	while (mp_pcap_next(&p, &f)) {
		const uint8_t *b = strcmp(argv[2], "frame") == 0 ? f.frame : f.payload;
		size_t len = strcmp(argv[2], "frame") == 0 ? f.frame_len : f.payload_len;
		char path[4096];
		FILE *o;

		if (!b || len == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%04d", argv[3], n++);
		o = fopen(path, "wb");
		if (!o || fwrite(b, 1, len, o) != len) {
			perror(path);
			return 1;
		}
		fclose(o);
	}
	mp_pcap_close(&p);
	return 0;
}
