/* cmd_tree.c: `rgq tree`: a process's ancestors up to the root and its
 * descendants, by proc_id (so a reused pid never joins two trees). */
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>

#include "alloc.h"
#include "table.h"

#include "qtime.h"
#include "rgq.h"

int64_t rgq_resolve_pid(struct rgq *g, const struct rgq_command *c, long long pid)
{
	sqlite3_stmt *st = rgq_prepare(g, c, "SELECT proc_id, start_ns, exe FROM processes "
					     "WHERE pid = ? ORDER BY start_ns DESC, proc_id DESC");
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, pid);
	int64_t id = 0;
	int n = 0;
	char t[64];
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == 0) {
			id = sqlite3_column_int64(st, 0);
			continue;
		}
		if (n == 2)
			fprintf(stderr, "rgq %s: pid %lld was reused; showing proc_id %lld, the "
				"latest. Earlier (use --proc-id):\n", c->name, pid, (long long)id);
		struct rg_buf exe = {0};
		struct rgq_value v = rgq_column(st, 2);
		if (v.type == SQLITE_TEXT)
			rgq_visible(&exe, v.p, v.len);
		fprintf(stderr, "  proc_id %lld  started %s  %s\n",
			(long long)sqlite3_column_int64(st, 0),
			rgq_time_format(sqlite3_column_int64(st, 1), t, sizeof(t)),
			exe.len ? rg_buf_cstr(&exe) : "-");
		rg_buf_free(&exe);
	}
	sqlite3_finalize(st);
	if (!id)
		rgq_fail(c, "no process with pid %lld in the recording", pid);
	return id;
}

/* Ancestors (lvl < 0, root first), the process (0), then descendants in
 * depth-first order (by proc_id, which follows first sight). %s is the pid
 * column: indented by depth in a table, a plain number otherwise. Depth is
 * unbounded; each walk carries the proc_ids it went through ("/ID/ID/") and
 * stops before one of them again, so a parent loop in a damaged database
 * ends (loop_sql says where). A process of the loop is both an ancestor and
 * a descendant: it is shown once, as an ancestor. */
#define UP_WALK                                                                             \
	"WITH RECURSIVE "                                                                   \
	"up(id, parent, lvl, path) AS (SELECT proc_id, parent_proc_id, 0, '/' || proc_id || '/' " \
	"  FROM processes WHERE proc_id = :proc UNION ALL SELECT p.proc_id, p.parent_proc_id, " \
	"  up.lvl - 1, up.path || p.proc_id || '/' FROM processes p JOIN up ON p.proc_id = "  \
	"  up.parent WHERE instr(up.path, '/' || p.proc_id || '/') = 0) "

/* The exit status; without an exit, whether the recorder was there to see
 * one: not if the last run has stopped, nor if the process began before the
 * last run and that run's /proc scan (run_processes) did not find it. */
#define STATUS                                                                              \
	"CASE WHEN p.exit_ns IS NOT NULL THEN iif(p.signal, 'signal ' || p.signal || "      \
	"ifnull(' ' || rg_signame(p.signal), ''), p.exit_code) "                            \
	"WHEN last.stopped IS NOT NULL OR (p.start_ns < last.started AND p.proc_id NOT IN " \
	"(SELECT proc_id FROM run_processes WHERE run_id = last.run)) "                      \
	"THEN 'exit unseen: recorder stopped' ELSE 'running' END AS status"

/* Every image the process ran, in order: the parent's at the fork (the
 * fork is the parent's event, and its exe the parent's image then), then
 * each exec's. Found through the partial indexes on the forks and on the
 * rows a process makes at an exec (schema/028_process_rows.sql: those
 * with no child_pid and no exit_code), so the cost does not grow with
 * the events of a process that never exited, nor with a shell's forks. */
#define IMAGES                                                                              \
	"(SELECT group_concat(exe, ' > ') FROM (SELECT e.seq, e.exe FROM process_events e "  \
	"WHERE e.event_type = 'process_relationship' AND e.child_proc_id = p.proc_id "      \
	"UNION ALL SELECT e.seq, e.exe FROM process_events e WHERE e.event_type = "          \
	"'process_start' AND e.proc_id = p.proc_id AND e.child_pid IS NULL AND "             \
	"e.exit_code IS NULL ORDER BY 1)) AS images"

static const char tree_sql[] =
	UP_WALK ", "
	"down(id, lvl, key, path) AS (SELECT :proc, 0, '', '/' || :proc || '/' UNION ALL "
	"  SELECT p.proc_id, down.lvl + 1, down.key || printf('%%020d/', p.proc_id), "
	"  down.path || p.proc_id || '/' FROM processes p JOIN down ON p.parent_proc_id = "
	"  down.id WHERE instr(down.path, '/' || p.proc_id || '/') = 0), "
	"rows(id, lvl, key) AS (SELECT id, lvl, '' FROM up WHERE lvl < 0 "
	"  UNION ALL SELECT id, lvl, key FROM down WHERE lvl = 0 OR id NOT IN (SELECT id FROM up)), "
	"base(m) AS (SELECT min(lvl) FROM rows), "
	"last(run, started, stopped) AS (SELECT run_id, started_ns, stopped_ns FROM runs "
	"  ORDER BY run_id DESC LIMIT 1) "
	"SELECT r.lvl - base.m AS depth, %s AS pid, "
	"  CASE WHEN r.lvl < 0 THEN 'ancestor' WHEN r.lvl = 0 THEN 'this' ELSE 'descendant' END "
	"  AS relation, p.proc_id, p.uid, p.user, p.gid, p.group_name, p.container_id, %s AS auid, "
	"  p.login_user, "
	"  rg_time(p.start_ns) AS start, rg_time(p.exit_ns) AS exit, " STATUS ", p.exe, " IMAGES
	", p.cmdline FROM rows r JOIN processes p ON p.proc_id = r.id LEFT JOIN last, base "
"ORDER BY r.lvl >= 0, iif(r.lvl < 0, r.lvl, 0), r.key";

/* The edge that closes a loop, if the walk up met one: the last ancestor
 * and the parent it names, already on the path. */
static const char loop_sql[] =
	UP_WALK "SELECT id, parent FROM up WHERE instr(path, '/' || parent || '/') > 0";

/* Says on stderr where a parent loop was cut (a damaged database: a
 * process cannot be its own ancestor). */
static void note_loop(struct rgq *g, const struct rgq_command *c, int64_t proc_id)
{
	sqlite3_stmt *st = rgq_prepare(g, c, loop_sql);
	if (!st)
		return;
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":proc"), proc_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		fprintf(stderr, "rgq %s: the parents of proc_id %lld form a loop (a damaged "
			"database): proc_id %lld names proc_id %lld as its parent, which is "
			"already in the tree; each process is shown once\n", c->name,
			(long long)proc_id, (long long)sqlite3_column_int64(st, 0),
			(long long)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
}

/* The proc_ids shown (a process is printed once across the trees) are
 * keys of the project's table (core/table.h), one link each: a sorted
 * array's inserts cost a move of the rest, quadratic in a container of
 * many processes. Adds id; false if it was there already. */
static bool shown_add(struct rg_table *seen, int64_t id)
{
	if (rg_table_find(seen, (uint64_t)id))
		return false;
	rg_table_insert(seen, rg_malloc(sizeof(struct rg_table_link)), (uint64_t)id, 0);
	return true;
}

static void shown_free(struct rg_table_link *l)
{
	free(l);
}

/* Prints the rows of st not shown yet (column 3 is proc_id) into out,
 * which the first call begins. SQLITE_DONE, or the error. */
static int print_new_rows(struct rgq *g, struct rgq_out *out, bool *begun,
			   struct rg_table *seen, sqlite3_stmt *st)
{
	unsigned n = (unsigned)sqlite3_column_count(st);
	struct rgq_value *vals = rg_calloc(n, sizeof(*vals));
	if (!*begun) {
		const char **names = rg_calloc(n, sizeof(char *));
		for (unsigned i = 0; i < n; i++)
			names[i] = sqlite3_column_name(st, (int)i);
		rgq_out_begin(out, g->fmt, stdout, n, names);
		free(names);
		*begun = true;
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!shown_add(seen, sqlite3_column_int64(st, 3)))
			continue;
		for (unsigned i = 0; i < n; i++)
			vals[i] = rgq_column(st, (int)i);
		rgq_out_row(out, vals);
	}
	free(vals);
	return rc;
}

/* --container C: the tree of each of its processes whose parent is not
 * one of them (each entry into the container: its first process, every
 * `docker exec`), oldest first, in one table; ancestors that trees share
 * (the runtime's shim) and a process met twice are shown once. */
static int container_trees(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o)
{
	sqlite3_stmt *roots = rgq_prepare(g, c,
		"SELECT proc_id FROM processes WHERE container_id GLOB :container || '*' AND "
		"(parent_proc_id IS NULL OR parent_proc_id NOT IN (SELECT proc_id FROM processes "
		"WHERE container_id GLOB :container || '*')) ORDER BY start_ns, proc_id");
	if (!roots)
		return 1;
	rgq_bind_common(roots, o);
	struct rgq_out out;
	struct rg_table seen;
	rg_table_init(&seen, UINT_MAX); /* no bound: every process shown */
	bool begun = false;
	int rc = 0;
	while (!rc && sqlite3_step(roots) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(roots, 0);
		note_loop(g, c, id);
		sqlite3_stmt *st = rgq_tree_stmt(g, c, id, g->fmt == RGQ_TABLE);
		if (!st) {
			rc = 1;
			break;
		}
		int step = print_new_rows(g, &out, &begun, &seen, st);
		sqlite3_finalize(st);
		if (step != SQLITE_DONE)
			rc = rgq_fail(c, "%s", sqlite3_errstr(step));
	}
	sqlite3_finalize(roots);
	rg_table_fini(&seen, shown_free);
	if (begun && rgq_out_end(&out))
		return rc;
	if (!rc)
		rgq_no_rows(g, c);
	return rc;
}

static int run_tree(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o)
{
	struct rgq_opts lo = *o;
	if ((o->nargs == 1) + o->has_proc + !!o->container != 1)
		return rgq_usage_error(c, "name a PID, --proc-id ID or --container C");
	if (o->container)
		return container_trees(g, c, o);
	if (o->nargs == 1) {
		char *end;
		lo.pid = strtoll(o->args[0], &end, 10);
		if (*end || end == o->args[0] || lo.pid < 0)
			return rgq_usage_error(c, "'%s' is not a pid", o->args[0]);
		if (!(lo.proc_id = rgq_resolve_pid(g, c, lo.pid)))
			return 1;
	} else if (rgq_db_int_bound(g, "SELECT count(*) FROM processes WHERE proc_id = ?",
				    o->proc_id) == 0) {
		return rgq_fail(c, "no process with proc_id %lld", o->proc_id);
	}
	note_loop(g, c, lo.proc_id);
	sqlite3_stmt *st = rgq_tree_stmt(g, c, lo.proc_id, g->fmt == RGQ_TABLE);
	return st ? rgq_print(g, c, st) : 1;
}

sqlite3_stmt *rgq_tree_stmt(struct rgq *g, const struct rgq_command *c, int64_t proc_id,
			    bool table)
{
	struct rg_buf b = {0};
	rg_buf_printf(&b, tree_sql, table ? "printf('%*s%d', 2 * (r.lvl - base.m), '', p.pid)"
					  : "p.pid", table ? "rg_auid(p.auid)" : "p.auid");
	sqlite3_stmt *st = rgq_prepare(g, c, rg_buf_cstr(&b));
	rg_buf_free(&b);
	if (st)
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":proc"), proc_id);
	return st;
}

const struct rgq_command rgq_cmd_tree = {
	"tree", "a process's ancestors and descendants",
	"tree PID | tree --proc-id ID | tree --container C",
	"The ancestors up to the root, the process, and all its descendants, indented,\n"
	"each with user, executable, command line, start, exit and status. Processes\n"
	"are linked by proc_id, so a reused pid never joins two trees. PID means the\n"
	"latest process with that pid (earlier ones are listed on stderr). Columns:\n"
	"depth (0: the root), pid (indented by depth in a table), relation, proc_id,\n"
	"uid, user (its name when recorded), gid, group_name (likewise), container_id,\n"
	"auid (the login uid; \"unset\" in a table for 4294967295), login_user (its\n"
	"name; \"unset\" too), start, exit, status (the exit code, the\n"
	"signal with its name, \"running\", or \"exit unseen: recorder stopped\" when\n"
	"the recorder was not there to see it end), exe, images (every image it went\n"
	"through: its parent's at the fork, then each exec's, joined by \" > \"),\n"
	"cmdline. Depth is unbounded; a parent loop (a damaged database) is cut where\n"
	"it closes, said on stderr.\n"
	"  --container C    the trees of container C's processes (its id, the start of\n"
	"                   one, or its name: rgq events --help): one for each of them\n"
	"                   whose parent is outside it (its first process, each exec\n"
	"                   into it), oldest first; a process is shown once\n",
	"PC", 1, run_tree,
};
