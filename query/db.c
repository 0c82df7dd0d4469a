/* db.c: opening a recording read-only, with rgq's SQL functions (db.h). */
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "qdecode.h"
#include "qnames.h"
#include "pathmatch.h"
#include "qtime.h"
#include "schema.h"
#include "row.h"

static void fn_time(sqlite3_context *c, int n, sqlite3_value **v)
{
	char buf[64];
	(void)n;
	if (sqlite3_value_type(v[0]) == SQLITE_NULL) {
		sqlite3_result_null(c);
		return;
	}
	rgq_time_format(sqlite3_value_int64(v[0]), buf, sizeof(buf));
	sqlite3_result_text(c, buf, -1, SQLITE_TRANSIENT);
}

/* path_glob(pattern, path) and path_prefix(prefix, path): NULL in, NULL out */
static void fn_path(sqlite3_context *c, int n, sqlite3_value **v)
{
	(void)n;
	const char *pat = (const char *)sqlite3_value_text(v[0]);
	const char *path = (const char *)sqlite3_value_text(v[1]);
	if (!pat || !path) {
		sqlite3_result_null(c);
		return;
	}
	size_t len = (size_t)sqlite3_value_bytes(v[1]);
	if (sqlite3_user_data(c)) {
		size_t plen = strlen(pat);
		while (plen > 1 && pat[plen - 1] == '/')
			plen--;
		sqlite3_result_int(c, rg_path_has_prefix(path, len, pat, plen));
	} else {
		sqlite3_result_int(c, rg_path_glob(pat, path, len));
	}
}

/* The decoders (qdecode.h): NULL in, NULL out. Which one is the user data:
 * 'e' rg_errno(n): "-13 EACCES" for a named error, else n;
 * 'E' rg_errname(n): "EACCES" or NULL; 's' rg_signame(n): "SIGKILL" or NULL;
 * 'o' rg_oflags(n): "O_WRONLY|O_CREAT"; 'a' rg_auid(n): "unset" for (uid_t)-1. */
static void fn_decode(sqlite3_context *c, int n, sqlite3_value **v)
{
	(void)n;
	if (sqlite3_value_type(v[0]) == SQLITE_NULL) {
		sqlite3_result_null(c);
		return;
	}
	int64_t x = sqlite3_value_int64(v[0]);
	char buf[64];
	const char *name = NULL;
	struct rg_buf b = {0};
	switch (*(const char *)sqlite3_user_data(c)) {
	case 'e':
		if (x < 0 && (name = rgq_errno_name(x))) {
			snprintf(buf, sizeof(buf), "%lld %s", (long long)x, name);
			sqlite3_result_text(c, buf, -1, SQLITE_TRANSIENT);
		} else {
			sqlite3_result_value(c, v[0]);
		}
		return;
	case 'E': name = rgq_errno_name(x); break;
	case 's': name = rgq_signal_name(x, buf, sizeof(buf)); break;
	case 'o':
		rgq_open_flags(&b, x);
		sqlite3_result_text(c, rg_buf_cstr(&b), -1, SQLITE_TRANSIENT);
		rg_buf_free(&b);
		return;
	case 'a':
		if (x == RGQ_AUID_UNSET)
			name = "unset";
		else
			sqlite3_result_value(c, v[0]);
		if (!name)
			return;
		break;
	}
	if (name)
		sqlite3_result_text(c, name, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(c);
}

static int add_functions(sqlite3 *db)
{
	int f = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	static int prefix_tag;
	return sqlite3_create_function(db, "rg_time", 1, f, NULL, fn_time, NULL, NULL) ||
	       sqlite3_create_function(db, "path_glob", 2, f, NULL, fn_path, NULL, NULL) ||
	       sqlite3_create_function(db, "path_prefix", 2, f, &prefix_tag, fn_path, NULL, NULL) ||
	       sqlite3_create_function(db, "rg_errno", 1, f, "e", fn_decode, NULL, NULL) ||
	       sqlite3_create_function(db, "rg_errname", 1, f, "E", fn_decode, NULL, NULL) ||
	       sqlite3_create_function(db, "rg_signame", 1, f, "s", fn_decode, NULL, NULL) ||
	       sqlite3_create_function(db, "rg_oflags", 1, f, "o", fn_decode, NULL, NULL) ||
	       sqlite3_create_function(db, "rg_auid", 1, f, "a", fn_decode, NULL, NULL) ||
	       rgq_names_register(db);
}

/* Why the file could not be opened or read. SQLite says "unable to open
 * database file" for every reason; the system's error says which (a user
 * without read permission on the recorder's 0600 file, most often), and of
 * which file: the database, or its -wal or -shm beside it. */
static void open_error(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	int sys = db ? sqlite3_system_errno(db) : 0;
	if (access(path, R_OK) != 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (sys)
		snprintf(err, errlen, "%s: %s (%s, or its -wal or -shm file)", path,
			 sqlite3_errmsg(db), strerror(sys));
	else
		snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
}

static int check(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	int latest = rg_schema_files[rg_nschema_files - 1].version;
	long long have = rg_sql_int(db, "PRAGMA user_version", -1);
	if (have < 0) {
		open_error(db, path, err, errlen);
		return -1;
	}
	if (rg_sql_int(db, "SELECT count(*) FROM meta WHERE key = 'format' AND "
			   "value = 'rand-guard'", 0) != 1) {
		snprintf(err, errlen, "%s: not a rand-guard database", path);
		return -1;
	}
	if (have > latest) {
		snprintf(err, errlen, "%s: written by a newer rand-guard (schema %lld; this rgq "
			 "reads schema %d)", path, have, latest);
		return -1;
	}
	if (have < latest) {
		snprintf(err, errlen, "%s: schema %lld is older than this rgq's (%d): start the "
			 "rand-guard recorder of this version on it once to upgrade it", path, have,
			 latest);
		return -1;
	}
	return 0;
}

sqlite3 *rgq_db_open(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	err[0] = '\0';
	if (stat(path, &sb)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a file", path);
		return NULL;
	}
	sqlite3 *db = NULL; /* one thread: no per-call mutex (replay reads millions of values) */
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		open_error(db, path, err, errlen);
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL);
	/* pages through a mapping, not a pread each: a replay reads the whole
	 * file, and in a VM every system call is dear (SQLite caps the size) */
	sqlite3_exec(db, "PRAGMA mmap_size = 17179869184", NULL, NULL, NULL);
	if (check(db, path, err, errlen) || add_functions(db)) {
		if (!err[0])
			snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

void rgq_db_close(sqlite3 *db)
{
	sqlite3_stmt *st;
	while ((st = sqlite3_next_stmt(db, NULL)))
		sqlite3_finalize(st);
	sqlite3_close(db);
}
