/* http_util.h: small helpers shared by the control plane's HTTP handlers (JSON replies, auth, versions). */
#ifndef MP_HTTP_UTIL_H
#define MP_HTTP_UTIL_H

#include <stdbool.h>

struct evhttp_request;
struct mp_config;

/* Send code with a JSON body and Content-Type: application/json. */
void mp_http_reply_json(struct evhttp_request *req, int code, const char *json);
/* A CONNECT (never served: no proxying here) is answered 405 and its connection closed; true then.
 * Every router calls it first. (mp_http_reply_json closes a CONNECT's connection whatever answers it.) */
bool mp_http_refuse_method(struct evhttp_request *req);
/* Send code with {"code":<code>,"error":"<reason>"} (reason JSON-escaped). */
void mp_http_reply_error(struct evhttp_request *req, int code, const char *reason);
/* The same with reason as it is, addresses included: only for answers to an origin or an operator
 * (a refused registration names the origin's own endpoint); anything a client may read goes through
 * mp_http_reply_error, which withholds every IPv4 address (issue 13). */
void mp_http_reply_error_unredacted(struct evhttp_request *req, int code, const char *reason);
/* True when auth is enabled and authorization (an Authorization value, may be NULL) is
 * "Bearer <api_auth_token>": the appliance's own token. */
bool mp_http_is_own_token(const char *authorization, const struct mp_config *cfg);
/* When auth is enabled, check "Authorization: Bearer <token>"; on failure answer 401 with
 * WWW-Authenticate: Bearer and return false. A CONNECT is refused here too (mp_http_refuse_method). */
bool mp_http_check_auth(struct evhttp_request *req, const struct mp_config *cfg);

/* GET /api/v1/versions (arg: the struct mp_control), served by the System API and the HTTP API. */
void mp_api_versions(struct evhttp_request *req, void *arg);

#endif
