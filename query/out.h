/* out.h: rgq's result rows as an aligned table, JSON lines or CSV.
 *
 * Every command prints through here, so one option (--format) means the
 * same for all of them. Values are SQLite's: integers, reals, text (the
 * kernel's bytes, maybe not UTF-8), blobs (argv: NUL-separated arguments)
 * and NULL.
 *
 *   table  columns aligned, a header; control bytes and invalid UTF-8 are
 *          shown as \n, \t, \xHH, and the C1 and bidirectional controls
 *          as \uXXXX (rgq_visible), in the header too, so a row stays one
 *          line and nothing in the data steers the terminal; NULL is "-"; a
 *          cell longer than 120 bytes is cut, ending in "..." (none with
 *          style.wide). The widths come from the first 1000 rows; later
 *          rows are printed as they come (a wider cell shifts its row), so
 *          memory stays bounded. With style.width the widest columns are
 *          narrowed until a row fits that many terminal columns, their
 *          cells cut with "..."; with style.color the severity, event type,
 *          relation and coverage cells are coloured (SGR codes, which take
 *          no width).
 *   json   one JSON object per line (NDJSON); invalid UTF-8 as \uDCXX like
 *          the recorder's NDJSON; a blob is an array of its arguments; a
 *          `steps` text that is a JSON array of numbers is that array.
 *   csv    RFC 4180 with a header; bytes as they are; a blob's arguments
 *          joined by spaces.
 *   html   (rgq report, not a --format) a <table> whose cells show what a
 *          table's do, HTML-escaped, whole (no cut); coloured cells carry a
 *          class (c-crit, c-red, ...) instead of SGR codes; "no rows" in a
 *          <p class="empty"> when there are none.
 */
#ifndef RGQ_OUT_H
#define RGQ_OUT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

enum rgq_format { RGQ_TABLE, RGQ_JSON, RGQ_CSV, RGQ_HTML };

/* How tables look; one for the process (rgq's global options). */
struct rgq_style {
	bool wide;      /* whole cells, no 120-byte cut and no fitting */
	bool color;     /* SGR colours */
	unsigned width; /* fit rows to this many columns; 0: do not */
};
void rgq_out_set_style(const struct rgq_style *s);

struct rgq_value {
	int type; /* SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB, SQLITE_NULL */
	int64_t i;
	double d;
	const char *p; /* text or blob bytes */
	size_t len;
};

struct rgq_out {
	enum rgq_format fmt;
	FILE *f;
	unsigned ncols;
	char **names;
	uint64_t rows;
	/* table: the rendered cells of the lines not printed yet */
	struct rg_buf cells; /* NUL-separated cells, line after line */
	unsigned lines;      /* lines in cells (the header is one) */
	bool streaming;      /* widths chosen: each row is printed as it comes */
	size_t *width;
	struct rg_buf line;
};

int rgq_format_parse(const char *s, enum rgq_format *fmt);

/* Appends s (n bytes) HTML-escaped (&, <, >, ", '). */
void rgq_html_escape(struct rg_buf *b, const char *s, size_t n);

/* Appends s (n bytes) as a table shows text: one line, nothing a terminal
 * would act on (control bytes, invalid UTF-8, C1 and bidirectional
 * controls escaped; a backslash doubled). For stderr messages too. */
void rgq_visible(struct rg_buf *b, const char *s, size_t n);

void rgq_out_begin(struct rgq_out *o, enum rgq_format fmt, FILE *f, unsigned ncols,
		   const char *const *names);
void rgq_out_row(struct rgq_out *o, const struct rgq_value *vals);
/* Prints what is buffered (table) and frees; returns the row count. */
uint64_t rgq_out_end(struct rgq_out *o);

/* Steps st to the end, printing each row. Returns SQLITE_DONE or the error. */
int rgq_out_stmt(struct rgq_out *o, enum rgq_format fmt, FILE *f, sqlite3_stmt *st);

/* A value of column i of the current row of st. */
struct rgq_value rgq_column(sqlite3_stmt *st, int i);

#endif /* RGQ_OUT_H */
