/* replay.h: stored events through the rule engine, as the recorder ran
 * them.
 *
 * Per run (runs.first_seq up to the next run's): a fresh lineage with the
 * run's bound (runs.lineage_max), seeded from run_processes in their
 * order, then the run's events in seq order, each applied to the lineage
 * and evaluated, exactly like the recorder's pipeline (sequence rules with
 * a fresh state bounded by runs.sequence_max). Events before since still
 * build the lineage but are not evaluated, except those within the longest
 * sequence window before since: they may be a sequence's first steps, and
 * only their alerts are left out. With the rules the recorder ran and no
 * gap in the range, the alerts are the recorded ones.
 */
#ifndef RGQ_REPLAY_H
#define RGQ_REPLAY_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "rules.h"

struct rgq_replay_stats {
	uint64_t events;    /* evaluated */
	uint64_t lineage;   /* applied to the lineage only (before since) */
	uint64_t alerts;
	unsigned runs;
	unsigned unseeded; /* runs recorded before schema 5: no lineage seed */
	uint64_t sequence_evictions; /* partial sequence matches the bound pushed out */
	uint64_t *evictions_by_rule; /* of those, by rule index; the caller frees it */
};

/* Called for each match, in the order the recorder would raise them. */
typedef void (*rgq_replay_fn)(void *arg, const struct rg_match *m);
/* Called about every 2^16 events with the fraction of the seq range done. */
typedef void (*rgq_progress_fn)(void *arg, double done, const struct rgq_replay_stats *st);

int rgq_replay(sqlite3 *db, const struct rg_ruleset *rs, int64_t since_ns, int64_t until_ns,
	       rgq_replay_fn fn, rgq_progress_fn progress, void *arg,
	       struct rgq_replay_stats *st, char *err, size_t errlen);

#endif /* RGQ_REPLAY_H */
