/* test_rtmp_relay.c: the RTMP proxy relays whole messages between a client writing 4096-byte chunks
 * and an origin writing 60000-byte chunks (both ways), maps stream ids, passes the stream name's
 * query to the origin, answers pings and getStreamLength, acknowledges, stops reading an origin whose
 * player does not read, tells a client with no origin (or a dead one) an error, falls over to an
 * origin's next endpoint, counts it all in /api/v1/rtmp, and on SIGTERM drains open streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "appliance.h"
#include "mp_error.h"
#include "rtmp_peer.h"

#define RTMP_PORT 13321
#define API_PORT 13322
#define ORIGIN_PORT 13323
#define TC_URL "rtmp://127.0.0.1:13321/live"
#define NMSG 24
#define NODES 128

static struct mp_appliance app;

static int start_appliance(const char *grace)
{
	char grace_opt[64], prefix[64];
	char *argv[] = { prefix, "--", "--tap-name=mpr1", "--tap-host-ip=198.18.234.1/24",
			 "--public-ip=198.18.234.2/24", "--public-gateway=198.18.234.1",
			 "--system-api-listen=127.0.0.1:13322", "--api-listen=off", "--http-listen=off",
			 "--rtmp-listen=127.0.0.1:13321", "--idle-sleep-us=1000", "--max-sessions=4096", grace_opt, NULL };

	snprintf(grace_opt, sizeof(grace_opt), "--grace-quit-timeout=%s", grace);
	snprintf(prefix, sizeof(prefix), "--file-prefix=mpr-relay-%d", (int)getpid()); /* unique per run */
	if (app.pid > 0) /* one left running by a failed test */
		mp_appliance_stop(&app, SIGINT, 10000);
	mp_appliance_cleanup(&app);
	if (mp_appliance_spawn(&app, argv, NULL, 0) != 0 || !mp_appliance_wait_log(&app, "running (pid", 60000)) {
		char *log = mp_appliance_log(&app);

		fprintf(stderr, "appliance did not start:\n%s\n", log);
		free(log);
		mp_appliance_cleanup(&app);
		return -1;
	}
	return 0;
}

/* The origin, with its RTMP endpoints ("13323" or "\"13329\",\"13323\"" for a dead first one). */
static int register_origin_at(const char *rtmp)
{
	char body[512], *resp = NULL;
	int n = snprintf(body, sizeof(body), "{\"device_id\":\"mpr-dev\",\"ip\":\"127.0.0.1\",\"server\":\"mpr\","
			 "\"service\":\"relay\",\"pid\":\"1\",\"rtmp\":[%s],\"http\":[],\"api\":[],\"srt\":[],"
			 "\"rtc\":[]}", rtmp);
	int code = mp_http_request(API_PORT, "POST", "/api/v1/srs/register", NULL, body, (size_t)n, &resp, 5000);

	free(resp);
	return code == 200 ? 0 : -1;
}

static int register_origin(void)
{
	return register_origin_at("\"13323\"");
}

static int group_setup(void **state)
{
	(void)state;
	return start_appliance("20s");
}

static int group_teardown(void **state)
{
	(void)state;
	if (app.pid > 0)
		mp_appliance_stop(&app, SIGINT, 20000);
	mp_appliance_cleanup(&app);
	return 0;
}

/* ---- the media both sides exchange: sizes around both chunk sizes, one extended timestamp ---- */

static const uint32_t sizes[] = { 1, 100, 4095, 4096, 4097, 8192, 59999, 60000, 60001, 120001, 300000, 1000 };

static void gen_msg(unsigned i, uint32_t sid, struct mp_rtmp_msg *m, uint8_t *buf)
{
	memset(m, 0, sizeof(*m));
	m->type = (i & 1) ? MP_RTMP_MSG_AUDIO : MP_RTMP_MSG_VIDEO;
	m->csid = (i & 1) ? 4 : 6;
	m->stream_id = sid;
	m->len = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
	m->timestamp = i == 20 ? 0x1000010u : i * 40;
	for (uint32_t j = 0; j < m->len; j++)
		buf[j] = (uint8_t)(i * 131 + j * 7 + (j >> 9));
	m->payload = buf;
}

static int same_msg(const struct mp_rtmp_msg *got, unsigned i, uint32_t sid, uint8_t *buf)
{
	struct mp_rtmp_msg want;

	gen_msg(i, sid, &want, buf);
	return got->type == want.type && got->len == want.len && got->timestamp == want.timestamp &&
	       got->stream_id == want.stream_id && !memcmp(got->payload, want.payload, want.len);
}

static int str_is(struct mp_rtmp_str s, const char *want)
{
	return s.ptr && s.len == strlen(want) && !memcmp(s.ptr, want, s.len);
}

/* ---- a fake origin in a thread ---- */

enum origin_mode { ORIGIN_PUBLISH = 1, ORIGIN_PLAY, ORIGIN_HOLD, ORIGIN_FLOOD };

struct origin_run {
	enum origin_mode mode;
	uint32_t sid;
	int lfd;
	pthread_t th;
	int done;
	char fail[256];
	char tc_url[256], stream[256];
	unsigned whole;         /* media messages that arrived whole and in order */
	uint64_t acks, pongs;
	int delete_sid_ok;
	uint64_t media_bytes;   /* HOLD: media bytes received */
	uint64_t flood_sent;    /* FLOOD: media bytes written before the proxy stopped reading */
	volatile int flood_stalled;
	int buffer_ok;          /* PLAY: SetBufferLength arrived for the origin's stream id */
	unsigned chunk_lowered; /* SetChunkSize messages from the proxy that lowered the size */
	uint32_t chunk_in;      /* the chunk size the proxy writes to the origin with, at the end */
};

#define OFAIL(...) do { snprintf(o->fail, sizeof(o->fail), __VA_ARGS__); goto out; } while (0)

static void *origin_main(void *arg)
{
	struct origin_run *o = arg;
	struct mp_amf0_node nodes[NODES];
	struct mp_rtmp_cmd cmd;
	struct mp_rtmp_msg m;
	struct rtmp_peer p;
	struct mp_rtmp_ctrl win = { .type = MP_RTMP_MSG_WINDOW_ACK_SIZE, .value = 100000 };
	uint8_t buf[512];
	uint8_t *media = malloc(300000);
	double txn;

	p.fd = -1;
	if (rtmp_peer_accept(&p, o->lfd, 10000))
		OFAIL("origin: no connection from the proxy");
	if (rtmp_peer_set_chunk(&p, 60000) || rtmp_peer_send_ctrl(&p, &win))
		OFAIL("origin: cannot write");
	if (rtmp_peer_expect_cmd(&p, "connect", &cmd, nodes, NODES, &m, 5000))
		OFAIL("origin: no connect");
	snprintf(o->tc_url, sizeof(o->tc_url), "%.*s", (int)cmd.tc_url.len, cmd.tc_url.ptr ? cmd.tc_url.ptr : "");
	rtmp_peer_send_cmd(&p, 3, 0, buf, mp_rtmp_build_connect_result(buf, sizeof(buf), cmd.txn, 0));
	if (rtmp_peer_expect_cmd(&p, "createStream", &cmd, nodes, NODES, &m, 5000))
		OFAIL("origin: no createStream");
	rtmp_peer_send_cmd(&p, 3, 0, buf, mp_rtmp_build_create_stream_result(buf, sizeof(buf), cmd.txn, o->sid));
	if (rtmp_peer_expect_cmd(&p, o->mode == ORIGIN_PLAY || o->mode == ORIGIN_FLOOD ? "play" : "publish", &cmd, nodes, NODES, &m, 5000))
		OFAIL("origin: no publish/play");
	if (m.stream_id != o->sid)
		OFAIL("origin: publish/play on stream %u, not %u", m.stream_id, o->sid);
	snprintf(o->stream, sizeof(o->stream), "%.*s", (int)cmd.stream.len, cmd.stream.ptr ? cmd.stream.ptr : "");
	txn = cmd.txn;
	(void)txn;
	if (o->mode == ORIGIN_FLOOD) {
		struct timeval tv = { 2, 0 };

		/* 1 MB video messages until the proxy stops taking them for 2 s (or 64 MB went through) */
		setsockopt(p.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		rtmp_peer_send_cmd(&p, 5, o->sid, buf,
				   mp_rtmp_build_on_status(buf, sizeof(buf), MP_RTMP_STATUS_PLAY_START, cmd.stream, NULL));
		free(media);
		media = calloc(1, 1 << 20);
		for (unsigned i = 0; o->flood_sent < (64u << 20); i++) {
			struct mp_rtmp_msg v = { .csid = 6, .type = MP_RTMP_MSG_VIDEO, .stream_id = o->sid,
						 .timestamp = i * 40, .len = 1 << 20, .payload = media };

			if (rtmp_peer_send(&p, &v))
				break;
			o->flood_sent += v.len;
		}
		o->flood_stalled = 1;
		while (rtmp_peer_read(&p, &m, 10000) == 0)
			;
		o->done = 1;
		goto out;
	}
	if (o->mode == ORIGIN_PLAY) {
		struct mp_rtmp_ctrl begin = { .type = MP_RTMP_MSG_USER_CONTROL, .event = MP_RTMP_UC_STREAM_BEGIN,
					      .value = o->sid };
		struct mp_rtmp_ctrl ping = { .type = MP_RTMP_MSG_USER_CONTROL, .event = MP_RTMP_UC_PING_REQUEST,
					     .value = 4321 };

		rtmp_peer_send_ctrl(&p, &begin);
		rtmp_peer_send_cmd(&p, 5, o->sid, buf,
				   mp_rtmp_build_on_status(buf, sizeof(buf), MP_RTMP_STATUS_PLAY_START, cmd.stream, NULL));
		rtmp_peer_send_ctrl(&p, &ping);
		for (unsigned i = 0; i < NMSG; i++) {
			gen_msg(i, o->sid, &m, media);
			if (rtmp_peer_send(&p, &m))
				OFAIL("origin: cannot send media %u", i);
		}
		/* read until the client side goes away: acks and the pong are counted on the way */
		while (rtmp_peer_read(&p, &m, 3000) == 0) {
			struct mp_rtmp_ctrl bl;

			if (m.type == MP_RTMP_MSG_USER_CONTROL && mp_rtmp_ctrl_parse(&m, &bl) == 0 &&
			    bl.event == MP_RTMP_UC_SET_BUFFER_LENGTH)
				o->buffer_ok = bl.value == o->sid && bl.value2 == 3000;
		}
	} else {
		struct mp_rtmp_ctrl ping = { .type = MP_RTMP_MSG_USER_CONTROL, .event = MP_RTMP_UC_PING_REQUEST,
					     .value = 1234 };

		rtmp_peer_send_cmd(&p, 5, o->sid, buf,
				   mp_rtmp_build_on_status(buf, sizeof(buf), MP_RTMP_STATUS_PUBLISH_START, cmd.stream, NULL));
		rtmp_peer_send_ctrl(&p, &ping);
		if (o->mode == ORIGIN_HOLD) {
			while (rtmp_peer_read(&p, &m, 30000) == 0)
				if (m.type == MP_RTMP_MSG_VIDEO || m.type == MP_RTMP_MSG_AUDIO)
					o->media_bytes += m.len;
			o->done = 1;
			goto out;
		}
		while (o->whole < NMSG) {
			if (rtmp_peer_read(&p, &m, 5000))
				OFAIL("origin: media ended after %u messages", o->whole);
			if (m.type != MP_RTMP_MSG_VIDEO && m.type != MP_RTMP_MSG_AUDIO)
				continue;
			if (!same_msg(&m, o->whole, o->sid, media))
				OFAIL("origin: message %u differs (type %u len %u ts %u sid %u)", o->whole, m.type, m.len,
				      m.timestamp, m.stream_id);
			o->whole++;
		}
		if (rtmp_peer_expect_cmd(&p, "deleteStream", &cmd, nodes, NODES, &m, 5000))
			OFAIL("origin: no deleteStream");
		o->delete_sid_ok = cmd.stream_id == o->sid;
	}
	o->done = 1;
out:
	o->acks = p.acks_received;
	o->pongs = p.pongs_received;
	o->chunk_lowered = p.chunk_lowered;
	o->chunk_in = p.rd.chunk_size;
	rtmp_peer_close(&p);
	free(media);
	return NULL;
}

static void origin_start(struct origin_run *o, enum origin_mode mode, uint32_t sid)
{
	memset(o, 0, sizeof(*o));
	o->mode = mode;
	o->sid = sid;
	o->lfd = rtmp_peer_listen("127.0.0.1", ORIGIN_PORT);
	assert_true(o->lfd >= 0);
	assert_int_equal(pthread_create(&o->th, NULL, origin_main, o), 0);
}

static void origin_join(struct origin_run *o)
{
	pthread_join(o->th, NULL);
	close(o->lfd);
	if (o->fail[0])
		fprintf(stderr, "%s\n", o->fail);
}

/* A test that fails before its origin was reached: wake the origin's accept and free its port. */
static void origin_abandon(struct origin_run *o)
{
	shutdown(o->lfd, SHUT_RDWR);
	origin_join(o);
}

/* ---- client helpers ---- */

static void client_connect(struct rtmp_peer *c, uint32_t chunk)
{
	struct mp_amf0_node nodes[NODES];
	struct mp_rtmp_cmd cmd;
	struct mp_rtmp_msg m;
	uint8_t buf[512];

	assert_int_equal(rtmp_peer_connect(c, "127.0.0.1", RTMP_PORT, 5000), 0);
	assert_int_equal(rtmp_peer_set_chunk(c, chunk), 0);
	assert_int_equal(rtmp_peer_send_cmd(c, 3, 0, buf,
					    mp_rtmp_build_connect(buf, sizeof(buf), 1, mp_rtmp_cstr("live"),
								  mp_rtmp_cstr(TC_URL), mp_rtmp_cstr(""), 0)), 0);
	assert_int_equal(rtmp_peer_expect_cmd(c, "_result", &cmd, nodes, NODES, &m, 5000), 0);
	assert_true(str_is(cmd.code, "NetConnection.Connect.Success"));
}

static uint32_t client_create_stream(struct rtmp_peer *c, double txn)
{
	struct mp_amf0_node nodes[NODES];
	struct mp_rtmp_cmd cmd;
	struct mp_rtmp_msg m;
	uint8_t buf[256];

	assert_int_equal(rtmp_peer_send_cmd(c, 3, 0, buf, mp_rtmp_build_call(buf, sizeof(buf), "createStream", txn,
									     (struct mp_rtmp_str){ 0 })), 0);
	do
		assert_int_equal(rtmp_peer_expect_cmd(c, "_result", &cmd, nodes, NODES, &m, 5000), 0);
	while (cmd.txn != txn);
	return (uint32_t)cmd.stream_id;
}

/* publish name on a stream; the first onStatus is returned in cmd (level/code) */
static void client_publish(struct rtmp_peer *c, const char *name, struct mp_rtmp_cmd *cmd, struct mp_amf0_node *nodes,
			   struct mp_rtmp_msg *m)
{
	uint8_t buf[256];
	uint32_t sid;

	assert_int_equal(rtmp_peer_send_cmd(c, 3, 0, buf, mp_rtmp_build_call(buf, sizeof(buf), "releaseStream", 2,
									     mp_rtmp_cstr(name))), 0);
	assert_int_equal(rtmp_peer_send_cmd(c, 3, 0, buf, mp_rtmp_build_call(buf, sizeof(buf), "FCPublish", 3,
									     mp_rtmp_cstr(name))), 0);
	sid = client_create_stream(c, 4);
	assert_int_equal(sid, 1);
	assert_int_equal(rtmp_peer_send_cmd(c, 5, sid, buf, mp_rtmp_build_publish(buf, sizeof(buf), 5, mp_rtmp_cstr(name),
										  mp_rtmp_cstr("live"))), 0);
	assert_int_equal(rtmp_peer_expect_cmd(c, "onStatus", cmd, nodes, NODES, m, 8000), 0);
}

static cJSON *rtmp_counters(void)
{
	char *body = NULL;
	cJSON *o, *r;

	assert_int_equal(mp_http_request(API_PORT, "GET", "/api/v1/rtmp", NULL, NULL, 0, &body, 5000), 200);
	o = cJSON_Parse(body);
	free(body);
	assert_non_null(o);
	r = cJSON_DetachItemFromObject(o, "rtmp");
	cJSON_Delete(o);
	assert_non_null(r);
	return r;
}

static double num_at(cJSON *o, const char *a, const char *b)
{
	cJSON *x = cJSON_GetObjectItem(o, a);

	if (b)
		x = cJSON_GetObjectItem(x, b);
	return cJSON_IsNumber(x) ? x->valuedouble : -1;
}

/* ---- tests ---- */

static void publish_with_no_origin_gets_an_error_not_a_hang(void **state)
{
	struct mp_amf0_node nodes[NODES];
	struct mp_rtmp_cmd cmd;
	struct mp_rtmp_msg m;
	struct rtmp_peer c;

	(void)state;
	client_connect(&c, 4096);
	client_publish(&c, "lonely", &cmd, nodes, &m);
	assert_true(str_is(cmd.level, "error"));
	assert_true(str_is(cmd.code, "NetStream.Publish.Denied"));
	/* then the proxy closes the connection */
	while (rtmp_peer_read(&c, &m, 3000) == 0)
		;
	assert_int_equal(recv(c.fd, (char[1]){ 0 }, 1, MSG_DONTWAIT), 0);
	rtmp_peer_close(&c);
	assert_int_equal(register_origin(), 0);
}

static void publish_arrives_whole_across_chunk_sizes_4096_and_60000_none_lowered(void **state)
{
	struct mp_amf0_node nodes[NODES];
	struct mp_rtmp_ctrl win = { .type = MP_RTMP_MSG_WINDOW_ACK_SIZE, .value = 100000 };
	struct mp_rtmp_cmd cmd;
	struct mp_rtmp_msg m;
	struct origin_run o;
	struct rtmp_peer c;
	uint8_t *media = malloc(300000), buf[128];

	(void)state;
	origin_start(&o, ORIGIN_PUBLISH, 7); /* the origin's stream id differs from the proxy's 1 */
	client_connect(&c, 4096);
	assert_int_equal(rtmp_peer_send_ctrl(&c, &win), 0); /* the proxy must acknowledge us every 100000 bytes */
	client_publish(&c, "s1?client_ip=10.6.6.6&token=abc", &cmd, nodes, &m); /* a forged client_ip */
	assert_true(str_is(cmd.code, "NetStream.Publish.Start"));
	assert_int_equal(m.stream_id, 1); /* mapped back from the origin's 7 */
	for (unsigned i = 0; i < NMSG; i++) {
		gen_msg(i, 1, &m, media);
		assert_int_equal(rtmp_peer_send(&c, &m), 0);
	}
	assert_int_equal(rtmp_peer_send_cmd(&c, 3, 0, buf, mp_rtmp_build_delete_stream(buf, sizeof(buf), 6, 1)), 0);
	origin_join(&o);
	while (rtmp_peer_read(&c, &m, 500) == 0) /* collect the proxy's acknowledgements */
		;
	rtmp_peer_close(&c);
	free(media);
	assert_string_equal(o.fail, "");
	assert_int_equal(o.whole, NMSG);
	/* the origin heard the client's 4096 from the start (chunks pass unchanged) and no size was ever
	 * lowered (nginx-rtmp loses the bytes that follow a lowering in the same read) */
	assert_int_equal(o.chunk_in, 4096);
	assert_int_equal(o.chunk_lowered, 0);
	assert_int_equal(c.chunk_lowered, 0);
	assert_true(o.delete_sid_ok);
	assert_string_equal(o.tc_url, TC_URL);         /* connect replayed as the client sent it */
	/* the query reaches the origin, with the client's real address (rtmp_client_ip_param) in place of
	 * the one it forged: what SRS hands its on_publish hook as param */
	assert_string_equal(o.stream, "s1?token=abc&client_ip=127.0.0.1");
	assert_true(o.pongs >= 1);                      /* the proxy answered the origin's ping */
	assert_true(c.acks_received >= 5);             /* ~1.3 MB sent with a 100000-byte window */
}

static void play_arrives_whole_none_lowered_and_get_stream_length_is_answered(void **state)
{
	struct mp_amf0_node nodes[NODES];
	struct mp_rtmp_cmd cmd;
	struct mp_rtmp_msg m;
	struct mp_rtmp_ctrl ctl;
	struct origin_run o;
	struct rtmp_peer c;
	uint8_t *media = malloc(300000), buf[256];
	uint32_t sid;
	unsigned whole = 0;
	int begin_ok = 0, start_ok = 0;

	(void)state;
	origin_start(&o, ORIGIN_PLAY, 9);
	client_connect(&c, 4096);
	sid = client_create_stream(&c, 2);
	assert_int_equal(rtmp_peer_send_cmd(&c, 3, sid, buf, mp_rtmp_build_call(buf, sizeof(buf), "getStreamLength", 3,
										mp_rtmp_cstr("s2?key=v"))), 0);
	assert_int_equal(rtmp_peer_expect_cmd(&c, "_result", &cmd, nodes, NODES, &m, 5000), 0);
	assert_true(cmd.txn == 3);
	/* a player that gives its buffer length before play (the proxy holds it for the origin) */
	assert_int_equal(rtmp_peer_send_ctrl(&c, &(struct mp_rtmp_ctrl){ .type = MP_RTMP_MSG_USER_CONTROL,
		.event = MP_RTMP_UC_SET_BUFFER_LENGTH, .value = sid, .value2 = 3000 }), 0);
	assert_int_equal(rtmp_peer_send_cmd(&c, 5, sid, buf, mp_rtmp_build_play(buf, sizeof(buf), 4, mp_rtmp_cstr("s2?key=v"), -2)),
			 0);
	while (whole < NMSG && rtmp_peer_read(&c, &m, 5000) == 0) {
		if (m.type == MP_RTMP_MSG_USER_CONTROL && mp_rtmp_ctrl_parse(&m, &ctl) == 0 &&
		    ctl.event == MP_RTMP_UC_STREAM_BEGIN)
			begin_ok = ctl.value == 1; /* the origin said 9 */
		if (m.type == MP_RTMP_MSG_COMMAND_AMF0 && mp_rtmp_cmd_parse(&cmd, nodes, NODES, m.type, m.payload, m.len) == 0 &&
		    str_is(cmd.name, "onStatus")) {
			start_ok = str_is(cmd.code, "NetStream.Play.Start") && m.stream_id == 1;
			continue;
		}
		if (m.type != MP_RTMP_MSG_VIDEO && m.type != MP_RTMP_MSG_AUDIO)
			continue;
		if (!same_msg(&m, whole, 1, media)) {
			fprintf(stderr, "client: message %u differs (type %u len %u ts %u sid %u)\n", whole, m.type, m.len,
				m.timestamp, m.stream_id);
			break;
		}
		whole++;
	}
	/* the player reads the origin's 60000-byte chunks, announced as a raise from 128: never lowered */
	assert_int_equal(c.rd.chunk_size, 60000);
	assert_int_equal(c.chunk_lowered, 0);
	rtmp_peer_close(&c);
	origin_join(&o);
	free(media);
	assert_int_equal(whole, NMSG);
	assert_int_equal(o.chunk_lowered, 0);
	assert_true(begin_ok);
	assert_true(start_ok);
	assert_string_equal(o.fail, "");
	assert_string_equal(o.stream, "s2?key=v&client_ip=127.0.0.1"); /* play carries the client too */
	assert_true(o.acks >= 5);  /* the origin asked for a 100000-byte window and sent ~1.3 MB */
	assert_true(o.buffer_ok);
	assert_true(o.pongs >= 1);
}

static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

static void a_player_that_does_not_read_stops_the_origin_not_memory(void **state)
{
	struct mp_amf0_node nodes[NODES];
	struct mp_rtmp_cmd cmd;
	struct mp_rtmp_msg m;
	struct origin_run o;
	struct rtmp_peer c;
	uint8_t buf[256];
	long rss0 = rss_kb(app.pid), rss1;
	cJSON *r;
	int rcvbuf = 64 * 1024;

	(void)state;
	origin_start(&o, ORIGIN_FLOOD, 1);
	client_connect(&c, 4096);
	setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	assert_int_equal(client_create_stream(&c, 2), 1);
	assert_int_equal(rtmp_peer_send_cmd(&c, 5, 1, buf, mp_rtmp_build_play(buf, sizeof(buf), 3, mp_rtmp_cstr("flood"), -2)), 0);
	if (rtmp_peer_expect_cmd(&c, "onStatus", &cmd, nodes, NODES, &m, 8000)) {
		char *log = mp_appliance_log(&app);

		fprintf(stderr, "no onStatus; appliance log:\n%s\n", log);
		free(log);
		fail();
	}
	/* the client reads nothing more: the proxy must stop reading the origin */
	for (int i = 0; i < 300 && !o.flood_stalled; i++)
		usleep(100000);
	rss1 = rss_kb(app.pid);
	r = rtmp_counters();
	rtmp_peer_close(&c);
	origin_join(&o);
	assert_true(o.flood_stalled);
	fprintf(stderr, "flood: origin wrote %llu bytes before stalling; appliance RSS %ld -> %ld kB\n",
		(unsigned long long)o.flood_sent, rss0, rss1);
	assert_true(o.flood_sent < (40u << 20)); /* out high mark + input bound + socket buffers */
	assert_true(num_at(r, "backpressure_pauses", NULL) >= 1);
	assert_true(rss1 - rss0 < 32 * 1024);    /* not the 64 MB the origin had to give */
	cJSON_Delete(r);
}

static void counters_show_chunk_sizes_acks_pings_and_no_origin(void **state)
{
	cJSON *r = rtmp_counters();

	(void)state;
	assert_true(num_at(r, "errors", "no_origin") >= 1);
	assert_true(num_at(r, "relays", NULL) >= 2);
	assert_true(num_at(r, "chunk_size_changes", NULL) >= 4);
	assert_true(num_at(r, "acks_sent", NULL) >= 10);
	assert_true(num_at(r, "pings_answered", NULL) >= 2);
	assert_true(num_at(r, "bytes_from_origin", NULL) > 1000000);
	assert_true(num_at(r, "bytes_to_origin", NULL) > 1000000);
	assert_true(num_at(r, "open", NULL) == 0);
	cJSON_Delete(r);
}

static void publish_to_an_origin_that_is_down_gets_an_error(void **state)
{
	struct mp_amf0_node nodes[NODES];
	struct mp_rtmp_cmd cmd;
	struct mp_rtmp_msg m;
	struct rtmp_peer c;
	cJSON *r;

	(void)state;
	client_connect(&c, 4096); /* nothing listens on the origin's port now */
	client_publish(&c, "down", &cmd, nodes, &m);
	assert_true(str_is(cmd.level, "error"));
	/* issue 13: the client is told, but never where the origin is */
	assert_true(cmd.description.len > 0);
	assert_null(memmem(cmd.description.ptr, cmd.description.len, "127.0.0.1", 9));
	assert_null(memmem(cmd.description.ptr, cmd.description.len, "13323", 5));
	rtmp_peer_close(&c); /* after: cmd's strings point into its reader */
	r = rtmp_counters();
	assert_true(num_at(r, "errors", "origin_connect") >= 1);
	cJSON_Delete(r);
}

static void a_dead_first_endpoint_falls_over_to_the_next(void **state)
{
	struct mp_amf0_node nodes[NODES];
	struct mp_rtmp_cmd cmd;
	struct mp_rtmp_msg m;
	struct origin_run o;
	struct rtmp_peer c;
	uint8_t *media = malloc(300000), buf[128];
	double before;
	cJSON *r;

	(void)state;
	assert_int_equal(register_origin_at("\"13329\",\"13323\""), 0);
	r = rtmp_counters();
	before = num_at(r, "errors", "origin_connect");
	cJSON_Delete(r);
	origin_start(&o, ORIGIN_PUBLISH, 1);
	client_connect(&c, 4096);
	client_publish(&c, "failover", &cmd, nodes, &m);
	if (!str_is(cmd.code, "NetStream.Publish.Start")) {
		char *log = mp_appliance_log(&app);

		fprintf(stderr, "publish: %.*s; appliance log:\n%s\n", (int)cmd.description.len, cmd.description.ptr, log);
		free(log);
		origin_abandon(&o);
		fail();
	}
	for (unsigned i = 0; i < NMSG; i++) {
		gen_msg(i, 1, &m, media);
		assert_int_equal(rtmp_peer_send(&c, &m), 0);
	}
	assert_int_equal(rtmp_peer_send_cmd(&c, 3, 0, buf, mp_rtmp_build_delete_stream(buf, sizeof(buf), 6, 1)), 0);
	origin_join(&o);
	rtmp_peer_close(&c);
	free(media);
	assert_string_equal(o.fail, "");
	assert_int_equal(o.whole, NMSG);
	r = rtmp_counters();
	assert_true(num_at(r, "errors", "origin_connect") == before + 1);
	cJSON_Delete(r);
	assert_int_equal(register_origin(), 0);
}

/* How long a stopping appliance may take to exit: a deadline against a hang, not a speed check
 * (on a loaded machine, tearing down the TAP and the EAL has taken more than 5 s). */
#define STOP_DEADLINE_MS 60000

static int exited_within(int ms)
{
	for (int i = 0; i < ms / 50; i++) {
		int st;

		if (waitpid(app.pid, &st, WNOHANG) == app.pid) {
			app.exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			app.pid = 0;
			return 1;
		}
		usleep(50000);
	}
	return 0;
}

/* Publish and keep the stream open (the origin holds it). */
static void open_held_stream(struct origin_run *o, struct rtmp_peer *c, uint8_t *media)
{
	struct mp_amf0_node nodes[NODES];
	struct mp_rtmp_cmd cmd;
	struct mp_rtmp_msg m;

	origin_start(o, ORIGIN_HOLD, 1);
	client_connect(c, 4096);
	client_publish(c, "held", &cmd, nodes, &m);
	assert_true(str_is(cmd.code, "NetStream.Publish.Start"));
	gen_msg(2, 1, &m, media);
	assert_int_equal(rtmp_peer_send(c, &m), 0);
}

static void sigterm_waits_for_open_streams_then_stops(void **state)
{
	struct origin_run o;
	struct rtmp_peer c, late;
	struct mp_rtmp_msg m;
	uint8_t *media = malloc(300000);
	char *log;

	(void)state;
	open_held_stream(&o, &c, media);
	kill(app.pid, SIGTERM);
	assert_false(exited_within(1000));                                      /* still draining */
	assert_true(mp_appliance_wait_log(&app, "waiting up to", 2000));
	assert_int_not_equal(rtmp_peer_connect(&late, "127.0.0.1", RTMP_PORT, 2000), 0); /* no new clients */
	gen_msg(3, 1, &m, media);
	assert_int_equal(rtmp_peer_send(&c, &m), 0);                             /* the open stream still flows */
	usleep(300000);
	rtmp_peer_close(&c);
	assert_true(exited_within(STOP_DEADLINE_MS));
	assert_int_equal(app.exit_status, 0);
	origin_join(&o);
	assert_true(o.media_bytes >= 4095 + 4096);
	log = mp_appliance_log(&app);
	assert_non_null(strstr(log, "every open stream has ended"));
	free(log);
	free(media);
	mp_appliance_cleanup(&app);
}

static void sigterm_closes_streams_still_open_after_the_grace_time(void **state)
{
	struct origin_run o;
	struct rtmp_peer c;
	struct mp_rtmp_msg m;
	uint8_t *media = malloc(300000);
	char *log;

	(void)state;
	assert_int_equal(start_appliance("1s"), 0);
	assert_int_equal(register_origin(), 0);
	open_held_stream(&o, &c, media);
	kill(app.pid, SIGTERM);
	assert_false(exited_within(500));
	assert_true(exited_within(STOP_DEADLINE_MS));
	assert_int_equal(app.exit_status, 0);
	while (rtmp_peer_read(&c, &m, 2000) == 0) /* the proxy closed the client */
		;
	rtmp_peer_close(&c);
	origin_join(&o);
	log = mp_appliance_log(&app);
	assert_non_null(strstr(log, "grace_quit_timeout: 1 stream(s) still open"));
	free(log);
	free(media);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(publish_with_no_origin_gets_an_error_not_a_hang),
		cmocka_unit_test(publish_arrives_whole_across_chunk_sizes_4096_and_60000_none_lowered),
		cmocka_unit_test(play_arrives_whole_none_lowered_and_get_stream_length_is_answered),
		cmocka_unit_test(a_player_that_does_not_read_stops_the_origin_not_memory),
		cmocka_unit_test(publish_to_an_origin_that_is_down_gets_an_error),
		cmocka_unit_test(a_dead_first_endpoint_falls_over_to_the_next),
		cmocka_unit_test(counters_show_chunk_sizes_acks_pings_and_no_origin),
		cmocka_unit_test(sigterm_waits_for_open_streams_then_stops),
		cmocka_unit_test(sigterm_closes_streams_still_open_after_the_grace_time),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
