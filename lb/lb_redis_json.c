/* lb_redis_json.c: encode and decode the SRS proxy's Redis values (cJSON); pure, no DPDK. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "endpoint.h"
#include "ipv6.h"
#include "lb_redis_json.h"
#include "mp_error.h"

/* JSON field names of the Go structs SRSServer, HLSPlayStream and RTCConnection (proxy/srs.go,
 * proxy/http.go, proxy/rtc.go), in enum mp_reg_proto order for the endpoint arrays. */
static const char *const mp_rjson_ep_field[MP_PROTO__COUNT] = { "rtmp", "http", "api", "srt", "rtc" };

/* ---- RFC 3339 time ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days inverse, computed by
 * 400-year eras of 146097 days). */
static int64_t mp_rjson_days(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void mp_rjson_civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	unsigned doe = (unsigned)(days - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool mp_rjson_digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

static bool mp_rjson_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int mp_lb_rjson_time_parse(const char *s, size_t len, int64_t *unix_ms)
{
	/* RFC 3339 section 5.6: full-date "T" full-time; time-offset "Z" / ("+" / "-") HH ":" MM. */
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned Y, M, D, h, m, sec, oh = 0, om = 0;
	if (s == NULL || unix_ms == NULL || len < 20)
		return MP_ERR_INVAL;
	if (!mp_rjson_digits(s, 4, &Y) || s[4] != '-' || !mp_rjson_digits(s + 5, 2, &M) || s[7] != '-' ||
	    !mp_rjson_digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't') ||
	    !mp_rjson_digits(s + 11, 2, &h) || s[13] != ':' || !mp_rjson_digits(s + 14, 2, &m) ||
	    s[16] != ':' || !mp_rjson_digits(s + 17, 2, &sec))
		return MP_ERR_INVAL;
	if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || (M == 2 && D == 29 && !mp_rjson_leap(Y)) ||
	    h > 23 || m > 59 || sec > 60) /* 60: a leap second, counted as the next second */
		return MP_ERR_INVAL;
	size_t i = 19;
	unsigned ms = 0;
	if (i < len && s[i] == '.') {
		size_t start = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (i - start < 3)
				ms = ms * 10 + (unsigned)(s[i] - '0');
			i++;
		}
		if (i == start || i - start > 9)
			return MP_ERR_INVAL;
		for (size_t k = i - start; k < 3; k++)
			ms *= 10;
	}
	int sign = 0;
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i + 6 <= len && (s[i] == '+' || s[i] == '-')) {
		sign = s[i] == '+' ? 1 : -1;
		if (!mp_rjson_digits(s + i + 1, 2, &oh) || s[i + 3] != ':' || !mp_rjson_digits(s + i + 4, 2, &om) ||
		    oh > 23 || om > 59)
			return MP_ERR_INVAL;
		i += 6;
	} else {
		return MP_ERR_INVAL;
	}
	if (i != len)
		return MP_ERR_INVAL;
	int64_t t = mp_rjson_days(Y, M, D) * 86400 + (int64_t)h * 3600 + m * 60 + sec;
	t -= sign * ((int64_t)oh * 3600 + om * 60);
	*unix_ms = t * 1000 + ms;
	return MP_OK;
}

int mp_lb_rjson_time_format(int64_t unix_ms, char *out, size_t cap)
{
	int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : -((-unix_ms + 999) / 1000);
	unsigned ms = (unsigned)(unix_ms - secs * 1000);
	int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	unsigned rem = (unsigned)(secs - days * 86400);
	int64_t y;
	unsigned mo, d;
	mp_rjson_civil(days, &y, &mo, &d);
	if (y < 0 || y > 9999)
		return MP_ERR_INVAL;
	int n = snprintf(out, cap, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", (unsigned)y, mo, d, rem / 3600,
			 rem / 60 % 60, rem % 60, ms);
	if (n < 0 || (size_t)n >= cap)
		return MP_ERR_NOSPACE;
	return n;
}

/* ---- helpers ---- */

static cJSON *mp_rjson_parse(const char *json, size_t len)
{
	if (json == NULL || len == 0)
		return NULL;
	return cJSON_ParseWithLength(json, len);
}

/* Copy string field name of o into dst (cap bytes with NUL). Absent: MP_ERR_NOTFOUND; not a
 * string: MP_ERR_INVAL; too long or containing NUL: MP_ERR_TOOLONG / MP_ERR_INVAL. */
static int mp_rjson_str(const cJSON *o, const char *name, char *dst, size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (v == NULL || cJSON_IsNull(v))
		return MP_ERR_NOTFOUND;
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return MP_ERR_INVAL;
	size_t n = strlen(v->valuestring);
	if (n >= cap)
		return MP_ERR_TOOLONG;
	memcpy(dst, v->valuestring, n + 1);
	return MP_OK;
}

static int mp_rjson_str_required(const cJSON *o, const char *name, char *dst, size_t cap)
{
	int rc = mp_rjson_str(o, name, dst, cap);
	if (rc == MP_ERR_NOTFOUND || (rc == MP_OK && dst[0] == '\0'))
		return MP_ERR_INVAL;
	return rc;
}

static char *mp_rjson_print(cJSON *root)
{
	char *s = root != NULL ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	return s;
}

/* Add name: s unless s is empty (Go's omitempty). False when out of memory. */
static bool mp_rjson_add_str(cJSON *o, const char *name, const char *s)
{
	return s[0] == '\0' || cJSON_AddStringToObject(o, name, s) != NULL;
}

void mp_lb_rjson_free(char *s)
{
	cJSON_free(s);
}

/* ---- srs-proxy-server:<id> ---- */

static void mp_rjson_endpoints(const cJSON *arr, struct mp_registration *reg, enum mp_reg_proto p,
			       unsigned int *skipped)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, arr) {
		if (!cJSON_IsString(e) || e->valuestring == NULL ||
		    reg->n_ep[p] >= MP_REG_MAX_ENDPOINTS ||
		    mp_endpoint_parse(e->valuestring, strlen(e->valuestring), &reg->ep[p][reg->n_ep[p]]) != MP_OK) {
			(*skipped)++;
			continue;
		}
		reg->n_ep[p]++;
	}
}

int mp_lb_rjson_server_decode(const char *json, size_t len, struct mp_registration *reg,
			      int64_t *update_at_ms, bool *has_update_at, unsigned int *skipped)
{
	unsigned int dummy = 0;
	if (reg == NULL || update_at_ms == NULL || has_update_at == NULL)
		return MP_ERR_INVAL;
	if (skipped == NULL)
		skipped = &dummy;
	memset(reg, 0, sizeof(*reg));
	*has_update_at = false;
	cJSON *root = mp_rjson_parse(json, len);
	if (root == NULL)
		return MP_ERR_INVAL;
	int rc = MP_ERR_INVAL;
	if (!cJSON_IsObject(root))
		goto out;
	if ((rc = mp_rjson_str_required(root, "ip", reg->ip, sizeof(reg->ip))) != MP_OK ||
	    (rc = mp_rjson_str_required(root, "server_id", reg->server, sizeof(reg->server))) != MP_OK ||
	    (rc = mp_rjson_str_required(root, "service_id", reg->service, sizeof(reg->service))) != MP_OK ||
	    (rc = mp_rjson_str_required(root, "pid", reg->pid, sizeof(reg->pid))) != MP_OK)
		goto out;
	rc = mp_rjson_str(root, "device_id", reg->device_id, sizeof(reg->device_id));
	if (rc != MP_OK && rc != MP_ERR_NOTFOUND)
		goto out;
	rc = MP_ERR_INVAL;
	if (mp_registration_set_ip(reg) != MP_OK)
		goto out;
	for (int p = 0; p < MP_PROTO__COUNT; p++) {
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, mp_rjson_ep_field[p]);
		if (arr == NULL || cJSON_IsNull(arr))
			continue;
		if (!cJSON_IsArray(arr))
			goto out;
		mp_rjson_endpoints(arr, reg, (enum mp_reg_proto)p, skipped);
	}
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(root, "mp_weight");
	if (cJSON_IsNumber(w) && w->valuedouble >= 0 && w->valuedouble <= 1e6) {
		reg->has_weight = 1;
		reg->weight = (uint32_t)w->valuedouble;
	}
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "update_at");
	if (cJSON_IsString(t) && t->valuestring != NULL &&
	    mp_lb_rjson_time_parse(t->valuestring, strlen(t->valuestring), update_at_ms) == MP_OK)
		*has_update_at = true;
	rc = MP_OK;
out:
	cJSON_Delete(root);
	return rc;
}

/* One endpoint, re-readable by mp_endpoint_parse and by the Go proxy's parseListenEndpoint (a bare
 * port, or exactly three ':'-separated parts: "udp://0.0.0.0:8000"; it cannot read "ip:port"). An
 * address without a scheme gets its protocol's: UDP for SRT and WebRTC, TCP for the others. */
static void mp_rjson_endpoint_text(const struct mp_endpoint *ep, enum mp_reg_proto p, char *out, size_t cap)
{
	char ip[48];
	if (ep->scheme == MP_EP_TLS) { /* mediaplane's own form; the Go proxy reads no TLS endpoint */
		mp_endpoint_format(ep, out, cap);
		return;
	}
	if (ep->scheme == MP_EP_ANY && ep->ipv4 == 0 && !ep->v6) {
		snprintf(out, cap, "%u", ep->port);
		return;
	}
	bool udp = ep->scheme == MP_EP_UDP || (ep->scheme == MP_EP_ANY && (p == MP_PROTO_SRT || p == MP_PROTO_RTC));
	if (ep->v6) { /* "[2001:db8::1]" (the Go proxy's parser cannot read it; it reads no IPv6 at all) */
		ip[0] = '[';
		mp_ipv6_format(ep->ip6, ip + 1, sizeof(ip) - 2);
		strcat(ip, "]");
	} else {
		mp_ipv4_format(ep->ipv4, ip, sizeof(ip));
	}
	snprintf(out, cap, "%s://%s:%u", udp ? "udp" : "tcp", ip, ep->port);
}

char *mp_lb_rjson_server_encode(const struct mp_registration *reg, int64_t update_at_ms)
{
	char buf[64];
	cJSON *root = cJSON_CreateObject();
	if (root == NULL)
		return NULL;
	if (!mp_rjson_add_str(root, "ip", reg->ip) || !mp_rjson_add_str(root, "device_id", reg->device_id) ||
	    !mp_rjson_add_str(root, "server_id", reg->server) ||
	    !mp_rjson_add_str(root, "service_id", reg->service) || !mp_rjson_add_str(root, "pid", reg->pid))
		goto fail;
	for (int p = 0; p < MP_PROTO__COUNT; p++) {
		uint8_t n = reg->n_ep[p] <= MP_REG_MAX_ENDPOINTS ? reg->n_ep[p] : MP_REG_MAX_ENDPOINTS;
		if (n == 0)
			continue;
		cJSON *arr = cJSON_AddArrayToObject(root, mp_rjson_ep_field[p]);
		if (arr == NULL)
			goto fail;
		for (uint8_t i = 0; i < n; i++) {
			mp_rjson_endpoint_text(&reg->ep[p][i], (enum mp_reg_proto)p, buf, sizeof(buf));
			cJSON *s = cJSON_CreateString(buf);
			if (s == NULL)
				goto fail;
			cJSON_AddItemToArray(arr, s);
		}
	}
	/* mediaplane's own: an operator's pick weight (0: drain); the SRS proxy ignores it */
	if (reg->has_weight && cJSON_AddNumberToObject(root, "mp_weight", reg->weight) == NULL)
		goto fail;
	if (mp_lb_rjson_time_format(update_at_ms, buf, sizeof(buf)) < 0 ||
	    cJSON_AddStringToObject(root, "update_at", buf) == NULL)
		goto fail;
	return mp_rjson_print(root);
fail:
	cJSON_Delete(root);
	return NULL;
}

/* ---- srs-proxy-all-servers ---- */

int mp_lb_rjson_keys_decode(const char *json, size_t len,
			    void (*on_key)(const char *key, size_t key_len, void *arg), void *arg)
{
	cJSON *root = mp_rjson_parse(json, len);
	if (root == NULL)
		return MP_ERR_INVAL;
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return MP_ERR_INVAL;
	}
	int n = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, root) {
		if (!cJSON_IsString(e) || e->valuestring == NULL || e->valuestring[0] == '\0')
			continue;
		if (on_key != NULL)
			on_key(e->valuestring, strlen(e->valuestring), arg);
		n++;
	}
	cJSON_Delete(root);
	return n;
}

char *mp_lb_rjson_keys_encode(const char *const *keys, size_t n)
{
	cJSON *root = cJSON_CreateArray();
	if (root == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		cJSON *s = cJSON_CreateString(keys[i]);
		if (s == NULL) {
			cJSON_Delete(root);
			return NULL;
		}
		cJSON_AddItemToArray(root, s);
	}
	return mp_rjson_print(root);
}

/* ---- HLS and WebRTC records ---- */

int mp_lb_rjson_hls_decode(const char *json, size_t len, struct mp_lb_hls *out)
{
	if (out == NULL)
		return MP_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	cJSON *root = mp_rjson_parse(json, len);
	if (root == NULL)
		return MP_ERR_INVAL;
	int rc = MP_ERR_INVAL;
	if (cJSON_IsObject(root) &&
	    (rc = mp_rjson_str_required(root, "spbhid", out->spbhid, sizeof(out->spbhid))) == MP_OK &&
	    (rc = mp_rjson_str_required(root, "stream_url", out->stream, sizeof(out->stream))) == MP_OK) {
		rc = mp_rjson_str(root, "full_url", out->full_url, sizeof(out->full_url));
		if (rc == MP_ERR_NOTFOUND)
			rc = MP_OK;
	}
	cJSON_Delete(root);
	return rc;
}

char *mp_lb_rjson_hls_encode(const struct mp_lb_hls *h)
{
	/* HLSPlayStream has no omitempty: every field is written. */
	cJSON *root = cJSON_CreateObject();
	if (root == NULL || cJSON_AddStringToObject(root, "spbhid", h->spbhid) == NULL ||
	    cJSON_AddStringToObject(root, "stream_url", h->stream) == NULL ||
	    cJSON_AddStringToObject(root, "full_url", h->full_url) == NULL) {
		cJSON_Delete(root);
		return NULL;
	}
	return mp_rjson_print(root);
}

int mp_lb_rjson_rtc_decode(const char *json, size_t len, char stream[MP_LB_STREAM_MAX],
			   char username[MP_LB_USERNAME_MAX], char ice_pwd[MP_LB_ICE_PWD_MAX])
{
	if (stream == NULL || username == NULL || ice_pwd == NULL)
		return MP_ERR_INVAL;
	stream[0] = username[0] = ice_pwd[0] = '\0';
	cJSON *root = mp_rjson_parse(json, len);
	if (root == NULL)
		return MP_ERR_INVAL;
	int rc = MP_ERR_INVAL;
	if (cJSON_IsObject(root) &&
	    (rc = mp_rjson_str_required(root, "stream_url", stream, MP_LB_STREAM_MAX)) == MP_OK)
		rc = mp_rjson_str_required(root, "ufrag", username, MP_LB_USERNAME_MAX);
	if (rc == MP_OK) {
		rc = mp_rjson_str(root, "ice_pwd", ice_pwd, MP_LB_ICE_PWD_MAX);
		if (rc == MP_ERR_NOTFOUND)
			rc = MP_OK;
	}
	cJSON_Delete(root);
	return rc;
}

char *mp_lb_rjson_rtc_encode(const char *stream, const char *username, const char *ice_pwd)
{
	return mp_lb_rjson_rtc_encode_media(stream, username, ice_pwd, 0, NULL, 0);
}

char *mp_lb_rjson_rtc_encode_media(const char *stream, const char *username, const char *ice_pwd,
				   uint32_t media_ipv4, const uint8_t *media_ip6, uint16_t media_port)
{
	struct mp_endpoint ep = { .ipv4 = media_ipv4, .port = media_port, .v6 = media_ip6 != NULL };
	char media[64];
	int have = 0;

	if (media_ip6 != NULL)
		memcpy(ep.ip6, media_ip6, 16);
	if (media_port != 0 && (ep.v6 ? !mp_ip6_is_unspecified(ep.ip6) : media_ipv4 != 0))
		have = mp_endpoint_format(&ep, media, sizeof(media)) > 0;
	cJSON *root = cJSON_CreateObject();
	if (root == NULL || cJSON_AddStringToObject(root, "stream_url", stream) == NULL ||
	    cJSON_AddStringToObject(root, "ufrag", username) == NULL ||
	    (ice_pwd != NULL && ice_pwd[0] != '\0' && cJSON_AddStringToObject(root, "ice_pwd", ice_pwd) == NULL) ||
	    (have && cJSON_AddStringToObject(root, "media", media) == NULL)) {
		cJSON_Delete(root);
		return NULL;
	}
	return mp_rjson_print(root);
}

int mp_lb_rjson_rtc_media(const char *json, size_t len, uint32_t *ipv4, uint8_t ip6[16], uint16_t *port)
{
	char media[64];
	struct mp_endpoint ep;
	*ipv4 = 0;
	*port = 0;
	memset(ip6, 0, 16);
	cJSON *root = mp_rjson_parse(json, len);
	if (root == NULL)
		return MP_ERR_INVAL;
	int rc = cJSON_IsObject(root) ? mp_rjson_str(root, "media", media, sizeof(media)) : MP_ERR_INVAL;
	cJSON_Delete(root);
	if (rc != MP_OK)
		return rc;
	if (mp_endpoint_parse(media, strlen(media), &ep) != MP_OK || ep.port == 0 || ep.scheme == MP_EP_TLS)
		return MP_ERR_INVAL;
	if (ep.v6) {
		if (mp_ip6_is_unspecified(ep.ip6))
			return MP_ERR_INVAL;
		memcpy(ip6, ep.ip6, 16);
	} else if ((ep.ipv4 >> 24) == 0) {
		return MP_ERR_INVAL; /* 0.0.0.0/8: none, or a stand-in of the appliance that wrote it */
	} else {
		*ipv4 = ep.ipv4;
	}
	*port = ep.port;
	return MP_OK;
}
