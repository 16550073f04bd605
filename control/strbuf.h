/* strbuf.h: a growing text buffer (command output, the Prometheus exposition). */
#ifndef MP_STRBUF_H
#define MP_STRBUF_H

#include <stddef.h>

struct mp_strbuf {
	char *s;
	size_t len, cap;
};
/* Append formatted text; on allocation failure the buffer is emptied (len 0, s NULL). */
void mp_strbuf_printf(struct mp_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mp_strbuf_free(struct mp_strbuf *b);

#endif
