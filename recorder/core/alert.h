/* alert.h: one alert, as the `alerts` table and the NDJSON alert record
 * hold it: a rule (rules.h) matched one event, or a sequence rule's last
 * step matched one event after the others. Its time is the (last) event's,
 * so a replay produces the same row. Strings are borrowed, as in events. */
#ifndef RG_ALERT_H
#define RG_ALERT_H

#include <inttypes.h>
#include <stdio.h>

#include "event.h"

#define RG_SEQ_MAX_STEPS 4 /* steps in one sequence rule */

struct rg_alert {
	uint64_t seq;       /* the alert's own seq, after its event's */
	int64_t ts_ns;      /* the triggering event's time */
	struct rg_str rule_id, rule_name, severity, tags, summary, rules_digest;
	/* where the rule came from: "rules" (INI) or "sigma", and its file */
	struct rg_str rule_source, rule_file;
	uint64_t event_seq; /* the triggering event */
	enum rg_etype event_type;
	int64_t proc_id;    /* 0: unknown */
	uint32_t pid;
	struct rg_str exe;
	/* A sequence: every step's event, in order (the last is event_seq);
	 * nsteps 0 for a single-event rule. */
	uint64_t steps[RG_SEQ_MAX_STEPS];
	unsigned nsteps;
};

/* Bytes rg_alert_steps_json needs at most. */
#define RG_ALERT_STEPS_JSON (RG_SEQ_MAX_STEPS * 21 + 3)

/* The steps as a JSON array, "[12,57,98]": the NDJSON key and the SQL
 * column hold the same text. */
static inline void rg_alert_steps_json(const struct rg_alert *a, char *buf, size_t n)
{
	size_t at = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < a->nsteps && i < RG_SEQ_MAX_STEPS && at < n; i++)
		at += (size_t)snprintf(buf + at, n - at, "%c%" PRIu64, i ? ',' : '[', a->steps[i]);
	if (at + 1 < n)
		snprintf(buf + at, n - at, "]");
}

#endif /* RG_ALERT_H */
