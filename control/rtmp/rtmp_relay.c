/* rtmp_relay.c: the RTMP proxy's relay: every message read from one side is written to the other at
 * the chunk size announced there, with the message stream id mapped; protocol control messages are
 * absorbed per side (never forwarded), pings answered, and a slow side stops reading the other. */
#include "control.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"
#include "rtmp_session.h"

/* The client's stream id and the origin's name the same stream (createStream answers may differ). */
uint32_t mp_rtmp_relay_sid(const struct mp_rtmp_session *s, const struct mp_rtmp_side *from, uint32_t sid)
{
	if (!s->client_sid)
		return sid;
	if (from == &s->cl)
		return sid == s->client_sid ? s->origin_sid : sid;
	return sid == s->origin_sid ? s->client_sid : sid;
}

/* Chunk-by-chunk relay (rtmp_io.c): when the sender's chunk size is the one we write to the
 * receiver with, a media message's chunks go through as they come (no reassembly, no copy). */
#define MP_RTMP_PASS_CSID_MIN 4 /* chunk streams 2 and 3 carry what the proxy itself writes */
/* SRS accepts chunk sizes 128..65536 only; a size outside keeps our own and messages re-chunked. */
#define MP_RTMP_PASS_CHUNK_MIN 128u
#define MP_RTMP_PASS_CHUNK_MAX 65536u

uint32_t mp_rtmp_relay_chunk_of(const struct mp_rtmp_side *from)
{
	uint32_t size = from->rd.chunk_size;

	return size >= MP_RTMP_PASS_CHUNK_MIN && size <= MP_RTMP_PASS_CHUNK_MAX ? size : MP_RTMP_PROXY_CHUNK;
}

/* Announce the sender's chunk size to the receiver so that chunks can pass unchanged; a larger one
 * only. nginx-rtmp (1.2) loses what follows a SetChunkSize that lowers its size in the same read
 * (it keeps at most one new-size buffer of it) and then reads garbage ("too big message"): a
 * sender that goes below what its receiver was told has its messages re-chunked instead, unless a
 * message of it was passed in part (the rest can only follow at the new size). */
static int sync_chunk_size(struct mp_rtmp_session *s, struct mp_rtmp_side *from)
{
	struct mp_rtmp_side *to = mp_rtmp_other(s, from);
	uint32_t size = mp_rtmp_relay_chunk_of(from);

	if (!to->bev || size == to->out_chunk)
		return MP_OK;
	if (size < to->out_chunk && !mp_rtmp_reader_passing_messages(&from->rd))
		return MP_OK;
	return mp_rtmp_send_chunk_size(to, size);
}

int mp_rtmp_relay_by_chunk(const struct mp_rtmp_session *s, const struct mp_rtmp_side *side)
{
	const struct mp_rtmp_side *to = side == &s->cl ? &s->org : &s->cl;

	if (!to->bev)
		return 0;
	return mp_rtmp_reader_passing_messages(&side->rd) || side->rd.chunk_size == to->out_chunk;
}

int mp_rtmp_relay_passes(struct mp_rtmp_session *s, const struct mp_rtmp_side *side, const struct mp_rtmp_chunk *c)
{
	const struct mp_rtmp_side *to = mp_rtmp_other(s, (struct mp_rtmp_side *)side);

	if (side->rd.chunk_size != to->out_chunk || c->csid < MP_RTMP_PASS_CSID_MIN)
		return 0;
	switch (c->type) {
	case MP_RTMP_MSG_AUDIO:
	case MP_RTMP_MSG_VIDEO:
	case MP_RTMP_MSG_DATA_AMF0:
	case MP_RTMP_MSG_DATA_AMF3:
	case MP_RTMP_MSG_AGGREGATE:
		return 1;
	default:
		return 0; /* commands and control: assembled, read, maybe answered here */
	}
}

void mp_rtmp_relay_passed(struct mp_rtmp_session *s, struct mp_rtmp_side *side, int message_done)
{
	struct mp_rtmp_side *to = mp_rtmp_other(s, side);

	if (message_done) {
		side->msgs_passed++;
		if (side->is_origin)
			s->px->st.msgs_o2c++;
		else
			s->px->st.msgs_c2o++;
		s->px->st.msgs_passed++;
	}
	if (!side->paused && mp_rtmp_side_queued(to) > MP_RTMP_PROXY_OUT_HIGH) {
		s->px->st.backpressure_pauses++;
		mp_rtmp_side_pause(side);
	}
}

int mp_rtmp_relay_control(struct mp_rtmp_session *s, struct mp_rtmp_side *side, const struct mp_rtmp_msg *m)
{
	struct mp_rtmp_ctrl c;
	int rc;

	if (mp_rtmp_ctrl_parse(m, &c) < 0)
		return MP_ERR_PROTO;
	switch (c.type) {
	case MP_RTMP_MSG_SET_CHUNK_SIZE:
		/* The reader reads this side with it from now on. Forwarding its bytes is what
		 * desynchronises peers behind the Go proxy; while relaying, we announce the same size
		 * to the other side ourselves, at this point of our own stream, so chunks can pass. */
		s->px->st.chunk_size_changes++;
		MP_DEBUG("RTMP: %s: %s chunk size %u", s->peer, side->is_origin ? "origin" : "client", c.value);
		return s->state == MP_RTMP_S_RELAY ? sync_chunk_size(s, side) : MP_OK;
	case MP_RTMP_MSG_ABORT: /* applied by the reader (spec 5.4.2); a message passed in part is
				 * aborted on the other side too (harmless when nothing of it went) */
		if (s->state == MP_RTMP_S_RELAY && c.value > MP_RTMP_PASS_CSID_MIN - 1)
			return mp_rtmp_send_ctrl(mp_rtmp_other(s, side), &c);
		return MP_OK;
	case MP_RTMP_MSG_ACK:             /* the peer's receipt of our bytes (5.4.3): nothing to do */
	case MP_RTMP_MSG_WINDOW_ACK_SIZE: /* the reader acknowledges this side from now on (5.4.4) */
		return MP_OK;
	case MP_RTMP_MSG_SET_PEER_BANDWIDTH:
		/* spec 5.4.5: answer with WindowAckSize when it differs from the last one we sent */
		if (c.value != side->out_window) {
			struct mp_rtmp_ctrl w = { .type = MP_RTMP_MSG_WINDOW_ACK_SIZE, .value = c.value };

			rc = mp_rtmp_send_ctrl(side, &w);
			if (rc < 0)
				return rc;
			side->out_window = c.value;
		}
		return MP_OK;
	default:
		break;
	}
	/* User Control (spec 7.1.7) */
	if (c.event == MP_RTMP_UC_PING_REQUEST) {
		struct mp_rtmp_ctrl pong = { .type = MP_RTMP_MSG_USER_CONTROL, .event = MP_RTMP_UC_PING_RESPONSE,
					     .value = c.value };

		s->px->st.pings_answered++;
		return mp_rtmp_send_ctrl(side, &pong);
	}
	if (c.event == MP_RTMP_UC_SET_BUFFER_LENGTH && !side->is_origin && s->state != MP_RTMP_S_RELAY) {
		s->buffer_ms_seen = 1; /* a player that says it before play: the origin hears it after play */
		s->buffer_ms = c.value2;
		return MP_OK;
	}
	if (c.event == MP_RTMP_UC_PING_RESPONSE || s->state != MP_RTMP_S_RELAY)
		return MP_OK; /* the origin's StreamBegin before the relay concerns our own exchange */
	/* StreamBegin/EOF/Dry/IsRecorded/SetBufferLength: the first 4 bytes name a stream */
	c.value = mp_rtmp_relay_sid(s, side, c.value);
	rc = mp_rtmp_send_ctrl(mp_rtmp_other(s, side), &c);
	if (rc == MP_OK) {
		if (side->is_origin)
			s->px->st.msgs_o2c++;
		else
			s->px->st.msgs_c2o++;
	}
	return rc;
}

/* deleteStream names the stream in its argument (spec 7.2.2.3): name the origin's. */
static int client_command(struct mp_rtmp_session *s, const struct mp_rtmp_msg *m, struct mp_rtmp_msg *out,
			  uint8_t *buf, size_t cap, int *answered)
{
	struct mp_amf0_node nodes[MP_RTMP_PROXY_NODES];
	struct mp_rtmp_cmd cmd;
	int n;

	*answered = 0;
	if (mp_rtmp_cmd_parse(&cmd, nodes, MP_RTMP_PROXY_NODES, m->type, m->payload, m->len) < 0)
		return MP_OK; /* not ours to judge: the origin gets it as it is */
	if (cmd.kind == MP_RTMP_CMD_GET_STREAM_LENGTH) {
		*answered = 1;
		return mp_rtmp_send_cmd(&s->cl, 3, m->stream_id, buf,
					mp_rtmp_build_create_stream_result(buf, cap, cmd.txn, 0));
	}
	if (cmd.kind == MP_RTMP_CMD_DELETE_STREAM && s->client_sid && cmd.stream_id == s->client_sid &&
	    s->origin_sid != s->client_sid) {
		n = mp_rtmp_build_delete_stream(buf, cap, cmd.txn, s->origin_sid);
		if (n < 0)
			return n;
		out->type = MP_RTMP_MSG_COMMAND_AMF0;
		out->payload = buf;
		out->len = (uint32_t)n;
	}
	return MP_OK;
}

int mp_rtmp_relay_message(struct mp_rtmp_session *s, struct mp_rtmp_side *side, const struct mp_rtmp_msg *m)
{
	struct mp_rtmp_side *to = mp_rtmp_other(s, side);
	struct mp_rtmp_msg out = *m;
	uint8_t buf[128];
	int rc;

	out.stream_id = mp_rtmp_relay_sid(s, side, m->stream_id);
	if (!side->is_origin && (m->type == MP_RTMP_MSG_COMMAND_AMF0 || m->type == MP_RTMP_MSG_COMMAND_AMF3)) {
		int answered;

		rc = client_command(s, m, &out, buf, sizeof(buf), &answered);
		if (rc < 0 || answered)
			return rc;
	}
	rc = mp_rtmp_send_msg(to, &out);
	if (rc < 0)
		return rc;
	if (side->is_origin)
		s->px->st.msgs_o2c++;
	else
		s->px->st.msgs_c2o++;
	/* back-pressure: stop reading this side until the other drains (rtmp_io.c's write callback) */
	if (!side->paused && mp_rtmp_side_queued(to) > MP_RTMP_PROXY_OUT_HIGH) {
		s->px->st.backpressure_pauses++;
		mp_rtmp_side_pause(side);
	}
	return MP_OK;
}

int mp_rtmp_relay_start(struct mp_rtmp_session *s)
{
	s->state = MP_RTMP_S_RELAY;
	s->cl.rd.max_msg = MP_RTMP_PROXY_MAX_MSG;
	s->org.rd.max_msg = MP_RTMP_PROXY_MAX_MSG;
	s->last_ms = mp_now_ms();
	s->px->st.relays++;
	if (sync_chunk_size(s, &s->cl) < 0 || sync_chunk_size(s, &s->org) < 0)
		return MP_ERR_NOMEM;
	MP_INFO("RTMP: %s %s %s relaying (stream id %u here, %u at the origin)", s->peer,
		s->role == MP_RTMP_ROLE_PLAY ? "play" : "publish", s->url.key, s->client_sid, s->origin_sid);
	return mp_rtmp_side_resume(s, &s->cl);
}
