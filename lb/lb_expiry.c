/* lb_expiry.c: the idle-session timer wheel: sessions in buckets by the tick their idle deadline falls in. */
#include <rte_malloc.h>

#include "lb_internal.h"
#include "mp_error.h"

/* Nodes 0..cap-1 are sessions (by index), cap..cap+W-1 the bucket heads, cap+W the work list head;
 * every list is circular and doubly linked through exp_next/exp_prev, so a session leaves whatever
 * list it is on in O(1) when it closes. A bucket for tick t holds sessions whose deadline (last packet
 * from the client + their kind's idle time, as of when they were filed) falls in tick t (mod W).
 * Once tick t has fully passed, its bucket is spliced onto the work list; each session there is
 * either expired (still idle) or filed again by its newer deadline, which is always in a later tick.
 * A session is thus looked at about once per idle period, never per packet, and expires at most
 * one tick (plus the callers' turn) after its deadline. All under sess.wlock. */

#define UNLINKED UINT32_MAX

static inline uint32_t bucket_node(const struct mp_lb *lb, uint64_t tick)
{
	return lb->cfg.max_sessions + (uint32_t)(tick % MP_LB_EXP_WHEEL);
}

static inline uint32_t work_node(const struct mp_lb *lb)
{
	return lb->cfg.max_sessions + MP_LB_EXP_WHEEL;
}

static inline bool list_empty(const struct mp_lb *lb, uint32_t head)
{
	return lb->exp_next[head] == head;
}

static void link_after(struct mp_lb *lb, uint32_t head, uint32_t n)
{
	/* at the tail (before head), so a list is worked in filing order */
	uint32_t last = lb->exp_prev[head];
	lb->exp_next[n] = head;
	lb->exp_prev[n] = last;
	lb->exp_next[last] = n;
	lb->exp_prev[head] = n;
}

/* Move every node of list `from` to the tail of list `to`. */
static void splice(struct mp_lb *lb, uint32_t from, uint32_t to)
{
	if (list_empty(lb, from))
		return;
	uint32_t first = lb->exp_next[from], last = lb->exp_prev[from], tail = lb->exp_prev[to];
	lb->exp_next[tail] = first;
	lb->exp_prev[first] = tail;
	lb->exp_next[last] = to;
	lb->exp_prev[to] = last;
	lb->exp_next[from] = lb->exp_prev[from] = from;
}

void mp_lb_expiry_unlink(struct mp_lb *lb, uint32_t idx)
{
	uint32_t n = lb->exp_next[idx], p = lb->exp_prev[idx];
	if (n == UNLINKED)
		return;
	lb->exp_next[p] = n;
	lb->exp_prev[n] = p;
	lb->exp_next[idx] = lb->exp_prev[idx] = UNLINKED;
}

void mp_lb_expiry_link(struct mp_lb *lb, uint32_t idx, uint64_t deadline_ms)
{
	uint64_t tick = deadline_ms / MP_LB_EXP_TICK_MS;
	uint64_t done = atomic_load_explicit(&lb->exp_done, memory_order_relaxed);
	mp_lb_expiry_unlink(lb, idx);
	/* A tick already spliced away is worked from the work list (its deadline has passed). */
	link_after(lb, tick < done ? work_node(lb) : bucket_node(lb, tick), idx);
}

bool mp_lb_expiry_pending(struct mp_lb *lb, uint64_t now)
{
	return atomic_load_explicit(&lb->exp_work, memory_order_relaxed) != 0 ||
	       now / MP_LB_EXP_TICK_MS > atomic_load_explicit(&lb->exp_done, memory_order_relaxed);
}

/* The next session whose deadline tick has passed (from the work list, refilled from the buckets of
 * the ticks wholly before now), or UNLINKED when there is none now. */
static uint32_t next_due(struct mp_lb *lb, uint64_t now)
{
	uint32_t work = work_node(lb);
	uint64_t target = now / MP_LB_EXP_TICK_MS, done = atomic_load_explicit(&lb->exp_done, memory_order_relaxed);
	while (list_empty(lb, work) && done < target) {
		if (target - done >= MP_LB_EXP_WHEEL) {
			/* a whole turn of the wheel passed (first call, or a clock jump): everything is due or
			 * refiled */
			for (uint32_t b = 0; b < MP_LB_EXP_WHEEL; b++)
				splice(lb, lb->cfg.max_sessions + b, work);
			done = target;
		} else {
			splice(lb, bucket_node(lb, done), work);
			done++;
		}
		atomic_store_explicit(&lb->exp_done, done, memory_order_relaxed);
	}
	return list_empty(lb, work) ? UNLINKED : lb->exp_next[work];
}

uint32_t mp_lb_expiry_run(struct mp_lb *lb, uint64_t now, uint32_t budget,
			  bool (*expire)(struct mp_lb *lb, struct mp_lb_session *s, uint64_t now))
{
	uint32_t closed = 0, idx;
	while (budget-- > 0 && (idx = next_due(lb, now)) != UNLINKED) {
		struct mp_lb_session *s = &lb->sess_rec[idx];
		uint8_t st = atomic_load_explicit(&s->state, memory_order_relaxed);
		if (st != MP_LB_SESS_HANDSHAKE && st != MP_LB_SESS_ACTIVE) {
			mp_lb_expiry_unlink(lb, idx); /* closed sessions unlink themselves; defensive */
			continue;
		}
		uint64_t seen = atomic_load_explicit(&s->last_c2o_ms, memory_order_relaxed);
		uint64_t deadline = seen + mp_lb_idle_ms(lb, s->kind);
		if (deadline > now) {
			uint64_t next = deadline;
			/* a live WebRTC session renews its ICE username at least twice per username lifetime */
			if (s->kind == MP_LB_SESS_WEBRTC && now + lb->cfg.webrtc_ttl_ms / 2 < next)
				next = now + lb->cfg.webrtc_ttl_ms / 2 + 1;
			mp_lb_expiry_link(lb, idx, next); /* a later tick: onto a bucket, off the work list */
			if (s->kind == MP_LB_SESS_WEBRTC) {
				/* A live session keeps its ICE username alive (renewed by traffic). */
				const struct mp_lb_webrtc *e = mp_lb_session_webrtc_entry(lb, s);
				if (e != NULL)
					mp_lb_webrtc_touch(e, seen > now ? now : seen);
			}
			continue;
		}
		if (expire(lb, s, now))
			closed++;
		else
			mp_lb_expiry_unlink(lb, idx);
	}
	atomic_store_explicit(&lb->exp_work, list_empty(lb, work_node(lb)) ? 0 : 1, memory_order_relaxed);
	return closed;
}

int mp_lb_expiry_init(struct mp_lb *lb)
{
	uint32_t nodes = lb->cfg.max_sessions + MP_LB_EXP_WHEEL + 1;
	lb->exp_next = rte_malloc_socket("mp_lb_expn", sizeof(uint32_t) * nodes, 0, lb->cfg.socket_id);
	lb->exp_prev = rte_malloc_socket("mp_lb_expp", sizeof(uint32_t) * nodes, 0, lb->cfg.socket_id);
	if (lb->exp_next == NULL || lb->exp_prev == NULL)
		return MP_ERR_NOMEM;
	for (uint32_t i = 0; i < nodes; i++)
		lb->exp_next[i] = lb->exp_prev[i] = i < lb->cfg.max_sessions ? UNLINKED : i;
	atomic_store_explicit(&lb->exp_done, 0, memory_order_relaxed);
	atomic_store_explicit(&lb->exp_work, 0, memory_order_relaxed);
	return MP_OK;
}

void mp_lb_expiry_fini(struct mp_lb *lb)
{
	rte_free(lb->exp_next);
	rte_free(lb->exp_prev);
	lb->exp_next = lb->exp_prev = NULL;
}
