/* dashboard.c: GET /dashboard and its files (HTML/JS/CSS embedded from control/system_api/dashboard/).
 * The files hold no data: every figure the page shows comes from the JSON APIs, which it calls with the
 * operator's bearer token (entered on the page, kept in the tab's sessionStorage). */
#include "dashboard.h"
#include "control.h"
#include "dashboard_files.h"
#include "http_util.h"

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

static void serve(struct evhttp_request *req, const char *name)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b;

	for (const struct mp_dash_file *f = mp_dash_files; f->name; f++) {
		if (strcmp(f->name, name))
			continue;
		b = evbuffer_new();
		if (!b) {
			mp_http_reply_error(req, 500, "out of memory");
			return;
		}
		evbuffer_add_reference(b, f->data, f->len, NULL, NULL);
		evhttp_add_header(h, "Content-Type", f->type);
		evhttp_add_header(h, "Cache-Control", "no-cache");
		/* Nothing from elsewhere: no CDN, no inline script, no framing. */
		evhttp_add_header(h, "Content-Security-Policy",
				  "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
		evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
		evhttp_send_reply(req, 200, "OK", b);
		evbuffer_free(b);
		return;
	}
	mp_http_reply_error(req, 404, "no such file");
}

static void on_dashboard(struct evhttp_request *req, void *arg)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));

	(void)arg;
	if (mp_http_refuse_method(req))
		return;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET && evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		mp_http_reply_error(req, 405, "use GET");
		return;
	}
	if (!path || !strcmp(path, "/dashboard")) {
		/* Relative links (app.js) resolve under /dashboard/. */
		evhttp_add_header(evhttp_request_get_output_headers(req), "Location", "/dashboard/");
		evhttp_send_reply(req, 302, "Found", NULL);
		return;
	}
	serve(req, !strcmp(path, "/dashboard/") ? "index.html" : path + strlen("/dashboard/"));
}

void mp_dashboard_routes(struct evhttp *h, struct mp_control *c)
{
	evhttp_set_cb(h, "/dashboard", on_dashboard, c);
	evhttp_set_cb(h, "/dashboard/", on_dashboard, c);
	for (const struct mp_dash_file *f = mp_dash_files; f->name; f++) {
		char path[128];

		snprintf(path, sizeof(path), "/dashboard/%s", f->name);
		evhttp_set_cb(h, path, on_dashboard, c);
	}
}
