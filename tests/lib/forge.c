/* rg-forge: what an intruder with root (and maybe the host's key) would do
 * to hide an edit from `rgq verify` alone: rebuild the hash chain over the
 * rows as they are now (every link's row hashes, digests and prev), and
 * re-sign every checkpoint with a key, updating meta's. Tests use it to
 * show that only a known key (--key-fpr) and the heads shipped in NDJSON
 * (--checkpoints) catch that.
 *
 *   rg-forge DB KEYFILE [FROM]
 *
 * KEYFILE: 64 hex digits, a seed (sign_key.h). Links before FROM (default
 * 1) are left as they are, as a careful intruder would: only the heads
 * from the edited link on change.
 *
 *   rg-forge --ungroup DB
 *
 * rewrites every link's rows in the form links had before grouped sections
 * (a hash each, chain.h) and chains them again: a recording as schema 29's
 * recorder left it, for the tests that an older link still verifies.
 *
 *   rg-forge --tag keep|change DB TABLE KEY COLUMN
 *
 * edits one row instead: sets COLUMN to "forged-N" for N = 0, 1, ... until
 * the row's hash starts with the byte it started with (keep: to hide which
 * row of its group, chain.h, changed) or with another (change: an edit
 * whose row is named for certain), and prints N.
 *
 *   rg-forge --rewrite DB PROC_ID
 *
 * is no forgery: the recorder's own writer, in a run of its own, writes
 * processes row PROC_ID again, as a recorder that still knows a process
 * does after retention removed its row; a later link then holds it, and
 * deleting it by hand is tampering, not pruning.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "chain.h"
#include "clock.h"
#include "sign.h"
#include "store.h"

struct ent {
	unsigned t;
	bool grouped;
	struct rg_chain_entry e;
};

struct found {
	bool hit;
	uint8_t hash[RG_CHAIN_ROW_HASH];
};

static void got(void *arg, int64_t key, const uint8_t hash[RG_CHAIN_ROW_HASH])
{
	(void)key;
	struct found *f = arg;
	f->hit = true;
	memcpy(f->hash, hash, RG_CHAIN_ROW_HASH);
}

static bool ungroup; /* --ungroup: every section with a hash a row */

/* A rows or held blob re-made from the rows there now (rows gone dropped). */
static void remake(struct rg_chain_hasher *h, const uint8_t *p, size_t n, struct rg_buf *out)
{
	struct rg_chain_cursor cur;
	struct ent *e = NULL;
	size_t ne = 0, cap = 0;
	rg_chain_cursor_init(&cur, p, n);
	while (rg_chain_next(&cur)) {
		struct found f = {0};
		rg_chain_rows(h, cur.table, cur.key, cur.key, got, &f);
		if (!f.hit)
			continue;
		if (ne == cap) {
			cap = cap ? 2 * cap : 256;
			e = rg_realloc(e, cap * sizeof(*e));
		}
		e[ne].t = cur.table;
		e[ne].grouped = cur.grouped && !ungroup;
		e[ne].e.key = cur.key;
		memcpy(e[ne++].e.hash, f.hash, RG_CHAIN_ROW_HASH);
	}
	out->len = 0;
	for (size_t i = 0; i < ne;) { /* each section as the writer makes it */
		size_t j = i;
		while (j < ne && e[j].t == e[i].t)
			j++;
		struct rg_chain_entry *g = rg_calloc(j - i, sizeof(*g));
		for (size_t k = i; k < j; k++)
			g[k - i] = e[k].e;
		if (e[i].grouped) {
			rg_chain_put_grouped(out, e[i].t, g, (unsigned)(j - i));
		} else {
			int64_t prev = 0;
			rg_chain_put_section(out, e[i].t, (unsigned)(j - i));
			for (size_t k = 0; k < j - i; k++)
				rg_chain_put_entry(out, &prev, g[k].key, g[k].hash);
		}
		free(g);
		i = j;
	}
	free(e);
}

static void exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL)) {
		fprintf(stderr, "rg-forge: %s: %s\n", sql, sqlite3_errmsg(db));
		exit(1);
	}
}

static void rechain(sqlite3 *db, struct rg_chain_hasher *h, int64_t from)
{
	sqlite3_stmt *st, *up;
	uint8_t head[RG_CHAIN_DIGEST] = {0};
	struct rg_buf rows = {0}, held = {0};
	sqlite3_prepare_v2(db, "SELECT link, kind, run_id, ts_ns, note, rows, held FROM chain "
			       "ORDER BY link", -1, &st, NULL);
	sqlite3_prepare_v2(db, "UPDATE chain SET rows = ?, rows_sha = ?, held = ?, prev = ?, "
			       "digest = ? WHERE link = ?", -1, &up, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		bool trimmed = sqlite3_column_type(st, 5) == SQLITE_NULL;
		if (sqlite3_column_int64(st, 0) < from) {
			sqlite3_stmt *d;
			sqlite3_prepare_v2(db, "SELECT digest FROM chain WHERE link = ?", -1, &d, NULL);
			sqlite3_bind_int64(d, 1, sqlite3_column_int64(st, 0));
			if (sqlite3_step(d) == SQLITE_ROW)
				memcpy(head, sqlite3_column_blob(d, 0), sizeof(head));
			sqlite3_finalize(d);
			continue;
		}
		remake(h, sqlite3_column_blob(st, 5), (size_t)sqlite3_column_bytes(st, 5), &rows);
		remake(h, sqlite3_column_blob(st, 6), (size_t)sqlite3_column_bytes(st, 6), &held);
		struct rg_chain_link l = {
			.link = sqlite3_column_int64(st, 0),
			.kind = (const char *)sqlite3_column_text(st, 1),
			.run_id = sqlite3_column_int64(st, 2),
			.ts_ns = sqlite3_column_int64(st, 3),
			.note = (const char *)sqlite3_column_text(st, 4),
			.held = (const uint8_t *)held.p, .nheld = held.len,
		};
		rg_chain_sha256(rows.len ? (const void *)rows.p : "", rows.len, l.rows_sha);
		memcpy(l.prev, head, sizeof(head));
		rg_chain_digest(&l, head);
		if (trimmed)
			sqlite3_bind_null(up, 1);
		else
			sqlite3_bind_blob(up, 1, rows.len ? (const void *)rows.p : "", (int)rows.len,
					  SQLITE_TRANSIENT);
		sqlite3_bind_blob(up, 2, l.rows_sha, RG_CHAIN_DIGEST, SQLITE_TRANSIENT);
		sqlite3_bind_blob(up, 3, held.len ? (const void *)held.p : "", (int)held.len,
				  SQLITE_TRANSIENT);
		sqlite3_bind_blob(up, 4, l.prev, RG_CHAIN_DIGEST, SQLITE_TRANSIENT);
		sqlite3_bind_blob(up, 5, head, RG_CHAIN_DIGEST, SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 6, l.link);
		sqlite3_step(up);
		sqlite3_reset(up);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	rg_buf_free(&rows);
	rg_buf_free(&held);
}

static void resign(sqlite3 *db, const uint8_t sk[RG_SIGN_SK])
{
	sqlite3_stmt *st, *up;
	sqlite3_prepare_v2(db, "SELECT c.link, c.run_id, c.ts_ns, c.host, k.digest FROM "
			       "checkpoints c JOIN chain k USING (link)", -1, &st, NULL);
	sqlite3_prepare_v2(db, "UPDATE checkpoints SET head = ?, pubkey = ?, sig = ? WHERE "
			       "link = ?", -1, &up, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct rg_checkpoint cp = {.link = sqlite3_column_int64(st, 0),
					   .run_id = sqlite3_column_int64(st, 1),
					   .ts_ns = sqlite3_column_int64(st, 2)};
		snprintf(cp.host, sizeof(cp.host), "%s", (const char *)sqlite3_column_text(st, 3));
		memcpy(cp.head, sqlite3_column_blob(st, 4), sizeof(cp.head));
		rg_sign_head(&cp, sk);
		sqlite3_bind_blob(up, 1, cp.head, sizeof(cp.head), SQLITE_TRANSIENT);
		sqlite3_bind_blob(up, 2, cp.pk, sizeof(cp.pk), SQLITE_TRANSIENT);
		sqlite3_bind_blob(up, 3, cp.sig, sizeof(cp.sig), SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 4, cp.link);
		sqlite3_step(up);
		sqlite3_reset(up);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	char hex[2 * RG_SIGN_PK + 1], sql[256];
	rg_hex(sk + RG_SIGN_SEED, RG_SIGN_PK, hex);
	snprintf(sql, sizeof(sql), "UPDATE meta SET value = '%s' WHERE key = 'signing_pubkey'", hex);
	exec(db, sql);
	rg_sign_fpr(sk + RG_SIGN_SEED, hex);
	snprintf(sql, sizeof(sql), "UPDATE meta SET value = '%s' WHERE key = 'signing_key_fpr'",
		 hex);
	exec(db, sql);
}

static int row_hash(struct rg_chain_hasher *h, unsigned t, int64_t key, uint8_t *out)
{
	struct found f = {0};
	rg_chain_rows(h, t, key, key, got, &f);
	memcpy(out, f.hash, RG_CHAIN_ROW_HASH);
	return f.hit ? 0 : -1;
}

static int edit_tag(char **argv, bool keep)
{
	char err[256], sql[256];
	sqlite3 *db;
	uint8_t was[RG_CHAIN_ROW_HASH], now[RG_CHAIN_ROW_HASH];
	unsigned t = rg_chain_table_index(argv[3]);
	int64_t key = atoll(argv[4]);
	if (sqlite3_open(argv[2], &db) || t == RG_CHAIN_NTABLES) {
		fprintf(stderr, "rg-forge: %s: cannot open, or no table %s\n", argv[2], argv[3]);
		return 1;
	}
	struct rg_chain_hasher *h = rg_chain_hasher_new(db, err, sizeof(err));
	if (!h || row_hash(h, t, key, was)) {
		fprintf(stderr, "rg-forge: %s: no row %s %s\n", h ? argv[2] : err, argv[3],
			argv[4]);
		return 1;
	}
	for (int n = 0; n < 100000; n++) {
		/* the event tables are views: no rowid */
		snprintf(sql, sizeof(sql), "UPDATE %s SET %s = 'forged-%d' WHERE %s = %lld",
			 argv[3], argv[5], n, t < RG_N_EVENT_TABLES ? "seq" : "rowid",
			 (long long)key);
		exec(db, sql);
		if (!row_hash(h, t, key, now) && (now[0] == was[0]) == keep &&
		    memcmp(now, was, RG_CHAIN_ROW_HASH)) {
			printf("%d\n", n);
			rg_chain_hasher_free(h);
			sqlite3_close(db);
			return 0;
		}
	}
	fprintf(stderr, "rg-forge: no value gave the tag wanted\n");
	return 1;
}

/* Chains the links from `from` on again, and re-signs the checkpoints
 * with sk (NULL: leaves them). */
static int forge(const char *path, int64_t from, const uint8_t *sk)
{
	char err[256];
	sqlite3 *db;
	if (sqlite3_open(path, &db)) {
		fprintf(stderr, "rg-forge: %s: %s\n", path, sqlite3_errmsg(db));
		return 1;
	}
	struct rg_chain_hasher *h = rg_chain_hasher_new(db, err, sizeof(err));
	if (!h) {
		fprintf(stderr, "rg-forge: %s\n", err);
		return 1;
	}
	exec(db, "BEGIN");
	rechain(db, h, from);
	if (sk)
		resign(db, sk);
	exec(db, "COMMIT");
	rg_chain_hasher_free(h);
	sqlite3_close(db);
	return 0;
}

static int rewrite(const char *db, int64_t proc_id)
{
	char err[256];
	struct rg_store_opts so = {100, 20, 1024};
	struct rg_store *s = rg_store_open(db, &so, err, sizeof(err), NULL);
	if (!s) {
		fprintf(stderr, "rg-forge: %s\n", err);
		return 1;
	}
	int64_t now = rg_wall_ns();
	uint64_t max_seq = 0;
	int64_t max_proc = 0;
	rg_store_max_ids(s, &max_seq, &max_proc);
	rg_store_begin_run(s, "h", "rewrite", "0", now, max_seq + 1, 64, 64);
	struct rg_process p = {.proc_id = proc_id, .pid = 999999, .start_boot_ns = 1,
			       .start_ns = now, .comm = {"again", 5}, .source = RG_PSRC_FORK};
	rg_store_put_process(s, &p);
	rg_store_sync(s);
	struct rg_store_stats st;
	rg_store_stats(s, &st);
	rg_store_close(s, now);
	return st.store_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--rewrite"))
		return rewrite(argv[2], atoll(argv[3]));
	if (argc == 7 && !strcmp(argv[1], "--tag"))
		return edit_tag(argv + 1, !strcmp(argv[2], "keep"));
	if (argc == 3 && !strcmp(argv[1], "--ungroup")) {
		ungroup = true;
		return forge(argv[2], 1, NULL);
	}
	char line[128] = "";
	uint8_t seed[RG_SIGN_SEED], pk[RG_SIGN_PK], sk[RG_SIGN_SK];
	FILE *f = argc == 3 || argc == 4 ? fopen(argv[2], "re") : NULL;
	int64_t from = argc == 4 ? atoll(argv[3]) : 1;
	if (!f || !fgets(line, sizeof(line), f) || (line[strcspn(line, "\n")] = '\0') ||
	    rg_unhex(line, seed, sizeof(seed)) || rg_sign_init()) {
		fprintf(stderr, "usage: rg-forge DB KEYFILE (64 hex digits) [FROM]\n");
		return 2;
	}
	fclose(f);
	crypto_sign_seed_keypair(pk, sk, seed);
	return forge(argv[1], from, sk);
}
