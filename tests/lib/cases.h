/* cases.h: rule and sequence cases as files, read the same way by the unit
 * driver (tests/unit/test_cases.c) and by rg-case, which writes a case's
 * events into a recording for `rgq replay` (tests/cli/test_cases.sh).
 *
 * A case is a directory:
 *   *.rules          the rules (or rules.d/, e.g. a link to the shipped set)
 *   sigma/           Sigma rules (*.yml), loaded after the rules
 *   events.ndjson    one event a line: an object whose keys are the field
 *                    registry's names (fields.c; argv and env lists of
 *                    strings);
 *                    "wait_s": N (or "wait_ns") puts the event N seconds
 *                    (nanoseconds) after the one before (the first is at
 *                    RG_CASE_T0); blank lines and
 *                    lines starting with '#' are skipped
 *   expected.alerts  the alerts, in order, one a line (rg_case_alert_line);
 *                    '#' comments and blank lines skipped
 * Events get seq 1, 2, ... in file order, as a recording's first run would.
 */
#ifndef RG_TEST_CASES_H
#define RG_TEST_CASES_H

#include <stddef.h>

#include "event.h"
#include "rules.h"

#define RG_CASE_T0 (1800000000LL * 1000000000LL)
/* The lineage's bound in both drivers (a recording keeps it per run). */
#define RG_CASE_LINEAGE_MAX 65536

struct rg_case {
	char rules[1024];    /* the rules' path: the case or its rules.d */
	char sigma[1200];    /* its sigma/ directory of Sigma rules, or "" */
	struct rg_event *ev; /* strings point into json / argv */
	unsigned nev;
	char *expected;      /* the alert lines, '\n'-terminated */
	void **json;         /* the parsed lines (cJSON), owning the strings */
	char **argv;         /* the NUL-separated argv and env blobs, two an event */
};

/* Reads the case in dir. Returns 0, or -1 with "FILE:LINE: what" (or
 * "FILE: what") in err. The case is freed either way on failure. */
int rg_case_load(struct rg_case *c, const char *dir, char *err, size_t errlen);
void rg_case_free(struct rg_case *c);

/* An alert as one line of expected.alerts:
 *   SEQ RULE_ID STEPS SUMMARY
 * STEPS the sequence's step seqs as JSON ([3,9]), '-' for a single-event
 * rule. Returns buf. */
const char *rg_case_alert_line(const struct rg_match *m, char *buf, size_t len);

#endif /* RG_TEST_CASES_H */
