/* out.c: tables, JSON lines and CSV (see out.h). */
#include "out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "jsonesc.h"

#define TABLE_CELL_MAX 120 /* bytes a table cell shows */
/* Rows a table holds to choose its column widths; later rows are printed
 * as they come, so an endless query streams instead of filling memory. */
#define TABLE_WINDOW 1000

int rgq_format_parse(const char *s, enum rgq_format *fmt)
{
	static const char *const names[] = {"table", "json", "csv"};
	for (int i = 0; i < 3; i++) {
		if (!strcmp(s, names[i])) {
			*fmt = (enum rgq_format)i;
			return 0;
		}
	}
	return -1;
}

/* Length of the well-formed UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t k = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
		 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	if (!k || k > n)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (k == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0)))
		return 0; /* overlong, surrogate */
	if (k == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90)))
		return 0;
	return k;
}

/* The code point of the k-byte well-formed UTF-8 sequence at p. */
static unsigned code_point(const unsigned char *p, size_t k)
{
	static const unsigned char lead_mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	unsigned cp = p[0] & lead_mask[k];
	for (size_t i = 1; i < k; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	return cp;
}

/* Code points a terminal acts on although they print nothing: the C1
 * controls (U+009B is CSI and U+009D OSC, as ESC [ and ESC ] are; U+0085
 * a line break) and the bidirectional marks, embeddings, overrides and
 * isolates, which reorder what follows on the line (a file name could
 * show its extension backwards, or hide part of a command line). */
static bool acts_on_terminal(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void rgq_visible(struct rg_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_len(p + i, n - i);
		if (k > 1 && acts_on_terminal(code_point(p + i, k))) {
			rg_buf_printf(b, "\\u%04x", code_point(p + i, k));
			i += k;
			continue;
		}
		if (k > 1 || (k == 1 && p[i] >= 0x20 && p[i] != 0x7f && p[i] != '\\')) {
			rg_buf_add(b, p + i, k);
			i += k;
			continue;
		}
		if (p[i] == '\n')
			rg_buf_adds(b, "\\n");
		else if (p[i] == '\t')
			rg_buf_adds(b, "\\t");
		else if (p[i] == '\\')
			rg_buf_adds(b, "\\\\");
		else
			rg_buf_printf(b, "\\x%02x", p[i]);
		i++;
	}
}

/* Blob arguments (NUL-separated, maybe NUL-terminated), each passed to
 * fn; an empty blob has none. */
static void each_arg(const struct rgq_value *v,
		     void (*fn)(struct rg_buf *, const char *, size_t, unsigned), struct rg_buf *b)
{
	size_t n = v->len, at = 0;
	if (!n)
		return;
	if (v->p[n - 1] == '\0')
		n--;
	for (unsigned k = 0;; k++) {
		const char *nul = memchr(v->p + at, 0, n - at);
		size_t len = nul ? (size_t)(nul - (v->p + at)) : n - at;
		fn(b, v->p + at, len, k);
		if (!nul)
			return;
		at += len + 1;
	}
}

static void arg_visible(struct rg_buf *b, const char *s, size_t n, unsigned k)
{
	if (k)
		rg_buf_addc(b, ' ');
	rgq_visible(b, s, n);
}

static void arg_raw(struct rg_buf *b, const char *s, size_t n, unsigned k)
{
	if (k)
		rg_buf_addc(b, ' ');
	rg_buf_add(b, s, n);
}

static void arg_json(struct rg_buf *b, const char *s, size_t n, unsigned k)
{
	if (k)
		rg_buf_addc(b, ',');
	rg_json_str(b, s, n);
}

static void add_number(struct rg_buf *b, const struct rgq_value *v)
{
	if (v->type == SQLITE_INTEGER)
		rg_buf_add_i64(b, v->i);
	else if (isfinite(v->d))
		rg_buf_printf(b, "%.17g", v->d);
	else
		rg_buf_adds(b, "null"); /* JSON has no inf or nan; neither do tables */
}

static void cell_table(struct rg_buf *b, const struct rgq_value *v)
{
	switch (v->type) {
	case SQLITE_NULL: rg_buf_addc(b, '-'); break;
	case SQLITE_TEXT: rgq_visible(b, v->p, v->len); break;
	case SQLITE_BLOB: each_arg(v, arg_visible, b); break;
	default: add_number(b, v);
	}
}

static void cell_json(struct rg_buf *b, const struct rgq_value *v)
{
	switch (v->type) {
	case SQLITE_NULL: rg_buf_adds(b, "null"); break;
	case SQLITE_TEXT: rg_json_str(b, v->p, v->len); break;
	case SQLITE_BLOB:
		rg_buf_addc(b, '[');
		each_arg(v, arg_json, b);
		rg_buf_addc(b, ']');
		break;
	default: add_number(b, v);
	}
}

static void csv_field(struct rg_buf *b, const char *s, size_t n)
{
	if (!memchr(s, '"', n) && !memchr(s, ',', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n)) {
		rg_buf_add(b, s, n);
		return;
	}
	rg_buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			rg_buf_addc(b, '"');
		rg_buf_addc(b, s[i]);
	}
	rg_buf_addc(b, '"');
}

static void cell_csv(struct rg_buf *b, const struct rgq_value *v)
{
	struct rg_buf t = {0};
	switch (v->type) {
	case SQLITE_NULL: break;
	case SQLITE_TEXT: csv_field(b, v->p, v->len); break;
	case SQLITE_BLOB:
		each_arg(v, arg_raw, &t);
		csv_field(b, t.p ? t.p : "", t.len);
		break;
	default: add_number(b, v);
	}
	rg_buf_free(&t);
}

static void flush_line(struct rgq_out *o)
{
	fwrite(o->line.p, 1, o->line.len, o->f);
	o->line.len = 0;
}

/* Widths count bytes: exact for ASCII, generous for other text. */
static void print_cells(struct rgq_out *o)
{
	const char *c = o->cells.p;
	for (unsigned r = 0; r < o->lines; r++) {
		for (unsigned i = 0; i < o->ncols; i++) {
			size_t n = strlen(c);
			rg_buf_add(&o->line, c, n);
			if (i + 1 < o->ncols)
				for (size_t k = n; k < o->width[i] + 2; k++)
					rg_buf_addc(&o->line, ' ');
			c += n + 1;
		}
		rg_buf_addc(&o->line, '\n');
		flush_line(o);
	}
	o->cells.len = 0;
	o->lines = 0;
}

/* Renders column i's cell into the table's cells (NUL-terminated); while
 * the widths are still being chosen it widens its column. */
static void add_cell(struct rgq_out *o, unsigned i, const struct rgq_value *v)
{
	size_t at = o->cells.len;
	cell_table(&o->cells, v);
	if (o->cells.len - at > TABLE_CELL_MAX) { /* json and csv have it all */
		size_t cut = at + TABLE_CELL_MAX - 3;
		while (cut > at && (o->cells.p[cut] & 0xc0) == 0x80)
			cut--; /* not inside a UTF-8 sequence */
		o->cells.len = cut;
		rg_buf_adds(&o->cells, "...");
	}
	if (!o->streaming && o->cells.len - at > o->width[i])
		o->width[i] = o->cells.len - at;
	rg_buf_addc(&o->cells, '\0');
}

void rgq_out_begin(struct rgq_out *o, enum rgq_format fmt, FILE *f, unsigned ncols,
		   const char *const *names)
{
	memset(o, 0, sizeof(*o));
	o->fmt = fmt;
	o->f = f;
	o->ncols = ncols;
	o->names = rg_calloc(ncols, sizeof(char *));
	o->width = rg_calloc(ncols, sizeof(size_t));
	for (unsigned i = 0; i < ncols; i++)
		o->names[i] = rg_strdup(names[i] ? names[i] : "?");
	if (fmt == RGQ_CSV) {
		for (unsigned i = 0; i < ncols; i++) {
			if (i)
				rg_buf_addc(&o->line, ',');
			csv_field(&o->line, o->names[i], strlen(o->names[i]));
		}
		rg_buf_adds(&o->line, "\r\n");
		flush_line(o);
	}
	if (fmt == RGQ_TABLE) { /* the header: a database's column names are text like any */
		for (unsigned i = 0; i < ncols; i++) {
			struct rgq_value v = {SQLITE_TEXT, 0, 0, o->names[i], strlen(o->names[i])};
			add_cell(o, i, &v);
		}
		o->lines = 1;
	}
}

void rgq_out_row(struct rgq_out *o, const struct rgq_value *vals)
{
	o->rows++;
	if (o->fmt == RGQ_TABLE) {
		for (unsigned i = 0; i < o->ncols; i++)
			add_cell(o, i, &vals[i]);
		o->lines++;
		if (o->streaming || o->rows == TABLE_WINDOW) {
			print_cells(o);
			o->streaming = true;
		}
		return;
	}
	if (o->fmt == RGQ_CSV) {
		for (unsigned i = 0; i < o->ncols; i++) {
			if (i)
				rg_buf_addc(&o->line, ',');
			cell_csv(&o->line, &vals[i]);
		}
		rg_buf_adds(&o->line, "\r\n");
	} else {
		rg_buf_addc(&o->line, '{');
		for (unsigned i = 0; i < o->ncols; i++) {
			if (i)
				rg_buf_addc(&o->line, ',');
			rg_json_str_c(&o->line, o->names[i]);
			rg_buf_addc(&o->line, ':');
			cell_json(&o->line, &vals[i]);
		}
		rg_buf_adds(&o->line, "}\n");
	}
	flush_line(o);
}

uint64_t rgq_out_end(struct rgq_out *o)
{
	if (o->fmt == RGQ_TABLE)
		print_cells(o);
	for (unsigned i = 0; i < o->ncols; i++)
		free(o->names[i]);
	free(o->names);
	free(o->width);
	rg_buf_free(&o->cells);
	rg_buf_free(&o->line);
	fflush(o->f);
	return o->rows;
}

struct rgq_value rgq_column(sqlite3_stmt *st, int i)
{
	struct rgq_value v = {.type = sqlite3_column_type(st, i)};
	switch (v.type) {
	case SQLITE_INTEGER: v.i = sqlite3_column_int64(st, i); break;
	case SQLITE_FLOAT: v.d = sqlite3_column_double(st, i); break;
	case SQLITE_TEXT:
		v.p = (const char *)sqlite3_column_text(st, i);
		v.len = (size_t)sqlite3_column_bytes(st, i);
		break;
	case SQLITE_BLOB:
		v.p = sqlite3_column_blob(st, i);
		v.len = (size_t)sqlite3_column_bytes(st, i);
		if (!v.p)
			v.p = "";
		break;
	}
	return v;
}

int rgq_out_stmt(struct rgq_out *o, enum rgq_format fmt, FILE *f, sqlite3_stmt *st)
{
	unsigned n = (unsigned)sqlite3_column_count(st);
	const char **names = rg_calloc(n, sizeof(char *));
	struct rgq_value *vals = rg_calloc(n, sizeof(*vals));
	for (unsigned i = 0; i < n; i++)
		names[i] = sqlite3_column_name(st, (int)i);
	rgq_out_begin(o, fmt, f, n, names);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (unsigned i = 0; i < n; i++)
			vals[i] = rgq_column(st, (int)i);
		rgq_out_row(o, vals);
	}
	rgq_out_end(o);
	free(names);
	free(vals);
	return rc;
}
