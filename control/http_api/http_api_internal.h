/* http_api_internal.h: state shared by the HTTP API's files (routes, offers, resources). */
#ifndef MP_HTTP_API_INTERNAL_H
#define MP_HTTP_API_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "lb.h"
#include "whip_relay.h"
#include "sdp.h"
#include "whip_resource.h"

struct mp_control;
struct evhttp_request;

struct mp_http_api_stats {
	uint64_t offers;      /* WHIP/WHEP/legacy offers received */
	uint64_t answers;     /* answers relayed with a stored ICE username */
	uint64_t no_origin;   /* 503: no origin for the stream */
	uint64_t origin_failed; /* 502: the origin did not answer or its answer was unusable */
	uint64_t origin_repicks; /* offers sent to another origin after theirs could not be reached */
	uint64_t passed;      /* origin's non-2xx answers passed through */
	uint64_t resources;   /* DELETE/PATCH relayed */
	uint64_t busy;        /* 503: too many requests waiting for origins */
	uint64_t redirected;  /* 307 to the origin's WHIP/WHEP URL (whip_redirect) */
};

struct mp_http_api {
	struct mp_control *c;
	struct mp_whip_relay *inflight;
	uint32_t n_inflight;
	struct mp_whip_resources *res;
	struct mp_http_api_stats st;
};

enum mp_api_call_kind { MP_CALL_WHIP, MP_CALL_LEGACY, MP_CALL_RESOURCE };

/* One relayed request and what its answer needs. */
struct mp_api_call {
	struct mp_whip_relay relay; /* first: the relay callbacks get this */
	struct mp_http_api *api;
	enum mp_api_call_kind kind;
	int method;                           /* enum evhttp_cmd_type */
	char stream[MP_LB_STREAM_MAX];
	uint32_t origin_id, origin_uid;
	uint8_t repicks;                      /* origins tried after the first could not be reached */
	uint32_t rtc_ipv4;                    /* the origin's registered rtc endpoint 0, or 0 */
	uint16_t rtc_port;
	char offer_ufrag[MP_SDP_ICE_MAX];
	char target[MP_WHIP_RES_TARGET_MAX];  /* resource calls: the request target */
	char username[MP_LB_USERNAME_MAX];    /* resource calls: the session's ICE username, if known */
};

/* Other origins an offer is sent to after its first one could not be reached. */
#define MP_API_CALL_REPICKS 2

struct mp_api_call *mp_api_call_new(struct mp_http_api *api, struct evhttp_request *req, enum mp_api_call_kind kind);
/* Start relaying call to the origin's api endpoint 0 with body; on failure answer 502 and free it. */
void mp_api_call_start(struct mp_api_call *call, const struct mp_lb_origin *org, const void *body, size_t len);

/* CORS headers on every HTTP API answer (as SRS does; srs_protocol_http_stack.cpp); the router adds
 * them before any handler runs, so handlers answer with mp_http_reply_error. */
void mp_http_api_cors(struct evhttp_request *req);

/* POST /rtc/v1/whip/, /rtc/v1/whep/ (legacy false) or /rtc/v1/publish/, /rtc/v1/play/ (true). */
void mp_http_api_offer(struct mp_http_api *api, struct evhttp_request *req, bool legacy);
/* DELETE or PATCH on a WHIP/WHEP resource URL. */
void mp_http_api_resource(struct mp_http_api *api, struct evhttp_request *req);

#endif
