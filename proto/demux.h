/* demux.h: first-byte demultiplexing of UDP payloads on a shared port (RFC 7983, RFC 9443, RFC 5761). */
#ifndef MP_PROTO_DEMUX_H
#define MP_PROTO_DEMUX_H

#include <stddef.h>
#include <stdint.h>

#include "mp_error.h"

/* What a UDP payload is, by its first byte(s). */
enum mp_demux_kind {
	MP_DEMUX_OTHER = 0,   /* reserved or unassigned first byte (QUIC, garbage...) */
	MP_DEMUX_STUN,        /* 0..3 */
	MP_DEMUX_ZRTP,        /* 16..19 */
	MP_DEMUX_DTLS,        /* 20..63 */
	MP_DEMUX_TURN_CHANNEL,/* 64..79 */
	MP_DEMUX_RTP,         /* 128..191, second byte outside 192..223 */
	MP_DEMUX_RTCP,        /* 128..191, second byte 192..223 */
	MP_DEMUX__COUNT
};

/* Classify a UDP payload. Returns an enum mp_demux_kind (>= 0), or MP_ERR_TRUNCATED when the
 * bytes needed to decide are missing (empty payload; RTP/RTCP range with fewer than 2 bytes).
 * Only the demux bytes are looked at: each protocol's own parser validates the rest. */
static inline int mp_demux_classify(const uint8_t *buf, size_t len)
{
	uint8_t b;

	if (len == 0)
		return MP_ERR_TRUNCATED;
	b = buf[0];
	/* RFC 7983 section 7, ranges as updated by RFC 9443 section 3. */
	if (b <= 3)
		return MP_DEMUX_STUN;
	if (b >= 16 && b <= 19)
		return MP_DEMUX_ZRTP;
	if (b >= 20 && b <= 63)
		return MP_DEMUX_DTLS;
	if (b >= 64 && b <= 79)
		return MP_DEMUX_TURN_CHANNEL;
	if (b >= 128 && b <= 191) {
		if (len < 2)
			return MP_ERR_TRUNCATED;
		/* RFC 5761 section 4: RTCP packet types 192..223 (PT 64..95 with the marker bit) */
		if (buf[1] >= 192 && buf[1] <= 223)
			return MP_DEMUX_RTCP;
		return MP_DEMUX_RTP;
	}
	return MP_DEMUX_OTHER;
}

/* A constant name for a kind ("stun", "dtls", ...); "unknown" for anything else. */
const char *mp_demux_name(int kind);

#endif
