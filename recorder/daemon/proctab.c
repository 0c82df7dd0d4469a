/* proctab.c: the process table (see proctab.h).
 *
 * A bounded table (table.h) keyed by pid, holding the one entry that
 * currently holds each pid, ranked for eviction: running processes by
 * arrival, exited ones (first to go) by exit. A pid names one entry at a
 * time; when a new process arrives with a pid held by another identity
 * (pid reuse), the old entry is dropped: its row is already in the store.
 */
#include "proctab.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "ident.h"
#include "table.h"
#include "who.h"

struct entry {
	struct rg_table_link link;
	struct rg_process p;
	char *strs;  /* owns the bytes of p's strings */
	bool coarse; /* start_boot_ns from /proc: tick precision */
};

struct known {
	int64_t proc_id;
	uint32_t pid;
	uint64_t start_boot_ns;
};

struct rg_proctab {
	struct rg_table t;
	uint64_t tick_ns;
	int64_t next_id;
	uint64_t pid_reuse;
	struct known *known;
	unsigned nknown;
	struct rg_ident *ident; /* names and cgroup paths; NULL: none */
};

/* ---- the table ----------------------------------------------------------- */

static struct entry *entry_of(struct rg_table_link *l)
{
	return l ? RG_TABLE_ENTRY(l, struct entry, link) : NULL;
}

/* The entry holding pid, whatever its start time, or NULL. */
static struct entry *holder(const struct rg_proctab *pt, uint32_t pid)
{
	return entry_of(rg_table_find(&pt->t, pid));
}

static void entry_free(struct entry *e)
{
	free(e->strs);
	free(e);
}

static void entry_done(struct rg_table_link *l)
{
	entry_free(entry_of(l));
}

/* Takes e out of the table and frees it. */
static void drop(struct rg_proctab *pt, struct entry *e)
{
	rg_table_remove(&pt->t, &e->link);
	entry_free(e);
}

/* Evicts the oldest exited process, else the oldest running one; never
 * `pin`, whose strings the caller is still lending to an event. */
static void evict_one(struct rg_proctab *pt, const struct entry *pin)
{
	struct entry *victim = entry_of(rg_table_evict(&pt->t, pin ? &pin->link : NULL));
	if (victim)
		entry_free(victim);
}

struct rg_proctab *rg_proctab_new(unsigned max, int64_t next_proc_id, uint64_t tick_ns)
{
	struct rg_proctab *pt = rg_calloc(1, sizeof(*pt));
	rg_table_init(&pt->t, max);
	pt->next_id = next_proc_id > 0 ? next_proc_id : 1;
	pt->tick_ns = tick_ns ? tick_ns : 1;
	return pt;
}

void rg_proctab_free(struct rg_proctab *pt)
{
	if (!pt)
		return;
	rg_table_fini(&pt->t, entry_done);
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
	struct entry *e = holder(pt, pid);
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
	pt->known = rg_realloc(pt->known, (pt->nknown + 1) * sizeof(*pt->known));
	pt->known[pt->nknown++] = (struct known){proc_id, pid, start_boot_ns};
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
 * a record that names the pinned process's own pid gets NULL, the only
 * NULL). */
static struct entry *create(struct rg_proctab *pt, uint32_t pid, uint64_t start,
			    int64_t start_wall, enum rg_proc_source src,
			    const struct entry *pin)
{
	struct entry *old = holder(pt, pid);
	if (old && old == pin)
		return NULL;
	if (old) {
		drop(pt, old);
		pt->pid_reuse++;
	}
	if (rg_table_full(&pt->t))
		evict_one(pt, pin);
	struct entry *e = rg_calloc(1, sizeof(*e));
	int64_t id = known_id(pt, pid, start);
	e->p.proc_id = id ? id : pt->next_id++;
	e->p.pid = pid;
	e->p.start_boot_ns = start;
	e->p.start_ns = start_wall;
	e->p.source = src;
	e->coarse = src == RG_PSRC_PROC;
	rg_table_insert(&pt->t, &e->link, pid, RG_TABLE_LIVE);
	return e;
}

/* ---- strings ---------------------------------------------------------------- */

/* Makes t the entry's process, its strings copied into one block (t's may
 * point into the entry's old block, freed only after the copy). */
static void commit(struct entry *e, struct rg_process *t)
{
	char *block = rg_process_dup_strs(t);
	free(e->strs);
	e->strs = block;
	e->p = *t;
}

/* ---- who and where ---------------------------------------------------------- */

static struct rg_str cstr(const char *s)
{
	return (struct rg_str){s, s ? (uint32_t)strlen(s) : 0};
}

#define AUID_UNSET ((uint32_t)-1)

/* The names t's ids had at boot time `at` (0: now), borrowed from the
 * ident tables. */
static void names(const struct rg_ident *id, struct rg_process *t, int64_t at)
{
	struct rg_who *w = &t->who;
	w->user = cstr(rg_ident_user(id, t->uid, at));
	w->euser = cstr(rg_ident_user(id, t->euid, at));
	w->group = cstr(rg_ident_group(id, t->gid, at));
	w->login_user = t->auid == AUID_UNSET ? cstr("unset") : cstr(rg_ident_user(id, t->auid, at));
}

/* sudo's user (SUDO_USER, else SUDO_UID's name) and the SSH client, from
 * t's environment (the allow-listed variables it kept). */
static void origin(const struct rg_ident *id, struct rg_process *t, int64_t at)
{
	struct rg_origin o;
	rg_origin_parse(t->env, &o);
	t->who.sudo_user = o.sudo_user;
	if (!o.sudo_user.p && o.sudo_uid.p && o.sudo_uid.len < 11) {
		char n[12];
		memcpy(n, o.sudo_uid.p, o.sudo_uid.len);
		n[o.sudo_uid.len] = '\0';
		char *end;
		unsigned long uid = strtoul(n, &end, 10);
		if (*n && !*end && uid <= UINT32_MAX)
			t->who.sudo_user = cstr(rg_ident_user(id, (uint32_t)uid, at));
	}
	t->who.ssh_client = o.ssh_client;
	t->who.ssh_client_port = o.ssh_client_port;
}

/* t's cgroup path (pid: a process in it) and the container it names. */
static void cgroup(struct rg_ident *id, struct rg_process *t, uint32_t pid)
{
	struct rg_who *w = &t->who;
	w->cgroup_path = cstr(rg_ident_cgroup(id, w->cgroup_id, pid));
	w->container_id = (struct rg_str){0};
	w->container_runtime = NULL;
	rg_container_parse(w->cgroup_path, &w->container_id, &w->container_runtime);
}

/* Fills t's names and origin (ids: after an exec or a credential change
 * at boot_ns on the boot clock, 0 for a process found at start) and
 * cgroup path (place: a cgroup id the entry did not have), borrowed
 * until commit() copies them. Without an ident (tests), nothing. */
static void who(struct rg_proctab *pt, struct rg_process *t, bool ids, bool place,
		uint64_t boot_ns)
{
	if (!pt->ident)
		return;
	if (ids) { /* the names the files had at the event */
		rg_ident_refresh(pt->ident, (int64_t)boot_ns);
		names(pt->ident, t, (int64_t)boot_ns);
		origin(pt->ident, t, (int64_t)boot_ns);
	}
	if (place)
		cgroup(pt->ident, t, t->pid);
}

void rg_proctab_set_ident(struct rg_proctab *pt, struct rg_ident *ident)
{
	pt->ident = ident;
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

/* The entry of the event's own process, created if new: never NULL. */
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
	/* The parent that forked us was recorded at fork; the kernel's
	 * real_parent may since be a reaper that adopted us. */
	if (!e->p.ppid)
		set_parent(pt, e, ev->ppid, ids->parent_start_boot_ns);
	struct rg_process t = e->p;
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
	t.who = ev->who; /* the place the kernel sent; the names follow */
	who(pt, &t, true, true, ev->boot_ns);
	commit(e, &t);
	ev->who = e->p.who;
	ev->proc_id = e->p.proc_id;
	ev->ppid = e->p.ppid;
	ev->parent_proc_id = e->p.parent_proc_id;
	return &e->p;
}

static const struct rg_process *apply_fork(struct rg_proctab *pt, struct rg_event *ev,
					const struct rg_ids *ids)
{
	/* A parent new to us was created unseen: only its child's creation is. */
	struct entry *parent = acting(pt, ev, ids, RG_PSRC_SEEN);
	lend_context(ev, parent);
	struct entry *child = find(pt, ev->child_pid, ids->child_start_boot_ns);
	if (!child) {
		int64_t wall = (int64_t)ids->child_start_boot_ns + (ev->ts_ns - (int64_t)ev->boot_ns);
		child = create(pt, ev->child_pid, ids->child_start_boot_ns, wall,
			       RG_PSRC_FORK, parent);
		if (!child)
			return NULL;
		/* A child runs its parent's image until it execs: its
		 * strings, what the flags say of them (a memfd), its names;
		 * but the kernel's place: clone can give it new namespaces
		 * or (CLONE_INTO_CGROUP) another cgroup. */
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
		const struct rg_who *pl = &ids->child_place;
		if (pl->cgroup_id) {
			t.who.cgroup_id = pl->cgroup_id;
			t.who.pidns = pl->pidns;
			t.who.mntns = pl->mntns;
			t.who.netns = pl->netns;
			t.who.userns = pl->userns;
			t.who.utsns = pl->utsns;
			t.who.cgroupns = pl->cgroupns;
		}
		who(pt, &t, false, pl->cgroup_id && pl->cgroup_id != from->who.cgroup_id, 0);
		commit(child, &t);
	} else if (child->p.source == RG_PSRC_PROC) {
		/* Found by the /proc scan while its fork was on the way to
		 * us: the fork is its creation (find() took the exact start). */
		child->p.source = RG_PSRC_FORK;
		child->p.start_ns = (int64_t)child->p.start_boot_ns + (ev->ts_ns - (int64_t)ev->boot_ns);
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
	struct entry *e = acting(pt, ev, ids, RG_PSRC_SEEN);
	lend_context(ev, e);
	if (e->p.exited)
		return NULL; /* two threads raced through exit: one exit */
	e->p.exited = true;
	e->p.exit_ns = ev->ts_ns;
	e->p.exit_code = ev->exit_code;
	e->p.signal = ev->signal;
	rg_table_requeue(&pt->t, &e->link, RG_TABLE_EXITED);
	return &e->p;
}

/* A privilege or system operation: its process's context, the other
 * process's proc_id (by pid and, when the kernel had its task, start
 * time), and a credential change's new ids, which later events' context
 * and the process's row must show. Returns the row when the ids changed. */
static const struct rg_process *apply_sys(struct rg_proctab *pt, struct rg_event *ev,
					  const struct rg_ids *ids)
{
	struct entry *e = find(pt, ev->pid, ids->start_boot_ns);
	if (ev->target_pid) {
		const struct entry *t = ids->target_start_boot_ns
						? find(pt, ev->target_pid, ids->target_start_boot_ns)
						: holder(pt, ev->target_pid);
		ev->target_proc_id = t ? t->p.proc_id : 0;
	}
	if (!e)
		return NULL;
	const struct rg_process *changed = NULL;
	if (ev->type == RG_ET_CRED_CHANGE &&
	    (e->p.uid != ev->uid || e->p.gid != ev->gid || e->p.euid != ev->euid)) {
		struct rg_process t = e->p;
		t.uid = ev->uid;
		t.gid = ev->gid;
		t.euid = ev->euid;
		who(pt, &t, true, false, ev->boot_ns); /* new names */
		commit(e, &t);
		changed = &e->p;
	}
	lend_context(ev, e); /* only now: commit() replaced the strings it lends */
	return changed;
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
		struct rg_process t = *in;
		t.proc_id = e->p.proc_id;
		t.source = RG_PSRC_PROC;
		t.parent_proc_id = 0;
		t.exited = false;
		if (!t.who.cgroup_id && t.who.cgroup_path.p && pt->ident)
			t.who.cgroup_id = rg_ident_cgroup_id(pt->ident, t.who.cgroup_path.p);
		who(pt, &t, true, true, 0);
		commit(e, &t);
	}
	/* Parents only now: a parent may come after its child in /proc order.
	 * /proc's ppid is the current parent, which is all we can know. */
	for (unsigned i = 0; i < n; i++) {
		struct entry *e = find(pt, procs[i].pid, procs[i].start_boot_ns);
		if (!e)
			continue;
		struct entry *parent = e->p.ppid ? holder(pt, e->p.ppid) : NULL;
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
	default:
		if (RG_ET_BIT(ev->type) & RG_ET_SYS_MASK)
			return apply_sys(pt, ev, ids);
		/* context only: file and network events and a failed exec (the
		 * process keeps its image) never create or change a process */
		const struct entry *e = find(pt, ev->pid, ids->start_boot_ns);
		if (e)
			lend_context(ev, e);
		return NULL;
	}
}

void rg_proctab_stats(const struct rg_proctab *pt, struct rg_proctab_stats *out)
{
	*out = (struct rg_proctab_stats){pt->t.size, pt->t.evictions, pt->pid_reuse};
	if (pt->ident) {
		struct rg_ident_stats st;
		rg_ident_stats(pt->ident, &st);
		out->name_loads = st.user_loads + st.group_loads;
		out->cgroups_unknown = st.cgroup_unknown;
	}
}
