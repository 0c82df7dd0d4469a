/* cmd_misc.c: `rgq alerts`, `health`, `gaps`, `sql` and `export`. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "chain.h"
#include "export_chain.h"
#include "fields.h"
#include "qtime.h"
#include "rgq.h"
#include "row.h"
#include "sha256.h"

/* ---- alerts ------------------------------------------------------------------ */

/* The columns `rgq replay` prints too, so the two compare with diff. */
const char rgq_alert_columns[] =
	"rg_time(ts_ns) AS time, severity, rule_id, event_seq, event_type, pid, proc_id, exe, "
	"summary, steps, (SELECT user FROM processes p WHERE p.proc_id = alerts.proc_id) AS user, "
	"(SELECT cmdline FROM processes p WHERE p.proc_id = alerts.proc_id) AS cmdline";

static int severity_rank(const char *s)
{
	static const char *const names[] = {"low", "medium", "high", "critical"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static int run_alerts(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o)
{
	int r = o->severity ? severity_rank(o->severity) : 0;
	if (r < 0)
		return rgq_usage_error(c, "bad --severity '%s' (low, medium, high, critical)",
				       o->severity);
	struct rg_buf b = {0};
	rg_buf_printf(&b, "SELECT %s FROM alerts WHERE 1", rgq_alert_columns);
	rgq_time_cond(&b, o, "ts_ns");
	if (o->severity) {
		rg_buf_adds(&b, " AND CASE severity WHEN 'low' THEN 0 WHEN 'medium' THEN 1 "
				"WHEN 'high' THEN 2 ELSE 3 END >= ");
		rg_buf_add_i64(&b, r);
	}
	if (o->rule)
		rg_buf_adds(&b, " AND rule_id = :rule");
	if (o->has_pid)
		rg_buf_adds(&b, " AND pid = :pid");
	if (o->has_proc)
		rg_buf_adds(&b, " AND proc_id = :proc");
	rgq_container_cond(&b, o, false);
	if (o->user)
		rg_buf_adds(&b, " AND proc_id IN (SELECT proc_id FROM processes WHERE user = :user)");
	rg_buf_adds(&b, " ORDER BY seq LIMIT :limit");
	return rgq_query(g, c, &b, o);
}

const struct rgq_command rgq_cmd_alerts = {
	"alerts", "alerts raised by the rules, oldest first",
	"alerts [--severity S] [--rule ID] [--pid N | --proc-id ID] [--container C]\n"
	"       [--user NAME] [--since TIME] [--until TIME] [--limit N]",
	"The alerts table in order. Columns: time, severity, rule_id, event_seq (the\n"
	"triggering event: rgq sql \"SELECT * FROM file_events WHERE seq = N\"),\n"
	"event_type, pid, proc_id, exe, summary, steps (a sequence rule's alert:\n"
	"every step's event seq as a JSON array, e.g. [12,57]; see docs/rules.md),\n"
	"user (the name of the process's uid as the recorder resolved it: processes.user),\n"
	"cmdline (the process's command line, as of its last exec).\n"
	"  --severity S     at least S: low, medium, high, critical\n"
	"  --rule ID        one rule's alerts\n"
	"  --container C    alerts on the processes of container C (rgq events --help)\n"
	"  --user NAME      alerts on the processes whose user is NAME (the user column)\n",
	"SUnsRpPCN", 0, run_alerts,
};

/* ---- health ------------------------------------------------------------------ */

static int health_latest(struct rgq *g, const struct rgq_command *c)
{
	sqlite3_stmt *st = rgq_prepare(g, c, "SELECT rg_time(ts_ns) AS time, * FROM health "
					     "ORDER BY seq DESC LIMIT 1");
	if (!st)
		return 1;
	if (g->fmt != RGQ_TABLE)
		return rgq_print(g, c, st);
	/* a table of one wide row reads better turned: field, value */
	struct rgq_out out;
	const char *names[] = {"field", "value"};
	rgq_out_begin(&out, RGQ_TABLE, stdout, 2, names);
	if (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const char *name = sqlite3_column_name(st, i);
			struct rgq_value v[2] = {{SQLITE_TEXT, 0, 0, name, strlen(name)},
						 rgq_column(st, i)};
			rgq_out_row(&out, v);
		}
	}
	uint64_t rows = rgq_out_end(&out);
	sqlite3_finalize(st);
	if (!rows)
		fprintf(stderr, "rgq health: no health rows yet\n");
	return 0;
}

/* A run recording with no enabled rule raised no alert, whatever happened:
 * said on stderr for each run whose shown rows (latest: the latest row)
 * have rules_enabled = 0, so an empty alerts table is not read as calm. */
static void warn_no_rules(struct rgq *g, const struct rgq_opts *o, bool latest)
{
	struct rg_buf b = {0};
	sqlite3_stmt *st;
	rg_buf_adds(&b, "SELECT run_id, count(*) FROM health WHERE rules_enabled = 0");
	if (latest)
		rg_buf_adds(&b, " AND seq = (SELECT max(seq) FROM health)");
	rgq_time_cond(&b, o, "ts_ns");
	if (o->has_run)
		rg_buf_printf(&b, " AND run_id = %lld", o->run);
	rg_buf_adds(&b, " GROUP BY run_id ORDER BY run_id");
	if (sqlite3_prepare_v2(g->db, rg_buf_cstr(&b), -1, &st, NULL) == SQLITE_OK) {
		rgq_bind_common(st, o);
		while (sqlite3_step(st) == SQLITE_ROW)
			fprintf(stderr, "rgq health: WARNING: run %lld recorded without detection "
				"rules (rules_enabled = 0 in %lld health row%s): no alerts were raised "
				"there\n", (long long)sqlite3_column_int64(st, 0),
				(long long)sqlite3_column_int64(st, 1),
				sqlite3_column_int64(st, 1) == 1 ? "" : "s");
	}
	sqlite3_finalize(st);
	rg_buf_free(&b);
}

/* The main counters over time, one row per health interval. */
static int health_range(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o)
{
	struct rg_buf b = {0};
	rg_buf_adds(&b, "SELECT rg_time(ts_ns) AS time, run_id, events_read, kernel_drops, "
			"user_drops, store_failures, filtered, rows_process_events, "
			"rows_file_events, rows_network_events, rows_system_events, alerts, queue_depth, "
			"batch_commit_us_max, wal_bytes, checkpoints_blocked, wal_pinned, rss_kb "
			"FROM health WHERE 1");
	rgq_time_cond(&b, o, "ts_ns");
	if (o->has_run)
		rg_buf_printf(&b, " AND run_id = %lld", o->run);
	rg_buf_adds(&b, " ORDER BY seq LIMIT :limit");
	return rgq_query(g, c, &b, o);
}

static int run_health(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o)
{
	bool latest = !o->all && o->since == INT64_MIN && o->until == INT64_MAX && !o->has_run;
	int rc = latest ? health_latest(g, c) : health_range(g, c, o);
	if (!rc)
		warn_no_rules(g, o, latest);
	return rc;
}

const struct rgq_command rgq_cmd_health = {
	"health", "the recorder's health: the latest row, or over time",
	"health [--all | --run N | --since TIME --until TIME] [--limit N]",
	"Without options: every counter of the latest health row (docs/schema.md).\n"
	"  --all, --run N, --since, --until: the main counters over time, one row per\n"
	"  health interval (counters are totals since that run started)\n"
	"A run whose rows shown have rules_enabled = 0 (no detection) is named on\n"
	"stderr in a WARNING line.\n",
	"SUnau", 0, run_health,
};

/* ---- gaps: coverage --------------------------------------------------------- */

struct span {
	int64_t start, end;
	char kind[32];    /* recorded, unknown, or a gap reason */
	int64_t count;    /* events lost; -1: not a gap */
	int64_t run;
	char detail[160];
};

struct spans {
	struct span *v;
	size_t n;
};

static struct span *add_span(struct spans *s)
{
	s->v = rg_realloc(s->v, (s->n + 1) * sizeof(*s->v));
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	return &s->v[s->n++];
}

static int by_start(const void *a, const void *b)
{
	const struct span *x = a, *y = b; /* at one start: recorded spans first */
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->count > y->count) - (x->count < y->count);
}

/* A step of the wall clock is a gap row that lost nothing: the range it
 * names was recorded, only its times mislead (pipeline.h). */
static bool clock_step(const struct span *g)
{
	return !strncmp(g->kind, "clock_step", 10);
}

/* The run's recorded span minus the gaps inside it (clock steps aside). */
static void complete_pieces(struct spans *out, int64_t run, int64_t s, int64_t e,
			    const char *state, const struct span *gaps, size_t ngaps)
{
	int64_t at = s;
	for (size_t i = 0; i < ngaps; i++) {
		const struct span *g = &gaps[i];
		if (clock_step(g) || g->end <= at || g->start >= e)
			continue;
		if (g->start > at) {
			struct span *p = add_span(out);
			*p = (struct span){at, g->start, "recorded", -1, run, ""};
			snprintf(p->detail, sizeof(p->detail), "run %lld", (long long)run);
		}
		if (g->end > at)
			at = g->end;
	}
	if (at < e) {
		struct span *p = add_span(out);
		*p = (struct span){at, e, "recorded", -1, run, ""};
		snprintf(p->detail, sizeof(p->detail), "run %lld%s", (long long)run, state);
	}
}

static int run_gaps(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o)
{
	struct spans gaps = {0}, out = {0};
	sqlite3_stmt *st = rgq_prepare(g, c, "SELECT start_ns, end_ns, reason, count, run_id, "
					     "rule_id FROM gaps ORDER BY start_ns");
	if (!st)
		return 1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct span *p = add_span(&gaps);
		const char *r = (const char *)sqlite3_column_text(st, 2);
		*p = (struct span){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), "",
				   sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4), ""};
		snprintf(p->kind, sizeof(p->kind), "%s", r ? r : "?");
		snprintf(p->detail, sizeof(p->detail), "%lld events lost",
			 (long long)p->count);
		if (!strcmp(p->kind, "recorder_down"))
			snprintf(p->detail, sizeof(p->detail), "nothing recorded");
		else if (!strcmp(p->kind, "pruned"))
			snprintf(p->detail, sizeof(p->detail), "%lld events removed by retention",
				 (long long)p->count);
		else if (clock_step(p))
			snprintf(p->detail, sizeof(p->detail), strcmp(p->kind, "clock_step_back")
				 ? "clock set forward %.3f s: no event has these times"
				 : "clock set back %.3f s: these times occur twice",
				 (double)(p->end - p->start) / 1e9);
		else if (!strcmp(p->kind, "sequence_eviction")) /* events kept, detection not */
			snprintf(p->detail, sizeof(p->detail), "%lld partial matches of %.100s "
				 "evicted: its sequences may be missed", (long long)p->count,
				 sqlite3_column_type(st, 5) == SQLITE_NULL
					 ? "a sequence rule"
					 : (const char *)sqlite3_column_text(st, 5));
	}
	sqlite3_finalize(st);
	st = rgq_prepare(g, c, "SELECT run_id, started_ns, stopped_ns, (SELECT max(ts_ns) FROM "
			       "health h WHERE h.run_id = runs.run_id), run_id = (SELECT "
			       "max(run_id) FROM runs) FROM runs ORDER BY run_id");
	if (!st) {
		free(gaps.v);
		return 1;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t run = sqlite3_column_int64(st, 0), s = sqlite3_column_int64(st, 1), e;
		if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
			complete_pieces(&out, run, s, sqlite3_column_int64(st, 2), "", gaps.v, gaps.n);
			continue;
		}
		/* no clean stop: known to have recorded up to its last health row */
		e = sqlite3_column_type(st, 3) == SQLITE_NULL ? s : sqlite3_column_int64(st, 3);
		complete_pieces(&out, run, s, e, ", up to its last health row", gaps.v, gaps.n);
		struct span *u = add_span(&out);
		int64_t until = sqlite3_column_int(st, 4) ? g->now : e;
		if (sqlite3_column_int(st, 4) && until > e) {
			*u = (struct span){e, until, "unknown", -1, run, ""};
			snprintf(u->detail, sizeof(u->detail), "run %lld: running, or stopped without "
				 "a clean stop", (long long)run);
		} else {
			out.n--; /* an earlier crashed run: the next run's recorder_down gap covers it */
		}
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < gaps.n; i++)
		*add_span(&out) = gaps.v[i];
	if (out.n)
		qsort(out.v, out.n, sizeof(*out.v), by_start);

	const char *names[] = {"start", "end", "coverage", "lost", "detail"};
	struct rgq_out w;
	char t1[64], t2[64];
	rgq_out_begin(&w, g->fmt, stdout, 5, names);
	for (size_t i = 0; i < out.n; i++) {
		const struct span *p = &out.v[i];
		if (p->end < o->since || p->start > o->until)
			continue;
		rgq_time_format(p->start, t1, sizeof(t1));
		rgq_time_format(p->end, t2, sizeof(t2));
		struct rgq_value v[5] = {
			{SQLITE_TEXT, 0, 0, t1, strlen(t1)},
			{SQLITE_TEXT, 0, 0, t2, strlen(t2)},
			{SQLITE_TEXT, 0, 0, p->kind, strlen(p->kind)},
			p->count < 0 ? (struct rgq_value){SQLITE_NULL, 0, 0, 0, 0}
				     : (struct rgq_value){SQLITE_INTEGER, p->count, 0, 0, 0},
			{SQLITE_TEXT, 0, 0, p->detail, strlen(p->detail)},
		};
		rgq_out_row(&w, v);
	}
	if (!rgq_out_end(&w))
		rgq_no_rows(g, c);
	free(gaps.v);
	free(out.v);
	return 0;
}

const struct rgq_command rgq_cmd_gaps = {
	"gaps", "coverage: which time ranges are complete, where events were lost and why",
	"gaps [--since TIME] [--until TIME]",
	"The recording's coverage in time order: 'recorded' spans of each run with\n"
	"nothing known lost, and the gaps between and inside them with their reason\n"
	"(kernel_drop, kernel_skipped, user_drop, store_failure, invalid, recorder_down,\n"
	"pruned by retention) and how many events were lost (0 when unknown;\n"
	"kernel_skipped: at most that many). Steps of the wall\n"
	"clock are listed too (clock_step_back: the times of the range were recorded\n"
	"twice, before and after the step; clock_step_forward: no event has them).\n"
	"A sequence_eviction gap kept its events but not one sequence rule's partial\n"
	"matches ([rules] sequence_max was full): 'lost' counts those, the detail\n"
	"names the rule.\n",
	"SU", 0, run_gaps,
};

/* ---- sql --------------------------------------------------------------------- */

static int run_sql(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o)
{
	if (o->nargs != 1)
		return rgq_usage_error(c, "give one SQL text");
	const char *sql = o->args[0];
	while (sql && *sql) {
		sqlite3_stmt *st = NULL;
		const char *tail;
		if (sqlite3_prepare_v2(g->db, sql, -1, &st, &tail) != SQLITE_OK)
			return rgq_fail(c, "%s", sqlite3_errmsg(g->db));
		if (!st) /* only whitespace or a comment left */
			break;
		if (!sqlite3_stmt_readonly(st)) {
			sqlite3_finalize(st);
			return rgq_fail(c, "the database is open read-only: this statement would "
				       "change it");
		}
		struct rgq_out out;
		bool rows = sqlite3_column_count(st);
		int rc = rows ? rgq_out_stmt(&out, g->fmt, stdout, st) : sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			return rgq_fail(c, "%s", sqlite3_errmsg(g->db));
		if (rows && !out.rows)
			rgq_no_rows(g, c);
		sql = tail;
	}
	return 0;
}

const struct rgq_command rgq_cmd_sql = {
	"sql", "any read-only SQL, in the chosen format",
	"sql \"SELECT ...\"",
	"Runs the statements (separated by ';') and prints each result. The database\n"
	"is read-only: a statement that would write is refused. Besides SQLite's own\n"
	"functions: rg_time(ns) prints a time, path_glob(pattern, path) and\n"
	"path_prefix(prefix, path) match paths as the rules do. Tables and columns:\n"
	"docs/schema.md.\n",
	"", 1, run_sql,
};

/* ---- export ------------------------------------------------------------------ */

struct export_links {
	int64_t lo, hi, outside;
};

/* Deletes the names (schema/023) no row kept refers to: a directory or
 * a binary's hash seen only outside the range goes. 0 or an SQLite error. */
static int export_names(sqlite3 *dst)
{
	struct rg_buf refs = {0}, sql = {0};
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++)
		if (rg_row_compact(t))
			rg_row_name_refs(&refs, t);
	rg_buf_printf(&sql, "DELETE FROM names WHERE id NOT IN (%s)", rg_buf_cstr(&refs));
	int rc = sqlite3_exec(dst, rg_buf_cstr(&sql), NULL, NULL, NULL);
	rg_buf_free(&refs);
	rg_buf_free(&sql);
	return rc;
}

/* Rows outside the range go from the copy; processes, runs and meta stay,
 * and the chain links that cover the rows kept (export_chain.h). */
static int trim(sqlite3 *dst, const struct rgq_opts *o, struct export_links *el, char *err,
		size_t errlen)
{
	static const char *const tables[][2] = {
		{"process_rows", "ts_ns"}, {"file_rows", "ts_ns"}, {"network_rows", "ts_ns"},
		{"system_events", "ts_ns"},  {"alerts", "ts_ns"},      {"health", "ts_ns"},
		{"gaps", "end_ns"},
	};
	_Static_assert(RG_N_EVENT_TABLES == 4, "every event table is trimmed");
	/* the first four in rg_event_tables' order: their chain table index is i */
	char sql[256];
	if (sqlite3_exec(dst, "BEGIN", NULL, NULL, NULL))
		goto fail;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char keep[160] = "0";
		/* an event row outside the range stays when a row inside it
		 * shares its hash group (chain.h): verify hashes whole groups */
		if (i < RG_N_EVENT_TABLES) {
			snprintf(sql, sizeof(sql), "ts_ns >= %lld AND ts_ns <= %lld",
				 (long long)o->since, (long long)o->until);
			struct rg_chain_mark m = {1, 0};
			if (rg_chain_whole_groups(dst, (unsigned)i, sql, 1, &m, "rg_export_keep"))
				goto fail;
			snprintf(keep, sizeof(keep), "seq IN (SELECT k FROM temp.rg_export_keep)");
		}
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE (%s < %lld OR %s > %lld) AND NOT %s",
			 tables[i][0], tables[i][1], (long long)o->since,
			 !strcmp(tables[i][0], "gaps") ? "start_ns" : tables[i][1],
			 (long long)o->until, keep);
		if (sqlite3_exec(dst, sql, NULL, NULL, NULL))
			goto fail;
	}
	/* the more rows of the rows that went (schema/029) */
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		if (!rg_event_tables[t].more)
			continue;
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE seq NOT IN (SELECT seq FROM %s)",
			 rg_event_tables[t].more, rg_event_tables[t].rows);
		if (sqlite3_exec(dst, sql, NULL, NULL, NULL))
			goto fail;
	}
	/* and the command lines no row kept has (schema/031): only the range's */
	if (sqlite3_exec(dst, "DELETE FROM cmdlines WHERE id NOT IN (SELECT cmdline_id FROM "
			      "process_rows WHERE cmdline_id IS NOT NULL)", NULL, NULL, NULL))
		goto fail;
	/* and the actors (schema/025): who acted outside the range goes too */
	if (sqlite3_exec(dst, "DELETE FROM actors WHERE id NOT IN (SELECT actor_id FROM "
			      "process_rows UNION SELECT actor_id FROM file_rows UNION SELECT "
			      "actor_id FROM network_rows)", NULL, NULL, NULL) ||
	    sqlite3_exec(dst, "DELETE FROM images WHERE id NOT IN (SELECT image_id FROM actors "
			      "WHERE image_id IS NOT NULL)", NULL, NULL, NULL) ||
	    export_names(dst))
		goto fail;
	if (rgq_export_chain(dst, &el->lo, &el->hi, &el->outside, err, errlen)) {
		sqlite3_exec(dst, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (sqlite3_exec(dst, "COMMIT", NULL, NULL, NULL) ||
	    sqlite3_exec(dst, "VACUUM", NULL, NULL, NULL))
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s", sqlite3_errmsg(dst));
	return -1;
}

/* The file's SHA-256 in hex (the manifest); -1 if it cannot be read. */
static int file_sha256(const char *path, char out[65])
{
	FILE *f = fopen(path, "rbe");
	if (!f)
		return -1;
	struct rg_sha256 h;
	char buf[65536];
	size_t n;
	rg_sha256_init(&h);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		rg_sha256_add(&h, buf, n);
	int bad = ferror(f);
	fclose(f);
	rg_sha256_hex(&h, out);
	return bad ? -1 : 0;
}

static int run_export(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o)
{
	char err[512];
	struct stat sb;
	if (o->nargs != 1)
		return rgq_usage_error(c, "give the file to write");
	const char *out = o->args[0];
	struct stat src;
	char side[PATH_MAX + 16];
	if (lstat(out, &sb) == 0 && stat(g->db_path, &src) == 0 && sb.st_dev == src.st_dev &&
	    sb.st_ino == src.st_ino)
		return rgq_fail(c, "%s is the database being exported", out);
	for (const char *suffix = "-wal"; suffix; suffix = strcmp(suffix, "-wal") ? NULL : "-journal") {
		snprintf(side, sizeof(side), "%s%s", out, suffix);
		if (lstat(side, &sb) == 0)
			return rgq_fail(c, "%s exists: %s is a database in use", side, out);
	}
	if (!o->force && lstat(out, &sb) == 0)
		return rgq_fail(c, "%s exists (--force replaces it)", out);
	umask(077); /* the copy is evidence: 0600 from its first byte */
	if (o->force)
		unlink(out);
	sqlite3 *dst = NULL;
	if (sqlite3_open_v2(out, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				   SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		rgq_fail(c, "%s: %s", out, dst ? sqlite3_errmsg(dst) : "cannot open");
		sqlite3_close(dst);
		return 1;
	}
	/* one read transaction of the source: a consistent copy while the
	 * recorder writes */
	sqlite3_backup *bk = sqlite3_backup_init(dst, "main", g->db, "main");
	int rc = bk ? sqlite3_backup_step(bk, -1) : SQLITE_ERROR;
	if (bk)
		sqlite3_backup_finish(bk);
	if (rc != SQLITE_DONE) {
		rgq_fail(c, "copying: %s", sqlite3_errmsg(dst));
		sqlite3_close(dst);
		unlink(out);
		return 1;
	}
	bool ranged = o->since != INT64_MIN || o->until != INT64_MAX;
	struct export_links el = {0};
	if ((ranged && trim(dst, o, &el, err, sizeof(err))) ||
	    sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL)) {
		if (!ranged)
			snprintf(err, sizeof(err), "%s", sqlite3_errmsg(dst));
		rgq_fail(c, "%s: %s", out, err);
		sqlite3_close(dst);
		unlink(out);
		return 1;
	}
	long long rows = 0;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(dst, "SELECT (SELECT count(*) FROM process_events) + (SELECT "
				    "count(*) FROM file_events) + (SELECT count(*) FROM "
				    "network_events) + (SELECT count(*) FROM system_events)",
			       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		rows = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(dst);
	chmod(out, 0600);
	fprintf(stderr, "rgq export: wrote %s (%lld events)\n", out, rows);
	if (ranged && el.lo)
		fprintf(stderr, "rgq export: with chain links %lld-%lld, which cover its rows through "
			"the next signed checkpoint (%lld rows of theirs are outside the range)\n",
			(long long)el.lo, (long long)el.hi, (long long)el.outside);
	else if (ranged)
		fprintf(stderr, "rgq export: no chain link covers its rows: it cannot be verified\n");
	char sha[65];
	if (file_sha256(out, sha))
		return rgq_fail(c, "%s: cannot read it back for its SHA-256", out);
	printf("%s  %s\n", sha, out); /* the manifest: sha256sum -c checks it */
	return 0;
}

const struct rgq_command rgq_cmd_export = {
	"export", "a consistent single-file copy of the recording (evidence)",
	"export OUT.db [--since TIME] [--until TIME] [--force]",
	"Copies the database with SQLite's backup API in one read transaction, so the\n"
	"copy is consistent while the recorder writes, and leaves it a single file\n"
	"(no WAL), mode 0600, that rgq and sqlite3 open. With --since/--until only\n"
	"the events, alerts, health rows and gaps of that range are kept (processes,\n"
	"runs and meta are kept whole; and the events just outside it that share a\n"
	"hash group of 16 with one inside), with the hash chain's links that cover them\n"
	"through the next signed checkpoint, so that rgq verify checks the file\n"
	"alone. Prints the file's SHA-256 manifest (\"HEX  OUT.db\", as sha256sum).\n"
	"An existing OUT.db is refused unless --force.\n",
	"SUF", 1, run_export,
};
