/* row.h: the row codec: one event field to and from its SQL column.
 *
 * The columns of process_events, file_events and network_events are the
 * field registry's fields (fields.h), each table the fields of its event
 * types. The store's writer binds a field with rg_row_bind_field; rgq's
 * reader turns the column back into the field with rg_row_read_field:
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

/* Field f of ev as the value its column gets: NULL when f is not one of
 * ev's type's fields or is unknown (rg_field_is_null). scratch: as above. */
void rg_row_field_value(const struct rg_field *f, const struct rg_event *ev,
			struct rg_buf *scratch, struct rg_sql_value *v);
/* Binds v to parameter i. */
void rg_row_bind_value(sqlite3_stmt *st, int i, const struct rg_sql_value *v);
/* Both: field f of ev bound to parameter i. */
void rg_row_bind_field(sqlite3_stmt *st, int i, const struct rg_field *f,
		       const struct rg_event *ev, struct rg_buf *scratch);

/* Column i of st's row into field f of ev, as rg_row_bind_field stored
 * it; NULL leaves the zero (unknown) value, -1 for a RG_FO_NEG_NULL field
 * (whose 0 is a value). Text and blobs point into
 * the row (valid until st steps). A cmdline column goes into argv (rules
 * read it as cmdline: the same text); a stored argv column that follows
 * it wins. */
void rg_row_read_field(sqlite3_stmt *st, int i, const struct rg_field *f, struct rg_event *ev);

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

#endif /* RG_ROW_H */
