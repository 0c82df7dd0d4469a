/* cmd_replay.c: `rgq replay`: stored events through a rule set (replay.h),
 * printed like `rgq alerts`. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "clock.h"
#include "config.h"
#include "qtime.h"
#include "replay.h"
#include "rgq.h"


/* A process's look-up kept: its user and command line, their bytes in
 * text. */
struct proc_seen {
	int64_t proc_id; /* 0: an empty slot */
	struct rgq_value user, cmd;
	struct rg_buf text;
};

/* Slots of recent look-ups, by proc_id: a process that alerts again
 * while its slot holds it (a fifth of the alerts on rg-gen's
 * recordings) costs a compare instead of a query (about 5 900
 * instructions: the seek, the columns, the reset). */
#define PROCS_SEEN 1024
#define PROC_SEEN_BYTES 4096 /* a slot's text at most: the slots' memory bounded */

struct printer {
	struct rgq_out out;
	sqlite3 *db;
	sqlite3_stmt *proc; /* the process's user and command line, as `rgq alerts` shows them */
	struct proc_seen *seen; /* PROCS_SEEN, emptied with each snapshot */
	bool progress;
	int64_t started, last;
};

static struct rgq_value text(const char *s)
{
	return (struct rgq_value){SQLITE_TEXT, 0, 0, s ? s : "", s ? strlen(s) : 0};
}

static struct rgq_value integer(int64_t v)
{
	return (struct rgq_value){SQLITE_INTEGER, v, 0, 0, 0};
}

/* The look-ups' read transaction anew: it sees then at least the rows
 * the events come from (each run's events are read in a snapshot taken
 * when the run's replay began), and a recording still written is not
 * held to one snapshot for the whole replay. */
static void fresh_snapshot(struct printer *p)
{
	sqlite3_reset(p->proc);
	sqlite3_exec(p->db, "COMMIT", NULL, NULL, NULL);
	sqlite3_exec(p->db, "BEGIN", NULL, NULL, NULL);
	/* the slots answer for the old snapshot: a row may have changed */
	for (unsigned i = 0; i < PROCS_SEEN; i++)
		p->seen[i].proc_id = 0;
}

static bool has_bytes(const struct rgq_value *v)
{
	return v->type == SQLITE_TEXT || v->type == SQLITE_BLOB;
}

/* Keeps the row just read in slot s: the values' bytes copied into its
 * text, their addresses set once both are in (an append may move them). */
static void keep(struct proc_seen *s, int64_t proc_id, struct rgq_value user,
		 struct rgq_value cmd)
{
	bool user_bytes = has_bytes(&user), cmd_bytes = has_bytes(&cmd);
	s->text.len = 0;
	if (user_bytes)
		rg_buf_add(&s->text, user.p, user.len);
	if (cmd_bytes)
		rg_buf_add(&s->text, cmd.p, cmd.len);
	const char *t = rg_buf_cstr(&s->text);
	if (user_bytes)
		user.p = t;
	if (cmd_bytes)
		cmd.p = t + (user_bytes ? user.len : 0);
	s->user = user;
	s->cmd = cmd;
	s->proc_id = proc_id;
}

/* The process's user and command line, as `rgq alerts` shows them;
 * NULLs for a process the recording has no row of. */
static void look_up(struct printer *p, int64_t proc_id, struct rgq_value *user,
		    struct rgq_value *cmd)
{
	*user = *cmd = (struct rgq_value){SQLITE_NULL, 0, 0, 0, 0};
	if (!proc_id)
		return;
	struct proc_seen *s = &p->seen[(uint64_t)proc_id % PROCS_SEEN];
	if (s->proc_id == proc_id) {
		*user = s->user;
		*cmd = s->cmd;
		return;
	}
	for (int tries = 0; tries < 2; tries++) {
		sqlite3_reset(p->proc);
		sqlite3_bind_int64(p->proc, 1, proc_id);
		if (sqlite3_step(p->proc) == SQLITE_ROW) {
			*user = rgq_column(p->proc, 0);
			*cmd = rgq_column(p->proc, 1);
			if (user->len + cmd->len <= PROC_SEEN_BYTES) { /* else read each time */
				keep(s, proc_id, *user, *cmd);
				*user = s->user;
				*cmd = s->cmd;
			}
			return;
		}
		if (!tries) /* written after the snapshot was taken? */
			fresh_snapshot(p);
	}
}

static void on_alert(void *arg, const struct rg_match *m)
{
	struct printer *p = arg;
	const struct rg_event *ev = m->ev;
	char t[64];
	struct rg_alert steps = {.nsteps = m->nsteps};
	char json[RG_ALERT_STEPS_JSON];
	if (m->nsteps)
		memcpy(steps.steps, m->steps, m->nsteps * sizeof(steps.steps[0]));
	rg_alert_steps_json(&steps, json, sizeof(json));
	struct rgq_value user, cmd;
	look_up(p, ev->proc_id, &user, &cmd);
	struct rgq_value v[12] = {
		text(rgq_time_format(ev->ts_ns, t, sizeof(t))),
		text(rg_severity_name(m->rule->severity)),
		text(m->rule->id),
		integer((int64_t)ev->seq),
		text(rg_etype_name(ev->type)),
		integer(ev->pid),
		ev->proc_id ? integer(ev->proc_id) : (struct rgq_value){SQLITE_NULL, 0, 0, 0, 0},
		ev->exe.p ? (struct rgq_value){SQLITE_TEXT, 0, 0, ev->exe.p, ev->exe.len}
			  : (struct rgq_value){SQLITE_NULL, 0, 0, 0, 0},
		text(m->summary),
		m->nsteps ? text(json) : (struct rgq_value){SQLITE_NULL, 0, 0, 0, 0},
		user,
		cmd,
	};
	rgq_out_row(&p->out, v);
}

static void on_progress(void *arg, double done, const struct rgq_replay_stats *st)
{
	struct printer *p = arg;
	fresh_snapshot(p); /* every 65 536 events */
	int64_t now = rg_mono_ns();
	if (!p->progress || now - p->last < 1000000000)
		return;
	p->last = now;
	double secs = (double)(now - p->started) / 1e9;
	fprintf(stderr, "rgq replay: %3.0f%%  %llu events, %llu alerts, %.0f events/s\n",
		done * 100, (unsigned long long)(st->events + st->lineage),
		(unsigned long long)st->alerts, (double)(st->events + st->lineage) / secs);
}

/* Gaps inside the range: alerts there may be missing, in replay as live.
 * (A step of the wall clock loses nothing; main() notes it for any range.) */
static void warn_gaps(struct rgq *g, const struct rgq_opts *o)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(g->db, "SELECT start_ns, end_ns, reason, count, rule_id FROM gaps "
				      "WHERE end_ns >= ? AND start_ns <= ? AND reason NOT IN "
				      "('clock_step_back', 'clock_step_forward') ORDER BY start_ns",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, o->since);
	sqlite3_bind_int64(st, 2, o->until);
	char a[64], b[64];
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (!n++)
			fprintf(stderr, "rgq replay: gaps inside the range (events lost there were "
					"never evaluated; partial matches evicted live are evicted "
					"here too):\n");
		struct rg_buf reason = {0}, rule = {0};
		struct rgq_value v = rgq_column(st, 2), r = rgq_column(st, 4);
		rgq_visible(&reason, v.p ? v.p : "", v.len);
		if (r.p)
			rgq_visible(&rule, r.p, r.len);
		fprintf(stderr, "  %s .. %s  %s, %lld %s%s\n",
			rgq_time_format(sqlite3_column_int64(st, 0), a, sizeof(a)),
			rgq_time_format(sqlite3_column_int64(st, 1), b, sizeof(b)),
			rg_buf_cstr(&reason), (long long)sqlite3_column_int64(st, 3),
			r.p ? "partial matches of " : "events", r.p ? rg_buf_cstr(&rule) : "");
		rg_buf_free(&reason);
		rg_buf_free(&rule);
	}
	sqlite3_finalize(st);
	/* pruned events are gone for the lineage too, even before the range */
	long long end = rgq_db_int_bound(g, "SELECT coalesce(max(end_ns), 0) FROM gaps WHERE "
					    "reason = 'pruned' AND start_ns <= ?", o->until);
	if (end > 0)
		fprintf(stderr, "rgq replay: events up to %s were pruned by retention: rules on "
				"parent or ancestor context of processes seen only then may differ "
				"from live\n", rgq_time_format(end, a, sizeof(a)));
}

/* The rules of --rules PATH: a directory of *.rules, a .rules file, or a
 * config file (the rules that config gives the recorder: its [rules] dir,
 * sigma_dir and [rule] sections); and --sigma PATH's Sigma rules (a
 * directory or one file), instead of the config's sigma_dir. */
static int load(const struct rgq_command *c, const struct rgq_opts *o, struct rg_ruleset **rs)
{
	struct stat sb, gb;
	char err[512], notice[512];
	const char *path = o->rules;
	if (path && stat(path, &sb))
		return rgq_fail(c, "%s: cannot read the rules", path);
	if (o->sigma && stat(o->sigma, &gb))
		return rgq_fail(c, "%s: cannot read the Sigma rules", o->sigma);
	size_t n = path ? strlen(path) : 0;
	int rc;
	if (path && !S_ISDIR(sb.st_mode) && n > 4 && !strcmp(path + n - 4, ".ini")) {
		struct rg_config cfg;
		char abs[PATH_MAX];
		rg_config_defaults(&cfg);
		rc = rg_config_load(&cfg, path, err, sizeof(err));
		if (!rc && o->sigma)
			rc = rg_config_set(&cfg, "rules", "sigma_dir",
					   realpath(o->sigma, abs) ? abs : o->sigma, err, sizeof(err));
		if (!rc)
			rc = rg_rules_load_config(&cfg, path, rs, err, sizeof(err), notice,
						  sizeof(notice));
		rg_config_free(&cfg);
		if (!rc && notice[0])
			fprintf(stderr, "rgq replay: %s\n", notice);
	} else {
		struct rg_rules_source src[2];
		unsigned k = 0;
		if (path)
			src[k++] = (struct rg_rules_source){path, false, S_ISDIR(sb.st_mode)};
		if (o->sigma)
			src[k++] = (struct rg_rules_source){o->sigma, false, S_ISDIR(gb.st_mode), true};
		rc = rg_rules_load(rs, src, k, err, sizeof(err));
	}
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (!o->quiet)
		rg_rules_sigma_report(*rs, stderr, true);
	return 0;
}

/* Replay answers for the rules it was given; say when the recorder last
 * ran others. */
static void compare_digest(struct rgq *g, const struct rg_ruleset *rs)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(g->db, "SELECT value FROM meta WHERE key = 'rules_digest'", -1,
			       &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 0);
		if (d && strcmp(d, rs->digest)) {
			struct rg_buf shown = {0}; /* the database's text: shown as a table would */
			rgq_visible(&shown, d, strnlen(d, 12));
			fprintf(stderr, "rgq replay: these rules (%.12s) are not the set the recorder "
					"last ran (%s): alerts may differ from rgq alerts\n",
				rs->digest, rg_buf_cstr(&shown));
			rg_buf_free(&shown);
		}
	}
	sqlite3_finalize(st);
}

/* Partial matches replay's own bound evicted, by rule: where the recorder
 * evicted the same, its sequence_eviction gaps say so too. */
static void warn_evictions(const struct rg_ruleset *rs, const struct rgq_replay_stats *st)
{
	fprintf(stderr, "rgq replay: %llu partial sequence matches were evicted by the runs' "
			"sequence_max bound (as the recorder did): sequences begun then may be "
			"missed;", (unsigned long long)st->sequence_evictions);
	for (unsigned i = 0; i < rs->nrules; i++)
		if (st->evictions_by_rule[i])
			fprintf(stderr, " %s %llu", rs->rules[i].id,
				(unsigned long long)st->evictions_by_rule[i]);
	fputc('\n', stderr);
}

static int run_replay(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o)
{
	struct rg_ruleset *rs;
	if (!o->rules && !o->sigma)
		return rgq_usage_error(c, "--rules PATH or --sigma PATH is required");
	int rc = load(c, o, &rs);
	if (rc)
		return rc;
	compare_digest(g, rs);
	warn_gaps(g, o);
	static const char *const names[] = {"time", "severity", "rule_id", "event_seq",
					    "event_type", "pid", "proc_id", "exe", "summary", "steps",
					    "user", "cmdline"};
	struct printer p = {.db = g->db, .progress = !o->quiet, .started = rg_mono_ns()};
	p.last = p.started;
	p.proc = rgq_prepare(g, c, "SELECT user, cmdline FROM processes WHERE proc_id = ?");
	if (!p.proc) {
		rg_rules_free(rs);
		return 1;
	}
	/* read transactions for the alerts' process look-ups, renewed as the
	 * replay goes (fresh_snapshot): each look-up on its own would take
	 * and drop a snapshot of the WAL, about a quarter of its cost */
	if (sqlite3_exec(g->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_finalize(p.proc);
		rg_rules_free(rs);
		return rgq_fail(c, "%s", sqlite3_errmsg(g->db));
	}
	p.seen = rg_calloc(PROCS_SEEN, sizeof(*p.seen));
	rgq_out_begin(&p.out, g->fmt, stdout, 12, names);
	struct rgq_replay_stats st;
	char err[512];
	rc = rgq_replay(g->db, rs, o->since, o->until, on_alert, on_progress, &p, &st, err,
			sizeof(err));
	rgq_out_end(&p.out);
	sqlite3_finalize(p.proc);
	for (unsigned i = 0; i < PROCS_SEEN; i++)
		rg_buf_free(&p.seen[i].text);
	free(p.seen);
	sqlite3_exec(g->db, "COMMIT", NULL, NULL, NULL);
	if (st.sequence_evictions)
		warn_evictions(rs, &st);
	if (st.unseeded)
		fprintf(stderr, "rgq replay: %u runs were recorded before schema 5 and have no "
				"lineage seed: parent and ancestor context of processes already "
				"running at their start may differ from what the recorder saw\n",
			st.unseeded);
	double secs = (double)(rg_mono_ns() - p.started) / 1e9;
	if (!o->quiet)
		fprintf(stderr, "rgq replay: %llu events evaluated (%llu more for lineage) in %u "
				"runs, %llu alerts, %.2f s, %.0f events/s, rules %.12s\n",
			(unsigned long long)st.events, (unsigned long long)st.lineage, st.runs,
			(unsigned long long)st.alerts, secs,
			secs > 0 ? (double)(st.events + st.lineage) / secs : 0.0, rs->digest);
	free(st.evictions_by_rule);
	rg_rules_free(rs);
	if (rc)
		return rgq_fail(c, "%s", err);
	return 0;
}

const struct rgq_command rgq_cmd_replay = {
	"replay", "run stored events through a rule set; print the alerts",
	"replay --rules PATH [--sigma PATH] [--since TIME] [--until TIME] [--quiet]",
	"Feeds the stored events, in sequence order, through the rule engine the\n"
	"recorder uses, with the process lineage rebuilt as the recorder had it, and\n"
	"prints the alerts in the columns of `rgq alerts`. With the rules the recorder\n"
	"ran, the output is the alerts table (rgq alerts) row for row, except where a\n"
	"gap lost events (listed on stderr). PATH: a rules directory (*.rules), a\n"
	".rules file, or the recorder's config file (.ini: the rules it names, its\n"
	"[rules] dir, sigma_dir and [rule] sections, as the recorder loads them).\n"
	"--sigma PATH adds Sigma rules (a directory, searched recursively, or one\n"
	"file; instead of a config's sigma_dir) and prints their load report: how\n"
	"many loaded, and each skipped rule with its reason. A rule set\n"
	"other than the recorder's last is noted on stderr. Progress and a summary\n"
	"go to stderr (--quiet: none).\n",
	"SUrGq", 0, run_replay,
};
