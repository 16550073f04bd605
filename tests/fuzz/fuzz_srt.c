/* fuzz_srt.c: SRT classification and handshake parse, with build(parse(x)) == x and the builders. */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "srt.h"
#include "srt_streamid.h"

static uint8_t out[2048];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_srt_pkt p;
	struct mp_srt_handshake hs;
	struct mp_srt_hsreq r;
	struct mp_srt_streamid id;
	char sid[MP_SRT_STREAMID_MAX + 1];
	size_t sid_len;
	uint32_t dst;
	int n;

	if (mp_srt_classify(data, size, &p) == MP_OK) {
		if (mp_srt_dst_socket(data, size, &dst) != MP_OK || dst != p.dst_sockid)
			abort();
		(void)mp_srt_ctrl_name(p.ctrl_type);
	}
	if (mp_srt_hs_parse(data, size, &hs) != MP_OK)
		return 0;
	(void)mp_srt_hs_type_name(hs.hs_type);
	(void)mp_srt_reject_name(mp_srt_hs_reject_reason(hs.hs_type));
	n = mp_srt_hs_build(&hs, out, sizeof(out));
	if (size <= sizeof(out) && (n != (int)size || memcmp(out, data, size) != 0))
		abort(); /* the round trip is exact */
	for (unsigned i = 0; i < hs.n_ext; i++) {
		if (hs.ext[i].type == MP_SRT_EXT_HSREQ || hs.ext[i].type == MP_SRT_EXT_HSRSP)
			if (mp_srt_hsreq_decode(&hs.ext[i], &r) != MP_OK)
				abort();
	}
	if (mp_srt_hs_streamid(&hs, sid, sizeof(sid), &sid_len) == MP_OK) {
		if (sid_len > MP_SRT_STREAMID_MAX || strlen(sid) != sid_len)
			abort();
		(void)mp_srt_streamid_parse(sid, sid_len, &id);
	}
	(void)mp_srt_hs_build_reject(&hs, MP_SRT_REJX_NOTFOUND, hs.timestamp, out, sizeof(out));
	(void)mp_srt_hs_build_induction_response(&hs, 0x12345678u, hs.peer_ip, 1, out, sizeof(out));
	if (size <= sizeof(out)) {
		memcpy(out, data, size);
		if (mp_srt_hs_set_cookie(out, size, 0xdeadbeefu) != MP_OK)
			abort();
	}
	return 0;
}
