/* procs.h: the `processes` rows and the lineage seed of an imported
 * recording, derived from its events.
 *
 * The NDJSON has no process rows: the recorder's process table
 * (daemon/proctab.c) makes them from the same events, and this follows its
 * rules: a fork makes the child (its parent's image until it execs), an
 * exec sets the image, ids and who, an exit the exit, a credential change
 * the ids. A process the stream shows acting before any of that (it was
 * running when the recorder started) is known from that first event: it
 * is the lineage's seed, as the recorder's /proc scan was. What the lines
 * do not carry is left unknown or, where replay needs a value, assumed;
 * docs/rgq.md ("rgq import") lists each.
 */
#ifndef RGQ_IMPORT_PROCS_H
#define RGQ_IMPORT_PROCS_H

#include "event.h"
#include "process.h"

struct rgi_procs;

struct rgi_procs *rgi_procs_new(void);
void rgi_procs_free(struct rgi_procs *ps);

/* Applies ev (events in seq order). A process first seen here without
 * being made (fork, exec) is passed to seed first, as it was before ev. */
void rgi_procs_event(struct rgi_procs *ps, const struct rg_event *ev,
		     void (*seed)(void *arg, const struct rg_process *p), void *arg);

/* Every process, in the order first seen. */
void rgi_procs_each(const struct rgi_procs *ps,
		    void (*fn)(void *arg, const struct rg_process *p), void *arg);
unsigned rgi_procs_count(const struct rgi_procs *ps);

#endif /* RGQ_IMPORT_PROCS_H */
