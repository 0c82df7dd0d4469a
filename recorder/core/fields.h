/* fields.h: the field registry, the single list of event field names.
 *
 * NDJSON keys (in registry order), SQL columns and rule fields are looked
 * up here, so a fact cannot get two names. tests/unit/test_schema.c checks
 * that every field of a table's event types is a column of that table and
 * is listed in docs/schema.md.
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

struct rg_field {
	const char *name;
	enum rg_ftype type;
	uint16_t off;   /* offsetof(struct rg_event, ...) */
	uint16_t opts;
	uint32_t bit;   /* RG_FT_FLAG: the ev.flags bit */
	uint32_t types; /* RG_ET_BIT mask of the event types that carry it */
};

extern const struct rg_field rg_fields[];
extern const unsigned rg_nfields;
#define RG_FIELDS_MAX 64     /* field masks are 64 bits */
#define RG_FIELD_NAME_MAX 26 /* NDJSON key text is sized by it (test_schema checks) */

/* The event tables and the types each holds; a table's columns are the
 * registry fields of those types (the store writes them, rgq reads them). */
struct rg_event_table {
	const char *name;
	uint32_t types;
};
#define RG_N_EVENT_TABLES 3
extern const struct rg_event_table rg_event_tables[RG_N_EVENT_TABLES];

const struct rg_field *rg_field_find(const char *name);
bool rg_field_is_int(const struct rg_field *f);

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

/* True when f is null for ev (unknown), per its type and options. */
static inline bool rg_field_is_null(const struct rg_field *f, const struct rg_event *ev)
{
	switch (f->type) {
	case RG_FT_STR: case RG_FT_CSTR: case RG_FT_ARGV: case RG_FT_CMDLINE:
		return rg_field_str(f, ev).p == NULL;
	default:
		return (f->opts & RG_FO_ZERO_NULL) && rg_field_int(f, ev) == 0;
	}
}

#endif /* RG_FIELDS_H */
