/* mp_clock.h: the one clock every table timestamp uses (milliseconds, monotonic), shared by both planes. */
#ifndef MP_CLOCK_H
#define MP_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC through the vDSO: no system call, cheap enough once per RX burst. */
static inline uint64_t mp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#endif
