/* lb_redis_json.h: the SRS proxy's Redis values (server, all-servers, HLS, WebRTC) to and from JSON. */
#ifndef MP_LB_REDIS_JSON_H
#define MP_LB_REDIS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb.h"

/* No DPDK here: the fuzz target links these alone. Decoders take len bytes (not NUL-terminated),
 * return MP_OK or a negative mp_err, never read past len and never abort. Encoders return a
 * malloc'd NUL-terminated compact JSON string (free with mp_lb_rjson_free), NULL when out of memory. */

/* RFC 3339 section 5.6 date-time ("2024-09-05T11:39:47.826383+08:00", "...Z") to Unix milliseconds
 * (fraction truncated). Go's time.Time marshals as RFC 3339 with up to 9 fraction digits. */
int mp_lb_rjson_time_parse(const char *s, size_t len, int64_t *unix_ms);
/* Unix milliseconds as "YYYY-MM-DDTHH:MM:SS.mmmZ"; returns the length or MP_ERR_NOSPACE. */
int mp_lb_rjson_time_format(int64_t unix_ms, char *out, size_t cap);

/* srs-proxy-server:<id>, the Go SRSServer: {"ip","device_id","server_id","service_id","pid","rtmp":[],
 * "http":[],"api":[],"srt":[],"rtc":[],"update_at"}. Decoding requires ip (IPv4), server_id,
 * service_id and pid; endpoint strings that mp_endpoint_parse refuses are skipped and counted in
 * *skipped (may be NULL), as are endpoints beyond MP_REG_MAX_ENDPOINTS. *update_at_ms is set when
 * update_at is present and valid (*has_update_at tells). Unknown fields are ignored. */
int mp_lb_rjson_server_decode(const char *json, size_t len, struct mp_registration *reg,
			      int64_t *update_at_ms, bool *has_update_at, unsigned int *skipped);
/* Empty strings and endpoint arrays are omitted, as Go's omitempty does. Endpoints are written in
 * forms both mp_endpoint_parse and the Go proxy read: "1935", "udp://0.0.0.0:8000",
 * "tcp://10.0.0.1:1935" (an "ip:port" endpoint, as SRS registers it, gets its protocol's scheme). */
char *mp_lb_rjson_server_encode(const struct mp_registration *reg, int64_t update_at_ms);

/* srs-proxy-all-servers: a JSON array of strings. on_key is called for each string element (other
 * elements are skipped); returns the number of keys or a negative mp_err. */
int mp_lb_rjson_keys_decode(const char *json, size_t len,
			    void (*on_key)(const char *key, size_t key_len, void *arg), void *arg);
char *mp_lb_rjson_keys_encode(const char *const *keys, size_t n);

/* srs-proxy-hls:<stream> and srs-proxy-spbhid:<spbhid>: {"spbhid","stream_url","full_url"}.
 * spbhid and stream_url are required and non-empty; full_url may be absent. MP_ERR_TOOLONG when a
 * field does not fit struct mp_lb_hls. */
int mp_lb_rjson_hls_decode(const char *json, size_t len, struct mp_lb_hls *out);
char *mp_lb_rjson_hls_encode(const struct mp_lb_hls *h);

/* srs-proxy-rtc:<stream> and srs-proxy-ufrag:<username>: {"stream_url","ufrag"}, both required,
 * and mediaplane's extra "ice_pwd" (the answer's a=ice-pwd, which verifies the client's STUN checks):
 * optional, "" when absent (the SRS proxy writes none and ignores it). */
int mp_lb_rjson_rtc_decode(const char *json, size_t len, char stream[MP_LB_STREAM_MAX],
			   char username[MP_LB_USERNAME_MAX], char ice_pwd[MP_LB_ICE_PWD_MAX]);
/* ice_pwd NULL or "": the field is left out. */
char *mp_lb_rjson_rtc_encode(const char *stream, const char *username, const char *ice_pwd);
/* The same with mediaplane's extra "media", the origin's media address from its answer: "a.b.c.d:port",
 * or with media_ip6 (network order, not NULL) "[v6]:port"; left out when there is no address or port.
 * Another appliance sends the client's media there, when the address is its origin's. */
char *mp_lb_rjson_rtc_encode_media(const char *stream, const char *username, const char *ice_pwd,
				   uint32_t media_ipv4, const uint8_t *media_ip6, uint16_t media_port);
/* "media" of such a record: an IPv4 address into *ipv4 (ip6 zeroed), or an IPv6 one into ip6 (*ipv4
 * 0). MP_OK, MP_ERR_NOTFOUND when absent, MP_ERR_INVAL when malformed or an address in 0.0.0.0/8 (a
 * stand-in: another appliance's own numbering, meaningless here). */
int mp_lb_rjson_rtc_media(const char *json, size_t len, uint32_t *ipv4, uint8_t ip6[16], uint16_t *port);

void mp_lb_rjson_free(char *s);

#endif
