/* procs.c: processes derived from an imported stream's events (procs.h). */
#include "procs.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#define AUID_UNSET 4294967295u

struct proc {
	struct rg_process p;
	char *strs; /* the block its strings point into */
};

struct rgi_procs {
	struct proc **all; /* in the order first seen */
	unsigned n, cap;
	unsigned *slots; /* open addressing by proc_id: index + 1, 0 empty */
	unsigned nslots;
};

struct rgi_procs *rgi_procs_new(void)
{
	struct rgi_procs *ps = rg_calloc(1, sizeof(*ps));
	ps->nslots = 1024;
	ps->slots = rg_calloc(ps->nslots, sizeof(*ps->slots));
	return ps;
}

void rgi_procs_free(struct rgi_procs *ps)
{
	if (!ps)
		return;
	for (unsigned i = 0; i < ps->n; i++) {
		free(ps->all[i]->strs);
		free(ps->all[i]);
	}
	free(ps->all);
	free(ps->slots);
	free(ps);
}

static unsigned slot_of(const struct rgi_procs *ps, int64_t id)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ull;
	unsigned i = (unsigned)(h >> 32) & (ps->nslots - 1);
	while (ps->slots[i] && ps->all[ps->slots[i] - 1]->p.proc_id != id)
		i = (i + 1) & (ps->nslots - 1);
	return i;
}

static void grow(struct rgi_procs *ps)
{
	unsigned *old = ps->slots, n = ps->nslots;
	ps->nslots *= 2;
	ps->slots = rg_calloc(ps->nslots, sizeof(*ps->slots));
	for (unsigned i = 0; i < n; i++)
		if (old[i])
			ps->slots[slot_of(ps, ps->all[old[i] - 1]->p.proc_id)] = old[i];
	free(old);
}

static struct proc *find(const struct rgi_procs *ps, int64_t id)
{
	unsigned i = slot_of(ps, id);
	return ps->slots[i] ? ps->all[ps->slots[i] - 1] : NULL;
}

/* A new process: its identity and when the stream first shows it (the
 * start the recorder had is not carried). */
static struct proc *add(struct rgi_procs *ps, int64_t id, uint32_t pid,
			const struct rg_event *ev, enum rg_proc_source src)
{
	if (2 * (ps->n + 1) > ps->nslots)
		grow(ps);
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 256;
		ps->all = rg_realloc(ps->all, ps->cap * sizeof(*ps->all));
	}
	struct proc *pr = rg_calloc(1, sizeof(*pr));
	pr->p.proc_id = id;
	pr->p.pid = pid;
	pr->p.start_boot_ns = ev->boot_ns;
	pr->p.start_ns = ev->ts_ns;
	pr->p.source = src;
	ps->all[ps->n++] = pr;
	ps->slots[slot_of(ps, id)] = ps->n;
	return pr;
}

/* Makes t the process, its strings copied (t's may point into the old
 * block, freed after the copy), as proctab.c's commit(). */
static void commit(struct proc *pr, struct rg_process *t)
{
	char *block = rg_process_dup_strs(t);
	free(pr->strs);
	pr->strs = block;
	pr->p = *t;
}

/* A process running before the stream shows it made: what its first event
 * says of it. Its ids before a credential change are the change's old
 * ones; euid is taken as uid and auid as unset, which no line carries. */
static struct proc *seen_acting(struct rgi_procs *ps, const struct rg_event *ev,
				void (*seed)(void *, const struct rg_process *), void *arg)
{
	struct proc *pr = add(ps, ev->proc_id, ev->pid, ev, RG_PSRC_PROC);
	struct rg_process t = pr->p;
	bool cred = ev->type == RG_ET_CRED_CHANGE;
	t.ppid = ev->ppid;
	t.parent_proc_id = ev->parent_proc_id;
	t.uid = cred ? ev->old_uid : ev->uid;
	t.gid = cred ? ev->old_gid : ev->gid;
	t.euid = cred ? ev->old_euid : t.uid;
	t.auid = AUID_UNSET;
	t.comm = ev->comm;
	t.exe = ev->exe;
	/* a process event's argv is its cmdline as one argument (line.h);
	 * other types carry none */
	if (RG_ET_BIT(ev->type) & RG_ET_PROCESS_MASK)
		t.argv = ev->argv;
	commit(pr, &t);
	if (seed)
		seed(arg, &pr->p);
	return pr;
}

static void apply_exec(struct rgi_procs *ps, const struct rg_event *ev)
{
	struct proc *pr = find(ps, ev->proc_id);
	if (!pr)
		pr = add(ps, ev->proc_id, ev->pid, ev, RG_PSRC_EXEC);
	struct rg_process t = pr->p;
	if (!t.ppid) { /* the parent that forked it was recorded at the fork */
		t.ppid = ev->ppid;
		t.parent_proc_id = ev->parent_proc_id;
	}
	t.comm = ev->comm;
	t.exe = ev->exe;
	t.argv = ev->argv;
	t.cwd = ev->cwd;
	t.script = ev->script;
	t.env = ev->env;
	t.uid = ev->uid;
	t.gid = ev->gid;
	t.euid = ev->euid;
	t.auid = ev->auid;
	t.sessionid = ev->sessionid;
	t.flags = ev->flags;
	t.who = ev->who;
	commit(pr, &t);
}

/* The child runs its parent's image until it execs (proctab.c's
 * apply_fork; the child's own cgroup and namespaces are not carried). */
static void apply_fork(struct rgi_procs *ps, const struct rg_event *ev, struct proc *parent)
{
	if (!ev->child_proc_id)
		return;
	struct proc *child = find(ps, ev->child_proc_id);
	if (!child) {
		child = add(ps, ev->child_proc_id, ev->child_pid, ev, RG_PSRC_FORK);
		struct rg_process t = child->p;
		const struct rg_process *from = &parent->p;
		t.comm = from->comm;
		t.exe = from->exe;
		t.argv = from->argv;
		t.cwd = from->cwd;
		t.script = from->script;
		t.env = from->env;
		t.flags = from->flags;
		t.who = from->who;
		commit(child, &t);
	}
	child->p.ppid = ev->pid;
	child->p.parent_proc_id = ev->proc_id;
	child->p.uid = ev->uid;
	child->p.gid = ev->gid;
	child->p.euid = parent->p.euid;
	child->p.auid = parent->p.auid;
	child->p.sessionid = parent->p.sessionid;
}

void rgi_procs_event(struct rgi_procs *ps, const struct rg_event *ev,
		     void (*seed)(void *arg, const struct rg_process *p), void *arg)
{
	if (!ev->proc_id)
		return;
	if (ev->type == RG_ET_PROCESS_START) {
		apply_exec(ps, ev);
		return;
	}
	struct proc *pr = find(ps, ev->proc_id);
	if (!pr)
		pr = seen_acting(ps, ev, seed, arg);
	switch (ev->type) {
	case RG_ET_PROCESS_RELATIONSHIP:
		apply_fork(ps, ev, pr);
		break;
	case RG_ET_PROCESS_EXIT:
		if (!pr->p.exited) {
			pr->p.exited = true;
			pr->p.exit_ns = ev->ts_ns;
			pr->p.exit_code = ev->exit_code;
			pr->p.signal = ev->signal;
		}
		break;
	case RG_ET_CRED_CHANGE:
		pr->p.uid = ev->uid;
		pr->p.gid = ev->gid;
		pr->p.euid = ev->euid;
		break;
	default:
		break;
	}
}

void rgi_procs_each(const struct rgi_procs *ps,
		    void (*fn)(void *arg, const struct rg_process *p), void *arg)
{
	for (unsigned i = 0; i < ps->n; i++)
		fn(arg, &ps->all[i]->p);
}

unsigned rgi_procs_count(const struct rgi_procs *ps)
{
	return ps->n;
}
