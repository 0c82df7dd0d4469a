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
 * `end` with n more rows, noted for the link; -1 on an error. */
static int record_pruned(struct rg_store *s, int64_t start, int64_t end, int64_t n)
{
	char sql[320];
	sqlite3 *db = s->db;
	int64_t run_id = s->run_id;
	int64_t id = rg_sql_int(db, "SELECT max(gap_id) FROM gaps WHERE reason = 'pruned'", 0);
	if (id)
		snprintf(sql, sizeof(sql), "UPDATE gaps SET end_ns = max(end_ns, %lld), count = count + "
			 "%lld WHERE gap_id = %lld", (long long)end, (long long)n, (long long)id);
	else
		snprintf(sql, sizeof(sql), "INSERT INTO gaps (run_id, start_ns, end_ns, count, reason) "
			 "VALUES (%lld, %lld, %lld, %lld, 'pruned')", (long long)run_id,
			 (long long)start, (long long)end, (long long)n);
	if (store_exec(db, sql, NULL, 0))
		return -1;
	id = id ? id : sqlite3_last_insert_rowid(db);
	store_chain_note_gap(s, id);
	return store_revise(db, "gaps", "gap_id", id) ? -1 : 0;
}

/* Deletes the rows of chain table t (chain.h) that match `where`, their
 * keys noted for the prune link. While shipping, the event, alert and
 * health rows among them that the destination has not acknowledged are
 * added to *unshipped: retention does not wait for the destination (the
 * disk's bound comes first). */
static int64_t prune_where(struct rg_store *s, unsigned t, const char *where,
			   struct rg_buf *note, int64_t *unshipped)
{
	if (unshipped && t != RG_CHAIN_GAPS)
		*unshipped += store_ship_unshipped(s, rg_chain_table(t), "seq", where);
	return store_chain_delete(s, t, where, note);
}

/* The same for the rows whose column col is op end (and that match `and`). */
static int64_t prune_table(struct rg_store *s, unsigned t, const char *col, const char *op,
			   int64_t end, const char *and, struct rg_buf *note, int64_t *unshipped)
{
	char where[200];
	snprintf(where, sizeof(where), "%s %s %lld%s", col, op, (long long)end, and);
	return prune_where(s, t, where, note, unshipped);
}

/* ---- lineage ------------------------------------------------------------------
 *
 * A processes row is the lineage of the rows that name it, and of its
 * children's. Retention removes one when nothing left needs it:
 *   - the process exited at or before the step's end, when every event
 *     row up to then is gone, and a minute ago or more: rows stamped after
 *     the exit (binary_hashed, when the hasher answers) are then written;
 *   - no exec, start or hash row of it is left (process_rows' exec index:
 *     those stamped after its exit, or before a step back of the clock);
 *   - no processes row names it as parent (a descendant left keeps its
 *     ancestors; the upsert keeps a known parent, schema.c), no alert
 *     names it and no run's start lists it (run_processes);
 *   - it is not the newest: the next run numbers on from it;
 *   - while shipping, the destination has its latest revision.
 * Each step looks at the next LINEAGE_ROWS rows by proc_id, from where the
 * last step stopped, and starts over past the newest: a sweep that no
 * restart loses and that costs each step the same. A parent goes in a
 * sweep after its last child.
 *
 * A process of a boot that has ended counts as exited whatever its
 * exit_ns says (none, when its exit was never seen): a run began after
 * its boot's last run (of another boot, then), and no event row from
 * before that run is left (by seq: clocks may differ across a reboot).
 * The run_processes rows of a run that no event row is left of go first
 * (not the newest run's): a run's start lists every process then
 * running, and would keep them all for good. */

#define LINEAGE_ROWS (4 * PRUNE_ROWS)
#define LINEAGE_LATE_NS (60 * 1000000000LL)

/* The oldest event row's seq, as SQL (INT64_MAX when there is none). */
_Static_assert(RG_N_EVENT_TABLES == 4, "OLDEST_SEQ reads every event table");
#define OLDEST_SEQ                                                                      \
	"min(coalesce((SELECT min(seq) FROM process_rows), 9223372036854775807), "      \
	"coalesce((SELECT min(seq) FROM file_rows), 9223372036854775807), "             \
	"coalesce((SELECT min(seq) FROM network_rows), 9223372036854775807), "          \
	"coalesce((SELECT min(seq) FROM system_events), 9223372036854775807))"

/* Deletes the run_processes rows of the runs no event row is left of,
 * and notes the boots that have ended before the oldest row left in
 * temp.rg_ended_boots (above). 0 or -1. */
static int prune_ended_runs(struct rg_store *s)
{
	static const char sql[] =
		"CREATE TEMP TABLE IF NOT EXISTS rg_oldest (seq INTEGER); "
		"DELETE FROM temp.rg_oldest; INSERT INTO temp.rg_oldest SELECT " OLDEST_SEQ "; "
		/* a run's rows are the seqs from its first_seq to the next run's */
		"DELETE FROM run_processes WHERE run_id IN (SELECT r.run_id FROM runs r WHERE "
		"EXISTS (SELECT 1 FROM run_processes x WHERE x.run_id = r.run_id) AND (SELECT "
		"n.first_seq FROM runs n WHERE n.run_id > r.run_id ORDER BY n.run_id LIMIT 1) <= "
		"(SELECT seq FROM temp.rg_oldest)); "
		"CREATE TEMP TABLE IF NOT EXISTS rg_ended_boots (b TEXT PRIMARY KEY); "
		"DELETE FROM temp.rg_ended_boots; INSERT INTO temp.rg_ended_boots SELECT b.boot_id "
		"FROM (SELECT boot_id, max(run_id) AS last FROM runs WHERE boot_id IS NOT NULL "
		"GROUP BY boot_id) b WHERE (SELECT n.first_seq FROM runs n WHERE n.run_id > b.last "
		"ORDER BY n.run_id LIMIT 1) <= (SELECT seq FROM temp.rg_oldest)";
	return store_exec(s->db, sql, NULL, 0);
}

/* Removes the processes rows of the sweep's next range that nothing left
 * needs (above), noted for the prune link; the rows removed, or -1. The
 * caller puts s->lineage_from back when its transaction rolls back. */
static int64_t prune_lineage(struct rg_store *s, int64_t end, struct rg_buf *note)
{
	char sql[1400], shipped[64] = "";
	int64_t lo = s->lineage_from, late = rg_wall_ns() - LINEAGE_LATE_NS;
	int64_t exited = end < late ? end : late; /* the latest exit that may go */
	snprintf(sql, sizeof(sql), "SELECT proc_id FROM processes WHERE proc_id > %lld ORDER BY "
		 "proc_id LIMIT 1 OFFSET %d", (long long)lo, LINEAGE_ROWS - 1);
	int64_t hi = rg_sql_int(s->db, sql, INT64_MAX); /* past the newest: the last range */
	if (s->ship_dest)
		snprintf(shipped, sizeof(shipped), " AND ship_rev <= %lld",
			 (long long)rg_store_ship_pos(s, "processes"));
	snprintf(sql, sizeof(sql), "CREATE TEMP TABLE IF NOT EXISTS rg_prune_procs (k INTEGER "
		 "PRIMARY KEY); DELETE FROM temp.rg_prune_procs; INSERT INTO temp.rg_prune_procs "
		 "SELECT proc_id FROM processes p WHERE proc_id > %lld AND proc_id <= %lld AND "
		 "(exit_ns <= %lld OR boot_id IN (SELECT b FROM temp.rg_ended_boots))%s AND "
		 "proc_id < (SELECT max(proc_id) FROM "
		 "processes) AND NOT EXISTS (SELECT 1 FROM %s r WHERE r.proc_id = p.proc_id AND "
		 "r.child_pid IS NULL AND r.exit_code IS NULL) AND NOT EXISTS (SELECT 1 FROM "
		 "processes c WHERE c.parent_proc_id = p.proc_id) AND NOT EXISTS (SELECT 1 FROM "
		 "alerts a WHERE a.proc_id = p.proc_id) AND NOT EXISTS (SELECT 1 FROM run_processes "
		 "r WHERE r.proc_id = p.proc_id)", (long long)lo, (long long)hi, (long long)exited,
		 shipped, rg_event_tables[0].rows);
	if (prune_ended_runs(s) || store_exec(s->db, sql, NULL, 0))
		return -1;
	int64_t n = sqlite3_changes(s->db) ? store_chain_delete(s, RG_CHAIN_PROCESSES,
				"proc_id IN (SELECT k FROM temp.rg_prune_procs)", note) : 0;
	if (n >= 0)
		s->lineage_from = hi == INT64_MAX ? 0 : hi;
	return n;
}

/* An event table's rows up to end, with the rest of their hash groups
 * (chain.h): a group's rows go together, or verify could not hash what is
 * left of it. *last: the newest time that went, of this table or one
 * before. */
static int64_t prune_events(struct rg_store *s, unsigned t, int64_t end, int64_t *last,
			    struct rg_buf *note, int64_t *unshipped)
{
	char cond[64], sql[320];
	snprintf(cond, sizeof(cond), "ts_ns <= %lld", (long long)end);
	const char *where = store_chain_whole(s, t, cond);
	if (!where)
		return -1;
	snprintf(sql, sizeof(sql), "SELECT max(coalesce(max(ts_ns), %lld), %lld) FROM %s WHERE %s",
		 (long long)*last, (long long)*last, rg_event_tables[t].rows, where);
	*last = rg_sql_int(s->db, sql, *last);
	return prune_where(s, t, where, note, unshipped);
}

/* The unshipped rows of a step, with its gap; 0 or -1. */
static int note_unshipped(struct rg_store *s, int64_t start, int64_t end, int64_t n)
{
	return n ? store_ship_gap(s, start, end, n) : 0;
}

/* The oldest time of up to PRUNE_ROWS event rows of table t before
 * cutoff, and their newest; false when there are none. *full: all
 * PRUNE_ROWS were there. */
static bool oldest_rows(struct rg_store *s, unsigned t, int64_t cutoff, int64_t *lo, int64_t *hi,
			bool *full)
{
	char sql[320];
	sqlite3_stmt *st;
	bool any = false;
	snprintf(sql, sizeof(sql), "SELECT min(ts_ns), max(ts_ns), count(*) FROM (SELECT "
		 "ts_ns FROM %s WHERE ts_ns < %lld ORDER BY ts_ns LIMIT %d)",
		 rg_event_tables[t].rows, (long long)cutoff, PRUNE_ROWS);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 2) > 0) {
		*lo = sqlite3_column_int64(st, 0);
		*hi = sqlite3_column_int64(st, 1);
		*full = sqlite3_column_int64(st, 2) == PRUNE_ROWS;
		any = true;
	}
	sqlite3_finalize(st);
	return any;
}

/* One step: the oldest event rows older than the age cutoff, or simply the
 * oldest while the data is over the size bound; then alerts, health rows
 * and gaps older than what is left. One transaction with its prune link
 * (chain.h): the rows it removed are told apart from rows deleted behind
 * the recorder's back. Returns the event rows removed. */
static int64_t prune_step(struct rg_store *s, int64_t cutoff)
{
	int64_t start = INT64_MAX, end = INT64_MIN, full_end = INT64_MAX, n = 0;
	int64_t lineage_from = s->lineage_from;
	struct rg_buf note = {0};
	if (store_exec(s->db, "BEGIN", NULL, 0))
		return 0;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		int64_t lo, hi;
		bool full;
		if (!oldest_rows(s, t, cutoff, &lo, &hi, &full))
			continue;
		start = lo < start ? lo : start;
		end = hi > end ? hi : end;
		/* a table that has more than a step's rows to go bounds the
		 * step: the others give only their rows up to that time */
		if (full && hi < full_end)
			full_end = hi;
	}
	if (end == INT64_MIN) {
		store_exec(s->db, "ROLLBACK", NULL, 0);
		return 0;
	}
	if (full_end != INT64_MAX)
		end = full_end;
	/* everything up to `end` goes, in every table: coverage then begins
	 * after the pruned range, never with holes inside it; with an event
	 * row, the rest of its hash group (a few rows newer, up to `last`) */
	int64_t unshipped = 0, last = end;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		int64_t k = prune_events(s, t, end, &last, &note, &unshipped);
		if (k < 0)
			goto fail;
		n += k;
	}
	/* SQLite may have rolled the transaction back by itself (a full
	 * disk): the deletes below must not then run on their own */
	if (sqlite3_get_autocommit(s->db) || store_prune_cmdlines(s) || store_prune_dicts(s))
		goto fail;
	if (prune_table(s, RG_N_EVENT_TABLES, "ts_ns", "<=", end, "", &note, &unshipped) < 0 ||
	    prune_table(s, RG_N_EVENT_TABLES + 1, "ts_ns", "<=", end, "", &note, &unshipped) < 0 ||
	    prune_table(s, RG_CHAIN_GAPS, "end_ns", "<=", end,
			" AND reason NOT IN ('pruned', 'unshipped') AND gap_id < (SELECT "
			"max(gap_id) FROM gaps)", &note, NULL) < 0 ||
	    prune_lineage(s, end, &note) < 0 ||
	    note_unshipped(s, start, last, unshipped) ||
	    record_pruned(s, start, last, n) || store_chain_trim(s, &note) ||
	    store_chain_link(s, "prune", rg_buf_cstr(&note)) ||
	    store_exec(s->db, "COMMIT", NULL, 0))
		goto fail;
	rg_buf_free(&note);
	return n;
fail:
	store_complain(s, sqlite3_errmsg(s->db));
	store_exec(s->db, "ROLLBACK", NULL, 0);
	store_chain_undo(s);
	s->lineage_from = lineage_from; /* that range's rows are all still there */
	rg_buf_free(&note);
	return 0;
}

/* Alerts and health rows past max_age even without old events: a step of
 * its own, with its link. */
static void prune_aged(struct rg_store *s)
{
	struct rg_buf note = {0};
	int64_t cut = rg_wall_ns() - s->o.max_age_s * 1000000000LL;
	if (store_exec(s->db, "BEGIN", NULL, 0))
		return;
	int64_t unshipped = 0, start = cut;
	if (s->ship_dest) { /* where an unshipped gap starts: the oldest row to go */
		char sql[240];
		snprintf(sql, sizeof(sql), "SELECT min(m) FROM (SELECT min(ts_ns) m FROM alerts WHERE "
			 "ts_ns < %lld UNION ALL SELECT min(ts_ns) FROM health WHERE ts_ns < %lld)",
			 (long long)cut, (long long)cut);
		start = rg_sql_int(s->db, sql, cut);
	}
	int64_t a = prune_table(s, RG_N_EVENT_TABLES + 1, "ts_ns", "<", cut, "", &note, &unshipped);
	int64_t b = a < 0 ? -1 : prune_table(s, RG_N_EVENT_TABLES, "ts_ns", "<", cut, "", &note,
					     &unshipped);
	if (b < 0 || note_unshipped(s, start, cut, unshipped) || (a + b && store_chain_trim(s, &note)) ||
	    (a + b && store_chain_link(s, "prune", rg_buf_cstr(&note))) ||
	    store_exec(s->db, "COMMIT", NULL, 0)) {
		store_exec(s->db, "ROLLBACK", NULL, 0);
		store_chain_undo(s);
	}
	rg_buf_free(&note);
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
		 * never pruned, clocks and running processes' lineage, and the
		 * actors, images and names the oldest row's block keeps, may
		 * alone pass the bound) */
		if (s->o.max_size_mb && used_bytes(s->db) > s->o.max_size_mb * 1048576 &&
		    s->prev_prune_wall > cutoff)
			cutoff = s->prev_prune_wall;
		int64_t n = cutoff == INT64_MIN ? 0 : prune_step(s, cutoff);
		if (!n)
			break;
		pruned += n;
	}
	s->prev_prune_wall = turn_wall;
	if (s->o.max_age_s) /* what is old goes even without old events */
		prune_aged(s);
	if (pruned) {
		pthread_mutex_lock(&s->mu);
		s->st.rows_pruned += (uint64_t)pruned;
		pthread_mutex_unlock(&s->mu);
	}
}
