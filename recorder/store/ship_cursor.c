/* ship_cursor.c: the shipper's cursors and what retention prunes unshipped
 * (store.h, rg_store_ship_*). The shipper (ship/ship.c) reads the database
 * on a connection of its own and never writes it: its acknowledgements
 * come here, and the writer stores them in table ship_cursor in the
 * transaction it commits next. A crash loses at most the acknowledgements
 * of one batch; those rows are sent again, and ClickHouse drops them. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "clock.h"

/* The cursor of table tbl (mu held); a new one at -1 when there is room. */
static struct ship_cursor *find(struct rg_store *s, const char *tbl)
{
	for (unsigned i = 0; i < s->nship; i++)
		if (!strcmp(s->ship[i].tbl, tbl))
			return &s->ship[i];
	if (s->nship == RG_STORE_SHIP_TABLES || strlen(tbl) >= sizeof(s->ship[0].tbl))
		return NULL;
	struct ship_cursor *c = &s->ship[s->nship++];
	memset(c, 0, sizeof(*c));
	strcpy(c->tbl, tbl);
	c->pos = -1;
	return c;
}

void rg_store_ship_dest(struct rg_store *s, const char *dest)
{
	sqlite3_stmt *st;
	free(s->ship_dest);
	s->ship_dest = rg_strdup(dest);
	s->nship = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT tbl, pos, rows, ts_ns FROM ship_cursor WHERE dest = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ship_cursor *c = find(s, (const char *)sqlite3_column_text(st, 0));
		if (c) {
			c->pos = sqlite3_column_int64(st, 1);
			c->rows = (uint64_t)sqlite3_column_int64(st, 2);
			c->ts_ns = sqlite3_column_int64(st, 3);
		}
	}
	sqlite3_finalize(st);
}

void rg_store_ship_ack(struct rg_store *s, const char *tbl, int64_t pos, uint64_t n)
{
	pthread_mutex_lock(&s->mu);
	struct ship_cursor *c = find(s, tbl);
	if (c && pos > c->pos) {
		c->pos = pos;
		c->rows += n;
		c->ts_ns = rg_wall_ns();
		c->dirty = true;
		s->st.ship_rows += n;
	}
	pthread_mutex_unlock(&s->mu);
}

void rg_store_ship_status(struct rg_store *s, uint64_t failures, uint64_t lag_rows,
			  uint64_t lag_s)
{
	pthread_mutex_lock(&s->mu);
	s->st.ship_failures = failures;
	s->st.ship_lag_rows = lag_rows;
	s->st.ship_lag_s = lag_s;
	pthread_mutex_unlock(&s->mu);
}

int64_t rg_store_ship_pos(struct rg_store *s, const char *tbl)
{
	pthread_mutex_lock(&s->mu);
	struct ship_cursor *c = s->ship_dest ? find(s, tbl) : NULL;
	int64_t pos = c ? c->pos : -1;
	pthread_mutex_unlock(&s->mu);
	return pos;
}

int store_ship_persist(struct rg_store *s)
{
	struct ship_cursor dirty[RG_STORE_SHIP_TABLES];
	unsigned n = 0;
	pthread_mutex_lock(&s->mu);
	for (unsigned i = 0; s->ship_dest && i < s->nship; i++)
		if (s->ship[i].dirty) {
			dirty[n++] = s->ship[i];
			s->ship[i].dirty = false;
		}
	pthread_mutex_unlock(&s->mu);
	if (!n)
		return 0;
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO ship_cursor (dest, tbl, pos, "
				    "rows, ts_ns) VALUES (?, ?, ?, ?, ?)", -1, &st, NULL);
	for (unsigned i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_bind_text(st, 1, s->ship_dest, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, dirty[i].tbl, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, dirty[i].pos);
		sqlite3_bind_int64(st, 4, (int64_t)dirty[i].rows);
		sqlite3_bind_int64(st, 5, dirty[i].ts_ns);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) { /* written with the next transaction */
		pthread_mutex_lock(&s->mu);
		for (unsigned i = 0; i < n; i++) {
			struct ship_cursor *c = find(s, dirty[i].tbl);
			if (c)
				c->dirty = true;
		}
		pthread_mutex_unlock(&s->mu);
	}
	return rc;
}

int64_t store_ship_unshipped(struct rg_store *s, const char *tbl, const char *key,
			     const char *where)
{
	if (!s->ship_dest)
		return 0;
	char sql[400];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE %s AND %s > %lld", tbl, where,
		 key, (long long)rg_store_ship_pos(s, tbl));
	return rg_sql_int(s->db, sql, 0);
}

int store_ship_gap(struct rg_store *s, int64_t start, int64_t end, int64_t n)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT max(gap_id) FROM gaps WHERE reason = 'unshipped' "
			       "AND destination = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, s->ship_dest, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	const char *sql = id ? "UPDATE gaps SET start_ns = min(start_ns, ?1), end_ns = max(end_ns, "
			       "?2), count = count + ?3 WHERE gap_id = ?4"
			     : "INSERT INTO gaps (run_id, start_ns, end_ns, count, reason, "
			       "destination) VALUES (?5, ?1, ?2, ?3, 'unshipped', ?4)";
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, start);
	sqlite3_bind_int64(st, 2, end);
	sqlite3_bind_int64(st, 3, n);
	if (id)
		sqlite3_bind_int64(st, 4, id);
	else
		sqlite3_bind_text(st, 4, s->ship_dest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, s->run_id);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	id = id ? id : sqlite3_last_insert_rowid(s->db);
	if (!rc && store_revise(s->db, "gaps", "gap_id", id))
		rc = -1;
	store_chain_note_gap(s, id);
	return rc;
}
