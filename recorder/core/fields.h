/* fields.h: the field registry, the single list of event field names.
 *
 * NDJSON keys (in registry order), SQL columns and rule fields are looked
 * up here, so a fact cannot get two names. tests/unit/test_schema.c checks
 * that every field of a table's event types is a column of that table and
 * is listed in docs/schema.md. The rules' context fields (a relative's,
 * from the lineage) are registered here too, with which path fields and
 * which lineage attribute stands in for an event field:
 * tests/unit/test_fields.c checks them against docs/rules.md.
 */
#ifndef RG_FIELDS_H
#define RG_FIELDS_H

#include <string.h>

#include "event.h"

enum rg_ftype {
	RG_FT_ETYPE,   /* enum rg_etype, written as its name */
	RG_FT_U64,
	RG_FT_I64,
	RG_FT_U32,
	RG_FT_I32,
	RG_FT_BOOL,
	RG_FT_STR,     /* struct rg_str */
	RG_FT_CSTR,    /* const char *, NULL = null */
	RG_FT_ARGV,    /* struct rg_str of NUL-separated args: JSON array, SQL BLOB */
	RG_FT_CMDLINE, /* derived from argv: args joined by one space */
	RG_FT_FLAG,    /* bool: bit `bit` of ev.flags */
};

/* Field options. */
#define RG_FO_ZERO_NULL 1u /* a 0 value means unknown: written as null */
#define RG_FO_PATH 2u      /* a path: rules match prefixes and globs by component */
#define RG_FO_NEG_NULL 4u  /* a negative value means unknown: written as null */

/* What the rules' lineage (rules/lineage.c) keeps of a process, so a rule
 * can name it on any event type: of the acting process (an event field
 * whose `ctx` says which, read from the lineage on types that do not
 * carry it), of its parent or of any ancestor (a context field). */
enum rg_ctx_attr { RG_CTX_NONE, RG_CTX_COMM, RG_CTX_EXE, RG_CTX_CMDLINE, RG_CTX_UID,
		   RG_CTX_EUID, RG_CTX_AUID, RG_CTX_USER, RG_CTX_CONTAINER_ID,
		   RG_CTX_CONTAINER_RUNTIME,
		   RG_CTX_DESCENDANT /* true when the process descends from the actor */ };
/* RG_CTX_TARGET: the process an event acts on (target_proc_id: ptrace,
 * proc_mem_write), whose relation to the actor the lineage knows. */
enum rg_ctx_whose { RG_CTX_SELF, RG_CTX_PARENT, RG_CTX_ANCESTOR, RG_CTX_TARGET };

struct rg_field {
	const char *name;
	enum rg_ftype type;
	uint16_t off;   /* offsetof(struct rg_event, ...) */
	uint16_t opts;
	uint32_t bit;   /* RG_FT_FLAG: the ev.flags bit */
	rg_etmask types; /* RG_ET_BIT mask of the event types that carry it */
	uint8_t ctx;    /* enum rg_ctx_attr: the lineage's value of it, or NONE */
};

extern const struct rg_field rg_fields[];
extern const unsigned rg_nfields;
#define RG_FIELDS_MAX 128    /* field masks are 128 bits (the last: RG_FIELDS_UNKNOWN) */
#define RG_FIELD_NAME_MAX 26 /* NDJSON key text is sized by it (test_schema checks) */

/* The event tables and the types each holds; a table's columns are the
 * registry fields of those types (the store writes them, rgq reads them). */
struct rg_event_table {
	const char *name;
	rg_etmask types;
	/* the table its rows are stored in: name, or for a compact table
	 * (schema/023: name is a view over it) its rows' own table */
	const char *rows;
	/* the table of the rarer columns of a compact table's rows, one row
	 * under a row's seq when it has any of them (schema/029), or NULL */
	const char *more;
};
#define RG_N_EVENT_TABLES 4
extern const struct rg_event_table rg_event_tables[RG_N_EVENT_TABLES];

const struct rg_field *rg_field_find(const char *name);

/* The context fields: rule fields that are no event field (no NDJSON key,
 * no column), a relative's attribute from the lineage. Names are distinct
 * from the event fields' (tests/unit/test_fields.c); docs/rules.md lists
 * them with the acting process's, "Process context". */
struct rg_ctx_field {
	const char *name;
	enum rg_ftype type;      /* as it is compared: RG_FT_STR, _CMDLINE or _BOOL */
	uint16_t opts;           /* RG_FO_PATH */
	enum rg_ctx_whose whose; /* RG_CTX_PARENT, _ANCESTOR or _TARGET */
	enum rg_ctx_attr attr;
	rg_etmask types;          /* a relative's: every event type (the lineage has a
				  * process for each); the target's: those with one */
};
extern const struct rg_ctx_field rg_ctx_fields[];
extern const unsigned rg_nctx_fields;
const struct rg_ctx_field *rg_ctx_field_find(const char *name);
/* The values an integer type holds, as rg_field_int gives them (u64: only
 * 0 to INT64_MAX are themselves), so a rule value outside them can never
 * match; false when t is no integer type (text, argv, event type), the
 * range then 0 to 0. Inline, as rg_field_is_int: the rules ask that of
 * every field value they read. */
static inline bool rg_ftype_int_range(enum rg_ftype t, int64_t *lo, int64_t *hi)
{
	switch (t) {
	case RG_FT_U64: *lo = 0, *hi = INT64_MAX; return true;
	case RG_FT_I64: *lo = INT64_MIN, *hi = INT64_MAX; return true;
	case RG_FT_U32: *lo = 0, *hi = UINT32_MAX; return true;
	case RG_FT_I32: *lo = INT32_MIN, *hi = INT32_MAX; return true;
	case RG_FT_BOOL: case RG_FT_FLAG: *lo = 0, *hi = 1; return true;
	default: *lo = *hi = 0; return false;
	}
}
static inline bool rg_field_is_int(const struct rg_field *f)
{
	int64_t lo, hi;
	return rg_ftype_int_range(f->type, &lo, &hi);
}

/* The mask (bit i: rg_fields[i]) of the named fields, the list ending in
 * NULL: what a part that reads an event names as the fields it reads, for
 * a reader that fills only those (rgq replay). A name the registry lacks
 * sets RG_FIELDS_UNKNOWN, which no field is: a test sees it. */
typedef unsigned __int128 rg_fmask;
#define RG_FBIT(i) ((rg_fmask)1 << (i))
#define RG_FIELDS_UNKNOWN RG_FBIT(RG_FIELDS_MAX - 1)
#define RG_FMASK_ALL (~(rg_fmask)0)
rg_fmask rg_fields_mask(const char *const *names);

/* The accessors are inline: NDJSON and the store call them for every
 * field of every event. The caller has checked the type. */
static inline const void *rg_field_at(const struct rg_field *f, const struct rg_event *ev)
{
	return (const char *)ev + f->off;
}

/* Value of an integer, bool, flag or event-type field, widened to int64
 * (u64 fields keep their bits). */
static inline int64_t rg_field_int(const struct rg_field *f, const struct rg_event *ev)
{
	const void *p = rg_field_at(f, ev);
	switch (f->type) {
	case RG_FT_U64: return (int64_t)*(const uint64_t *)p;
	case RG_FT_I64: return *(const int64_t *)p;
	case RG_FT_U32: return *(const uint32_t *)p;
	case RG_FT_I32: return *(const int32_t *)p;
	case RG_FT_BOOL: return *(const bool *)p;
	case RG_FT_FLAG: return (ev->flags & f->bit) != 0;
	case RG_FT_ETYPE: return ev->type;
	default: return 0;
	}
}

static inline struct rg_str rg_field_str(const struct rg_field *f, const struct rg_event *ev)
{
	if (f->type == RG_FT_CSTR) {
		const char *s = *(const char *const *)rg_field_at(f, ev);
		return (struct rg_str){s, s ? (uint32_t)strlen(s) : 0};
	}
	return *(const struct rg_str *)rg_field_at(f, ev);
}

/* Sets an integer field (rg_field_is_int) of ev to v, cast to its type;
 * a flag is only ever set, not cleared. Inline: rgq's reader sets about
 * ten fields of every row. */
static inline void rg_field_set_int(const struct rg_field *f, struct rg_event *ev, int64_t v)
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

/* True when f is null for ev (unknown), per its type and options. */
static inline bool rg_field_is_null(const struct rg_field *f, const struct rg_event *ev)
{
	switch (f->type) {
	case RG_FT_STR: case RG_FT_CSTR: case RG_FT_ARGV: case RG_FT_CMDLINE:
		return rg_field_str(f, ev).p == NULL;
	default:
		if (f->opts & RG_FO_NEG_NULL)
			return rg_field_int(f, ev) < 0;
		return (f->opts & RG_FO_ZERO_NULL) && rg_field_int(f, ev) == 0;
	}
}

#endif /* RG_FIELDS_H */
