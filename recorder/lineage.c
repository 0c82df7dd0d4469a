/* lineage.c: the rules' process context (see lineage.h).
 *
 * A chained hash on proc_id and two FIFO lists for eviction order, like
 * the process table, but keyed by proc_id: rules follow parent_proc_id.
 */
#include "lineage.h"

#include <stdlib.h>
#include <string.h>

struct node {
	struct rg_lproc p;
	char *strs; /* owns p's strings */
	bool exited;
	struct node *hnext, *prev, *next;
};

struct list {
	struct node *head, *tail;
};

struct rg_lineage {
	struct node **buckets;
	unsigned nbuckets, max, size;
	uint64_t evictions;
	struct list live, exited;
};

static void list_push(struct list *l, struct node *n)
{
	n->next = NULL;
	n->prev = l->tail;
	if (l->tail)
		l->tail->next = n;
	else
		l->head = n;
	l->tail = n;
}

static void list_del(struct list *l, struct node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		l->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		l->tail = n->prev;
}

static struct node **slot(const struct rg_lineage *l, int64_t id)
{
	struct node **pp = &l->buckets[((uint64_t)id * 0x9E3779B97F4A7C15ull >> 32) &
				       (l->nbuckets - 1)];
	while (*pp && (*pp)->p.proc_id != id)
		pp = &(*pp)->hnext;
	return pp;
}

struct rg_lineage *rg_lineage_new(unsigned max)
{
	struct rg_lineage *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->max = max ? max : 1;
	l->nbuckets = 256;
	while (l->nbuckets < l->max)
		l->nbuckets *= 2;
	l->buckets = calloc(l->nbuckets, sizeof(*l->buckets));
	if (!l->buckets) {
		free(l);
		return NULL;
	}
	return l;
}

static void drop(struct rg_lineage *l, struct node *n)
{
	struct node **pp = slot(l, n->p.proc_id);
	*pp = n->hnext;
	list_del(n->exited ? &l->exited : &l->live, n);
	free(n->strs);
	free(n);
	l->size--;
}

void rg_lineage_free(struct rg_lineage *l)
{
	if (!l)
		return;
	while (l->live.head)
		drop(l, l->live.head);
	while (l->exited.head)
		drop(l, l->exited.head);
	free(l->buckets);
	free(l);
}

static void set_strings(struct node *n, struct rg_str comm, struct rg_str exe,
			struct rg_str argv)
{
	struct rg_str in[3] = {comm, exe, argv}, *out[3] = {&n->p.comm, &n->p.exe, &n->p.argv};
	char *block = malloc((size_t)comm.len + exe.len + argv.len + 1), *at = block;
	if (!block)
		return; /* keep the old strings */
	for (int i = 0; i < 3; i++) {
		if (in[i].p)
			memcpy(at, in[i].p, in[i].len);
		*out[i] = (struct rg_str){in[i].p ? at : NULL, in[i].len};
		at += in[i].len;
	}
	free(n->strs);
	n->strs = block;
}

/* The node for id, created (evicting when full) if absent. */
static struct node *get_or_add(struct rg_lineage *l, int64_t id, bool *added)
{
	struct node **pp = slot(l, id);
	*added = !*pp;
	if (*pp)
		return *pp;
	if (l->size >= l->max) {
		struct node *victim = l->exited.head ? l->exited.head : l->live.head;
		drop(l, victim);
		l->evictions++;
		pp = slot(l, id);
	}
	struct node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->p.proc_id = id;
	*pp = n;
	list_push(&l->live, n);
	l->size++;
	return n;
}

void rg_lineage_process(struct rg_lineage *l, const struct rg_process *p)
{
	bool added;
	struct node *n = p->proc_id ? get_or_add(l, p->proc_id, &added) : NULL;
	if (!n || !added)
		return;
	n->p.parent_proc_id = p->parent_proc_id;
	n->p.uid = p->uid;
	n->p.euid = p->euid;
	n->p.auid = p->auid;
	n->p.creds_known = true;
	set_strings(n, p->comm, p->exe, p->argv);
}

/* A live process with new activity moves to the back of the eviction
 * order. */
static void touch(struct rg_lineage *l, struct node *n)
{
	if (n && !n->exited) {
		list_del(&l->live, n);
		list_push(&l->live, n);
	}
}

static void on_exec(struct rg_lineage *l, const struct rg_event *ev)
{
	bool added;
	struct node *n = get_or_add(l, ev->proc_id, &added);
	if (!n)
		return;
	n->p.parent_proc_id = ev->parent_proc_id;
	n->p.uid = ev->uid;
	n->p.euid = ev->euid;
	n->p.auid = ev->auid;
	n->p.creds_known = true;
	set_strings(n, ev->comm, ev->exe, ev->argv);
	touch(l, n);
}

/* The child runs its parent's image until it execs; its uid is the one
 * the fork event saw. A parent not in the table lends what the event has
 * and no euid/auid: unknown, not root. */
static void on_fork(struct rg_lineage *l, const struct rg_event *ev)
{
	bool added;
	touch(l, *slot(l, ev->proc_id)); /* so the add below does not evict it */
	struct node *n = get_or_add(l, ev->child_proc_id, &added);
	if (!n)
		return;
	const struct node *parent = *slot(l, ev->proc_id);
	struct rg_lproc from = {.uid = ev->uid, .comm = ev->comm, .exe = ev->exe};
	if (parent && parent != n)
		from = parent->p;
	n->p.parent_proc_id = ev->proc_id;
	n->p.uid = ev->uid;
	n->p.euid = from.euid;
	n->p.auid = from.auid;
	n->p.creds_known = from.creds_known;
	set_strings(n, from.comm, from.exe, from.argv);
}

static void on_exit_event(struct rg_lineage *l, const struct rg_event *ev)
{
	struct node *n = *slot(l, ev->proc_id);
	if (n && !n->exited) {
		list_del(&l->live, n);
		n->exited = true;
		list_push(&l->exited, n);
	}
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
	default:
		break;
	}
}

const struct rg_lproc *rg_lineage_get(const struct rg_lineage *l, int64_t proc_id)
{
	const struct node *n = proc_id ? *slot(l, proc_id) : NULL;
	return n ? &n->p : NULL;
}

uint64_t rg_lineage_evictions(const struct rg_lineage *l)
{
	return l->evictions;
}
