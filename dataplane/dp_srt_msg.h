/* dp_srt_msg.h: what the SRT relay derives from a client's handshake (pure: no DPDK, fuzzed on its own). */
#ifndef MP_DP_SRT_MSG_H
#define MP_DP_SRT_MSG_H

#include <stdint.h>

#include "srt.h"
#include "stream_url.h"

/* The caller's INDUCTION rebuilt from its CONCLUSION: the caller sends the same ISN, MTU, window,
 * socket id and peer address in both (draft-sharabayko-srt section 4.3.1.1); an INDUCTION is
 * version 4, socket type UDT_DGRAM (2), no cookie. Returns MP_SRT_HS_LEN or a negative mp_err. */
int mp_dp_srt_induction_from(const struct mp_srt_handshake *conc, uint8_t out[MP_SRT_HS_LEN]);

/* The stream a CONCLUSION asks for: its stream id extension, parsed (srt_streamid.h), turned into
 * the balancer's key (stream_url.h, mp_stream_url_from_srt). MP_OK or a negative mp_err. */
int mp_dp_srt_stream_of(const struct mp_srt_handshake *conc, struct mp_stream_url *url);

#endif
