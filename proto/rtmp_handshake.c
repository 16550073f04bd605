/* rtmp_handshake.c: RTMP simple (spec 1.0 section 5.2) and complex (digest) handshakes; HMAC-SHA256 from libcrypto. */
#include "rtmp_handshake.h"

#include <string.h>

#include "byteorder.h"
#include "mp_error.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define MP_SHA256_LEN 32

/* The digest keys of the Flash Player / Flash Media Server handshake: an ASCII name followed by
 * 32 fixed bytes. C1/C2 digests use the first 30 / all 62 bytes of the player key; S1/S2 digests
 * the first 36 / all 68 bytes of the server key. */
#define FP_KEY_SHORT 30
#define FMS_KEY_SHORT 36
static const uint8_t key_tail[32] = {
	0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
	0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE,
};

static void fp_key(uint8_t k[62])
{
	memcpy(k, "Genuine Adobe Flash Player 001", FP_KEY_SHORT);
	memcpy(k + FP_KEY_SHORT, key_tail, sizeof(key_tail));
}

static void fms_key(uint8_t k[68])
{
	memcpy(k, "Genuine Adobe Flash Media Server 001", FMS_KEY_SHORT);
	memcpy(k + FMS_KEY_SHORT, key_tail, sizeof(key_tail));
}

/* Position of the 32-byte digest inside a 1536-byte C1/S1 for a scheme (see the header). */
static size_t digest_pos(const uint8_t *c1, int scheme)
{
	size_t base = scheme == 0 ? 772 : 8;

	return base + 4 + (size_t)(c1[base] + c1[base + 1] + c1[base + 2] + c1[base + 3]) % 728;
}

/* HMAC-SHA256 by libcrypto (OpenSSL's one-shot HMAC; its incremental HMAC_CTX is deprecated in 3.0).
 * A failure (no SHA-256 in the provider) leaves a digest of zeros, which never matches a peer's. */
static void hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *data, size_t len, uint8_t out[MP_SHA256_LEN])
{
	unsigned int n = 0;

	if (!HMAC(EVP_sha256(), key, (int)klen, data, len, out, &n) || n != MP_SHA256_LEN)
		memset(out, 0, MP_SHA256_LEN);
}

/* HMAC over the 1536 bytes minus the 32 at pos: the C1/S1 digest. */
static void digest_of(const uint8_t *c1, size_t pos, const uint8_t *key, size_t klen,
		      uint8_t out[MP_RTMP_HS_DIGEST_LEN])
{
	uint8_t joined[MP_RTMP_HS_SIZE - MP_RTMP_HS_DIGEST_LEN];

	memcpy(joined, c1, pos);
	memcpy(joined + pos, c1 + pos + MP_RTMP_HS_DIGEST_LEN, MP_RTMP_HS_SIZE - pos - MP_RTMP_HS_DIGEST_LEN);
	hmac_sha256(key, klen, joined, sizeof(joined), out);
}

/* Find a valid digest in either scheme (0 first, as SRS tries); fills p->complex/scheme/digest. */
static void find_digest(const uint8_t *c1, const uint8_t *key, size_t klen, struct mp_rtmp_hs_peer *p)
{
	uint8_t d[MP_RTMP_HS_DIGEST_LEN];

	p->complex = 0;
	p->scheme = 0;
	for (int scheme = 0; scheme < 2; scheme++) {
		size_t pos = digest_pos(c1, scheme);

		digest_of(c1, pos, key, klen, d);
		if (memcmp(d, c1 + pos, sizeof(d)) == 0) {
			p->complex = 1;
			p->scheme = (uint8_t)scheme;
			memcpy(p->digest, d, sizeof(d));
			return;
		}
	}
}

/* Write the digest of a 1536-byte C1/S1 into place for scheme. */
static void sign(uint8_t *c1, int scheme, const uint8_t *key, size_t klen)
{
	size_t pos = digest_pos(c1, scheme);

	digest_of(c1, pos, key, klen, c1 + pos);
}

/* The C2/S2 form: last 32 bytes = HMAC(HMAC(key, peer digest), first 1504 bytes). */
static void reply_digest(const uint8_t *key, size_t klen, const uint8_t *peer_digest,
			 const uint8_t *buf, uint8_t out[MP_RTMP_HS_DIGEST_LEN])
{
	uint8_t tmp[MP_SHA256_LEN];

	hmac_sha256(key, klen, peer_digest, MP_RTMP_HS_DIGEST_LEN, tmp);
	hmac_sha256(tmp, sizeof(tmp), buf, MP_RTMP_HS_SIZE - MP_RTMP_HS_DIGEST_LEN, out);
}

static int parse_c1(const uint8_t *c1, const uint8_t *key, size_t klen, struct mp_rtmp_hs_peer *out)
{
	memset(out, 0, sizeof(*out));
	out->time = mp_rd32(c1);
	out->version = mp_rd32(c1 + 4);
	/* A zero version means the simple form (RTMP spec 1.0 section 5.2.3: "Zero (4 bytes)"). */
	if (out->version != 0)
		find_digest(c1, key, klen, out);
	return MP_OK;
}

int mp_rtmp_hs_parse_c0c1(const uint8_t *buf, size_t len, struct mp_rtmp_hs_peer *out)
{
	uint8_t key[62];

	if (!buf || !out)
		return MP_ERR_INVAL;
	if (len < MP_RTMP_HS_C0C1_LEN)
		return len && buf[0] != MP_RTMP_VERSION ? MP_ERR_UNSUPPORTED : MP_ERR_AGAIN;
	if (buf[0] != MP_RTMP_VERSION) /* RTMP spec 1.0 section 5.2.2 */
		return MP_ERR_UNSUPPORTED;
	fp_key(key);
	return parse_c1(buf + 1, key, FP_KEY_SHORT, out);
}

int mp_rtmp_hs_build_s0s1s2(const struct mp_rtmp_hs_peer *client, const uint8_t *c0c1,
			    const uint8_t *rnd, uint32_t time, uint8_t *out, size_t cap)
{
	uint8_t *s1, *s2, key[68];

	if (!client || !c0c1 || !rnd || !out)
		return MP_ERR_INVAL;
	if (cap < MP_RTMP_HS_S0S1S2_LEN)
		return MP_ERR_NOSPACE;
	s1 = out + 1, s2 = out + 1 + MP_RTMP_HS_SIZE;
	out[0] = MP_RTMP_VERSION;
	memcpy(s1, rnd, MP_RTMP_HS_SIZE);
	mp_wr32(s1, time);
	if (!client->complex) {
		/* Simple form: S1 = time, zero, random; S2 echoes C1 (spec 1.0 sections 5.2.3, 5.2.4). */
		memset(s1 + 4, 0, 4);
		memcpy(s2, c0c1 + 1, MP_RTMP_HS_SIZE);
		return MP_OK;
	}
	fms_key(key);
	/* Server version, non-zero so clients look for the digest (value as nginx-rtmp sends). */
	s1[4] = 0x0d, s1[5] = 0x0e, s1[6] = 0x0a, s1[7] = 0x0d;
	sign(s1, client->scheme, key, FMS_KEY_SHORT);
	memcpy(s2, rnd + MP_RTMP_HS_SIZE, MP_RTMP_HS_SIZE);
	reply_digest(key, sizeof(key), client->digest, s2, s2 + MP_RTMP_HS_SIZE - MP_RTMP_HS_DIGEST_LEN);
	return MP_OK;
}

int mp_rtmp_hs_build_c0c1(const uint8_t *rnd, uint32_t time, uint8_t *out, size_t cap)
{
	uint8_t key[62];

	if (!rnd || !out)
		return MP_ERR_INVAL;
	if (cap < MP_RTMP_HS_C0C1_LEN)
		return MP_ERR_NOSPACE;
	out[0] = MP_RTMP_VERSION;
	memcpy(out + 1, rnd, MP_RTMP_HS_SIZE);
	mp_wr32(out + 1, time);
	/* Flash Player version 9.0.124.2, what ffmpeg announces. */
	out[5] = 9, out[6] = 0, out[7] = 124, out[8] = 2;
	fp_key(key);
	sign(out + 1, 1, key, FP_KEY_SHORT);
	return MP_OK;
}

int mp_rtmp_hs_client_finish(const uint8_t *c0c1, const uint8_t *s0s1s2, size_t len,
			     const uint8_t *rnd, uint8_t *c2, size_t c2_cap,
			     struct mp_rtmp_hs_peer *server)
{
	const uint8_t *c1, *s1, *s2;
	uint8_t fms[68], fp[62], d[MP_RTMP_HS_DIGEST_LEN];
	struct mp_rtmp_hs_peer self;

	if (!c0c1 || !s0s1s2 || !rnd || !c2 || !server)
		return MP_ERR_INVAL;
	if (len < MP_RTMP_HS_S0S1S2_LEN)
		return len && s0s1s2[0] != MP_RTMP_VERSION ? MP_ERR_UNSUPPORTED : MP_ERR_AGAIN;
	if (s0s1s2[0] != MP_RTMP_VERSION)
		return MP_ERR_UNSUPPORTED;
	if (c2_cap < MP_RTMP_HS_SIZE)
		return MP_ERR_NOSPACE;
	c1 = c0c1 + 1, s1 = s0s1s2 + 1, s2 = s1 + MP_RTMP_HS_SIZE;
	fms_key(fms);
	fp_key(fp);
	parse_c1(s1, fms, FMS_KEY_SHORT, server);
	/* S2: an echo of C1 (simple), or the digest keyed from our C1 digest (complex). */
	parse_c1(c1, fp, FP_KEY_SHORT, &self);
	server->s2_valid = memcmp(s2, c1, MP_RTMP_HS_SIZE) == 0;
	if (!server->s2_valid && self.complex) {
		reply_digest(fms, sizeof(fms), self.digest, s2, d);
		server->s2_valid = memcmp(d, s2 + MP_RTMP_HS_SIZE - MP_RTMP_HS_DIGEST_LEN, sizeof(d)) == 0;
	}
	if (!server->complex) {
		memcpy(c2, s1, MP_RTMP_HS_SIZE);
		return MP_OK;
	}
	memcpy(c2, rnd, MP_RTMP_HS_SIZE);
	reply_digest(fp, sizeof(fp), server->digest, c2, c2 + MP_RTMP_HS_SIZE - MP_RTMP_HS_DIGEST_LEN);
	return MP_OK;
}

int mp_rtmp_hs_check_c2(const uint8_t *s0s1s2, const uint8_t *c2, size_t len)
{
	uint8_t fms[68], fp[62], d[MP_RTMP_HS_DIGEST_LEN];
	struct mp_rtmp_hs_peer s;
	const uint8_t *s1;

	if (!s0s1s2 || !c2)
		return MP_ERR_INVAL;
	if (len < MP_RTMP_HS_SIZE)
		return MP_ERR_AGAIN;
	s1 = s0s1s2 + 1;
	if (memcmp(c2, s1, MP_RTMP_HS_SIZE) == 0)
		return MP_OK;
	fms_key(fms);
	fp_key(fp);
	parse_c1(s1, fms, FMS_KEY_SHORT, &s);
	if (!s.complex)
		return MP_ERR_CHECKSUM;
	reply_digest(fp, sizeof(fp), s.digest, c2, d);
	return memcmp(d, c2 + MP_RTMP_HS_SIZE - MP_RTMP_HS_DIGEST_LEN, sizeof(d)) == 0 ? MP_OK
											: MP_ERR_CHECKSUM;
}
