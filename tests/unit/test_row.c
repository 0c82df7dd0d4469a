/* test_row.c: the row codec (row.h): every registry field of every event
 * type, bound into its table's columns and read back, is the value the
 * event had; an unknown value stays unknown. The store's writer and rgq's
 * reader both go through these two functions. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "fields.h"
#include "row.h"
#include "tap.h"

static const char argv_raw[] = "sh\0-c\0echo hi"; /* NUL-separated */
static const char argv_joined[] = "sh -c echo hi";

/* A distinct known value in every field of type t (i: the field's index). */
static void fill(struct rg_event *ev, enum rg_etype t, char text[][32])
{
	memset(ev, 0, sizeof(*ev));
	ev->type = t;
	for (unsigned i = 0; i < rg_nfields; i++) {
		const struct rg_field *f = &rg_fields[i];
		char *at = (char *)ev + f->off;
		snprintf(text[i], 32, "v_%s", f->name);
		struct rg_str s = {text[i], (uint32_t)strlen(text[i])};
		const char *cs = text[i];
		uint64_t u = 1000 + i;
		/* negative where a field can hold it (a NEG_NULL one cannot) */
		int64_t n = f->opts & RG_FO_NEG_NULL ? 1000 + i : -(int64_t)(1000 + i);
		uint32_t u32 = 100 + i;
		int32_t i32 = -(int32_t)(100 + i);
		bool yes = true;
		switch (f->type) {
		case RG_FT_U64: memcpy(at, &u, sizeof(u)); break;
		case RG_FT_I64: memcpy(at, &n, sizeof(n)); break;
		case RG_FT_U32: memcpy(at, &u32, sizeof(u32)); break;
		case RG_FT_I32: memcpy(at, &i32, sizeof(i32)); break;
		case RG_FT_BOOL: memcpy(at, &yes, sizeof(yes)); break;
		case RG_FT_FLAG: ev->flags |= f->bit; break;
		case RG_FT_STR: memcpy(at, &s, sizeof(s)); break;
		case RG_FT_CSTR: memcpy(at, &cs, sizeof(cs)); break;
		default: break; /* etype: set; argv and cmdline: below */
		}
	}
	ev->argv = (struct rg_str){argv_raw, sizeof(argv_raw) - 1};
}

/* Writes ev into a table with table t's columns, reads the row back. */
static int round_trip(sqlite3 *db, unsigned t, const struct rg_event *ev, struct rg_event *out,
		      sqlite3_stmt **sel)
{
	struct rg_buf create = {0}, ins = {0}, cols = {0}, scratch = {0};
	const struct rg_field *f[RG_FIELDS_MAX];
	unsigned n = rg_row_columns(&cols, t, RG_FMASK_ALL, f);
	rg_buf_printf(&create, "DROP TABLE IF EXISTS t; CREATE TABLE t (%s)", rg_buf_cstr(&cols));
	rg_buf_printf(&ins, "INSERT INTO t VALUES (?");
	for (unsigned k = 1; k < n; k++)
		rg_buf_adds(&ins, ", ?");
	rg_buf_adds(&ins, ")");
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_exec(db, rg_buf_cstr(&create), NULL, NULL, NULL) ||
		 sqlite3_prepare_v2(db, rg_buf_cstr(&ins), -1, &st, NULL);
	for (unsigned k = 0; !rc && k < n; k++)
		rg_row_bind_field(st, (int)k + 1, f[k], ev, &scratch);
	rc = rc || sqlite3_step(st) != SQLITE_DONE;
	sqlite3_finalize(st);
	create.len = 0; /* reused for the select */
	rg_buf_printf(&create, "SELECT %s FROM t", rg_buf_cstr(&cols));
	rc = rc || sqlite3_prepare_v2(db, rg_buf_cstr(&create), -1, sel, NULL) ||
	     sqlite3_step(*sel) != SQLITE_ROW;
	memset(out, 0, sizeof(*out));
	for (unsigned k = 0; !rc && k < n; k++)
		rg_row_read_value(sqlite3_column_value(*sel, (int)k), f[k], out);
	rg_buf_free(&create);
	rg_buf_free(&ins);
	rg_buf_free(&cols);
	rg_buf_free(&scratch);
	return rc;
}

static bool same_str(struct rg_str a, const char *p, size_t n)
{
	return a.p && a.len == n && !memcmp(a.p, p, n);
}

/* Every field of ev's type in `got` as in `want`. */
static void check_fields(const struct rg_event *want, const struct rg_event *got, bool known)
{
	char what[160];
	bool has_argv = rg_field_find("argv")->types & RG_ET_BIT(want->type);
	for (unsigned i = 0; i < rg_nfields; i++) {
		const struct rg_field *f = &rg_fields[i];
		if (!(f->types & RG_ET_BIT(want->type)))
			continue;
		snprintf(what, sizeof(what), "%s: %s %s", rg_etype_name(want->type), f->name,
			 known ? "read back as written" : "unknown stays unknown");
		bool ok;
		if (f->type == RG_FT_CMDLINE || f->type == RG_FT_ARGV) {
			/* the stored argv wins; without it, the joined cmdline */
			struct rg_str a = got->argv;
			ok = !known ? a.p == NULL
			     : has_argv ? same_str(a, argv_raw, sizeof(argv_raw) - 1)
					: same_str(a, argv_joined, strlen(argv_joined));
		} else if (f->type == RG_FT_STR || f->type == RG_FT_CSTR) {
			struct rg_str w = rg_field_str(f, want), g = rg_field_str(f, got);
			ok = w.p ? same_str(g, w.p, w.len) : g.p == NULL || g.len == 0;
		} else {
			ok = rg_field_int(f, got) == rg_field_int(f, want);
		}
		CHECK(ok, what);
	}
}

int main(void)
{
	sqlite3 *db;
	static char text[RG_FIELDS_MAX][32];
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return 1;
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++)
		for (int et = 0; et < RG_ET_COUNT; et++) {
			if (!(rg_event_tables[t].types & RG_ET_BIT(et)))
				continue;
			struct rg_event ev, got;
			sqlite3_stmt *sel = NULL;
			fill(&ev, (enum rg_etype)et, text);
			CHECK(!round_trip(db, t, &ev, &got, &sel), "a row written and read");
			check_fields(&ev, &got, true);
			sqlite3_finalize(sel);
			memset(&ev, 0, sizeof(ev));
			ev.type = (enum rg_etype)et;
			CHECK(!round_trip(db, t, &ev, &got, &sel), "an empty row written and read");
			check_fields(&ev, &got, false);
			sqlite3_finalize(sel);
		}
	sqlite3_close(db);
	return tap_done();
}
