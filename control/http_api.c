/* http_api.c: HTTP API routes: /api/v1/versions; WHIP/WHEP proxying lands here (issue 7). */
#include "http_api.h"
#include "control.h"
#include "system_api.h"

#include <event2/http.h>

void mp_http_api_install(struct mp_control *c)
{
	evhttp_set_cb(c->http[MP_L_HTTP_API], "/api/v1/versions", mp_api_versions, c);
}
