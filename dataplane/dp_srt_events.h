/* dp_srt_events.h: SRT handshakes that failed (rejected, timed out), handed from workers to the control thread's log. */
#ifndef MP_DP_SRT_EVENTS_H
#define MP_DP_SRT_EVENTS_H

#include <stdatomic.h>
#include <stdint.h>

/*
 * One single-producer single-consumer ring per worker: the worker writes an event into the next free
 * entry and publishes it with a release store of head; the control thread reads up to head and gives
 * the entries back with a release store of tail. A full ring loses the event (counted in lost): a
 * worker never waits and never logs. Failures are rare next to packets, so 64 entries per worker
 * between two drains (every second) hold every one but a flood's, and a flood is summed up anyway.
 */
#define MP_DP_SRT_EV_RING 64u
#define MP_DP_SRT_EV_STREAM 96u /* stream key bytes kept (longer keys are cut) */
#define MP_DP_SRT_EV_NO_ORIGIN UINT32_MAX

enum mp_dp_srt_ev_kind {
	MP_DP_SRT_EV_REFUSED = 1,   /* the appliance rejected the caller (no stream id, no origin, overload...) */
	MP_DP_SRT_EV_ORIGIN_REJECT, /* the origin rejected the handshake (wrong passphrase, unknown stream...) */
	MP_DP_SRT_EV_ORIGIN_TIMEOUT,/* the origin stayed silent: the caller was rejected with REJ_TIMEOUT */
};

struct mp_dp_srt_event {
	uint8_t kind;          /* enum mp_dp_srt_ev_kind */
	int32_t reason;        /* SRT rejection code (srt.h mp_srt_reject_name) */
	uint32_t client_ip;    /* host order */
	uint16_t client_port;
	uint32_t origin_id;    /* MP_DP_SRT_EV_NO_ORIGIN: none picked */
	char stream[MP_DP_SRT_EV_STREAM]; /* balancer key, or "" when the caller named none we could read */
};

struct mp_dp_srt_evring {
	_Atomic uint32_t head;  /* written by the worker */
	_Atomic uint32_t tail;  /* written by the control thread */
	_Atomic uint64_t lost;  /* events the full ring could not take (worker writes) */
	struct mp_dp_srt_event ev[MP_DP_SRT_EV_RING];
};

/* Worker side: record one event (never blocks; lost and counted when the ring is full). */
void mp_dp_srt_event_put(struct mp_dp_srt_evring *r, uint8_t kind, int32_t reason, uint32_t client_ip,
			 uint16_t client_port, uint32_t origin_id, const char *stream);

/* Control side: take the oldest event into *out. 1 when one was taken, 0 when the ring is empty. */
int mp_dp_srt_event_take(struct mp_dp_srt_evring *r, struct mp_dp_srt_event *out);

#endif
