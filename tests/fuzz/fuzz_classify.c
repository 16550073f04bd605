/* fuzz_classify.c: raw frames into the data plane's classifier, the WebRTC payload checks it runs on a
 * session miss or a DTLS record (RFC 7983 demux, STUN USERNAME, DTLS alert), and the NAT rewrite
 * (never crash, never overread). */
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "demux.h"
#include "dtls.h"
#include "rewrite.h"
#include "stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	struct mp_iface ifc = { .ip = 0x7f000001, .prefix = 8, .webrtc_port = 8000, .srt_port = 10080,
				.nat_port_min = 32768, .nat_port_max = 65535 };
	struct mp_pkt pkt;
	enum mp_verdict v;
	uint8_t *f;

	if (size > 65536)
		return 0;
	/* An exact-size heap copy, so ASan sees any read past the frame. The first byte picks a VLAN. */
	f = malloc(size ? size : 1);
	memcpy(f, data, size);
	memcpy(ifc.mac, mac, 6);
	ifc.vlan_id = size && (data[0] & 1) ? 100 : 0;
	v = mp_classify(f, size, &ifc, &pkt);
	if (v == MP_V_WEBRTC || v == MP_V_SRT || v == MP_V_NAT) {
		const uint8_t *p = f + pkt.payload_off, *user;
		size_t ulen;

		if ((size_t)pkt.payload_off + pkt.payload_len > size)
			abort();
		/* what dp_webrtc.c / dp_nat.c read of the payload, bounded by payload_len */
		if (mp_demux_classify(p, pkt.payload_len) == MP_DEMUX_STUN &&
		    mp_stun_binding_username(p, pkt.payload_len, &user, &ulen) == MP_OK &&
		    (user < p || user + ulen > p + pkt.payload_len))
			abort();
		if (pkt.payload_len && p[0] == MP_DTLS_CT_ALERT && mp_dtls_alert(p, pkt.payload_len) > MP_DTLS_ALERT_ENCRYPTED)
			abort();
		mp_udp_rewrite(f, &pkt, mac, mac, 0x0a000001, 1234, 0x0a000002, 5678);
	}
	if (v == MP_V_DROP && pkt.drop >= MP_DROP__COUNT)
		abort();
	free(f);
	return 0;
}
