/* rtmp_chunk.h: RTMP chunk stream (RTMP spec 1.0 section 5.3): an incremental reader that turns
 * TCP bytes into whole messages, and a writer that splits a message into chunks.
 *
 * The reader owns per-chunk-stream message buffers (malloc'd, control-plane code): create it with
 * mp_rtmp_reader_init and release it with mp_rtmp_reader_free. It applies the protocol control
 * messages that change how the stream is read (SetChunkSize, Abort, WindowAckSize; spec 1.0
 * section 5.4) as they are read, and still hands them to the caller.
 *
 * Relaying: the chunk size is per direction and per connection. A proxy reads each side with its
 * own reader (which follows that peer's SetChunkSize) and writes to the other side with
 * mp_rtmp_chunk_write at the chunk size it last announced there; a SetChunkSize read from one side
 * is not forwarded as bytes (or, if forwarded, the writer's size must change with it), which is
 * what keeps both sides consistent. */
#ifndef MP_PROTO_RTMP_CHUNK_H
#define MP_PROTO_RTMP_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#define MP_RTMP_DEFAULT_CHUNK_SIZE 128        /* spec 1.0 section 5.4.1 */
#define MP_RTMP_MAX_CHUNK_SIZE 0x7FFFFFFFu    /* the top bit of SetChunkSize must be 0 */
#define MP_RTMP_DEFAULT_MAX_MSG (16u << 20)   /* reader's default bound on one message */
#define MP_RTMP_MAX_CHUNK_STREAMS 32          /* chunk streams one reader tracks at once */
#define MP_RTMP_CSID_MIN 2                    /* 0 and 1 encode longer basic headers */
#define MP_RTMP_CSID_MAX 65599                /* 3-byte basic header: 64 + 65535 */
#define MP_RTMP_CSID_CONTROL 2                /* protocol control messages, spec 1.0 section 5.4 */
#define MP_RTMP_EXT_TS 0xFFFFFFu              /* timestamp field that says "extended timestamp" */
#define MP_RTMP_CHUNK_HDR_MAX 18              /* basic 3 + message 11 + extended timestamp 4 */

/* Message type ids: spec 1.0 sections 5.4 and 7.1. */
enum mp_rtmp_msg_type {
	MP_RTMP_MSG_SET_CHUNK_SIZE = 1,
	MP_RTMP_MSG_ABORT = 2,
	MP_RTMP_MSG_ACK = 3,
	MP_RTMP_MSG_USER_CONTROL = 4,
	MP_RTMP_MSG_WINDOW_ACK_SIZE = 5,
	MP_RTMP_MSG_SET_PEER_BANDWIDTH = 6,
	MP_RTMP_MSG_AUDIO = 8,
	MP_RTMP_MSG_VIDEO = 9,
	MP_RTMP_MSG_DATA_AMF3 = 15,
	MP_RTMP_MSG_SHARED_OBJECT_AMF3 = 16,
	MP_RTMP_MSG_COMMAND_AMF3 = 17,
	MP_RTMP_MSG_DATA_AMF0 = 18,
	MP_RTMP_MSG_SHARED_OBJECT_AMF0 = 19,
	MP_RTMP_MSG_COMMAND_AMF0 = 20,
	MP_RTMP_MSG_AGGREGATE = 22,
};

/* One whole message, as read or to be written. */
struct mp_rtmp_msg {
	uint32_t csid;          /* chunk stream id it travelled on (2..65599) */
	uint32_t timestamp;     /* absolute, milliseconds, modulo 2^32 */
	uint32_t stream_id;     /* message stream id (0 for control and NetConnection commands) */
	uint8_t type;           /* enum mp_rtmp_msg_type */
	uint32_t len;           /* payload length (at most 0xFFFFFF on the wire) */
	const uint8_t *payload; /* reader: valid until the next mp_rtmp_reader_feed or _free */
};

/* State of one chunk stream (spec 1.0 section 5.3.1.2: fields a header may omit come from here). */
struct mp_rtmp_chunk_stream {
	uint32_t csid;
	uint32_t timestamp, delta; /* of the current/last message; delta reused by fmt 3 */
	uint32_t len, stream_id;
	uint8_t type;
	uint8_t ext;               /* the last fmt 0/1/2 header had an extended timestamp */
	uint8_t pass;              /* the current message is passed through, not assembled */
	uint8_t *buf;              /* message being assembled */
	uint32_t cap, got;
};

struct mp_rtmp_reader {
	uint32_t chunk_size;  /* the peer's current chunk size (starts at 128) */
	uint32_t max_msg;     /* messages longer than this are an error (MP_ERR_TOOLONG) */
	uint32_t ack_window;  /* from the peer's WindowAckSize; 0 until one arrives */
	uint64_t received;    /* bytes fed so far; the caller may add the handshake's bytes */
	uint64_t acked;       /* value of received when the last Acknowledgement was sent */
	size_t pending;       /* bytes held in partial messages, bounded by 2 * max_msg */
	unsigned passing;     /* chunk streams whose current message is passed through */
	int error;            /* sticky: once the stream is broken every feed returns it */
	/* chunk being read */
	uint8_t hdr[MP_RTMP_CHUNK_HDR_MAX];
	uint8_t hdr_len;
	uint8_t in_payload;
	uint32_t chunk_left;  /* payload bytes left in the current chunk */
	struct mp_rtmp_chunk_stream *cur;
	struct mp_rtmp_chunk_stream *delivered; /* message handed out by the last feed */
	unsigned ncs;
	struct mp_rtmp_chunk_stream cs[MP_RTMP_MAX_CHUNK_STREAMS];
};

/* Prepare a reader: chunk size 128, max_msg bound (0 means MP_RTMP_DEFAULT_MAX_MSG). */
void mp_rtmp_reader_init(struct mp_rtmp_reader *r, uint32_t max_msg);
/* Release every buffer; the reader may be initialised again. */
void mp_rtmp_reader_free(struct mp_rtmp_reader *r);

/* Feed bytes as they arrive. Consumes bytes until one whole message is complete or the input ends.
 *   MP_OK: *msg is a whole message, *used bytes were consumed; call again with the rest.
 *   MP_ERR_AGAIN: every byte was consumed (*used == len) and no message is complete yet.
 *   negative: the stream is broken (MP_ERR_PROTO: fmt 1/2/3 on a chunk stream with no prior
 *     fmt 0, a new header in the middle of a message, bad SetChunkSize; MP_ERR_TOOLONG: message
 *     over max_msg or too many partial bytes; MP_ERR_FULL: too many chunk streams; MP_ERR_NOMEM).
 * Partial headers are kept inside the reader, so any split of the input gives the same messages.
 * SetChunkSize (spec 5.4.1), Abort (5.4.2) and WindowAckSize (5.4.4) take effect here. */
int mp_rtmp_reader_feed(struct mp_rtmp_reader *r, const uint8_t *buf, size_t len, size_t *used,
			struct mp_rtmp_msg *msg);

/* Relaying chunk by chunk (a proxy whose two sides use the same chunk size): the reader parses
 * each chunk header and the caller either moves the chunk's payload to the other side untouched
 * (pass-through: mp_rtmp_reader_pass, no copy into the reader) or has the reader assemble it
 * (mp_rtmp_reader_feed with at most chunk.n bytes). A message is one or the other from its first
 * chunk to its last: the caller decides at chunk.offset == 0 and the reader remembers. */
struct mp_rtmp_chunk {
	uint32_t csid, timestamp, stream_id, len; /* the message this chunk belongs to */
	uint8_t type;
	uint8_t pass;    /* the message is passed through (set by mp_rtmp_reader_pass_message) */
	uint32_t offset; /* payload bytes of the message before this chunk */
	uint32_t n;      /* payload bytes in this chunk (follow the header) */
};

/* When a chunk header is due (mp_rtmp_reader_wants_header), read it (or its rest) from buf.
 *   MP_OK: the header is complete (*used bytes consumed); *c describes the chunk, whose c->n
 *     payload bytes (possibly 0) are then either passed (mp_rtmp_reader_pass) when c->pass, or
 *     fed (mp_rtmp_reader_feed with at most c->n bytes; with 0 bytes for an empty message).
 *   MP_ERR_AGAIN: buf ended inside the header (kept in the reader; *used == len).
 *   negative: as mp_rtmp_reader_feed (the error is sticky). */
int mp_rtmp_reader_header(struct mp_rtmp_reader *r, const uint8_t *buf, size_t len, size_t *used,
			  struct mp_rtmp_chunk *c);
/* 1 when the next bytes are (the rest of) a chunk header, not payload. */
int mp_rtmp_reader_wants_header(const struct mp_rtmp_reader *r);
/* Messages half passed through (their later chunks must be passed too). */
unsigned mp_rtmp_reader_passing_messages(const struct mp_rtmp_reader *r);
/* Right after mp_rtmp_reader_header returned the first chunk of a message (offset 0): pass the
 * whole message through instead of assembling it. */
void mp_rtmp_reader_pass_message(struct mp_rtmp_reader *r, struct mp_rtmp_chunk *c);
/* n payload bytes of the current pass-through chunk were moved by the caller (n <= what is left
 * of the chunk). Returns 0 (chunk not complete), 1 (chunk complete), 2 (message complete), or
 * MP_ERR_STATE when no pass-through chunk is being read. */
int mp_rtmp_reader_pass(struct mp_rtmp_reader *r, uint32_t n);
/* 1 while the payload of a pass-through chunk is being read. */
int mp_rtmp_reader_passing(const struct mp_rtmp_reader *r);
/* Payload bytes left in the current chunk (0 at a boundary). */
uint32_t mp_rtmp_reader_chunk_left(const struct mp_rtmp_reader *r);

/* The chunk header a pass-through writer puts before one chunk's payload, at the receiver's chunk
 * size equal to the sender's: fmt 0 for the first chunk of a message (with stream_id as given),
 * fmt 3 after, an extended timestamp in every chunk when the timestamp needs one (section 5.3.1.3).
 * Returns the header length (at most MP_RTMP_CHUNK_HDR_MAX) or MP_ERR_INVAL. */
int mp_rtmp_chunk_header_write(const struct mp_rtmp_chunk *c, uint32_t stream_id, uint8_t *out, size_t cap);

/* Spec 1.0 section 5.4.3: an Acknowledgement is due once the peer's window of bytes has been
 * received since the last one. Returns 1 and the sequence number (bytes received, mod 2^32) to
 * send, or 0. Call mp_rtmp_reader_ack_sent after sending it. */
int mp_rtmp_reader_ack_due(const struct mp_rtmp_reader *r, uint32_t *seq);
void mp_rtmp_reader_ack_sent(struct mp_rtmp_reader *r);

/* Bytes mp_rtmp_chunk_write will produce for this message at this chunk size. */
size_t mp_rtmp_chunk_write_len(const struct mp_rtmp_msg *m, uint32_t chunk_size);

/* Write m as chunks of at most chunk_size payload bytes: a fmt 0 chunk then fmt 3 continuations,
 * with the extended timestamp (spec 5.3.1.3) in every chunk when the timestamp is >= 0xFFFFFF.
 * Returns the number of bytes written, MP_ERR_NOSPACE, or MP_ERR_INVAL (csid out of 2..65599,
 * chunk size 0 or > 0x7FFFFFFF, len > 0xFFFFFF, NULL payload with len > 0). */
int mp_rtmp_chunk_write(const struct mp_rtmp_msg *m, uint32_t chunk_size, uint8_t *out, size_t cap);

#endif
