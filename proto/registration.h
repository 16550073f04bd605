/* registration.h: the SRS origin heartbeat body POSTed to /api/v1/srs/register (cJSON). */
#ifndef MP_PROTO_REGISTRATION_H
#define MP_PROTO_REGISTRATION_H

#include <stddef.h>
#include <stdint.h>

#include "endpoint.h"

#define MP_REG_MAX_ENDPOINTS 8   /* per protocol; more are an error, not silently dropped */
#define MP_REG_MAX_FIELD 128     /* device_id, server, service, pid, ip */

enum mp_reg_proto { MP_PROTO_RTMP = 0, MP_PROTO_HTTP, MP_PROTO_API, MP_PROTO_SRT, MP_PROTO_RTC, MP_PROTO__COUNT };

/* The load an SRS origin reports in its heartbeat (`summaries on`: summaries.data.system), for
 * least-load picks. known is 0 when the body has no summaries. */
struct mp_reg_load {
	uint8_t known;
	float cpu_percent; /* system.cpu_percent, 0..100 per machine */
	float load_1m;     /* system.load_1m */
	uint16_t cpus;     /* system.cpus (0: not given) */
	uint32_t conn_srs; /* system.conn_srs: connections SRS holds */
};

struct mp_registration {
	char device_id[MP_REG_MAX_FIELD];
	char ip[MP_REG_MAX_FIELD];
	uint32_t ipv4; /* ip parsed, host order; 0 when ip is IPv6 */
	uint8_t ip_v6;    /* 1: ip is an IPv6 address, in ip6 */
	uint8_t ip6[16];  /* network order */
	char server[MP_REG_MAX_FIELD];
	char service[MP_REG_MAX_FIELD];
	char pid[MP_REG_MAX_FIELD];
	struct mp_endpoint ep[MP_PROTO__COUNT][MP_REG_MAX_ENDPOINTS];
	uint8_t n_ep[MP_PROTO__COUNT];
	struct mp_reg_load load;
	/* An operator's pick weight carried with the origin (Redis record "mp_weight"); never from an
	 * SRS heartbeat. has_weight 0: keep what the appliance has. */
	uint8_t has_weight;
	uint32_t weight;
};

/* Parse a registration body. Optional summaries.data.system fills load (fields that are not
 * numbers are left 0; a body without summaries leaves load.known 0). Required: ip (IPv4 or IPv6), server, service, pid (a JSON string).
 * device_id optional; endpoint arrays optional, each element a string in an mp_endpoint_parse form.
 * Unknown fields are ignored. On error returns a negative mp_err and writes a one-line reason
 * (e.g. "field 'pid' must be a string") into reason. */
int mp_registration_parse(const char *body, size_t len, struct mp_registration *out,
			  char *reason, size_t reason_cap);

/* Parse r->ip into ipv4, or ip_v6 and ip6 (an IPv4-mapped IPv6 address is IPv4); every source of an
 * origin (registration, Redis, CLI, default backend) reads the address this way. MP_OK or MP_ERR_INVAL. */
int mp_registration_set_ip(struct mp_registration *r);

/* Identity key "server-service-pid"; returns length or MP_ERR_NOSPACE. */
int mp_registration_id(const struct mp_registration *r, char *out, size_t cap);

/* "rtmp", "http", "api", "srt", "rtc" */
const char *mp_proto_name(enum mp_reg_proto p);

#endif
