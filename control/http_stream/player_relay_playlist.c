/* player_relay_playlist.c: an origin's HLS playlist, read whole and sent on with spbhid on every URI. */
#include "player_relay_int.h"
#include "m3u8.h"
#include "mp_error.h"
#include "relay_headers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

void mp_player_relay_send_playlist(struct mp_player_relay *r, struct evhttp_request *oreq)
{
	struct mp_http_stream *hs = r->hs;
	struct evbuffer *in = evhttp_request_get_input_buffer(oreq), *out;
	size_t len = evbuffer_get_length(in), idlen = strlen(r->spbhid), lines = 1, out_len = 0, cap;
	const char *text = (const char *)evbuffer_pullup(in, -1);
	char *buf = NULL;
	int rc;

	r->bytes_in += len;
	hs->st.bytes_from_origins += len;
	if (r->status == 200 && evhttp_request_get_command(r->player) != EVHTTP_REQ_HEAD) {
		for (size_t i = 0; i < len; i++)
			lines += text[i] == '\n';
		/* a line holds one URI (a tag line one URI= attribute); each gains "?spbhid=" or "&spbhid="
		 * and the id; twice that leaves room to spare */
		cap = len + 2 * lines * (8 + idlen) + 1;
		buf = malloc(cap);
		rc = buf ? mp_m3u8_rewrite(text, len, r->spbhid, idlen, MP_M3U8_TAG_KEYS, buf, cap, &out_len)
			 : MP_ERR_NOMEM;
		if (rc < 0) {
			char reason[160];

			free(buf);
			hs->st.playlist_invalid++;
			snprintf(reason, sizeof(reason), "origin %s: playlist not rewritten: %s", r->origin, mp_strerror(rc));
			mp_player_relay_reply_error(r, 502, reason);
			return;
		}
	}
	mp_relay_response_headers(evhttp_request_get_input_headers(oreq), evhttp_request_get_output_headers(r->player),
				  &(struct mp_relay_response_opts){ .rewritten = true, .location_back = true });
	mp_relay_add_cors(evhttp_request_get_output_headers(r->player));
	out = evbuffer_new();
	if (buf)
		evbuffer_add(out, buf, out_len);
	else
		evbuffer_add_buffer(out, in);
	free(buf);
	r->bytes_out += evbuffer_get_length(out);
	hs->st.bytes_to_players += evbuffer_get_length(out);
	r->replied = true;
	evhttp_send_reply(r->player, r->status, evhttp_request_get_response_code_line(oreq), out);
	evbuffer_free(out);
	mp_player_relay_release(r);
}
