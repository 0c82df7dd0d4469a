/* row.h: the row codec: one event field to and from its SQL column.
 *
 * The columns of process_events, file_events and network_events are the
 * field registry's fields (fields.h), each table the fields of its event
 * types. The store's writer binds a field with rg_row_bind_field; rgq's
 * reader turns the column back into the field with rg_row_read_as:
 * one place knows how each field type is stored, so a row read back is
 * the struct rg_event the recorder had.
 *
 * Part of the store's reading side (rg_store_read): no writer, no thread.
 */
#ifndef RG_ROW_H
#define RG_ROW_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "event.h"
#include "fields.h"

/* One integer from a query without parameters; dflt on an error, no row
 * or NULL (the store's schema checks, and rgq's). */
int64_t rg_sql_int(sqlite3 *db, const char *sql, int64_t dflt);

/* Binds v as text (SQLITE_STATIC: v must outlive the step), NULL when
 * v.p is NULL. */
void rg_row_bind_text(sqlite3_stmt *st, int i, struct rg_str v);
/* v as a BLOB (NUL-separated strings: argv, env), or NULL when v.p is. */
void rg_row_bind_blob(sqlite3_stmt *st, int i, struct rg_str v);
/* Binds argv (NUL-separated) as the space-joined command line, built in
 * scratch; NULL when argv.p is NULL. */
void rg_row_bind_cmdline(sqlite3_stmt *st, int i, struct rg_str argv, struct rg_buf *scratch);
/* One SQL value as the store writes it. */
struct rg_sql_value {
	int type;       /* SQLITE_NULL, _INTEGER, _TEXT or _BLOB */
	bool transient; /* p points into scratch: valid until its next use */
	int64_t i;
	const void *p;
	size_t n;
};

/* s as a text or blob value, NULL when s.p is */
static inline void rg_row_str_value(struct rg_sql_value *v, int type, struct rg_str s)
{
	v->type = s.p ? type : SQLITE_NULL;
	v->p = s.p;
	v->n = s.len;
}

/* Field f of ev as the value its column gets: NULL when f is not one of
 * ev's type's fields or is unknown (rg_field_is_null). scratch: as above.
 * Inline: the writer calls it for every column of every row, and the call
 * alone was 1.4 % of its instructions (callgrind, rg-gen). */
static inline void rg_row_field_value(const struct rg_field *f, const struct rg_event *ev,
				      struct rg_buf *scratch, struct rg_sql_value *v)
{
	*v = (struct rg_sql_value){.type = SQLITE_NULL};
	if (!(f->types & RG_ET_BIT(ev->type)) || rg_field_is_null(f, ev))
		return;
	switch (f->type) {
	case RG_FT_ETYPE: {
		const char *name = rg_etype_name(ev->type);
		rg_row_str_value(v, SQLITE_TEXT, (struct rg_str){name, (uint32_t)strlen(name)});
		break;
	}
	case RG_FT_STR: case RG_FT_CSTR:
		rg_row_str_value(v, SQLITE_TEXT, rg_field_str(f, ev));
		break;
	case RG_FT_ARGV: /* a zero-length value stays an empty blob, not NULL */
		rg_row_str_value(v, SQLITE_BLOB, rg_field_str(f, ev));
		break;
	case RG_FT_CMDLINE: {
		struct rg_str argv = rg_field_str(f, ev);
		if (!argv.p)
			return;
		scratch->len = 0;
		rg_buf_add_cmdline(scratch, argv);
		rg_row_str_value(v, SQLITE_TEXT, (struct rg_str){scratch->p ? scratch->p : "",
								  (uint32_t)scratch->len});
		v->transient = true;
		break;
	}
	default:
		v->type = SQLITE_INTEGER;
		v->i = rg_field_int(f, ev);
	}
}

/* Binds v to parameter i. */
void rg_row_bind_value(sqlite3_stmt *st, int i, const struct rg_sql_value *v);
/* Both: field f of ev bound to parameter i. */
void rg_row_bind_field(sqlite3_stmt *st, int i, const struct rg_field *f,
		       const struct rg_event *ev, struct rg_buf *scratch);

/* How a value is read into a field: its type, an integer's width folded
 * in, so that one switch reads and stores it (rg_row_reading). */
enum rg_row_how {
	RG_RH_ETYPE, RG_RH_STR, RG_RH_CMDLINE, RG_RH_ARGV, RG_RH_CSTR,
	RG_RH_INT8, RG_RH_INT4, RG_RH_BOOL, /* 8-, 4-byte integers, a bool */
	RG_RH_INT,                          /* others (a flag, RG_FO_NEG_NULL): by f */
};
struct rg_row_reading {
	const struct rg_field *f;
	uint16_t off; /* f's */
	uint8_t how;  /* enum rg_row_how */
};

static inline struct rg_row_reading rg_row_reading(const struct rg_field *f)
{
	struct rg_row_reading r = {f, f->off, RG_RH_INT};
	switch (f->type) {
	case RG_FT_ETYPE: r.how = RG_RH_ETYPE; break;
	case RG_FT_STR: r.how = RG_RH_STR; break;
	case RG_FT_CMDLINE: r.how = RG_RH_CMDLINE; break;
	case RG_FT_ARGV: r.how = RG_RH_ARGV; break;
	case RG_FT_CSTR: r.how = RG_RH_CSTR; break;
	case RG_FT_U64: case RG_FT_I64: r.how = RG_RH_INT8; break;
	case RG_FT_U32: case RG_FT_I32: r.how = RG_RH_INT4; break;
	case RG_FT_BOOL: r.how = RG_RH_BOOL; break;
	default: break;
	}
	if (f->opts & RG_FO_NEG_NULL)
		r.how = RG_RH_INT;
	return r;
}

/* Value v into the field of r (rg_row_reading(f)) of ev, as
 * rg_row_bind_field stored it. A NULL is the value that was written as
 * null: 0 (a RG_FO_ZERO_NULL field's unknown) or -1 for a RG_FO_NEG_NULL
 * field (whose 0 is a value: mtime_ns, the epoch); but a cmdline column
 * goes into argv (rules read it as cmdline: the same text) and a stored
 * argv column that follows it wins, so a NULL of either leaves that field
 * as it was. Text and blobs point into v. v is a column's
 * (sqlite3_column_value) or an SQL function's argument (rgq's reader decodes
 * its rows in one: query/reader.c). Inline, always (GCC would not, and
 * the call's own cost was a quarter of it): the reader calls it for about
 * ten columns of every row. Each type asks SQLite only what it needs (a
 * NULL's text pointer is NULL, its integer 0). */
static inline __attribute__((always_inline)) void
rg_row_read_as(sqlite3_value *v, const struct rg_row_reading *r, struct rg_event *ev)
{
	char *at = (char *)ev + r->off;
	const char *p;
	struct rg_str s;
	int64_t i;
	switch ((enum rg_row_how)r->how) {
	case RG_RH_ETYPE: {
		int t = sqlite3_value_type(v) == SQLITE_NULL
				? 0 : rg_etype_parse((const char *)sqlite3_value_text(v));
		ev->type = t < 0 ? RG_ET_COUNT : (enum rg_etype)t;
		return;
	}
	case RG_RH_STR:
		p = (const char *)sqlite3_value_text(v);
		if (!p && sqlite3_value_type(v) != SQLITE_NULL)
			p = ""; /* no memory for the conversion: as before, an empty text */
		s = (struct rg_str){p, p ? (uint32_t)sqlite3_value_bytes(v) : 0};
		memcpy(at, &s, sizeof(s));
		return;
	case RG_RH_CMDLINE:
	case RG_RH_ARGV:
		if (sqlite3_value_type(v) == SQLITE_NULL)
			return;
		p = r->how == RG_RH_ARGV ? sqlite3_value_blob(v) : (const char *)sqlite3_value_text(v);
		s = (struct rg_str){p ? p : "", (uint32_t)sqlite3_value_bytes(v)};
		memcpy(at, &s, sizeof(s));
		return;
	case RG_RH_CSTR:
		p = (const char *)sqlite3_value_text(v);
		memcpy(at, &p, sizeof(p));
		return;
	case RG_RH_INT8: /* the same stores as rg_field_set_int's */
		i = sqlite3_value_int64(v);
		memcpy(at, &i, 8);
		return;
	case RG_RH_INT4: {
		uint32_t x = (uint32_t)sqlite3_value_int64(v);
		memcpy(at, &x, 4);
		return;
	}
	case RG_RH_BOOL: {
		bool x = sqlite3_value_int64(v) != 0;
		memcpy(at, &x, sizeof(x));
		return;
	}
	case RG_RH_INT:
		if ((r->f->opts & RG_FO_NEG_NULL) && sqlite3_value_type(v) == SQLITE_NULL)
			rg_field_set_int(r->f, ev, -1);
		else
			rg_field_set_int(r->f, ev, sqlite3_value_int64(v));
	}
}

/* The same, by field. */
static inline void rg_row_read_value(sqlite3_value *v, const struct rg_field *f,
				     struct rg_event *ev)
{
	struct rg_row_reading r = rg_row_reading(f);
	rg_row_read_as(v, &r, ev);
}

/* The columns of event table t (rg_event_tables index) that are in
 * fields (bit i: rg_fields[i]; UINT64_MAX: all), in registry order: the
 * order the writer binds and the reader reads them. Appends their names,
 * comma-separated, to b, fills cols (when not NULL; room for
 * RG_FIELDS_MAX) and returns their number. */
unsigned rg_row_columns(struct rg_buf *b, unsigned t, rg_fmask fields,
			const struct rg_field **cols);

/* The event table (rg_event_tables index) ev goes to; RG_N_EVENT_TABLES
 * for none. */
unsigned rg_row_event_table(const struct rg_event *ev);

/* Event table t is a view over rows of its own (rg_event_tables[t].rows,
 * schema/023). */
bool rg_row_compact(unsigned t);
/* Appends to b a query of the names' numbers (schema/023, 024, 027,
 * 028) that compact table t's rows refer to: "SELECT c FROM rows WHERE c
 * IS NOT NULL" for each column c that holds one, after " UNION " when b
 * is not empty. */
void rg_row_name_refs(struct rg_buf *b, unsigned t);
/* How field f's column of event table t is kept in its rows' table: as it
 * is, or in a compact one as a name's number (the event type's, or
 * another name's: the syscall; a network row's family, protocol and local
 * address, schema/027; a process row's exe_sha256 and hash_status,
 * schema/028), as part of the row's actor (pid, uid,
 * gid, ppid, parent_proc_id: schema/025) or of the actor's image (exe,
 * comm), as its directory's name's number and the rest (a file row's
 * path, schema/024; a failed exec's stays whole), as the tid, NULL when
 * it is the pid (schema/025), or as the number of its clock (boot_ns: the
 * row's ts_ns less the clock's offset, schema/026), or in a row of the
 * table's `more` table under its seq (a file row's rarer columns,
 * schema/029: there when any of them is not NULL), or as the number of
 * its `cmdlines` row (a process row's command line, schema/031). The
 * writer stores the columns so (store/schema.c), rgq's reader reads them
 * back (query/reader.c). */
enum rg_col_store {
	RG_CS_VALUE,
	RG_CS_ETYPE,
	RG_CS_NAME,
	RG_CS_EXE,
	RG_CS_COMM,
	RG_CS_PATH,
	RG_CS_ACTOR,
	RG_CS_CLOCK,
	RG_CS_TID,
	RG_CS_MORE,
	RG_CS_CMDLINE,
};
enum rg_col_store rg_row_col_store(unsigned t, const struct rg_field *f);
/* The column of a compact table's rows that holds field f, kept as cs:
 * NAME_id for a name's or command line's number, clock_id for the
 * clock's, the field's own name otherwise (a path's rest; the actor's
 * parts and the more row's columns are not the rows' own). Written to
 * buf (n bytes); returns buf. A path's directory is RG_ROW_DIR_COL, the
 * actor's number RG_ROW_ACTOR_COL. The writer's insert (store/schema.c),
 * export's name references (rg_row_name_refs) and rgq's reader
 * (query/reader.c) take them from here; SQL text elsewhere (the views,
 * rgq's path and range queries, the shipper's NOT NULL check) spells the
 * same names out. */
const char *rg_row_stored_col(enum rg_col_store cs, const struct rg_field *f, char *buf,
			      size_t n);
#define RG_ROW_DIR_COL "dir_id"
#define RG_ROW_ACTOR_COL "actor_id"
/* An actor's columns (RG_CS_ACTOR): pid, uid, gid, ppid and
 * parent_proc_id, the order of `actors`' own and of the registry's. */
#define RG_ACTOR_PARTS 5
/* The place of field f among them, -1 if it is none. */
int rg_row_actor_part(const struct rg_field *f);
/* At most this many of a table's columns are kept other than as they are
 * (besides the event type's): one per field rg_row_col_store names, and
 * the actor's parts (row.c checks it when it compiles). */
#define RG_ROW_REFS_MAX 18
/* At most this many of a table's columns are in its `more` table. */
#define RG_ROW_MORE_MAX 8
/* Column name of event table t is in its `more` table (schema/029). Its
 * rows say in a column `more` (1, 0) whether they have a more row. */
bool rg_row_in_more(unsigned t, const char *name);

#endif /* RG_ROW_H */
