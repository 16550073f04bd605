/* tls.c: the TLS server context and TLS bufferevents of the control plane's TLS listeners (OpenSSL
 * through libevent's bufferevent_openssl). */
#include "tls.h"

#include <stdio.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

static void ssl_error(const char *what, const char *file, char *err, size_t errcap)
{
	char buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	snprintf(err, errcap, "%s %s: %s", what, file, buf);
	ERR_clear_error();
}

void *mp_tls_ctx_new(const char *cert, const char *key, char *err, size_t errcap)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx) {
		ssl_error("TLS:", "context", err, errcap);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_error("TLS: cannot use the certificate", cert, err, errcap);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ssl_error("TLS: cannot use the key", key, err, errcap);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_error("TLS: the key does not match the certificate", cert, err, errcap);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

void mp_tls_ctx_free(void *ctx)
{
	SSL_CTX_free(ctx); /* connections still open hold their own reference */
}

struct bufferevent *mp_tls_accept_bev(struct event_base *base, void *ctx, int fd)
{
	SSL *ssl = SSL_new(ctx);
	struct bufferevent *bev;

	if (!ssl)
		return NULL;
	bev = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		return NULL; /* with BEV_OPT_CLOSE_ON_FREE libevent freed ssl */
	/* a client that closes without close_notify (common) ends its connection, not an error */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}
