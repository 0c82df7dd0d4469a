/* cmd_verify.c: `rgq verify`: recomputes the recording's hash chain
 * (recorder/store/chain.h) and says what is intact and what is not: the
 * verified ranges, each row that differs, was deleted or was added (table,
 * key), links edited, missing or out of order, a tail cut off, and what
 * retention pruned (not tampering). Exit status 0: intact; 1: not. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "chain.h"
#include "qtime.h"
#include "rgq.h"
#include "verify_sign.h"

#define MAX_REPORTS 50 /* problem lines; the rest are counted */
#define MAX_ROW_REPORTS 5 /* lines per table for rows edited or added */

struct span { /* keys lo..hi */
	int64_t lo, hi;
	int64_t link;  /* the prune link that named them (0: not a prune's) */
	int64_t maxhi; /* the highest hi of this span and those before it */
};

struct spans {
	struct span *v;
	size_t n, cap;
};

/* A row a mutable table's latest covering link holds (chain.h). */
struct held {
	int64_t key, link;
	uint8_t hash[RG_CHAIN_ROW_HASH];
};

struct verify {
	struct rgq *g;
	bool all; /* --all: a line per link */
	struct rg_chain_hasher *h;
	unsigned problems, reported;
	struct spans pruned[RG_CHAIN_NTABLES]; /* keys retention removed */
	struct spans outside[RG_CHAIN_NTABLES]; /* a range export: keys left out, */
	struct spans newer[RG_CHAIN_NTABLES];   /* and rows updated after its links */
	int64_t export_lo, export_hi;           /* its links (0: not an export) */
	uint64_t noutside, nnewer, nwhole;
	int64_t nread; /* links read */
	struct spans trimmed;                  /* links whose rows blob it dropped */
	int64_t base[RG_CHAIN_NTABLES];        /* keys before the chain began */
	int64_t covered_hi[RG_CHAIN_NTABLES];  /* highest key any link covers */
	uint64_t seen[RG_CHAIN_NTABLES];       /* rows found where a link puts them */
	uint64_t npruned, ntrimmed;
	uint64_t edited[RG_CHAIN_NTABLES], added[RG_CHAIN_NTABLES];
	struct held *held[2];                  /* gaps, processes */
	size_t nheld[2], heldcap[2];
	/* the link being checked */
	int64_t link;
	unsigned link_problems, link_pruned;
	int64_t seq_lo, seq_hi, last_seq;
	/* a deleted range being gathered */
	unsigned del_table;
	int64_t del_lo, del_hi, del_n;
	/* the verified range being gathered */
	int64_t ok_first, ok_last, ok_seq_lo, ok_seq_hi, ok_ts_lo, ok_ts_hi;
	/* every link's digest as stored, for the checkpoints (verify_sign.h) */
	struct vs_link *links;
	size_t nlinks, links_cap;
};

/* A problem, printed unless quiet (one of many of its kind). */
static void report(struct verify *v, bool quiet, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void report(struct verify *v, bool quiet, const char *fmt, ...)
{
	v->problems++;
	v->link_problems++;
	if (quiet || v->reported++ >= MAX_REPORTS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

#define problem(v, ...) report(v, false, __VA_ARGS__)

/* ---- pruned keys -------------------------------------------------------------- */

static void add_span(struct spans *s, int64_t lo, int64_t hi, int64_t link)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->v = rg_realloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = (struct span){lo, hi, link, 0};
}

static int cmp_span(const void *a, const void *b)
{
	int64_t x = ((const struct span *)a)->lo, y = ((const struct span *)b)->lo;
	return (x > y) - (x < y);
}

/* Sorts s by lo and notes each span's maxhi. */
static void sort_spans(struct spans *s)
{
	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(struct span), cmp_span);
	for (size_t i = 0; i < s->n; i++)
		s->v[i].maxhi = i && s->v[i - 1].maxhi > s->v[i].hi ? s->v[i - 1].maxhi : s->v[i].hi;
}

/* Whether a span of s (sorted) holds key and was named by link `since` or
 * a later one. Spans overlap only where a key was pruned twice (a gaps or
 * processes row written again after retention removed it). */
static bool in_spans_since(const struct spans *s, int64_t key, int64_t since)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) { /* the last span starting at or before key */
		size_t mid = (lo + hi) / 2;
		if (s->v[mid].lo <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i > 0 && s->v[i - 1].maxhi >= key; i--)
		if (key <= s->v[i - 1].hi && s->v[i - 1].link >= since)
			return true;
	return false;
}

static bool in_spans(const struct spans *s, int64_t key)
{
	return in_spans_since(s, key, 0);
}

/* A prune link's note: lines "table a-b,c"; to: the spans of each table
 * (v->pruned, or v->outside for a range export's note). */
static void parse_note(struct verify *v, struct spans *into, const char *note, int64_t link)
{
	while (*note) {
		char name[64];
		int n = 0;
		if (sscanf(note, "%63s %n", name, &n) != 1)
			return;
		unsigned t = rg_chain_table_index(name);
		struct spans *to = t < RG_CHAIN_NTABLES ? &into[t]
			: !strcmp(name, "chain") && into == v->pruned ? &v->trimmed : NULL;
		const char *p = note + n;
		while (*p && *p != '\n') {
			char *end;
			long long lo = strtoll(p, &end, 10), hi = lo;
			if (*end == '-')
				hi = strtoll(end + 1, &end, 10);
			if (end == p)
				break;
			if (to)
				add_span(to, lo, hi, link);
			p = *end == ',' ? end + 1 : end;
		}
		note = *p ? p + 1 : p;
	}
}

/* A start link's note: "base table=key ...": the keys before the chain. */
static void parse_base_note(struct verify *v, const char *note, bool first)
{
	if (strncmp(note, "base", 4) || !first)
		return;
	for (const char *p = note + 4; *p == ' ';) {
		char name[64];
		long long key;
		int n = 0;
		if (sscanf(p, " %63[^=]=%lld%n", name, &key, &n) != 2)
			break;
		unsigned t = rg_chain_table_index(name);
		if (t < RG_CHAIN_NTABLES)
			v->base[t] = key;
		p += n;
	}
}

static char *meta_text(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st;
	char *v = NULL;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL))
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = rg_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* A range export (export_chain.h): its links and the rows of theirs it
 * left out, from meta (which the chain does not cover: the export file's
 * SHA-256 manifest does). */
static void load_export(struct verify *v)
{
	char *links = meta_text(v->g->db, "export_links");
	long long lo, hi;
	if (links && sscanf(links, "%lld-%lld", &lo, &hi) == 2 && lo > 0 && hi >= lo) {
		v->export_lo = lo;
		v->export_hi = hi;
		char *note = meta_text(v->g->db, "export_outside");
		if (note)
			parse_note(v, v->outside, note, 0);
		free(note);
		note = meta_text(v->g->db, "export_newer");
		if (note)
			parse_note(v, v->newer, note, 0);
		free(note);
	}
	free(links);
}

/* Every prune link's keys, before the links are walked: a row a batch
 * covered and a later step pruned is pruned, not deleted. */
static int load_prunes(struct verify *v, const struct rgq_command *c)
{
	sqlite3_stmt *st = rgq_prepare(v->g, c,
				       "SELECT note, link FROM chain WHERE kind = 'prune'");
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		parse_note(v, v->pruned, (const char *)sqlite3_column_text(st, 0),
			   sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	load_export(v);
	for (unsigned t = 0; t < RG_CHAIN_NTABLES; t++) {
		sort_spans(&v->pruned[t]);
		sort_spans(&v->outside[t]);
		sort_spans(&v->newer[t]);
	}
	sort_spans(&v->trimmed);
	return 0;
}

/* ---- rows -------------------------------------------------------------------- */

static void flush_deleted(struct verify *v)
{
	if (!v->del_n)
		return;
	const char *t = rg_chain_table(v->del_table);
	if (v->del_n == 1)
		problem(v, "DELETED   %s %lld (link %lld)", t, (long long)v->del_lo,
			(long long)v->link);
	else
		problem(v, "DELETED   %s %lld-%lld: %lld rows, all the link had in that range "
			"(link %lld)", t, (long long)v->del_lo, (long long)v->del_hi,
			(long long)v->del_n, (long long)v->link);
	v->del_n = 0;
}

/* A row the link covers is not there: pruned, or deleted. Rows deleted
 * one after the other in the link's list (seq is shared by the tables:
 * not consecutive numbers) make one line. */
static void missing(struct verify *v, unsigned t, int64_t key)
{
	if (v->export_lo && in_spans(&v->outside[t], key)) {
		flush_deleted(v);
		v->noutside++;
		return;
	}
	/* a held row (gaps, processes) was pruned only by a prune at or after
	 * the latest link that holds it: the recorder may write it again */
	bool held = t == RG_CHAIN_GAPS || t == RG_CHAIN_PROCESSES;
	if (in_spans_since(&v->pruned[t], key, held ? v->link : 0)) {
		flush_deleted(v);
		v->npruned++;
		v->link_pruned++;
		return;
	}
	if (v->del_n && v->del_table != t)
		flush_deleted(v);
	if (!v->del_n) {
		v->del_table = t;
		v->del_lo = key;
	}
	v->del_hi = key;
	v->del_n++;
}

struct expect {
	struct verify *v;
	unsigned t;
	struct held *e; /* the link's entries of table t, by key */
	size_t n, i;
	bool held; /* e: the latest link's entry of each row of the table */
	/* a grouped section (chain.h): e's hashes are tags (their first byte) */
	bool grouped;
	const uint8_t *groups; /* the groups' hashes, RG_CHAIN_ROW_HASH each */
	size_t ngroups;
	uint8_t rows[RG_CHAIN_GROUP][RG_CHAIN_ROW_HASH]; /* the group's rows as they are */
	unsigned nrows;
	bool gone, tagged; /* a row of the group is not there; one was reported */
};

/* The keys of entry i's group. */
static void group_keys(const struct expect *x, size_t i, int64_t *lo, int64_t *hi)
{
	size_t first = i - i % RG_CHAIN_GROUP, last = first + RG_CHAIN_GROUP - 1;
	*lo = x->e[first].key;
	*hi = x->e[last < x->n ? last : x->n - 1].key;
}

/* A group's last entry is done with: its hash, of its rows as they are,
 * must be the link's. A group with some of its rows gone cannot be
 * hashed, and its other rows would be checked by their tags alone, which
 * whoever edits them can keep: retention and range exports take or leave
 * whole groups, so that is tampering, whatever a prune link or an
 * export's meta says of the rows gone (a deleted row is also reported). */
static void end_group(struct expect *x)
{
	struct verify *v = x->v;
	uint8_t h[RG_CHAIN_ROW_HASH];
	int64_t lo, hi;
	size_t g = x->i / RG_CHAIN_GROUP;
	group_keys(x, x->i, &lo, &hi);
	if (x->gone && x->nrows) {
		problem(v, "UNVERIFIED %s %lld-%lld (link %lld): %u rows of this group are here and "
			"the rest gone, so they cannot be checked (retention and exports take whole "
			"groups)", rg_chain_table(x->t), (long long)lo, (long long)hi,
			(long long)v->link, x->nrows);
	} else if (!x->gone && g < x->ngroups) {
		rg_chain_group_hash(x->rows[0], x->nrows, h);
		if (memcmp(h, x->groups + g * RG_CHAIN_ROW_HASH, RG_CHAIN_ROW_HASH) && !x->tagged)
			report(v, ++v->edited[x->t] > MAX_ROW_REPORTS, "EDITED    %s %lld-%lld "
			       "(link %lld): one or more of these %u rows differ from what was "
			       "committed", rg_chain_table(x->t), (long long)lo, (long long)hi,
			       (long long)v->link, x->nrows);
	}
	x->nrows = 0;
	x->gone = x->tagged = false;
}

/* Entry x->i is done with; hash: its row's as it is (NULL: not there). */
static void next_entry(struct expect *x, const uint8_t *hash)
{
	if (x->grouped) {
		if (hash)
			memcpy(x->rows[x->nrows++], hash, RG_CHAIN_ROW_HASH);
		else
			x->gone = true;
		if (x->i % RG_CHAIN_GROUP == RG_CHAIN_GROUP - 1 || x->i == x->n - 1)
			end_group(x);
	}
	x->i++;
}

/* An edited row: named. In a group, the other rows of the group are then
 * known by their tags alone (whoever edited one could have edited them to
 * the same tags). */
static void edited(struct expect *x, int64_t key)
{
	struct verify *v = x->v;
	bool quiet = ++v->edited[x->t] > MAX_ROW_REPORTS;
	int64_t lo, hi;
	if (!x->grouped) {
		report(v, quiet, "EDITED    %s %lld (link %lld): the row differs from what was "
		       "committed", rg_chain_table(x->t), (long long)key, (long long)v->link);
		return;
	}
	x->tagged = true;
	group_keys(x, x->i, &lo, &hi);
	report(v, quiet, "EDITED    %s %lld (link %lld): the row differs from what was "
	       "committed; the other rows of its group, %lld-%lld, are then checked by their "
	       "tags alone", rg_chain_table(x->t), (long long)key, (long long)v->link,
	       (long long)lo, (long long)hi);
}

/* A row of the range: compared with the entry of its key. */
static void check_row(void *arg, int64_t key, const uint8_t hash[RG_CHAIN_ROW_HASH])
{
	struct expect *x = arg;
	struct verify *v = x->v;
	while (x->i < x->n && x->e[x->i].key < key) {
		if (x->held)
			v->link = x->e[x->i].link;
		missing(v, x->t, x->e[x->i].key);
		next_entry(x, NULL);
	}
	flush_deleted(v);
	v->seen[x->t]++;
	if (x->i < x->n && x->e[x->i].key == key) {
		if (x->held)
			v->link = x->e[x->i].link;
		bool differs = x->grouped ? x->e[x->i].hash[0] != hash[0]
					  : memcmp(x->e[x->i].hash, hash, RG_CHAIN_ROW_HASH);
		if (differs && x->held && v->export_lo && in_spans(&v->newer[x->t], key))
			v->nnewer++; /* updated by a link the export left out */
		else if (differs)
			edited(x, key);
		next_entry(x, hash);
	} else if (x->held && v->export_lo) {
		v->nwhole++; /* kept whole by the export, covered by links it left out */
	} else if (x->held) {
		report(v, ++v->added[x->t] > MAX_ROW_REPORTS, "ADDED     %s %lld: no link covers it", rg_chain_table(x->t),
			(long long)key);
	} else {
		report(v, ++v->added[x->t] > MAX_ROW_REPORTS, "ADDED     %s %lld (inside link %lld, which does not cover it)",
			rg_chain_table(x->t), (long long)key, (long long)v->link);
	}
}

/* The rows of append-only table t that the link lists in e; groups: a
 * grouped section's ngroups group hashes (else NULL). */
static void check_section(struct verify *v, unsigned t, struct held *e, size_t n,
			  const uint8_t *groups, size_t ngroups)
{
	struct expect x = {v, t, e, n, 0, false, groups != NULL, groups, ngroups};
	if (rg_chain_rows(v->h, t, e[0].key, e[n - 1].key, check_row, &x) != SQLITE_DONE)
		problem(v, "ERROR     reading %s: %s", rg_chain_table(t), sqlite3_errmsg(v->g->db));
	while (x.i < x.n) {
		missing(v, t, x.e[x.i].key);
		next_entry(&x, NULL);
	}
	flush_deleted(v);
	if (e[n - 1].key > v->covered_hi[t])
		v->covered_hi[t] = e[n - 1].key;
	if (t < RG_CHAIN_GAPS) { /* events, alerts and health share seq */
		v->seq_lo = e[0].key < v->seq_lo ? e[0].key : v->seq_lo;
		v->seq_hi = e[n - 1].key > v->seq_hi ? e[n - 1].key : v->seq_hi;
	}
}

static void hold(struct verify *v, unsigned t, int64_t key, const uint8_t *hash)
{
	unsigned m = t == RG_CHAIN_GAPS ? 0 : 1;
	if (v->nheld[m] == v->heldcap[m]) {
		v->heldcap[m] = v->heldcap[m] ? 2 * v->heldcap[m] : 256;
		v->held[m] = rg_realloc(v->held[m], v->heldcap[m] * sizeof(struct held));
	}
	struct held *e = &v->held[m][v->nheld[m]++];
	e->key = key;
	e->link = v->link;
	memcpy(e->hash, hash, RG_CHAIN_ROW_HASH);
}

/* The link's held blob: the rows of gaps and processes, checked once
 * every link has been read (the latest link that covers a row holds it). */
static void hold_rows(struct verify *v, const uint8_t *held, size_t n)
{
	struct rg_chain_cursor cur;
	rg_chain_cursor_init(&cur, held, n);
	while (rg_chain_next(&cur))
		if (cur.table >= RG_CHAIN_APPEND && !cur.grouped)
			hold(v, cur.table, cur.key, cur.hash);
		else
			cur.bad = true;
	if (cur.bad)
		problem(v, "BADLINK   link %lld: its held rows list is malformed", (long long)v->link);
}

/* The link's rows blob: the rows of the tables that only grow. */
static void check_rows(struct verify *v, const uint8_t *rows, size_t nrows)
{
	struct rg_chain_cursor cur;
	struct held *e = NULL;
	struct rg_buf groups = {0};
	size_t n = 0, cap = 0;
	unsigned t = RG_CHAIN_NTABLES;
	bool grouped = false;
	rg_chain_cursor_init(&cur, rows, nrows);
	for (bool more = rg_chain_next(&cur);; more = rg_chain_next(&cur)) {
		if (n && (!more || cur.first)) {
			/* a section cut short (cur.bad: BADLINK below) is not checked */
			if (!cur.bad)
				check_section(v, t, e, n,
					      grouped ? (const uint8_t *)groups.p : NULL,
					      groups.len / RG_CHAIN_ROW_HASH);
			n = groups.len = 0;
		}
		if (!more)
			break;
		if (cur.table >= RG_CHAIN_APPEND) {
			cur.bad = true;
			break;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			e = rg_realloc(e, cap * sizeof(*e));
		}
		t = cur.table;
		grouped = cur.grouped;
		e[n].key = cur.key;
		if (grouped) {
			memset(e[n].hash, 0, RG_CHAIN_ROW_HASH);
			e[n].hash[0] = cur.tag;
			if (cur.group)
				rg_buf_add(&groups, cur.group, RG_CHAIN_ROW_HASH);
		} else {
			memcpy(e[n].hash, cur.hash, RG_CHAIN_ROW_HASH);
		}
		n++;
	}
	free(e);
	rg_buf_free(&groups);
	if (cur.bad)
		problem(v, "BADLINK   link %lld: its rows list is malformed", (long long)v->link);
}

static int cmp_held(const void *a, const void *b)
{
	const struct held *x = a, *y = b;
	if (x->key != y->key)
		return (x->key > y->key) - (x->key < y->key);
	return (x->link > y->link) - (x->link < y->link);
}

/* Gaps and processes: each row as the latest link that covers it holds
 * it. Rows no link covers, and covered rows gone, are reported. */
static void check_held(struct verify *v, unsigned m)
{
	unsigned t = m ? RG_CHAIN_PROCESSES : RG_CHAIN_GAPS;
	struct held *e = v->held[m];
	size_t n = 0;
	if (v->nheld[m])
		qsort(e, v->nheld[m], sizeof(*e), cmp_held);
	for (size_t i = 0; i < v->nheld[m]; i++) { /* the latest of each key */
		if (n && e[n - 1].key == e[i].key)
			n--;
		e[n++] = e[i];
	}
	struct expect x = {v, t, e, n, 0, true};
	if (rg_chain_rows(v->h, t, v->base[t] + 1, INT64_MAX, check_row, &x) != SQLITE_DONE)
		problem(v, "ERROR     reading %s: %s", rg_chain_table(t), sqlite3_errmsg(v->g->db));
	for (; x.i < x.n; x.i++) { /* held rows are not grouped */
		v->link = x.e[x.i].link;
		missing(v, t, x.e[x.i].key);
	}
	flush_deleted(v);
	v->covered_hi[t] = INT64_MAX; /* every row was looked at */
}

/* ---- links ---------------------------------------------------------------------- */

static void flush_ok(struct verify *v)
{
	if (!v->ok_first)
		return;
	char a[64], b[64];
	printf("verified  links %lld-%lld", (long long)v->ok_first, (long long)v->ok_last);
	if (v->ok_seq_lo <= v->ok_seq_hi)
		printf(": seq %lld-%lld", (long long)v->ok_seq_lo, (long long)v->ok_seq_hi);
	printf(", %s to %s\n", rgq_time_format(v->ok_ts_lo, a, sizeof(a)),
	       rgq_time_format(v->ok_ts_hi, b, sizeof(b)));
	v->ok_first = 0;
}

static void extend_ok(struct verify *v, int64_t ts)
{
	if (!v->ok_first) {
		v->ok_first = v->link;
		v->ok_seq_lo = INT64_MAX;
		v->ok_seq_hi = INT64_MIN;
		v->ok_ts_lo = ts;
	}
	v->ok_last = v->link;
	v->ok_ts_hi = ts;
	v->ok_seq_lo = v->seq_lo < v->ok_seq_lo ? v->seq_lo : v->ok_seq_lo;
	v->ok_seq_hi = v->seq_hi > v->ok_seq_hi ? v->seq_hi : v->ok_seq_hi;
}

/* What the runs table says ended cleanly must end with the run's stop
 * link; a run after the chain began must have its start link. */
struct runs_seen {
	int64_t first_run, last_link;
	int64_t *started, *stopped;
	size_t nstarted, nstopped, cap_started, cap_stopped;
};

static void note_run(int64_t **v, size_t *n, size_t *cap, int64_t run)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		*v = rg_realloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = run;
}

static bool has_run(const int64_t *v, size_t n, int64_t run)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == run)
			return true;
	return false;
}

/* One link: its place in the chain, its digest, its rows. */
static void check_link(struct verify *v, sqlite3_stmt *st, uint8_t head[RG_CHAIN_DIGEST],
		       int64_t *prev_link, struct runs_seen *rs)
{
	struct rg_chain_link l = {
		.link = sqlite3_column_int64(st, 0),
		.kind = (const char *)sqlite3_column_text(st, 1),
		.run_id = sqlite3_column_int64(st, 2),
		.ts_ns = sqlite3_column_int64(st, 3),
		.note = (const char *)sqlite3_column_text(st, 4),
		.held = sqlite3_column_blob(st, 7),
		.nheld = (size_t)sqlite3_column_bytes(st, 7),
	};
	const uint8_t *rows = sqlite3_column_blob(st, 5);
	size_t nrows = (size_t)sqlite3_column_bytes(st, 5);
	bool trimmed = sqlite3_column_type(st, 5) == SQLITE_NULL;
	const void *prev = sqlite3_column_blob(st, 8), *digest = sqlite3_column_blob(st, 9);
	bool sized = sqlite3_column_bytes(st, 8) == RG_CHAIN_DIGEST &&
		     sqlite3_column_bytes(st, 9) == RG_CHAIN_DIGEST &&
		     sqlite3_column_bytes(st, 6) == RG_CHAIN_DIGEST;
	if (sized)
		memcpy(l.rows_sha, sqlite3_column_blob(st, 6), RG_CHAIN_DIGEST);
	l.kind = l.kind ? l.kind : "";
	l.note = l.note ? l.note : "";
	v->link = l.link;
	v->nread++;
	v->link_problems = v->link_pruned = 0;
	v->seq_lo = INT64_MAX;
	v->seq_hi = INT64_MIN;
	if (l.link != *prev_link + 1) {
		flush_ok(v);
		problem(v, "MISSING   links %lld-%lld: link %lld follows link %lld; what they "
			"covered (after seq %lld) cannot be verified", (long long)*prev_link + 1,
			(long long)l.link - 1, (long long)l.link, (long long)*prev_link,
			(long long)v->last_seq);
	} else if (!sized || memcmp(prev, head, RG_CHAIN_DIGEST)) {
		flush_ok(v);
		problem(v, "ORDER     link %lld does not follow link %lld (replaced, reordered "
			"or made again)", (long long)l.link, (long long)*prev_link);
	}
	if (sized) {
		if (v->nlinks == v->links_cap) {
			v->links_cap = v->links_cap ? 2 * v->links_cap : 256;
			v->links = rg_realloc(v->links, v->links_cap * sizeof(*v->links));
		}
		v->links[v->nlinks].link = l.link;
		memcpy(v->links[v->nlinks++].digest, digest, RG_CHAIN_DIGEST);
	}
	if (sized) {
		uint8_t d[RG_CHAIN_DIGEST];
		memcpy(l.prev, prev, RG_CHAIN_DIGEST);
		rg_chain_digest(&l, d);
		if (memcmp(d, digest, RG_CHAIN_DIGEST))
			problem(v, "LINK      link %lld was edited: it does not match its digest",
				(long long)l.link);
		memcpy(head, digest, RG_CHAIN_DIGEST);
	}
	if (!strcmp(l.kind, "start")) {
		parse_base_note(v, l.note, *prev_link == 0);
		note_run(&rs->started, &rs->nstarted, &rs->cap_started, l.run_id);
	} else if (!strcmp(l.kind, "stop")) {
		note_run(&rs->stopped, &rs->nstopped, &rs->cap_stopped, l.run_id);
	}
	if (!*prev_link)
		rs->first_run = l.run_id;
	unsigned before = v->problems;
	hold_rows(v, l.held, l.nheld);
	if (trimmed && !in_spans(&v->trimmed, l.link)) {
		problem(v, "LINK      link %lld: its rows list was deleted (retention did not)",
			(long long)l.link);
	} else if (trimmed) {
		v->ntrimmed++;
	} else {
		uint8_t sha[RG_CHAIN_DIGEST];
		rg_chain_sha256(nrows ? (const void *)rows : "", nrows, sha);
		if (sized && memcmp(sha, l.rows_sha, RG_CHAIN_DIGEST))
			problem(v, "LINK      link %lld: its rows list was edited", (long long)l.link);
		check_rows(v, rows, nrows);
	}
	if (v->seq_hi > v->last_seq)
		v->last_seq = v->seq_hi;
	if (v->all) {
		char t[64];
		printf("link      %lld %s run %lld %s", (long long)l.link, l.kind, (long long)l.run_id,
		       rgq_time_format(l.ts_ns, t, sizeof(t)));
		if (v->seq_lo <= v->seq_hi)
			printf(" seq %lld-%lld", (long long)v->seq_lo, (long long)v->seq_hi);
		printf(" %s\n", v->problems > before || v->link_problems ? "NOT INTACT" : "ok");
	}
	if (v->link_problems)
		flush_ok(v);
	else
		extend_ok(v, l.ts_ns);
	*prev_link = rs->last_link = l.link;
}

/* A tail cut off with its links: runs that ended cleanly without their
 * stop link, runs without their start link. */
static void check_runs(struct verify *v, const struct rgq_command *c, struct runs_seen *rs)
{
	sqlite3_stmt *st = rgq_prepare(v->g, c, "SELECT run_id, stopped_ns FROM runs "
						"WHERE run_id >= ? ORDER BY run_id");
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, rs->first_run);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t run = sqlite3_column_int64(st, 0);
		char t[64];
		if (!has_run(rs->started, rs->nstarted, run))
			problem(v, "TRUNCATED run %lld has no start link: the chain ends at link "
				"%lld, before the run", (long long)run, (long long)rs->last_link);
		else if (sqlite3_column_type(st, 1) != SQLITE_NULL &&
			 !has_run(rs->stopped, rs->nstopped, run))
			problem(v, "TRUNCATED run %lld stopped cleanly at %s but the chain ends at "
				"link %lld, before its stop link", (long long)run,
				rgq_time_format(sqlite3_column_int64(st, 1), t, sizeof(t)),
				(long long)rs->last_link);
	}
	sqlite3_finalize(st);
}

/* Rows of the append-only tables that no link covers: after the last
 * link's (a tail whose links were cut, or rows added), or between. */
static void check_uncovered(struct verify *v, const struct rgq_command *c)
{
	for (unsigned t = 0; t < RG_CHAIN_APPEND; t++) {
		char sql[200];
		int64_t from = v->covered_hi[t] > v->base[t] ? v->covered_hi[t] : v->base[t];
		snprintf(sql, sizeof(sql), "SELECT count(*), min(rowid), max(rowid), (SELECT "
			 "count(*) FROM %s WHERE rowid > %lld) FROM %s WHERE rowid > %lld",
			 rg_chain_store(t), (long long)v->base[t], rg_chain_store(t),
			 (long long)from);
		sqlite3_stmt *st = rgq_prepare(v->g, c, sql);
		if (!st)
			continue;
		if (sqlite3_step(st) == SQLITE_ROW) {
			int64_t after = sqlite3_column_int64(st, 0);
			int64_t inside = sqlite3_column_int64(st, 3) - after - (int64_t)v->seen[t];
			if (after)
				problem(v, "UNCHAINED %s %lld-%lld: %lld rows after the chain's last "
					"link (its tail cut, or rows added)", rg_chain_table(t),
					(long long)sqlite3_column_int64(st, 1),
					(long long)sqlite3_column_int64(st, 2), (long long)after);
			if (inside > 0)
				problem(v, "ADDED     %s: %lld rows between links, covered by none",
					rg_chain_table(t), (long long)inside);
		}
		sqlite3_finalize(st);
	}
}

/* A range export's chain begins at export_lo: its prev (the link before,
 * not exported) is taken as stored; a signed checkpoint after it binds
 * that value too. */
static void export_start(struct verify *v, uint8_t head[RG_CHAIN_DIGEST], int64_t *prev_link)
{
	sqlite3_stmt *st;
	*prev_link = v->export_lo - 1;
	v->last_seq = 0;
	if (sqlite3_prepare_v2(v->g->db, "SELECT prev FROM chain WHERE link = ?", -1, &st, NULL))
		return;
	sqlite3_bind_int64(st, 1, v->export_lo);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == RG_CHAIN_DIGEST)
		memcpy(head, sqlite3_column_blob(st, 0), RG_CHAIN_DIGEST);
	sqlite3_finalize(st);
}

/* A problem verify_sign.c found (NULL: one more of its kind, not shown). */
static void sign_problem(void *arg, const char *line)
{
	report(arg, line == NULL, "%s", line ? line : "");
}

static int run_verify(struct rgq *g, const struct rgq_command *c, const struct rgq_opts *o)
{
	char err[256];
	struct verify v = {.g = g, .all = o->all};
	struct runs_seen rs = {0};
	uint8_t head[RG_CHAIN_DIGEST] = {0};
	int64_t prev_link = 0;
	char want[33];
	int rc = rgq_verify_key(c, o, want);
	if (rc)
		return rc;
	v.h = rg_chain_hasher_new(g->db, err, sizeof(err));
	if (!v.h)
		return rgq_fail(c, "%s", err);
	/* one read transaction: the links and rows of one moment, while the
	 * recorder goes on committing (else its newest rows would look added) */
	if (sqlite3_exec(g->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		rg_chain_hasher_free(v.h);
		return rgq_fail(c, "%s", sqlite3_errmsg(g->db));
	}
	sqlite3_stmt *st = NULL;
	if (!load_prunes(&v, c))
		st = rgq_prepare(g, c, "SELECT link, kind, run_id, ts_ns, note, rows, rows_sha, "
				       "held, prev, digest FROM chain ORDER BY link");
	if (st && v.export_lo) /* the export starts the chain at its first link */
		export_start(&v, head, &prev_link);
	if (!st) {
		sqlite3_exec(g->db, "COMMIT", NULL, NULL, NULL);
		rg_chain_hasher_free(v.h);
		return 1;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		check_link(&v, st, head, &prev_link, &rs);
	sqlite3_finalize(st);
	flush_ok(&v);
	if (!prev_link)
		problem(&v, "NOCHAIN   the recording has no chain links (made with [store] "
			    "chain = false, or they were all deleted)");
	if (prev_link && !v.export_lo) {
		check_runs(&v, c, &rs);
	} else if (prev_link && prev_link != v.export_hi) { /* its runs are partial */
		problem(&v, "TRUNCATED the export's chain ends at link %lld, before link %lld its "
			"export wrote", (long long)prev_link, (long long)v.export_hi);
	}
	if (prev_link)
		check_uncovered(&v, c);
	check_held(&v, 0);
	check_held(&v, 1);
	/* links are in link order, as read (a link repeated or out of place
	 * is already a problem above) */
	struct vs_ctx sx = {g, c, o, want, v.links, v.nlinks, sign_problem, &v};
	int failed = rgq_verify_signed(&sx);
	for (unsigned t = 0; t < RG_CHAIN_NTABLES; t++) {
		if (v.edited[t] > MAX_ROW_REPORTS)
			printf("EDITED    %s: %llu rows in all\n", rg_chain_table(t),
			       (unsigned long long)v.edited[t]);
		if (v.added[t] > MAX_ROW_REPORTS)
			printf("ADDED     %s: %llu rows in all\n", rg_chain_table(t),
			       (unsigned long long)v.added[t]);
	}
	if (v.npruned || v.ntrimmed)
		printf("pruned    %llu rows removed by retention, and the row lists of %llu links "
		       "whose rows were all pruned (recorded in its links: not tampering)\n",
		       (unsigned long long)v.npruned, (unsigned long long)v.ntrimmed);
	if (v.export_lo)
		printf("export    links %lld-%lld of the recording: %llu rows of theirs are "
		       "outside the exported range; %llu rows were updated, and %llu (kept whole) "
		       "covered, by links the export left out (not tampering)\n",
		       (long long)v.export_lo, (long long)v.export_hi,
		       (unsigned long long)v.noutside, (unsigned long long)v.nnewer,
		       (unsigned long long)v.nwhole);
	if (v.reported > MAX_REPORTS)
		printf("...       %u more problems not shown\n", v.reported - MAX_REPORTS);
	if (v.problems)
		printf("NOT INTACT: %u problems in %lld links\n", v.problems, (long long)v.nread);
	else
		printf("intact: %lld links\n", (long long)v.nread);
	for (unsigned t = 0; t < RG_CHAIN_NTABLES; t++) {
		free(v.pruned[t].v);
		free(v.outside[t].v);
		free(v.newer[t].v);
	}
	free(v.trimmed.v);
	free(v.held[0]);
	free(v.held[1]);
	free(rs.started);
	free(rs.stopped);
	free(v.links);
	sqlite3_exec(g->db, "COMMIT", NULL, NULL, NULL);
	rg_chain_hasher_free(v.h);
	return v.problems || failed ? 1 : 0;
}

const struct rgq_command rgq_cmd_verify = {
	"verify", "recomputes the hash chain: what is intact, what was changed",
	"verify [--all] [--pubkey FILE|HEX] [--key-fpr HEX] [--checkpoints FILE.ndjson]",
	"Recomputes the recording's hash chain (docs/threat-model.md): every link's\n"
	"digest and place, and every row each link covers. Prints the verified ranges\n"
	"of links, and each problem with its table and key: a row EDITED, DELETED or\n"
	"ADDED (event rows by their 1-byte tag, or by their group of 16 when the tag\n"
	"was kept), a group of event rows with some gone (UNVERIFIED), a LINK edited,\n"
	"links MISSING or out of ORDER, a TRUNCATED tail, rows UNCHAINED after the\n"
	"last link. Rows retention pruned are counted as pruned, not as tampering.\n"
	"--all adds a line per link (its kind, run, time, seq range).\n"
	"\n"
	"Then the signed checkpoints: each one's signature, and that it signs the\n"
	"digest the chain has at its link; the range they sign and the unsigned tail\n"
	"after the last one (not tampering). --pubkey (64 hex digits, or a file that\n"
	"starts with them) or --key-fpr (32 hex digits; both as rand-guard\n"
	"--check-config prints them) require that key: a recording re-signed with\n"
	"another fails, naming both fingerprints. --checkpoints compares the\n"
	"checkpoint lines of the recorder's NDJSON (shipped off the host) with the\n"
	"chain: a chain rewritten after they were shipped, even re-signed with the\n"
	"host's own key, disagrees; an edited line does not verify.\n"
	"Exit status 0: intact; 1: not (or no chain); 2: bad usage.\n",
	"ayYc", 0, run_verify,
};
