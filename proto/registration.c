/* registration.c: parse the SRS origin heartbeat body (/api/v1/srs/register) with cJSON. */
#include "registration.h"
#include "json_body.h"
#include "mp_error.h"
#include "mp_escape.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const proto_names[MP_PROTO__COUNT] = { "rtmp", "http", "api", "srt", "rtc" };

const char *mp_proto_name(enum mp_reg_proto p)
{
	return (unsigned)p < MP_PROTO__COUNT ? proto_names[p] : "unknown";
}

/* Write the reason (if the caller gave a buffer) and return err. */
static int fail(char *reason, size_t cap, int err, const char *fmt, ...)
{
	va_list ap;

	if (reason && cap > 0) {
		va_start(ap, fmt);
		vsnprintf(reason, cap, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* True when a JSON string in body escapes a NUL ("\u0000"): cJSON would end the string there. */
static bool has_nul_escape(const char *body, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (body[i] != '\\')
			continue;
		if (body[i + 1] == 'u' && i + 5 < len && !memcmp(body + i + 2, "0000", 4))
			return true;
		i++; /* the escaped character is not an escape itself */
	}
	return false;
}

/* Copy the string field name into dst[MP_REG_MAX_FIELD]. required: absent or null is an error;
 * otherwise absent/null leaves dst empty. Empty strings are refused for required fields, as the
 * SRS proxy does ("empty ip"). */
static int get_string(const cJSON *root, const char *name, int required, char *dst, char *reason,
		      size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);
	size_t n;

	dst[0] = '\0';
	if (!v || cJSON_IsNull(v)) {
		if (required)
			return fail(reason, cap, MP_ERR_INVAL, "missing field '%s'", name);
		return MP_OK;
	}
	if (!cJSON_IsString(v) || !v->valuestring)
		return fail(reason, cap, MP_ERR_INVAL, "field '%s' must be a string", name);
	n = strlen(v->valuestring);
	if (n > MP_REG_MAX_FIELD - 1)
		return fail(reason, cap, MP_ERR_TOOLONG, "field '%s' longer than %d bytes", name,
			    MP_REG_MAX_FIELD - 1);
	if (n == 0 && required)
		return fail(reason, cap, MP_ERR_INVAL, "field '%s' is empty", name);
	/* Names go to logs, Redis and the operator's terminal: no control byte (ESC, CR, LF...). */
	if (mp_has_control(v->valuestring, n))
		return fail(reason, cap, MP_ERR_INVAL, "field '%s' holds a control character", name);
	memcpy(dst, v->valuestring, n + 1);
	return MP_OK;
}

/* Parse the optional endpoint array of protocol p. */
static int get_endpoints(const cJSON *root, enum mp_reg_proto p, struct mp_registration *r,
			 char *reason, size_t cap)
{
	const char *name = proto_names[p];
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, name);
	const cJSON *el;
	int i = 0;

	if (!arr || cJSON_IsNull(arr))
		return MP_OK;
	if (!cJSON_IsArray(arr))
		return fail(reason, cap, MP_ERR_INVAL, "field '%s' must be an array of strings", name);
	cJSON_ArrayForEach(el, arr) {
		if (i >= MP_REG_MAX_ENDPOINTS)
			return fail(reason, cap, MP_ERR_TOOLONG, "field '%s' has more than %d endpoints", name,
				    MP_REG_MAX_ENDPOINTS);
		if (!cJSON_IsString(el) || !el->valuestring)
			return fail(reason, cap, MP_ERR_INVAL, "field '%s[%d]' must be a string", name, i);
		if (mp_endpoint_parse(el->valuestring, strlen(el->valuestring), &r->ep[p][i]) != MP_OK)
			return fail(reason, cap, MP_ERR_INVAL,
				    "field '%s[%d]' is not an endpoint (port, ip:port or scheme://ip:port)",
				    name, i);
		i++;
	}
	r->n_ep[p] = (uint8_t)i;
	return MP_OK;
}

/* A number in obj (>= 0 and finite), else 0. */
static double get_number(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	double d = cJSON_IsNumber(v) ? v->valuedouble : 0;

	return d >= 0 && d < 1e12 ? d : 0;
}

/* summaries.data.system of SRS 7's heartbeat (`summaries on`): what a least-load pick reads.
 * Anything missing or of another shape is no load information, never an error. */
static void get_load(const cJSON *root, struct mp_reg_load *l)
{
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(root, "summaries");
	const cJSON *data = cJSON_IsObject(sum) ? cJSON_GetObjectItemCaseSensitive(sum, "data") : NULL;
	const cJSON *sys = cJSON_IsObject(data) ? cJSON_GetObjectItemCaseSensitive(data, "system") : NULL;
	double cpus;

	if (!cJSON_IsObject(sys))
		return;
	l->known = 1;
	l->cpu_percent = (float)get_number(sys, "cpu_percent");
	l->load_1m = (float)get_number(sys, "load_1m");
	cpus = get_number(sys, "cpus");
	l->cpus = cpus < 65535 ? (uint16_t)cpus : 65535;
	l->conn_srs = (uint32_t)(get_number(sys, "conn_srs") < 4e9 ? get_number(sys, "conn_srs") : 4e9);
}

static int parse_object(const cJSON *root, struct mp_registration *r, char *reason, size_t cap)
{
	int rc;

	/* Required fields first, in the order the SRS proxy checks them (proxy/api.go). */
	if ((rc = get_string(root, "ip", 1, r->ip, reason, cap)) != MP_OK ||
	    (rc = get_string(root, "server", 1, r->server, reason, cap)) != MP_OK ||
	    (rc = get_string(root, "service", 1, r->service, reason, cap)) != MP_OK ||
	    (rc = get_string(root, "pid", 1, r->pid, reason, cap)) != MP_OK ||
	    (rc = get_string(root, "device_id", 0, r->device_id, reason, cap)) != MP_OK)
		return rc;
	if (mp_registration_set_ip(r) != MP_OK)
		return fail(reason, cap, MP_ERR_INVAL, "field 'ip' is not an IPv4 or IPv6 address");
	for (int p = 0; p < MP_PROTO__COUNT; p++)
		if ((rc = get_endpoints(root, (enum mp_reg_proto)p, r, reason, cap)) != MP_OK)
			return rc;
	get_load(root, &r->load);
	return MP_OK;
}

int mp_registration_parse(const char *body, size_t len, struct mp_registration *out,
			  char *reason, size_t reason_cap)
{
	cJSON *root;
	int rc;

	if (reason && reason_cap > 0)
		reason[0] = '\0';
	if (!out)
		return fail(reason, reason_cap, MP_ERR_INVAL, "no output");
	memset(out, 0, sizeof(*out));
	if (!body || len == 0)
		return fail(reason, reason_cap, MP_ERR_INVAL, "empty body");
	/* A NUL would cut a name short without a word (C strings): refuse it, raw or escaped. */
	if (memchr(body, 0, len))
		return fail(reason, reason_cap, MP_ERR_INVAL, "body holds a NUL byte");
	if (has_nul_escape(body, len))
		return fail(reason, reason_cap, MP_ERR_INVAL, "a string holds a NUL character (\\u0000)");
	root = mp_json_parse(body, len);
	if (!root)
		return fail(reason, reason_cap, MP_ERR_INVAL, "body is not JSON");
	if (!cJSON_IsObject(root))
		rc = fail(reason, reason_cap, MP_ERR_INVAL, "body is not a JSON object");
	else
		rc = parse_object(root, out, reason, reason_cap);
	cJSON_Delete(root);
	if (rc != MP_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

int mp_registration_set_ip(struct mp_registration *r)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	size_t n = strlen(r->ip);

	r->ipv4 = 0;
	r->ip_v6 = 0;
	memset(r->ip6, 0, sizeof(r->ip6));
	if (mp_ipv4_parse(r->ip, n, &r->ipv4) == MP_OK)
		return MP_OK;
	r->ipv4 = 0;
	if (mp_ipv6_parse(r->ip, n, r->ip6) != MP_OK) {
		memset(r->ip6, 0, sizeof(r->ip6));
		return MP_ERR_INVAL;
	}
	if (!memcmp(r->ip6, v4mapped, sizeof(v4mapped))) {
		r->ipv4 = (uint32_t)r->ip6[12] << 24 | (uint32_t)r->ip6[13] << 16 | (uint32_t)r->ip6[14] << 8 | r->ip6[15];
		memset(r->ip6, 0, sizeof(r->ip6));
		return MP_OK;
	}
	r->ip_v6 = 1;
	return MP_OK;
}

int mp_registration_id(const struct mp_registration *r, char *out, size_t cap)
{
	int n;

	if (!r || !out)
		return MP_ERR_INVAL;
	n = snprintf(out, cap, "%s-%s-%s", r->server, r->service, r->pid);
	if (n < 0 || (size_t)n >= cap)
		return MP_ERR_NOSPACE;
	return n;
}
