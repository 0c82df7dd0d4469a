/* ship.h: committed rows to a central ClickHouse, the database as the spool.
 *
 * A thread of its own reads the recording on its own read-only connection
 * (WAL: it reads while the writer writes, and never writes) and sends each
 * shipped table's rows past the destination's cursor to ClickHouse's HTTP
 * interface as `INSERT ... FORMAT JSONEachRow`, in batches. A cursor moves
 * only once ClickHouse acknowledged the batch (HTTP 200), through the
 * store, whose writer keeps it in table ship_cursor: delivery is
 * at-least-once, and ClickHouse's ReplacingMergeTree tables, keyed by
 * host and each row's key, make a row sent twice one row
 * (schema/clickhouse/). A failure waits (doubling up to backoff_max_s)
 * and sends the same rows again, after a restart too. Nothing here is on
 * the recording path: the pipeline and the writer never wait for it.
 */
#ifndef RG_SHIP_H
#define RG_SHIP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct rg_store;

struct rg_ship_opts {
	const char *db_path;       /* the recording (read only) */
	const char *url;           /* http(s)://host:port */
	const char *database;      /* the ClickHouse database */
	const char *user;
	const char *password_file; /* "" or NULL: no password */
	const char *ca_file;       /* "" or NULL: the system's CAs */
	const char *host;          /* the host name every row carries */
	int batch_rows, interval_ms, timeout_s, backoff_max_s;
};

struct rg_ship;

/* Opens the connection, reads the password and the cursors the store has,
 * and starts the thread. The store must have been told the destination
 * (rg_store_ship_dest with rg_ship_dest_name's name) before its run
 * began: that reads ship_cursor on the writer's connection. NULL with err
 * filled on failure. */
struct rg_ship *rg_ship_start(const struct rg_ship_opts *o, struct rg_store *store, char *err,
			      size_t errlen);

/* Stops the thread: first, for at most drain_ms, it sends what is
 * committed (the store should be synced before), stopping at the first
 * failure. NULL is fine. */
void rg_ship_stop(struct rg_ship *sh, int drain_ms);

/* The name of a destination in ship_cursor and unshipped gaps: the URL
 * (without a user or password in it) and the database. */
void rg_ship_dest_name(const char *url, const char *database, char *out, size_t outlen);

/* The wait before the next try after a pass (the shipper's backoff):
 * after a failed one interval_ms, then twice the previous wait, and so on
 * up to backoff_max_s; after one that succeeded 0 (no backoff: the next
 * failure waits interval_ms again). *backoff_ms is the state between
 * passes, 0 at the start. */
int64_t rg_ship_backoff_ms(int64_t *backoff_ms, bool failed, int interval_ms, int backoff_max_s);

/* Writes the ClickHouse tables' DDL for database `database`, derived from
 * the SQLite schema this build creates (so columns cannot drift from it,
 * nor so from the field registry that makes the event tables). 0, or -1
 * with err. */
int rg_ship_schema(FILE *out, const char *database, char *err, size_t errlen);

#endif /* RG_SHIP_H */
