/* amf0.h: AMF0 (Action Message Format 0, Adobe AMF0 specification) decoder into a small tree with
 * caller-provided nodes (no allocation), lookups by name, and a sticky-error encoder.
 * Decoded strings point into the input buffer (not NUL-terminated): keep it while using the tree. */
#ifndef MP_PROTO_AMF0_H
#define MP_PROTO_AMF0_H

#include <stddef.h>
#include <stdint.h>

/* Type markers, AMF0 spec section 2.1. */
enum mp_amf0_type {
	MP_AMF0_NUMBER = 0x00,
	MP_AMF0_BOOLEAN = 0x01,
	MP_AMF0_STRING = 0x02,
	MP_AMF0_OBJECT = 0x03,
	MP_AMF0_MOVIECLIP = 0x04,   /* reserved: rejected */
	MP_AMF0_NULL = 0x05,
	MP_AMF0_UNDEFINED = 0x06,
	MP_AMF0_REFERENCE = 0x07,   /* rejected (MP_ERR_UNSUPPORTED) */
	MP_AMF0_ECMA_ARRAY = 0x08,
	MP_AMF0_OBJECT_END = 0x09,
	MP_AMF0_STRICT_ARRAY = 0x0a,
	MP_AMF0_DATE = 0x0b,
	MP_AMF0_LONG_STRING = 0x0c,
	MP_AMF0_UNSUPPORTED = 0x0d,
	MP_AMF0_RECORDSET = 0x0e,   /* reserved: rejected */
	MP_AMF0_XML_DOCUMENT = 0x0f,/* decoded like a long string */
	MP_AMF0_TYPED_OBJECT = 0x10,/* rejected */
	MP_AMF0_AVMPLUS = 0x11,     /* switch to AMF3: rejected */
};

#define MP_AMF0_MAX_DEPTH 16     /* nesting of objects/arrays accepted by the decoder */
#define MP_AMF0_NONE 0xffff      /* "no node" index */

/* One decoded value. Containers (object, ECMA array, strict array) link their children through
 * child/next; members of objects and ECMA arrays have key/key_len. */
struct mp_amf0_node {
	uint8_t type;          /* enum mp_amf0_type */
	int16_t tz;            /* date: time zone (reserved, should be 0; spec 2.13) */
	uint16_t next;         /* next sibling or MP_AMF0_NONE */
	uint16_t child;        /* first child or MP_AMF0_NONE */
	uint32_t count;        /* children decoded */
	uint32_t key_len;
	uint32_t str_len;
	const char *key;       /* member name, NULL for array elements and top-level values */
	const char *str;       /* string, long string, XML document */
	double num;            /* number; date in ms since the epoch; boolean as 0/1 */
};

/* A decoded sequence of top-level values (a command message body is such a sequence). */
struct mp_amf0_doc {
	struct mp_amf0_node *nodes;
	uint16_t cap, n;
	uint16_t first;        /* first top-level value or MP_AMF0_NONE */
	uint16_t count;        /* top-level values */
};

/* Decode every value in buf into doc, using the cap nodes of the array nodes (cap <= 65534).
 * Returns MP_OK, MP_ERR_TRUNCATED (a value runs past the end), MP_ERR_FULL (more values than
 * nodes), MP_ERR_TOOLONG (nesting deeper than MP_AMF0_MAX_DEPTH), MP_ERR_UNSUPPORTED (reference,
 * typed object, movieclip, recordset, AMF3 switch) or MP_ERR_INVAL (unknown marker, misplaced
 * object end). */
int mp_amf0_decode(struct mp_amf0_doc *doc, struct mp_amf0_node *nodes, uint16_t cap,
		   const uint8_t *buf, size_t len);

/* The i-th top-level value, or NULL. */
const struct mp_amf0_node *mp_amf0_top(const struct mp_amf0_doc *doc, unsigned i);
/* The i-th child of a container, or NULL. */
const struct mp_amf0_node *mp_amf0_child(const struct mp_amf0_doc *doc, const struct mp_amf0_node *n,
					 unsigned i);
/* The next sibling, or NULL. */
const struct mp_amf0_node *mp_amf0_next(const struct mp_amf0_doc *doc, const struct mp_amf0_node *n);
/* The member named key of an object or ECMA array (first match), or NULL. */
const struct mp_amf0_node *mp_amf0_get(const struct mp_amf0_doc *doc, const struct mp_amf0_node *obj,
				       const char *key);
/* Typed member lookups: MP_OK, MP_ERR_NOTFOUND (no member), MP_ERR_INVAL (other type). */
int mp_amf0_get_str(const struct mp_amf0_doc *doc, const struct mp_amf0_node *obj, const char *key,
		    const char **s, size_t *len);
int mp_amf0_get_num(const struct mp_amf0_doc *doc, const struct mp_amf0_node *obj, const char *key,
		    double *v);
/* 1 when n is a string (short or long) equal to s. */
int mp_amf0_str_eq(const struct mp_amf0_node *n, const char *s);

/* Encoder over a caller buffer. Every put_ sets err (sticky) instead of overflowing. */
struct mp_amf0_writer {
	uint8_t *buf;
	size_t cap, len;
	int err;                /* MP_OK or the first error (MP_ERR_NOSPACE, MP_ERR_INVAL) */
};

void mp_amf0_writer_init(struct mp_amf0_writer *w, uint8_t *buf, size_t cap);
void mp_amf0_put_number(struct mp_amf0_writer *w, double v);                  /* spec 2.2 */
void mp_amf0_put_bool(struct mp_amf0_writer *w, int v);                       /* spec 2.3 */
/* A string: short form (2.4) up to 65535 bytes, long string (2.14) beyond. */
void mp_amf0_put_string(struct mp_amf0_writer *w, const char *s, size_t len);
void mp_amf0_put_cstr(struct mp_amf0_writer *w, const char *s);
void mp_amf0_put_null(struct mp_amf0_writer *w);                              /* spec 2.7 */
void mp_amf0_put_undefined(struct mp_amf0_writer *w);                         /* spec 2.8 */
void mp_amf0_put_object_start(struct mp_amf0_writer *w);                      /* spec 2.5 */
void mp_amf0_put_ecma_start(struct mp_amf0_writer *w, uint32_t count);        /* spec 2.10 */
/* A member name inside an object or ECMA array (UTF-8, at most 65535 bytes); a value follows. */
void mp_amf0_put_key(struct mp_amf0_writer *w, const char *key);
void mp_amf0_put_key_len(struct mp_amf0_writer *w, const char *key, size_t len);
void mp_amf0_put_object_end(struct mp_amf0_writer *w);                        /* spec 2.11 */
void mp_amf0_put_strict_array_start(struct mp_amf0_writer *w, uint32_t count);/* spec 2.12 */
void mp_amf0_put_date(struct mp_amf0_writer *w, double ms, int16_t tz);       /* spec 2.13 */
/* Shorthands for a member: key then value. */
void mp_amf0_put_prop_str(struct mp_amf0_writer *w, const char *key, const char *val);
void mp_amf0_put_prop_num(struct mp_amf0_writer *w, const char *key, double v);
void mp_amf0_put_prop_bool(struct mp_amf0_writer *w, const char *key, int v);
/* Re-encode a decoded value (and its children). */
void mp_amf0_put_node(struct mp_amf0_writer *w, const struct mp_amf0_doc *doc,
		      const struct mp_amf0_node *n);
/* Bytes written, or the first error. */
int mp_amf0_writer_result(const struct mp_amf0_writer *w);

#endif
