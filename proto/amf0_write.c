/* amf0_write.c: AMF0 encoder over a caller buffer with a sticky error (Adobe AMF0 specification). */
#include <string.h>

#include "amf0.h"
#include "mp_error.h"

void mp_amf0_writer_init(struct mp_amf0_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = buf ? cap : 0;
	w->len = 0;
	w->err = MP_OK;
}

/* Room for n more bytes, or set the sticky error. */
static uint8_t *room(struct mp_amf0_writer *w, size_t n)
{
	uint8_t *p;

	if (w->err)
		return NULL;
	if (w->cap - w->len < n) {
		w->err = MP_ERR_NOSPACE;
		return NULL;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

static void put_u8(struct mp_amf0_writer *w, uint8_t v)
{
	uint8_t *p = room(w, 1);

	if (p)
		*p = v;
}

static void put_be(struct mp_amf0_writer *w, uint64_t v, unsigned n)
{
	uint8_t *p = room(w, n);

	for (unsigned i = 0; p && i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static void put_bytes(struct mp_amf0_writer *w, const void *s, size_t n)
{
	uint8_t *p = room(w, n);

	if (p && n)
		memcpy(p, s, n);
}

static void put_double(struct mp_amf0_writer *w, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	put_be(w, u, 8);
}

void mp_amf0_put_number(struct mp_amf0_writer *w, double v)
{
	put_u8(w, MP_AMF0_NUMBER);
	put_double(w, v);
}

void mp_amf0_put_bool(struct mp_amf0_writer *w, int v)
{
	put_u8(w, MP_AMF0_BOOLEAN);
	put_u8(w, v ? 1 : 0);
}

void mp_amf0_put_string(struct mp_amf0_writer *w, const char *s, size_t len)
{
	if (!s && len) {
		if (!w->err)
			w->err = MP_ERR_INVAL;
		return;
	}
	if (len > 0xffffffffu) {
		if (!w->err)
			w->err = MP_ERR_TOOLONG;
		return;
	}
	if (len <= 0xffff) { /* spec 2.4 */
		put_u8(w, MP_AMF0_STRING);
		put_be(w, len, 2);
	} else { /* spec 2.14 */
		put_u8(w, MP_AMF0_LONG_STRING);
		put_be(w, len, 4);
	}
	put_bytes(w, s, len);
}

void mp_amf0_put_cstr(struct mp_amf0_writer *w, const char *s)
{
	mp_amf0_put_string(w, s, s ? strlen(s) : 0);
}

void mp_amf0_put_null(struct mp_amf0_writer *w)
{
	put_u8(w, MP_AMF0_NULL);
}

void mp_amf0_put_undefined(struct mp_amf0_writer *w)
{
	put_u8(w, MP_AMF0_UNDEFINED);
}

void mp_amf0_put_object_start(struct mp_amf0_writer *w)
{
	put_u8(w, MP_AMF0_OBJECT);
}

void mp_amf0_put_ecma_start(struct mp_amf0_writer *w, uint32_t count)
{
	put_u8(w, MP_AMF0_ECMA_ARRAY);
	put_be(w, count, 4);
}

void mp_amf0_put_key_len(struct mp_amf0_writer *w, const char *key, size_t len)
{
	/* spec 2.5: UTF-8-empty is the end marker, so a member name is 1..65535 bytes */
	if (!key || len == 0 || len > 0xffff) {
		if (!w->err)
			w->err = MP_ERR_INVAL;
		return;
	}
	put_be(w, len, 2);
	put_bytes(w, key, len);
}

void mp_amf0_put_key(struct mp_amf0_writer *w, const char *key)
{
	mp_amf0_put_key_len(w, key, key ? strlen(key) : 0);
}

void mp_amf0_put_object_end(struct mp_amf0_writer *w)
{
	put_be(w, MP_AMF0_OBJECT_END, 3); /* 0x00 0x00 0x09 */
}

void mp_amf0_put_strict_array_start(struct mp_amf0_writer *w, uint32_t count)
{
	put_u8(w, MP_AMF0_STRICT_ARRAY);
	put_be(w, count, 4);
}

void mp_amf0_put_date(struct mp_amf0_writer *w, double ms, int16_t tz)
{
	put_u8(w, MP_AMF0_DATE);
	put_double(w, ms);
	put_be(w, (uint16_t)tz, 2);
}

void mp_amf0_put_prop_str(struct mp_amf0_writer *w, const char *key, const char *val)
{
	mp_amf0_put_key(w, key);
	mp_amf0_put_cstr(w, val);
}

void mp_amf0_put_prop_num(struct mp_amf0_writer *w, const char *key, double v)
{
	mp_amf0_put_key(w, key);
	mp_amf0_put_number(w, v);
}

void mp_amf0_put_prop_bool(struct mp_amf0_writer *w, const char *key, int v)
{
	mp_amf0_put_key(w, key);
	mp_amf0_put_bool(w, v);
}

static void put_node(struct mp_amf0_writer *w, const struct mp_amf0_doc *doc,
		     const struct mp_amf0_node *n, unsigned depth)
{
	const struct mp_amf0_node *c;

	if (depth > MP_AMF0_MAX_DEPTH) {
		if (!w->err)
			w->err = MP_ERR_TOOLONG;
		return;
	}
	switch (n->type) {
	case MP_AMF0_NUMBER: mp_amf0_put_number(w, n->num); return;
	case MP_AMF0_BOOLEAN: mp_amf0_put_bool(w, n->num != 0); return;
	case MP_AMF0_STRING:
	case MP_AMF0_LONG_STRING: mp_amf0_put_string(w, n->str, n->str_len); return;
	case MP_AMF0_XML_DOCUMENT:
		put_u8(w, MP_AMF0_XML_DOCUMENT);
		put_be(w, n->str_len, 4);
		put_bytes(w, n->str, n->str_len);
		return;
	case MP_AMF0_NULL:
	case MP_AMF0_UNDEFINED:
	case MP_AMF0_UNSUPPORTED: put_u8(w, n->type); return;
	case MP_AMF0_DATE: mp_amf0_put_date(w, n->num, n->tz); return;
	case MP_AMF0_OBJECT:
	case MP_AMF0_ECMA_ARRAY:
		if (n->type == MP_AMF0_OBJECT)
			mp_amf0_put_object_start(w);
		else
			mp_amf0_put_ecma_start(w, n->count);
		for (c = mp_amf0_child(doc, n, 0); c; c = mp_amf0_next(doc, c)) {
			mp_amf0_put_key_len(w, c->key, c->key_len);
			put_node(w, doc, c, depth + 1);
		}
		mp_amf0_put_object_end(w);
		return;
	case MP_AMF0_STRICT_ARRAY:
		mp_amf0_put_strict_array_start(w, n->count);
		for (c = mp_amf0_child(doc, n, 0); c; c = mp_amf0_next(doc, c))
			put_node(w, doc, c, depth + 1);
		return;
	default:
		if (!w->err)
			w->err = MP_ERR_UNSUPPORTED;
	}
}

void mp_amf0_put_node(struct mp_amf0_writer *w, const struct mp_amf0_doc *doc,
		      const struct mp_amf0_node *n)
{
	if (!n) {
		if (!w->err)
			w->err = MP_ERR_INVAL;
		return;
	}
	put_node(w, doc, n, 0);
}

int mp_amf0_writer_result(const struct mp_amf0_writer *w)
{
	if (w->err)
		return w->err;
	return w->len > 0x7fffffff ? MP_ERR_TOOLONG : (int)w->len;
}
