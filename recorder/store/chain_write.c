/* chain_write.c: the writer's side of the hash chain (chain.h): a link in
 * the transaction of every batch, run start and stop and retention step,
 * so that a commit and its link are one.
 *
 * Event rows, the bulk, are hashed from the values the writer binds, as
 * it binds them; the few rows of the other tables are read back through
 * the hasher's queries before the link is made. Reading every event row
 * back cost the writer about half again its CPU per row (scripts/bench
 * --writer), hashing the bound values a fraction of that. Both encode
 * alike (chain.c), and `rgq verify` checks the one against the other. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "clock.h"

/* The highest key of each table covered so far, and the head. */
struct chain_mark {
	int64_t link;
	uint8_t head[RG_CHAIN_DIGEST];
	int64_t hi[RG_CHAIN_PROCESSES];
	int64_t trim_from; /* the oldest link that may still have its rows blob */
};

struct store_chain {
	struct rg_chain_hasher *h;
	sqlite3_stmt *ins;
	struct chain_mark m, saved;
	/* the row being bound: the k-th bound column of event table t is
	 * column cid[t][k]; text copied (a cmdline built in scratch) in copy */
	int cid[RG_N_EVENT_TABLES][RG_FIELDS_MAX];
	struct rg_sql_value *row;
	struct rg_buf copy;
	struct rg_chain_entry *pending[RG_N_EVENT_TABLES]; /* event rows since the last link */
	unsigned npending[RG_N_EVENT_TABLES], cap[RG_N_EVENT_TABLES];
	int64_t *procs; /* proc_ids the batch wrote */
	unsigned nprocs, procs_cap;
	int64_t *gaps; /* gap_ids the transaction wrote or revised */
	unsigned ngaps, gaps_cap;
	struct rg_buf rows, held, sec;
	/* a trim's new trim_from, taken by the link made next, with which it
	 * commits or rolls back (0: none) */
	int64_t trim_next;
	int64_t link_ts; /* the wall clock of the last link made */
	/* retention's whole groups: where each event table's search starts */
	struct rg_chain_mark whole[RG_N_EVENT_TABLES];
	/* signed checkpoints (sign.h): the one the open transaction made */
	sqlite3_stmt *ins_cp;
	int64_t last_cp, saved_cp; /* mono ns of the last (start: the open) */
	struct rg_checkpoint cp;
	bool cp_pending;
};

int store_chain_open(struct rg_store *s, char *err, size_t errlen)
{
	if (s->o.no_chain)
		return 0;
	struct store_chain *c = rg_calloc(1, sizeof(*c));
	s->chain = c;
	c->h = rg_chain_hasher_new(s->db, err, errlen);
	if (!c->h || sqlite3_prepare_v3(s->db, "INSERT INTO chain (link, kind, run_id, ts_ns, "
					"note, rows, rows_sha, held, prev, digest) "
					"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
					-1, SQLITE_PREPARE_PERSISTENT, &c->ins, NULL)) {
		if (c->h)
			snprintf(err, errlen, "chain: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	c->last_cp = rg_mono_ns();
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT link, digest FROM chain ORDER BY link DESC LIMIT 1",
			       -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_bytes(st, 1) == RG_CHAIN_DIGEST) {
			c->m.link = sqlite3_column_int64(st, 0);
			memcpy(c->m.head, sqlite3_column_blob(st, 1), RG_CHAIN_DIGEST);
		}
		sqlite3_finalize(st);
	}
	c->m.trim_from = rg_sql_int(s->db, "SELECT min(link) FROM chain WHERE rows IS NOT NULL", 0);
	int widest = 0;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		const struct rg_field *cols[RG_FIELDS_MAX];
		struct rg_buf names = {0};
		unsigned n = rg_row_columns(&names, t, RG_FMASK_ALL, cols);
		rg_buf_free(&names);
		for (unsigned k = 0; k < n; k++) {
			c->cid[t][k] = rg_chain_column(c->h, t, cols[k]->name);
			if (c->cid[t][k] < 0) {
				snprintf(err, errlen, "chain: %s has no column %s",
					 rg_chain_table(t), cols[k]->name);
				return -1;
			}
		}
		int w = rg_chain_ncols(c->h, t);
		widest = w > widest ? w : widest;
	}
	c->row = rg_calloc((size_t)widest, sizeof(*c->row));
	/* rows already there are before the chain (an older recording) or
	 * were covered: the start link names the bound */
	for (unsigned t = 0; t < RG_CHAIN_PROCESSES; t++) {
		char sql[96];
		snprintf(sql, sizeof(sql), "SELECT max(rowid) FROM %s", rg_chain_store(t));
		c->m.hi[t] = rg_sql_int(s->db, sql, 0);
	}
	return 0;
}

void store_chain_free(struct rg_store *s)
{
	struct store_chain *c = s->chain;
	if (!c)
		return;
	rg_chain_hasher_free(c->h);
	sqlite3_finalize(c->ins);
	sqlite3_finalize(c->ins_cp);
	sodium_memzero(&c->cp, sizeof(c->cp));
	free(c->procs);
	free(c->gaps);
	free(c->row);
	rg_buf_free(&c->copy);
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++)
		free(c->pending[t]);
	rg_buf_free(&c->rows);
	rg_buf_free(&c->held);
	rg_buf_free(&c->sec);
	free(c);
	s->chain = NULL;
}

static void add_id(int64_t **v, unsigned *n, unsigned *cap, int64_t id)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		*v = rg_realloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = id;
}

void store_chain_note_process(struct rg_store *s, int64_t proc_id)
{
	struct store_chain *c = s->chain;
	if (c)
		add_id(&c->procs, &c->nprocs, &c->procs_cap, proc_id);
}

void store_chain_note_gap(struct rg_store *s, int64_t gap_id)
{
	struct store_chain *c = s->chain;
	if (c)
		add_id(&c->gaps, &c->ngaps, &c->gaps_cap, gap_id);
}

/* ---- event rows, as they are bound ------------------------------------------- */

bool store_chain_row(struct rg_store *s, unsigned t)
{
	struct store_chain *c = s->chain;
	if (!c)
		return false;
	memset(c->row, 0, (size_t)rg_chain_ncols(c->h, t) * sizeof(*c->row)); /* unset: as NULL */
	c->copy.len = 0;
	return true;
}

void store_chain_value(struct rg_store *s, unsigned t, unsigned k, const struct rg_sql_value *v)
{
	struct store_chain *c = s->chain;
	struct rg_sql_value *to = &c->row[c->cid[t][k]];
	*to = *v;
	if (v->transient) { /* where in copy: copy may move as it grows */
		to->i = (int64_t)c->copy.len;
		rg_buf_add(&c->copy, v->p, v->n);
	}
}

void store_chain_row_hash(struct rg_store *s, unsigned t, uint8_t out[RG_CHAIN_ROW_HASH])
{
	struct store_chain *c = s->chain;
	int n = rg_chain_ncols(c->h, t);
	for (int i = 0; i < n; i++)
		if (c->row[i].transient)
			c->row[i].p = c->copy.p + c->row[i].i;
	rg_chain_hash_values(c->h, t, c->row, out);
}

void store_chain_add(struct rg_store *s, unsigned t, int64_t key,
		     const uint8_t hash[RG_CHAIN_ROW_HASH])
{
	struct store_chain *c = s->chain;
	if (!c)
		return;
	if (c->npending[t] == c->cap[t]) {
		c->cap[t] = c->cap[t] ? 2 * c->cap[t] : 1024;
		c->pending[t] = rg_realloc(c->pending[t], c->cap[t] * sizeof(struct rg_chain_entry));
	}
	struct rg_chain_entry *e = &c->pending[t][c->npending[t]++];
	e->key = key;
	memcpy(e->hash, hash, RG_CHAIN_ROW_HASH);
}

/* ---- a link ---------------------------------------------------------------- */

struct section {
	struct rg_buf *b;
	int64_t prev, last;
	unsigned n;
};

static void add_entry(void *arg, int64_t key, const uint8_t hash[RG_CHAIN_ROW_HASH])
{
	struct section *sec = arg;
	rg_chain_put_entry(sec->b, &sec->prev, key, hash);
	sec->last = key;
	sec->n++;
}

/* Appends sec's entries as table t's section to rows or held. */
static void end_section(struct store_chain *c, unsigned t, const struct section *sec)
{
	struct rg_buf *b = t < RG_CHAIN_APPEND ? &c->rows : &c->held;
	if (!sec->n)
		return;
	rg_chain_put_section(b, t, sec->n);
	rg_buf_add(b, c->sec.p, c->sec.len);
}

static int cmp_entry(const void *a, const void *b)
{
	int64_t x = ((const struct rg_chain_entry *)a)->key;
	int64_t y = ((const struct rg_chain_entry *)b)->key;
	return (x > y) - (x < y);
}

/* Event table t's rows bound since the last link, by key, in groups. */
static void event_section(struct store_chain *c, unsigned t)
{
	struct rg_chain_entry *e = c->pending[t];
	unsigned n = c->npending[t];
	bool sorted = true; /* a table's rows go in queue order: by seq */
	for (unsigned i = 1; i < n && sorted; i++)
		sorted = e[i - 1].key < e[i].key;
	if (!sorted) /* unsorted means at least two */
		qsort(e, n, sizeof(*e), cmp_entry);
	c->npending[t] = 0;
	if (!n)
		return;
	if (e[n - 1].key > c->m.hi[t])
		c->m.hi[t] = e[n - 1].key;
	rg_chain_put_grouped(&c->rows, t, e, n);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Table t's rows whose keys were noted (ids, n of them), each once, in
 * key order, those up to `upto`; SQLITE_DONE or an error. */
static int hold_noted(struct store_chain *c, unsigned t, int64_t *ids, unsigned n, int64_t upto,
		      struct section *sec)
{
	int rc = SQLITE_DONE;
	if (n) /* qsort's base may not be NULL, even for none */
		qsort(ids, n, sizeof(*ids), cmp_i64);
	for (unsigned i = 0; i < n && ids[i] <= upto && rc == SQLITE_DONE; i++)
		if (!i || ids[i] != ids[i - 1])
			rc = rg_chain_rows(c->h, t, ids[i], ids[i], add_entry, sec);
	return rc;
}

/* The rows since the last link of each table that only grows (and of
 * gaps), and the processes and gaps the transaction wrote (noted). */
static int collect(struct store_chain *c)
{
	int rc = SQLITE_DONE;
	c->rows.len = c->held.len = 0;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++)
		event_section(c, t);
	for (unsigned t = RG_N_EVENT_TABLES; t < RG_CHAIN_PROCESSES && rc == SQLITE_DONE; t++) {
		struct section sec = {&c->sec, 0, 0, 0};
		c->sec.len = 0;
		/* gaps: those written or revised at or below the highest covered
		 * (the pruned and unshipped gaps as they grow), then the new */
		if (t == RG_CHAIN_GAPS)
			rc = hold_noted(c, t, c->gaps, c->ngaps, c->m.hi[t], &sec);
		if (rc == SQLITE_DONE)
			rc = rg_chain_rows(c->h, t, c->m.hi[t] + 1, INT64_MAX, add_entry, &sec);
		if (sec.n && sec.last > c->m.hi[t])
			c->m.hi[t] = sec.last;
		end_section(c, t, &sec);
	}
	struct section sec = {&c->sec, 0, 0, 0};
	c->sec.len = 0;
	if (rc == SQLITE_DONE)
		rc = hold_noted(c, RG_CHAIN_PROCESSES, c->procs, c->nprocs, INT64_MAX, &sec);
	end_section(c, RG_CHAIN_PROCESSES, &sec);
	c->nprocs = c->ngaps = 0;
	return rc == SQLITE_DONE ? 0 : -1;
}

static int insert_link(struct rg_store *s, const char *kind, const char *note)
{
	struct store_chain *c = s->chain;
	struct rg_chain_link l = {c->m.link + 1, s->run_id, rg_wall_ns(), kind, note, {0},
				  (const uint8_t *)c->held.p, c->held.len, {0}};
	/* a NULL pointer would bind NULL: what covers no row is "" */
	const void *rows = c->rows.len ? (const void *)c->rows.p : "";
	const void *held = c->held.len ? (const void *)c->held.p : "";
	rg_chain_sha256(rows, c->rows.len, l.rows_sha);
	memcpy(l.prev, c->m.head, RG_CHAIN_DIGEST);
	uint8_t digest[RG_CHAIN_DIGEST];
	rg_chain_digest(&l, digest);
	sqlite3_stmt *st = c->ins;
	sqlite3_bind_int64(st, 1, l.link);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, l.run_id);
	sqlite3_bind_int64(st, 4, l.ts_ns);
	sqlite3_bind_text(st, 5, note, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, rows, (int)c->rows.len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, l.rows_sha, RG_CHAIN_DIGEST, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, held, (int)c->held.len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, l.prev, RG_CHAIN_DIGEST, SQLITE_STATIC);
	sqlite3_bind_blob(st, 10, digest, RG_CHAIN_DIGEST, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	c->m.link = l.link;
	memcpy(c->m.head, digest, RG_CHAIN_DIGEST);
	c->link_ts = l.ts_ns;
	return 0;
}

/* A signed checkpoint of the link just made, in its transaction: at the
 * run's stop, and for a batch once checkpoint_s have passed since the
 * last one (so at most one per interval, and none while nothing grows). */
static int checkpoint(struct rg_store *s, const char *kind)
{
	struct store_chain *c = s->chain;
	int64_t now = rg_mono_ns();
	if (!s->o.sign_key)
		return 0;
	if (strcmp(kind, "stop") && (strcmp(kind, "batch") ||
				     now - c->last_cp < (int64_t)s->o.checkpoint_s * 1000000000))
		return 0;
	if (!c->ins_cp && sqlite3_prepare_v3(s->db, "INSERT INTO checkpoints (link, run_id, "
					     "ts_ns, host, head, pubkey, sig) VALUES (?, ?, ?, ?, "
					     "?, ?, ?)", -1, SQLITE_PREPARE_PERSISTENT, &c->ins_cp,
					     NULL))
		return -1;
	struct rg_checkpoint *cp = &c->cp;
	memset(cp, 0, sizeof(*cp));
	cp->link = c->m.link;
	memcpy(cp->head, c->m.head, RG_CHAIN_DIGEST);
	cp->run_id = s->run_id;
	cp->ts_ns = c->link_ts;
	snprintf(cp->host, sizeof(cp->host), "%s", s->host);
	rg_sign_head(cp, s->o.sign_key);
	sqlite3_stmt *st = c->ins_cp;
	sqlite3_bind_int64(st, 1, cp->link);
	sqlite3_bind_int64(st, 2, cp->run_id);
	sqlite3_bind_int64(st, 3, cp->ts_ns);
	sqlite3_bind_text(st, 4, cp->host, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, cp->head, sizeof(cp->head), SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, cp->pk, sizeof(cp->pk), SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, cp->sig, sizeof(cp->sig), SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	c->cp_pending = true;
	c->saved_cp = c->last_cp;
	c->last_cp = now;
	return 0;
}

void store_chain_committed(struct rg_store *s)
{
	struct store_chain *c = s->chain;
	if (!c || !c->cp_pending)
		return;
	c->cp_pending = false;
	pthread_mutex_lock(&s->mu);
	if (s->nout == CHECKPOINT_OUTBOX) { /* nobody takes them: the oldest go */
		memmove(s->outbox, s->outbox + 1, (CHECKPOINT_OUTBOX - 1) * sizeof(*s->outbox));
		s->nout--;
		s->out_dropped++;
	}
	s->outbox[s->nout++] = c->cp;
	pthread_mutex_unlock(&s->mu);
}

int store_chain_link(struct rg_store *s, const char *kind, const char *note)
{
	struct store_chain *c = s->chain;
	if (!c)
		return 0;
	c->saved = c->m;
	struct rg_buf base = {0};
	if (!strcmp(kind, "start")) { /* what was there before the run */
		rg_buf_adds(&base, "base");
		for (unsigned t = 0; t < RG_CHAIN_PROCESSES; t++)
			rg_buf_printf(&base, " %s=%lld", rg_chain_table(t), (long long)c->m.hi[t]);
		note = rg_buf_cstr(&base);
	}
	int rc = collect(c);
	/* a batch of only meta or seed rows covers nothing: no link */
	if (!rc && (c->rows.len || c->held.len || strcmp(kind, "batch")))
		rc = insert_link(s, kind, note) || checkpoint(s, kind);
	rg_buf_free(&base);
	if (rc)
		c->m = c->saved;
	else if (c->trim_next && c->m.link != c->saved.link) /* a link went in */
		c->m.trim_from = c->trim_next;
	c->trim_next = 0;
	return rc;
}

void store_chain_undo(struct rg_store *s)
{
	struct store_chain *c = s->chain;
	if (!c)
		return;
	c->nprocs = c->ngaps = 0;
	memset(c->npending, 0, sizeof(c->npending));
	if (c->cp_pending) { /* its row went with the transaction */
		c->cp_pending = false;
		c->last_cp = c->saved_cp;
	}
	/* the database says whether the transaction's link was rolled back
	 * (a transaction that failed before its link made none) */
	if (c->m.link != rg_sql_int(s->db, "SELECT coalesce(max(link), 0) FROM chain", -1))
		c->m = c->saved;
	c->trim_next = 0; /* the rows blobs it dropped are back */
}

/* ---- retention ---------------------------------------------------------------- */

static void put_range(struct rg_buf *note, unsigned nth, int64_t lo, int64_t hi)
{
	if (nth)
		rg_buf_addc(note, ',');
	rg_buf_add_i64(note, lo);
	if (hi != lo) {
		rg_buf_addc(note, '-');
		rg_buf_add_i64(note, hi);
	}
}

/* The keys to go, as one line "table a-b,c" appended to note. */
static int note_keys(struct rg_store *s, unsigned t, const char *where, struct rg_buf *note)
{
	char sql[320];
	sqlite3_stmt *st;
	snprintf(sql, sizeof(sql), "SELECT rowid FROM %s WHERE %s ORDER BY rowid",
		 rg_chain_store(t), where);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int64_t lo = 0, hi = 0;
	unsigned nth = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t k = sqlite3_column_int64(st, 0);
		if (lo && k == hi + 1) {
			hi = k;
			continue;
		}
		if (lo)
			put_range(note, nth++, lo, hi);
		else
			rg_buf_printf(note, "%s ", rg_chain_table(t));
		lo = hi = k;
	}
	sqlite3_finalize(st);
	if (lo) {
		put_range(note, nth, lo, hi);
		rg_buf_addc(note, '\n');
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

const char *store_chain_whole(struct rg_store *s, unsigned t, const char *where)
{
	if (!s->chain || t >= RG_N_EVENT_TABLES)
		return where;
	struct store_chain *c = s->chain;
	if (c->whole[t].link < c->m.trim_from) /* a row list it knew was dropped */
		c->whole[t] = (struct rg_chain_mark){c->m.trim_from, 0};
	if (rg_chain_whole_groups(s->db, t, where, c->m.trim_from, &c->whole[t], "rg_prune_keys"))
		return NULL;
	return "seq IN (SELECT k FROM temp.rg_prune_keys)";
}

int64_t store_chain_delete(struct rg_store *s, unsigned t, const char *where, struct rg_buf *note)
{
	char sql[320];
	if (s->chain && note_keys(s, t, where, note))
		return -1;
	/* the rows' more rows first (schema/029): the writer's connection
	 * runs no triggers, and the view's would not run here anyway */
	if (t < RG_N_EVENT_TABLES && rg_event_tables[t].more) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE seq IN (SELECT seq FROM %s WHERE %s)",
			 rg_event_tables[t].more, rg_chain_store(t), where);
		if (store_exec(s->db, sql, NULL, 0))
			return -1;
	}
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE %s", rg_chain_store(t), where);
	if (store_exec(s->db, sql, NULL, 0))
		return -1;
	return sqlite3_changes(s->db);
}

/* True when every row the rows blob covers is gone: each key below the
 * lowest its table still has. */
static bool all_pruned(const uint8_t *rows, size_t n, const int64_t low[RG_CHAIN_APPEND])
{
	struct rg_chain_cursor cur;
	rg_chain_cursor_init(&cur, rows, n);
	while (rg_chain_next(&cur))
		if (cur.table >= RG_CHAIN_APPEND || cur.key >= low[cur.table])
			return false;
	return !cur.bad;
}

int store_chain_trim(struct rg_store *s, struct rg_buf *note)
{
	struct store_chain *c = s->chain;
	if (!c)
		return 0;
	int64_t low[RG_CHAIN_APPEND];
	for (unsigned t = 0; t < RG_CHAIN_APPEND; t++) {
		char sql[96];
		snprintf(sql, sizeof(sql), "SELECT coalesce(min(rowid), %lld) FROM %s",
			 (long long)INT64_MAX, rg_chain_store(t));
		low[t] = rg_sql_int(s->db, sql, 0);
	}
	sqlite3_stmt *st, *up;
	if (sqlite3_prepare_v2(s->db, "SELECT link, rows FROM chain WHERE link >= ? AND rows IS "
				      "NOT NULL ORDER BY link LIMIT 64", -1, &st, NULL))
		return -1;
	if (sqlite3_prepare_v2(s->db, "UPDATE chain SET rows = NULL WHERE link = ?", -1, &up,
			       NULL)) {
		sqlite3_finalize(st);
		return -1;
	}
	int64_t first = 0, last = 0;
	int rc = 0;
	sqlite3_bind_int64(st, 1, c->m.trim_from);
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		int64_t link = sqlite3_column_int64(st, 0);
		if (!all_pruned(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1), low))
			break;
		sqlite3_bind_int64(up, 1, link);
		rc = sqlite3_step(up) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(up);
		first = first ? first : link;
		last = link;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	if (!rc && first) {
		rg_buf_printf(note, "chain %lld-%lld\n", (long long)first, (long long)last);
		c->trim_next = last + 1;
	}
	return rc;
}
