/* flv_split.c: FLV stream splitter: unit boundaries and tag classes across arbitrary pieces. */
#include "flv_split.h"
#include "byteorder.h"
#include "mp_error.h"

#include <string.h>

#define FLV_FILE_HEAD 13 /* 9-byte header (annex E.2) + PreviousTagSize0 */
#define FLV_TAG_HEAD 11  /* TagType, DataSize(24), Timestamp(24), TimestampExtended, StreamID(24) */

void mp_flv_split_init(struct mp_flv_split *s)
{
	memset(s, 0, sizeof(*s));
	s->head_need = FLV_FILE_HEAD;
}

/* Class from the tag head and its first one or two data bytes (n of them). */
static enum mp_flv_class tag_class(const uint8_t *h, size_t n)
{
	const uint8_t *d = h + FLV_TAG_HEAD;
	unsigned type = h[0] & 0x1f; /* bit 5 is the Filter (encryption) flag */

	if (type == 18)
		return MP_FLV_SCRIPT;
	if (type == 8) {
		if (n >= 1 && (d[0] >> 4) == 9) /* enhanced RTMP: SoundFormat 9 = ExHeader */
			return (d[0] & 0x0f) == 0 ? MP_FLV_AUDIO_CONFIG : MP_FLV_AUDIO;
		if (n >= 2 && (d[0] >> 4) == 10 && d[1] == 0) /* AAC, AACPacketType 0 (annex E.4.2.1) */
			return MP_FLV_AUDIO_CONFIG;
		return MP_FLV_AUDIO;
	}
	if (type == 9) {
		unsigned frame, pkt;

		if (n < 1)
			return MP_FLV_OTHER;
		if (d[0] & 0x80) { /* enhanced RTMP: IsExHeader, FrameType in bits 4-6, PacketType 0-3 */
			frame = (d[0] >> 4) & 7;
			pkt = d[0] & 0x0f;
			if (pkt == 0 || pkt == 5) /* SequenceStart, MPEG2TSSequenceStart */
				return MP_FLV_VIDEO_CONFIG;
			if (pkt == 2 || frame == 5) /* SequenceEnd, command frame */
				return MP_FLV_OTHER;
			return frame == 1 ? MP_FLV_VIDEO_KEY : MP_FLV_VIDEO;
		}
		frame = d[0] >> 4;
		if (n >= 2 && ((d[0] & 0x0f) == 7 || (d[0] & 0x0f) == 12)) { /* AVC, HEVC: AVCPacketType */
			if (d[1] == 0)
				return MP_FLV_VIDEO_CONFIG;
			if (d[1] == 2)
				return MP_FLV_OTHER; /* end of sequence */
		}
		if (frame == 5) /* video info/command frame */
			return MP_FLV_OTHER;
		return frame == 1 ? MP_FLV_VIDEO_KEY : MP_FLV_VIDEO;
	}
	return MP_FLV_OTHER;
}

/* The head is complete: check it, classify, set the body length. */
static int head_done(struct mp_flv_split *s)
{
	if (s->units == 0) {
		uint32_t off;

		if (memcmp(s->head, "FLV", 3) != 0)
			return MP_ERR_PROTO;
		off = mp_rd32(s->head + 5);
		if (off < 9 || off > 65536)
			return MP_ERR_PROTO;
		s->cls = MP_FLV_FILE_HEADER;
		s->body_left = off - 9; /* extra header bytes (none in FLV 1); PreviousTagSize0 is in the head */
	} else {
		uint32_t size = mp_rd24(s->head + 1);
		size_t got = s->head_len - FLV_TAG_HEAD;

		s->cls = (uint8_t)tag_class(s->head, got);
		s->body_left = size - (uint32_t)got + 4; /* the rest of the data, then PreviousTagSize */
	}
	s->units++;
	s->in_body = 1;
	return MP_OK;
}

int mp_flv_split_next(struct mp_flv_split *s, const uint8_t **buf, size_t *len, struct mp_flv_run *run)
{
	for (;;) {
		if (s->in_body == 1) { /* hand out the head first */
			run->p = s->head;
			run->n = s->head_len;
			run->cls = (enum mp_flv_class)s->cls;
			run->first = true;
			s->in_body = 2;
			return 1;
		}
		if (s->in_body == 2) {
			size_t n;

			if (s->body_left == 0) {
				s->in_body = 0;
				s->head_len = 0;
				s->head_need = FLV_TAG_HEAD;
				continue;
			}
			if (*len == 0)
				return 0;
			n = *len < s->body_left ? *len : s->body_left;
			run->p = *buf;
			run->n = n;
			run->cls = (enum mp_flv_class)s->cls;
			run->first = false;
			*buf += n;
			*len -= n;
			s->body_left -= (uint32_t)n;
			return 1;
		}
		/* collecting a head */
		while (s->head_len < s->head_need && *len > 0) {
			s->head[s->head_len++] = **buf;
			(*buf)++;
			(*len)--;
			if (s->units > 0 && s->head_len == FLV_TAG_HEAD) {
				uint32_t size = mp_rd24(s->head + 1);

				s->head_need = (uint8_t)(FLV_TAG_HEAD + (size < 2 ? size : 2));
			}
		}
		if (s->head_len < s->head_need)
			return 0;
		if (head_done(s) != MP_OK)
			return MP_ERR_PROTO;
	}
}
