/* row.c: one event field to and from its SQL column (row.h). */
#include "row.h"

#include <stdio.h>
#include <string.h>

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

void rg_row_bind_blob(sqlite3_stmt *st, int i, struct rg_str v)
{
	if (v.p) /* a zero-length value stays an empty blob, not NULL */
		sqlite3_bind_blob(st, i, v.p, (int)v.len, SQLITE_STATIC);
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

void rg_row_bind_value(sqlite3_stmt *st, int i, const struct rg_sql_value *v)
{
	sqlite3_destructor_type how = v->transient ? SQLITE_TRANSIENT : SQLITE_STATIC;
	switch (v->type) {
	case SQLITE_INTEGER: sqlite3_bind_int64(st, i, v->i); break;
	case SQLITE_TEXT: sqlite3_bind_text(st, i, v->p, (int)v->n, how); break;
	case SQLITE_BLOB: sqlite3_bind_blob(st, i, v->p, (int)v->n, how); break;
	default: sqlite3_bind_null(st, i);
	}
}

void rg_row_bind_field(sqlite3_stmt *st, int i, const struct rg_field *f,
		       const struct rg_event *ev, struct rg_buf *scratch)
{
	struct rg_sql_value v;
	rg_row_field_value(f, ev, scratch, &v);
	rg_row_bind_value(st, i, &v);
}

unsigned rg_row_columns(struct rg_buf *b, unsigned t, rg_fmask fields,
			const struct rg_field **cols)
{
	unsigned n = 0;
	for (unsigned i = 0; i < rg_nfields; i++) {
		if (!(rg_fields[i].types & rg_event_tables[t].types) || !(fields & RG_FBIT(i)))
			continue;
		rg_buf_printf(b, "%s%s", n ? ", " : "", rg_fields[i].name);
		if (cols)
			cols[n] = &rg_fields[i];
		n++;
	}
	return n;
}

bool rg_row_compact(unsigned t)
{
	return strcmp(rg_event_tables[t].rows, rg_event_tables[t].name) != 0;
}

void rg_row_name_refs(struct rg_buf *b, unsigned t)
{
	const struct rg_field *cols[RG_FIELDS_MAX];
	struct rg_buf scratch = {0};
	unsigned n = rg_row_columns(&scratch, t, RG_FMASK_ALL, cols);
	rg_buf_free(&scratch);
	for (unsigned k = 0; k < n; k++) {
		enum rg_col_store cs = rg_row_col_store(t, cols[k]);
		if (cs != RG_CS_ETYPE && cs != RG_CS_NAME && cs != RG_CS_PATH)
			continue;
		char id[80];
		const char *col = cs == RG_CS_PATH ? RG_ROW_DIR_COL
						   : rg_row_stored_col(cs, cols[k], id, sizeof(id));
		rg_buf_printf(b, "%sSELECT %s FROM %s WHERE %s IS NOT NULL", b->len ? " UNION " : "",
			      col, rg_event_tables[t].rows, col);
	}
}

const char *rg_row_stored_col(enum rg_col_store cs, const struct rg_field *f, char *buf,
			      size_t n)
{
	bool number = cs == RG_CS_ETYPE || cs == RG_CS_NAME || cs == RG_CS_CMDLINE;
	snprintf(buf, n, "%s%s", cs == RG_CS_CLOCK ? "clock" : f->name,
		 number || cs == RG_CS_CLOCK ? "_id" : "");
	return buf;
}

/* file_more's columns: those of a few file event types (schema/029). */
static const char *const file_more[] = {"new_path", "new_path_truncated", "owner_uid",
					"owner_gid", "mtime_ns", "xattr_name"};
_Static_assert(sizeof(file_more) / sizeof(file_more[0]) <= RG_ROW_MORE_MAX,
	       "file_more's columns fit RG_ROW_MORE_MAX");

bool rg_row_in_more(unsigned t, const char *name)
{
	if (!rg_event_tables[t].more) /* file_more is the only one */
		return false;
	for (unsigned i = 0; i < sizeof(file_more) / sizeof(file_more[0]); i++)
		if (!strcmp(name, file_more[i]))
			return true;
	return false;
}

enum rg_col_store rg_row_col_store(unsigned t, const struct rg_field *f)
{
	if (!rg_row_compact(t))
		return RG_CS_VALUE;
	if (f->type == RG_FT_ETYPE)
		return RG_CS_ETYPE;
	if (rg_row_in_more(t, f->name))
		return RG_CS_MORE;
	/* only: the tables whose rows keep the field so (0: every compact
	 * one); a failed exec's path stays whole in a process row: rare rows,
	 * not worth a directory's number */
	static const struct {
		const char *name;
		enum rg_col_store how;
		rg_etmask only;
	} kept[] = {{"syscall", RG_CS_NAME}, {"exe", RG_CS_EXE}, {"comm", RG_CS_COMM},
		    {"path", RG_CS_PATH, RG_ET_FILE_MASK}, {"tid", RG_CS_TID},
		    {"boot_ns", RG_CS_CLOCK}, {"family", RG_CS_NAME}, {"protocol", RG_CS_NAME},
		    {"local_addr", RG_CS_NAME}, {"exe_sha256", RG_CS_NAME},
		    {"hash_status", RG_CS_NAME}, {"cmdline", RG_CS_CMDLINE, RG_ET_PROCESS_MASK}};
	_Static_assert(sizeof(kept) / sizeof(kept[0]) + RG_ACTOR_PARTS <= RG_ROW_REFS_MAX,
		       "a table's columns kept by reference fit RG_ROW_REFS_MAX");
	for (unsigned i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (!strcmp(f->name, kept[i].name) &&
		    (!kept[i].only || (rg_event_tables[t].types & kept[i].only)))
			return kept[i].how;
	return rg_row_actor_part(f) >= 0 ? RG_CS_ACTOR : RG_CS_VALUE;
}

int rg_row_actor_part(const struct rg_field *f)
{
	static const char *const parts[RG_ACTOR_PARTS] = {"pid", "uid", "gid", "ppid",
							  "parent_proc_id"};
	for (int i = 0; i < RG_ACTOR_PARTS; i++)
		if (!strcmp(f->name, parts[i]))
			return i;
	return -1;
}

unsigned rg_row_event_table(const struct rg_event *ev)
{
	unsigned t = 0;
	while (t < RG_N_EVENT_TABLES && !(rg_event_tables[t].types & RG_ET_BIT(ev->type)))
		t++;
	return t;
}
