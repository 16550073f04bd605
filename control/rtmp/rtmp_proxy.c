/* rtmp_proxy.c: the RTMP proxy's sessions: accept, the session list, deadlines, close, drain, counters. */
#include "rtmp_proxy.h"
#include "control.h"
#include "conn_guard.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"
#include "peer_addr.h"
#include "rtmp_session.h"
#include "tls.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

static const char *const state_names[MP_RTMP_S__COUNT] = {
	[MP_RTMP_S_C_HANDSHAKE] = "handshake",
	[MP_RTMP_S_C_HANDSHAKE2] = "handshake",
	[MP_RTMP_S_C_COMMANDS] = "commands",
	[MP_RTMP_S_O_CONNECTING] = "origin-connecting",
	[MP_RTMP_S_O_HANDSHAKE] = "origin-handshake",
	[MP_RTMP_S_O_CONNECT] = "origin-connect",
	[MP_RTMP_S_O_CREATE] = "origin-create-stream",
	[MP_RTMP_S_RELAY] = "relay",
	[MP_RTMP_S_CLOSING] = "closing",
};

const char *mp_rtmp_state_name(enum mp_rtmp_state st)
{
	return (unsigned)st < MP_RTMP_S__COUNT ? state_names[st] : "?";
}

static const char *role_name(enum mp_rtmp_role r)
{
	return r == MP_RTMP_ROLE_PUBLISH ? "publish" : r == MP_RTMP_ROLE_PLAY ? "play" : "-";
}

static void saved_free(struct mp_rtmp_saved *sv)
{
	free(sv->payload);
	memset(sv, 0, sizeof(*sv));
}

void mp_rtmp_session_free(struct mp_rtmp_session *s, const char *why)
{
	struct mp_rtmp_proxy *px = s->px;
	uint64_t now = mp_now_ms();

	MP_INFO("RTMP: %s %s %s closed after %llu ms in %s: %s (client in %llu out %llu bytes, origin in %llu out %llu bytes)",
		s->peer, role_name(s->role), s->url.key[0] ? s->url.key : "-", (unsigned long long)(now - s->created_ms),
		mp_rtmp_state_name(s->state), why ? why : "closed", (unsigned long long)s->cl.bytes_in,
		(unsigned long long)s->cl.bytes_out, (unsigned long long)s->org.bytes_in, (unsigned long long)s->org.bytes_out);
	if (s->prev)
		s->prev->next = s->next;
	else
		px->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	px->open--;
	px->st.closed++;
	mp_rtmp_side_close(&s->cl);
	mp_rtmp_side_close(&s->org);
	saved_free(&s->connect);
	saved_free(&s->start);
	for (unsigned i = 0; i < s->nsaved; i++)
		saved_free(&s->saved[i]);
	free(s);
	if (px->quitting) {
		px->st.drained++;
		if (!px->open)
			mp_control_drained(px->c);
	}
}

int mp_rtmp_session_closing(struct mp_rtmp_session *s, const char *why)
{
	if (s->state == MP_RTMP_S_CLOSING)
		return mp_rtmp_side_queued(&s->cl) || mp_rtmp_side_queued(&s->org) ? MP_OK : MP_ERR_STATE;
	s->state = MP_RTMP_S_CLOSING;
	snprintf(s->close_reason, sizeof(s->close_reason), "%s", why ? why : "closed");
	s->deadline_ms = mp_now_ms() + MP_RTMP_PROXY_FLUSH_MS;
	mp_rtmp_side_pause(&s->cl);
	mp_rtmp_side_pause(&s->org);
	/* the write callbacks free the session once both outputs are empty */
	if (!mp_rtmp_side_queued(&s->cl) && !mp_rtmp_side_queued(&s->org))
		return MP_ERR_STATE; /* nothing to flush: the caller closes now */
	if (s->cl.bev)
		bufferevent_setwatermark(s->cl.bev, EV_WRITE, 0, 0);
	if (s->org.bev)
		bufferevent_setwatermark(s->org.bev, EV_WRITE, 0, 0);
	return MP_OK;
}

void mp_rtmp_session_result(struct mp_rtmp_session *s, int rc, const char *why)
{
	if (rc >= 0)
		return;
	if (s->state == MP_RTMP_S_CLOSING && rc == MP_ERR_STATE) {
		mp_rtmp_session_free(s, s->close_reason);
		return;
	}
	if (rc == MP_ERR_PROTO || rc == MP_ERR_TOOLONG || rc == MP_ERR_FULL)
		s->px->st.protocol_errors++;
	else if (rc == MP_ERR_IO)
		s->px->st.io_errors++;
	{
		char reason[160];

		snprintf(reason, sizeof(reason), "%s: %s", why, mp_strerror(rc));
		mp_rtmp_session_free(s, reason);
	}
}

/* Every second: setup deadlines, idle relays and flush deadlines. */
static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct mp_rtmp_proxy *px = arg;
	uint64_t now = mp_now_ms();
	struct mp_rtmp_session *s, *next;

	(void)fd;
	(void)what;
	for (s = px->head; s; s = next) {
		next = s->next;
		if (s->state == MP_RTMP_S_RELAY) {
			if (now - s->last_ms > MP_RTMP_PROXY_IDLE_MS) {
				px->st.idle_closed++;
				mp_rtmp_session_free(s, "no data either way for 300 s");
			}
			continue;
		}
		if (now < s->deadline_ms)
			continue;
		if (s->state == MP_RTMP_S_CLOSING) {
			mp_rtmp_session_free(s, s->close_reason);
			continue;
		}
		px->st.timeouts++;
		if (s->state >= MP_RTMP_S_O_CONNECTING) {
			int rc = mp_rtmp_client_fail(s, s->role == MP_RTMP_ROLE_PLAY ? "NetStream.Play.Failed" :
						     "NetStream.Publish.Denied", "the origin did not answer in time");

			mp_rtmp_session_result(s, rc < 0 ? rc : MP_OK, "origin timeout");
			continue;
		}
		mp_rtmp_session_free(s, "the client did not publish or play in time");
	}
}

int mp_rtmp_proxy_start(struct mp_control *c)
{
	struct mp_rtmp_proxy *px = calloc(1, sizeof(*px));

	if (!px)
		return MP_ERR_NOMEM;
	px->c = c;
	px->sweep = mp_control_timer(c->base, 1000, on_sweep, px);
	if (!px->sweep) {
		free(px);
		return MP_ERR_IO;
	}
	c->state[MP_L_RTMP] = px;
	return MP_OK;
}

/* "ip:port" or "[ipv6]:port" into out, the address alone into ip (an IPv4 client of a dual-stack
 * socket as IPv4: peer_addr.h). */
static void peer_str(const struct sockaddr *sa, int len, char *out, size_t cap, char *ip, size_t ipcap)
{
	uint16_t port;

	if (len > 0 && mp_peer_sockaddr(sa, (size_t)len, ip, ipcap, &port) && mp_peer_hostport(ip, port, out, cap) >= 0)
		return;
	snprintf(out, cap, "?");
	ip[0] = 0;
}

/* A client connection on the RTMP socket, or over TLS (RTMPS: the client side's bufferevent does the
 * TLS, everything above it is the same). */
static void accept_conn(struct mp_control *c, evutil_socket_t fd, const struct sockaddr *peer, int peerlen, bool tls)
{
	struct mp_rtmp_proxy *px = c->state[MP_L_RTMP];
	struct mp_rtmp_session *s;
	struct bufferevent *bev;
	struct mp_conn_guard *guard;

	if (!px || px->quitting) {
		if (px)
			px->st.refused_quitting++;
		close(fd);
		return;
	}
	px->st.accepted++;
	s = calloc(1, sizeof(*s));
	if (!s)
		bev = NULL;
	else if (tls)
		bev = mp_tls_accept_bev(c->base, c->tls_ctx, fd);
	else
		bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		MP_WARN("RTMP: out of memory for a new connection");
		free(s);
		close(fd);
		return;
	}
	guard = tls ? c->tls_guard[MP_L_RTMP] : c->guard[MP_L_RTMP];
	if (guard && !mp_conn_guard_admit(guard, bev, peer)) {
		bufferevent_free(bev); /* over conn_max / conn_max_per_ip: counted by the guard */
		free(s);
		return;
	}
	mp_rtmp_socket_tune(fd);
	s->px = px;
	s->id = ++px->next_id;
	s->created_ms = s->last_ms = mp_now_ms();
	s->deadline_ms = s->created_ms + MP_RTMP_PROXY_SETUP_MS;
	s->state = MP_RTMP_S_C_HANDSHAKE;
	peer_str(peer, peerlen, s->peer, sizeof(s->peer), s->peer_ip, sizeof(s->peer_ip));
	s->next = px->head;
	if (px->head)
		px->head->prev = s;
	px->head = s;
	px->open++;
	if (mp_rtmp_side_open(s, &s->cl, bev) != MP_OK) {
		bufferevent_free(bev);
		s->cl.bev = NULL;
		mp_rtmp_session_free(s, "cannot start reading");
		return;
	}
	MP_DEBUG("RTMP: connection from %s%s", s->peer, tls ? " over TLS" : "");
}

void mp_rtmp_proxy_accept(struct mp_control *c, evutil_socket_t fd, const struct sockaddr *peer, int peerlen)
{
	accept_conn(c, fd, peer, peerlen, false);
}

uint32_t mp_rtmp_proxy_quit(struct mp_control *c)
{
	struct mp_rtmp_proxy *px = c->state[MP_L_RTMP];

	if (!px)
		return 0;
	/* closing the listening socket makes new clients' connects fail at once (refused), rather
	 * than wait in the kernel's backlog until the appliance stops */
	if (px->listener) {
		evconnlistener_free(px->listener);
		px->listener = NULL;
	}
	if (px->tls_listener) {
		evconnlistener_free(px->tls_listener);
		px->tls_listener = NULL;
	}
	px->quitting = 1;
	return px->open;
}

uint32_t mp_rtmp_proxy_open(const struct mp_control *c)
{
	const struct mp_rtmp_proxy *px = c->state[MP_L_RTMP];

	return px ? px->open : 0;
}

void mp_rtmp_proxy_close(struct mp_control *c)
{
	struct mp_rtmp_proxy *px = c->state[MP_L_RTMP];

	if (!px)
		return;
	if (px->listener)
		evconnlistener_free(px->listener);
	if (px->tls_listener)
		evconnlistener_free(px->tls_listener);
	px->quitting = 0; /* no drain notifications from here */
	if (px->open)
		MP_INFO("RTMP: closing %u open session(s)", px->open);
	while (px->head) {
		px->st.closed_at_quit++;
		mp_rtmp_session_free(px->head, "the appliance is stopping");
	}
	if (px->sweep)
		event_free(px->sweep);
	free(px);
	c->state[MP_L_RTMP] = NULL;
}

static void num(cJSON *o, const char *k, uint64_t v)
{
	cJSON_AddNumberToObject(o, k, (double)v);
}

void mp_rtmp_proxy_stats_json(const struct mp_control *c, cJSON *out, long limit)
{
	const struct mp_rtmp_proxy *px = c->state[MP_L_RTMP];
	const struct mp_rtmp_stats *st;
	uint64_t now = mp_now_ms();
	cJSON *a;
	long n = 0;

	cJSON_AddBoolToObject(out, "enabled", px != NULL);
	if (!px)
		return;
	st = &px->st;
	num(out, "open", px->open);
	cJSON_AddBoolToObject(out, "quitting", px->quitting);
	num(out, "accepted", st->accepted);
	num(out, "closed", st->closed);
	num(out, "refused_quitting", st->refused_quitting);
	num(out, "publishes", st->publishes);
	num(out, "plays", st->plays);
	num(out, "relays", st->relays);
	num(out, "bytes_from_client", st->bytes_from_client);
	num(out, "bytes_to_client", st->bytes_to_client);
	num(out, "bytes_from_origin", st->bytes_from_origin);
	num(out, "bytes_to_origin", st->bytes_to_origin);
	num(out, "messages_client_to_origin", st->msgs_c2o);
	num(out, "messages_passed_by_chunk", st->msgs_passed);
	num(out, "messages_origin_to_client", st->msgs_o2c);
	{
		cJSON *e = cJSON_AddObjectToObject(out, "errors");

		num(e, "handshake", st->handshake_errors);
		num(e, "protocol", st->protocol_errors);
		num(e, "no_origin", st->noorigin);
		num(e, "bad_stream", st->bad_stream);
		num(e, "origin_connect", st->origin_connect_errors);
		num(e, "origin_refused", st->origin_refused);
		num(e, "origin_closed", st->origin_closed);
		num(e, "timeouts", st->timeouts);
		num(e, "idle_closed", st->idle_closed);
		num(e, "io", st->io_errors);
	}
	num(out, "backpressure_pauses", st->backpressure_pauses);
	num(out, "chunk_size_changes", st->chunk_size_changes);
	num(out, "acks_sent", st->acks_sent);
	num(out, "pings_answered", st->pings_answered);
	num(out, "drained", st->drained);
	num(out, "closed_at_quit", st->closed_at_quit);
	num(out, "origin_repicks", st->origin_repicks);
	num(out, "origin_dead_closed", st->origin_dead_closed);
	a = cJSON_AddArrayToObject(out, "sessions");
	for (const struct mp_rtmp_session *s = px->head; s && n < limit; s = s->next, n++) {
		cJSON *e = cJSON_CreateObject();
		char addr[MP_PEER_HOSTPORT_MAX];

		num(e, "id", s->id);
		cJSON_AddStringToObject(e, "client", s->peer);
		cJSON_AddStringToObject(e, "role", role_name(s->role));
		cJSON_AddStringToObject(e, "state", mp_rtmp_state_name(s->state));
		cJSON_AddStringToObject(e, "stream", s->url.key);
		if (s->origin_port && mp_peer_hostport(s->origin_host, s->origin_port, addr, sizeof(addr)) >= 0)
			cJSON_AddStringToObject(e, "origin", addr);
		num(e, "age_ms", now - s->created_ms);
		num(e, "client_chunk_size", s->cl.rd.chunk_size);
		num(e, "origin_chunk_size", s->org.rd.chunk_size);
		num(e, "bytes_from_client", s->cl.bytes_in);
		num(e, "bytes_to_client", s->cl.bytes_out);
		num(e, "bytes_from_origin", s->org.bytes_in);
		num(e, "bytes_to_origin", s->org.bytes_out);
		cJSON_AddItemToArray(a, e);
	}
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	(void)l;
	accept_conn(arg, fd, sa, salen, false);
}

static void on_accept_tls(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	(void)l;
	accept_conn(arg, fd, sa, salen, true);
}

/* The listener's start: the proxy's state, then accepting on the bound RTMP and RTMPS sockets. */
static int listener_start(struct mp_control *c, char *err, size_t errcap)
{
	struct mp_rtmp_proxy *px;

	if (mp_rtmp_proxy_start(c) != MP_OK) {
		snprintf(err, errcap, "RTMP: cannot start the proxy");
		return MP_ERR_IO;
	}
	px = c->state[MP_L_RTMP];
	if (c->fds[MP_L_RTMP] >= 0) {
		px->listener = evconnlistener_new(c->base, on_accept, c, LEV_OPT_CLOSE_ON_FREE, -1, c->fds[MP_L_RTMP]);
		if (!px->listener) {
			snprintf(err, errcap, "RTMP: cannot start the listener");
			return MP_ERR_IO;
		}
		c->fds[MP_L_RTMP] = -1; /* owned by the listener now */
		if (c->guard[MP_L_RTMP])
			mp_conn_guard_listener(c->guard[MP_L_RTMP], px->listener); /* EMFILE back-off */
	}
	if (c->tls_fds[MP_L_RTMP] >= 0) {
		px->tls_listener = evconnlistener_new(c->base, on_accept_tls, c, LEV_OPT_CLOSE_ON_FREE, -1,
						      c->tls_fds[MP_L_RTMP]);
		if (!px->tls_listener) {
			snprintf(err, errcap, "RTMPS: cannot start the listener");
			return MP_ERR_IO;
		}
		c->tls_fds[MP_L_RTMP] = -1;
		if (c->tls_guard[MP_L_RTMP])
			mp_conn_guard_listener(c->tls_guard[MP_L_RTMP], px->tls_listener);
	}
	return MP_OK;
}

const struct mp_listener_ops mp_rtmp_listener = {
	.name = "RTMP",
	.slot = MP_L_RTMP,
	.http = false,
	.start = listener_start,
	.quit = mp_rtmp_proxy_quit,
	.open = mp_rtmp_proxy_open,
	.stop = mp_rtmp_proxy_close,
	.stats = mp_rtmp_proxy_stats_json,
	.origin_down = mp_rtmp_origin_down,
};
