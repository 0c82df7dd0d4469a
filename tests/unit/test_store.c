/* test_store.c: the store's database from one run to the next: it creates
 * a WAL database with the schema, writes every kind of row exactly,
 * continues ids across runs, records the gaps between runs it knows of,
 * brings an old schema up to date, refuses files that are not its own,
 * and has one writer. The writer under load: test_store_writer.c. */
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "schema.h"
#include "store.h"
#include "store_db.h"
#include "tap.h"

static const struct rg_store_opts opts = {100, 20, 1024};

static struct rg_process proc(int64_t id, uint32_t pid, uint64_t start)
{
	static const char argv[] = "cat\0/tmp/x\xff\0";
	return (struct rg_process){
		.proc_id = id, .pid = pid, .start_boot_ns = start, .start_ns = 1000 + (int64_t)start,
		.ppid = 1, .parent_proc_id = id > 1 ? 1 : 0, .uid = 1000, .comm = {"cat", 3},
		.exe = {"/usr/bin/cat", 12}, .argv = {argv, sizeof(argv) - 1},
		.cwd = {"/home/a b", 9}, .source = RG_PSRC_FORK,
	};
}

static void check_first_run(const char *db)
{
	char err[256];
	struct rg_store *s = rg_store_open(db, &opts, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "creates a new database"))
		return;
	struct stat sb;
	stat(db, &sb);
	CHECK_INT(sb.st_mode & 0777, 0600, "database file is 0600");
	uint64_t seq;
	int64_t pid;
	rg_store_max_ids(s, &seq, &pid);
	CHECK(seq == 0 && pid == 0, "an empty database has no ids");
	CHECK_INT(rg_store_begin_run(s, "host1", "boot-a", "0.1.0", 5000, 1, 64, 64), 1, "first run is 1");

	struct rg_process p1 = proc(1, 100, 10), p2 = proc(2, 200, 20);
	rg_store_put_process(s, &p1);
	rg_store_put_process(s, &p2);
	p2.exited = true;
	p2.exit_ns = 9000;
	p2.exit_code = 3;
	char script[] = "/tmp/x.sh", env[] = "SUDO_UID=7\0";
	p2.script = (struct rg_str){script, 9};
	p2.env = (struct rg_str){env, 11};
	rg_store_put_process(s, &p2); /* upsert: the exit updates the row */

	struct rg_event ev = {.type = RG_ET_PROCESS_START, .seq = 1, .ts_ns = 6000, .pid = 200,
			      .tid = 200, .proc_id = 2, .argv = p2.argv, .exe = p2.exe,
			      .cwd = p2.cwd, .argc = 2, .syscall = "execve",
			      .script = p2.script, .env = p2.env};
	rg_store_put_event(s, &ev, false);
	ev.argv.p = NULL; /* the copy must not depend on the caller's memory */
	memset(script, 'Z', 9); /* nor do a script's and environment's bytes */
	memset(env, 'Z', 11);
	struct rg_event ex = {.type = RG_ET_PROCESS_EXIT, .seq = 2, .ts_ns = 9000, .pid = 200,
			      .tid = 200, .proc_id = 2, .exit_code = 3};
	rg_store_put_event(s, &ex, false);
	struct rg_health h = {.seq = 3, .ts_ns = 9500, .run_id = 1, .events_read = 2};
	rg_store_put_health(s, &h);
	struct rg_gap g = {1, 7000, 8000, 12, "kernel_drop"};
	rg_store_put_gap(s, &g);
	char rule[] = "SEQ-X";
	struct rg_gap sg = {1, 7000, 8000, 3, "sequence_eviction", {rule, 5}};
	rg_store_put_gap(s, &sg);
	rule[0] = 'Z'; /* a reload frees the rule set before the row is written */
	rg_store_sync(s);

	struct rg_store_stats st;
	rg_store_stats(s, &st);
	CHECK_INT(st.rows_processes, 3, "three process writes");
	CHECK_INT(st.rows_process_events, 2, "two event rows");
	CHECK_INT(st.rows_health + st.rows_gaps, 3, "a health and two gap rows");
	CHECK_INT(st.store_failures + st.user_drops, 0, "no failures or drops");
	CHECK_STR(q(db, "PRAGMA journal_mode"), "wal", "WAL mode");
	char latest[16];
	snprintf(latest, sizeof(latest), "%d", rg_schema_files[rg_nschema_files - 1].version);
	CHECK_STR(q(db, "PRAGMA user_version"), latest, "schema at the latest version");
	CHECK_STR(q(db, "SELECT value FROM meta WHERE key='format'"), "rand-guard", "meta marker");
	char meta[160];
	snprintf(meta, sizeof(meta), "boot_id=boot-a host=host1 recorder_version=0.1.0 "
		 "run_started_ns=5000 schema_version=%s", latest);
	CHECK_STR(q(db, "SELECT group_concat(key || '=' || value, ' ') FROM (SELECT * FROM meta "
			"WHERE key != 'format' ORDER BY key)"),
		  meta, "meta: boot, host, version, run start, schema version");
	CHECK_STR(q(db, "SELECT count(*) FROM processes"), "2", "two process rows");
	CHECK_STR(q(db, "SELECT exit_code || ' ' || exit_ns FROM processes WHERE proc_id=2"),
		  "3 9000", "exit recorded on the process row");
	CHECK_STR(q(db, "SELECT coalesce(exit_code, 'NULL') FROM processes WHERE proc_id=1"),
		  "NULL", "a live process has no exit");
	CHECK_STR(q(db, "SELECT hex(argv) FROM processes WHERE proc_id=2"),
		  "636174002F746D702F78FF00", "argv stored as exact bytes");
	CHECK_STR(q(db, "SELECT cmdline FROM process_events WHERE seq=1"), "cat /tmp/x\xff",
		  "event cmdline derived from argv");
	CHECK_STR(q(db, "SELECT hex(argv) FROM process_events WHERE seq=1"),
		  "636174002F746D702F78FF00", "event argv copied at put time");
	CHECK_STR(q(db, "SELECT script || ' ' || hex(env) FROM process_events WHERE seq=1"),
		  "/tmp/x.sh 5355444F5F5549443D3700", "event script and env copied at put time");
	CHECK_STR(q(db, "SELECT script || ' ' || hex(env) || ' ' || script_truncated || "
			"env_truncated FROM processes WHERE proc_id=2"),
		  "/tmp/x.sh 5355444F5F5549443D3700 00", "process script and env copied at put time");
	CHECK_STR(q(db, "SELECT coalesce(parent_proc_id,'NULL') FROM process_events WHERE seq=1"),
		  "NULL", "unknown parent is NULL");
	CHECK_STR(q(db, "SELECT coalesce(argv,'NULL') || ' ' || exit_code FROM process_events "
			"WHERE seq=2"), "NULL 3", "exit row: no argv, exit code");
	CHECK_STR(q(db, "SELECT reason || ' ' || count || ' ' || coalesce(rule_id, 'NULL') FROM gaps "
			"ORDER BY gap_id"), "kernel_drop 12 NULL", "gap row, no rule");
	CHECK_STR(q(db, "SELECT reason || ' ' || count || ' ' || rule_id FROM gaps WHERE gap_id = 2"),
		  "sequence_eviction 3 SEQ-X", "a sequence_eviction gap row names its rule, copied");
	rg_store_close(s, 10000);
	CHECK_STR(q(db, "SELECT stopped_ns || ' ' || last_seq FROM runs"), "10000 3",
		  "close records the stop and the last seq");
	CHECK_STR(q(db, "PRAGMA integrity_check"), "ok", "integrity_check");
}

static void on_live(void *arg, int64_t proc_id, uint32_t pid, uint64_t start)
{
	int *n = arg;
	*n += proc_id == 1 && pid == 100 && start == 10;
	*n += 100; /* counts calls */
}

static void check_second_run(const char *db)
{
	char err[256];
	struct rg_store *s = rg_store_open(db, &opts, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "reopens its own database"))
		return;
	uint64_t seq;
	int64_t pid;
	rg_store_max_ids(s, &seq, &pid);
	CHECK(seq == 3 && pid == 2, "max ids continue from the last run");
	int n = 0;
	rg_store_live_processes(s, "boot-a", on_live, &n);
	CHECK_INT(n, 101, "exactly the unexited process of this boot is live");
	n = 0;
	rg_store_live_processes(s, "boot-b", on_live, &n);
	CHECK_INT(n, 0, "none on another boot");
	CHECK_INT(rg_store_begin_run(s, "host1", "boot-a", "0.1.0", 20000, 4, 64, 64), 2, "second run");

	/* same identity (boot, pid, start) under a new proc_id: refused */
	struct rg_process dup = proc(3, 100, 10);
	rg_store_put_process(s, &dup);
	rg_store_sync(s);
	struct rg_store_stats st;
	rg_store_stats(s, &st);
	CHECK_INT(st.store_failures, 1, "a refused row is a store failure");
	rg_store_close(s, 30000);
	CHECK_STR(q(db, "SELECT start_ns || '-' || end_ns FROM gaps WHERE reason='recorder_down'"),
		  "10000-20000", "recorder_down gap from the last stop to the new start");
	CHECK_STR(q(db, "SELECT count || ' ' || run_id FROM gaps WHERE reason='store_failure'"),
		  "1 2", "the failed row is a store_failure gap");
}

/* A run that did not stop cleanly (kill -9): its losses were counted up
 * to its last health row only, so the next run's recorder_down gap starts
 * there, not at its newest event. */
static void check_unclean_stop(const char *db)
{
	char err[256];
	sql_on(db, "UPDATE runs SET stopped_ns = NULL WHERE run_id = 2;"
		   "INSERT INTO health (seq, ts_ns, run_id, events_read, events_invalid, "
		   "events_unsupported, kernel_drops, user_drops, filtered, ndjson_written, "
		   "ndjson_failures, rows_processes, rows_process_events, rows_gaps, "
		   "store_failures, batches, batch_commit_us_max, queue_depth, proctab_size, "
		   "proctab_evictions, uptime_s, rss_kb) "
		   "VALUES (50, 25000, 2, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0);"
		   "UPDATE process_events SET ts_ns = 28000 WHERE seq = (SELECT max(seq) FROM process_events)");
	struct rg_store *s = rg_store_open(db, &opts, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "reopens after an unclean stop"))
		return;
	CHECK_INT(rg_store_begin_run(s, "host1", "boot-a", "0.1.0", 40000, 60, 64, 64), 3, "third run");
	rg_store_close(s, 41000);
	CHECK_STR(q(db, "SELECT start_ns || '-' || end_ns FROM gaps WHERE reason='recorder_down' "
			"AND run_id = 3"),
		  "25000-40000", "after an unclean stop the gap starts at the last health row");
}

/* A database left at schema 1 by an older recorder is brought up to date,
 * its rows kept. */
static void check_upgrade(void)
{
	char err[256], sql[64];
	sqlite3 *h;
	sqlite3_open(path_in("v1.db"), &h);
	sqlite3_exec(h, rg_schema_files[0].sql, NULL, NULL, NULL);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", rg_schema_files[0].version);
	sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_exec(h, "INSERT INTO gaps VALUES (1, 1, 2, 3, 4, 'kernel_drop')", NULL, NULL, NULL);
	sqlite3_close(h);
	struct rg_store *s = rg_store_open(path_in("v1.db"), &opts, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "opens a schema 1 database"))
		return;
	rg_store_close(s, 0);
	char latest[16];
	snprintf(latest, sizeof(latest), "%d", rg_schema_files[rg_nschema_files - 1].version);
	CHECK_STR(q(path_in("v1.db"), "PRAGMA user_version"), latest, "upgraded to the latest schema");
	CHECK_STR(q(path_in("v1.db"), "SELECT count(*) FROM file_events"), "0",
		  "file_events created");
	CHECK_STR(q(path_in("v1.db"), "SELECT count(*) FROM gaps"), "1", "old rows kept");
}

/* A database at schema 21 gets the exec history indexes of 022 over the
 * rows it already has, made anew by 028 over process_rows, and a lookup
 * of a process's exec rows, or of the fork by child_proc_id, can use
 * them. */
static void check_exec_history_upgrade(void)
{
	char err[256], sql[64];
	sqlite3 *h;
	sqlite3_open(path_in("v21.db"), &h);
	for (unsigned i = 0; i < rg_nschema_files && rg_schema_files[i].version <= 21; i++) {
		sqlite3_exec(h, rg_schema_files[i].sql, NULL, NULL, NULL);
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", rg_schema_files[i].version);
		sqlite3_exec(h, sql, NULL, NULL, NULL);
	}
	sqlite3_exec(h, "INSERT INTO process_events (seq, event_type, ts_ns, boot_ns, proc_id, "
			"pid, tid, uid, gid, exe, child_proc_id, child_pid, exit_code) VALUES "
			"(1, 'process_relationship', 1, 1, 6, 60, 60, 0, 0, '/bin/sh', 7, 70, NULL), "
			"(2, 'process_start', 2, 2, 7, 70, 70, 0, 0, '/bin/a', NULL, NULL, NULL), "
			"(3, 'process_exit', 3, 3, 7, 70, 70, 0, 0, '/bin/a', NULL, NULL, 0), "
			"(4, 'process_start', 4, 4, 8, 80, 80, 0, 0, '/bin/b', NULL, NULL, NULL), "
			"(5, 'process_start', 5, 5, 7, 70, 70, 0, 0, '/bin/c', NULL, NULL, NULL), "
			"(6, 'process_relationship', 6, 6, 7, 70, 70, 0, 0, '/bin/c', 9, 90, NULL)",
		     NULL, NULL, NULL);
	sqlite3_close(h);
	CHECK_STR(q(path_in("v21.db"), "PRAGMA user_version"), "21", "made at schema 21");
	struct rg_store *s = rg_store_open(path_in("v21.db"), &opts, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "opens a schema 21 database"))
		return;
	rg_store_close(s, 0);
	/* INDEXED BY fails to prepare if the index is missing or unusable */
	CHECK_STR(q(path_in("v21.db"), "SELECT group_concat(exe) FROM (SELECT e.exe FROM "
			"process_rows r INDEXED BY process_events_exec JOIN process_events e "
			"USING (seq) WHERE r.proc_id = 7 AND r.child_pid IS NULL AND r.exit_code "
			"IS NULL AND e.event_type = 'process_start' ORDER BY seq)"),
		  "/bin/a,/bin/c", "the old exec rows are in process_events_exec");
	CHECK_STR(q(path_in("v21.db"), "SELECT exe FROM process_rows r INDEXED BY "
			"process_events_fork JOIN process_events e USING (seq) WHERE "
			"r.child_proc_id = 7"),
		  "/bin/sh", "the old fork rows are in process_events_fork");
	CHECK_STR(q(path_in("v21.db"), "SELECT count(*) FROM process_rows INDEXED BY "
			"process_events_fork WHERE child_proc_id > 0"),
		  "2", "and only fork rows");
	CHECK_STR(q(path_in("v21.db"), "SELECT count(*) FROM process_rows INDEXED BY "
			"process_events_exec WHERE proc_id > 0 AND child_pid IS NULL AND exit_code "
			"IS NULL"),
		  "3", "and only exec rows");
}

static void check_refusals(void)
{
	char err[256];
	FILE *f = fopen(path_in("text.db"), "w");
	fputs("this is not a database, it is a text file of some length....\n", f);
	fclose(f);
	CHECK(rg_store_open(path_in("text.db"), &opts, err, sizeof(err), NULL) == NULL,
	      "refuses a text file");
	CHECK(strstr(err, "text.db") != NULL, "error names the file");

	sqlite3 *h;
	sqlite3_open(path_in("other.db"), &h);
	sqlite3_exec(h, "CREATE TABLE t (x)", NULL, NULL, NULL);
	sqlite3_close(h);
	CHECK(rg_store_open(path_in("other.db"), &opts, err, sizeof(err), NULL) == NULL,
	      "refuses another application's database");
	CHECK(strstr(err, "not a rand-guard database") != NULL, "error says so");
	CHECK_STR(q(path_in("other.db"), "SELECT count(*) FROM sqlite_master"), "1",
		  "and leaves it untouched");

	sqlite3_open(path_in("new.db"), &h);
	sqlite3_exec(h, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(h);
	CHECK(rg_store_open(path_in("new.db"), &opts, err, sizeof(err), NULL) == NULL,
	      "refuses a newer schema");
	CHECK(strstr(err, "newer") != NULL, "error says newer");

	/* the writer runs no triggers of the database's (store.c, no_triggers):
	 * one it does not know would silently not run, so it is refused */
	struct rg_store *s = rg_store_open(path_in("trigger.db"), &opts, err, sizeof(err), NULL);
	CHECK(s != NULL, "makes a database for the trigger check");
	rg_store_close(s, 0);
	sql_on(path_in("trigger.db"), "CREATE TRIGGER audit AFTER DELETE ON processes "
				      "BEGIN SELECT 1; END");
	CHECK(rg_store_open(path_in("trigger.db"), &opts, err, sizeof(err), NULL) == NULL,
	      "refuses a database with a trigger it does not know");
	CHECK(strstr(err, "trigger") != NULL, "error says trigger");
	sql_on(path_in("trigger.db"), "DROP TRIGGER audit");
	s = rg_store_open(path_in("trigger.db"), &opts, err, sizeof(err), NULL);
	CHECK(s != NULL, "opens it again once the trigger is gone");
	rg_store_close(s, 0);

	symlink(path_in("good.db"), path_in("link.db"));
	CHECK(rg_store_open(path_in("link.db"), &opts, err, sizeof(err), NULL) == NULL,
	      "refuses a symlink");
	CHECK(rg_store_open(path_in("no/such/dir.db"), &opts, err, sizeof(err), NULL) == NULL,
	      "missing directory is an error");
}

/* One writer: while a process holds the store open, a second open is
 * refused before SQLite touches the file, readers still read it, and the
 * lock goes with the holder, kill -9 included. */
static void check_one_writer(void)
{
	char err[256], c = 0;
	int code = 0, ready[2];
	const char *db = path_in("one.db");
	struct rg_store *s = rg_store_open(db, &opts, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "create one.db") || !CHECK(pipe(ready) == 0, "pipe"))
		return;
	rg_store_close(s, 0);
	pid_t holder = fork();
	if (holder == 0) {
		s = rg_store_open(db, &opts, err, sizeof(err), NULL);
		if (write(ready[1], s ? "y" : "n", 1) != 1 || !s)
			_exit(1);
		rg_store_begin_run(s, "h", "b", "v", 1, 1, 16, 16);
		rg_store_sync(s);
		if (write(ready[1], "y", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	CHECK(read(ready[0], &c, 1) == 1 && c == 'y' && read(ready[0], &c, 1) == 1,
	      "a first process holds the store, its run begun");
	s = rg_store_open(db, &opts, err, sizeof(err), &code);
	CHECK(s == NULL, "a second writer is refused while it does");
	CHECK_INT(code, 2, "as a refusal (exit code 2)");
	CHECK(strstr(err, "one.db: another rand-guard is recording to it") != NULL,
	      "the error names the file and says why");
	CHECK_STR(q(db, "SELECT count(*) || ' ' || max(run_id) FROM runs"), "1 1",
		  "a reader reads it meanwhile: one run, the holder's");
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	s = rg_store_open(db, &opts, err, sizeof(err), &code);
	CHECK(s != NULL, "after kill -9 of the holder the store opens again");
	rg_store_close(s, 0);
	close(ready[0]);
	close(ready[1]);
}

/* A directory others can write is accepted with the sticky bit (/tmp),
 * where the store makes its -wal and -shm itself, 0600 and its own. */
static void check_sticky_dir(void)
{
	char err[256];
	mkdir(path_in("sticky"), 0700);
	chmod(path_in("sticky"), 01777);
	struct rg_store *s = rg_store_open(path_in("sticky/s.db"), &opts, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "a database in a sticky directory others can write opens"))
		return;
	struct stat w, m;
	CHECK(stat(path_in("sticky/s.db-wal"), &w) == 0 && stat(path_in("sticky/s.db-shm"), &m) == 0 &&
	      (w.st_mode & 0777) == 0600 && (m.st_mode & 0777) == 0600 &&
	      w.st_uid == geteuid() && m.st_uid == geteuid(), "its -wal and -shm are ours, 0600");
	rg_store_close(s, 0);
	chmod(path_in("sticky"), 0777);
	s = rg_store_open(path_in("sticky/s.db"), &opts, err, sizeof(err), NULL);
	CHECK(s == NULL && strstr(err, "no sticky bit") != NULL, "without the sticky bit it is refused");
}

/* Every string of an event is copied when it is queued: the record it
 * points into is gone (the ring moved on) before the writer runs. */
static void check_event_strings(const char *db)
{
	char err[256], mem[128];
	struct rg_store *s = rg_store_open(db, &opts, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "strings: opens a database"))
		return;
	rg_store_begin_run(s, "host1", "boot-a", "0.1.0", 5000, 1, 64, 64);
	memcpy(mem, "/mnt/xtmpfsnonemnt:[1]", 22);
	struct rg_event ev = {.type = RG_ET_MOUNT, .seq = 1, .ts_ns = 6000, .pid = 200, .tid = 200,
			      .syscall = "mount", .path = {mem, 6}, .fstype = {mem + 6, 5},
			      .source = {mem + 11, 4}};
	rg_store_put_event(s, &ev, false);
	struct rg_event ns = {.type = RG_ET_NAMESPACE_CHANGE, .seq = 2, .ts_ns = 6001, .pid = 200,
			      .tid = 200, .syscall = "setns", .name = {mem + 15, 7}};
	rg_store_put_event(s, &ns, false);
	memset(mem, 'Z', sizeof(mem));
	rg_store_sync(s);
	CHECK_STR(q(db, "SELECT path || ' ' || fstype || ' ' || source FROM system_events "
			"WHERE seq = 1"), "/mnt/x tmpfs none", "a mount's path, fstype and source");
	CHECK_STR(q(db, "SELECT name FROM system_events WHERE seq = 2"), "mnt:[1]",
		  "a setns's name");
	rg_store_close(s, 10000);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	check_first_run(path_in("good.db"));
	check_second_run(path_in("good.db"));
	check_unclean_stop(path_in("good.db"));
	check_upgrade();
	check_exec_history_upgrade();
	check_refusals();
	check_one_writer();
	check_sticky_dir();
	check_event_strings(path_in("strings.db"));
	if (dir_remove())
		return 1;
	return tap_done();
}
