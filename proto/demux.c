/* demux.c: names of the RFC 7983 demultiplexing classes (the classifier is inline in demux.h). */
#include "demux.h"

const char *mp_demux_name(int kind)
{
	static const char *const names[MP_DEMUX__COUNT] = {
		[MP_DEMUX_OTHER] = "other",
		[MP_DEMUX_STUN] = "stun",
		[MP_DEMUX_ZRTP] = "zrtp",
		[MP_DEMUX_DTLS] = "dtls",
		[MP_DEMUX_TURN_CHANNEL] = "turn-channel",
		[MP_DEMUX_RTP] = "rtp",
		[MP_DEMUX_RTCP] = "rtcp",
	};

	if (kind < 0 || kind >= MP_DEMUX__COUNT)
		return "unknown";
	return names[kind];
}
