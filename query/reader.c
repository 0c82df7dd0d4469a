/* reader.c: event rows to events, merged by seq (see reader.h). */
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

struct cursor {
	sqlite3_stmt *st;
	const struct rg_field *cols[RG_FIELDS_MAX]; /* the registry field of each column */
	unsigned ncols;
	/* by event type (RG_ET_COUNT: an unknown one): the columns after seq
	 * (indexes into cols) an event of that type needs, in order; the
	 * others are not fetched */
	uint8_t need[RG_ET_COUNT + 1][RG_FIELDS_MAX];
	uint8_t nneed[RG_ET_COUNT + 1];
	struct seen_type seen[RG_ET_COUNT];
	unsigned nseen;
	bool row;   /* st is on a row */
	int64_t seq;
};

struct rgq_reader {
	struct cursor c[RG_N_EVENT_TABLES];
	struct cursor *cur; /* the cursor the last event came from: stepped next */
	char err[256];
};

/* Which of c's columns each event type needs (fields: by type). */
static void plan(struct cursor *c, const rg_fmask *fields)
{
	for (unsigned t = 0; t <= RG_ET_COUNT; t++)
		for (unsigned i = 2; i < c->ncols; i++)
			if (fields[t] & RG_FBIT(c->cols[i] - rg_fields))
				c->need[t][c->nneed[t]++] = (uint8_t)i;
}

static int prepare(sqlite3 *db, struct cursor *c, unsigned t, const rg_fmask *fields,
		   bool until, char *err, size_t errlen)
{
	struct rg_buf b = {0};
	rg_buf_adds(&b, "SELECT ");
	/* event_type and seq: registry order, columns 0 and 1 */
	c->ncols = rg_row_columns(&b, t, fields[RG_ET_COUNT] | 3, c->cols);
	plan(c, fields);
	/* ?1 first, ?2 last, ?3 from, ?4 until (file, network; only when
	 * there is one: a test per row otherwise true) */
	rg_buf_printf(&b, " FROM %s WHERE seq BETWEEN %s AND ?2%s ORDER BY seq",
		      rg_event_tables[t].name, t == 0 ? "?1" : "max(?1, ?3)",
		      t == 0 || !until ? "" : " AND ts_ns <= ?4");
	int rc = sqlite3_prepare_v2(db, rg_buf_cstr(&b), -1, &c->st, NULL);
	if (rc != SQLITE_OK)
		snprintf(err, errlen, "reading %s: %s", rg_event_tables[t].name, sqlite3_errmsg(db));
	rg_buf_free(&b);
	return rc;
}

static void step(struct rgq_reader *r, struct cursor *c)
{
	int rc = sqlite3_step(c->st);
	c->row = rc == SQLITE_ROW;
	if (c->row)
		c->seq = sqlite3_column_int64(c->st, 1); /* registry order: event_type, seq */
	else if (rc != SQLITE_DONE && !r->err[0])
		snprintf(r->err, sizeof(r->err), "%s", sqlite3_errmsg(sqlite3_db_handle(c->st)));
}

struct rgq_reader *rgq_reader_open(sqlite3 *db, uint64_t first_seq, uint64_t last_seq,
				   uint64_t from_seq, int64_t until_ns,
				   const rg_fmask by_type[RG_ET_COUNT], char *err, size_t errlen)
{
	struct rgq_reader *r = rg_calloc(1, sizeof(*r));
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

/* Column 0, the event type: its text compared with the few names this
 * cursor has read before (a table holds a handful of types), else read
 * by the codec and remembered. */
static void read_type(struct cursor *c, struct rg_event *ev)
{
	const char *s = (const char *)sqlite3_column_text(c->st, 0);
	size_t n = (size_t)sqlite3_column_bytes(c->st, 0);
	for (unsigned k = 0; s && k < c->nseen; k++)
		if (c->seen[k].len == n && !memcmp(c->seen[k].name, s, n)) {
			ev->type = c->seen[k].type;
			return;
		}
	rg_row_read_field(c->st, 0, c->cols[0], ev);
	if (s && (unsigned)ev->type < RG_ET_COUNT && c->nseen < RG_ET_COUNT)
		c->seen[c->nseen++] = (struct seen_type){rg_etype_name(ev->type), n, ev->type};
}

bool rgq_reader_next(struct rgq_reader *r, struct rg_event *ev)
{
	if (r->cur)
		step(r, r->cur);
	r->cur = NULL;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++)
		if (r->c[t].row && (!r->cur || r->c[t].seq < r->cur->seq))
			r->cur = &r->c[t];
	if (!r->cur || r->err[0])
		return false;
	memset(ev, 0, sizeof(*ev));
	struct cursor *c = r->cur;
	read_type(c, ev);
	ev->seq = (uint64_t)c->seq; /* column 1, read by step() */
	unsigned t = (unsigned)ev->type <= RG_ET_COUNT ? ev->type : RG_ET_COUNT;
	for (unsigned k = 0; k < c->nneed[t]; k++)
		rg_row_read_field(c->st, c->need[t][k], c->cols[c->need[t][k]], ev);
	return true;
}

const char *rgq_reader_error(const struct rgq_reader *r)
{
	return r->err[0] ? r->err : NULL;
}

void rgq_reader_close(struct rgq_reader *r)
{
	if (!r)
		return;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++)
		sqlite3_finalize(r->c[t].st);
	free(r);
}
