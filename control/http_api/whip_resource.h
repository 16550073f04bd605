/* whip_resource.h: WHIP/WHEP resource URLs (the Location an origin returned) -> the origin that holds
 * the session, so DELETE and PATCH on it go back there. Bounded: the oldest entry of a probe run
 * makes room. Control-plane thread only. */
#ifndef MP_WHIP_RESOURCE_H
#define MP_WHIP_RESOURCE_H

#include <stdint.h>

#include "lb.h"

#define MP_WHIP_RES_TARGET_MAX 1024

struct mp_whip_res {
	char target[MP_WHIP_RES_TARGET_MAX]; /* request target the client uses: "/rtc/v1/whip/?action=delete&..." */
	char username[MP_LB_USERNAME_MAX];    /* the session's ICE username (removed on DELETE) */
	char stream[MP_LB_STREAM_MAX];
	uint32_t origin_id;
	uint32_t origin_uid;                  /* the origin's incarnation when the session was made */
	uint64_t used_ms;                     /* 0: free slot */
};

struct mp_whip_resources;

struct mp_whip_resources *mp_whip_res_create(uint32_t slots);
void mp_whip_res_destroy(struct mp_whip_resources *t);
/* Record (or replace) target; targets of MP_WHIP_RES_TARGET_MAX bytes or more are refused (MP_ERR_TOOLONG). */
int mp_whip_res_put(struct mp_whip_resources *t, const struct mp_whip_res *e, uint64_t now);
/* The entry for target, or NULL. Valid until the next put or del. */
const struct mp_whip_res *mp_whip_res_get(struct mp_whip_resources *t, const char *target);
void mp_whip_res_del(struct mp_whip_resources *t, const char *target);
uint32_t mp_whip_res_count(const struct mp_whip_resources *t);

#endif
