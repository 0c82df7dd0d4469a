/* sequence.h: sequence rules in flight, as a bounded set of partial matches.
 *
 * A sequence rule (rules.h) fires when its steps match events in order,
 * each step joined to the one before, the last within the rule's window of
 * the first. Between events the engine remembers partial matches: "rule R
 * has matched its first k steps (these seqs), the first at time T; step
 * k+1 must present this join key". This module holds them:
 *
 *   - keyed by (rule, k, key bytes): a partial put again with the same key
 *     is renewed (when the new one ends later), not duplicated, so
 *     repeating a step costs no memory;
 *   - expired by event time: every partial whose deadline (first step +
 *     window) is before the current event's time is freed before the event
 *     is evaluated, and never matches;
 *   - bounded: at most max partials; adding one more evicts the partial
 *     nearest its deadline (of equal ones, the one put first), counted as
 *     an eviction in total (health rows) and by rule (`sequence_eviction`
 *     gap rows: that rule's detection was incomplete then).
 *
 * Time is the events' own (ts_ns), never the wall clock at evaluation, so
 * the recorder and `rgq replay`, fed the same events in seq order with the
 * same bound, hold the same partials and raise the same alerts.
 */
#ifndef RG_SEQUENCE_H
#define RG_SEQUENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"

#define RG_SEQUENCE_MAX_DEFAULT 4096
#define RG_SEQ_KEY_MAX 4096     /* key bytes kept; longer keys are cut (and still compared) */
#define RG_SEQ_SUMMARY_MAX 160  /* bytes of the first step's summary kept */

struct rg_partial {
	unsigned rule, stage;  /* rule index in its set; steps matched so far */
	int64_t deadline_ns;   /* the first step's time + the window */
	uint64_t seqs[RG_SEQ_MAX_STEPS]; /* the matched steps' events */
	const char *summary;   /* the first step's, NUL-terminated */
	size_t summary_len;    /* its length: a put copies that many bytes (up
				* to RG_SEQ_SUMMARY_MAX), not looking for the NUL */
};

struct rg_seqstate;

/* At most max partials (0: one). Never NULL (alloc.h). */
struct rg_seqstate *rg_seqstate_new(unsigned max);
void rg_seqstate_free(struct rg_seqstate *s);
/* Forgets every partial and the untaken evictions by rule (a new rule
 * set: rule indexes change; take them first). */
void rg_seqstate_clear(struct rg_seqstate *s);

/* Frees every partial whose deadline is before now_ns. */
void rg_seqstate_expire(struct rg_seqstate *s, int64_t now_ns);

/* Whether any partial of (rule, stage) is held: most events need no
 * lookup at all (no curl has written anything a process_start could run). */
bool rg_seqstate_any(const struct rg_seqstate *s, unsigned rule, unsigned stage);

/* The live partial of (rule, stage, key), or NULL (also when it has
 * expired). Changes nothing. Valid until the next change. */
const struct rg_partial *rg_seqstate_find(const struct rg_seqstate *s, unsigned rule,
					  unsigned stage, const void *key, size_t keylen,
					  int64_t now_ns);

/* Adds (rule, stage, key) with p's content and summary, or renews the one
 * there with them unless it ends later than p would. p's summary may be a
 * held partial's, even the one this put evicts. */
void rg_seqstate_put(struct rg_seqstate *s, const void *key, size_t keylen,
		     const struct rg_partial *p);

/* Removes the partial find returned (a completed sequence). */
void rg_seqstate_remove(struct rg_seqstate *s, const struct rg_partial *p);

/* The evictions of rule's partials since the last take (or clear), and
 * zero from now. */
uint64_t rg_seqstate_take_evictions(struct rg_seqstate *s, unsigned rule);

struct rg_seqstate_stats {
	uint64_t partials;  /* held now */
	uint64_t evictions; /* partials pushed out by the bound, in total */
	uint64_t expired;   /* partials freed after their window, in total */
};
void rg_seqstate_stats(const struct rg_seqstate *s, struct rg_seqstate_stats *out);

#endif /* RG_SEQUENCE_H */
