/* hop_marker.c: find and write the relays' hop markers (HTTP Via, the RTMP connect's mediaplane_via). */
#include "hop_marker.h"
#include "amf0.h"
#include "mp_error.h"

#include <string.h>
#include <strings.h>

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

bool mp_via_has(const char *v, size_t len, const char *name)
{
	size_t nlen = strlen(name), i = 0;

	while (i < len) {
		size_t start, end;

		/* one entry: [protocol-name/]protocol-version RWS received-by [RWS comment] */
		while (i < len && (is_ws(v[i]) || v[i] == ','))
			i++;
		while (i < len && !is_ws(v[i]) && v[i] != ',')
			i++; /* the protocol */
		while (i < len && is_ws(v[i]))
			i++;
		start = i;
		while (i < len && !is_ws(v[i]) && v[i] != ',')
			i++;
		end = i;
		if (end - start == nlen && nlen && !strncasecmp(v + start, name, nlen))
			return true;
		/* the rest of the entry: a comment may hold commas */
		for (int depth = 0; i < len && (depth > 0 || v[i] != ','); i++)
			depth += v[i] == '(' ? 1 : v[i] == ')' && depth > 0 ? -1 : 0;
	}
	return false;
}

int mp_rtmp_via_build(uint8_t *out, size_t cap, const char *name)
{
	struct mp_amf0_writer w;
	char v[MP_HOP_NAME_MAX + 8];
	size_t n = strlen(name);

	if (n == 0 || n >= MP_HOP_NAME_MAX)
		return MP_ERR_INVAL;
	memcpy(v, "1.1 ", 4);
	memcpy(v + 4, name, n + 1);
	mp_amf0_writer_init(&w, out, cap);
	mp_amf0_put_object_start(&w);
	mp_amf0_put_prop_str(&w, MP_RTMP_VIA_KEY, v);
	mp_amf0_put_object_end(&w);
	return mp_amf0_writer_result(&w);
}

bool mp_rtmp_connect_has_via(const struct mp_rtmp_cmd *c, const char *name)
{
	const struct mp_amf0_node *n;

	if (c->kind != MP_RTMP_CMD_CONNECT || !c->obj)
		return false;
	for (n = mp_amf0_next(&c->doc, c->obj); n; n = mp_amf0_next(&c->doc, n)) {
		const struct mp_amf0_node *via;

		if (n->type != MP_AMF0_OBJECT && n->type != MP_AMF0_ECMA_ARRAY)
			continue;
		via = mp_amf0_get(&c->doc, n, MP_RTMP_VIA_KEY);
		if (via && via->type == MP_AMF0_STRING && via->str && mp_via_has(via->str, via->str_len, name))
			return true;
	}
	return false;
}
