/* player_relay_int.h: the relay's state, shared by the files of the relay (lifecycle, FLV, playlists). */
#ifndef MP_PLAYER_RELAY_INT_H
#define MP_PLAYER_RELAY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

#include "flv_split.h"
#include "http_client.h"
#include "player_relay.h"

struct evbuffer;
struct evhttp_connection;
struct evhttp_request;
struct event;

/*
 * Lifetimes. A relay owns its origin connection (one per player, so a slow player never holds up
 * another player's origin stream). The player's request belongs to libevent; we hold it until we end
 * the reply, or until the player's connection closes (closecb). libevent callbacks never free the
 * relay: they mark it dying and activate `reap`, which frees the origin connection (and a dropped
 * player's connection) from the event loop, outside any callback of those connections.
 */
/* Other origins tried for one player after its first one could not be reached. */
#define MP_PLAYER_RELAY_REPICKS 2
#define MP_PLAYER_RELAY_ECONNECT 1000 /* not an evhttp_request_error: connect() failed at once */
#define MP_PLAYER_RELAY_ECONNTIMEOUT 1001 /* nor this: not connected within origin_connect_timeout */

struct mp_player_relay {
	struct mp_http_stream *hs;
	struct mp_player_relay *prev, *next;
	struct evhttp_request *player;   /* NULL once the reply is ended or the player left */
	struct evhttp_connection *pconn; /* the player's connection while player is set */
	struct evhttp_connection *oconn; /* owned */
	struct event *reap;
	struct event *stall;             /* while paused: checks the player still makes progress */
	struct event *retry;             /* connect to the origin's next HTTP endpoint */
	char *target;                    /* request target for the origin (the client's, query kept) */
	bool head;                       /* HEAD, else GET */
	uint32_t origin_id, origin_uid;
	uint8_t n_ep, ep_next;           /* the origin's HTTP endpoints; the next one to try */
	uint8_t repicks;                 /* origins tried after the first could not be reached */
	enum mp_player_relay_mode mode;
	int status;                      /* origin's status once its headers arrived */
	int oerr;                        /* enum evhttp_request_error, MP_PLAYER_RELAY_ECONNECT, -1: none */
	struct mp_http_client_call send; /* the origin request (http_client.h) */
	bool replied;                    /* a reply (or its start) went to the player */
	bool dying;
	bool drop_player;                /* reap closes the player's connection (slow or cut) */
	bool origin_open;                /* the origin request is in flight (reads may be paused) */
	bool paused;                     /* origin reads stopped: the player's queue is full */
	size_t stall_queued;             /* the player's queue at the last stall check */
	bool flv;                        /* HTTP-FLV asked for */
	bool flv_on;                     /* splitting the origin's FLV into tags */
	bool keep;                       /* keep the current tag */
	bool need_key;                   /* video was dropped: none until the next keyframe */
	uint64_t drop_since_ms;          /* losing media tags since (0: not) */
	uint64_t over_since_ms;          /* queue over half of player_buffer since (0: not) */
	struct mp_flv_split split;
	const char *kind;
	char stream[MP_LB_STREAM_MAX];
	char spbhid[MP_LB_SPBHID_MAX];
	char client[64];
	char client_ip[48];
	char origin[56];                    /* "ip:port" or "[ipv6]:port" (MP_PEER_HOSTPORT_MAX) */
	uint64_t start_ms, bytes_in, bytes_out;
};

/* Bytes waiting in the player's output buffer. */
size_t mp_player_relay_queued(const struct mp_player_relay *r);
/* Mark the relay dying and free it from the event loop (closing the player's connection if drop_player). */
void mp_player_relay_kill(struct mp_player_relay *r, bool drop_player);
/* The reply is complete or handed over: forget the player. */
void mp_player_relay_release(struct mp_player_relay *r);
/* Answer the player with an error (CORS, JSON reason) unless a reply already started. */
void mp_player_relay_reply_error(struct mp_player_relay *r, int code, const char *reason);
/* Close a player that cannot keep up, and count it. */
void mp_player_relay_drop_slow(struct mp_player_relay *r, size_t queued, const char *why);
/* After a failed connect: schedule the origin's next HTTP endpoint; false when none is left. */
bool mp_player_relay_try_next_endpoint(struct mp_player_relay *r);
/* player_relay_flow.c: every stall_ms while the origin is paused (the relay's stall timer). */
void mp_player_relay_on_stall(evutil_socket_t fd, short what, void *arg);
/* Send buf to the player; when the player's queue has been written out, paused origin reads resume. */
void mp_player_relay_send(struct mp_player_relay *r, struct evbuffer *buf);
/* player_relay_flv.c: send n origin bytes from in as whole FLV tags, leaving out what a lagging player
 * cannot take. */
void mp_player_relay_send_flv(struct mp_player_relay *r, struct evbuffer *in, size_t n);
/* player_relay_playlist.c: answer the player with the origin's playlist, rewritten with spbhid on a 200. */
void mp_player_relay_send_playlist(struct mp_player_relay *r, struct evhttp_request *oreq);

#endif
