/* rules_int.h: what the rule engine's parts share (rules.h is the interface).
 *
 * load.c: the fields a condition can name, rule files and directories to
 * a rule set, its digest and index; parse.c: one key of a rule file
 * (conditions, events, steps, joins); eval.c: an event through the rule
 * set; seqeval.c: the sequences' steps and joins (state in sequence.h).
 */
#ifndef RG_RULES_INT_H
#define RG_RULES_INT_H

#include "rules.h"

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "fields.h"
#include "ini_reader.h"

#define ALL_TYPES (RG_ET_PROCESS_MASK | RG_ET_FILE_MASK | RG_ET_NET_MASK | RG_ET_SYS_MASK)
#define MAX_FIELDS 4      /* fields one condition may name with '|' */
#define MAX_ANCESTORS 64  /* a loop in bad data cannot hang the walk */
#define SUMMARY_MAX 300

/* ---- fields a condition can name ------------------------------------------ */

/* A field a rule names: an event field (RG_CTX_SELF) or a context field,
 * both from the registry (core/fields.h), which says whose context, which
 * lineage attribute, its type, whether it is a path and on which event
 * types it has a value (rules_find_field). */
struct fref {
	const struct rg_field *f; /* RG_CTX_SELF: the event field */
	enum rg_ctx_whose whose;
	enum rg_ctx_attr attr; /* the lineage attribute (RG_CTX_SELF: the fallback, if any) */
	enum rg_ftype type;
	uint16_t opts;         /* RG_FO_PATH */
	uint32_t types;        /* RG_ET_BIT mask: where it has a value, the lineage's included */
	const char *name;
};


/* ---- conditions -------------------------------------------------------------- */

enum op { OP_EQ, OP_PREFIX, OP_SUFFIX, OP_GLOB, OP_CONTAINS, OP_LT, OP_LE, OP_GT, OP_GE,
	  OP_ANYBITS };

struct rg_cond {
	struct fref fields[MAX_FIELDS];
	unsigned nfields;
	enum op op;
	bool neg, except, num, path;
	char **strs; /* values, owned; lens beside them */
	size_t *lens;
	int64_t *ints;
	bool *literal; /* a glob value without wildcards: compared as bytes */
	unsigned nvals;
	char *text; /* the condition as written, for messages */
	int line;
};

/* How a sequence step is tied to the step before it. */
enum join_kind { J_NONE, J_PROCESS, J_CHILD, J_DESCENDANT, J_FIELDS };

struct join {
	enum join_kind kind;
	struct fref left[MAX_FIELDS], right[MAX_FIELDS]; /* J_FIELDS: before, this step */
	unsigned nleft, nright;
	bool num;   /* the fields are numbers */
	char *text; /* as written */
	int line;
};

/* A rule's events and conditions; a sequence has one per step. */
struct rg_step {
	uint32_t types;
	struct rg_cond *conds;
	unsigned nconds;
	struct join join; /* steps after the first */
	int line, events_line;
};

struct loader {
	struct rg_ini ini;
	struct rg_ruleset *rs;
	struct rg_rule *cur; /* the rule whose keys are being read; NULL: skip */
	bool skip_other;
	int key_line[8];     /* single-value keys seen in cur, by key index */
	bool seq;            /* cur has steps ("step = 1") */
	struct rg_cond *last; /* the condition a "more" line extends */
	char *name;           /* owned copy of the file name in messages */
	struct rg_buf tok;
};

static const char *const single_keys[] = {"name", "description", "severity", "enabled",
					  "window"};
#define NSINGLE (sizeof(single_keys) / sizeof(single_keys[0]))

struct eval {
	const struct rg_event *ev;
	const struct rg_lineage *lin;
	const struct rg_ruleset *rs;
	struct rg_seqstate *sq;
	rg_match_fn fn;
	void *arg;
	unsigned hits;
	bool stepped;          /* ev matched a sequence step */
	struct rg_buf scratch; /* a joined cmdline */
	struct rg_buf globbuf; /* a NUL-terminated copy for fnmatch */
	struct rg_buf sum;     /* ev's summary, once made */
	struct rg_buf seqsum;  /* a sequence alert's summary */
	struct rg_buf key;     /* a sequence join key */
	struct rg_buf first;   /* a first step's summary, carried on */
};

/* ---- values: a field's value(s) on an event, for conditions and joins ---- */

/* One value: text (p, n) or a number. */
struct val {
	const char *p;
	size_t n;
	int64_t i;
	bool num;
};
/* Called per value; returning true stops the visit (a hit). */
typedef bool (*val_fn)(void *arg, const struct val *v);

/* load.c: the fields a condition can name (a registry field, or the
 * lineage's context: parent_exe, ancestor_comm, ...) */
bool rules_find_field(const char *name, struct fref *out);
bool rules_fref_is_int(const struct fref *r);
bool rules_fref_is_path(const struct fref *r);
/* parse.c: the INI reader's callbacks, and what loading shares */
bool rules_section_ok(void *user, const char *name, size_t n);
int rules_on_key(void *user, const char *section, const char *key, const char *value);
void rules_finish_rule(struct loader *ld);
void rules_cond_free(struct rg_cond *c);
/* listfile.c: "@FILE" values. The file's values as rule-value text (each
 * quoted, space-separated) for parse_values, or NULL after reporting why;
 * the caller frees it. rules_listfile_values splits a list's text (NULL:
 * a value starts with '@'); *count gets how many it holds. */
char *rules_listfile(struct loader *ld, const char *name);
char *rules_listfile_values(const char *text, size_t len, unsigned *count);
/* eval.c: one step's conditions on the event; values; summaries; alerts */
bool rules_step_fires(const struct rg_step *st, struct eval *e);
bool rules_visit_fref(struct eval *e, const struct fref *r, val_fn fn, void *arg);
const char *rules_event_summary(struct eval *e);
void rules_cap_summary(struct rg_buf *b);
void rules_report(struct eval *e, const struct rg_rule *r, const char *summary,
		  const uint64_t *steps, unsigned nsteps);
/* seqeval.c: the sequence rule ri on e's event */
void rules_sequence_eval(struct eval *e, unsigned ri);

#endif /* RG_RULES_INT_H */
