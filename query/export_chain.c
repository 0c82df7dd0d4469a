/* export_chain.c: see export_chain.h. */
#include "export_chain.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chain.h"

struct tables {
	sqlite3_stmt *has[RG_CHAIN_NTABLES];
	int64_t min[RG_CHAIN_NTABLES], max[RG_CHAIN_NTABLES];
};

static int64_t one_int(sqlite3 *db, const char *sql, int64_t dflt)
{
	sqlite3_stmt *st;
	int64_t v = dflt;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL))
		return dflt;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int open_tables(sqlite3 *db, struct tables *tb)
{
	char sql[160];
	for (unsigned t = 0; t < RG_CHAIN_NTABLES; t++) {
		snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE rowid = ?", rg_chain_store(t));
		if (sqlite3_prepare_v2(db, sql, -1, &tb->has[t], NULL))
			return -1;
		snprintf(sql, sizeof(sql), "SELECT min(rowid) FROM %s", rg_chain_store(t));
		tb->min[t] = one_int(db, sql, INT64_MAX);
		snprintf(sql, sizeof(sql), "SELECT max(rowid) FROM %s", rg_chain_store(t));
		tb->max[t] = one_int(db, sql, INT64_MIN);
	}
	return 0;
}

static bool present(struct tables *tb, unsigned t, int64_t key)
{
	if (key < tb->min[t] || key > tb->max[t])
		return false;
	sqlite3_stmt *st = tb->has[t];
	sqlite3_bind_int64(st, 1, key);
	bool yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return yes;
}

/* Keys of one table not in the export, gathered as ranges. */
struct gone {
	struct rg_buf note[RG_CHAIN_NTABLES];
	int64_t lo[RG_CHAIN_NTABLES], hi[RG_CHAIN_NTABLES];
	int64_t n;
};

static void flush_span(struct gone *g, unsigned t)
{
	if (!g->lo[t])
		return;
	struct rg_buf *b = &g->note[t];
	b->len ? rg_buf_addc(b, ',') : rg_buf_printf(b, "%s ", rg_chain_table(t));
	if (g->hi[t] != g->lo[t])
		rg_buf_printf(b, "%lld-%lld", (long long)g->lo[t], (long long)g->hi[t]);
	else
		rg_buf_printf(b, "%lld", (long long)g->lo[t]);
	g->lo[t] = 0;
}

/* Keys arrive ascending per table only within a link: a span grows only
 * by the next key, else a new one starts (the note may list a key twice:
 * a process row held by several links; harmless). */
static void add_gone(struct gone *g, unsigned t, int64_t key)
{
	g->n++;
	if (g->lo[t] && key == g->hi[t] + 1) {
		g->hi[t] = key;
		return;
	}
	flush_span(g, t);
	g->lo[t] = g->hi[t] = key;
}

/* Whether any row the blob lists is in the export; with g, each one that
 * is not goes in g. */
static bool scan(struct tables *tb, const void *p, size_t n, bool skip_processes,
		 struct gone *g)
{
	struct rg_chain_cursor cur;
	bool any = false;
	rg_chain_cursor_init(&cur, p, n);
	while (rg_chain_next(&cur)) {
		if (skip_processes && cur.table == RG_CHAIN_PROCESSES)
			continue; /* kept whole: they say nothing of the range */
		if (present(tb, cur.table, cur.key))
			any = true;
		else if (g)
			add_gone(g, cur.table, cur.key);
	}
	return any;
}

/* What g gathered, a line per table, into note; g is emptied. */
static void note_gone(struct gone *g, struct rg_buf *note)
{
	for (unsigned t = 0; t < RG_CHAIN_NTABLES; t++) {
		flush_span(g, t);
		if (g->note[t].len) {
			rg_buf_add(note, g->note[t].p, g->note[t].len);
			rg_buf_addc(note, '\n');
		}
		rg_buf_free(&g->note[t]);
	}
}

/* The first and last link that cover a kept row (not a process). */
static void needed(sqlite3 *db, struct tables *tb, int64_t *first, int64_t *last)
{
	sqlite3_stmt *st;
	*first = *last = 0;
	if (sqlite3_prepare_v2(db, "SELECT link, rows, held FROM chain ORDER BY link", -1, &st,
			       NULL))
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (scan(tb, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1), true,
			 NULL) ||
		    scan(tb, sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2), true,
			 NULL)) {
			*first = *first ? *first : sqlite3_column_int64(st, 0);
			*last = sqlite3_column_int64(st, 0);
		}
	}
	sqlite3_finalize(st);
}

static int64_t outside_rows(sqlite3 *db, struct tables *tb, int64_t lo, int64_t hi,
			    struct rg_buf *note)
{
	struct gone g = {0};
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT rows, held FROM chain WHERE link BETWEEN ? AND ? "
				   "ORDER BY link", -1, &st, NULL))
		return -1;
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	while (sqlite3_step(st) == SQLITE_ROW)
		for (int c = 0; c < 2; c++)
			scan(tb, sqlite3_column_blob(st, c), (size_t)sqlite3_column_bytes(st, c), false,
			     &g);
	sqlite3_finalize(st);
	note_gone(&g, note);
	return g.n;
}

/* The gaps and processes rows a link after hi holds: their state is
 * newer than any kept link's, so their hash in those links is older. */
static void newer_rows(sqlite3 *db, struct tables *tb, int64_t hi, struct rg_buf *note)
{
	struct gone g = {0};
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT held FROM chain WHERE link > ? ORDER BY link", -1, &st,
			       NULL))
		return;
	sqlite3_bind_int64(st, 1, hi);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct rg_chain_cursor cur;
		rg_chain_cursor_init(&cur, sqlite3_column_blob(st, 0),
				     (size_t)sqlite3_column_bytes(st, 0));
		while (rg_chain_next(&cur))
			if (present(tb, cur.table, cur.key))
				add_gone(&g, cur.table, cur.key);
	}
	sqlite3_finalize(st);
	note_gone(&g, note);
}

static int set_meta(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", -1,
			       &st, NULL))
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

int rgq_export_chain(sqlite3 *dst, int64_t *lo, int64_t *hi, int64_t *outside, char *err,
		     size_t errlen)
{
	struct tables tb = {0};
	struct rg_buf note = {0}, newer = {0};
	char sql[200], range[64];
	int rc = -1;
	*lo = *hi = *outside = 0;
	if (one_int(dst, "SELECT count(*) FROM sqlite_master WHERE name = 'chain'", 0) == 0)
		return 0;
	bool signed_ = one_int(dst, "SELECT count(*) FROM sqlite_master WHERE name = "
				    "'checkpoints'", 0) > 0;
	if (open_tables(dst, &tb))
		goto out;
	int64_t last;
	needed(dst, &tb, lo, &last);
	if (*lo) {
		/* the first checkpoint at or after last signs every kept link */
		snprintf(sql, sizeof(sql), "SELECT coalesce(%s%lld%s, (SELECT max(link) FROM chain))",
			 signed_ ? "(SELECT min(link) FROM checkpoints WHERE link >= " : "NULL + ",
			 (long long)last, signed_ ? ")" : "");
		*hi = one_int(dst, sql, last);
		*outside = outside_rows(dst, &tb, *lo, *hi, &note);
		if (*outside < 0)
			goto out;
		newer_rows(dst, &tb, *hi, &newer);
	}
	snprintf(sql, sizeof(sql), "DELETE FROM chain WHERE link < %lld OR link > %lld",
		 (long long)*lo, (long long)*hi);
	if (sqlite3_exec(dst, sql, NULL, NULL, NULL))
		goto out;
	snprintf(sql, sizeof(sql), "DELETE FROM checkpoints WHERE link < %lld OR link > %lld",
		 (long long)*lo, (long long)*hi);
	if (signed_ && sqlite3_exec(dst, sql, NULL, NULL, NULL))
		goto out;
	snprintf(range, sizeof(range), "%lld-%lld", (long long)*lo, (long long)*hi);
	if (set_meta(dst, "export_links", *lo ? range : "none") ||
	    set_meta(dst, "export_outside", rg_buf_cstr(&note)) ||
	    set_meta(dst, "export_newer", rg_buf_cstr(&newer)))
		goto out;
	rc = 0;
out:
	if (rc)
		snprintf(err, errlen, "the export's chain: %s", sqlite3_errmsg(dst));
	for (unsigned t = 0; t < RG_CHAIN_NTABLES; t++)
		sqlite3_finalize(tb.has[t]);
	rg_buf_free(&note);
	rg_buf_free(&newer);
	return rc;
}
