/* alert.h: one alert, as the `alerts` table and the NDJSON alert record
 * hold it: a rule (rules.h) matched one event. Its time is the event's, so
 * a replay produces the same row. Strings are borrowed, as in events. */
#ifndef RG_ALERT_H
#define RG_ALERT_H

#include "event.h"

struct rg_alert {
	uint64_t seq;       /* the alert's own seq, after its event's */
	int64_t ts_ns;      /* the triggering event's time */
	struct rg_str rule_id, rule_name, severity, tags, summary, rules_digest;
	uint64_t event_seq; /* the triggering event */
	enum rg_etype event_type;
	int64_t proc_id;    /* 0: unknown */
	uint32_t pid;
	struct rg_str exe;
};

#endif /* RG_ALERT_H */
