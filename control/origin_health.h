/* origin_health.h: origins found down by the relays (a connect refused or timed out) and by active
 * probes of their API endpoint (GET /api/v1/versions), and what happens to a dead origin's clients. */
#ifndef MP_ORIGIN_HEALTH_H
#define MP_ORIGIN_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mp_control;

/* A relay could not connect to origin (id, uid): mark it down at once, so it is not picked and its
 * pinned streams re-pick on their next request (the relay then re-picks for its own client). Its
 * live clients are left alone: one failed connect is a suspicion, not a death. True when the origin
 * was up until now (then logged). Control-plane thread. */
bool mp_origin_suspect(struct mp_control *c, uint32_t id, uint32_t uid, const char *what);

/* Origin (id, uid) is dead (its probes failed): mark it down, close every listener's clients of it
 * (players reconnect and land on another origin) and end its data-plane sessions. */
void mp_origin_dead(struct mp_control *c, uint32_t id, uint32_t uid, const char *why);

/* The origin an operator names (CLI, System API): its id ("3"), its key ("server-service-pid"), its
 * address ("10.0.0.5") or one of its endpoints ("10.0.0.5:1935"). Copies its key to key[cap].
 * MP_OK, MP_ERR_NOTFOUND, MP_ERR_EXISTS (an address that names several origins). */
int mp_origin_lookup(struct mp_control *c, const char *name, char *key, size_t cap);

/* From the control plane's timer: mark down the origins the data plane found silent (an SRT
 * handshake they never answered), as a relay's failed connect does. */
void mp_origin_health_tick(struct mp_control *c, uint64_t now);

/* Probes (config origin_probe): started with the control plane when on; mp_origin_probe_tick from
 * the control plane's timer; stop frees every probe in flight. */
int mp_origin_probe_start(struct mp_control *c);
void mp_origin_probe_tick(struct mp_control *c, uint64_t now);
void mp_origin_probe_stop(struct mp_control *c);

#endif
