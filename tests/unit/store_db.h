/* store_db.h: what the store's unit tests (test_store.c, test_store_writer.c)
 * share: a scratch directory for their databases, and a connection of the
 * test's own to read a database back or change it behind the store's back.
 * One per test binary, as tap.h.
 *
 *   mkdtemp(dir) ... dir_remove()   the scratch directory, made and removed
 *   path_in("x.db")                 a path in it (the last four stay valid)
 *   q(db, "SELECT ...")             the first column of the first row
 *   sql_on(db, "UPDATE ...")        runs statements on db
 */
#ifndef RG_STORE_DB_H
#define RG_STORE_DB_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

static char dir[] = "/tmp/rg-store.XXXXXX";

static inline char *path_in(const char *name)
{
	static char p[4][128];
	static int i;
	char *s = p[i++ % 4];
	snprintf(s, 128, "%s/%s", dir, name);
	return s;
}

/* First column of the first row of sql as text ("NULL", or "" if none). */
static inline const char *q(const char *db, const char *sql)
{
	static char out[512];
	sqlite3 *h;
	sqlite3_stmt *st;
	out[0] = '\0';
	sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			const unsigned char *t = sqlite3_column_text(st, 0);
			snprintf(out, sizeof(out), "%s", t ? (const char *)t : "NULL");
		}
		sqlite3_finalize(st);
	} else {
		snprintf(out, sizeof(out), "error: %s", sqlite3_errmsg(h));
	}
	sqlite3_close(h);
	return out;
}

/* Runs sql on db through a connection of the test's own. */
static inline void sql_on(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_open(db, &h);
	sqlite3_busy_timeout(h, 5000); /* a store's writer may be in a batch */
	sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_close(h);
}

/* Removes the scratch directory and all in it; 0 on success. */
static inline int dir_remove(void)
{
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) != 0;
}

#endif /* RG_STORE_DB_H */
