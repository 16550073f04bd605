/* rtmp_handshake.h: RTMP handshake (C0C1/S0S1S2/C2), simple and complex (digest) forms, as server
 * and as client, over plain buffers.
 *
 * RTMP spec 1.0 section 5.2 defines the simple form: C0/S0 is the version byte 3, C1/S1 are 1536
 * bytes (time, zero, random), C2/S2 echo the peer's C1/S1. Flash Player, librtmp, ffmpeg and OBS
 * send the "complex" form instead: C1 bytes 4..7 hold a non-zero version and one of the two
 * 764-byte halves carries an HMAC-SHA256 digest keyed with "Genuine Adobe Flash Player 001";
 * the server answers with an S1 digest keyed with "Genuine Adobe Flash Media Server 001" and an
 * S2 whose last 32 bytes are keyed from the client's digest. Peers that send the complex form
 * reject a server that answers with the simple form (ffmpeg when playing), so a proxy must speak
 * both.
 *
 * Digest placement (names as SRS uses them): the 1536 bytes are time(4) version(4) block(764)
 * block(764).
 *   scheme 0: key block first, digest block second: digest at 772 + 4 + (sum of bytes 772..775) % 728
 *   scheme 1: digest block first:                    digest at   8 + 4 + (sum of bytes   8..11) % 728
 * ffmpeg, librtmp (FP9) and OBS put the client digest in scheme 1.
 */
#ifndef MP_PROTO_RTMP_HANDSHAKE_H
#define MP_PROTO_RTMP_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#define MP_RTMP_VERSION 3          /* C0/S0 byte, RTMP spec 1.0 section 5.2.2 */
#define MP_RTMP_HS_SIZE 1536       /* C1, S1, C2, S2 */
#define MP_RTMP_HS_C0C1_LEN 1537
#define MP_RTMP_HS_S0S1S2_LEN 3073
#define MP_RTMP_HS_DIGEST_LEN 32

/* What one side's C1 or S1 says about itself. */
struct mp_rtmp_hs_peer {
	uint32_t time;       /* bytes 0..3 of C1/S1 */
	uint32_t version;    /* bytes 4..7: 0 in the simple form, e.g. 0x09007c02 for ffmpeg */
	uint8_t complex;     /* 1 when a valid digest was found */
	uint8_t scheme;      /* 0 or 1 (see above) when complex */
	uint8_t digest[MP_RTMP_HS_DIGEST_LEN]; /* the digest found, when complex */
	uint8_t s2_valid;    /* client side only: S2 echoes C1 or carries the digest keyed from C1 */
};

/* Server: validate C0C1 (buf holds at least 1537 bytes) and tell the simple form from the complex
 * one (out->complex, out->scheme). A C1 with a non-zero version but no valid digest in either
 * scheme is treated as simple, as Flash Media Server and SRS do.
 * Returns MP_OK, MP_ERR_AGAIN (fewer than 1537 bytes), MP_ERR_UNSUPPORTED (C0 is not 3, e.g. 6 for
 * RTMPE) or MP_ERR_INVAL (NULL argument). */
int mp_rtmp_hs_parse_c0c1(const uint8_t *buf, size_t len, struct mp_rtmp_hs_peer *out);

/* Server: build S0S1S2 (3073 bytes into out) answering c0c1, which mp_rtmp_hs_parse_c0c1 described
 * as client. rnd is 3072 bytes of caller-provided randomness (S1 then S2 filler), time goes in S1.
 * Simple form: S1 = time, zero, random; S2 = C1 echoed.
 * Complex form: S1 carries its digest (Flash Media Server key, same scheme as the client's);
 * S2 is random with its last 32 bytes = HMAC(HMAC(FMS key 68 bytes, C1 digest), S2[0..1504)).
 * Returns MP_OK, MP_ERR_NOSPACE (cap < 3073) or MP_ERR_INVAL. */
int mp_rtmp_hs_build_s0s1s2(const struct mp_rtmp_hs_peer *client, const uint8_t *c0c1,
			    const uint8_t *rnd, uint32_t time, uint8_t *out, size_t cap);

/* Client: build C0C1 (1537 bytes into out) in the complex form, as ffmpeg does: version 9.0.124.2,
 * scheme 1 digest with the Flash Player key. rnd is 1536 bytes of randomness.
 * Returns MP_OK, MP_ERR_NOSPACE or MP_ERR_INVAL. */
int mp_rtmp_hs_build_c0c1(const uint8_t *rnd, uint32_t time, uint8_t *out, size_t cap);

/* Client: validate S0S1S2 received in answer to our c0c1 (1537 bytes) and build C2 (1536 bytes).
 * If S1 carries a valid Media Server digest (either scheme), C2 is random (rnd, 1536 bytes) with
 * its last 32 bytes = HMAC(HMAC(FP key 62 bytes, S1 digest), C2[0..1504)); otherwise C2 echoes S1.
 * server->s2_valid tells whether S2 matched (digest from our C1, or an exact echo of C1); many
 * servers send neither, so it is informational. Returns MP_OK, MP_ERR_AGAIN (fewer than 3073
 * bytes), MP_ERR_UNSUPPORTED (S0 is not 3), MP_ERR_NOSPACE (c2_cap < 1536) or MP_ERR_INVAL. */
int mp_rtmp_hs_client_finish(const uint8_t *c0c1, const uint8_t *s0s1s2, size_t len,
			     const uint8_t *rnd, uint8_t *c2, size_t c2_cap,
			     struct mp_rtmp_hs_peer *server);

/* Server, optional: check the client's C2 (1536 bytes) against the S0S1S2 we sent. C2 should echo
 * S1, or (complex form) end with HMAC(HMAC(FP key 62 bytes, S1 digest), C2[0..1504)). Servers
 * usually ignore C2 (nginx-rtmp and SRS do); returns MP_OK, MP_ERR_AGAIN, MP_ERR_CHECKSUM. */
int mp_rtmp_hs_check_c2(const uint8_t *s0s1s2, const uint8_t *c2, size_t len);

#endif
