/* fuzz_hop_marker.c: loop markers (HTTP Via, the RTMP connect's mediaplane_via object) and the escaping of
 * network names for logs and the CLI, on arbitrary input. */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "hop_marker.h"
#include "mp_error.h"
#include "mp_escape.h"
#include "rtmp_command.h"

#define NODES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct mp_amf0_node nodes[NODES];
	struct mp_rtmp_cmd cmd;
	uint8_t *msg = malloc(size + 256);
	char *esc = malloc(4 * size + 1);
	size_t n;
	int v;

	if (!msg || !esc)
		goto done;
	/* Via: exactly size bytes, no terminator (any read past the end is an ASan report). */
	(void)mp_via_has(s, size, "mediaplane-fuzz");
	(void)mp_via_has(s, size, "");
	/* Escaping: room for every byte as \xNN: all of it is written, printable, and reads back whole. */
	n = mp_escape(s, size, esc, 4 * size + 1);
	if (n > 4 * size || esc[n] != '\0' || strlen(esc) != n || mp_has_control(esc, n))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)esc[i] > 0x7e)
			abort();
	(void)mp_escape(s, size, esc, 1 + size / 3); /* short outputs stay terminated */
	/* A connect from the network, as is and with our marker appended. */
	if (mp_rtmp_cmd_parse(&cmd, nodes, NODES, 20, data, size) == MP_OK)
		(void)mp_rtmp_connect_has_via(&cmd, "mediaplane-fuzz");
	memcpy(msg, data, size);
	v = mp_rtmp_via_build(msg + size, 256, "mediaplane-fuzz");
	if (v <= 0)
		abort();
	if (mp_rtmp_cmd_parse(&cmd, nodes, NODES, 20, msg, size + (size_t)v) == MP_OK)
		(void)mp_rtmp_connect_has_via(&cmd, "mediaplane-fuzz");
done:
	free(msg);
	free(esc);
	return 0;
}
