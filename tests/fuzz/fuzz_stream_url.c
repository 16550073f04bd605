/* fuzz_stream_url.c: every stream-URL entry point on arbitrary input; keys that come out obey the rules. */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "mp_error.h"
#include "stream_url.h"

/* A key that was accepted: bounded, no "..", no control byte, and exactly vhost/app/stream. */
static void check(const struct mp_stream_url *su)
{
	char joined[3 * MP_SURL_KEY_MAX + 2];
	size_t n = strlen(su->key);

	if (n == 0 || n >= MP_SURL_KEY_MAX || strstr(su->key, "..") || !su->app[0] || !su->stream[0])
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)su->key[i] < 0x20 || su->key[i] == 0x7f)
			abort();
	strcpy(joined, su->vhost);
	strcat(joined, "/");
	strcat(joined, su->app);
	strcat(joined, "/");
	strcat(joined, su->stream);
	if (strcmp(joined, su->key) != 0)
		abort();
}

/* Input: one selector byte, then two strings split at the first '\n' (e.g. tcUrl and name). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_stream_url su;
	const char *a, *b;
	size_t alen, blen;
	const uint8_t *nl;
	char *copy;
	int rc;

	if (size < 1)
		return 0;
	/* Copy so each string ends exactly at its buffer: any over-read is an ASan report. */
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	nl = memchr(data + 1, '\n', size - 1);
	a = copy;
	alen = nl ? (size_t)(nl - (data + 1)) : size - 1;
	b = nl ? copy + alen + 1 : copy + size - 1;
	blen = nl ? size - 2 - alen : 0;
	switch (data[0] % 4) {
	case 0: rc = mp_stream_url_from_rtmp(a, alen, b, blen, &su); break;
	case 1: rc = mp_stream_url_from_http(a, alen, b, blen, &su); break;
	case 2: rc = mp_stream_url_from_srt(a, alen, b, blen, &su); break;
	default: rc = mp_stream_url_from_url(a, alen, &su); break;
	}
	if (rc == MP_OK)
		check(&su);
	else if (rc >= 0 || su.key[0] != '\0')
		abort();
	free(copy);
	return 0;
}
