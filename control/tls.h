/* tls.h: TLS termination for the control plane's listeners, wired from OpenSSL and libevent's
 * bufferevent_openssl (no TLS code of our own): the server context from a certificate and key, and
 * a server-side TLS bufferevent for an accepted socket. */
#ifndef MP_TLS_H
#define MP_TLS_H

#include <stddef.h>

struct event_base;
struct bufferevent;

/* The server context (an SSL_CTX) of the PEM certificate chain file cert and PEM key file key;
 * NULL with err filled when either cannot be read or they do not match. */
void *mp_tls_ctx_new(const char *cert, const char *key, char *err, size_t errcap);
void mp_tls_ctx_free(void *ctx);

/* A bufferevent that accepts TLS on fd (-1: evhttp sets the socket later) with ctx; closes the socket
 * and frees the TLS state when freed. NULL when out of memory. */
struct bufferevent *mp_tls_accept_bev(struct event_base *base, void *ctx, int fd);

/* The client context of the relays to origins registered as TLS (endpoint "tls://", "https://",
 * "rtmps://"): TLS 1.2 or later, the origin's certificate chain verified against the PEM file ca (""
 * : the system's CA store). NULL with err filled when ca cannot be read. */
void *mp_tls_client_ctx_new(const char *ca, char *err, size_t errcap);

/* A bufferevent that speaks TLS as a client with ctx to host (an IP address of either family, as
 * text), its certificate required to be valid for that address (a subjectAltName IP entry, RFC 5280
 * section 4.2.1.6; a name would be checked as a DNS name and sent as SNI). No socket yet: the caller
 * connects it (bufferevent_socket_connect) or hands it to evhttp. Closes the socket and frees the TLS
 * state when freed. NULL when out of memory. */
struct bufferevent *mp_tls_connect_bev(struct event_base *base, void *ctx, const char *host);

#endif
