/* dtls.h: DTLS record walk on the media path: does a datagram carry an alert that ends the association. */
#ifndef MP_PROTO_DTLS_H
#define MP_PROTO_DTLS_H

#include <stddef.h>
#include <stdint.h>

#include "mp_error.h"

#define MP_DTLS_HEADER_LEN 13          /* DTLS 1.0/1.2 record header (RFC 6347 section 4.1) */
#define MP_DTLS_CT_ALERT 21            /* ContentType alert (RFC 5246 section 6.2.1) */

/* What mp_dtls_alert finds in a datagram of DTLS records.
 *
 * After the handshake (epoch >= 1) an alert's level and description are encrypted: a middlebox sees
 * only "content type 21". A close_notify cannot be told from another alert then, but in DTLS-SRTP
 * (WebRTC) stacks an alert after the handshake is a close_notify or a fatal alert, and both end the
 * association (RFC 5246 section 7.2.1, 7.2.2); the warning alerts left (user_canceled, which is followed
 * by close_notify, and no_renegotiation) are not sent by WebRTC stacks. DTLS 1.3 hides the content
 * type of encrypted records entirely (RFC 9147 section 4, the unified header): nothing is found there. */
enum mp_dtls_alert {
	MP_DTLS_ALERT_NONE = 0,   /* no alert record (or only DTLS 1.3 ciphertext) */
	MP_DTLS_ALERT_WARNING,    /* a plaintext (epoch 0) warning other than close_notify: not an end */
	MP_DTLS_ALERT_CLOSE,      /* a plaintext close_notify or fatal alert (RFC 5246 section 7.2) */
	MP_DTLS_ALERT_ENCRYPTED,  /* an alert record of epoch >= 1: close_notify or fatal, by the above */
};

/* Walk the records of a DTLS datagram (RFC 6347 section 4.1.1: several records may share one) and
 * return the strongest alert kind found (CLOSE or ENCRYPTED over WARNING over NONE), or
 * MP_ERR_TRUNCATED when the first record's header or length runs past the end, MP_ERR_INVAL when the
 * first byte is not a DTLS content type (20..63, RFC 7983). A later malformed record ends the walk
 * with what was found before it. */
int mp_dtls_alert(const uint8_t *buf, size_t len);

#endif
