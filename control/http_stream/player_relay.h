/* player_relay.h: one player's request relayed to an origin's HTTP server: status, headers and body
 * streamed back as they arrive, with a bound on what may queue for a slow player (past it the
 * player's own origin connection pauses; a stuck player is closed; a lagging HTTP-FLV player loses
 * whole tags). */
#ifndef MP_PLAYER_RELAY_H
#define MP_PLAYER_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb.h"

struct evhttp_request;
struct mp_control;

/* Counters of the HTTP stream server (System API /api/v1/players). */
struct mp_http_stream_stats {
	uint64_t requests;          /* every request on the HTTP stream listener */
	uint64_t flv, ts;           /* HTTP-FLV / HTTP-TS streams started */
	uint64_t playlists;         /* HLS playlists served (rewritten) */
	uint64_t segments;          /* HLS segments relayed by spbhid */
	uint64_t players_now;       /* relays open now */
	uint64_t players_peak;
	uint64_t bytes_from_origins;
	uint64_t bytes_to_players;
	uint64_t paused;            /* times an origin's reads were paused for a player's full queue */
	uint64_t slow_dropped;      /* players closed because they stopped taking data */
	uint64_t slow_dropped_bytes; /* bytes queued for them that were thrown away */
	uint64_t flv_tags_dropped;  /* HTTP-FLV: whole tags not sent to a player that fell behind */
	uint64_t flv_bytes_dropped;
	uint64_t no_origin;         /* 503: no alive origin with an HTTP endpoint */
	uint64_t origin_failed;     /* 502: connect/read failure or timeout before the reply */
	uint64_t endpoint_retries;  /* another HTTP endpoint of the origin tried after a failed connect */
	uint64_t origin_repicks;    /* players moved to another origin after every endpoint of theirs failed */
	uint64_t origin_dead_closed; /* players closed because their origin died (they reconnect elsewhere) */
	uint64_t origin_cut;        /* an origin failed after the reply had started */
	uint64_t origin_flv_cut;    /* an HTTP-FLV body ended inside a tag: the player's connection closed */
	uint64_t bad_request;       /* 400 */
	uint64_t not_found;         /* 404: not a stream, or an unknown spbhid */
	uint64_t playlist_invalid;  /* an origin's 200 playlist that is not HLS */
};

struct mp_player_relay;

/* The HTTP stream server's state (c->state[MP_L_HTTP_STREAM]). */
struct mp_http_stream {
	struct mp_control *c;
	size_t player_buffer;       /* bytes that may queue for one player; past it, reading its origin
				     * pauses until the player has taken them (back-pressure) */
	uint32_t lag_ms;            /* HTTP-FLV: queue over half of player_buffer this long: drop tags */
	uint32_t stall_ms;          /* a paused player that took nothing, or an FLV player that lost every
				     * media tag, this long is closed (slow_dropped) */
	uint32_t origin_timeout_s;  /* connect, and silence on an open origin stream */
	size_t playlist_max;        /* largest playlist read from an origin */
	struct mp_http_stream_stats st;
	struct mp_player_relay *relays;    /* open relays (listing, shutdown) */
};

enum mp_player_relay_mode {
	MP_RELAY_STREAM = 0, /* body passed through as it arrives (FLV, TS, segments) */
	MP_RELAY_PLAYLIST,   /* body read whole, a 200 rewritten with spbhid */
};

struct mp_player_relay_params {
	enum mp_player_relay_mode mode;
	const char *kind;                 /* "flv", "ts", "hls", "segment": for listings */
	bool flv;                         /* an FLV stream: drop whole tags when the player falls behind */
	const char *stream;               /* "vhost/app/stream" */
	const char *target;               /* request target sent to the origin: path and the client's query */
	const char *spbhid;               /* MP_RELAY_PLAYLIST: the id added to every URI */
	const struct mp_lb_target *origin;
};

/* Relay player (GET or HEAD) to the origin. Always answers the player (502 on failure). */
void mp_player_relay_start(struct mp_http_stream *hs, struct evhttp_request *player, const struct mp_player_relay_params *p);

/* Close every relay (shutdown, before the HTTP servers are freed). */
void mp_player_relay_close_all(struct mp_http_stream *hs);
/* Close the players relayed from origin (id, uid), which is dead; returns how many. */
uint32_t mp_player_relay_origin_down(struct mp_http_stream *hs, uint32_t origin_id, uint32_t origin_uid);

/* One open relay for listings: the relay after r (first when r is NULL), or NULL. */
const struct mp_player_relay *mp_player_relay_next(const struct mp_http_stream *hs, const struct mp_player_relay *r);

struct mp_player_relay_info {
	const char *kind, *stream, *client, *origin;
	uint64_t age_ms, bytes_in, bytes_out;
	size_t queued;              /* bytes waiting in the player's output buffer */
	int status;                 /* origin status, 0 before it answered */
};
void mp_player_relay_info(const struct mp_player_relay *r, uint64_t now, struct mp_player_relay_info *out);

#endif
