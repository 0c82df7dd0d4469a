/* reader.c: event rows to events, merged by seq (see reader.h). */
#include "reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "fields.h"


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

static int prepare(sqlite3 *db, struct cursor *c, unsigned t, uint64_t fields, char *err,
		   size_t errlen)
{
	struct rg_buf b = {0};
	rg_buf_adds(&b, "SELECT ");
	fields |= 3; /* event_type and seq: registry order, columns 0 and 1 */
	for (unsigned i = 0; i < rg_nfields; i++) {
		if (!(rg_fields[i].types & rg_event_tables[t].types) || !(fields >> i & 1) ||
		    c->ncols == RG_FIELDS_MAX)
			continue;
		rg_buf_printf(&b, "%s%s", c->ncols ? ", " : "", rg_fields[i].name);
		c->cols[c->ncols++] = &rg_fields[i];
	}
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
				   uint64_t from_seq, int64_t until_ns, uint64_t fields,
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

static void set_int(const struct rg_field *f, struct rg_event *ev, int64_t v)
{
	char *at = (char *)ev + f->off;
	switch (f->type) {
	case RG_FT_U64: { uint64_t x = (uint64_t)v; memcpy(at, &x, sizeof(x)); break; }
	case RG_FT_I64: memcpy(at, &v, sizeof(v)); break;
	case RG_FT_U32: { uint32_t x = (uint32_t)v; memcpy(at, &x, sizeof(x)); break; }
	case RG_FT_I32: { int32_t x = (int32_t)v; memcpy(at, &x, sizeof(x)); break; }
	case RG_FT_BOOL: { bool x = v != 0; memcpy(at, &x, sizeof(x)); break; }
	case RG_FT_FLAG:
		if (v)
			ev->flags |= f->bit;
		break;
	default: break;
	}
}

/* One column into its field; NULL leaves the zero (unknown) value. One
 * sqlite3_column_value per column: each column call has its own cost. */
static void set_field(sqlite3_stmt *st, int i, const struct rg_field *f, struct rg_event *ev)
{
	sqlite3_value *v = sqlite3_column_value(st, i);
	if (sqlite3_value_type(v) == SQLITE_NULL)
		return;
	const char *p;
	struct rg_str s;
	switch (f->type) {
	case RG_FT_ETYPE: {
		int t = rg_etype_parse((const char *)sqlite3_value_text(v));
		ev->type = t < 0 ? RG_ET_COUNT : (enum rg_etype)t;
		return;
	}
	case RG_FT_STR:
	case RG_FT_CMDLINE: /* into argv; a stored argv column that follows wins */
	case RG_FT_ARGV:
		p = f->type == RG_FT_ARGV ? sqlite3_value_blob(v) : (const char *)sqlite3_value_text(v);
		s = (struct rg_str){p ? p : "", (uint32_t)sqlite3_value_bytes(v)};
		memcpy((char *)ev + f->off, &s, sizeof(s));
		return;
	case RG_FT_CSTR:
		p = (const char *)sqlite3_value_text(v);
		memcpy((char *)ev + f->off, &p, sizeof(p));
		return;
	default:
		set_int(f, ev, sqlite3_value_int64(v));
	}
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
		set_field(r->cur->st, (int)i, r->cur->cols[i], ev);
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
