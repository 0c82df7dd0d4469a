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
#define FIT_MIN 8 /* a fitted column keeps at least this many columns */

static struct rgq_style style;

void rgq_out_set_style(const struct rgq_style *st)
{
	style = *st;
}

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

/* How many bytes at p (n left) are printable ASCII other than '\\', eight
 * at a time where the byte order lets the first odd byte be found. Per
 * byte, with low its seven low bits: past ASCII (top bit), under 0x20
 * (low + 0x60 has no top bit), 0x7f (low + 1 has it) or '\\' (low ^ 0x5c
 * is zero: adding 0x7f leaves no top bit); no sum carries. */
static size_t plain_run(const unsigned char *p, size_t n)
{
	size_t run = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ull, top = ones * 0x80;
	for (; run + 8 <= n; run += 8) {
		uint64_t w;
		memcpy(&w, p + run, 8);
		uint64_t low = w & ~top;
		uint64_t odd = (w | ~(low + ones * 0x60) | (low + ones) |
				~((low ^ ones * '\\') + ones * 0x7f)) & top;
		if (odd)
			return run + (size_t)__builtin_ctzll(odd) / 8;
	}
#endif
	while (run < n && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '\\')
		run++;
	return run;
}

void rgq_visible(struct rg_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t run = plain_run(p + i, n - i); /* the most of any text: added at once */
		if (run) {
			rg_buf_add(b, p + i, run);
			i += run;
			continue;
		}
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

/* "[12,57]": the alerts' steps, stored as text; emitted as the array it is. */
static bool number_array(const struct rgq_value *v)
{
	if (v->len < 2 || v->p[0] != '[' || v->p[v->len - 1] != ']')
		return false;
	for (size_t i = 1; i + 1 < v->len; i++)
		if (!strchr("0123456789, ", v->p[i]))
			return false;
	return v->p[1] != ',' && v->p[v->len - 2] != ',' && !memmem(v->p, v->len, ",,", 2);
}

/* A JSON array of strings, as rg_json_words writes it: alerts.tags since
 * the NDJSON and the column hold the same text. */
static bool string_array(const struct rgq_value *v)
{
	size_t i = 1, n = v->len;
	if (n < 2 || v->p[0] != '[' || v->p[n - 1] != ']')
		return false;
	while (i + 1 < n) {
		if (v->p[i++] != '"')
			return false;
		while (i + 1 < n && v->p[i] != '"')
			i += v->p[i] == '\\' ? 2 : 1;
		if (i + 1 >= n || v->p[i++] != '"')
			return false;
		if (i + 1 < n && v->p[i++] != ',')
			return false;
	}
	return i + 1 == n && v->p[n - 2] != ',';
}

static void cell_json(struct rg_buf *b, const struct rgq_value *v, const char *col)
{
	switch (v->type) {
	case SQLITE_NULL: rg_buf_adds(b, "null"); break;
	case SQLITE_TEXT:
		if (!strcmp(col, "steps") && number_array(v))
			rg_buf_add(b, v->p, v->len);
		else if (!strcmp(col, "tags") && string_array(v))
			rg_buf_add(b, v->p, v->len);
		else if (!strcmp(col, "tags")) /* written before: space-separated words */
			rg_json_words(b, v->p, v->len);
		else
			rg_json_str(b, v->p, v->len);
		break;
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

/* Terminal columns of a rendered cell (valid UTF-8 by then): one per code
 * point, which is exact for the ASCII and Latin text recordings hold. */
static size_t cols_of(const char *s, size_t n)
{
	/* the bytes less the continuation bytes (10xxxxxx), counted eight at
	 * a time: every cell of every row is measured */
	const uint64_t top = 0x8080808080808080ull;
	size_t cont = 0, i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, s + i, 8);
		uint64_t ones = (x & ~(x << 1) & top) >> 7; /* 1 in each continuation byte */
		cont += (size_t)((ones * 0x0101010101010101ull) >> 56);
	}
	for (; i < n; i++)
		cont += ((unsigned char)s[i] & 0xc0) == 0x80;
	return n - cont;
}

/* Bytes of s that fill at most w columns, not splitting a sequence. */
static size_t bytes_for_cols(const char *s, size_t n, size_t w)
{
	size_t i = 0, cols = 0;
	while (i < n) {
		size_t k = 1;
		while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
			k++;
		if (cols + 1 > w)
			break;
		cols++;
		i += k;
	}
	return i;
}

/* The SGR colour of column i's cell s, or NULL: severities from cyan to
 * bold red, event types by family, the row of the process asked about, and
 * coverage that is not complete. */
static const char *cell_color(const struct rgq_out *o, unsigned i, const char *s)
{
	const char *col = o->names[i];
	if (!strcmp(col, "severity"))
		return !strcmp(s, "critical") ? "1;31" : !strcmp(s, "high") ? "31"
		     : !strcmp(s, "medium")   ? "33"   : !strcmp(s, "low")  ? "36" : NULL;
	if (!strcmp(col, "event_type"))
		return !strcmp(s, "alert")		? "1;31"
		     : !strncmp(s, "process_", 8)	? "32"
		     : !strncmp(s, "file_", 5)		? "34"
		     : !strncmp(s, "network_", 8)	? "35"
							: "33";
	if (!strcmp(col, "relation") && !strcmp(s, "this"))
		return "1";
	if (!strcmp(col, "coverage") && strcmp(s, "recorded"))
		return !strncmp(s, "clock_step", 10) || !strcmp(s, "sequence_eviction") ? "33"
											 : "31";
	return NULL;
}

static bool time_column(const char *name)
{
	return !strcmp(name, "time") || !strcmp(name, "start") || !strcmp(name, "end") ||
	       !strcmp(name, "exit");
}

/* Free text that reads well cut; times, ids and names do not. */
static bool text_column(const char *name)
{
	static const char *const names[] = {"detail", "cmdline", "summary", "exe", "path",
					    "new_path", "argv", "steps", "value", "script"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* Which columns a pass of fitting may narrow: free text; all but times;
 * any. */
static bool may_narrow(const char *name, int pass)
{
	return pass == 2 || (pass == 1 ? !time_column(name) : text_column(name));
}

/* Narrows the widest column the pass allows until a row fits style.width
 * or none is above FIT_MIN; total is the row's width with its two-space
 * separators. */
static size_t narrow(struct rgq_out *o, size_t total, int pass)
{
	while (total > style.width) {
		int w = -1;
		for (unsigned i = 0; i < o->ncols; i++)
			if (may_narrow(o->names[i], pass) && o->width[i] > FIT_MIN &&
			    (w < 0 || o->width[i] > o->width[w]))
				w = (int)i;
		if (w < 0)
			break;
		size_t second = FIT_MIN; /* down to the next widest allowed, or as needed */
		for (unsigned i = 0; i < o->ncols; i++)
			if ((int)i != w && may_narrow(o->names[i], pass) &&
			    o->width[i] > second && o->width[i] < o->width[w])
				second = o->width[i];
		size_t cut = o->width[w] - second;
		if (cut > total - style.width)
			cut = total - style.width;
		o->width[w] -= cut;
		total -= cut;
	}
	return total;
}

/* Fits a row to style.width: free text gives way first, times last. */
static void fit_widths(struct rgq_out *o)
{
	size_t total = 0;
	for (unsigned i = 0; i < o->ncols; i++)
		total += o->width[i] + (i + 1 < o->ncols ? 2 : 0);
	for (int pass = 0; pass < 3; pass++)
		total = narrow(o, total, pass);
}

void rgq_html_escape(struct rg_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': rg_buf_adds(b, "&amp;"); break;
		case '<': rg_buf_adds(b, "&lt;"); break;
		case '>': rg_buf_adds(b, "&gt;"); break;
		case '"': rg_buf_adds(b, "&quot;"); break;
		case '\'': rg_buf_adds(b, "&#39;"); break;
		default: rg_buf_addc(b, s[i]);
		}
	}
}

/* The HTML class of a coloured cell: the colour's name, not its code. */
static const char *html_class(const char *sgr)
{
	static const char *const map[][2] = {{"1;31", "c-crit"}, {"31", "c-red"},
					     {"33", "c-yellow"}, {"36", "c-cyan"},
					     {"32", "c-green"}, {"34", "c-blue"},
					     {"35", "c-magenta"}, {"1", "c-bold"}};
	for (size_t i = 0; sgr && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(sgr, map[i][0]))
			return map[i][1];
	return NULL;
}

static void html_row(struct rgq_out *o, const struct rgq_value *vals)
{
	struct rg_buf t = {0};
	rg_buf_adds(&o->line, "<tr>");
	for (unsigned i = 0; i < o->ncols; i++) {
		t.len = 0;
		cell_table(&t, &vals[i]);
		const char *cls = html_class(cell_color(o, i, rg_buf_cstr(&t)));
		if (cls)
			rg_buf_printf(&o->line, "<td class=\"%s\">", cls);
		else
			rg_buf_adds(&o->line, "<td>");
		rgq_html_escape(&o->line, t.p ? t.p : "", t.len);
		rg_buf_adds(&o->line, "</td>");
	}
	rg_buf_adds(&o->line, "</tr>\n");
	rg_buf_free(&t);
}

static void flush_line(struct rgq_out *o)
{
	fwrite(o->line.p, 1, o->line.len, o->f);
	o->line.len = 0;
}

/* n spaces at once: a column's padding (rgq replay pads a dozen cells an
 * alert). */
static void add_spaces(struct rg_buf *b, size_t n)
{
	if (b->len + n + 1 > b->cap)
		rg_buf_grow(b, n);
	memset(b->p + b->len, ' ', n);
	b->len += n;
}

/* Appends one cell, cut to its column when fitting, coloured, padded. */
static void put_cell(struct rgq_out *o, unsigned i, const char *c, size_t n, bool header)
{
	size_t show = n, w = cols_of(c, n);
	bool cut = style.width && !style.wide && w > o->width[i] && o->width[i] > 3;
	if (cut) {
		show = bytes_for_cols(c, n, o->width[i] - 3);
		w = cols_of(c, show) + 3;
	}
	const char *sgr = style.color && !header ? cell_color(o, i, c) : NULL;
	if (sgr)
		rg_buf_printf(&o->line, "\033[%sm", sgr);
	rg_buf_add(&o->line, c, show);
	if (cut)
		rg_buf_adds(&o->line, "...");
	if (sgr)
		rg_buf_adds(&o->line, "\033[0m");
	if (i + 1 < o->ncols && w < o->width[i] + 2)
		add_spaces(&o->line, o->width[i] + 2 - w);
}

static void print_cells(struct rgq_out *o)
{
	const char *c = o->cells.p;
	if (!o->streaming && style.width && !style.wide)
		fit_widths(o); /* once, when the widths are chosen */
	for (unsigned r = 0; r < o->lines; r++) {
		bool header = !o->streaming && r == 0;
		for (unsigned i = 0; i < o->ncols; i++) {
			size_t n = strlen(c);
			put_cell(o, i, c, n, header);
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
	if (!style.wide && o->cells.len - at > TABLE_CELL_MAX) { /* json and csv have it all */
		size_t cut = at + TABLE_CELL_MAX - 3;
		while (cut > at && (o->cells.p[cut] & 0xc0) == 0x80)
			cut--; /* not inside a UTF-8 sequence */
		o->cells.len = cut;
		rg_buf_adds(&o->cells, "...");
	}
	size_t w = cols_of(o->cells.p + at, o->cells.len - at);
	if (!o->streaming && w > o->width[i])
		o->width[i] = w;
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
	if (fmt == RGQ_HTML) {
		rg_buf_adds(&o->line, "<table><thead><tr>");
		for (unsigned i = 0; i < ncols; i++) {
			struct rg_buf t = {0};
			rgq_visible(&t, o->names[i], strlen(o->names[i]));
			rg_buf_adds(&o->line, "<th>");
			rgq_html_escape(&o->line, t.p ? t.p : "", t.len);
			rg_buf_adds(&o->line, "</th>");
			rg_buf_free(&t);
		}
		rg_buf_adds(&o->line, "</tr></thead><tbody>\n");
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
	if (o->fmt == RGQ_HTML) {
		html_row(o, vals);
	} else if (o->fmt == RGQ_CSV) {
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
			cell_json(&o->line, &vals[i], o->names[i]);
		}
		rg_buf_adds(&o->line, "}\n");
	}
	flush_line(o);
}

uint64_t rgq_out_end(struct rgq_out *o)
{
	if (o->fmt == RGQ_TABLE)
		print_cells(o);
	if (o->fmt == RGQ_HTML) {
		rg_buf_adds(&o->line, o->rows ? "</tbody></table>\n"
					       : "</tbody></table>\n<p class=\"empty\">no rows</p>\n");
		flush_line(o);
	}
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
