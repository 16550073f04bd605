/* flv_split.h: split an FLV byte stream, as it arrives in pieces, into whole units (file header, tags)
 * with each tag's class, so an HTTP-FLV relay can drop whole tags and never a part of one. */
#ifndef MP_PROTO_FLV_SPLIT_H
#define MP_PROTO_FLV_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a unit is, from its head (Adobe FLV spec v10.1 annex E.3-E.4.3; enhanced RTMP v2 ExHeader). */
enum mp_flv_class {
	MP_FLV_FILE_HEADER = 0, /* "FLV", version, flags, offset, PreviousTagSize0 */
	MP_FLV_SCRIPT,          /* tag type 18: onMetaData */
	MP_FLV_AUDIO_CONFIG,    /* AAC sequence header (AACPacketType 0), ExHeader SequenceStart */
	MP_FLV_AUDIO,
	MP_FLV_VIDEO_CONFIG,    /* AVC/HEVC sequence header (AVCPacketType 0), ExHeader SequenceStart */
	MP_FLV_VIDEO_KEY,       /* FrameType 1: a keyframe */
	MP_FLV_VIDEO,           /* any other video frame */
	MP_FLV_OTHER,           /* end of sequence, video info/command frames, other tag types */
};

#define MP_FLV_HEAD_MAX 16

struct mp_flv_split {
	uint8_t head[MP_FLV_HEAD_MAX]; /* the current unit's head, collected across pieces */
	uint8_t head_len;
	uint8_t head_need;
	uint8_t in_body;               /* the head is out; body bytes follow */
	uint8_t cls;                   /* enum mp_flv_class of the current unit */
	uint32_t body_left;            /* body + PreviousTagSize bytes still to come */
	uint64_t units;                /* units started (0: the file header comes first) */
};

/* One run of bytes of one unit: either the unit's head (p points into the splitter) or a part of its
 * body (p points into the input). The runs, in order, are exactly the input bytes. */
struct mp_flv_run {
	const uint8_t *p;
	size_t n;
	enum mp_flv_class cls;
	bool first;                    /* the first run of its unit: decide keep or drop here */
};

void mp_flv_split_init(struct mp_flv_split *s);

/* Take the next run from *buf / *len (advanced past what was consumed). Returns 1 with a run, 0 when
 * the input is used up (a partial head is kept in s), MP_ERR_PROTO when the stream is not FLV (no
 * "FLV" signature, a header offset below 9 or above 64 KB): that is only ever found in the file
 * header, before any run, and the bytes consumed so far are then s->head[0, s->head_len).
 * A tag's DataSize is 24 bits, so any length is accepted; the splitter never reads outside the input. */
int mp_flv_split_next(struct mp_flv_split *s, const uint8_t **buf, size_t *len, struct mp_flv_run *run);

#endif
