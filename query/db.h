/* db.h: rgq's read-only view of a recording.
 *
 * The file opens read-only (SQLITE_OPEN_READONLY and PRAGMA query_only),
 * so nothing rgq runs can change the evidence, and it reads while the
 * recorder writes (WAL). A missing file, a file that is not a rand-guard
 * database, or one written by a newer or older schema is refused with one
 * line. The connection has rgq's SQL functions:
 *
 *   rg_time(ns)               wall-clock ns as 2026-11-29T18:02:03.250000000Z
 *   path_glob(pattern, path)  the rules' path glob (pathmatch.h)
 *   path_prefix(prefix, path) the rules' component-aware path prefix
 *   rg_errno(n)               "-13 EACCES" for a negative errno libc names, else n
 *   rg_errname(n)             "EACCES" (n or -n), NULL when unnamed or 0
 *   rg_signame(n)             "SIGKILL", NULL when unnamed or 0
 *   rg_oflags(n)              open(2) flags: "O_WRONLY|O_CREAT|O_TRUNC"
 *   rg_auid(n)                "unset" for the unset login uid 4294967295, else n
 *   rg_uid(id, proc_id, ts)   "1001(alice)": the name the recording holds for
 *                             the user id on proc_id's host as of proc_id,
 *                             else "1001"
 *   rg_gid(id, proc_id, ts)   the same for a group id (qnames.h)
 */
#ifndef RGQ_DB_H
#define RGQ_DB_H

#include <sqlite3.h>
#include <stddef.h>

sqlite3 *rgq_db_open(const char *path, char *err, size_t errlen);

/* Closes what rgq_db_open opened, statements the SQL functions keep for
 * the connection's life (qnames.c) included: SQLite runs the functions'
 * destructors only once a close succeeds, and a close fails while any
 * statement is left. */
void rgq_db_close(sqlite3 *db);

#endif /* RGQ_DB_H */
