/* pipeline.h: what happens to one raw record, and to the health clock.
 *
 *   raw record -> decode -> process table (proc ids, context) -> seq, wall
 *   time -> lineage -> rules -> NDJSON line + store row (and the changed
 *   process row), then one alert per matching rule
 *
 * Kept free of libbpf so that tests drive it with synthetic records.
 */
#ifndef RG_PIPELINE_H
#define RG_PIPELINE_H

#include "decode.h"
#include "hasher.h"
#include "dnscache.h"
#include "health.h"
#include "ndjson.h"
#include "pathmatch.h"
#include "proctab.h"
#include "rules.h"
#include "store.h"

/* A rule match waiting for its event to be written. */
struct rg_pending {
	const struct rg_rule *rule;
	uint64_t steps[RG_SEQ_MAX_STEPS];
	unsigned nsteps;
	size_t summary_at, summary_len; /* in rg_pipeline.summary */
};

struct rg_pipeline {
	struct rg_proctab *pt;
	struct rg_ndjson *nd;   /* NULL: NDJSON disabled */
	struct rg_store *store; /* NULL: no database (tests) */
	const struct rg_pathmatch *files; /* the file filter; NULL: keep all */
	const struct rg_ruleset *rules; /* NULL: no rules; swapped on reload */
	struct rg_lineage *lin;   /* the rules' process context; NULL: no rules */
	struct rg_seqstate *seqs; /* sequence rules in flight; NULL: none run */
	struct rg_hasher *hasher; /* executable hashes; NULL: off */
	struct rg_pending *matched; /* the current event's matches */
	unsigned nmatched, matched_cap;
	struct rg_buf summary;  /* their summaries */
	uint64_t events;        /* events handed to the outputs */
	uint64_t alerts, rule_reloads, rule_reload_failures;
	struct rg_pathbufs pb;  /* file paths of the record being handled */
	struct rg_dnscache *dns; /* names of recent DNS answers; NULL until one */
	int64_t run_id;
	uint64_t seq;           /* the last seq handed out */
	int64_t wall_offset;    /* boot ns + offset = wall ns; set at start, then rg_pipeline_clock */
	int64_t started_ns;     /* wall clock at start, for uptime */

	uint64_t events_read, events_invalid, events_unsupported, filtered;
	uint64_t kernel_drops;  /* latest total from the BPF counters */
	uint64_t kernel_drops_by_family[4]; /* process, file, network, system records */
	uint64_t kernel_filtered; /* latest total the kernel filters skipped */
	uint64_t kernel_skipped;  /* latest total of program runs the kernel skipped */

	struct rg_health last_health; /* the latest health row (seq 0: none yet) */
	/* Loss counters at the previous health row: growth means a gap. */
	struct {
		int64_t ts_ns;
		uint64_t kernel_drops, user_drops, invalid, kernel_skipped;
		int64_t seq_ns; /* sequence evictions since: the last health row or reload */
	} last;
};

/* Sets up p around existing parts; first_seq - 1 becomes the last seq. */
void rg_pipeline_init(struct rg_pipeline *p, struct rg_proctab *pt, struct rg_ndjson *nd,
		      struct rg_store *store, int64_t run_id, uint64_t first_seq,
		      int64_t now_ns);

/* Frees what the pipeline owns (not the parts it was given). */
void rg_pipeline_free(struct rg_pipeline *p);

/* Handles one raw ring-buffer record. */
void rg_pipeline_record(struct rg_pipeline *p, const void *data, size_t size);

/* The part after decoding and the process table: seq, lineage, rules,
 * outputs. For events built by hand (the synthetic recording generator). */
void rg_pipeline_event(struct rg_pipeline *p, struct rg_event *ev);

/* Writes a binary_hashed event for each hash the hasher finished since
 * the last call, as the process that ran the file (hasher.h). */
void rg_pipeline_hashes(struct rg_pipeline *p);

/* Writes a process row (every change an event makes). */
void rg_pipeline_process(struct rg_pipeline *p, const struct rg_process *proc);
/* Writes the row of a process found without an event (the /proc scan) and
 * gives it to the lineage. */
void rg_pipeline_known_process(struct rg_pipeline *p, const struct rg_process *proc);

/* A change of the wall clock's offset this large between two readings is
 * a step of the wall clock (clock_settime, an NTP step, a leap second),
 * not drift: NTP slews the boot and wall clocks alike, and a reading is off
 * by half the time its three clock calls take (microseconds, unless the
 * thread is descheduled between them). NTP daemons step at 128 ms or more. */
#define RG_CLOCK_STEP_MIN_NS 10000000 /* 10 ms */

/* A reading within this of the offset in use is the same offset, read
 * again: the offset is kept, so a run's events carry one offset between
 * steps, and the database keeps one clock for them (schema/026). */
#define RG_CLOCK_JITTER_NS 10000 /* 10 us */

/* Takes the wall-clock offset read at boot_ns; p->wall_offset holds the
 * previous one, kept when the reading is within RG_CLOCK_JITTER_NS of it.
 * Events are stamped with the offset of their poll, so after
 * a step their wall times jump. A step of RG_CLOCK_STEP_MIN_NS or more is
 * written as a gap row (count 0: nothing was lost) over the wall-clock
 * range that misleads a time filter: clock_step_back from the new reading
 * to the old one, the times both sides of the step carry; or
 * clock_step_forward from the old reading to the new one, the times no
 * event carries. */
void rg_pipeline_clock(struct rg_pipeline *p, int64_t offset, int64_t boot_ns);

/* Writes a health row to both outputs, and a gap row for every kind of loss
 * that grew since the previous health row (rg_pipeline_sequence_gaps too). */
void rg_pipeline_health(struct rg_pipeline *p, int64_t now_ns);

/* The line said on stderr when the recorder stops, from the last health
 * row: how long it ran, the events and alerts it wrote, what it dropped
 * (kernel and userspace) and, when there were any, rows the store could
 * not write and NDJSON lines that failed. No newline. */
void rg_pipeline_summary(const struct rg_pipeline *p, char *buf, size_t n);

/* Writes a `sequence_eviction` gap row for each rule of the running set
 * whose partial matches the bound evicted since the last call: from then
 * to now_ns, with the count. Before a new rule set replaces the running
 * one, so the rows name the rules that lost them. */
void rg_pipeline_sequence_gaps(struct rg_pipeline *p, int64_t now_ns);

#endif /* RG_PIPELINE_H */
