/* chain.c: the chain's row encoding, rows blobs and link digest
 * (chain.h), for the writer and for `rgq verify` alike. */
#include "chain.h"

#include <openssl/evp.h>
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

unsigned rg_chain_table_index(const char *name)
{
	unsigned t = 0;
	while (t < RG_CHAIN_NTABLES && strcmp(rg_chain_table(t), name))
		t++;
	return t;
}

/* ---- hashing rows ----------------------------------------------------------- */

/* A column left out of the encoding when it holds its declared default. */
struct col {
	char *name; /* with its NUL */
	size_t len;
	bool has_dflt;
	int64_t dflt;
};

struct table {
	sqlite3_stmt *range; /* SELECT * ... WHERE rowid BETWEEN ?1 AND ?2 ORDER BY rowid */
	struct col *cols;
	int ncols;
};

struct rg_chain_hasher {
	struct table t[RG_CHAIN_NTABLES];
	EVP_MD_CTX *ctx;
	EVP_MD *md;
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

/* The statement and, from PRAGMA table_info (the same order as SELECT *),
 * each column's name and integer default. */
static int load_table(sqlite3 *db, unsigned ti, struct table *t, char *err, size_t errlen)
{
	char sql[160];
	sqlite3_stmt *st = NULL;
	snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE rowid BETWEEN ?1 AND ?2 ORDER BY rowid",
		 rg_chain_table(ti));
	int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &t->range, NULL);
	if (rc == SQLITE_OK) {
		snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", rg_chain_table(ti));
		rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	}
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "chain: %s: %s", rg_chain_table(ti), sqlite3_errmsg(db));
		return -1;
	}
	int n = sqlite3_column_count(t->range);
	t->cols = rg_calloc((size_t)n, sizeof(*t->cols));
	while (t->ncols < n && sqlite3_step(st) == SQLITE_ROW) {
		struct col *c = &t->cols[t->ncols++];
		const char *name = (const char *)sqlite3_column_text(st, 1);
		c->name = rg_strdup(name ? name : "");
		c->len = strlen(c->name) + 1;
		c->has_dflt = int_default((const char *)sqlite3_column_text(st, 4), &c->dflt);
	}
	sqlite3_finalize(st);
	if (t->ncols != n) {
		snprintf(err, errlen, "chain: %s: table_info disagrees with its columns",
			 rg_chain_table(ti));
		return -1;
	}
	return 0;
}

struct rg_chain_hasher *rg_chain_hasher_new(sqlite3 *db, char *err, size_t errlen)
{
	struct rg_chain_hasher *h = rg_calloc(1, sizeof(*h));
	h->ctx = EVP_MD_CTX_new();
	/* fetched once: an implicit fetch per digest costs a lookup each time */
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!h->ctx || !h->md) {
		snprintf(err, errlen, "chain: OpenSSL has no SHA-256");
		rg_chain_hasher_free(h);
		return NULL;
	}
	for (unsigned t = 0; t < RG_CHAIN_NTABLES; t++)
		if (load_table(db, t, &h->t[t], err, errlen)) {
			rg_chain_hasher_free(h);
			return NULL;
		}
	return h;
}

void rg_chain_hasher_free(struct rg_chain_hasher *h)
{
	if (!h)
		return;
	for (unsigned t = 0; t < RG_CHAIN_NTABLES; t++)
		free_table(&h->t[t]);
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	rg_buf_free(&h->enc);
	free(h);
}

static void put_be(struct rg_buf *b, uint64_t v, int bytes)
{
	uint8_t o[8];
	for (int i = 0; i < bytes; i++)
		o[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	rg_buf_add(b, o, (size_t)bytes);
}

/* The canonical encoding of st's row (chain.h) into b. */
static void encode_row(const struct table *t, sqlite3_stmt *st, struct rg_buf *b)
{
	b->len = 0;
	for (int i = 0; i < t->ncols; i++) {
		const struct col *c = &t->cols[i];
		int type = sqlite3_column_type(st, i);
		if (type == SQLITE_NULL)
			continue;
		if (type == SQLITE_INTEGER) {
			int64_t v = sqlite3_column_int64(st, i);
			if (c->has_dflt && v == c->dflt)
				continue;
			rg_buf_add(b, c->name, c->len);
			rg_buf_addc(b, 'i');
			put_be(b, (uint64_t)v, 8);
		} else if (type == SQLITE_FLOAT) {
			double d = sqlite3_column_double(st, i);
			uint64_t u;
			memcpy(&u, &d, sizeof(u));
			rg_buf_add(b, c->name, c->len);
			rg_buf_addc(b, 'f');
			put_be(b, u, 8);
		} else {
			const void *p = type == SQLITE_TEXT ? (const void *)sqlite3_column_text(st, i)
							    : sqlite3_column_blob(st, i);
			int n = sqlite3_column_bytes(st, i);
			rg_buf_add(b, c->name, c->len);
			rg_buf_addc(b, type == SQLITE_TEXT ? 't' : 'b');
			put_be(b, (uint64_t)n, 4);
			rg_buf_add(b, p, (size_t)n);
		}
	}
}

int rg_chain_rows(struct rg_chain_hasher *h, unsigned t, int64_t lo, int64_t hi,
		  void (*fn)(void *arg, int64_t key, const uint8_t hash[RG_CHAIN_ROW_HASH]),
		  void *arg)
{
	struct table *tb = &h->t[t];
	sqlite3_stmt *st = tb->range;
	int rc;
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint8_t md[EVP_MAX_MD_SIZE];
		unsigned len = 0;
		encode_row(tb, st, &h->enc);
		if (!EVP_DigestInit_ex(h->ctx, h->md, NULL) ||
		    !EVP_DigestUpdate(h->ctx, h->enc.p, h->enc.len) ||
		    !EVP_DigestFinal_ex(h->ctx, md, &len)) {
			rc = SQLITE_ERROR;
			break;
		}
		/* the rowid is the table's INTEGER PRIMARY KEY, its first column */
		fn(arg, sqlite3_column_int64(st, 0), md);
	}
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
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, b.p, b.len) || !EVP_DigestUpdate(ctx, l->held, l->nheld) ||
	    !EVP_DigestFinal_ex(ctx, out, &len))
		memset(out, 0, RG_CHAIN_DIGEST); /* matches no link: reported, never trusted */
	EVP_MD_CTX_free(ctx);
	rg_buf_free(&b);
}

void rg_chain_sha256(const void *p, size_t n, uint8_t out[RG_CHAIN_DIGEST])
{
	unsigned len = 0;
	if (!EVP_Digest(p, n, out, &len, EVP_sha256(), NULL))
		memset(out, 0, RG_CHAIN_DIGEST);
}

/* ---- rows blobs --------------------------------------------------------------- */

static void put_varint(struct rg_buf *b, uint64_t v)
{
	while (v >= 0x80) {
		rg_buf_addc(b, (char)(v | 0x80));
		v >>= 7;
	}
	rg_buf_addc(b, (char)v);
}

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
		c->table = *c->p++;
		c->key = 0;
		if (c->table >= RG_CHAIN_NTABLES || !get_varint(c, &v) || !v || v > SIZE_MAX) {
			c->bad = true;
			return false;
		}
		c->left = (unsigned)v;
		c->first = true;
	}
	if (!get_varint(c, &v) || (!c->first && !v) || c->end - c->p < RG_CHAIN_ROW_HASH) {
		c->bad = true;
		return false;
	}
	c->key += (int64_t)v;
	c->hash = c->p;
	c->p += RG_CHAIN_ROW_HASH;
	c->left--;
	return true;
}
