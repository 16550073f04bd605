/* lb_redis_picks.c: stream pins and ICE usernames between Redis and the local tables, the worker queue. */
#include <stdio.h>
#include <stdlib.h>

#include "lb_redis_internal.h"
#include "mp_error.h"
#include "mp_log.h"

/* A glob pattern matching prefix + srs-proxy-url: + anything (glob characters in the prefix escaped). */
static void mp_rds_url_pattern(const struct mp_rds *r, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *p = r->pfx; *p != '\0' && o + 2 < cap; p++) {
		if (strchr("*?[]\\", *p) != NULL)
			out[o++] = '\\';
		out[o++] = *p;
	}
	snprintf(out + o, cap - o, "%s*", MP_RDS_URL);
}

int mp_rds_mirror_picks(struct mp_rds *r, uint64_t now)
{
	struct mp_lb *lb = r->lb;
	if (r->cfg.scan_count == 0)
		return 0;
	char pattern[2 * MP_LB_REDIS_PREFIX_MAX + 32];
	mp_rds_url_pattern(r, pattern, sizeof(pattern));
	redisReply *rep = mp_rds_cmd(r, now, "SCAN %s MATCH %s COUNT %u", r->scan_cursor, pattern,
				     r->cfg.scan_count);
	if (rep == NULL)
		return MP_ERR_REDIS;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 || rep->element[0]->type != REDIS_REPLY_STRING ||
	    rep->element[0]->len >= sizeof(r->scan_cursor) || rep->element[1]->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(rep);
		snprintf(r->scan_cursor, sizeof(r->scan_cursor), "0");
		return 0;
	}
	memcpy(r->scan_cursor, rep->element[0]->str, rep->element[0]->len + 1);
	const redisReply *keys = rep->element[1];
	int changed = 0;
	size_t skip = strlen(r->pfx) + strlen(MP_RDS_URL);
	for (size_t i = 0; i < keys->elements; i += MP_RDS_BATCH) {
		size_t m = keys->elements - i < MP_RDS_BATCH ? keys->elements - i : MP_RDS_BATCH;
		const char *argv[MP_RDS_BATCH + 1];
		size_t argl[MP_RDS_BATCH + 1];
		argv[0] = "MGET";
		argl[0] = 4;
		for (size_t j = 0; j < m; j++) {
			argv[j + 1] = keys->element[i + j]->str;
			argl[j + 1] = keys->element[i + j]->len;
		}
		redisReply *vals = mp_rds_argv(r, now, (int)m + 1, argv, argl);
		if (vals == NULL) {
			freeReplyObject(rep);
			return MP_ERR_REDIS;
		}
		for (size_t j = 0; vals->type == REDIS_REPLY_ARRAY && j < vals->elements && j < m; j++) {
			const redisReply *k = keys->element[i + j], *v = vals->element[j];
			if (k->type != REDIS_REPLY_STRING || k->len <= skip || v->type != REDIS_REPLY_STRING ||
			    strlen(k->str) != k->len || strlen(v->str) != v->len)
				continue;
			const char *stream = k->str + skip, *id = mp_rds_server_id(r, v->str);
			/* Only origins known here (refresh_origins brings the rest in). */
			const struct mp_lb_origin *o = id != NULL ? mp_lb_origin_find(lb, id) : NULL;
			uint32_t cur;
			if (o == NULL || !mp_lb_origin_alive(lb, o, now) ||
			    (mp_lb_pick_peek(lb, stream, &cur) == MP_OK && cur == o->id))
				continue;
			if (mp_lb_local_pick_set(lb, stream, o->id) == MP_OK) {
				r->st.picks_mirrored++;
				changed++;
			}
		}
		freeReplyObject(vals);
	}
	freeReplyObject(rep);
	return changed;
}

int mp_rds_publish_pick(struct mp_rds *r, const char *stream, uint64_t now)
{
	struct mp_lb *lb = r->lb;
	char key[MP_RDS_KEY_MAX], mine[MP_RDS_KEY_MAX];
	uint32_t id;
	if (mp_lb_pick_peek(lb, stream, &id) != MP_OK)
		return MP_ERR_NOTFOUND;
	const struct mp_lb_origin *o = mp_lb_origin_get(lb, id);
	if (o == NULL || mp_rds_key(r, key, sizeof(key), MP_RDS_URL, stream) != MP_OK ||
	    mp_rds_key(r, mine, sizeof(mine), MP_RDS_SERVER, o->key) != MP_OK)
		return MP_ERR_NOTFOUND;
	redisReply *rep = mp_rds_cmd(r, now, "SET %s %s NX", key, mine);
	if (rep == NULL)
		return MP_ERR_REDIS;
	bool set = rep->type == REDIS_REPLY_STATUS;
	freeReplyObject(rep);
	if (set) {
		r->st.picks_published++;
		return MP_OK;
	}
	/* Someone pinned it first: follow theirs if its origin is alive, else replace it. */
	if ((rep = mp_rds_cmd(r, now, "GET %s", key)) == NULL)
		return MP_ERR_REDIS;
	char theirs[MP_RDS_KEY_MAX] = "";
	if (rep->type == REDIS_REPLY_STRING && rep->len < sizeof(theirs))
		memcpy(theirs, rep->str, rep->len + 1);
	freeReplyObject(rep);
	if (strcmp(theirs, mine) == 0)
		return MP_OK;
	const struct mp_lb_origin *t = theirs[0] ? mp_rds_origin_by_key(r, theirs, now) : NULL;
	if (t != NULL && mp_lb_origin_alive(lb, t, now)) {
		if (mp_lb_local_pick_set(lb, stream, t->id) == MP_OK)
			r->st.picks_adopted++;
		return MP_OK;
	}
	if ((rep = mp_rds_cmd(r, now, "SET %s %s", key, mine)) == NULL)
		return MP_ERR_REDIS;
	freeReplyObject(rep);
	r->st.picks_published++;
	return MP_OK;
}

int mp_rds_ufrag_fetch(struct mp_rds *r, const char *username, uint64_t now, struct mp_lb_webrtc *out)
{
	struct mp_lb *lb = r->lb;
	char key[MP_RDS_KEY_MAX], stream[MP_LB_STREAM_MAX], ufrag[MP_LB_USERNAME_MAX], pwd[MP_LB_ICE_PWD_MAX];
	if (mp_rds_key(r, key, sizeof(key), MP_RDS_UFRAG, username) != MP_OK)
		return MP_ERR_NOTFOUND;
	redisReply *rep = mp_rds_cmd(r, now, "GET %s", key);
	if (rep == NULL)
		return MP_ERR_NOTFOUND;
	int rc = rep->type == REDIS_REPLY_STRING ? mp_lb_rjson_rtc_decode(rep->str, rep->len, stream, ufrag, pwd)
						 : MP_ERR_NOTFOUND;
	uint32_t mip = 0;
	uint16_t mport = 0;
	uint8_t mip6[16];
	if (rc == MP_OK && mp_lb_rjson_rtc_media(rep->str, rep->len, &mip, mip6, &mport) == MP_OK && mip == 0)
		mip = mp_lb_origin6_standin(lb, mip6); /* an IPv6 origin: by our own stand-in, 0 if unknown here */
	freeReplyObject(rep);
	if (rc != MP_OK) {
		if (rc != MP_ERR_NOTFOUND)
			r->st.bad_records++;
		return MP_ERR_NOTFOUND;
	}
	/* The record names the stream only: its origin is the stream's pick, and the media address
	 * that origin's first RTC endpoint (what the Go proxy's connectBackend does). */
	struct mp_lb_target t;
	rc = mp_rds_pick_shared(r, stream, MP_PROTO_RTC, now, &t);
	if (rc == MP_ERR_REDIS)
		rc = mp_lb_local_pick(lb, stream, MP_PROTO_RTC, now, &t);
	if (rc != MP_OK)
		return rc;
	/* The media address the origin answered with (mediaplane's "media"), when it is the picked
	 * origin's: its registered RTC port may not be the one it answered (a record in Redis is
	 * anyone's: never another host). */
	const struct mp_lb_origin *o = mp_lb_origin_get(lb, t.origin_id);
	if (mip != 0 && o != NULL && o->uid == t.origin_uid && (mip == t.ipv4 || mip == o->ipv4)) {
		t.ipv4 = mip;
		t.port = mport;
	}
	rc = mp_lb_local_webrtc_store(lb, username, pwd, stream, t.origin_id, t.ipv4, t.port, now);
	if (rc != MP_OK)
		return rc;
	r->st.remote_hits++;
	if (out == NULL)
		return MP_OK;
	return mp_lb_local_webrtc_load(lb, username, now, out);
}

int mp_rds_drain(struct mp_rds *r, uint64_t now, unsigned int budget)
{
	struct mp_rds_req q;
	int n = 0;
	while (budget-- > 0 && rte_ring_sc_dequeue_elem(r->queue, &q, sizeof(q)) == 0) {
		q.s[sizeof(q.s) - 1] = '\0';
		if (!atomic_load(&r->up))
			continue; /* picks are written back on reconnect; ICE misses will be asked again */
		struct mp_lb_webrtc w;
		struct mp_lb_hls h;
		switch (q.kind) {
		case MP_RDS_REQ_PICK:
			mp_rds_publish_pick(r, q.s, now);
			break;
		case MP_RDS_REQ_UFRAG:
			if (mp_lb_webrtc_find(r->lb, q.s, q.len) == NULL)
				mp_rds_ufrag_fetch(r, q.s, now, NULL);
			break;
		case MP_RDS_REQ_ORIGIN:
			mp_rds_origin_publish_req(r, &q, now);
			break;
		case MP_RDS_REQ_WEBRTC:
			if (mp_lb_local_webrtc_load(r->lb, q.s, now, &w) == MP_OK)
				mp_rds_webrtc_publish(r, w.username, w.ice_pwd, w.stream, w.origin_id, w.media_ipv4,
						      w.media_port, now);
			break;
		case MP_RDS_REQ_HLS:
			if (mp_lb_hls_by_stream(r->lb, q.s, now, &h) == MP_OK)
				mp_rds_hls_publish(r, &h, true, now);
			break;
		case MP_RDS_REQ_SPBHID:
			if (mp_lb_local_hls_by_spbhid(r->lb, q.s, now, NULL) == MP_ERR_NOTFOUND)
				mp_rds_spbhid_fetch(r, q.s, now, NULL);
			break;
		case MP_RDS_REQ_ORIGIN_DEL:
			mp_rds_origin_del_redis(r, q.s, now);
			break;
		case MP_RDS_REQ_DRAIN:
			mp_rds_origin_drain_redis(r, q.s, q.id != 0, now);
			break;
		case MP_RDS_REQ_SESSION:
		case MP_RDS_REQ_SESS_MISS:
			mp_rds_fleet_req(r, &q, now);
			break;
		default:
			break;
		}
		n++;
	}
	return n;
}
