/* control.h: the control plane: its listeners, HTTP servers and event loop on the kernel's sockets. */
#ifndef MP_CONTROL_H
#define MP_CONTROL_H

#include <stddef.h>

#include "cli.h"
#include "config.h"

enum mp_listener { MP_L_SYSTEM_API = 0, MP_L_HTTP_API, MP_L_HTTP_STREAM, MP_L_RTMP, MP_L__COUNT };

struct event_base;
struct evhttp;
struct evconnlistener;
struct event;

struct cJSON;
/* Fills a JSON object with the data plane's counters (provided by the appliance, so the control
 * plane never includes data-plane headers). */
typedef void (*mp_dp_stats_json_fn)(void *ctx, struct cJSON *out);

/* The control plane's lb reader id (the data plane's workers take 1..N). */
#define MP_CONTROL_READER 0

struct mp_lb;
struct mp_rtmp_proxy;
struct mp_http_api;
struct mp_http_stream;

struct mp_control_stats {
	uint64_t registrations;
	uint64_t register_rejected;
};

struct mp_control {
	const struct mp_config *cfg;
	struct mp_lb *lb;                   /* the balancer (set before mp_control_start) */
	struct mp_control_stats stats;
	mp_dp_stats_json_fn dp_stats;
	void *dp_stats_ctx;                 /* the context of dp_stats and dp_metrics */
	void (*dp_metrics)(void *ctx, struct mp_strbuf *out);
	struct mp_cli_hooks cli;            /* data-plane commands for the CLI (set by the appliance) */
	struct mp_cli_server *cli_server;   /* the Unix-socket CLI (cli_socket) */
	struct event_base *base;
	int fds[MP_L__COUNT];
	struct evhttp *http[MP_L_RTMP];     /* system API, HTTP API, HTTP stream */
	struct evconnlistener *rtmp;
	struct mp_rtmp_proxy *rtmp_proxy;  /* rtmp_proxy.c's sessions and counters */
	struct mp_http_api *api;            /* HTTP API state: relays in flight, WHIP resources */
	struct mp_http_stream *stream;      /* HTTP stream server state (http_stream.c) */
	struct event *signals[2];
	struct event *tick;                 /* 10 ms: quiescent report, Redis poll; mp_lb_sync every second */
	uint64_t next_sync_ms;
	int quit_signal;                    /* the signal that stopped the loop */
	int quitting;                       /* SIGTERM seen: draining open streams */
	struct event *grace;                /* grace_quit_timeout: stop even if streams are open */
	char pid[16];
};

/* Bind every listener (before EAL starts, so "address in use" fails fast and names the listener). */
int mp_control_bind(struct mp_control *c, const struct mp_config *cfg, char *err, size_t errcap);
/* Create the event loop and the servers on the bound sockets; log what listens where. */
int mp_control_start(struct mp_control *c, char *err, size_t errcap);
/* Run until SIGINT or SIGTERM. */
int mp_control_run(struct mp_control *c);
/* A stream ended while quitting: stop the loop once none is open. */
void mp_control_drained(struct mp_control *c);
/* Close listeners and free everything. */
void mp_control_close(struct mp_control *c);

/* Listener name for logs ("System API"). */
const char *mp_listener_name(enum mp_listener l);

#endif
