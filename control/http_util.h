/* http_util.h: small helpers shared by the control plane's HTTP handlers (JSON replies, auth). */
#ifndef MP_HTTP_UTIL_H
#define MP_HTTP_UTIL_H

#include <stdbool.h>

struct evhttp_request;
struct mp_config;

/* Send code with a JSON body and Content-Type: application/json. */
void mp_http_reply_json(struct evhttp_request *req, int code, const char *json);
/* Send code with {"code":<code>,"error":"<reason>"} (reason JSON-escaped). */
void mp_http_reply_error(struct evhttp_request *req, int code, const char *reason);
/* When auth is enabled, check "Authorization: Bearer <token>"; on failure answer 401 with
 * WWW-Authenticate: Bearer and return false. */
bool mp_http_check_auth(struct evhttp_request *req, const struct mp_config *cfg);

#endif
