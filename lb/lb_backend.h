/* lb_backend.h: what a balancer backend (memory, Redis) implements, and the local tables it builds on. */
#ifndef MP_LB_BACKEND_H
#define MP_LB_BACKEND_H

#include "lb.h"

/*
 * The shared state of the SRS proxy's load balancer (origins, picks, ICE usernames, SPBHIDs) goes
 * through these operations; the data-plane session tables never do. The memory backend is the
 * local tables themselves. A Redis backend writes through to Redis and mirrors what it reads into
 * the local tables with the mp_lb_local_* functions below, so the data plane only ever reads local
 * tables and keeps forwarding when Redis goes away.
 *
 * Contract: `pick` may be called from worker lcores and must not block (answer from the local
 * tables; publish asynchronously). The others run on control-plane threads and may block.
 * Every operation may be NULL: the local function is used.
 */
struct mp_lb_backend_ops {
	const char *name;
	int (*origin_update)(struct mp_lb *lb, void *ctx, const struct mp_registration *reg, uint64_t now);
	int (*pick)(struct mp_lb *lb, void *ctx, const char *stream, enum mp_reg_proto proto, uint64_t now,
		    struct mp_lb_target *out);
	int (*webrtc_store)(struct mp_lb *lb, void *ctx, const char *username, const char *ice_pwd,
			    const char *stream, uint32_t origin_id, uint32_t media_ipv4, uint16_t media_port, uint64_t now);
	int (*webrtc_load)(struct mp_lb *lb, void *ctx, const char *username, uint64_t now,
			   struct mp_lb_webrtc *out);
	int (*hls_load_or_store)(struct mp_lb *lb, void *ctx, const char *stream, const char *spbhid,
				 const char *full_url, uint64_t now, struct mp_lb_hls *out);
	int (*hls_by_spbhid)(struct mp_lb *lb, void *ctx, const char *spbhid, uint64_t now,
			     struct mp_lb_hls *out);
	/* An operator's weight for an origin (mp_lb_origin_set_weight). */
	int (*origin_weight)(struct mp_lb *lb, void *ctx, const char *key, uint32_t weight, uint64_t now);
	/* After an operator's "origin del" / "origin drain" changed the local tables (MP_OK): share
	 * it. NULL: local only. */
	void (*origin_removed)(struct mp_lb *lb, void *ctx, const char *key);
	void (*origin_drained)(struct mp_lb *lb, void *ctx, const char *key, bool draining);
	/* Periodic, after the local expiry in mp_lb_sync; returns entries changed or an error. */
	int (*sync)(struct mp_lb *lb, void *ctx, uint64_t now);
	/* Called by mp_lb_destroy before the tables go. */
	void (*fini)(struct mp_lb *lb, void *ctx);
};

/* The memory backend: every operation local. */
extern const struct mp_lb_backend_ops mp_lb_memory_backend;

/* Local tables (no backend). Same contracts as the mp_lb_* functions of the same name. */
int mp_lb_local_origin_update(struct mp_lb *lb, const struct mp_registration *reg, uint64_t now);
int mp_lb_local_origin_weight(struct mp_lb *lb, const char *key, uint32_t weight);
int mp_lb_local_pick(struct mp_lb *lb, const char *stream, enum mp_reg_proto proto, uint64_t now,
		     struct mp_lb_target *out);
int mp_lb_local_origin_remove(struct mp_lb *lb, const char *key);
int mp_lb_local_origin_drain(struct mp_lb *lb, const char *key, bool draining);
/* Pin stream to origin_id (mirroring a pick made elsewhere). MP_ERR_NOTFOUND if the id is unknown. */
int mp_lb_local_pick_set(struct mp_lb *lb, const char *stream, uint32_t origin_id);
int mp_lb_local_webrtc_store(struct mp_lb *lb, const char *username, const char *ice_pwd, const char *stream,
			     uint32_t origin_id, uint32_t media_ipv4, uint16_t media_port, uint64_t now);
int mp_lb_local_webrtc_load(struct mp_lb *lb, const char *username, uint64_t now,
			    struct mp_lb_webrtc *out);
int mp_lb_local_hls_load_or_store(struct mp_lb *lb, const char *stream, const char *spbhid,
				  const char *full_url, uint64_t now, struct mp_lb_hls *out);
int mp_lb_local_hls_by_spbhid(struct mp_lb *lb, const char *spbhid, uint64_t now,
			      struct mp_lb_hls *out);
/* The backend context given to mp_lb_create_with. */
void *mp_lb_backend_ctx(struct mp_lb *lb);

#endif
