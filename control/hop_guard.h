/* hop_guard.h: this appliance's hop marker ("mediaplane-<node_id>") and the refusal of a request that
 * already carries it: a relay that reaches the appliance itself (directly, through a forwarder, or
 * through other appliances) stops at the second pass instead of multiplying connections. */
#ifndef MP_HOP_GUARD_H
#define MP_HOP_GUARD_H

#include <stdbool.h>

struct evhttp_request;
struct mp_control;

/* Set the marker from node_id ("" : 16 random hex digits). Called at start; before it, the marker
 * is a random one. */
void mp_hop_init(const char *node_id);
/* "mediaplane-<id>": the received-by of our Via entries and of the RTMP connect's mediaplane_via. */
const char *mp_hop_name(void);
/* "1.1 mediaplane-<id>": the Via entry the relays add. */
const char *mp_hop_via(void);

/* When req's Via names this appliance, answer 508 Loop Detected, count it (loops_refused) and
 * return true: the caller stops there. */
bool mp_hop_http_refused(struct mp_control *c, struct evhttp_request *req);

/* Count and log (at most once a second) a loop refused by a listener; what names it ("RTMP connect
 * from 1.2.3.4:5"). */
void mp_hop_loop_seen(struct mp_control *c, const char *what);

#endif
