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
		unsigned t = it->kind == IT_EVENT ? rg_row_event_table(&it->u.ev) : RG_N_EVENT_TABLES;
		if (t < RG_N_EVENT_TABLES) {
			s->st.user_drops_by_table[t]++;
			int64_t ts = it->u.ev.ts_ns;
			if (!s->st.user_drop_oldest_ns || ts < s->st.user_drop_oldest_ns)
				s->st.user_drop_oldest_ns = ts;
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
	size_t extra = 0;
	for (unsigned i = 0; i < nstr; i++) {
		const struct rg_str *v = (const void *)((const char *)row + str_offs[i]);
		extra += v->p ? v->len : 0;
	}
	struct item *it = rg_malloc(sizeof(*it) + extra);
	it->kind = kind;
	memcpy(&it->u, row, size);
	char *d = it->data;
	for (unsigned i = 0; i < nstr; i++) {
		struct rg_str *v = (void *)((char *)&it->u + str_offs[i]);
		if (!v->p)
			continue;
		memcpy(d, v->p, v->len);
		v->p = d;
		d += v->len;
	}
	return it;
}

unsigned store_event_strings(size_t offs[RG_FIELDS_MAX])
{
	unsigned n = 0;
	for (unsigned i = 0; i < rg_nfields; i++) /* cmdline is argv's: copied once */
		if (rg_fields[i].type == RG_FT_STR || rg_fields[i].type == RG_FT_ARGV)
			offs[n++] = rg_fields[i].off;
	return n;
}

void rg_store_put_event(struct rg_store *s, const struct rg_event *ev, bool keep)
{
	enqueue(s, copy_item(IT_EVENT, ev, sizeof(*ev), s->event_strs, s->nevent_strs), keep);
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
