/* queue.c: the recorder thread's side: rows copied into the bounded
 * queue, counters, sync (store.h). */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "clock.h"

/* ---- the queue ----------------------------------------------------------- */

/* A full queue drops the row, unless it is one the record needs most
 * (keep: see rg_store_put_event) and the reserve has room. */
static void enqueue(struct rg_store *s, struct item *it, bool keep)
{
	pthread_mutex_lock(&s->mu);
	if (s->count >= (keep ? s->cap : s->limit)) {
		s->st.user_drops++;
		const struct qevent *ev = item_event(it);
		if (it->kind == IT_EVENT && ev->table < RG_N_EVENT_TABLES) {
			s->st.user_drops_by_table[ev->table]++;
			if (!s->st.user_drop_oldest_ns || ev->ts_ns < s->st.user_drop_oldest_ns)
				s->st.user_drop_oldest_ns = ev->ts_ns;
		}
		pthread_mutex_unlock(&s->mu);
		free(it);
		return;
	}
	if (s->count >= s->limit)
		s->st.reserve_used++;
	if (!s->count)
		s->first_at = rg_mono_ns();
	s->q[(s->head + s->count) % s->cap] = it;
	s->count++;
	s->queued++;
	if (s->count == (unsigned)s->o.batch_rows)
		pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->mu);
}

/* Copies row (size bytes) and the strings at str_offs inside it. */
static struct item *copy_item(enum item_kind kind, const void *row, size_t size,
			      const size_t *str_offs, unsigned nstr)
{
	size_t at = (size + 7) & ~(size_t)7; /* the strings' offset */
	size_t extra = 0;
	for (unsigned i = 0; i < nstr; i++) {
		const struct rg_str *v = (const void *)((const char *)row + str_offs[i]);
		extra += v->p ? v->len : 0;
	}
	struct item *it = rg_malloc(sizeof(*it) + at + extra);
	it->kind = kind;
	char *copy = item_row(it);
	memcpy(copy, row, size);
	char *d = copy + at;
	for (unsigned i = 0; i < nstr; i++) {
		struct rg_str *v = (void *)(copy + str_offs[i]);
		if (!v->p)
			continue;
		memcpy(d, v->p, v->len);
		v->p = d;
		d += v->len;
	}
	return it;
}

/* The event packed as the writer binds it (struct qevent): its columns'
 * values are worked out here, on the recorder's thread, so the writer
 * (the first to fall behind under load) only hands them to SQLite. */
static struct item *pack_event(struct rg_store *s, const struct rg_event *ev)
{
	unsigned t = rg_row_event_table(ev);
	unsigned n = t < RG_N_EVENT_TABLES ? s->type_ncols[ev->type] : 0;
	const uint8_t *cols = s->type_col_list[ev->type];
	unsigned char fixed[RG_FIELDS_MAX * QVAL_MAX], *p = fixed;
	struct rg_str bytes[RG_FIELDS_MAX];
	unsigned nbytes = 0;
	size_t len = 0;
	struct rg_buf cmdline = {0}; /* the one cmdline column's text (argv joined) */
	for (unsigned k = 0; k < n; k++) {
		const struct rg_field *f = s->event_fields[t][cols[k]];
		if (f->type == RG_FT_ETYPE) { /* the writer has it from qevent.type */
			*p++ = QV_ETYPE;
			continue;
		}
		struct rg_sql_value v;
		rg_row_field_value(f, ev, &cmdline, &v);
		p = qval_put(p, &v);
		if (v.type == SQLITE_TEXT || v.type == SQLITE_BLOB) {
			bytes[nbytes++] = (struct rg_str){v.p, (uint32_t)v.n};
			len += v.n;
		}
	}
	size_t nfixed = (size_t)(p - fixed);
	struct item *it = rg_malloc(sizeof(*it) + sizeof(struct qevent) + nfixed + len);
	it->kind = IT_EVENT;
	struct qevent *q = item_row(it);
	*q = (struct qevent){ev->seq, ev->ts_ns, (uint8_t)t, (uint8_t)ev->type, (uint16_t)nfixed};
	memcpy(q->cols, fixed, nfixed);
	unsigned char *d = q->cols + nfixed;
	for (unsigned i = 0; i < nbytes; i++) {
		if (bytes[i].len)
			memcpy(d, bytes[i].p, bytes[i].len);
		d += bytes[i].len;
	}
	rg_buf_free(&cmdline);
	return it;
}

void rg_store_put_event(struct rg_store *s, const struct rg_event *ev, bool keep)
{
	enqueue(s, pack_event(s, ev), keep);
}

void rg_store_put_process(struct rg_store *s, const struct rg_process *p)
{
	static const size_t offs[] = {
		offsetof(struct rg_process, comm), offsetof(struct rg_process, exe),
		offsetof(struct rg_process, argv), offsetof(struct rg_process, cwd),
		offsetof(struct rg_process, script), offsetof(struct rg_process, env),
		offsetof(struct rg_process, who.user), offsetof(struct rg_process, who.euser),
		offsetof(struct rg_process, who.group), offsetof(struct rg_process, who.login_user),
		offsetof(struct rg_process, who.sudo_user),
		offsetof(struct rg_process, who.ssh_client),
		offsetof(struct rg_process, who.cgroup_path),
		offsetof(struct rg_process, who.container_id),
	};
	enqueue(s, copy_item(IT_PROCESS, p, sizeof(*p), offs, sizeof(offs) / sizeof(offs[0])),
		true);
}

void rg_store_put_seed(struct rg_store *s, const struct rg_process *p)
{
	static const size_t offs[] = {
		offsetof(struct rg_process, comm), offsetof(struct rg_process, exe),
		offsetof(struct rg_process, argv), offsetof(struct rg_process, who.user),
		offsetof(struct rg_process, who.container_id),
	};
	enqueue(s, copy_item(IT_SEED, p, sizeof(*p), offs, sizeof(offs) / sizeof(offs[0])),
		true);
}

/* Health rows use the reserve, as gap rows do: a storm that fills the
 * queue is when the record most needs to say what it counted. */
void rg_store_put_health(struct rg_store *s, const struct rg_health *h)
{
	enqueue(s, copy_item(IT_HEALTH, h, sizeof(*h), NULL, 0), true);
}

/* gap reasons are string literals: the pointer is copied as it is; the
 * rule id is copied (a reload frees the rule set before the row is written). */
void rg_store_put_gap(struct rg_store *s, const struct rg_gap *g)
{
	static const size_t offs[] = {offsetof(struct rg_gap, rule_id)};
	enqueue(s, copy_item(IT_GAP, g, sizeof(*g), offs, 1), true);
}

void rg_store_put_alert(struct rg_store *s, const struct rg_alert *a)
{
	static const size_t offs[] = {
		offsetof(struct rg_alert, rule_id),   offsetof(struct rg_alert, rule_name),
		offsetof(struct rg_alert, severity),  offsetof(struct rg_alert, tags),
		offsetof(struct rg_alert, summary),   offsetof(struct rg_alert, rules_digest),
		offsetof(struct rg_alert, exe),       offsetof(struct rg_alert, rule_source),
		offsetof(struct rg_alert, rule_file),
	};
	enqueue(s, copy_item(IT_ALERT, a, sizeof(*a), offs, sizeof(offs) / sizeof(offs[0])),
		true);
}

void rg_store_put_meta(struct rg_store *s, const char *key, const char *value)
{
	struct meta_row m = {{key, (uint32_t)strlen(key)}, {value, (uint32_t)strlen(value)}};
	static const size_t offs[] = {offsetof(struct meta_row, key),
				      offsetof(struct meta_row, value)};
	enqueue(s, copy_item(IT_META, &m, sizeof(m), offs, 2), true);
}

void rg_store_stats(struct rg_store *s, struct rg_store_stats *st)
{
	pthread_mutex_lock(&s->mu);
	s->st.queue_depth = s->count;
	*st = s->st;
	s->st.batch_commit_us_max = 0;
	s->st.user_drop_oldest_ns = 0;
	s->st.checkpoint_us_max = 0;
	pthread_mutex_unlock(&s->mu);
	st->wal_bytes = (uint64_t)store_file_size(s->wal_path);
}

void rg_store_sync(struct rg_store *s)
{
	if (!s->running) {
		store_run_writer(s, false);
		return;
	}
	pthread_mutex_lock(&s->mu);
	s->flush_to = s->queued;
	pthread_cond_signal(&s->wake);
	while (s->done < s->flush_to)
		pthread_cond_wait(&s->idle, &s->mu);
	pthread_mutex_unlock(&s->mu);
}
