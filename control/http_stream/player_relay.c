/* player_relay.c: relay one player's HTTP request to its own origin connection and stream the answer
 * back; a full player queue pauses that origin (back-pressure), a player that stops taking data is closed. */
#include "player_relay.h"
#include "player_relay_int.h"
#include "config.h"
#include "control.h"
#include "http_client.h"
#include "http_util.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"
#include "origin_health.h"
#include "relay_headers.h"
#include "peer_addr.h"
#include "tls.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

size_t mp_player_relay_queued(const struct mp_player_relay *r)
{
	struct bufferevent *bev = r->pconn ? evhttp_connection_get_bufferevent(r->pconn) : NULL;

	return bev ? evbuffer_get_length(bufferevent_get_output(bev)) : 0;
}

/* Fix the player socket's send buffer at player_buffer (Linux doubles it), so the kernel does not
 * grow it to tcp_wmem's maximum: what one player can hold stays bounded in the kernel too. */
static void bound_kernel_buffer(struct evhttp_connection *pc, size_t player_buffer)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(pc);
	int fd = bev ? bufferevent_getfd(bev) : -1;
	int v = player_buffer > (1u << 30) ? 1 << 30 : (int)player_buffer;

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

void mp_player_relay_kill(struct mp_player_relay *r, bool drop_player)
{
	if (r->dying)
		return;
	r->dying = true;
	r->drop_player = drop_player;
	event_active(r->reap, EV_TIMEOUT, 1);
}

void mp_player_relay_drop_slow(struct mp_player_relay *r, size_t queued, const char *why)
{
	r->hs->st.slow_dropped++;
	r->hs->st.slow_dropped_bytes += queued;
	MP_INFO("HTTP stream: %s %s: player %s too slow (%zu bytes queued, %s), dropped", r->kind, r->stream,
		r->client, queued, why);
	mp_player_relay_kill(r, true);
}

/* The reply to the player is complete (or handed over): forget the player. */
void mp_player_relay_release(struct mp_player_relay *r)
{
	if (r->pconn)
		evhttp_connection_set_closecb(r->pconn, NULL, NULL);
	r->player = NULL;
	r->pconn = NULL;
}

void mp_player_relay_reply_error(struct mp_player_relay *r, int code, const char *reason)
{
	if (!r->player || r->replied)
		return;
	MP_DEBUG("HTTP stream: %s %s from %s: %d %s", r->kind, r->stream, r->client, code, reason);
	r->replied = true;
	mp_relay_add_cors(evhttp_request_get_output_headers(r->player));
	mp_http_reply_error(r->player, code, reason);
	mp_player_relay_release(r);
}

static void on_reap(evutil_socket_t fd, short what, void *arg)
{
	struct mp_player_relay *r = arg;
	struct mp_http_stream *hs = r->hs;

	(void)fd;
	(void)what;
	mp_http_client_stop(&r->send);
	if (r->oconn)
		evhttp_connection_free(r->oconn); /* frees a request still in flight, without callbacks */
	r->oconn = NULL;
	if (r->player && r->drop_player) {
		struct evhttp_connection *pc = r->pconn;
		struct bufferevent *bev = evhttp_connection_get_bufferevent(pc);
		struct linger lg = { 1, 0 }; /* reset: do not leave the queued bytes in the kernel */

		mp_player_relay_release(r);
		if (bev && bufferevent_getfd(bev) >= 0)
			setsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		evhttp_connection_free(pc); /* frees the player's request with it */
	} else if (r->player) {
		if (r->replied)
			evhttp_send_reply_end(r->player);
		else
			mp_http_reply_error(r->player, 502, "origin request abandoned");
		mp_player_relay_release(r);
	}
	if (r->prev)
		r->prev->next = r->next;
	else
		hs->relays = r->next;
	if (r->next)
		r->next->prev = r->prev;
	hs->st.players_now--;
	MP_DEBUG("HTTP stream: %s %s from %s done: %llu bytes in, %llu out", r->kind, r->stream, r->client,
		 (unsigned long long)r->bytes_in, (unsigned long long)r->bytes_out);
	event_free(r->retry);
	event_free(r->stall);
	event_free(r->reap);
	free(r->target);
	free(r);
}

/* The player's connection is going away (it closed, or a write failed). */
static void on_player_close(struct evhttp_connection *pc, void *arg)
{
	struct mp_player_relay *r = arg;

	(void)pc;
	if (r->player && !evhttp_request_get_connection(r->player))
		evhttp_send_reply_end(r->player); /* detached from its connection: this frees it */
	r->player = NULL;
	r->pconn = NULL;
	mp_player_relay_kill(r, false);
}

static const char *origin_error_text(const struct mp_player_relay *r)
{
	switch (r->oerr) {
	case MP_PLAYER_RELAY_ECONNECT: return mp_http_client_error_text(&r->send);
	case MP_PLAYER_RELAY_ECONNTIMEOUT: return "did not take the connection in time";
	case EVREQ_HTTP_TIMEOUT: return "timed out";
	case EVREQ_HTTP_EOF: return "refused the connection or closed it";
	case EVREQ_HTTP_INVALID_HEADER: return "sent an invalid response header";
	case EVREQ_HTTP_BUFFER_ERROR: return "connection failed";
	case EVREQ_HTTP_DATA_TOO_LONG: return "sent a body over the limit";
	default: return "failed";
	}
}

static void on_origin_error(enum evhttp_request_error e, void *arg)
{
	((struct mp_player_relay *)arg)->oerr = (int)e;
}

/* A stream's answer goes on as the origin framed it; the origin's CORS policy, when it sent one, is kept; a
 * Location naming the origin points back here (the player cannot reach the origin, and must not learn
 * its address: issue 13). */
static const struct mp_relay_response_opts response_opts = { .rewritten = false, .location_back = true };

static int on_origin_header(struct evhttp_request *oreq, void *arg)
{
	struct mp_player_relay *r = arg;

	if (r->dying || !r->player)
		return -1; /* nobody to send it to: close the origin connection */
	r->status = evhttp_request_get_response_code(oreq);
	if (r->mode == MP_RELAY_STREAM) {
		struct evkeyvalq *out = evhttp_request_get_output_headers(r->player);

		mp_relay_response_headers(evhttp_request_get_input_headers(oreq), out, &response_opts);
		mp_relay_add_cors(out);
		if (r->flv && r->status == 200) {
			/* Tags may be left out (a lagging player) or held (a tag cut by the body's end): the
			 * origin's length would be a promise not kept, and the player would wait for bytes that
			 * never come. Chunked (or the close, for HTTP/1.0) marks the end; a live stream's
			 * connection is not reused. */
			evhttp_remove_header(out, "Content-Length");
			evhttp_remove_header(out, "Connection");
			evhttp_add_header(out, "Connection", "close");
			r->flv_on = true;
			mp_flv_split_init(&r->split);
		}
		evhttp_send_reply_start(r->player, r->status, evhttp_request_get_response_code_line(oreq));
		r->replied = true;
	}
	return 0;
}

static void on_origin_chunk(struct evhttp_request *oreq, void *arg)
{
	struct mp_player_relay *r = arg;
	struct mp_http_stream *hs = r->hs;
	struct evbuffer *in = evhttp_request_get_input_buffer(oreq);
	size_t n = evbuffer_get_length(in);

	r->bytes_in += n;
	hs->st.bytes_from_origins += n;
	if (r->dying || !r->player) {
		evbuffer_drain(in, n);
		return;
	}
	if (r->flv_on)
		mp_player_relay_send_flv(r, in, n);
	else
		mp_player_relay_send(r, in);
}

/* The origin's response is complete (oreq), or failed: NULL after on_origin_error, or (a failed
 * connect, libevent 2.1 evhttp_connection_cb_cleanup) a request with no status and no error_cb. */
static void on_origin_done(struct evhttp_request *oreq, void *arg)
{
	struct mp_player_relay *r = arg;
	struct mp_http_stream *hs = r->hs;

	if (mp_http_client_completed_inside(&r->send))
		return; /* a failed connect inside origin_request: it reports it */
	mp_http_client_stop(&r->send);
	r->origin_open = false;
	if (r->dying)
		return;
	if (oreq && evhttp_request_get_response_code(oreq) == 0) {
		oreq = NULL;
		if (r->oerr < 0)
			r->oerr = EVREQ_HTTP_EOF;
	}
	if (!oreq && mp_player_relay_try_next_endpoint(r))
		return;
	if (!oreq || !r->player) {
		if (r->player && !r->replied) {
			char reason[160];

			hs->st.origin_failed++;
			snprintf(reason, sizeof(reason), "origin %s %s", r->origin,
				 origin_error_text(r));
			mp_player_relay_reply_error(r, 502, reason);
		} else if (r->player) {
			/* cut mid-body: close the player's connection so it cannot mistake it for the end */
			hs->st.origin_cut++;
			MP_INFO("HTTP stream: %s %s: origin %s %s mid-stream", r->kind, r->stream, r->origin,
				origin_error_text(r));
			mp_player_relay_kill(r, true);
			return;
		}
		mp_player_relay_kill(r, false);
		return;
	}
	if (r->mode == MP_RELAY_PLAYLIST) {
		mp_player_relay_send_playlist(r, oreq);
	} else if (r->flv_on && (r->split.in_body ? r->split.body_left > 0 : r->split.head_len > 0)) {
		/* the origin's body ended inside a tag: not a whole FLV stream; a clean end would pass it
		 * off as one */
		hs->st.origin_flv_cut++;
		MP_INFO("HTTP stream: %s %s: origin %s ended its body inside an FLV tag: player %s closed", r->kind,
			r->stream, r->origin, r->client);
		mp_player_relay_kill(r, true);
		return;
	} else {
		evhttp_send_reply_end(r->player);
		mp_player_relay_release(r);
	}
	mp_player_relay_kill(r, false);
}

static void on_retry(evutil_socket_t fd, short what, void *arg);

/* Not connected within origin_connect_timeout (an origin dropping SYNs): give the connection up (its
 * request with it, no callback runs) and go on as after a refused connect: the next endpoint, another
 * origin, or 502. */
static void on_connect_timeout(struct mp_http_client_call *call)
{
	struct mp_player_relay *r = call->arg;

	if (r->oconn)
		evhttp_connection_free(r->oconn);
	r->oconn = NULL;
	r->oerr = MP_PLAYER_RELAY_ECONNTIMEOUT;
	on_origin_done(NULL, r);
}

/* Open a connection to the origin at ip:port (either family, no brackets; over TLS when tls, its
 * certificate verified: tls.h) and send the player's request on it. */
static bool origin_request(struct mp_player_relay *r, const char *ip, uint16_t port, bool tls)
{
	struct mp_http_stream *hs = r->hs;
	struct evhttp_request *oreq;
	struct bufferevent *bev = NULL;

	if (mp_peer_hostport(ip, port, r->origin, sizeof(r->origin)) < 0) /* also the Host field */
		return false;
	r->status = 0;
	r->oerr = -1;
	if (tls && !(hs->c->origin_tls_ctx && (bev = mp_tls_connect_bev(hs->c->base, hs->c->origin_tls_ctx, ip))))
		return false;
	r->oconn = bev ? evhttp_connection_base_bufferevent_new(hs->c->base, NULL, bev, ip, port)
		       : evhttp_connection_base_new(hs->c->base, NULL, ip, port);
	if (!r->oconn && bev)
		bufferevent_free(bev);
	oreq = r->oconn ? evhttp_request_new(on_origin_done, r) : NULL;
	if (!oreq)
		return false;
	evhttp_connection_set_timeout(r->oconn, (int)hs->origin_timeout_s);
	evhttp_connection_set_max_headers_size(r->oconn, 64 * 1024);
	if (r->mode == MP_RELAY_PLAYLIST)
		evhttp_connection_set_max_body_size(r->oconn, (ev_ssize_t)hs->playlist_max);
	else
		evhttp_request_set_chunked_cb(oreq, on_origin_chunk);
	evhttp_request_set_header_cb(oreq, on_origin_header);
	evhttp_request_set_error_cb(oreq, on_origin_error);
	mp_relay_request_headers(evhttp_request_get_input_headers(r->player), evhttp_request_get_output_headers(oreq),
				 &(struct mp_relay_request_opts){ .client_ip = r->client_ip, .host = r->origin,
								  .rewritten = r->mode == MP_RELAY_PLAYLIST,
								  .cfg = hs->c->cfg });
	MP_DEBUG("HTTP stream: %s %s from %s -> http://%s%s", r->kind, r->stream, r->client, r->origin, r->target);
	r->origin_open = true;
	r->send.connect_timeout_ms = hs->c->cfg ? hs->c->cfg->origin_connect_timeout_ms : 0;
	r->send.connect_timed_out = on_connect_timeout;
	r->send.arg = r;
	if (mp_http_client_send(&r->send, r->oconn, oreq, r->head ? EVHTTP_REQ_HEAD : EVHTTP_REQ_GET, r->target) != MP_OK) {
		/* oreq is libevent's; the failure goes the way of one found later (next endpoint, or 502), whose
		 * frees are all deferred to the event loop (retry, reap) */
		r->oerr = MP_PLAYER_RELAY_ECONNECT;
		on_origin_done(NULL, r);
	}
	return true;
}

/* The origin did not answer on this endpoint: is there another of its HTTP endpoints to try? The
 * SRS proxy only ever uses the first one. */
bool mp_player_relay_try_next_endpoint(struct mp_player_relay *r)
{
	if (r->status != 0 || r->replied || !r->player)
		return false;
	/* none left on this origin: it is down, another origin may take the player (on_retry) */
	if (r->ep_next >= r->n_ep && r->repicks >= MP_PLAYER_RELAY_REPICKS)
		return false;
	event_active(r->retry, EV_TIMEOUT, 1); /* outside this connection's callbacks */
	return true;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct mp_player_relay *r = arg;
	struct mp_http_stream *hs = r->hs;
	const struct mp_lb_origin *o;
	char host[MP_LB_HOST_MAX];
	uint16_t port;
	bool tls;

	(void)fd;
	(void)what;
	if (r->dying || !r->player)
		return;
	if (r->oconn)
		evhttp_connection_free(r->oconn);
	r->oconn = NULL;
	if (r->ep_next >= r->n_ep) {
		/* every endpoint of this origin failed: mark it down, and re-pick the stream */
		struct mp_lb_target t;

		mp_origin_suspect(hs->c, r->origin_id, r->origin_uid, origin_error_text(r));
		r->repicks++;
		if (mp_lb_pick(hs->c->lb, r->stream, MP_PROTO_HTTP, mp_now_ms(), &t) != MP_OK ||
		    (t.origin_id == r->origin_id && t.origin_uid == r->origin_uid)) {
			char reason[160];

			hs->st.origin_failed++;
			snprintf(reason, sizeof(reason), "origin %s %s", r->origin, origin_error_text(r));
			mp_player_relay_reply_error(r, 502, reason);
			mp_player_relay_kill(r, false);
			return;
		}
		MP_INFO("HTTP stream: %s %s from %s: origin %u unreachable, retrying on origin %u", r->kind, r->stream,
			r->client, r->origin_id, t.origin_id);
		hs->st.origin_repicks++;
		r->origin_id = t.origin_id;
		r->origin_uid = t.origin_uid;
		r->n_ep = t.n_ep;
		r->ep_next = 1;
		if (mp_lb_target_host(hs->c->lb, &t, MP_PROTO_HTTP, host) != MP_OK ||
		    !origin_request(r, host, t.port, mp_lb_target_tls(hs->c->lb, &t, MP_PROTO_HTTP))) {
			hs->st.origin_failed++;
			mp_player_relay_reply_error(r, 502, "cannot start the origin request");
			mp_player_relay_kill(r, false);
		}
		return;
	}
	o = mp_lb_origin_get(hs->c->lb, r->origin_id);
	tls = mp_lb_origin_endpoint_tls(o, MP_PROTO_HTTP, r->ep_next);
	if (!o || o->uid != r->origin_uid ||
	    mp_lb_origin_endpoint_host(o, MP_PROTO_HTTP, r->ep_next++, host, &port) != MP_OK) {
		hs->st.origin_failed++;
		mp_player_relay_reply_error(r, 502, "origin gone while trying its endpoints");
		mp_player_relay_kill(r, false);
		return;
	}
	hs->st.endpoint_retries++;
	if (!origin_request(r, host, port, tls)) {
		hs->st.origin_failed++;
		mp_player_relay_reply_error(r, 502, "cannot start the origin request");
		mp_player_relay_kill(r, false);
	}
}

void mp_player_relay_start(struct mp_http_stream *hs, struct evhttp_request *player, const struct mp_player_relay_params *p)
{
	struct event_base *base = hs->c->base;
	struct mp_player_relay *r = calloc(1, sizeof(*r));
	char *peer = NULL, host[MP_LB_HOST_MAX];
	ev_uint16_t peer_port = 0;

	if (!r || !(r->reap = event_new(base, -1, 0, on_reap, r)) || !(r->stall = evtimer_new(base, mp_player_relay_on_stall, r)) ||
	    !(r->retry = event_new(base, -1, 0, on_retry, r)) || !(r->target = strdup(p->target))) {
		if (r && r->reap)
			event_free(r->reap);
		if (r && r->stall)
			event_free(r->stall);
		if (r && r->retry)
			event_free(r->retry);
		free(r);
		mp_http_reply_error(player, 503, "out of memory");
		return;
	}
	r->hs = hs;
	r->player = player;
	r->pconn = evhttp_request_get_connection(player);
	r->mode = p->mode;
	r->kind = p->kind;
	r->flv = p->flv;
	r->head = evhttp_request_get_command(player) == EVHTTP_REQ_HEAD;
	r->origin_id = p->origin->origin_id;
	r->origin_uid = p->origin->origin_uid;
	r->n_ep = p->origin->n_ep;
	r->ep_next = 1; /* endpoint 0 is the one the pick resolved */
	r->start_ms = mp_now_ms();
	snprintf(r->stream, sizeof(r->stream), "%s", p->stream);
	snprintf(r->spbhid, sizeof(r->spbhid), "%s", p->spbhid ? p->spbhid : "");
	evhttp_connection_get_peer(r->pconn, &peer, &peer_port);
	peer = (char *)mp_peer_unmap(peer); /* an IPv4 client of a dual-stack listener */
	snprintf(r->client_ip, sizeof(r->client_ip), "%s", peer ? peer : "");
	if (mp_peer_hostport(peer ? peer : "?", peer_port, r->client, sizeof(r->client)) < 0)
		snprintf(r->client, sizeof(r->client), "?");
	r->next = hs->relays;
	if (r->next)
		r->next->prev = r;
	hs->relays = r;
	if (++hs->st.players_now > hs->st.players_peak)
		hs->st.players_peak = hs->st.players_now;

	evhttp_connection_set_closecb(r->pconn, on_player_close, r);
	if (p->mode == MP_RELAY_STREAM)
		bound_kernel_buffer(r->pconn, hs->player_buffer);
	if (mp_lb_target_host(hs->c->lb, p->origin, MP_PROTO_HTTP, host) != MP_OK ||
	    !origin_request(r, host, p->origin->port, mp_lb_target_tls(hs->c->lb, p->origin, MP_PROTO_HTTP))) {
		hs->st.origin_failed++;
		mp_player_relay_reply_error(r, 502, "cannot start the origin request");
		mp_player_relay_kill(r, false);
	}
}

void mp_player_relay_close_all(struct mp_http_stream *hs)
{
	while (hs->relays) {
		struct mp_player_relay *r = hs->relays;

		r->dying = true;
		r->drop_player = true;
		on_reap(-1, 0, r);
	}
}

const struct mp_player_relay *mp_player_relay_next(const struct mp_http_stream *hs, const struct mp_player_relay *r)
{
	return r ? r->next : hs->relays;
}

void mp_player_relay_info(const struct mp_player_relay *r, uint64_t now, struct mp_player_relay_info *out)
{
	out->kind = r->kind;
	out->stream = r->stream;
	out->client = r->client;
	out->origin = r->origin;
	out->age_ms = now - r->start_ms;
	out->bytes_in = r->bytes_in;
	out->bytes_out = r->bytes_out;
	out->queued = mp_player_relay_queued(r);
	out->status = r->status;
}

uint32_t mp_player_relay_origin_down(struct mp_http_stream *hs, uint32_t origin_id, uint32_t origin_uid)
{
	uint32_t n = 0;

	for (struct mp_player_relay *r = hs->relays; r; r = r->next) {
		if (r->dying || r->origin_id != origin_id || r->origin_uid != origin_uid)
			continue;
		hs->st.origin_dead_closed++;
		MP_INFO("HTTP stream: %s %s: origin %s is dead: player %s closed", r->kind, r->stream, r->origin, r->client);
		mp_player_relay_kill(r, true);
		n++;
	}
	return n;
}
