/* lineage.c: the rules' process context (see lineage.h).
 *
 * A bounded table (table.h) keyed by proc_id, as rules follow
 * parent_proc_id, ranked like the process table's: exited processes go
 * first, then the live one least recently touched.
 */
#include "lineage.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fields.h"
#include "table.h"

struct node {
	struct rg_table_link link;
	struct rg_lproc p;
	char *strs; /* owns p's strings */
	bool exited;
};

struct rg_lineage {
	struct rg_table t;
};

static struct node *node_of(struct rg_table_link *l)
{
	return l ? RG_TABLE_ENTRY(l, struct node, link) : NULL;
}

static struct node *lookup(const struct rg_lineage *l, int64_t id)
{
	return node_of(rg_table_find(&l->t, (uint64_t)id));
}

struct rg_lineage *rg_lineage_new(unsigned max)
{
	struct rg_lineage *l = rg_calloc(1, sizeof(*l));
	rg_table_init(&l->t, max);
	return l;
}

static void node_free(struct node *n)
{
	free(n->strs);
	free(n);
}

static void node_done(struct rg_table_link *k)
{
	node_free(node_of(k));
}

void rg_lineage_free(struct rg_lineage *l)
{
	if (!l)
		return;
	rg_table_fini(&l->t, node_done);
	free(l);
}

static struct rg_str cstr(const char *s)
{
	return (struct rg_str){s, s ? (uint32_t)strlen(s) : 0};
}

/* Gives n the context c (all but its proc_id), copying c's strings. */
static void set_context(struct node *n, const struct rg_lproc *c)
{
	const struct rg_str in[6] = {c->comm, c->exe, c->argv, c->user, c->container_id,
				     c->container_runtime};
	struct rg_str *const out[6] = {&n->p.comm, &n->p.exe, &n->p.argv, &n->p.user,
				       &n->p.container_id, &n->p.container_runtime};
	char *block = rg_strs_dup(out, in, 6);
	free(n->strs); /* only now: c may point into it */
	n->strs = block;
	n->p.parent_proc_id = c->parent_proc_id;
	n->p.uid = c->uid;
	n->p.euid = c->euid;
	n->p.auid = c->auid;
	n->p.creds_known = c->creds_known;
}

/* The node for id, created (evicting when full) if absent. */
static struct node *get_or_add(struct rg_lineage *l, int64_t id, bool *added)
{
	struct node *n = lookup(l, id);
	*added = !n;
	if (n)
		return n;
	if (rg_table_full(&l->t))
		node_free(node_of(rg_table_evict(&l->t, NULL)));
	n = rg_calloc(1, sizeof(*n));
	n->p.proc_id = id;
	rg_table_insert(&l->t, &n->link, (uint64_t)id, RG_TABLE_LIVE);
	return n;
}

void rg_lineage_process(struct rg_lineage *l, const struct rg_process *p)
{
	bool added;
	if (!p->proc_id)
		return;
	struct node *n = get_or_add(l, p->proc_id, &added);
	if (!added)
		return;
	set_context(n, &(struct rg_lproc){.parent_proc_id = p->parent_proc_id, .uid = p->uid,
					  .euid = p->euid, .auid = p->auid, .creds_known = true,
					  .comm = p->comm, .exe = p->exe, .argv = p->argv,
					  .user = p->who.user, .container_id = p->who.container_id,
					  .container_runtime = cstr(p->who.container_runtime)});
}

/* A live process with new activity moves to the back of the eviction
 * order. */
static void touch(struct rg_lineage *l, struct node *n)
{
	if (n && !n->exited)
		rg_table_requeue(&l->t, &n->link, RG_TABLE_LIVE);
}

static void on_exec(struct rg_lineage *l, const struct rg_event *ev)
{
	bool added;
	struct node *n = get_or_add(l, ev->proc_id, &added);
	set_context(n, &(struct rg_lproc){.parent_proc_id = ev->parent_proc_id, .uid = ev->uid,
					  .euid = ev->euid, .auid = ev->auid, .creds_known = true,
					  .comm = ev->comm, .exe = ev->exe, .argv = ev->argv,
					  .user = ev->who.user, .container_id = ev->who.container_id,
					  .container_runtime = cstr(ev->who.container_runtime)});
	touch(l, n);
}

/* The child runs its parent's image until it execs; its uid is the one
 * the fork event saw. A parent not in the table lends what the event has
 * and no euid/auid: unknown, not root. */
static void on_fork(struct rg_lineage *l, const struct rg_event *ev)
{
	bool added;
	touch(l, lookup(l, ev->proc_id)); /* so the add below does not evict it */
	struct node *n = get_or_add(l, ev->child_proc_id, &added);
	const struct node *parent = lookup(l, ev->proc_id);
	struct rg_lproc from = {.uid = ev->uid, .comm = ev->comm, .exe = ev->exe};
	if (parent && parent != n)
		from = parent->p;
	from.parent_proc_id = ev->proc_id;
	from.uid = ev->uid;
	set_context(n, &from);
}

static void on_exit_event(struct rg_lineage *l, const struct rg_event *ev)
{
	struct node *n = lookup(l, ev->proc_id);
	if (n && !n->exited) {
		n->exited = true;
		rg_table_requeue(&l->t, &n->link, RG_TABLE_EXITED);
	}
}

/* A credential change: the ids after it (the same as before when it
 * failed), for the rules that ask about this process's later events. */
static void on_cred(struct rg_lineage *l, const struct rg_event *ev)
{
	struct node *n = lookup(l, ev->proc_id);
	if (n) {
		n->p.uid = ev->uid;
		n->p.euid = ev->euid;
	}
}

/* What on_exec, on_fork, on_cred and on_exit_event read of the event. */
rg_fmask rg_lineage_fields(void)
{
	static const char *const read[] = {"event_type", "proc_id", "parent_proc_id",
					   "child_proc_id", "uid", "euid", "auid", "comm", "exe",
					   "argv", "user", "container_id", "container_runtime",
					   NULL};
	return rg_fields_mask(read);
}

rg_fmask rg_lineage_type_fields(enum rg_etype t)
{
	static const char *const id[] = {"event_type", "proc_id", NULL};
	if (t == RG_ET_PROCESS_START || t == RG_ET_PROCESS_RELATIONSHIP ||
	    t == RG_ET_PROCESS_EXIT || t == RG_ET_CRED_CHANGE)
		return rg_lineage_fields();
	return rg_fields_mask(id);
}

void rg_lineage_event(struct rg_lineage *l, const struct rg_event *ev)
{
	if (!ev->proc_id)
		return;
	switch (ev->type) {
	case RG_ET_PROCESS_START:
		on_exec(l, ev);
		break;
	case RG_ET_PROCESS_RELATIONSHIP:
		if (ev->child_proc_id)
			on_fork(l, ev);
		break;
	case RG_ET_PROCESS_EXIT:
		on_exit_event(l, ev);
		break;
	case RG_ET_CRED_CHANGE:
		on_cred(l, ev);
		break;
	default:
		break;
	}
}

const struct rg_lproc *rg_lineage_get(const struct rg_lineage *l, int64_t proc_id)
{
	const struct node *n = proc_id ? lookup(l, proc_id) : NULL;
	return n ? &n->p : NULL;
}

uint64_t rg_lineage_evictions(const struct rg_lineage *l)
{
	return l->t.evictions;
}
