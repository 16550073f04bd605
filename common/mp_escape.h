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

/* What an address in a client-facing error becomes (mp_redact_addrs). */
#define MP_REDACTED_ADDR "(address withheld)"

/* Copy the NUL-terminated in to out (cap bytes, always NUL-terminated when cap > 0), every address
 * replaced by MP_REDACTED_ADDR: a dotted-quad IPv4 address (four groups of 1-3 digits, not part of a
 * longer run of digits and dots) with its ":port" if one follows, and an IPv6 address (a run of hex
 * digits, ':' and '.' with at least two ':' that inet_pton reads as IPv6, not inside a longer word),
 * bracketed with its ":port" ("[2001:db8::1]:1935") or bare. The last guard of every error text a
 * client reads (HTTP error bodies, RTMP onStatus/_error descriptions), so no origin's internal address
 * reaches a client, whatever message a relay composes (issue 13). Returns the number replaced. */
unsigned mp_redact_addrs(const char *in, char *out, size_t cap);

#endif
