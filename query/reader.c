/* reader.c: event rows to events, merged by seq (see reader.h).
 *
 * Each table's query selects one value, rgq_row_TABLE(event_type, seq,
 * columns...): a function of this reader's that decodes its arguments into
 * the cursor's event as the row is stepped. A column read with
 * sqlite3_column_value costs about 50 instructions (the connection's mutex
 * and error state, each time) and a row needs a dozen; an argument is read
 * straight from SQLite's register. An argument is valid only during the
 * call, so the function copies the row's text into the cursor's buffer;
 * rgq_reader_copy moves it on. */
#include "reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "fields.h"
#include "row.h"

/* An event type name the cursor has read, and its type. */
struct seen_type {
	const char *name;
	size_t len;
	enum rg_etype type;
};

/* A text field of an event type, copied out of the row: an rg_str or a
 * const char * (RG_FT_CSTR) at off. */
struct text_field {
	uint16_t off;
	bool cstr;
};

struct cursor {
	sqlite3_stmt *st;
	char fn[64]; /* the decoding function's name */
	const struct rg_field *cols[RG_FIELDS_MAX]; /* the registry field of each argument */
	unsigned ncols;
	/* by event type (RG_ET_COUNT: an unknown one): the columns after seq
	 * an event of that type needs, in order (the others are not read),
	 * as indexes into cols and as a mask of fields; its text fields,
	 * each once; and whether it reads argv (or cmdline, the same field,
	 * which a NULL leaves as it was: cleared first) */
	struct need {
		uint8_t col;
		const struct rg_field *f; /* cols[col] */
	} need[RG_ET_COUNT + 1][RG_FIELDS_MAX];
	uint8_t nneed[RG_ET_COUNT + 1];
	rg_fmask mask[RG_ET_COUNT + 1];
	struct text_field text[RG_ET_COUNT + 1][RG_FIELDS_MAX];
	uint8_t ntext[RG_ET_COUNT + 1];
	bool argv[RG_ET_COUNT + 1];
	struct seen_type seen[RG_ET_COUNT];
	unsigned nseen;
	bool row; /* st is on a row: ev holds it */
	/* The row's event. Only the fields of need[last] are other than
	 * zero (and type, seq, flags): each row writes those of its type
	 * (rg_row_read_value writes a NULL's value too) and clears those of
	 * the last type that its own lacks, instead of a memset of it all. */
	struct rg_event ev;
	unsigned last;
	char *buf; /* ev's text */
	size_t used, cap;
};

struct rgq_reader {
	sqlite3 *db;
	struct cursor c[RG_N_EVENT_TABLES];
	struct cursor *cur; /* the cursor the last event came from: stepped next */
	char err[256];
};

static bool is_text(const struct rg_field *f)
{
	return f->type == RG_FT_STR || f->type == RG_FT_CSTR || f->type == RG_FT_ARGV ||
	       f->type == RG_FT_CMDLINE;
}

static bool is_argv(const struct rg_field *f)
{
	return f->type == RG_FT_ARGV || f->type == RG_FT_CMDLINE;
}

/* Adds column i to type t's plan: a text field another of its columns
 * fills too (cmdline and argv) is copied once. */
static void plan_column(struct cursor *c, unsigned t, unsigned i)
{
	const struct rg_field *f = c->cols[i];
	bool shared = false;
	for (unsigned k = 0; k < c->nneed[t]; k++)
		shared |= c->need[t][k].f->off == f->off;
	c->need[t][c->nneed[t]++] = (struct need){(uint8_t)i, f};
	c->mask[t] |= RG_FBIT(f - rg_fields);
	c->argv[t] |= is_argv(f);
	if (is_text(f) && !shared)
		c->text[t][c->ntext[t]++] = (struct text_field){f->off, f->type == RG_FT_CSTR};
}

/* Which of c's columns each event type needs (fields: by type). */
static void plan(struct cursor *c, const rg_fmask *fields)
{
	for (unsigned t = 0; t <= RG_ET_COUNT; t++)
		for (unsigned i = 2; i < c->ncols; i++)
			if (fields[t] & RG_FBIT(c->cols[i] - rg_fields))
				plan_column(c, t, i);
}

/* A field back to the zero of an event nothing was read into (the event
 * type is always read; flags are cleared for every row). */
static void clear_field(const struct rg_field *f, struct rg_event *ev)
{
	char *at = (char *)ev + f->off;
	if (f->type == RG_FT_CSTR)
		memset(at, 0, sizeof(const char *));
	else if (is_text(f))
		memset(at, 0, sizeof(struct rg_str));
	else if (f->type != RG_FT_ETYPE && f->type != RG_FT_FLAG)
		rg_field_set_int(f, ev, 0);
}

/* The fields the last row's type read and t's does not, back to zero. */
static void clear_last(struct cursor *c, unsigned t)
{
	rg_fmask gone = c->mask[c->last] & ~c->mask[t];
	for (unsigned w = 0; w < 2; w++)
		for (uint64_t m = (uint64_t)(gone >> (64 * w)); m; m &= m - 1)
			clear_field(&rg_fields[64 * w + (unsigned)__builtin_ctzll(m)], &c->ev);
}

/* Column 0, the event type: its text compared with the few names this
 * cursor has read before (a table holds a handful of types), else read
 * by the codec and remembered. */
static void read_type(struct cursor *c, sqlite3_value *v, struct rg_event *ev)
{
	const char *s = (const char *)sqlite3_value_text(v);
	size_t n = (size_t)sqlite3_value_bytes(v);
	for (unsigned k = 0; s && k < c->nseen; k++)
		if (c->seen[k].len == n && !memcmp(c->seen[k].name, s, n)) {
			ev->type = c->seen[k].type;
			return;
		}
	ev->type = 0;
	rg_row_read_value(v, c->cols[0], ev);
	if (s && (unsigned)ev->type < RG_ET_COUNT && c->nseen < RG_ET_COUNT)
		c->seen[c->nseen++] = (struct seen_type){rg_etype_name(ev->type), n, ev->type};
}

/* Room for n more bytes in c's buffer; the text already there is moved,
 * and the fields of ev's first k text fields (of type t) with it. */
static void reserve(struct cursor *c, unsigned t, unsigned k, struct rg_event *ev, size_t n)
{
	if (c->used + n <= c->cap)
		return;
	char *old = c->buf;
	c->cap = c->used + n > 2 * c->cap ? c->used + n : 2 * c->cap;
	c->buf = rg_realloc(c->buf, c->cap);
	for (unsigned j = 0; j < k; j++) {
		const char **p = (const char **)((char *)ev + c->text[t][j].off);
		if (*p)
			*p = c->buf + (*p - old);
	}
}

/* The text of ev (of type t) into c's buffer, each string NUL-terminated
 * as SQLite's are. */
static void copy_text(struct cursor *c, unsigned t, struct rg_event *ev)
{
	c->used = 0;
	for (unsigned k = 0; k < c->ntext[t]; k++) {
		const struct text_field *x = &c->text[t][k];
		const char **p = (const char **)((char *)ev + x->off); /* rg_str's p too */
		if (!*p)
			continue;
		size_t n = x->cstr ? strlen(*p) : ((const struct rg_str *)p)->len;
		reserve(c, t, k, ev, n + 1);
		char *d = c->buf + c->used;
		memcpy(d, *p, n);
		d[n] = '\0';
		*p = d;
		c->used += n + 1;
	}
}

/* rgq_row_TABLE(event_type, seq, columns...): the row into its cursor's
 * event (the cursor is the function's user data). */
static void read_row(sqlite3_context *ctx, int argc, sqlite3_value **v)
{
	struct cursor *c = sqlite3_user_data(ctx);
	struct rg_event *ev = &c->ev;
	(void)argc;
	read_type(c, v[0], ev);
	ev->seq = (uint64_t)sqlite3_value_int64(v[1]);
	ev->flags = 0;
	unsigned t = (unsigned)ev->type <= RG_ET_COUNT ? ev->type : RG_ET_COUNT;
	if (t != c->last)
		clear_last(c, t);
	c->last = t;
	if (c->argv[t])
		ev->argv = (struct rg_str){0};
	for (const struct need *n = c->need[t], *end = n + c->nneed[t]; n < end; n++)
		rg_row_read_value(v[n->col], n->f, ev);
	copy_text(c, t, ev);
}

static int prepare(sqlite3 *db, struct cursor *c, unsigned t, const rg_fmask *fields,
		   bool until, char *err, size_t errlen)
{
	struct rg_buf b = {0};
	snprintf(c->fn, sizeof(c->fn), "rgq_row_%s", rg_event_tables[t].name);
	rg_buf_printf(&b, "SELECT %s(", c->fn);
	/* event_type and seq: registry order, arguments 0 and 1 */
	c->ncols = rg_row_columns(&b, t, fields[RG_ET_COUNT] | 3, c->cols);
	plan(c, fields);
	/* ?1 first, ?2 last, ?3 from, ?4 until (file, network; only when
	 * there is one: a test per row otherwise true) */
	rg_buf_printf(&b, ") FROM %s WHERE seq BETWEEN %s AND ?2%s ORDER BY seq",
		      rg_event_tables[t].name, t == 0 ? "?1" : "max(?1, ?3)",
		      t == 0 || !until ? "" : " AND ts_ns <= ?4");
	int rc = sqlite3_create_function(db, c->fn, (int)c->ncols,
					 SQLITE_UTF8 | SQLITE_DIRECTONLY, c, read_row, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, rg_buf_cstr(&b), -1, &c->st, NULL);
	if (rc != SQLITE_OK)
		snprintf(err, errlen, "reading %s: %s", rg_event_tables[t].name, sqlite3_errmsg(db));
	rg_buf_free(&b);
	return rc;
}

static void step(struct rgq_reader *r, struct cursor *c)
{
	int rc = sqlite3_step(c->st);
	c->row = rc == SQLITE_ROW;
	if (!c->row && rc != SQLITE_DONE && !r->err[0])
		snprintf(r->err, sizeof(r->err), "%s", sqlite3_errmsg(sqlite3_db_handle(c->st)));
}

struct rgq_reader *rgq_reader_open(sqlite3 *db, uint64_t first_seq, uint64_t last_seq,
				   uint64_t from_seq, int64_t until_ns,
				   const rg_fmask by_type[RG_ET_COUNT], char *err, size_t errlen)
{
	struct rgq_reader *r = rg_calloc(1, sizeof(*r));
	r->db = db;
	rg_fmask fields[RG_ET_COUNT + 1] = {0}; /* and an unknown type: all of them */
	for (unsigned t = 0; t < RG_ET_COUNT; t++) {
		fields[t] = by_type[t];
		fields[RG_ET_COUNT] |= by_type[t];
	}
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		struct cursor *c = &r->c[t];
		if (prepare(db, c, t, fields, until_ns != INT64_MAX, err, errlen)) {
			rgq_reader_close(r);
			return NULL;
		}
		sqlite3_bind_int64(c->st, 1, (int64_t)first_seq);
		sqlite3_bind_int64(c->st, 2, (int64_t)last_seq);
		sqlite3_bind_int64(c->st, 3, (int64_t)from_seq);
		if (sqlite3_bind_parameter_count(c->st) >= 4)
			sqlite3_bind_int64(c->st, 4, until_ns);
	}
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++)
		step(r, &r->c[t]);
	return r;
}

const struct rg_event *rgq_reader_next(struct rgq_reader *r)
{
	if (r->cur)
		step(r, r->cur);
	r->cur = NULL;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++)
		if (r->c[t].row && (!r->cur || r->c[t].ev.seq < r->cur->ev.seq))
			r->cur = &r->c[t];
	if (!r->cur || r->err[0])
		return NULL;
	return &r->cur->ev;
}

size_t rgq_reader_text_size(const struct rgq_reader *r)
{
	return r->cur->used;
}

void rgq_reader_copy(const struct rgq_reader *r, struct rg_event *ev, char *text)
{
	const struct cursor *c = r->cur;
	*ev = c->ev;
	memcpy(text, c->buf, c->used);
	for (unsigned k = 0; k < c->ntext[c->last]; k++) {
		const char **p = (const char **)((char *)ev + c->text[c->last][k].off);
		if (*p)
			*p = text + (*p - c->buf);
	}
}

const char *rgq_reader_error(const struct rgq_reader *r)
{
	return r->err[0] ? r->err : NULL;
}

void rgq_reader_close(struct rgq_reader *r)
{
	if (!r)
		return;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		struct cursor *c = &r->c[t];
		sqlite3_finalize(c->st);
		if (c->fn[0]) /* the function points at c: gone with it */
			sqlite3_create_function(r->db, c->fn, (int)c->ncols, SQLITE_UTF8, NULL, NULL,
						NULL, NULL);
		free(c->buf);
	}
	free(r);
}
