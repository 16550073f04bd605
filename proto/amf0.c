/* amf0.c: AMF0 decoder (into caller-provided nodes) and encoder (Adobe AMF0 specification). */
#include "amf0.h"

#include <string.h>

#include "byteorder.h"
#include "mp_error.h"

struct dec {
	struct mp_amf0_doc *doc;
	const uint8_t *p;
	size_t len, off;
};

static int need(const struct dec *d, size_t n)
{
	return d->len - d->off >= n ? MP_OK : MP_ERR_TRUNCATED;
}

static uint16_t rd16(struct dec *d)
{
	uint16_t v = mp_rd16(d->p + d->off);

	d->off += 2;
	return v;
}

static uint32_t rd32(struct dec *d)
{
	uint32_t v = mp_rd32(d->p + d->off);

	d->off += 4;
	return v;
}

/* Spec 2.2: an IEEE-754 double, big endian. */
static double rd_double(struct dec *d)
{
	uint64_t u = 0;
	double v;

	for (int i = 0; i < 8; i++)
		u = u << 8 | d->p[d->off + i];
	d->off += 8;
	memcpy(&v, &u, sizeof(v));
	return v;
}

static int decode_value(struct dec *d, unsigned depth, uint16_t *out);

/* Append child index c after *last under parent. */
static void add_child(struct mp_amf0_doc *doc, struct mp_amf0_node *parent, uint16_t *last, uint16_t c)
{
	if (*last == MP_AMF0_NONE)
		parent->child = c;
	else
		doc->nodes[*last].next = c;
	*last = c;
	parent->count++;
}

/* Object members (spec 2.5) and ECMA array members (2.10): name, value, ... empty name + 0x09. */
static int decode_props(struct dec *d, unsigned depth, uint16_t parent)
{
	uint16_t last = MP_AMF0_NONE, c;

	for (;;) {
		uint16_t klen;
		const char *key;
		int rc = need(d, 2);

		if (rc)
			return rc;
		klen = rd16(d);
		if (klen == 0) {
			if ((rc = need(d, 1)))
				return rc;
			if (d->p[d->off] != MP_AMF0_OBJECT_END)
				return MP_ERR_INVAL;
			d->off++;
			return MP_OK;
		}
		if ((rc = need(d, klen)))
			return rc;
		key = (const char *)d->p + d->off;
		d->off += klen;
		if ((rc = decode_value(d, depth, &c)))
			return rc;
		d->doc->nodes[c].key = key;
		d->doc->nodes[c].key_len = klen;
		add_child(d->doc, &d->doc->nodes[parent], &last, c);
	}
}

static int decode_value(struct dec *d, unsigned depth, uint16_t *out)
{
	struct mp_amf0_doc *doc = d->doc;
	struct mp_amf0_node *n;
	uint16_t idx, last = MP_AMF0_NONE, c;
	uint32_t len;
	uint8_t marker;
	int rc = need(d, 1);

	if (rc)
		return rc;
	if (doc->n >= doc->cap)
		return MP_ERR_FULL;
	marker = d->p[d->off++];
	idx = doc->n++;
	n = &doc->nodes[idx];
	memset(n, 0, sizeof(*n));
	n->type = marker;
	n->next = n->child = MP_AMF0_NONE;
	*out = idx;
	switch (marker) {
	case MP_AMF0_NUMBER:
		if ((rc = need(d, 8)))
			return rc;
		n->num = rd_double(d);
		return MP_OK;
	case MP_AMF0_BOOLEAN:
		if ((rc = need(d, 1)))
			return rc;
		n->num = d->p[d->off++] != 0;
		return MP_OK;
	case MP_AMF0_STRING:
	case MP_AMF0_LONG_STRING:
	case MP_AMF0_XML_DOCUMENT: /* 2.4: u16 length; 2.14 and 2.17: u32 length */
		if ((rc = need(d, marker == MP_AMF0_STRING ? 2 : 4)))
			return rc;
		len = marker == MP_AMF0_STRING ? rd16(d) : rd32(d);
		if ((rc = need(d, len)))
			return rc;
		n->str = (const char *)d->p + d->off;
		n->str_len = len;
		d->off += len;
		return MP_OK;
	case MP_AMF0_NULL:
	case MP_AMF0_UNDEFINED:
	case MP_AMF0_UNSUPPORTED:
		return MP_OK;
	case MP_AMF0_DATE: /* 2.13: double ms, then s16 time zone */
		if ((rc = need(d, 10)))
			return rc;
		n->num = rd_double(d);
		n->tz = (int16_t)rd16(d);
		return MP_OK;
	case MP_AMF0_OBJECT:
	case MP_AMF0_ECMA_ARRAY:
		if (depth >= MP_AMF0_MAX_DEPTH)
			return MP_ERR_TOOLONG;
		if (marker == MP_AMF0_ECMA_ARRAY) {
			/* the associative count is a hint; members run to the object end */
			if ((rc = need(d, 4)))
				return rc;
			rd32(d);
		}
		return decode_props(d, depth + 1, idx);
	case MP_AMF0_STRICT_ARRAY: /* 2.12: u32 count, then count values */
		if (depth >= MP_AMF0_MAX_DEPTH)
			return MP_ERR_TOOLONG;
		if ((rc = need(d, 4)))
			return rc;
		len = rd32(d);
		if (len > d->len - d->off) /* every value takes at least one byte */
			return MP_ERR_TRUNCATED;
		for (uint32_t i = 0; i < len; i++) {
			if ((rc = decode_value(d, depth + 1, &c)))
				return rc;
			add_child(doc, &doc->nodes[idx], &last, c);
		}
		return MP_OK;
	case MP_AMF0_MOVIECLIP:
	case MP_AMF0_RECORDSET:
	case MP_AMF0_REFERENCE:
	case MP_AMF0_TYPED_OBJECT:
	case MP_AMF0_AVMPLUS:
		return MP_ERR_UNSUPPORTED;
	default: /* object end outside an object, or an unknown marker */
		return MP_ERR_INVAL;
	}
}

int mp_amf0_decode(struct mp_amf0_doc *doc, struct mp_amf0_node *nodes, uint16_t cap,
		   const uint8_t *buf, size_t len)
{
	struct dec d = { .doc = doc, .p = buf, .len = len };
	uint16_t last = MP_AMF0_NONE, c;

	if (!doc || (!nodes && cap) || (!buf && len) || cap == MP_AMF0_NONE)
		return MP_ERR_INVAL;
	doc->nodes = nodes;
	doc->cap = cap;
	doc->n = doc->count = 0;
	doc->first = MP_AMF0_NONE;
	while (d.off < len) {
		int rc = decode_value(&d, 0, &c);

		if (rc)
			return rc;
		if (last == MP_AMF0_NONE)
			doc->first = c;
		else
			nodes[last].next = c;
		last = c;
		doc->count++;
	}
	return MP_OK;
}

static const struct mp_amf0_node *at(const struct mp_amf0_doc *doc, uint16_t i)
{
	return i == MP_AMF0_NONE || i >= doc->n ? NULL : &doc->nodes[i];
}

const struct mp_amf0_node *mp_amf0_top(const struct mp_amf0_doc *doc, unsigned i)
{
	const struct mp_amf0_node *n = at(doc, doc->first);

	while (n && i--)
		n = at(doc, n->next);
	return n;
}

const struct mp_amf0_node *mp_amf0_child(const struct mp_amf0_doc *doc, const struct mp_amf0_node *n,
					 unsigned i)
{
	const struct mp_amf0_node *c = n ? at(doc, n->child) : NULL;

	while (c && i--)
		c = at(doc, c->next);
	return c;
}

const struct mp_amf0_node *mp_amf0_next(const struct mp_amf0_doc *doc, const struct mp_amf0_node *n)
{
	return n ? at(doc, n->next) : NULL;
}

const struct mp_amf0_node *mp_amf0_get(const struct mp_amf0_doc *doc, const struct mp_amf0_node *obj,
				       const char *key)
{
	size_t k = strlen(key);

	if (!obj || (obj->type != MP_AMF0_OBJECT && obj->type != MP_AMF0_ECMA_ARRAY))
		return NULL;
	for (const struct mp_amf0_node *c = at(doc, obj->child); c; c = at(doc, c->next))
		if (c->key_len == k && memcmp(c->key, key, k) == 0)
			return c;
	return NULL;
}

int mp_amf0_get_str(const struct mp_amf0_doc *doc, const struct mp_amf0_node *obj, const char *key,
		    const char **s, size_t *len)
{
	const struct mp_amf0_node *n = mp_amf0_get(doc, obj, key);

	if (!n)
		return MP_ERR_NOTFOUND;
	if (n->type != MP_AMF0_STRING && n->type != MP_AMF0_LONG_STRING)
		return MP_ERR_INVAL;
	*s = n->str;
	*len = n->str_len;
	return MP_OK;
}

int mp_amf0_get_num(const struct mp_amf0_doc *doc, const struct mp_amf0_node *obj, const char *key,
		    double *v)
{
	const struct mp_amf0_node *n = mp_amf0_get(doc, obj, key);

	if (!n)
		return MP_ERR_NOTFOUND;
	if (n->type != MP_AMF0_NUMBER)
		return MP_ERR_INVAL;
	*v = n->num;
	return MP_OK;
}

int mp_amf0_str_eq(const struct mp_amf0_node *n, const char *s)
{
	size_t k = strlen(s);

	return n && (n->type == MP_AMF0_STRING || n->type == MP_AMF0_LONG_STRING) && n->str_len == k &&
	       memcmp(n->str, s, k) == 0;
}
