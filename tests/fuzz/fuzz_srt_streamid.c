/* fuzz_srt_streamid.c: the stream id grammar on raw strings, and the byte-swapped string codec. */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "srt.h"
#include "srt_streamid.h"

static int inside(const struct mp_srt_sid_str *s, const uint8_t *data, size_t size)
{
	return s->len == 0 || ((const uint8_t *)s->p >= data && (const uint8_t *)s->p + s->len <= data + size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_srt_streamid id;
	uint8_t enc[MP_SRT_STREAMID_MAX + 4];
	char dec[MP_SRT_STREAMID_MAX + 1];
	size_t dec_len;
	int n;

	if (mp_srt_streamid_parse((const char *)data, size, &id) == MP_OK) {
		if (!inside(&id.resource, data, size) || !inside(&id.app, data, size) ||
		    !inside(&id.stream, data, size) || !inside(&id.host, data, size) ||
		    !inside(&id.user, data, size) || !inside(&id.session, data, size) ||
		    !inside(&id.type, data, size) || id.resource.len == 0)
			abort();
		if (id.query_len > MP_SRT_SID_MAX || strlen(id.query) != id.query_len)
			abort();
	}
	/* encode then decode gives the string back when it holds no NUL */
	n = mp_srt_ext_string_encode((const char *)data, size, enc, sizeof(enc));
	if (n >= 0) {
		int rc = mp_srt_ext_string_decode(enc, (size_t)n, dec, sizeof(dec), &dec_len);

		if (!memchr(data, 0, size) && (rc != MP_OK || dec_len != size || memcmp(dec, data, size)))
			abort();
	}
	/* and the raw bytes read as an extension value */
	(void)mp_srt_ext_string_decode(data, size & ~(size_t)3, dec, sizeof(dec), &dec_len);
	return 0;
}
