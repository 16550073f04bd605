/* fuzz_srt_relay.c: what the SRT relay derives from a client's handshake: the rebuilt INDUCTION parses back with
 * the CONCLUSION's fields, a cookie rewrite changes only the cookie, a rejection parses back with its reason,
 * the stream key is a bounded string, and srt_default_stream's SID added to a CONCLUSION without one parses back
 * with that stream id and every other block as it was. */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "dp_srt_msg.h"
#include "srt.h"

static uint8_t copy[65536], with_sid[65536 + 600];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_srt_handshake hs, back;
	struct mp_stream_url url;
	uint8_t out[MP_SRT_HS_LEN];
	uint32_t cookie, reason;
	int n;

	if (size > sizeof(copy) || mp_srt_hs_parse(data, size, &hs) != MP_OK)
		return 0;
	/* The INDUCTION replayed to the origin. */
	if (mp_dp_srt_induction_from(&hs, out) != MP_SRT_HS_LEN || mp_srt_hs_parse(out, sizeof(out), &back) != MP_OK)
		abort();
	if (back.hs_type != MP_SRT_HS_INDUCTION || back.version != 4 || back.cookie != 0 || back.isn != hs.isn ||
	    back.mtu != hs.mtu || back.flow_window != hs.flow_window || back.socket_id != hs.socket_id ||
	    back.dst_sockid != 0 || memcmp(back.peer_ip, hs.peer_ip, 16))
		abort();
	/* The cookie rewrite of replays and answers: only those 4 bytes change. */
	cookie = size >= 4 ? (uint32_t)data[size - 1] << 24 | data[size - 2] << 16 | data[size - 3] << 8 | data[size - 4] : 1;
	memcpy(copy, data, size);
	if (mp_srt_hs_set_cookie(copy, size, cookie) != MP_OK)
		abort();
	if (memcmp(copy, data, MP_SRT_HS_COOKIE_OFF) ||
	    memcmp(copy + MP_SRT_HS_COOKIE_OFF + 4, data + MP_SRT_HS_COOKIE_OFF + 4, size - MP_SRT_HS_COOKIE_OFF - 4))
		abort();
	if (mp_srt_hs_parse(copy, size, &back) != MP_OK || back.cookie != cookie)
		abort();
	/* The rejection sent to the client. */
	reason = 1000 + data[size - 1] % 8;
	n = mp_srt_hs_build_reject(&hs, reason, 7, out, sizeof(out));
	if (n != MP_SRT_HS_LEN || mp_srt_hs_parse(out, (size_t)n, &back) != MP_OK ||
	    mp_srt_hs_reject_reason(back.hs_type) != (int)reason || back.dst_sockid != hs.socket_id)
		abort();
	/* The stream it names. */
	if (mp_dp_srt_stream_of(&hs, &url) == MP_OK && strnlen(url.key, sizeof(url.key)) >= sizeof(url.key))
		abort();
	/* A default stream id added (srt_default_stream): the same packet plus one SID block. */
	n = mp_srt_hs_add_streamid(data, size, "#!::r=live/livestream,m=publish", 31, with_sid, sizeof(with_sid));
	if (n >= 0) {
		char sid[MP_SRT_STREAMID_MAX + 1];
		size_t sid_len;

		if (n != (int)size + 36 || memcmp(with_sid + MP_SRT_HS_LEN, data + MP_SRT_HS_LEN, size - MP_SRT_HS_LEN) ||
		    mp_srt_hs_parse(with_sid, (size_t)n, &back) != MP_OK || back.n_ext != hs.n_ext + 1 ||
		    mp_srt_hs_streamid(&back, sid, sizeof(sid), &sid_len) != MP_OK || sid_len != 31 ||
		    !(back.extension & MP_SRT_HS_EXT_CONFIG))
			abort();
	}
	return 0;
}
