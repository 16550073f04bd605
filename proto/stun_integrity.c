/* stun_integrity.c: STUN MESSAGE-INTEGRITY: HMAC-SHA1 with libcrypto, length-adjusted header (RFC 5389 section 15.4). */
#include "stun_integrity.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

struct mp_stun_hmac {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
};

struct mp_stun_hmac *mp_stun_hmac_new(void)
{
	struct mp_stun_hmac *h = calloc(1, sizeof(*h));
	OSSL_PARAM params[2];

	if (!h)
		return NULL;
	h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	h->ctx = h->mac ? EVP_MAC_CTX_new(h->mac) : NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA1", 0);
	params[1] = OSSL_PARAM_construct_end();
	/* The digest is fetched here, once; each check then only sets the key. */
	if (!h->ctx || !EVP_MAC_CTX_set_params(h->ctx, params)) {
		mp_stun_hmac_free(h);
		return NULL;
	}
	return h;
}

void mp_stun_hmac_free(struct mp_stun_hmac *h)
{
	if (!h)
		return;
	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
	free(h);
}

int mp_stun_integrity_compute(struct mp_stun_hmac *h, const uint8_t *buf, size_t mi_off, const uint8_t *key,
			      size_t key_len, uint8_t out[MP_STUN_INTEGRITY_LEN])
{
	uint8_t hdr[MP_STUN_HEADER_LEN];
	size_t body = mi_off + 4 + MP_STUN_INTEGRITY_LEN - MP_STUN_HEADER_LEN, n = 0;

	if (!h || !buf || !out || mi_off < MP_STUN_HEADER_LEN || (mi_off & 3) || body > 0xffff)
		return MP_ERR_INVAL;
	/* RFC 5389 section 15.4: the length field counts up to the end of MESSAGE-INTEGRITY. */
	memcpy(hdr, buf, sizeof(hdr));
	hdr[2] = (uint8_t)(body >> 8);
	hdr[3] = (uint8_t)body;
	if (!EVP_MAC_init(h->ctx, key, key_len, NULL) || !EVP_MAC_update(h->ctx, hdr, sizeof(hdr)) ||
	    !EVP_MAC_update(h->ctx, buf + MP_STUN_HEADER_LEN, mi_off - MP_STUN_HEADER_LEN) ||
	    !EVP_MAC_final(h->ctx, out, &n, MP_STUN_INTEGRITY_LEN) || n != MP_STUN_INTEGRITY_LEN)
		return MP_ERR_NOMEM;
	return MP_OK;
}

int mp_stun_integrity_verify(struct mp_stun_hmac *h, const uint8_t *buf, size_t len, const struct mp_stun_msg *msg,
			     const uint8_t *key, size_t key_len)
{
	uint8_t want[MP_STUN_INTEGRITY_LEN];
	size_t off;
	int rc;

	if (!msg || !key || key_len == 0)
		return MP_ERR_INVAL;
	off = msg->integrity_off;
	if (!off)
		return MP_ERR_NOTFOUND;
	if (off + 4 + MP_STUN_INTEGRITY_LEN > len)
		return MP_ERR_INVAL;
	rc = mp_stun_integrity_compute(h, buf, off, key, key_len, want);
	if (rc != MP_OK)
		return rc;
	return CRYPTO_memcmp(want, buf + off + 4, MP_STUN_INTEGRITY_LEN) == 0 ? MP_OK : MP_ERR_AUTH;
}
