/* store.c: the SQLite recording and its batching writer (see store.h).
 *
 * Threads: the recorder thread only copies rows into the queue (under mu);
 * the writer thread owns the database connection from rg_store_begin_run
 * until rg_store_close joins it. Before begin_run and after the join the
 * caller's thread uses the connection, never both at once. The
 * checkpointer thread has a connection of its own (see "the
 * checkpointer").
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "caps.h"
#include "clock.h"
#include "fields.h"
#include "outfile.h"
#include "schema.h"

enum item_kind { IT_EVENT, IT_PROCESS, IT_HEALTH, IT_GAP, IT_ALERT, IT_META, IT_SEED };
#define N_KINDS 7

/* meta rows set while recording (the rules digest after a reload) */
struct meta_row {
	struct rg_str key, value;
};

/* A queued row: a copy of the struct, its strings right behind it. */
struct item {
	enum item_kind kind;
	union {
		struct rg_event ev;
		struct rg_process proc;
		struct rg_health h;
		struct rg_gap g;
		struct rg_alert a;
		struct meta_row m;
	} u;
	char data[];
};

/* Event rows are inserted GROUP_ROWS at a time, by one statement with that
 * many rows of parameters: a statement run has a fixed cost (cursors opened
 * and closed, the VM started and halted). Grouping cut the writer's
 * instructions by a tenth (callgrind, rg-gen's 50 000 events) and its CPU
 * per row by about 15 %. */
#define GROUP_ROWS 32

struct rg_store {
	sqlite3 *db;
	int lock_fd; /* holds the recorder's lock on the file (outfile.h) */
	sqlite3_stmt *ins_event[RG_N_EVENT_TABLES], *ins_process, *ins_health, *ins_gap;
	sqlite3_stmt *ins_group[RG_N_EVENT_TABLES]; /* GROUP_ROWS rows */
	int event_cols[RG_N_EVENT_TABLES];
	sqlite3_stmt *ins_alert, *ins_meta, *ins_seed;
	struct rg_store_opts o;
	int64_t run_id;
	char boot_id[64];
	struct rg_buf scratch; /* writer: cmdline of the row being bound */

	pthread_t thread;
	bool running, stop;
	pthread_mutex_t mu;
	pthread_cond_t wake, idle;
	struct item **q; /* ring of queued rows */
	unsigned cap, head, count;
	unsigned limit;  /* rows beyond this wait only when a rule matched them */
	int64_t first_at;          /* mono ns when the oldest queued row came */
	uint64_t queued, done;     /* rows ever queued / handled, for sync */
	uint64_t flush_to;         /* sync: write now until done reaches this */
	struct rg_store_stats st;  /* under mu */
	int64_t last_complaint;    /* writer: last stderr report, mono ns */
	int64_t last_prune;        /* writer: mono ns of the last retention turn */
	int64_t prev_prune_wall;   /* writer: wall ns of the last turn's start */
	/* writer: rows lost to failed writes whose gap row could not be
	 * written yet (a full disk fails that too); written once it can be */
	struct unrecorded {
		uint64_t count;
		int64_t start, end;
	} unrecorded;
	char *wal_path; /* the -wal file, for its size */
	int64_t wal_limit; /* writer: its journal_size_limit */
	struct checkpointer {
		sqlite3 *db;           /* its own connection */
		pthread_t thread;
		bool running;
		pthread_cond_t wake;   /* with mu */
		bool stop;             /* under mu */
		int frames;            /* under mu: in the WAL at the last commit */
		uint64_t commits, seen; /* under mu: commits, and at the last pass */
		int64_t keep;          /* under mu: the journal_size_limit wanted */
		unsigned blocked;      /* its thread: passes in a row that left frames */
		int64_t last_pass;     /* its thread: mono ns */
		bool pinned;           /* its thread: held past wal_warn_mb */
		int64_t pin_peak, last_report; /* its thread: bytes; mono ns */
	} ck;
};

/* ---- schema ------------------------------------------------------------- */

int64_t rg_sql_int(sqlite3 *db, const char *sql, int64_t dflt)
{
	sqlite3_stmt *st;
	int64_t v = dflt;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return dflt;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK && err)
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return rc;
}

/* Applies the embedded schema files newer than the file's user_version. */
static int migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
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
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", f->version);
		if (exec(db, "BEGIN IMMEDIATE", msg, sizeof(msg)) || exec(db, f->sql, msg, sizeof(msg)) ||
		    exec(db, pragma, msg, sizeof(msg)) || exec(db, "COMMIT", msg, sizeof(msg))) {
			exec(db, "ROLLBACK", NULL, 0);
			snprintf(err, errlen, "%s: applying %s: %s", path, f->name, msg);
			return -1;
		}
	}
	return 0;
}

/* ---- statements ----------------------------------------------------------- */

static const char process_cols[] =
	"proc_id, boot_id, pid, start_boot_ns, start_ns, ppid, parent_proc_id, uid, gid, euid, "
	"auid, sessionid, comm, exe, cmdline, argv, cwd, exe_truncated, argv_truncated, "
	"cwd_truncated, exe_memfd, exe_deleted, source, exit_ns, exit_code, signal";
#define PROCESS_NCOLS 26

/* The upsert: a process row is written at its start and again at every
 * change (exec, exit); identity columns never change. */
static void process_sql(struct rg_buf *b)
{
	rg_buf_printf(b, "INSERT INTO processes (%s) VALUES (?", process_cols);
	for (int i = 1; i < PROCESS_NCOLS; i++)
		rg_buf_adds(b, ", ?");
	rg_buf_adds(b, ") ON CONFLICT (proc_id) DO UPDATE SET ");
	const char *c = strstr(process_cols, "start_ns");
	for (const char *sep = ""; c && *c; sep = ", ") {
		size_t n = strcspn(c, ",");
		rg_buf_printf(b, "%s%.*s = excluded.%.*s", sep, (int)n, c, (int)n, c);
		c += n;
		c += strspn(c, ", ");
	}
}

/* An insert of nrows rows into an event table; returns its column count. */
static int event_sql(struct rg_buf *b, const char *table, uint32_t types, int nrows)
{
	const char *sep = "";
	int ncols = 0;
	rg_buf_printf(b, "INSERT INTO %s (", table);
	for (unsigned i = 0; i < rg_nfields; i++)
		if (rg_fields[i].types & types) {
			rg_buf_printf(b, "%s%s", sep, rg_fields[i].name);
			sep = ", ";
			ncols++;
		}
	rg_buf_adds(b, ") VALUES ");
	for (int r = 0; r < nrows; r++) {
		rg_buf_adds(b, r ? ", (?" : "(?");
		for (int c = 1; c < ncols; c++)
			rg_buf_adds(b, ", ?");
		rg_buf_addc(b, ')');
	}
	return ncols;
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

static int prepare_all(struct rg_store *s, char *err, size_t errlen)
{
	struct rg_buf b = {0};
	int rc = 0;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES && !rc; t++) {
		const struct rg_event_table *et = &rg_event_tables[t];
		s->event_cols[t] = event_sql(&b, et->name, et->types, 1);
		rc = prepare(s, &s->ins_event[t], &b, err, errlen);
		/* an SQLite built with fewer parameters per statement refuses the
		 * group's: its rows then go one at a time */
		if (!rc) {
			event_sql(&b, et->name, et->types, GROUP_ROWS);
			if (prepare(s, &s->ins_group[t], &b, err, errlen) != SQLITE_OK)
				err[0] = '\0';
		}
	}
	if (!rc) {
		process_sql(&b);
		rc = prepare(s, &s->ins_process, &b, err, errlen);
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
				"event_seq, event_type, proc_id, pid, exe, summary, rules_digest, steps) "
				"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
		rc = prepare(s, &s->ins_alert, &b, err, errlen);
	}
	if (!rc) {
		rg_buf_adds(&b, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
		rc = prepare(s, &s->ins_meta, &b, err, errlen);
	}
	if (!rc) {
		rg_buf_adds(&b, "INSERT INTO run_processes (run_id, proc_id, parent_proc_id, uid, "
				"euid, auid, comm, exe, argv) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
		rc = prepare(s, &s->ins_seed, &b, err, errlen);
	}
	rg_buf_free(&b);
	return rc;
}

/* ---- open ----------------------------------------------------------------- */

/* The WAL's file is cut back to this size when it starts over (SQLite's
 * journal_size_limit, applied by the first commit after the start):
 * without it a file a long reader made large stays that large. Twice
 * what it holds between checkpoints (CKPT_FRAMES), so that it is not cut
 * and grown again every time. A larger file is cut by at most
 * WAL_CUT_BYTES each time it starts over: the cut is the writer's, and
 * freeing 300 MiB at once took it 0.1 to 0.3 s here. */
#define WAL_KEEP_BYTES (8LL << 20)
#define WAL_CUT_BYTES (32LL << 20)

/* Sets the writer connection's journal_size_limit (see WAL_KEEP_BYTES). */
static int set_wal_limit(struct rg_store *s, int64_t bytes, char *err, size_t errlen)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit = %lld", (long long)bytes);
	int rc = exec(s->db, sql, err, errlen);
	if (rc == SQLITE_OK)
		s->wal_limit = bytes;
	return rc;
}

/* SQLite opens these by name next to the database (-journal only while a
 * new file turns to WAL). -wal and -shm are made now, 0600 and ours, so
 * that no one else can create them first in a shared directory; SQLite
 * gives the -journal it makes the database's owner and mode. */
static const struct rg_companion db_companions[] = {
	{"-wal", true}, {"-shm", true}, {"-journal", false}, {NULL, false},
};

/* The file is checked, created 0600 and locked (outfile.h) before SQLite
 * touches it: a second recorder is refused before any write. */
static int open_db(struct rg_store *s, const char *path, char *err, size_t errlen, int *code)
{
	char msg[256];
	const struct rg_outfile how = {O_RDWR, false, db_companions};
	s->lock_fd = rg_outfile_open(path, &how, err, errlen, code);
	if (s->lock_fd < 0)
		return -1;
	*code = 1; /* from here on, what fails is a runtime error */
	/* NOMUTEX: one thread at a time uses the connection (see the top of
	 * this file), so SQLite's per-call connection mutex is pure cost: it
	 * was the largest item in a profile of a busy recorder. */
	int rc = sqlite3_open_v2(path, &s->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		return -1;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (exec(s->db, "PRAGMA journal_mode = WAL", msg, sizeof(msg)) ||
	    exec(s->db, "PRAGMA synchronous = NORMAL", msg, sizeof(msg)) ||
	    set_wal_limit(s, WAL_KEEP_BYTES, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return -1;
	}
	s->wal_path = strdup(sqlite3_filename_wal(sqlite3_db_filename(s->db, "main")));
	if (!s->wal_path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (migrate(s->db, path, err, errlen) || prepare_all(s, err, errlen))
		return -1;
	return 0;
}

static void free_store(struct rg_store *s)
{
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		sqlite3_finalize(s->ins_event[t]);
		sqlite3_finalize(s->ins_group[t]);
	}
	sqlite3_finalize(s->ins_process);
	sqlite3_finalize(s->ins_health);
	sqlite3_finalize(s->ins_gap);
	sqlite3_finalize(s->ins_alert);
	sqlite3_finalize(s->ins_meta);
	sqlite3_finalize(s->ins_seed);
	sqlite3_close(s->ck.db);
	sqlite3_close(s->db);
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* after SQLite's close: see outfile.h */
	free(s->wal_path);
	for (unsigned i = 0; i < s->count; i++)
		free(s->q[(s->head + i) % s->cap]);
	free(s->q);
	rg_buf_free(&s->scratch);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->wake);
	pthread_cond_destroy(&s->idle);
	pthread_cond_destroy(&s->ck.wake);
	free(s);
}

/* SQLite's memory statistics take a global mutex on every allocation;
 * nothing here reads them. Must precede SQLite's initialization. */
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct rg_store *rg_store_open(const char *path, const struct rg_store_opts *o, char *err,
			       size_t errlen, int *code)
{
	int ignored;
	code = code ? code : &ignored;
	*code = 1;
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_setup);
	struct rg_store *s = rg_calloc(1, sizeof(*s));
	pthread_condattr_t ca;
	s->o = *o;
	s->lock_fd = -1;
	/* A reserve an eighth the size holds rows a rule matched (the alert
	 * and its event) when the queue is otherwise full. */
	s->limit = (unsigned)o->queue_events;
	s->cap = s->limit + (s->limit / 8 > 16 ? s->limit / 8 : 16);
	s->q = rg_calloc(s->cap, sizeof(*s->q));
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &ca);
	pthread_cond_init(&s->ck.wake, &ca);
	pthread_cond_init(&s->idle, NULL);
	pthread_condattr_destroy(&ca);
	if (open_db(s, path, err, errlen, code)) {
		free_store(s);
		return NULL;
	}
	return s;
}

/* ---- reads used at start-up ------------------------------------------------ */

void rg_store_max_ids(struct rg_store *s, uint64_t *max_seq, int64_t *max_proc_id)
{
	char sql[128];
	int64_t m = rg_sql_int(s->db, "SELECT max(seq) FROM health", 0);
	int64_t a = rg_sql_int(s->db, "SELECT max(seq) FROM alerts", 0);
	m = a > m ? a : m;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		snprintf(sql, sizeof(sql), "SELECT max(seq) FROM %s", rg_event_tables[t].name);
		int64_t v = rg_sql_int(s->db, sql, 0);
		m = v > m ? v : m;
	}
	*max_seq = (uint64_t)m;
	*max_proc_id = rg_sql_int(s->db, "SELECT max(proc_id) FROM processes", 0);
}

void rg_store_live_processes(struct rg_store *s, const char *boot_id,
			     void (*fn)(void *arg, int64_t proc_id, uint32_t pid,
					uint64_t start_boot_ns),
			     void *arg)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT proc_id, pid, start_boot_ns FROM processes "
				      "WHERE boot_id = ? AND exit_ns IS NULL", -1, &st, NULL))
		return;
	sqlite3_bind_text(st, 1, boot_id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		fn(arg, sqlite3_column_int64(st, 0), (uint32_t)sqlite3_column_int64(st, 1),
		   (uint64_t)sqlite3_column_int64(st, 2));
	sqlite3_finalize(st);
}

/* ---- binding and writing one row --------------------------------------------- */

static void bind_text(sqlite3_stmt *st, int i, struct rg_str v)
{
	if (v.p)
		sqlite3_bind_text(st, i, v.p, (int)v.len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_cmdline(struct rg_store *s, sqlite3_stmt *st, int i, struct rg_str argv)
{
	if (!argv.p) {
		sqlite3_bind_null(st, i);
		return;
	}
	s->scratch.len = 0;
	rg_buf_add_cmdline(&s->scratch, argv);
	sqlite3_bind_text(st, i, s->scratch.p ? s->scratch.p : "", (int)s->scratch.len,
			  SQLITE_TRANSIENT);
}

static void bind_field(struct rg_store *s, sqlite3_stmt *st, int i, const struct rg_field *f,
		       const struct rg_event *ev)
{
	if (!(f->types & RG_ET_BIT(ev->type)) || rg_field_is_null(f, ev)) {
		sqlite3_bind_null(st, i);
		return;
	}
	switch (f->type) {
	case RG_FT_ETYPE:
		sqlite3_bind_text(st, i, rg_etype_name(ev->type), -1, SQLITE_STATIC);
		break;
	case RG_FT_STR: case RG_FT_CSTR:
		bind_text(st, i, rg_field_str(f, ev));
		break;
	case RG_FT_ARGV: {
		struct rg_str a = rg_field_str(f, ev);
		sqlite3_bind_blob(st, i, a.p, (int)a.len, SQLITE_STATIC);
		break;
	}
	case RG_FT_CMDLINE:
		bind_cmdline(s, st, i, rg_field_str(f, ev));
		break;
	default:
		sqlite3_bind_int64(st, i, rg_field_int(f, ev));
	}
}

/* The event table ev goes to; RG_N_EVENT_TABLES for none. */
static unsigned event_table(const struct rg_event *ev)
{
	unsigned t = 0;
	while (t < RG_N_EVENT_TABLES && !(rg_event_tables[t].types & RG_ET_BIT(ev->type)))
		t++;
	return t;
}

/* Binds ev as the row of table t whose first parameter is after + 1. */
static void bind_event_row(struct rg_store *s, sqlite3_stmt *st, unsigned t, int after,
			   const struct rg_event *ev)
{
	for (unsigned i = 0; i < rg_nfields; i++)
		if (rg_fields[i].types & rg_event_tables[t].types)
			bind_field(s, st, ++after, &rg_fields[i], ev);
}

static sqlite3_stmt *bind_event(struct rg_store *s, const struct rg_event *ev)
{
	unsigned t = event_table(ev);
	if (t == RG_N_EVENT_TABLES)
		return NULL;
	bind_event_row(s, s->ins_event[t], t, 0, ev);
	return s->ins_event[t];
}

static const char *source_name(enum rg_proc_source src)
{
	return src == RG_PSRC_PROC ? "proc" : src == RG_PSRC_FORK ? "fork" : "exec";
}

static void bind_opt(sqlite3_stmt *st, int i, int64_t v, bool known)
{
	if (known)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static sqlite3_stmt *bind_process(struct rg_store *s, const struct rg_process *p)
{
	sqlite3_stmt *st = s->ins_process;
	int i = 0;
	sqlite3_bind_int64(st, ++i, p->proc_id);
	sqlite3_bind_text(st, ++i, s->boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, ++i, p->pid);
	sqlite3_bind_int64(st, ++i, (int64_t)p->start_boot_ns);
	sqlite3_bind_int64(st, ++i, p->start_ns);
	bind_opt(st, ++i, p->ppid, p->ppid != 0);
	bind_opt(st, ++i, p->parent_proc_id, p->parent_proc_id != 0);
	const uint32_t ids[] = {p->uid, p->gid, p->euid, p->auid, p->sessionid};
	for (unsigned k = 0; k < sizeof(ids) / sizeof(ids[0]); k++)
		sqlite3_bind_int64(st, ++i, ids[k]);
	bind_text(st, ++i, p->comm);
	bind_text(st, ++i, p->exe);
	bind_cmdline(s, st, ++i, p->argv);
	if (p->argv.p)
		sqlite3_bind_blob(st, ++i, p->argv.p, (int)p->argv.len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, ++i);
	bind_text(st, ++i, p->cwd);
	sqlite3_bind_int(st, ++i, !!(p->flags & RG_EF_EXE_TRUNC));
	sqlite3_bind_int(st, ++i, !!(p->flags & RG_EF_ARGV_TRUNC));
	sqlite3_bind_int(st, ++i, !!(p->flags & RG_EF_CWD_TRUNC));
	sqlite3_bind_int(st, ++i, !!(p->flags & RG_EF_EXE_MEMFD));
	sqlite3_bind_int(st, ++i, !!(p->flags & RG_EF_EXE_DELETED));
	sqlite3_bind_text(st, ++i, source_name(p->source), -1, SQLITE_STATIC);
	bind_opt(st, ++i, p->exit_ns, p->exited);
	bind_opt(st, ++i, p->exit_code, p->exited);
	bind_opt(st, ++i, p->signal, p->exited);
	return st;
}

static sqlite3_stmt *bind_seed(struct rg_store *s, const struct rg_process *p)
{
	sqlite3_stmt *st = s->ins_seed;
	sqlite3_bind_int64(st, 1, s->run_id);
	sqlite3_bind_int64(st, 2, p->proc_id);
	bind_opt(st, 3, p->parent_proc_id, p->parent_proc_id != 0);
	sqlite3_bind_int64(st, 4, p->uid);
	sqlite3_bind_int64(st, 5, p->euid);
	sqlite3_bind_int64(st, 6, p->auid);
	bind_text(st, 7, p->comm);
	bind_text(st, 8, p->exe);
	if (p->argv.p)
		sqlite3_bind_blob(st, 9, p->argv.len ? p->argv.p : "", (int)p->argv.len,
				  SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 9);
	return st;
}

static sqlite3_stmt *bind_health(struct rg_store *s, const struct rg_health *h)
{
	sqlite3_stmt *st = s->ins_health;
	int i = 0;
	sqlite3_bind_int64(st, ++i, (int64_t)h->seq);
	sqlite3_bind_int64(st, ++i, h->ts_ns);
	sqlite3_bind_int64(st, ++i, h->run_id);
#define RG_HEALTH_BIND(name, kind, what) sqlite3_bind_int64(st, ++i, (int64_t)h->name);
	RG_HEALTH_FIELDS(RG_HEALTH_BIND)
#undef RG_HEALTH_BIND
	return st;
}

static sqlite3_stmt *bind_gap(struct rg_store *s, const struct rg_gap *g)
{
	sqlite3_stmt *st = s->ins_gap;
	sqlite3_bind_int64(st, 1, g->run_id);
	sqlite3_bind_int64(st, 2, g->start_ns);
	sqlite3_bind_int64(st, 3, g->end_ns);
	sqlite3_bind_int64(st, 4, (int64_t)g->count);
	sqlite3_bind_text(st, 5, g->reason, -1, SQLITE_STATIC);
	if (g->rule_id.p)
		sqlite3_bind_text(st, 6, g->rule_id.p, (int)g->rule_id.len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	return st;
}

static sqlite3_stmt *bind_alert(struct rg_store *s, const struct rg_alert *a)
{
	sqlite3_stmt *st = s->ins_alert;
	int i = 0;
	sqlite3_bind_int64(st, ++i, (int64_t)a->seq);
	sqlite3_bind_int64(st, ++i, a->ts_ns);
	bind_text(st, ++i, a->rule_id);
	bind_text(st, ++i, a->rule_name);
	bind_text(st, ++i, a->severity);
	bind_text(st, ++i, a->tags);
	sqlite3_bind_int64(st, ++i, (int64_t)a->event_seq);
	sqlite3_bind_text(st, ++i, rg_etype_name(a->event_type), -1, SQLITE_STATIC);
	bind_opt(st, ++i, a->proc_id, a->proc_id != 0);
	sqlite3_bind_int64(st, ++i, a->pid);
	bind_text(st, ++i, a->exe);
	bind_text(st, ++i, a->summary);
	bind_text(st, ++i, a->rules_digest);
	if (a->nsteps) { /* a JSON array: json_each() joins it to the events */
		char steps[RG_ALERT_STEPS_JSON];
		rg_alert_steps_json(a, steps, sizeof(steps));
		sqlite3_bind_text(st, ++i, steps, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_null(st, ++i);
	}
	return st;
}

static sqlite3_stmt *bind_meta(struct rg_store *s, const struct meta_row *m)
{
	bind_text(s->ins_meta, 1, m->key);
	bind_text(s->ins_meta, 2, m->value);
	return s->ins_meta;
}

/* Inserts one row; returns SQLITE_DONE on success. */
static int write_item(struct rg_store *s, const struct item *it)
{
	sqlite3_stmt *st = NULL;
	switch (it->kind) {
	case IT_EVENT: st = bind_event(s, &it->u.ev); break;
	case IT_PROCESS: st = bind_process(s, &it->u.proc); break;
	case IT_HEALTH: st = bind_health(s, &it->u.h); break;
	case IT_GAP: st = bind_gap(s, &it->u.g); break;
	case IT_ALERT: st = bind_alert(s, &it->u.a); break;
	case IT_META: st = bind_meta(s, &it->u.m); break;
	case IT_SEED: st = bind_seed(s, &it->u.proc); break;
	}
	if (!st)
		return SQLITE_MISUSE;
	int rc = sqlite3_step(st); /* every parameter is bound for every row */
	sqlite3_reset(st);
	return rc;
}

/* The wall-clock instant a row is about, for the gap of a failed row. */
static int64_t item_ts(const struct item *it)
{
	switch (it->kind) {
	case IT_EVENT: return it->u.ev.ts_ns;
	case IT_PROCESS: /* an exec of a long-lived process: now, not its start */
		return it->u.proc.exited ? it->u.proc.exit_ns : rg_wall_ns();
	case IT_HEALTH: return it->u.h.ts_ns;
	case IT_GAP: return it->u.g.end_ns;
	case IT_ALERT: return it->u.a.ts_ns;
	case IT_META: return rg_wall_ns();
	case IT_SEED: return it->u.proc.start_ns;
	}
	return 0;
}

/* ---- the batch ----------------------------------------------------------- */

struct batch_result {
	uint64_t rows[N_KINDS]; /* by item kind */
	uint64_t grouped;       /* of rows[IT_EVENT]: by a group's statement */
	uint64_t events[RG_N_EVENT_TABLES]; /* event rows by table */
	uint64_t failed;
	int64_t fail_start, fail_end;
	const char *errmsg;
};

static void note_failure(struct batch_result *r, int64_t ts)
{
	if (!r->failed++ || ts < r->fail_start)
		r->fail_start = ts;
	if (ts > r->fail_end)
		r->fail_end = ts;
}

/* Reports failures on stderr at most every 10 s: the counters and gap rows
 * carry the numbers, this tells the operator why. */
static void complain(struct rg_store *s, const char *what)
{
	int64_t now = rg_mono_ns();
	if (s->last_complaint && now - s->last_complaint < 10000000000LL)
		return;
	s->last_complaint = now;
	fprintf(stderr, "rand-guard: store: %s\n", what);
}

static void write_one(struct rg_store *s, const struct item *it, struct batch_result *r)
{
	if (write_item(s, it) == SQLITE_DONE) {
		r->rows[it->kind]++;
		if (it->kind == IT_EVENT)
			r->events[event_table(&it->u.ev)]++;
	} else {
		note_failure(r, item_ts(it));
		complain(s, sqlite3_errmsg(s->db));
	}
}

/* Inserts n rows of event table t: with one statement when they are a
 * full group, else (a batch's remainder, or a group that failed, so that
 * one bad row does not take the others with it) one by one. Stops when
 * SQLite has rolled the batch's transaction back (see write_batch). */
static void write_group(struct rg_store *s, unsigned t, struct item **g, unsigned n,
			struct batch_result *r)
{
	if (n == GROUP_ROWS && s->ins_group[t]) {
		sqlite3_stmt *st = s->ins_group[t];
		for (unsigned k = 0; k < n; k++)
			bind_event_row(s, st, t, (int)k * s->event_cols[t], &g[k]->u.ev);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_DONE) {
			r->rows[IT_EVENT] += n;
			r->events[t] += n;
			r->grouped += n;
			return;
		}
	}
	for (unsigned k = 0; k < n && !sqlite3_get_autocommit(s->db); k++)
		write_one(s, g[k], r);
}

/* Adds a batch's failed rows to the rows still waiting for their gap row. */
static void add_unrecorded(struct rg_store *s, const struct batch_result *r)
{
	if (!r->failed)
		return;
	if (!s->unrecorded.count || r->fail_start < s->unrecorded.start)
		s->unrecorded.start = r->fail_start;
	if (!s->unrecorded.count || r->fail_end > s->unrecorded.end)
		s->unrecorded.end = r->fail_end;
	s->unrecorded.count += r->failed;
}

/* Writes the store_failure gap row for the rows lost so far, if any (the
 * lost rows are themselves a gap in the record); on success they are no
 * longer waiting. */
static void write_unrecorded(struct rg_store *s, struct batch_result *r)
{
	if (!s->unrecorded.count)
		return;
	struct item gi = {.kind = IT_GAP,
			  .u.g = {s->run_id, s->unrecorded.start, s->unrecorded.end,
				  s->unrecorded.count, "store_failure"}};
	if (write_item(s, &gi) == SQLITE_DONE) {
		r->rows[IT_GAP]++;
		s->unrecorded.count = 0;
	}
}

static void write_batch(struct rg_store *s, struct item **items, unsigned n)
{
	struct batch_result r = {0};
	int64_t t0 = rg_mono_ns();

	struct item *group[RG_N_EVENT_TABLES][GROUP_ROWS];
	unsigned waiting[RG_N_EVENT_TABLES] = {0};
	struct unrecorded before = s->unrecorded;

	/* Rows of different tables may be inserted out of their queue order:
	 * they commit together, and no row refers to another's rowid. On some
	 * errors (I/O, a full disk) SQLite rolls the transaction back itself:
	 * the batch stops there, or its later rows would each commit alone
	 * while the batch is counted as lost. */
	bool open = exec(s->db, "BEGIN", NULL, 0) == SQLITE_OK;
	for (unsigned i = 0; open && i < n; i++) {
		unsigned t = items[i]->kind == IT_EVENT ? event_table(&items[i]->u.ev)
							: RG_N_EVENT_TABLES;
		if (t == RG_N_EVENT_TABLES) {
			write_one(s, items[i], &r);
		} else {
			group[t][waiting[t]++] = items[i];
			if (waiting[t] == GROUP_ROWS) {
				write_group(s, t, group[t], GROUP_ROWS, &r);
				waiting[t] = 0;
			}
		}
		open = !sqlite3_get_autocommit(s->db);
	}
	for (unsigned t = 0; open && t < RG_N_EVENT_TABLES; t++) {
		write_group(s, t, group[t], waiting[t], &r);
		open = !sqlite3_get_autocommit(s->db);
	}
	/* The gap row of rows lost (here or before) commits with the rest. If
	 * its insert makes SQLite roll back (a full disk), the batch goes with
	 * it and is counted lost below, as after any rollback. */
	if (open) {
		add_unrecorded(s, &r);
		write_unrecorded(s, &r);
		open = !sqlite3_get_autocommit(s->db);
	}
	if (!open || exec(s->db, "COMMIT", NULL, 0) != SQLITE_OK) {
		complain(s, sqlite3_errmsg(s->db));
		exec(s->db, "ROLLBACK", NULL, 0);
		memset(&r, 0, sizeof(r));
		for (unsigned i = 0; i < n; i++)
			note_failure(&r, item_ts(items[i]));
		s->unrecorded = before; /* a gap row written in the batch went with it */
		add_unrecorded(s, &r);
		write_unrecorded(s, &r); /* alone, if the database takes anything */
	}
	uint64_t us = (uint64_t)(rg_mono_ns() - t0) / 1000;

	pthread_mutex_lock(&s->mu);
	s->st.rows_process_events += r.events[0];
	s->st.rows_file_events += r.events[1];
	s->st.rows_network_events += r.events[2];
	s->st.rows_processes += r.rows[IT_PROCESS];
	s->st.rows_health += r.rows[IT_HEALTH];
	s->st.rows_gaps += r.rows[IT_GAP];
	s->st.rows_alerts += r.rows[IT_ALERT];
	s->st.store_failures += r.failed;
	s->st.rows_grouped += r.grouped;
	s->st.batches++;
	if (us > s->st.batch_commit_us_max)
		s->st.batch_commit_us_max = us;
	pthread_mutex_unlock(&s->mu);
	for (unsigned i = 0; i < n; i++)
		free(items[i]);
}

/* Takes up to batch_rows rows off the queue (mu held). */
static unsigned take(struct rg_store *s, struct item **out)
{
	unsigned n = s->count < (unsigned)s->o.batch_rows ? s->count : (unsigned)s->o.batch_rows;
	for (unsigned i = 0; i < n; i++) {
		out[i] = s->q[s->head];
		s->head = (s->head + 1) % s->cap;
	}
	s->count -= n;
	return n;
}

/* True when the writer should write now rather than wait (mu held). */
static bool due(struct rg_store *s)
{
	if (!s->count)
		return false;
	return s->stop || s->count >= (unsigned)s->o.batch_rows || s->done < s->flush_to ||
	       rg_mono_ns() - s->first_at >= (int64_t)s->o.batch_ms * 1000000;
}

/* Writes batches until the queue is empty and stop is set (or, called
 * without a thread, until the queue is empty). */
/* ---- retention ---------------------------------------------------------------- */

#define PRUNE_ROWS 2000       /* event rows per table per step: a short transaction */
#define PRUNE_BUDGET_NS 200000000 /* steps per turn (between batches, once a
				   * second) until this is spent: ingest waits
				   * at most one step */

static int64_t used_bytes(sqlite3 *db)
{
	return (rg_sql_int(db, "PRAGMA page_count", 0) - rg_sql_int(db, "PRAGMA freelist_count", 0)) *
	       rg_sql_int(db, "PRAGMA page_size", 0);
}

/* Grows the one `pruned` gap (continuing an earlier run's) to end at
 * `end` with n more rows. */
static int record_pruned(sqlite3 *db, int64_t run_id, int64_t start, int64_t end, int64_t n)
{
	char sql[320];
	int64_t id = rg_sql_int(db, "SELECT max(gap_id) FROM gaps WHERE reason = 'pruned'", 0);
	if (id)
		snprintf(sql, sizeof(sql), "UPDATE gaps SET end_ns = max(end_ns, %lld), count = count + "
			 "%lld WHERE gap_id = %lld", (long long)end, (long long)n, (long long)id);
	else
		snprintf(sql, sizeof(sql), "INSERT INTO gaps (run_id, start_ns, end_ns, count, reason) "
			 "VALUES (%lld, %lld, %lld, %lld, 'pruned')", (long long)run_id,
			 (long long)start, (long long)end, (long long)n);
	return exec(db, sql, NULL, 0);
}

/* One step: the oldest event rows older than the age cutoff, or simply the
 * oldest while the data is over the size bound; then alerts, health rows
 * and gaps older than what is left. Returns the event rows removed. */
static int64_t prune_step(struct rg_store *s, int64_t cutoff)
{
	char sql[320];
	int64_t start = INT64_MAX, end = INT64_MIN, full_end = INT64_MAX, n = 0;
	if (exec(s->db, "BEGIN", NULL, 0))
		return 0;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		const char *name = rg_event_tables[t].name;
		snprintf(sql, sizeof(sql), "SELECT min(ts_ns), max(ts_ns), count(*) FROM (SELECT "
			 "ts_ns FROM %s WHERE ts_ns < %lld ORDER BY ts_ns LIMIT %d)", name,
			 (long long)cutoff, PRUNE_ROWS);
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 2) > 0) {
			int64_t lo = sqlite3_column_int64(st, 0), hi = sqlite3_column_int64(st, 1);
			start = lo < start ? lo : start;
			end = hi > end ? hi : end;
			/* a table that has more than a step's rows to go bounds the
			 * step: the others give only their rows up to that time */
			if (sqlite3_column_int64(st, 2) == PRUNE_ROWS && hi < full_end)
				full_end = hi;
		}
		sqlite3_finalize(st);
	}
	if (end == INT64_MIN) {
		exec(s->db, "ROLLBACK", NULL, 0);
		return 0;
	}
	if (full_end != INT64_MAX)
		end = full_end;
	/* everything up to `end` goes, in every table: coverage then begins
	 * after the pruned range, never with holes inside it */
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE ts_ns <= %lld",
			 rg_event_tables[t].name, (long long)end);
		if (exec(s->db, sql, NULL, 0))
			goto fail;
		n += sqlite3_changes(s->db);
	}
	snprintf(sql, sizeof(sql), "DELETE FROM alerts WHERE ts_ns <= %lld; DELETE FROM health "
		 "WHERE ts_ns <= %lld; DELETE FROM gaps WHERE end_ns <= %lld AND reason != 'pruned'",
		 (long long)end, (long long)end, (long long)end);
	if (exec(s->db, sql, NULL, 0) || record_pruned(s->db, s->run_id, start, end, n) ||
	    exec(s->db, "COMMIT", NULL, 0))
		goto fail;
	return n;
fail:
	complain(s, sqlite3_errmsg(s->db));
	exec(s->db, "ROLLBACK", NULL, 0);
	return 0;
}

/* Between batches: steps while anything is older than max_age or the
 * data is larger than max_size, for at most 200 ms a second (the file
 * keeps its size; freed pages are reused). */
static void prune(struct rg_store *s)
{
	int64_t now = rg_mono_ns();
	if ((!s->o.max_age_s && !s->o.max_size_mb) ||
	    now - s->last_prune < (int64_t)s->o.prune_interval_ms * 1000000)
		return;
	s->last_prune = now;
	int64_t turn_wall = rg_wall_ns();
	int64_t pruned = 0;
	while (rg_mono_ns() - now < PRUNE_BUDGET_NS) {
		int64_t cutoff = INT64_MIN;
		if (s->o.max_age_s)
			cutoff = rg_wall_ns() - s->o.max_age_s * 1000000000LL;
		/* over the size bound: the oldest, whatever their age, but only
		 * rows that were there at the last turn, never the newest (what is
		 * never pruned, processes rows, may alone pass the bound) */
		if (s->o.max_size_mb && used_bytes(s->db) > s->o.max_size_mb * 1048576 &&
		    s->prev_prune_wall > cutoff)
			cutoff = s->prev_prune_wall;
		int64_t n = cutoff == INT64_MIN ? 0 : prune_step(s, cutoff);
		if (!n)
			break;
		pruned += n;
	}
	s->prev_prune_wall = turn_wall;
	if (s->o.max_age_s) { /* what is old goes even without old events */
		char sql[256];
		int64_t cut = rg_wall_ns() - s->o.max_age_s * 1000000000LL;
		snprintf(sql, sizeof(sql), "DELETE FROM health WHERE ts_ns < %lld; DELETE FROM alerts "
			 "WHERE ts_ns < %lld", (long long)cut, (long long)cut);
		exec(s->db, sql, NULL, 0);
	}
	if (pruned) {
		pthread_mutex_lock(&s->mu);
		s->st.rows_pruned += (uint64_t)pruned;
		pthread_mutex_unlock(&s->mu);
	}
}

static void run_writer(struct rg_store *s, bool threaded)
{
	struct item **batch = rg_malloc(sizeof(*batch) * (size_t)s->o.batch_rows);
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (threaded && !due(s) && !(s->stop && !s->count)) {
			int64_t wait = s->count ? s->first_at : rg_mono_ns();
			wait += (int64_t)s->o.batch_ms * 1000000;
			struct timespec ts = {wait / 1000000000, wait % 1000000000};
			pthread_cond_timedwait(&s->wake, &s->mu, &ts);
		}
		if (!s->count)
			break;
		unsigned n = take(s, batch);
		int64_t keep = s->ck.keep;
		pthread_mutex_unlock(&s->mu);
		if (keep && keep != s->wal_limit)
			set_wal_limit(s, keep, NULL, 0);
		write_batch(s, batch, n);
		if (threaded) /* not while closing: the last health row is written */
			prune(s);
		pthread_mutex_lock(&s->mu);
		s->done += n;
		pthread_cond_broadcast(&s->idle);
	}
	pthread_mutex_unlock(&s->mu);
	free(batch);
}

/* The writer only writes the database it was given open: it gives up
 * every capability first (they are per thread: caps.h). */
static void *writer_main(void *arg)
{
	pthread_setname_np(pthread_self(), "rg-writer"); /* for top -H, ps -L */
	rg_caps_drop_all();
	run_writer(arg, true);
	return NULL;
}

/* ---- the checkpointer ------------------------------------------------------ */

/* SQLite checkpoints by default inside the commit that leaves the WAL
 * past 1000 pages, on the committing thread. While a reader holds an old
 * snapshot, that checkpoint cannot copy the frames after it, so the WAL
 * grows; when the reader ends, the next commit copies all of it back
 * first: with a reader that held 779 MiB, one commit took 5.8 s and the
 * queue behind it overflowed. Here the writer's connection never
 * checkpoints (its WAL hook replaces that), and a thread of its own, with
 * its own connection, runs PASSIVE checkpoints: they take no lock a
 * writer needs and never wait for readers; the writer goes on committing
 * while one copies. Once a pass has copied every frame and no reader uses
 * the WAL, the writer's next transaction starts it over from the
 * beginning (SQLite does that by itself) and its commit cuts the file
 * back toward WAL_KEEP_BYTES, by WAL_CUT_BYTES at a time. */

#define CKPT_FRAMES 1000                /* a pass once the WAL holds this many pages */
#define CKPT_RETRY_NS 200000000LL      /* while a reader holds it: a pass this often */
#define CKPT_REPORT_NS 60000000000LL   /* a reader still holding it: said this often */

/* The writer connection's WAL hook, run after each of its commits: notes
 * the WAL's length and wakes the checkpointer when a pass is due. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct rg_store *s = arg;
	(void)db;
	(void)name;
	pthread_mutex_lock(&s->mu);
	s->ck.frames = frames;
	s->ck.commits++;
	if (frames >= CKPT_FRAMES)
		pthread_cond_signal(&s->ck.wake);
	pthread_mutex_unlock(&s->mu);
	return SQLITE_OK;
}

static int64_t file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) ? 0 : (int64_t)sb.st_size;
}

/* Says on stderr, once when it starts, every minute while it lasts and
 * when it ends, that a reader holds the WAL past wal_warn_mb; counts each
 * time (wal_pinned). wal is the WAL file's size after a pass. */
static void note_pin(struct rg_store *s, int64_t wal)
{
	int64_t warn = s->o.wal_warn_mb * 1048576, now = rg_mono_ns();
	if (s->ck.pinned && wal > s->ck.pin_peak)
		s->ck.pin_peak = wal;
	if (s->ck.pinned && !s->ck.blocked) {
		s->ck.pinned = false;
		fprintf(stderr, "rand-guard: store: the reader let the WAL go at %lld MiB; it has "
			"been copied back\n", (long long)(s->ck.pin_peak >> 20));
		return;
	}
	/* one pass alone may meet the writer's own transaction as it ends */
	if (!warn || s->ck.blocked < 2 || wal <= warn)
		return;
	if (s->ck.pinned && now - s->ck.last_report < CKPT_REPORT_NS)
		return;
	if (!s->ck.pinned) {
		pthread_mutex_lock(&s->mu);
		s->st.wal_pinned++;
		pthread_mutex_unlock(&s->mu);
		s->ck.pinned = true;
		s->ck.pin_peak = wal;
	}
	s->ck.last_report = now;
	fprintf(stderr, "rand-guard: store: a reader's transaction holds the WAL at %lld MiB "
		"(past [store] wal_warn_mb = %lld); it cannot be copied back or shrink until "
		"that transaction ends\n", (long long)(wal >> 20), (long long)s->o.wal_warn_mb);
}

/* One PASSIVE checkpoint: copies the frames no reader still needs into
 * the database file, without waiting for anyone. */
static void ckpt_pass(struct rg_store *s)
{
	int log = 0, copied = 0;
	int64_t t0 = rg_mono_ns();
	int rc = sqlite3_wal_checkpoint_v2(s->ck.db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log,
					   &copied);
	s->ck.last_pass = rg_mono_ns();
	uint64_t us = (uint64_t)(s->ck.last_pass - t0) / 1000;
	/* SQLITE_BUSY: another connection's checkpoint was running */
	bool left = rc != SQLITE_OK || copied < log;
	s->ck.blocked = left ? s->ck.blocked + 1 : 0;
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		fprintf(stderr, "rand-guard: store: checkpoint: %s\n", sqlite3_errmsg(s->ck.db));
	int64_t wal = file_size(s->wal_path);
	pthread_mutex_lock(&s->mu);
	s->st.checkpoints++;
	s->st.checkpoints_blocked += left;
	if (us > s->st.checkpoint_us_max)
		s->st.checkpoint_us_max = us;
	s->ck.keep = wal > WAL_KEEP_BYTES + WAL_CUT_BYTES ? wal - WAL_CUT_BYTES : WAL_KEEP_BYTES;
	pthread_mutex_unlock(&s->mu);
	note_pin(s, wal);
}

/* True when a pass is due (mu held): the WAL is long and the writer
 * committed since the last pass, or (a reader held the last one back) it
 * is time to try again. Otherwise *until is when to look again. */
static bool ckpt_due(struct rg_store *s, int64_t now, int64_t *until)
{
	if (s->ck.frames < CKPT_FRAMES)
		return false;
	if (!s->ck.blocked)
		return s->ck.commits != s->ck.seen;
	*until = s->ck.last_pass + CKPT_RETRY_NS;
	return now >= *until;
}

static void *ckpt_main(void *arg)
{
	struct rg_store *s = arg;
	pthread_setname_np(pthread_self(), "rg-checkpoint");
	rg_caps_drop_all();
	pthread_mutex_lock(&s->mu);
	while (!s->ck.stop) {
		int64_t now = rg_mono_ns(), until = now + 1000000000;
		if (!ckpt_due(s, now, &until)) {
			struct timespec ts = {until / 1000000000, until % 1000000000};
			pthread_cond_timedwait(&s->ck.wake, &s->mu, &ts);
			continue;
		}
		s->ck.seen = s->ck.commits;
		pthread_mutex_unlock(&s->mu);
		ckpt_pass(s);
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Opens the checkpointer's connection and starts its thread, and from
 * then on the writer's commits only wake it. If it cannot start, the
 * writer's connection keeps checkpointing itself (SQLite's default), and
 * stderr says so. */
static void start_checkpointer(struct rg_store *s)
{
	int rc = sqlite3_open_v2(sqlite3_db_filename(s->db, "main"), &s->ck.db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc == SQLITE_OK)
		rc = exec(s->ck.db, "PRAGMA synchronous = NORMAL", NULL, 0);
	/* a first read opens the WAL and its index here, with the caller's
	 * privileges, rather than in the thread that has none */
	if (rc == SQLITE_OK && rg_sql_int(s->ck.db, "SELECT count(*) FROM sqlite_master", -1) < 0)
		rc = SQLITE_ERROR;
	if (rc == SQLITE_OK) {
		sqlite3_wal_hook(s->db, on_commit, s);
		rc = pthread_create(&s->ck.thread, NULL, ckpt_main, s);
	}
	if (rc != 0) {
		fprintf(stderr, "rand-guard: store: no checkpointer thread (%s): the writer "
			"checkpoints, and a long reader can stall it\n",
			s->ck.db ? sqlite3_errmsg(s->ck.db) : "out of memory");
		sqlite3_wal_autocheckpoint(s->db, CKPT_FRAMES);
		sqlite3_close(s->ck.db);
		s->ck.db = NULL;
		return;
	}
	s->ck.running = true;
}

static void stop_checkpointer(struct rg_store *s)
{
	if (!s->ck.running)
		return;
	pthread_mutex_lock(&s->mu);
	s->ck.stop = true;
	pthread_cond_signal(&s->ck.wake);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->ck.thread, NULL);
	s->ck.running = false;
	sqlite3_close(s->ck.db);
	s->ck.db = NULL;
}

/* ---- the queue ----------------------------------------------------------- */

/* A full queue drops the row, unless it is one the record needs most
 * (keep: see rg_store_put_event) and the reserve has room. */
static void enqueue(struct rg_store *s, struct item *it, bool keep)
{
	pthread_mutex_lock(&s->mu);
	if (s->count >= (keep ? s->cap : s->limit)) {
		s->st.user_drops++;
		unsigned t = it->kind == IT_EVENT ? event_table(&it->u.ev) : RG_N_EVENT_TABLES;
		if (t < RG_N_EVENT_TABLES) {
			s->st.user_drops_by_table[t]++;
			int64_t ts = it->u.ev.ts_ns;
			if (!s->st.user_drop_oldest_ns || ts < s->st.user_drop_oldest_ns)
				s->st.user_drop_oldest_ns = ts;
		}
		pthread_mutex_unlock(&s->mu);
		free(it);
		return;
	}
	if (s->count >= s->limit)
		s->st.reserve_used++;
	if (!s->count)
		s->first_at = rg_mono_ns();
	s->q[(s->head + s->count) % s->cap] = it;
	s->count++;
	s->queued++;
	if (s->count == (unsigned)s->o.batch_rows)
		pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->mu);
}

/* Copies row (size bytes) and the strings at str_offs inside it. */
static struct item *copy_item(enum item_kind kind, const void *row, size_t size,
			      const size_t *str_offs, unsigned nstr)
{
	size_t extra = 0;
	for (unsigned i = 0; i < nstr; i++) {
		const struct rg_str *v = (const void *)((const char *)row + str_offs[i]);
		extra += v->p ? v->len : 0;
	}
	struct item *it = rg_malloc(sizeof(*it) + extra);
	it->kind = kind;
	memcpy(&it->u, row, size);
	char *d = it->data;
	for (unsigned i = 0; i < nstr; i++) {
		struct rg_str *v = (void *)((char *)&it->u + str_offs[i]);
		if (!v->p)
			continue;
		memcpy(d, v->p, v->len);
		v->p = d;
		d += v->len;
	}
	return it;
}

void rg_store_put_event(struct rg_store *s, const struct rg_event *ev, bool keep)
{
	static const size_t offs[] = {
		offsetof(struct rg_event, comm), offsetof(struct rg_event, exe),
		offsetof(struct rg_event, cwd), offsetof(struct rg_event, argv),
		offsetof(struct rg_event, path), offsetof(struct rg_event, new_path),
		offsetof(struct rg_event, local_addr), offsetof(struct rg_event, remote_addr),
	};
	enqueue(s, copy_item(IT_EVENT, ev, sizeof(*ev), offs, sizeof(offs) / sizeof(offs[0])),
		keep);
}

void rg_store_put_process(struct rg_store *s, const struct rg_process *p)
{
	static const size_t offs[] = {
		offsetof(struct rg_process, comm), offsetof(struct rg_process, exe),
		offsetof(struct rg_process, argv), offsetof(struct rg_process, cwd),
	};
	enqueue(s, copy_item(IT_PROCESS, p, sizeof(*p), offs, 4), true);
}

void rg_store_put_seed(struct rg_store *s, const struct rg_process *p)
{
	static const size_t offs[] = {
		offsetof(struct rg_process, comm), offsetof(struct rg_process, exe),
		offsetof(struct rg_process, argv),
	};
	enqueue(s, copy_item(IT_SEED, p, sizeof(*p), offs, 3), true);
}

/* Health rows use the reserve, as gap rows do: a storm that fills the
 * queue is when the record most needs to say what it counted. */
void rg_store_put_health(struct rg_store *s, const struct rg_health *h)
{
	enqueue(s, copy_item(IT_HEALTH, h, sizeof(*h), NULL, 0), true);
}

/* gap reasons are string literals: the pointer is copied as it is; the
 * rule id is copied (a reload frees the rule set before the row is written). */
void rg_store_put_gap(struct rg_store *s, const struct rg_gap *g)
{
	static const size_t offs[] = {offsetof(struct rg_gap, rule_id)};
	enqueue(s, copy_item(IT_GAP, g, sizeof(*g), offs, 1), true);
}

void rg_store_put_alert(struct rg_store *s, const struct rg_alert *a)
{
	static const size_t offs[] = {
		offsetof(struct rg_alert, rule_id),   offsetof(struct rg_alert, rule_name),
		offsetof(struct rg_alert, severity),  offsetof(struct rg_alert, tags),
		offsetof(struct rg_alert, summary),   offsetof(struct rg_alert, rules_digest),
		offsetof(struct rg_alert, exe),
	};
	enqueue(s, copy_item(IT_ALERT, a, sizeof(*a), offs, sizeof(offs) / sizeof(offs[0])),
		true);
}

void rg_store_put_meta(struct rg_store *s, const char *key, const char *value)
{
	struct meta_row m = {{key, (uint32_t)strlen(key)}, {value, (uint32_t)strlen(value)}};
	static const size_t offs[] = {offsetof(struct meta_row, key),
				      offsetof(struct meta_row, value)};
	enqueue(s, copy_item(IT_META, &m, sizeof(m), offs, 2), true);
}

void rg_store_stats(struct rg_store *s, struct rg_store_stats *st)
{
	pthread_mutex_lock(&s->mu);
	s->st.queue_depth = s->count;
	*st = s->st;
	s->st.batch_commit_us_max = 0;
	s->st.user_drop_oldest_ns = 0;
	s->st.checkpoint_us_max = 0;
	pthread_mutex_unlock(&s->mu);
	st->wal_bytes = (uint64_t)file_size(s->wal_path);
}

void rg_store_sync(struct rg_store *s)
{
	if (!s->running) {
		run_writer(s, false);
		return;
	}
	pthread_mutex_lock(&s->mu);
	s->flush_to = s->queued;
	pthread_cond_signal(&s->wake);
	while (s->done < s->flush_to)
		pthread_cond_wait(&s->idle, &s->mu);
	pthread_mutex_unlock(&s->mu);
}

/* ---- runs ------------------------------------------------------------------ */

/* When the previous run stopped, or (crash) its last recorded row. */
/* Where the previous run's complete record ends: its clean stop, or, for a
 * run that did not stop cleanly (kill -9, crash, power loss), its last
 * health row. Losses are counted at health rows, so past the last one a
 * stored event does not prove that its neighbours were stored: the
 * recorder_down gap starts there, as `rgq gaps` counts the run. */
static int64_t previous_end(sqlite3 *db, int64_t *prev_run)
{
	*prev_run = rg_sql_int(db, "SELECT max(run_id) FROM runs", 0);
	if (!*prev_run)
		return 0;
	return rg_sql_int(db,
			  "SELECT coalesce(r.stopped_ns, max(r.started_ns, coalesce("
			  "(SELECT h.ts_ns FROM health h WHERE h.run_id = r.run_id "
			  "ORDER BY h.seq DESC LIMIT 1), 0))) "
			  "FROM runs r ORDER BY r.run_id DESC LIMIT 1", 0);
}

static void set_meta(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", -1,
			       &st, NULL))
		return;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static int64_t insert_run(sqlite3 *db, const char *host, const char *boot_id,
			  const char *version, int64_t now_ns, uint64_t first_seq,
			  unsigned lineage_max, unsigned sequence_max)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "INSERT INTO runs (host, boot_id, version, started_ns, "
				   "first_seq, lineage_max, sequence_max) VALUES (?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL))
		return -1;
	sqlite3_bind_int64(st, 6, lineage_max);
	sqlite3_bind_int64(st, 7, sequence_max);
	sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ns);
	sqlite3_bind_int64(st, 5, (int64_t)first_seq);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(db) : -1;
}

int64_t rg_store_begin_run(struct rg_store *s, const char *host, const char *boot_id,
			   const char *version, int64_t now_ns, uint64_t first_seq,
			   unsigned lineage_max, unsigned sequence_max)
{
	int64_t prev_run;
	int64_t prev_end = previous_end(s->db, &prev_run);
	snprintf(s->boot_id, sizeof(s->boot_id), "%s", boot_id);

	exec(s->db, "BEGIN IMMEDIATE", NULL, 0);
	s->run_id = insert_run(s->db, host, boot_id, version, now_ns, first_seq, lineage_max,
			       sequence_max);
	set_meta(s->db, "host", host);
	set_meta(s->db, "boot_id", boot_id);
	set_meta(s->db, "recorder_version", version);
	char v[32];
	snprintf(v, sizeof(v), "%d", rg_schema_files[rg_nschema_files - 1].version);
	set_meta(s->db, "schema_version", v);
	snprintf(v, sizeof(v), "%lld", (long long)now_ns);
	set_meta(s->db, "run_started_ns", v);
	if (s->run_id > 0 && prev_run) {
		struct item gi = {.kind = IT_GAP,
				  .u.g = {s->run_id, prev_end, now_ns, 0, "recorder_down"}};
		if (write_item(s, &gi) == SQLITE_DONE)
			s->st.rows_gaps++;
	}
	if (exec(s->db, "COMMIT", NULL, 0) != SQLITE_OK || s->run_id <= 0) {
		exec(s->db, "ROLLBACK", NULL, 0);
		return -1;
	}
	start_checkpointer(s);
	if (pthread_create(&s->thread, NULL, writer_main, s) == 0)
		s->running = true;
	return s->run_id;
}

void rg_store_close(struct rg_store *s, int64_t now_ns)
{
	if (!s)
		return;
	if (s->running) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	} else {
		run_writer(s, false);
	}
	stop_checkpointer(s);
	if (s->run_id > 0) {
		uint64_t seq;
		int64_t pid;
		char sql[160];
		rg_store_max_ids(s, &seq, &pid);
		snprintf(sql, sizeof(sql), "UPDATE runs SET stopped_ns = %lld, last_seq = %llu "
			 "WHERE run_id = %lld", (long long)now_ns, (unsigned long long)seq,
			 (long long)s->run_id);
		exec(s->db, sql, NULL, 0);
	}
	/* fold the WAL back so that a copied .db file is complete on its own */
	exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, 0);
	free_store(s);
}
