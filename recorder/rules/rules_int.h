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
#include "pathmatch.h"

#define ALL_TYPES (RG_ET_PROCESS_MASK | RG_ET_FILE_MASK | RG_ET_NET_MASK | RG_ET_SYS_MASK)
#define MAX_FIELDS 4      /* fields one condition may name with '|' */
#define MAX_ANCESTORS 64  /* a loop in bad data cannot hang the walk */
#define RULES_ARGS_MAX 32 /* argN: arg0 .. arg31 (load.c), split once an event (eval.c) */
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
	rg_etmask types;        /* RG_ET_BIT mask: where it has a value, the lineage's included */
	const char *name;
	/* a rules-only view of an event field (rules_find_field): argN, one
	 * argument of argv by position; target_path, the file an event
	 * creates (new_path where the type has one, else path) */
	enum { V_NONE, V_ARG, V_TARGET } virt;
	unsigned argi;
};


/* ---- conditions -------------------------------------------------------------- */

enum op { OP_EQ, OP_PREFIX, OP_SUFFIX, OP_GLOB, OP_CONTAINS, OP_LT, OP_LE, OP_GT, OP_GE,
	  OP_ANYBITS, OP_REGEX, OP_CIDR, OP_EXISTS };

/* What a condition is to its step: one of the `match`es that must all
 * hold, an `except` that must not, or a named one (`when = NAME: ...`)
 * that only the step's `condition` expression reads. */
enum cond_role { C_MATCH, C_EXCEPT, C_NAMED };

/* A `cidr` value: an address (4 or 16 bytes) and its prefix length. */
struct cidr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned bits;
};

struct rg_cond {
	struct fref fields[MAX_FIELDS];
	unsigned nfields;
	enum op op;
	enum cond_role role;
	bool neg, num, path;
	bool nocase; /* values are lowercased; event text is folded (ASCII) */
	bool all;    /* every value must hold (of some field value), not any */
	char **strs; /* values, owned; lens beside them */
	size_t *lens;
	int64_t *ints;
	bool *literal; /* a glob value without wildcards: compared as bytes */
	struct rg_glob *globs; /* OP_GLOB on paths: each value read once (pathmatch.h) */
	void **res;    /* OP_REGEX: pcre2_code per value */
	uint32_t re_opts; /* OP_REGEX: PCRE2 options beyond nocase's (Sigma's re|m, re|s) */
	struct cidr *nets; /* OP_CIDR: per value */
	rg_etmask etypes;   /* event_type equals: the values as a type mask */
	uint16_t *grams;   /* OP_CONTAINS: each value's middle trigram (rules_gram) */
	uint64_t lenbits;  /* OP_EQ: bit len % 64 set for each value's length */
	unsigned nvals;
	char *text; /* the condition as written, for messages */
	char *name; /* C_NAMED: the name the expression uses */
	int line;
};

/* ---- condition expressions ---------------------------------------------------- */

/* A step's boolean expression over its conditions (expr.c): an INI rule's
 * `condition` over its named conditions, or a Sigma rule's detection. A
 * node holds when its condition does (X_COND), when at least `need` of its
 * kids do (X_ATLEAST: `and` is all of them, `or` one), or when its one kid
 * does not (X_NOT). */
enum xkind { X_COND, X_ATLEAST, X_NOT };

struct xnode {
	enum xkind kind;
	unsigned cond;  /* X_COND: index into the step's conds */
	unsigned need;  /* X_ATLEAST */
	unsigned *kids; /* node indexes, owned */
	unsigned nkids;
};

/* The names an expression may use, each the node it stands for. */
struct xname {
	const char *name;
	unsigned node;
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

/* A rule's events and conditions; a sequence has one per step. It fires
 * when every match holds, no except does and its expression (if any)
 * holds. */
struct rg_step {
	rg_etmask types;
	struct rg_cond *conds;
	unsigned nconds;
	unsigned nplain; /* conds that are match or except (not named) */
	struct xnode *x; /* the expression's nodes, owned */
	unsigned nx;
	unsigned xroot;  /* the root node + 1, or 0: no expression */
	char *xtext;     /* the expression as written */
	int xline;
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
	struct rg_buf globbuf; /* a NUL-terminated copy for fnmatch */
	/* the acting process and its parent in the lineage, looked up once */
	const struct rg_lproc *self, *parent;
	bool self_known, parent_known;
	struct rg_buf sum;     /* ev's summary, once made */
	struct rg_buf seqsum;  /* a sequence alert's summary */
	struct rg_buf key;     /* a sequence join key of text (seqeval.c) */
	struct rg_buf first;   /* a first step's summary, carried on */
};

/* ---- values: a field's value(s) on an event, for conditions and joins ---- */

/* One value: text (p, n) or a number. A text names where it came from
 * (src: itself, or the argv it was joined from), so that text.c keeps
 * what it makes of it. */
struct val {
	const char *p;
	size_t n;
	int64_t i;
	bool num;
	const char *src;
	size_t srclen;
	bool joined;
};
/* Called per value; returning true stops the visit (a hit). */
typedef bool (*val_fn)(void *arg, const struct val *v);

/* load.c: the fields a condition can name (a registry field, or the
 * lineage's context: parent_exe, ancestor_comm, ...) */
bool rules_find_field(const char *name, struct fref *out);
void rules_rule_free(struct rg_rule *r); /* what it owns, not r itself */
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
/* expr.c: parses text (a Sigma or INI condition) into nodes of st over
 * names; returns the root node, or -1 with a message in err */
int rules_expr_parse(struct rg_step *st, const char *text, const struct xname *names,
		     unsigned nnames, char *err, size_t errlen);
unsigned rules_expr_add(struct rg_step *st, enum xkind kind, unsigned cond, unsigned need);
void rules_expr_kid(struct rg_step *st, unsigned node, unsigned kid);
void rules_expr_free(struct rg_step *st);
/* Orders every and/or's kids cheapest first (a short cut then skips the
 * dear ones) and returns the event types on which the expression can hold
 * (its event_type tests narrow the step's types). */
rg_etmask rules_expr_optimize(struct rg_step *st);
bool rules_expr_holds(const struct rg_step *st, unsigned node, struct eval *e);
/* A trigram's bit in the text filter (eval.c): a value of 3 bytes or more
 * can be in a text only if the text has the value's middle trigram. */
static inline uint16_t rules_gram(const char *p)
{
	uint32_t g = (uint8_t)p[0] | (uint32_t)(uint8_t)p[1] << 8 | (uint32_t)(uint8_t)p[2] << 16;
	return (uint16_t)((g * 2654435761u) >> 16);
}
#define RULES_GRAM_MIN 3

/* text.c: an event's texts, made once: a joined command line, a folded
 * copy, a text's trigrams (rules_text_reset starts an event) */
void rules_text_reset(void);
struct rg_str rules_text_joined(struct rg_str argv);
struct rg_str rules_text_folded(const struct val *v);
const uint64_t *rules_text_grams(const struct val *v, bool folded);
bool rules_text_has_gram(const uint64_t *grams, uint16_t g);
/* prefilter.c: the rules' necessary texts by event type (rules.h); run
 * sets cand (a bit per rule) to the type's rules to evaluate: those
 * without a necessary text, and those whose text the event has */
void rules_prefilter_build(struct rg_ruleset *rs);
void rules_prefilter_free(struct rg_ruleset *rs);
void rules_prefilter_run(const struct rg_prefilter *pf, struct eval *e, uint64_t *cand);
/* parse.c: a condition's values once its fields, op and modifiers are set
 * (shared with the Sigma compiler); false with a message in err */
bool rules_cond_compile(struct rg_cond *c, char *err, size_t errlen);
/* sigma.c: Sigma rules into ld's set (skips in its load report) */
void rules_load_sigma_dir(struct loader *ld, const char *dir);
void rules_load_sigma_file(struct loader *ld, const char *path);
void rules_load_sigma_text(struct loader *ld, const char *name, const char *text, size_t n);
/* eval.c: one step's conditions on the event; values; summaries; alerts */
bool rules_cond_holds(const struct rg_cond *c, struct eval *e);
bool rules_step_fires(const struct rg_step *st, struct eval *e);
bool rules_visit_fref(struct eval *e, const struct fref *r, val_fn fn, void *arg);
const char *rules_event_summary(struct eval *e);
void rules_cap_summary(struct rg_buf *b);
void rules_report(struct eval *e, const struct rg_rule *r, const char *summary,
		  const uint64_t *steps, unsigned nsteps);
/* seqeval.c: the sequence rule ri on e's event */
void rules_sequence_eval(struct eval *e, unsigned ri);

#endif /* RG_RULES_INT_H */
