/* writer.c: the writer thread: rows bound to their statements and written
 * in batches, one transaction each (store.h). */
#include "store_int.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "caps.h"
#include "clock.h"
#include "jsonesc.h"

/* ---- binding and writing one row --------------------------------------------- */

/* Binds v to parameter i + 1 unless it is a NULL already bound there. */
static void bind_param(sqlite3_stmt *st, uint8_t *null, int i, const struct rg_sql_value *v)
{
	if (v->type != SQLITE_NULL || !null[i])
		rg_row_bind_value(st, i + 1, v);
	null[i] = v->type == SQLITE_NULL;
}

/* v as the number of the name it holds (a compact table's event type,
 * syscall, network family, protocol or local address: store_layout);
 * false on an error. */
static bool code_name(struct rg_store *s, enum rg_col_store cs, const struct qevent *ev,
		      struct rg_sql_value *v)
{
	if (v->type == SQLITE_NULL)
		return true;
	int64_t id = cs == RG_CS_ETYPE ? store_etype_id(s, ev->type) : store_name_id(s, v);
	*v = (struct rg_sql_value){.type = SQLITE_INTEGER, .i = id};
	return id > 0;
}

/* v, the boot time, as the number of the clock whose offset the row's
 * wall time is from it (schema/026); false on an error, or when the
 * offset does not fit (no recorder's row: rgq import refuses them). */
static bool code_clock(struct rg_store *s, const struct qevent *ev, struct rg_sql_value *v)
{
	if (v->type != SQLITE_INTEGER)
		return true; /* NULL: refused by the table, as before */
	int64_t offset;
	if (__builtin_sub_overflow(ev->ts_ns, v->i, &offset))
		return false;
	int64_t id = store_clock_id(s, offset);
	*v = (struct rg_sql_value){.type = SQLITE_INTEGER, .i = id};
	return id > 0;
}

/* v, a process row's command line, as its cmdlines row's number
 * (schema/031); false on an error. */
static bool code_cmdline(struct rg_store *s, const struct qevent *ev, struct rg_sql_value *v)
{
	if (v->type == SQLITE_NULL)
		return true;
	int64_t id = 0;
	bool ok = store_cmdline_id(s, ev->seq, v, &id);
	*v = (struct rg_sql_value){.type = SQLITE_INTEGER, .i = id};
	return ok;
}

/* A path's directory (up to its last '/') as a name's number, into
 * *dir, and v as the rest; a path with no '/' stays whole (*dir NULL).
 * False on an error. */
static bool split_path(struct rg_store *s, struct rg_sql_value *v, struct rg_sql_value *dir)
{
	*dir = (struct rg_sql_value){.type = SQLITE_NULL};
	const char *p = v->p, *slash = v->type == SQLITE_TEXT && v->n
					       ? memrchr(p, '/', v->n) : NULL;
	if (!slash)
		return true;
	size_t k = (size_t)(slash - p) + 1;
	struct rg_sql_value d = {.type = SQLITE_TEXT, .p = p, .n = k};
	int64_t id = store_name_id(s, &d);
	*dir = (struct rg_sql_value){.type = SQLITE_INTEGER, .i = id};
	v->p = p + k;
	v->n -= k;
	return id > 0;
}

/* The number of a row's actor (its pid, uid, gid, ppid, parent_proc_id
 * in parts, its image's exe and comm in image) bound to parameter i;
 * false on an error. */
static bool bind_actor(struct rg_store *s, sqlite3_stmt *st, uint8_t *null, int i,
		       const struct rg_sql_value *parts, const struct rg_sql_value *image)
{
	int64_t img = store_image_id(s, &image[0], &image[1]);
	int64_t id = img < 0 ? -1 : store_actor_id(s, parts, img);
	struct rg_sql_value v = {.type = id > 0 ? SQLITE_INTEGER : SQLITE_NULL, .i = id};
	bind_param(st, null, i, &v);
	return id > 0;
}

/* The columns of a row's more row (schema/029), as bind_event_row found
 * them: any set says the row has one. The values point into the event. */
struct more_row {
	bool any;
	struct rg_sql_value v[RG_ROW_MORE_MAX];
};

/* Binds ev (packed: struct qevent) as the row of table t whose first
 * parameter is after + 1, and hashes it for the chain as its table's
 * view shows it (hash: untouched when the chain is off). null: the
 * statement's parameters bound NULL now (store_int.h). The columns of its
 * more row go to *more (write_more writes it). False when a name or actor
 * could not be numbered (the database failed): the row is not written. */
static bool bind_event_row(struct rg_store *s, sqlite3_stmt *st, uint8_t *null, unsigned t,
			   int after, const struct qevent *ev, uint8_t hash[RG_CHAIN_ROW_HASH],
			   struct more_row *more)
{
	bool chain = store_chain_row(s, t);
	/* a compact table's row (it has an actor) numbers its names */
	bool ok = s->actor_param[t] < 0 || store_dict_block(s, ev->seq);
	more->any = false;
	const uint8_t *has = s->type_cols[ev->type];
	const unsigned char *p = ev->cols, *bytes = ev->cols + ev->fixed;
	struct rg_sql_value image[2] = {{.type = SQLITE_NULL}, {.type = SQLITE_NULL}};
	struct rg_sql_value parts[RG_ACTOR_PARTS];
	for (int k = 0; k < RG_ACTOR_PARTS; k++)
		parts[k] = (struct rg_sql_value){.type = SQLITE_NULL};
	for (int k = 0; k < s->event_cols[t]; k++) {
		struct rg_sql_value v;
		v.type = SQLITE_NULL;
		v.transient = false;
		if (has[k])
			p = qval_get(p, &bytes, ev->type, &v);
		if (chain && v.type != SQLITE_NULL) /* the chain's row starts all NULL */
			store_chain_value(s, t, (unsigned)k, &v);
		switch ((enum rg_col_store)s->col_store[t][k]) {
		case RG_CS_EXE: image[0] = v; continue;
		case RG_CS_COMM: image[1] = v; continue;
		case RG_CS_ACTOR: parts[s->col_param[t][k]] = v; continue;
		case RG_CS_MORE:
			more->v[s->col_param[t][k] - 1] = v;
			more->any |= v.type != SQLITE_NULL;
			continue;
		case RG_CS_TID: /* NULL when it is the pid (schema/025), which comes before it */
			if (v.type == SQLITE_INTEGER && parts[0].type == SQLITE_INTEGER &&
			    v.i == parts[0].i)
				v.type = SQLITE_NULL;
			break;
		case RG_CS_CLOCK: ok = code_clock(s, ev, &v) && ok; break;
		case RG_CS_CMDLINE: ok = code_cmdline(s, ev, &v) && ok; break;
		case RG_CS_ETYPE:
		case RG_CS_NAME: ok = code_name(s, s->col_store[t][k], ev, &v) && ok; break;
		case RG_CS_PATH: {
			struct rg_sql_value dir;
			ok = split_path(s, &v, &dir) && ok;
			bind_param(st, null, after + s->dir_param[t], &dir);
			break;
		}
		case RG_CS_VALUE: break;
		}
		/* a row's columns of other event types are NULL every time */
		bind_param(st, null, after + s->col_param[t][k], &v);
	}
	if (s->actor_param[t] >= 0)
		ok = bind_actor(s, st, null, after + s->actor_param[t], parts, image) && ok;
	if (s->flag_param[t] >= 0) {
		struct rg_sql_value flag = {.type = SQLITE_INTEGER, .i = more->any};
		bind_param(st, null, after + s->flag_param[t], &flag);
	}
	if (chain)
		store_chain_row_hash(s, t, hash);
	return ok;
}

static sqlite3_stmt *bind_event(struct rg_store *s, const struct qevent *ev,
				uint8_t hash[RG_CHAIN_ROW_HASH], struct more_row *more)
{
	unsigned t = ev->table;
	if (t == RG_N_EVENT_TABLES ||
	    !bind_event_row(s, s->ins_event[t], s->event_null[t], t, 0, ev, hash, more))
		return NULL;
	return s->ins_event[t];
}

/* After ev's row: its more row, if it has one. When that fails the row
 * goes too, so that an event is stored whole or not at all: SQLite rolled
 * the batch back, or the row is deleted here, or (that failing too) the
 * batch is rolled back here. */
static int write_more(struct rg_store *s, const struct qevent *ev, const struct more_row *more)
{
	unsigned t = ev->table;
	if (!more->any)
		return SQLITE_DONE;
	sqlite3_stmt *st = s->ins_more[t];
	sqlite3_bind_int64(st, 1, (int64_t)ev->seq);
	for (int j = 0; j < s->more_cols[t]; j++)
		rg_row_bind_value(st, j + 2, &more->v[j]);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) /* now: the delete below takes its message's place */
		store_complain(s, sqlite3_errmsg(s->db));
	if (rc != SQLITE_DONE && !sqlite3_get_autocommit(s->db)) {
		char sql[96];
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE seq = %llu",
			 rg_event_tables[t].rows, (unsigned long long)ev->seq);
		/* a row that cannot be taken back takes its batch with it:
		 * write_batch counts the batch lost */
		if (store_exec(s->db, sql, NULL, 0))
			store_exec(s->db, "ROLLBACK", NULL, 0);
	}
	return rc;
}

static const char *source_name(enum rg_proc_source src)
{
	static const char *const names[] = {[RG_PSRC_PROC] = "proc", [RG_PSRC_FORK] = "fork",
					    [RG_PSRC_EXEC] = "exec", [RG_PSRC_SEEN] = "seen"};
	return names[src];
}

static void bind_opt(sqlite3_stmt *st, int i, int64_t v, bool known)
{
	if (known)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static void bind_cstr(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* A process's names, origin, cgroup and namespaces from column i + 1 on,
 * in process_cols' order; unknown ones (0 ids) as null, as on events. */
static void bind_who(sqlite3_stmt *st, int i, const struct rg_who *w)
{
	const struct rg_str names[] = {w->user, w->euser, w->group, w->login_user, w->sudo_user,
				       w->ssh_client};
	for (unsigned k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		rg_row_bind_text(st, ++i, names[k]);
	bind_opt(st, ++i, w->ssh_client_port, w->ssh_client_port != 0);
	bind_opt(st, ++i, (int64_t)w->cgroup_id, w->cgroup_id != 0);
	rg_row_bind_text(st, ++i, w->cgroup_path);
	rg_row_bind_text(st, ++i, w->container_id);
	bind_cstr(st, ++i, w->container_runtime);
	const uint32_t ns[] = {w->pidns, w->mntns, w->netns, w->userns, w->utsns, w->cgroupns};
	for (unsigned k = 0; k < sizeof(ns) / sizeof(ns[0]); k++)
		bind_opt(st, ++i, ns[k], ns[k] != 0);
}

/* The process row's revision, before its upsert (schema.c, process_sql);
 * SQLITE_DONE on success. */
static int bump_revision(struct rg_store *s)
{
	int rc = sqlite3_step(s->rev_process);
	sqlite3_reset(s->rev_process);
	return rc;
}

static sqlite3_stmt *bind_process(struct rg_store *s, const struct rg_process *p)
{
	sqlite3_stmt *st = s->ins_process;
	int i = 0;
	sqlite3_bind_int64(st, ++i, p->proc_id);
	sqlite3_bind_text(st, ++i, s->boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, ++i, p->pid);
	sqlite3_bind_int64(st, ++i, (int64_t)p->start_boot_ns);
	sqlite3_bind_int64(st, ++i, p->start_ns);
	bind_opt(st, ++i, p->ppid, p->ppid != 0);
	bind_opt(st, ++i, p->parent_proc_id, p->parent_proc_id != 0);
	const uint32_t ids[] = {p->uid, p->gid, p->euid, p->auid, p->sessionid};
	for (unsigned k = 0; k < sizeof(ids) / sizeof(ids[0]); k++)
		sqlite3_bind_int64(st, ++i, ids[k]);
	rg_row_bind_text(st, ++i, p->comm);
	rg_row_bind_text(st, ++i, p->exe);
	rg_row_bind_cmdline(st, ++i, p->argv, &s->scratch);
	rg_row_bind_blob(st, ++i, p->argv);
	rg_row_bind_text(st, ++i, p->cwd);
	sqlite3_bind_int(st, ++i, !!(p->flags & RG_EF_EXE_TRUNC));
	sqlite3_bind_int(st, ++i, !!(p->flags & RG_EF_ARGV_TRUNC));
	sqlite3_bind_int(st, ++i, !!(p->flags & RG_EF_CWD_TRUNC));
	sqlite3_bind_int(st, ++i, !!(p->flags & RG_EF_EXE_MEMFD));
	sqlite3_bind_int(st, ++i, !!(p->flags & RG_EF_EXE_DELETED));
	sqlite3_bind_text(st, ++i, source_name(p->source), -1, SQLITE_STATIC);
	bind_opt(st, ++i, p->exit_ns, p->exited);
	bind_opt(st, ++i, p->exit_code, p->exited);
	bind_opt(st, ++i, p->signal, p->exited);
	rg_row_bind_text(st, ++i, p->script);
	rg_row_bind_blob(st, ++i, p->env);
	sqlite3_bind_int(st, ++i, !!(p->flags & RG_EF_SCRIPT_TRUNC));
	sqlite3_bind_int(st, ++i, !!(p->flags & RG_EF_ENV_TRUNC));
	bind_who(st, i, &p->who);
	return st;
}

static sqlite3_stmt *bind_seed(struct rg_store *s, const struct rg_process *p)
{
	sqlite3_stmt *st = s->ins_seed;
	sqlite3_bind_int64(st, 1, s->run_id);
	sqlite3_bind_int64(st, 2, p->proc_id);
	bind_opt(st, 3, p->parent_proc_id, p->parent_proc_id != 0);
	sqlite3_bind_int64(st, 4, p->uid);
	sqlite3_bind_int64(st, 5, p->euid);
	sqlite3_bind_int64(st, 6, p->auid);
	rg_row_bind_text(st, 7, p->comm);
	rg_row_bind_text(st, 8, p->exe);
	rg_row_bind_blob(st, 9, p->argv);
	rg_row_bind_text(st, 10, p->who.user);
	rg_row_bind_text(st, 11, p->who.container_id);
	bind_cstr(st, 12, p->who.container_runtime);
	return st;
}

static sqlite3_stmt *bind_health(struct rg_store *s, const struct rg_health *h)
{
	sqlite3_stmt *st = s->ins_health;
	int i = 0;
	sqlite3_bind_int64(st, ++i, (int64_t)h->seq);
	sqlite3_bind_int64(st, ++i, h->ts_ns);
	sqlite3_bind_int64(st, ++i, h->run_id);
#define RG_HEALTH_BIND(name, kind, what) sqlite3_bind_int64(st, ++i, (int64_t)h->name);
	RG_HEALTH_FIELDS(RG_HEALTH_BIND)
#undef RG_HEALTH_BIND
	return st;
}

static sqlite3_stmt *bind_gap(struct rg_store *s, const struct rg_gap *g)
{
	sqlite3_stmt *st = s->ins_gap;
	sqlite3_bind_int64(st, 1, g->run_id);
	sqlite3_bind_int64(st, 2, g->start_ns);
	sqlite3_bind_int64(st, 3, g->end_ns);
	sqlite3_bind_int64(st, 4, (int64_t)g->count);
	sqlite3_bind_text(st, 5, g->reason, -1, SQLITE_STATIC);
	rg_row_bind_text(st, 6, g->rule_id);
	return st;
}

static sqlite3_stmt *bind_alert(struct rg_store *s, const struct rg_alert *a)
{
	sqlite3_stmt *st = s->ins_alert;
	int i = 0;
	sqlite3_bind_int64(st, ++i, (int64_t)a->seq);
	sqlite3_bind_int64(st, ++i, a->ts_ns);
	rg_row_bind_text(st, ++i, a->rule_id);
	rg_row_bind_text(st, ++i, a->rule_name);
	rg_row_bind_text(st, ++i, a->severity);
	struct rg_buf tags = {0}; /* a JSON array, as NDJSON has it (docs/schema.md) */
	rg_json_words(&tags, a->tags.p, a->tags.len);
	sqlite3_bind_text(st, ++i, tags.p, (int)tags.len, SQLITE_TRANSIENT);
	rg_buf_free(&tags);
	rg_row_bind_text(st, ++i, a->rule_source);
	rg_row_bind_text(st, ++i, a->rule_file);
	sqlite3_bind_int64(st, ++i, (int64_t)a->event_seq);
	sqlite3_bind_text(st, ++i, rg_etype_name(a->event_type), -1, SQLITE_STATIC);
	bind_opt(st, ++i, a->proc_id, a->proc_id != 0);
	sqlite3_bind_int64(st, ++i, a->pid);
	rg_row_bind_text(st, ++i, a->exe);
	rg_row_bind_text(st, ++i, a->summary);
	rg_row_bind_text(st, ++i, a->rules_digest);
	if (a->nsteps) { /* a JSON array: json_each() joins it to the events */
		char steps[RG_ALERT_STEPS_JSON];
		rg_alert_steps_json(a, steps, sizeof(steps));
		sqlite3_bind_text(st, ++i, steps, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_null(st, ++i);
	}
	return st;
}

static sqlite3_stmt *bind_meta(struct rg_store *s, const struct meta_row *m)
{
	rg_row_bind_text(s->ins_meta, 1, m->key);
	rg_row_bind_text(s->ins_meta, 2, m->value);
	return s->ins_meta;
}

int store_write_row(struct rg_store *s, enum item_kind kind, const void *row)
{
	sqlite3_stmt *st = NULL;
	uint8_t hash[RG_CHAIN_ROW_HASH];
	struct more_row more;
	int rc;
	if (kind == IT_PROCESS && (rc = bump_revision(s)) != SQLITE_DONE)
		return rc;
	switch (kind) {
	case IT_EVENT: st = bind_event(s, row, hash, &more); break;
	case IT_PROCESS: st = bind_process(s, row); break;
	case IT_HEALTH: st = bind_health(s, row); break;
	case IT_GAP: st = bind_gap(s, row); break;
	case IT_ALERT: st = bind_alert(s, row); break;
	case IT_META: st = bind_meta(s, row); break;
	case IT_SEED: st = bind_seed(s, row); break;
	}
	if (!st)
		return SQLITE_MISUSE;
	rc = sqlite3_step(st); /* every parameter holds this row's value (a NULL may be an earlier row's binding) */
	sqlite3_reset(st);
	if (rc == SQLITE_DONE && kind == IT_GAP) { /* its revision: store_revise */
		int64_t id = sqlite3_last_insert_rowid(s->db);
		int r = store_revise(s->db, "gaps", "gap_id", id);
		rc = r == SQLITE_OK ? rc : r;
		store_chain_note_gap(s, id);
	}
	if (rc == SQLITE_DONE && kind == IT_EVENT)
		rc = write_more(s, row, &more);
	if (rc == SQLITE_DONE && kind == IT_EVENT) {
		const struct qevent *ev = row;
		store_chain_add(s, ev->table, (int64_t)ev->seq, hash);
	}
	return rc;
}

/* The wall-clock instant a row is about, for the gap of a failed row. */
static int64_t item_ts(const struct item *it)
{
	const struct rg_process *p = item_row(it);
	switch (it->kind) {
	case IT_EVENT: return item_event(it)->ts_ns;
	case IT_PROCESS: /* an exec of a long-lived process: now, not its start */
		return p->exited ? p->exit_ns : rg_wall_ns();
	case IT_HEALTH: return ((const struct rg_health *)item_row(it))->ts_ns;
	case IT_GAP: return ((const struct rg_gap *)item_row(it))->end_ns;
	case IT_ALERT: return ((const struct rg_alert *)item_row(it))->ts_ns;
	case IT_META: return rg_wall_ns();
	case IT_SEED: return p->start_ns;
	}
	return 0;
}

/* ---- the batch ----------------------------------------------------------- */

struct batch_result {
	uint64_t rows[N_KINDS]; /* by item kind */
	uint64_t grouped;       /* of rows[IT_EVENT]: by a group's statement */
	uint64_t events[RG_N_EVENT_TABLES]; /* event rows by table */
	uint64_t failed;
	int64_t fail_start, fail_end;
	const char *errmsg;
};

static void note_failure(struct batch_result *r, int64_t ts)
{
	if (!r->failed++ || ts < r->fail_start)
		r->fail_start = ts;
	if (ts > r->fail_end)
		r->fail_end = ts;
}

/* Reports failures on stderr at most every 10 s: the counters and gap rows
 * carry the numbers, this tells the operator why. */
static void write_one(struct rg_store *s, const struct item *it, struct batch_result *r)
{
	if (store_write_row(s, it->kind, item_row(it)) == SQLITE_DONE) {
		r->rows[it->kind]++;
		if (it->kind == IT_PROCESS)
			store_chain_note_process(s, ((const struct rg_process *)item_row(it))->proc_id);
		if (it->kind == IT_EVENT)
			r->events[item_event(it)->table]++;
	} else {
		note_failure(r, item_ts(it));
		store_complain(s, sqlite3_errmsg(s->db));
	}
}

/* Inserts n rows of event table t: with one statement when they are a
 * full group, else (a batch's remainder, or a group that failed, so that
 * one bad row does not take the others with it) one by one. Stops when
 * SQLite has rolled the batch's transaction back (see write_batch). */
static void write_group(struct rg_store *s, unsigned t, struct item **g, unsigned n,
			struct batch_result *r)
{
	if (n == GROUP_ROWS && s->ins_group[t]) {
		sqlite3_stmt *st = s->ins_group[t];
		uint8_t hash[GROUP_ROWS][RG_CHAIN_ROW_HASH];
		struct more_row more[GROUP_ROWS];
		bool bound = true;
		for (unsigned k = 0; k < n; k++)
			bound = bind_event_row(s, st, s->group_null[t], t, (int)k * s->store_cols[t],
					       item_event(g[k]), hash[k], &more[k]) && bound;
		int rc = bound ? sqlite3_step(st) : SQLITE_MISUSE;
		sqlite3_reset(st);
		if (rc == SQLITE_DONE) {
			for (unsigned k = 0; k < n && !sqlite3_get_autocommit(s->db); k++) {
				const struct qevent *ev = item_event(g[k]);
				if (write_more(s, ev, &more[k]) != SQLITE_DONE) {
					note_failure(r, item_ts(g[k])); /* write_more said why */
					continue;
				}
				store_chain_add(s, t, (int64_t)ev->seq, hash[k]);
				r->rows[IT_EVENT]++;
				r->events[t]++;
				r->grouped++;
			}
			return;
		}
	}
	for (unsigned k = 0; k < n && !sqlite3_get_autocommit(s->db); k++)
		write_one(s, g[k], r);
}

/* Adds a batch's failed rows to the rows still waiting for their gap row. */
static void add_unrecorded(struct rg_store *s, const struct batch_result *r)
{
	if (!r->failed)
		return;
	if (!s->unrecorded.count || r->fail_start < s->unrecorded.start)
		s->unrecorded.start = r->fail_start;
	if (!s->unrecorded.count || r->fail_end > s->unrecorded.end)
		s->unrecorded.end = r->fail_end;
	s->unrecorded.count += r->failed;
}

/* Writes the store_failure gap row for the rows lost so far, if any (the
 * lost rows are themselves a gap in the record); on success they are no
 * longer waiting. */
static void write_unrecorded(struct rg_store *s, struct batch_result *r)
{
	if (!s->unrecorded.count)
		return;
	struct rg_gap g = {s->run_id, s->unrecorded.start, s->unrecorded.end,
			   s->unrecorded.count, "store_failure"};
	if (store_write_row(s, IT_GAP, &g) == SQLITE_DONE) {
		r->rows[IT_GAP]++;
		s->unrecorded.count = 0;
	}
}

static void write_batch(struct rg_store *s, struct item **items, unsigned n)
{
	struct batch_result r = {0};
	int64_t t0 = rg_mono_ns();

	struct item *group[RG_N_EVENT_TABLES][GROUP_ROWS];
	unsigned waiting[RG_N_EVENT_TABLES] = {0};
	struct unrecorded before = s->unrecorded;

	/* Rows of different tables may be inserted out of their queue order:
	 * they commit together, and no row refers to another's rowid. On some
	 * errors (I/O, a full disk) SQLite rolls the transaction back itself:
	 * the batch stops there, or its later rows would each commit alone
	 * while the batch is counted as lost. */
	bool open = store_exec(s->db, "BEGIN", NULL, 0) == SQLITE_OK;
	for (unsigned i = 0; open && i < n; i++) {
		unsigned t = items[i]->kind == IT_EVENT
				     ? item_event(items[i])->table
				     : RG_N_EVENT_TABLES;
		if (t == RG_N_EVENT_TABLES) {
			write_one(s, items[i], &r);
		} else {
			group[t][waiting[t]++] = items[i];
			if (waiting[t] == GROUP_ROWS) {
				write_group(s, t, group[t], GROUP_ROWS, &r);
				waiting[t] = 0;
			}
		}
		open = !sqlite3_get_autocommit(s->db);
	}
	for (unsigned t = 0; open && t < RG_N_EVENT_TABLES; t++) {
		write_group(s, t, group[t], waiting[t], &r);
		open = !sqlite3_get_autocommit(s->db);
	}
	/* The gap row of rows lost (here or before) commits with the rest. If
	 * its insert makes SQLite roll back (a full disk), the batch goes with
	 * it and is counted lost below, as after any rollback. */
	if (open) {
		add_unrecorded(s, &r);
		write_unrecorded(s, &r);
		open = !sqlite3_get_autocommit(s->db);
	}
	/* the shipper's acknowledgements ride along (ship_cursor.c): a
	 * failure leaves them for the next batch, never this batch's rows */
	if (open)
		store_ship_persist(s);
	/* the batch's link commits with it, or neither does */
	if (open && store_chain_link(s, "batch", ""))
		open = false;
	if (!open || store_exec(s->db, "COMMIT", NULL, 0) != SQLITE_OK) {
		store_complain(s, sqlite3_errmsg(s->db));
		store_exec(s->db, "ROLLBACK", NULL, 0);
		store_chain_undo(s);
		store_dict_undo(s);
		memset(&r, 0, sizeof(r));
		for (unsigned i = 0; i < n; i++)
			note_failure(&r, item_ts(items[i]));
		s->unrecorded = before; /* a gap row written in the batch went with it */
		add_unrecorded(s, &r);
		write_unrecorded(s, &r); /* alone, if the database takes anything */
	} else {
		store_chain_committed(s);
	}
	uint64_t us = (uint64_t)(rg_mono_ns() - t0) / 1000;

	pthread_mutex_lock(&s->mu);
	s->st.rows_process_events += r.events[0];
	s->st.rows_file_events += r.events[1];
	s->st.rows_network_events += r.events[2];
	s->st.rows_system_events += r.events[3];
	s->st.rows_processes += r.rows[IT_PROCESS];
	s->st.rows_health += r.rows[IT_HEALTH];
	s->st.rows_gaps += r.rows[IT_GAP];
	s->st.rows_alerts += r.rows[IT_ALERT];
	s->st.store_failures += r.failed;
	s->st.rows_grouped += r.grouped;
	s->st.batches++;
	if (us > s->st.batch_commit_us_max)
		s->st.batch_commit_us_max = us;
	pthread_mutex_unlock(&s->mu);
	for (unsigned i = 0; i < n; i++)
		free(items[i]);
}

/* Takes up to batch_rows rows off the queue (mu held). */
static unsigned take(struct rg_store *s, struct item **out)
{
	unsigned n = s->count < (unsigned)s->o.batch_rows ? s->count : (unsigned)s->o.batch_rows;
	for (unsigned i = 0; i < n; i++) {
		out[i] = s->q[s->head];
		s->head = (s->head + 1) % s->cap;
	}
	s->count -= n;
	return n;
}

/* True when the writer should write now rather than wait (mu held). */
static bool due(struct rg_store *s)
{
	if (!s->count)
		return false;
	return s->stop || s->count >= (unsigned)s->o.batch_rows || s->done < s->flush_to ||
	       rg_mono_ns() - s->first_at >= (int64_t)s->o.batch_ms * 1000000;
}

/* Writes batches until the queue is empty and stop is set (or, called
 * without a thread, until the queue is empty). */
void store_run_writer(struct rg_store *s, bool threaded)
{
	struct item **batch = rg_malloc(sizeof(*batch) * (size_t)s->o.batch_rows);
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (threaded && !due(s) && !(s->stop && !s->count)) {
			int64_t wait = s->count ? s->first_at : rg_mono_ns();
			wait += (int64_t)s->o.batch_ms * 1000000;
			struct timespec ts = {wait / 1000000000, wait % 1000000000};
			pthread_cond_timedwait(&s->wake, &s->mu, &ts);
		}
		if (!s->count)
			break;
		unsigned n = take(s, batch);
		int64_t keep = s->ck.keep;
		pthread_mutex_unlock(&s->mu);
		if (keep && keep != s->wal_limit)
			store_set_wal_limit(s, keep, NULL, 0);
		write_batch(s, batch, n);
		if (threaded) /* not while closing: the last health row is written */
			store_prune(s);
		pthread_mutex_lock(&s->mu);
		s->done += n;
		pthread_cond_broadcast(&s->idle);
	}
	pthread_mutex_unlock(&s->mu);
	free(batch);
}

/* The writer only writes the database it was given open: it gives up
 * every capability first (they are per thread: caps.h). */
void *store_writer_main(void *arg)
{
	pthread_setname_np(pthread_self(), "rg-writer"); /* for top -H, ps -L */
	rg_caps_drop_all();
	store_run_writer(arg, true);
	return NULL;
}
