/* test_lb_redis.c: the Redis backend against a real redis-server this test starts on a free loopback port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>
#include <rte_eal.h>

#include "lb.h"
#include "lb_redis.h"
#include "mp_clock.h"
#include "lb_redis_json.h"
#include "mp_error.h"
#include "mp_log.h"
#include "test_eal.h"

#define SEC 1000ull

struct redis_srv {
	pid_t pid;
	uint16_t port;
	char pass[32];
};

static const char *redis_bin;
static struct redis_srv srv;      /* the shared server, no password */
static struct redis_srv srv_auth; /* started by the password test */

/* ---- redis-server management ---- */

static uint16_t free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	if (fd < 0)
		return 0;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
		close(fd);
		return 0;
	}
	close(fd);
	return ntohs(a.sin_port);
}

static redisContext *raw_connect(const struct redis_srv *s, int db)
{
	struct timeval tv = { 0, 200000 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
	if (c == NULL || c->err) {
		if (c != NULL)
			redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv);
	redisReply *r = NULL; /* gcc -fsanitize=address warns maybe-uninitialized otherwise */
	if (s->pass[0] && ((r = redisCommand(c, "AUTH %s", s->pass)) == NULL || r->type == REDIS_REPLY_ERROR)) {
		if (r != NULL)
			freeReplyObject(r);
		redisFree(c);
		return NULL;
	}
	if (s->pass[0])
		freeReplyObject(r);
	if (db != 0 && (r = redisCommand(c, "SELECT %d", db)) != NULL)
		freeReplyObject(r);
	return c;
}

static void redis_stop(struct redis_srv *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
}

/* Start redis-server on s->port (a free one when 0) and wait until it answers PING. */
static int redis_start(struct redis_srv *s)
{
	if (redis_bin == NULL)
		return -1;
	if (s->port == 0 && (s->port = free_port()) == 0)
		return -1;
	char port[8];
	snprintf(port, sizeof(port), "%u", s->port);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a crashed test */
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		if (s->pass[0])
			execl(redis_bin, redis_bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly",
			      "no", "--daemonize", "no", "--requirepass", s->pass, (char *)NULL);
		else
			execl(redis_bin, redis_bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly",
			      "no", "--daemonize", "no", (char *)NULL);
		_exit(127);
	}
	s->pid = pid;
	for (int i = 0; i < 300; i++) {
		redisContext *c = raw_connect(s, 0);
		if (c != NULL) {
			redisReply *r = redisCommand(c, "PING");
			bool ok = r != NULL && r->type != REDIS_REPLY_ERROR;
			if (r != NULL)
				freeReplyObject(r);
			redisFree(c);
			if (ok)
				return 0;
		}
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	redis_stop(s);
	return -1;
}

/* GET key as a malloc'd string (NULL when absent). */
static char *raw_get(const struct redis_srv *s, int db, const char *key)
{
	redisContext *c = raw_connect(s, db);
	assert_non_null(c);
	redisReply *r = redisCommand(c, "GET %s", key);
	assert_non_null(r);
	char *v = r->type == REDIS_REPLY_STRING ? strdup(r->str) : NULL;
	freeReplyObject(r);
	redisFree(c);
	return v;
}

static long long raw_int(const struct redis_srv *s, int db, const char *cmd, const char *key)
{
	redisContext *c = raw_connect(s, db);
	assert_non_null(c);
	redisReply *r = redisCommand(c, "%s %s", cmd, key);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	long long v = r->integer;
	freeReplyObject(r);
	redisFree(c);
	return v;
}

static void raw_set(const struct redis_srv *s, const char *key, const char *val, int ex)
{
	redisContext *c = raw_connect(s, 0);
	assert_non_null(c);
	redisReply *r = ex ? redisCommand(c, "SET %s %s EX %d", key, val, ex) : redisCommand(c, "SET %s %s", key, val);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_STATUS);
	freeReplyObject(r);
	redisFree(c);
}

static bool json_array_has(const char *json, const char *want)
{
	cJSON *a = cJSON_Parse(json);
	bool found = false;
	const cJSON *e;
	cJSON_ArrayForEach(e, a) {
		if (cJSON_IsString(e) && strcmp(e->valuestring, want) == 0)
			found = true;
	}
	cJSON_Delete(a);
	return found;
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
	(void)state;
	if (mp_test_eal_init("mptest-lbr", 512, NULL) < 0)
		return -1;
	mp_log_set_level(MP_LOG_WARN);
	const char *bin = getenv("REDIS_SERVER");
	redis_bin = bin != NULL ? bin : "/usr/bin/redis-server";
	/* scripts/install-deps.sh installs redis-server: without it these tests fail, not skip. */
	if (access(redis_bin, X_OK) != 0) {
		fprintf(stderr, "%s not found (apt-get install redis-server)\n", redis_bin);
		return -1;
	}
	if (redis_start(&srv) != 0) {
		fprintf(stderr, "cannot start %s\n", redis_bin);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	redis_stop(&srv);
	redis_stop(&srv_auth);
	mp_test_eal_cleanup();
	return 0;
}

/* Each test starts on an empty Redis (and restarts it if a test left it stopped). */
static int test_setup(void **state)
{
	(void)state;
	if (redis_bin == NULL)
		return 0;
	if (srv.pid == 0 && redis_start(&srv) != 0)
		return -1;
	redisContext *c = raw_connect(&srv, 0);
	if (c == NULL)
		return -1;
	redisReply *r = redisCommand(c, "FLUSHALL");
	if (r != NULL)
		freeReplyObject(r);
	redisFree(c);
	return 0;
}

static void need_redis(void)
{
	if (redis_bin == NULL)
		skip();
}

static uint64_t cfg_webrtc_ttl_ms; /* 0: the default */
static uint16_t cfg_nat_min, cfg_nat_max; /* 0: the default range */
static uint32_t cfg_nat_quiet_ms;         /* with a range set */

static void small_config(struct mp_lb_config *c)
{
	mp_lb_config_default(c);
	if (cfg_webrtc_ttl_ms != 0)
		c->webrtc_ttl_ms = cfg_webrtc_ttl_ms;
	if (cfg_nat_min != 0) {
		c->nat_port_min = cfg_nat_min;
		c->nat_port_max = cfg_nat_max;
		c->nat_quiet_ms = cfg_nat_quiet_ms;
	}
	c->max_origins = 64;
	c->max_streams = 1024;
	c->max_webrtc = 256;
	c->max_sessions = 64;
	c->max_readers = 4;
}

static struct mp_lb *new_lb_on(const struct redis_srv *s, const char *prefix, const char *pass, int db,
			       uint64_t now)
{
	struct mp_lb_config c;
	struct mp_lb_redis_config rc;
	small_config(&c);
	mp_lb_redis_config_default(&rc);
	rc.port = s->port;
	rc.db = db;
	/* Fleet records live for the idle timeouts (the fleet tests count in thirds of srt_idle_timeout);
	 * fleet_record_ttl's own test sets it. */
	rc.fleet_record_ttl_ms = 0;
	snprintf(rc.key_prefix, sizeof(rc.key_prefix), "%s", prefix != NULL ? prefix : "");
	snprintf(rc.password, sizeof(rc.password), "%s", pass != NULL ? pass : "");
	struct mp_lb *lb = mp_lb_create_redis(&c, &rc, now);
	assert_non_null(lb);
	assert_int_equal(mp_lb_reader_register(lb, 0), MP_OK);
	assert_string_equal(mp_lb_backend_name(lb), "redis");
	return lb;
}

static struct mp_lb *new_lb(const char *prefix, uint64_t now)
{
	struct mp_lb *lb = new_lb_on(&srv, prefix, NULL, 0, now);
	assert_true(mp_lb_redis_connected(lb));
	return lb;
}

enum { PR_RTMP = 1 << MP_PROTO_RTMP, PR_HTTP = 1 << MP_PROTO_HTTP, PR_API = 1 << MP_PROTO_API,
       PR_SRT = 1 << MP_PROTO_SRT, PR_RTC = 1 << MP_PROTO_RTC, PR_ALL = 0x1f };

/* An SRS-like origin: server "vid-<name>" (ids with '-' as SRS makes them), service, pid. */
static void make_reg(struct mp_registration *r, const char *name, uint32_t ipv4, unsigned protos)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->device_id, sizeof(r->device_id), "dev-%s", name);
	snprintf(r->ip, sizeof(r->ip), "%u.%u.%u.%u", ipv4 >> 24, (ipv4 >> 16) & 255, (ipv4 >> 8) & 255, ipv4 & 255);
	r->ipv4 = ipv4;
	snprintf(r->server, sizeof(r->server), "vid-%s", name);
	snprintf(r->service, sizeof(r->service), "svc%s", name);
	snprintf(r->pid, sizeof(r->pid), "4242");
	static const uint16_t ports[MP_PROTO__COUNT] = { 1935, 8080, 1985, 10080, 8000 };
	for (int p = 0; p < MP_PROTO__COUNT; p++) {
		if (!(protos & (1u << p)))
			continue;
		r->n_ep[p] = 1;
		r->ep[p][0].port = ports[p];
		r->ep[p][0].scheme = p >= MP_PROTO_SRT ? MP_EP_UDP : MP_EP_ANY;
	}
}

static const char *origin_key_of(struct mp_lb *lb, uint32_t id)
{
	const struct mp_lb_origin *o = mp_lb_origin_get(lb, id);
	assert_non_null(o);
	return o->key;
}

/* ---- fleet session records ---- */

/* Appliances A (fleet index 0) and B (index 1) of a fleet of 2 on the shared server; B knows the
 * origin name at ipv4 (a peer takes sessions over only towards origins it knows). */
static void fleet_pair(struct mp_lb **a, struct mp_lb **b, const char *name, uint32_t ipv4, unsigned protos,
		       uint64_t now)
{
	struct mp_registration reg;
	*a = new_lb(NULL, now);
	*b = new_lb(NULL, now);
	assert_int_equal(mp_lb_set_fleet(*a, 0, 2), MP_OK);
	assert_int_equal(mp_lb_set_fleet(*b, 1, 2), MP_OK);
	make_reg(&reg, name, ipv4, protos);
	assert_true(mp_lb_origin_update(*b, &reg, now) >= 0);
}

/* Publish s (active) on lb: its records are queued, then written by lb's poll; what the poll returned. */
static int fleet_published(struct mp_lb *lb, const struct mp_lb_session *s, uint64_t now)
{
	mp_lb_fleet_publish(lb, s);
	return mp_lb_redis_poll(lb, now);
}

/* An SRT session on A from client_ip:client_port to the service address 198.18.100.1:10080, towards the
 * origin 198.18.13.2:10080, bound to socket id bound (the origin's too), active and published. */
static struct mp_lb_session *fleet_srt_session(struct mp_lb *a, uint32_t client_ip, uint16_t client_port,
					       uint32_t client_sock, uint32_t bound, uint64_t now)
{
	struct mp_lb_session_params p = {
		.tuple = { .src_ip = client_ip, .dst_ip = 0xc6126401, .src_port = client_port, .dst_port = 10080,
			   .proto = 17 },
		.origin_ipv4 = 0xc6120d02, .origin_port = 10080, .origin_id = 0,
		.kind = MP_LB_SESS_SRT, .state = MP_LB_SESS_HANDSHAKE, .srt_client_sock = client_sock,
	};
	struct mp_lb_session *s;
	assert_int_equal(mp_lb_session_create(a, &p, now, &s), MP_OK);
	assert_int_equal(mp_lb_session_srt_bind(a, s, bound, bound), MP_OK);
	mp_lb_session_set_state(s, MP_LB_SESS_ACTIVE);
	assert_true(fleet_published(a, s, now) >= 1);
	return s;
}

/* The record under key is the JSON printed from fmt. */
static void record_is(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void record_is(const char *key, const char *fmt, ...)
{
	char want[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	char *v = raw_get(&srv, 0, key);
	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

/* ---- tests ---- */

static void origin_registered_on_a_is_published_in_go_json_and_picked_on_b(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000 * SEC;
	struct mp_lb *a = new_lb(NULL, now), *b = new_lb(NULL, now);
	struct mp_registration reg;
	make_reg(&reg, "448kd71", 0x0a000001, PR_ALL);
	reg.n_ep[MP_PROTO_RTMP] = 2; /* and "127.0.0.1:11935", as SRS 7 registers it */
	reg.ep[MP_PROTO_RTMP][1] = (struct mp_endpoint){ .ipv4 = 0x7f000001, .port = 11935, .scheme = MP_EP_ANY };
	assert_true(mp_lb_origin_update(a, &reg, now) >= 0);

	const char *skey = "srs-proxy-server:vid-448kd71-svc448kd71-4242";
	char *json = raw_get(&srv, 0, skey);
	assert_non_null(json);
	/* Exactly the Go SRSServer fields, strings and string arrays, plus mediaplane's own pick weight
	 * (a field the Go proxy ignores). */
	cJSON *o = cJSON_Parse(json);
	assert_non_null(o);
	static const char *const fields[] = { "ip", "device_id", "server_id", "service_id", "pid", "rtmp",
					      "http", "api", "srt", "rtc", "update_at", "mp_weight" };
	const cJSON *f;
	int n = 0;
	cJSON_ArrayForEach(f, o) {
		bool known = false;
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			known = known || strcmp(f->string, fields[i]) == 0;
		assert_true(known);
		n++;
	}
	assert_int_equal(n, 12);
	assert_int_equal(cJSON_GetObjectItem(o, "mp_weight")->valueint, 100);
	assert_string_equal(cJSON_GetObjectItem(o, "ip")->valuestring, "10.0.0.1");
	assert_string_equal(cJSON_GetObjectItem(o, "server_id")->valuestring, "vid-448kd71");
	assert_string_equal(cJSON_GetObjectItem(o, "service_id")->valuestring, "svc448kd71");
	assert_string_equal(cJSON_GetObjectItem(o, "pid")->valuestring, "4242");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "rtmp"), 0)->valuestring, "1935");
	/* Go's parseListenEndpoint reads a bare port or three ':' parts, never "ip:port". */
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "rtmp"), 1)->valuestring,
			    "tcp://127.0.0.1:11935");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "rtc"), 0)->valuestring, "udp://0.0.0.0:8000");
	const char *at = cJSON_GetObjectItem(o, "update_at")->valuestring;
	int64_t at_ms;
	assert_int_equal(mp_lb_rjson_time_parse(at, strlen(at), &at_ms), MP_OK);
	assert_true(llabs(at_ms - (int64_t)time(NULL) * 1000) < 5000);
	assert_int_equal(at[strlen(at) - 1], 'Z');
	cJSON_Delete(o);
	free(json);
	/* TTL = origin TTL (300 s), all-servers lists the key. */
	long long pttl = raw_int(&srv, 0, "PTTL", skey);
	assert_true(pttl > 290000 && pttl <= 300000);
	json = raw_get(&srv, 0, "srs-proxy-all-servers");
	assert_non_null(json);
	assert_true(json_array_has(json, skey));
	free(json);

	/* B knows it after a sync, and picks it. */
	assert_null(mp_lb_origin_find(b, "vid-448kd71-svc448kd71-4242"));
	assert_true(mp_lb_sync(b, now + 10) >= 1);
	const struct mp_lb_origin *ob = mp_lb_origin_find(b, "vid-448kd71-svc448kd71-4242");
	assert_non_null(ob);
	assert_int_equal(ob->ipv4, 0x0a000001);
	assert_string_equal(ob->device_id, "dev-448kd71");
	assert_int_equal(ob->ep[MP_PROTO_SRT][0].port, 10080);
	assert_int_equal(ob->n_ep[MP_PROTO_RTMP], 2);
	assert_int_equal(ob->ep[MP_PROTO_RTMP][1].ipv4, 0x7f000001);
	assert_int_equal(ob->ep[MP_PROTO_RTMP][1].port, 11935);
	assert_true(mp_lb_origin_alive(b, ob, now + 10));
	assert_int_equal(mp_lb_sync(b, now + 20), 0); /* unchanged record: nothing to mirror */
	/* The next heartbeat on A, 5 s later, reaches B at its next sync. */
	make_reg(&reg, "448kd71", 0x0a000001, PR_ALL);
	struct timespec pause = { 0, 5000000 }; /* update_at has ms precision: let it move */
	nanosleep(&pause, NULL);
	assert_true(mp_lb_origin_update(a, &reg, now + 5 * SEC) >= 0);
	assert_int_equal(mp_lb_sync(b, now + 5 * SEC), 1);
	ob = mp_lb_origin_find(b, "vid-448kd71-svc448kd71-4242");
	assert_non_null(ob);
	assert_int_equal(ob->n_ep[MP_PROTO_RTMP], 1);
	assert_true(mp_lb_origin_alive(b, ob, now + 301 * SEC));
	struct mp_lb_target t;
	assert_int_equal(mp_lb_pick(b, "__defaultVhost__/live/s1", MP_PROTO_RTMP, now + 5 * SEC, &t), MP_OK);
	assert_string_equal(origin_key_of(b, t.origin_id), "vid-448kd71-svc448kd71-4242");
	assert_int_equal(t.ipv4, 0x0a000001);
	assert_int_equal(t.port, 1935);
	/* An operator drains it on A (weight 0): B reads the weight at its next sync, and a heartbeat
	 * arriving on A later keeps it. */
	mp_lb_quiescent(b, 0);
	assert_int_equal(mp_lb_origin_set_weight(a, "vid-448kd71-svc448kd71-4242", 0, now + 6 * SEC), MP_OK);
	mp_lb_sync(b, now + 6 * SEC);
	ob = mp_lb_origin_find(b, "vid-448kd71-svc448kd71-4242");
	assert_non_null(ob);
	assert_int_equal(ob->weight, 0);
	assert_int_equal(mp_lb_pick(b, "__defaultVhost__/live/s2", MP_PROTO_RTMP, now + 6 * SEC, &t), MP_ERR_NOORIGIN);
	mp_lb_destroy(a);
	mp_lb_destroy(b);
}

static void stream_picked_on_a_is_pinned_to_the_same_origin_on_b(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000 * SEC;
	struct mp_lb *a = new_lb(NULL, now), *b = new_lb(NULL, now);
	struct mp_registration reg;
	char name[16], stream[64];
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "o%d", i);
		make_reg(&reg, name, 0x0a000010 + (uint32_t)i, PR_ALL);
		assert_true(mp_lb_origin_update(a, &reg, now) >= 0);
	}
	/* No sync on B yet: its first pick finds no origin locally and reads them from Redis. */
	for (int i = 0; i < 40; i++) {
		struct mp_lb_target ta, tb;
		snprintf(stream, sizeof(stream), "__defaultVhost__/live/s%d", i);
		/* Half picked first on A, half first on B. */
		struct mp_lb *first = i % 2 ? a : b, *second = i % 2 ? b : a;
		assert_int_equal(mp_lb_pick(first, stream, MP_PROTO_RTMP, now, &ta), MP_OK);
		assert_int_equal(mp_lb_pick(second, stream, MP_PROTO_HTTP, now, &tb), MP_OK);
		assert_string_equal(origin_key_of(first, ta.origin_id), origin_key_of(second, tb.origin_id));
		char key[128];
		snprintf(key, sizeof(key), "srs-proxy-url:%s", stream);
		char *v = raw_get(&srv, 0, key);
		assert_non_null(v);
		char want[512];
		snprintf(want, sizeof(want), "srs-proxy-server:%s", origin_key_of(first, ta.origin_id));
		assert_string_equal(v, want);
		assert_int_equal(raw_int(&srv, 0, "PTTL", key), -1); /* no TTL, as the Go proxy */
		free(v);
	}
	mp_lb_destroy(a);
	mp_lb_destroy(b);
}

static void worker_pick_is_local_then_published_by_poll_and_loses_to_an_earlier_pick(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000 * SEC;
	struct mp_lb *a = new_lb(NULL, now), *b = new_lb(NULL, now);
	struct mp_registration reg;
	make_reg(&reg, "rtmponly", 0x0a000020, PR_RTMP);
	assert_true(mp_lb_origin_update(a, &reg, now) >= 0);
	make_reg(&reg, "srtonly", 0x0a000021, PR_SRT);
	assert_true(mp_lb_origin_update(a, &reg, now) >= 0);
	assert_true(mp_lb_sync(b, now) >= 2);
	struct mp_lb_target t;

	/* A worker on B picks a new stream: answered locally, nothing in Redis until the poll. */
	mp_lb_redis_thread_role(true);
	assert_int_equal(mp_lb_pick(b, "__defaultVhost__/live/w1", MP_PROTO_RTMP, now, &t), MP_OK);
	mp_lb_redis_thread_role(false);
	assert_null(raw_get(&srv, 0, "srs-proxy-url:__defaultVhost__/live/w1"));
	assert_true(mp_lb_redis_poll(b, now) >= 1);
	char *v = raw_get(&srv, 0, "srs-proxy-url:__defaultVhost__/live/w1");
	assert_non_null(v);
	assert_string_equal(v, "srs-proxy-server:vid-rtmponly-svcrtmponly-4242");
	free(v);
	assert_int_equal(mp_lb_pick(a, "__defaultVhost__/live/w1", MP_PROTO_RTMP, now, &t), MP_OK);
	assert_string_equal(origin_key_of(a, t.origin_id), "vid-rtmponly-svcrtmponly-4242");

	/* B's worker pins w2 to the RTMP origin, but A pinned it (SRT) first: B adopts A's pin. */
	mp_lb_redis_thread_role(true);
	assert_int_equal(mp_lb_pick(b, "__defaultVhost__/live/w2", MP_PROTO_RTMP, now, &t), MP_OK);
	mp_lb_redis_thread_role(false);
	assert_string_equal(origin_key_of(b, t.origin_id), "vid-rtmponly-svcrtmponly-4242");
	assert_int_equal(mp_lb_pick(a, "__defaultVhost__/live/w2", MP_PROTO_SRT, now, &t), MP_OK);
	assert_string_equal(origin_key_of(a, t.origin_id), "vid-srtonly-svcsrtonly-4242");
	assert_true(mp_lb_redis_poll(b, now) >= 1);
	uint32_t id;
	assert_int_equal(mp_lb_pick_peek(b, "__defaultVhost__/live/w2", &id), MP_OK);
	assert_string_equal(origin_key_of(b, id), "vid-srtonly-svcsrtonly-4242");
	struct mp_lb_redis_stats st;
	assert_int_equal(mp_lb_redis_stats(b, &st), MP_OK);
	assert_true(st.picks_adopted >= 1);
	assert_int_equal(st.queue_full, 0);
	mp_lb_destroy(a);
	mp_lb_destroy(b);
}

static void picks_made_on_a_reach_b_workers_through_the_url_scan(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000 * SEC;
	struct mp_lb *a = new_lb("scan*", now), *b = new_lb("scan*", now), *c = new_lb("scanx", now);
	struct mp_registration reg;
	char name[16], stream[64];
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "sc%d", i);
		make_reg(&reg, name, 0x0a000030 + (uint32_t)i, PR_ALL);
		assert_true(mp_lb_origin_update(a, &reg, now) >= 0);
		assert_true(mp_lb_origin_update(c, &reg, now) >= 0);
	}
	struct mp_lb_target ta[30], t;
	for (int i = 0; i < 30; i++) {
		snprintf(stream, sizeof(stream), "__defaultVhost__/live/sc%d", i);
		assert_int_equal(mp_lb_pick(a, stream, MP_PROTO_SRT, now, &ta[i]), MP_OK);
	}
	/* Two syncs: origins, then (at most scan_count keys per sync) every pin. */
	mp_lb_sync(b, now);
	mp_lb_sync(b, now);
	mp_lb_sync(c, now);
	struct mp_lb_redis_stats st;
	assert_int_equal(mp_lb_redis_stats(b, &st), MP_OK);
	assert_int_equal(st.picks_mirrored, 30);
	assert_int_equal(mp_lb_redis_stats(c, &st), MP_OK);
	assert_int_equal(st.picks_mirrored, 0); /* another prefix: another fleet ("scan*" is no glob) */
	mp_lb_redis_thread_role(true);
	for (int i = 0; i < 30; i++) {
		snprintf(stream, sizeof(stream), "__defaultVhost__/live/sc%d", i);
		assert_int_equal(mp_lb_pick(b, stream, MP_PROTO_SRT, now, &t), MP_OK);
		assert_string_equal(origin_key_of(b, t.origin_id), origin_key_of(a, ta[i].origin_id));
	}
	mp_lb_redis_thread_role(false);
	mp_lb_destroy(a);
	mp_lb_destroy(b);
	mp_lb_destroy(c);
}

static void hls_spbhid_stored_on_a_is_readable_on_b(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000 * SEC;
	struct mp_lb *a = new_lb(NULL, now), *b = new_lb(NULL, now);
	const char *stream = "__defaultVhost__/live/h1";
	struct mp_lb_hls h;
	assert_int_equal(mp_lb_hls_load_or_store(a, stream, "spbA", "http://a/live/h1.m3u8", now, &h), MP_OK);
	char *v = raw_get(&srv, 0, "srs-proxy-spbhid:spbA");
	assert_non_null(v);
	assert_string_equal(v, "{\"spbhid\":\"spbA\",\"stream_url\":\"__defaultVhost__/live/h1\","
			       "\"full_url\":\"http://a/live/h1.m3u8\"}");
	free(v);
	long long pttl = raw_int(&srv, 0, "PTTL", "srs-proxy-hls:__defaultVhost__/live/h1");
	assert_true(pttl > 110000 && pttl <= 120000);

	/* A segment request carrying A's SPBHID, served by B. */
	assert_int_equal(mp_lb_hls_by_spbhid(b, "spbA", now, &h), MP_OK);
	assert_string_equal(h.stream, stream);
	assert_string_equal(h.full_url, "http://a/live/h1.m3u8");
	/* An m3u8 request for the same stream on B gets A's SPBHID. */
	assert_int_equal(mp_lb_hls_load_or_store(b, "__defaultVhost__/live/h2", "spbB2", "u2", now, &h), MP_OK);
	memset(&h, 0, sizeof(h));
	struct mp_lb *c = new_lb(NULL, now);
	assert_int_equal(mp_lb_hls_load_or_store(c, stream, "spbC", "http://c/live/h1.m3u8", now, &h), MP_ERR_EXISTS);
	assert_string_equal(h.spbhid, "spbA");
	assert_int_equal(mp_lb_hls_by_spbhid(c, "spbA", now, &h), MP_OK);
	assert_int_equal(mp_lb_hls_by_spbhid(b, "nosuch", now, &h), MP_ERR_NOTFOUND);
	mp_lb_destroy(a);
	mp_lb_destroy(b);
	mp_lb_destroy(c);
}

static void webrtc_username_stored_on_a_is_readable_on_b(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000 * SEC;
	struct mp_lb *a = new_lb(NULL, now), *b = new_lb(NULL, now);
	struct mp_registration reg;
	make_reg(&reg, "rtc", 0x0a000003, PR_RTC | PR_API);
	assert_true(mp_lb_origin_update(a, &reg, now) >= 0);
	const char *stream = "__defaultVhost__/live/r1";
	struct mp_lb_target t;
	assert_int_equal(mp_lb_pick(a, stream, MP_PROTO_RTC, now, &t), MP_OK);
	assert_int_equal(mp_lb_webrtc_store(a, "ans1:off1", NULL, stream, t.origin_id, t.ipv4, t.port, now), MP_OK);
	char *v = raw_get(&srv, 0, "srs-proxy-ufrag:ans1:off1");
	assert_non_null(v);
	/* The Go proxy's JSON plus mediaplane's "media" (what the origin answered). */
	assert_string_equal(v, "{\"stream_url\":\"__defaultVhost__/live/r1\",\"ufrag\":\"ans1:off1\","
			       "\"media\":\"10.0.0.3:8000\"}");
	free(v);
	v = raw_get(&srv, 0, "srs-proxy-rtc:__defaultVhost__/live/r1");
	assert_non_null(v);
	free(v);

	/* B (no sync yet) misses locally, then reads it from Redis with its origin and media address. */
	assert_null(mp_lb_webrtc_find(b, "ans1:off1", 9));
	struct mp_lb_webrtc w;
	assert_int_equal(mp_lb_webrtc_load(b, "ans1:off1", now, &w), MP_OK);
	assert_string_equal(w.stream, stream);
	assert_int_equal(w.media_ipv4, 0x0a000003);
	assert_int_equal(w.media_port, 8000);
	assert_string_equal(origin_key_of(b, w.origin_id), "vid-rtc-svcrtc-4242");
	assert_non_null(mp_lb_webrtc_find(b, "ans1:off1", 9));

	/* The data-plane path: a worker's miss is queued, the control plane fetches it. */
	/* With the answer's ice-pwd: the Go proxy's JSON plus "ice_pwd", which B gets back. */
	assert_int_equal(mp_lb_webrtc_store(a, "ans2:off2", "pwd-of-the-answer-22ch", stream, t.origin_id, t.ipv4,
					    t.port, now), MP_OK);
	v = raw_get(&srv, 0, "srs-proxy-ufrag:ans2:off2");
	assert_non_null(v);
	assert_string_equal(v, "{\"stream_url\":\"__defaultVhost__/live/r1\",\"ufrag\":\"ans2:off2\","
			       "\"ice_pwd\":\"pwd-of-the-answer-22ch\",\"media\":\"10.0.0.3:8000\"}");
	free(v);
	assert_null(mp_lb_webrtc_find(b, "ans2:off2", 9));
	assert_int_equal(mp_lb_redis_ufrag_miss(b, "ans2:off2", 9), MP_OK);
	assert_true(mp_lb_redis_poll(b, now) >= 1);
	const struct mp_lb_webrtc *e = mp_lb_webrtc_find(b, "ans2:off2", 9);
	assert_non_null(e);
	assert_int_equal(e->media_port, 8000);
	assert_string_equal(e->ice_pwd, "pwd-of-the-answer-22ch");
	assert_string_equal(w.ice_pwd, ""); /* ans1 was stored without one */
	assert_int_equal(mp_lb_webrtc_load(b, "no:such", now, &w), MP_ERR_NOTFOUND);

	/* An origin that answered another port than its registered one (aiortc, a NAT): B sends
	 * there too. A "media" on another host than the stream's origin is not followed. */
	assert_int_equal(mp_lb_webrtc_store(a, "ans3:off3", NULL, stream, t.origin_id, t.ipv4, 40123, now), MP_OK);
	assert_int_equal(mp_lb_webrtc_load(b, "ans3:off3", now, &w), MP_OK);
	assert_int_equal(w.media_ipv4, 0x0a000003);
	assert_int_equal(w.media_port, 40123);
	raw_set(&srv, "srs-proxy-ufrag:ans4:off4",
		"{\"stream_url\":\"__defaultVhost__/live/r1\",\"ufrag\":\"ans4:off4\",\"media\":\"192.0.2.66:53\"}", 0);
	assert_int_equal(mp_lb_webrtc_load(b, "ans4:off4", now, &w), MP_OK);
	assert_int_equal(w.media_ipv4, 0x0a000003);
	assert_int_equal(w.media_port, 8000);
	mp_lb_destroy(a);
	mp_lb_destroy(b);
}

/* Issue 14 item 5: an SRT session active on appliance A is written to Redis (both keys, the SRT idle
 * timeout as TTL); appliance B, missing its socket id, reads the record and its worker installs the
 * session with A's NAT port, origin and socket ids. */
static void srt_session_of_a_is_taken_over_by_b_with_its_nat_port(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000;
	struct mp_lb *a, *b;
	fleet_pair(&a, &b, "fo", 0xc6120d02, PR_SRT | PR_RTC, now);
	struct mp_lb_session *sa = fleet_srt_session(a, 0xc6120c02, 40001, 0x0a0b0c0d, 0x11223344, now), *sb;
	record_is("mediaplane-session-srt:287454020",
		  "{\"kind\":\"srt\",\"client\":\"198.18.12.2:40001\",\"service\":\"198.18.100.1:10080\","
		  "\"origin\":\"198.18.13.2:10080\",\"nat_port\":%u,\"client_sock\":168496141,"
		  "\"origin_sock\":287454020,\"bound\":287454020,\"by\":0}", sa->nat_port);
	long long ttl = raw_int(&srv, 0, "PTTL", "mediaplane-session-srt:287454020");
	assert_true(ttl > 0 && ttl <= 10000);
	char nk[96];
	snprintf(nk, sizeof(nk), "mediaplane-session-nat:198.18.13.2:10080:%u", sa->nat_port);
	char *v = raw_get(&srv, 0, nk);
	assert_non_null(v);
	free(v);
	assert_true(mp_lb_nat_port_foreign(b, sa->nat_port));

	/* B: a datagram to the socket id misses, the lookup finds the record, a worker installs it. */
	assert_null(mp_lb_session_by_srt(b, 0x11223344));
	assert_int_equal(mp_lb_fleet_adopt_poll(b, now, 8), 0);
	assert_int_equal(mp_lb_fleet_miss_srt(b, 0x11223344), MP_OK);
	assert_true(mp_lb_redis_poll(b, now) >= 1);
	assert_int_equal(mp_lb_fleet_adopt_poll(b, now, 8), 1);
	sb = mp_lb_session_by_srt(b, 0x11223344);
	assert_non_null(sb);
	assert_int_equal(sb->nat_port, sa->nat_port);
	assert_int_equal(sb->origin_ipv4, 0xc6120d02);
	assert_int_equal(sb->origin_port, 10080);
	assert_int_equal(sb->tuple.src_port, 40001);
	assert_int_equal(sb->tuple.dst_ip, 0xc6126401);
	assert_int_equal(atomic_load(&sb->u.srt.client_sock), 0x0a0b0c0d);
	assert_ptr_equal(mp_lb_session_by_nat(b, 0xc6120d02, 10080, sa->nat_port), sb);
	/* Asked again (a burst of the same flow), it is installed once. */
	assert_int_equal(mp_lb_fleet_miss_nat(b, 0xc6120d02, 10080, sa->nat_port), MP_OK);
	mp_lb_redis_poll(b, now + 200);
	mp_lb_fleet_adopt_poll(b, now + 200, 8);
	struct mp_lb_fleet_stats st;
	mp_lb_fleet_stats(b, &st);
	assert_int_equal(st.adopted, 1);
	assert_int_equal(mp_lb_session_count(b, MP_LB_SESS_SRT), 1);
	/* An unknown id asks Redis and installs nothing. */
	assert_int_equal(mp_lb_fleet_miss_srt(b, 0x55), MP_OK);
	mp_lb_redis_poll(b, now);
	assert_int_equal(mp_lb_fleet_adopt_poll(b, now, 8), 0);
	/* A record (anyone can write Redis) sending media to a host that is no origin here: refused. */
	raw_set(&srv, "mediaplane-session-srt:77",
		"{\"kind\":\"srt\",\"client\":\"198.18.12.9:4000\",\"service\":\"198.18.100.1:10080\","
		"\"origin\":\"192.0.2.66:53\",\"nat_port\":20500,\"client_sock\":1,\"origin_sock\":77,"
		"\"bound\":77,\"by\":0}", 0);
	assert_int_equal(mp_lb_fleet_miss_srt(b, 77), MP_OK);
	mp_lb_redis_poll(b, now);
	assert_int_equal(mp_lb_fleet_adopt_poll(b, now, 8), 0);
	assert_null(mp_lb_session_by_srt(b, 77));
	mp_lb_destroy(a);
	mp_lb_destroy(b);
}

/* The same for a WebRTC session: its record is keyed by the client tuple and carries the ICE username;
 * B, missing the tuple, installs it with A's NAT port, linked to the username when B knows it. */
static void webrtc_session_of_a_is_taken_over_by_b_with_its_nat_port(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000;
	struct mp_lb *a, *b;
	fleet_pair(&a, &b, "fw", 0xc6120d02, PR_RTC, now);
	struct mp_lb_session_params p = {
		.tuple = { .src_ip = 0xc6120c02, .dst_ip = 0xc6126401, .src_port = 40002, .dst_port = 8000,
			   .proto = 17 },
		.origin_ipv4 = 0xc6120d02, .origin_port = 8000, .origin_id = 0,
		.kind = MP_LB_SESS_WEBRTC, .state = MP_LB_SESS_ACTIVE, .username = "ansU:offU",
	};
	struct mp_lb_session *sa, *sb;
	char user[MP_LB_USERNAME_MAX];
	/* The username was stored (WHIP/WHEP answer) before its STUN started the session; a session names
	 * its username's entry, on A as on B. */
	assert_int_equal(mp_lb_webrtc_store(a, "ansU:offU", NULL, "v/live/s", 0, 0xc6120d02, 8000, now), MP_OK);
	assert_int_equal(mp_lb_webrtc_store(b, "ansU:offU", NULL, "v/live/s", 0, 0xc6120d02, 8000, now), MP_OK);
	assert_int_equal(mp_lb_session_create(a, &p, now, &sa), MP_OK);
	assert_true(fleet_published(a, sa, now) >= 1);
	record_is("mediaplane-session-webrtc:198.18.12.2:40002:198.18.100.1:8000",
		  "{\"kind\":\"webrtc\",\"client\":\"198.18.12.2:40002\",\"service\":\"198.18.100.1:8000\","
		  "\"origin\":\"198.18.13.2:8000\",\"nat_port\":%u,\"username\":\"ansU:offU\",\"by\":0}",
		  sa->nat_port);
	long long ttl = raw_int(&srv, 0, "PTTL", "mediaplane-session-webrtc:198.18.12.2:40002:198.18.100.1:8000");
	assert_true(ttl > 10000 && ttl <= 30000); /* webrtc_idle_timeout */

	assert_null(mp_lb_session_find(b, &p.tuple));
	assert_int_equal(mp_lb_fleet_miss_webrtc(b, &p.tuple), MP_OK);
	assert_true(mp_lb_redis_poll(b, now) >= 1);
	assert_int_equal(mp_lb_fleet_adopt_poll(b, now, 8), 1);
	sb = mp_lb_session_find(b, &p.tuple);
	assert_non_null(sb);
	assert_int_equal(sb->kind, MP_LB_SESS_WEBRTC);
	assert_int_equal(sb->nat_port, sa->nat_port);
	assert_int_equal(mp_lb_session_username(b, sb, user), MP_OK);
	assert_string_equal(user, "ansU:offU");
	assert_ptr_equal(mp_lb_session_by_nat(b, 0xc6120d02, 8000, sa->nat_port), sb);
	/* A username that JSON would need escaped is not written (no record, nothing to take over). */
	p.tuple.src_port = 40003;
	p.username = "bad\"name";
	assert_int_equal(mp_lb_webrtc_store(a, p.username, NULL, "v/live/s", 0, 0xc6120d02, 8000, now), MP_OK);
	assert_int_equal(mp_lb_session_create(a, &p, now, &sa), MP_OK);
	assert_int_equal(mp_lb_session_username(a, sa, user), MP_OK); /* it has one: JSON refuses it */
	fleet_published(a, sa, now);
	assert_null(raw_get(&srv, 0, "mediaplane-session-webrtc:198.18.12.2:40003:198.18.100.1:8000"));
	mp_lb_destroy(a);
	mp_lb_destroy(b);
}

/* Register the origin of registration JSON body on lb: its id. */
static int register_json(struct mp_lb *lb, const char *body, uint64_t now)
{
	struct mp_registration r;
	char why[128];
	assert_int_equal(mp_registration_parse(body, strlen(body), &r, why, sizeof(why)), MP_OK);
	return mp_lb_origin_update(lb, &r, now);
}

/* ECMP moved a client to B, which took its session over on A's NAT port and renews the record. When
 * A's own copy idles out, A must not give that port to another session towards the same origin endpoint
 * while B serves it (the origin's replies for both would carry the same port): at the end of the
 * port's quiet period A asks Redis, finds B's record under the NAT key and keeps the port for another
 * quiet period; once B's record is gone the port is A's to give again, and with Redis gone too. */
static void a_port_a_peer_took_over_is_not_reused_while_the_peer_serves_it(void **state)
{
	(void)state;
	need_redis();
	cfg_nat_min = 40000; /* one port in each appliance's share: A's is 40000 */
	cfg_nat_max = 40001;
	cfg_nat_quiet_ms = 5 * SEC;
	uint64_t now = 1000, t;
	struct mp_lb *a, *b;
	struct mp_lb_session *sa, *sb, *x;
	struct mp_lb_fleet_stats fs;
	fleet_pair(&a, &b, "fp", 0xc6120d02, PR_SRT, now);
	sa = fleet_srt_session(a, 0xc6120c02, 40001, 0x0a0b0c0d, 0x11223344, now);
	assert_int_equal(sa->nat_port, 40000);
	/* B takes it over and names itself in the record at once */
	assert_int_equal(mp_lb_fleet_miss_srt(b, 0x11223344), MP_OK);
	assert_true(mp_lb_redis_poll(b, now) >= 1);
	assert_int_equal(mp_lb_fleet_adopt_poll(b, now, 8), 1);
	sb = mp_lb_session_by_srt(b, 0x11223344);
	assert_non_null(sb);
	assert_int_equal(sb->nat_port, 40000);
	mp_lb_redis_poll(b, now);
	record_is("mediaplane-session-nat:198.18.13.2:10080:40000",
		  "{\"kind\":\"srt\",\"client\":\"198.18.12.2:40001\",\"service\":\"198.18.100.1:10080\","
		  "\"origin\":\"198.18.13.2:10080\",\"nat_port\":40000,\"client_sock\":168496141,"
		  "\"origin_sock\":287454020,\"bound\":287454020,\"by\":1}");

	/* A's copy idles out; after the quiet period a new session towards the same origin endpoint
	 * finds the port parked, and Redis says B holds it: kept */
	assert_int_equal(mp_lb_session_close(a, sa, now + SEC), MP_OK);
	mp_lb_quiescent(a, 0);
	struct mp_lb_session_params p = {
		.tuple = { .src_ip = 0xc6120c09, .dst_ip = 0xc6126401, .src_port = 40009, .dst_port = 10080, .proto = 17 },
		.origin_ipv4 = 0xc6120d02, .origin_port = 10080, .origin_id = 0,
		.kind = MP_LB_SESS_SRT, .state = MP_LB_SESS_HANDSHAKE, .srt_client_sock = 0x0a0b0c09,
	};
	t = now + SEC + 5 * SEC;
	assert_int_equal(mp_lb_session_create(a, &p, t, &x), MP_ERR_FULL);
	mp_lb_redis_poll(a, t);
	mp_lb_fleet_adopt_poll(a, t, 8);
	mp_lb_fleet_stats(a, &fs);
	assert_int_equal(fs.ports_parked, 1);
	assert_int_equal(fs.ports_kept, 1);
	assert_int_equal(mp_lb_session_create(a, &p, t + 5 * SEC - 1, &x), MP_ERR_FULL);

	/* B's session ends and its record with it: at the next quiet period's end the port is free */
	raw_int(&srv, 0, "DEL", "mediaplane-session-nat:198.18.13.2:10080:40000");
	t += 5 * SEC;
	assert_int_equal(mp_lb_session_create(a, &p, t, &x), MP_ERR_FULL); /* parked again, asked */
	mp_lb_redis_poll(a, t);
	mp_lb_fleet_adopt_poll(a, t, 8);
	mp_lb_fleet_stats(a, &fs);
	assert_int_equal(fs.ports_parked, 2);
	assert_int_equal(fs.ports_kept, 1);
	assert_int_equal(mp_lb_session_create(a, &p, t, &x), MP_OK);
	assert_int_equal(x->nat_port, 40000);

	/* Redis gone while the port is parked: it is freed unasked, never held for ever */
	assert_int_equal(mp_lb_session_close(a, x, t), MP_OK);
	mp_lb_quiescent(a, 0);
	t += 5 * SEC;
	p.tuple.src_port = 40010;
	p.srt_client_sock = 0x0a0b0c0a;
	assert_int_equal(mp_lb_session_create(a, &p, t, &x), MP_ERR_FULL); /* parked */
	mp_lb_fleet_stats(a, &fs);
	assert_int_equal(fs.ports_parked, 3);
	redis_stop(&srv);
	mp_lb_redis_poll(a, t);
	mp_lb_fleet_adopt_poll(a, t, 8);
	assert_int_equal(mp_lb_session_create(a, &p, t, &x), MP_OK);
	assert_int_equal(x->nat_port, 40000);
	assert_int_equal(redis_start(&srv), 0);
	cfg_nat_min = cfg_nat_max = 0;
	mp_lb_destroy(a);
	mp_lb_destroy(b);
}

/* Each appliance numbers IPv6 origins' stand-ins itself: a record names an IPv6 origin by its address,
 * and B takes the session over towards its own stand-in of that address (from the socket id and from
 * the NAT key, which B builds from its stand-in). An IPv6 client's session (a stand-in in 0.0.0.0/8,
 * this appliance's own numbering) is not published, and a record naming such a client or an origin
 * stand-in is refused. */
static void ipv6_origin_sessions_are_taken_over_by_address_ipv6_clients_are_not_shared(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000;
	struct mp_lb *a = new_lb(NULL, now), *b = new_lb(NULL, now);
	const char *o1 = "{\"ip\":\"2001:db8::1\",\"server\":\"o1\",\"service\":\"s\",\"pid\":\"1\",\"srt\":[\"10080\"]}";
	const char *o9 = "{\"ip\":\"2001:db8::9\",\"server\":\"o9\",\"service\":\"s\",\"pid\":\"1\",\"srt\":[\"10080\"]}";
	struct mp_lb_target ta, tb;
	assert_int_equal(mp_lb_set_fleet(a, 0, 2), MP_OK);
	assert_int_equal(mp_lb_set_fleet(b, 1, 2), MP_OK);
	/* B saw another IPv6 origin first: the same address has another stand-in there */
	assert_true(register_json(b, o9, now) >= 0);
	assert_true(register_json(b, o1, now) >= 0);
	assert_true(register_json(a, o1, now) >= 0);
	assert_int_equal(mp_lb_pick(a, "v/live/x", MP_PROTO_SRT, now, &ta), MP_OK);
	uint32_t sb1 = 0;
	{
		uint8_t a1[16];
		assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", a1), 1);
		sb1 = mp_lb_origin6_standin(b, a1);
	}
	assert_true(mp_lb_origin6_is_standin(ta.ipv4) && mp_lb_origin6_is_standin(sb1) && sb1 != ta.ipv4);
	(void)tb;

	struct mp_lb_session_params p = {
		.tuple = { .src_ip = 0xc6120c05, .dst_ip = 0xc6126401, .src_port = 40005, .dst_port = 10080, .proto = 17 },
		.origin_ipv4 = ta.ipv4, .origin_port = 10080, .origin_id = ta.origin_id,
		.kind = MP_LB_SESS_SRT, .state = MP_LB_SESS_HANDSHAKE, .srt_client_sock = 0x0a0b0c05,
	};
	struct mp_lb_session *sa, *sb;
	assert_int_equal(mp_lb_session_create(a, &p, now, &sa), MP_OK);
	assert_int_equal(mp_lb_session_srt_bind(a, sa, 0x33445566, 0x33445566), MP_OK);
	mp_lb_session_set_state(sa, MP_LB_SESS_ACTIVE);
	assert_true(fleet_published(a, sa, now) >= 1);
	record_is("mediaplane-session-srt:860116326",
		  "{\"kind\":\"srt\",\"client\":\"198.18.12.5:40005\",\"service\":\"198.18.100.1:10080\","
		  "\"origin\":\"[2001:db8::1]:10080\",\"nat_port\":%u,\"client_sock\":168496133,"
		  "\"origin_sock\":860116326,\"bound\":860116326,\"by\":0}", sa->nat_port);
	char nk[96];
	snprintf(nk, sizeof(nk), "mediaplane-session-nat:[2001:db8::1]:10080:%u", sa->nat_port);
	char *v = raw_get(&srv, 0, nk);
	assert_non_null(v);
	free(v);

	/* B: by the origin's NAT key first (built from B's own stand-in), then it is live there */
	assert_int_equal(mp_lb_fleet_miss_nat(b, sb1, 10080, sa->nat_port), MP_OK);
	assert_true(mp_lb_redis_poll(b, now) >= 1);
	assert_int_equal(mp_lb_fleet_adopt_poll(b, now, 8), 1);
	sb = mp_lb_session_by_srt(b, 0x33445566);
	assert_non_null(sb);
	assert_int_equal(sb->origin_ipv4, sb1);
	assert_int_equal(sb->nat_port, sa->nat_port);
	assert_ptr_equal(mp_lb_session_by_nat(b, sb1, 10080, sa->nat_port), sb);

	/* An IPv6 client's session on A: no record */
	p.tuple.src_ip = 0x00000007;
	p.tuple.src_port = 40006;
	p.srt_client_sock = 0x0a0b0c06;
	assert_int_equal(mp_lb_session_create(a, &p, now, &sa), MP_OK);
	assert_int_equal(mp_lb_session_srt_bind(a, sa, 0x33445567, 0x33445567), MP_OK);
	mp_lb_session_set_state(sa, MP_LB_SESS_ACTIVE);
	fleet_published(a, sa, now);
	assert_null(raw_get(&srv, 0, "mediaplane-session-srt:860116327"));
	mp_lb_sync(a, now + 10 * SEC); /* nor by the renewal of live sessions' records */
	assert_null(raw_get(&srv, 0, "mediaplane-session-srt:860116327"));
	/* records naming a client stand-in, or an origin stand-in, are refused */
	raw_set(&srv, "mediaplane-session-srt:78",
		"{\"kind\":\"srt\",\"client\":\"0.0.0.7:4000\",\"service\":\"198.18.100.1:10080\","
		"\"origin\":\"[2001:db8::1]:10080\",\"nat_port\":20501,\"client_sock\":1,\"origin_sock\":78,"
		"\"bound\":78,\"by\":0}", 0);
	raw_set(&srv, "mediaplane-session-srt:79",
		"{\"kind\":\"srt\",\"client\":\"198.18.12.9:4000\",\"service\":\"198.18.100.1:10080\","
		"\"origin\":\"0.255.0.1:10080\",\"nat_port\":20502,\"client_sock\":1,\"origin_sock\":79,"
		"\"bound\":79,\"by\":0}", 0);
	assert_int_equal(mp_lb_fleet_miss_srt(b, 78), MP_OK);
	assert_int_equal(mp_lb_fleet_miss_srt(b, 79), MP_OK);
	mp_lb_redis_poll(b, now);
	assert_int_equal(mp_lb_fleet_adopt_poll(b, now, 8), 0);
	assert_null(mp_lb_session_by_srt(b, 78));
	assert_null(mp_lb_session_by_srt(b, 79));
	mp_lb_destroy(a);
	mp_lb_destroy(b);
}

/* A WebRTC username record whose origin is IPv6 names its media by address ("[v6]:port"), not by A's
 * stand-in: B, which numbers that origin differently, reads it as its own stand-in and keeps the port
 * the origin answered with; a record whose media is a stand-in (0.0.0.0/8) is not followed. */
static void webrtc_username_of_an_ipv6_origin_names_its_media_by_address(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000 * SEC;
	struct mp_lb *a = new_lb(NULL, now), *b = new_lb(NULL, now);
	const char *o1 = "{\"ip\":\"2001:db8::1\",\"server\":\"r1\",\"service\":\"s\",\"pid\":\"1\",\"rtc\":[\"8000\"]}";
	const char *o9 = "{\"ip\":\"2001:db8::9\",\"server\":\"r9\",\"service\":\"s\",\"pid\":\"1\",\"rtc\":[\"8000\"]}";
	const char *stream = "__defaultVhost__/live/r6";
	struct mp_lb_target t;
	struct mp_lb_webrtc w;
	uint8_t a1[16];
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", a1), 1);
	assert_true(register_json(b, o9, now) >= 0); /* B numbers 2001:db8::9 first */
	assert_true(register_json(b, o1, now) >= 0);
	assert_true(register_json(a, o1, now) >= 0);
	uint32_t sb1 = mp_lb_origin6_standin(b, a1);
	assert_int_equal(mp_lb_pick(a, stream, MP_PROTO_RTC, now, &t), MP_OK);
	assert_true(mp_lb_origin6_is_standin(t.ipv4) && mp_lb_origin6_is_standin(sb1) && sb1 != t.ipv4);
	assert_int_equal(mp_lb_webrtc_store(a, "six1:off1", NULL, stream, t.origin_id, t.ipv4, 40123, now), MP_OK);
	char *v = raw_get(&srv, 0, "srs-proxy-ufrag:six1:off1");
	assert_non_null(v);
	assert_string_equal(v, "{\"stream_url\":\"__defaultVhost__/live/r6\",\"ufrag\":\"six1:off1\","
			       "\"media\":\"[2001:db8::1]:40123\"}");
	free(v);
	assert_int_equal(mp_lb_webrtc_load(b, "six1:off1", now, &w), MP_OK);
	assert_int_equal(w.media_ipv4, sb1);
	assert_int_equal(w.media_port, 40123);
	/* an older writer's stand-in: B uses its own pick's registered endpoint */
	raw_set(&srv, "srs-proxy-ufrag:six2:off2",
		"{\"stream_url\":\"__defaultVhost__/live/r6\",\"ufrag\":\"six2:off2\",\"media\":\"0.255.0.1:40123\"}", 0);
	assert_int_equal(mp_lb_webrtc_load(b, "six2:off2", now, &w), MP_OK);
	assert_int_equal(w.media_ipv4, sb1);
	assert_int_equal(w.media_port, 8000);
	mp_lb_destroy(a);
	mp_lb_destroy(b);
}

/* The renewal of live sessions' records (every third of the shorter idle timeout): the first one writes
 * a record in full; then an unchanged record gets its TTL back (PEXPIRE), its value left as it is; a
 * record gone from Redis (a restart, a flush) or one that changed is written in full again. */
static void fleet_renewal_renews_ttls_and_writes_gone_or_changed_records_again(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000;
	struct mp_lb *a, *b;
	fleet_pair(&a, &b, "fr", 0xc6120d02, PR_SRT, now);
	struct mp_lb_session *sa = fleet_srt_session(a, 0xc6120c03, 40011, 0x0a0b0c0e, 0x22334455, now);
	const char *key = "mediaplane-session-srt:573785173";
	char nk[96];
	snprintf(nk, sizeof(nk), "mediaplane-session-nat:198.18.13.2:10080:%u", sa->nat_port);
	const char *json = "{\"kind\":\"srt\",\"client\":\"198.18.12.3:40011\",\"service\":\"198.18.100.1:10080\","
			   "\"origin\":\"198.18.13.2:10080\",\"nat_port\":%u,\"client_sock\":168496142,"
			   "\"origin_sock\":%u,\"bound\":573785173,\"by\":0}";
	record_is(key, json, sa->nat_port, 573785173u);

	/* The first renewal writes the record in full (over a stand-in with a 1 s TTL). */
	raw_set(&srv, key, "stand-in", 1);
	now += 10 * SEC; /* past a third of srt_idle_timeout (10 s) */
	mp_lb_sync(a, now);
	record_is(key, json, sa->nat_port, 573785173u);
	/* The next one renews the TTLs of the unchanged record and leaves the values alone. */
	raw_set(&srv, key, "stand-in", 4);
	raw_set(&srv, nk, "nat-stand-in", 4);
	now += 4 * SEC;
	mp_lb_sync(a, now);
	record_is(key, "stand-in");
	record_is(nk, "nat-stand-in");
	long long ttl = raw_int(&srv, 0, "PTTL", key); /* back to srt_idle_timeout, above the stand-in's 4 s */
	assert_true(ttl > 4000 && ttl <= 10000);
	ttl = raw_int(&srv, 0, "PTTL", nk);
	assert_true(ttl > 4000 && ttl <= 10000);
	/* Gone from Redis: written in full again, both keys. */
	assert_int_equal(raw_int(&srv, 0, "DEL", key), 1);
	now += 4 * SEC;
	mp_lb_sync(a, now);
	record_is(key, json, sa->nat_port, 573785173u);
	record_is(nk, json, sa->nat_port, 573785173u);
	/* Changed (the origin's socket id): written in full again. */
	atomic_store(&sa->u.srt.origin_sock, 0x01020304);
	now += 4 * SEC;
	mp_lb_sync(a, now);
	record_is(key, json, sa->nat_port, 16909060u);
	record_is(nk, json, sa->nat_port, 16909060u);
	/* Not yet a third of the TTL after the last renewal: nothing is sent. */
	assert_int_equal(raw_int(&srv, 0, "DEL", key), 1);
	mp_lb_sync(a, now + SEC);
	assert_null(raw_get(&srv, 0, key));
	mp_lb_destroy(a);
	mp_lb_destroy(b);
}

/* One Redis-thread turn as lb_redis_thread.c runs them (a sync every second, a poll otherwise) at *now,
 * after queueing a worker's lookup of an unknown socket id; the clock then moves by the thread's 5 ms
 * sleep. Checks that the turn served the lookup; returns the records it renewed or wrote. */
static uint64_t fleet_turn(struct mp_lb *lb, uint64_t *now, uint64_t *next_sync)
{
	static uint32_t probe = 0x7e000000u;
	struct mp_lb_fleet_stats b, e;
	mp_lb_fleet_stats(lb, &b);
	assert_int_equal(mp_lb_fleet_miss_srt(lb, probe++), MP_OK);
	if (*now >= *next_sync) {
		mp_lb_sync(lb, *now);
		*next_sync = *now + SEC;
	} else {
		mp_lb_redis_poll(lb, *now);
	}
	*now += 5;
	mp_lb_fleet_stats(lb, &e);
	assert_int_equal(e.lookups, b.lookups + 1); /* served in this turn, pass or no pass */
	return e.renewed + e.rewritten - b.renewed - b.rewritten;
}

/* Turns until the renewal pass under way ends (within 60 s of the test clock): its statistics in *st,
 * and each turn renewed no more than 16 batches of 128 records, the pass taking more than one turn. */
static void fleet_run_pass(struct mp_lb *lb, uint64_t *now, uint64_t *next_sync, struct mp_lb_fleet_stats *st)
{
	uint64_t start = *now, most = 0, turns = 0, passes;
	mp_lb_fleet_stats(lb, st);
	passes = st->renewal_passes;
	do {
		uint64_t k = fleet_turn(lb, now, next_sync);
		most = k > most ? k : most;
		turns += k > 0;
		mp_lb_fleet_stats(lb, st);
		assert_true(*now - start < 60 * SEC);
	} while (st->renewal_passes == passes);
	assert_true(turns > 1);
	assert_true(most <= 16 * 128);
}

/* How many of the n keys' PTTL exceed above_ms (one pipelined round per 256). */
static uint32_t keys_with_pttl_above(char (*keys)[96], uint32_t n, long long above_ms)
{
	redisContext *c = raw_connect(&srv, 0);
	assert_non_null(c);
	uint32_t ok = 0;
	for (uint32_t k = 0; k < n; k += 256) {
		uint32_t m = n - k < 256 ? n - k : 256;
		for (uint32_t j = 0; j < m; j++)
			redisAppendCommand(c, "PTTL %s", keys[k + j]);
		for (uint32_t j = 0; j < m; j++) {
			redisReply *r = NULL;
			assert_int_equal(redisGetReply(c, (void **)&r), REDIS_OK);
			ok += r->type == REDIS_REPLY_INTEGER && r->integer > above_ms;
			freeReplyObject(r);
		}
	}
	redisFree(c);
	return ok;
}

/* fleet_record_ttl (default 60 s): records live that long when it is longer than the idle timeout, and
 * a renewal pass (every third of it) is spread over the Redis thread's turns: a slice per turn, every
 * turn serves the lookup queued before it, and the pass renews every record, ending within its
 * interval, so no record gets near its TTL. */
static void fleet_renewal_is_spread_over_turns_serves_lookups_meanwhile_and_renews_every_record(void **state)
{
	(void)state;
	need_redis();
	enum { N = 5000 };
	uint64_t now = 1000 * SEC, next_sync = 0;
	struct mp_lb_config c;
	struct mp_lb_redis_config rc;
	small_config(&c);
	c.max_sessions = N;
	mp_lb_redis_config_default(&rc);
	rc.port = srv.port;
	assert_int_equal(rc.fleet_record_ttl_ms, 60000);
	struct mp_lb *a = mp_lb_create_redis(&c, &rc, now);
	assert_non_null(a);
	assert_int_equal(mp_lb_reader_register(a, 0), MP_OK);
	assert_int_equal(mp_lb_set_fleet(a, 0, 2), MP_OK);
	char(*keys)[96] = calloc(2 * N, sizeof(*keys));
	assert_non_null(keys);
	for (uint32_t i = 0; i < N; i++) {
		struct mp_lb_session_params p = {
			.tuple = { .src_ip = 0xc6130000u + i, .dst_ip = 0xc6126401, .src_port = 40000, .dst_port = 10080,
				   .proto = 17 },
			.origin_ipv4 = 0xc6120d02, .origin_port = 10080, .kind = MP_LB_SESS_SRT,
			.state = MP_LB_SESS_HANDSHAKE, .srt_client_sock = i + 1,
		};
		struct mp_lb_session *s;
		assert_int_equal(mp_lb_session_create(a, &p, now, &s), MP_OK);
		assert_int_equal(mp_lb_session_srt_bind(a, s, 0x40000000u + i, 0x40000000u + i), MP_OK);
		mp_lb_session_set_state(s, MP_LB_SESS_ACTIVE);
		snprintf(keys[2 * i], sizeof(keys[0]), "mediaplane-session-srt:%u", 0x40000000u + i);
		snprintf(keys[2 * i + 1], sizeof(keys[0]), "mediaplane-session-nat:198.18.13.2:10080:%u", s->nat_port);
	}

	/* The first pass writes every record, over several turns, no turn more than 16 batches of 128. */
	struct mp_lb_fleet_stats st;
	uint64_t start = now;
	fleet_run_pass(a, &now, &next_sync, &st);
	assert_int_equal(st.renewal_passes, 1);
	assert_int_equal(st.rewritten, N);
	assert_int_equal(st.renewal_overruns, 0);
	assert_int_equal(keys_with_pttl_above(keys, 2 * N, 50000), 2 * N); /* fleet_record_ttl, not 10 s */

	/* The next pass begins a third of the TTL after the first began: every key's TTL is cut to 30 s
	 * before it; once it is done, every key has its 60 s back. */
	while (now - start < 20 * SEC) {
		assert_int_equal(fleet_turn(a, &now, &next_sync), 0);
	}
	{
		redisContext *rcx = raw_connect(&srv, 0);
		assert_non_null(rcx);
		for (uint32_t k = 0; k < 2 * N; k++)
			redisAppendCommand(rcx, "PEXPIRE %s 30000", keys[k]);
		for (uint32_t k = 0; k < 2 * N; k++) {
			redisReply *r = NULL;
			assert_int_equal(redisGetReply(rcx, (void **)&r), REDIS_OK);
			assert_int_equal(r->integer, 1);
			freeReplyObject(r);
		}
		redisFree(rcx);
	}
	start = now;
	fleet_run_pass(a, &now, &next_sync, &st);
	assert_true(now - start <= 20 * SEC); /* within its interval */
	assert_int_equal(st.renewed, N);
	assert_int_equal(st.rewritten, N); /* none again */
	assert_int_equal(st.renewal_overruns, 0);
	assert_int_equal(keys_with_pttl_above(keys, 2 * N, 30000), 2 * N);
	free(keys);
	mp_lb_destroy(a);
}

static void origin_delete_and_drain_on_a_are_honoured_by_b(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000 * SEC;
	struct mp_lb *a = new_lb(NULL, now), *b = new_lb(NULL, now);
	struct mp_registration reg;
	make_reg(&reg, "adm", 0x0a000005, PR_ALL);
	assert_true(mp_lb_origin_update(a, &reg, now) >= 0);
	mp_lb_sync(b, now);
	const char *key = "vid-adm-svcadm-4242";
	assert_non_null(mp_lb_origin_find(b, key));

	/* Drain on A: B stops picking it after a sync; undrain: B picks it again. */
	assert_int_equal(mp_lb_origin_drain(a, key, true), MP_OK);
	assert_true(mp_lb_sync(b, now) >= 1);
	assert_true(mp_lb_origin_find(b, key)->draining);
	struct mp_lb_target t;
	assert_int_equal(mp_lb_pick(b, "__defaultVhost__/live/adm1", MP_PROTO_RTMP, now, &t), MP_ERR_NOORIGIN);
	assert_int_equal(mp_lb_origin_drain(a, key, false), MP_OK);
	mp_lb_sync(b, now);
	assert_false(mp_lb_origin_find(b, key)->draining);
	assert_int_equal(mp_lb_pick(b, "__defaultVhost__/live/adm1", MP_PROTO_RTMP, now, &t), MP_OK);

	/* Delete on A: its server key goes, B forgets the origin at its next sync. */
	struct timespec pause = { 0, 5000000 }; /* wall ms: the delete comes after the registration */
	nanosleep(&pause, NULL);
	assert_int_equal(mp_lb_origin_remove(a, key), MP_OK);
	char *v = raw_get(&srv, 0, "srs-proxy-server:vid-adm-svcadm-4242");
	assert_null(v);
	/* (The test's clock stands still while the wall clock moves: give each step a second.) */
	assert_true(mp_lb_sync(b, now + SEC) >= 1);
	assert_null(mp_lb_origin_find(b, key));
	/* Its next registration (on B) brings it back, and the delete does not remove it again. */
	nanosleep(&pause, NULL);
	assert_true(mp_lb_origin_update(b, &reg, now + 2 * SEC) >= 0);
	mp_lb_sync(b, now + 2 * SEC);
	assert_non_null(mp_lb_origin_find(b, key));
	mp_lb_sync(a, now + 2 * SEC);
	assert_non_null(mp_lb_origin_find(a, key));
	mp_lb_destroy(a);
	mp_lb_destroy(b);
}

struct async_seen {
	int calls;
	int type;
	char str[32];
};

static void async_cb(struct mp_lb *lb, struct redisReply *reply, void *arg)
{
	struct async_seen *a = arg;
	(void)lb;
	a->calls++;
	a->type = reply != NULL ? reply->type : -1;
	if (reply != NULL && reply->type == REDIS_REPLY_STRING)
		snprintf(a->str, sizeof(a->str), "%s", reply->str);
}

static void async_commands_run_in_order_and_each_callback_once(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000 * SEC;
	struct mp_lb *a = new_lb(NULL, now);
	struct async_seen set = { 0 }, get = { 0 };
	assert_int_equal(mp_lb_redis_cmd_async(a, async_cb, &set, "SET %s %s", "mp-async-key", "v1"), MP_OK);
	assert_int_equal(mp_lb_redis_cmd_async(a, async_cb, &get, "GET %s", "mp-async-key"), MP_OK);
	assert_int_equal(set.calls, 0); /* queued, not sent by the caller */
	assert_true(mp_lb_redis_poll(a, now) >= 2);
	assert_int_equal(set.calls, 1);
	assert_int_equal(set.type, REDIS_REPLY_STATUS);
	assert_int_equal(get.calls, 1);
	assert_string_equal(get.str, "v1");
	/* Destroyed with commands queued: each callback runs, with no reply. */
	struct async_seen late = { 0 };
	assert_int_equal(mp_lb_redis_cmd_async(a, async_cb, &late, "GET %s", "mp-async-key"), MP_OK);
	mp_lb_destroy(a);
	assert_int_equal(late.calls, 1);
	assert_int_equal(late.type, -1);
	struct mp_lb_config mc;
	small_config(&mc);
	struct mp_lb *m = mp_lb_create(&mc);
	assert_non_null(m);
	assert_int_equal(mp_lb_redis_cmd_async(m, async_cb, &late, "PING"), MP_ERR_STATE);
	mp_lb_destroy(m);
}

static bool key_is(const char *key, const char *pattern)
{
	char *v = raw_get(&srv, 0, key);
	bool ok = v != NULL && strstr(v, pattern) != NULL;
	free(v);
	return ok;
}

static void redis_thread_publishes_what_other_threads_queue(void **state)
{
	(void)state;
	need_redis();
	struct mp_lb *a = new_lb(NULL, mp_now_ms());
	assert_int_equal(mp_lb_redis_start(a, 3), MP_OK);
	assert_int_equal(mp_lb_redis_start(a, 2), MP_ERR_STATE);
	struct mp_registration reg;
	make_reg(&reg, "thr", 0x0a000009, PR_RTC | PR_API);
	/* This thread no longer talks to Redis: it answers locally, the Redis thread writes. */
	assert_true(mp_lb_origin_update(a, &reg, mp_now_ms()) >= 0);
	struct mp_lb_target t;
	assert_int_equal(mp_lb_pick(a, "__defaultVhost__/live/thr", MP_PROTO_RTC, mp_now_ms(), &t), MP_OK);
	bool seen = false;
	for (int i = 0; i < 1000 && !seen; i++) { /* up to 10 s on a loaded machine */
		seen = key_is("srs-proxy-server:vid-thr-svcthr-4242", "\"server_id\":\"vid-thr\"") &&
		       key_is("srs-proxy-url:__defaultVhost__/live/thr", "vid-thr-svcthr-4242");
		if (!seen)
			usleep(10000);
	}
	assert_true(seen);
	struct mp_lb_redis_stats st;
	assert_int_equal(mp_lb_redis_stats(a, &st), MP_OK);
	assert_true(st.connected);
	mp_lb_destroy(a); /* joins the thread */
}

static void records_written_by_the_go_proxy_are_read_back(void **state)
{
	(void)state;
	need_redis();
	/* As Go's json.Marshal writes SRSServer: update_at in RFC 3339 with nanoseconds and the
	 * writer's zone (+08:00 here), 30 s ago. */
	char at[64], json[1024];
	time_t t30 = time(NULL) - 30 + 8 * 3600;
	struct tm tm;
	gmtime_r(&t30, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%S.123456789+08:00", &tm);
	snprintf(json, sizeof(json),
		 "{\"ip\":\"10.1.2.3\",\"device_id\":\"origin1\",\"server_id\":\"vid-448kd71\","
		 "\"service_id\":\"62t4qogt\",\"pid\":\"27963\",\"rtmp\":[\"1935\"],\"http\":[\"8080\"],"
		 "\"api\":[\"1985\"],\"srt\":[\"udp://0.0.0.0:10080\"],\"rtc\":[\"udp://0.0.0.0:8000\"],"
		 "\"update_at\":\"%s\"}", at);
	const char *skey = "srs-proxy-server:vid-448kd71-62t4qogt-27963";
	const char *stream = "__defaultVhost__/live/livestream";
	raw_set(&srv, skey, json, 300);
	raw_set(&srv, "srs-proxy-all-servers", "[\"srs-proxy-server:vid-448kd71-62t4qogt-27963\"]", 0);
	raw_set(&srv, "srs-proxy-url:__defaultVhost__/live/livestream", skey, 0);
	const char *hls = "{\"spbhid\":\"8ab1c2d3\",\"stream_url\":\"__defaultVhost__/live/livestream\","
			  "\"full_url\":\"http://proxy:8080/live/livestream.m3u8\"}";
	raw_set(&srv, "srs-proxy-hls:__defaultVhost__/live/livestream", hls, 120);
	raw_set(&srv, "srs-proxy-spbhid:8ab1c2d3", hls, 120);
	const char *rtc = "{\"stream_url\":\"__defaultVhost__/live/livestream\",\"ufrag\":\"7a1b2c3d:e4f5a6b7\"}";
	raw_set(&srv, "srs-proxy-rtc:__defaultVhost__/live/livestream", rtc, 120);
	raw_set(&srv, "srs-proxy-ufrag:7a1b2c3d:e4f5a6b7", rtc, 120);

	uint64_t now = 1000 * SEC;
	struct mp_lb *a = new_lb(NULL, now);
	assert_int_equal(mp_lb_sync(a, now), 2); /* the origin, and the stream's pin */
	const struct mp_lb_origin *o = mp_lb_origin_find(a, "vid-448kd71-62t4qogt-27963");
	assert_non_null(o);
	assert_int_equal(o->ipv4, 0x0a010203);
	assert_string_equal(o->device_id, "origin1");
	assert_int_equal(o->n_ep[MP_PROTO_RTMP], 1);
	assert_int_equal(o->ep[MP_PROTO_RTMP][0].port, 1935);
	assert_int_equal(o->ep[MP_PROTO_RTC][0].port, 8000);
	assert_int_equal(o->ep[MP_PROTO_RTC][0].scheme, MP_EP_UDP);
	/* Registered 30 s ago by its clock: alive for 270 s more, not 300. */
	assert_true(o->updated_ms >= now - 32 * SEC && o->updated_ms <= now - 28 * SEC);
	assert_true(mp_lb_origin_alive(a, o, now + 260 * SEC));
	assert_false(mp_lb_origin_alive(a, o, now + 275 * SEC));

	struct mp_lb_target t;
	assert_int_equal(mp_lb_pick(a, stream, MP_PROTO_HTTP, now, &t), MP_OK);
	assert_int_equal(t.origin_id, o->id);
	assert_int_equal(t.port, 8080);
	struct mp_lb_hls h;
	assert_int_equal(mp_lb_hls_by_spbhid(a, "8ab1c2d3", now, &h), MP_OK);
	assert_string_equal(h.stream, stream);
	assert_string_equal(h.full_url, "http://proxy:8080/live/livestream.m3u8");
	struct mp_lb_webrtc w;
	assert_int_equal(mp_lb_webrtc_load(a, "7a1b2c3d:e4f5a6b7", now, &w), MP_OK);
	assert_string_equal(w.stream, stream);
	assert_int_equal(w.origin_id, o->id);
	assert_int_equal(w.media_ipv4, 0x0a010203);
	assert_int_equal(w.media_port, 8000);
	/* The Go list is kept, ours added to it. */
	struct mp_registration reg;
	make_reg(&reg, "ours", 0x0a000005, PR_ALL);
	assert_true(mp_lb_origin_update(a, &reg, now) >= 0);
	char *v = raw_get(&srv, 0, "srs-proxy-all-servers");
	assert_true(json_array_has(v, skey));
	assert_true(json_array_has(v, "srs-proxy-server:vid-ours-svcours-4242"));
	free(v);
	mp_lb_destroy(a);
}

static void expired_and_bad_server_records_leave_the_list_and_do_not_stop_the_others(void **state)
{
	(void)state;
	need_redis();
	/* A Go proxy's list naming an origin whose key expired, one with garbage, one minimal record
	 * (omitempty: no device_id, no update_at, RTMP only). */
	raw_set(&srv, "srs-proxy-all-servers",
		"[\"srs-proxy-server:gone-1-2\",\"srs-proxy-server:bad-1-2\",\"srs-proxy-server:min-1-2\"]", 0);
	raw_set(&srv, "srs-proxy-server:bad-1-2", "{\"ip\":\"10.0.0.300\",\"server_id\":\"bad\"}", 300);
	raw_set(&srv, "srs-proxy-server:min-1-2",
		"{\"ip\":\"10.0.0.44\",\"server_id\":\"min\",\"service_id\":\"1\",\"pid\":\"2\","
		"\"rtmp\":[\"19350\"]}", 300);
	uint64_t now = 1000 * SEC;
	struct mp_lb *a = new_lb(NULL, now);
	assert_int_equal(mp_lb_sync(a, now), 1);
	const struct mp_lb_origin *o = mp_lb_origin_find(a, "min-1-2");
	assert_non_null(o);
	assert_int_equal(o->ep[MP_PROTO_RTMP][0].port, 19350);
	assert_int_equal(o->n_ep[MP_PROTO_HTTP], 0);
	assert_true(mp_lb_origin_alive(a, o, now + 299 * SEC));
	struct mp_lb_redis_stats st;
	assert_int_equal(mp_lb_redis_stats(a, &st), MP_OK);
	assert_int_equal(st.bad_records, 1);
	char *v = raw_get(&srv, 0, "srs-proxy-all-servers");
	assert_false(json_array_has(v, "srs-proxy-server:gone-1-2"));
	assert_true(json_array_has(v, "srs-proxy-server:bad-1-2")); /* its key exists: not ours to judge */
	assert_true(json_array_has(v, "srs-proxy-server:min-1-2"));
	free(v);
	mp_lb_destroy(a);
}

static void key_prefix_separates_fleets(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000 * SEC;
	struct mp_lb *a = new_lb("mp1", now), *b = new_lb("mp1", now), *c = new_lb(NULL, now);
	struct mp_registration reg;
	make_reg(&reg, "pfx", 0x0a000007, PR_ALL);
	assert_true(mp_lb_origin_update(a, &reg, now) >= 0);
	assert_int_equal(raw_int(&srv, 0, "EXISTS", "mp1:srs-proxy-server:vid-pfx-svcpfx-4242"), 1);
	assert_int_equal(raw_int(&srv, 0, "EXISTS", "srs-proxy-server:vid-pfx-svcpfx-4242"), 0);
	char *v = raw_get(&srv, 0, "mp1:srs-proxy-all-servers");
	assert_non_null(v);
	assert_true(json_array_has(v, "mp1:srs-proxy-server:vid-pfx-svcpfx-4242"));
	free(v);
	assert_int_equal(raw_int(&srv, 0, "EXISTS", "srs-proxy-all-servers"), 0);
	struct mp_lb_target t;
	assert_int_equal(mp_lb_pick(a, "__defaultVhost__/live/p", MP_PROTO_RTMP, now, &t), MP_OK);
	v = raw_get(&srv, 0, "mp1:srs-proxy-url:__defaultVhost__/live/p");
	assert_non_null(v);
	assert_string_equal(v, "mp1:srs-proxy-server:vid-pfx-svcpfx-4242");
	free(v);
	mp_lb_sync(b, now);
	mp_lb_sync(c, now);
	assert_non_null(mp_lb_origin_find(b, "vid-pfx-svcpfx-4242"));
	assert_null(mp_lb_origin_find(c, "vid-pfx-svcpfx-4242"));
	assert_int_equal(mp_lb_pick(c, "__defaultVhost__/live/p", MP_PROTO_RTMP, now, &t), MP_ERR_NOORIGIN);
	mp_lb_destroy(a);
	mp_lb_destroy(b);
	mp_lb_destroy(c);
}

static void password_and_db_select_are_used_and_a_wrong_password_runs_locally(void **state)
{
	(void)state;
	need_redis();
	snprintf(srv_auth.pass, sizeof(srv_auth.pass), "s3cret");
	assert_int_equal(redis_start(&srv_auth), 0);
	uint64_t now = 1000 * SEC;
	struct mp_lb *a = new_lb_on(&srv_auth, NULL, "s3cret", 3, now);
	assert_true(mp_lb_redis_connected(a));
	struct mp_registration reg;
	make_reg(&reg, "auth", 0x0a000008, PR_ALL);
	assert_true(mp_lb_origin_update(a, &reg, now) >= 0);
	assert_int_equal(raw_int(&srv_auth, 3, "EXISTS", "srs-proxy-server:vid-auth-svcauth-4242"), 1);
	assert_int_equal(raw_int(&srv_auth, 0, "EXISTS", "srs-proxy-server:vid-auth-svcauth-4242"), 0);

	mp_log_set_level(MP_LOG_ERR); /* the refused AUTH is logged as a warning */
	struct mp_lb *bad = new_lb_on(&srv_auth, NULL, "wrong", 3, now);
	mp_log_set_level(MP_LOG_WARN);
	assert_false(mp_lb_redis_connected(bad));
	assert_true(mp_lb_origin_update(bad, &reg, now) >= 0);
	struct mp_lb_target t;
	assert_int_equal(mp_lb_pick(bad, "__defaultVhost__/live/x", MP_PROTO_RTMP, now, &t), MP_OK);
	mp_lb_destroy(a);
	mp_lb_destroy(bad);
	redis_stop(&srv_auth);
}

/* Run f with stderr captured; returns the captured text (malloc'd). */
static char *capture_stderr_begin(int *saved, FILE **tmp)
{
	fflush(stderr);
	*tmp = tmpfile();
	assert_non_null(*tmp);
	*saved = dup(2);
	dup2(fileno(*tmp), 2);
	return NULL;
}

static char *capture_stderr_end(int saved, FILE *tmp)
{
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	long n = ftell(tmp);
	char *s = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
	rewind(tmp);
	if (n > 0 && fread(s, 1, (size_t)n, tmp) != (size_t)n)
		s[0] = '\0';
	fclose(tmp);
	return s;
}

static int count_of(const char *s, const char *what)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

static void redis_killed_keeps_local_state_working_and_gets_it_back_on_restart(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000 * SEC;
	struct mp_lb *a = new_lb(NULL, now), *b = new_lb(NULL, now);
	struct mp_registration reg;
	make_reg(&reg, "k1", 0x0a000009, PR_ALL);
	assert_true(mp_lb_origin_update(a, &reg, now) >= 0);
	struct mp_lb_target t1, t;
	struct mp_lb_hls h;
	const char *s1 = "__defaultVhost__/live/k1";
	assert_int_equal(mp_lb_pick(a, s1, MP_PROTO_RTC, now, &t1), MP_OK);
	assert_int_equal(mp_lb_webrtc_store(a, "u1:o1", NULL, s1, t1.origin_id, t1.ipv4, t1.port, now), MP_OK);
	assert_int_equal(mp_lb_hls_load_or_store(a, s1, "spbK1", "http://a/k1.m3u8", now, &h), MP_OK);

	int saved;
	FILE *tmp;
	mp_log_set_level(MP_LOG_INFO);
	capture_stderr_begin(&saved, &tmp);
	redis_stop(&srv);
	/* Redis gone: picks, sessions and new state all work from the local tables. */
	now += SEC;
	assert_int_equal(mp_lb_pick(a, s1, MP_PROTO_RTC, now, &t), MP_OK);
	assert_int_equal(t.origin_id, t1.origin_id);
	assert_false(mp_lb_redis_connected(a));
	assert_non_null(mp_lb_webrtc_find(a, "u1:o1", 5));
	const char *s2 = "__defaultVhost__/live/k2";
	assert_int_equal(mp_lb_pick(a, s2, MP_PROTO_RTMP, now, &t), MP_OK);
	assert_int_equal(mp_lb_webrtc_store(a, "u2:o2", NULL, s2, t.origin_id, t.ipv4, t.port, now), MP_OK);
	assert_int_equal(mp_lb_hls_load_or_store(a, s2, "spbK2", "http://a/k2.m3u8", now, &h), MP_OK);
	assert_int_equal(mp_lb_hls_by_spbhid(a, "spbK1", now, &h), MP_OK);
	make_reg(&reg, "k2", 0x0a00000a, PR_ALL);
	assert_true(mp_lb_origin_update(a, &reg, now) >= 0);
	/* Retries while down are silent. */
	for (int i = 0; i < 5; i++) {
		now += SEC;
		assert_true(mp_lb_sync(a, now) >= 0);
		assert_true(mp_lb_sync(b, now) >= 0);
	}
	assert_false(mp_lb_redis_connected(a));
	assert_false(mp_lb_redis_connected(b));

	/* Back on the same port, empty: A writes its state back at the next sync after the backoff. */
	assert_int_equal(redis_start(&srv), 0);
	now += 6 * SEC;
	assert_true(mp_lb_sync(a, now) >= 0);
	assert_true(mp_lb_redis_connected(a));
	assert_true(mp_lb_sync(b, now) >= 0);
	assert_true(mp_lb_redis_connected(b));
	char *log = capture_stderr_end(saved, tmp);
	mp_log_set_level(MP_LOG_WARN);
	/* One down and one up line per instance (B learns on its first sync after the kill). */
	assert_int_equal(count_of(log, "lb redis: 127.0.0.1"), 4);
	assert_int_equal(count_of(log, " lost ("), 2);
	assert_int_equal(count_of(log, " back after "), 2);
	free(log);

	assert_int_equal(raw_int(&srv, 0, "EXISTS", "srs-proxy-server:vid-k1-svck1-4242"), 1);
	assert_int_equal(raw_int(&srv, 0, "EXISTS", "srs-proxy-server:vid-k2-svck2-4242"), 1);
	char *v = raw_get(&srv, 0, "srs-proxy-all-servers");
	assert_non_null(v);
	assert_true(json_array_has(v, "srs-proxy-server:vid-k1-svck1-4242"));
	assert_true(json_array_has(v, "srs-proxy-server:vid-k2-svck2-4242"));
	free(v);
	assert_int_equal(raw_int(&srv, 0, "EXISTS", "srs-proxy-url:__defaultVhost__/live/k1"), 1);
	assert_int_equal(raw_int(&srv, 0, "EXISTS", "srs-proxy-url:__defaultVhost__/live/k2"), 1);
	assert_int_equal(raw_int(&srv, 0, "EXISTS", "srs-proxy-ufrag:u1:o1"), 1);
	assert_int_equal(raw_int(&srv, 0, "EXISTS", "srs-proxy-ufrag:u2:o2"), 1);
	assert_int_equal(raw_int(&srv, 0, "EXISTS", "srs-proxy-spbhid:spbK1"), 1);
	assert_int_equal(raw_int(&srv, 0, "EXISTS", "srs-proxy-hls:__defaultVhost__/live/k2"), 1);
	/* And B sees what A did while Redis was away. */
	mp_lb_sync(b, now);
	assert_non_null(mp_lb_origin_find(b, "vid-k2-svck2-4242"));
	assert_int_equal(mp_lb_hls_by_spbhid(b, "spbK2", now, &h), MP_OK);
	struct mp_lb_redis_stats st;
	assert_int_equal(mp_lb_redis_stats(a, &st), MP_OK);
	assert_int_equal(st.downs, 1);
	assert_int_equal(st.ups, 2);
	assert_true(st.writebacks >= 10);
	mp_lb_destroy(a);
	mp_lb_destroy(b);
}

/* A stalled Redis (SIGSTOP: the kernel still accepts, nobody answers) costs one command that fails
 * (command_timeout_ms bounds it; bench_lb_redis measures how long), then picks are local: no further
 * command until the backoff allows a reconnect, which fails once and leaves the backend down. */
static void stalled_redis_costs_one_failed_command_then_picks_are_local(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000 * SEC;
	struct mp_lb *a = new_lb(NULL, now);
	struct mp_registration reg;
	make_reg(&reg, "st", 0x0a00000b, PR_ALL);
	assert_true(mp_lb_origin_update(a, &reg, now) >= 0);
	struct mp_lb_target t1, t;
	assert_int_equal(mp_lb_pick(a, "__defaultVhost__/live/st1", MP_PROTO_RTMP, now, &t1), MP_OK);
	struct mp_lb_redis_stats s0, s;
	assert_int_equal(mp_lb_redis_stats(a, &s0), MP_OK);
	assert_true(s0.connected);

	mp_log_set_level(MP_LOG_ERR);
	kill(srv.pid, SIGSTOP);
	/* The pinned stream's pick: one command times out, Redis is down, the local pin answers. */
	assert_int_equal(mp_lb_pick(a, "__defaultVhost__/live/st1", MP_PROTO_RTMP, now, &t), MP_OK);
	assert_int_equal(t.origin_id, t1.origin_id);
	assert_false(mp_lb_redis_connected(a));
	assert_int_equal(mp_lb_redis_stats(a, &s), MP_OK);
	assert_int_equal(s.downs, s0.downs + 1);
	assert_int_equal(s.errors, s0.errors + 1);
	/* Down, before the backoff: a new stream is picked without any command to Redis. */
	assert_int_equal(mp_lb_pick(a, "__defaultVhost__/live/st2", MP_PROTO_RTMP, now, &t), MP_OK);
	assert_int_equal(t.origin_id, t1.origin_id); /* the only origin */
	assert_int_equal(mp_lb_redis_stats(a, &s), MP_OK);
	assert_int_equal(s.errors, s0.errors + 1);
	assert_int_equal(s.picks_published, s0.picks_published);
	/* After the backoff, one reconnect attempt against the stalled server fails and returns. */
	assert_true(mp_lb_sync(a, now + SEC) >= 0);
	assert_false(mp_lb_redis_connected(a));
	assert_int_equal(mp_lb_redis_stats(a, &s), MP_OK);
	assert_int_equal(s.errors, s0.errors + 2);
	assert_int_equal(s.downs, s0.downs + 1);
	kill(srv.pid, SIGCONT);
	assert_true(mp_lb_sync(a, now + 10 * SEC) >= 0);
	mp_log_set_level(MP_LOG_WARN);
	assert_true(mp_lb_redis_connected(a));
	assert_int_equal(raw_int(&srv, 0, "EXISTS", "srs-proxy-url:__defaultVhost__/live/st2"), 1);
	mp_lb_destroy(a);
}

static void ice_username_in_use_has_its_redis_ttl_renewed(void **state)
{
	(void)state;
	need_redis();
	uint64_t now = 1000 * SEC;
	cfg_webrtc_ttl_ms = 8000;
	struct mp_lb *a = new_lb(NULL, now);
	cfg_webrtc_ttl_ms = 0;
	struct mp_registration reg;
	make_reg(&reg, "rn", 0x0a00000c, PR_ALL);
	assert_true(mp_lb_origin_update(a, &reg, now) >= 0);
	struct mp_lb_target t;
	assert_int_equal(mp_lb_pick(a, "__defaultVhost__/live/rn", MP_PROTO_RTC, now, &t), MP_OK);
	assert_int_equal(mp_lb_webrtc_store(a, "rn1:rn2", NULL, "__defaultVhost__/live/rn", t.origin_id, t.ipv4, t.port,
					    now), MP_OK);
	long long pttl = raw_int(&srv, 0, "PTTL", "srs-proxy-ufrag:rn1:rn2");
	assert_true(pttl > 7000 && pttl <= 8000);
	mp_lb_sync(a, now); /* first renew pass */
	/* As if 7.5 s passed in Redis; traffic went on here. */
	redisContext *c = raw_connect(&srv, 0);
	assert_non_null(c);
	redisReply *rep = redisCommand(c, "PEXPIRE %s 500", "srs-proxy-ufrag:rn1:rn2");
	assert_non_null(rep);
	assert_int_equal(rep->integer, 1);
	freeReplyObject(rep);
	redisFree(c);
	now += 3 * SEC;
	mp_lb_webrtc_touch(mp_lb_webrtc_find(a, "rn1:rn2", 7), now);
	mp_lb_sync(a, now);
	pttl = raw_int(&srv, 0, "PTTL", "srs-proxy-ufrag:rn1:rn2");
	assert_true(pttl > 7000 && pttl <= 8000);
	mp_lb_destroy(a);
}

static void config_reads_the_srs_proxy_environment(void **state)
{
	(void)state;
	struct mp_lb_redis_config c;
	bool use = false;
	mp_lb_redis_config_default(&c);
	setenv("PROXY_LOAD_BALANCER_TYPE", "redis", 1);
	setenv("PROXY_REDIS_HOST", "10.9.8.7", 1);
	setenv("PROXY_REDIS_PORT", "6380", 1);
	setenv("PROXY_REDIS_PASSWORD", "pw", 1);
	setenv("PROXY_REDIS_DB", "2", 1);
	assert_int_equal(mp_lb_redis_config_from_env(&c, &use), MP_OK);
	assert_true(use);
	assert_string_equal(c.host, "10.9.8.7");
	assert_int_equal(c.port, 6380);
	assert_string_equal(c.password, "pw");
	assert_int_equal(c.db, 2);
	setenv("PROXY_REDIS_DB", "two", 1);
	mp_log_set_level(MP_LOG_ERR + 0);
	int saved;
	FILE *tmp;
	capture_stderr_begin(&saved, &tmp);
	assert_int_equal(mp_lb_redis_config_from_env(&c, &use), MP_ERR_CONFIG);
	free(capture_stderr_end(saved, tmp));
	mp_log_set_level(MP_LOG_WARN);
	unsetenv("PROXY_LOAD_BALANCER_TYPE");
	unsetenv("PROXY_REDIS_HOST");
	unsetenv("PROXY_REDIS_PORT");
	unsetenv("PROXY_REDIS_PASSWORD");
	unsetenv("PROXY_REDIS_DB");
}

static void rfc3339_times_parse_with_zones_and_fractions(void **state)
{
	(void)state;
	int64_t ms;
	const char *s = "2024-09-05T11:39:47.826383+08:00";
	assert_int_equal(mp_lb_rjson_time_parse(s, strlen(s), &ms), MP_OK);
	assert_int_equal(ms, 1725507587826); /* 03:39:47.826 UTC */
	s = "1970-01-01T00:00:00Z";
	assert_int_equal(mp_lb_rjson_time_parse(s, strlen(s), &ms), MP_OK);
	assert_int_equal(ms, 0);
	s = "2000-02-29T23:59:59.5-01:30";
	assert_int_equal(mp_lb_rjson_time_parse(s, strlen(s), &ms), MP_OK);
	assert_int_equal(ms, 951868799500 + 5400000);
	s = "0001-01-01T00:00:00Z"; /* Go's zero time */
	assert_int_equal(mp_lb_rjson_time_parse(s, strlen(s), &ms), MP_OK);
	assert_int_equal(ms, -62135596800000);
	static const char *const bad[] = { "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z",
					   "2024-01-01T00:00:00", "2024-01-01 00:00:00Z", "2024-01-01T00:00:00.Z",
					   "2024-01-01T00:00:00+0800", "2024-01-01T00:00:00Zx", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mp_lb_rjson_time_parse(bad[i], strlen(bad[i]), &ms), MP_ERR_INVAL);
	char out[40];
	assert_int_equal(mp_lb_rjson_time_format(1725507587826, out, sizeof(out)), 24);
	assert_string_equal(out, "2024-09-05T03:39:47.826Z");
}

/* Issue 16: an IPv6 origin and its IPv6 and TLS endpoints survive the Redis record (no Redis needed). */
static void ipv6_and_tls_endpoints_round_trip_through_the_server_record(void **state)
{
	static const char body[] = "{\"ip\":\"2001:db8::1\",\"server\":\"s6\",\"service\":\"v\",\"pid\":\"7\","
				   "\"rtmp\":[\"[2001:db8::2]:1935\",\"rtmps://[2001:db8::2]:1443\"],\"http\":[\"https://8088\"],"
				   "\"api\":[\"1985\"],\"rtc\":[\"udp://[::]:8000\"]}";
	struct mp_registration reg, back;
	int64_t at = 0;
	bool has_at = false;
	char why[128], *json;

	(void)state;
	assert_int_equal(mp_registration_parse(body, sizeof(body) - 1, &reg, why, sizeof(why)), MP_OK);
	json = mp_lb_rjson_server_encode(&reg, 1725507587826);
	assert_non_null(json);
	assert_non_null(strstr(json, "\"tcp://[2001:db8::2]:1935\""));
	assert_non_null(strstr(json, "\"tls://[2001:db8::2]:1443\""));
	assert_non_null(strstr(json, "\"tls://8088\""));
	assert_int_equal(mp_lb_rjson_server_decode(json, strlen(json), &back, &at, &has_at, NULL), MP_OK);
	mp_lb_rjson_free(json);
	assert_int_equal(back.ip_v6, 1);
	assert_memory_equal(back.ip6, reg.ip6, 16);
	assert_int_equal(back.ipv4, 0);
	for (int p = 0; p < MP_PROTO__COUNT; p++) {
		assert_int_equal(back.n_ep[p], reg.n_ep[p]);
		for (unsigned i = 0; i < reg.n_ep[p]; i++) {
			assert_int_equal(back.ep[p][i].port, reg.ep[p][i].port);
			assert_int_equal(back.ep[p][i].v6, reg.ep[p][i].v6);
			assert_memory_equal(back.ep[p][i].ip6, reg.ep[p][i].ip6, 16);
			assert_int_equal(back.ep[p][i].scheme == MP_EP_TLS, reg.ep[p][i].scheme == MP_EP_TLS);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc3339_times_parse_with_zones_and_fractions),
		cmocka_unit_test(config_reads_the_srs_proxy_environment),
		cmocka_unit_test(ipv6_and_tls_endpoints_round_trip_through_the_server_record),
		cmocka_unit_test_setup(origin_registered_on_a_is_published_in_go_json_and_picked_on_b, test_setup),
		cmocka_unit_test_setup(stream_picked_on_a_is_pinned_to_the_same_origin_on_b, test_setup),
		cmocka_unit_test_setup(worker_pick_is_local_then_published_by_poll_and_loses_to_an_earlier_pick,
				       test_setup),
		cmocka_unit_test_setup(picks_made_on_a_reach_b_workers_through_the_url_scan, test_setup),
		cmocka_unit_test_setup(hls_spbhid_stored_on_a_is_readable_on_b, test_setup),
		cmocka_unit_test_setup(webrtc_username_stored_on_a_is_readable_on_b, test_setup),
		cmocka_unit_test_setup(origin_delete_and_drain_on_a_are_honoured_by_b, test_setup),
		cmocka_unit_test_setup(srt_session_of_a_is_taken_over_by_b_with_its_nat_port, test_setup),
		cmocka_unit_test_setup(webrtc_session_of_a_is_taken_over_by_b_with_its_nat_port, test_setup),
		cmocka_unit_test_setup(a_port_a_peer_took_over_is_not_reused_while_the_peer_serves_it, test_setup),
		cmocka_unit_test_setup(ipv6_origin_sessions_are_taken_over_by_address_ipv6_clients_are_not_shared, test_setup),
		cmocka_unit_test_setup(webrtc_username_of_an_ipv6_origin_names_its_media_by_address, test_setup),
		cmocka_unit_test_setup(fleet_renewal_renews_ttls_and_writes_gone_or_changed_records_again, test_setup),
		cmocka_unit_test_setup(fleet_renewal_is_spread_over_turns_serves_lookups_meanwhile_and_renews_every_record,
				       test_setup),
		cmocka_unit_test_setup(async_commands_run_in_order_and_each_callback_once, test_setup),
		cmocka_unit_test_setup(redis_thread_publishes_what_other_threads_queue, test_setup),
		cmocka_unit_test_setup(records_written_by_the_go_proxy_are_read_back, test_setup),
		cmocka_unit_test_setup(expired_and_bad_server_records_leave_the_list_and_do_not_stop_the_others,
				       test_setup),
		cmocka_unit_test_setup(key_prefix_separates_fleets, test_setup),
		cmocka_unit_test_setup(password_and_db_select_are_used_and_a_wrong_password_runs_locally, test_setup),
		cmocka_unit_test_setup(redis_killed_keeps_local_state_working_and_gets_it_back_on_restart, test_setup),
		cmocka_unit_test_setup(stalled_redis_costs_one_failed_command_then_picks_are_local, test_setup),
		cmocka_unit_test_setup(ice_username_in_use_has_its_redis_ttl_renewed, test_setup),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
