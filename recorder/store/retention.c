/* retention.c: pruning rows past max_age_s or max_size_mb, in small steps
 * between batches (store.h). */
#include "store_int.h"

#include <stdio.h>

#include "clock.h"

/* ---- retention ---------------------------------------------------------------- */

#define PRUNE_ROWS 2000       /* event rows per table per step: a short transaction */
#define PRUNE_BUDGET_NS 200000000 /* steps per turn (between batches, once a
				   * second) until this is spent: ingest waits
				   * at most one step */

static int64_t used_bytes(sqlite3 *db)
{
	return (rg_sql_int(db, "PRAGMA page_count", 0) - rg_sql_int(db, "PRAGMA freelist_count", 0)) *
	       rg_sql_int(db, "PRAGMA page_size", 0);
}

/* Grows the one `pruned` gap (continuing an earlier run's) to end at
 * `end` with n more rows. */
static int record_pruned(sqlite3 *db, int64_t run_id, int64_t start, int64_t end, int64_t n)
{
	char sql[320];
	int64_t id = rg_sql_int(db, "SELECT max(gap_id) FROM gaps WHERE reason = 'pruned'", 0);
	if (id)
		snprintf(sql, sizeof(sql), "UPDATE gaps SET end_ns = max(end_ns, %lld), count = count + "
			 "%lld WHERE gap_id = %lld", (long long)end, (long long)n, (long long)id);
	else
		snprintf(sql, sizeof(sql), "INSERT INTO gaps (run_id, start_ns, end_ns, count, reason) "
			 "VALUES (%lld, %lld, %lld, %lld, 'pruned')", (long long)run_id,
			 (long long)start, (long long)end, (long long)n);
	return store_exec(db, sql, NULL, 0);
}

/* One step: the oldest event rows older than the age cutoff, or simply the
 * oldest while the data is over the size bound; then alerts, health rows
 * and gaps older than what is left. Returns the event rows removed. */
static int64_t prune_step(struct rg_store *s, int64_t cutoff)
{
	char sql[320];
	int64_t start = INT64_MAX, end = INT64_MIN, full_end = INT64_MAX, n = 0;
	if (store_exec(s->db, "BEGIN", NULL, 0))
		return 0;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		const char *name = rg_event_tables[t].name;
		snprintf(sql, sizeof(sql), "SELECT min(ts_ns), max(ts_ns), count(*) FROM (SELECT "
			 "ts_ns FROM %s WHERE ts_ns < %lld ORDER BY ts_ns LIMIT %d)", name,
			 (long long)cutoff, PRUNE_ROWS);
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 2) > 0) {
			int64_t lo = sqlite3_column_int64(st, 0), hi = sqlite3_column_int64(st, 1);
			start = lo < start ? lo : start;
			end = hi > end ? hi : end;
			/* a table that has more than a step's rows to go bounds the
			 * step: the others give only their rows up to that time */
			if (sqlite3_column_int64(st, 2) == PRUNE_ROWS && hi < full_end)
				full_end = hi;
		}
		sqlite3_finalize(st);
	}
	if (end == INT64_MIN) {
		store_exec(s->db, "ROLLBACK", NULL, 0);
		return 0;
	}
	if (full_end != INT64_MAX)
		end = full_end;
	/* everything up to `end` goes, in every table: coverage then begins
	 * after the pruned range, never with holes inside it */
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE ts_ns <= %lld",
			 rg_event_tables[t].name, (long long)end);
		if (store_exec(s->db, sql, NULL, 0))
			goto fail;
		n += sqlite3_changes(s->db);
	}
	snprintf(sql, sizeof(sql), "DELETE FROM alerts WHERE ts_ns <= %lld; DELETE FROM health "
		 "WHERE ts_ns <= %lld; DELETE FROM gaps WHERE end_ns <= %lld AND reason != 'pruned'",
		 (long long)end, (long long)end, (long long)end);
	if (store_exec(s->db, sql, NULL, 0) || record_pruned(s->db, s->run_id, start, end, n) ||
	    store_exec(s->db, "COMMIT", NULL, 0))
		goto fail;
	return n;
fail:
	store_complain(s, sqlite3_errmsg(s->db));
	store_exec(s->db, "ROLLBACK", NULL, 0);
	return 0;
}

/* Between batches: steps while anything is older than max_age or the
 * data is larger than max_size, for at most 200 ms a second (the file
 * keeps its size; freed pages are reused). */
void store_prune(struct rg_store *s)
{
	int64_t now = rg_mono_ns();
	if ((!s->o.max_age_s && !s->o.max_size_mb) ||
	    now - s->last_prune < (int64_t)s->o.prune_interval_ms * 1000000)
		return;
	s->last_prune = now;
	int64_t turn_wall = rg_wall_ns();
	int64_t pruned = 0;
	while (rg_mono_ns() - now < PRUNE_BUDGET_NS) {
		int64_t cutoff = INT64_MIN;
		if (s->o.max_age_s)
			cutoff = rg_wall_ns() - s->o.max_age_s * 1000000000LL;
		/* over the size bound: the oldest, whatever their age, but only
		 * rows that were there at the last turn, never the newest (what is
		 * never pruned, processes rows, may alone pass the bound) */
		if (s->o.max_size_mb && used_bytes(s->db) > s->o.max_size_mb * 1048576 &&
		    s->prev_prune_wall > cutoff)
			cutoff = s->prev_prune_wall;
		int64_t n = cutoff == INT64_MIN ? 0 : prune_step(s, cutoff);
		if (!n)
			break;
		pruned += n;
	}
	s->prev_prune_wall = turn_wall;
	if (s->o.max_age_s) { /* what is old goes even without old events */
		char sql[256];
		int64_t cut = rg_wall_ns() - s->o.max_age_s * 1000000000LL;
		snprintf(sql, sizeof(sql), "DELETE FROM health WHERE ts_ns < %lld; DELETE FROM alerts "
			 "WHERE ts_ns < %lld", (long long)cut, (long long)cut);
		store_exec(s->db, sql, NULL, 0);
	}
	if (pruned) {
		pthread_mutex_lock(&s->mu);
		s->st.rows_pruned += (uint64_t)pruned;
		pthread_mutex_unlock(&s->mu);
	}
}
