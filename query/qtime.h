/* qtime.h: the times rgq accepts and prints.
 *
 * Accepted (--since, --until):
 *   2026-11-29T18:02:03Z, 2026-11-29 18:02:03.250, 2026-11-29T18:02+01:00,
 *   2026-11-29     ISO 8601; without a zone the time is UTC
 *   1h, 30m, 2d, 90s, 1h30m, 500ms   that long before now
 *   now, @1764439323.5               now; seconds since the epoch
 * Printed: 2026-11-29T18:02:03.250000000Z (UTC, nanoseconds).
 */
#ifndef RGQ_QTIME_H
#define RGQ_QTIME_H

#include <stddef.h>
#include <stdint.h>

/* Wall-clock ns since the epoch into *out; 0, or -1 with a message. */
int rgq_time_parse(const char *s, int64_t now_ns, int64_t *out, char *err, size_t errlen);

/* The printed form; buf holds at least 40 bytes. */
char *rgq_time_format(int64_t ns, char *buf, size_t len);

#endif /* RGQ_QTIME_H */
