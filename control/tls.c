/* tls.c: the TLS contexts and bufferevents of the control plane: its TLS listeners (server side) and
 * its relays to origins registered as TLS (client side), OpenSSL through libevent's bufferevent_openssl. */
#include "tls.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

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

void *mp_tls_client_ctx_new(const char *ca, char *err, size_t errcap)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx) {
		ssl_error("TLS:", "client context", err, errcap);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (ca && ca[0] ? SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1 : SSL_CTX_set_default_verify_paths(ctx) != 1) {
		ssl_error("TLS: cannot use the origin CA file", ca && ca[0] ? ca : "(system store)", err, errcap);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

struct bufferevent *mp_tls_connect_bev(struct event_base *base, void *ctx, const char *host)
{
	SSL *ssl = SSL_new(ctx);
	struct bufferevent *bev;
	unsigned char a[16];
	bool ip = inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
	X509_VERIFY_PARAM *param;

	if (!ssl)
		return NULL;
	param = SSL_get0_param(ssl);
	if (ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1
	       : X509_VERIFY_PARAM_set1_host(param, host, 0) != 1 || SSL_set_tlsext_host_name(ssl, host) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		return NULL; /* with BEV_OPT_CLOSE_ON_FREE libevent freed ssl */
	/* an origin that closes without close_notify ends its stream, not an error */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}
