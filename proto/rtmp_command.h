/* rtmp_command.h: RTMP NetConnection/NetStream commands (RTMP spec 1.0 section 7.2) over AMF0:
 * parse what a client or an origin sends, and build the messages an RTMP proxy sends to either.
 *
 * Builders write an AMF0 payload. Frame it with mp_rtmp_chunk_write: type 20 (command) or 18
 * (data, for |RtmpSampleAccess), NetConnection commands on chunk stream 3 with message stream 0,
 * NetStream commands (publish, play, onStatus...) on the message stream createStream returned
 * (chunk stream 5 is usual). StreamBegin is a User Control message: see rtmp_ctrl.h. */
#ifndef MP_PROTO_RTMP_COMMAND_H
#define MP_PROTO_RTMP_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#include "amf0.h"

/* A byte range inside the parsed payload (not NUL-terminated); ptr NULL and len 0 when absent. */
struct mp_rtmp_str {
	const char *ptr;
	size_t len;
};

enum mp_rtmp_cmd_kind {
	MP_RTMP_CMD_OTHER = 0,    /* any other name: name/txn/obj/arg still filled */
	MP_RTMP_CMD_CONNECT,
	MP_RTMP_CMD_CREATE_STREAM,
	MP_RTMP_CMD_RELEASE_STREAM,
	MP_RTMP_CMD_FC_PUBLISH,
	MP_RTMP_CMD_PUBLISH,
	MP_RTMP_CMD_PLAY,
	MP_RTMP_CMD_DELETE_STREAM,
	MP_RTMP_CMD_FC_UNPUBLISH,
	MP_RTMP_CMD_CLOSE_STREAM,
	MP_RTMP_CMD_GET_STREAM_LENGTH,
	MP_RTMP_CMD_CHECKBW,
	MP_RTMP_CMD_RESULT,       /* _result */
	MP_RTMP_CMD_ERROR,        /* _error */
	MP_RTMP_CMD_ON_STATUS,
	MP_RTMP_CMD_ON_FC_PUBLISH,
	MP_RTMP_CMD_DATA,         /* a data message (type 18/15): name, then values; txn is 0 */
};

/* One parsed command. Node pointers point into the nodes given to mp_rtmp_cmd_parse, strings
 * into the payload: keep both while using it. */
struct mp_rtmp_cmd {
	struct mp_amf0_doc doc;
	int kind;                          /* enum mp_rtmp_cmd_kind */
	struct mp_rtmp_str name;           /* command name */
	double txn;                        /* transaction id */
	const struct mp_amf0_node *obj;    /* command object (object or null), NULL for data */
	const struct mp_amf0_node *arg;    /* first value after the command object, or NULL */
	/* connect (spec 7.2.1.1): members of the command object, when they are strings */
	struct mp_rtmp_str app, tc_url, flash_ver, swf_url, page_url, type;
	double object_encoding;            /* 0 (AMF0) unless the object says 3 */
	/* publish, play, releaseStream, FCPublish, FCUnpublish, getStreamLength: the stream argument
	 * as sent ("livestream?token=abc"), and split at the first '?' */
	struct mp_rtmp_str stream, stream_name, query;
	struct mp_rtmp_str publish_type;   /* publish: "live", "record", "append" (may be absent) */
	double stream_id;                  /* deleteStream's argument; createStream's _result */
	/* _result, _error, onStatus, onFCPublish: members of the information object */
	struct mp_rtmp_str level, code, description;
};

/* Parse a command (type 20, or 17 whose first byte is the AMF0 format selector) or data message
 * (type 18) payload using up to cap nodes. Returns MP_OK, an AMF0 decode error, MP_ERR_INVAL (not
 * a command or data type) or MP_ERR_PROTO (no name, no transaction id, or a required argument of
 * a known command missing or of the wrong type, e.g. publish without a stream name). */
int mp_rtmp_cmd_parse(struct mp_rtmp_cmd *c, struct mp_amf0_node *nodes, uint16_t cap,
		      uint8_t msg_type, const uint8_t *payload, size_t len);

/* --- Replies a proxy sends to a client. Each returns the payload length or a negative error. */

/* "_result" for connect: {fmsVer, capabilities, mode} and {level "status",
 * code "NetConnection.Connect.Success", description, objectEncoding}. */
int mp_rtmp_build_connect_result(uint8_t *out, size_t cap, double txn, double object_encoding);
/* "_result", txn, null, undefined: the reply SRS gives to releaseStream and FCPublish. */
int mp_rtmp_build_result(uint8_t *out, size_t cap, double txn);
/* "_result", txn, null, stream id: the reply to createStream. */
int mp_rtmp_build_create_stream_result(uint8_t *out, size_t cap, double txn, double stream_id);
/* "_error", txn, null, {level "error", code, description}. */
int mp_rtmp_build_error(uint8_t *out, size_t cap, double txn, const char *code, const char *description);

enum mp_rtmp_status {
	MP_RTMP_STATUS_PUBLISH_START,      /* NetStream.Publish.Start */
	MP_RTMP_STATUS_PLAY_RESET,         /* NetStream.Play.Reset */
	MP_RTMP_STATUS_PLAY_START,         /* NetStream.Play.Start */
	MP_RTMP_STATUS_UNPUBLISH_SUCCESS,  /* NetStream.Unpublish.Success */
};
/* "onStatus", 0, null, {level "status", code, description, details = stream (if given),
 * clientid (if given)}. */
int mp_rtmp_build_on_status(uint8_t *out, size_t cap, enum mp_rtmp_status which,
			    struct mp_rtmp_str stream, const char *clientid);
/* "onFCPublish", 0, null, {code "NetStream.Publish.Start", description[, details = stream]}. */
int mp_rtmp_build_on_fcpublish(uint8_t *out, size_t cap, struct mp_rtmp_str stream);
/* Data message (type 18) "|RtmpSampleAccess", audio, video: lets Flash players read samples. */
int mp_rtmp_build_sample_access(uint8_t *out, size_t cap, int audio, int video);

/* --- Requests a proxy sends to an origin, as a client. */

/* "connect", txn, {app, type "nonprivate", flashVer, tcUrl[, objectEncoding when not 0]}, as
 * ffmpeg sends it (spec 7.2.1.1); flash_ver may be empty (then "FMLE/3.0 (compatible; mediaplane)"). */
int mp_rtmp_build_connect(uint8_t *out, size_t cap, double txn, struct mp_rtmp_str app,
			  struct mp_rtmp_str tc_url, struct mp_rtmp_str flash_ver, double object_encoding);
/* "connect" replaying a client's parsed connect: the same transaction id, command object and
 * extra arguments, byte for byte as decoded. */
int mp_rtmp_build_connect_replay(uint8_t *out, size_t cap, const struct mp_rtmp_cmd *client_connect);
/* name, txn, null[, stream]: releaseStream, FCPublish, FCUnpublish, getStreamLength (with a
 * stream), createStream, closeStream, _checkbw (stream.ptr NULL: no argument). */
int mp_rtmp_build_call(uint8_t *out, size_t cap, const char *name, double txn, struct mp_rtmp_str stream);
/* "publish", txn, null, stream, type ("live" when type is empty). */
int mp_rtmp_build_publish(uint8_t *out, size_t cap, double txn, struct mp_rtmp_str stream,
			  struct mp_rtmp_str type);
/* "play", txn, null, stream, start (-2: live, else recorded; spec 7.2.2.1). */
int mp_rtmp_build_play(uint8_t *out, size_t cap, double txn, struct mp_rtmp_str stream, double start);
/* "deleteStream", txn, null, stream id. */
int mp_rtmp_build_delete_stream(uint8_t *out, size_t cap, double txn, double stream_id);

/* The command payload (len bytes) with the AMF0 string whose bytes are at (a struct mp_rtmp_str that
 * mp_rtmp_cmd_parse found in this very payload, e.g. publish's stream) replaced by s (slen bytes; a
 * short string, or a long one past 65535), every other byte kept, into out. Returns the new length,
 * MP_ERR_INVAL (at is not a string value inside payload) or MP_ERR_NOSPACE. */
int mp_rtmp_replace_string(const uint8_t *payload, size_t len, struct mp_rtmp_str at, const char *s, size_t slen,
			   uint8_t *out, size_t cap);

/* A C string as a struct mp_rtmp_str. */
struct mp_rtmp_str mp_rtmp_cstr(const char *s);

#endif
