/* lineage.h: the process context the rule engine reads, keyed by proc_id.
 *
 * Rules ask about a process's parent and ancestors ("a shell whose
 * parent is nginx"), and about context an event row does not carry (the
 * cmdline of a process that opened a file). The live recorder and `rgq
 * replay` must answer identically, so this table is built only from what
 * both have: the recorded events in seq order, plus the processes known
 * without an event (the /proc scan at start; in replay, the `processes`
 * rows found that way). Bounded: the oldest exited process goes first,
 * then the live process that least recently exec'd or forked (a parent
 * is touched when its child appears, so active ancestors stay).
 */
#ifndef RG_LINEAGE_H
#define RG_LINEAGE_H

#include "event.h"
#include "fields.h"
#include "process.h"

struct rg_lproc {
	int64_t proc_id, parent_proc_id; /* 0: unknown */
	uint32_t uid, euid, auid;
	bool creds_known; /* euid and auid: false for a child of an unknown parent */
	struct rg_str comm, exe, argv; /* argv NUL-separated */
	struct rg_str user, container_id, container_runtime; /* of the last exec */
};

struct rg_lineage;

/* At most max processes (0: one). Never NULL (alloc.h). */
struct rg_lineage *rg_lineage_new(unsigned max);
void rg_lineage_free(struct rg_lineage *l);

/* A process known without an event: added unless already known. */
void rg_lineage_process(struct rg_lineage *l, const struct rg_process *p);

/* Applies an event after the process table filled its ids: an exec sets
 * the process's image, a fork gives the child its parent's context, a
 * credential change its uid and euid, an exit marks it for eviction.
 * Other events change nothing. */
void rg_lineage_event(struct rg_lineage *l, const struct rg_event *ev);

/* The registry fields (core/fields.h mask) rg_lineage_event reads. */
rg_fmask rg_lineage_fields(void);
/* Of those, the ones it reads on an event of type t: only an exec, a
 * fork, an exit and a credential change change the lineage; of any other
 * event it reads the type and proc_id. */
rg_fmask rg_lineage_type_fields(enum rg_etype t);

/* The context of proc_id, or NULL. Valid until the next change. */
const struct rg_lproc *rg_lineage_get(const struct rg_lineage *l, int64_t proc_id);

uint64_t rg_lineage_evictions(const struct rg_lineage *l);

#endif /* RG_LINEAGE_H */
