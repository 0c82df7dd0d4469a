/* qnames.c: rg_uid(id, proc_id, ts) and rg_gid(id, proc_id, ts), user and
 * group ids shown with the names the recording holds (qnames.h). */
#include "qnames.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

struct name_ent {
	char kind; /* 'u' a user id, 'g' a group id */
	char *key; /* the host (or "boot ID" when no run names it) */
	int64_t id, first; /* first: the earliest start of a process with the name */
	char *name;
};

struct names;
struct names_fn { /* what one SQL function is: the cache and which ids */
	struct names *nm;
	char kind;
};

struct names {
	struct names_fn fu, fg;
	bool loaded;
	struct name_ent *v;
	size_t n;
	sqlite3_stmt *key_of; /* a process's host */
	int64_t last_proc;    /* the process key was read for */
	char *key;
};

/* Every id the processes carry a name for, per host, with when each name
 * was first seen: one scan of processes, on the first call only. */
static const char load_sql[] =
	"WITH hosts AS (SELECT boot_id, max(host) AS host FROM runs GROUP BY boot_id), "
	"pk AS (SELECT coalesce(h.host, 'boot ' || q.boot_id) AS k, q.* FROM processes q "
	"  LEFT JOIN hosts h USING (boot_id)), "
	"ids(kind, k, id, name, ts) AS ("
	"  SELECT 'u', k, uid, user, start_ns FROM pk WHERE user IS NOT NULL "
	"  UNION ALL SELECT 'u', k, euid, euser, start_ns FROM pk WHERE euser IS NOT NULL "
	"  UNION ALL SELECT 'u', k, auid, login_user, start_ns FROM pk WHERE login_user IS NOT "
	"    NULL AND auid != 4294967295 "
	"  UNION ALL SELECT 'g', k, gid, group_name, start_ns FROM pk WHERE group_name IS NOT NULL) "
	"SELECT kind, k, id, name, ifnull(min(ts), -9223372036854775807) FROM ids "
	"WHERE id IS NOT NULL GROUP BY kind, k, id, name ORDER BY kind, k, id, 5";

static const char key_sql[] =
	"SELECT coalesce((SELECT max(host) FROM runs r WHERE r.boot_id = p.boot_id), "
	"'boot ' || p.boot_id) FROM processes p WHERE proc_id = ?";

static char *text_dup(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return rg_strdup(s ? s : "");
}

static void load(struct names *nm, sqlite3 *db)
{
	sqlite3_stmt *st;
	nm->loaded = true;
	if (sqlite3_prepare_v2(db, load_sql, -1, &st, NULL) != SQLITE_OK)
		return;
	size_t cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (nm->n == cap) {
			cap = cap ? 2 * cap : 64;
			nm->v = rg_realloc(nm->v, cap * sizeof(*nm->v));
		}
		nm->v[nm->n++] = (struct name_ent){
			*sqlite3_column_text(st, 0), text_dup(st, 1), sqlite3_column_int64(st, 2),
			sqlite3_column_int64(st, 4), text_dup(st, 3)};
	}
	sqlite3_finalize(st);
	sqlite3_prepare_v2(db, key_sql, -1, &nm->key_of, NULL);
}

/* The host of proc_id, or NULL when the recording has no such process. */
static const char *proc_key(struct names *nm, int64_t proc_id)
{
	if (nm->key && nm->last_proc == proc_id)
		return nm->key;
	free(nm->key);
	nm->key = NULL;
	if (!nm->key_of)
		return NULL;
	sqlite3_reset(nm->key_of);
	sqlite3_bind_int64(nm->key_of, 1, proc_id);
	if (sqlite3_step(nm->key_of) == SQLITE_ROW) {
		nm->key = text_dup(nm->key_of, 0);
		nm->last_proc = proc_id;
	}
	return nm->key;
}

static int cmp_ent(char kind, const char *key, int64_t id, const struct name_ent *e)
{
	if (kind != e->kind)
		return kind < e->kind ? -1 : 1;
	int c = strcmp(key, e->key);
	if (c)
		return c;
	return (id > e->id) - (id < e->id);
}

/* The name id had at ts on that host: the latest first seen by then, else
 * the earliest seen after (a name appears with its first process). */
static const char *lookup(const struct names *nm, char kind, const char *key, int64_t id,
			  int64_t ts)
{
	size_t lo = 0, hi = nm->n;
	while (lo < hi) { /* the first entry not below (kind, key, id) */
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_ent(kind, key, id, &nm->v[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == nm->n || cmp_ent(kind, key, id, &nm->v[lo]))
		return NULL;
	const char *name = nm->v[lo].name;
	for (size_t i = lo + 1; i < nm->n && !cmp_ent(kind, key, id, &nm->v[i]); i++)
		if (nm->v[i].first <= ts)
			name = nm->v[i].name;
	return name;
}

static void fn_id(sqlite3_context *c, int n, sqlite3_value **v)
{
	const struct names_fn *f = sqlite3_user_data(c);
	struct names *nm = f->nm;
	(void)n;
	if (sqlite3_value_type(v[0]) == SQLITE_NULL) {
		sqlite3_result_null(c);
		return;
	}
	int64_t id = sqlite3_value_int64(v[0]);
	const char *name = NULL, *key;
	if (sqlite3_value_type(v[1]) != SQLITE_NULL) {
		if (!nm->loaded)
			load(nm, sqlite3_context_db_handle(c));
		if ((key = proc_key(nm, sqlite3_value_int64(v[1]))))
			name = lookup(nm, f->kind, key, id, sqlite3_value_int64(v[2]));
	}
	char *s = name ? sqlite3_mprintf("%lld(%s)", (long long)id, name)
		       : sqlite3_mprintf("%lld", (long long)id);
	if (s)
		sqlite3_result_text(c, s, -1, sqlite3_free);
	else
		sqlite3_result_error_nomem(c);
}

static void names_free(void *p)
{
	struct names *nm = ((struct names_fn *)p)->nm;
	for (size_t i = 0; i < nm->n; i++) {
		free(nm->v[i].key);
		free(nm->v[i].name);
	}
	free(nm->v);
	free(nm->key);
	/* key_of is finalized already: this runs once the connection closes,
	 * which rgq_db_close does only after finalizing its statements */
	free(nm);
}

int rgq_names_register(sqlite3 *db)
{
	struct names *nm = rg_calloc(1, sizeof(*nm));
	nm->fu = (struct names_fn){nm, 'u'};
	nm->fg = (struct names_fn){nm, 'g'};
	/* rg_uid owns the cache: freed when the connection closes (or at once,
	 * by SQLite, should registering it fail); rg_gid, registered after it,
	 * only borrows it */
	if (sqlite3_create_function_v2(db, "rg_uid", 3, SQLITE_UTF8, &nm->fu, fn_id, NULL, NULL,
				       names_free))
		return -1;
	return sqlite3_create_function_v2(db, "rg_gid", 3, SQLITE_UTF8, &nm->fg, fn_id, NULL,
					  NULL, NULL) ? -1 : 0;
}
