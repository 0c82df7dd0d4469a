/* test_migrate_compact.c: schemas 023 to 028 upgrade a database at 22
 * without changing what its rows say. process_events, file_events and
 * network_events become views over process_rows, file_rows and
 * network_rows, whose rows refer to `actors`, `images` (exe, comm),
 * `names` (event type, syscall, ...) and `clocks` by number. The views must give
 * the rows the tables held, value for value and storage type for storage
 * type, and the chain must hash each row as before, or links made before
 * the upgrade no longer verify. Edits through the views land in the rows'
 * tables. */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chain.h"
#include "schema.h"
#include "store.h"
#include "store_db.h"
#include "tap.h"

static const struct rg_store_opts opts = {100, 20, 1024};

/* ---- the database at 22 ---------------------------------------------------- */

static bool run(sqlite3 *h, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) == SQLITE_OK)
		return true;
	printf("# %s\n#   in: %.200s\n", msg ? msg : "?", sql);
	sqlite3_free(msg);
	return false;
}

/* The first column of the first row of a query, as an integer; -1 on an
 * error (no count below is negative). */
static int64_t num(sqlite3 *h, const char *fmt, ...)
{
	char sql[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	sqlite3_stmt *st;
	int64_t v = -1;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		printf("# %s\n#   in: %s\n", sqlite3_errmsg(h), sql);
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A database as a recorder of schema 22 left it: the embedded files up to
 * 022, applied as store_migrate applies them (user_version after each). */
static sqlite3 *make_v22(const char *path)
{
	sqlite3 *h;
	char sql[64];
	bool ok = sqlite3_open(path, &h) == SQLITE_OK;
	for (unsigned i = 0; ok && i < rg_nschema_files && rg_schema_files[i].version <= 22; i++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", rg_schema_files[i].version);
		ok = run(h, rg_schema_files[i].sql) && run(h, sql);
	}
	CHECK(ok, "builds a database at schema 22");
	CHECK_INT(num(h, "PRAGMA user_version"), 22, "at user_version 22");
	/* the store refuses to touch a database without it */
	CHECK_INT(num(h, "SELECT count(*) FROM meta WHERE key = 'format' AND value = 'rand-guard'"),
		  1, "the files wrote the meta format row");
	CHECK_INT(num(h, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
			 "name IN ('file_events', 'network_events')"),
		  2, "file_events and network_events are tables at 22");
	return h;
}

/* ---- rows, as SQL literals --------------------------------------------------- */

/* (exe, comm) pairs: neither, one, both; the same exe with two comms; empty
 * strings (not NULL); bytes that are not UTF-8, a newline and a control
 * byte in a TEXT value; the same kind of bytes as a BLOB (another value to
 * SQLite); UTF-8. The last is used by network rows only. */
static const char *const images[][2] = {
	{"NULL", "NULL"},
	{"'/usr/bin/cat'", "NULL"},
	{"NULL", "'cat'"},
	{"'/usr/bin/cat'", "'cat'"},
	{"'/usr/bin/cat'", "'dog'"},
	{"''", "''"},
	{"CAST(X'2f746d702fff0a01fe' AS TEXT)", "'x''y'"},
	{"X'2f746d702fff'", "'cat'"},
	{"'/opt/\xe6\x97\xa5/bin'", "'\xe6\x97\xa5'"},
	{"'/usr/sbin/sshd'", "'sshd'"},
};
#define N_IMAGES (sizeof(images) / sizeof(images[0]))

static const char *const file_types[] = {"'file_open'", "'file_write'", "'file_rename'",
					 "'file_unlink'", "'file_chmod'", "'file_setxattr'"};
/* 'file_open' as a syscall too: one names row serves both */
static const char *const file_calls[] = {"'openat'", "'openat2'", "NULL", "'renameat2'",
					 "'unlinkat'", "'fchmodat'", "'file_open'"};
static const char *const paths[] = {"'/etc/passwd'", "''", "CAST(X'2f746d702f8081' AS TEXT)",
				    "'/home/u/a b/\xc3\xa9t\xc3\xa9'", "'/var/log/syslog'"};
static const char *const net_types[] = {"'network_connect'", "'network_bind'",
					"'network_listen'", "'network_accept'", "'dns_query'",
					"'dns_answer'"};
static const char *const net_calls[] = {"'connect'", "'bind'", "NULL", "'sendto'", "'openat'"};
/* schema/027: these are names too */
static const char *const net_families[] = {"'ipv6'", "'ipv4'"};
static const char *const net_protocols[] = {"'udp'", "'tcp'"};
/* a BLOB, an empty one and one that is a syscall's name already */
static const char *const net_locals[] = {"'0.0.0.0'", "'192.168.1.5'", "X'0a0b'", "''",
					 "'connect'"};
/* schema/028: a process row's event type, syscall, SHA-256 and hash
 * status are names: a BLOB, an empty one, one that is an event type */
static const char *const proc_types[] = {"'process_start'", "'process_exit'",
					 "'process_relationship'", "'process_exec_failed'",
					 "'binary_hashed'"};
static const char *const proc_calls[] = {"'execve'", "NULL", "'execveat'"};
static const char *const proc_shas[] = {
	"'9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'", "NULL",
	"X'9f86d0'", "''", "'process_exit'"};
static const char *const proc_statuses[] = {"'ok'", "'too_large'", "NULL"};
#define N(a) (sizeof(a) / sizeof((a)[0]))
#define FILE_ROWS 32
#define NET_ROWS 20
#define PROC_ROWS 30

/* An integer literal (from a ring: a row takes several). */
static const char *lit(long long v)
{
	static char ring[32][24];
	static unsigned i;
	char *s = ring[i++ % 32];
	snprintf(s, 24, "%lld", v);
	return s;
}

/* v on rows where i % k is not 0, NULL on the others: each column with
 * its own k, so that rows hold many mixes of NULL and set. */
static const char *some(int i, int k, const char *v)
{
	return i % k ? v : "NULL";
}

static void add_row(struct rg_buf *b, const char *table, const char *cols,
		    const char *const *v, size_t n)
{
	rg_buf_printf(b, "INSERT INTO %s (%s) VALUES (", table, cols);
	for (size_t k = 0; k < n; k++)
		rg_buf_printf(b, "%s%s", k ? ", " : "", v[k]);
	rg_buf_adds(b, ");\n");
}

/* Besides the mixes of NULL: a REAL and a TEXT in INTEGER columns (SQLite
 * keeps them as they are), the largest integer, seqs with gaps and one
 * far out. */
static bool insert_file_rows(sqlite3 *h)
{
	struct rg_buf b = {0};
	for (int i = 0; i < FILE_ROWS; i++) {
		const char *const *img = images[i % (N_IMAGES - 1)];
		const char *type = file_types[i % N(file_types)];
		const char *const v[] = {
			lit(i == FILE_ROWS - 1 ? 1LL << 40 : 100 + 7 * i), /* seq */
			type, lit(1700000000000000000LL + 1000 * i),
			lit(5 + 1000 * i + (i % 3 == 1 ? 250 : 0)), /* boot_ns: two clocks */
			some(i, 3, lit(1000 + i / 2)),			   /* proc_id */
			lit(4000 + i), lit(4000 + i + i % 2),		   /* pid, tid */
			i % 4 ? "1000" : "0", i % 4 ? "1000" : "0",	   /* uid, gid */
			some(i, 3, lit(1 + i / 2)), some(i, 3, lit(900 + i / 2)), /* ppid, parent */
			img[1], img[0], file_calls[i % N(file_calls)], paths[i % N(paths)],
			i % 4 == 2 ? "'/tmp/new'" : "NULL", lit(i * 577), /* new_path, flags */
			some(i, 5, i % 5 == 4 ? "1.5" : "420"),		   /* mode */
			i % 6 ? "0" : "-13", i % 9 ? "0" : "1",		   /* result, path_truncated */
			i % 4 == 2 ? "0" : "NULL",			   /* new_path_truncated */
			i == 7 ? "'abc'" : some(i, 2, lit(i)), some(i, 2, "100"), /* owner_uid, gid */
			i == 3 ? "9223372036854775807" : some(i, 2, lit(1690000000000000000LL + i)),
			!strcmp(type, "'file_setxattr'") ? "'user.x'" : "NULL", /* xattr_name */
			i % 5 == 1 ? "'/host/root/etc/x'" : "NULL",	   /* host_path */
		};
		add_row(&b, "file_events",
			"seq, event_type, ts_ns, boot_ns, proc_id, pid, tid, uid, gid, ppid, "
			"parent_proc_id, comm, exe, syscall, path, new_path, flags, mode, result, "
			"path_truncated, new_path_truncated, owner_uid, owner_gid, mtime_ns, "
			"xattr_name, host_path",
			v, N(v));
	}
	bool ok = run(h, rg_buf_cstr(&b));
	rg_buf_free(&b);
	return ok;
}

/* Connects, binds, listens, accepts and DNS rows: addresses, ports and
 * sockets where the type has them, the DNS columns on DNS rows. */
static bool insert_net_rows(sqlite3 *h)
{
	struct rg_buf b = {0};
	for (int i = 0; i < NET_ROWS; i++) {
		const char *const *img = images[i % N_IMAGES];
		int ty = i % (int)N(net_types);
		bool peer = ty == 0 || ty >= 4, bound = ty == 1 || ty == 2, dns = ty >= 4,
		     answer = ty == 5;
		const char *const v[] = {
			lit(50 + 11 * i), net_types[ty], lit(1700000000000500000LL + 1000 * i),
			lit(7 + 1000 * i), some(i, 4, lit(2000 + i)),	/* ..., proc_id */
			lit(5000 + i), lit(5000 + i), "0", "0",		/* pid, tid, uid, gid */
			some(i, 4, "1"), some(i, 4, "1"),		/* ppid, parent_proc_id */
			img[1], img[0], net_calls[i % N(net_calls)], i % 7 ? "0" : "-111",
			net_families[i % 2], i % 4 == 3 ? "NULL" : net_protocols[i % 2],
			bound ? net_locals[0] : some(i, 3, net_locals[1 + i % 4]),
			some(i, 3, lit(30000 + i)),
			peer ? "'10.0.0.53'" : "NULL", peer ? "53" : "NULL", /* remote_addr, port */
			some(i, 5, lit(77000 + i)), ty == 3 ? lit(88000 + i) : "NULL", /* sockets */
			dns ? "'example.com'" : "NULL", dns ? (i % 2 ? "'AAAA'" : "'A'") : "NULL",
			answer ? (i % 4 == 1 ? "3" : "0") : "NULL", /* dns_rcode */
			answer ? "'93.184.216.34,2606:2800::1'" : "NULL",
			ty == 0 ? "'example.com'" : "NULL", /* remote_hostname */
		};
		add_row(&b, "network_events",
			"seq, event_type, ts_ns, boot_ns, proc_id, pid, tid, uid, gid, ppid, "
			"parent_proc_id, comm, exe, syscall, result, family, protocol, local_addr, "
			"local_port, remote_addr, remote_port, socket_id, new_socket_id, dns_query, "
			"dns_type, dns_rcode, dns_answers, remote_hostname",
			v, N(v));
	}
	bool ok = run(h, rg_buf_cstr(&b));
	rg_buf_free(&b);
	return ok;
}

/* Each kind of process row with the columns of its kind; an exit or fork
 * row shares its clock offsets with the file rows (three clocks in all). */
/* A process row's seq: most in block 0 of 65 536; one in block 3 with a
 * command line block 0's rows have, one below 0 and one at 2^62 (only an
 * edit makes those: schema/031 numbers their command lines below 0). */
static long long proc_seq(int i)
{
	return i == 26 ? 3 * 65536 + 5 : i == 27 ? -7 : i == 29 ? 4611686018427387904LL
							      : 10000 + 13 * i;
}

static bool insert_proc_rows(sqlite3 *h)
{
	struct rg_buf b = {0};
	for (int i = 0; i < PROC_ROWS; i++) {
		const char *const *img = images[i % (N_IMAGES - 1)];
		int ty = i % (int)N(proc_types);
		bool start = ty == 0, hashed = ty == 0 || ty == 4;
		const char *const v[] = {
			lit(proc_seq(i)), proc_types[ty], lit(1700000000000900000LL + 1000 * i),
			lit(900005 + 1000 * i + (i % 3 == 1 ? 250 : 0)), /* boot_ns */
			some(i, 4, lit(3000 + i)), lit(6000 + i), lit(6000 + i + i % 3 / 2),
			i % 4 ? "1000" : "0", i % 4 ? "1000" : "0",	/* uid, gid */
			some(i, 3, lit(1 + i / 2)), some(i, 3, lit(700 + i / 2)), img[1], img[0],
			ty == 2 ? "'/bin/sh -c make'" : some(i, 4, "'cat /etc/passwd'"),
			start ? (i % 2 ? "X'636174002f6574632f70617373776400'" : "X''") : "NULL",
			start ? "2" : "NULL", start ? some(i, 3, "'/home/u'") : "NULL", /* cwd */
			start ? "0" : "NULL", proc_calls[i % N(proc_calls)],
			ty == 2 ? some(i, 3, lit(3100 + i)) : "NULL", ty == 2 ? lit(6100 + i) : "NULL",
			ty == 1 ? (i % 2 ? "137" : "0") : "NULL", ty == 1 ? "9" : "NULL",
			ty == 1 ? "0" : "NULL",
			hashed ? proc_shas[(i / 5 + ty) % N(proc_shas)] : "NULL",
			hashed ? proc_statuses[i % N(proc_statuses)] : "NULL",
			ty == 3 ? "'/usr/local/bin/cc'" : "NULL", ty == 3 ? "-2" : "NULL",
			start ? some(i, 2, "'u'") : "NULL", start && i % 5 == 0 ? "'abc123'" : "NULL",
			hashed ? some(i, 3, lit(1234567 + i)) : "NULL", /* exe_ino */
		};
		add_row(&b, "process_events",
			"seq, event_type, ts_ns, boot_ns, proc_id, pid, tid, uid, gid, ppid, "
			"parent_proc_id, comm, exe, cmdline, argv, argc, cwd, euid, syscall, "
			"child_proc_id, child_pid, exit_code, signal, core_dumped, exe_sha256, "
			"hash_status, path, result, user, container_id, exe_ino",
			v, N(v));
	}
	bool ok = run(h, rg_buf_cstr(&b));
	rg_buf_free(&b);
	return ok;
}

/* ---- what a row says --------------------------------------------------------- */

/* SELECT * of a table in seq order: each column's name, storage type
 * (typeof) and value, its exact bytes for text and blobs. */
static void snapshot(sqlite3 *h, const char *table, struct rg_buf *out)
{
	static const char *const types[] = {"?", "integer", "real", "text", "blob", "null"};
	char sql[96];
	sqlite3_stmt *st;
	out->len = 0;
	snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY seq", table);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		rg_buf_printf(out, "error: %s", sqlite3_errmsg(h));
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			int type = sqlite3_column_type(st, c);
			rg_buf_printf(out, "%s=%s:", sqlite3_column_name(st, c), types[type]);
			if (type == SQLITE_INTEGER)
				rg_buf_printf(out, "%lld", (long long)sqlite3_column_int64(st, c));
			else if (type == SQLITE_FLOAT)
				rg_buf_printf(out, "%a", sqlite3_column_double(st, c));
			else if (type != SQLITE_NULL) /* text as its bytes: no conversion */
				for (int k = 0; k < sqlite3_column_bytes(st, c); k++)
					rg_buf_printf(out, "%02x",
						      ((const unsigned char *)sqlite3_column_blob(st, c))[k]);
			rg_buf_addc(out, ' ');
		}
		rg_buf_addc(out, '\n');
	}
	sqlite3_finalize(st);
}

static int lines(const struct rg_buf *b)
{
	int n = 0;
	for (size_t i = 0; i < b->len; i++)
		n += b->p[i] == '\n';
	return n;
}

/* Equal snapshots; on a difference, the first line that differs. */
static void check_same(struct rg_buf *a, struct rg_buf *b, const char *what)
{
	size_t i = 0;
	while (i < a->len && i < b->len && a->p[i] == b->p[i])
		i++;
	if (CHECK(a->len == b->len && i == a->len, what))
		return;
	while (i > 0 && a->p[i - 1] != '\n')
		i--;
	printf("#   before: %.300s\n#   after:  %.300s\n", rg_buf_cstr(a) + i, rg_buf_cstr(b) + i);
}

#define MAX_ROWS 64

/* Every row's chain hash, in key order, as rg_chain_rows gives them. */
struct hashes {
	int n;
	int64_t key[MAX_ROWS];
	uint8_t h[MAX_ROWS][RG_CHAIN_ROW_HASH];
};

static void add_hash(void *arg, int64_t key, const uint8_t hash[RG_CHAIN_ROW_HASH])
{
	struct hashes *hs = arg;
	if (hs->n == MAX_ROWS)
		return;
	hs->key[hs->n] = key;
	memcpy(hs->h[hs->n++], hash, RG_CHAIN_ROW_HASH);
}

/* A hasher of the connection's own, made now: it reads the columns of the
 * table (or view) the database has at this moment. */
static void row_hashes(sqlite3 *h, const char *table, struct hashes *out)
{
	char err[256];
	out->n = 0;
	struct rg_chain_hasher *ch = rg_chain_hasher_new(h, err, sizeof(err));
	if (!ch) {
		printf("# %s\n", err);
		return;
	}
	if (rg_chain_rows(ch, rg_chain_table_index(table), INT64_MIN, INT64_MAX, add_hash, out) !=
	    SQLITE_DONE)
		printf("# %s: %s\n", table, sqlite3_errmsg(h));
	rg_chain_hasher_free(ch);
}

/* How many keys are in one set and not the other, or hash differently
 * in the two; the last such key in *which. Both are in key order. */
static int changed(const struct hashes *a, const struct hashes *b, int64_t *which)
{
	int n = 0, i = 0, j = 0;
	while (i < a->n || j < b->n) {
		int64_t key;
		bool differs = true;
		if (j == b->n || (i < a->n && a->key[i] < b->key[j])) {
			key = a->key[i++];
		} else if (i == a->n || b->key[j] < a->key[i]) {
			key = b->key[j++];
		} else {
			key = a->key[i];
			differs = memcmp(a->h[i++], b->h[j++], RG_CHAIN_ROW_HASH) != 0;
		}
		if (differs) {
			n++;
			*which = key;
		}
	}
	return n;
}

/* ---- the upgrade ------------------------------------------------------------- */

/* As the recorder does: rg_store_open applies the migrations. */
static bool migrate(const char *db)
{
	char err[256];
	struct rg_store *s = rg_store_open(db, &opts, err, sizeof(err), NULL);
	if (!s) {
		printf("# %s\n", err);
		return false;
	}
	rg_store_close(s, 0);
	return true;
}

/* images: one row per distinct (exe, comm) of the old rows but (NULL,
 * NULL); names: each distinct event type, syscall and (schema/027) network
 * family, protocol and local address once. */
static void check_dictionaries(sqlite3 *h)
{
	int found = 0;
	for (unsigned k = 1; k < N_IMAGES; k++)
		found += num(h, "SELECT count(*) FROM images WHERE exe IS %s AND comm IS %s",
			     images[k][0], images[k][1]) == 1;
	CHECK_INT(found, N_IMAGES - 1, "each distinct (exe, comm) is one images row");
	CHECK_INT(num(h, "SELECT count(*) FROM images"), N_IMAGES - 1, "and images holds no other");
	/* actors (schema/025): each distinct one once; a tid is NULL when it is the pid */
	CHECK_INT(num(h, "SELECT count(*) FROM (SELECT 1 FROM actors GROUP BY pid, uid, gid, "
			 "ppid, parent_proc_id, image_id HAVING count(*) > 1)"),
		  0, "each distinct actor is one actors row");
	CHECK_INT(num(h, "SELECT count(*) FROM actors"),
		  num(h, "SELECT count(*) FROM (SELECT pid, uid, gid, ppid, parent_proc_id, exe, "
			 "comm FROM file_events UNION SELECT pid, uid, gid, ppid, parent_proc_id, "
			 "exe, comm FROM network_events UNION SELECT pid, uid, gid, ppid, "
			 "parent_proc_id, exe, comm FROM process_events)"),
		  "and actors holds no other");
	for (int t = 0; t < 3; t++) {
		const char *rows = t == 2 ? "process_rows" : t ? "network_rows" : "file_rows";
		char msg[96];
		snprintf(msg, sizeof(msg), "%s: a tid that is the pid is NULL, others kept", rows);
		CHECK(num(h, "SELECT count(*) FROM %s r JOIN actors a ON a.id = r.actor_id WHERE "
			     "r.tid = a.pid", rows) == 0 &&
			      num(h, "SELECT count(*) FROM %s WHERE tid IS NULL", rows) > 0,
		      msg);
	}

	const char *const *lists[] = {file_types,    file_calls,  net_types,  net_calls,
				      net_families,  net_protocols, net_locals, proc_types,
				      proc_calls,    proc_shas,   proc_statuses};
	const size_t lens[] = {N(file_types),	 N(file_calls),	   N(net_types),
			       N(net_calls),	 N(net_families),  N(net_protocols),
			       N(net_locals),	 N(proc_types),	   N(proc_calls),
			       N(proc_shas),	 N(proc_statuses)};
	const char *seen[60];
	int nseen = 0, once = 0;
	for (unsigned l = 0; l < N(lists); l++)
		for (size_t k = 0; k < lens[l]; k++) {
			const char *name = lists[l][k];
			bool dup = !strcmp(name, "NULL");
			for (int j = 0; j < nseen && !dup; j++)
				dup = !strcmp(seen[j], name);
			if (dup)
				continue;
			seen[nseen++] = name;
			once += num(h, "SELECT count(*) FROM names WHERE name = %s", name) == 1;
		}
	CHECK_INT(once, nseen,
		  "each distinct event type, syscall, network family, protocol and local address, "
		  "and process SHA-256 and hash status, is one names row");
	CHECK_INT(num(h, "SELECT count(*) FROM names"), nseen, "and names holds no other");
}

/* clocks (schema/026): each distinct offset of ts_ns from boot_ns once,
 * numbered as rows first use them; boot_ns compares as an integer. */
static void check_clocks(sqlite3 *h)
{
	CHECK_INT(num(h, "SELECT count(*) FROM clocks"),
		  num(h, "SELECT count(DISTINCT o) FROM (SELECT ts_ns - boot_ns AS o FROM "
			 "file_events UNION ALL SELECT ts_ns - boot_ns FROM network_events UNION ALL "
			 "SELECT ts_ns - boot_ns FROM process_events)"),
		  "each distinct clock offset is one clocks row, and clocks holds no other");
	CHECK_INT(num(h, "SELECT count(*) FROM clocks"), 3, "the old rows' three clocks");
	CHECK_INT(num(h, "SELECT id FROM clocks WHERE offset_ns = (SELECT ts_ns - boot_ns FROM "
			 "(SELECT seq, ts_ns, boot_ns FROM file_events UNION ALL SELECT seq, ts_ns, "
			 "boot_ns FROM network_events) ORDER BY seq LIMIT 1)"),
		  1, "clock 1 is the first row's");
	CHECK_INT(num(h, "SELECT count(*) FROM file_events WHERE boot_ns = '5'"), 1,
		  "the view's boot_ns compares as an integer");
}

/* A boot time given through a view (schema/026) reads back as written: a
 * whole REAL as its integer, as the INTEGER column took it; a value its
 * clock cannot hold exactly is refused, not changed. */
static void check_clock_edits(sqlite3 *h)
{
	static const char ins[] = "INSERT INTO file_events (seq, event_type, ts_ns, boot_ns, pid, "
				  "tid, uid, gid, path, flags, result, path_truncated) VALUES "
				  "(888888, 'file_open', %s, %s, 1, 1, 0, 0, '/x', 0, 0, 0)";
	char sql[512];
	snprintf(sql, sizeof(sql), ins, "1793490200123456789", "5000000123.0");
	CHECK(run(h, sql), "a whole REAL boot_ns through the view is taken");
	CHECK_INT(num(h, "SELECT count(*) FROM file_events WHERE seq = 888888 AND boot_ns = "
			 "5000000123 AND typeof(boot_ns) = 'integer' AND ts_ns = "
			 "1793490200123456789"),
		  1, "and reads back as that integer, ts_ns exact");
	run(h, "DELETE FROM file_events WHERE seq = 888888");
	static const char *const bad[][2] = {{"1793490200123456789", "5.5"},
					     {"1793490200123456789", "'abc'"},
					     {"9223372036854775807", "-5"}};
	for (unsigned k = 0; k < N(bad); k++) {
		snprintf(sql, sizeof(sql), ins, bad[k][0], bad[k][1]);
		char what[96];
		snprintf(what, sizeof(what), "boot_ns %s with ts_ns %.6s...: refused", bad[k][1],
			 bad[k][0]);
		CHECK(sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK &&
			      num(h, "SELECT count(*) FROM file_rows WHERE seq = 888888") == 0,
		      what);
	}
}

/* Names a row brings through a view (schema/027) are text, as the
 * columns stored them: 77 and '77' in one row are one name, and read back
 * as text. */
static void check_name_edits(sqlite3 *h)
{
	CHECK(run(h, "INSERT INTO network_events (seq, event_type, ts_ns, boot_ns, pid, tid, uid, "
		     "gid, result, family, protocol, local_addr) VALUES (777777, 'network_bind', 9, "
		     "9, 1, 1, 0, 0, 0, 77, '77', 6.5)"),
	      "a row whose family is 77 and protocol '77' is taken");
	CHECK_INT(num(h, "SELECT count(*) FROM network_events WHERE seq = 777777 AND family = '77' "
			 "AND typeof(family) = 'text' AND protocol = '77' AND local_addr = '6.5' AND "
			 "typeof(local_addr) = 'text'"),
		  1, "and reads back as text, as the columns stored them");
	CHECK_INT(num(h, "SELECT count(*) FROM names WHERE name IN ('77', '6.5')"), 2,
		  "each name once");
	run(h, "DELETE FROM network_events WHERE seq = 777777");
	/* file_events' trigger the same */
	CHECK(run(h, "INSERT INTO file_events (seq, event_type, ts_ns, boot_ns, pid, tid, uid, gid, "
		     "syscall, path, flags, result, path_truncated) VALUES (777778, 78, 9, 9, 1, 1, "
		     "0, 0, '78', '/x', 0, 0, 0)"),
	      "a file row whose event type is 78 and syscall '78' is taken");
	CHECK_INT(num(h, "SELECT count(*) FROM file_events WHERE seq = 777778 AND event_type = '78' "
			 "AND typeof(event_type) = 'text' AND syscall = '78'"),
		  1, "and reads back as text");
	run(h, "DELETE FROM file_events WHERE seq = 777778");
}

static void check_indexes(sqlite3 *h)
{
	static const char *const idx[][2] = {{"file_events_ts", "file_rows"},
					      {"network_events_ts", "network_rows"},
					      {"process_events_ts", "process_rows"}};
	for (int k = 0; k < 3; k++) {
		char what[96];
		snprintf(what, sizeof(what), "%s is on %s (ts_ns, proc_id)", idx[k][0], idx[k][1]);
		CHECK_INT(num(h, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
				 "name = '%s' AND tbl_name = '%s' AND (SELECT group_concat(name) "
				 "FROM pragma_index_info('%s')) = 'ts_ns,proc_id'",
			      idx[k][0], idx[k][1], idx[k][0]),
			  1, what);
	}
}

/* An edit of each kind through a view: where it lands, and whose hash it
 * changes. */
struct edit {
	const char *view, *rows;
	const char *set, *check; /* the UPDATE's SET, what the rows' table then holds */
	const char *insert;      /* a row of seq 999999 with a new exe */
};

static const struct edit edits[] = {
	{"file_events", "file_rows", "path = '/etc/shadow', exe = '/usr/bin/vim'",
	 "path = '/etc/shadow'",
	 "INSERT INTO file_events (seq, event_type, ts_ns, boot_ns, pid, tid, uid, gid, comm, exe, "
	 "syscall, path, flags, result, path_truncated) VALUES (999999, 'file_mkdir', 9, 9, 1, 1, 0, "
	 "0, 'newc', '/usr/local/bin/new', 'mkdirat', '/tmp/d', 0, 0, 0)"},
	/* schema/027: a family and local address the recording has not seen */
	{"network_events", "network_rows",
	 "remote_addr = '10.9.9.9', exe = '/usr/bin/vim', family = 'unix', local_addr = '/run/s'",
	 "remote_addr = '10.9.9.9' AND family_id = (SELECT id FROM names WHERE name = 'unix') AND "
	 "local_addr_id = (SELECT id FROM names WHERE name = '/run/s')",
	 "INSERT INTO network_events (seq, event_type, ts_ns, boot_ns, pid, tid, uid, gid, comm, "
	 "exe, syscall, result, family, protocol) VALUES (999999, 'network_connect', 9, 9, 1, 1, "
	 "0, 0, 'newc', '/usr/local/bin/new', 'connect', 0, 'ipv9', 'sctp')"},
	/* schema/028: a SHA-256 and syscall the recording has not seen */
	{"process_events", "process_rows",
	 "cmdline = 'vim x', exe = '/usr/bin/vim', exe_sha256 = 'ab01', syscall = 'execveat2'",
	 "cmdline_id = 2 * r.seq + 1 AND (SELECT cmdline FROM cmdlines WHERE id = r.cmdline_id) = "
	 "'vim x' AND exe_sha256_id = (SELECT id FROM names WHERE name = 'ab01') AND "
	 "syscall_id = (SELECT id FROM names WHERE name = 'execveat2')",
	 "INSERT INTO process_events (seq, event_type, ts_ns, boot_ns, pid, tid, uid, gid, comm, "
	 "exe, syscall, argv, cmdline, argc, exe_sha256, hash_status) VALUES (999999, "
	 "'process_start', 9, 9, 1, 1, 0, 0, 'newc', '/usr/local/bin/new', 'execve', X'6e657700', "
	 "'new', 1, 'cd02', 'ok')"},
};

static void check_update(sqlite3 *h, const struct edit *e, const char *what)
{
	char msg[128];
	struct hashes before, after;
	int64_t key = 0;
	/* a row whose image other rows share: only its own row may change */
	int64_t seq = num(h, "SELECT seq FROM %s WHERE exe = '/usr/bin/cat' AND comm = 'cat' "
			     "ORDER BY seq LIMIT 1", e->view);
	snprintf(msg, sizeof(msg), "%s: the row to update shares its image", what);
	CHECK(num(h, "SELECT count(*) FROM %s WHERE exe = '/usr/bin/cat' AND comm = 'cat'",
		  e->view) > 1, msg);
	row_hashes(h, e->view, &before);
	char sql[256];
	snprintf(sql, sizeof(sql), "UPDATE %s SET %s WHERE seq = %lld", e->view, e->set,
		 (long long)seq);
	run(h, sql);
	row_hashes(h, e->view, &after);
	snprintf(msg, sizeof(msg), "%s: an UPDATE lands in %s", what, e->rows);
	CHECK_INT(num(h, "SELECT count(*) FROM %s r JOIN actors a ON a.id = r.actor_id JOIN "
			 "images i ON i.id = a.image_id WHERE r.seq = %lld AND i.exe = '/usr/bin/vim' AND i.comm = 'cat' AND r.%s",
		      e->rows, (long long)seq, e->check),
		  1, msg);
	snprintf(msg, sizeof(msg), "%s: the UPDATE changes that row's hash and no other", what);
	CHECK(before.n > 1 && after.n == before.n && changed(&before, &after, &key) == 1 &&
		      key == seq, msg);
}

static void check_insert_delete(sqlite3 *h, const struct edit *e, const char *what)
{
	char msg[128], sql[96];
	struct hashes before, after, left;
	int64_t key = 0;
	row_hashes(h, e->view, &before);
	run(h, e->insert);
	row_hashes(h, e->view, &after);
	snprintf(msg, sizeof(msg), "%s: an INSERT lands in %s", what, e->rows);
	CHECK_INT(num(h, "SELECT count(*) FROM %s WHERE seq = 999999", e->rows), 1, msg);
	snprintf(msg, sizeof(msg), "%s: and reads back through the view", what);
	CHECK_INT(num(h, "SELECT count(*) FROM %s WHERE seq = 999999 AND exe = "
			 "'/usr/local/bin/new' AND comm = 'newc'", e->view), 1, msg);
	snprintf(msg, sizeof(msg), "%s: it adds one hash, changes none", what);
	CHECK(after.n == before.n + 1 && changed(&before, &after, &key) == 1 && key == 999999, msg);
	if (!strcmp(e->view, "network_events")) {
		snprintf(msg, sizeof(msg), "%s: its new family and protocol read back", what);
		CHECK_INT(num(h, "SELECT count(*) FROM network_events WHERE seq = 999999 AND "
				 "family = 'ipv9' AND protocol = 'sctp' AND local_addr IS NULL"),
			  1, msg);
	}
	if (!strcmp(e->view, "process_events")) { /* schema/031: a command line of its own */
		snprintf(msg, sizeof(msg), "%s: its command line is its own cmdlines row", what);
		CHECK_INT(num(h, "SELECT count(*) FROM process_events e JOIN process_rows r "
				 "USING (seq) JOIN cmdlines c ON c.id = r.cmdline_id WHERE seq = "
				 "999999 AND c.id = 2 * 999999 + 1 AND e.cmdline = 'new' AND "
				 "c.cmdline = 'new'"),
			  1, msg);
		run(h, "DELETE FROM process_events WHERE seq = 999999");
		snprintf(msg, sizeof(msg), "%s: which a DELETE through the view takes along",
			 what);
		CHECK_INT(num(h, "SELECT count(*) FROM cmdlines WHERE id = 2 * 999999 + 1"), 0,
			  msg);
		run(h, e->insert);
	}
	snprintf(msg, sizeof(msg), "%s: its image is there once", what);
	CHECK_INT(num(h, "SELECT count(*) FROM images WHERE exe = '/usr/local/bin/new' AND "
			 "comm = 'newc'"), 1, msg);

	/* an OR REPLACE reaches the trigger's own statements: none may
	 * renumber a name or image that other rows use */
	int64_t seq = num(h, "SELECT min(seq) FROM %s", e->view);
	struct hashes replaced;
	char rsql[160];
	snprintf(rsql, sizeof(rsql), "INSERT OR REPLACE INTO %s SELECT * FROM %s WHERE seq = %lld",
		 e->view, e->view, (long long)seq);
	run(h, rsql);
	row_hashes(h, e->view, &replaced);
	snprintf(msg, sizeof(msg), "%s: INSERT OR REPLACE of a row as it is changes no row", what);
	CHECK(replaced.n == after.n && changed(&after, &replaced, &key) == 0, msg);

	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE seq = %lld", e->view, (long long)seq);
	run(h, sql);
	snprintf(msg, sizeof(msg), "%s: a DELETE removes the row from %s", what, e->rows);
	CHECK_INT(num(h, "SELECT count(*) FROM %s WHERE seq = %lld", e->rows, (long long)seq), 0, msg);
	row_hashes(h, e->view, &left);
	snprintf(msg, sizeof(msg), "%s: and its hash only", what);
	CHECK(left.n == after.n - 1 && changed(&after, &left, &key) == 1 && key == seq, msg);
}

/* schema/029: a file row's six rarer columns are a file_more row, there
 * only when one of them is set, and edits through the view keep it so. */
#define MORE_SET "(new_path IS NOT NULL OR new_path_truncated IS NOT NULL OR owner_uid " \
		 "IS NOT NULL OR owner_gid IS NOT NULL OR mtime_ns IS NOT NULL OR xattr_name " \
		 "IS NOT NULL)"
static int64_t more_of(sqlite3 *h, int64_t seq)
{
	return num(h, "SELECT count(*) FROM file_more WHERE seq = %lld", (long long)seq);
}

static void check_more(sqlite3 *h)
{
	CHECK_INT(num(h, "SELECT count(*) FROM file_more"),
		  num(h, "SELECT count(*) FROM file_events WHERE " MORE_SET),
		  "file_more: a row for each file row with one of its columns set");
	CHECK_INT(num(h, "SELECT count(*) FROM file_more WHERE NOT " MORE_SET), 0,
		  "file_more: no row without one");
	CHECK_INT(num(h, "SELECT count(*) FROM file_more WHERE seq NOT IN (SELECT seq FROM "
			 "file_rows)"), 0, "file_more: every row is a file row's");
	CHECK_INT(num(h, "SELECT count(*) FROM file_rows WHERE more IS NOT (seq IN (SELECT seq "
			 "FROM file_more))"), 0, "file_rows.more: 1 for the rows with one, else 0");
	CHECK_INT(num(h, "SELECT count(*) FROM pragma_table_info('file_rows') WHERE name IN "
			 "('new_path', 'new_path_truncated', 'owner_uid', 'owner_gid', 'mtime_ns', "
			 "'xattr_name')"), 0, "file_rows: none of its columns");
	int64_t with = num(h, "SELECT min(seq) FROM file_events WHERE new_path IS NOT NULL");
	int64_t without = num(h, "SELECT min(seq) FROM file_events WHERE NOT " MORE_SET);
	CHECK(with > 0 && without > 0 && more_of(h, with) == 1 && more_of(h, without) == 0,
	      "file_more: a rename's row, and none for a row without");

	/* OR IGNORE over a taken seq changes nothing, its more row either */
	char sql[512];
	snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO file_events (seq, event_type, ts_ns, "
		 "boot_ns, pid, tid, uid, gid, path, flags, result, path_truncated) SELECT seq, "
		 "event_type, ts_ns, boot_ns, pid, tid, uid, gid, path, flags, result, "
		 "path_truncated FROM file_events WHERE seq = %lld", (long long)with);
	run(h, sql);
	CHECK_INT(num(h, "SELECT count(*) FROM file_events WHERE seq = %lld AND new_path = "
			 "'/tmp/new'", (long long)with), 1,
		  "file_more: INSERT OR IGNORE over a row keeps its more row");
	/* OR REPLACE without them: the old more row goes */
	snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO file_events (seq, event_type, ts_ns, "
		 "boot_ns, pid, tid, uid, gid, path, flags, result, path_truncated) SELECT seq, "
		 "event_type, ts_ns, boot_ns, pid, tid, uid, gid, path, flags, result, "
		 "path_truncated FROM file_events WHERE seq = %lld", (long long)with);
	run(h, sql);
	CHECK(more_of(h, with) == 0 && num(h, "SELECT count(*) FROM file_events WHERE seq = %lld "
					      "AND new_path IS NULL", (long long)with) == 1,
	      "file_more: INSERT OR REPLACE without its columns removes the more row");
	/* an UPDATE that sets one, then moves the row */
	snprintf(sql, sizeof(sql), "UPDATE file_events SET owner_uid = 0 WHERE seq = %lld",
		 (long long)without);
	run(h, sql);
	CHECK_INT(more_of(h, without), 1, "file_more: an UPDATE that sets owner_uid adds one");
	snprintf(sql, sizeof(sql), "UPDATE file_events SET seq = 555555 WHERE seq = %lld",
		 (long long)without);
	run(h, sql);
	CHECK(more_of(h, without) == 0 && more_of(h, 555555) == 1 &&
		      num(h, "SELECT owner_uid FROM file_events WHERE seq = 555555") == 0,
	      "file_more: an UPDATE of the seq moves it with the row");
	/* an INSERT that leaves the seq to SQLite */
	run(h, "INSERT INTO file_events (event_type, ts_ns, boot_ns, pid, tid, uid, gid, path, "
	       "flags, result, path_truncated, xattr_name) VALUES ('file_setxattr', 9, 9, 1, 1, 0, "
	       "0, '/x', 0, 0, 0, 'user.y')");
	int64_t last = num(h, "SELECT max(seq) FROM file_rows");
	CHECK(more_of(h, last) == 1 && num(h, "SELECT count(*) FROM file_events WHERE seq = %lld "
					      "AND xattr_name = 'user.y'", (long long)last) == 1,
	      "file_more: an INSERT without a seq gets its more row under the new one");
	run(h, "DELETE FROM file_events WHERE seq = 555555");
	CHECK_INT(more_of(h, 555555), 0, "file_more: a DELETE removes it with the row");
	/* file_more rows no file row owns (a hand edit of file_rows left
	 * them): an insert at their seq, OR IGNORE or OR FAIL or a NULL
	 * seq, shows its own columns, not theirs */
	int64_t next = num(h, "SELECT max(seq) + 1 FROM file_rows");
	snprintf(sql, sizeof(sql), "INSERT INTO file_more (seq, new_path, owner_uid) VALUES "
		 "(900001, '/stale', 77), (900002, '/stale', 78), (%lld, '/stale', 79)",
		 (long long)next);
	run(h, sql);
	static const char cols[] = "(seq, event_type, ts_ns, boot_ns, pid, tid, uid, gid, path, "
				   "flags, result, path_truncated, new_path) VALUES ";
	char ins[1024];
	snprintf(ins, sizeof(ins), "INSERT OR IGNORE INTO file_events %s(900001, "
		 "'file_rename', 9, 9, 1, 1, 0, 0, '/a', 0, 0, 0, '/fresh'); INSERT OR FAIL INTO "
		 "file_events %s(900002, 'file_open', 9, 9, 1, 1, 0, 0, '/b', 0, 0, 0, NULL); "
		 "INSERT OR IGNORE INTO file_events %s(NULL, 'file_open', 9, 9, 1, 1, 0, 0, '/c', "
		 "0, 0, 0, NULL)", cols, cols, cols);
	run(h, ins);
	CHECK(num(h, "SELECT count(*) FROM file_events WHERE seq = 900001 AND new_path = "
		     "'/fresh' AND owner_uid IS NULL") == 1 && more_of(h, 900002) == 0 &&
		      more_of(h, next) == 0 && num(h, "SELECT count(*) FROM file_events WHERE "
						   "seq = %lld AND path = '/c'", (long long)next) == 1,
	      "file_more: an insert over a row no file row owned replaces it");
	CHECK_INT(num(h, "SELECT count(*) FROM file_more WHERE NOT " MORE_SET " OR seq NOT IN "
			 "(SELECT seq FROM file_rows)"), 0,
		  "file_more: after the edits, still none empty or left over");
	CHECK_INT(num(h, "SELECT count(*) FROM file_rows WHERE more IS NOT (seq IN (SELECT seq "
			 "FROM file_more))"), 0, "file_rows.more: after the edits, still so");
}

/* schema/031: a process row's command line is a cmdlines row's, one per
 * distinct line in a block of 65 536 seqs, numbered 2 * the seq of its
 * block's first row with it. */
static void check_cmdlines(sqlite3 *h)
{
	CHECK_INT(num(h, "SELECT count(*) FROM pragma_table_info('process_rows') WHERE name = "
			 "'cmdline'"), 0, "process_rows: no cmdline column");
	CHECK(num(h, "SELECT count(*) FROM process_rows WHERE cmdline_id IS NOT NULL") > 2 &&
		      num(h, "SELECT count(*) FROM cmdlines") ==
			      num(h, "SELECT count(*) FROM (SELECT DISTINCT seq >> 16, "
				     "cmdline FROM process_events WHERE cmdline IS NOT NULL)"),
	      "cmdlines: a row per distinct command line in a block");
	CHECK_INT(num(h, "SELECT count(*) FROM process_rows r WHERE cmdline_id IS NOT NULL AND "
			 "seq BETWEEN 0 AND 4611686018427387903 AND cmdline_id IS NOT 2 * (SELECT "
			 "min(seq) FROM process_events e WHERE e.seq >> 16 = r.seq >> 16 AND "
			 "e.cmdline = (SELECT cmdline FROM cmdlines WHERE id = r.cmdline_id))"),
		  0,
		  "cmdlines: a row's is 2 * the seq of the first row of its block with it");
	CHECK_INT(num(h, "SELECT count(*) FROM process_rows WHERE seq = 3 * 65536 + 5 AND "
			 "cmdline_id = 2 * seq AND (SELECT count(*) FROM process_events WHERE seq < "
			 "65536 AND cmdline = 'cat /etc/passwd') > 1"),
		  1, "cmdlines: a command line of block 0's anew in block 3");
	CHECK_INT(num(h, "SELECT count(DISTINCT cmdline_id) FROM process_rows WHERE (seq < 0 OR "
			 "seq >= 4611686018427387904) AND cmdline_id < 0"),
		  2, "cmdlines: a row below 0 or at 2^62 has a number of its own below 0");
	CHECK(!run(h, "INSERT INTO process_events (seq, event_type, ts_ns, boot_ns, pid, tid, uid, "
		      "gid, cmdline) VALUES ('2e5', 'process_exit', 9, 9, 1, 1, 0, 0, 'x')") &&
		      num(h, "SELECT count(*) FROM process_rows WHERE seq = 200000") == 0,
	      "process_events: a seq that is not an integer is refused");
	CHECK(run(h, "INSERT INTO process_events (seq, event_type, ts_ns, boot_ns, pid, tid, uid, "
		     "gid, cmdline) VALUES (4611686018427387905, 'process_exit', 9, 9, 1, 1, 0, 0, "
		     "'big')") &&
		      num(h, "SELECT count(*) FROM process_events e JOIN process_rows r USING (seq) "
			     "WHERE seq = 4611686018427387905 AND e.cmdline = 'big' AND "
			     "r.cmdline_id < 0") == 1 &&
		      run(h, "DELETE FROM process_events WHERE seq = 4611686018427387905") &&
		      num(h, "SELECT count(*) FROM cmdlines WHERE cmdline = 'big'") == 0,
	      "process_events: a row at 2^62 inserted and deleted through the view, with its "
	      "command line");
	/* rows below 0 through the view: a row's number is not another's */
	char sql[256];
	bool ok = true;
	for (int k = 100; k <= 104; k++) {
		snprintf(sql, sizeof(sql), "INSERT INTO process_events (seq, event_type, ts_ns, "
			 "boot_ns, pid, tid, uid, gid, cmdline) VALUES (-%d, 'process_exit', 9, 9, "
			 "1, 1, 0, 0, 'm%d')", k, k);
		ok = run(h, sql) && ok;
	}
	ok = run(h, "INSERT INTO process_events (seq, event_type, ts_ns, boot_ns, pid, tid, uid, "
		    "gid, cmdline) VALUES (-3, 'process_exit', 9, 9, 1, 1, 0, 0, 'm3')") && ok;
	ok = run(h, "DELETE FROM process_events WHERE seq = -3") && ok;
	CHECK(ok && num(h, "SELECT count(*) FROM process_events WHERE seq BETWEEN -104 AND -100 "
			   "AND cmdline = 'm' || -seq") == 5 &&
		      num(h, "SELECT count(*) FROM process_rows WHERE cmdline_id NOT IN (SELECT id "
			     "FROM cmdlines)") == 0,
	      "process_events: rows below 0 keep their own command lines through inserts and "
	      "deletes of others");
	/* a NULL seq past the largest key is refused, not given a random one */
	ok = run(h, "INSERT INTO process_events (seq, event_type, ts_ns, boot_ns, pid, tid, uid, "
		    "gid, cmdline) VALUES (9223372036854775807, 'process_exit', 9, 9, 1, 1, 0, 0, "
		    "'top')");
	CHECK(ok && !run(h, "INSERT INTO process_events (event_type, ts_ns, boot_ns, pid, tid, "
			    "uid, gid, cmdline) VALUES ('process_exit', 9, 9, 1, 1, 0, 0, "
			    "'nullseq')") &&
		      num(h, "SELECT count(*) FROM process_events WHERE seq = 9223372036854775807 "
			     "AND cmdline = 'top'") == 1 &&
		      num(h, "SELECT count(*) FROM cmdlines WHERE cmdline = 'nullseq'") == 0,
	      "process_events: a NULL seq after the largest key is refused, the top row kept");
	run(h, "DELETE FROM process_events WHERE seq = 9223372036854775807 OR seq BETWEEN -104 "
	       "AND -100");
}

/* The recorder's writer, on the upgraded file, numbers an (exe, comm)
 * and names the old rows had with their rows, not new ones; the old
 * rows name no directory (they keep their paths whole). */
static void check_writer(const char *db)
{
	char err[256];
	sqlite3 *h;
	sqlite3_open(db, &h);
	int64_t nimages = num(h, "SELECT count(*) FROM images");
	int64_t nnames = num(h, "SELECT count(*) FROM names");
	struct rg_store *s = rg_store_open(db, &opts, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "the store reopens the upgraded database")) {
		printf("# %s\n", err);
		sqlite3_close(h);
		return;
	}
	rg_store_begin_run(s, "host1", "boot-a", "0.1.0", 5000, 1, 64, 64);
	struct rg_event ev = {
		.type = RG_ET_FILE_OPEN, .seq = 777777, .ts_ns = 2, .pid = 9, .tid = 9,
		.comm = {"cat", 3}, .exe = {"/usr/bin/cat", 12}, .path = {"/w", 2},
		.syscall = "openat",
	};
	int64_t nclocks = num(h, "SELECT count(*) FROM clocks");
	rg_store_put_event(s, &ev, false);
	ev.seq = 777778; /* another thread of the process, a moment later */
	ev.tid = 10;
	ev.ts_ns += 5;
	ev.boot_ns += 5;
	rg_store_put_event(s, &ev, false);
	/* an exec of a binary the old rows hashed (schema/028) */
	static const char sha[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
	struct rg_event ex = {
		.type = RG_ET_PROCESS_START, .seq = 777779, .ts_ns = 9, .boot_ns = 7, .pid = 9, .tid = 9,
		.comm = {"cat", 3}, .exe = {"/usr/bin/cat", 12}, .argv = {"cat\0", 4}, .argc = 1,
		.syscall = "execve", .exe_sha256 = {sha, 64}, .hash_status = "ok",
	};
	rg_store_put_event(s, &ex, false);
	/* its exit, and an exit of the same command line in the next block of
	 * seqs (schema/031) */
	struct rg_event ext = {.type = RG_ET_PROCESS_EXIT, .seq = 777780, .ts_ns = 10, .boot_ns = 8,
			       .pid = 9, .tid = 9, .comm = {"cat", 3}, .exe = {"/usr/bin/cat", 12},
			       .argv = {"cat\0", 4}};
	rg_store_put_event(s, &ext, false);
	ext.seq = 12 * 65536 + 1;
	rg_store_put_event(s, &ext, false);
	rg_store_sync(s);
	rg_store_close(s, 3);
	CHECK_INT(num(h, "SELECT count(*) FROM process_rows r JOIN process_events e USING (seq) "
			 "WHERE seq IN (777779, 777780) AND r.cmdline_id = 2 * 777779 AND "
			 "e.cmdline = 'cat'"),
		  2, "the writer numbers a command line 2 * its first row's seq, for its block");
	CHECK_INT(num(h, "SELECT cmdline_id FROM process_rows WHERE seq = 12 * 65536 + 1"),
		  2 * (12 * 65536 + 1), "and anew in the next block");
	CHECK_INT(num(h, "SELECT count(*) FROM process_events WHERE seq = 777779 AND exe = "
			 "'/usr/bin/cat' AND comm = 'cat' AND event_type = 'process_start' AND "
			 "syscall = 'execve' AND exe_sha256 = '%s' AND hash_status = 'ok' AND "
			 "cmdline = 'cat' AND boot_ns = 7 AND tid = 9", sha),
		  1, "the writer's process row reads back through the view");
	CHECK_INT(num(h, "SELECT count(*) FROM process_rows r JOIN actors a ON a.id = r.actor_id "
			 "JOIN file_rows f ON f.seq = 777777 JOIN actors b ON b.id = f.actor_id "
			 "WHERE r.seq = 777779 AND r.tid IS NULL AND a.pid = b.pid AND a.uid = b.uid "
			 "AND a.gid = b.gid AND a.ppid IS b.ppid AND a.parent_proc_id IS "
			 "b.parent_proc_id AND a.image_id = b.image_id AND f.actor_id IN (r.actor_id, "
			 "(SELECT actor_id FROM process_rows WHERE seq = 12 * 65536 + 1))"),
		  1, "with the file rows' actor: the same process, image and ids (the same row "
		     "or, the batch going back to block 11 after 12, that of block 12)");
	CHECK_INT(num(h, "SELECT count(*) FROM file_events WHERE seq = 777777 AND exe = "
			 "'/usr/bin/cat' AND comm = 'cat' AND event_type = 'file_open' AND "
			 "syscall = 'openat'"),
		  1, "the writer's row reads back through the view");
	CHECK_INT(num(h, "SELECT count(*) FROM images") - nimages, 0,
		  "the writer reuses the old rows' images row, in both its blocks of seqs: "
		  "without retention a block takes images and names of any number (schema/034)");
	CHECK_INT(num(h, "SELECT count(*) FROM names") - nnames, 1,
		  "and their names rows (the exec's type, syscall, SHA-256 and status too): one "
		  "more, the directory of its path (schema 024)");
	CHECK_INT(num(h, "SELECT count(*) FROM dict_blocks WHERE block IN (11, 12) AND "
			 "first_image = 1 AND first_name = 1"),
		  2, "its blocks noted so");
	CHECK_INT(num(h, "SELECT (SELECT first_actor FROM dict_blocks WHERE block = 12) > (SELECT "
			 "first_actor FROM dict_blocks WHERE block = 11)"),
		  1, "and their actors numbered per block all the same (schema/033)");
	CHECK_INT(num(h, "SELECT count(*) FROM (SELECT seq, actor_id AS a FROM file_rows UNION ALL "
			 "SELECT seq, actor_id FROM process_rows) LEFT JOIN dict_blocks b ON b.block "
			 "= seq >> 16 WHERE seq IN (777777, 777778, 777779, 777780, 12 * 65536 + 1) "
			 "AND (b.block IS NULL OR a < b.first_actor)"),
		  0, "none of its rows' actors below its block's first");
	CHECK_INT(num(h, "SELECT count(*) FROM file_rows r JOIN actors a ON a.id = r.actor_id "
			 "WHERE r.seq = 777777 AND r.tid IS NULL AND a.pid = 9"),
		  1, "the writer stores a tid that is the pid as NULL, the pid in its actor");
	CHECK_INT(num(h, "SELECT count(*) FROM file_rows r JOIN file_events e USING (seq) WHERE "
			 "seq = 777778 AND r.tid = 10 AND e.tid = 10 AND e.pid = 9 AND r.actor_id = "
			 "(SELECT actor_id FROM file_rows WHERE seq = 777777)"),
		  1, "and another thread's tid as it is, with the same actor");
	CHECK_INT(num(h, "SELECT count(*) FROM clocks") - nclocks, 1,
		  "the writer adds its rows' clock once");
	CHECK_INT(num(h, "SELECT count(*) FROM file_events e JOIN file_rows r USING (seq) WHERE "
			 "seq IN (777777, 777778) AND e.boot_ns = e.ts_ns - 2 AND r.clock_id = "
			 "(SELECT id FROM clocks WHERE offset_ns = 2)"),
		  2, "and its rows' boot_ns read back through the view");
	sqlite3_close(h);
}

/* A later migration that adds a column with a default to file_rows and
 * shows it in the view leaves every old row's hash as it was: the view's
 * defaults are its rows' table's (chain.c, store_defaults). */
static void check_later_column(const char *db)
{
	sqlite3 *h;
	struct hashes *before = calloc(2, sizeof(*before)), *after = before + 1;
	int64_t key = 0;
	sqlite3_open(db, &h);
	row_hashes(h, "file_events", before);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(h, "SELECT replace(sql, 'FROM file_rows r', ', r.later AS later "
			      "FROM file_rows r') FROM sqlite_master WHERE name = 'file_events'",
			   -1, &st, NULL);
	char *view = sqlite3_step(st) == SQLITE_ROW
			     ? strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
	sqlite3_finalize(st);
	CHECK(view && run(h, "ALTER TABLE file_rows ADD COLUMN later INTEGER NOT NULL DEFAULT 0; "
			     "DROP VIEW file_events") && run(h, view),
	      "a later column with a default, in file_rows and the view");
	row_hashes(h, "file_events", after);
	CHECK(after->n == before->n && before->n > 0 && changed(before, after, &key) == 0,
	      "leaves every row's hash as it was");
	free(view);
	free(before);
	sqlite3_close(h);
}

/* Old rows of every shape, upgraded: the same rows, values, types and
 * hashes; the dictionaries and indexes; edits through the views. */
static void check_upgrade(void)
{
	const char *db = path_in("v22.db");
	static const char *const tables[] = {"file_events", "network_events", "process_events"};
	static const int counts[] = {FILE_ROWS, NET_ROWS, PROC_ROWS};
	struct rg_buf snap[3][2] = {{{0}}};
	static struct hashes hs[3][2];
	sqlite3 *h = make_v22(db);
	CHECK(insert_file_rows(h) && insert_net_rows(h) && insert_proc_rows(h),
	      "inserts old file, network and process rows");
	for (int t = 0; t < 3; t++) {
		snapshot(h, tables[t], &snap[t][0]);
		row_hashes(h, tables[t], &hs[t][0]);
		CHECK_INT(lines(&snap[t][0]), counts[t], "every old row read");
		CHECK_INT(hs[t][0].n, counts[t], "every old row hashed");
	}
	sqlite3_close(h);

	CHECK(migrate(db), "the store opens the schema 22 database");
	sqlite3_open(db, &h);
	CHECK_INT(num(h, "PRAGMA user_version"), rg_schema_files[rg_nschema_files - 1].version,
		  "upgraded to the newest schema");
	CHECK_INT(num(h, "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND "
			 "name IN ('file_events', 'network_events', 'process_events')"),
		  3, "process_events, file_events and network_events are views");
	for (int t = 0; t < 3; t++) {
		char what[96];
		int64_t key = 0;
		snapshot(h, tables[t], &snap[t][1]);
		row_hashes(h, tables[t], &hs[t][1]);
		snprintf(what, sizeof(what), "%s: the same rows, columns, values and types", tables[t]);
		check_same(&snap[t][0], &snap[t][1], what);
		snprintf(what, sizeof(what), "%s: every row's chain hash is the same", tables[t]);
		CHECK(hs[t][1].n == hs[t][0].n && changed(&hs[t][0], &hs[t][1], &key) == 0, what);
	}
	check_dictionaries(h);
	check_clocks(h);
	check_indexes(h);
	check_clock_edits(h);
	check_name_edits(h);
	check_more(h);
	check_cmdlines(h);
	CHECK_INT(num(h, "SELECT count(*) FROM dict_blocks WHERE first_actor = 1 AND first_image = "
			 "1 AND first_name = 1 AND block = (SELECT max(seq) >> 16 FROM (SELECT seq "
			 "FROM process_rows UNION ALL SELECT seq FROM file_rows UNION ALL SELECT seq "
			 "FROM network_rows))"),
		  1, "the upgrade notes the newest row's block with actor, image and name 1 "
		     "(schema/033, 034)");
	CHECK_INT(num(h, "SELECT count(*) FROM dict_blocks"), 1, "and no other block");
	for (int t = 0; t < 3; t++) {
		check_update(h, &edits[t], tables[t]);
		check_insert_delete(h, &edits[t], tables[t]);
	}
	sqlite3_close(h);
	check_writer(db);
	check_later_column(db);
	for (int t = 0; t < 3; t++)
		for (int k = 0; k < 2; k++)
			rg_buf_free(&snap[t][k]);
}

/* How many file rows the writer's links list whose sections are what
 * the rows' hashes as the view gives them (in v) encode to: tags and
 * group hashes alike. */
static int writer_matches(sqlite3 *h, const struct hashes *v)
{
	sqlite3_stmt *st;
	unsigned t = rg_chain_table_index("file_events");
	int same = 0;
	sqlite3_prepare_v2(h, "SELECT rows FROM chain WHERE rows IS NOT NULL ORDER BY link", -1,
			   &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct rg_chain_cursor c;
		struct rg_chain_entry e[MAX_ROWS];
		unsigned n = 0;
		const uint8_t *start = NULL;
		rg_chain_cursor_init(&c, sqlite3_column_blob(st, 0),
				     (size_t)sqlite3_column_bytes(st, 0));
		for (;;) {
			const uint8_t *at = c.p;
			bool starts = !c.left;
			if (!rg_chain_next(&c))
				break;
			start = starts ? at : start;
			if (c.table != t || !c.grouped || n == MAX_ROWS)
				continue;
			e[n].key = c.key;
			memset(e[n].hash, 0, RG_CHAIN_ROW_HASH);
			for (int i = 0; i < v->n; i++)
				if (v->key[i] == c.key)
					memcpy(e[n].hash, v->h[i], RG_CHAIN_ROW_HASH);
			n++;
			if (c.left)
				continue;
			struct rg_buf again = {0};
			rg_chain_put_grouped(&again, t, e, n);
			if (again.len == (size_t)(c.p - start) && !memcmp(again.p, start, again.len))
				same += (int)n;
			rg_buf_free(&again);
			n = 0;
		}
	}
	sqlite3_finalize(st);
	return same;
}

/* Paths as the writer stores them since schema 024: the directory (up to
 * the last '/') a name's number, the rest in the row. Each kind of path
 * reads back byte for byte, and the hash the writer put in the chain is
 * the hash of the row as the view gives it. */
static void check_paths(void)
{
	static const char *const kinds[] = {
		"/etc/passwd", "/", "", "noslash", "rel/a", "/a/b/", "//x", "/tmp/\x80\xff/y",
		"/etc/shadow", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p", NULL, /* 4 095 bytes */
	};
	enum { NP = sizeof(kinds) / sizeof(kinds[0]) };
	char longest[4096], err[256];
	memset(longest, 'a', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	for (size_t i = 0; i < sizeof(longest) - 1; i += 64)
		longest[i] = '/';
	const char *db = path_in("paths.db");
	struct rg_store *s = rg_store_open(db, &opts, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "paths: opens a new database"))
		return;
	rg_store_begin_run(s, "host1", "boot-a", "0.1.0", 5000, 1, 64, 64);
	for (unsigned i = 0; i < NP; i++) {
		const char *p = kinds[i] ? kinds[i] : longest;
		struct rg_event ev = {.type = RG_ET_FILE_OPEN, .seq = i + 1, .ts_ns = i + 1,
				      .pid = 9, .tid = 9, .path = {p, (uint32_t)strlen(p)},
				      .syscall = "openat"};
		rg_store_put_event(s, &ev, false);
	}
	rg_store_sync(s);
	rg_store_close(s, 3);
	sqlite3 *h;
	sqlite3_open(db, &h);
	int same = 0, split = 0;
	for (unsigned i = 0; i < NP; i++) {
		const char *p = kinds[i] ? kinds[i] : longest;
		sqlite3_stmt *st;
		sqlite3_prepare_v2(h, "SELECT e.path, typeof(e.path), r.dir_id FROM file_events e JOIN "
				      "file_rows r USING (seq) WHERE seq = ?", -1, &st, NULL);
		sqlite3_bind_int64(st, 1, i + 1);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    (size_t)sqlite3_column_bytes(st, 0) == strlen(p) &&
		    !memcmp(sqlite3_column_text(st, 0), p, strlen(p)) &&
		    !strcmp((const char *)sqlite3_column_text(st, 1), "text"))
			same++;
		split += sqlite3_column_type(st, 2) != SQLITE_NULL;
		sqlite3_finalize(st);
	}
	CHECK_INT(same, NP, "paths: each reads back through the view byte for byte, as text");
	CHECK_INT(split, NP - 2, "paths: each with a '/' is stored by its directory");
	CHECK_INT(num(h, "SELECT count(*) FROM names WHERE name IN ('/etc/', '/', '/a/b/')"), 3,
		  "paths: a directory is a name, once");
	struct hashes *v = calloc(1, sizeof(*v));
	row_hashes(h, "file_events", v);
	CHECK(v->n == (int)NP && writer_matches(h, v) == (int)NP,
	      "paths: the writer hashed each row as the view gives it");
	free(v);
	sqlite3_close(h);
}

/* A database at 22 with no event rows upgrades; the first row through
 * the view with a new (exe, comm) adds one images row, the second with
 * the same pair none. */
static void check_empty(void)
{
	const char *db = path_in("empty.db");
	sqlite3 *h = make_v22(db);
	sqlite3_close(h);
	CHECK(migrate(db), "the store opens an empty schema 22 database");
	sqlite3_open(db, &h);
	CHECK_INT(num(h, "PRAGMA user_version"), rg_schema_files[rg_nschema_files - 1].version,
		  "empty: upgraded to the newest schema");
	CHECK_INT(num(h, "SELECT (SELECT count(*) FROM images) + (SELECT count(*) FROM names) + "
			 "(SELECT count(*) FROM file_rows) + (SELECT count(*) FROM network_rows)"),
		  0, "empty: no images, names or rows");
	CHECK_INT(num(h, "SELECT count(*) FROM dict_blocks"), 0, "empty: no block noted");
	for (int i = 0; i < 2; i++) {
		char sql[300];
		snprintf(sql, sizeof(sql), "INSERT INTO file_events (seq, event_type, ts_ns, boot_ns, "
			 "pid, tid, uid, gid, comm, exe, path, flags, result, path_truncated) VALUES "
			 "(%d, 'file_open', 1, 1, 1, 1, 0, 0, 'b', '/opt/brand-new', '/x', 0, 0, 0)",
			 i + 1);
		run(h, sql);
		CHECK_INT(num(h, "SELECT count(*) FROM images"), 1,
			  i ? "empty: the same exe again adds no images row"
			    : "empty: a brand-new exe adds one images row");
	}
	CHECK_INT(num(h, "SELECT count(*) FROM file_rows r JOIN actors a ON a.id = r.actor_id "
			 "JOIN images i ON i.id = a.image_id WHERE i.exe = '/opt/brand-new' AND i.comm = 'b'"),
		  2, "empty: both rows refer to it");
	CHECK_INT(num(h, "SELECT count(*) FROM file_rows WHERE tid IS NULL"), 2,
		  "empty: a tid given as the pid is stored as the writer stores it");
	CHECK(!run(h, "INSERT INTO file_events (seq, event_type, ts_ns, boot_ns, pid, tid, uid, "
		      "gid, path, flags, result, path_truncated) VALUES (3, 'file_open', 1, 1, 1, "
		      "NULL, 0, 0, '/x', 0, 0, 0)") &&
		      num(h, "SELECT count(*) FROM file_events") == 2,
	      "empty: a NULL tid is refused, as before schema 25");
	CHECK_INT(num(h, "SELECT count(*) FROM file_events WHERE tid = '1' AND typeof(tid) = "
			 "'integer'"),
		  2, "empty: the view's tid is an integer column, compared as one");
	sqlite3_close(h);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	check_upgrade();
	check_empty();
	check_paths();
	CHECK(dir_remove() == 0, "removes the scratch directory");
	return tap_done();
}
