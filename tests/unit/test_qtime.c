/* test_qtime.c: the times rgq accepts (--since/--until) and prints. */
#include <stdio.h>
#include <string.h>

#include "qtime.h"
#include "tap.h"

#define NS 1000000000LL
static const int64_t now = 1793491200LL * NS; /* 2026-11-01T00:00:00Z */

static int64_t parse(const char *s)
{
	char err[200];
	int64_t v = -1;
	if (rgq_time_parse(s, now, &v, err, sizeof(err)))
		return -1;
	return v;
}

int main(void)
{
	char buf[64], err[200];
	int64_t v;
	CHECK_INT(parse("2026-11-01T00:00:00Z"), now, "ISO with Z");
	CHECK_INT(parse("2026-11-01"), now, "a date is its midnight, UTC");
	CHECK_INT(parse("2026-11-01 00:00:00"), now, "a space for T; no zone is UTC");
	CHECK_INT(parse("2026-11-01T01:30+01:30"), now, "a zone offset with a colon");
	CHECK_INT(parse("2026-10-31T23:00:00-0100"), now, "a negative offset without a colon");
	CHECK_INT(parse("2026-11-01T00:00:00.25Z"), now + NS / 4, "a fraction");
	CHECK_INT(parse("2026-11-01T00:00:00.000000001Z"), now + 1, "nanoseconds");
	CHECK_INT(parse("@1793491200.5"), now + NS / 2, "@epoch seconds with a fraction");
	CHECK_INT(parse("now"), now, "now");
	CHECK_INT(parse("1h"), now - 3600 * NS, "1h ago");
	CHECK_INT(parse("1h30m"), now - 5400 * NS, "units combine");
	CHECK_INT(parse("2d"), now - 2 * 86400 * NS, "days");
	CHECK_INT(parse("1w"), now - 7 * 86400 * NS, "weeks");
	CHECK_INT(parse("500ms"), now - NS / 2, "milliseconds");
	static const char *const bad[] = {
		"", "yesterday", "1x", "h", "-1h", "2026-13-01", "2026-02-30", "2026-11-01T25:00",
		"2026-11-01T00:00:00.Z", "2026-11-01T00:00:00.1234567890Z", "2026-11-01T00:00+25:00",
		"2026-11-01T00:00:00Zjunk", "@", "@12x", "99999999999999999999s", "1h 30m", "2300-01-01", "1850-01-01", "2026-1-1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[100];
		snprintf(what, sizeof(what), "'%s' is refused", bad[i]);
		CHECK_INT(rgq_time_parse(bad[i], now, &v, err, sizeof(err)), -1, what);
	}
	CHECK(strstr(err, "bad time '2026-1-1'") != NULL, "the message names the text");
	CHECK_STR(rgq_time_format(now + 250000000, buf, sizeof(buf)),
		  "2026-11-01T00:00:00.250000000Z", "printed: UTC with nanoseconds");
	CHECK_STR(rgq_time_format(-1, buf, sizeof(buf)), "1969-12-31T23:59:59.999999999Z",
		  "before the epoch");
	CHECK_INT(parse(rgq_time_format(now + 123456789, buf, sizeof(buf))), now + 123456789,
		  "what is printed parses back");
	return tap_done();
}
