/* dict.c: the numbers the compact tables' rows refer to (schema/023):
 * `images`, one row per distinct executable and command name, `actors`,
 * one per distinct pid, uid, gid, parent and image (schema/025), `names`,
 * the event types, syscalls, file paths' directories (schema/024) and
 * network families, protocols and local addresses (schema/027), process
 * rows' SHA-256s and hash statuses (schema/028); actors are numbered per
 * block of seqs (schema/033), and so are images and names when retention
 * is on (schema/034),
 * `clocks`, the offsets of the wall clock from the boot clock that
 * rows' times were taken with (schema/026), and `cmdlines`, process rows'
 * command lines (schema/031). The writer remembers the
 * numbers it has handed out, so a row costs a hash look-up here, not a
 * query; a number it has not seen is looked up in the table, then added
 * to it in the batch's transaction (a rollback forgets them all:
 * store_dict_undo). */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "table.h"

/* A cache holds at most this many keys; full, it starts over (a number
 * forgotten is found again in its table, within its block: forgetting
 * costs look-ups, never a new row). */
#define DICT_MAX 4096

enum { D_IMAGE, D_ACTOR, D_NAME, D_CLOCK, D_CMDLINE, D_N };
#define DICT_SLOTS (2 * DICT_MAX)

struct dict_ent {
	uint64_t hash;
	int64_t id; /* 0: a free slot */
	size_t len;
	char *key;
};

/* The caches numbered per block: their table, dict_blocks column, the
 * parameter of their find statement that takes it, and whether blocks
 * share them without retention (images and names, schema/034: nothing
 * prunes them then). */
static const struct {
	unsigned w;
	const char *table, *col;
	int param;
	bool shared;
} block_dicts[] = {
	{D_IMAGE, "images", "first_image", 3, true},
	{D_ACTOR, "actors", "first_actor", RG_ACTOR_PARTS + 2, false},
	{D_NAME, "names", "first_name", 2, true},
};
#define N_BLOCK_DICTS (sizeof(block_dicts) / sizeof(block_dicts[0]))

struct store_dict {
	struct dict_ent *slots[D_N]; /* 2 * DICT_MAX slots each */
	unsigned n[D_N];
	sqlite3_stmt *find[D_N], *add[D_N];
	int64_t etype_id[RG_ET_COUNT]; /* 0: not known yet */
	uint64_t cmdline_block; /* the block of seqs D_CMDLINE's numbers are for */
	bool in_block;          /* the numbers bound are `block`'s (or higher) */
	int64_t block;          /* seq >> 16 (schema/033, 034) */
	/* block_dicts' caches hold numbers from these on (INT64_MAX: empty) */
	int64_t first[N_BLOCK_DICTS];
};

/* The caches numbered per block hold nothing, so no bound yet. */
static void empty_bounds(struct store_dict *d)
{
	for (unsigned i = 0; i < N_BLOCK_DICTS; i++)
		d->first[i] = INT64_MAX;
}

static void forget(struct store_dict *d, unsigned w)
{
	for (unsigned i = 0; i < DICT_SLOTS; i++) {
		free(d->slots[w][i].key);
		d->slots[w][i] = (struct dict_ent){0};
	}
	d->n[w] = 0;
}

void store_dict_undo(struct rg_store *s)
{
	struct store_dict *d = s->dict;
	if (!d)
		return;
	for (unsigned w = 0; w < D_N; w++)
		forget(d, w);
	memset(d->etype_id, 0, sizeof(d->etype_id));
	empty_bounds(d);
	d->in_block = false; /* its dict_blocks row may be gone too */
}

void store_dict_free(struct rg_store *s)
{
	struct store_dict *d = s->dict;
	if (!d)
		return;
	store_dict_undo(s);
	for (unsigned w = 0; w < D_N; w++) {
		free(d->slots[w]);
		sqlite3_finalize(d->find[w]);
		sqlite3_finalize(d->add[w]);
	}
	free(d);
	s->dict = NULL;
}

int store_dict_open(struct rg_store *s, char *err, size_t errlen)
{
	static const char *const sql[D_N][2] = {
		/* ?3, ?7, ?2: the block's first number (block_dicts) */
		[D_IMAGE] = {"SELECT min(id) FROM images WHERE exe IS ?1 AND comm IS ?2 AND id >= ?3",
			     "INSERT INTO images (exe, comm) VALUES (?1, ?2)"},
		[D_ACTOR] = {"SELECT min(id) FROM actors WHERE pid IS ?1 AND uid IS ?2 AND "
			     "gid IS ?3 AND ppid IS ?4 AND parent_proc_id IS ?5 AND image_id IS ?6 "
			     "AND id >= ?7",
			     "INSERT INTO actors (pid, uid, gid, ppid, parent_proc_id, image_id) "
			     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
		[D_NAME] = {"SELECT min(id) FROM names WHERE name = ?1 AND id >= ?2",
			    "INSERT INTO names (name) VALUES (?1)"},
		[D_CLOCK] = {"SELECT id FROM clocks WHERE offset_ns = ?1",
			     "INSERT INTO clocks (offset_ns) VALUES (?1)"},
		/* never looked up in the table: a number is reused only in its
		 * block (store_cmdline_id) */
		[D_CMDLINE] = {NULL, "INSERT INTO cmdlines (id, cmdline) VALUES (?1, ?2)"},
	};
	struct store_dict *d = s->dict = rg_calloc(1, sizeof(*d));
	empty_bounds(d);
	for (unsigned w = 0; w < D_N; w++) {
		d->slots[w] = rg_calloc(DICT_SLOTS, sizeof(struct dict_ent));
		const unsigned keep = SQLITE_PREPARE_PERSISTENT;
		if ((sql[w][0] &&
		     sqlite3_prepare_v3(s->db, sql[w][0], -1, keep, &d->find[w], NULL)) ||
		    sqlite3_prepare_v3(s->db, sql[w][1], -1, keep, &d->add[w], NULL)) {
			snprintf(err, errlen, "preparing the images, actors, names, clocks and "
				 "command lines: %s", sqlite3_errmsg(s->db));
			return -1;
		}
	}
	return 0;
}

/* The slot of key in cache w: its own, or the free one it would take. */
static struct dict_ent *slot(struct store_dict *d, unsigned w, uint64_t h, const char *key,
			     size_t len)
{
	struct dict_ent *e = d->slots[w];
	for (unsigned i = (unsigned)h & (DICT_SLOTS - 1);; i = (i + 1) & (DICT_SLOTS - 1))
		if (!e[i].id || (e[i].hash == h && e[i].len == len && !memcmp(e[i].key, key, len)))
			return &e[i];
}

/* Runs st (its parameters bound) for an id: the row found's (0: none) or
 * the inserted row's; -1 on an error. */
static int64_t run(sqlite3 *db, sqlite3_stmt *st, bool insert)
{
	int rc = sqlite3_step(st);
	int64_t id = -1;
	if (!insert && rc == SQLITE_ROW) /* a NULL: min() of no row */
		id = sqlite3_column_int64(st, 0);
	else if (!insert && rc == SQLITE_DONE)
		id = 0;
	else if (insert && rc == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db);
	sqlite3_reset(st);
	return id;
}

/* Numbers are added in the batch's transaction only. On some errors (a
 * full disk, an I/O error) SQLite rolls it back by itself, and the rows
 * of a group bound after that would add theirs in autocommit: each would
 * commit on its own, for rows that are not stored. */
static bool in_batch(struct rg_store *s)
{
	return !sqlite3_get_autocommit(s->db);
}

/* The id of key in table w, found or added (its statements' parameters
 * bound to the values v[0..nv)); -1 on an error. */
static int64_t lookup(struct rg_store *s, unsigned w, const char *key, size_t len,
		      const struct rg_sql_value *v, int nv)
{
	struct store_dict *d = s->dict;
	if (!d->in_block && w != D_CLOCK && w != D_CMDLINE)
		return -1; /* a row's numbers come after store_dict_block */
	uint64_t h = rg_hash_bytes(w + 1, key, len);
	struct dict_ent *e = slot(d, w, h, key, len);
	if (e->id)
		return e->id;
	if (!in_batch(s))
		return -1;
	int64_t id = -1;
	for (int insert = !d->find[w]; insert < 2; insert++) {
		sqlite3_stmt *st = insert ? d->add[w] : d->find[w];
		for (int i = 0; i < nv; i++)
			rg_row_bind_value(st, i + 1, &v[i]);
		id = run(s->db, st, insert); /* its error stays the connection's */
		if (id)
			break;
	}
	if (id <= 0)
		return -1;
	if (d->n[w] == DICT_MAX) {
		forget(d, w);
		e = slot(d, w, h, key, len);
	}
	*e = (struct dict_ent){h, id, len, rg_malloc(len ? len : 1)};
	memcpy(e->key, key, len);
	d->n[w]++;
	return id;
}

/* A text value's bytes into k after a length (UINT32_MAX: NULL). */
static size_t put_part(char *k, const struct rg_sql_value *v)
{
	uint32_t n = v && v->type == SQLITE_TEXT ? (uint32_t)v->n : UINT32_MAX;
	memcpy(k, &n, 4);
	if (n != UINT32_MAX)
		memcpy(k + 4, v->p, n);
	return 4 + (n == UINT32_MAX ? 0 : n);
}

int64_t store_image_id(struct rg_store *s, const struct rg_sql_value *exe,
		       const struct rg_sql_value *comm)
{
	bool has_exe = exe && exe->type == SQLITE_TEXT, has_comm = comm && comm->type == SQLITE_TEXT;
	if (!has_exe && !has_comm)
		return 0;
	size_t len = 8 + (has_exe ? exe->n : 0) + (has_comm ? comm->n : 0);
	char small[512], *k = len <= sizeof(small) ? small : rg_malloc(len);
	size_t at = put_part(k, exe);
	put_part(k + at, comm);
	struct rg_sql_value v[2] = {has_exe ? *exe : (struct rg_sql_value){.type = SQLITE_NULL},
				    has_comm ? *comm : (struct rg_sql_value){.type = SQLITE_NULL}};
	int64_t id = lookup(s, D_IMAGE, k, len, v, 2);
	if (k != small)
		free(k);
	return id;
}

/* An actor's column in its key: its type, and an integer's value (the
 * recorder's are integers or NULL; any other value is an error). */
static bool put_int(char *k, const struct rg_sql_value *v)
{
	k[0] = (char)v->type;
	memcpy(k + 1, &v->i, 8);
	return v->type == SQLITE_INTEGER || v->type == SQLITE_NULL;
}

/* Enters the block of seq (schema/033, 034): numbers below the block's
 * first ones are not looked up, and a cache that may hold some starts
 * over. A block new to dict_blocks takes the numbers the next new actor,
 * image and name will; one entered again (by the next run, or by a batch
 * that goes back to it: a batch is written table by table) keeps its
 * own. Without retention images and names are not pruned, and a block
 * takes the lowest there instead (any): it reuses those of the blocks
 * before, as before schema 34, rather than pay for them again. */
bool store_dict_block(struct rg_store *s, uint64_t seq)
{
	struct store_dict *d = s->dict;
	/* as SQL shifts the stored seq (an arithmetic shift: gcc and clang's
	 * for a negative int64, which a seq at or past 2^63 is stored as) */
	int64_t block = (int64_t)seq >> RG_DICT_BLOCK_BITS;
	if (d->in_block && block == d->block)
		return true;
	d->in_block = false; /* until the new block's numbers are bound */
	if (!in_batch(s)) /* its note would commit alone */
		return false;
	bool pruned = s->o.max_age_s || s->o.max_size_mb;
	/* the block's row: the numbers next made, or the lowest there (any) */
	struct rg_buf sql = {0}, cols = {0};
	for (unsigned i = 0; i < N_BLOCK_DICTS; i++)
		rg_buf_printf(&cols, ", %s", block_dicts[i].col);
	rg_buf_printf(&sql, "INSERT OR IGNORE INTO dict_blocks (block%s) SELECT %lld",
		      rg_buf_cstr(&cols), (long long)block);
	for (unsigned i = 0; i < N_BLOCK_DICTS; i++)
		rg_buf_printf(&sql, ", (SELECT %s FROM %s)",
			      block_dicts[i].shared && !pruned ? "min(1, coalesce(min(id), 1))"
							       : "coalesce(max(id), 0) + 1",
			      block_dicts[i].table);
	bool ok = store_exec(s->db, rg_buf_cstr(&sql), NULL, 0) == SQLITE_OK;
	/* read back, with the highest first image noted (below) */
	sql.len = 0;
	rg_buf_printf(&sql, "SELECT %s, (SELECT max(first_image) FROM dict_blocks) FROM "
		      "dict_blocks WHERE block = %lld", rg_buf_cstr(&cols) + 2 /* its ", " */,
		      (long long)block);
	sqlite3_stmt *st = NULL;
	ok = ok && sqlite3_prepare_v2(s->db, rg_buf_cstr(&sql), -1, &st, NULL) == SQLITE_OK &&
	     sqlite3_step(st) == SQLITE_ROW;
	rg_buf_free(&sql);
	rg_buf_free(&cols);
	/* with retention, images from the highest first image noted: an actor
	 * made now is numbered after every block noted and stays as long as
	 * the newest, so must its image (a batch is written table by table,
	 * and goes back to the block before for the next table's rows when it
	 * crosses into a new one) */
	int64_t top = ok && pruned ? sqlite3_column_int64(st, N_BLOCK_DICTS) : INT64_MIN;
	for (unsigned i = 0; ok && i < N_BLOCK_DICTS; i++) {
		int64_t first = sqlite3_column_int64(st, (int)i);
		unsigned w = block_dicts[i].w;
		if (w == D_IMAGE && top > first)
			first = top;
		if (first > d->first[i]) { /* its cache may hold numbers below it */
			forget(d, w);
			if (w == D_NAME)
				memset(d->etype_id, 0, sizeof(d->etype_id));
		}
		d->first[i] = first; /* what is cached from now on is this or more */
		/* never a number below 1 (an edit's): lookup takes it for none */
		ok = sqlite3_bind_int64(d->find[w], block_dicts[i].param,
					first > 1 ? first : 1) == SQLITE_OK;
	}
	sqlite3_finalize(st);
	d->block = block;
	d->in_block = ok;
	return ok;
}

int64_t store_actor_id(struct rg_store *s, const struct rg_sql_value *parts, int64_t image_id)
{
	struct rg_sql_value v[RG_ACTOR_PARTS + 1];
	char k[9 * (RG_ACTOR_PARTS + 1)] = {0};
	bool ok = true;
	for (int i = 0; i < RG_ACTOR_PARTS; i++) {
		v[i] = parts[i].type == SQLITE_NULL ? (struct rg_sql_value){.type = SQLITE_NULL}
						    : parts[i];
		ok = put_int(k + 9 * i, &v[i]) && ok;
	}
	v[RG_ACTOR_PARTS] = (struct rg_sql_value){.type = image_id ? SQLITE_INTEGER : SQLITE_NULL,
						  .i = image_id};
	put_int(k + 9 * RG_ACTOR_PARTS, &v[RG_ACTOR_PARTS]);
	return ok ? lookup(s, D_ACTOR, k, sizeof(k), v, RG_ACTOR_PARTS + 1) : -1;
}

int64_t store_name_id(struct rg_store *s, const struct rg_sql_value *name)
{
	return lookup(s, D_NAME, name->p, name->n, name, 1);
}

int64_t store_clock_id(struct rg_store *s, int64_t offset_ns)
{
	struct rg_sql_value v = {.type = SQLITE_INTEGER, .i = offset_ns};
	return lookup(s, D_CLOCK, (const char *)&offset_ns, sizeof(offset_ns), &v, 1);
}

int64_t store_etype_id(struct rg_store *s, enum rg_etype type)
{
	int64_t *id = &s->dict->etype_id[type];
	if (!*id) {
		const char *n = rg_etype_name(type);
		struct rg_sql_value v = {.type = SQLITE_TEXT, .p = n, .n = strlen(n)};
		*id = store_name_id(s, &v);
		if (*id < 0)
			*id = 0;
		return *id ? *id : -1;
	}
	return *id;
}

/* The largest seq whose command line is numbered 2 * seq (2 * seq + 1
 * through the view); a row of a larger one (only an edit makes one, and
 * the recorder's seqs then go on from it), or of seq 0, has a number
 * below 0. */
#define CMDLINE_SEQ_MAX ((UINT64_C(1) << 62) - 1)

/* A command line's number (schema/031): 2 * seq of the first row of seq's
 * block of RG_CMDLINE_BLOCK seqs that has it. The cache starts over with
 * every block, so that no row refers to a number from 0 up to 2 * its
 * block's first seq: retention can then delete those below the block of
 * the oldest process row left (store_prune_cmdlines) without an index of
 * the rows by number. */
bool store_cmdline_id(struct rg_store *s, uint64_t seq, const struct rg_sql_value *cmdline,
		      int64_t *id)
{
	struct store_dict *d = s->dict;
	/* its own, below 0, never pruned (0 would be a free slot's number) */
	if (seq == 0 || seq > CMDLINE_SEQ_MAX) {
		if (!in_batch(s))
			return false;
		sqlite3_stmt *st = NULL;
		static const char sql[] = "INSERT INTO cmdlines (id, cmdline) VALUES "
					  "(min(coalesce((SELECT min(id) FROM cmdlines), 0), 0) "
					  "- 1, ?1)";
		bool ok = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK;
		if (ok) {
			rg_row_bind_value(st, 1, cmdline);
			ok = sqlite3_step(st) == SQLITE_DONE;
		}
		sqlite3_finalize(st);
		*id = sqlite3_last_insert_rowid(s->db);
		return ok;
	}
	uint64_t block = seq / RG_CMDLINE_BLOCK;
	if (block != d->cmdline_block) {
		forget(d, D_CMDLINE);
		d->cmdline_block = block;
	}
	struct rg_sql_value v[2] = {{.type = SQLITE_INTEGER, .i = 2 * (int64_t)seq}, *cmdline};
	*id = lookup(s, D_CMDLINE, cmdline->p, cmdline->n, v, 2);
	return *id > 0;
}

/* Retention's deletes below compute where they stop in the statement
 * itself: a failed read then fails the step, not reads as "no rows
 * left", which would let them take numbers rows still have. */

int store_prune_cmdlines(struct rg_store *s)
{
	/* the block of the oldest process row from 0 on (rows below 0 have
	 * numbers below 0, never pruned), but never past the cache's: its
	 * numbers may be given to rows to come */
	long long cache = s->dict ? (long long)s->dict->cmdline_block : 0;
	char sql[256];
	snprintf(sql, sizeof(sql), "DELETE FROM cmdlines WHERE id >= 0 AND id < 2 * %d * "
		 "min(coalesce((SELECT min(seq) FROM process_rows WHERE seq >= 0) / %d, %lld), "
		 "%lld)", RG_CMDLINE_BLOCK, RG_CMDLINE_BLOCK, cache, cache);
	return store_exec(s->db, sql, NULL, 0);
}

int store_prune_dicts(struct rg_store *s)
{
	/* the block of the oldest row that has an actor or names, but never
	 * past the writer's: its numbers may be given to rows to come */
	long long w = s->dict && s->dict->in_block ? (long long)s->dict->block : INT64_MAX;
	const int k = RG_DICT_BLOCK_BITS;
	/* the block noted last at or before it (none: nothing goes), and the
	 * smallest first numbers from there on; never a table's newest row:
	 * a new one is numbered after it (INTEGER PRIMARY KEY), and with the
	 * table emptied would take a number below a noted block's first */
	struct rg_buf sql = {0};
	rg_buf_printf(&sql, "CREATE TEMP TABLE IF NOT EXISTS rg_dict_from (b INTEGER); DELETE "
		      "FROM temp.rg_dict_from; INSERT INTO temp.rg_dict_from SELECT max(block) FROM "
		      "dict_blocks WHERE block <= min(coalesce((SELECT min(seq) FROM process_rows) "
		      ">> %d, %lld), coalesce((SELECT min(seq) FROM file_rows) >> %d, %lld), "
		      "coalesce((SELECT min(seq) FROM network_rows) >> %d, %lld), %lld); ",
		      k, w, k, w, k, w, w);
	for (unsigned i = 0; i < N_BLOCK_DICTS; i++)
		rg_buf_printf(&sql, "DELETE FROM %s WHERE id < (SELECT min(min(%s), (SELECT "
			      "max(id) FROM %s)) FROM dict_blocks WHERE block >= (SELECT b FROM "
			      "temp.rg_dict_from)); ", block_dicts[i].table, block_dicts[i].col,
			      block_dicts[i].table);
	rg_buf_adds(&sql, "DELETE FROM dict_blocks WHERE block < (SELECT b FROM temp.rg_dict_from)");
	int rc = store_exec(s->db, rg_buf_cstr(&sql), NULL, 0);
	rg_buf_free(&sql);
	return rc;
}
