/* schema.c: the schema's migrations and the store's insert statements,
 * generated from the field registry (fields.h) and the health list. */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "schema.h"

/* ---- schema ------------------------------------------------------------- */

/* Applies the embedded schema files newer than the file's user_version. */
int store_migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	int have = (int)rg_sql_int(db, "PRAGMA user_version", -1);
	int latest = rg_schema_files[rg_nschema_files - 1].version;
	char msg[256];

	if (have < 0) {
		snprintf(err, errlen, "%s: cannot read the database: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	if (have > latest) {
		snprintf(err, errlen, "%s: written by a newer rand-guard (schema %d, this build "
			 "knows up to %d)", path, have, latest);
		return -1;
	}
	bool ours = rg_sql_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'meta'", 0) &&
		    rg_sql_int(db, "SELECT count(*) FROM meta WHERE key = 'format' AND "
				  "value = 'rand-guard'", 0);
	bool empty = rg_sql_int(db, "SELECT count(*) FROM sqlite_master", 0) == 0;
	if (!(have == 0 ? empty : ours)) {
		snprintf(err, errlen, "%s: not a rand-guard database (refusing to change it)", path);
		return -1;
	}
	for (unsigned i = 0; i < rg_nschema_files; i++) {
		const struct rg_schema_file *f = &rg_schema_files[i];
		if (f->version <= have)
			continue;
		/* an upgrade may rewrite every row (023: 40 s for ten million
		 * events): say so, or a start that takes that long looks hung */
		int64_t t0 = rg_mono_ns();
		if (have > 0)
			fprintf(stderr, "rand-guard: store: %s: upgrading to schema %d (%s)...\n", path,
				f->version, f->name);
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", f->version);
		if (store_exec(db, "BEGIN IMMEDIATE", msg, sizeof(msg)) || store_exec(db, f->sql, msg, sizeof(msg)) ||
		    store_exec(db, pragma, msg, sizeof(msg)) || store_exec(db, "COMMIT", msg, sizeof(msg))) {
			store_exec(db, "ROLLBACK", NULL, 0);
			snprintf(err, errlen, "%s: applying %s: %s", path, f->name, msg);
			return -1;
		}
		if (have > 0)
			fprintf(stderr, "rand-guard: store: %s: schema %d in %.1f s\n", path, f->version,
				(double)(rg_mono_ns() - t0) / 1e9);
	}
	return 0;
}

/* ---- statements ----------------------------------------------------------- */

static const char process_cols[] =
	"proc_id, boot_id, pid, start_boot_ns, start_ns, ppid, parent_proc_id, uid, gid, euid, "
	"auid, sessionid, comm, exe, cmdline, argv, cwd, exe_truncated, argv_truncated, "
	"cwd_truncated, exe_memfd, exe_deleted, source, exit_ns, exit_code, signal, script, env, "
	"script_truncated, env_truncated, user, euser, group_name, login_user, sudo_user, "
	"ssh_client, ssh_client_port, cgroup_id, cgroup_path, container_id, container_runtime, "
	"pidns, mntns, netns, userns, utsns, cgroupns";
#define PROCESS_NCOLS 47

/* The upsert: a process row is written at its start and again at every
 * change (exec, exit); identity columns never change, and neither do a
 * known parent (the process that forked it) and how it was first seen.
 * Later rows know less: a later run's /proc scan gives a reaper that
 * adopted it, an exit or exec of a process the table had lost none or the
 * kernel's real_parent; and retention keeps a processes row only while a
 * row names it (retention.c). Only a fork replaces what /proc said: one
 * that was on its way while the scan ran (proctab.c, apply_fork).
 *
 * Its revision (schema/019_ship.sql): the insert and the update both take
 * the counter's value that rev_process_sql just bumped, as the triggers
 * would have (they do not fire on the writer's connection: store.c,
 * no_triggers). Same counter, same revisions, in the same order. */
static void process_sql(struct rg_buf *b)
{
	rg_buf_printf(b, "INSERT INTO processes (%s, ship_rev) VALUES (?", process_cols);
	for (int i = 1; i < PROCESS_NCOLS; i++)
		rg_buf_adds(b, ", ?");
	rg_buf_adds(b, ", (SELECT n FROM ship_rev)) ON CONFLICT (proc_id) DO UPDATE SET ");
	/* a fork's row after /proc's: only a fork knows the parent that made it */
	static const char by_fork[] = "processes.source = 'proc' AND excluded.source = 'fork'";
	const char *c = strstr(process_cols, "start_ns");
	for (const char *sep = ""; c && *c; sep = ", ") {
		size_t n = strcspn(c, ",");
		if (!strncmp(c, "ppid,", 5) || !strncmp(c, "parent_proc_id,", 15))
			rg_buf_printf(b, "%s%.*s = iif(processes.parent_proc_id IS NULL OR (%s AND "
				      "excluded.parent_proc_id IS NOT NULL), excluded.%.*s, "
				      "processes.%.*s)", sep, (int)n, c, by_fork, (int)n, c, (int)n, c);
		else if (!strncmp(c, "source,", 7))
			rg_buf_printf(b, "%ssource = iif(%s, excluded.source, processes.source)", sep,
				      by_fork);
		else
			rg_buf_printf(b, "%s%.*s = excluded.%.*s", sep, (int)n, c, (int)n, c);
		c += n;
		c += strspn(c, ", ");
	}
	rg_buf_adds(b, ", ship_rev = (SELECT n FROM ship_rev)");
}

/* Run before the upsert: bumps the revision counter. Apart, each
 * statement leaves the counter at or above every revision: if the upsert
 * then fails, one number goes unused. */
static const char rev_process_sql[] =
	"UPDATE ship_rev SET n = n + 1";

/* Where each of event table t's columns goes (rg_store.col_param): in a
 * compact table (schema/023 to 028) the event type, syscall, a network
 * row's family, protocol and local address and a process row's SHA-256
 * and hash status as names' numbers, pid, uid, gid, ppid, parent_proc_id,
 * exe and comm as one actor's, a file row's path as its directory's
 * number and the rest, boot_ns as its clock's number, a file row's rarer
 * columns in its file_more row (schema/029), a process row's command
 * line as its cmdlines row's number (schema/031); elsewhere as they are.
 * Appends the insert's column names to b and returns their number. */
static int store_layout(struct rg_store *s, unsigned t, struct rg_buf *b)
{
	bool compact = rg_row_compact(t);
	int n = 0;
	s->more_cols[t] = 0;
	for (int k = 0; k < s->event_cols[t]; k++) {
		const struct rg_field *f = s->event_fields[t][k];
		enum rg_col_store cs = rg_row_col_store(t, f);
		bool actor = cs == RG_CS_EXE || cs == RG_CS_COMM || cs == RG_CS_ACTOR;
		s->col_store[t][k] = (uint8_t)cs;
		if (cs == RG_CS_MORE) { /* in the more row's insert (more_sql) */
			s->col_param[t][k] = (int8_t)++s->more_cols[t];
			continue;
		}
		/* an actor's column: its place among the actor's (rg_row_actor_part) */
		s->col_param[t][k] = (int8_t)(cs == RG_CS_ACTOR ? rg_row_actor_part(f)
					      : actor ? -1 : n);
		if (actor)
			continue;
		char col[80];
		rg_buf_printf(b, "%s%s", n ? ", " : "", rg_row_stored_col(cs, f, col, sizeof(col)));
		n++;
	}
	s->actor_param[t] = compact ? n++ : -1;
	if (compact)
		rg_buf_adds(b, ", " RG_ROW_ACTOR_COL);
	s->dir_param[t] = -1;
	for (int k = 0; k < s->event_cols[t]; k++)
		if (s->col_store[t][k] == RG_CS_PATH) {
			s->dir_param[t] = n++;
			rg_buf_adds(b, ", " RG_ROW_DIR_COL);
		}
	s->flag_param[t] = -1;
	if (rg_event_tables[t].more) {
		s->flag_param[t] = n++;
		rg_buf_adds(b, ", more");
	}
	return n;
}

/* An insert of nrows rows into event table t (its columns: store_layout). */
static void event_sql(struct rg_store *s, struct rg_buf *b, unsigned t, int nrows)
{
	rg_buf_printf(b, "INSERT INTO %s (", rg_event_tables[t].rows);
	int ncols = s->store_cols[t] = store_layout(s, t, b);
	rg_buf_adds(b, ") VALUES ");
	for (int r = 0; r < nrows; r++) {
		rg_buf_adds(b, r ? ", (?" : "(?");
		for (int c = 1; c < ncols; c++)
			rg_buf_adds(b, ", ?");
		rg_buf_addc(b, ')');
	}
}

/* The insert of a row of event table t's more table: its seq, then the
 * columns store_layout put there, in their order. */
static void more_sql(struct rg_store *s, struct rg_buf *b, unsigned t)
{
	rg_buf_printf(b, "INSERT INTO %s (seq", rg_event_tables[t].more);
	for (int k = 0; k < s->event_cols[t]; k++)
		if (s->col_store[t][k] == RG_CS_MORE)
			rg_buf_printf(b, ", %s", s->event_fields[t][k]->name);
	rg_buf_adds(b, ") VALUES (?");
	for (int j = 0; j < s->more_cols[t]; j++)
		rg_buf_adds(b, ", ?");
	rg_buf_addc(b, ')');
}

static void health_sql(struct rg_buf *b)
{
	rg_buf_adds(b, "INSERT INTO health (seq, ts_ns, run_id");
#define RG_HEALTH_COL(name, kind, what) rg_buf_adds(b, ", " #name);
	RG_HEALTH_FIELDS(RG_HEALTH_COL)
#undef RG_HEALTH_COL
	rg_buf_adds(b, ") VALUES (?, ?, ?");
#define RG_HEALTH_VAL(name, kind, what) rg_buf_adds(b, ", ?");
	RG_HEALTH_FIELDS(RG_HEALTH_VAL)
#undef RG_HEALTH_VAL
	rg_buf_adds(b, ")");
}

static int prepare(struct rg_store *s, sqlite3_stmt **st, struct rg_buf *b, char *err,
		   size_t errlen)
{
	int rc = sqlite3_prepare_v3(s->db, rg_buf_cstr(b), -1, SQLITE_PREPARE_PERSISTENT, st,
				    NULL);
	if (rc != SQLITE_OK)
		snprintf(err, errlen, "preparing \"%.80s...\": %s", b->p, sqlite3_errmsg(s->db));
	b->len = 0;
	return rc;
}

int store_prepare_all(struct rg_store *s, char *err, size_t errlen)
{
	struct rg_buf b = {0};
	int rc = 0;
	memset(s->type_ncols, 0, sizeof(s->type_ncols)); /* the lists below are appended to */
	for (unsigned t = 0; t < RG_N_EVENT_TABLES && !rc; t++) {
		struct rg_buf names = {0};
		int n = s->event_cols[t] = (int)rg_row_columns(&names, t, RG_FMASK_ALL,
								 s->event_fields[t]);
		rg_buf_free(&names);
		event_sql(s, &b, t, 1);
		rc = prepare(s, &s->ins_event[t], &b, err, errlen);
		/* an SQLite built with fewer parameters per statement refuses the
		 * group's: its rows then go one at a time */
		if (!rc) {
			event_sql(s, &b, t, GROUP_ROWS);
			if (prepare(s, &s->ins_group[t], &b, err, errlen) != SQLITE_OK)
				err[0] = '\0';
		}
		if (!rc && s->more_cols[t]) {
			more_sql(s, &b, t);
			rc = prepare(s, &s->ins_more[t], &b, err, errlen);
		}
		for (unsigned ty = 0; ty < RG_ET_COUNT; ty++)
			for (int k = 0; k < n && (rg_event_tables[t].types & RG_ET_BIT(ty)); k++) {
				s->type_cols[ty][k] = (s->event_fields[t][k]->types &
						       RG_ET_BIT(ty)) != 0;
				if (s->type_cols[ty][k])
					s->type_col_list[ty][s->type_ncols[ty]++] = (uint8_t)k;
			}
		size_t np = (size_t)s->store_cols[t];
		s->event_null[t] = rg_malloc(np);
		memset(s->event_null[t], 1, np);
		s->group_null[t] = rg_malloc(np * GROUP_ROWS);
		memset(s->group_null[t], 1, np * GROUP_ROWS);
	}
	if (!rc) {
		process_sql(&b);
		rc = prepare(s, &s->ins_process, &b, err, errlen);
	}
	if (!rc) {
		rg_buf_adds(&b, rev_process_sql);
		rc = prepare(s, &s->rev_process, &b, err, errlen);
	}
	if (!rc) {
		health_sql(&b);
		rc = prepare(s, &s->ins_health, &b, err, errlen);
	}
	if (!rc) {
		rg_buf_adds(&b, "INSERT INTO gaps (run_id, start_ns, end_ns, count, reason, "
				"rule_id) VALUES (?, ?, ?, ?, ?, ?)");
		rc = prepare(s, &s->ins_gap, &b, err, errlen);
	}
	if (!rc) {
		rg_buf_adds(&b, "INSERT INTO alerts (seq, ts_ns, rule_id, rule_name, severity, tags, "
				"rule_source, rule_file, event_seq, event_type, proc_id, pid, exe, "
				"summary, rules_digest, steps) "
				"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
		rc = prepare(s, &s->ins_alert, &b, err, errlen);
	}
	if (!rc) {
		rg_buf_adds(&b, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
		rc = prepare(s, &s->ins_meta, &b, err, errlen);
	}
	if (!rc) {
		rg_buf_adds(&b, "INSERT INTO run_processes (run_id, proc_id, parent_proc_id, uid, "
				"euid, auid, comm, exe, argv, user, container_id, container_runtime) "
				"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
		rc = prepare(s, &s->ins_seed, &b, err, errlen);
	}
	rg_buf_free(&b);
	return rc;
}
