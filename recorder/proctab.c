/* proctab.c: the process table (see proctab.h).
 *
 * A chained hash from pid to the one entry that currently holds the pid,
 * and two FIFO lists for eviction order: running processes by arrival,
 * exited ones by exit. A pid names one entry at a time; when a new process
 * arrives with a pid held by another identity (pid reuse), the old entry is
 * dropped: its row is already in the store.
 */
#include "proctab.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

struct entry {
	struct rg_process p;
	char *strs;          /* owns the bytes of p's strings */
	bool coarse;         /* start_boot_ns from /proc: tick precision */
	struct entry *hnext; /* hash chain */
	struct entry *prev, *next; /* live or exited list */
};

struct list {
	struct entry *head, *tail;
};

struct known {
	int64_t proc_id;
	uint32_t pid;
	uint64_t start_boot_ns;
};

struct rg_proctab {
	struct entry **buckets;
	unsigned nbuckets; /* power of two */
	unsigned max;
	uint64_t tick_ns;
	int64_t next_id;
	struct list live, exited;
	struct rg_proctab_stats st;
	struct known *known;
	unsigned nknown;
};

/* ---- lists and hash ------------------------------------------------------ */

static void list_push(struct list *l, struct entry *e)
{
	e->next = NULL;
	e->prev = l->tail;
	if (l->tail)
		l->tail->next = e;
	else
		l->head = e;
	l->tail = e;
}

static void list_del(struct list *l, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NULL;
}

static struct entry **slot(struct rg_proctab *pt, uint32_t pid)
{
	struct entry **pp = &pt->buckets[(pid * 2654435761u) & (pt->nbuckets - 1)];
	while (*pp && (*pp)->p.pid != pid)
		pp = &(*pp)->hnext;
	return pp;
}

static void entry_free(struct entry *e)
{
	free(e->strs);
	free(e);
}

/* Unlinks e from the hash and its list and frees it. */
static void drop(struct rg_proctab *pt, struct entry *e)
{
	struct entry **pp = slot(pt, e->p.pid);
	if (*pp == e)
		*pp = e->hnext;
	list_del(e->p.exited ? &pt->exited : &pt->live, e);
	entry_free(e);
	pt->st.size--;
}

/* Evicts the oldest exited process, else the oldest running one; never
 * `pin`, whose strings the caller is still lending to an event. */
static void evict_one(struct rg_proctab *pt, const struct entry *pin)
{
	struct entry *victim = pt->exited.head ? pt->exited.head : pt->live.head;
	if (victim == pin)
		victim = victim->next ? victim->next
				      : (pin->p.exited ? pt->live.head : NULL);
	if (victim) {
		drop(pt, victim);
		pt->st.evictions++;
	}
}

struct rg_proctab *rg_proctab_new(unsigned max, int64_t next_proc_id, uint64_t tick_ns)
{
	struct rg_proctab *pt = calloc(1, sizeof(*pt));
	if (!pt)
		return NULL;
	pt->nbuckets = 256;
	while (pt->nbuckets < max)
		pt->nbuckets *= 2;
	pt->buckets = calloc(pt->nbuckets, sizeof(*pt->buckets));
	if (!pt->buckets) {
		free(pt);
		return NULL;
	}
	pt->max = max;
	pt->next_id = next_proc_id > 0 ? next_proc_id : 1;
	pt->tick_ns = tick_ns ? tick_ns : 1;
	return pt;
}

void rg_proctab_free(struct rg_proctab *pt)
{
	if (!pt)
		return;
	while (pt->live.head)
		drop(pt, pt->live.head);
	while (pt->exited.head)
		drop(pt, pt->exited.head);
	free(pt->buckets);
	free(pt->known);
	free(pt);
}

/* ---- identity ------------------------------------------------------------ */

/* A /proc start time is the kernel's truncated to a tick: the precise time
 * of the same process lies in [coarse, coarse + tick). */
static bool same_start(const struct rg_proctab *pt, const struct entry *e, uint64_t start)
{
	if (e->p.start_boot_ns == start)
		return true;
	return e->coarse && start >= e->p.start_boot_ns &&
	       start - e->p.start_boot_ns < pt->tick_ns;
}

static struct entry *find(struct rg_proctab *pt, uint32_t pid, uint64_t start)
{
	struct entry *e = *slot(pt, pid);
	if (!e || !same_start(pt, e, start))
		return NULL;
	if (e->coarse && e->p.start_boot_ns != start) {
		e->p.start_boot_ns = start; /* a kernel event tells the exact time */
		e->coarse = false;
	}
	return e;
}

const struct rg_process *rg_proctab_find(struct rg_proctab *pt, uint32_t pid,
					 uint64_t start_boot_ns)
{
	struct entry *e = find(pt, pid, start_boot_ns);
	return e ? &e->p : NULL;
}

void rg_proctab_known(struct rg_proctab *pt, int64_t proc_id, uint32_t pid,
		      uint64_t start_boot_ns)
{
	struct known *k = realloc(pt->known, (pt->nknown + 1) * sizeof(*k));
	if (!k)
		return; /* the process just gets a new id */
	pt->known = k;
	k[pt->nknown++] = (struct known){proc_id, pid, start_boot_ns};
}

/* The stored start may be precise (the process was seen being created)
 * while /proc now gives it truncated to a tick, or the other way round:
 * the same process has the same tick. (Two processes with one pid in one
 * tick would need the pid space to wrap within 10 ms.) */
static int64_t known_id(const struct rg_proctab *pt, uint32_t pid, uint64_t start)
{
	for (unsigned i = 0; i < pt->nknown; i++)
		if (pt->known[i].pid == pid &&
		    pt->known[i].start_boot_ns / pt->tick_ns == start / pt->tick_ns)
			return pt->known[i].proc_id;
	return 0;
}

/* A new entry for an identity not in the table; replaces whatever held pid
 * and makes room if the table is full, sparing `pin` (the caller holds it:
 * a record that names the pinned process's own pid gets NULL). */
static struct entry *create(struct rg_proctab *pt, uint32_t pid, uint64_t start,
			    int64_t start_wall, enum rg_proc_source src,
			    const struct entry *pin)
{
	struct entry *old = *slot(pt, pid);
	if (old && old == pin)
		return NULL;
	if (old) {
		drop(pt, old);
		pt->st.pid_reuse++;
	}
	if (pt->st.size >= pt->max)
		evict_one(pt, pin);
	struct entry *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	int64_t id = known_id(pt, pid, start);
	e->p.proc_id = id ? id : pt->next_id++;
	e->p.pid = pid;
	e->p.start_boot_ns = start;
	e->p.start_ns = start_wall;
	e->p.source = src;
	e->coarse = src == RG_PSRC_PROC;
	struct entry **pp = slot(pt, pid);
	*pp = e;
	list_push(&pt->live, e);
	pt->st.size++;
	return e;
}

/* ---- strings --------------------------------------------------------------- */

/* Replaces the entry's strings with copies of the given ones, in one block. */
static void set_strings(struct entry *e, struct rg_str comm, struct rg_str exe,
			struct rg_str argv, struct rg_str cwd)
{
	struct rg_str in[4] = {comm, exe, argv, cwd};
	size_t total = 0;
	for (int i = 0; i < 4; i++)
		total += in[i].len;
	char *block = malloc(total ? total : 1);
	if (!block)
		return; /* keep the old strings */
	struct rg_str *out[4] = {&e->p.comm, &e->p.exe, &e->p.argv, &e->p.cwd};
	char *at = block;
	for (int i = 0; i < 4; i++) {
		if (in[i].p)
			memcpy(at, in[i].p, in[i].len);
		*out[i] = (struct rg_str){in[i].p ? at : NULL, in[i].len};
		at += in[i].len;
	}
	free(e->strs);
	e->strs = block;
}

/* ---- events ---------------------------------------------------------------- */

static void set_parent(struct rg_proctab *pt, struct entry *e, uint32_t ppid,
		       uint64_t parent_start)
{
	struct entry *parent = ppid ? find(pt, ppid, parent_start) : NULL;
	e->p.ppid = ppid;
	e->p.parent_proc_id = parent ? parent->p.proc_id : 0;
}

/* The event's process context: what the table knows about its process. */
static void lend_context(struct rg_event *ev, const struct entry *e)
{
	ev->proc_id = e->p.proc_id;
	ev->ppid = e->p.ppid;
	ev->parent_proc_id = e->p.parent_proc_id;
	ev->exe = e->p.exe;
	ev->argv = e->p.argv;
	if (!ev->comm.p)
		ev->comm = e->p.comm;
}

static struct entry *acting(struct rg_proctab *pt, const struct rg_event *ev,
			    const struct rg_ids *ids, enum rg_proc_source src)
{
	struct entry *e = find(pt, ev->pid, ids->start_boot_ns);
	if (!e) {
		int64_t wall = (int64_t)ids->start_boot_ns + (ev->ts_ns - (int64_t)ev->boot_ns);
		e = create(pt, ev->pid, ids->start_boot_ns, wall, src, NULL);
	}
	return e;
}

static const struct rg_process *apply_exec(struct rg_proctab *pt, struct rg_event *ev,
					const struct rg_ids *ids)
{
	struct entry *e = acting(pt, ev, ids, RG_PSRC_EXEC);
	if (!e)
		return NULL;
	/* The parent that forked us was recorded at fork; the kernel's
	 * real_parent may since be a reaper that adopted us. */
	if (!e->p.ppid)
		set_parent(pt, e, ev->ppid, ids->parent_start_boot_ns);
	set_strings(e, ev->comm, ev->exe, ev->argv, ev->cwd);
	e->p.uid = ev->uid;
	e->p.gid = ev->gid;
	e->p.euid = ev->euid;
	e->p.auid = ev->auid;
	e->p.sessionid = ev->sessionid;
	e->p.flags = ev->flags;
	ev->proc_id = e->p.proc_id;
	ev->ppid = e->p.ppid;
	ev->parent_proc_id = e->p.parent_proc_id;
	return &e->p;
}

static const struct rg_process *apply_fork(struct rg_proctab *pt, struct rg_event *ev,
					const struct rg_ids *ids)
{
	struct entry *parent = acting(pt, ev, ids, RG_PSRC_FORK);
	if (!parent)
		return NULL;
	lend_context(ev, parent);
	struct entry *child = find(pt, ev->child_pid, ids->child_start_boot_ns);
	if (!child) {
		int64_t wall = (int64_t)ids->child_start_boot_ns + (ev->ts_ns - (int64_t)ev->boot_ns);
		child = create(pt, ev->child_pid, ids->child_start_boot_ns, wall,
			       RG_PSRC_FORK, parent);
		if (!child)
			return NULL;
		/* A child runs its parent's image until it execs: its
		 * strings, and what the flags say of them (a memfd). */
		set_strings(child, parent->p.comm, parent->p.exe, parent->p.argv,
			    parent->p.cwd);
		child->p.flags = parent->p.flags;
	}
	child->p.ppid = ev->pid;
	child->p.parent_proc_id = ev->proc_id;
	child->p.uid = ev->uid;
	child->p.gid = ev->gid;
	child->p.euid = parent->p.euid;
	child->p.auid = parent->p.auid;
	child->p.sessionid = parent->p.sessionid;
	ev->child_proc_id = child->p.proc_id;
	return &child->p;
}

static const struct rg_process *apply_exit(struct rg_proctab *pt, struct rg_event *ev,
					const struct rg_ids *ids)
{
	struct entry *e = acting(pt, ev, ids, RG_PSRC_EXEC);
	if (!e)
		return NULL;
	lend_context(ev, e);
	if (e->p.exited)
		return NULL; /* two threads raced through exit: one exit */
	e->p.exited = true;
	e->p.exit_ns = ev->ts_ns;
	e->p.exit_code = ev->exit_code;
	e->p.signal = ev->signal;
	list_del(&pt->live, e);
	list_push(&pt->exited, e);
	return &e->p;
}

/* ---- bootstrap ------------------------------------------------------------- */

void rg_proctab_bootstrap(struct rg_proctab *pt, const struct rg_process *procs,
			  unsigned n, rg_proc_emit_fn emit, void *arg)
{
	for (unsigned i = 0; i < n; i++) {
		const struct rg_process *in = &procs[i];
		if (find(pt, in->pid, in->start_boot_ns))
			continue; /* an event already brought it in */
		struct entry *e = create(pt, in->pid, in->start_boot_ns, in->start_ns,
					 RG_PSRC_PROC, NULL);
		if (!e)
			continue;
		int64_t id = e->p.proc_id;
		e->p = *in;
		e->p.proc_id = id;
		e->p.source = RG_PSRC_PROC;
		e->p.parent_proc_id = 0;
		e->p.exited = false;
		set_strings(e, in->comm, in->exe, in->argv, in->cwd);
	}
	/* Parents only now: a parent may come after its child in /proc order.
	 * /proc's ppid is the current parent, which is all we can know. */
	for (unsigned i = 0; i < n; i++) {
		struct entry *e = find(pt, procs[i].pid, procs[i].start_boot_ns);
		if (!e)
			continue;
		struct entry *parent = e->p.ppid ? *slot(pt, e->p.ppid) : NULL;
		if (parent && !e->p.parent_proc_id)
			e->p.parent_proc_id = parent->p.proc_id;
		emit(arg, &e->p);
	}
}

const struct rg_process *rg_proctab_apply(struct rg_proctab *pt, struct rg_event *ev,
					  const struct rg_ids *ids)
{
	switch (ev->type) {
	case RG_ET_PROCESS_START:
		return apply_exec(pt, ev, ids);
	case RG_ET_PROCESS_RELATIONSHIP:
		return apply_fork(pt, ev, ids);
	case RG_ET_PROCESS_EXIT:
		return apply_exit(pt, ev, ids);
	case RG_ET_FILE_OPEN: case RG_ET_FILE_WRITE: case RG_ET_FILE_RENAME:
	case RG_ET_FILE_UNLINK: case RG_ET_NET_CONNECT: case RG_ET_NET_BIND:
	case RG_ET_NET_LISTEN: case RG_ET_NET_ACCEPT: {
		/* context only: these never create or change a process */
		const struct entry *e = find(pt, ev->pid, ids->start_boot_ns);
		if (e)
			lend_context(ev, e);
		return NULL;
	}
	default:
		return NULL;
	}
}

void rg_proctab_stats(const struct rg_proctab *pt, struct rg_proctab_stats *out)
{
	*out = pt->st;
}
