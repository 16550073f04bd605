/* system_api.c: System API routes: /api/v1/versions now; registration and queries join as lb/ lands. */
#include "system_api.h"
#include "control.h"
#include "http_util.h"
#include "proto_version.h"

#include <cjson/cJSON.h>
#include <event2/http.h>

void mp_api_versions(struct evhttp_request *req, void *arg)
{
	struct mp_control *c = arg;
	char body[512];

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		mp_http_reply_error(req, 405, "use GET");
		return;
	}
	if (mp_version_json(body, sizeof(body), c->pid) < 0) {
		mp_http_reply_error(req, 500, "version body too long");
		return;
	}
	mp_http_reply_json(req, 200, body);
}

/* GET /api/v1/dataplane: per-lcore and total counters of the data plane. */
static void api_dataplane(struct evhttp_request *req, void *arg)
{
	struct mp_control *c = arg;
	cJSON *o, *data;
	char *s;

	if (!mp_http_check_auth(req, c->cfg))
		return;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		mp_http_reply_error(req, 405, "use GET");
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "code", 0);
	data = cJSON_AddObjectToObject(o, "data");
	if (c->dp_stats)
		c->dp_stats(c->dp_stats_ctx, data);
	s = cJSON_PrintUnformatted(o);
	mp_http_reply_json(req, 200, s ? s : "{}");
	cJSON_free(s);
	cJSON_Delete(o);
}

static void not_found(struct evhttp_request *req, void *arg)
{
	(void)arg;
	mp_http_reply_error(req, 404, "no such API");
}

void mp_system_api_install(struct mp_control *c)
{
	struct evhttp *h = c->http[MP_L_SYSTEM_API];

	evhttp_set_cb(h, "/api/v1/versions", mp_api_versions, c);
	evhttp_set_cb(h, "/api/v1/dataplane", api_dataplane, c);
	evhttp_set_gencb(h, not_found, c);
}
