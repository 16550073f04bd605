/* mp_escape.c: escape what the network sent before it reaches a log line or a terminal. */
#include "mp_escape.h"

size_t mp_escape(const char *in, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (!cap)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)in[i];

		if (b >= 0x20 && b < 0x7f && b != '\\') {
			if (n + 1 >= cap)
				break;
			out[n++] = (char)b;
		} else if (b == '\\') {
			if (n + 2 >= cap)
				break;
			out[n++] = '\\';
			out[n++] = '\\';
		} else {
			if (n + 4 >= cap)
				break;
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[b >> 4];
			out[n++] = hex[b & 15];
		}
	}
	out[n] = 0;
	return n;
}

bool mp_has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return true;
	return false;
}
