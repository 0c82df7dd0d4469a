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
	const char *db_path;
	char *db_owned;
	sqlite3 *db;
	enum rgq_format fmt;
	int64_t now;
};

/* Parsed options; a command accepts the ones its `opts` letters name. */
struct rgq_opts {
	int64_t since, until; /* ns; INT64_MIN / INT64_MAX when not given */
	long long limit;      /* -1: not given */
	long long pid, proc_id, run;
	bool has_pid, has_proc, has_run, oldest, descendants, all, quiet, force;
	const char *type, *exe, *path, *rules, *sigma, *severity, *rule;
	const char *container; /* a container id (or its start) or name */
	char **args; /* positional arguments */
	int nargs;
};

struct rgq_command {
	const char *name, *summary, *usage, *help;
	const char *opts; /* option letters: S since, U until, n limit, t type, p pid,
			   * P proc-id, e exe, f path, o oldest, d descendants, r rules,
			   * s severity, R rule, a all, q quiet, F force, u run,
			   * G sigma, C container */
	int max_args;
	int (*run)(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o);
};

extern const struct rgq_command rgq_cmd_events, rgq_cmd_tree, rgq_cmd_timeline,
	rgq_cmd_alerts, rgq_cmd_health, rgq_cmd_gaps, rgq_cmd_sql, rgq_cmd_replay,
	rgq_cmd_export, rgq_cmd_binaries, rgq_cmd_verify;

int rgq_parse_opts(struct rgq *g, const struct rgq_command *c, int argc, char **argv,
		   struct rgq_opts *o);
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
