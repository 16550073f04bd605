/* lb_redis_thread.c: the Redis thread: all of an appliance's Redis I/O, off the control plane's loop. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lb_redis_internal.h"
#include "mp_clock.h"
#include "mp_error.h"
#include "mp_log.h"

/* Copy the stats for other threads (mp_lb_redis_stats never waits on the lock the Redis thread
 * holds while it waits on Redis). */
static void mp_rds_stats_publish(struct mp_rds *r)
{
	pthread_mutex_lock(&r->lock);
	struct mp_lb_redis_stats st = r->st;
	pthread_mutex_unlock(&r->lock);
	rte_spinlock_lock(&r->st_lock);
	r->st_pub = st;
	rte_spinlock_unlock(&r->st_lock);
}

static void *mp_rds_thread_main(void *arg)
{
	struct mp_rds *r = arg;
	struct mp_lb *lb = r->lb;
	mp_rds_role_redis_thread(r);
	uint64_t next_sync = 0;
	while (!atomic_load(&r->stop)) {
		uint64_t now = mp_now_ms();
		if (now >= next_sync) {
			mp_rds_sync_redis(r, now);
			next_sync = now + 1000;
		} else {
			mp_rds_poll_redis(r, now);
		}
		mp_rds_stats_publish(r);
		/* Every few ms: requests from the workers and the control plane (ICE misses, picks,
		 * registrations) are served quickly; offline meanwhile, holding no lb pointer. */
		mp_lb_quiescent(lb, (unsigned int)r->reader_id);
		mp_lb_reader_offline(lb, (unsigned int)r->reader_id);
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 5 * 1000000 };
		nanosleep(&ts, NULL);
		mp_lb_reader_online(lb, (unsigned int)r->reader_id);
	}
	mp_lb_reader_unregister(lb, (unsigned int)r->reader_id);
	return NULL;
}

int mp_lb_redis_start(struct mp_lb *lb, unsigned int reader_id)
{
	struct mp_rds *r = mp_rds_of(lb);
	if (r == NULL || r->offload)
		return MP_ERR_STATE;
	if (mp_lb_reader_register(lb, reader_id) != MP_OK) {
		MP_ERR("lb redis: reader id %u is not free for the Redis thread", reader_id);
		return MP_ERR_INVAL;
	}
	/* From here only the Redis thread talks to Redis; the others queue requests. The lock makes
	 * sure no other thread is in the middle of a command. */
	pthread_mutex_lock(&r->lock);
	r->reader_id = (int)reader_id;
	r->offload = true;
	pthread_mutex_unlock(&r->lock);
	atomic_store(&r->stop, false);
	int rc = pthread_create(&r->thr, NULL, mp_rds_thread_main, r);
	if (rc != 0) {
		MP_ERR("lb redis: cannot start the Redis thread (%s)", strerror(rc));
		pthread_mutex_lock(&r->lock);
		r->offload = false;
		r->reader_id = -1;
		pthread_mutex_unlock(&r->lock);
		mp_lb_reader_unregister(lb, reader_id);
		return MP_ERR_NOMEM;
	}
	pthread_setname_np(r->thr, "lb-redis");
	return MP_OK;
}

void mp_rds_thread_stop(struct mp_rds *r)
{
	if (!r->offload)
		return;
	atomic_store(&r->stop, true);
	pthread_join(r->thr, NULL);
	r->offload = false;
	r->reader_id = -1;
}
