/* checkpoint.c: the WAL's checkpoints, on a thread of their own. */
#include "store_int.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "caps.h"
#include "clock.h"

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

int64_t store_file_size(const char *path)
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
	int64_t wal = store_file_size(s->wal_path);
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
void store_start_checkpointer(struct rg_store *s)
{
	int rc = sqlite3_open_v2(sqlite3_db_filename(s->db, "main"), &s->ck.db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc == SQLITE_OK)
		rc = store_exec(s->ck.db, "PRAGMA synchronous = NORMAL", NULL, 0);
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

void store_stop_checkpointer(struct rg_store *s)
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
