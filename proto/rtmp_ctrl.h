/* rtmp_ctrl.h: RTMP protocol control messages (types 1, 2, 3, 5, 6; RTMP spec 1.0 section 5.4) and
 * User Control messages (type 4; section 7.1.7): parse from a message, build as chunked bytes. */
#ifndef MP_PROTO_RTMP_CTRL_H
#define MP_PROTO_RTMP_CTRL_H

#include <stddef.h>
#include <stdint.h>

#include "rtmp_chunk.h"

/* User Control event types, spec 1.0 section 7.1.7. */
enum mp_rtmp_uc_event {
	MP_RTMP_UC_STREAM_BEGIN = 0,
	MP_RTMP_UC_STREAM_EOF = 1,
	MP_RTMP_UC_STREAM_DRY = 2,
	MP_RTMP_UC_SET_BUFFER_LENGTH = 3, /* data: stream id, buffer length in ms */
	MP_RTMP_UC_STREAM_IS_RECORDED = 4,
	MP_RTMP_UC_PING_REQUEST = 6,      /* data: timestamp */
	MP_RTMP_UC_PING_RESPONSE = 7,
};

/* SetPeerBandwidth limit types, spec 1.0 section 5.4.5. */
enum mp_rtmp_bw_limit { MP_RTMP_BW_HARD = 0, MP_RTMP_BW_SOFT = 1, MP_RTMP_BW_DYNAMIC = 2 };

/* One control message. value means: SetChunkSize the chunk size, Abort the chunk stream id,
 * Ack the sequence number, WindowAckSize / SetPeerBandwidth the window; for User Control, event
 * is the event type and value (value2) the first (second) 4 bytes of event data. */
struct mp_rtmp_ctrl {
	uint8_t type;       /* MP_RTMP_MSG_SET_CHUNK_SIZE .. MP_RTMP_MSG_SET_PEER_BANDWIDTH */
	uint8_t limit_type; /* SetPeerBandwidth only */
	uint16_t event;     /* User Control only */
	uint32_t value;
	uint32_t value2;    /* User Control SetBufferLength: buffer length in ms */
};

/* Parse a message of type 1..6. Returns MP_OK, MP_ERR_INVAL (not a control type),
 * MP_ERR_TRUNCATED (payload too short) or MP_ERR_PROTO (SetChunkSize 0 or with its top bit set). */
int mp_rtmp_ctrl_parse(const struct mp_rtmp_msg *m, struct mp_rtmp_ctrl *out);

/* Build the payload (at most 10 bytes) of c. Returns its length or MP_ERR_INVAL / MP_ERR_NOSPACE. */
int mp_rtmp_ctrl_payload(const struct mp_rtmp_ctrl *c, uint8_t *out, size_t cap);

/* Build c as a whole chunked message on chunk stream 2, message stream 0, timestamp 0
 * (spec 1.0 section 5.4), split with chunk_size (the size this side currently writes with).
 * Returns bytes written or a negative error; 32 bytes are always enough for chunk_size >= 10. */
int mp_rtmp_ctrl_write(const struct mp_rtmp_ctrl *c, uint32_t chunk_size, uint8_t *out, size_t cap);

#endif
