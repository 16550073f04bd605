/* event_log.h: libevent's own messages through our log, rate-limited (an accept() loop failing with
 * EMFILE once wrote 1.67 million lines in 22 s), and the descriptor limit raised at start. */
#ifndef MP_EVENT_LOG_H
#define MP_EVENT_LOG_H

#include <stdint.h>

/* Route libevent's log through mp_log: at most 20 lines a second (a burst of 20), the rest counted and
 * said in one line before the next one logged. */
void mp_event_log_init(void);
/* libevent messages logged / dropped by the rate limit so far. */
uint64_t mp_event_log_lines(void);
uint64_t mp_event_log_dropped(void);

/* Raise RLIMIT_NOFILE's soft limit to the hard limit; logs the figures. Returns the soft limit now. */
uint64_t mp_raise_nofile(void);

#endif
