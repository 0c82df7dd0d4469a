/* proctab.h: the in-memory process table, keyed by (pid, start time).
 *
 * It turns kernel identities into proc_ids, carries lineage (the parent is
 * the process that forked, not whoever adopted an orphan later), and lends
 * each event the context of its process (exe, comm, cmdline, parent). It
 * is bounded: when full, the oldest exited process goes first, then the
 * oldest running one; evictions are counted.
 */
#ifndef RG_PROCTAB_H
#define RG_PROCTAB_H

#include "decode.h"
#include "process.h"

struct rg_proctab;

struct rg_proctab_stats {
	uint64_t size;
	uint64_t evictions;
	uint64_t pid_reuse; /* a new process found its pid held by an old one */
	uint64_t name_loads;      /* the ident's passwd and group parses */
	uint64_t cgroups_unknown; /* cgroup ids it found no path for */
};

/* max: entries kept; next_proc_id: first id to hand out (ids continue the
 * store's); tick_ns: /proc start-time precision (1e9 / CLK_TCK). Never
 * NULL (alloc.h). */
struct rg_proctab *rg_proctab_new(unsigned max, int64_t next_proc_id, uint64_t tick_ns);
void rg_proctab_free(struct rg_proctab *pt);

/* Before bootstrap: a process the store already has (from an earlier run on
 * this boot) keeps its proc_id when bootstrap finds it again. */
void rg_proctab_known(struct rg_proctab *pt, int64_t proc_id, uint32_t pid,
		      uint64_t start_boot_ns);

/* Adds the running processes found by rg_procfs_scan(), links each to its
 * parent by ppid, and calls emit for each row (parents before children is
 * not promised: rows carry parent_proc_id, not order). */
typedef void (*rg_proc_emit_fn)(void *arg, const struct rg_process *p);
void rg_proctab_bootstrap(struct rg_proctab *pt, const struct rg_process *procs,
			  unsigned n, rg_proc_emit_fn emit, void *arg);

/* Applies a decoded event. A file or network event only borrows its process's context
 * (proc_id, parent, comm, exe) and returns NULL. A process event finds or creates the processes it names,
 * fills ev's proc_id, parent_proc_id, ppid and, for events that do not
 * carry them, the process context (comm, exe, argv, cwd). Returns the
 * process row that changed, to be written, or NULL when the event changes
 * nothing (a repeated exit). The row borrows the table's strings. */
const struct rg_process *rg_proctab_apply(struct rg_proctab *pt, struct rg_event *ev,
					  const struct rg_ids *ids);

/* The row for (pid, start_boot_ns), or NULL. For tests and enrichment. */
const struct rg_process *rg_proctab_find(struct rg_proctab *pt, uint32_t pid,
					 uint64_t start_boot_ns);

/* Names ids and cgroups from here on (ident.h); NULL: not (the tests'
 * default). The table does not own it. */
struct rg_ident;
void rg_proctab_set_ident(struct rg_proctab *pt, struct rg_ident *ident);

void rg_proctab_stats(const struct rg_proctab *pt, struct rg_proctab_stats *out);

#endif /* RG_PROCTAB_H */
