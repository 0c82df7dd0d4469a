/* cmd_events.c: `rgq events` and `rgq timeline`: rows of the three event
 * tables (and alerts) in one shape:
 *
 *   seq, time, event_type, pid, proc_id, uid, user, exe, detail, result
 *
 * where detail is what the event was about: the command line, the child,
 * the exit status (with the signal's name), the path (`a -> b`, an open's
 * flags by name), or the protocol, address and port, and user is the name
 * of uid as the recorder resolved it (the event's own on process_start,
 * else its process's row's). In a table, result is "-13 EACCES"; JSON and
 * CSV keep the number and add result_name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "fields.h"
#include "rgq.h"

static const struct {
	const char *table;
	rg_etmask types;
	const char *detail, *result;
} arms[] = {
	{"process_events", RG_ET_PROCESS_MASK,
	 "CASE event_type WHEN 'process_start' THEN cmdline || ifnull(' [script ' || script || ']', '') "
	 "|| ifnull(' [sha256 ' || exe_sha256 || ']', '') "
	 "|| ifnull(' [script sha256 ' || script_sha256 || ']', '') "
	 "WHEN 'binary_hashed' THEN iif(script_hash_status IS NULL, "
	 "ifnull('sha256 ' || exe_sha256, 'no hash: ' || hash_status), 'script ' || script || ' ' || "
	 "ifnull('sha256 ' || script_sha256 || iif(script_hash_status = 'by_path', ' (by path)', ''), "
	 "'no hash: ' || script_hash_status)) "
	 "WHEN 'process_relationship' THEN 'child pid ' || child_pid "
	 "WHEN 'process_exec_failed' THEN 'exec ' || path "
	 "ELSE iif(signal, 'signal ' || signal || ifnull(' ' || rg_signame(signal), ''), "
	 "'exit ' || exit_code) END",
	 "result"},
	{"file_events", RG_ET_FILE_MASK,
	 "path || ifnull(' -> ' || new_path, '') || ifnull(' [host ' || host_path || ']', '') || CASE event_type "
	 "WHEN 'file_open' THEN ' ' || rg_oflags(flags) || iif(mode IS NOT NULL AND flags & 64, "
	 "printf(' mode %04o', mode), '') "
	 "WHEN 'file_chmod' THEN printf(' mode %04o', mode) "
	 "WHEN 'file_mkdir' THEN printf(' mode %04o', mode) "
	 "WHEN 'file_chown' THEN ' owner ' || rg_uid(owner_uid, e.proc_id, ts_ns) || ':' || "
	 "rg_gid(owner_gid, e.proc_id, ts_ns) "
	 "WHEN 'file_setxattr' THEN ' ' || xattr_name "
	 "WHEN 'file_utimes' THEN ' mtime ' || ifnull(datetime(mtime_ns / 1000000000, 'unixepoch'), "
	 "'now') ELSE '' END",
	 "result"},
	{"network_events", RG_ET_NET_MASK,
	 "CASE WHEN event_type IN ('dns_query', 'dns_answer') THEN ifnull(dns_type, '?') || ' ' || "
	 "ifnull(dns_query, '(not DNS)') || ' ' || iif(event_type = 'dns_query', 'to ', 'from ') || "
	 "ifnull(protocol, '?') || ' ' || ifnull(remote_addr, '?') || ifnull(' => ' || "
	 "dns_answers, '') || iif(dns_rcode > 0, ' rcode ' || dns_rcode, '') "
	 "ELSE ifnull(protocol, '?') || ' ' || ifnull(CASE WHEN event_type IN ('network_connect', "
	 "'network_accept') THEN remote_addr || ' port ' || remote_port || "
	 "ifnull(' (' || remote_hostname || ')', '') ELSE local_addr || "
	 "' port ' || ifnull(local_port, 0) END, '') END",
	 "result"},
	{"system_events", RG_ET_SYS_MASK,
	 "CASE event_type "
	 "WHEN 'cred_change' THEN 'uid ' || rg_uid(old_uid, e.proc_id, ts_ns) || '->' || "
	 "rg_uid(uid, e.proc_id, ts_ns) || ' euid ' || rg_uid(old_euid, e.proc_id, ts_ns) || "
	 "'->' || rg_uid(euid, e.proc_id, ts_ns) || iif(cap_effective != old_cap_effective, "
	 "printf(' caps %x->%x', old_cap_effective, cap_effective), '') "
	 "WHEN 'ptrace' THEN 'request ' || ptrace_request || ' pid ' || target_pid "
	 "WHEN 'proc_mem_write' THEN path || ' pid ' || target_pid "
	 "WHEN 'mount' THEN ifnull(source, '') || ' on ' || ifnull(path, '?') || "
	 "ifnull(' type ' || fstype, '') "
	 "ELSE trim(ifnull(name, '') || ' ' || ifnull(path, '')) || "
	 "iif(flags, printf(' flags 0x%x', flags), '') END",
	 "result"},
};
#define NARMS 4
#define EVENT_TYPES (RG_ET_PROCESS_MASK | RG_ET_FILE_MASK | RG_ET_NET_MASK | RG_ET_SYS_MASK)

/* "file_open,network" → a mask of event types; 0 on a bad name. */
static rg_etmask parse_types(const char *list, char *bad, size_t badlen)
{
	rg_etmask mask = 0;
	char *copy = rg_strdup(list), *save = NULL;
	for (char *w = strtok_r(copy, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		int t = rg_etype_parse(w);
		rg_etmask m = !strcmp(w, "process") ? RG_ET_PROCESS_MASK
			   : !strcmp(w, "file")    ? RG_ET_FILE_MASK
			   : !strcmp(w, "network") ? RG_ET_NET_MASK
			   : !strcmp(w, "system")  ? RG_ET_SYS_MASK
			   : !strcmp(w, "dns")     ? RG_ET_DNS_MASK
			   : t >= 0		   ? RG_ET_BIT(t)
						   : 0;
		m &= EVENT_TYPES;
		if (!m) {
			snprintf(bad, badlen, "%s", w);
			free(copy);
			return 0;
		}
		mask |= m;
	}
	free(copy);
	return mask;
}

/* An absolute path without wildcards: compared for equality, and looked
 * for in the rows' own tables (file_path_cond, timeline_path). */
static bool exact_path(const char *value)
{
	return value[0] == '/' && !strpbrk(value, "*?[");
}

/* A path or exe filter: equality (indexed) for an exact path, else the
 * rules' path glob (a name without '/' matches the final component). */
static void path_cond(struct rg_buf *b, const char *param, const char *value,
		      const char *col)
{
	if (exact_path(value))
		rg_buf_printf(b, "%s = %s", col, param);
	else
		rg_buf_printf(b, "path_glob(%s, %s)", param, col);
}

/* The --path filter of file events: a rename matches by its new path too.
 * every: the query reads every match (no LIMIT ends it early). Then an
 * exact path is looked for in the rows themselves, by its directory's
 * number and the rest (schema/024: :path_dir and :path_base, bound by
 * rgq_bind_common), a new path in file_more (schema/029), and the rows
 * found are read by key: through the view each row's path is joined back
 * together to be compared, 1.6 times the time over all rows. That search
 * reads all of file_rows first, though, where the view's newest-first
 * scan stops at the limit's match. */
static void file_path_cond(struct rg_buf *b, const char *value, bool every)
{
	if (every && exact_path(value)) {
		rg_buf_adds(b, "seq IN (SELECT seq FROM file_rows WHERE (path = :path_base AND dir_id IN "
			       "(SELECT id FROM names WHERE name = :path_dir)) OR (path = :path AND "
			       "dir_id IS NULL) UNION ALL SELECT m.seq FROM file_more m JOIN "
			       "file_rows r ON r.seq = m.seq AND r.more WHERE m.new_path = :path)");
		return;
	}
	rg_buf_adds(b, "(");
	path_cond(b, ":path", value, "path");
	rg_buf_adds(b, " OR ");
	path_cond(b, ":path", value, "new_path");
	rg_buf_adds(b, ")");
}

static void add_types(struct rg_buf *b, rg_etmask mask, rg_etmask arm_types)
{
	if ((mask & arm_types) == arm_types)
		return;
	const char *sep = " AND event_type IN (";
	for (int t = 0; t < RG_ET_COUNT; t++) {
		if (mask & arm_types & RG_ET_BIT(t)) {
			rg_buf_printf(b, "%s'%s'", sep, rg_etype_name(t));
			sep = ", ";
		}
	}
	rg_buf_adds(b, ")");
}

/* The event tables have no index on proc_id or path (they would slow the
 * recorder's inserts several times over): a process's events are found
 * through the (ts_ns, proc_id) index, inside its lifetime from the
 * processes table (50 ms of margin for the clock conversion of each run).
 * `ids` is SQL naming the processes. */
static void proc_window(struct rg_buf *b, const char *ids)
{
	rg_buf_printf(b, " AND ts_ns BETWEEN coalesce((SELECT min(start_ns) FROM processes WHERE "
			 "proc_id IN (%s)), -9000000000000000000) - 50000000 AND "
			 "coalesce((SELECT max(coalesce(exit_ns, 9000000000000000000)) FROM processes "
			 "WHERE proc_id IN (%s)), 9000000000000000000) + 50000000",
		      ids, ids);
}

/* A long-lived process's latest few events are found faster walking back
 * from the newest row than through a lifetime-wide time range. */
static bool long_lived(struct rgq *g, int64_t proc_id)
{
	long long span = rgq_db_int_bound(g, "SELECT coalesce(exit_ns, 9000000000000000000) - "
					     "start_ns FROM processes WHERE proc_id = ?", proc_id);
	return span > 60LL * 1000000000;
}

/* The result column(s): a table shows the errno's name beside the number;
 * JSON and CSV keep the number as recorded and name it in result_name. */
static void result_cols(struct rg_buf *b, bool table, const char *col)
{
	if (table)
		rg_buf_printf(b, "rg_errno(%s) AS result", col);
	else
		rg_buf_printf(b, "%s AS result, rg_errname(%s) AS result_name", col, col);
}

/* The name of an event's uid: its process row's user or euser, whichever
 * id it is (a credential change since may have renamed neither); a
 * process_start has its own. One primary-key lookup a row. */
#define USER_OF_ROW                                                                        \
	"(SELECT CASE e.uid WHEN p.uid THEN p.user WHEN p.euid THEN p.euser END FROM "       \
	"processes p WHERE p.proc_id = e.proc_id)"

/* --user NAME: the rows whose user column (as shown) is NAME. The set of
 * processes that carry the name is found once, so that most rows are
 * dropped before the lookup of their process row. */
static void user_cond(struct rg_buf *b, unsigned a)
{
	if (a == 0) /* an exec has its own name */
		rg_buf_adds(b, " AND coalesce(e.user, " USER_OF_ROW ") = :user");
	else
		rg_buf_adds(b, " AND proc_id IN (SELECT proc_id FROM processes WHERE :user IN "
			       "(user, euser)) AND " USER_OF_ROW " = :user");
}

static void select_arm(struct rg_buf *b, unsigned a, const struct rgq_opts *o, bool table)
{
	rg_buf_printf(b, "SELECT seq, rg_time(ts_ns) AS time, event_type, pid, proc_id, uid, "
			 "%s%s%s AS user, exe, %s AS detail, ",
		      a == 0 ? "coalesce(e.user, " : "", USER_OF_ROW, a == 0 ? ")" : "",
		      arms[a].detail);
	result_cols(b, table, arms[a].result);
	rg_buf_printf(b, " FROM %s AS e WHERE 1", arms[a].table);
	rgq_time_cond(b, o, "ts_ns");
	rgq_container_cond(b, o, a == 0);
}

/* Alerts as timeline rows, for those matching cond. */
static void select_alerts(struct rg_buf *b, const struct rgq_opts *o, const char *cond,
			  bool table)
{
	rg_buf_printf(b, "SELECT seq, rg_time(ts_ns), 'alert', pid, proc_id, NULL, NULL, exe, "
			 "severity || ' ' || rule_id || ' (event ' || event_seq || '): ' || summary, "
			 "NULL%s FROM alerts WHERE %s", table ? "" : ", NULL", cond);
	rgq_time_cond(b, o, "ts_ns");
	rgq_container_cond(b, o, false);
}

/* --container alone: every row of its processes (select_arm keeps them)
 * and their alerts. */
static void timeline_container(struct rg_buf *b, const struct rgq_opts *o, bool table)
{
	for (unsigned a = 0; a < NARMS; a++) {
		select_arm(b, a, o, table);
		rg_buf_adds(b, " UNION ALL ");
	}
	select_alerts(b, o, "1", table);
}

static int run_events(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o)
{
	char bad[64];
	rg_etmask mask = EVENT_TYPES;
	if (o->type && !(mask = parse_types(o->type, bad, sizeof(bad))))
		return rgq_usage_error(c, "unknown event type '%s' (process, file, network, "
				       "dns, system or a type such as file_write)", bad);
	if (o->path && !(mask &= RG_ET_FILE_MASK))
		return rgq_usage_error(c, "--path selects file events; --type names none");
	const char *dir = o->oldest ? "ASC" : "DESC";
	bool walk_back = o->has_proc && !o->oldest && o->limit != 0 && long_lived(g, o->proc_id);
	struct rg_buf b = {0};
	unsigned used = 0;
	for (unsigned a = 0; a < NARMS; a++) {
		if (!(mask & arms[a].types))
			continue;
		rg_buf_adds(&b, used++ ? " UNION ALL SELECT * FROM (" : "SELECT * FROM (");
		select_arm(&b, a, o, rgq_readable(g));
		add_types(&b, mask, arms[a].types);
		if (o->has_pid)
			rg_buf_adds(&b, " AND pid = :pid");
		if (o->has_proc) {
			rg_buf_adds(&b, " AND proc_id = :proc");
			if (!walk_back)
				proc_window(&b, ":proc");
		}
		if (o->exe) {
			rg_buf_adds(&b, " AND ");
			path_cond(&b, ":exe", o->exe, "exe");
		}
		if (o->path) {
			rg_buf_adds(&b, " AND ");
			file_path_cond(&b, o->path, o->limit == 0);
		}
		if (o->has_uid)
			rg_buf_adds(&b, " AND uid = :uid");
		if (o->user)
			user_cond(&b, a);
		if (o->cmdline) /* the processes table has each process's latest */
			rg_buf_adds(&b, " AND proc_id IN (SELECT proc_id FROM processes WHERE "
					"instr(cmdline, :cmdline))");
		if (o->grep) /* ASCII case folded, no wildcards: the text as typed */
			rg_buf_printf(&b, " AND (instr(lower(%s), lower(:grep)) OR "
					  "instr(lower(exe), lower(:grep)))", arms[a].detail);
		/* each table gives at most limit rows, newest (oldest) first */
		rg_buf_printf(&b, " ORDER BY seq %s LIMIT :limit)", dir);
	}
	rg_buf_printf(&b, " ORDER BY seq %s LIMIT :limit", dir);
	struct rgq_opts lo = *o;
	lo.limit = o->limit < 0 ? 100 : o->limit; /* 0: all */
	return rgq_query(g, c, &b, &lo);
}

const struct rgq_command rgq_cmd_events = {
	"events", "recorded events, newest first, filtered",
	"events [--type T[,T]] [--pid N | --proc-id ID] [--exe X] [--path X] [--uid N]\n"
	"       [--user NAME] [--cmdline TEXT] [--grep TEXT] [--container C]\n"
	"       [--since TIME] [--until TIME] [--limit N] [--oldest]",
	"Events from process_events, file_events, network_events and system_events,\n"
	"newest first.\n"
	"  --type T[,T]    event types (file_write, network_connect, ...) or families\n"
	"                  (process, file, network, dns, system; dns: dns_query and\n"
	"                  dns_answer, which network includes too)\n"
	"  --pid N         events of any process that had pid N\n"
	"  --proc-id ID    events of one process (processes.proc_id)\n"
	"  --exe X         by executable: an absolute path, or a glob (a name without\n"
	"                  '/' matches the file name: --exe bash)\n"
	"  --path X        file events whose path or new path is X (same forms)\n"
	"  --uid N         events of user N (the real uid at the event)\n"
	"  --user NAME     events whose user (the uid's name as recorded) is NAME\n"
	"  --cmdline TEXT  events of processes whose command line contains TEXT\n"
	"  --grep TEXT     events whose detail or exe contains TEXT (case folded)\n"
	"  --container C   events of the processes of container C: its id, the start\n"
	"                  of one (docker's 12-digit short id), or its name (LXC, nspawn)\n"
	"  --since, --until TIME   the time range (see rgq --help)\n"
	"  --limit N       at most N rows (default 100; 0: all)\n"
	"  --oldest        oldest first\n",
	"SUtpPefoniNKgC", 0, run_events,
};

/* ---- timeline ------------------------------------------------------------- */

/* The process and, with --descendants, the whole tree under it, however
 * deep: UNION (not UNION ALL) drops a proc_id met again, so a parent loop
 * in a damaged database ends, each process once. */
static void timeline_procs(struct rg_buf *b, const struct rgq_opts *o, bool table)
{
	rg_buf_printf(b, "WITH RECURSIVE procs(id) AS (SELECT :proc UNION "
			 "SELECT p.proc_id FROM processes p JOIN procs "
			 "ON p.parent_proc_id = procs.id WHERE %d) ",
		      o->descendants);
	for (unsigned a = 0; a < NARMS; a++) {
		select_arm(b, a, o, table);
		rg_buf_adds(b, " AND (proc_id IN (SELECT id FROM procs)");
		if (a == 0) /* the fork that created it is its parent's event */
			rg_buf_adds(b, " OR child_proc_id IN (SELECT id FROM procs)");
		rg_buf_adds(b, ")");
		proc_window(b, "SELECT id FROM procs");
		rg_buf_adds(b, " UNION ALL ");
	}
	select_alerts(b, o, "proc_id IN (SELECT id FROM procs)", table);
}

static void timeline_path(struct rg_buf *b, const struct rgq_opts *o, bool table)
{
	struct rg_buf fc = {0}, pc = {0};
	file_path_cond(&fc, o->path, true); /* ordered by time: all are read */
	/* execs of it as the image, as the script an interpreter ran, and the
	 * execs of it that failed; an exact path is first looked for in the
	 * rows themselves, by the actors whose image it is (schema/028): through
	 * the view each row's event type and image are looked up to be
	 * compared, 2.5 times the time of this search over a 10 M recording's
	 * process rows (the actors are scanned once: a join made SQLite build
	 * an index of them for every query) */
	if (exact_path(o->path))
		rg_buf_adds(&pc, "seq IN (SELECT seq FROM process_rows WHERE actor_id IN (SELECT "
				 "id FROM actors WHERE image_id IN (SELECT id FROM images WHERE "
				 "exe = :path)) OR script = :path OR path = :path) AND ");
	rg_buf_adds(&pc, "((event_type = 'process_start' AND (");
	path_cond(&pc, ":path", o->path, "exe");
	rg_buf_adds(&pc, " OR ");
	path_cond(&pc, ":path", o->path, "script");
	rg_buf_adds(&pc, ")) OR (event_type = 'process_exec_failed' AND ");
	path_cond(&pc, ":path", o->path, "path");
	rg_buf_adds(&pc, "))");
	select_arm(b, 1, o, table);
	rg_buf_printf(b, " AND %s UNION ALL ", rg_buf_cstr(&fc));
	select_arm(b, 0, o, table);
	rg_buf_printf(b, " AND %s UNION ALL ", rg_buf_cstr(&pc));
	struct rg_buf ac = {0};
	rg_buf_printf(&ac, "(event_seq IN (SELECT seq FROM file_events WHERE %s) OR event_seq "
			   "IN (SELECT seq FROM process_events WHERE %s))",
		      rg_buf_cstr(&fc), rg_buf_cstr(&pc));
	select_alerts(b, o, rg_buf_cstr(&ac), table);
	rg_buf_free(&ac);
	rg_buf_free(&fc);
	rg_buf_free(&pc);
}

static int run_timeline(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o)
{
	struct rgq_opts lo = *o;
	int n = !!o->has_pid + !!o->has_proc + !!o->path;
	if (n > 1 || (n == 0 && !o->container))
		return rgq_usage_error(c, "name one of --pid, --proc-id, --path or --container");
	if (o->descendants && !o->has_pid && !o->has_proc)
		return rgq_usage_error(c, "--descendants goes with --pid or --proc-id");
	if (o->has_pid && !(lo.proc_id = rgq_resolve_pid(g, c, o->pid)))
		return 1;
	struct rg_buf b = {0};
	if (o->path)
		timeline_path(&b, o, rgq_readable(g));
	else if (n == 0)
		timeline_container(&b, o, rgq_readable(g));
	else
		timeline_procs(&b, &lo, rgq_readable(g));
	rg_buf_adds(&b, " ORDER BY time, seq LIMIT :limit");
	return rgq_query(g, c, &b, &lo);
}

const struct rgq_command rgq_cmd_timeline = {
	"timeline", "what a process (and its descendants) did, or what touched a path",
	"timeline (--pid N | --proc-id ID [--descendants] | --path X | --container C)\n"
	"         [--container C] [--since TIME] [--until TIME] [--limit N]",
	"Process, file, network, system and alert rows in time order.\n"
	"  --proc-id ID     one process; --pid N: the latest process with pid N\n"
	"  --descendants    and every process it started, down the tree\n"
	"  --path X         the file events on path X (or new path: renames), the\n"
	"                   execs of X, and their alerts; X absolute or a glob\n"
	"  --container C    alone: everything the processes of container C did (its\n"
	"                   id, the start of one, or its name: rgq events --help); with\n"
	"                   one of the above: only the rows of its processes\n"
	"  --since, --until TIME   the time range;  --limit N  at most N rows\n",
	"SUnpPdfC", 0, run_timeline,
};
