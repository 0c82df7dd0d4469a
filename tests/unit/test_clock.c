/* test_clock.c: a step of the wall clock becomes a gap row, from readings
 * of a fake clock: a backward step covers the wall-clock times both sides
 * of it carry, a forward step the times no event carries, and the jitter
 * of reading two clocks is no step and keeps the offset. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline.h"
#include "store.h"
#include "tap.h"

#define S 1000000000LL
#define OFFSET (1793491200LL * S) /* 2026-11-01T00:00:00Z at boot */

static char dir[] = "/tmp/rg-clock.XXXXXX";

/* The gap rows, one "reason start end count" line each, in order. */
static const char *gaps(const char *db)
{
	static char out[1024];
	sqlite3 *h;
	sqlite3_stmt *st;
	size_t at = 0;
	out[0] = '\0';
	sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL);
	if (sqlite3_prepare_v2(h, "SELECT reason, start_ns - 1793491200000000000, end_ns - "
				  "1793491200000000000, count FROM gaps ORDER BY gap_id",
			       -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW && at < sizeof(out))
			at += (size_t)snprintf(out + at, sizeof(out) - at, "%s %lld %lld %lld;",
					       sqlite3_column_text(st, 0),
					       sqlite3_column_int64(st, 1),
					       sqlite3_column_int64(st, 2),
					       sqlite3_column_int64(st, 3));
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return out;
}

int main(void)
{
	char err[256], db[64];
	static const struct rg_store_opts opts = {100, 20, 1024};
	if (!mkdtemp(dir))
		return 1;
	snprintf(db, sizeof(db), "%s/clock.db", dir);
	struct rg_store *s = rg_store_open(db, &opts, err, sizeof(err), NULL);
	CHECK(s, "opens a store");
	if (!s)
		return tap_done();
	struct rg_pipeline p;
	int64_t run = rg_store_begin_run(s, "h", "b", "0", OFFSET, 1, 16, 16);
	rg_pipeline_init(&p, NULL, NULL, s, run, 1, OFFSET);
	p.wall_offset = OFFSET;

	/* readings 100 ms apart on the boot clock */
	rg_pipeline_clock(&p, OFFSET + 3000, 10 * S); /* read jitter: 3 us */
	CHECK_INT(p.wall_offset, OFFSET, "a reading within 10 us keeps the offset");
	rg_pipeline_clock(&p, OFFSET - 9999, 10 * S);
	CHECK_INT(p.wall_offset, OFFSET, "below it too");
	rg_pipeline_clock(&p, OFFSET + 10000, 10 * S);
	CHECK_INT(p.wall_offset, OFFSET + 10000, "a reading 10 us off is taken");
	p.wall_offset = OFFSET + 3000;
	rg_pipeline_clock(&p, OFFSET + 3000 - 9999999, 11 * S); /* just under 10 ms */
	rg_store_sync(s);
	CHECK_STR(gaps(db), "", "jitter and a step under 10 ms make no gap");
	CHECK_INT(p.wall_offset, OFFSET + 3000 - 9999999, "the offset follows the reading");

	p.wall_offset = OFFSET;
	rg_pipeline_clock(&p, OFFSET - 3600 * S, 20 * S); /* set back an hour */
	rg_store_sync(s);
	CHECK_STR(gaps(db), "clock_step_back -3580000000000 20000000000 0;",
		  "set back 1 h at boot 20 s: a clock_step_back gap over the hour of wall "
		  "times both sides carry, nothing lost");
	CHECK_INT(p.wall_offset, OFFSET - 3600 * S, "events after it are stamped by the new clock");

	rg_pipeline_clock(&p, OFFSET - 3598 * S, 30 * S); /* set forward 2 s */
	rg_store_sync(s);
	CHECK_STR(gaps(db), "clock_step_back -3580000000000 20000000000 0;"
			    "clock_step_forward -3570000000000 -3568000000000 0;",
		  "set forward 2 s at boot 30 s: a clock_step_forward gap over the 2 s no "
		  "event carries");

	rg_pipeline_clock(&p, OFFSET - 3598 * S - 10000000, 31 * S); /* back exactly 10 ms */
	rg_store_sync(s);
	CHECK(strstr(gaps(db), "clock_step_back -3567010000000 -3567000000000 0;"),
	      "a step of exactly 10 ms is one");

	rg_store_close(s, OFFSET);
	rg_pipeline_free(&p);
	unlink(db);
	rmdir(dir);
	return tap_done();
}
