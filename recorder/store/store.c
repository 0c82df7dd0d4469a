/* store.c: opening and closing the recording, and its runs (store.h;
 * the other parts: store_int.h).
 *
 * Threads: the recorder thread only copies rows into the queue (under mu);
 * the writer thread owns the database connection from rg_store_begin_run
 * until rg_store_close joins it. Before begin_run and after the join the
 * caller's thread uses the connection, never both at once. The
 * checkpointer thread has a connection of its own (checkpoint.c).
 */
#include "store_int.h"

#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "clock.h"
#include "outfile.h"
#include "schema.h"

int store_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK && err)
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return rc;
}

void store_complain(struct rg_store *s, const char *what)
{
	int64_t now = rg_mono_ns();
	if (s->last_complaint && now - s->last_complaint < 10000000000LL)
		return;
	s->last_complaint = now;
	fprintf(stderr, "rand-guard: store: %s\n", what);
}

/* ---- open ----------------------------------------------------------------- */

/* Sets the writer connection's journal_size_limit (see WAL_KEEP_BYTES). */
int store_set_wal_limit(struct rg_store *s, int64_t bytes, char *err, size_t errlen)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit = %lld", (long long)bytes);
	int rc = store_exec(s->db, sql, err, errlen);
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

/* The triggers the writer does the work of itself (store_revise). */
static const char known_triggers[] =
	"'processes_ship_insert', 'processes_ship_update', 'runs_ship_insert', "
	"'runs_ship_update', 'gaps_ship_insert', 'gaps_ship_update', "
	/* edits through the views (schema/023, 028): the writer writes the rows */
	"'process_events_insert', 'process_events_update', 'process_events_delete', "
	"'file_events_insert', 'file_events_update', 'file_events_delete', "
	"'network_events_insert', 'network_events_update', 'network_events_delete'";

/* Triggers do not fire on the writer's connection: the revision triggers
 * (schema/019_ship.sql) ran a trigger program for every process row
 * written, and one more inside it for a new process (its frame alone
 * allocated and zeroed kilobytes each time), and rewrote a new process's
 * row; the writer numbers the revisions itself instead (store_revise, the
 * process upsert in schema.c), in the same order, so the rows are the
 * same. Set after the migrations, which run with triggers. A trigger the
 * writer does not know (a later migration's) is refused here rather than
 * silently not run. */
static int no_triggers(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	char sql[800];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
		 "AND name NOT IN (%s)", known_triggers);
	if (rg_sql_int(db, sql, 1)) {
		snprintf(err, errlen, "%s: a trigger the store's writer does not know "
			 "(recorder/store/store.c: known_triggers)", path);
		return -1;
	}
	if (sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot turn triggers off: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

int store_revise(sqlite3 *db, const char *table, const char *key, int64_t id)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "UPDATE ship_rev SET n = n + 1; UPDATE %s SET ship_rev = "
		 "(SELECT n FROM ship_rev) WHERE %s = %lld", table, key, (long long)id);
	return store_exec(db, sql, NULL, 0);
}

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
	if (store_exec(s->db, "PRAGMA journal_mode = WAL", msg, sizeof(msg)) ||
	    store_exec(s->db, "PRAGMA synchronous = NORMAL", msg, sizeof(msg)) ||
	    store_set_wal_limit(s, WAL_KEEP_BYTES, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return -1;
	}
	s->wal_path = strdup(sqlite3_filename_wal(sqlite3_db_filename(s->db, "main")));
	if (!s->wal_path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (store_migrate(s->db, path, err, errlen) || no_triggers(s->db, path, err, errlen) ||
	    store_prepare_all(s, err, errlen) || store_dict_open(s, err, errlen) ||
	    store_chain_open(s, err, errlen))
		return -1;
	return 0;
}

static void free_store(struct rg_store *s)
{
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		sqlite3_finalize(s->ins_event[t]);
		sqlite3_finalize(s->ins_group[t]);
		sqlite3_finalize(s->ins_more[t]);
		free(s->event_null[t]);
		free(s->group_null[t]);
	}
	sqlite3_finalize(s->ins_process);
	sqlite3_finalize(s->rev_process);
	sqlite3_finalize(s->ins_health);
	sqlite3_finalize(s->ins_gap);
	sqlite3_finalize(s->ins_alert);
	sqlite3_finalize(s->ins_meta);
	sqlite3_finalize(s->ins_seed);
	store_dict_free(s);
	store_chain_free(s);
	sqlite3_close(s->ck.db);
	sqlite3_close(s->db);
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* after SQLite's close: see outfile.h */
	free(s->wal_path);
	free(s->ship_dest);
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

void rg_store_sign(struct rg_store *s, const uint8_t *sk, int checkpoint_s)
{
	s->o.sign_key = sk;
	s->o.checkpoint_s = checkpoint_s;
}

/* ---- reads used at start-up ------------------------------------------------ */

void rg_store_max_ids(struct rg_store *s, uint64_t *max_seq, int64_t *max_proc_id)
{
	char sql[128];
	int64_t m = rg_sql_int(s->db, "SELECT max(seq) FROM health", 0);
	int64_t a = rg_sql_int(s->db, "SELECT max(seq) FROM alerts", 0);
	m = a > m ? a : m;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		snprintf(sql, sizeof(sql), "SELECT max(seq) FROM %s", rg_event_tables[t].rows);
		int64_t v = rg_sql_int(s->db, sql, 0);
		m = v > m ? v : m;
		if (!rg_event_tables[t].more)
			continue;
		/* a more row left by a row deleted by hand: its seq is not reused */
		snprintf(sql, sizeof(sql), "SELECT max(seq) FROM %s", rg_event_tables[t].more);
		v = rg_sql_int(s->db, sql, 0);
		m = v > m ? v : m;
	}
	/* a command line left by a process row deleted by hand (its number is
	 * 2 * seq or 2 * seq + 1, schema/031): its seq is not reused */
	int64_t c = rg_sql_int(s->db, "SELECT max(id) / 2 FROM cmdlines", 0);
	m = c > m ? c : m;
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
	if (rc != SQLITE_DONE)
		return -1;
	int64_t id = sqlite3_last_insert_rowid(db);
	return store_revise(db, "runs", "run_id", id) ? -1 : id;
}

int64_t rg_store_begin_run(struct rg_store *s, const char *host, const char *boot_id,
			   const char *version, int64_t now_ns, uint64_t first_seq,
			   unsigned lineage_max, unsigned sequence_max)
{
	int64_t prev_run;
	int64_t prev_end = previous_end(s->db, &prev_run);
	snprintf(s->boot_id, sizeof(s->boot_id), "%s", boot_id);
	snprintf(s->host, sizeof(s->host), "%s", host);

	store_exec(s->db, "BEGIN IMMEDIATE", NULL, 0);
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
	if (s->o.sign_key) { /* the key checkpoints are signed with (sign.h) */
		char hex[2 * RG_SIGN_PK + 1];
		rg_hex(s->o.sign_key + RG_SIGN_SEED, RG_SIGN_PK, hex);
		set_meta(s->db, "signing_pubkey", hex);
		rg_sign_fpr(s->o.sign_key + RG_SIGN_SEED, hex);
		set_meta(s->db, "signing_key_fpr", hex);
	}
	if (s->run_id > 0 && prev_run) {
		struct rg_gap g = {s->run_id, prev_end, now_ns, 0, "recorder_down"};
		if (store_write_row(s, IT_GAP, &g) == SQLITE_DONE)
			s->st.rows_gaps++;
	}
	if (s->run_id <= 0 || store_chain_link(s, "start", "") ||
	    store_exec(s->db, "COMMIT", NULL, 0) != SQLITE_OK) {
		store_exec(s->db, "ROLLBACK", NULL, 0);
		store_chain_undo(s);
		return -1;
	}
	store_start_checkpointer(s);
	if (pthread_create(&s->thread, NULL, store_writer_main, s) == 0)
		s->running = true;
	return s->run_id;
}

unsigned rg_store_take_checkpoints(struct rg_store *s, struct rg_checkpoint *out, unsigned max,
				   uint64_t *dropped)
{
	pthread_mutex_lock(&s->mu);
	unsigned n = s->nout < max ? s->nout : max;
	memcpy(out, s->outbox, n * sizeof(*out));
	memmove(s->outbox, s->outbox + n, (s->nout - n) * sizeof(*out));
	s->nout -= n;
	if (dropped)
		*dropped = s->out_dropped;
	pthread_mutex_unlock(&s->mu);
	return n;
}

void rg_store_end_run(struct rg_store *s, int64_t now_ns)
{
	if (!s || s->ended)
		return;
	s->ended = true;
	if (s->running) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	} else {
		store_run_writer(s, false);
	}
	store_stop_checkpointer(s);
	if (s->run_id > 0) {
		uint64_t seq;
		int64_t pid;
		char sql[160];
		rg_store_max_ids(s, &seq, &pid);
		snprintf(sql, sizeof(sql), "UPDATE runs SET stopped_ns = %lld, last_seq = %llu "
			 "WHERE run_id = %lld", (long long)now_ns, (unsigned long long)seq,
			 (long long)s->run_id);
		/* the stop link says where the run's record ends: a tail cut
		 * off later lacks it */
		char note[48];
		snprintf(note, sizeof(note), "last_seq=%llu", (unsigned long long)seq);
		store_exec(s->db, "BEGIN", NULL, 0);
		store_ship_persist(s); /* the last acknowledgements */
		if (store_exec(s->db, sql, NULL, 0) || store_revise(s->db, "runs", "run_id", s->run_id) ||
		    store_chain_link(s, "stop", note) ||
		    store_exec(s->db, "COMMIT", NULL, 0)) {
			store_exec(s->db, "ROLLBACK", NULL, 0);
			store_chain_undo(s);
		} else {
			store_chain_committed(s);
		}
	}
}

void rg_store_close(struct rg_store *s, int64_t now_ns)
{
	if (!s)
		return;
	rg_store_end_run(s, now_ns);
	/* fold the WAL back so that a copied .db file is complete on its own */
	store_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, 0);
	free_store(s);
}

