/* test_store_writer.c: the store's writer thread under load: event rows
 * in groups, a bad row failing alone; values at the edges of a queued
 * event's packing; a batch lost to its own gap row; a
 * full disk; a full queue and its reserve; retention by age and by size;
 * a reader holding the WAL. The database over its life: test_store.c. */
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "db.h"
#include "rgq.h"
#include "store.h"
#include "store_db.h"
#include "tap.h"

/* A store that writes what it was given as one batch, at each sync, with
 * a run begun; NULL (a failed check, what) if it cannot open db. */
static struct rg_store *open_batched(const char *db, const char *what)
{
	char err[256];
	struct rg_store_opts big = {1000, 60000, 4096};
	struct rg_store *s = rg_store_open(db, &big, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, what))
		return NULL;
	rg_store_begin_run(s, "host1", "boot-a", "0.1.0", 5000, 1, 64, 64);
	return s;
}

/* open_batched with ext run on the store's connection as it opens (an
 * auto-extension: a TEMP trigger there), after the database's tables have
 * been made: the trigger names one of them. */
static struct rg_store *open_batched_ext(const char *db,
					 int (*ext)(sqlite3 *, char **, const void *),
					 const char *what)
{
	char err[256];
	struct rg_store_opts o = {1000, 60000, 4096};
	struct rg_store *s = rg_store_open(db, &o, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "makes the database's tables"))
		return NULL;
	rg_store_close(s, 0);
	sqlite3_auto_extension((void (*)(void))ext);
	s = open_batched(db, what);
	sqlite3_cancel_auto_extension((void (*)(void))ext);
	return s;
}

/* Event rows go in groups of many rows per statement (store/writer.c): a batch
 * of three tables' rows, interleaved, lands whole, each value in its own
 * row, and one bad row inside a group fails alone. */
static void check_groups(void)
{
	const char *db = path_in("groups.db");
	struct rg_store *s = open_batched(db, "opens a database for grouped rows");
	if (!s)
		return;
	static const enum rg_etype types[] = {RG_ET_FILE_OPEN, RG_ET_PROCESS_START,
					      RG_ET_NET_CONNECT};
	for (uint32_t seq = 1; seq <= 300; seq++) {
		char path[32], argv[32];
		snprintf(path, sizeof(path), "/etc/f%u", seq);
		/* the cmdline is bound from one scratch buffer for the whole group */
		int alen = snprintf(argv, sizeof(argv), "run%c%u", '\0', seq) + 1;
		struct rg_event ev = {
			.type = types[seq % 3], .ts_ns = 1000 + seq, .pid = seq, .tid = seq,
			.seq = seq == 150 ? 75 : seq, /* 150 repeats 75's seq: refused */
			.path = {path, (uint32_t)strlen(path)}, .syscall = "openat",
			.argv = {argv, (uint32_t)alen}, .argc = 2, .family = "ipv4",
			.protocol = "tcp", .remote_addr = {"10.0.0.1", 8}, .remote_port = seq,
			.result = -13,
		};
		rg_store_put_event(s, &ev, false);
	}
	rg_store_sync(s);
	struct rg_store_stats st;
	rg_store_stats(s, &st);
	CHECK_INT(st.store_failures, 1, "only the bad row fails");
	CHECK_INT(st.rows_file_events + st.rows_process_events + st.rows_network_events, 299,
		  "every other row is stored");
	CHECK_INT(st.rows_grouped, 256, "full groups: 3 per table, but the bad row's");
	rg_store_close(s, 10000);
	CHECK_STR(q(db, "SELECT count(*) || ' ' || sum(seq) || ' ' || sum(path = '/etc/f' || seq) "
			"FROM file_events"), "99 15000 99", "file rows: all but the refused, each its own path");
	CHECK_STR(q(db, "SELECT count(*) || ' ' || sum(cmdline = 'run ' || seq AND pid = seq) "
			"FROM process_events"), "100 100", "process rows: each its own cmdline");
	CHECK_STR(q(db, "SELECT count(*) || ' ' || sum(remote_port = seq AND ts_ns = 1000 + seq) "
			"FROM network_events"), "100 100", "network rows: each its own values");
	CHECK_STR(q(db, "SELECT count || ' ' || (start_ns = 1150) FROM gaps "
			"WHERE reason = 'store_failure'"), "1 1", "the refused row is the gap");
}

/* A queued event is packed (store_int.h: an integer in 1, 4 or 8 bytes, a
 * length in 1 or 4; text and blob bytes after the values): what is stored
 * is what was put, at each edge. */
static void check_packed_values(void)
{
	const char *db = path_in("packed.db");
	struct rg_store *s = open_batched(db, "opens a database for packed values");
	if (!s)
		return;
	static const int64_t ints[] = {INT32_MAX, (int64_t)INT32_MAX + 1, INT32_MIN,
				       (int64_t)INT32_MIN - 1, -1, 0, INT64_MAX, 127, 128,
				       -128, -129};
	unsigned n = sizeof(ints) / sizeof(ints[0]);
	for (unsigned i = 0; i < n; i++) {
		struct rg_event ev = {
			.type = RG_ET_CRED_CHANGE, .seq = i + 1, .ts_ns = 1000 + i, .pid = 7,
			.syscall = "setuid", .result = ints[i], .cap_effective = (uint64_t)ints[i],
			.old_cap_effective = UINT64_MAX - i, .comm = {"", 0},
		};
		rg_store_put_event(s, &ev, false);
	}
	/* an empty argv and cwd stay empty, not NULL; env unset stays NULL */
	struct rg_event start = {.type = RG_ET_PROCESS_START, .seq = 100, .ts_ns = 2000,
				 .pid = 8, .argv = {"", 0}, .cwd = {"/", 0}, .exe = {"/bin/x", 6}};
	rg_store_put_event(s, &start, false);
	char path[257];
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	for (uint32_t len = 255; len <= 256; len++) {
		struct rg_event open = {.type = RG_ET_FILE_OPEN, .seq = 200 + len, .ts_ns = 3000,
					.syscall = "openat", .path = {path, len}};
		rg_store_put_event(s, &open, false);
	}
	rg_store_close(s, 10000);
	char want[512] = "", got[64];
	for (unsigned i = 0; i < n; i++) {
		snprintf(got, sizeof(got), "%s%lld %lld %lld", i ? "," : "", (long long)ints[i],
			 (long long)ints[i], (long long)(UINT64_MAX - i));
		strcat(want, got);
	}
	CHECK_STR(q(db, "SELECT group_concat(result || ' ' || cap_effective || ' ' || "
			"old_cap_effective, ',') FROM (SELECT * FROM system_events ORDER BY seq)"),
		  want, "integers at the 4- and 8-byte edges, negative and u64, as put");
	CHECK_STR(q(db, "SELECT count(*) FROM system_events WHERE comm = ''"), "11",
		  "an empty text stays empty");
	CHECK_STR(q(db, "SELECT group_concat(length(path) || ' ' || (path = printf('/%.*c', "
			"length(path) - 1, 'p')), ',') FROM (SELECT path FROM file_events "
			"ORDER BY seq)"),
		  "255 1,256 1", "paths of 255 and 256 bytes (a 1- and a 4-byte length)");
	CHECK_STR(q(db, "SELECT typeof(argv) || ' ' || length(argv) || ' ' || cmdline || '|' || "
			"cwd || '|' || exe || ' ' || typeof(env) FROM process_events"),
		  "blob 0 ||/bin/x null", "an empty argv and cwd stay empty, an unset env NULL");
}

/* Puts file rows with seqs from..to (a seq already stored is refused). */
static void put_files(struct rg_store *s, uint32_t from, uint32_t to)
{
	for (uint32_t seq = from; seq <= to; seq++) {
		struct rg_event ev = {.type = RG_ET_FILE_OPEN, .ts_ns = 1000 + seq, .seq = seq,
				      .path = {"/etc/x", 6}, .syscall = "openat"};
		rg_store_put_event(s, &ev, false);
	}
}

/* The stand-in for a full disk below: a TEMP trigger that rolls back the
 * insert of a store_failure gap row while no_gap is set. The writer's
 * connection runs none of the database's own triggers (store.c,
 * no_triggers) but its TEMP ones, so the trigger is put there as the
 * connection opens, by an auto-extension (every connection opened in this
 * process while it is registered). */
static bool no_gap;

static void no_gap_set(sqlite3_context *c, int n, sqlite3_value **v)
{
	(void)n;
	(void)v;
	sqlite3_result_int(c, no_gap);
}

static int add_no_gap(sqlite3 *h, char **err, const void *api)
{
	(void)err;
	(void)api;
	sqlite3_create_function(h, "no_gap_set", 0, SQLITE_UTF8, NULL, no_gap_set, NULL, NULL);
	return sqlite3_exec(h, "CREATE TEMP TRIGGER no_gap BEFORE INSERT ON main.gaps "
			       "WHEN NEW.reason = 'store_failure' AND no_gap_set() "
			       "BEGIN SELECT RAISE(ROLLBACK, 'no gap'); END", NULL, NULL, NULL);
}

/* The store_failure gap row of rows that failed alone is written in their
 * batch's transaction. When that insert rolls the transaction back (the
 * trigger above stands in for a full disk), the whole batch is lost and
 * counted so, and its gap row, with the earlier failure's, commits with
 * the next batch that can. */
static void check_gap_in_batch(void)
{
	const char *db = path_in("gapbatch.db");
	struct rg_store *s = open_batched_ext(db, add_no_gap, "opens it with the trigger on the writer's connection");
	if (!s)
		return;
	put_files(s, 1, 10);
	rg_store_sync(s);
	no_gap = true;
	put_files(s, 5, 30); /* 5..10 refused alone; the gap row rolls back all 26 */
	rg_store_sync(s);
	struct rg_store_stats st;
	rg_store_stats(s, &st);
	CHECK_INT(st.store_failures, 26, "a batch rolled back by its gap row is lost whole");
	CHECK_INT(st.rows_file_events, 10, "none of its rows counted as stored");
	CHECK_STR(q(db, "SELECT count(*) FROM file_events"), "10", "none of them stored");
	CHECK_INT(st.rows_gaps, 0, "no gap row yet");
	no_gap = false;
	put_files(s, 31, 40);
	rg_store_sync(s);
	rg_store_stats(s, &st);
	CHECK_INT(st.store_failures, 26, "the next batch fails nothing");
	CHECK_INT(st.rows_file_events, 20, "and is stored");
	rg_store_close(s, 10000);
	CHECK_STR(q(db, "SELECT count(*) || ' ' || sum(count) || ' ' || min(start_ns) || ' ' || "
			"max(end_ns) FROM gaps WHERE reason = 'store_failure'"),
		  "1 26 1005 1030", "one gap row for the lost batch, its time range exact");
	CHECK_STR(q(db, "SELECT count(*) || ' ' || min(seq) || ' ' || max(seq) FROM file_events"),
		  "20 1 40", "the first and last batches are stored");
}

/* A file_more row the database refuses (the trigger stands in for any
 * failure of that insert) takes its event's file row with it: an event is
 * stored whole or not at all, in a full group and alone. */
static int add_refuse_more(sqlite3 *h, char **err, const void *api)
{
	(void)err;
	(void)api;
	return sqlite3_exec(h, "CREATE TEMP TRIGGER refuse_more BEFORE INSERT ON main.file_more "
			       "WHEN NEW.new_path = '/refuse' BEGIN SELECT RAISE(ABORT, 'refused'); "
			       "END", NULL, NULL, NULL);
}

static void check_more_rows(void)
{
	const char *db = path_in("more.db");
	struct rg_store *s = open_batched_ext(db, add_refuse_more, "opens it with file_more refusing one path");
	if (!s)
		return;
	for (uint32_t seq = 1; seq <= 70; seq++) { /* two full groups and 6 alone */
		char np[32];
		snprintf(np, sizeof(np), "/n%u", seq);
		struct rg_event ev = {.type = RG_ET_FILE_OPEN, .ts_ns = 1000 + seq, .seq = seq,
				      .path = {"/etc/x", 6}, .syscall = "openat"};
		if (seq % 5 == 0) {
			bool refuse = seq == 20 || seq == 70;
			ev.type = RG_ET_FILE_RENAME;
			ev.syscall = "renameat2";
			ev.new_path = refuse ? (struct rg_str){"/refuse", 7}
					     : (struct rg_str){np, (uint32_t)strlen(np)};
		}
		if (seq == 33) { /* the other columns, in the second group */
			ev.type = RG_ET_FILE_CHOWN;
			ev.syscall = "fchownat";
			ev.owner_uid = 0;
			ev.owner_gid = 42;
		}
		rg_store_put_event(s, &ev, false);
	}
	rg_store_sync(s);
	struct rg_store_stats st;
	rg_store_stats(s, &st);
	CHECK_INT(st.store_failures, 2, "file_more: the two refused events fail");
	CHECK_INT(st.rows_file_events, 68, "file_more: the others are stored");
	rg_store_close(s, 10000);
	CHECK_STR(q(db, "SELECT count(*) || ' ' || sum(seq IN (20, 70)) FROM file_rows"), "68 0",
		  "file_more: a refused more row takes its file row with it");
	CHECK_STR(q(db, "SELECT group_concat(seq) FROM file_more"),
		  "5,10,15,25,30,33,35,40,45,50,55,60,65",
		  "file_more: a row for each rename and the chown, none for the opens");
	CHECK_STR(q(db, "SELECT sum(more) || ' ' || sum(more IS NOT (seq IN (SELECT seq FROM "
			"file_more))) FROM file_rows"), "13 0",
		  "file_more: the writer sets file_rows.more for those rows only");
	CHECK_STR(q(db, "SELECT count(*) FROM file_events WHERE event_type = 'file_rename' AND "
			"new_path = '/n' || seq AND owner_uid IS NULL"), "12",
		  "file_more: each rename's new path reads back through the view");
	CHECK_STR(q(db, "SELECT owner_uid || ':' || owner_gid || ' ' || (new_path IS NULL) FROM "
			"file_events WHERE seq = 33"), "0:42 1", "file_more: the chown's owner");
	CHECK_STR(q(db, "SELECT count(*) || ' ' || min(start_ns) || ' ' || max(end_ns) FROM gaps "
			"WHERE reason = 'store_failure'"), "1 1020 1070",
		  "file_more: the refused events are the store_failure gap");
}

/* File rows of seqs from..to run by exe (comm "c"), with syscall sc. */
static void put_files_by(struct rg_store *s, uint32_t from, uint32_t to, const char *exe,
			 const char *sc)
{
	for (uint32_t seq = from; seq <= to; seq++) {
		struct rg_event ev = {.type = RG_ET_FILE_OPEN, .ts_ns = 1000 + seq, .seq = seq,
				      .path = {"/etc/x", 6}, .syscall = sc,
				      .exe = {exe, (uint32_t)strlen(exe)}, .comm = {"c", 1}};
		rg_store_put_event(s, &ev, false);
	}
}

/* Connects of seqs from..to from local address local (schema/027: a
 * name, as the family and protocol are). */
static void put_conns_by(struct rg_store *s, uint32_t from, uint32_t to, const char *local)
{
	for (uint32_t seq = from; seq <= to; seq++) {
		struct rg_event ev = {.type = RG_ET_NET_CONNECT, .ts_ns = 1000 + seq, .seq = seq,
				      .syscall = "connect", .family = "ipv4", .protocol = "tcp",
				      .local_addr = {local, (uint32_t)strlen(local)},
				      .exe = {"/bin/new", 8}, .comm = {"c", 1}};
		rg_store_put_event(s, &ev, false);
	}
}

/* No file or network row refers to an image or name that is not there,
 * and each actor, image and name is there once in a block of seqs. */
static void check_refs(const char *db, const char *what)
{
	char w[160];
	snprintf(w, sizeof(w), "%s: every actor, image and name a row refers to is there", what);
	CHECK_STR(q(db, "SELECT count(*) FROM file_rows r LEFT JOIN actors a ON a.id = r.actor_id "
			"WHERE a.id IS NULL OR (a.image_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
			"images WHERE id = a.image_id)) OR NOT EXISTS (SELECT 1 FROM names WHERE id = "
			"r.event_type_id) OR (syscall_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
			"names WHERE id = r.syscall_id)) OR (dir_id IS NOT NULL AND NOT EXISTS "
			"(SELECT 1 FROM names WHERE id = r.dir_id))"), "0", w);
	snprintf(w, sizeof(w), "%s: every actor's image is there, of a row left or not", what);
	CHECK_STR(q(db, "SELECT count(*) FROM actors WHERE image_id IS NOT NULL AND image_id NOT "
			"IN (SELECT id FROM images)"), "0", w);
	snprintf(w, sizeof(w), "%s: every name a network row refers to is there", what);
	CHECK_STR(q(db, "SELECT count(*) FROM network_rows r WHERE NOT EXISTS (SELECT 1 FROM "
			"actors WHERE id = r.actor_id) OR NOT EXISTS (SELECT 1 FROM names WHERE id = "
			"r.family_id) OR (r.protocol_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM names "
			"WHERE id = r.protocol_id)) OR (r.local_addr_id IS NOT NULL AND NOT EXISTS "
			"(SELECT 1 FROM names WHERE id = r.local_addr_id))"), "0", w);
	snprintf(w, sizeof(w), "%s: each actor once in a block of seqs", what);
	CHECK_STR(q(db, "SELECT count(*) FROM (SELECT pid, uid, gid, ppid, parent_proc_id, "
			"image_id, (SELECT max(block) FROM dict_blocks WHERE first_actor <= a.id) "
			"FROM actors a GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING count(*) > 1)"), "0", w);
	snprintf(w, sizeof(w), "%s: each image once in a block", what);
	CHECK_STR(q(db, "SELECT count(*) FROM (SELECT exe, comm, (SELECT max(block) FROM "
			"dict_blocks WHERE first_image <= i.id) FROM images i GROUP BY 1, 2, 3 "
			"HAVING count(*) > 1)"), "0", w);
	snprintf(w, sizeof(w), "%s: each name once in a block", what);
	CHECK_STR(q(db, "SELECT count(*) FROM (SELECT name, (SELECT max(block) FROM dict_blocks "
			"WHERE first_name <= n.id) FROM names n GROUP BY 1, 2 HAVING count(*) > 1)"),
		  "0", w);
}

/* The numbers of images and names (store/dict.c): one added in a batch
 * that rolls back is gone with it, and the writer must not go on using
 * it; past the cache's size, numbers are found again in the table, not
 * added twice. */
static void check_dict(void)
{
	const char *db = path_in("dict.db");
	struct rg_store *s = open_batched_ext(db, add_no_gap, "opens it with the rollback trigger");
	if (!s)
		return;
	put_files_by(s, 1, 10, "/bin/old", "openat");
	rg_store_sync(s);
	no_gap = true; /* 5..10 refused alone; the gap row rolls back all, /bin/new with them */
	put_files_by(s, 5, 30, "/bin/new", "newcall");
	rg_store_sync(s);
	no_gap = false;
	put_files_by(s, 31, 40, "/bin/new", "newcall");
	put_conns_by(s, 41, 45, "10.7.7.7");
	put_conns_by(s, 46, 50, "10.7.7.8");
	rg_store_sync(s);
	rg_store_close(s, 10000);
	CHECK_STR(q(db, "SELECT count(*) FROM network_events WHERE family = 'ipv4' AND protocol = "
			"'tcp' AND local_addr = '10.7.7.' || (7 + (seq > 45)) AND seq BETWEEN 41 AND 50"),
		  "10", "a network row's family, protocol and local address read back by name");
	CHECK_STR(q(db, "SELECT count(DISTINCT local_addr_id) || ' ' || count(DISTINCT family_id) "
			"FROM network_rows"), "2 1", "each once in names");
	CHECK_STR(q(db, "SELECT count(*) FROM file_events WHERE exe = '/bin/new' AND comm = 'c' "
			"AND syscall = 'newcall' AND seq BETWEEN 31 AND 40"), "10",
		  "after a rollback, a new image and name are added again, not taken from memory");
	check_refs(db, "after a rollback");

	s = open_batched(path_in("dict2.db"), "opens a database for many images");
	if (!s)
		return;
	char exe[32];
	uint32_t seq = 0;
	for (int round = 0; round < 2; round++) /* 5000 > the cache's 4096, twice */
		for (int i = 0; i < 5000; i++) {
			snprintf(exe, sizeof(exe), "/bin/x%d", i);
			seq++;
			put_files_by(s, seq, seq, exe, round ? "openat" : "open");
			if (seq % 1000 == 0) /* within the queue's bound */
				rg_store_sync(s);
		}
	rg_store_close(s, 10000);
	CHECK_STR(q(path_in("dict2.db"), "SELECT count(*) FROM images"), "5000",
		  "more images than the cache holds: each added once");
	CHECK_STR(q(path_in("dict2.db"), "SELECT count(*) FROM file_events WHERE exe = '/bin/x' "
				       "|| ((seq - 1) % 5000) AND comm = 'c'"), "10000",
		  "and every row names its own");
	CHECK_STR(q(path_in("dict2.db"), "SELECT count(*) FROM actors"), "5000",
		  "an actor per image, each added once");
	check_refs(path_in("dict2.db"), "many images");
}

/* A write that fails for want of space can make SQLite roll the whole
 * batch's transaction back by itself. What the store then says it stored
 * must be what the database holds, and every row put is either stored or
 * counted as a store failure. The file size limit (RLIMIT_FSIZE) stands
 * in for a full disk. */
static void check_space(void)
{
	char err[256];
	struct rlimit saved; /* put back after each phase: later checks write files */
	if (!CHECK(getrlimit(RLIMIT_FSIZE, &saved) == 0, "reads the file size limit"))
		return;
	struct rg_store_opts one = {20000, 60000, 16384}; /* a batch per sync */
	const char *db = path_in("space.db");
	struct rg_store *s = rg_store_open(db, &one, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "opens a database for the space test"))
		return;
	rg_store_begin_run(s, "host1", "boot-a", "0.1.0", 5000, 1, 64, 64);
	char path[300];
	uint32_t seq = 0;
	for (int phase = 0; phase < 3; phase++) {
		int rows = phase == 1 ? 12000 : 100; /* phase 1: past the limit, and */
		/* past the page cache, so that SQLite writes before the commit */
		if (phase == 1) {
			struct stat wal = {0};
			struct rlimit lim = saved;
			CHECK(stat(path_in("space.db-wal"), &wal) == 0, "the WAL file is there");
			lim.rlim_cur = (rlim_t)wal.st_size + 256 * 1024; /* the soft limit only */
			CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0, "sets a file size limit");
		}
		for (int i = 0; i < rows; i++) {
			seq++;
			int n = snprintf(path, sizeof(path), "/srv/%0250u", seq);
			struct rg_event ev = {.type = RG_ET_FILE_OPEN, .seq = seq, .ts_ns = seq,
					      .pid = 1, .tid = 1, .path = {path, (uint32_t)n},
					      .syscall = "openat"};
			rg_store_put_event(s, &ev, false);
		}
		rg_store_sync(s);
		setrlimit(RLIMIT_FSIZE, &saved);
	}
	struct rg_store_stats st;
	rg_store_stats(s, &st);
	rg_store_close(s, 10000);
	char want[64];
	snprintf(want, sizeof(want), "%llu", (unsigned long long)st.rows_file_events);
	CHECK(st.store_failures > 0, "the limit made rows fail");
	CHECK_STR(q(db, "SELECT count(*) FROM file_events"), want,
		  "the rows the store says it stored are the rows in the database");
	CHECK_INT(st.rows_file_events + st.store_failures, seq,
		  "every row put is stored or counted as failed");
	snprintf(want, sizeof(want), "%llu", (unsigned long long)st.store_failures);
	CHECK_STR(q(db, "SELECT sum(count) FROM gaps WHERE reason = 'store_failure'"), want,
		  "the failed rows are the store_failure gap");
	CHECK_STR(q(db, "SELECT count(*) FROM file_events WHERE seq <= 100 OR seq > 12100"), "200",
		  "the rows before and after the limit are all stored");
	CHECK_STR(q(db, "PRAGMA integrity_check"), "ok", "integrity_check after the limit");
}

static void check_queue_full(void)
{
	char err[256];
	struct rg_store_opts small = {100, 20, 4};
	struct rg_store *s = rg_store_open(path_in("full.db"), &small, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "opens with a 4-row queue"))
		return;
	struct rg_event fill = {.type = RG_ET_FILE_OPEN, .ts_ns = 5, .pid = 1,
				.path = {"/etc/y", 6}, .syscall = "openat"};
	for (int i = 0; i < 10; i++) {
		fill.seq = (uint64_t)i + 1;
		rg_store_put_event(s, &fill, false); /* no writer thread yet: the queue fills */
	}
	struct rg_store_stats st;
	rg_store_stats(s, &st);
	CHECK(st.user_drops == 6 && st.queue_depth == 4 && st.user_drop_oldest_ns == 5,
	      "a full queue drops and counts, and when the dropped events were");
	struct rg_health h = {.seq = 40};
	rg_store_put_health(s, &h);
	rg_store_stats(s, &st);
	CHECK(st.user_drops == 6 && st.queue_depth == 5 && st.reserve_used == 1,
	      "a health row is kept past the limit: what was counted is not dropped");
	/* a row a rule matched, and its alert, use the reserve */
	struct rg_event ev = {.type = RG_ET_FILE_WRITE, .seq = 50, .ts_ns = 7, .pid = 1,
			      .path = {"/etc/x", 6}, .syscall = "write"};
	struct rg_alert a = {.seq = 51, .ts_ns = 7, .rule_id = {"R", 1}, .rule_name = {"r", 1},
			     .severity = {"low", 3}, .tags = {"T1 \"q\"  x", 9},
			     .summary = {"s", 1}, .rules_digest = {"d", 1}, .event_seq = 50,
			     .event_type = RG_ET_FILE_WRITE, .pid = 1,
			     .steps = {3, 50}, .nsteps = 2};
	rg_store_put_event(s, &ev, true);
	rg_store_put_alert(s, &a);
	ev.seq = 52;
	rg_store_put_event(s, &ev, false);
	ev.seq = 53;
	ev.ts_ns = 9;
	rg_store_put_event(s, &ev, false);
	rg_store_stats(s, &st);
	CHECK(st.user_drops == 8 && st.reserve_used == 3 && st.queue_depth == 7,
	      "a matched event and its alert are kept past the limit, and counted");
	CHECK_INT(st.user_drop_oldest_ns, 7, "the oldest dropped event's time is kept for the gap");
	rg_store_stats(s, &st);
	CHECK_INT(st.user_drop_oldest_ns, 0, "and starts over at each read of the stats");
	rg_store_close(s, 1);
	CHECK_STR(q(path_in("full.db"), "SELECT count(*) FROM health"), "1",
		  "close without a run still writes what was queued");
	CHECK_STR(q(path_in("full.db"), "SELECT group_concat(seq) FROM file_events"), "1,2,3,4,50",
		  "the kept event is stored, the unmatched one is not");
	CHECK_STR(q(path_in("full.db"), "SELECT rule_id || ' ' || event_seq FROM alerts"), "R 50",
		  "the alert is stored, linked to its event");
	CHECK_STR(q(path_in("full.db"), "SELECT steps || ' ' || (SELECT group_concat(value) FROM "
					"alerts, json_each(steps)) FROM alerts"),
		  "[3,50] 3,50", "a sequence alert's steps: a JSON array json_each reads");
	CHECK_STR(q(path_in("full.db"), "SELECT tags || ' ' || (SELECT group_concat(value, '|') "
					"FROM alerts, json_each(tags)) FROM alerts"),
		  "[\"T1\",\"\\\"q\\\"\",\"x\"] T1|\"q\"|x",
		  "tags: the JSON array NDJSON has, which json_each reads");
}

/* Retention by age, 1 h, a prune between every batch. */
static const struct rg_store_opts aged_opts = {500, 20, 65536, 3600, 0, 0};

/* The times an aged store's rows take: now, old (two hours back: pruned)
 * and fresh (a minute back: kept). */
struct aged_times {
	int64_t now, old, fresh;
};

/* Database name opened with aged_opts and a run begun at t->old; NULL
 * (and a failed check) when it does not open. */
static struct rg_store *open_aged_ext(const char *name, struct aged_times *t,
				      int (*ext)(sqlite3 *, char **, const void *))
{
	char err[256];
	if (ext) /* the store's own connection, not its run's checkpointer's */
		sqlite3_auto_extension((void (*)(void))ext);
	struct rg_store *s = rg_store_open(path_in(name), &aged_opts, err, sizeof(err), NULL);
	if (ext)
		sqlite3_cancel_auto_extension((void (*)(void))ext);
	if (!CHECK(s != NULL, "opens with retention"))
		return NULL;
	t->now = rg_wall_ns();
	t->old = t->now - 7200LL * 1000000000;
	t->fresh = t->now - 60LL * 1000000000;
	rg_store_begin_run(s, "h", "b", "0", t->old, 1, 64, 64);
	return s;
}

static struct rg_store *open_aged(const char *name, struct aged_times *t)
{
	return open_aged_ext(name, t, NULL);
}

/* Process id: a shell (pid 100 + id) that started at start_ns and exited
 * at exit_ns (0: still running). */
static struct rg_process shell_proc(int64_t id, int64_t start_ns, int64_t exit_ns)
{
	return (struct rg_process){.proc_id = id, .pid = (uint32_t)(100 + id), .start_boot_ns = 1,
				   .start_ns = start_ns, .comm = {"sh", 2}, .source = RG_PSRC_FORK,
				   .exited = exit_ns != 0, .exit_ns = exit_ns};
}

/* An open of /etc/o at ts: an event row for a retention step to prune. */
static void put_open(struct rg_store *s, uint64_t seq, int64_t ts)
{
	struct rg_event ev = {.type = RG_ET_FILE_OPEN, .seq = seq, .ts_ns = ts, .pid = 1,
			      .path = {"/etc/o", 6}, .syscall = "openat"};
	rg_store_put_event(s, &ev, false);
}

/* `rgq verify` on db: its exit status (0 intact, 1 not), its report in
 * *out (valid until the next call). */
static int verify_db(const char *db, const char **out)
{
	static char buf[16384];
	char err[256];
	struct rgq g = {.fmt = RGQ_TABLE, .now = rg_wall_ns(), .db_path = db};
	struct rgq_opts o = {.since = INT64_MIN, .until = INT64_MAX, .limit = -1};
	*out = buf;
	buf[0] = '\0';
	if (!(g.db = rgq_db_open(db, err, sizeof(err)))) {
		snprintf(buf, sizeof(buf), "%s", err);
		return -1;
	}
	FILE *f = tmpfile();
	if (!f) {
		rgq_db_close(g.db);
		snprintf(buf, sizeof(buf), "tmpfile failed");
		return -1;
	}
	fflush(stdout);
	int saved = dup(1);
	dup2(fileno(f), 1);
	int rc = rgq_cmd_verify.run(&g, &rgq_cmd_verify, &o);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rgq_db_close(g.db);
	rewind(f);
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
	fclose(f);
	return rc;
}

/* `rgq verify` finds db intact (what: the check), its report shown when
 * it does not. */
static void check_verifies(const char *db, const char *what)
{
	const char *out;
	int rc = verify_db(db, &out);
	CHECK_INT(rc, 0, what);
	if (rc)
		printf("# %s", out);
}

/* Retention prunes the command lines of the process rows it prunes
 * (schema/031), never one a row left refers to: a recent row shares its
 * block's number with an old one, pruned. */
static void check_retention_cmdlines(void)
{
	char err[256];
	struct aged_times t;
	struct rg_store *s = open_aged("retcmd.db", &t);
	if (!s)
		return;
	int64_t now = t.now, old = t.old, fresh = t.fresh;
	/* a recent row below 0, inserted by hand: its number is below 0, and
	 * it must not make retention take the line of a row from 0 on */
	char sql[512];
	snprintf(sql, sizeof(sql), "INSERT INTO process_events (seq, event_type, ts_ns, boot_ns, "
		 "pid, tid, uid, gid, comm, exe, syscall, cmdline, argc) VALUES (-3, "
		 "'process_start', %lld, 9, 1, 1, 0, 0, 'sh', '/bin/sh', 'execve', 'sh neg', 2)",
		 (long long)fresh);
	sql_on(path_in("retcmd.db"), sql);
	struct rg_event ev = {.type = RG_ET_PROCESS_START, .pid = 7, .tid = 7, .comm = {"sh", 2},
			      .exe = {"/bin/sh", 7}, .syscall = "execve", .argc = 2};
	for (int i = 0; i < 40; i++) { /* block 0: old rows only */
		ev.seq = 1 + (uint64_t)i;
		ev.ts_ns = old + i;
		ev.argv = i % 2 ? (struct rg_str){"sh\0a\0", 5} : (struct rg_str){"sh\0b\0", 5};
		rg_store_put_event(s, &ev, false);
	}
	ev.seq = 65536 + 5; /* block 1: an old row ... */
	ev.ts_ns = old + 100;
	ev.argv = (struct rg_str){"sh\0shared\0", 10};
	rg_store_put_event(s, &ev, false);
	rg_store_sync(s);
	ev.seq = 65536 + 100; /* ... and a recent one, in a later batch (its own hash group) */
	ev.ts_ns = fresh;
	rg_store_put_event(s, &ev, false);
	rg_store_sync(s);
	ev.seq = 3 * 65536; /* block 3: a recent row */
	ev.ts_ns = fresh + 1;
	ev.argv = (struct rg_str){"sh\0new\0", 7};
	rg_store_put_event(s, &ev, false);
	rg_store_sync(s);
	ev.seq = 3 * 65536 + 2; /* an old row after the writer reached block 3 */
	ev.ts_ns = old + 200;
	ev.argv = (struct rg_str){"sh\0old3\0", 8};
	rg_store_put_event(s, &ev, false);
	rg_store_sync(s);
	struct rg_health h = {.seq = 3 * 65536 + 3, .ts_ns = now};
	rg_store_put_health(s, &h); /* one more batch: pruning goes on between them */
	rg_store_sync(s);
	rg_store_close(s, now);
	const char *db = path_in("retcmd.db");
	CHECK_STR(q(db, "SELECT group_concat(seq || ' ' || cmdline, ',') FROM process_events"),
		  "-3 sh neg,65636 sh shared,196608 sh new",
		  "retention: old process rows pruned, recent kept");
	CHECK_STR(q(db, "SELECT group_concat(id || ' ' || cmdline, ',') FROM cmdlines"),
		  "-1 sh neg,131082 sh shared,393216 sh new,393220 sh old3",
		  "retention: their command lines too (those of the oldest row's block on stay), "
		  "not the one a recent row shares, nor one below 0");

	/* process rows deleted by hand at the end: a new run does not reuse
	 * their seqs, whose numbers their command lines keep */
	sql_on(db, "DELETE FROM process_events WHERE seq > 65636; DELETE FROM health; "
		   "DELETE FROM alerts");
	s = rg_store_open(db, &aged_opts, err, sizeof(err), NULL);
	uint64_t max_seq = 0;
	int64_t max_proc = 0;
	rg_store_max_ids(s, &max_seq, &max_proc);
	CHECK_INT((int64_t)max_seq, 3 * 65536 + 2, "a deleted row's seq is not reused: its "
		  "command line's number, 2 * seq, is still taken");
	/* a seq at or above 2^62 (only an edit makes one; the recorder's go on
	 * from it): a number below 0, never pruned */
	rg_store_begin_run(s, "h", "b", "0", now, 1, 64, 64);
	ev.seq = 0; /* and seq 0 (a number of 0 is no number to the writer's cache) */
	ev.ts_ns = now;
	ev.argv = (struct rg_str){"sh\0zero\0", 8};
	rg_store_put_event(s, &ev, false);
	ev.seq = (uint64_t)1 << 62;
	ev.argv = (struct rg_str){"sh\0big\0", 7};
	rg_store_put_event(s, &ev, false);
	rg_store_sync(s);
	struct rg_store_stats st;
	rg_store_stats(s, &st);
	rg_store_close(s, now);
	CHECK_INT((int64_t)st.store_failures, 0, "a row past 2^62 is stored");
	CHECK_STR(q(db, "SELECT c.id || ' ' || e.cmdline FROM process_events e JOIN process_rows "
			"USING (seq) JOIN cmdlines c ON c.id = cmdline_id WHERE seq = 1 << 62"),
		  "-3 sh big", "with a command line numbered below 0");
	CHECK_STR(q(db, "SELECT c.id || ' ' || e.cmdline FROM process_events e JOIN process_rows "
			"USING (seq) JOIN cmdlines c ON c.id = cmdline_id WHERE seq = 0"),
		  "-2 sh zero", "and a row of seq 0 too");
	CHECK_STR(q(db, "SELECT count(*) FROM process_rows WHERE cmdline_id NOT IN (SELECT id "
			"FROM cmdlines)"), "0", "no row refers to a command line that is gone");
}

/* Retention removes the processes rows that nothing left needs: exited
 * before the pruned range's end, no processes row left that names it as
 * parent, no alert, not listed at a run's start, not the newest; a
 * parent in the step after its last child. */
static void check_retention_lineage(void)
{
	struct aged_times t;
	struct rg_store *s = open_aged("retproc.db", &t);
	if (!s)
		return;
	int64_t old = t.old, fresh = t.fresh;
	/* proc_id: parent, exit (0: alive), exit row's time (0: none) */
	static const struct {
		int64_t parent;
		int exit; /* 1 old, 2 fresh, 0 alive */
		bool row;
	} procs[] = {
		[1] = {0, 1, true},  /* exited, nothing left: goes */
		[2] = {0, 1, true},  /* exited, but a child alive: stays */
		[3] = {2, 0, false}, /* alive */
		[4] = {0, 1, true},  /* exited; its only child goes too: goes in the next step */
		[5] = {4, 1, true},  /* exited: goes */
		[6] = {0, 1, true},  /* exited, a recent alert names it: stays */
		[7] = {0, 2, true},  /* exited recently: stays */
		[8] = {0, 1, true},  /* exited, listed at a run's start: stays */
		[9] = {0, 1, false}, /* exited long ago, no row left: the sweep finds it too */
		[10] = {0, 1, true}, /* the newest: stays, the next run numbers on from it */
	};
	uint64_t seq = 0;
	for (int64_t n = 1; n <= 10; n++) {
		/* 7 last, in a batch of its own: retention takes the whole hash
		 * group of a row it prunes (chain.h) */
		int64_t id = n < 7 ? n : n == 10 ? 7 : n + 1;
		if (id == 7) { /* with the first batch: pruning runs between batches */
			struct rg_alert a = {.seq = ++seq, .ts_ns = fresh, .rule_id = {"R", 1},
					     .rule_name = {"r", 1}, .severity = {"low", 3},
					     .tags = {"", 0}, .summary = {"s", 1},
					     .rules_digest = {"d", 1}, .event_seq = 1,
					     .event_type = RG_ET_PROCESS_EXIT, .pid = 106,
					     .proc_id = 6};
			rg_store_put_alert(s, &a);
			rg_store_sync(s);
			/* an old row in the next batch: a second step, whose sweep
			 * finds 4 with its last child gone */
			put_open(s, ++seq, old + 500);
		}
		int64_t exit_ns = procs[id].exit == 1 ? old + 100 + id : fresh + id;
		if (id == 9)
			exit_ns = old - 50;
		struct rg_process p = shell_proc(id, old, procs[id].exit ? exit_ns : 0);
		p.parent_proc_id = procs[id].parent;
		rg_store_put_process(s, &p);
		if (id == 8)
			rg_store_put_seed(s, &p);
		if (!procs[id].row)
			continue;
		struct rg_event ev = {.type = RG_ET_PROCESS_EXIT, .seq = ++seq, .ts_ns = exit_ns,
				      .pid = p.pid, .tid = p.pid, .proc_id = id,
				      .comm = {"sh", 2}, .exe = {"/bin/sh", 7}};
		rg_store_put_event(s, &ev, false);
	}
	rg_store_sync(s);
	struct rg_health h = {.seq = ++seq, .ts_ns = t.now};
	rg_store_put_health(s, &h); /* one more batch: pruning goes on between them */
	rg_store_sync(s);
	rg_store_close(s, t.now);
	const char *db = path_in("retproc.db");
	CHECK_STR(q(db, "SELECT group_concat(proc_id) FROM (SELECT proc_id FROM processes "
			"ORDER BY proc_id)"), "2,3,6,7,8,10",
		  "retention: the processes nothing left needs go, a child's parent after it");
	CHECK_STR(q(db, "SELECT group_concat(proc_id) FROM process_events"), "7",
		  "retention: the recent exit row stays");
	CHECK_STR(q(db, "SELECT group_concat(rtrim(replace(note, char(10), ';'), ';'), '|') "
			"FROM chain WHERE kind = 'prune'"),
		  "process_events 1-7;processes 1,5,9;chain 1-1|file_events 9;processes 4",
		  "retention: the processes rows removed are in the prune links' notes, a "
		  "parent in a sweep after its last child's");
	CHECK_STR(q(db, "PRAGMA integrity_check"), "ok", "retention: the database is intact");
}

/* What keeps a processes row beyond the rules of check_retention_lineage:
 * a row of it stamped after its exit (the hasher's binary_hashed), the
 * parent a restart cannot see (a daemon's, which /proc gives as init),
 * and, while shipping, a revision the destination has not acknowledged. */
static void check_retention_lineage_kept(void)
{
	struct aged_times t;
	struct rg_store *s = open_aged("retkept.db", &t);
	if (!s)
		return;
	rg_store_ship_dest(s, "http://ch:8123 rand_guard");
	/* 1 init; 2 a shell that started the daemon 3 and exited; 4 a
	 * dropper that exited before the hasher answered; 5 exited, shipped;
	 * 6 exited, its exit's revision not yet shipped; 7 the newest */
	struct rg_process p[8] = {0};
	for (int64_t id = 1; id <= 7; id++) {
		p[id] = shell_proc(id, t.old, id == 1 || id == 3 ? 0 : t.old + id);
		if (id == 3) {
			p[id].ppid = 102;
			p[id].parent_proc_id = 2;
		}
		rg_store_put_process(s, &p[id]);
		if (id == 5)
			rg_store_sync(s);
	}
	rg_store_sync(s);
	const char *rev5 = q(path_in("retkept.db"), "SELECT ship_rev FROM processes WHERE proc_id = 5");
	rg_store_ship_ack(s, "processes", atoll(rev5), 1);
	/* a row about 4 stamped after its exit, recent (the hasher's answer):
	 * in a batch before the exit's, so that the exit's step sees it (a
	 * batch's rows share hash groups, which retention takes whole) */
	uint64_t seq = 1;
	struct rg_event hb = {.type = RG_ET_BINARY_HASHED, .seq = ++seq, .ts_ns = t.fresh,
			      .pid = 104, .tid = 104, .proc_id = 4, .exe = {"/tmp/d", 6},
			      .hash_status = "ok", .exe_sha256 = {"aa", 2}};
	rg_store_put_event(s, &hb, false);
	rg_store_sync(s);
	struct rg_event ex = {.type = RG_ET_PROCESS_EXIT, .seq = 1, .ts_ns = t.old + 4,
			      .pid = 104, .tid = 104, .proc_id = 4, .comm = {"sh", 2}};
	rg_store_put_event(s, &ex, false);
	/* the daemon's activity, recent: kept, naming its parent 2 */
	struct rg_event f = {.type = RG_ET_FILE_OPEN, .seq = ++seq, .ts_ns = t.fresh + 1,
			     .pid = 103, .tid = 103, .proc_id = 3, .ppid = 102, .parent_proc_id = 2,
			     .comm = {"bd", 2}, .path = {"/etc/shadow", 11}, .syscall = "openat"};
	rg_store_put_event(s, &f, false);
	rg_store_sync(s);
	rg_store_close(s, t.now);
	/* a restart: the daemon is known, and /proc gives init as its parent */
	s = open_aged("retkept.db", &t);
	rg_store_ship_dest(s, "http://ch:8123 rand_guard");
	p[3].ppid = 101;
	p[3].parent_proc_id = 1;
	rg_store_put_seed(s, &p[3]);
	rg_store_put_process(s, &p[3]);
	put_open(s, ++seq + 10, t.old + 200); /* an old row: a prune step */
	rg_store_sync(s);
	rg_store_close(s, t.now);
	const char *db = path_in("retkept.db");
	CHECK_STR(q(db, "SELECT group_concat(proc_id) FROM (SELECT proc_id FROM processes ORDER "
			"BY proc_id)"), "1,2,3,4,6,7",
		  "retention: a processes row a kept row names through its child, or that a "
		  "later row names, or not yet shipped, stays; 5 goes");
	CHECK_STR(q(db, "SELECT ppid || ' ' || parent_proc_id FROM processes WHERE proc_id = 3"),
		  "102 2", "a restart keeps the parent that forked a process, not /proc's");
}

/* A process whose exit was never seen (it ran when the host went down)
 * goes once its boot has ended and no row from before the next boot's
 * first run is left; a run's start list goes once no row of that run is
 * left. One of the current boot, not seen to exit, stays. */
static void check_retention_ended_boot(void)
{
	char err[256];
	struct aged_times t;
	const char *db = path_in("retboot.db");
	struct rg_store *s = open_aged("retboot.db", &t); /* run 1, boot "b", from seq 1 */
	if (!s)
		return;
	/* 1 init and 2 a daemon, running when the host went down; 3 exited,
	 * stamped an hour ahead (that boot's clock was) */
	struct rg_process p[7] = {0};
	for (int64_t id = 1; id <= 3; id++) {
		p[id] = shell_proc(id, t.old, id == 3 ? t.now + 3600 * 1000000000LL : 0);
		if (id > 1)
			p[id].parent_proc_id = 1;
		if (id < 3)
			rg_store_put_seed(s, &p[id]);
		rg_store_put_process(s, &p[id]);
	}
	struct rg_event f = {.type = RG_ET_FILE_OPEN, .seq = 2, .ts_ns = t.old + 10, .pid = 102,
			     .tid = 102, .proc_id = 2, .path = {"/etc/o", 6}, .syscall = "openat"};
	rg_store_put_event(s, &f, false);
	rg_store_sync(s);
	rg_store_close(s, t.old + 20);
	/* the next boot: run 2 from seq 100; 4 running, 5 not seen to exit, 6 the newest */
	s = rg_store_open(db, &aged_opts, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "ended boot: reopens"))
		return;
	rg_store_begin_run(s, "h", "c", "0", t.now, 100, 64, 64);
	for (int64_t id = 4; id <= 6; id++) {
		p[id] = shell_proc(id, t.fresh, id == 6 ? t.fresh + 1 : 0);
		if (id == 4)
			rg_store_put_seed(s, &p[id]);
		rg_store_put_process(s, &p[id]);
	}
	f.ts_ns = t.fresh;
	f.seq = 100;
	f.proc_id = 4;
	rg_store_put_event(s, &f, false);
	rg_store_sync(s);
	for (uint64_t seq = 101; seq <= 103; seq++) { /* old rows: a step each, a sweep each */
		put_open(s, seq, t.old + (int64_t)seq);
		rg_store_sync(s);
	}
	rg_store_close(s, t.now);
	CHECK_STR(q(db, "SELECT group_concat(proc_id) FROM (SELECT proc_id FROM processes ORDER "
			"BY proc_id)"), "4,5,6",
		  "ended boot: its processes go, exit seen or not, or stamped ahead (init a sweep "
		  "after its child); the current boot's stay");
	CHECK_STR(q(db, "SELECT group_concat(DISTINCT run_id) FROM run_processes"), "2",
		  "ended boot: the start list of the run no row is left of goes");
	check_verifies(db, "ended boot: the recording verifies intact");
}

/* A process that exited less than a minute ago stays, though retention
 * by size pruned past its exit: a row stamped after the exit (the
 * hasher's answer) may still be on its way. */
static void check_retention_lineage_late(void)
{
	char err[256];
	struct rg_store_opts so = {1000, 20, 65536, 0, 1, 0}; /* 1 MiB, every batch */
	struct rg_store *s = rg_store_open(path_in("retlate.db"), &so, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "opens with retention by size"))
		return;
	const int64_t sec = 1000000000, now = rg_wall_ns();
	rg_store_begin_run(s, "h", "b", "0", now - 100 * sec, 1, 64, 64);
	for (int64_t id = 1; id <= 3; id++) { /* exited 90 s and 30 s ago; 3 the newest */
		struct rg_process p = shell_proc(id, now - 100 * sec,
						 now - (id == 1 ? 90 : 30) * sec);
		rg_store_put_process(s, &p);
	}
	static char pad[200];
	memset(pad, 'p', sizeof(pad));
	for (int i = 0; i < 30000; i++) { /* 100 s to 5 s ago */
		struct rg_event ev = {.type = RG_ET_FILE_OPEN, .seq = (uint64_t)i + 1,
				      .ts_ns = now - 100 * sec + i * (95 * sec / 30000), .pid = 1,
				      .path = {pad, sizeof(pad)}, .syscall = "openat"};
		rg_store_put_event(s, &ev, false);
		if (i % 5000 == 4999) {
			rg_store_sync(s);
			usleep(2000);
		}
	}
	rg_store_sync(s);
	rg_store_close(s, rg_wall_ns());
	const char *db = path_in("retlate.db");
	CHECK(atoll(q(db, "SELECT max(end_ns) FROM gaps WHERE reason = 'pruned'")) >= now - 30 * sec,
	      "retention by size pruned past 30 s ago");
	CHECK_STR(q(db, "SELECT group_concat(proc_id) FROM (SELECT proc_id FROM processes ORDER "
			"BY proc_id)"), "2,3",
		  "the process that exited 90 s ago goes, the one 30 s ago stays");
}

/* Rows retention removes that the recorder writes again: a gaps row's id
 * is never reused (the newest stays), and a processes row removed, written
 * again and removed again verifies, beside rows of the same prune span
 * (verify's spans then overlap). */
static void check_retention_held(void)
{
	struct aged_times t;
	struct rg_store *s = open_aged("retheld.db", &t);
	if (!s)
		return;
	const char *db = path_in("retheld.db");
	struct rg_gap g = {.run_id = 1, .start_ns = t.old, .end_ns = t.old + 1, .count = 3,
			   .reason = "kernel_drop"};
	rg_store_put_gap(s, &g);
	for (int64_t id = 1; id <= 6; id++) { /* 2 exits first; 6 is the newest */
		struct rg_process p = shell_proc(id, t.old, t.old + (id == 2 ? 2 : 1000));
		rg_store_put_process(s, &p);
	}
	rg_store_sync(s);
	put_open(s, 1, t.old + 5); /* a step to old + 5: 2 goes, the old gap stays */
	rg_store_sync(s);
	CHECK_STR(q(db, "SELECT group_concat(proc_id) FROM processes"), "1,3,4,5,6",
		  "held rows: the first step removes 2");
	struct rg_process again = shell_proc(2, t.old, t.old + 2);
	rg_store_put_process(s, &again); /* the recorder writes 2 again */
	g.start_ns = t.fresh;
	g.end_ns = t.fresh + 1;
	g.reason = "user_drop";
	rg_store_put_gap(s, &g);
	put_open(s, 2, t.old + 2000); /* a step to old + 2000: 1 to 5 go, the old gap too */
	rg_store_sync(s);
	struct rg_health h = {.seq = 3, .ts_ns = t.now};
	rg_store_put_health(s, &h);
	rg_store_sync(s);
	rg_store_close(s, t.now);
	CHECK_STR(q(db, "SELECT group_concat(proc_id) FROM processes"), "6",
		  "held rows: the second step removes 1 to 5, 2 again");
	CHECK_STR(q(db, "SELECT group_concat(gap_id || ' ' || reason, ', ') FROM gaps WHERE reason "
			"NOT IN ('pruned', 'recorder_down')"), "3 user_drop",
		  "held rows: the old gap went when it was no longer the newest; the new one "
		  "took the next id, not its");
	check_verifies(db, "held rows: the recording verifies intact");
}

/* The processes upsert keeps the forking parent and how a process was
 * first seen against what later rows know less well (a later scan's
 * reaper, an exit or exec of a process the table had lost), but takes a
 * fork's over /proc's (a fork on its way while the scan ran). */
static void check_upsert_parent(void)
{
	const char *db = path_in("upsert.db");
	struct rg_store *s = open_batched(db, "upsert");
	if (!s)
		return;
	struct rg_process p = {.proc_id = 5, .pid = 105, .start_boot_ns = 1, .comm = {"sh", 2},
			       .source = RG_PSRC_PROC, .ppid = 1, .parent_proc_id = 1};
	rg_store_put_process(s, &p); /* the scan: adopted by 1 */
	p.source = RG_PSRC_SEEN;      /* lost, then seen exiting: no parent */
	p.ppid = 0;
	p.parent_proc_id = 0;
	rg_store_put_process(s, &p);
	p.source = RG_PSRC_EXEC; /* seen at an exec: the kernel's real_parent */
	p.ppid = 1;
	rg_store_put_process(s, &p);
	rg_store_sync(s);
	CHECK_STR(q(db, "SELECT source || ' ' || ppid || ' ' || parent_proc_id FROM processes"),
		  "proc 1 1", "upsert: rows that know less keep the scan's parent and source");
	p.source = RG_PSRC_FORK; /* its fork, on its way: forked by 4 */
	p.ppid = 104;
	p.parent_proc_id = 4;
	rg_store_put_process(s, &p);
	rg_store_sync(s);
	CHECK_STR(q(db, "SELECT source || ' ' || ppid || ' ' || parent_proc_id FROM processes"),
		  "fork 104 4", "upsert: a fork event's parent replaces the scan's");
	p.source = RG_PSRC_PROC; /* a later run's scan: adopted by 1 again */
	p.ppid = 1;
	p.parent_proc_id = 1;
	rg_store_put_process(s, &p);
	rg_store_sync(s);
	rg_store_close(s, rg_wall_ns());
	CHECK_STR(q(db, "SELECT source || ' ' || ppid || ' ' || parent_proc_id FROM processes"),
		  "fork 104 4", "upsert: a later scan keeps the forking parent and the source");
}

/* Makes the writer's next prune links fail, from the test's own
 * connection, as a failing disk would: the writer runs no triggers, so a
 * dummy prune link and a unique index on prune links refuse them; and
 * lets them go in again. */
static void fail_prune_links(const char *db)
{
	sql_on(db, "INSERT INTO chain VALUES (-1, 'prune', 0, 0, '', NULL, x'', x'', x'', x''); "
		   "CREATE UNIQUE INDEX one_prune ON chain (kind) WHERE kind = 'prune'");
}

static void let_prune_links(const char *db)
{
	sql_on(db, "DROP INDEX one_prune; DELETE FROM chain WHERE link = -1");
}

/* A COMMIT that fails after the prune link went in: a TEMP trigger (the
 * writer runs those: SQLITE_DBCONFIG_ENABLE_TRIGGER leaves them on, as
 * add_no_gap's) arms the connection's commit hook when a prune link is
 * inserted, and the hook turns that transaction's COMMIT into a
 * rollback, as a full disk at the commit would. */
static bool commit_fails;  /* set by the test: the next prune step's COMMIT fails */
static bool commit_armed;  /* a prune link went in this transaction */
static void arm_commit(sqlite3_context *c, int n, sqlite3_value **v)
{
	(void)n;
	(void)v;
	commit_armed = commit_fails;
	sqlite3_result_int(c, 0);
}

static int refuse_commit(void *arg)
{
	(void)arg;
	bool refuse = commit_armed;
	commit_armed = false;
	if (refuse)
		commit_fails = false;
	return refuse;
}

static int add_refuse_commit(sqlite3 *h, char **err, const void *api)
{
	(void)err;
	(void)api;
	sqlite3_create_function(h, "arm_commit", 0, SQLITE_UTF8, NULL, arm_commit, NULL, NULL);
	sqlite3_commit_hook(h, refuse_commit, NULL);
	return sqlite3_exec(h, "CREATE TEMP TRIGGER arm_commit AFTER INSERT ON main.chain "
			       "WHEN NEW.kind = 'prune' BEGIN SELECT arm_commit(); END", NULL, NULL,
			    NULL);
}

/* How the first step of check_retention_sweep fails, if it does. */
enum sweep_fail { SWEEP_OK, SWEEP_LINK_FAILS, SWEEP_COMMIT_FAILS };

/* The sweep of processes rows goes on from step to step, LINEAGE_ROWS
 * (8000) rows each, and starts over past the newest: a parent whose last
 * child is in the second range goes in the third step. When a first step
 * fails (its prune link, fail_prune_links, or its COMMIT after the link,
 * add_refuse_commit) and rolls back, the sweep's place and the chain's
 * trim go back with it, so the next step sweeps those 8000 rows again and
 * trims the same links. */
static void check_retention_sweep(enum sweep_fail how)
{
	struct aged_times t;
	bool fail_first = how != SWEEP_OK;
	static const char *const names[] = {"sweep.db", "sweep-fail.db", "sweep-commit.db"};
	static const char *const afters[] = {"", ", after a failed link", ", after a failed COMMIT"};
	const char *after = afters[how];
	const char *name = names[how];
	if (how == SWEEP_COMMIT_FAILS) { /* the trigger needs the chain table made */
		char err[256];
		struct rg_store *m = rg_store_open(path_in(name), &aged_opts, err, sizeof(err), NULL);
		if (m)
			rg_store_close(m, 0);
	}
	struct rg_store *s = open_aged_ext(name, &t, how == SWEEP_COMMIT_FAILS ? add_refuse_commit
									     : NULL);
	if (!s)
		return;
	for (int64_t id = 1; id <= 9001; id++) { /* 9001: the newest, stays */
		struct rg_process p = shell_proc(id, t.old, t.old + id);
		p.parent_proc_id = id == 8500 ? 10 : 0;
		rg_store_put_process(s, &p);
	}
	rg_store_sync(s);
	uint64_t seq = 0;
	if (fail_first) {
		if (how == SWEEP_LINK_FAILS)
			fail_prune_links(path_in(name));
		commit_fails = how == SWEEP_COMMIT_FAILS;
		put_open(s, ++seq, t.old + 19999);
		rg_store_sync(s);
		CHECK_STR(q(path_in(name), "SELECT count(*) FROM processes"), "9001",
			  how == SWEEP_LINK_FAILS ? "sweep: a step whose link fails removes no "
						    "processes row"
						  : "sweep: a step whose COMMIT fails removes no "
						    "processes row");
		if (how == SWEEP_COMMIT_FAILS) {
			CHECK(!commit_fails, "sweep: the step's COMMIT was refused");
			CHECK_STR(q(path_in(name), "SELECT (SELECT count(*) FROM file_events) || ' ' "
						   "|| (SELECT count(*) FROM chain WHERE kind = "
						   "'prune')"),
				  "1 0", "sweep: that step's: its old open is still there, no prune "
					 "link went in");
			commit_fails = commit_armed = false; /* one cause, one failed check */
		}
		if (how == SWEEP_LINK_FAILS)
			let_prune_links(path_in(name));
	}
	for (int step = 0; step < 3; step++) { /* an old row a batch: a step each */
		put_open(s, ++seq, t.old + 20000 + step);
		rg_store_sync(s);
		static const char *const left[] = {"1002", "2", "1"};
		char what[160];
		snprintf(what, sizeof(what), "%s%s",
			 step == 0   ? "sweep: the first step takes the first 8000 rows but 10 "
				       "(its child is in the next range)"
			 : step == 1 ? "sweep: the second the rest, 10 still kept by its child"
				     : "sweep: the third starts over, and 10 goes",
			 after);
		CHECK_STR(q(path_in(name), "SELECT count(*) FROM processes"), left[step], what);
		snprintf(what, sizeof(what), "sweep: the links' rows lists trimmed%s", after);
		if (step == 0) /* the failed step's trim was undone with it */
			CHECK_STR(q(path_in(name), "SELECT count(*) FROM chain WHERE rows IS NOT NULL"),
				  "1", what);
	}
	rg_store_close(s, t.now);
	char what[96];
	snprintf(what, sizeof(what), "sweep: the recording verifies intact%s", after);
	check_verifies(path_in(name), what);
}

/* A failed step must not hide a hash group from the next one: 16 opens
 * in one batch, old and fresh alternating (one group); the step their
 * batch starts fails after trimming their link's rows list, and rolls
 * back; the next step must still take the group whole, the fresh opens
 * with the old, or `rgq verify` finds the group broken. */
static void check_retention_failed_group(void)
{
	struct aged_times t;
	const char *db = path_in("group-fail.db");
	struct rg_store *s = open_aged("group-fail.db", &t);
	if (!s)
		return;
	rg_store_sync(s);
	fail_prune_links(db);
	uint64_t seq = 0;
	for (int i = 0; i < 16; i++)
		put_open(s, ++seq, i % 2 ? t.fresh + i : t.old + i);
	rg_store_sync(s);
	CHECK_STR(q(db, "SELECT count(*) FROM file_events"), "16",
		  "failed group: the step their batch started failed");
	let_prune_links(db);
	put_open(s, ++seq, t.old + 100); /* the next step */
	rg_store_sync(s);
	CHECK_STR(q(db, "SELECT count(*) FROM file_events"), "0",
		  "failed group: the next step takes the group whole");
	rg_store_close(s, t.now);
	check_verifies(db, "failed group: the recording verifies intact");
}

/* An open of path by pid at ts, with seq, running exe (NULL: no image). */
static void put_open_as(struct rg_store *s, uint64_t seq, int64_t ts, uint32_t pid,
			const char *exe, const char *path)
{
	struct rg_event ev = {.type = RG_ET_FILE_OPEN, .seq = seq, .ts_ns = ts, .pid = pid,
			      .tid = pid, .path = {path, (uint32_t)strlen(path)},
			      .syscall = "openat"};
	if (exe) {
		ev.exe = (struct rg_str){exe, (uint32_t)strlen(exe)};
		ev.comm = (struct rg_str){"c", 1};
	}
	rg_store_put_event(s, &ev, false);
}

/* An open of /etc/o by pid at ts, with seq. */
static void put_open_by(struct rg_store *s, uint64_t seq, int64_t ts, uint32_t pid)
{
	put_open_as(s, seq, ts, pid, NULL, "/etc/o");
}

/* Retention removes the actors no row left refers to (schema/033): each
 * block of seqs has actors of its own from its first_actor on, so those
 * below the oldest row's block can go, without an index by actor_id. */
static void check_retention_actors(void)
{
	struct aged_times t;
	const char *db = path_in("retactor.db");
	struct rg_store *s = open_aged("retactor.db", &t);
	if (!s)
		return;
	const uint64_t b1 = 65536, b2 = 2 * 65536;
	for (uint32_t i = 0; i < 50; i++) /* block 0, old: pids 1 to 5 */
		put_open_by(s, 1 + i, t.old + i, 1 + i % 5);
	for (uint32_t i = 0; i < 10; i++) /* block 1, old: pid 1 */
		put_open_by(s, b1 + i, t.old + 100 + i, 1);
	rg_store_sync(s);
	CHECK_STR(q(db, "SELECT count(*) || ' ' || group_concat(pid) FROM actors"), "1 1",
		  "actors: all old rows pruned, and their actors but that of the writer's block, "
		  "which rows to come may have");
	put_open_by(s, b1 + 20, t.fresh, 1); /* block 1, recent: pids 1 and 6 */
	put_open_by(s, b1 + 21, t.fresh + 1, 6);
	put_open_by(s, b2, t.fresh + 2, 1); /* block 2: pid 1 again */
	rg_store_sync(s);
	put_open_by(s, b2 + 1, t.old + 200, 7); /* an old row after the writer reached block 2 */
	rg_store_sync(s);
	rg_store_close(s, t.now);
	CHECK_STR(q(db, "SELECT group_concat(seq || ' ' || pid, ',') FROM file_events"),
		  "65556 1,65557 6,131072 1", "actors: old rows pruned, recent kept");
	CHECK_STR(q(db, "SELECT group_concat(pid, ',') FROM (SELECT pid FROM actors ORDER BY id)"),
		  "1,6,1,7", "actors: those of block 0 gone; pid 1's of blocks 1 and 2 and pid 6's "
			     "kept, and that of block 2's old row: the writer's block");
	CHECK_STR(q(db, "SELECT group_concat(block, ',') FROM dict_blocks"), "1,2",
		  "actors: the blocks before the oldest row's go too");
	check_refs(db, "actors");
	check_verifies(db, "actors: the recording verifies intact");
}

/* An open of path by pid 1 running exe, with seq. */
static void put_open_of(struct rg_store *s, uint64_t seq, int64_t ts, const char *exe,
			const char *path)
{
	put_open_as(s, seq, ts, 1, exe, path);
}

/* Retention removes the images and names no row left refers to
 * (schema/034), numbered per block as actors are: a job's directory and
 * binary go with its rows, the names every block has are there again in
 * each block kept. */
static void check_retention_names(void)
{
	struct aged_times t;
	const char *db = path_in("retnames.db");
	struct rg_store *s = open_aged("retnames.db", &t);
	if (!s)
		return;
	const uint64_t b1 = 65536, b2 = 2 * 65536;
	for (uint32_t i = 0; i < 20; i++) /* block 0, old: a job's own binary and directory */
		put_open_of(s, 1 + i, t.old + i, "/job0/tool", "/job0/out/o");
	for (uint32_t i = 0; i < 10; i++) /* block 1, old */
		put_open_of(s, b1 + i, t.old + 100 + i, "/bin/sh", "/etc/o");
	rg_store_sync(s);
	put_open_of(s, b1 + 20, t.fresh, "/bin/sh", "/etc/o"); /* block 1, recent */
	put_open_of(s, b2, t.fresh + 1, "/bin/sh", "/etc/o");  /* block 2 */
	rg_store_sync(s);
	rg_store_close(s, t.now);
	CHECK_STR(q(db, "SELECT group_concat(seq || ' ' || exe || ' ' || path, ',') FROM "
			"file_events"),
		  "65556 /bin/sh /etc/o,131072 /bin/sh /etc/o", "names: old rows pruned");
	CHECK_STR(q(db, "SELECT group_concat(exe, ',') FROM (SELECT exe FROM images ORDER BY id)"),
		  "/bin/sh,/bin/sh", "names: the job's image gone with its block; that of blocks "
				     "1 and 2 kept, once in each");
	CHECK_STR(q(db, "SELECT group_concat(name, ',') FROM (SELECT name FROM names ORDER BY id)"),
		  "file_open,openat,/etc/,file_open,openat,/etc/",
		  "names: the job's directory gone, with block 0's event type and syscall; blocks "
		  "1 and 2 have their own");
	check_refs(db, "names");
	check_verifies(db, "names: the recording verifies intact");
}

/* A table's numbers never go back below a block's first (schema/034):
 * with every old row pruned, a block whose rows so far have no image
 * leaves images nothing to keep, and a new image numbered after what is
 * left, from 1 in an empty table, would be below the block's
 * first_image and pruned while its rows are there. Retention keeps each
 * table's newest row. */
static void check_retention_numbers(void)
{
	struct aged_times t;
	const char *db = path_in("retnums.db");
	struct rg_store *s = open_aged("retnums.db", &t);
	if (!s)
		return;
	const uint64_t b1 = 65536;
	for (uint32_t i = 0; i < 10; i++) /* block 0, old: images 1 and 2 */
		put_open_of(s, 1 + i, t.old + i, i % 2 ? "/bin/a" : "/bin/b", "/a/x");
	rg_store_sync(s); /* each sync: a batch, then a retention step when rows are old */
	put_open_by(s, b1, t.fresh, 1); /* block 1: no image yet */
	rg_store_sync(s);
	/* old: a step in block 1; image 1 goes, 2, the newest, stays (without
	 * the guard, both would) */
	put_open_by(s, b1 + 1, t.old + 100, 1);
	rg_store_sync(s);
	put_open_of(s, b1 + 2, t.fresh + 2, "/bin/c", "/c/x");
	put_open_of(s, b1 + 3, t.fresh + 3, "/bin/c", "/c/x");
	rg_store_sync(s);
	put_open_by(s, b1 + 4, t.old + 200, 1); /* another step */
	rg_store_sync(s);
	rg_store_close(s, t.now);
	CHECK_STR(q(db, "SELECT group_concat(seq || ' ' || coalesce(exe, '-'), ',') FROM "
			"file_events"),
		  "65536 -,65538 /bin/c,65539 /bin/c", "numbers: old rows pruned, new ones whole");
	CHECK_STR(q(db, "SELECT count(*) FROM images i JOIN dict_blocks b ON b.block = 1 WHERE "
			"i.exe = '/bin/c' AND i.id >= b.first_image"),
		  "1", "numbers: the block's image numbered from its first on");
	check_refs(db, "numbers");
	check_verifies(db, "numbers: the recording verifies intact");
}

/* A batch is written table by table: one that crosses into a new block
 * goes back to the block before for its next table's rows. An actor made
 * then is numbered after the new block's first, so it stays while that
 * block has rows, and its image must too, though the image is one the
 * old block's rows had. */
static void check_retention_back(void)
{
	struct aged_times t;
	const char *db = path_in("retback.db");
	struct rg_store *s = open_aged("retback.db", &t);
	if (!s)
		return;
	const uint64_t b1 = 65536;
	put_open_of(s, 1, t.old, "/bin/a", "/a/x"); /* block 0: image 1, /bin/a */
	rg_store_sync(s);
	/* one batch: block 1's process row first, then (going back to block
	 * 0) an old file row of a new process running /bin/a */
	struct rg_event ex = {.type = RG_ET_PROCESS_EXIT, .seq = b1, .ts_ns = t.fresh, .boot_ns = 1,
			      .pid = 5, .tid = 5, .comm = {"p", 1}, .exe = {"/bin/p", 6},
			      .argv = {"p\0", 2}};
	rg_store_put_event(s, &ex, false);
	put_open_as(s, 2, t.old + 1, 2, "/bin/a", "/a/x");
	rg_store_sync(s); /* block 0's rows pruned (the writer still in block 0) */
	put_open_of(s, b1 + 1, t.fresh + 1, "/bin/a", "/a/x"); /* /bin/a in block 1 */
	rg_store_sync(s);
	put_open_by(s, b1 + 2, t.old + 2, 1); /* old: a step with the writer in block 1 */
	rg_store_sync(s);
	rg_store_close(s, t.now);
	CHECK_STR(q(db, "SELECT group_concat(seq || ' ' || exe, ',') FROM (SELECT seq, exe FROM "
			"process_events UNION ALL SELECT seq, exe FROM file_events ORDER BY seq)"),
		  "65536 /bin/p,65537 /bin/a", "back: block 0's rows pruned, block 1's whole");
	check_refs(db, "back");
	check_verifies(db, "back: the recording verifies intact");
}

/* A batch that rolls back after it went into a new block takes that
 * block's note with it: the next batch's notes start lower, and images
 * it makes there must not be taken for the next block's. */
static void check_retention_rollback(void)
{
	struct aged_times t;
	const char *db = path_in("retroll.db");
	struct rg_store *s = open_aged("retroll.db", &t); /* made first: the trigger is on gaps */
	if (!s)
		return;
	rg_store_close(s, t.now);
	s = open_aged_ext("retroll.db", &t, add_no_gap);
	if (!s)
		return;
	const uint64_t b1 = 65536, b2 = 2 * 65536;
	put_open_of(s, 1, t.old, "/bin/a", "/a/x"); /* image 1 */
	rg_store_sync(s);
	/* images 2 to 5, block 1 noted from 5; the repeated seq fails, and the
	 * trigger on its store_failure gap row rolls the batch back */
	no_gap = true;
	put_open_of(s, 2, t.fresh, "/bin/r1", "/a/x");
	put_open_of(s, 3, t.fresh, "/bin/r2", "/a/x");
	put_open_of(s, 4, t.fresh, "/bin/r3", "/a/x");
	put_open_of(s, b1, t.fresh, "/bin/r4", "/a/x");
	put_open_of(s, b1, t.fresh, "/bin/r4", "/a/x");
	rg_store_sync(s);
	no_gap = false;
	put_open_of(s, b1 + 1, t.old + 1, "/bin/n1", "/a/x"); /* block 1 noted from 2 now */
	rg_store_sync(s);
	put_open_of(s, b2, t.fresh + 1, "/bin/n1", "/a/x"); /* block 2, from 3 */
	put_open_of(s, b2 + 1, t.fresh + 2, "/bin/n2", "/a/x");
	rg_store_sync(s);
	/* old: a step with the oldest row in block 2, whose first image bounds
	 * what goes */
	put_open_by(s, b2 + 2, t.old + 2, 1);
	rg_store_sync(s);
	rg_store_close(s, t.now);
	CHECK_STR(q(db, "SELECT group_concat(seq || ' ' || exe, ',') FROM file_events"),
		  "131072 /bin/n1,131073 /bin/n2", "rollback: block 2's rows whole");
	check_refs(db, "rollback");
	check_verifies(db, "rollback: the recording verifies intact");
}

/* The stand-in for a full disk in the middle of a batch: a TEMP trigger
 * (see add_no_gap) that rolls the transaction back when a directory
 * /full/ is numbered. */
static int add_full_name(sqlite3 *h, char **err, const void *api)
{
	(void)err;
	(void)api;
	return sqlite3_exec(h, "CREATE TEMP TRIGGER full_name BEFORE INSERT ON main.names "
			       "WHEN NEW.name = '/full/' BEGIN SELECT RAISE(ROLLBACK, 'full'); END",
			    NULL, NULL, NULL);
}

/* SQLite rolls a batch back by itself on some errors (a full disk, an
 * I/O error), here while a name is numbered. A group's rows are all
 * numbered before it is inserted: those after that row must not make
 * images and actors then, which would commit on their own (autocommit)
 * for rows that are not stored. */
static void check_dict_after_rollback(void)
{
	enum { GROUP_ROWS = 32 }; /* store_int.h's: rows per insert statement */
	const char *db = path_in("dictroll.db");
	struct rg_store *s = open_batched_ext(db, add_full_name, "opens it with a directory that fills the disk");
	if (!s)
		return;
	/* a full group first, stored by the group's statement (the path the
	 * check below needs) */
	for (uint32_t seq = 1; seq <= GROUP_ROWS; seq++)
		put_open_as(s, seq, 1000 + seq, 1, "/bin/a", "/a/x");
	rg_store_sync(s);
	struct rg_store_stats st;
	rg_store_stats(s, &st);
	CHECK_INT(st.rows_grouped, GROUP_ROWS, "mid-batch rollback: a group is one statement");
	/* then one whose seq 40 rolls it back: its actor and the rows' after
	 * it (new images, and new directories from seq 50 on) are numbered
	 * after that */
	const uint32_t from = GROUP_ROWS + 1;
	for (uint32_t seq = from; seq < from + GROUP_ROWS; seq++) {
		char exe[16], path[24];
		snprintf(exe, sizeof(exe), "/bin/n%u", seq);
		snprintf(path, sizeof(path), seq == 40 ? "/full/x" : seq < 50 ? "/a/x" : "/d%u/x",
			 seq);
		put_open_as(s, seq, 1000 + seq, 100 + seq, exe, path);
	}
	rg_store_sync(s);
	put_open_as(s, from + GROUP_ROWS, 2000, 1, "/bin/a", "/a/y");
	rg_store_sync(s);
	rg_store_stats(s, &st);
	rg_store_close(s, 3000);
	CHECK_INT(st.store_failures, GROUP_ROWS, "mid-batch rollback: the group is lost whole");
	CHECK_STR(q(db, "SELECT count(*) || ' ' || max(seq) FROM file_events"), "33 65",
		  "mid-batch rollback: the batches before and after it stored");
	CHECK_STR(q(db, "SELECT count(*) FROM images WHERE exe LIKE '/bin/n%'"), "0",
		  "mid-batch rollback: no image of the lost rows committed on its own");
	CHECK_STR(q(db, "SELECT count(*) FROM actors WHERE pid > 100"), "0",
		  "mid-batch rollback: nor an actor");
	CHECK_STR(q(db, "SELECT count(*) FROM names WHERE name LIKE '/d%'"), "0",
		  "mid-batch rollback: nor a directory's name");
	check_refs(db, "mid-batch rollback");
}

/* A database from before schema 33 (and 34): its rows refer to actors
 * (and names) of any number, and the upgrade notes the newest row's block
 * with 1. Retention keeps every actor and name until the rows of that
 * block have gone, and a run that goes on in that block keeps using the
 * old numbers. */
static void check_retention_actors_upgraded(void)
{
	char err[256];
	struct aged_times t;
	const char *db = path_in("retactor2.db");
	struct rg_store *s = open_aged("retactor2.db", &t);
	if (!s)
		return;
	const uint64_t b1 = 65536;
	put_open_by(s, 1, t.now, 1); /* block 0: pid 1, its actor numbered 1 */
	rg_store_sync(s);
	put_open_by(s, b1, t.now, 1); /* block 1: pid 1 again, made a second actor */
	rg_store_sync(s);
	rg_store_close(s, t.now);
	/* as schema 32 had them: one actor, for both rows; then the upgrade */
	sql_on(db, "UPDATE file_rows SET actor_id = 1, ts_ns = ts_ns - 7200000000000 WHERE seq = 1; "
		   "UPDATE file_rows SET actor_id = 1; DELETE FROM actors WHERE id > 1; "
		   "UPDATE file_rows SET event_type_id = (SELECT min(id) FROM names WHERE name = "
		   "'file_open'), syscall_id = (SELECT min(id) FROM names WHERE name = 'openat'), "
		   "dir_id = (SELECT min(id) FROM names WHERE name = '/etc/'); DELETE FROM names "
		   "WHERE id NOT IN (SELECT event_type_id FROM file_rows UNION SELECT syscall_id FROM "
		   "file_rows UNION SELECT dir_id FROM file_rows); DELETE FROM dict_blocks; INSERT "
		   "INTO dict_blocks (block, first_actor, first_image, first_name) SELECT m >> 16, 1, "
		   "1, 1 FROM (SELECT max(s) AS m FROM (SELECT max(seq) AS s FROM process_rows UNION "
		   "ALL SELECT max(seq) FROM file_rows UNION ALL SELECT max(seq) FROM network_rows)) "
		   "WHERE m IS NOT NULL");
	s = rg_store_open(db, &aged_opts, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "actors upgraded: reopens"))
		return;
	rg_store_begin_run(s, "h", "b", "0", t.now, 1, 64, 64);
	put_open_by(s, b1 + 1, t.now, 1); /* block 1 goes on */
	put_open_by(s, b1 + 2, t.now, 2);
	rg_store_sync(s);
	put_open_by(s, b1 + 3, t.now, 3); /* a batch more: retention ran before it */
	rg_store_sync(s);
	rg_store_close(s, t.now);
	CHECK_STR(q(db, "SELECT group_concat(seq || ' ' || actor_id, ',') FROM file_rows"),
		  "65536 1,65537 1,65538 2,65539 3",
		  "actors upgraded: the old row of block 0 pruned, its actor kept for block 1's "
		  "rows, which the run going on in block 1 uses too");
	CHECK_STR(q(db, "SELECT count(*) FROM names"), "3",
		  "actors upgraded: so are its names (schema/034), used again, not made anew");
	check_refs(db, "actors upgraded");
}

/* Retention by age: events older than max_age go, with the alerts and
 * health rows of that time, in steps; the range is one `pruned` gap that
 * grows; what is newer stays. */
static void check_retention(void)
{
	char err[256];
	struct aged_times t;
	struct rg_store *s = open_aged("ret.db", &t);
	if (!s)
		return;
	int64_t now = t.now, old = t.old, fresh = t.fresh;
	uint64_t seq = 0;
	for (int i = 0; i < 5000; i++) { /* 5000 old file events, 100 old alerts */
		struct rg_event ev = {.type = RG_ET_FILE_OPEN, .seq = ++seq, .ts_ns = old + i,
				      .pid = 1, .path = {"/etc/old", 8}, .syscall = "openat"};
		if (i % 100 == 0) { /* a rename: its file_more row goes with it */
			ev.type = RG_ET_FILE_RENAME;
			ev.new_path = (struct rg_str){"/etc/old2", 9};
		}
		rg_store_put_event(s, &ev, false);
		if (i % 50 == 0) {
			uint64_t event_seq = seq++; /* not in one initializer: unsequenced */
			struct rg_alert a = {.seq = seq, .ts_ns = old + i, .rule_id = {"R", 1},
					     .rule_name = {"r", 1}, .severity = {"low", 3},
					     .tags = {"", 0}, .summary = {"s", 1},
					     .rules_digest = {"d", 1}, .event_seq = event_seq,
					     .event_type = RG_ET_FILE_OPEN, .pid = 1};
			rg_store_put_alert(s, &a);
		}
	}
	/* a network row as old as the oldest: its table, pruned after the
	 * files, must not end the pruned gap before the files' newest */
	struct rg_event oldnet = {.type = RG_ET_NET_CONNECT, .seq = ++seq, .ts_ns = old, .pid = 1,
				  .family = "ipv4", .protocol = "tcp",
				  .local_addr = {"10.0.0.1", 8}, .remote_addr = {"10.0.0.2", 8},
				  .remote_port = 80, .syscall = "connect"};
	rg_store_put_event(s, &oldnet, false);
	/* the recent events in later batches, so in hash groups of their own:
	 * retention takes an old row's group with it (chain.h) */
	rg_store_sync(s);
	for (int i = 0; i < 300; i++) {
		struct rg_event ev = {.type = RG_ET_FILE_WRITE, .seq = ++seq, .ts_ns = fresh + i,
				      .pid = 1, .path = {"/etc/new", 8}, .syscall = "write"};
		if (i == 7) {
			ev.type = RG_ET_FILE_RENAME;
			ev.new_path = (struct rg_str){"/etc/new2", 9};
		}
		rg_store_put_event(s, &ev, false);
	}
	rg_store_sync(s);
	struct rg_health h = {.seq = ++seq, .ts_ns = now};
	rg_store_put_health(s, &h); /* one more batch: pruning goes on between them */
	rg_store_sync(s);
	struct rg_store_stats st;
	rg_store_stats(s, &st);
	rg_store_close(s, now);
	const char *db = path_in("ret.db");
	CHECK_STR(q(db, "SELECT count(*) FROM file_events WHERE path = '/etc/old'"), "0",
		  "retention: old events pruned");
	CHECK_STR(q(db, "SELECT group_concat(new_path) FROM file_more"), "/etc/new2",
		  "retention: old renames' file_more rows too, the recent one's kept");
	CHECK_STR(q(db, "SELECT count(*) FROM file_events WHERE path = '/etc/new'"), "300",
		  "retention: recent events kept");
	CHECK_STR(q(db, "SELECT count(*) FROM alerts"), "0", "retention: their alerts too");
	CHECK_INT(st.rows_pruned, 5001, "retention: rows_pruned counts the event rows");
	char want[96];
	snprintf(want, sizeof(want), "1 5001 %lld %lld", (long long)old, (long long)(old + 4999));
	CHECK_STR(q(db, "SELECT count(*) || ' ' || sum(count) || ' ' || min(start_ns) || ' ' || "
			"max(end_ns) FROM gaps WHERE reason = 'pruned'"),
		  want, "retention: one pruned gap over the whole pruned range");
	CHECK_STR(q(db, "PRAGMA integrity_check"), "ok", "retention: the database is intact");

	/* one step is bounded by the table with the most to prune: a single
	 * old-ish connect must not make a step take all the file events */
	struct rg_store_opts one = {100000, 20, 200000, 3600, 0, 0};
	s = rg_store_open(path_in("step.db"), &one, err, sizeof(err), NULL);
	rg_store_begin_run(s, "h", "b", "0", old, 1, 64, 64);
	seq = 0;
	for (int i = 0; i < 6000; i++) {
		struct rg_event ev = {.type = RG_ET_FILE_OPEN, .seq = ++seq, .ts_ns = old + i,
				      .pid = 1, .path = {"/etc/o", 6}, .syscall = "openat"};
		rg_store_put_event(s, &ev, false);
	}
	struct rg_event net = {.type = RG_ET_NET_CONNECT, .seq = ++seq, .ts_ns = old + 5000,
			       .pid = 1, .family = "ipv4", .protocol = "tcp",
			       .local_addr = {"10.0.0.1", 8}, .remote_addr = {"10.0.0.2", 8},
			       .remote_port = 80, .syscall = "connect"};
	rg_store_put_event(s, &net, false);
	rg_store_sync(s);
	rg_store_stats(s, &st);
	rg_store_close(s, now);
	CHECK_INT(st.rows_pruned, 6001, "retention: steps prune everything old in the end");
	CHECK_STR(q(path_in("step.db"), "SELECT count(*) FROM file_events"), "0",
		  "retention: the dense table too");

	/* by size: keeps the data under the bound, the newest rows kept (only
	 * rows that were there at the previous turn go) */
	struct rg_store_opts so = {1000, 20, 65536, 0, 1, 0}; /* 1 MiB */
	s = rg_store_open(path_in("size.db"), &so, err, sizeof(err), NULL);
	rg_store_begin_run(s, "h", "b", "0", now, 1, 64, 64);
	static char pad[200];
	memset(pad, 'p', sizeof(pad));
	for (int i = 0; i < 30000; i++) {
		/* on one clock, as the recorder's rows are (schema/026) */
		struct rg_event ev = {.type = RG_ET_FILE_OPEN, .seq = (uint64_t)i + 1,
				      .ts_ns = old + i, .boot_ns = (uint64_t)i, .pid = 1,
				      .path = {pad, sizeof(pad)}, .syscall = "openat"};
		rg_store_put_event(s, &ev, false);
		if (i % 5000 == 4999) {
			rg_store_sync(s);
			usleep(2000); /* turns run every batch here (interval 0) */
		}
	}
	rg_store_sync(s);
	rg_store_close(s, now);
	db = path_in("size.db");
	long long used = atoll(q(db, "SELECT (SELECT page_count FROM pragma_page_count) - "
				     "(SELECT freelist_count FROM pragma_freelist_count)")) *
			 atoll(q(db, "PRAGMA page_size"));
	CHECK(used < 2 * 1048576, "retention by size: the data stays near the bound");
	CHECK_STR(q(db, "SELECT max(seq) FROM file_events"), "30000", "retention by size: the newest kept");
	CHECK(atoll(q(db, "SELECT count FROM gaps WHERE reason = 'pruned'")) > 10000,
	      "retention by size: the pruned rows are a gap");
}

static int64_t wal_size(const char *db)
{
	char path[160];
	struct stat sb;
	snprintf(path, sizeof(path), "%s-wal", db);
	return stat(path, &sb) ? -1 : (int64_t)sb.st_size;
}

/* Puts n file rows from seq *seq on, with a 250-byte path each. */
static void put_padded(struct rg_store *s, uint32_t *seq, int n)
{
	static char pad[250];
	memset(pad, 'w', sizeof(pad));
	for (int i = 0; i < n; i++) {
		++*seq;
		struct rg_event ev = {.type = RG_ET_FILE_OPEN, .seq = *seq, .ts_ns = *seq, .pid = 1,
				      .path = {pad, sizeof(pad)}, .syscall = "openat"};
		rg_store_put_event(s, &ev, false);
	}
}

/* A reader that holds one read transaction keeps the WAL from being
 * copied back: it grows, and the health counters say so (its size, the
 * checkpoints it held back, one wal_pinned past wal_warn_mb). Once the
 * reader ends, the WAL is copied back and starts over while rows keep
 * coming, and its file is cut back to 8 MiB (journal_size_limit). */
static void check_wal_reader(void)
{
	char err[256];
	struct rg_store_opts wo = {1000, 20, 65536, 0, 0, 0, 1}; /* wal_warn_mb = 1 */
	const char *db = path_in("wal.db");
	struct rg_store *s = rg_store_open(db, &wo, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "opens a database for the reader test"))
		return;
	rg_store_begin_run(s, "h", "b", "0", 1, 1, 64, 64);
	uint32_t seq = 0;
	put_padded(s, &seq, 1000);
	rg_store_sync(s);
	sqlite3 *r;
	sqlite3_open_v2(db, &r, SQLITE_OPEN_READONLY, NULL);
	CHECK_INT(sqlite3_exec(r, "BEGIN; SELECT count(*) FROM file_events", NULL, NULL, NULL), 0,
		  "a reader begins a transaction and reads");
	struct rg_store_stats st;
	for (int i = 0; i < 40; i++) { /* about 16 MiB of WAL */
		put_padded(s, &seq, 1000);
		rg_store_sync(s);
	}
	for (int i = 0; i < 200; i++) { /* a blocked pass is retried every 200 ms */
		rg_store_stats(s, &st);
		if (st.wal_pinned)
			break;
		usleep(20000);
	}
	CHECK(wal_size(db) > 12 << 20, "the WAL grows while the reader holds it");
	CHECK(st.wal_bytes > 12 << 20, "health says how large it is");
	CHECK(st.checkpoints_blocked > 0, "checkpoints the reader held back are counted");
	CHECK_INT(st.wal_pinned, 1, "the reader holding it past wal_warn_mb is counted once");
	sqlite3_exec(r, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(r);
	for (int i = 0; i < 500; i++) { /* rows keep coming */
		put_padded(s, &seq, 10);
		rg_store_sync(s);
		if (wal_size(db) <= 8 << 20)
			break;
		usleep(20000);
	}
	rg_store_stats(s, &st);
	CHECK(wal_size(db) <= 8 << 20, "once the reader ends, the WAL shrinks back to 8 MiB");
	CHECK(st.wal_bytes <= 8 << 20, "and health says so");
	CHECK_INT(st.wal_pinned, 1, "and that was one pin");
	CHECK_INT(st.store_failures + st.user_drops, 0, "no row was lost meanwhile");
	rg_store_close(s, 2);
	char want[16];
	snprintf(want, sizeof(want), "%u", seq);
	CHECK_STR(q(db, "SELECT count(*) FROM file_events"), want, "every row is stored");
	CHECK_STR(q(db, "PRAGMA integrity_check"), "ok", "integrity_check after the reader");
}

/* Shipping's side of the store: acknowledgements stored by the writer in
 * ship_cursor; retention that prunes rows the destination has not
 * acknowledged records them as one unshipped gap naming it; rows that
 * change get a new ship_rev at each write. */
static void check_ship(void)
{
	char err[256];
	struct rg_store_opts ro = {500, 20, 65536, 3600, 0, 0}; /* 1 h, every batch */
	const char *db = path_in("ship.db");
	struct rg_store *s = rg_store_open(db, &ro, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "ship: opens"))
		return;
	rg_store_ship_dest(s, "http://ch:8123 rand_guard");
	CHECK_INT(rg_store_ship_pos(s, "file_events"), -1, "ship: a new destination starts below every key");
	int64_t now = rg_wall_ns(), old = now - 7200LL * 1000000000;
	rg_store_begin_run(s, "h", "b", "0", old, 1, 64, 64);
	rg_store_ship_ack(s, "file_events", 2000, 2000); /* the first 2000 old rows went */
	rg_store_ship_ack(s, "file_events", 1500, 10);   /* an older position: no step back */
	CHECK_INT(rg_store_ship_pos(s, "file_events"), 2000, "ship: the cursor never moves back");
	struct rg_process p = {.proc_id = 1, .pid = 7, .start_boot_ns = 1, .start_ns = old,
			       .comm = {"sh", 2}, .source = RG_PSRC_FORK};
	rg_store_put_process(s, &p);
	uint64_t seq = 0;
	for (int i = 0; i < 5000; i++) {
		struct rg_event ev = {.type = RG_ET_FILE_OPEN, .seq = ++seq, .ts_ns = old + i,
				      .pid = 1, .path = {"/etc/old", 8}, .syscall = "openat"};
		rg_store_put_event(s, &ev, false);
	}
	rg_store_sync(s);
	CHECK_STR(q(db, "SELECT ship_rev FROM processes"), "2",
		  "ship: a process row's revision at its insert (the run's row was 1)");
	p.exited = true;
	p.exit_ns = now;
	rg_store_put_process(s, &p);
	struct rg_health h = {.seq = ++seq, .ts_ns = now};
	rg_store_put_health(s, &h); /* one more batch: pruning goes on between them */
	rg_store_sync(s);
	rg_store_close(s, now);
	CHECK_STR(q(db, "SELECT count(*) FROM file_events"), "0", "ship: old events pruned anyway");
	CHECK_STR(q(db, "SELECT count(*) || ' ' || sum(count) || ' ' || destination FROM gaps "
			"WHERE reason = 'unshipped'"),
		  "1 3000 http://ch:8123 rand_guard",
		  "ship: the 3000 pruned unshipped rows are one gap naming the destination");
	CHECK_STR(q(db, "SELECT pos || ' ' || rows FROM ship_cursor WHERE dest = "
			"'http://ch:8123 rand_guard' AND tbl = 'file_events'"),
		  "2000 2000", "ship: the writer stored the acknowledged cursor");
	CHECK(atoll(q(db, "SELECT ship_rev FROM processes")) > 2,
	      "ship: the exit's update gave the process row a new revision");
	CHECK_STR(q(db, "SELECT count(r) = count(DISTINCT r) AND max(r) = (SELECT n FROM ship_rev) "
			"FROM (SELECT ship_rev r FROM processes UNION ALL SELECT ship_rev FROM runs "
			"UNION ALL SELECT ship_rev FROM gaps)"),
		  "1", "ship: every revision handed out once, the counter at the last");
	check_verifies(db, "ship: the unshipped gap, grown by each prune step, verifies (each "
			   "step's link holds it)");
	CHECK(atoll(q(db, "SELECT ship_rev FROM runs")) > atoll(q(db, "SELECT ship_rev FROM processes")),
	      "ship: the run's stop too, later");
	CHECK_STR(q(db, "PRAGMA integrity_check"), "ok", "ship: the database is intact");
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	signal(SIGXFSZ, SIG_IGN); /* past RLIMIT_FSIZE a write fails, not the process */
	check_groups();
	check_packed_values();
	check_gap_in_batch();
	check_dict();
	check_space();
	check_queue_full();
	check_retention();
	check_retention_cmdlines();
	check_retention_lineage();
	check_retention_lineage_kept();
	check_retention_lineage_late();
	check_retention_ended_boot();
	check_retention_held();
	check_upsert_parent();
	check_retention_sweep(SWEEP_OK);
	check_retention_sweep(SWEEP_LINK_FAILS);
	check_retention_sweep(SWEEP_COMMIT_FAILS);
	check_retention_failed_group();
	check_retention_actors();
	check_retention_names();
	check_retention_numbers();
	check_retention_back();
	check_retention_rollback();
	check_dict_after_rollback();
	check_retention_actors_upgraded();
	check_more_rows();
	check_ship();
	check_wal_reader();
	if (dir_remove())
		return 1;
	return tap_done();
}
