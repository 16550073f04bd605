/* lb_memory.c: the memory backend: the shared balancer state is the local tables and nothing else. */
#include "lb_internal.h"

static int mp_lb_mem_origin_update(struct mp_lb *lb, void *ctx, const struct mp_registration *reg,
				   uint64_t now)
{
	(void)ctx;
	return mp_lb_local_origin_update(lb, reg, now);
}

static int mp_lb_mem_pick(struct mp_lb *lb, void *ctx, const char *stream, enum mp_reg_proto proto,
			  uint64_t now, struct mp_lb_target *out)
{
	(void)ctx;
	return mp_lb_local_pick(lb, stream, proto, now, out);
}

static int mp_lb_mem_webrtc_store(struct mp_lb *lb, void *ctx, const char *username, const char *ice_pwd,
				  const char *stream, uint32_t origin_id, uint32_t media_ipv4, uint16_t media_port,
				  uint64_t now)
{
	(void)ctx;
	return mp_lb_local_webrtc_store(lb, username, ice_pwd, stream, origin_id, media_ipv4, media_port, now);
}

static int mp_lb_mem_webrtc_load(struct mp_lb *lb, void *ctx, const char *username, uint64_t now,
				 struct mp_lb_webrtc *out)
{
	(void)ctx;
	return mp_lb_local_webrtc_load(lb, username, now, out);
}

static int mp_lb_mem_hls_load_or_store(struct mp_lb *lb, void *ctx, const char *stream, const char *spbhid,
				       const char *full_url, uint64_t now, struct mp_lb_hls *out)
{
	(void)ctx;
	return mp_lb_local_hls_load_or_store(lb, stream, spbhid, full_url, now, out);
}

static int mp_lb_mem_hls_by_spbhid(struct mp_lb *lb, void *ctx, const char *spbhid, uint64_t now,
				   struct mp_lb_hls *out)
{
	(void)ctx;
	return mp_lb_local_hls_by_spbhid(lb, spbhid, now, out);
}

const struct mp_lb_backend_ops mp_lb_memory_backend = {
	.name = "memory",
	.origin_update = mp_lb_mem_origin_update,
	.pick = mp_lb_mem_pick,
	.webrtc_store = mp_lb_mem_webrtc_store,
	.webrtc_load = mp_lb_mem_webrtc_load,
	.hls_load_or_store = mp_lb_mem_hls_load_or_store,
	.hls_by_spbhid = mp_lb_mem_hls_by_spbhid,
	.sync = NULL, /* nothing beyond the local expiry */
	.fini = NULL,
};
