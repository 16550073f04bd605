/* event_log.c: libevent's log routed through ours with a rate limit; RLIMIT_NOFILE raised at start. */
#include "event_log.h"
#include "mp_clock.h"
#include "mp_log.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include <event2/event.h>

#define LINES_PER_S 20

static uint64_t lines, dropped, dropped_reported, tokens_ms;

static void on_event_log(int severity, const char *msg)
{
	uint64_t now = mp_now_ms(), floor = now - 1000; /* a full bucket: a second's worth */
	enum mp_log_level lvl = severity >= EVENT_LOG_ERR ? MP_LOG_ERR : severity == EVENT_LOG_WARN ? MP_LOG_WARN
				: severity == EVENT_LOG_MSG ? MP_LOG_INFO : MP_LOG_DEBUG;

	/* token bucket as a time: each line costs 1000/LINES_PER_S ms of it, it may not run ahead of now */
	if (tokens_ms < floor)
		tokens_ms = floor;
	if (tokens_ms + 1000 / LINES_PER_S > now) {
		dropped++;
		return;
	}
	tokens_ms += 1000 / LINES_PER_S;
	if (dropped != dropped_reported) {
		MP_WARN("libevent: %llu message(s) not logged (over %d a second)",
			(unsigned long long)(dropped - dropped_reported), LINES_PER_S);
		dropped_reported = dropped;
	}
	lines++;
	mp_log(lvl, "libevent: %s", msg);
}

void mp_event_log_init(void)
{
	event_set_log_callback(on_event_log);
}

uint64_t mp_event_log_lines(void)
{
	return lines;
}

uint64_t mp_event_log_dropped(void)
{
	return dropped;
}

uint64_t mp_raise_nofile(void)
{
	struct rlimit rl;
	rlim_t was;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	was = rl.rlim_cur;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			MP_WARN("RLIMIT_NOFILE: cannot raise %llu to %llu: %s", (unsigned long long)was,
				(unsigned long long)rl.rlim_max, strerror(errno));
			return was;
		}
	}
	MP_INFO("open files limit (RLIMIT_NOFILE): %llu (was %llu, hard limit %llu)", (unsigned long long)rl.rlim_cur,
		(unsigned long long)was, (unsigned long long)rl.rlim_max);
	return rl.rlim_cur;
}
