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
 */
#ifndef RGQ_DB_H
#define RGQ_DB_H

#include <sqlite3.h>
#include <stddef.h>

sqlite3 *rgq_db_open(const char *path, char *err, size_t errlen);

#endif /* RGQ_DB_H */
