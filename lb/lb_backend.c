/* lb_backend.c: the public operations on shared balancer state, dispatched to the backend. */
#include "lb_internal.h"
#include "mp_error.h"

int mp_lb_origin_update(struct mp_lb *lb, const struct mp_registration *reg, uint64_t now)
{
	if (lb->ops->origin_update != NULL)
		return lb->ops->origin_update(lb, lb->bctx, reg, now);
	return mp_lb_local_origin_update(lb, reg, now);
}

int mp_lb_origin_set_weight(struct mp_lb *lb, const char *key, uint32_t weight, uint64_t now)
{
	if (lb->ops->origin_weight != NULL)
		return lb->ops->origin_weight(lb, lb->bctx, key, weight, now);
	return mp_lb_local_origin_weight(lb, key, weight);
}

int mp_lb_pick(struct mp_lb *lb, const char *stream, enum mp_reg_proto proto, uint64_t now,
	       struct mp_lb_target *out)
{
	if (lb->ops->pick != NULL)
		return lb->ops->pick(lb, lb->bctx, stream, proto, now, out);
	return mp_lb_local_pick(lb, stream, proto, now, out);
}

int mp_lb_webrtc_store(struct mp_lb *lb, const char *username, const char *ice_pwd, const char *stream,
		       uint32_t origin_id, uint32_t media_ipv4, uint16_t media_port, uint64_t now)
{
	if (lb->ops->webrtc_store != NULL)
		return lb->ops->webrtc_store(lb, lb->bctx, username, ice_pwd, stream, origin_id, media_ipv4, media_port,
					     now);
	return mp_lb_local_webrtc_store(lb, username, ice_pwd, stream, origin_id, media_ipv4, media_port, now);
}

int mp_lb_webrtc_load(struct mp_lb *lb, const char *username, uint64_t now, struct mp_lb_webrtc *out)
{
	if (lb->ops->webrtc_load != NULL)
		return lb->ops->webrtc_load(lb, lb->bctx, username, now, out);
	return mp_lb_local_webrtc_load(lb, username, now, out);
}

int mp_lb_hls_load_or_store(struct mp_lb *lb, const char *stream, const char *spbhid,
			    const char *full_url, uint64_t now, struct mp_lb_hls *out)
{
	if (lb->ops->hls_load_or_store != NULL)
		return lb->ops->hls_load_or_store(lb, lb->bctx, stream, spbhid, full_url, now, out);
	return mp_lb_local_hls_load_or_store(lb, stream, spbhid, full_url, now, out);
}

int mp_lb_hls_by_spbhid(struct mp_lb *lb, const char *spbhid, uint64_t now, struct mp_lb_hls *out)
{
	if (lb->ops->hls_by_spbhid != NULL)
		return lb->ops->hls_by_spbhid(lb, lb->bctx, spbhid, now, out);
	return mp_lb_local_hls_by_spbhid(lb, spbhid, now, out);
}

int mp_lb_origin_remove(struct mp_lb *lb, const char *key)
{
	int rc = mp_lb_local_origin_remove(lb, key);
	if (rc == MP_OK && lb->ops->origin_removed != NULL)
		lb->ops->origin_removed(lb, lb->bctx, key);
	return rc;
}

int mp_lb_origin_drain(struct mp_lb *lb, const char *key, bool draining)
{
	int rc = mp_lb_local_origin_drain(lb, key, draining);
	if (rc == MP_OK && lb->ops->origin_drained != NULL)
		lb->ops->origin_drained(lb, lb->bctx, key, draining);
	return rc;
}
