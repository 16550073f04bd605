/* control.c: the control plane's event loop: binds the listeners' sockets, starts them from the table in
 * order, stops them in reverse, drains on SIGTERM. */
#include "control.h"
#include "conn_guard.h"
#include "default_backend.h"
#include "hop_guard.h"
#include "event_log.h"
#include "http_util.h"
#include "lb.h"
#include "lb_redis.h"
#include "listen.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_escape.h"
#include "mp_log.h"
#include "origin_health.h"
#include "tls.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>

static const struct mp_listen *listener_addr(const struct mp_config *cfg, enum mp_listener l)
{
	switch (l) {
	case MP_L_SYSTEM_API: return &cfg->system_api_listen;
	case MP_L_HTTP_API: return &cfg->api_listen;
	case MP_L_HTTP_STREAM: return &cfg->http_listen;
	default: return &cfg->rtmp_listen;
	}
}

/* The listen address of the TLS twin of the listener on slot. */
static const struct mp_listen *tls_listener_addr(const struct mp_config *cfg, enum mp_listener l)
{
	switch (l) {
	case MP_L_SYSTEM_API: return &cfg->https_system_api_listen;
	case MP_L_HTTP_API: return &cfg->https_api_listen;
	case MP_L_HTTP_STREAM: return &cfg->https_stream_listen;
	default: return &cfg->rtmps_listen;
	}
}

/* "HTTP API TLS" */
static void tls_name(const struct mp_listener_ops *ops, char *out, size_t cap)
{
	snprintf(out, cap, "%s TLS", ops->name);
}

int mp_control_bind(struct mp_control *c, const struct mp_config *cfg, const struct mp_listener_ops *const *listeners,
		    size_t n, char *err, size_t errcap)
{
	memset(c, 0, sizeof(*c));
	mp_raise_nofile(); /* before the first socket: 1024 (systemd's default) is a few idle clients */
	c->cfg = cfg;
	c->listeners = listeners;
	c->n_listeners = n;
	snprintf(c->pid, sizeof(c->pid), "%d", (int)getpid());
	for (int l = 0; l < MP_L__COUNT; l++)
		c->fds[l] = c->tls_fds[l] = -1;
	for (size_t i = 0; i < n; i++) {
		const struct mp_listener_ops *ops = listeners[i];
		char name[32];
		int fd;

		if (listener_addr(cfg, ops->slot)->port) {
			fd = mp_listen_tcp(listener_addr(cfg, ops->slot), cfg->listen_dual_stack, ops->name, err, errcap);
			if (fd < 0) {
				mp_control_close(c);
				return fd;
			}
			c->fds[ops->slot] = fd;
		}
		if (tls_listener_addr(cfg, ops->slot)->port) {
			tls_name(ops, name, sizeof(name));
			fd = mp_listen_tcp(tls_listener_addr(cfg, ops->slot), cfg->listen_dual_stack, name, err, errcap);
			if (fd < 0) {
				mp_control_close(c);
				return fd;
			}
			c->tls_fds[ops->slot] = fd;
		}
	}
	/* before EAL too: an unreadable origin CA fails fast */
	c->origin_tls_ctx = mp_tls_client_ctx_new(cfg->origin_tls_ca, err, errcap);
	if (!c->origin_tls_ctx) {
		mp_control_close(c);
		return MP_ERR_CONFIG;
	}
	for (int l = 0; l < MP_L__COUNT && !c->tls_ctx; l++)
		if (c->tls_fds[l] >= 0) {
			/* before EAL too: a missing or wrong certificate fails fast */
			c->tls_ctx = mp_tls_ctx_new(cfg->tls_cert, cfg->tls_key, err, errcap);
			if (!c->tls_ctx) {
				mp_control_close(c);
				return MP_ERR_CONFIG;
			}
		}
	return MP_OK;
}

bool mp_control_listener_stats(const struct mp_control *c, enum mp_listener slot, struct cJSON *out, long limit)
{
	for (size_t i = 0; i < c->n_listeners; i++)
		if (c->listeners[i]->slot == slot && c->listeners[i]->stats) {
			c->listeners[i]->stats(c, out, limit);
			return true;
		}
	return false;
}

/* Streams open now, over every listener that has some. */
static uint32_t open_streams(const struct mp_control *c)
{
	uint32_t n = 0;

	for (size_t i = 0; i < c->n_listeners; i++)
		if (c->listeners[i]->open)
			n += c->listeners[i]->open(c);
	return n;
}

/* SIGTERM: every listener stops taking new streams; returns how many are open. */
static uint32_t quit_listeners(struct mp_control *c)
{
	uint32_t n = 0;

	for (size_t i = 0; i < c->n_listeners; i++)
		if (c->listeners[i]->quit)
			n += c->listeners[i]->quit(c);
	return n;
}

void mp_control_drained(struct mp_control *c)
{
	if (c->quitting && !open_streams(c)) {
		MP_INFO("every open stream has ended: stopping");
		event_base_loopbreak(c->base);
	}
}

static void on_grace(evutil_socket_t fd, short what, void *arg)
{
	struct mp_control *c = arg;

	(void)fd;
	(void)what;
	MP_INFO("grace_quit_timeout: %u stream(s) still open: stopping", open_streams(c));
	event_base_loopbreak(c->base);
}

/* SIGTERM: stop accepting, let open streams drain up to grace_quit_timeout (force_quit_timeout if
 * shorter), then stop. SIGINT, or a second signal, stops at once. */
static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct mp_control *c = arg;
	uint32_t ms = c->cfg->grace_quit_ms, open;

	(void)what;
	c->quit_signal = (int)sig;
	if (c->health.stopping)
		c->health.stopping(c->health.ctx); /* withdraw the service address before anything else */
	if (c->cfg->force_quit_ms && c->cfg->force_quit_ms < ms)
		ms = c->cfg->force_quit_ms;
	if (sig == SIGTERM && !c->quitting && ms) {
		c->quitting = 1;
		open = quit_listeners(c);
		if (open) {
			struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

			c->grace = evtimer_new(c->base, on_grace, c);
			if (c->grace && !evtimer_add(c->grace, &tv)) {
				MP_INFO("SIGTERM: no new streams; waiting up to %u ms for %u open stream(s) to end", ms, open);
				return;
			}
		}
	}
	MP_INFO("%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	event_base_loopbreak(c->base);
}

/* Every 10 ms: serve the data plane's Redis requests (ICE misses, picks to publish) and tell RCU this
 * thread holds no lb pointer; every second: expire and sync the tables (and Redis). */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct mp_control *c = arg;
	uint64_t now = mp_now_ms();

	(void)fd;
	(void)what;
	if (!c->lb)
		return;
	if (now >= c->next_sync_ms) {
		mp_default_backend_refresh(c, now);
		mp_lb_sync(c->lb, now);
		if (c->host_addrs) {
			const struct mp_self_addrs *a = mp_control_self_addrs(c);

			c->host_addrs(c->host_addrs_ctx, a->ip, a->n);
		}
		if (!c->replies)
			c->replies = mp_origin_replies_new(c->cfg->max_origins);
		if (c->replies)
			mp_origin_replies_scan(c->replies, c->lb, now);
		c->next_sync_ms = now + 1000;
	} else if (!strcmp(c->cfg->lb_type, "redis")) {
		mp_lb_redis_poll(c->lb, now);
	}
	mp_origin_health_tick(c, now);
	mp_origin_probe_tick(c, now);
	mp_lb_quiescent(c->lb, MP_CONTROL_READER);
}

const struct mp_self_addrs *mp_control_self_addrs(struct mp_control *c)
{
	uint64_t now = mp_now_ms();

	if (!c->self_addrs.loaded_ms || now - c->self_addrs.loaded_ms >= 5000)
		mp_self_addrs_load(&c->self_addrs, now);
	return &c->self_addrs;
}

/* Every origin the balancer records, however it came (the System API checked its own already, with
 * a reason for the origin): none whose endpoint is the appliance itself, none whose names hold
 * control characters (a record in Redis is anyone's). */
static bool origin_filter_locked(struct mp_control *c, const struct mp_registration *reg);

/* Also runs on the Redis thread (origins mirrored from Redis): one caller at a time. */
static bool origin_filter(void *ctx, const struct mp_registration *reg)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	bool ok;

	pthread_mutex_lock(&lock);
	ok = origin_filter_locked(ctx, reg);
	pthread_mutex_unlock(&lock);
	return ok;
}

static bool origin_filter_locked(struct mp_control *c, const struct mp_registration *reg)
{
	static uint64_t last_ms;
	const char *f[] = { reg->server, reg->service, reg->pid, reg->device_id, reg->ip };
	char why[160] = "a name holds a control character";
	static struct mp_self_addrs self; /* its own copy: c->self_addrs is the control thread's */
	uint64_t now = mp_now_ms();

	if (!self.loaded_ms || now - self.loaded_ms >= 5000)
		mp_self_addrs_load(&self, now);
	bool ok = mp_self_check_registration(c->cfg, &self, reg, why, sizeof(why)) == MP_OK;

	for (size_t i = 0; ok && i < sizeof(f) / sizeof(f[0]); i++)
		ok = !mp_has_control(f[i], strnlen(f[i], MP_REG_MAX_FIELD));
	if (ok)
		return true;
	c->stats.origins_ignored++;
	if (now - last_ms >= 1000 || !last_ms) {
		last_ms = now;
		MP_WARN("origin %s-%s-%s ignored: %s (%lu ignored so far)", reg->server, reg->service, reg->pid, why,
			(unsigned long)c->stats.origins_ignored);
	}
	return false;
}

static void http_not_found(struct evhttp_request *req, void *arg)
{
	(void)arg;
	if (mp_http_refuse_method(req))
		return;
	mp_http_reply_error(req, 404, "no such resource");
}

struct event *mp_control_timer(struct event_base *base, unsigned ms, void (*cb)(int, short, void *), void *arg)
{
	struct event *ev = event_new(base, -1, EV_PERSIST, cb, arg);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (ev && event_add(ev, &tv)) {
		event_free(ev);
		ev = NULL;
	}
	return ev;
}

void mp_control_reapply(struct mp_control *c)
{
	const struct mp_conn_limits lim = { .max = c->cfg->conn_max, .max_per_ip = c->cfg->conn_max_per_ip,
					    .header_timeout_ms = c->cfg->http_header_timeout_ms,
					    .idle_timeout_ms = c->cfg->conn_idle_ms };

	for (int l = 0; l < MP_L__COUNT; l++) {
		mp_conn_guard_set_limits(c->guard[l], &lim);
		if (c->http[l]) {
			evhttp_set_max_headers_size(c->http[l], c->cfg->http_max_header_size);
			evhttp_set_max_body_size(c->http[l], c->cfg->http_max_body_size);
		}
	}
}

void mp_control_http_route(struct mp_control *c, enum mp_listener slot, const char *path, mp_http_route_fn cb, void *arg)
{
	struct evhttp *h[2] = { c->http[slot], c->https[slot] };

	for (int i = 0; i < 2; i++) {
		if (!h[i])
			continue;
		if (path)
			evhttp_set_cb(h[i], path, cb, arg);
		else
			evhttp_set_gencb(h[i], cb, arg);
	}
}

int mp_control_tls_reload(struct mp_control *c, char *err, size_t errcap)
{
	void *ctx;

	if (!c->tls_ctx)
		return MP_OK; /* no TLS listener */
	ctx = mp_tls_ctx_new(c->cfg->tls_cert, c->cfg->tls_key, err, errcap);
	if (!ctx)
		return MP_ERR_IO;
	for (int l = 0; l < MP_L__COUNT; l++)
		if (c->tls_guard[l])
			mp_conn_guard_set_tls(c->tls_guard[l], ctx);
	mp_tls_ctx_free(c->tls_ctx); /* open connections hold their own reference */
	c->tls_ctx = ctx;
	return MP_OK;
}

/* An HTTP server on fd under guard g, with the limits and the default route every HTTP listener has. */
static struct evhttp *http_server(struct mp_control *c, struct mp_conn_guard *g, int fd)
{
	struct evhttp *h = evhttp_new(c->base);

	if (!h || mp_conn_guard_http(g, h, fd) != 0) {
		if (h)
			evhttp_free(h);
		return NULL;
	}
	evhttp_set_max_headers_size(h, c->cfg->http_max_header_size);
	evhttp_set_max_body_size(h, c->cfg->http_max_body_size);
	/* CONNECT reaches the routes (mp_http_refuse_method closes it); libevent answers the other
	 * methods 501 and closes. */
	evhttp_set_allowed_methods(h, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
				   EVHTTP_REQ_OPTIONS | EVHTTP_REQ_HEAD | EVHTTP_REQ_CONNECT);
	evhttp_set_gencb(h, http_not_found, c);
	return h;
}

int mp_control_start(struct mp_control *c, char *err, size_t errcap)
{
	const struct mp_conn_limits lim = { .max = c->cfg->conn_max, .max_per_ip = c->cfg->conn_max_per_ip,
					    .header_timeout_ms = c->cfg->http_header_timeout_ms,
					    .idle_timeout_ms = c->cfg->conn_idle_ms };
	char addr[64];

	/* A peer that closes while we write must be an EPIPE error on that socket, not the end of the
	 * appliance (libevent writes with writev, which raises SIGPIPE). */
	signal(SIGPIPE, SIG_IGN);
	mp_hop_init(c->cfg->node_id);
	if (c->lb)
		mp_lb_set_origin_filter(c->lb, origin_filter, c);
	mp_event_log_init();
	c->base = event_base_new();
	if (!c->base) {
		snprintf(err, errcap, "control plane: cannot create the event loop");
		return MP_ERR_NOMEM;
	}
	for (size_t i = 0; i < c->n_listeners; i++) {
		const struct mp_listener_ops *ops = c->listeners[i];
		enum mp_listener l = ops->slot;
		char name[32];
		int rc;

		if (c->fds[l] < 0 && c->tls_fds[l] < 0)
			continue; /* "off" */
		if (c->fds[l] >= 0) {
			c->guard[l] = mp_conn_guard_new(c->base, ops->name, &lim);
			if (!c->guard[l]) {
				snprintf(err, errcap, "%s: out of memory", ops->name);
				return MP_ERR_NOMEM;
			}
		}
		if (c->tls_fds[l] >= 0) {
			tls_name(ops, name, sizeof(name));
			c->tls_guard[l] = mp_conn_guard_new(c->base, name, &lim);
			if (!c->tls_guard[l]) {
				snprintf(err, errcap, "%s: out of memory", name);
				return MP_ERR_NOMEM;
			}
			mp_conn_guard_set_tls(c->tls_guard[l], c->tls_ctx);
		}
		if (ops->http && c->fds[l] >= 0) {
			c->http[l] = http_server(c, c->guard[l], c->fds[l]);
			if (!c->http[l]) {
				snprintf(err, errcap, "%s: cannot start the HTTP server", ops->name);
				return MP_ERR_IO;
			}
			c->fds[l] = -1; /* owned by evhttp now */
		}
		if (ops->http && c->tls_fds[l] >= 0) {
			c->https[l] = http_server(c, c->tls_guard[l], c->tls_fds[l]);
			if (!c->https[l]) {
				snprintf(err, errcap, "%s: cannot start the HTTPS server", name);
				return MP_ERR_IO;
			}
			c->tls_fds[l] = -1;
		}
		rc = ops->start(c, err, errcap);
		if (rc != MP_OK)
			return rc;
	}
	c->signals[0] = evsignal_new(c->base, SIGINT, on_signal, c);
	c->signals[1] = evsignal_new(c->base, SIGTERM, on_signal, c);
	if (!c->signals[0] || !c->signals[1] || evsignal_add(c->signals[0], NULL) || evsignal_add(c->signals[1], NULL)) {
		snprintf(err, errcap, "control plane: cannot catch SIGINT/SIGTERM");
		return MP_ERR_IO;
	}
	if (c->lb) {
		mp_lb_reader_register(c->lb, MP_CONTROL_READER);
		mp_default_backend_refresh(c, mp_now_ms());
		if (mp_origin_probe_start(c) != MP_OK) {
			snprintf(err, errcap, "control plane: out of memory for origin probes");
			return MP_ERR_NOMEM;
		}
		c->tick = mp_control_timer(c->base, 10, on_tick, c);
		if (!c->tick) {
			snprintf(err, errcap, "control plane: cannot start its timer");
			return MP_ERR_IO;
		}
	}
	for (size_t i = 0; i < c->n_listeners; i++) {
		const struct mp_listener_ops *ops = c->listeners[i];

		if (!listener_addr(c->cfg, ops->slot)->port) {
			MP_INFO("%s: off", ops->name);
		} else {
			mp_listen_format(listener_addr(c->cfg, ops->slot), addr, sizeof(addr));
			MP_INFO("%s listening on %s/tcp", ops->name, addr);
		}
		if (tls_listener_addr(c->cfg, ops->slot)->port) {
			mp_listen_format(tls_listener_addr(c->cfg, ops->slot), addr, sizeof(addr));
			MP_INFO("%s listening on %s/tcp over TLS (certificate %s)", ops->name, addr, c->cfg->tls_cert);
		}
	}
	MP_INFO("loop guard: relays mark what they forward with Via: %s", mp_hop_via());
	return MP_OK;
}

int mp_control_run(struct mp_control *c)
{
	return event_base_dispatch(c->base);
}

void mp_control_close(struct mp_control *c)
{
	if (c->tick) {
		event_free(c->tick);
		c->tick = NULL;
		if (c->lb)
			mp_lb_reader_unregister(c->lb, MP_CONTROL_READER);
	}
	for (int i = 0; i < 2; i++)
		if (c->signals[i]) {
			event_free(c->signals[i]);
			c->signals[i] = NULL;
		}
	mp_origin_probe_stop(c);
	for (size_t i = c->n_listeners; i-- > 0;)
		c->listeners[i]->stop(c);
	if (c->grace) {
		event_free(c->grace);
		c->grace = NULL;
	}
	mp_origin_replies_free(c->replies);
	c->replies = NULL;
	for (int l = 0; l < MP_L__COUNT; l++)
	for (int l = 0; l < MP_L__COUNT; l++) {
		if (c->http[l]) {
			evhttp_free(c->http[l]);
			c->http[l] = NULL;
		}
		if (c->https[l]) {
			evhttp_free(c->https[l]);
			c->https[l] = NULL;
		}
	}
	for (int l = 0; l < MP_L__COUNT; l++) {
		mp_conn_guard_free(c->guard[l]); /* after their owners freed every connection */
		c->guard[l] = NULL;
		mp_conn_guard_free(c->tls_guard[l]);
		c->tls_guard[l] = NULL;
	}
	for (int l = 0; l < MP_L__COUNT; l++) {
		if (c->fds[l] >= 0) {
			close(c->fds[l]);
			c->fds[l] = -1;
		}
		if (c->tls_fds[l] >= 0) {
			close(c->tls_fds[l]);
			c->tls_fds[l] = -1;
		}
	}
	if (c->tls_ctx) {
		mp_tls_ctx_free(c->tls_ctx);
		c->tls_ctx = NULL;
	}
	if (c->origin_tls_ctx) {
		mp_tls_ctx_free(c->origin_tls_ctx); /* open relays hold their own reference */
		c->origin_tls_ctx = NULL;
	}
	if (c->base) {
		event_base_free(c->base);
		c->base = NULL;
	}
}
