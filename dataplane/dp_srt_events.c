/* dp_srt_events.c: the per-worker ring of failed SRT handshakes (written by the worker, read by the control thread). */
#include "dp_srt_events.h"

#include <string.h>

void mp_dp_srt_event_put(struct mp_dp_srt_evring *r, uint8_t kind, int32_t reason, uint32_t client_ip,
			 uint16_t client_port, uint32_t origin_id, const char *stream)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	struct mp_dp_srt_event *e;
	size_t n = 0;

	if (head - tail >= MP_DP_SRT_EV_RING) {
		atomic_fetch_add_explicit(&r->lost, 1, memory_order_relaxed);
		return;
	}
	e = &r->ev[head % MP_DP_SRT_EV_RING];
	e->kind = kind;
	e->reason = reason;
	e->client_ip = client_ip;
	e->client_port = client_port;
	e->origin_id = origin_id;
	if (stream)
		while (stream[n] && n < sizeof(e->stream) - 1) {
			e->stream[n] = stream[n];
			n++;
		}
	e->stream[n] = 0;
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

int mp_dp_srt_event_take(struct mp_dp_srt_evring *r, struct mp_dp_srt_event *out)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	if (head == tail)
		return 0;
	memcpy(out, &r->ev[tail % MP_DP_SRT_EV_RING], sizeof(*out));
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	return 1;
}
