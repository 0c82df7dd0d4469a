/* test_reader.c: rgq's reader (query/reader.c) through its read-ahead
 * thread (query/prefetch.c), on a database the store wrote: every event
 * back in seq order with its fields, across the four tables, over gaps
 * wider than one read, with slots reused by events of other types (whose
 * fields must not leak into the next event), each type's own fields only
 * when the types ask for different ones, and a damaged recording's seq in
 * two tables refused. */
#include <stdio.h>
#include <string.h>

#include "prefetch.h"
#include "db.h"
#include "store.h"
#include "tap.h"
#include "store_db.h"

static const struct rg_store_opts opts = {2000, 20, 1 << 16};

/* The seqs written: 1..N but for a gap wider than a read (the reader
 * seeks across it) and every 97th (a narrow one). */
#define N 12000
static bool written(uint64_t seq)
{
	return !(seq >= 3000 && seq < 5500) && seq % 97;
}

/* Event seq: one of four types, from three tables, each with fields the
 * others lack. */
static struct rg_event event(uint64_t seq, char *buf, size_t len)
{
	/* who acted varies (schema/025: actors, more than one chunk the
	 * reader reads at a time; a tid other than the pid now and then);
	 * the wall clock is stepped twice (schema/026: three clocks) */
	struct rg_event ev = {.seq = seq, .ts_ns = 1000 + (int64_t)seq,
			      .boot_ns = seq + (seq < 7000 ? 0 : seq < 9000 ? 3000 : 500),
			      .pid = 7,
			      .tid = seq % 3 ? 7 : 8 + (uint32_t)(seq % 5),
			      .uid = (uint32_t)(seq % 1500), .gid = (uint32_t)(seq % 3),
			      .ppid = seq % 5 ? 1 : 0, .parent_proc_id = seq % 5 ? 2 : 0,
			      .proc_id = 3, .comm = {"sh", 2}, .exe = {"/bin/sh", 7}};
	int n = snprintf(buf, len, "/tmp/f%llu", (unsigned long long)seq);
	switch (seq % 4) {
	case 0:
		ev.type = RG_ET_FILE_OPEN;
		ev.path = (struct rg_str){buf, (uint32_t)n};
		ev.fflags = (uint32_t)seq;
		break;
	case 1:
		ev.type = RG_ET_FILE_RENAME;
		ev.path = (struct rg_str){"/tmp/old", 8};
		ev.new_path = (struct rg_str){buf, (uint32_t)n};
		break;
	case 2:
		ev.type = RG_ET_PROCESS_EXIT;
		ev.exit_code = (int32_t)(seq % 200);
		break;
	default:
		ev.type = RG_ET_NET_CONNECT;
		ev.family = "ipv4";
		ev.protocol = "tcp";
		ev.remote_addr = (struct rg_str){"10.1.2.3", 8};
		ev.remote_port = (uint32_t)(seq % 65536);
		break;
	}
	return ev;
}

static bool write_db(const char *db)
{
	char err[256], buf[64];
	struct rg_store *s = rg_store_open(db, &opts, err, sizeof(err), NULL);
	if (!CHECK(s != NULL, "the store opens a new database"))
		return false;
	rg_store_begin_run(s, "host", "boot", "0.1.0", 500, 1, 256, 64);
	for (uint64_t seq = 1; seq <= N; seq++)
		if (written(seq)) {
			struct rg_event ev = event(seq, buf, sizeof(buf));
			rg_store_put_event(s, &ev, true);
		}
	rg_store_close(s, 1000 + N);
	return true;
}

static bool same_str(struct rg_str a, struct rg_str b)
{
	if (!a.p || !b.p)
		return a.p == b.p;
	return a.len == b.len && !memcmp(a.p, b.p, a.len) && a.p[a.len] == '\0';
}

static bool same_cstr(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* The fields the events differ in, as written (a type's others zero). */
static bool same_event(const struct rg_event *got, const struct rg_event *want)
{
	return got->type == want->type && got->seq == want->seq &&
	       got->ts_ns == want->ts_ns && got->boot_ns == want->boot_ns &&
	       got->pid == want->pid && got->tid == want->tid &&
	       got->uid == want->uid && got->gid == want->gid && got->ppid == want->ppid &&
	       got->parent_proc_id == want->parent_proc_id &&
	       got->proc_id == want->proc_id && same_str(got->comm, want->comm) &&
	       same_str(got->exe, want->exe) && same_str(got->path, want->path) &&
	       same_str(got->new_path, want->new_path) && got->fflags == want->fflags &&
	       got->exit_code == want->exit_code && same_cstr(got->family, want->family) &&
	       same_cstr(got->protocol, want->protocol) &&
	       same_str(got->remote_addr, want->remote_addr) &&
	       got->remote_port == want->remote_port;
}

/* Some fields of each type: a file_open's path, which process events
 * have too, an actor's fields (one column of the compact tables) apart,
 * so that each table reads what its own types need, and a boot time
 * without the wall time it is read with (schema/026). */
static const char *const open_some[] = {"path", "comm", "tid", NULL};
static const char *const rename_some[] = {"new_path", "uid", "boot_ns", NULL};
static const char *const exit_some[] = {"exit_code", "exe", "pid", NULL};
static const char *const connect_some[] = {"remote_port", "parent_proc_id", "ts_ns", NULL};

/* Event w as read with only those fields (the others zero). */
static struct rg_event some_of(const struct rg_event *w)
{
	struct rg_event e = {.type = w->type, .seq = w->seq};
	switch (w->type) {
	case RG_ET_FILE_OPEN:
		e.path = w->path, e.comm = w->comm, e.tid = w->tid;
		break;
	case RG_ET_FILE_RENAME:
		e.new_path = w->new_path, e.uid = w->uid, e.boot_ns = w->boot_ns;
		break;
	case RG_ET_PROCESS_EXIT:
		e.exit_code = w->exit_code, e.exe = w->exe, e.pid = w->pid;
		break;
	default:
		e.remote_port = w->remote_port, e.parent_proc_id = w->parent_proc_id;
		e.ts_ns = w->ts_ns;
	}
	return e;
}

/* Reads [first, last] back, all fields of every type or (some) those
 * above: the number of events, or -1 at the first that differs from what
 * was written. */
static long read_back(const char *db, uint64_t first, uint64_t last, bool some, char *err,
		      size_t errlen)
{
	rg_fmask all[RG_ET_COUNT];
	for (unsigned t = 0; t < RG_ET_COUNT; t++)
		all[t] = some ? 0 : RG_FMASK_ALL;
	if (some) {
		all[RG_ET_FILE_OPEN] = rg_fields_mask(open_some);
		all[RG_ET_FILE_RENAME] = rg_fields_mask(rename_some);
		all[RG_ET_PROCESS_EXIT] = rg_fields_mask(exit_some);
		all[RG_ET_NET_CONNECT] = rg_fields_mask(connect_some);
	}
	sqlite3 *h = rgq_db_open(db, err, errlen);
	if (!h)
		return -1;
	struct rgq_prefetch *p = rgq_prefetch_open(h, first, last, first, INT64_MAX, all, err,
						   errlen);
	long n = p ? 0 : -1;
	uint64_t want = first;
	const struct rg_event *ev;
	char buf[64];
	while (p && (ev = rgq_prefetch_next(p))) {
		while (!written(want))
			want++;
		struct rg_event w = event(want++, buf, sizeof(buf));
		if (some)
			w = some_of(&w);
		if (!same_event(ev, &w)) {
			snprintf(err, errlen, "seq %llu read back as %s seq %llu",
				 (unsigned long long)w.seq, rg_etype_name(ev->type),
				 (unsigned long long)ev->seq);
			n = -1;
			break;
		}
		n++;
	}
	if (p && n >= 0 && rgq_prefetch_error(p)) {
		snprintf(err, errlen, "%s", rgq_prefetch_error(p));
		n = -1;
	}
	rgq_prefetch_close(p);
	rgq_db_close(h);
	return n;
}

static long count_written(uint64_t first, uint64_t last)
{
	long n = 0;
	for (uint64_t s = first; s <= last; s++)
		n += written(s);
	return n;
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	const char *db = path_in("r.db");
	if (!write_db(db))
		return tap_done();
	long files = 0;
	for (uint64_t s = 1; s <= N; s++)
		files += written(s) && s % 4 < 2;
	CHECK_INT(atol(q(db, "SELECT count(*) FROM file_events")), files,
		  "the store wrote the file events");
	char err[256] = "";
	long n = read_back(db, 1, INT64_MAX, false, err, sizeof(err));
	if (n < 0)
		printf("# %s\n", err);
	CHECK_INT(n, count_written(1, N), "every event read back in seq order, as written");
	CHECK_STR(q(db, "SELECT count(*) FROM clocks"), "3", "on three clocks");
	n = read_back(db, 1, INT64_MAX, true, err, sizeof(err));
	if (n < 0)
		printf("# %s\n", err);
	CHECK_INT(n, count_written(1, N), "each type's own fields read, the others zero");
	n = read_back(db, 2990, 5600, false, err, sizeof(err));
	CHECK_INT(n, count_written(2990, 5600), "a range across the gap: its events only");
	n = read_back(db, 6000, 5999, false, err, sizeof(err));
	CHECK_INT(n, 0, "an empty range: none");

	/* actors numbered far apart (an edited file): each read alone, the same */
	sql_on(db, "UPDATE actors SET id = id + 5000000000 WHERE id % 7 = 0; "
		   "UPDATE file_rows SET actor_id = actor_id + 5000000000 WHERE actor_id % 7 = 0; "
		   "UPDATE network_rows SET actor_id = actor_id + 5000000000 "
		   "WHERE actor_id % 7 = 0; "
		   "UPDATE process_rows SET actor_id = actor_id + 5000000000 "
		   "WHERE actor_id % 7 = 0");
	CHECK(atol(q(db, "SELECT count(*) FROM file_rows WHERE actor_id > 5000000000")) > 0,
	      "some rows refer to far actors");
	n = read_back(db, 1, INT64_MAX, false, err, sizeof(err));
	if (n < 0)
		printf("# %s\n", err);
	CHECK_INT(n, count_written(1, N), "rows of far-numbered actors read back as written");

	/* the lowest actors gone, as retention leaves them (schema/033): the
	 * chunks start at the lowest left */
	sql_on(db, "UPDATE actors SET id = id + 3000000000 WHERE id < 5000000000; "
		   "UPDATE file_rows SET actor_id = actor_id + 3000000000 "
		   "WHERE actor_id < 5000000000; "
		   "UPDATE network_rows SET actor_id = actor_id + 3000000000 "
		   "WHERE actor_id < 5000000000; "
		   "UPDATE process_rows SET actor_id = actor_id + 3000000000 "
		   "WHERE actor_id < 5000000000");
	n = read_back(db, 1, INT64_MAX, false, err, sizeof(err));
	if (n < 0)
		printf("# %s\n", err);
	CHECK_INT(n, count_written(1, N), "rows of actors numbered from 3e9 on read back as written");

	/* a damaged recording: one seq in two tables */
	sql_on(db, "INSERT INTO network_events (seq, event_type, ts_ns, boot_ns, pid, tid, uid, gid, "
		   "result, family) SELECT seq, 'network_connect', ts_ns, 0, 1, 1, 0, 0, 0, 'ipv4' "
		   "FROM file_events WHERE seq = 8");
	n = read_back(db, 1, INT64_MAX, false, err, sizeof(err));
	CHECK(n < 0 && strstr(err, "seq 8 is in two event tables"),
	      "a seq in two tables is an error");
	CHECK(!dir_remove(), "scratch directory removed");
	return tap_done();
}
