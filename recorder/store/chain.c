/* chain.c: the chain's row encoding, rows blobs and link digest
 * (chain.h), for the writer and for `rgq verify` alike. */
#include "chain.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

const char *rg_chain_table(unsigned t)
{
	static const char *const rest[] = {"alerts", "health", "gaps", "processes"};
	if (t < RG_N_EVENT_TABLES)
		return rg_event_tables[t].name;
	return t < RG_CHAIN_NTABLES ? rest[t - RG_N_EVENT_TABLES] : NULL;
}

const char *rg_chain_store(unsigned t)
{
	return t < RG_N_EVENT_TABLES ? rg_event_tables[t].rows : rg_chain_table(t);
}

unsigned rg_chain_table_index(const char *name)
{
	unsigned t = 0;
	while (t < RG_CHAIN_NTABLES && strcmp(rg_chain_table(t), name))
		t++;
	return t;
}

/* SHA-256, fetched once for the process: EVP_sha256() makes EVP_Digest
 * fetch it again on every call, which cost a group hash (192 bytes) more
 * than its rounds (callgrind, rg-gen: 5 000 instructions a group); the
 * row hasher, the rows blobs, the groups and the link digests share it. */
static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *chain_md(void)
{
	pthread_once(&sha256_once, fetch_sha256);
	return sha256;
}

/* ---- hashing rows ----------------------------------------------------------- */

/* A row is hashed inside the query that reads it, by the SQL function
 * rg_chain_row(table, col...): it gets the row's values as one array, where
 * reading them back through sqlite3_column_* costs several API calls per
 * column (most of the chain's cost in a profile of the writer). */

/* A column left out of the encoding when it holds its declared default. */
struct col {
	char *name;
	bool has_dflt;
	int64_t dflt;
};

struct table {
	/* SELECT key, rg_chain_row(t, cols...) ... WHERE key BETWEEN ?1 AND ?2 */
	sqlite3_stmt *range;
	struct col *cols;
	int ncols;
};

struct rg_chain_hasher {
	sqlite3 *db;
	struct table t[RG_CHAIN_NTABLES];
	struct rg_sql_value *vals; /* row_fn's, room for the widest table */
	EVP_MD_CTX *ctx;
	struct rg_buf enc;
};

static void free_table(struct table *t)
{
	sqlite3_finalize(t->range);
	for (int i = 0; i < t->ncols; i++)
		free(t->cols[i].name);
	free(t->cols);
}

/* An integer literal default ("0", "-1"); anything else is no default. */
static bool int_default(const char *s, int64_t *v)
{
	char *end;
	if (!s || !*s)
		return false;
	*v = strtoll(s, &end, 10);
	return *end == '\0';
}

static void add_cols(const struct table *t, unsigned ti, struct rg_buf *q)
{
	rg_buf_printf(q, "\"%s\", rg_chain_row(%u", t->cols[0].name, ti);
	for (int i = 0; i < t->ncols; i++)
		rg_buf_printf(q, ", \"%s\"", t->cols[i].name);
	rg_buf_addc(q, ')');
}

/* A view says nothing of its columns' defaults: they are its rows'
 * table's, by name (a column added there later with a default, and to
 * the view, must leave the old rows' hashes as they were). */
static void store_defaults(sqlite3 *db, unsigned ti, struct table *t)
{
	char sql[160];
	sqlite3_stmt *st;
	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", rg_chain_store(ti));
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		for (int i = 0; name && i < t->ncols; i++)
			if (!strcmp(t->cols[i].name, name))
				t->cols[i].has_dflt = int_default(
					(const char *)sqlite3_column_text(st, 4), &t->cols[i].dflt);
	}
	sqlite3_finalize(st);
}

/* From PRAGMA table_info, in table order (SELECT *'s): each column's name
 * and integer default; the query that hashes a range of rows. The first
 * column is the key (each table's INTEGER PRIMARY KEY, or the one of the
 * rows a view shows: a view has no rowid). */
static int load_table(sqlite3 *db, unsigned ti, struct table *t, char *err, size_t errlen)
{
	char sql[160];
	sqlite3_stmt *st = NULL;
	struct rg_buf q = {0};
	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", rg_chain_table(ti));
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		t->cols = rg_realloc(t->cols, (size_t)(t->ncols + 1) * sizeof(*t->cols));
		struct col *c = &t->cols[t->ncols++];
		c->name = rg_strdup(name ? name : "");
		c->has_dflt = int_default((const char *)sqlite3_column_text(st, 4), &c->dflt);
	}
	sqlite3_finalize(st);
	if (ti < RG_N_EVENT_TABLES && rg_row_compact(ti))
		store_defaults(db, ti, t);
	if (rc == SQLITE_OK && t->ncols) {
		rg_buf_adds(&q, "SELECT ");
		add_cols(t, ti, &q);
		rg_buf_printf(&q, " FROM %s WHERE \"%s\" BETWEEN ?1 AND ?2 ORDER BY \"%s\"",
			      rg_chain_table(ti), t->cols[0].name, t->cols[0].name);
		rc = sqlite3_prepare_v3(db, rg_buf_cstr(&q), -1, SQLITE_PREPARE_PERSISTENT,
					&t->range, NULL);
	}
	rg_buf_free(&q);
	if (rc != SQLITE_OK || !t->ncols) {
		snprintf(err, errlen, "chain: %s: %s", rg_chain_table(ti),
			 t->ncols ? sqlite3_errmsg(db) : "no such table");
		return -1;
	}
	return 0;
}

static void put_be(struct rg_buf *b, uint64_t v, int bytes)
{
	uint8_t o[8];
	for (int i = 0; i < bytes; i++)
		o[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	rg_buf_add(b, o, (size_t)bytes);
}

/* v as a varint at o; returns the bytes written (at most 10). */
static size_t varint_at(uint8_t *o, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		o[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	o[n++] = (uint8_t)v;
	return n;
}

static void put_varint(struct rg_buf *b, uint64_t v)
{
	uint8_t o[10];
	rg_buf_add(b, o, varint_at(o, v));
}

/* The canonical encoding of a row's values (chain.h) into b. Each column
 * is written in place, into room made for it once (position 2, type 1,
 * varint up to 10, then its bytes), not appended byte by byte: 1.6 % of
 * the writer's instructions with the chain on (callgrind, rg-gen). */
static void encode_row(const struct table *t, const struct rg_sql_value *v, struct rg_buf *b)
{
	b->len = 0;
	for (int i = 0; i < t->ncols; i++) {
		const struct col *c = &t->cols[i];
		int type = v[i].type;
		bool bytes = type == SQLITE_TEXT || type == SQLITE_BLOB;
		/* NULL and unset (0: a column the writer does not bind) are left out */
		if (!bytes && type != SQLITE_INTEGER && type != SQLITE_FLOAT)
			continue;
		if (type == SQLITE_INTEGER && c->has_dflt && v[i].i == c->dflt)
			continue;
		size_t n = bytes ? v[i].n : 0;
		if (b->len + 13 + n + 1 > b->cap)
			rg_buf_grow(b, 13 + n);
		uint8_t *o = (uint8_t *)b->p + b->len, *start = o;
		*o++ = (uint8_t)(i >> 8);
		*o++ = (uint8_t)i;
		switch (type) {
		case SQLITE_INTEGER: /* zigzag: small negatives stay short */
			*o++ = 'i';
			o += varint_at(o, ((uint64_t)v[i].i << 1) ^ (uint64_t)(v[i].i >> 63));
			break;
		case SQLITE_FLOAT: /* no column holds one: the bits, should one */
			*o++ = 'f';
			for (int k = 7; k >= 0; k--)
				*o++ = (uint8_t)((uint64_t)v[i].i >> (8 * k));
			break;
		default:
			*o++ = type == SQLITE_TEXT ? 't' : 'b';
			o += varint_at(o, n);
			if (n)
				memcpy(o, v[i].p, n);
			o += n;
		}
		b->len += (size_t)(o - start);
	}
}

static int hash_row(struct rg_chain_hasher *h, unsigned t, const struct rg_sql_value *v,
		    uint8_t out[RG_CHAIN_ROW_HASH])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	encode_row(&h->t[t], v, &h->enc);
	if (!EVP_DigestInit_ex(h->ctx, chain_md(), NULL) ||
	    !EVP_DigestUpdate(h->ctx, h->enc.p, h->enc.len) ||
	    !EVP_DigestFinal_ex(h->ctx, md, &len))
		return -1;
	memcpy(out, md, RG_CHAIN_ROW_HASH);
	return 0;
}

void rg_chain_hash_values(struct rg_chain_hasher *h, unsigned t, const struct rg_sql_value *v,
			  uint8_t out[RG_CHAIN_ROW_HASH])
{
	if (hash_row(h, t, v, out))
		memset(out, 0, RG_CHAIN_ROW_HASH); /* matches no row: reported, never trusted */
}

int rg_chain_column(const struct rg_chain_hasher *h, unsigned t, const char *name)
{
	for (int i = 0; i < h->t[t].ncols; i++)
		if (!strcmp(h->t[t].cols[i].name, name))
			return i;
	return -1;
}

int rg_chain_ncols(const struct rg_chain_hasher *h, unsigned t)
{
	return h->t[t].ncols;
}

/* rg_chain_row(table, col...): the row's hash (RG_CHAIN_ROW_HASH bytes). */
static void row_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct rg_chain_hasher *h = sqlite3_user_data(ctx);
	int64_t ti = sqlite3_value_int64(argv[0]);
	uint8_t out[RG_CHAIN_ROW_HASH];
	if (ti < 0 || ti >= RG_CHAIN_NTABLES || argc - 1 != h->t[ti].ncols) {
		sqlite3_result_error(ctx, "rg_chain_row: not a chain table's row", -1);
		return;
	}
	for (int i = 0; i < h->t[ti].ncols; i++) {
		sqlite3_value *a = argv[i + 1];
		struct rg_sql_value *v = &h->vals[i];
		v->type = sqlite3_value_type(a);
		if (v->type == SQLITE_INTEGER) {
			v->i = sqlite3_value_int64(a);
		} else if (v->type == SQLITE_FLOAT) {
			double d = sqlite3_value_double(a);
			memcpy(&v->i, &d, sizeof(d));
		} else if (v->type != SQLITE_NULL) {
			v->p = v->type == SQLITE_TEXT ? (const void *)sqlite3_value_text(a)
						      : sqlite3_value_blob(a);
			v->n = (size_t)sqlite3_value_bytes(a);
		}
	}
	if (hash_row(h, (unsigned)ti, h->vals, out)) {
		sqlite3_result_error(ctx, "rg_chain_row: SHA-256 failed", -1);
		return;
	}
	sqlite3_result_blob(ctx, out, RG_CHAIN_ROW_HASH, SQLITE_TRANSIENT);
}

struct rg_chain_hasher *rg_chain_hasher_new(sqlite3 *db, char *err, size_t errlen)
{
	struct rg_chain_hasher *h = rg_calloc(1, sizeof(*h));
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || !chain_md()) {
		snprintf(err, errlen, "chain: OpenSSL has no SHA-256");
		rg_chain_hasher_free(h);
		return NULL;
	}
	if (sqlite3_create_function(db, "rg_chain_row", -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC |
				    SQLITE_DIRECTONLY, h, row_fn, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "chain: %s", sqlite3_errmsg(db));
		rg_chain_hasher_free(h);
		return NULL;
	}
	h->db = db;
	int widest = 0;
	for (unsigned t = 0; t < RG_CHAIN_NTABLES; t++) {
		if (load_table(db, t, &h->t[t], err, errlen)) {
			rg_chain_hasher_free(h);
			return NULL;
		}
		widest = h->t[t].ncols > widest ? h->t[t].ncols : widest;
	}
	h->vals = rg_calloc((size_t)widest, sizeof(*h->vals));
	return h;
}

void rg_chain_hasher_free(struct rg_chain_hasher *h)
{
	if (!h)
		return;
	for (unsigned t = 0; t < RG_CHAIN_NTABLES; t++)
		free_table(&h->t[t]);
	if (h->db) /* its user data goes */
		sqlite3_create_function(h->db, "rg_chain_row", -1, SQLITE_UTF8, NULL, NULL, NULL,
					NULL);
	EVP_MD_CTX_free(h->ctx);
	rg_buf_free(&h->enc);
	free(h->vals);
	free(h);
}

int rg_chain_rows(struct rg_chain_hasher *h, unsigned t, int64_t lo, int64_t hi,
		  void (*fn)(void *arg, int64_t key, const uint8_t hash[RG_CHAIN_ROW_HASH]),
		  void *arg)
{
	sqlite3_stmt *st = h->t[t].range;
	int rc;
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1));
	sqlite3_reset(st);
	return rc;
}

/* ---- links ------------------------------------------------------------------ */

void rg_chain_digest(const struct rg_chain_link *l, uint8_t out[RG_CHAIN_DIGEST])
{
	struct rg_buf b = {0};
	rg_buf_adds(&b, "rand-guard chain 1\n");
	rg_buf_add(&b, l->prev, RG_CHAIN_DIGEST);
	put_be(&b, (uint64_t)l->link, 8);
	rg_buf_add(&b, l->kind, strlen(l->kind) + 1);
	put_be(&b, (uint64_t)l->run_id, 8);
	put_be(&b, (uint64_t)l->ts_ns, 8);
	rg_buf_add(&b, l->note, strlen(l->note) + 1);
	rg_buf_add(&b, l->rows_sha, RG_CHAIN_DIGEST);
	put_be(&b, (uint64_t)l->nheld, 8);
	unsigned len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, chain_md(), NULL) || /* NULL md: fails */
	    !EVP_DigestUpdate(ctx, b.p, b.len) || !EVP_DigestUpdate(ctx, l->held, l->nheld) ||
	    !EVP_DigestFinal_ex(ctx, out, &len))
		memset(out, 0, RG_CHAIN_DIGEST); /* matches no link: reported, never trusted */
	EVP_MD_CTX_free(ctx);
	rg_buf_free(&b);
}

void rg_chain_sha256(const void *p, size_t n, uint8_t out[RG_CHAIN_DIGEST])
{
	unsigned len = 0;
	const EVP_MD *md = chain_md();
	if (!md || !EVP_Digest(p, n, out, &len, md, NULL))
		memset(out, 0, RG_CHAIN_DIGEST);
}

void rg_chain_group_hash(const uint8_t *rows, unsigned n, uint8_t out[RG_CHAIN_ROW_HASH])
{
	uint8_t d[RG_CHAIN_DIGEST];
	rg_chain_sha256(rows, (size_t)n * RG_CHAIN_ROW_HASH, d);
	memcpy(out, d, RG_CHAIN_ROW_HASH);
}

/* ---- rows blobs --------------------------------------------------------------- */

static bool get_varint(struct rg_chain_cursor *c, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && c->p < c->end; shift += 7) {
		uint8_t byte = *c->p++;
		*v |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			return true;
	}
	return false;
}

void rg_chain_put_section(struct rg_buf *b, unsigned t, unsigned n)
{
	rg_buf_addc(b, (char)t);
	put_varint(b, n);
}

void rg_chain_put_entry(struct rg_buf *b, int64_t *prev_key, int64_t key,
			const uint8_t hash[RG_CHAIN_ROW_HASH])
{
	put_varint(b, (uint64_t)(key - *prev_key));
	*prev_key = key;
	rg_buf_add(b, hash, RG_CHAIN_ROW_HASH);
}

void rg_chain_put_grouped(struct rg_buf *b, unsigned t, const struct rg_chain_entry *e,
			  unsigned n)
{
	uint8_t rows[RG_CHAIN_GROUP][RG_CHAIN_ROW_HASH], group[RG_CHAIN_ROW_HASH];
	int64_t prev = 0;
	rg_chain_put_section(b, t | RG_CHAIN_GROUPED, n);
	for (unsigned i = 0; i < n; i++) {
		put_varint(b, (uint64_t)(e[i].key - prev));
		prev = e[i].key;
		rg_buf_addc(b, (char)e[i].hash[0]);
		memcpy(rows[i % RG_CHAIN_GROUP], e[i].hash, RG_CHAIN_ROW_HASH);
		if (i % RG_CHAIN_GROUP == RG_CHAIN_GROUP - 1 || i == n - 1) {
			rg_chain_group_hash(rows[0], i % RG_CHAIN_GROUP + 1, group);
			rg_buf_add(b, group, RG_CHAIN_ROW_HASH);
		}
	}
}

void rg_chain_cursor_init(struct rg_chain_cursor *c, const uint8_t *rows, size_t n)
{
	*c = (struct rg_chain_cursor){.p = rows, .end = rows + n, .table = RG_CHAIN_NTABLES};
}

bool rg_chain_next(struct rg_chain_cursor *c)
{
	uint64_t v;
	c->first = false;
	while (!c->left) {
		if (c->p == c->end)
			return false;
		c->grouped = *c->p & RG_CHAIN_GROUPED;
		c->table = *c->p++ & ~RG_CHAIN_GROUPED;
		c->key = 0;
		c->in_group = 0;
		if (c->table >= RG_CHAIN_NTABLES || !get_varint(c, &v) || !v || v > UINT32_MAX) {
			c->bad = true;
			return false;
		}
		c->left = (unsigned)v;
		c->first = true;
	}
	/* keys are rowids: positive, and a list that runs past INT64_MAX is
	 * not one the writer made */
	if (!get_varint(c, &v) || (!c->first && !v) || v > (uint64_t)(INT64_MAX - c->key)) {
		c->bad = true;
		return false;
	}
	c->key += (int64_t)v;
	c->left--;
	c->hash = c->group = NULL;
	size_t need = c->grouped ? 1 : RG_CHAIN_ROW_HASH;
	bool ends_group = c->grouped && (++c->in_group == RG_CHAIN_GROUP || !c->left);
	if (ends_group)
		need += RG_CHAIN_ROW_HASH;
	if ((size_t)(c->end - c->p) < need) {
		c->bad = true;
		return false;
	}
	if (!c->grouped) {
		c->hash = c->p;
		c->p += RG_CHAIN_ROW_HASH;
		return true;
	}
	c->tag = *c->p++;
	if (ends_group) {
		c->group = c->p;
		c->p += RG_CHAIN_ROW_HASH;
		c->in_group = 0;
	}
	return true;
}

/* ---- whole groups ------------------------------------------------------------ */

static int exec_fmt(sqlite3 *db, const char *fmt, const char *a, const char *b, const char *c)
{
	char sql[512];
	snprintf(sql, sizeof(sql), fmt, a, b, c);
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Whether a group of n keys has one in `into` (has: its look-up). */
static bool group_touched(sqlite3_stmt *has, const int64_t *keys, unsigned n)
{
	bool yes = false;
	for (unsigned i = 0; i < n && !yes; i++) {
		sqlite3_bind_int64(has, 1, keys[i]);
		yes = sqlite3_step(has) == SQLITE_ROW;
		sqlite3_reset(has);
	}
	return yes;
}

int rg_chain_whole_groups(sqlite3 *db, unsigned t, const char *where, int64_t from,
			  struct rg_chain_mark *m, const char *into)
{
	char sql[320];
	sqlite3_stmt *links = NULL, *has = NULL, *add = NULL;
	int rc = exec_fmt(db, "CREATE TEMP TABLE IF NOT EXISTS %s (k INTEGER PRIMARY KEY)", into,
			  NULL, NULL);
	rc = rc ? rc : exec_fmt(db, "DELETE FROM temp.%s", into, NULL, NULL);
	rc = rc ? rc : exec_fmt(db, "INSERT INTO temp.%s SELECT rowid FROM %s WHERE %s", into,
				rg_chain_store(t), where);
	if (rc)
		return rc;
	snprintf(sql, sizeof(sql), "SELECT min(k), max(k) FROM temp.%s", into);
	sqlite3_stmt *st;
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)))
		return rc;
	bool any = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
	int64_t lo = sqlite3_column_int64(st, 0), hi = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (!any)
		return 0;
	snprintf(sql, sizeof(sql), "SELECT 1 FROM temp.%s WHERE k = ?", into);
	rc = sqlite3_prepare_v2(db, sql, -1, &has, NULL);
	snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO temp.%s VALUES (?)", into);
	rc = rc ? rc : sqlite3_prepare_v2(db, sql, -1, &add, NULL);
	rc = rc ? rc : sqlite3_prepare_v2(db, "SELECT link, rows FROM chain WHERE link >= ? AND "
					  "rows IS NOT NULL ORDER BY link", -1, &links, NULL);
	struct rg_chain_mark next = {0, lo}; /* the first link listing a key >= lo */
	if (!rc)
		sqlite3_bind_int64(links, 1, lo >= m->key ? m->link : from);
	/* links list keys (seq, shared by the event tables, alerts and health)
	 * in rising order: the recorder gives seq on one thread and its queue
	 * is first in, first out. Four links in a row whose every key is past
	 * hi end the search (a margin), whichever tables they have rows of. */
	int past = 0, step = SQLITE_DONE;
	while (!rc && past < 4 && (step = sqlite3_step(links)) == SQLITE_ROW) {
		struct rg_chain_cursor cur;
		int64_t keys[RG_CHAIN_GROUP];
		unsigned n = 0;
		rg_chain_cursor_init(&cur, sqlite3_column_blob(links, 1),
				     (size_t)sqlite3_column_bytes(links, 1));
		bool listed = false, below = false; /* a link that lists no row ends nothing */
		while (rg_chain_next(&cur)) {
			listed = true;
			if (cur.first && cur.key <= hi)
				below = true;
			if (!next.link && cur.key >= lo)
				next.link = sqlite3_column_int64(links, 0);
			if (cur.table != t || !cur.grouped)
				continue;
			keys[n++] = cur.key;
			if (!cur.group)
				continue;
			/* a group within [lo, hi] that has a row of the set: all of it */
			if (keys[n - 1] >= lo && keys[0] <= hi && group_touched(has, keys, n))
				for (unsigned i = 0; i < n && !rc; i++) {
					sqlite3_bind_int64(add, 1, keys[i]);
					rc = sqlite3_step(add) == SQLITE_DONE ? 0 : SQLITE_ERROR;
					sqlite3_reset(add);
				}
			n = 0;
		}
		past = listed && !below ? past + 1 : listed ? 0 : past;
	}
	if (!rc && past < 4 && step != SQLITE_DONE)
		rc = step;
	if (!rc && next.link)
		*m = next;
	sqlite3_finalize(links);
	sqlite3_finalize(has);
	sqlite3_finalize(add);
	return rc;
}
