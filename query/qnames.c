/* qnames.c: rg_uid(id, proc_id, ts) and rg_gid(id, proc_id, ts), user and
 * group ids shown with the names the recording holds (qnames.h). */
#include "qnames.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

struct names;
struct names_fn { /* what one SQL function is: the cache and which ids */
	struct names *nm;
	char kind;
};

/* One answer kept: an id asked again for the same process (a detail's two
 * ids, consecutive rows of one process) costs no walk. */
struct memo {
	char kind;
	int64_t id, proc;
	char *name; /* NULL: no name */
};

#define MEMO 256
#define UNNAMED 64

struct names {
	struct names_fn fu, fg;
	sqlite3_stmt *walk[2][2]; /* [user, group][before, after] */
	sqlite3_stmt *boot_of;
	struct memo memo[MEMO];
	/* ids no process of a host carries with a name: walked once */
	struct {
		char kind;
		int64_t id;
		char *boot;
	} unnamed[UNNAMED];
	unsigned n_unnamed;
};

/* The processes of the same host as ?2 (its boot, and the boots the runs
 * name that host for), walked by proc_id, the order processes were first
 * seen, from ?2 back (else forward) to the first that carried the id ?1
 * with a name. `+boot_id` keeps the walk on the primary key: an id most
 * processes carry is found at once, wherever the recording is. */
#define HOST_BOOTS                                                                          \
	"WITH me AS (SELECT boot_id FROM processes WHERE proc_id = ?2), "                   \
	"boots AS (SELECT boot_id FROM me UNION SELECT r.boot_id FROM runs r "              \
	"  WHERE r.host IS NOT NULL AND r.host = (SELECT max(host) FROM runs "              \
	"  WHERE boot_id = (SELECT boot_id FROM me))) "
#define USER_SEL                                                                            \
	"SELECT CASE WHEN uid = ?1 AND user IS NOT NULL THEN user WHEN euid = ?1 AND euser " \
	"IS NOT NULL THEN euser ELSE login_user END FROM processes WHERE +boot_id IN boots "  \
	"AND ((uid = ?1 AND user IS NOT NULL) OR (euid = ?1 AND euser IS NOT NULL) OR "      \
	"(auid = ?1 AND auid != 4294967295 AND login_user IS NOT NULL)) "
#define GROUP_SEL                                                                           \
	"SELECT group_name FROM processes WHERE +boot_id IN boots AND gid = ?1 AND "        \
	"group_name IS NOT NULL "
#define BEFORE "AND proc_id <= ?2 ORDER BY proc_id DESC LIMIT 1"
#define AFTER "AND proc_id > ?2 ORDER BY proc_id LIMIT 1"

static const char *const walk_sql[2][2] = {
	{HOST_BOOTS USER_SEL BEFORE, HOST_BOOTS USER_SEL AFTER},
	{HOST_BOOTS GROUP_SEL BEFORE, HOST_BOOTS GROUP_SEL AFTER},
};

static sqlite3_stmt *prepared(sqlite3 *db, sqlite3_stmt **st, const char *sql)
{
	if (!*st && sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL))
		*st = NULL;
	return *st;
}

/* The name of one walk's first match, malloc'd; NULL for none. */
static char *walk(sqlite3_stmt *st, int64_t id, int64_t proc)
{
	char *name = NULL;
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, proc);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		name = rg_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return name;
}

/* The boot of proc (the host's key for the unnamed list), malloc'd; NULL
 * when the recording has no such process. */
static char *boot_of(struct names *nm, sqlite3 *db, int64_t proc)
{
	sqlite3_stmt *st = prepared(db, &nm->boot_of, "SELECT boot_id FROM processes "
						      "WHERE proc_id = ?");
	char *boot = NULL;
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, proc);
	if (sqlite3_step(st) == SQLITE_ROW)
		boot = rg_strdup(sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0)
							    : "");
	sqlite3_reset(st);
	return boot;
}

static int unnamed_at(const struct names *nm, char kind, int64_t id, const char *boot)
{
	for (unsigned i = 0; i < nm->n_unnamed && i < UNNAMED; i++)
		if (nm->unnamed[i].kind == kind && nm->unnamed[i].id == id &&
		    !strcmp(nm->unnamed[i].boot, boot))
			return (int)i;
	return -1;
}

/* The name id had when proc was seen: the latest process seen by then
 * that carried it with a name, else the earliest after; NULL for none. */
static char *find(struct names *nm, sqlite3 *db, char kind, int64_t id, int64_t proc)
{
	int k = kind == 'g';
	char *boot = boot_of(nm, db, proc);
	if (!boot)
		return NULL; /* no such process */
	char *name = NULL;
	if (unnamed_at(nm, kind, id, boot) < 0) {
		name = walk(prepared(db, &nm->walk[k][0], walk_sql[k][0]), id, proc);
		if (!name)
			name = walk(prepared(db, &nm->walk[k][1], walk_sql[k][1]), id, proc);
		if (!name) { /* the whole host walked: remember it */
			unsigned i = nm->n_unnamed++ % UNNAMED;
			free(nm->unnamed[i].boot);
			nm->unnamed[i].kind = kind;
			nm->unnamed[i].id = id;
			nm->unnamed[i].boot = boot;
			return NULL;
		}
	}
	free(boot);
	return name;
}

static const char *lookup(struct names *nm, sqlite3 *db, char kind, int64_t id, int64_t proc)
{
	uint64_t h = ((uint64_t)id * 0x9e3779b97f4a7c15u) ^ ((uint64_t)proc * 0xc2b2ae3d27d4eb4fu) ^
		     (uint64_t)kind;
	struct memo *m = &nm->memo[(h >> 32) % MEMO];
	if (m->kind == kind && m->id == id && m->proc == proc)
		return m->name;
	free(m->name);
	*m = (struct memo){kind, id, proc, find(nm, db, kind, id, proc)};
	return m->name;
}

static void fn_id(sqlite3_context *c, int n, sqlite3_value **v)
{
	const struct names_fn *f = sqlite3_user_data(c);
	(void)n;
	if (sqlite3_value_type(v[0]) == SQLITE_NULL) {
		sqlite3_result_null(c);
		return;
	}
	int64_t id = sqlite3_value_int64(v[0]);
	const char *name = NULL;
	if (sqlite3_value_type(v[1]) != SQLITE_NULL)
		name = lookup(f->nm, sqlite3_context_db_handle(c), f->kind, id,
			      sqlite3_value_int64(v[1]));
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
	for (unsigned i = 0; i < MEMO; i++)
		free(nm->memo[i].name);
	for (unsigned i = 0; i < UNNAMED; i++)
		free(nm->unnamed[i].boot);
	/* the statements are finalized already: this runs once the connection
	 * closes, which rgq_db_close does only after finalizing its statements */
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
