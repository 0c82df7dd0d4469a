/* rules.h: the rule engine, one for the recorder (live) and rgq (replay).
 *
 * A rule is an INI section (docs/rules.md):
 *
 *   [rule "PERSIST-SYSTEMD-001"]
 *   name = systemd unit written
 *   severity = high
 *   tags = persistence T1543.002
 *   events = file_write file_rename file_unlink
 *   match = path|new_path prefix /etc/systemd/system /usr/lib/systemd/system
 *   except = exe in /usr/bin/dpkg
 *
 * and fires on an event when every `match` holds and no `except` does. A
 * condition is FIELD[|FIELD...] [not] OPERATOR VALUE...: it holds when any
 * value of any named field satisfies the operator with any listed value.
 * Fields are the event's (the registry in fields.c: NDJSON keys and SQL
 * columns) plus process context from the lineage (lineage.h), registered
 * there too: the process's cmdline/auid/euid on every event (a field's
 * ctx), parent_exe, parent_comm, parent_cmdline, and ancestor_exe /
 * ancestor_comm (any ancestor; rg_ctx_fields).
 *
 * `when = NAME: CONDITION` names a condition that only the rule's
 * `condition = EXPR` reads (and, or, not, parentheses, N of PATTERN:
 * expr.c); the rule fires when that holds too. Sigma rules (sigma.c) are
 * compiled to the same: one step whose expression is the detection's.
 *
 * A sequence rule has `step = 1`, `step = 2`, ... each followed by that
 * step's own events/match/except, a `join` on every step after the first
 * (process, child, descendant, or FIELDS == FIELDS between the step
 * before and this one) and a `window`: it fires once its last step matches, joined
 * to a partial match of the steps before (sequence.h holds those).
 *
 * A loaded rule set is immutable: reloading builds a new one and swaps it
 * in only when the whole new set is valid.
 */
#ifndef RG_RULES_H
#define RG_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "alert.h"
#include "event.h"
#include "lineage.h"
#include "sequence.h"

enum rg_severity { RG_SEV_LOW, RG_SEV_MEDIUM, RG_SEV_HIGH, RG_SEV_CRITICAL };

struct rg_rule {
	char *id, *name, *description, *tags; /* tags: space-separated */
	enum rg_severity severity;
	bool enabled;
	rg_etmask types; /* RG_ET_BIT mask: the event types any step applies to */
	char *file;     /* where it was defined */
	bool sigma;     /* compiled from a Sigma rule (its id, title, level, tags) */
	int line;
	struct rg_step *steps; /* one for a single-event rule */
	unsigned nsteps;
	int64_t window_ns;     /* a sequence: the last step within this of the first */
};

struct rg_ruleset {
	struct rg_rule *rules;
	unsigned nrules, nenabled;
	unsigned nsequences;  /* enabled sequence rules */
	int64_t max_window_ns; /* the longest window among them */
	char digest[65]; /* SHA-256 of the rules as parsed, in load order */
	/* the registry fields (bit i: rg_fields[i]) the enabled rules'
	 * conditions and joins read from the event itself (of what evaluation
	 * reads in all: rg_rules_event_fields) */
	rg_fmask fields_used;
	/* of those, by event type: the fields of the rules that apply to it */
	rg_fmask fields_by_type[RG_ET_COUNT];
	/* by event type: indexes of the enabled rules that apply */
	unsigned *by_type[RG_ET_COUNT];
	unsigned nby_type[RG_ET_COUNT];
	/* prefilter.c: by event type, the texts the rules need, found in one
	 * pass per field, and the rules that run whatever the texts */
	struct rg_prefilter *prefilter[RG_ET_COUNT];
	char **prefilter_texts; /* texts it made: regular expressions' literals, folded copies */
	unsigned nprefilter_texts;
	/* Sigma sources: files read, rules loaded and skipped, rules for
	 * another product (counted, not listed), and one line per skipped
	 * rule, "FILE (ID): skipped: REASON\n" (NULL: none) */
	unsigned sigma_files, sigma_loaded, sigma_skipped, sigma_other;
	char *sigma_report;
};

/* True when an INI section name (n bytes) is a rule: `rule "ID"`. The
 * config loader skips these sections. */
bool rg_rules_section(const char *name, size_t n);

/* Loads the rule sections of each file, in order (a file's other sections
 * are skipped only when skip_other is set: the main config). A directory
 * contributes its *.rules files in name order; a Sigma directory its
 * *.yml and *.yaml files, in its subdirectories too, in path order (sigma.c,
 * docs/rules.md). Returns 0 and a new set, or
 * 2 with "FILE:LINE: rule \"ID\": MESSAGE" in err. */
struct rg_rules_source {
	const char *path;
	bool skip_other; /* a config file: only [rule "..."] sections are ours */
	bool is_dir;
	bool sigma;      /* Sigma YAML: a file, or a directory searched recursively */
};
int rg_rules_load(struct rg_ruleset **out, const struct rg_rules_source *src, unsigned n,
		  char *err, size_t errlen);
/* For tests: one text, named name in messages. */
int rg_rules_load_string(struct rg_ruleset **out, const char *name, const char *text,
			 char *err, size_t errlen);
/* For tests and fuzzing: one Sigma rule's YAML text (len bytes). */
int rg_rules_load_sigma_string(struct rg_ruleset **out, const char *name, const char *text,
			       size_t len, char *err, size_t errlen);
void rg_rules_free(struct rg_ruleset *rs);

/* The rules a configuration names, as the recorder loads them: the
 * [rules] dir (relative to the config file's directory, or /etc/rand-guard
 * without one) and then the config file's own [rule] sections. A missing
 * default directory is not an error: notice says so ("" otherwise). */
struct rg_config;
int rg_rules_load_config(const struct rg_config *cfg, const char *config_path,
			 struct rg_ruleset **out, char *err, size_t errlen, char *notice,
			 size_t noticelen);

const char *rg_severity_name(enum rg_severity s);

/* The Sigma load report: "sigma: F files: L rules loaded, S skipped, O
 * for other products", and with lines, each skipped rule's line. Nothing
 * when the set has no Sigma source. */
void rg_rules_sigma_report(const struct rg_ruleset *rs, FILE *f, bool lines);

/* One rule matched one event (a sequence: its last step did). */
struct rg_match {
	const struct rg_rule *rule;
	const struct rg_event *ev;
	const char *digest;
	/* "<event_type> <object> by <exe> (pid N)"; a sequence adds
	 * " after <the first step's summary>" */
	const char *summary;
	const uint64_t *steps; /* a sequence: every step's event seq, ev's last */
	unsigned nsteps;       /* 0 for a single-event rule */
};
typedef void (*rg_match_fn)(void *arg, const struct rg_match *m);

/* The registry fields (core/fields.h mask) evaluating an event through rs
 * reads, the lineage's (rg_lineage_fields) aside: those its conditions
 * and joins name, those that find the process in the lineage, and those
 * of the match: the summary's and those the alert keeps of its event (time,
 * seq, type, pid, proc_id, exe). A reader that fills only these (rgq
 * replay) gets the alerts the recorder got. */
rg_fmask rg_rules_event_fields(const struct rg_ruleset *rs);
/* Of those, the ones evaluating an event of type t reads: none when no
 * enabled rule applies to t (rg_rules_eval returns at once), else the
 * fields of the rules that apply and the match's. */
rg_fmask rg_rules_type_fields(const struct rg_ruleset *rs, enum rg_etype t);

/* Evaluates ev (its ids filled; lin already updated with it) against the
 * enabled rules, calling fn once per matching rule, in rule order.
 * Sequence rules read and update sq (made for this rule set; NULL skips
 * them). *stepped (if given) is set when ev started, continued or
 * completed a partial sequence (an alert may name it later). Returns the
 * number of matches. */
unsigned rg_rules_eval(const struct rg_ruleset *rs, struct rg_seqstate *sq,
		       const struct rg_event *ev, const struct rg_lineage *lin, rg_match_fn fn,
		       void *arg, bool *stepped);

#endif /* RG_RULES_H */
