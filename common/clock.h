/*
 * The two clocks tfolab reads, in nanoseconds: CLOCK_MONOTONIC for
 * intervals, deadlines and timings, CLOCK_REALTIME for the Unix times that
 * results record.  Pure models take the time as a parameter
 * (queue_push(q, p, now_ns)); only the code that drives them reads these.
 */
#ifndef TFOLAB_COMMON_CLOCK_H
#define TFOLAB_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* clock_mono_ns - CLOCK_MONOTONIC, ns. */
static inline int64_t clock_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* clock_mono_ms - CLOCK_MONOTONIC, ms (for waits counted in ms). */
static inline int64_t clock_mono_ms(void)
{
	return clock_ns(CLOCK_MONOTONIC) / 1000000;
}

/* clock_real_ns - CLOCK_REALTIME: Unix time, ns. */
static inline int64_t clock_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

#endif
