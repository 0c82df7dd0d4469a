/* row.c: one event field to and from its SQL column (row.h). */
#include "row.h"

#include "buf.h"

int64_t rg_sql_int(sqlite3 *db, const char *sql, int64_t dflt)
{
	sqlite3_stmt *st;
	int64_t v = dflt;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return dflt;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

void rg_row_bind_text(sqlite3_stmt *st, int i, struct rg_str v)
{
	if (v.p)
		sqlite3_bind_text(st, i, v.p, (int)v.len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

void rg_row_bind_cmdline(sqlite3_stmt *st, int i, struct rg_str argv, struct rg_buf *scratch)
{
	if (!argv.p) {
		sqlite3_bind_null(st, i);
		return;
	}
	scratch->len = 0;
	rg_buf_add_cmdline(scratch, argv);
	sqlite3_bind_text(st, i, scratch->p ? scratch->p : "", (int)scratch->len,
			  SQLITE_TRANSIENT);
}

void rg_row_bind_field(sqlite3_stmt *st, int i, const struct rg_field *f,
		       const struct rg_event *ev, struct rg_buf *scratch)
{
	if (!(f->types & RG_ET_BIT(ev->type)) || rg_field_is_null(f, ev)) {
		sqlite3_bind_null(st, i);
		return;
	}
	switch (f->type) {
	case RG_FT_ETYPE:
		sqlite3_bind_text(st, i, rg_etype_name(ev->type), -1, SQLITE_STATIC);
		break;
	case RG_FT_STR: case RG_FT_CSTR:
		rg_row_bind_text(st, i, rg_field_str(f, ev));
		break;
	case RG_FT_ARGV: {
		struct rg_str a = rg_field_str(f, ev);
		sqlite3_bind_blob(st, i, a.p, (int)a.len, SQLITE_STATIC);
		break;
	}
	case RG_FT_CMDLINE:
		rg_row_bind_cmdline(st, i, rg_field_str(f, ev), scratch);
		break;
	default:
		sqlite3_bind_int64(st, i, rg_field_int(f, ev));
	}
}

unsigned rg_row_event_table(const struct rg_event *ev)
{
	unsigned t = 0;
	while (t < RG_N_EVENT_TABLES && !(rg_event_tables[t].types & RG_ET_BIT(ev->type)))
		t++;
	return t;
}
