/* fuzz_lb_redis_json.c: every Redis value decoder of the balancer (fleet session records too) on arbitrary bytes, and round trips. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"
#include "ipv6.h"
#include "lb_redis_internal.h"
#include "lb_redis_json.h"
#include "mp_error.h"

static void on_key(const char *key, size_t len, void *arg)
{
	size_t *total = arg;
	if (strlen(key) != len)
		abort();
	*total += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct mp_registration reg, again;
	int64_t at, at2;
	bool has, has2;
	unsigned int skipped = 0;

	if (mp_lb_rjson_server_decode(s, size, &reg, &at, &has, &skipped) == MP_OK) {
		/* What we decode, we write back and read the same (update_at to the millisecond). */
		int64_t when = has && at > -62135596800000 && at < 253402300799000 ? at : 0;
		char *json = mp_lb_rjson_server_encode(&reg, when);
		if (json != NULL) {
			if (mp_lb_rjson_server_decode(json, strlen(json), &again, &at2, &has2, NULL) != MP_OK || !has2 ||
			    at2 != when || again.ipv4 != reg.ipv4 || strcmp(again.server, reg.server) != 0 ||
			    strcmp(again.pid, reg.pid) != 0 || memcmp(again.n_ep, reg.n_ep, sizeof(reg.n_ep)) != 0)
				abort();
			for (int p = 0; p < MP_PROTO__COUNT; p++)
				for (int i = 0; i < reg.n_ep[p]; i++)
					if (again.ep[p][i].port != reg.ep[p][i].port || again.ep[p][i].ipv4 != reg.ep[p][i].ipv4)
						abort();
			mp_lb_rjson_free(json);
		}
	}
	size_t total = 0;
	mp_lb_rjson_keys_decode(s, size, on_key, &total);

	struct mp_lb_hls h, h2;
	if (mp_lb_rjson_hls_decode(s, size, &h) == MP_OK) {
		char *json = mp_lb_rjson_hls_encode(&h);
		if (json != NULL) {
			if (mp_lb_rjson_hls_decode(json, strlen(json), &h2) != MP_OK || strcmp(h.spbhid, h2.spbhid) != 0 ||
			    strcmp(h.stream, h2.stream) != 0 || strcmp(h.full_url, h2.full_url) != 0)
				abort();
			mp_lb_rjson_free(json);
		}
	}
	char stream[MP_LB_STREAM_MAX], user[MP_LB_USERNAME_MAX], pwd[MP_LB_ICE_PWD_MAX];
	if (mp_lb_rjson_rtc_decode(s, size, stream, user, pwd) == MP_OK) {
		char *json = mp_lb_rjson_rtc_encode(stream, user, pwd);
		char s2[MP_LB_STREAM_MAX], u2[MP_LB_USERNAME_MAX], p2[MP_LB_ICE_PWD_MAX];

		if (json != NULL) {
			if (mp_lb_rjson_rtc_decode(json, strlen(json), s2, u2, p2) != MP_OK || strcmp(stream, s2) != 0 ||
			    strcmp(user, u2) != 0 || strcmp(pwd, p2) != 0)
				abort();
			mp_lb_rjson_free(json);
		}
	}
	uint32_t mip, mip2;
	uint16_t mport, mport2;
	uint8_t mip6[16], mip62[16];
	if (mp_lb_rjson_rtc_media(s, size, &mip, mip6, &mport) == MP_OK) {
		/* MP_OK promises a port and one address, IPv4 outside 0.0.0.0/8 or IPv6; written back, the
		 * same media reads again */
		bool v6 = !mp_ip6_is_unspecified(mip6);
		if (mport == 0 || v6 == (mip != 0) || (mip != 0 && (mip >> 24) == 0))
			abort();
		char *json = mp_lb_rjson_rtc_encode_media("s", "u", NULL, mip, v6 ? mip6 : NULL, mport);
		if (json != NULL) {
			if (mp_lb_rjson_rtc_media(json, strlen(json), &mip2, mip62, &mport2) != MP_OK || mip2 != mip ||
			    mport2 != mport || memcmp(mip6, mip62, 16) != 0)
				abort();
			mp_lb_rjson_free(json);
		}
	}
	mp_lb_rjson_time_parse(s, size, &at);

	/* A fleet session record (anyone can write Redis): never a stand-in address (0.0.0.0/8) or a
	 * record without a port; what decodes, encodes and decodes the same. */
	struct mp_rds_fleet_rec r1, r2;
	if (mp_rds_fleet_decode(s, size, &r1) == MP_OK) {
		char out[1024];
		int n;
		if ((r1.client_ip >> 24) == 0 || (r1.service_ip >> 24) == 0 || r1.client_port == 0 ||
		    r1.origin_port == 0 || (r1.origin_ip != 0 && (r1.origin_ip >> 24) == 0))
			abort();
		n = mp_rds_fleet_encode(&r1, out, sizeof(out));
		if (n > 0 && (mp_rds_fleet_decode(out, (size_t)n, &r2) != MP_OK || memcmp(&r1, &r2, sizeof(r1)) != 0))
			abort();
	}
	return 0;
}
