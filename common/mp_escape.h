/* mp_escape.h: make a string from the network safe to print: on a log line or an operator's terminal. */
#ifndef MP_ESCAPE_H
#define MP_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/* Copy len bytes of in to out (cap bytes, always NUL-terminated when cap > 0), writing every byte that
 * is not printable ASCII (below 0x20, 0x7f and above: ESC, CR, LF, NUL, C1 controls, UTF-8 bytes) as
 * "\xNN" and a backslash as "\\", so what a peer sent can neither start a line nor move a terminal's
 * cursor, and the original bytes can be read back. A byte that does not fit whole is left out (no
 * half escape). Returns the length written. */
size_t mp_escape(const char *in, size_t len, char *out, size_t cap);

/* True when s (len bytes) holds a byte below 0x20 or 0x7f (NUL, ESC, CR, LF, TAB...). */
bool mp_has_control(const char *s, size_t len);

#endif
