/* replay.c: the recorder's rule evaluation, from the database (replay.h). */
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "db.h"
#include "fields.h"
#include "lineage.h"
#include "prefetch.h"
#include "process.h"
#include "row.h"

#define DEFAULT_LINEAGE_MAX 65536 /* [process] table_max's default */

struct run {
	int64_t id, first_seq, last_seq, lineage_max, sequence_max;
	bool seeded; /* recorded with schema 5: run_processes and lineage_max */
	int64_t started_ns;
};

static struct run *load_runs(sqlite3 *db, unsigned *n)
{
	sqlite3_stmt *st;
	struct run *runs = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT run_id, first_seq, lineage_max, started_ns, "
				   "sequence_max FROM runs ORDER BY run_id", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		runs = rg_realloc(runs, (*n + 1) * sizeof(*runs));
		/* the config's range: a damaged value cannot make a huge table */
		int64_t lmax = sqlite3_column_int64(st, 2);
		bool seeded = sqlite3_column_type(st, 2) != SQLITE_NULL;
		lmax = !seeded ? DEFAULT_LINEAGE_MAX : lmax < 256 ? 256 : lmax > 4194304 ? 4194304 : lmax;
		int64_t smax = sqlite3_column_int64(st, 4); /* NULL before schema 6 */
		smax = sqlite3_column_type(st, 4) == SQLITE_NULL ? RG_SEQUENCE_MAX_DEFAULT
		       : smax < 16 ? 16 : smax > 1048576 ? 1048576 : smax;
		runs[*n] = (struct run){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
					INT64_MAX, lmax, smax, seeded,
					sqlite3_column_int64(st, 3)};
		if (*n)
			runs[*n - 1].last_seq = runs[*n].first_seq - 1;
		(*n)++;
	}
	sqlite3_finalize(st);
	return runs;
}

static struct rg_str col_str(sqlite3_stmt *st, int i, bool blob)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return (struct rg_str){0};
	const char *p = blob ? sqlite3_column_blob(st, i) : (const char *)sqlite3_column_text(st, i);
	return (struct rg_str){p ? p : "", (uint32_t)sqlite3_column_bytes(st, i)};
}

/* The run's lineage seed, in the order the recorder applied it. */
static int seed(sqlite3 *db, struct rg_lineage *lin, int64_t run_id)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT proc_id, parent_proc_id, uid, euid, auid, comm, exe, "
				   "argv, user, container_id, container_runtime FROM run_processes WHERE run_id = ? "
				   "ORDER BY rowid", -1,
			       &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct rg_process p = {
			.proc_id = sqlite3_column_int64(st, 0),
			.parent_proc_id = sqlite3_column_int64(st, 1),
			.uid = (uint32_t)sqlite3_column_int64(st, 2),
			.euid = (uint32_t)sqlite3_column_int64(st, 3),
			.auid = (uint32_t)sqlite3_column_int64(st, 4),
			.comm = col_str(st, 5, false),
			.exe = col_str(st, 6, false),
			.argv = col_str(st, 7, true),
			.who.user = col_str(st, 8, false),
			.who.container_id = col_str(st, 9, false),
			.who.container_runtime = (const char *)sqlite3_column_text(st, 10),
		};
		rg_lineage_process(lin, &p);
	}
	return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

/* The first event other than a process's at or after since: earlier ones
 * only matter to nobody (process events build the lineage from the start). */
/* The newest event row's seq, of any table; 0 for none. */
static int64_t last_event_seq(sqlite3 *db)
{
	int64_t last = 0;
	char sql[80];
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		snprintf(sql, sizeof(sql), "SELECT max(seq) FROM %s", rg_event_tables[t].rows);
		int64_t s = rg_sql_int(db, sql, 0);
		if (s > last)
			last = s;
	}
	return last;
}

static int64_t first_seq_since(sqlite3 *db, int64_t since_ns)
{
	char sql[200];
	int64_t best = INT64_MAX;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		if (rg_event_tables[t].types & RG_ET_PROCESS_MASK)
			continue;
		snprintf(sql, sizeof(sql), "SELECT min(seq) FROM %s WHERE ts_ns >= %lld",
			 rg_event_tables[t].name, (long long)since_ns);
		int64_t s = rg_sql_int(db, sql, INT64_MAX);
		if (s < best)
			best = s;
	}
	return best;
}

/* What replay reads of an event of each type: what the rules and the
 * lineage say they read of it (the printed alert is the match's:
 * rg_rules_type_fields covers it), and its time (replay's range). */
static void needed_fields(const struct rg_ruleset *rs, rg_fmask out[RG_ET_COUNT])
{
	static const char *const ts[] = {"ts_ns", NULL};
	rg_fmask base = rg_fields_mask(ts);
	for (unsigned t = 0; t < RG_ET_COUNT; t++)
		out[t] = base | rg_rules_type_fields(rs, (enum rg_etype)t) |
			 rg_lineage_type_fields((enum rg_etype)t);
}

struct ctx {
	rgq_replay_fn fn;
	void *arg;
	struct rgq_replay_stats *st;
	int64_t since_ns; /* matches before it only built sequence state */
};

static void on_match(void *arg, const struct rg_match *m)
{
	struct ctx *c = arg;
	if (m->ev->ts_ns < c->since_ns)
		return;
	c->st->alerts++;
	c->fn(c->arg, m);
}

static int replay_run(sqlite3 *db, const struct rg_ruleset *rs, const struct run *run,
		      int64_t since_ns, int64_t until_ns, int64_t from_seq, struct ctx *c,
		      rgq_progress_fn progress, int64_t seq0, int64_t seq1, char *err,
		      size_t errlen)
{
	struct rg_lineage *lin = rg_lineage_new((unsigned)run->lineage_max);
	struct rg_seqstate *sq = rg_seqstate_new((unsigned)run->sequence_max);
	if (seed(db, lin, run->id)) {
		snprintf(err, errlen, "reading run %lld's processes: %s", (long long)run->id,
			 sqlite3_errmsg(db));
		rg_lineage_free(lin);
		rg_seqstate_free(sq);
		return -1;
	}
	rg_fmask fields[RG_ET_COUNT];
	needed_fields(rs, fields);
	struct rgq_prefetch *rd = rgq_prefetch_open(db, (uint64_t)run->first_seq,
						    (uint64_t)run->last_seq, (uint64_t)from_seq,
						    until_ns, fields, err, errlen);
	if (!rd) {
		rg_lineage_free(lin);
		rg_seqstate_free(sq);
		return -1;
	}
	const struct rg_event *ev;
	while ((ev = rgq_prefetch_next(rd))) {
		rg_lineage_event(lin, ev);
		if (ev->ts_ns < since_ns || ev->ts_ns > until_ns) { /* since: less the lead */
			c->st->lineage++;
			continue;
		}
		c->st->events++;
		rg_rules_eval(rs, sq, ev, lin, on_match, c, NULL);
		if (progress && !(c->st->events & 0xffff))
			progress(c->arg, seq1 > seq0 ? (double)((int64_t)ev->seq - seq0) / (double)(seq1 - seq0) : 1,
				 c->st);
	}
	int rc = 0;
	if (rgq_prefetch_error(rd)) {
		snprintf(err, errlen, "reading events: %s", rgq_prefetch_error(rd));
		rc = -1;
	}
	rgq_prefetch_close(rd);
	struct rg_seqstate_stats ss;
	rg_seqstate_stats(sq, &ss);
	c->st->sequence_evictions += ss.evictions;
	for (unsigned i = 0; i < rs->nrules; i++)
		c->st->evictions_by_rule[i] += rg_seqstate_take_evictions(sq, i);
	rg_lineage_free(lin);
	rg_seqstate_free(sq);
	return rc;
}

int rgq_replay(sqlite3 *db, const struct rg_ruleset *rs, int64_t since_ns, int64_t until_ns,
	       rgq_replay_fn fn, rgq_progress_fn progress, void *arg,
	       struct rgq_replay_stats *st, char *err, size_t errlen)
{
	unsigned n;
	memset(st, 0, sizeof(*st));
	st->evictions_by_rule = rg_calloc(rs->nrules + 1, sizeof(*st->evictions_by_rule));
	struct run *runs = load_runs(db, &n);
	/* A sequence that ends after since may begin up to its window before:
	 * events from there are evaluated, only alerts from since reported. */
	int64_t lead = since_ns > INT64_MIN + rs->max_window_ns ? since_ns - rs->max_window_ns
							       : INT64_MIN;
	int64_t from = first_seq_since(db, lead);
	int64_t seq0 = rg_sql_int(db, "SELECT min(first_seq) FROM runs", 0);
	int64_t seq1 = last_event_seq(db);
	struct ctx c = {fn, arg, st, since_ns};
	int rc = 0;
	for (unsigned i = 0; i < n && !rc; i++) {
		if (runs[i].started_ns > until_ns)
			break; /* its events are all later */
		st->runs++;
		st->unseeded += !runs[i].seeded;
		rc = replay_run(db, rs, &runs[i], lead, until_ns, from, &c, progress, seq0,
				seq1, err, errlen);
	}
	free(runs);
	return rc;
}
