/* reader.c: event rows to events, in seq order (see reader.h).
 *
 * Each table's query over a range of seq is one aggregate,
 * rgq_row_TABLE(columns...): a function of this reader's whose step
 * decodes a row's arguments (the columns the loaded rules and the
 * lineage need of the table's types, each once, in an order that lets
 * SQLite parse each row's record header once: order_args) straight into
 * the slot of its seq in the span being read. A column read with sqlite3_column_value
 * costs about 50 instructions (the connection's mutex and error state,
 * each time) and a row needs a dozen; an argument is read straight from
 * SQLite's register, and one sqlite3_step reads the whole range. An
 * argument is valid only during the call, so the function copies the
 * row's text into the span's text as well. With each event in the slot
 * of its seq, the tables need no merging and no event is copied again:
 * the span is what the caller gets. */
#include "reader.h"

#include <stdint.h>
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

/* A text field of an event type, copied out of the row: an rg_str or a
 * const char * (RG_FT_CSTR) at off. */
struct text_field {
	uint16_t off;
	bool cstr;
};

/* What an event type reads of its table (RG_ET_COUNT: an unknown type). */
struct plan {
	struct need {
		uint8_t col; /* the function's argument */
		struct rg_row_reading rd;
	} need[RG_FIELDS_MAX]; /* the columns after seq it needs, in order */
	uint8_t nneed;
	/* of a compact table (schema/023): its columns that are numbers of
	 * names and images, and how each field is kept (enum rg_col_store) */
	struct ref_need {
		uint8_t col, ref;
		uint8_t rest; /* an RG_CS_PATH's: the argument with the rest of the path;
			       * an RG_CS_CLOCK's: with ts_ns */
		uint16_t off;
		bool cstr;
		int8_t part; /* an RG_CS_ACTOR's place among the actor's columns */
		const struct rg_field *f;
	} ref[RG_ROW_REFS_MAX]; /* a field at most once: row.h bounds them */
	uint8_t nref;
	uint8_t actor_col; /* the argument with the row's actor's number; NO_ARG: none read */
	rg_fmask mask;         /* need's fields (bit i: rg_fields[i]): what an event of it has set */
	struct text_field text[RG_FIELDS_MAX]; /* its text fields, each once */
	uint8_t ntext;
	bool argv; /* it reads argv (or cmdline, the same field), which a NULL
		    * leaves as it was: cleared first */
};

struct rgq_reader;

/* An actor's columns by its number (schema/025), read from the snapshot
 * a chunk of numbers at a time as rows first refer to them (rows near in
 * time refer to actors numbered near each other) and kept: about 64 bytes
 * an actor read, one per process and change of its ids, parent or image. */
#define ACTOR_CHUNK 1024
#define ACTOR_CHUNKS_MAX 65536 /* numbers past them (from actor_base) are read one at a time */
#define ACTOR_CHUNKS_SPARE 64  /* chunks read beyond those the actors fill */
struct actor {
	int64_t v[RG_ACTOR_PARTS];
	bool null[RG_ACTOR_PARTS];
	int64_t image; /* 0: none */
};

/* A name or an image's text by number: the snapshot's images and names,
 * read once (rgq_reader_open). */
struct dict_text {
	const char *p; /* NULL: NULL */
	uint32_t len;
	int etype; /* a name's event type; RG_ET_COUNT: none */
};

/* The decoding function's arguments: a column for each field read, and
 * a path's rest, the actor's number and a clock's ts_ns. */
#define ARGS_MAX (RG_FIELDS_MAX + 3)
#define NO_ARG UINT8_MAX
_Static_assert(ARGS_MAX < NO_ARG, "an argument's number is a uint8_t");
#define COLUMN_MAX 40 /* a column's name and NUL: the longest are ~20 */

struct cursor {
	struct rgq_reader *r;
	sqlite3_stmt *st, *seek; /* the rows of a range of seq; the first at or after one */
	char fn[64];             /* the decoding function's name */
	const struct rg_field *cols[RG_FIELDS_MAX]; /* the registry field of each column read */
	uint8_t refs[RG_FIELDS_MAX]; /* enum rg_col_store of each */
	uint8_t arg[RG_FIELDS_MAX];  /* the function's argument each is read from */
	uint8_t rest[RG_FIELDS_MAX]; /* an RG_CS_PATH's second one (the rest of the
				      * path), an RG_CS_CLOCK's (ts_ns) */
	char argcol[ARGS_MAX][COLUMN_MAX]; /* each argument's column */
	unsigned ncols, nargs;
	uint8_t actor_arg; /* the argument with the row's actor's number; NO_ARG: none */
	bool compact;
	uint64_t floor; /* its rows from this seq on */
	struct plan plan[RG_ET_COUNT + 1];
	struct seen_type seen[RG_ET_COUNT];
	unsigned nseen;
};

struct rgq_reader {
	sqlite3 *db;
	/* how to clear each registry field: its offset and size in bytes (0:
	 * not cleared, the type and flags) */
	struct zero {
		uint16_t off;
		uint8_t size;
	} zero[RG_FIELDS_MAX];
	struct cursor c[RG_N_EVENT_TABLES];
	uint64_t next, last; /* the next read's first seq; the last one to read */
	bool done;
	bool in_txn; /* the reads' transaction is open */
	int64_t until_ns;
	struct rgq_span *span; /* being read */
	struct dict_text *names, *exes, *comms; /* by number */
	struct actor **actors; /* nchunks chunks of ACTOR_CHUNK by number, NULL: not read */
	int64_t nchunks;
	/* the first chunk's first number: the lowest that retention left
	 * (schema/033), so that the chunks span those left, not all made */
	int64_t actor_base;
	/* chunks it may still read: as many as the actors fill, and a few, so
	 * that numbers scattered by a damaged file cannot take more memory */
	int64_t chunks_left;
	struct actor far; /* an actor read alone (past those), the last read */
	/* the clocks' offsets (schema/026), by number, read once: a boot
	 * and each step of its wall clock has one */
	struct clock {
		int64_t id, offset;
	} *clocks;
	int64_t nclocks;
	const struct clock *last_clock; /* the last looked up: most rows share it */
	sqlite3_stmt *actor_st; /* a range of numbers */
	struct rg_buf path; /* the row's path joined (RG_CS_PATH): copied out at once */
	/* names[i] is number names_base + i, exes[i] and comms[i] number
	 * images_base + i (retention removes the lowest: schema/034) */
	int64_t nnames, nimages, names_base, images_base;
	struct rg_buf dict_text; /* their bytes, NUL-terminated */
	char err[256];
};

static bool is_text(const struct rg_field *f)
{
	return f->type == RG_FT_STR || f->type == RG_FT_CSTR || f->type == RG_FT_ARGV ||
	       f->type == RG_FT_CMDLINE;
}

/* Adds column i to plan p: a text field another of its columns fills too
 * (cmdline and argv) is copied once. */
static void plan_column(struct cursor *c, struct plan *p, unsigned i)
{
	const struct rg_field *f = c->cols[i];
	bool shared = false;
	for (unsigned k = 0; k < p->nneed; k++)
		shared |= p->need[k].rd.off == f->off;
	if (c->refs[i])
		p->ref[p->nref++] = (struct ref_need){c->arg[i], c->refs[i], c->rest[i], f->off,
						      f->type == RG_FT_CSTR,
						      (int8_t)rg_row_actor_part(f), f};
	else
		p->need[p->nneed++] = (struct need){c->arg[i], rg_row_reading(f)};
	if (c->refs[i] == RG_CS_ACTOR || c->refs[i] == RG_CS_EXE || c->refs[i] == RG_CS_COMM ||
	    c->refs[i] == RG_CS_TID) /* a NULL tid is the actor's pid */
		p->actor_col = c->actor_arg;
	p->mask |= RG_FBIT(f - rg_fields);
	p->argv |= f->type == RG_FT_ARGV || f->type == RG_FT_CMDLINE;
	if (is_text(f) && !shared)
		p->text[p->ntext++] = (struct text_field){f->off, f->type == RG_FT_CSTR};
}

/* Which of c's columns each event type needs (fields: by type). */
static void plan(struct cursor *c, const rg_fmask *fields)
{
	for (unsigned t = 0; t <= RG_ET_COUNT; t++)
		c->plan[t].actor_col = NO_ARG;
	for (unsigned t = 0; t <= RG_ET_COUNT; t++)
		for (unsigned i = 2; i < c->ncols; i++)
			if (fields[t] & RG_FBIT(c->cols[i] - rg_fields))
				plan_column(c, &c->plan[t], i);
}

/* How field f goes back to the zero of an event nothing was read into
 * (the event type is always read; flags are cleared for every row). */
static struct zero zero_of(const struct rg_field *f)
{
	uint8_t size;
	switch (f->type) {
	case RG_FT_ETYPE: case RG_FT_FLAG: size = 0; break;
	case RG_FT_U64: case RG_FT_I64: case RG_FT_CSTR: size = 8; break;
	case RG_FT_U32: case RG_FT_I32: size = 4; break;
	case RG_FT_BOOL: size = sizeof(bool); break;
	default: size = sizeof(struct rg_str); /* the text types */
	}
	return (struct zero){f->off, size};
}

/* The fields the slot's last event had (plan held) and one of plan p
 * lacks, back to zero: p's own are all written. */
static void clear_held(const struct rgq_reader *r, const struct plan *held,
		       const struct plan *p, struct rg_event *ev)
{
	if (!held || held == p)
		return; /* never used (all zero), or the same fields */
	rg_fmask gone = held->mask & ~p->mask;
	for (unsigned w = 0; w < 2; w++)
		for (uint64_t m = (uint64_t)(gone >> (64 * w)); m; m &= m - 1) {
			struct zero z = r->zero[64 * w + (unsigned)__builtin_ctzll(m)];
			char *at = (char *)ev + z.off;
			static const char none[sizeof(struct rg_str)];
			switch (z.size) {
			case 1: memcpy(at, none, 1); break;
			case 4: memcpy(at, none, 4); break;
			case 8: memcpy(at, none, 8); break;
			case 16: memcpy(at, none, 16); break;
			}
		}
}

static uint64_t load8(const char *p)
{
	uint64_t x;
	memcpy(&x, p, sizeof(x));
	return x;
}

/* a[0..n) == b[0..n), eight bytes at a time: a type name has 5 to 20,
 * and memcmp's call was a quarter of reading the type */
static bool same_name(const char *a, const char *b, size_t n)
{
	if (n < 8)
		return !memcmp(a, b, n);
	for (size_t i = 0; i + 8 < n; i += 8)
		if (load8(a + i) != load8(b + i))
			return false;
	return load8(a + n - 8) == load8(b + n - 8);
}

/* Entry id of a dictionary whose first is number base; NULL: none. */
static const struct dict_text *dict_at(const struct dict_text *a, int64_t base, int64_t n,
				       int64_t id)
{
	return a && id >= base && id - base < n ? &a[id - base] : NULL;
}

/* Argument 0, the event type: its text compared with the few names this
 * cursor has read before (a table holds a handful of types), else read
 * by the codec and remembered. */
static void read_type(struct cursor *c, sqlite3_value *v, struct rg_event *ev)
{
	if (c->compact) { /* the number of its name */
		const struct rgq_reader *r = c->r;
		const struct dict_text *d = dict_at(r->names, r->names_base, r->nnames,
						    sqlite3_value_int64(v));
		ev->type = d ? (enum rg_etype)d->etype : RG_ET_COUNT;
		return;
	}
	const char *s = (const char *)sqlite3_value_text(v);
	size_t n = (size_t)sqlite3_value_bytes(v);
	for (unsigned k = 0; s && k < c->nseen; k++)
		if (c->seen[k].len == n && same_name(c->seen[k].name, s, n)) {
			ev->type = c->seen[k].type;
			return;
		}
	ev->type = 0;
	rg_row_read_value(v, c->cols[0], ev);
	/* kept only when the text is the name whole: same_name reads n bytes
	 * of it (a damaged "file_open\0x" parses as file_open) */
	const char *name = s && (unsigned)ev->type < RG_ET_COUNT ? rg_etype_name(ev->type) : NULL;
	if (name && strlen(name) == n && c->nseen < RG_ET_COUNT)
		c->seen[c->nseen++] = (struct seen_type){name, n, ev->type};
}

/* Moves the text fields of ev (the first k of plan p) from old to s->text. */
static void rebase(const struct plan *p, unsigned k, struct rg_event *ev, uintptr_t old,
		   char *text)
{
	for (unsigned j = 0; j < k; j++) {
		const char **q = (const char **)((char *)ev + p->text[j].off);
		if (*q)
			*q = text + ((uintptr_t)*q - old);
	}
}

/* Room for n more bytes of text in s; the text there moves, and the
 * events present, and the first k text fields of ev (plan p), with it. */
static void reserve(struct rgq_span *s, const struct plan *p, unsigned k, struct rg_event *ev,
		    size_t n)
{
	if (s->used + n <= s->cap)
		return;
	uintptr_t old = (uintptr_t)s->text; /* an address, not a pointer to the freed block */
	s->cap = s->used + n > 2 * s->cap ? s->used + n : 2 * s->cap;
	s->text = rg_realloc(s->text, s->cap);
	for (unsigned j = 0; j < RGQ_SPAN; j++)
		if (s->present[j]) {
			const struct plan *q = s->held[j];
			rebase(q, q->ntext, &s->ev[j], old, s->text);
		}
	rebase(p, k, ev, old, s->text);
}

/* The text of ev (plan p) into s, each string NUL-terminated as SQLite's
 * are. */
static void copy_text(struct rgq_span *s, const struct plan *p, struct rg_event *ev)
{
	for (unsigned k = 0; k < p->ntext; k++) {
		const struct text_field *x = &p->text[k];
		const char **q = (const char **)((char *)ev + x->off); /* rg_str's p too */
		if (!*q)
			continue;
		size_t n = x->cstr ? strlen(*q) : ((const struct rg_str *)q)->len;
		reserve(s, p, k, ev, n + 1);
		char *d = s->text + s->used;
		memcpy(d, *q, n);
		d[n] = '\0';
		*q = d;
		s->used += n + 1;
	}
}

/* A path from its directory's number (v) and the rest (rest): joined in
 * r->path, or the rest alone when it has no directory (schema/024). */
static struct rg_str read_path(struct rgq_reader *r, sqlite3_value *v, sqlite3_value *rest)
{
	const char *p = (const char *)sqlite3_value_text(rest);
	size_t n = p ? (size_t)sqlite3_value_bytes(rest) : 0;
	if (!p || sqlite3_value_type(v) == SQLITE_NULL)
		return (struct rg_str){p, (uint32_t)n};
	const struct dict_text *d = dict_at(r->names, r->names_base, r->nnames,
					    sqlite3_value_int64(v));
	if (!d || !d->p)
		return (struct rg_str){0}; /* a directory that is not there: NULL, as the view */
	r->path.len = 0; /* any length: an imported path may be longer than the kernel's */
	rg_buf_add(&r->path, d->p, d->len);
	rg_buf_add(&r->path, p, n);
	return (struct rg_str){r->path.p, (uint32_t)r->path.len};
}

/* Reads the actors numbered lo to hi into a[0 .. hi - lo]; a number
 * that is not there has its columns all NULL, as the view gives them.
 * False on an error (in r->err). */
static bool read_actors(struct rgq_reader *r, int64_t lo, int64_t hi, struct actor *a)
{
	for (int64_t k = 0; k <= hi - lo; k++)
		a[k] = (struct actor){.null = {true, true, true, true, true}};
	sqlite3_bind_int64(r->actor_st, 1, lo);
	sqlite3_bind_int64(r->actor_st, 2, hi);
	int rc;
	while ((rc = sqlite3_step(r->actor_st)) == SQLITE_ROW) {
		struct actor *b = &a[sqlite3_column_int64(r->actor_st, 0) - lo];
		for (int i = 0; i < RG_ACTOR_PARTS; i++) {
			b->null[i] = sqlite3_column_type(r->actor_st, i + 1) == SQLITE_NULL;
			b->v[i] = sqlite3_column_int64(r->actor_st, i + 1);
		}
		b->image = sqlite3_column_int64(r->actor_st, RG_ACTOR_PARTS + 1);
	}
	if (rc != SQLITE_DONE && !r->err[0])
		snprintf(r->err, sizeof(r->err), "reading actors: %s", sqlite3_errmsg(r->db));
	sqlite3_reset(r->actor_st);
	return rc == SQLITE_DONE;
}

/* Actor id's columns, read with its chunk the first time. */
static const struct actor *actor(struct rgq_reader *r, int64_t id)
{
	static const struct actor none = {.null = {true, true, true, true, true}};
	if (id <= 0)
		return &none;
	if (id < r->actor_base) /* none is there: NULL, as in the view */
		return &none;
	int64_t c = (id - r->actor_base) / ACTOR_CHUNK;
	if (c >= ACTOR_CHUNKS_MAX || (!(c < r->nchunks && r->actors[c]) && r->chunks_left <= 0))
		return read_actors(r, id, id, &r->far) ? &r->far : &none; /* alone */
	if (c >= r->nchunks) {
		int64_t n = c + 1 > 2 * r->nchunks ? c + 1 : 2 * r->nchunks;
		r->actors = rg_realloc(r->actors, (size_t)n * sizeof(*r->actors));
		memset(r->actors + r->nchunks, 0, (size_t)(n - r->nchunks) * sizeof(*r->actors));
		r->nchunks = n;
	}
	if (!r->actors[c]) {
		struct actor *a = rg_malloc(ACTOR_CHUNK * sizeof(struct actor));
		int64_t lo = r->actor_base + c * ACTOR_CHUNK;
		if (!read_actors(r, lo, lo + ACTOR_CHUNK - 1, a)) {
			free(a);
			return &none;
		}
		r->actors[c] = a;
		r->chunks_left--;
	}
	return &r->actors[c][(id - r->actor_base) % ACTOR_CHUNK];
}

/* Integer field f of ev from an actor's column i, as rg_row_read_as reads
 * a column's value (a NULL is 0, or -1 for a RG_FO_NEG_NULL field). */
static void read_actor_int(const struct actor *a, int i, const struct rg_field *f,
			   struct rg_event *ev)
{
	bool neg = a->null[i] && (f->opts & RG_FO_NEG_NULL);
	rg_field_set_int(f, ev, neg ? -1 : a->v[i]);
}

/* The clock numbered id, or NULL. */
static const struct clock *clock_of(struct rgq_reader *r, int64_t id)
{
	if (r->last_clock && r->last_clock->id == id)
		return r->last_clock;
	size_t lo = 0, hi = (size_t)r->nclocks; /* sorted by id */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->clocks[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == (size_t)r->nclocks || r->clocks[lo].id != id)
		return NULL;
	return r->last_clock = &r->clocks[lo];
}

/* boot_ns from its clock's number (v) and ts_ns (ts), as the view gives
 * it: ts_ns less the clock's offset, NULL without the clock. */
static void read_clock(struct rgq_reader *r, const struct rg_field *f, sqlite3_value *v,
		       sqlite3_value *ts, struct rg_event *ev)
{
	const struct clock *c = sqlite3_value_type(v) == SQLITE_NULL ||
					sqlite3_value_type(ts) == SQLITE_NULL
				? NULL : clock_of(r, sqlite3_value_int64(v));
	if (c)
		rg_field_set_int(f, ev, (int64_t)((uint64_t)sqlite3_value_int64(ts) -
						  (uint64_t)c->offset));
	else
		rg_field_set_int(f, ev, (f->opts & RG_FO_NEG_NULL) ? -1 : 0);
}

/* A name's or image's text by its number into the field of x; a path's
 * (RG_CS_PATH) from its argument and the rest's; an actor's column from its
 * number, the tid (RG_CS_TID) its pid when it is NULL, boot_ns
 * (RG_CS_CLOCK) from its clock. */
static void read_ref(struct rgq_reader *r, const struct ref_need *x, sqlite3_value **args,
		     const struct actor *a, struct rg_event *ev)
{
	sqlite3_value *v = args[x->col];
	if (x->ref == RG_CS_PATH) {
		struct rg_str str = read_path(r, v, args[x->rest]);
		memcpy((char *)ev + x->off, &str, sizeof(str));
		return;
	}
	if (x->ref == RG_CS_TID) {
		if (sqlite3_value_type(v) != SQLITE_NULL)
			rg_field_set_int(x->f, ev, sqlite3_value_int64(v));
		else
			read_actor_int(a, 0, x->f, ev);
		return;
	}
	if (x->ref == RG_CS_ACTOR) {
		read_actor_int(a, x->part, x->f, ev);
		return;
	}
	if (x->ref == RG_CS_CLOCK) {
		read_clock(r, x->f, v, args[x->rest], ev);
		return;
	}
	int64_t id = x->ref == RG_CS_NAME ? sqlite3_value_int64(v) : a->image; /* NULL: 0, none */
	const struct dict_text *d = NULL;
	if (x->ref == RG_CS_NAME) /* else exe or comm: the actor's image's */
		d = dict_at(r->names, r->names_base, r->nnames, id);
	else
		d = dict_at(x->ref == RG_CS_EXE ? r->exes : r->comms, r->images_base, r->nimages,
			    id);
	const char *p = d ? d->p : NULL;
	char *at = (char *)ev + x->off;
	if (x->cstr) {
		memcpy(at, &p, sizeof(p));
	} else {
		struct rg_str str = {p, p ? d->len : 0};
		memcpy(at, &str, sizeof(str));
	}
}

/* rgq_row_TABLE(columns...): the row into the slot of its seq (the
 * cursor is the function's user data; c->arg says which argument is
 * which). */
static void read_row(sqlite3_context *ctx, int argc, sqlite3_value **v)
{
	struct cursor *c = sqlite3_user_data(ctx);
	struct rgq_reader *r = c->r;
	struct rgq_span *s = r->span;
	(void)argc;
	uint64_t seq = (uint64_t)sqlite3_value_int64(v[c->arg[1]]);
	uint64_t k = seq - s->first; /* below RGQ_SPAN: the query's range */
	if (k >= RGQ_SPAN || s->present[k]) {
		if (!r->err[0])
			snprintf(r->err, sizeof(r->err), "seq %llu is %s",
				 (unsigned long long)seq,
				 k >= RGQ_SPAN ? "outside the range read" : "in two event tables");
		sqlite3_result_error(ctx, r->err, -1);
		return;
	}
	struct rg_event *ev = &s->ev[k];
	read_type(c, v[c->arg[0]], ev);
	unsigned t = (unsigned)ev->type <= RG_ET_COUNT ? ev->type : RG_ET_COUNT;
	const struct plan *p = &c->plan[t];
	clear_held(r, s->held[k], p, ev);
	ev->seq = seq;
	ev->flags = 0;
	if (p->argv)
		ev->argv = (struct rg_str){0}; /* cmdline's field: see plan.argv */
	for (const struct need *n = p->need, *end = n + p->nneed; n < end; n++)
		rg_row_read_as(v[n->col], &n->rd, ev);
	/* the row's actor (schema/025), once for all its columns */
	const struct actor *a =
		p->actor_col != NO_ARG ? actor(r, sqlite3_value_int64(v[p->actor_col])) : NULL;
	for (unsigned j = 0; j < p->nref; j++)
		read_ref(r, &p->ref[j], v, a, ev);
	copy_text(s, p, ev);
	s->held[k] = p;
	s->present[k] = true;
	s->n++;
}

/* ?1 and ?2: the seqs the statement covers; ?3 until (file, network,
 * system; only when there is one: a test per row otherwise true) */
static void where(struct rg_buf *b, unsigned t, bool until)
{
	rg_buf_printf(b, " FROM %s r WHERE r.seq BETWEEN ?1 AND ?2%s", rg_event_tables[t].rows,
		      t == 0 || !until ? "" : " AND r.ts_ns <= ?3");
}

/* The aggregate's end: the rows are in the span already. */
static void read_end(sqlite3_context *ctx)
{
	(void)ctx;
}

/* The argument of the statement that reads column name: the one that
 * reads it already (ts_ns for itself and for a clock), else the next. */
static uint8_t add_arg(struct cursor *c, const char *name)
{
	for (unsigned k = 0; k < c->nargs; k++)
		if (!strcmp(c->argcol[k], name))
			return (uint8_t)k;
	if (c->nargs == ARGS_MAX)
		abort(); /* a column kind that reads three columns: make room */
	snprintf(c->argcol[c->nargs], sizeof(c->argcol[0]), "%s", name);
	return (uint8_t)c->nargs++;
}

/* The argument with the row's actor's number (one for all its fields). */
static uint8_t actor_arg(struct cursor *c)
{
	return c->actor_arg = add_arg(c, RG_ROW_ACTOR_COL);
}

/* The columns of a compact table's rows (schema/023) for fields: the
 * event type, syscall, and a network row's family, protocol and local
 * address as their names' numbers, the actor's columns
 * from its row and exe and comm as its image's number, the path as its
 * directory's number and the rest, the tid the pid when it is NULL, boot_ns
 * from its clock's number and ts_ns
 * (store/schema.c, store_layout, writes them). The actor's number is one
 * argument for all the fields it gives: each argument is a column the
 * statement reads for every row, 80 to 110 instructions of SQLite's
 * (callgrind). */
static void compact_columns(struct cursor *c, unsigned t, rg_fmask fields)
{
	struct rg_buf names = {0};
	unsigned n = rg_row_columns(&names, t, fields, c->cols);
	rg_buf_free(&names);
	c->ncols = n;
	for (unsigned i = 0; i < n; i++) {
		const struct rg_field *f = c->cols[i];
		enum rg_col_store cs = rg_row_col_store(t, f);
		/* the event type (field 0) is read by read_type */
		c->refs[i] = (uint8_t)(cs == RG_CS_ETYPE ? RG_CS_VALUE : cs);
		char id[COLUMN_MAX];
		switch (cs) {
		case RG_CS_ETYPE: case RG_CS_NAME:
			c->arg[i] = add_arg(c, rg_row_stored_col(cs, f, id, sizeof(id)));
			break;
		case RG_CS_PATH: /* schema/024: its directory, then the rest */
			c->arg[i] = add_arg(c, RG_ROW_DIR_COL);
			c->rest[i] = add_arg(c, rg_row_stored_col(cs, f, id, sizeof(id)));
			break;
		case RG_CS_TID: /* NULL: the actor's pid */
			c->arg[i] = add_arg(c, "tid");
			actor_arg(c);
			break;
		case RG_CS_CLOCK: /* schema/026: boot_ns is ts_ns less its offset */
			c->arg[i] = add_arg(c, rg_row_stored_col(cs, f, id, sizeof(id)));
			c->rest[i] = add_arg(c, "ts_ns");
			break;
		case RG_CS_EXE: case RG_CS_COMM: case RG_CS_ACTOR:
			c->arg[i] = actor_arg(c);
			break;
		case RG_CS_MORE: /* schema/029: in the row's more row, if it has one */
			c->refs[i] = RG_CS_VALUE;
			snprintf(id, sizeof(id), "m.%s", f->name);
			c->arg[i] = add_arg(c, id);
			break;
		case RG_CS_CMDLINE: /* schema/031: its cmdlines row's */
			c->refs[i] = RG_CS_VALUE;
			c->arg[i] = add_arg(c, "c.cmdline");
			break;
		default:
			c->arg[i] = add_arg(c, f->name);
		}
	}
}

/* The arguments into b, ordered by their columns' places in table, the
 * last first, and the cursor's numbers of them changed to match. SQLite
 * parses a row's record header only as far as the column it reads, and
 * each column past those parsed enters the parse again (about 35
 * instructions); with the last first it is parsed in one go. */
static int order_args(struct rgq_reader *r, struct cursor *c, unsigned t, struct rg_buf *b)
{
	const char *table = rg_event_tables[t].rows;
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT * FROM %s LIMIT 0", table);
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	int pos[ARGS_MAX];
	uint8_t order[ARGS_MAX], to[ARGS_MAX];
	for (unsigned k = 0; k < c->nargs; k++) {
		pos[k] = -1; /* a more row's (m.NAME), or none such: the prepare says so */
		const char *col = strcmp(c->argcol[k], "c.cmdline") ? c->argcol[k] : "cmdline_id";
		for (int j = 0; j < sqlite3_column_count(st); j++)
			if (!strcmp(sqlite3_column_name(st, j), col))
				pos[k] = j;
		unsigned at = k; /* by place, the last first; ties as they were */
		for (; at > 0 && pos[order[at - 1]] < pos[k]; at--)
			order[at] = order[at - 1];
		order[at] = (uint8_t)k;
	}
	sqlite3_finalize(st);
	for (unsigned j = 0; j < c->nargs; j++) {
		to[order[j]] = (uint8_t)j;
		const char *col = c->argcol[order[j]];
		if (!strncmp(col, "m.", 2)) /* a column of its more row: looked up only
					     * when it has one (a join: for every row) */
			rg_buf_printf(b, "%s(SELECT %s FROM %s WHERE r.more AND seq = r.seq)",
				      j ? ", " : "", col + 2, rg_event_tables[t].more);
		else if (!strcmp(col, "c.cmdline"))
			rg_buf_printf(b, "%s(SELECT cmdline FROM cmdlines WHERE id = "
				      "r.cmdline_id)", j ? ", " : "");
		else
			rg_buf_printf(b, "%sr.%s", j ? ", " : "", col);
	}
	for (unsigned i = 0; i < c->ncols; i++) {
		c->arg[i] = to[c->arg[i]];
		if (c->refs[i] == RG_CS_PATH || c->refs[i] == RG_CS_CLOCK)
			c->rest[i] = to[c->rest[i]];
	}
	if (c->actor_arg != NO_ARG)
		c->actor_arg = to[c->actor_arg];
	return SQLITE_OK;
}

static int prepare(struct rgq_reader *r, struct cursor *c, unsigned t, const rg_fmask *fields,
		   bool until, char *err, size_t errlen)
{
	struct rg_buf b = {0}, seek = {0};
	snprintf(c->fn, sizeof(c->fn), "rgq_row_%s", rg_event_tables[t].name);
	rg_buf_printf(&b, "SELECT %s(", c->fn);
	/* event_type and seq: registry order, fields 0 and 1; then what
	 * the table's own types need (a field others need too, e.g. result
	 * for file events, is not read for process events) */
	rg_fmask need = 3;
	for (unsigned et = 0; et < RG_ET_COUNT; et++)
		if (rg_event_tables[t].types & RG_ET_BIT(et))
			need |= fields[et];
	c->compact = rg_row_compact(t);
	c->actor_arg = NO_ARG;
	if (c->compact) {
		compact_columns(c, t, need);
	} else {
		struct rg_buf names = {0};
		c->ncols = rg_row_columns(&names, t, need, c->cols);
		rg_buf_free(&names);
		for (unsigned i = 0; i < c->ncols; i++)
			c->arg[i] = add_arg(c, c->cols[i]->name);
	}
	int rc = order_args(r, c, t, &b);
	plan(c, fields);
	rg_buf_adds(&b, ")");
	where(&b, t, until);
	rg_buf_adds(&seek, "SELECT r.seq");
	where(&seek, t, until);
	rg_buf_adds(&seek, " ORDER BY r.seq LIMIT 1");
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(r->db, c->fn, (int)c->nargs,
					     SQLITE_UTF8 | SQLITE_DIRECTONLY, c, NULL, read_row,
					     read_end);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(r->db, rg_buf_cstr(&b), -1, &c->st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(r->db, rg_buf_cstr(&seek), -1, &c->seek, NULL);
	if (rc != SQLITE_OK)
		snprintf(err, errlen, "reading %s: %s", rg_event_tables[t].name,
			 sqlite3_errmsg(r->db));
	rg_buf_free(&b);
	rg_buf_free(&seek);
	return rc;
}

/* Binds st to c's rows from lo to hi; false when it has none there. */
static bool bind_range(const struct rgq_reader *r, const struct cursor *c, sqlite3_stmt *st,
		       uint64_t lo, uint64_t hi)
{
	if (lo < c->floor)
		lo = c->floor;
	if (lo > hi)
		return false;
	sqlite3_bind_int64(st, 1, (int64_t)lo);
	sqlite3_bind_int64(st, 2, (int64_t)hi);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_int64(st, 3, r->until_ns);
	return true;
}

/* Runs st to its end (its rows decoded by its function); false on an
 * error. */
static bool run(struct rgq_reader *r, sqlite3_stmt *st)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && !r->err[0])
		snprintf(r->err, sizeof(r->err), "%s", sqlite3_errmsg(r->db));
	return rc == SQLITE_DONE;
}

/* The first seq at or after r->next that any table has; false for none
 * (or an error). */
static bool seek(struct rgq_reader *r)
{
	uint64_t best = 0;
	bool found = false;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		struct cursor *c = &r->c[t];
		if (!bind_range(r, c, c->seek, r->next, r->last))
			continue;
		int rc = sqlite3_step(c->seek);
		if (rc == SQLITE_ROW) {
			uint64_t s = (uint64_t)sqlite3_column_int64(c->seek, 0);
			best = !found || s < best ? s : best;
			found = true;
		} else if (rc != SQLITE_DONE && !r->err[0]) {
			snprintf(r->err, sizeof(r->err), "%s", sqlite3_errmsg(r->db));
		}
		sqlite3_reset(c->seek);
	}
	r->next = best;
	return found && !r->err[0];
}

bool rgq_reader_read(struct rgq_reader *r, struct rgq_span *s)
{
	r->span = s;
	while (!r->done && !r->err[0]) {
		uint64_t hi = r->last - r->next < RGQ_SPAN ? r->last : r->next + RGQ_SPAN - 1;
		s->first = r->next;
		s->n = 0;
		s->used = 0;
		memset(s->present, 0, sizeof(s->present));
		for (unsigned t = 0; t < RG_N_EVENT_TABLES && !r->err[0]; t++)
			if (bind_range(r, &r->c[t], r->c[t].st, s->first, hi))
				run(r, r->c[t].st);
		r->done = hi == r->last;
		r->next = hi + 1;
		if (r->err[0])
			return false;
		if (s->n)
			return true;
		/* none: a gap (pruned events, a stretch of rows filtered out) */
		if (!r->done && !seek(r))
			r->done = true;
	}
	return false;
}

/* Text by number from query sql (id, text[, text], by id) into one or
 * two arrays, the first entry number *base (the lowest above 0); their
 * bytes in r->dict_text, offsets until all are read (it moves as it
 * grows). Returns the arrays' length (highest id - *base + 1). */
static int64_t load_dict(struct rgq_reader *r, const char *sql, struct dict_text **a,
			 struct dict_text **b, int64_t *base)
{
	sqlite3_stmt *st;
	int64_t n = 0; /* the arrays' length: 0 and up zeroed as they grow */
	*base = 0;
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0; /* no such table: an older recording has no compact rows */
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (id <= 0)
			continue;
		if (!*base)
			*base = id;
		id -= *base;
		if (id >= INT32_MAX)
			continue;
		if (id >= n) {
			*a = rg_realloc(*a, (size_t)(id + 1) * sizeof(**a));
			if (b)
				*b = rg_realloc(*b, (size_t)(id + 1) * sizeof(**b));
			/* a number not there (pruned, or left out of an export):
			 * NULL, and no event type */
			for (int64_t i = n; i <= id; i++) {
				(*a)[i] = (struct dict_text){.etype = RG_ET_COUNT};
				if (b)
					(*b)[i] = (struct dict_text){.etype = RG_ET_COUNT};
			}
			n = id + 1;
		}
		for (int k = 0; k < (b ? 2 : 1); k++) {
			struct dict_text *d = &(k ? *b : *a)[id];
			const char *p = (const char *)sqlite3_column_text(st, 1 + k);
			d->etype = RG_ET_COUNT;
			if (!p)
				continue;
			d->len = (uint32_t)sqlite3_column_bytes(st, 1 + k);
			d->p = (const char *)(uintptr_t)(r->dict_text.len + 1); /* an offset + 1 */
			rg_buf_add(&r->dict_text, p, d->len);
			rg_buf_addc(&r->dict_text, '\0');
			if (!b) {
				int e = rg_etype_parse(p);
				d->etype = e < 0 ? RG_ET_COUNT : e;
			}
		}
	}
	sqlite3_finalize(st);
	return n;
}

/* The offsets load_dict left as pointers into the text. */
static void fix_dict(struct rgq_reader *r, struct dict_text *a, int64_t n)
{
	for (int64_t i = 0; a && i < n; i++)
		if (a[i].p)
			a[i].p = r->dict_text.p + ((uintptr_t)a[i].p - 1);
}

/* The snapshot's clocks (schema/026), sorted by number; none in an older
 * recording. */
static void load_clocks(struct rgq_reader *r)
{
	sqlite3_stmt *st;
	int64_t cap = 0;
	if (sqlite3_prepare_v2(r->db, "SELECT id, offset_ns FROM clocks ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (r->nclocks == cap) {
			cap = cap ? 2 * cap : 16;
			r->clocks = rg_realloc(r->clocks, (size_t)cap * sizeof(*r->clocks));
		}
		r->clocks[r->nclocks++] = (struct clock){sqlite3_column_int64(st, 0),
							 sqlite3_column_int64(st, 1)};
	}
	sqlite3_finalize(st);
}

/* The snapshot's names and images (schema/023), for the compact tables. */
static void load_dicts(struct rgq_reader *r)
{
	load_clocks(r);
	r->nnames = load_dict(r, "SELECT id, name FROM names ORDER BY id", &r->names, NULL,
			      &r->names_base);
	r->nimages = load_dict(r, "SELECT id, exe, comm FROM images ORDER BY id", &r->exes,
			       &r->comms, &r->images_base);
	fix_dict(r, r->names, r->nnames);
	fix_dict(r, r->exes, r->nimages);
	fix_dict(r, r->comms, r->nimages);
}

struct rgq_reader *rgq_reader_open(sqlite3 *db, uint64_t first_seq, uint64_t last_seq,
				   uint64_t from_seq, int64_t until_ns,
				   const rg_fmask by_type[RG_ET_COUNT], char *err, size_t errlen)
{
	struct rgq_reader *r = rg_calloc(1, sizeof(*r));
	r->db = db;
	r->next = first_seq;
	r->last = last_seq;
	r->done = first_seq > last_seq;
	r->until_ns = until_ns;
	for (unsigned i = 0; i < rg_nfields; i++)
		r->zero[i] = zero_of(&rg_fields[i]);
	rg_fmask fields[RG_ET_COUNT + 1] = {0}; /* and an unknown type: all of them */
	for (unsigned t = 0; t < RG_ET_COUNT; t++) {
		fields[t] = by_type[t];
		fields[RG_ET_COUNT] |= by_type[t];
	}
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		struct cursor *c = &r->c[t];
		c->r = r;
		/* process events all, the others from from_seq (reader.h) */
		c->floor = t == 0 || from_seq < first_seq ? first_seq : from_seq;
		if (prepare(r, c, t, fields, until_ns != INT64_MAX, err, errlen)) {
			rgq_reader_close(r);
			return NULL;
		}
	}
	/* one snapshot for all the reads, as the recording was now (each
	 * range's statements end, and each would otherwise see the file as
	 * it is then: rows of a range committed after it was read would be
	 * missed); the first seek takes it, and skips a leading gap */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "reading events: %s", sqlite3_errmsg(db));
		rgq_reader_close(r);
		return NULL;
	}
	r->in_txn = true;
	load_dicts(r);
	if (sqlite3_prepare_v2(db, "SELECT id, pid, uid, gid, ppid, parent_proc_id, image_id "
				   "FROM actors WHERE id BETWEEN ?1 AND ?2", -1, &r->actor_st,
			       NULL) != SQLITE_OK) {
		snprintf(err, errlen, "reading actors: %s", sqlite3_errmsg(db));
		rgq_reader_close(r);
		return NULL;
	}
	r->chunks_left = rg_sql_int(db, "SELECT count(*) FROM actors", 0) / ACTOR_CHUNK +
			 ACTOR_CHUNKS_SPARE;
	/* (below INT64_MAX by a chunk: a chunk's last number is a number) */
	r->actor_base = rg_sql_int(db, "SELECT min(max(min(id), 0), 9223372036854775807 - 1024) "
				   "FROM actors", 0);
	if (!r->done && !seek(r))
		r->done = true;
	return r;
}

const char *rgq_reader_error(const struct rgq_reader *r)
{
	return r->err[0] ? r->err : NULL;
}

void rgq_reader_close(struct rgq_reader *r)
{
	if (!r)
		return;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++) {
		struct cursor *c = &r->c[t];
		sqlite3_finalize(c->st);
		sqlite3_finalize(c->seek);
		if (c->fn[0]) /* the function points at c: gone with it */
			sqlite3_create_function(r->db, c->fn, (int)c->nargs, SQLITE_UTF8, NULL, NULL,
						NULL, NULL);
	}
	if (r->in_txn)
		sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL); /* it only read */
	sqlite3_finalize(r->actor_st);
	for (int64_t c = 0; c < r->nchunks; c++)
		free(r->actors[c]);
	free(r->actors);
	free(r->names);
	free(r->exes);
	free(r->comms);
	free(r->clocks);
	rg_buf_free(&r->dict_text);
	rg_buf_free(&r->path);
	free(r);
}
