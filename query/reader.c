/* reader.c: event rows to events, merged by seq (see reader.h). */
#include "reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "fields.h"
#include "row.h"


struct cursor {
	sqlite3_stmt *st;
	const struct rg_field *cols[RG_FIELDS_MAX]; /* the registry field of each column */
	unsigned ncols;
	bool row;   /* st is on a row */
	int64_t seq;
};

struct rgq_reader {
	struct cursor c[RG_N_EVENT_TABLES];
	struct cursor *cur; /* the cursor the last event came from: stepped next */
	char err[256];
};

static int prepare(sqlite3 *db, struct cursor *c, unsigned t, rg_fmask fields, char *err,
		   size_t errlen)
{
	struct rg_buf b = {0};
	rg_buf_adds(&b, "SELECT ");
	/* event_type and seq: registry order, columns 0 and 1 */
	c->ncols = rg_row_columns(&b, t, fields | 3, c->cols);
	/* ?1 first, ?2 last, ?3 from, ?4 until (file, network) */
	rg_buf_printf(&b, " FROM %s WHERE seq BETWEEN %s AND ?2%s ORDER BY seq",
		      rg_event_tables[t].name, t == 0 ? "?1" : "max(?1, ?3)",
		      t == 0 ? "" : " AND ts_ns <= ?4");
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
				   uint64_t from_seq, int64_t until_ns, rg_fmask fields,
				   char *err, size_t errlen)
{
	struct rgq_reader *r = rg_calloc(1, sizeof(*r));
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		struct cursor *c = &r->c[t];
		if (prepare(db, c, t, fields, err, errlen)) {
			rgq_reader_close(r);
			return NULL;
		}
		sqlite3_bind_int64(c->st, 1, (int64_t)first_seq);
		sqlite3_bind_int64(c->st, 2, (int64_t)last_seq);
		sqlite3_bind_int64(c->st, 3, (int64_t)from_seq);
		sqlite3_bind_int64(c->st, 4, until_ns);
	}
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++)
		step(r, &r->c[t]);
	return r;
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
	for (unsigned i = 0; i < r->cur->ncols; i++)
		rg_row_read_field(r->cur->st, (int)i, r->cur->cols[i], ev);
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
