/* rtmp_origin.c: the RTMP proxy facing the origin: pick it, connect without blocking (next endpoint
 * on failure), client handshake, then replay the client's exchange: connect, releaseStream/FCPublish,
 * createStream, publish or play on the stream id the origin gives. */
#include "config.h"
#include "control.h"
#include "hop_guard.h"
#include "hop_marker.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"
#include "origin_health.h"
#include "peer_addr.h"
#include "rtmp_session.h"
#include "tls.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/util.h>

static const char *fail_code(const struct mp_rtmp_session *s)
{
	return s->role == MP_RTMP_ROLE_PLAY ? "NetStream.Play.Failed" : "NetStream.Publish.Denied";
}

static void addr_str(const struct mp_rtmp_session *s, char *out, size_t cap)
{
	if (mp_peer_hostport(s->origin_host, s->origin_port, out, cap) < 0)
		snprintf(out, cap, "?");
}

/* The socket address of the origin endpoint (s->origin_host, either family); its length, 0 if none. */
static socklen_t origin_sockaddr(const struct mp_rtmp_session *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s->origin_host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(s->origin_port);
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, s->origin_host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(s->origin_port);
		return sizeof(*s6);
	}
	return 0;
}

/* Endpoint s->ep_index of the session's target origin into origin_host/origin_port; false when the
 * origin is gone or has no such endpoint. */
static bool take_endpoint(struct mp_rtmp_session *s)
{
	struct mp_control *c = s->px->c;
	const struct mp_lb_origin *o = c->lb ? mp_lb_origin_get(c->lb, s->target.origin_id) : NULL;

	if (!o || o->uid != s->target.origin_uid)
		return false;
	s->origin_tls = mp_lb_origin_endpoint_tls(o, MP_PROTO_RTMP, s->ep_index);
	return mp_lb_origin_endpoint_host(o, MP_PROTO_RTMP, s->ep_index, s->origin_host, &s->origin_port) == MP_OK;
}

/* The pick's endpoint 0 (t->ipv4, or the origin's IPv6 endpoint). */
static void take_target(struct mp_rtmp_session *s)
{
	struct mp_lb *lb = s->px->c->lb;
	const struct mp_lb_origin *o = lb ? mp_lb_origin_get(lb, s->target.origin_id) : NULL;

	s->ep_index = 0;
	s->origin_port = s->target.port;
	s->origin_tls = o && o->uid == s->target.origin_uid && mp_lb_origin_endpoint_tls(o, MP_PROTO_RTMP, 0);
	if (mp_lb_target_host(s->px->c->lb, &s->target, MP_PROTO_RTMP, s->origin_host) != MP_OK)
		s->origin_host[0] = 0; /* connect_endpoint fails it, and the next endpoint or origin is tried */
}

static int connect_endpoint(struct mp_rtmp_session *s)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct bufferevent *bev;
	uint32_t ms;
	int rc;

	mp_rtmp_side_close(&s->org);
	if (s->origin_tls) /* RTMPS to the origin, its certificate verified for the address (tls.h) */
		bev = s->px->c->origin_tls_ctx ? mp_tls_connect_bev(s->px->c->base, s->px->c->origin_tls_ctx, s->origin_host) : NULL;
	else
		bev = bufferevent_socket_new(s->px->c->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		return MP_ERR_NOMEM;
	rc = mp_rtmp_side_open(s, &s->org, bev);
	if (rc < 0) {
		bufferevent_free(bev);
		s->org.bev = NULL;
		return rc;
	}
	s->state = MP_RTMP_S_O_CONNECTING;
	sslen = origin_sockaddr(s, &ss);
	if (!sslen)
		return mp_rtmp_origin_failed(s, "no address for the endpoint");
	/* a connect that hangs (a host gone, SYNs dropped) fails as a write timeout: origin_connect_timeout */
	ms = s->px->c->cfg ? s->px->c->cfg->origin_connect_timeout_ms : MP_RTMP_PROXY_CONNECT_MS;
	bufferevent_set_timeouts(bev, NULL, &(struct timeval){ ms / 1000, (ms % 1000) * 1000 });
	/* non-blocking: BEV_EVENT_CONNECTED or an error arrives in rtmp_io.c's event callback */
	if (bufferevent_socket_connect(bev, (struct sockaddr *)&ss, (int)sslen) < 0)
		return mp_rtmp_origin_failed(s, "connect failed at once");
	return MP_OK;
}

int mp_rtmp_origin_start(struct mp_rtmp_session *s)
{
	struct mp_control *c = s->px->c;
	uint64_t now = mp_now_ms();
	char addr[MP_PEER_HOSTPORT_MAX];
	int rc;

	mp_rtmp_side_pause(&s->cl); /* the client's next messages wait until the origin is ready */
	s->state = MP_RTMP_S_O_CONNECTING;
	s->deadline_ms = now + MP_RTMP_PROXY_ORIGIN_MS;
	rc = c->lb ? mp_lb_pick(c->lb, s->url.key, MP_PROTO_RTMP, now, &s->target) : MP_ERR_NOORIGIN;
	if (rc == MP_ERR_NOORIGIN) {
		s->px->st.noorigin++;
		return mp_rtmp_client_fail(s, fail_code(s), "no origin server is available for this stream");
	}
	if (rc < 0) {
		char why[96];

		s->px->st.noorigin++;
		snprintf(why, sizeof(why), "cannot pick an origin: %s", mp_strerror(rc));
		return mp_rtmp_client_fail(s, fail_code(s), why);
	}
	take_target(s);
	addr_str(s, addr, sizeof(addr));
	MP_INFO("RTMP: %s %s %s -> origin %u at %s%s", s->peer, s->role == MP_RTMP_ROLE_PLAY ? "play" : "publish",
		s->url.key, s->target.origin_id, addr, s->target.repicked ? " (re-picked)" : "");
	return connect_endpoint(s);
}

int mp_rtmp_origin_failed(struct mp_rtmp_session *s, const char *what)
{
	struct mp_control *c = s->px->c;
	char addr[MP_PEER_HOSTPORT_MAX], why[160];

	addr_str(s, addr, sizeof(addr));
	if (s->state == MP_RTMP_S_O_CONNECTING) {
		s->px->st.origin_connect_errors++;
		MP_WARN("RTMP: origin %s for %s: %s", addr, s->url.key, what);
		mp_rtmp_side_close(&s->org);
		/* the Go proxy only ever tries the first endpoint; try the origin's others */
		while (c->lb && ++s->ep_index < s->target.n_ep) {
			const struct mp_lb_origin *o = mp_lb_origin_get(c->lb, s->target.origin_id);

			if (!o || o->uid != s->target.origin_uid)
				break;
			if (!take_endpoint(s))
				continue;
			return connect_endpoint(s);
		}
		/* every endpoint failed: the origin is down for new picks; try another for this client */
		if (c->lb && s->repicks < MP_RTMP_PROXY_REPICKS) {
			struct mp_lb_target prev = s->target;

			mp_origin_suspect(c, prev.origin_id, prev.origin_uid, what);
			if (mp_lb_pick(c->lb, s->url.key, MP_PROTO_RTMP, mp_now_ms(), &s->target) == MP_OK &&
			    (s->target.origin_id != prev.origin_id || s->target.origin_uid != prev.origin_uid)) {
				s->repicks++;
				s->px->st.origin_repicks++;
				take_target(s);
				MP_INFO("RTMP: %s %s: origin %u unreachable, retrying on origin %u", s->peer, s->url.key,
					prev.origin_id, s->target.origin_id);
				return connect_endpoint(s);
			}
			s->target = prev;
		}
		snprintf(why, sizeof(why), "the origin at %s cannot be reached", addr);
		return mp_rtmp_client_fail(s, fail_code(s), why);
	}
	s->px->st.origin_closed++;
	snprintf(why, sizeof(why), "the origin at %s: %s during setup (%s)", addr, what, mp_rtmp_state_name(s->state));
	return mp_rtmp_client_fail(s, fail_code(s), why);
}

int mp_rtmp_origin_connected(struct mp_rtmp_session *s)
{
	uint8_t rnd[MP_RTMP_HS_SIZE];
	evutil_socket_t fd = bufferevent_getfd(s->org.bev);
	int rc;

	if (fd >= 0)
		mp_rtmp_socket_tune(fd);
	bufferevent_set_timeouts(s->org.bev, NULL, NULL); /* the connect timeout is over */
	evutil_secure_rng_get_bytes(rnd, sizeof(rnd));
	/* the complex form, as ffmpeg sends it: every server accepts it (spec 1.0 section 5.2.3) */
	rc = mp_rtmp_hs_build_c0c1(rnd, (uint32_t)mp_now_ms(), s->c0c1, sizeof(s->c0c1));
	if (rc < 0)
		return rc;
	if (bufferevent_write(s->org.bev, s->c0c1, sizeof(s->c0c1)))
		return MP_ERR_NOMEM;
	s->org.bytes_out += sizeof(s->c0c1);
	s->px->st.bytes_to_origin += sizeof(s->c0c1);
	s->state = MP_RTMP_S_O_HANDSHAKE;
	return MP_OK;
}

int mp_rtmp_origin_handshake(struct mp_rtmp_session *s)
{
	struct evbuffer *in = bufferevent_get_input(s->org.bev);
	struct mp_rtmp_hs_peer server;
	uint8_t rnd[MP_RTMP_HS_SIZE], c2[MP_RTMP_HS_SIZE];
	const uint8_t *s0s1s2;
	int rc;

	if (evbuffer_get_length(in) < MP_RTMP_HS_S0S1S2_LEN)
		return MP_ERR_AGAIN;
	s0s1s2 = evbuffer_pullup(in, MP_RTMP_HS_S0S1S2_LEN);
	if (!s0s1s2)
		return MP_ERR_NOMEM;
	evutil_secure_rng_get_bytes(rnd, sizeof(rnd));
	rc = mp_rtmp_hs_client_finish(s->c0c1, s0s1s2, MP_RTMP_HS_S0S1S2_LEN, rnd, c2, sizeof(c2), &server);
	if (rc < 0) {
		s->px->st.handshake_errors++;
		return mp_rtmp_client_fail(s, fail_code(s), "the origin's handshake is not RTMP");
	}
	evbuffer_drain(in, MP_RTMP_HS_S0S1S2_LEN);
	s->org.bytes_in += MP_RTMP_HS_S0S1S2_LEN;
	s->px->st.bytes_from_origin += MP_RTMP_HS_S0S1S2_LEN;
	s->org.rd.received += MP_RTMP_HS_S0S1S2_LEN;
	if (bufferevent_write(s->org.bev, c2, sizeof(c2)))
		return MP_ERR_NOMEM;
	s->org.bytes_out += sizeof(c2);
	s->px->st.bytes_to_origin += sizeof(c2);
	/* the client's chunk size (known since its connect): the relay passes its chunks at it and
	 * never needs to lower it (rtmp_relay.c) */
	uint32_t chunk = mp_rtmp_relay_chunk_of(&s->cl);

	rc = chunk != s->org.out_chunk ? mp_rtmp_send_chunk_size(&s->org, chunk) : MP_OK;
	if (rc == MP_OK) {
		uint8_t payload[MP_RTMP_PROXY_SAVED_MAX + 128];
		struct mp_rtmp_msg m = { .csid = s->connect.csid, .type = s->connect.type, .payload = payload };
		int n;

		/* the client's connect, byte for byte: tcUrl, app, flashVer and any extra arguments, then
		 * our hop marker, so that a connect coming back to this appliance is known as a loop */
		memcpy(payload, s->connect.payload, s->connect.len);
		n = mp_rtmp_via_build(payload + s->connect.len, sizeof(payload) - s->connect.len, mp_hop_name());
		m.len = s->connect.len + (n > 0 ? (uint32_t)n : 0);
		rc = mp_rtmp_send_msg(&s->org, &m);
	}
	s->state = MP_RTMP_S_O_CONNECT;
	return rc;
}

/* After connect succeeded: the client's releaseStream/FCPublish (answers ignored, as ffmpeg does),
 * then createStream, whose answer we wait for. */
static int send_create_stream(struct mp_rtmp_session *s)
{
	uint8_t buf[64];
	int rc;

	for (unsigned i = 0; i < s->nsaved; i++) {
		struct mp_rtmp_msg m = { .csid = s->saved[i].csid, .type = s->saved[i].type, .len = s->saved[i].len,
					 .payload = s->saved[i].payload };

		rc = mp_rtmp_send_msg(&s->org, &m);
		if (rc < 0)
			return rc;
	}
	if (s->create_txn <= 0)
		s->create_txn = s->max_txn + 1; /* the client published without createStream */
	rc = mp_rtmp_send_cmd(&s->org, 3, 0, buf,
			      mp_rtmp_build_call(buf, sizeof(buf), "createStream", s->create_txn, (struct mp_rtmp_str){ 0 }));
	s->state = MP_RTMP_S_O_CREATE;
	return rc;
}

static int refused(struct mp_rtmp_session *s, const char *what, const struct mp_rtmp_cmd *cmd)
{
	char why[256];

	s->px->st.origin_refused++;
	snprintf(why, sizeof(why), "the origin refused %s: %.*s %.*s", what, (int)(cmd->code.len > 80 ? 80 : cmd->code.len),
		 cmd->code.ptr ? cmd->code.ptr : "", (int)(cmd->description.len > 100 ? 100 : cmd->description.len),
		 cmd->description.ptr ? cmd->description.ptr : "");
	return mp_rtmp_client_fail(s, fail_code(s), why);
}

int mp_rtmp_origin_message(struct mp_rtmp_session *s, const struct mp_rtmp_msg *m)
{
	struct mp_amf0_node nodes[MP_RTMP_PROXY_NODES];
	struct mp_rtmp_cmd cmd;

	if (m->type != MP_RTMP_MSG_COMMAND_AMF0 && m->type != MP_RTMP_MSG_COMMAND_AMF3)
		return MP_OK; /* nothing else matters before the relay */
	if (mp_rtmp_cmd_parse(&cmd, nodes, MP_RTMP_PROXY_NODES, m->type, m->payload, m->len) < 0)
		return MP_ERR_PROTO;
	if (s->state == MP_RTMP_S_O_CONNECT && cmd.txn == s->connect_txn) {
		if (cmd.kind == MP_RTMP_CMD_ERROR)
			return refused(s, "connect", &cmd);
		if (cmd.kind == MP_RTMP_CMD_RESULT)
			return send_create_stream(s);
	}
	if (s->state == MP_RTMP_S_O_CREATE && cmd.txn == s->create_txn) {
		struct mp_rtmp_msg start = { .csid = s->start.csid, .type = s->start.type, .len = s->start.len,
					     .payload = s->start.payload };
		int rc;

		if (cmd.kind == MP_RTMP_CMD_ERROR)
			return refused(s, "createStream", &cmd);
		if (cmd.kind != MP_RTMP_CMD_RESULT)
			return MP_OK;
		if (!(cmd.stream_id >= 1 && cmd.stream_id < 4294967296.0))
			return refused(s, "createStream (no stream id)", &cmd);
		s->origin_sid = (uint32_t)cmd.stream_id;
		/* publish or play as the client sent it (its query, e.g. tokens, included) on the origin's stream */
		start.stream_id = s->origin_sid;
		rc = mp_rtmp_send_msg(&s->org, &start);
		if (rc == MP_OK && s->buffer_ms_seen) {
			struct mp_rtmp_ctrl buf_len = { .type = MP_RTMP_MSG_USER_CONTROL,
							.event = MP_RTMP_UC_SET_BUFFER_LENGTH, .value = s->origin_sid,
							.value2 = s->buffer_ms };

			rc = mp_rtmp_send_ctrl(&s->org, &buf_len);
		}
		if (rc < 0)
			return rc;
		return mp_rtmp_relay_start(s);
	}
	return MP_OK; /* onBWDone, onFCPublish, answers to releaseStream...: the client already has its own */
}

uint32_t mp_rtmp_origin_down(struct mp_control *c, uint32_t origin_id, uint32_t origin_uid)
{
	struct mp_rtmp_proxy *px = c->state[MP_L_RTMP];
	struct mp_rtmp_session *s, *next;
	uint32_t n = 0;

	for (s = px ? px->head : NULL; s; s = next) {
		next = s->next;
		if (s->state < MP_RTMP_S_O_CONNECTING || s->state == MP_RTMP_S_CLOSING ||
		    s->target.origin_id != origin_id || s->target.origin_uid != origin_uid)
			continue;
		px->st.origin_dead_closed++;
		mp_rtmp_session_free(s, "its origin is dead: the client reconnects to another");
		n++;
	}
	return n;
}
