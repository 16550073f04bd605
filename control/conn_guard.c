/* conn_guard.c: per-listener connection limits (total, per address), request and idle timeouts, and
 * accept() back-off on descriptor exhaustion (see conn_guard.h for how connections are followed). */
#include "conn_guard.h"
#include "control.h"
#include "mp_clock.h"
#include "mp_log.h"
#include "peer_addr.h"
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#define SWEEP_MS 250         /* timeouts are checked this often */
#define BACKOFF_MS 100       /* accept() is paused this long when out of descriptors */
#define IP_BUCKETS 4096
#define MAX_LISTENERS 8

/* The guard of each listener: libevent calls an error callback with the listener's user data, which
 * is evhttp's (or the listener's owner's), not ours. */
static struct {
	struct evconnlistener *l;
	struct mp_conn_guard *g;
} by_listener[MAX_LISTENERS];

struct conn {
	struct bufferevent *bev;  /* referenced (bufferevent_incref) until seen freed */
	struct evbuffer_cb_entry *in_cb, *out_cb;
	uint64_t ip;              /* the client's key (peer_addr.h mp_peer_key) */
	bool counted;             /* admitted: in open and its address's count */
	bool http;                /* header timeout applies */
	bool refuse;              /* a TLS listener's connection that got no TLS: closed unread */
	uint64_t last_io_ms, last_out_ms, reading_since_ms;
};

struct ip_count {
	struct ip_count *next;
	uint64_t ip;
	uint32_t n;
};

struct mp_conn_guard {
	struct event_base *base;
	char name[24];
	struct mp_conn_limits lim;
	struct mp_conn_guard_stats st;
	struct conn **conns;      /* followed connections, unordered */
	uint32_t n, cap;
	struct conn **fresh;      /* HTTP connections accepted this turn, waiting for on_adopt */
	uint32_t n_fresh, cap_fresh;
	struct ip_count *ips[IP_BUCKETS];
	struct event *adopt, *sweep, *resume;
	struct evconnlistener *listener;
	bool backing_off;         /* in an episode of accept() errors */
	void *tls;                /* HTTP over TLS: the SSL_CTX (tls.h), else NULL */
};

static struct ip_count **ip_slot(struct mp_conn_guard *g, uint64_t ip)
{
	struct ip_count **p = &g->ips[(uint32_t)((ip ^ ip >> 32) * 2654435761u) >> 20 & (IP_BUCKETS - 1)];

	while (*p && (*p)->ip != ip)
		p = &(*p)->next;
	return p;
}

static uint32_t ip_get(struct mp_conn_guard *g, uint64_t ip)
{
	struct ip_count *e = *ip_slot(g, ip);

	return e ? e->n : 0;
}

static bool ip_add(struct mp_conn_guard *g, uint64_t ip)
{
	struct ip_count **p = ip_slot(g, ip);

	if (!*p && !(*p = calloc(1, sizeof(**p))))
		return false;
	(*p)->ip = ip;
	(*p)->n++;
	return true;
}

static void ip_del(struct mp_conn_guard *g, uint64_t ip)
{
	struct ip_count **p = ip_slot(g, ip), *e = *p;

	if (e && --e->n == 0) {
		*p = e->next;
		free(e);
	}
}

static void on_in(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;

	(void)b;
	if (info->n_added || info->n_deleted)
		c->last_io_ms = mp_now_ms();
}

static void on_out(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;

	(void)b;
	if (info->n_added || info->n_deleted)
		c->last_io_ms = c->last_out_ms = mp_now_ms();
}

/* The owner freed the bufferevent: bufferevent_free cleared its callbacks. */
static bool conn_gone(const struct conn *c)
{
	bufferevent_event_cb ecb = NULL;
	void *arg = NULL;

	bufferevent_getcb(c->bev, NULL, NULL, &ecb, &arg);
	return !ecb && !arg;
}

static void conn_release(struct mp_conn_guard *g, struct conn *c)
{
	if (c->in_cb)
		evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->in_cb);
	if (c->out_cb)
		evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_cb);
	if (c->counted) {
		g->st.open--;
		ip_del(g, c->ip);
	}
	bufferevent_decref(c->bev);
	free(c);
}

/* Stop following conns[i]. */
static void conn_drop(struct mp_conn_guard *g, uint32_t i)
{
	conn_release(g, g->conns[i]);
	g->conns[i] = g->conns[--g->n];
}

/* Forget the connections their owners freed. */
static void reap(struct mp_conn_guard *g)
{
	for (uint32_t i = 0; i < g->n;)
		if (conn_gone(g->conns[i]))
			conn_drop(g, i);
		else
			i++;
}

static bool grow(struct conn ***a, uint32_t n, uint32_t *cap)
{
	struct conn **m;

	if (n < *cap)
		return true;
	m = realloc(*a, (*cap ? 2 * *cap : 64) * sizeof(*m));
	if (!m)
		return false;
	*a = m;
	*cap = *cap ? 2 * *cap : 64;
	return true;
}

/* Follow bev: in conns (settled) or, for HTTP before adoption, in fresh. */
static struct conn *conn_add(struct mp_conn_guard *g, struct bufferevent *bev, bool fresh)
{
	struct conn *c;

	if (!grow(&g->conns, g->n + g->n_fresh, &g->cap) || (fresh && !grow(&g->fresh, g->n_fresh, &g->cap_fresh)))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->bev = bev;
	bufferevent_incref(bev);
	if (fresh)
		g->fresh[g->n_fresh++] = c;
	else
		g->conns[g->n++] = c;
	return c;
}

static void close_fd(struct bufferevent *bev)
{
	evutil_socket_t fd = bufferevent_getfd(bev);

	if (fd >= 0)
		shutdown(fd, SHUT_RDWR); /* the owner sees the end and frees it */
}

/* Over a limit? Counts the refusal. */
static bool over_limit(struct mp_conn_guard *g, uint64_t ip)
{
	if (g->lim.max && g->st.open >= g->lim.max) {
		reap(g); /* closed ones are forgotten only every sweep */
		if (g->st.open >= g->lim.max) {
			g->st.refused_max++;
			return true;
		}
	}
	if (g->lim.max_per_ip && ip_get(g, ip) >= g->lim.max_per_ip) {
		reap(g);
		if (ip_get(g, ip) >= g->lim.max_per_ip) {
			g->st.refused_per_ip++;
			return true;
		}
	}
	return false;
}

static void count_in(struct mp_conn_guard *g, struct conn *c)
{
	uint64_t now = mp_now_ms();

	c->counted = ip_add(g, c->ip);
	if (c->counted && ++g->st.open > g->st.peak)
		g->st.peak = g->st.open;
	g->st.accepted++;
	c->last_io_ms = c->last_out_ms = c->reading_since_ms = now;
	c->in_cb = evbuffer_add_cb(bufferevent_get_input(c->bev), on_in, c);
	c->out_cb = evbuffer_add_cb(bufferevent_get_output(c->bev), on_out, c);
	if (g->backing_off) {
		g->backing_off = false;
		MP_INFO("%s: accepting connections again", g->name);
	}
}

static uint64_t peer_key(evutil_socket_t fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	return mp_peer_key((struct sockaddr *)&ss, len);
}

/* The HTTP connections accepted since the last turn: evhttp has set them up, nothing is read yet. */
static void on_adopt(evutil_socket_t fd, short what, void *arg)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
				   "Connection: close\r\nContent-Length: 52\r\n\r\n"
				   "{\"code\":503,\"error\":\"too many connections; refused\"}";
	struct mp_conn_guard *g = arg;

	(void)fd;
	(void)what;
	for (uint32_t i = 0; i < g->n_fresh; i++) {
		struct conn *c = g->fresh[i];
		evutil_socket_t s = bufferevent_getfd(c->bev);

		if (conn_gone(c)) {
			conn_release(g, c);
			continue;
		}
		g->conns[g->n++] = c; /* room was made by conn_add */
		c->ip = peer_key(s);
		c->http = true;
		if (c->refuse) {
			close_fd(c->bev);
			continue; /* followed uncounted until evhttp frees it */
		}
		if (over_limit(g, c->ip)) {
			if (!g->tls && send(s, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				(void)0; /* best effort: the refusal is the close */
			close_fd(c->bev);
			continue; /* followed uncounted until evhttp frees it */
		}
		count_in(g, c);
	}
	g->n_fresh = 0;
}

/* evhttp_set_bevcb: the bufferevent of a connection evhttp just accepted. */
static struct bufferevent *on_new_bev(struct event_base *base, void *arg)
{
	struct mp_conn_guard *g = arg;
	/* CLOSE_ON_FREE: evhttp then leaves closing the socket to the bufferevent, which our reference
	 * keeps until the next reap. Without it evhttp closed the fd at once while this bufferevent still
	 * watched that fd number: the next socket given the number (an RTMP or origin connection) had
	 * its bytes read by the dead one (rtmp_relay's "message 2 differs"). evhttp still shuts the
	 * socket down for writing at once, so the client sees its end at the same moment. */
	struct bufferevent *bev = g->tls ? mp_tls_accept_bev(base, g->tls, -1) : NULL;
	bool refuse = g->tls && !bev;
	struct conn *c;

	/* Out of memory for the TLS state: a plain one, closed before anything is read (a TLS port
	 * never answers in plain HTTP) */
	if (!bev)
		bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	c = bev ? conn_add(g, bev, true) : NULL;
	if (c) {
		c->refuse = refuse;
		event_active(g->adopt, EV_TIMEOUT, 1);
	}
	return bev; /* NULL: evhttp makes one itself (then unfollowed) */
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct mp_conn_guard *g = arg;
	uint64_t now = mp_now_ms();

	(void)fd;
	(void)what;
	reap(g);
	for (uint32_t i = 0; i < g->n; i++) {
		struct conn *c = g->conns[i];
		bufferevent_data_cb rcb = NULL;
		bool reading;

		if (!c->counted)
			continue;
		/* evhttp reads a request with its read callback set and EV_READ on; while it answers, the
		 * read callback is off (evhttp_write_buffer) or EV_READ is (the handler has the request). */
		bufferevent_getcb(c->bev, &rcb, NULL, NULL, NULL);
		reading = c->http && rcb && (bufferevent_get_enabled(c->bev) & EV_READ);
		if (!reading || c->last_out_ms > c->reading_since_ms)
			c->reading_since_ms = reading ? c->last_out_ms : now;
		if (reading && g->lim.header_timeout_ms && now - c->reading_since_ms >= g->lim.header_timeout_ms) {
			g->st.header_timeouts++;
			c->counted = false; /* it goes: do not count it twice */
			g->st.open--;
			ip_del(g, c->ip);
			close_fd(c->bev);
		} else if (g->lim.idle_timeout_ms && now - c->last_io_ms >= g->lim.idle_timeout_ms) {
			g->st.idle_timeouts++;
			c->counted = false;
			g->st.open--;
			ip_del(g, c->ip);
			close_fd(c->bev);
		}
	}
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct mp_conn_guard *g = arg;

	(void)fd;
	(void)what;
	if (g->listener)
		evconnlistener_enable(g->listener);
}

/* accept() failed with an error libevent does not retry: out of descriptors or memory. Accepting again
 * at once would fail again at once (the connection stays queued): pause, log once per episode. */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct mp_conn_guard *g = NULL;
	int e = errno;
	struct timeval tv = { 0, BACKOFF_MS * 1000 };

	(void)arg;
	for (int i = 0; i < MAX_LISTENERS && !g; i++)
		if (by_listener[i].l == l)
			g = by_listener[i].g;
	if (!g)
		return;

	g->st.accept_errors++;
	evconnlistener_disable(l);
	event_add(g->resume, &tv);
	if (!g->backing_off) {
		g->backing_off = true;
		g->st.accept_backoffs++;
		MP_WARN("%s: accept: %s (%u connections open): pausing accept for %d ms at a time until it works",
			g->name, strerror(e), g->st.open, BACKOFF_MS);
	}
}

void mp_conn_guard_set_limits(struct mp_conn_guard *g, const struct mp_conn_limits *lim)
{
	if (g)
		g->lim = *lim;
}

struct mp_conn_guard *mp_conn_guard_new(struct event_base *base, const char *name, const struct mp_conn_limits *lim)
{
	struct mp_conn_guard *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->base = base;
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->lim = *lim;
	g->adopt = event_new(base, -1, 0, on_adopt, g);
	g->sweep = mp_control_timer(base, SWEEP_MS, on_sweep, g);
	g->resume = evtimer_new(base, on_resume, g);
	if (!g->adopt || !g->sweep || !g->resume) {
		mp_conn_guard_free(g);
		return NULL;
	}
	return g;
}

void mp_conn_guard_free(struct mp_conn_guard *g)
{
	if (!g)
		return;
	for (int i = 0; i < MAX_LISTENERS; i++)
		if (by_listener[i].g == g)
			by_listener[i].l = NULL, by_listener[i].g = NULL;
	while (g->n)
		conn_drop(g, g->n - 1);
	while (g->n_fresh)
		conn_release(g, g->fresh[--g->n_fresh]);
	free(g->conns);
	free(g->fresh);
	for (int i = 0; i < IP_BUCKETS; i++)
		while (g->ips[i]) {
			struct ip_count *e = g->ips[i];

			g->ips[i] = e->next;
			free(e);
		}
	if (g->adopt)
		event_free(g->adopt);
	if (g->sweep)
		event_free(g->sweep);
	if (g->resume)
		event_free(g->resume);
	free(g);
}

int mp_conn_guard_http(struct mp_conn_guard *g, struct evhttp *http, int fd)
{
	struct evhttp_bound_socket *b = evhttp_accept_socket_with_handle(http, fd);

	if (!b)
		return -1;
	evhttp_set_bevcb(http, on_new_bev, g);
	mp_conn_guard_listener(g, evhttp_bound_socket_get_listener(b));
	return 0;
}

void mp_conn_guard_set_tls(struct mp_conn_guard *g, void *ctx)
{
	g->tls = ctx;
}

void mp_conn_guard_listener(struct mp_conn_guard *g, struct evconnlistener *l)
{
	for (int i = 0; i < MAX_LISTENERS; i++)
		if (!by_listener[i].l) {
			by_listener[i].l = l;
			by_listener[i].g = g;
			g->listener = l;
			evconnlistener_set_error_cb(l, on_accept_error);
			return;
		}
	MP_WARN("%s: no back-off on accept errors (more than %d listeners)", g->name, MAX_LISTENERS);
}

bool mp_conn_guard_admit(struct mp_conn_guard *g, struct bufferevent *bev, const struct sockaddr *sa)
{
	uint64_t ip = mp_peer_key(sa, sizeof(struct sockaddr_storage));
	struct conn *c;

	if (over_limit(g, ip))
		return false;
	c = conn_add(g, bev, false);
	if (!c)
		return true; /* unfollowed rather than refused */
	c->ip = ip;
	count_in(g, c);
	return true;
}

void mp_conn_guard_stats(const struct mp_conn_guard *g, struct mp_conn_guard_stats *out)
{
	*out = g->st;
}

const char *mp_conn_guard_name(const struct mp_conn_guard *g)
{
	return g->name;
}

void mp_conn_guard_json(const struct mp_conn_guard *g, cJSON *out)
{
	cJSON_AddNumberToObject(out, "open", g->st.open);
	cJSON_AddNumberToObject(out, "peak", g->st.peak);
	cJSON_AddNumberToObject(out, "accepted", (double)g->st.accepted);
	cJSON_AddNumberToObject(out, "refused_max", (double)g->st.refused_max);
	cJSON_AddNumberToObject(out, "refused_per_ip", (double)g->st.refused_per_ip);
	cJSON_AddNumberToObject(out, "header_timeouts", (double)g->st.header_timeouts);
	cJSON_AddNumberToObject(out, "idle_timeouts", (double)g->st.idle_timeouts);
	cJSON_AddNumberToObject(out, "accept_errors", (double)g->st.accept_errors);
	cJSON_AddNumberToObject(out, "accept_backoffs", (double)g->st.accept_backoffs);
	cJSON_AddBoolToObject(out, "backing_off", g->backing_off);
	cJSON_AddNumberToObject(out, "max", g->lim.max);
	cJSON_AddNumberToObject(out, "max_per_ip", g->lim.max_per_ip);
	cJSON_AddNumberToObject(out, "header_timeout_ms", g->lim.header_timeout_ms);
	cJSON_AddNumberToObject(out, "idle_timeout_ms", g->lim.idle_timeout_ms);
}
