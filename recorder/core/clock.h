/* clock.h: the two clocks events carry. The kernel stamps events with the
 * boot-time clock (it counts suspend, like task start_boottime); users read
 * wall-clock time. The offset between them moves when the wall clock is
 * set, so it is re-read every poll rather than once. */
#ifndef RG_CLOCK_H
#define RG_CLOCK_H

#include <stdint.h>

int64_t rg_wall_ns(void);
int64_t rg_mono_ns(void);
int64_t rg_boot_ns(void); /* the clock events' boot_ns are on */
/* CLOCK_REALTIME - CLOCK_BOOTTIME, in ns: boot_ns + offset = wall ns.
 * The boot-clock reading it was taken at goes to *boot_ns (if not NULL). */
int64_t rg_wall_offset_ns(int64_t *boot_ns);

#endif /* RG_CLOCK_H */
