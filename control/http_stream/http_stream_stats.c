/* http_stream_stats.c: the HTTP stream server's counters and open players as JSON for the System API. */
#include "http_stream.h"
#include "control.h"
#include "player_relay.h"
#include "mp_clock.h"

#include <cjson/cJSON.h>

#define NUM(o, name, v) cJSON_AddNumberToObject((o), (name), (double)(v))

void mp_http_stream_stats_json(const struct mp_control *c, cJSON *o, long limit)
{
	const struct mp_http_stream *hs = c->state[MP_L_HTTP_STREAM];
	const struct mp_player_relay *r = NULL;
	uint64_t now = mp_now_ms();
	cJSON *s, *a;
	long n = 0;

	cJSON_AddBoolToObject(o, "enabled", hs != NULL);
	if (!hs)
		return;
	NUM(o, "player_buffer", hs->player_buffer);
	s = cJSON_AddObjectToObject(o, "stats");
	NUM(s, "requests", hs->st.requests);
	NUM(s, "players", hs->st.players_now);
	NUM(s, "players_peak", hs->st.players_peak);
	NUM(s, "flv", hs->st.flv);
	NUM(s, "ts", hs->st.ts);
	NUM(s, "hls_playlists", hs->st.playlists);
	NUM(s, "hls_segments", hs->st.segments);
	NUM(s, "bytes_from_origins", hs->st.bytes_from_origins);
	NUM(s, "bytes_to_players", hs->st.bytes_to_players);
	NUM(s, "paused", hs->st.paused);
	NUM(s, "slow_dropped", hs->st.slow_dropped);
	NUM(s, "slow_dropped_bytes", hs->st.slow_dropped_bytes);
	NUM(s, "flv_tags_dropped", hs->st.flv_tags_dropped);
	NUM(s, "flv_bytes_dropped", hs->st.flv_bytes_dropped);
	NUM(s, "no_origin", hs->st.no_origin);
	NUM(s, "origin_failed", hs->st.origin_failed);
	NUM(s, "origin_cut", hs->st.origin_cut);
	NUM(s, "origin_flv_cut", hs->st.origin_flv_cut);
	NUM(s, "endpoint_retries", hs->st.endpoint_retries);
	NUM(s, "origin_repicks", hs->st.origin_repicks);
	NUM(s, "origin_dead_closed", hs->st.origin_dead_closed);
	NUM(s, "bad_request", hs->st.bad_request);
	NUM(s, "not_found", hs->st.not_found);
	NUM(s, "playlist_invalid", hs->st.playlist_invalid);
	a = cJSON_AddArrayToObject(o, "players");
	while ((r = mp_player_relay_next(hs, r)) != NULL && n++ < limit) {
		struct mp_player_relay_info in;
		cJSON *e = cJSON_CreateObject();

		mp_player_relay_info(r, now, &in);
		cJSON_AddStringToObject(e, "kind", in.kind);
		cJSON_AddStringToObject(e, "stream", in.stream);
		cJSON_AddStringToObject(e, "client", in.client);
		cJSON_AddStringToObject(e, "origin", in.origin);
		NUM(e, "status", in.status);
		NUM(e, "age_ms", in.age_ms);
		NUM(e, "bytes_in", in.bytes_in);
		NUM(e, "bytes_out", in.bytes_out);
		NUM(e, "queued", in.queued);
		cJSON_AddItemToArray(a, e);
	}
}
