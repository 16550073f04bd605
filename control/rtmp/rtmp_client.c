/* rtmp_client.c: the RTMP proxy facing a client: server handshake, then connect, releaseStream,
 * FCPublish, createStream... answered here and kept for the replay, until publish or play names the
 * stream (RTMP spec 1.0 section 7.2). */
#include "control.h"
#include "hop_guard.h"
#include "hop_marker.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_escape.h"
#include "mp_log.h"
#include "rtmp_session.h"
#include "url_query.h"
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/util.h>

int mp_rtmp_client_handshake(struct mp_rtmp_session *s)
{
	struct evbuffer *in = bufferevent_get_input(s->cl.bev);
	size_t have = evbuffer_get_length(in);

	if (s->state == MP_RTMP_S_C_HANDSHAKE) {
		struct mp_rtmp_hs_peer peer;
		uint8_t rnd[2 * MP_RTMP_HS_SIZE], out[MP_RTMP_HS_S0S1S2_LEN];
		const uint8_t *c0c1;
		int rc;

		if (have < MP_RTMP_HS_C0C1_LEN)
			return MP_ERR_AGAIN;
		c0c1 = evbuffer_pullup(in, MP_RTMP_HS_C0C1_LEN);
		rc = c0c1 ? mp_rtmp_hs_parse_c0c1(c0c1, MP_RTMP_HS_C0C1_LEN, &peer) : MP_ERR_NOMEM;
		if (rc < 0) {
			s->px->st.handshake_errors++;
			return rc == MP_ERR_UNSUPPORTED ? MP_ERR_PROTO : rc; /* C0 is not 3 (RTMPE?) */
		}
		evutil_secure_rng_get_bytes(rnd, sizeof(rnd));
		/* spec 1.0 section 5.2.3: S1's time is our epoch; complex clients get the digest form */
		rc = mp_rtmp_hs_build_s0s1s2(&peer, c0c1, rnd, (uint32_t)mp_now_ms(), out, sizeof(out));
		if (rc < 0)
			return rc;
		if (bufferevent_write(s->cl.bev, out, sizeof(out)))
			return MP_ERR_NOMEM;
		evbuffer_drain(in, MP_RTMP_HS_C0C1_LEN);
		s->cl.bytes_in += MP_RTMP_HS_C0C1_LEN;
		s->cl.bytes_out += sizeof(out);
		s->px->st.bytes_from_client += MP_RTMP_HS_C0C1_LEN;
		s->px->st.bytes_to_client += sizeof(out);
		s->state = MP_RTMP_S_C_HANDSHAKE2;
		have -= MP_RTMP_HS_C0C1_LEN;
	}
	/* C2: servers do not check it (nginx-rtmp and SRS neither); it only has to be read */
	if (have < MP_RTMP_HS_SIZE)
		return MP_ERR_AGAIN;
	evbuffer_drain(in, MP_RTMP_HS_SIZE);
	s->cl.bytes_in += MP_RTMP_HS_SIZE;
	s->px->st.bytes_from_client += MP_RTMP_HS_SIZE;
	/* the peer's acknowledgement window counts every byte it sent, handshake included */
	s->cl.rd.received += MP_RTMP_HS_C0C1_LEN + MP_RTMP_HS_SIZE;
	s->state = MP_RTMP_S_C_COMMANDS;
	return MP_OK;
}

int mp_rtmp_client_fail(struct mp_rtmp_session *s, const char *code, const char *why)
{
	uint8_t buf[512];
	char shown[256];
	int n;

	MP_WARN("RTMP: %s %s %s: %s", s->peer, s->role == MP_RTMP_ROLE_PLAY ? "play" : "publish",
		s->url.key[0] ? s->url.key : "-", why);
	mp_rtmp_side_close(&s->org);
	/* the log has the whole story; the client's description names no origin address (issue 13) */
	mp_redact_addrs(why, shown, sizeof(shown));
	n = mp_rtmp_reply_status_error(buf, sizeof(buf), code, shown);
	if (n > 0 && s->cl.bev)
		mp_rtmp_send_cmd(&s->cl, 5, s->client_sid ? s->client_sid : MP_RTMP_PROXY_CLIENT_SID, buf, n);
	return mp_rtmp_session_closing(s, why);
}

static int save(struct mp_rtmp_saved *sv, const struct mp_rtmp_msg *m, int kind)
{
	if (m->len > MP_RTMP_PROXY_SAVED_MAX)
		return MP_ERR_TOOLONG;
	free(sv->payload);
	sv->payload = malloc(m->len ? m->len : 1);
	if (!sv->payload)
		return MP_ERR_NOMEM;
	memcpy(sv->payload, m->payload, m->len);
	sv->len = m->len;
	sv->type = m->type;
	sv->csid = m->csid;
	sv->kind = (uint8_t)kind;
	return MP_OK;
}

/* Spec 1.0 section 7.2.1.1: the server's answer to connect: window, peer bandwidth, then _result.
 * No chunk size yet: the client hears the origin's when the relay starts (rtmp_relay.c), a raise
 * from the default 128, so media passes in the origin's chunks and no size is ever lowered. */
static int answer_connect(struct mp_rtmp_session *s, double txn)
{
	struct mp_rtmp_ctrl win = { .type = MP_RTMP_MSG_WINDOW_ACK_SIZE, .value = MP_RTMP_PROXY_WINDOW };
	struct mp_rtmp_ctrl bw = { .type = MP_RTMP_MSG_SET_PEER_BANDWIDTH, .value = MP_RTMP_PROXY_WINDOW,
				   .limit_type = MP_RTMP_BW_DYNAMIC };
	uint8_t buf[512];
	int rc;

	rc = mp_rtmp_send_ctrl(&s->cl, &win);
	if (rc == MP_OK) {
		s->cl.out_window = MP_RTMP_PROXY_WINDOW;
		rc = mp_rtmp_send_ctrl(&s->cl, &bw);
	}
	if (rc == MP_OK)
		rc = mp_rtmp_send_cmd(&s->cl, 3, 0, buf,
				      mp_rtmp_build_connect_result(buf, sizeof(buf), txn, s->object_encoding));
	return rc;
}

static int on_connect(struct mp_rtmp_session *s, const struct mp_rtmp_msg *m, const struct mp_rtmp_cmd *cmd)
{
	int rc;

	if (s->connect.payload)
		return MP_ERR_PROTO; /* connect twice */
	if (mp_rtmp_connect_has_via(cmd, mp_hop_name())) {
		/* Our own relay's connect came back to us: refuse it, or each pass would open another. */
		uint8_t buf[512];
		char what[96];
		int n = mp_rtmp_build_error(buf, sizeof(buf), cmd->txn, "NetConnection.Connect.Rejected",
					    "loop detected: this connect already went through this appliance");

		snprintf(what, sizeof(what), "RTMP connect from %s", s->peer);
		mp_hop_loop_seen(s->px->c, what);
		if (n > 0)
			mp_rtmp_send_cmd(&s->cl, 3, 0, buf, n);
		return mp_rtmp_session_closing(s, "loop detected (our own hop marker in connect)");
	}
	rc = save(&s->connect, m, cmd->kind);
	if (rc < 0)
		return rc;
	s->connect_txn = cmd->txn;
	s->object_encoding = cmd->object_encoding;
	if (cmd->tc_url.ptr && cmd->tc_url.len < sizeof(s->tc_url))
		snprintf(s->tc_url, sizeof(s->tc_url), "%.*s", (int)cmd->tc_url.len, cmd->tc_url.ptr);
	else if (cmd->app.ptr && cmd->app.len < sizeof(s->tc_url) - 20) /* no tcUrl: the default vhost */
		snprintf(s->tc_url, sizeof(s->tc_url), "rtmp://localhost/%.*s", (int)cmd->app.len, cmd->app.ptr);
	else
		return MP_ERR_PROTO;
	MP_DEBUG("RTMP: %s connect %s", s->peer, s->tc_url);
	return answer_connect(s, cmd->txn);
}

/* The publish/play replayed to the origin carries the client's address as a query parameter of the
 * stream name (rtmp_client_ip_param, default "client_ip"): SRS takes an RTMP client's address only
 * from the TCP peer (that is the appliance) and hands its hooks (on_connect, on_publish, on_play)
 * the stream's query as "param"; the stream name's query, not tcUrl's, because SRS joins the two
 * with a second '?' when both have one, which would spoil the client's own parameters (tokens).
 * Whatever the client sent under that name is dropped first. m is the client's message, cmd parsed
 * from it; the saved copy in s->start is replaced. */
static int add_client_ip(struct mp_rtmp_session *s, const struct mp_rtmp_msg *m, const struct mp_rtmp_cmd *cmd)
{
	const char *key = s->px->c->cfg ? s->px->c->cfg->rtmp_client_ip_param : "";
	char name[MP_SURL_QUERY_MAX + 128];
	uint8_t *out;
	size_t cap;
	int n;

	if (!key || !key[0] || !s->peer_ip[0])
		return MP_OK;
	n = mp_url_query_set(cmd->stream.ptr, cmd->stream.len, key, s->peer_ip, name, sizeof(name));
	if (n < 0)
		return MP_OK; /* a stream name too long to add to: it goes as the client sent it */
	cap = m->len + (size_t)n + 8;
	out = malloc(cap);
	if (!out)
		return MP_ERR_NOMEM;
	n = mp_rtmp_replace_string(m->payload, m->len, cmd->stream, name, (size_t)n, out, cap);
	if (n < 0) {
		free(out);
		return MP_OK;
	}
	free(s->start.payload);
	s->start.payload = out;
	s->start.len = (uint32_t)n;
	return MP_OK;
}

static int on_start(struct mp_rtmp_session *s, const struct mp_rtmp_msg *m, const struct mp_rtmp_cmd *cmd)
{
	int play = cmd->kind == MP_RTMP_CMD_PLAY;
	int rc;

	if (!s->connect.payload)
		return MP_ERR_PROTO; /* publish or play before connect */
	s->role = play ? MP_RTMP_ROLE_PLAY : MP_RTMP_ROLE_PUBLISH;
	s->client_sid = m->stream_id;
	rc = save(&s->start, m, cmd->kind);
	if (rc < 0)
		return rc;
	rc = mp_stream_url_from_rtmp(s->tc_url, strlen(s->tc_url), cmd->stream.ptr, cmd->stream.len, &s->url);
	if (rc < 0) {
		char why[160];

		s->px->st.bad_stream++;
		s->url.key[0] = 0;
		snprintf(why, sizeof(why), "stream '%.*s' on '%s' cannot be named: %s",
			 (int)(cmd->stream.len > 64 ? 64 : cmd->stream.len), cmd->stream.ptr ? cmd->stream.ptr : "",
			 s->tc_url, mp_strerror(rc));
		return mp_rtmp_client_fail(s, play ? "NetStream.Play.StreamNotFound" : "NetStream.Publish.BadName", why);
	}
	rc = add_client_ip(s, m, cmd);
	if (rc < 0)
		return rc;
	if (play)
		s->px->st.plays++;
	else
		s->px->st.publishes++;
	if (!play && s->fcpublish_seen) {
		uint8_t buf[512];

		rc = mp_rtmp_send_cmd(&s->cl, 5, 0, buf, mp_rtmp_build_on_fcpublish(buf, sizeof(buf), cmd->stream));
		if (rc < 0)
			return rc;
	}
	return mp_rtmp_origin_start(s);
}

int mp_rtmp_client_command(struct mp_rtmp_session *s, const struct mp_rtmp_msg *m)
{
	struct mp_amf0_node nodes[MP_RTMP_PROXY_NODES];
	struct mp_rtmp_cmd cmd;
	uint8_t buf[256];
	int rc;

	if (m->type != MP_RTMP_MSG_COMMAND_AMF0 && m->type != MP_RTMP_MSG_COMMAND_AMF3)
		return MP_OK; /* data or media before publish: nothing to do with it yet */
	rc = mp_rtmp_cmd_parse(&cmd, nodes, MP_RTMP_PROXY_NODES, m->type, m->payload, m->len);
	if (rc < 0)
		return MP_ERR_PROTO;
	if (cmd.txn > s->max_txn)
		s->max_txn = cmd.txn;
	switch (cmd.kind) {
	case MP_RTMP_CMD_CONNECT:
		return on_connect(s, m, &cmd);
	case MP_RTMP_CMD_RELEASE_STREAM:
	case MP_RTMP_CMD_FC_PUBLISH:
		if (cmd.kind == MP_RTMP_CMD_FC_PUBLISH)
			s->fcpublish_seen = 1;
		if (s->nsaved < MP_RTMP_PROXY_SAVED) {
			rc = save(&s->saved[s->nsaved], m, cmd.kind);
			if (rc < 0)
				return rc;
			s->nsaved++;
		}
		return mp_rtmp_send_cmd(&s->cl, 3, m->stream_id, buf, mp_rtmp_build_result(buf, sizeof(buf), cmd.txn));
	case MP_RTMP_CMD_CREATE_STREAM: /* 7.2.1.3 */
		s->create_txn = cmd.txn;
		return mp_rtmp_send_cmd(&s->cl, 3, 0, buf,
					mp_rtmp_build_create_stream_result(buf, sizeof(buf), cmd.txn,
									   MP_RTMP_PROXY_CLIENT_SID));
	case MP_RTMP_CMD_GET_STREAM_LENGTH:
		/* ffmpeg's play asks; SRS never answers. A live stream has no length: "_result", txn, null, 0. */
		return mp_rtmp_send_cmd(&s->cl, 3, m->stream_id, buf,
					mp_rtmp_build_create_stream_result(buf, sizeof(buf), cmd.txn, 0));
	case MP_RTMP_CMD_PUBLISH:
	case MP_RTMP_CMD_PLAY:
		return on_start(s, m, &cmd);
	case MP_RTMP_CMD_RESULT:
	case MP_RTMP_CMD_ERROR:
	case MP_RTMP_CMD_ON_STATUS:
	case MP_RTMP_CMD_DELETE_STREAM:
	case MP_RTMP_CMD_CLOSE_STREAM:
	case MP_RTMP_CMD_DATA:
		return MP_OK;
	default:
		/* FCUnpublish, _checkbw and calls we do not know: an empty _result, as SRS does */
		if (cmd.txn == 0)
			return MP_OK;
		return mp_rtmp_send_cmd(&s->cl, 3, m->stream_id, buf, mp_rtmp_build_result(buf, sizeof(buf), cmd.txn));
	}
}
