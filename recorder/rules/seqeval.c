/* seqeval.c: sequence rules: a step continues the most recent partial
 * match its join finds (rules.h; the state is sequence.h's). */
#include "rules_int.h"

#include <string.h>

/* ---- sequences ---------------------------------------------------------------- *
 *
 * A partial match of rule R's first k steps waits in e->sq under the key
 * that step k+1's join needs: a proc_id (process, descendant) or a value
 * of the join's left fields. An event matching step k+1's conditions looks
 * itself up by its proc_id (descendant: and each ancestor's) or by the
 * values of the join's right fields; the most recent partial found (by its
 * last step's seq) is the one it continues. Steps are tried from the last
 * to the first, so one event never takes a sequence two steps at once. */

struct seqwalk {
	struct eval *e;
	unsigned rule, stage;
	const struct rg_partial *best; /* the lookup's result */
	struct rg_partial next;        /* what put stores */
};

/* A join key: a number's is 'N' and its eight bytes, made in num (no
 * buffer to check for room: most keys are proc_ids), a text's 'T' and
 * its bytes, made in e->key. */
struct joinkey {
	const char *p;
	size_t len;
	char num[1 + sizeof(int64_t)];
};

static void key_num(struct joinkey *k, int64_t v)
{
	k->num[0] = 'N';
	memcpy(k->num + 1, &v, sizeof(v));
	k->p = k->num;
	k->len = sizeof(k->num);
}

static void key_val(struct joinkey *k, struct rg_buf *b, const struct val *v)
{
	if (v->num)
		return key_num(k, v->i);
	b->len = 0;
	rg_buf_addc(b, 'T');
	rg_buf_add(b, v->p, v->n);
	k->p = b->p;
	k->len = b->len;
}

static void consider(struct seqwalk *w, const struct joinkey *k)
{
	struct eval *e = w->e;
	const struct rg_partial *p =
		rg_seqstate_find(e->sq, w->rule, w->stage, k->p, k->len, e->ev->ts_ns);
	if (p && (!w->best || p->seqs[p->stage - 1] > w->best->seqs[w->best->stage - 1]))
		w->best = p;
}

static bool find_val(void *arg, const struct val *v)
{
	struct seqwalk *w = arg;
	struct joinkey k;
	key_val(&k, &w->e->key, v);
	consider(w, &k);
	return false; /* every value is a candidate */
}

static void find_proc(struct seqwalk *w, int64_t proc_id)
{
	if (!proc_id)
		return;
	struct joinkey k;
	key_num(&k, proc_id);
	consider(w, &k);
}

/* The partial of the steps before step k (0-based) that ev continues. */
static const struct rg_partial *find_before(struct eval *e, unsigned ri, unsigned k)
{
	const struct join *j = &e->rs->rules[ri].steps[k].join;
	struct seqwalk w = {e, ri, k, NULL, {0}};
	const struct rg_event *ev = e->ev;
	if (j->kind == J_FIELDS) {
		for (unsigned f = 0; f < j->nright; f++)
			rules_visit_fref(e, &j->right[f], find_val, &w);
		return w.best;
	}
	find_proc(&w, ev->proc_id);
	if (j->kind != J_PROCESS) { /* up the parents: one for a child */
		int levels = j->kind == J_CHILD ? 1 : MAX_ANCESTORS;
		const struct rg_lproc *p = rg_lineage_get(e->lin, ev->proc_id);
		int64_t up = p ? p->parent_proc_id : ev->parent_proc_id;
		for (int depth = 0; up && depth < levels; depth++) {
			find_proc(&w, up);
			p = rg_lineage_get(e->lin, up);
			up = p && p->parent_proc_id != p->proc_id ? p->parent_proc_id : 0;
		}
	}
	return w.best;
}

static bool put_val(void *arg, const struct val *v)
{
	struct seqwalk *w = arg;
	struct joinkey k;
	key_val(&k, &w->e->key, v);
	rg_seqstate_put(w->e->sq, k.p, k.len, &w->next);
	return false; /* a partial per value */
}

/* Stores next (its first `stage` steps matched, ev the last of them) under
 * the keys step `stage`'s join will look for. */
static void put_after(struct eval *e, const struct rg_step *following, struct seqwalk *w)
{
	const struct join *j = &following->join;
	if (j->kind == J_FIELDS) {
		for (unsigned f = 0; f < j->nleft; f++)
			rules_visit_fref(e, &j->left[f], put_val, w);
	} else if (e->ev->proc_id) {
		struct joinkey k;
		key_num(&k, e->ev->proc_id);
		rg_seqstate_put(e->sq, k.p, k.len, &w->next);
	}
}

/* "<last step's summary> after <first step's summary>", bounded. */
static const char *sequence_summary(struct eval *e, const char *first)
{
	struct rg_buf *b = &e->seqsum;
	b->len = 0;
	rg_buf_adds(b, rules_event_summary(e));
	rg_buf_adds(b, " after ");
	rg_buf_adds(b, first);
	rules_cap_summary(b);
	return rg_buf_cstr(b);
}

/* Step k of rule ri on the event, a type the step takes, while partials
 * of its stage are held (k > 0): continues the partial its join finds or
 * (k == 0) starts one, when the step's conditions hold. Not inline: the
 * loop over a rule's steps, most of them of other types, then keeps to a
 * few instructions a step. */
static __attribute__((noinline)) void sequence_step(struct eval *e, unsigned ri, unsigned k)
{
	const struct rg_rule *r = &e->rs->rules[ri];
	const struct rg_step *st = &r->steps[k];
	const struct rg_event *ev = e->ev;
	const struct rg_partial *p = k ? find_before(e, ri, k) : NULL;
	if ((k && !p) || !rules_step_fires(st, e))
		return;
	struct seqwalk w = {e, ri, k + 1, NULL, {.rule = ri, .stage = k + 1}};
	if (k == 0) {
		/* an event stamped near the clock's end (imported, or a
		 * forged time) waits to the end, not past it */
		if (__builtin_add_overflow(ev->ts_ns, r->window_ns, &w.next.deadline_ns))
			w.next.deadline_ns = INT64_MAX;
		w.next.summary = rules_event_summary(e);
		w.next.summary_len = e->sum.len;
	} else {
		if (k == r->nsteps - 1) {
			uint64_t steps[RG_SEQ_MAX_STEPS];
			memcpy(steps, p->seqs, k * sizeof(steps[0]));
			steps[k] = ev->seq;
			rules_report(e, r, sequence_summary(e, p->summary), steps, r->nsteps);
			rg_seqstate_remove(e->sq, p); /* each first step completes once */
			e->stepped = true;
			return;
		}
		memcpy(w.next.seqs, p->seqs, k * sizeof(p->seqs[0]));
		w.next.deadline_ns = p->deadline_ns;
		e->first.len = 0; /* put may free p (the bound), and with it this */
		rg_buf_add(&e->first, p->summary, p->summary_len);
		w.next.summary = rg_buf_cstr(&e->first);
		w.next.summary_len = e->first.len;
	}
	w.next.seqs[k] = ev->seq;
	e->stepped = true; /* a partial now holds this event's seq */
	put_after(e, &r->steps[k + 1], &w);
}

void rules_sequence_eval(struct eval *e, unsigned ri)
{
	const struct rg_rule *r = &e->rs->rules[ri];
	rg_etmask type = RG_ET_BIT(e->ev->type);
	/* a later step needs a partial to continue: that is one lookup, its
	 * conditions are many; so the partials held of its stage are asked
	 * first, then (sequence_step) the one this event would continue (most
	 * events of a later step's type continue none), and only then the
	 * conditions */
	for (unsigned k = r->nsteps; k-- > 0;)
		if ((r->steps[k].types & type) && (!k || rg_seqstate_any(e->sq, ri, k)))
			sequence_step(e, ri, k);
}
