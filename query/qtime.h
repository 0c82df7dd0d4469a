/* qtime.h: the times rgq accepts and prints.
 *
 * Accepted (--since, --until):
 *   2026-11-29T18:02:03Z, 2026-11-29 18:02:03.250, 2026-11-29T18:02+01:00,
 *   2026-11-29     ISO 8601; without a zone the time is UTC
 *   1h, 30m, 2d, 90s, 1h30m, 500ms   that long before now
 *   now, @1764439323.5               now; seconds since the epoch
 * Printed: 2026-11-29T18:02:03.250000000Z (UTC, nanoseconds), or with
 * rgq_time_local(true) (--tz local) 2026-11-29T19:02:03.250000000+01:00,
 * and then a time without a zone is read as local time too.
 */
#ifndef RGQ_QTIME_H
#define RGQ_QTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Local time (TZ) instead of UTC, for printing and for zone-less input. */
void rgq_time_local(bool local);

/* Wall-clock ns since the epoch into *out; 0, or -1 with a message. */
int rgq_time_parse(const char *s, int64_t now_ns, int64_t *out, char *err, size_t errlen);

/* The printed form; buf holds at least 40 bytes. */
char *rgq_time_format(int64_t ns, char *buf, size_t len);

#endif /* RGQ_QTIME_H */
