/* store_int.h: what the store's parts share (store.h is the interface).
 *
 * store.c opens and closes the store and its runs; schema.c applies the
 * migrations and prepares the inserts; writer.c binds and writes rows in
 * batches on the writer thread; chain_write.c adds each transaction's
 * hash chain link (chain.h); queue.c is the recorder thread's side of
 * the queue; retention.c prunes old rows; checkpoint.c runs the WAL's
 * checkpoints on a thread of their own; row.h binds and reads one event
 * field (shared with rgq).
 */
#ifndef RG_STORE_INT_H
#define RG_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "buf.h"
#include "chain.h"
#include "fields.h"
#include "row.h"
#include "sign.h"
#include "store.h"

enum item_kind { IT_EVENT, IT_PROCESS, IT_HEALTH, IT_GAP, IT_ALERT, IT_META, IT_SEED };
#define N_KINDS 7

/* meta rows set while recording (the rules digest after a reload) */
struct meta_row {
	struct rg_str key, value;
};

/* A queued event, as the writer needs it: its table, type, seq and
 * ts_ns, then the values of the table's columns that its type has
 * (rg_store.type_cols), in the order they are bound, packed: first each
 * one's tag and integer or length (qval_put), then the bytes of its text
 * and blob values, in the same order. The queue's fill is most of the
 * recorder's memory when the writer falls behind: a watched open waiting
 * took 976 bytes of heap as a copy of struct rg_event and its strings,
 * 208 packed (tests/bench/rg-queue-mem.c). */
struct qevent {
	uint64_t seq;
	int64_t ts_ns;
	uint8_t table; /* rg_event_tables index; RG_N_EVENT_TABLES: none */
	uint8_t type;  /* enum rg_etype */
	uint16_t fixed; /* bytes of cols before the text and blob bytes */
	unsigned char cols[];
};

/* A queued row: its kind, then the row (struct qevent, rg_process,
 * rg_health, rg_gap, rg_alert or meta_row) and its strings right behind
 * it, allocated to that size. */
struct item {
	enum item_kind kind;
	uint64_t row[]; /* 8-byte aligned, as the row's members need */
};

static inline void *item_row(const struct item *it)
{
	return (void *)it->row;
}

/* The queued event of an IT_EVENT item. */
static inline const struct qevent *item_event(const struct item *it)
{
	return item_row(it);
}

/* One packed column value: a tag byte (enum qval_tag), then an integer
 * in the fewest of 1, 4 or 8 bytes that hold it, or a length (1 byte
 * when under 256, else 4: the bytes come after the packed values), or
 * nothing (NULL; the event type's name, known from qevent.type). At most
 * QVAL_MAX bytes. Narrower widths would save little more: a watched open
 * has a dozen integers, mostly ids and times. */
enum qval_tag { QV_NULL, QV_ETYPE, QV_INT8, QV_INT32, QV_INT64, QV_TEXT8, QV_TEXT32,
		QV_BLOB8, QV_BLOB32 };
#define QVAL_MAX 9

/* Writes v at p; returns the byte after it. */
static inline unsigned char *qval_put(unsigned char *p, const struct rg_sql_value *v)
{
	uint32_t n = (uint32_t)v->n;
	switch (v->type) {
	case SQLITE_INTEGER:
		if (v->i == (int8_t)v->i) {
			*p++ = QV_INT8;
			*p++ = (unsigned char)(int8_t)v->i;
			return p;
		}
		if (v->i == (int32_t)v->i) {
			int32_t i = (int32_t)v->i;
			*p++ = QV_INT32;
			memcpy(p, &i, 4);
			return p + 4;
		}
		*p++ = QV_INT64;
		memcpy(p, &v->i, 8);
		return p + 8;
	case SQLITE_TEXT: case SQLITE_BLOB:
		if (n < 256) {
			*p++ = v->type == SQLITE_TEXT ? QV_TEXT8 : QV_BLOB8;
			*p++ = (unsigned char)n;
			return p;
		}
		*p++ = v->type == SQLITE_TEXT ? QV_TEXT32 : QV_BLOB32;
		memcpy(p, &n, 4);
		return p + 4;
	default:
		*p++ = QV_NULL;
		return p;
	}
}

/* Reads the value at p into v, a text or blob's bytes at *bytes (moved
 * past them), the event type's name that of type; returns the byte after
 * the value. */
static inline const unsigned char *qval_get(const unsigned char *p, const unsigned char **bytes,
					    enum rg_etype type, struct rg_sql_value *v)
{
	uint32_t n;
	int32_t i;
	unsigned char tag = *p++;
	v->transient = false;
	switch (tag) {
	case QV_ETYPE:
		v->type = SQLITE_TEXT;
		v->p = rg_etype_name(type);
		v->n = strlen(v->p);
		return p;
	case QV_INT8:
		v->type = SQLITE_INTEGER;
		v->i = (int8_t)*p;
		return p + 1;
	case QV_INT32:
		memcpy(&i, p, 4);
		v->type = SQLITE_INTEGER;
		v->i = i;
		return p + 4;
	case QV_INT64:
		v->type = SQLITE_INTEGER;
		memcpy(&v->i, p, 8);
		return p + 8;
	case QV_TEXT8: case QV_BLOB8:
		n = *p++;
		break;
	case QV_TEXT32: case QV_BLOB32:
		memcpy(&n, p, 4);
		p += 4;
		break;
	default:
		v->type = SQLITE_NULL;
		return p;
	}
	v->type = tag == QV_TEXT8 || tag == QV_TEXT32 ? SQLITE_TEXT : SQLITE_BLOB;
	v->p = *bytes;
	v->n = n;
	*bytes += n;
	return p;
}

/* Event rows are inserted GROUP_ROWS at a time, by one statement with that
 * many rows of parameters: a statement run has a fixed cost (cursors opened
 * and closed, the VM started and halted). Grouping cut the writer's
 * instructions by a tenth (callgrind, rg-gen's 50 000 events) and its CPU
 * per row by about 15 %. */
#define GROUP_ROWS 32

/* Checkpoints committed and not yet taken by the NDJSON output: at one a
 * minute by default, the recorder's loop takes them long before this. */
#define CHECKPOINT_OUTBOX 16

struct rg_store {
	sqlite3 *db;
	int lock_fd; /* holds the recorder's lock on the file (outfile.h) */
	sqlite3_stmt *ins_event[RG_N_EVENT_TABLES], *ins_process, *ins_health, *ins_gap;
	sqlite3_stmt *ins_group[RG_N_EVENT_TABLES]; /* GROUP_ROWS rows */
	int event_cols[RG_N_EVENT_TABLES];
	/* event table t's columns, in the order they are bound (rg_row_columns) */
	const struct rg_field *event_fields[RG_N_EVENT_TABLES][RG_FIELDS_MAX];
	/* type_cols[type][k]: column k of the type's table is one of the
	 * type's fields (a queued event carries only those: struct qevent) */
	uint8_t type_cols[RG_ET_COUNT][RG_FIELDS_MAX];
	/* The same as a list: the k of each of the type's columns, in order,
	 * and how many (the recorder's thread packs every event through it,
	 * not through the table's other types' columns) */
	uint8_t type_col_list[RG_ET_COUNT][RG_FIELDS_MAX];
	uint8_t type_ncols[RG_ET_COUNT];
	/* Where column k of event table t goes in its insert (schema.c,
	 * store_layout): its parameter (of store_cols[t] a row); for the
	 * actor's columns of a compact table (schema/023, 025), whose actor's
	 * number goes to parameter actor_param[t], its place among them
	 * (rg_row_actor_part), and -1 for its image's (exe, comm); for a
	 * column of its `more` table (schema/029), its parameter of ins_more[t]
	 * after the seq's (1 on); col_store says how. */
	int store_cols[RG_N_EVENT_TABLES];
	int8_t col_param[RG_N_EVENT_TABLES][RG_FIELDS_MAX];
	uint8_t col_store[RG_N_EVENT_TABLES][RG_FIELDS_MAX]; /* enum rg_col_store (row.h) */
	int actor_param[RG_N_EVENT_TABLES];
	int dir_param[RG_N_EVENT_TABLES]; /* an RG_CS_PATH's directory's number */
	/* the insert of a row's more row (rg_event_tables[t].more), NULL for
	 * a table without; its parameters: the seq and more_cols[t] columns */
	sqlite3_stmt *ins_more[RG_N_EVENT_TABLES];
	int more_cols[RG_N_EVENT_TABLES];
	int flag_param[RG_N_EVENT_TABLES]; /* the row's `more` (rg_row_in_more), or -1 */
	struct store_dict *dict; /* writer: images' and names' numbers (dict.c) */
	/* writer: the parameters of ins_event[t] and ins_group[t] bound NULL
	 * now (1 each, as prepared): a NULL already bound is not bound again */
	uint8_t *event_null[RG_N_EVENT_TABLES], *group_null[RG_N_EVENT_TABLES];
	sqlite3_stmt *ins_alert, *ins_meta, *ins_seed;
	sqlite3_stmt *rev_process; /* before ins_process: see schema.c */
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
	int64_t lineage_from;      /* writer: where retention's sweep of processes goes on */
	/* writer: rows lost to failed writes whose gap row could not be
	 * written yet (a full disk fails that too); written once it can be */
	struct unrecorded {
		uint64_t count;
		int64_t start, end;
	} unrecorded;
	/* shipping (ship_cursor.c), under mu */
	struct ship_cursor {
		char tbl[32];
		int64_t pos, ts_ns;
		uint64_t rows;
		bool dirty;   /* acknowledged since it was last written */
	} ship[RG_STORE_SHIP_TABLES];
	unsigned nship;
	char *ship_dest; /* NULL: not shipping */
	struct store_chain *chain; /* NULL when off (chain_write.c) */
	char host[RG_SIGN_HOST];   /* the run's, signed in checkpoints */
	bool ended;                /* rg_store_end_run was done */
	/* checkpoints committed, for rg_store_take_checkpoints (under mu) */
	struct rg_checkpoint outbox[CHECKPOINT_OUTBOX];
	unsigned nout;
	uint64_t out_dropped;
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

/* The WAL's file is cut back to this size when it starts over (SQLite's
 * journal_size_limit, applied by the first commit after the start):
 * without it a file a long reader made large stays that large. Twice
 * what it holds between checkpoints (CKPT_FRAMES), so that it is not cut
 * and grown again every time. A larger file is cut by at most
 * WAL_CUT_BYTES each time it starts over: the cut is the writer's, and
 * freeing 300 MiB at once took it 0.1 to 0.3 s here. */
#define WAL_KEEP_BYTES (8LL << 20)
#define WAL_CUT_BYTES (32LL << 20)

/* store.c */
/* sqlite3_exec with SQLite's message in err (when err is not NULL). */
int store_exec(sqlite3 *db, const char *sql, char *err, size_t errlen);
/* Reports a failure on stderr, at most every 10 s. */
void store_complain(struct rg_store *s, const char *what);
/* Gives row `key` = id of table (runs, gaps) the next revision, as
 * schema/019_ship.sql's triggers would after its insert or update (they do
 * not fire on the writer's connection: store.c). 0 or an SQLite error. */
int store_revise(sqlite3 *db, const char *table, const char *key, int64_t id);
/* Sets the writer connection's journal_size_limit. */
int store_set_wal_limit(struct rg_store *s, int64_t bytes, char *err, size_t errlen);
/* schema.c */
int store_migrate(sqlite3 *db, const char *path, char *err, size_t errlen);
int store_prepare_all(struct rg_store *s, char *err, size_t errlen);
/* writer.c */
/* Inserts one row (kind's struct: struct item's row) now; returns
 * SQLITE_DONE on success. */
int store_write_row(struct rg_store *s, enum item_kind kind, const void *row);
void store_run_writer(struct rg_store *s, bool threaded);
void *store_writer_main(void *arg);
/* retention.c */
void store_prune(struct rg_store *s);
/* chain_write.c: the hash chain's links, each in the transaction it
 * covers (chain.h). All do nothing when the chain is off. */
int store_chain_open(struct rg_store *s, char *err, size_t errlen);
void store_chain_free(struct rg_store *s);
/* An event row of table t as it is bound: store_chain_row starts it (false
 * when the chain is off), store_chain_value gives the k-th bound column's
 * value, store_chain_row_hash its hash, and once its insert succeeded
 * store_chain_add puts it in the next link. */
bool store_chain_row(struct rg_store *s, unsigned t);
void store_chain_value(struct rg_store *s, unsigned t, unsigned k, const struct rg_sql_value *v);
void store_chain_row_hash(struct rg_store *s, unsigned t, uint8_t out[RG_CHAIN_ROW_HASH]);
void store_chain_add(struct rg_store *s, unsigned t, int64_t key,
		     const uint8_t hash[RG_CHAIN_ROW_HASH]);
/* The condition that deletes event table t's rows matching `where` with
 * the rest of their hash groups (chain.h, rg_chain_whole_groups): `where`
 * itself for another table or with the chain off; NULL on an error. Valid
 * until the next call. */
const char *store_chain_whole(struct rg_store *s, unsigned t, const char *where);
/* A process row the batch wrote (its upsert): the link covers its state. */
void store_chain_note_process(struct rg_store *s, int64_t proc_id);
/* A gap row the transaction wrote or revised: the same (a gap_id may be
 * below the highest covered: the pruned and unshipped gaps grow). */
void store_chain_note_gap(struct rg_store *s, int64_t gap_id);
/* Adds a link of kind (start, batch, prune, stop) covering the event rows
 * added, the other tables' rows added since the last one (read back), and
 * the processes and gaps noted; a batch that covers nothing adds none.
 * A link added takes the place of a store_chain_trim before it. 0, or -1
 * on an SQLite error. */
int store_chain_link(struct rg_store *s, const char *kind, const char *note);
/* After a rollback: forgets the link made in the transaction, and the
 * place a trim in it moved to. */
void store_chain_undo(struct rg_store *s);

/* dict.c: the numbers of images, actors and names, found or added
 * (within the writer's transaction); -1 on an error. An image of no exe
 * and no comm is 0 (the actor's image_id is NULL). */
int store_dict_open(struct rg_store *s, char *err, size_t errlen);
void store_dict_free(struct rg_store *s);
/* After a rollback: the numbers added in it are gone */
void store_dict_undo(struct rg_store *s);
/* Enters the block of row seq before its images, actors and names are
 * numbered: a block's rows get them numbered from its dict_blocks row's
 * first numbers on (schema/033, 034). False on an error. */
#define RG_DICT_BLOCK_BITS 16
bool store_dict_block(struct rg_store *s, uint64_t seq);
int64_t store_image_id(struct rg_store *s, const struct rg_sql_value *exe,
		       const struct rg_sql_value *comm);
/* The number of an actor; parts: its columns, in rg_row_actor_part's
 * order (row.h). */
int64_t store_actor_id(struct rg_store *s, const struct rg_sql_value *parts, int64_t image_id);
int64_t store_name_id(struct rg_store *s, const struct rg_sql_value *name);
int64_t store_clock_id(struct rg_store *s, int64_t offset_ns);
int64_t store_etype_id(struct rg_store *s, enum rg_etype type);
/* A process row's command line as its cmdlines row's number (schema/031)
 * into *id, row seq's: seqs in blocks of this many share them. False on
 * an error. */
#define RG_CMDLINE_BLOCK 65536
bool store_cmdline_id(struct rg_store *s, uint64_t seq, const struct rg_sql_value *cmdline,
		      int64_t *id);
/* Retention: deletes the command lines no process row left refers to
 * (those from 0 up to 2 * the first seq of the oldest row's block); 0 or
 * -1. */
int store_prune_cmdlines(struct rg_store *s);
/* Retention: deletes the actors, images and names no row left refers to
 * (those below the first numbers in effect at the oldest row's block,
 * schema/033, 034); 0 or -1. */
int store_prune_dicts(struct rg_store *s);
/* After a COMMIT that succeeded: the checkpoint the transaction made (if
 * any) goes to the outbox. */
void store_chain_committed(struct rg_store *s);
/* Deletes the rows of chain table t WHERE where, their keys appended to
 * note ("table a-b,c" lines: the prune link's note). The rows deleted, or
 * -1. */
int64_t store_chain_delete(struct rg_store *s, unsigned t, const char *where,
			   struct rg_buf *note);
/* Drops the rows blob of the oldest links whose rows retention has all
 * pruned (the digest keeps their hash), appending "chain a-b" to note.
 * The trim's place moves past them only with the link that
 * store_chain_link adds next in the same transaction; a failed link or a
 * rolled-back transaction leaves it where it was. 0, or -1 on an SQLite
 * error. */
int store_chain_trim(struct rg_store *s, struct rg_buf *note);
/* ship_cursor.c */
/* Writes the cursors acknowledged since the last call, in the caller's
 * transaction (writer thread, or the closing thread after the join). */
int store_ship_persist(struct rg_store *s);
/* Retention: rows of table tbl matching `where` that are not shipped yet
 * (0 when not shipping); the caller records them (store_ship_gap). */
int64_t store_ship_unshipped(struct rg_store *s, const char *tbl, const char *key,
			     const char *where);
/* Grows the destination's one `unshipped` gap by n rows over start..end. */
int store_ship_gap(struct rg_store *s, int64_t start, int64_t end, int64_t n);
/* checkpoint.c */
int64_t store_file_size(const char *path);
void store_start_checkpointer(struct rg_store *s);
void store_stop_checkpointer(struct rg_store *s);

#endif /* RG_STORE_INT_H */
