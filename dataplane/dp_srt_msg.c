/* dp_srt_msg.c: the client's INDUCTION rebuilt from its CONCLUSION, and the stream key a CONCLUSION names. */
#include "dp_srt_msg.h"
#include "srt_streamid.h"

#include <string.h>

int mp_dp_srt_induction_from(const struct mp_srt_handshake *conc, uint8_t out[MP_SRT_HS_LEN])
{
	struct mp_srt_handshake ind;

	memset(&ind, 0, sizeof(ind));
	ind.timestamp = conc->timestamp;
	ind.version = 4;
	ind.extension = 2;
	ind.isn = conc->isn;
	ind.mtu = conc->mtu;
	ind.flow_window = conc->flow_window;
	ind.hs_type = MP_SRT_HS_INDUCTION;
	ind.socket_id = conc->socket_id;
	memcpy(ind.peer_ip, conc->peer_ip, 16);
	return mp_srt_hs_build(&ind, out, MP_SRT_HS_LEN);
}

int mp_dp_srt_stream_of(const struct mp_srt_handshake *conc, struct mp_stream_url *url)
{
	char text[MP_SRT_STREAMID_MAX + 1];
	struct mp_srt_streamid sid;
	size_t len;
	int rc = mp_srt_hs_streamid(conc, text, sizeof(text), &len);

	if (rc == MP_OK)
		rc = mp_srt_streamid_parse(text, len, &sid);
	if (rc == MP_OK)
		rc = mp_stream_url_from_srt(sid.resource.p, sid.resource.len, sid.host.p, sid.host.len, url);
	return rc;
}
