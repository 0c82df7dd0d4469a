/* chain.h: the hash chain over the recording, shared by the writer (which
 * extends it in the transaction of each batch) and by `rgq verify` (which
 * recomputes it). One encoder for both: a row is hashed the same way when
 * it is committed and when it is checked.
 *
 * A link covers rows of the evidence tables (rg_chain_table). For each
 * covered row it holds the table, the row's key (its rowid: seq, gap_id,
 * proc_id) and the first RG_CHAIN_ROW_HASH bytes of the SHA-256 of the
 * row's canonical encoding; the rows of the tables that only grow in its
 * `rows` blob, those of gaps and processes in `held`, both:
 *
 *   rows    := section*
 *   section := table index (1 byte) | n (varint) | n * (key delta (varint) | row hash)
 *            | table index + 0x80 | n (varint) | group*
 *   group   := up to RG_CHAIN_GROUP * (key delta (varint) | tag (1 byte)) | group hash
 *
 * keys ascending within a section, each a delta from the previous (the
 * first from 0). The second, grouped, form is the writer's for the event
 * tables: their rows are most of a recording, and a row hash each was
 * most of the chain's 14 bytes a row. A group is RG_CHAIN_GROUP rows (the
 * last one of a section fewer); its hash is the first RG_CHAIN_ROW_HASH
 * bytes of the SHA-256 of its rows' hashes in key order, so a changed row
 * changes it as surely as it did its own hash; a row's tag (its hash's
 * first byte) names which row of a group changed, unless whoever changed
 * it matched the tag on purpose (one try in 256).
 *
 * The row encoding is every column in table order, except
 * NULL and a column's declared integer default (so that a column a later
 * migration adds, NULL or its default in old rows, does not change their
 * hash): its position (2 bytes big-endian: ADD COLUMN only appends), type
 * ('i', 'f', 't', 'b') and value: an integer as a zigzag varint, a real
 * as 8 bytes big-endian, text and blobs a varint length and the bytes.
 *
 * The link digest is SHA-256 of "rand-guard chain 1\n", prev, link, kind
 * NUL, run_id, ts_ns, note NUL, rows_sha (the SHA-256 of rows), the
 * length of held and held (integers 8 bytes big-endian). The blobs bind
 * each row's hash into the chain: a row that differs, is missing or was
 * added is found by its key. The digest covers rows through rows_sha so
 * that retention can drop the rows blob of a link whose rows it pruned
 * (its prune link says so) and the chain still verifies.
 */
#ifndef RG_CHAIN_H
#define RG_CHAIN_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fields.h"
#include "row.h"

#define RG_CHAIN_DIGEST 32
#define RG_CHAIN_ROW_HASH 12 /* 96 bits: no second row with the same hash can be found */
#define RG_CHAIN_GROUP 16    /* rows per group hash in a grouped section */
#define RG_CHAIN_GROUPED 0x80 /* a section's table byte: grouped */

/* The evidence tables, in this order: the event tables (rg_event_tables),
 * alerts, health, gaps, processes. A row of the first RG_CHAIN_APPEND is
 * written once and covered by one link; gaps and processes rows are
 * updated (a process's exec and exit, retention's `pruned` gap), and the
 * latest link that covers a row holds its hash. */
#define RG_CHAIN_NTABLES (RG_N_EVENT_TABLES + 4)
#define RG_CHAIN_APPEND (RG_N_EVENT_TABLES + 2)
#define RG_CHAIN_GAPS (RG_N_EVENT_TABLES + 2)
#define RG_CHAIN_PROCESSES (RG_N_EVENT_TABLES + 3)
const char *rg_chain_table(unsigned t);
/* The table that holds its rows, keyed by rowid: the same, or a compact
 * table's own (schema/023: rg_chain_table(t) is a view of it). Rows are
 * hashed as the view gives them; keys are looked up here. */
const char *rg_chain_store(unsigned t);
/* The index of a table name, RG_CHAIN_NTABLES if it is none. */
unsigned rg_chain_table_index(const char *name);

/* A row hasher for one connection: statements and column defaults per
 * table, one digest context. */
struct rg_chain_hasher;
struct rg_chain_hasher *rg_chain_hasher_new(sqlite3 *db, char *err, size_t errlen);
void rg_chain_hasher_free(struct rg_chain_hasher *h);

/* The position of table t's column name, -1 if it has none; its number of
 * columns. */
int rg_chain_column(const struct rg_chain_hasher *h, unsigned t, const char *name);
int rg_chain_ncols(const struct rg_chain_hasher *h, unsigned t);
/* The hash of a row of table t given as its values in column order (the
 * writer's, as it binds them: the same as the row's read back). */
void rg_chain_hash_values(struct rg_chain_hasher *h, unsigned t, const struct rg_sql_value *v,
			  uint8_t out[RG_CHAIN_ROW_HASH]);

/* Calls fn(arg, key, hash) for each row of table t with lo <= key <= hi,
 * in key order. Returns SQLITE_DONE, or SQLite's error. */
int rg_chain_rows(struct rg_chain_hasher *h, unsigned t, int64_t lo, int64_t hi,
		  void (*fn)(void *arg, int64_t key, const uint8_t hash[RG_CHAIN_ROW_HASH]),
		  void *arg);

struct rg_chain_link {
	int64_t link, run_id, ts_ns;
	const char *kind, *note;
	uint8_t rows_sha[RG_CHAIN_DIGEST];
	const uint8_t *held;
	size_t nheld; /* bytes */
	uint8_t prev[RG_CHAIN_DIGEST];
};
void rg_chain_digest(const struct rg_chain_link *l, uint8_t out[RG_CHAIN_DIGEST]);
/* SHA-256 of n bytes (a rows blob). */
void rg_chain_sha256(const void *p, size_t n, uint8_t out[RG_CHAIN_DIGEST]);
/* A group's hash: of its n row hashes, in key order, one after the other
 * at rows. */
void rg_chain_group_hash(const uint8_t *rows, unsigned n, uint8_t out[RG_CHAIN_ROW_HASH]);

/* Reading a rows blob: rg_chain_next gives the next entry; false at the
 * end, or with *bad set when the blob is malformed. An entry of a grouped
 * section has its tag, no hash; its group's last one the group's hash. */
struct rg_chain_cursor {
	const uint8_t *p, *end;
	unsigned table, left, in_group;
	bool first;   /* the entry is its section's first */
	bool grouped; /* its section is grouped */
	int64_t key;
	const uint8_t *hash;  /* ungrouped: the row's hash */
	uint8_t tag;          /* grouped: the first byte of the row's hash */
	const uint8_t *group; /* grouped, the group's last entry: its hash; else NULL */
	bool bad;
};
void rg_chain_cursor_init(struct rg_chain_cursor *c, const uint8_t *rows, size_t n);
bool rg_chain_next(struct rg_chain_cursor *c);

/* Writing one: a section's header, then its entries. */
void rg_chain_put_section(struct rg_buf *b, unsigned t, unsigned n);
void rg_chain_put_entry(struct rg_buf *b, int64_t *prev_key, int64_t key,
			const uint8_t hash[RG_CHAIN_ROW_HASH]);
/* Table t's rows that match the SQL condition `where` (an event table's,
 * on its rows table), and the other rows of each group that holds one of
 * them: their keys into the temporary table `into` (k INTEGER PRIMARY
 * KEY), made or emptied first. Retention and range exports take or keep
 * whole groups with it: a group with rows gone cannot be hashed, so `rgq
 * verify` takes one as tampering.
 *
 * The links are read from m->link on, the links before it listing no key
 * at or above m->key (m = {1, 0}: from the first); if the set's lowest
 * key is below m->key, from `from` instead. On return m is the same for
 * the set's lowest key: a later call whose set starts no lower may start there
 * (retention's steps: not every link since the oldest again). 0, or
 * SQLite's error. */
struct rg_chain_mark {
	int64_t link, key;
};
int rg_chain_whole_groups(sqlite3 *db, unsigned t, const char *where, int64_t from,
			  struct rg_chain_mark *m, const char *into);

/* Or a grouped section of n rows, by key. */
struct rg_chain_entry {
	int64_t key;
	uint8_t hash[RG_CHAIN_ROW_HASH];
};
void rg_chain_put_grouped(struct rg_buf *b, unsigned t, const struct rg_chain_entry *e,
			  unsigned n);

#endif /* RG_CHAIN_H */
