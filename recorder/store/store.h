/* store.h: the SQLite recording, written by one batching writer thread.
 *
 * The recorder's thread never waits for the disk: rg_store_put_* copy the
 * row into a bounded queue and return. The writer thread commits a batch
 * when batch_rows are waiting or batch_ms after the first waiting row. A
 * full queue drops the row and counts it (user_drops -> a gap row); a row
 * SQLite refuses is counted in store_failures and written as a gap.
 *
 * The database is WAL with synchronous=NORMAL: a crash or kill -9 loses at
 * most the batches not yet committed, and the file always opens.
 */
#ifndef RG_STORE_H
#define RG_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "alert.h"
#include "event.h"
#include "fields.h"
#include "health.h"
#include "process.h"
#include "checkpoint.h"

struct rg_store;

struct rg_store_opts {
	int batch_rows;   /* commit after this many rows ... */
	int batch_ms;     /* ... or this long after the first waiting row */
	int queue_events; /* rows waiting beyond this are dropped */
	/* Retention (0: off): events, alerts and health rows older than
	 * max_age_s, and the oldest while the data passes max_size_mb, are
	 * pruned in small steps between batches, at most every
	 * prune_interval_ms; the pruned range is a `pruned` gap row. */
	int64_t max_age_s;
	int64_t max_size_mb;
	int prune_interval_ms;
	/* A reader whose transaction holds the WAL past this size is reported
	 * on stderr and counted (wal_pinned); 0: never. */
	int64_t wal_warn_mb;
	/* No hash chain (chain.h): only to measure what it costs. */
	bool no_chain;
	/* Signed checkpoints (sign.h; rg_store_sign sets them): the host's
	 * Ed25519 key (libsodium's 64 bytes, the caller's, kept until
	 * rg_store_close), NULL for none; a checkpoint when a batch's link
	 * comes checkpoint_s or more after the last one, and at the run's
	 * clean stop. */
	const uint8_t *sign_key;
	int checkpoint_s;
};

struct rg_store_stats {
	uint64_t rows_processes, rows_process_events, rows_file_events, rows_network_events,
		 rows_system_events;
	uint64_t rows_health, rows_gaps, rows_alerts;
	uint64_t store_failures, batches;
	uint64_t batch_commit_us_max; /* since the previous rg_store_stats call */
	uint64_t queue_depth, user_drops;
	uint64_t user_drops_by_table[RG_N_EVENT_TABLES]; /* event rows, by rg_event_tables index */
	/* the oldest ts_ns of an event row dropped since the previous
	 * rg_store_stats call, 0 if none: the reader can lag its events, so a
	 * drop gap must reach back to the events' own time */
	int64_t user_drop_oldest_ns;
	uint64_t rows_pruned; /* event rows removed by retention */
	uint64_t reserve_used; /* rows kept past queue_events: a rule matched them */
	uint64_t rows_grouped; /* event rows inserted by a full group's statement */
	uint64_t wal_bytes;    /* the WAL file's size now */
	uint64_t checkpoints, checkpoints_blocked; /* passes; of them, left frames behind */
	uint64_t checkpoint_us_max; /* since the previous rg_store_stats call */
	uint64_t wal_pinned;   /* times a reader held the WAL past wal_warn_mb */
	/* shipping (rg_store_ship_*): rows acknowledged, failed requests,
	 * and the shipper's last look at its lag */
	uint64_t ship_rows, ship_failures, ship_lag_rows, ship_lag_s;
};

/* Opens or creates the database (0600) for this process's sole use and
 * brings its schema up to date. Refuses, before SQLite opens it, a file
 * outfile.h refuses (a symlink, another user's, one another recorder is
 * writing, ...), and then a file that is not a rand-guard database or was
 * written by a newer schema. NULL with err filled on failure, and *code
 * (if not NULL) 2 when outfile.h refused the file, else 1. */
struct rg_store *rg_store_open(const char *path, const struct rg_store_opts *o, char *err,
			       size_t errlen, int *code);

/* Signs checkpoints with sk (see rg_store_opts), from the run begun next:
 * the key is only read once the database was accepted. */
void rg_store_sign(struct rg_store *s, const uint8_t *sk, int checkpoint_s);

/* Highest seq over the event tables and highest proc_id (0 when empty):
 * a new run continues both. */
void rg_store_max_ids(struct rg_store *s, uint64_t *max_seq, int64_t *max_proc_id);

/* Calls fn for every process of boot boot_id that has no exit recorded. */
void rg_store_live_processes(struct rg_store *s, const char *boot_id,
			     void (*fn)(void *arg, int64_t proc_id, uint32_t pid,
					uint64_t start_boot_ns),
			     void *arg);

/* Records a new run (with the bounds of its rules' lineage and sequence
 * state, which replay reuses), writes a recorder_down gap since the
 * previous run's last row, and starts the writer thread. Returns the run
 * id, or -1. */
int64_t rg_store_begin_run(struct rg_store *s, const char *host, const char *boot_id,
			   const char *version, int64_t now_ns, uint64_t first_seq,
			   unsigned lineage_max, unsigned sequence_max);

/* Queue rows; strings are copied. A full queue (queue_events rows) drops
 * a row and counts it, except the rows the record needs most: those may
 * use a reserve of queue_events / 8 (at least 16) more rows. They are
 * alerts, events with keep set (a rule matched it, or a process event:
 * replay rebuilds lineage from those), processes rows, gaps and meta. */
void rg_store_put_event(struct rg_store *s, const struct rg_event *ev, bool keep);
void rg_store_put_alert(struct rg_store *s, const struct rg_alert *a);
/* Sets a meta key (e.g. rules_digest) in the writer's next batch. */
void rg_store_put_meta(struct rg_store *s, const char *key, const char *value);
void rg_store_put_process(struct rg_store *s, const struct rg_process *p);
/* A process the rules' lineage was seeded with at the run's start
 * (run_processes): replay seeds from these. */
void rg_store_put_seed(struct rg_store *s, const struct rg_process *p);
void rg_store_put_health(struct rg_store *s, const struct rg_health *h);
void rg_store_put_gap(struct rg_store *s, const struct rg_gap *g);

void rg_store_stats(struct rg_store *s, struct rg_store_stats *st);

/* Shipping (ship/ship.h): the store keeps the destination's cursors
 * (table ship_cursor), written by the writer within its next transaction
 * so that the shipper's connection never writes, and retention counts
 * the rows it prunes before they were shipped (an `unshipped` gap naming
 * the destination). rg_store_ship_dest names the destination and loads
 * its cursors; call it before rg_store_begin_run. */
#define RG_STORE_SHIP_TABLES 16
void rg_store_ship_dest(struct rg_store *s, const char *dest);
/* ClickHouse acknowledged table tbl's rows up to key pos: n rows more. */
void rg_store_ship_ack(struct rg_store *s, const char *tbl, int64_t pos, uint64_t n);
/* The shipper's failures (cumulative) and lag, for the health row. */
void rg_store_ship_status(struct rg_store *s, uint64_t failures, uint64_t lag_rows,
			  uint64_t lag_s);
/* The acknowledged position of table tbl (-1: none yet), as the store has it. */
int64_t rg_store_ship_pos(struct rg_store *s, const char *tbl);

/* Waits until everything queued so far is committed (tests, shutdown). */
void rg_store_sync(struct rg_store *s);
/* The checkpoints committed since the last call, oldest first, up to max
 * (for the NDJSON output, on the caller's thread: the writer never waits
 * for it). A writer far ahead drops the oldest, counted in *dropped. */
unsigned rg_store_take_checkpoints(struct rg_store *s, struct rg_checkpoint *out, unsigned max,
				   uint64_t *dropped);

/* Drains the queue and closes the run (stopped_ns = now_ns): its stop
 * link and checkpoint are committed (and can be taken) once it returns.
 * rg_store_close does this when it was not done. */
void rg_store_end_run(struct rg_store *s, int64_t now_ns);
/* Ends the run if needed and closes the file. Also valid when no run was
 * begun. */
void rg_store_close(struct rg_store *s, int64_t now_ns);

#endif /* RG_STORE_H */
