/* ship.c: the shipper's thread, its tables and their ClickHouse DDL (ship.h). */
#include "ship.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "caps.h"
#include "clock.h"
#include "jsonesc.h"
#include "row.h"
#include "schema.h"
#include "store.h"

/* ---- the shipped tables ------------------------------------------------------ */

/* A table whose rows only grow is shipped by seq; one whose rows change
 * by ship_rev (schema/019_ship.sql), the version ClickHouse keeps. The
 * ORDER BY is ClickHouse's sort and dedup key: host first (the fleet's
 * questions name hosts and times), then what makes a row unique on its
 * host. The signed checkpoints (store/sign.h) only grow too, keyed by
 * their link: centrally they are the host's heads off the host, which
 * `rgq verify --checkpoints` compares with its database (docs/fleet.md). */
struct ship_table {
	const char *name;
	const char *key;      /* seq, ship_rev or link */
	const char *order_by;
	bool by_day;          /* PARTITION BY the day of ts_ns */
	bool hex_blobs;       /* BLOB columns as lowercase hex (binary, not text) */
};

static const struct ship_table tables[] = {
	{"process_events", "seq", "host, event_type, ts_ns, seq", true},
	{"file_events", "seq", "host, event_type, ts_ns, seq", true},
	{"network_events", "seq", "host, event_type, ts_ns, seq", true},
	{"system_events", "seq", "host, event_type, ts_ns, seq", true},
	{"alerts", "seq", "host, ts_ns, seq", true},
	{"health", "seq", "host, ts_ns, seq", true},
	{"processes", "ship_rev", "host, boot_id, proc_id", false},
	{"runs", "ship_rev", "host, run_id", false},
	{"gaps", "ship_rev", "host, gap_id", false},
	{"checkpoints", "link", "host, link", false, true},
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

/* Body bytes of one request at most (past batch_rows' own bound): the
 * shipper's memory is this and one row. */
#define MAX_BODY (16u << 20)
/* What the body's buffer is given at the start: at least MAX_BODY and room
 * for the row that passes it (the buffer's capacity is a power of two: 32
 * MiB of address space, which a body never outgrows). Only the pages written
 * are resident; a buffer that grew by doubling instead held the old copy
 * and the new at once, twice the body at its peak (tests/live/
 * test_ship_memory.sh measures it). */
#define BODY_RESERVE (MAX_BODY + (1u << 20))

/* A column as SQLite declares it; `extra` ones are not in the table but
 * computed for the row (the run and boot of a seq row, from runs). */
struct col {
	char *name;
	const char *ch_type; /* ClickHouse type */
	bool nullable;
	char *expr;          /* the SELECT expression */
};

struct tinfo {
	struct col *cols;
	int ncols;
	bool has_host; /* runs: its own host column is the one */
};

static void free_tinfo(struct tinfo *ti)
{
	for (int i = 0; i < ti->ncols; i++) {
		free(ti->cols[i].name);
		free(ti->cols[i].expr);
	}
	free(ti->cols);
	memset(ti, 0, sizeof(*ti));
}

static void add_col(struct tinfo *ti, const char *name, const char *ch_type, bool nullable,
		    const char *expr)
{
	ti->cols = rg_realloc(ti->cols, (size_t)(ti->ncols + 1) * sizeof(*ti->cols));
	struct col *c = &ti->cols[ti->ncols++];
	c->name = rg_strdup(name);
	c->ch_type = ch_type;
	c->nullable = nullable;
	c->expr = rg_strdup(expr);
}

static const char *ch_type(const char *decl)
{
	if (!decl)
		return "String";
	if (strstr(decl, "INT"))
		return "Int64";
	if (strstr(decl, "REAL"))
		return "Float64";
	return "String"; /* TEXT, BLOB: bytes */
}

/* The table a view's rows are in (schema/023), or NULL when name is one. */
static const char *rows_of(const char *name)
{
	for (unsigned t = 0; t < RG_N_EVENT_TABLES; t++)
		if (!strcmp(rg_event_tables[t].name, name) && rg_row_compact(t))
			return rg_event_tables[t].rows;
	return NULL;
}

/* Column col of a view is NOT NULL (or the key) in its rows' table, as
 * itself or as the number of its name (event_type_id) or clock (boot_ns,
 * schema/026), or in `actors` (schema/025: pid, uid, gid; the tid, NULL
 * in a row when it is the pid, is as the pid): a view's own PRAGMA
 * table_info says nothing of it. */
static bool view_notnull(sqlite3 *db, const char *rows, const char *col)
{
	sqlite3_stmt *st;
	bool nn = false;
	if (sqlite3_prepare_v2(db, "SELECT \"notnull\" OR pk FROM pragma_table_info(?1) "
				   "WHERE name = ?2 OR name = ?2 || '_id' OR "
				   "name = iif(?2 = 'boot_ns', 'clock_id', NULL) UNION ALL "
				   "SELECT \"notnull\" FROM pragma_table_info('actors') "
				   "WHERE name = iif(?2 = 'tid', 'pid', ?2)", -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, rows, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, col, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		nn |= sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	return nn;
}

/* The table's columns from PRAGMA table_info, and the run and boot of
 * rows that lack them: host, boot_id, run_id and the key are on every
 * row centrally. */
static int load_tinfo(sqlite3 *db, const struct ship_table *t, struct tinfo *ti)
{
	char sql[128], expr[320];
	sqlite3_stmt *st;
	bool has_run = false, has_boot = false;
	const char *rows = rows_of(t->name);
	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", t->name);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		bool notnull = sqlite3_column_int(st, 3) || sqlite3_column_int(st, 5) ||
			       (rows && view_notnull(db, rows, name));
		const char *decl = (const char *)sqlite3_column_text(st, 2);
		if (rows && !strcmp(name, "boot_ns")) /* ts_ns less its clock's offset */
			decl = "INTEGER";
		/* hashes, keys and signatures: hex, as the NDJSON checkpoint line
		 * carries them (JSON strings cannot carry arbitrary bytes) */
		if (t->hex_blobs && decl && strstr(decl, "BLOB"))
			snprintf(expr, sizeof(expr), "lower(hex(t.\"%s\"))", name);
		else
			snprintf(expr, sizeof(expr), "t.\"%s\"", name);
		add_col(ti, name, ch_type(decl), !notnull, expr);
		has_run |= !strcmp(name, "run_id");
		has_boot |= !strcmp(name, "boot_id");
		ti->has_host |= !strcmp(name, "host");
	}
	sqlite3_finalize(st);
	if (!ti->ncols)
		return -1;
	const char *run = "t.run_id";
	if (!has_run && !strcmp(t->key, "seq")) {
		/* runs continue the seq of the run before: the row's run is the
		 * last that started at or before it */
		run = "(SELECT r.run_id FROM runs r WHERE r.first_seq <= t.seq ORDER BY r.first_seq "
		      "DESC, r.run_id DESC LIMIT 1)";
		add_col(ti, "run_id", "Int64", false, run);
		has_run = true;
	}
	if (!has_boot && has_run) {
		snprintf(expr, sizeof(expr), "(SELECT r2.boot_id FROM runs r2 WHERE r2.run_id = %s)",
			 run);
		add_col(ti, "boot_id", "String", false, expr);
	}
	return 0;
}

/* ---- DDL --------------------------------------------------------------------- */

static void ddl_table(struct rg_buf *b, const char *db, const struct ship_table *t,
		      const struct tinfo *ti)
{
	rg_buf_printf(b, "CREATE TABLE IF NOT EXISTS %s.%s\n(\n    %s", db, t->name,
		      ti->has_host ? "" : "host String,\n    ");
	for (int i = 0; i < ti->ncols; i++)
		rg_buf_printf(b, "%s%s %s%s%s", i ? ",\n    " : "", ti->cols[i].name,
			      ti->cols[i].nullable ? "Nullable(" : "", ti->cols[i].ch_type,
			      ti->cols[i].nullable ? ")" : "");
	if (t->by_day)
		rg_buf_adds(b, ",\n    time DateTime MATERIALIZED toDateTime(intDiv(ts_ns, 1000000000))");
	rg_buf_printf(b, "\n)\nENGINE = ReplacingMergeTree(%s)\n",
		      strcmp(t->key, "ship_rev") ? "" : "ship_rev");
	if (t->by_day)
		rg_buf_adds(b, "PARTITION BY toDate(toDateTime(intDiv(ts_ns, 1000000000)))\n");
	rg_buf_printf(b, "ORDER BY (%s);\n\n", t->order_by);
}

int rg_ship_schema(FILE *out, const char *database, char *err, size_t errlen)
{
	sqlite3 *db;
	struct rg_buf b = {0};
	int rc = -1;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
		snprintf(err, errlen, "sqlite: cannot open a memory database");
		return -1;
	}
	for (unsigned i = 0; i < rg_nschema_files; i++)
		if (sqlite3_exec(db, rg_schema_files[i].sql, NULL, NULL, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: %s", rg_schema_files[i].name, sqlite3_errmsg(db));
			goto out;
		}
	rg_buf_printf(&b, "-- The central tables, one per shipped SQLite table (rand-guard "
		      "--clickhouse-schema;\n-- do not edit: regenerate). See docs/fleet.md.\n\n"
		      "CREATE DATABASE IF NOT EXISTS %s;\n\n", database);
	for (unsigned t = 0; t < NTABLES; t++) {
		struct tinfo ti = {0};
		if (load_tinfo(db, &tables[t], &ti)) {
			snprintf(err, errlen, "%s: no such table", tables[t].name);
			goto out;
		}
		ddl_table(&b, database, &tables[t], &ti);
		free_tinfo(&ti);
	}
	fputs(rg_buf_cstr(&b), out);
	rc = 0;
out:
	rg_buf_free(&b);
	sqlite3_close(db);
	return rc;
}

/* ---- the thread --------------------------------------------------------------- */

struct rg_ship {
	struct rg_ship_opts o;
	struct rg_store *store;
	sqlite3 *db;
	CURL *curl;
	char *url_base;  /* url/?query=INSERT INTO db. */
	char *password;
	char dest[512];
	struct tinfo ti[NTABLES];
	sqlite3_stmt *sel[NTABLES];
	int64_t pos[NTABLES];
	struct rg_buf body;
	char curl_err[CURL_ERROR_SIZE]; /* libcurl's why (the certificate's fault, ...) */
	uint64_t failures;
	int64_t last_complaint;
	int64_t last_lag;    /* mono ns of the last lag count */

	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	bool stop;
	int64_t drain_until; /* mono ns: after stop, send until then */
};

void rg_ship_dest_name(const char *url, const char *database, char *out, size_t outlen)
{
	/* a user:password@ in the URL is no part of the name */
	const char *p = strstr(url, "://");
	const char *at = p ? strchr(p + 3, '@') : NULL;
	const char *slash = p ? strchr(p + 3, '/') : NULL;
	if (at && (!slash || at < slash))
		snprintf(out, outlen, "%.*s%s %s", (int)(p + 3 - url), url, at + 1, database);
	else
		snprintf(out, outlen, "%s %s", url, database);
}

static void complain(struct rg_ship *sh, const char *fmt, const char *a, const char *b)
{
	int64_t now = rg_mono_ns();
	if (sh->last_complaint && now - sh->last_complaint < 10000000000LL)
		return;
	sh->last_complaint = now;
	fprintf(stderr, "rand-guard: ship: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
}

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
	struct rg_buf *reply = user;
	if (reply->len < 512)
		rg_buf_add(reply, p, size * n < 512 ? size * n : 512);
	return size * n;
}

/* POSTs the body as an INSERT into table t; 0 once ClickHouse said 200. */
static int post(struct rg_ship *sh, unsigned t)
{
	char url[1024];
	long code = 0;
	struct rg_buf reply = {0};
	snprintf(url, sizeof(url), "%s%s%%20FORMAT%%20JSONEachRow", sh->url_base, tables[t].name);
	curl_easy_setopt(sh->curl, CURLOPT_URL, url);
	curl_easy_setopt(sh->curl, CURLOPT_POSTFIELDS, sh->body.p);
	curl_easy_setopt(sh->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)sh->body.len);
	curl_easy_setopt(sh->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(sh->curl, CURLOPT_WRITEDATA, &reply);
	sh->curl_err[0] = '\0';
	CURLcode rc = curl_easy_perform(sh->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(sh->curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK)
		complain(sh, "%s: %s", tables[t].name,
			 sh->curl_err[0] ? sh->curl_err : curl_easy_strerror(rc));
	else if (code != 200)
		complain(sh, "%s: ClickHouse said %s", tables[t].name, rg_buf_cstr(&reply));
	rg_buf_free(&reply);
	return rc == CURLE_OK && code == 200 ? 0 : -1;
}

/* One column's value as JSON; false for NULL (the key is left out:
 * ClickHouse then stores its default, NULL for a Nullable column). */
static bool add_value(struct rg_buf *b, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER: rg_buf_add_i64(b, sqlite3_column_int64(st, i)); return true;
	case SQLITE_FLOAT: rg_buf_printf(b, "%.17g", sqlite3_column_double(st, i)); return true;
	case SQLITE_NULL: return false;
	default: { /* text and blobs: bytes, escaped as NDJSON escapes them */
		const char *p = sqlite3_column_blob(st, i);
		rg_json_str(b, p ? p : "", (size_t)sqlite3_column_bytes(st, i));
		return true;
	}
	}
}

/* Reads table t's next rows into the body in one short read transaction
 * (the WAL is never held across a request). The rows read, their
 * highest key in *last; -1 on an SQLite error. */
static int64_t read_rows(struct rg_ship *sh, unsigned t, int64_t *last)
{
	sqlite3_stmt *st = sh->sel[t];
	const struct tinfo *ti = &sh->ti[t];
	int64_t n = 0;
	int rc = SQLITE_DONE;
	sh->body.len = 0;
	if (sqlite3_exec(sh->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, sh->pos[t]);
	sqlite3_bind_int(st, 2, sh->o.batch_rows);
	while (sh->body.len < MAX_BODY && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sep = "{";
		if (!ti->has_host) {
			rg_buf_adds(&sh->body, "{\"host\":");
			rg_json_str_c(&sh->body, sh->o.host);
			sep = ",";
		}
		for (int i = 0; i < ti->ncols; i++) {
			size_t mark = sh->body.len;
			rg_buf_printf(&sh->body, "%s\"%s\":", sep, ti->cols[i].name);
			if (add_value(&sh->body, st, i))
				sep = ",";
			else
				sh->body.len = mark;
		}
		rg_buf_adds(&sh->body, "}\n");
		*last = sqlite3_column_int64(st, ti->ncols); /* the key, after the columns */
		n++;
	}
	if (n == 0 && rc != SQLITE_DONE)
		n = -1;
	sqlite3_reset(st);
	sqlite3_exec(sh->db, "COMMIT", NULL, NULL, NULL);
	return n;
}

/* Sends table t's next batch. Rows sent (0: none waiting), or -1. */
static int64_t ship_batch(struct rg_ship *sh, unsigned t)
{
	int64_t last = 0, n = read_rows(sh, t, &last);
	if (n <= 0)
		return n;
	if (post(sh, t))
		return -1;
	sh->pos[t] = last;
	rg_store_ship_ack(sh->store, tables[t].name, last, (uint64_t)n);
	return n;
}

/* Rows not acknowledged yet, and the age of the oldest of them. */
static void lag(struct rg_ship *sh, uint64_t *rows, uint64_t *age_s)
{
	char sql[256];
	int64_t oldest = INT64_MAX;
	*rows = 0;
	sqlite3_exec(sh->db, "BEGIN", NULL, NULL, NULL);
	for (unsigned t = 0; t < NTABLES; t++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE %s > %lld", tables[t].name,
			 tables[t].key, (long long)sh->pos[t]);
		*rows += (uint64_t)rg_sql_int(sh->db, sql, 0);
		if (tables[t].by_day) {
			snprintf(sql, sizeof(sql), "SELECT ts_ns FROM %s WHERE seq > %lld ORDER BY "
				 "seq LIMIT 1", tables[t].name, (long long)sh->pos[t]);
			int64_t ts = rg_sql_int(sh->db, sql, INT64_MAX);
			oldest = ts < oldest ? ts : oldest;
		}
	}
	sqlite3_exec(sh->db, "COMMIT", NULL, NULL, NULL);
	int64_t now = rg_wall_ns();
	*age_s = oldest == INT64_MAX || oldest > now ? 0 : (uint64_t)((now - oldest) / 1000000000);
}

/* One pass over the tables: 1 when a table had a full batch (more is
 * waiting), 0 when all are sent, -1 on a failure. */
static int pass(struct rg_ship *sh)
{
	int more = 0;
	for (unsigned t = 0; t < NTABLES; t++) {
		int64_t n = ship_batch(sh, t);
		if (n < 0) {
			sh->failures++;
			return -1;
		}
		if (n >= sh->o.batch_rows || sh->body.len >= MAX_BODY)
			more = 1;
	}
	return more;
}

/* Waits ms or until stopped; true when stopping. */
static bool pause_ms(struct rg_ship *sh, int64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t ns = ts.tv_nsec + (ms % 1000) * 1000000;
	ts.tv_sec += ms / 1000 + ns / 1000000000;
	ts.tv_nsec = ns % 1000000000;
	pthread_mutex_lock(&sh->mu);
	if (!sh->stop)
		pthread_cond_timedwait(&sh->wake, &sh->mu, &ts);
	bool stop = sh->stop;
	pthread_mutex_unlock(&sh->mu);
	return stop;
}

int64_t rg_ship_backoff_ms(int64_t *backoff_ms, bool failed, int interval_ms, int backoff_max_s)
{
	if (!failed)
		return *backoff_ms = 0;
	int64_t cap = backoff_max_s * 1000LL;
	int64_t next = *backoff_ms ? *backoff_ms * 2 : interval_ms;
	return *backoff_ms = next < cap ? next : cap;
}

static void *ship_main(void *arg)
{
	struct rg_ship *sh = arg;
	int64_t backoff = 0;
	pthread_setname_np(pthread_self(), "rg-ship"); /* for top -H, ps -L */
	rg_caps_drop_all(); /* it talks to the network: no privilege */
	for (;;) {
		int r = pass(sh);
		/* counted at most once a second: a long backlog costs a scan */
		if (r != 1 || rg_mono_ns() - sh->last_lag >= 1000000000) {
			uint64_t rows, age;
			lag(sh, &rows, &age);
			rg_store_ship_status(sh->store, sh->failures, rows, age);
			sh->last_lag = rg_mono_ns();
		}
		pthread_mutex_lock(&sh->mu);
		bool stop = sh->stop;
		int64_t until = sh->drain_until;
		pthread_mutex_unlock(&sh->mu);
		if (stop && (r != 1 || rg_mono_ns() >= until))
			break;
		int64_t wait = rg_ship_backoff_ms(&backoff, r < 0, sh->o.interval_ms,
						  sh->o.backoff_max_s);
		if (wait) { /* the same rows again, after the wait */
			if (pause_ms(sh, wait))
				break;
			continue;
		}
		if (r == 0 && pause_ms(sh, sh->o.interval_ms) && rg_mono_ns() >= sh->drain_until)
			break;
	}
	return NULL;
}

/* ---- start and stop ------------------------------------------------------------- */

static char *read_password(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char line[512];
	if (!f) {
		snprintf(err, errlen, "[ship] password_file: %s: %s", path, strerror(errno));
		return NULL;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	return rg_strdup(line);
}

static int prepare(struct rg_ship *sh, char *err, size_t errlen)
{
	for (unsigned t = 0; t < NTABLES; t++) {
		struct rg_buf q = {0};
		if (load_tinfo(sh->db, &tables[t], &sh->ti[t])) {
			snprintf(err, errlen, "ship: %s: no such table", tables[t].name);
			return -1;
		}
		rg_buf_adds(&q, "SELECT ");
		for (int i = 0; i < sh->ti[t].ncols; i++)
			rg_buf_printf(&q, "%s, ", sh->ti[t].cols[i].expr);
		rg_buf_printf(&q, "t.%s FROM %s t WHERE t.%s > ?1 ORDER BY t.%s LIMIT ?2",
			      tables[t].key, tables[t].name, tables[t].key, tables[t].key);
		int rc = sqlite3_prepare_v3(sh->db, rg_buf_cstr(&q), -1, SQLITE_PREPARE_PERSISTENT,
					    &sh->sel[t], NULL);
		rg_buf_free(&q);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "ship: %s: %s", tables[t].name, sqlite3_errmsg(sh->db));
			return -1;
		}
		/* below every key: rows from before schema 019 have ship_rev 0 */
		sh->pos[t] = rg_store_ship_pos(sh->store, tables[t].name);
	}
	return 0;
}

static int setup_curl(struct rg_ship *sh, char *err, size_t errlen)
{
	const struct rg_ship_opts *o = &sh->o;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) || !(sh->curl = curl_easy_init())) {
		snprintf(err, errlen, "ship: libcurl did not start");
		return -1;
	}
	char *q = curl_easy_escape(sh->curl, "INSERT INTO ", 0);
	struct rg_buf b = {0};
	size_t n = strlen(o->url);
	rg_buf_printf(&b, "%.*s/?query=%s%s.", (int)(n && o->url[n - 1] == '/' ? n - 1 : n), o->url,
		      q, o->database);
	curl_free(q);
	sh->url_base = rg_strdup(rg_buf_cstr(&b));
	rg_buf_free(&b);
	curl_easy_setopt(sh->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(sh->curl, CURLOPT_ERRORBUFFER, sh->curl_err);
	curl_easy_setopt(sh->curl, CURLOPT_TIMEOUT, (long)o->timeout_s);
	curl_easy_setopt(sh->curl, CURLOPT_CONNECTTIMEOUT, (long)(o->timeout_s < 10 ? o->timeout_s : 10));
	curl_easy_setopt(sh->curl, CURLOPT_USERNAME, o->user);
	curl_easy_setopt(sh->curl, CURLOPT_PASSWORD, sh->password ? sh->password : "");
	curl_easy_setopt(sh->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(sh->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (o->ca_file && o->ca_file[0])
		curl_easy_setopt(sh->curl, CURLOPT_CAINFO, o->ca_file);
	return 0;
}

static void free_ship(struct rg_ship *sh)
{
	for (unsigned t = 0; t < NTABLES; t++) {
		sqlite3_finalize(sh->sel[t]);
		free_tinfo(&sh->ti[t]);
	}
	sqlite3_close(sh->db);
	if (sh->curl)
		curl_easy_cleanup(sh->curl);
	if (sh->password) {
		memset(sh->password, 0, strlen(sh->password));
		free(sh->password);
	}
	free(sh->url_base);
	rg_buf_free(&sh->body);
	pthread_mutex_destroy(&sh->mu);
	pthread_cond_destroy(&sh->wake);
	free(sh);
}

struct rg_ship *rg_ship_start(const struct rg_ship_opts *o, struct rg_store *store, char *err,
			      size_t errlen)
{
	struct rg_ship *sh = rg_calloc(1, sizeof(*sh));
	sh->o = *o;
	sh->store = store;
	pthread_mutex_init(&sh->mu, NULL);
	pthread_cond_init(&sh->wake, NULL);
	rg_ship_dest_name(o->url, o->database, sh->dest, sizeof(sh->dest));
	if (o->password_file && o->password_file[0] &&
	    !(sh->password = read_password(o->password_file, err, errlen)))
		goto fail;
	if (sqlite3_open_v2(o->db_path, &sh->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "ship: %s: %s", o->db_path, sqlite3_errmsg(sh->db));
		goto fail;
	}
	sqlite3_busy_timeout(sh->db, 5000);
	if (prepare(sh, err, errlen) || setup_curl(sh, err, errlen))
		goto fail;
	rg_buf_grow(&sh->body, BODY_RESERVE);
	if (pthread_create(&sh->thread, NULL, ship_main, sh)) {
		snprintf(err, errlen, "ship: cannot start its thread");
		goto fail;
	}
	return sh;
fail:
	free_ship(sh);
	return NULL;
}

void rg_ship_stop(struct rg_ship *sh, int drain_ms)
{
	if (!sh)
		return;
	pthread_mutex_lock(&sh->mu);
	sh->stop = true;
	sh->drain_until = rg_mono_ns() + (int64_t)drain_ms * 1000000;
	pthread_cond_signal(&sh->wake);
	pthread_mutex_unlock(&sh->mu);
	pthread_join(sh->thread, NULL);
	free_ship(sh);
}
