/* clock.c: clock readings (see clock.h). */
#include "clock.h"

#include <time.h>

static int64_t ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t rg_wall_ns(void)
{
	return ns(CLOCK_REALTIME);
}

int64_t rg_mono_ns(void)
{
	return ns(CLOCK_MONOTONIC);
}

int64_t rg_boot_ns(void)
{
	return ns(CLOCK_BOOTTIME);
}

int64_t rg_wall_offset_ns(int64_t *boot_ns)
{
	/* Read boot time between two wall readings and use their midpoint:
	 * the error is half the time the three calls take. */
	int64_t w1 = ns(CLOCK_REALTIME);
	int64_t b = ns(CLOCK_BOOTTIME);
	int64_t w2 = ns(CLOCK_REALTIME);
	if (boot_ns)
		*boot_ns = b;
	return w1 + (w2 - w1) / 2 - b;
}
