/* rgq.h: what the rgq commands share: the open database, the output
 * format, the options every command parses the same way. */
#ifndef RGQ_H
#define RGQ_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "out.h"

struct rgq {
	const char *db_path, *config;
	char *db_owned;
	sqlite3 *db;
	enum rgq_format fmt;
	int64_t now;
	/* the global options, before or after the command name */
	bool timing, no_pager, tz_local;
	int color;      /* -1 auto, 0 never, 1 always */
	struct rgq_style style;
	bool has_width; /* --width given */
	char *filter;   /* the command's arguments, for "no rows (...)" */
	bool in_report; /* rgq report runs the commands: "no rows" is in the HTML */
};

/* Whether values are shown for a person (table, and the report's HTML)
 * rather than as recorded (JSON, CSV): qdecode.h. */
static inline bool rgq_readable(const struct rgq *g)
{
	return g->fmt == RGQ_TABLE || g->fmt == RGQ_HTML;
}

/* Parsed options; a command accepts the ones its `opts` letters name. */
struct rgq_opts {
	int64_t since, until; /* ns; INT64_MIN / INT64_MAX when not given */
	long long limit;      /* -1: not given */
	long long pid, proc_id, run, uid, alert;
	bool has_pid, has_proc, has_run, has_uid, has_alert, oldest, descendants, all, quiet, force;
	const char *type, *exe, *path, *rules, *sigma, *severity, *rule, *cmdline, *grep;
	const char *container; /* a container id (or its start) or name */
	const char *user;      /* a user name as recorded */
	const char *pubkey, *key_fpr, *checkpoints; /* verify: the key, shipped NDJSON */
	char **args; /* positional arguments */
	int nargs;
};

struct rgq_command {
	const char *name, *summary, *usage, *help;
	const char *opts; /* option letters: S since, U until, n limit, t type, p pid,
			   * P proc-id, e exe, f path, o oldest, d descendants, r rules,
			   * s severity, R rule, a all, q quiet, F force, u run,
			   * G sigma, C container, i uid, N user, K cmdline, g grep, A alert,
			   * y pubkey, Y key-fpr, c checkpoints */
	int max_args;
	int (*run)(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o);
};

extern const struct rgq_command rgq_cmd_events, rgq_cmd_tree, rgq_cmd_timeline,
	rgq_cmd_alerts, rgq_cmd_health, rgq_cmd_gaps, rgq_cmd_sql, rgq_cmd_replay,
	rgq_cmd_export, rgq_cmd_binaries, rgq_cmd_report, rgq_cmd_verify, rgq_cmd_import;

/* rgq import: runs rgq-import (cmd_import.c) with argv (argv[0] "import");
 * returns only on failure, 2. */
int rgq_import_exec(int argc, char **argv);

const struct rgq_command *rgq_find_command(const char *name);
int rgq_parse_opts(struct rgq *g, const struct rgq_command *c, int argc, char **argv,
		   struct rgq_opts *o);
/* A global option (rgq --help) by its getopt code; 0, or 2 after saying why. */
int rgq_global_opt(struct rgq *g, int code, const char *arg);
/* "rgq CMD: no rows (FILTER)" on stderr, after a command printed none. */
void rgq_no_rows(const struct rgq *g, const struct rgq_command *c);
/* "rgq CMD: message (rgq CMD --help)", returns 2. */
int rgq_usage_error(const struct rgq_command *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "rgq CMD: message", returns 1. */
int rgq_fail(const struct rgq_command *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prepares sql or reports the error (NULL). */
sqlite3_stmt *rgq_prepare(struct rgq *g, const struct rgq_command *c, const char *sql);
/* Binds :since :until :limit :pid :proc :exe :path :rule where the SQL has
 * them; a limit of 0 or none given binds as -1, SQLite's "no limit". */
void rgq_bind_common(sqlite3_stmt *st, const struct rgq_opts *o);
/* Prints every row of st in the chosen format and finalizes it; 0 or 1. */
int rgq_print(struct rgq *g, const struct rgq_command *c, sqlite3_stmt *st);
/* " AND col >= :since AND col <= :until", each only when given: an
 * unbounded range would still make SQLite choose the time index. */
void rgq_time_cond(struct rg_buf *b, const struct rgq_opts *o, const char *col);
/* Prepares sql (and frees it), binds the options, prints the rows; 0 or 1. */
int rgq_query(struct rgq *g, const struct rgq_command *c, struct rg_buf *sql,
	      const struct rgq_opts *o);

/* The tree of proc_id (columns: `rgq tree --help`), prepared and bound;
 * table: the pid indented by depth and the auid readable. NULL on error. */
sqlite3_stmt *rgq_tree_stmt(struct rgq *g, const struct rgq_command *c, int64_t proc_id,
			    bool table);
/* " AND proc_id IN (the processes of --container)": its id, the start
 * of one (docker's 12-digit short form), or a name (LXC, nspawn). With
 * execs (process_events), a process_start row by its own container_id. */
void rgq_container_cond(struct rg_buf *b, const struct rgq_opts *o, bool execs);

/* One integer from sql with one integer parameter; -1 on error. */
long long rgq_db_int_bound(struct rgq *g, const char *sql, long long arg);
/* The proc_id of the latest process that had pid (reuse noted on stderr),
 * or 0 after reporting that there is none. */
int64_t rgq_resolve_pid(struct rgq *g, const struct rgq_command *c, long long pid);

#endif /* RGQ_H */
