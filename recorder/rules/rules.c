/* rules.c: rule files to a rule set, and events through it (see rules.h). */
#include "rules.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "buf.h"
#include "fields.h"
#include "ini_reader.h"
#include "pathmatch.h"
#include "sha256.h"

#define ALL_TYPES (RG_ET_PROCESS_MASK | RG_ET_FILE_MASK | RG_ET_NET_MASK)
#define MAX_FIELDS 4      /* fields one condition may name with '|' */
#define MAX_ANCESTORS 64  /* a loop in bad data cannot hang the walk */
#define SUMMARY_MAX 300

/* ---- fields a condition can name ------------------------------------------ */

/* Context the lineage holds, by attribute. */
enum attr { A_NONE, A_COMM, A_EXE, A_CMDLINE, A_UID, A_EUID, A_AUID };
/* Whose context: the event's own process, its parent, or any ancestor. */
enum whose { W_SELF, W_PARENT, W_ANCESTOR };

struct fref {
	const struct rg_field *f; /* W_SELF: the registry field */
	enum whose whose;
	enum attr attr; /* the lineage attribute (W_SELF: the fallback, if any) */
	const char *name;
};

static const struct {
	const char *name;
	enum whose whose;
	enum attr attr;
} ctx_fields[] = {
	{"parent_exe", W_PARENT, A_EXE},     {"parent_comm", W_PARENT, A_COMM},
	{"parent_cmdline", W_PARENT, A_CMDLINE}, {"ancestor_exe", W_ANCESTOR, A_EXE},
	{"ancestor_comm", W_ANCESTOR, A_COMM},
};

/* Registry fields every rule may use: from the lineage when the event
 * type does not carry them. */
static enum attr self_attr(const char *name)
{
	static const struct {
		const char *name;
		enum attr a;
	} m[] = {{"comm", A_COMM}, {"exe", A_EXE},   {"cmdline", A_CMDLINE},
		 {"uid", A_UID},   {"euid", A_EUID}, {"auid", A_AUID}};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(name, m[i].name))
			return m[i].a;
	return A_NONE;
}

static bool find_field(const char *name, struct fref *out)
{
	for (size_t i = 0; i < sizeof(ctx_fields) / sizeof(ctx_fields[0]); i++) {
		if (!strcmp(name, ctx_fields[i].name)) {
			*out = (struct fref){NULL, ctx_fields[i].whose, ctx_fields[i].attr,
					     ctx_fields[i].name};
			return true;
		}
	}
	const struct rg_field *f = rg_field_find(name);
	if (!f)
		return false;
	*out = (struct fref){f, W_SELF, self_attr(name), f->name};
	return true;
}

static bool attr_is_int(enum attr a)
{
	return a == A_UID || a == A_EUID || a == A_AUID;
}

static bool fref_is_int(const struct fref *r)
{
	return r->f ? rg_field_is_int(r->f) : attr_is_int(r->attr);
}

/* Paths get component-aware prefixes and path globs (pathmatch.h). */
static bool fref_is_path(const struct fref *r)
{
	static const char *const paths[] = {"path", "new_path", "exe", "cwd", "parent_exe",
					    "ancestor_exe"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!strcmp(r->name, paths[i]))
			return true;
	return false;
}

/* The event types on which the field has a value. */
static uint32_t fref_types(const struct fref *r)
{
	if (r->whose != W_SELF || r->attr != A_NONE)
		return ALL_TYPES;
	return r->f->types & ALL_TYPES;
}

/* ---- conditions -------------------------------------------------------------- */

enum op { OP_EQ, OP_PREFIX, OP_SUFFIX, OP_GLOB, OP_CONTAINS, OP_LT, OP_LE, OP_GT, OP_GE,
	  OP_ANYBITS };

static const struct {
	const char *name;
	enum op op;
	bool str, num; /* which field kinds it applies to */
} ops[] = {
	{"equals", OP_EQ, 1, 1},    {"in", OP_EQ, 1, 1},       {"==", OP_EQ, 1, 1},
	{"prefix", OP_PREFIX, 1, 0}, {"suffix", OP_SUFFIX, 1, 0}, {"glob", OP_GLOB, 1, 0},
	{"contains", OP_CONTAINS, 1, 0}, {"lt", OP_LT, 0, 1}, {"<", OP_LT, 0, 1},
	{"le", OP_LE, 0, 1},        {"<=", OP_LE, 0, 1},       {"gt", OP_GT, 0, 1},
	{">", OP_GT, 0, 1},         {"ge", OP_GE, 0, 1},       {">=", OP_GE, 0, 1},
	{"anybits", OP_ANYBITS, 0, 1},
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

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

static void cond_free(struct rg_cond *c)
{
	for (unsigned i = 0; i < c->nvals; i++)
		free(c->strs[i]);
	free(c->strs);
	free(c->lens);
	free(c->ints);
	free(c->literal);
	free(c->text);
}

/* The next whitespace-separated token of *p into b: "double quotes" keep
 * spaces, and inside them \" \\ \n \t and \xHH escape. Returns false at the
 * end of the text; sets *bad on an unterminated quote or a bad escape. */
static bool next_token(const char **p, struct rg_buf *b, bool *bad)
{
	const char *s = *p;
	b->len = 0;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return false;
	bool quoted = false;
	for (; *s && (quoted || !isspace((unsigned char)*s)); s++) {
		if (*s == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted && *s == '\\') {
			char c = *++s;
			if (c == 'x' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
				char hex[3] = {s[1], s[2], 0};
				rg_buf_addc(b, (char)strtol(hex, NULL, 16));
				s += 2;
			} else if (c == '"' || c == '\\') {
				rg_buf_addc(b, c);
			} else if (c == 'n' || c == 't') {
				rg_buf_addc(b, c == 'n' ? '\n' : '\t');
			} else {
				*bad = true;
				return false;
			}
			continue;
		}
		rg_buf_addc(b, *s);
	}
	*bad = quoted;
	*p = s;
	return !quoted;
}

/* A number: decimal, 0x hex or 0o octal, maybe negative; true and false
 * are 1 and 0. "0644" is refused: octal or decimal is the reader's guess. */
static bool parse_int(const char *s, int64_t *v)
{
	if (!strcmp(s, "true") || !strcmp(s, "false")) {
		*v = s[0] == 't';
		return true;
	}
	bool neg = *s == '-';
	const char *d = s + neg;
	int base = 10;
	if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X'))
		base = 16, d += 2;
	else if (d[0] == '0' && d[1] == 'o')
		base = 8, d += 2;
	else if (d[0] == '0' && d[1])
		return false;
	if (!isxdigit((unsigned char)*d))
		return false; /* strtoull would take spaces and a sign here */
	errno = 0;
	char *end;
	unsigned long long u = strtoull(d, &end, base);
	if (errno || *end || u > (unsigned long long)INT64_MAX + neg)
		return false;
	*v = neg ? (int64_t)(0 - u) : (int64_t)u;
	return true;
}

/* The values a numeric field holds: a rule value outside them could never
 * match, so it is an error. u64 fields are compared as int64. */
static void int_range(const struct fref *r, int64_t *lo, int64_t *hi)
{
	enum rg_ftype t = r->f && r->whose == W_SELF ? r->f->type : RG_FT_U32;
	switch (t) {
	case RG_FT_U32: *lo = 0, *hi = UINT32_MAX; break;
	case RG_FT_I32: *lo = INT32_MIN, *hi = INT32_MAX; break;
	case RG_FT_U64: *lo = 0, *hi = INT64_MAX; break;
	case RG_FT_BOOL:
	case RG_FT_FLAG: *lo = 0, *hi = 1; break;
	default: *lo = INT64_MIN, *hi = INT64_MAX; break;
	}
}

/* ---- loading ------------------------------------------------------------------ */

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

bool rg_rules_section(const char *name, size_t n)
{
	return n > 7 && !memcmp(name, "rule \"", 6) && name[n - 1] == '"';
}

static int rfail(struct loader *ld, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int rfail(struct loader *ld, int line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->cur)
		return rg_ini_fail(&ld->ini, line, "rule \"%s\": %s", ld->cur->id, msg);
	return rg_ini_fail(&ld->ini, line, "%s", msg);
}

static bool valid_id(const char *s, size_t n)
{
	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

/* The step whose keys are being read. */
static struct rg_step *cur_step(struct loader *ld)
{
	return &ld->cur->steps[ld->cur->nsteps - 1];
}

/* The event types on which one of the fields has a value. */
static uint32_t frefs_types(const struct fref *refs, unsigned n)
{
	uint32_t t = 0;
	for (unsigned k = 0; k < n; k++)
		t |= fref_types(&refs[k]);
	return t;
}

/* Fields named on types that lack them: "field 'x' does not exist on ..." */
static bool check_types(struct loader *ld, int line, uint32_t types, const struct fref *refs,
			unsigned n, const char *text)
{
	uint32_t missing = types & ~frefs_types(refs, n);
	if (!missing)
		return true;
	return rfail(ld, line, "%s '%s' does not exist on %s events",
		     n > 1 ? "none of the fields in" : "field", n > 1 ? text : refs[0].name,
		     rg_etype_name(__builtin_ctz(missing)));
}

/* A step's conditions and event types; after the first, its join. */
static bool finish_step(struct loader *ld, unsigned k)
{
	struct rg_rule *r = ld->cur;
	struct rg_step *st = &r->steps[k];
	char which[32] = "";
	if (ld->seq)
		snprintf(which, sizeof(which), "step %u ", k + 1);
	unsigned matches = 0;
	for (unsigned i = 0; i < st->nconds; i++)
		matches += !st->conds[i].except;
	/* a later step's join may be all it asks of its events */
	if (!matches && !(k && st->events_line))
		return rfail(ld, ld->seq ? st->line : r->line,
			     k ? "%sneeds 'events' or a 'match' condition"
			       : "%sneeds at least one 'match' condition", which);
	uint32_t carried = ALL_TYPES;
	for (unsigned i = 0; i < st->nconds; i++) {
		const struct rg_cond *c = &st->conds[i];
		if (!check_types(ld, c->line, st->types, c->fields, c->nfields, c->text))
			return false;
		carried &= frefs_types(c->fields, c->nfields);
	}
	if (!st->types && !(st->types = carried))
		return rfail(ld, ld->seq ? st->line : r->line,
			     "%sno event type has all the fields its conditions name", which);
	if (!k)
		return true;
	const struct join *j = &st->join;
	if (j->kind == J_NONE)
		return rfail(ld, st->line, "%sneeds a 'join' (process, child, descendant, or "
			     "FIELD == FIELD)", which);
	return j->kind != J_FIELDS ||
	       (check_types(ld, j->line, r->steps[k - 1].types, j->left, j->nleft, j->text) &&
		check_types(ld, j->line, st->types, j->right, j->nright, j->text));
}

/* Checks the rule just finished: required keys, and that every field of
 * every condition exists on the event types it applies to. */
static void finish_rule(struct loader *ld)
{
	struct rg_rule *r = ld->cur;
	if (!r || ld->ini.failed)
		return;
	if (!r->name)
		rfail(ld, r->line, "missing 'name'");
	else if (!ld->key_line[2])
		rfail(ld, r->line, "missing 'severity' (low, medium, high, critical)");
	else if (ld->seq && r->nsteps < 2)
		rfail(ld, r->line, "a sequence needs a second step ('step = 2')");
	else if (ld->seq && !r->window_ns)
		rfail(ld, r->line, "a sequence needs a 'window' (e.g. 60s)");
	else if (!ld->seq && r->window_ns)
		rfail(ld, ld->key_line[4], "'window' applies to sequences only ('step = 1', ...)");
	for (unsigned k = 0; k < r->nsteps && !ld->ini.failed; k++)
		if (finish_step(ld, k))
			r->types |= r->steps[k].types;
}

static bool section_ok(void *user, const char *name, size_t n)
{
	struct loader *ld = user;
	finish_rule(ld);
	ld->cur = NULL;
	ld->last = NULL;
	if (ld->ini.failed)
		return true; /* the reader stops on the recorded error */
	if (!rg_rules_section(name, n))
		return ld->skip_other;
	const char *id = name + 6;
	size_t idn = n - 7;
	char a[RG_INI_SHOW_BUF];
	if (!valid_id(id, idn))
		return rg_ini_fail(&ld->ini, ld->ini.line,
				   "bad rule id \"%s\" (1-64 letters, digits, '.', '_', '-')",
				   rg_ini_show(a, id, idn)) || true;
	struct rg_ruleset *rs = ld->rs;
	for (unsigned i = 0; i < rs->nrules; i++)
		if (strlen(rs->rules[i].id) == idn && !memcmp(rs->rules[i].id, id, idn))
			return rg_ini_fail(&ld->ini, ld->ini.line,
					   "rule \"%.*s\": duplicate id (first defined at %s:%d)",
					   (int)idn, id, rs->rules[i].file, rs->rules[i].line) ||
			       true;
	rs->rules = rg_realloc(rs->rules, (rs->nrules + 1) * sizeof(*rs->rules));
	struct rg_rule *r = &rs->rules[rs->nrules++];
	*r = (struct rg_rule){.enabled = true, .line = ld->ini.line, .nsteps = 1};
	r->steps = rg_calloc(1, sizeof(*r->steps));
	r->id = rg_strndup(id, idn);
	r->file = rg_strdup(ld->ini.name ? ld->ini.name : "-");
	ld->cur = r;
	memset(ld->key_line, 0, sizeof(ld->key_line));
	ld->seq = false;
	return true;
}

/* "FIELD[|FIELD...]" into refs: each name known, all of one kind (*num). */
static bool parse_frefs(struct loader *ld, const char *spec, struct fref *refs, unsigned *n,
			bool *num)
{
	char a[RG_INI_SHOW_BUF];
	const char *p = spec;
	if (!*spec || spec[strlen(spec) - 1] == '|') /* "" (quoted) or "path|" */
		return rfail(ld, ld->ini.line, "bad field list '%s'",
			     rg_ini_show(a, spec, SIZE_MAX));
	while (*p) {
		size_t len = strcspn(p, "|");
		char name[64];
		if (!len || len >= sizeof(name))
			return rfail(ld, ld->ini.line, "bad field list '%s'",
				     rg_ini_show(a, spec, SIZE_MAX));
		memcpy(name, p, len);
		name[len] = '\0';
		if (*n == MAX_FIELDS)
			return rfail(ld, ld->ini.line, "more than %d fields in one condition",
				     MAX_FIELDS);
		struct fref *r = &refs[(*n)++];
		if (!find_field(name, r))
			return rfail(ld, ld->ini.line, "unknown field '%s'", rg_ini_show(a, name, len));
		bool isnum = fref_is_int(r);
		if (*n > 1 && isnum != *num)
			return rfail(ld, ld->ini.line, "fields '%s' and '%s' differ in kind "
				     "(number vs text)", refs[0].name, r->name);
		*num = isnum;
		p += len + (p[len] == '|');
	}
	return true;
}

/* A condition's fields; path operators apply when all are paths. */
static bool parse_fields(struct loader *ld, struct rg_cond *c, const char *spec)
{
	if (!parse_frefs(ld, spec, c->fields, &c->nfields, &c->num))
		return false;
	c->path = true;
	for (unsigned k = 0; k < c->nfields; k++)
		c->path = c->path && fref_is_path(&c->fields[k]);
	return true;
}

/* The operator token (maybe after "not"); checks it suits the fields. */
static bool parse_op(struct loader *ld, struct rg_cond *c, const char **p)
{
	bool bad = false;
	if (!next_token(p, &ld->tok, &bad))
		return rfail(ld, ld->ini.line, "condition '%s' has no operator", c->text);
	if (!strcmp(rg_buf_cstr(&ld->tok), "not")) {
		c->neg = true;
		if (!next_token(p, &ld->tok, &bad))
			return rfail(ld, ld->ini.line, "'not' without an operator");
	}
	const char *name = rg_buf_cstr(&ld->tok);
	char a[RG_INI_SHOW_BUF];
	for (size_t i = 0; i < NOPS; i++) {
		if (strcmp(name, ops[i].name))
			continue;
		if (c->num ? !ops[i].num : !ops[i].str)
			return rfail(ld, ld->ini.line, "operator '%s' does not apply to %s field '%s'",
				     name, c->num ? "numeric" : "text", c->fields[0].name);
		c->op = ops[i].op;
		return true;
	}
	return rfail(ld, ld->ini.line, "unknown operator '%s' (equals in prefix suffix glob "
		     "contains lt le gt ge anybits, each maybe after 'not')",
		     rg_ini_show(a, name, SIZE_MAX));
}

static bool check_int(struct loader *ld, struct rg_cond *c, const char *v, size_t n,
		      int64_t *out)
{
	char a[RG_INI_SHOW_BUF];
	if (memchr(v, 0, n) || !parse_int(v, out))
		return rfail(ld, ld->ini.line, "'%s' is not a number (field '%s'; decimal, "
			     "0x hex or 0o octal)", rg_ini_show(a, v, n), c->fields[0].name);
	for (unsigned k = 0; k < c->nfields; k++) {
		int64_t lo, hi;
		int_range(&c->fields[k], &lo, &hi);
		if (*out < lo || *out > hi)
			return rfail(ld, ld->ini.line, "%s is out of range for field '%s' "
				     "(%" PRId64 " to %" PRId64 ")", rg_ini_show(a, v, n),
				     c->fields[k].name, lo, hi);
	}
	return true;
}

static bool parse_values(struct loader *ld, struct rg_cond *c, const char *p)
{
	bool bad = false;
	char a[RG_INI_SHOW_BUF];
	while (next_token(&p, &ld->tok, &bad)) {
		const char *v = rg_buf_cstr(&ld->tok);
		size_t n = ld->tok.len;
		unsigned i = c->nvals++;
		c->strs = rg_realloc(c->strs, c->nvals * sizeof(*c->strs));
		c->lens = rg_realloc(c->lens, c->nvals * sizeof(*c->lens));
		c->ints = rg_realloc(c->ints, c->nvals * sizeof(*c->ints));
		c->literal = rg_realloc(c->literal, c->nvals * sizeof(*c->literal));
		c->literal[i] = !memchr(v, '*', n) && !memchr(v, '?', n) && !memchr(v, '[', n) &&
				!memchr(v, '\\', n);
		c->strs[i] = rg_calloc(1, n + 1);
		memcpy(c->strs[i], v, n);
		c->lens[i] = n;
		c->ints[i] = 0;
		if (c->num && !check_int(ld, c, v, n, &c->ints[i]))
			return false;
		if (!c->num && c->op == OP_GLOB && memchr(v, 0, n))
			return rfail(ld, ld->ini.line, "a glob cannot hold a NUL byte");
		if (!c->num && c->path && c->op == OP_GLOB && strchr(v, '/') && v[0] != '/')
			return rfail(ld, ld->ini.line, "path glob '%s' has a '/' but is not "
				     "absolute (a glob without '/' matches the file name)",
				     rg_ini_show(a, v, n));
		if (!c->num && c->path && c->op == OP_PREFIX) {
			while (c->lens[i] > 1 && c->strs[i][c->lens[i] - 1] == '/')
				c->strs[i][--c->lens[i]] = '\0'; /* "/etc/" means "/etc" */
			if (c->strs[i][0] != '/')
				return rfail(ld, ld->ini.line, "path prefix '%s' is not absolute",
					     rg_ini_show(a, v, n));
		}
	}
	if (bad)
		return rfail(ld, ld->ini.line, "unterminated quote or bad escape in '%s'", c->text);
	if (!c->nvals)
		return rfail(ld, ld->ini.line, "condition '%s' has no value", c->text);
	return true;
}

static bool add_cond(struct loader *ld, const char *text, bool except)
{
	struct rg_step *r = cur_step(ld);
	r->conds = rg_realloc(r->conds, (r->nconds + 1) * sizeof(*r->conds));
	struct rg_cond *c = &r->conds[r->nconds++];
	*c = (struct rg_cond){.except = except, .text = rg_strdup(text), .line = ld->ini.line};
	const char *p = text;
	bool bad = false;
	ld->last = NULL;
	if (!next_token(&p, &ld->tok, &bad))
		return rfail(ld, ld->ini.line, "empty condition");
	if (!parse_fields(ld, c, rg_buf_cstr(&ld->tok)) || !parse_op(ld, c, &p) ||
	    !parse_values(ld, c, p))
		return false;
	ld->last = c;
	return true;
}

/* "more = VALUE...": more values for the condition on the key before (a
 * line holds at most about 200 bytes). */
static bool add_more(struct loader *ld, const char *values)
{
	struct rg_cond *c = ld->last;
	if (!c)
		return rfail(ld, ld->ini.line, "'more' must follow a 'match', 'except' or 'more'");
	if (!values[strspn(values, " \t")])
		return rfail(ld, ld->ini.line, "'more' has no value");
	size_t n = strlen(c->text);
	c->text = rg_realloc(c->text, n + strlen(values) + 2);
	c->text[n] = ' ';
	strcpy(c->text + n + 1, values);
	return parse_values(ld, c, values);
}

static bool set_events(struct loader *ld, const char *list)
{
	const char *p = list;
	bool bad = false;
	char a[RG_INI_SHOW_BUF];
	struct rg_step *st = cur_step(ld);
	if (st->events_line)
		return rfail(ld, ld->ini.line, "duplicate key 'events' (first set on line %d)",
			     st->events_line);
	while (next_token(&p, &ld->tok, &bad)) {
		int t = rg_etype_parse(rg_buf_cstr(&ld->tok));
		if (t < 0 || !(RG_ET_BIT(t) & ALL_TYPES))
			return rfail(ld, ld->ini.line, "unknown event type '%s'",
				     rg_ini_show(a, rg_buf_cstr(&ld->tok), SIZE_MAX));
		st->types |= RG_ET_BIT(t);
	}
	if (bad || !st->types)
		return rfail(ld, ld->ini.line, "'events' names no event type");
	st->events_line = ld->ini.line;
	return true;
}

/* "window = 90s": a number with ms, s, m or h; 1 ms to 24 h. */
static bool parse_window(struct loader *ld, const char *value)
{
	static const struct {
		const char *unit;
		int64_t ns;
	} units[] = {{"ms", 1000000}, {"s", 1000000000}, {"m", 60000000000}, {"h", 3600000000000}};
	char a[RG_INI_SHOW_BUF];
	size_t digits = strspn(value, "0123456789");
	int64_t n;
	char num[24];
	if (digits && digits < sizeof(num)) {
		memcpy(num, value, digits);
		num[digits] = '\0';
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (strcmp(value + digits, units[i].unit) || !parse_int(num, &n))
				continue;
			if (n < 1 || n > 24 * 3600000000000 / units[i].ns)
				break;
			ld->cur->window_ns = n * units[i].ns;
			return true;
		}
	}
	return rfail(ld, ld->ini.line, "bad window '%s' (a number with ms, s, m or h; "
		     "1ms to 24h)", rg_ini_show(a, value, SIZE_MAX));
}

static bool set_single(struct loader *ld, unsigned k, const char *value)
{
	struct rg_rule *r = ld->cur;
	char a[RG_INI_SHOW_BUF];
	if (ld->key_line[k])
		return rfail(ld, ld->ini.line, "duplicate key '%s' (first set on line %d)",
			     single_keys[k], ld->key_line[k]);
	ld->key_line[k] = ld->ini.line;
	switch (k) {
	case 0:
		if (!*value)
			return rfail(ld, ld->ini.line, "'name' is empty");
		r->name = rg_strdup(value);
		return true;
	case 1:
		r->description = rg_strdup(value);
		return true;
	case 2:
		for (int s = RG_SEV_LOW; s <= RG_SEV_CRITICAL; s++) {
			if (!strcmp(value, rg_severity_name(s))) {
				r->severity = s;
				return true;
			}
		}
		return rfail(ld, ld->ini.line, "bad severity '%s' (low, medium, high, critical)",
			     rg_ini_show(a, value, SIZE_MAX));
	case 4:
		return parse_window(ld, value);
	default:
		if (!strcmp(value, "true") || !strcmp(value, "false")) {
			r->enabled = !strcmp(value, "true");
			return true;
		}
		return rfail(ld, ld->ini.line, "'enabled' must be true or false, not '%s'",
			     rg_ini_show(a, value, SIZE_MAX));
	}
}

/* "step = N" starts step N of a sequence: 1, then 2, ... Keys after it
 * (events, match, except, join) are that step's. */
static bool set_step(struct loader *ld, const char *value)
{
	struct rg_rule *r = ld->cur;
	unsigned want = ld->seq ? r->nsteps + 1 : 1;
	int64_t n;
	ld->last = NULL;
	if (!parse_int(value, &n) || n != want)
		return rfail(ld, ld->ini.line, "steps are numbered in order: expected 'step = %u'",
			     want);
	if (n > RG_SEQ_MAX_STEPS)
		return rfail(ld, ld->ini.line, "a sequence has at most %d steps", RG_SEQ_MAX_STEPS);
	struct rg_step *st = cur_step(ld);
	if (!ld->seq) {
		if (st->nconds || st->events_line)
			return rfail(ld, ld->ini.line, "'step = 1' must come before the rule's "
				     "events and conditions");
		ld->seq = true;
		st->line = ld->ini.line;
		return true;
	}
	r->steps = rg_realloc(r->steps, (r->nsteps + 1) * sizeof(*r->steps));
	r->steps[r->nsteps++] = (struct rg_step){.line = ld->ini.line};
	return true;
}

/* "join = process" (the same process), "child" (it or a child of it),
 * "descendant" (it or any descendant) or "FIELDS == FIELDS" (a value of
 * the step before's fields equals one of this step's): how this step is
 * tied to the one before. */
static bool set_join(struct loader *ld, const char *value)
{
	struct rg_step *st = cur_step(ld);
	struct join *j = &st->join;
	char a[RG_INI_SHOW_BUF];
	if (!ld->seq || ld->cur->nsteps < 2)
		return rfail(ld, ld->ini.line, "'join' belongs to a sequence's second or later step");
	if (j->kind != J_NONE)
		return rfail(ld, ld->ini.line, "duplicate key 'join' (first set on line %d)",
			     j->line);
	j->line = ld->ini.line;
	j->text = rg_strdup(value);
	static const struct {
		const char *name;
		enum join_kind kind;
	} kinds[] = {{"process", J_PROCESS}, {"child", J_CHILD}, {"descendant", J_DESCENDANT}};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcmp(value, kinds[i].name)) {
			j->kind = kinds[i].kind;
			return true;
		}
	}
	const char *p = value;
	bool bad = false, rnum = false;
	if (!strstr(value, "=="))
		return rfail(ld, ld->ini.line, "bad join '%s' (process, child, descendant, or "
			     "FIELD[|FIELD] == FIELD[|FIELD])", rg_ini_show(a, value, SIZE_MAX));
	if (!next_token(&p, &ld->tok, &bad) ||
	    !parse_frefs(ld, rg_buf_cstr(&ld->tok), j->left, &j->nleft, &j->num))
		return ld->ini.failed || rfail(ld, ld->ini.line, "empty 'join'");
	if (!next_token(&p, &ld->tok, &bad) || strcmp(rg_buf_cstr(&ld->tok), "=="))
		return rfail(ld, ld->ini.line, "bad join '%s' (process, child, descendant, or "
			     "FIELD[|FIELD] == FIELD[|FIELD])", rg_ini_show(a, value, SIZE_MAX));
	if (!next_token(&p, &ld->tok, &bad) ||
	    !parse_frefs(ld, rg_buf_cstr(&ld->tok), j->right, &j->nright, &rnum))
		return ld->ini.failed || rfail(ld, ld->ini.line, "join '%s' has no field after '=='",
					       rg_ini_show(a, value, SIZE_MAX));
	if (next_token(&p, &ld->tok, &bad) || bad)
		return rfail(ld, ld->ini.line, "bad join '%s' (one field list on each side)",
			     rg_ini_show(a, value, SIZE_MAX));
	if (rnum != j->num)
		return rfail(ld, ld->ini.line, "join '%s' compares text with a number",
			     rg_ini_show(a, value, SIZE_MAX));
	j->kind = J_FIELDS;
	return true;
}

/* Tags are words; repeated keys add words. */
static bool add_tags(struct loader *ld, const char *value)
{
	struct rg_rule *r = ld->cur;
	struct rg_buf b = {0};
	if (r->tags)
		rg_buf_adds(&b, r->tags);
	for (const char *p = value; *p;) {
		size_t n = strcspn(p += strspn(p, " \t,"), " \t,");
		if (n) {
			if (b.len)
				rg_buf_addc(&b, ' ');
			rg_buf_add(&b, p, n);
		}
		p += n;
	}
	free(r->tags);
	r->tags = rg_strdup(rg_buf_cstr(&b));
	rg_buf_free(&b);
	return true;
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct loader *ld = user;
	char a[RG_INI_SHOW_BUF];
	(void)section;
	if (!ld->cur) /* a config section of the main file */
		return !ld->skip_other ? rfail(ld, ld->ini.line, "key outside a [rule \"ID\"] section")
				       : 1;
	if (strcmp(key, "more"))
		ld->last = NULL; /* match and except set it anew */
	for (unsigned k = 0; k < NSINGLE; k++)
		if (!strcmp(key, single_keys[k]))
			return set_single(ld, k, value);
	if (!strcmp(key, "match") || !strcmp(key, "except"))
		return add_cond(ld, value, key[0] == 'e');
	if (!strcmp(key, "more"))
		return add_more(ld, value);
	if (!strcmp(key, "events"))
		return set_events(ld, value);
	if (!strcmp(key, "tags"))
		return add_tags(ld, value);
	if (!strcmp(key, "step"))
		return set_step(ld, value);
	if (!strcmp(key, "join"))
		return set_join(ld, value);
	return rfail(ld, ld->ini.line, "unknown key '%s' (name description severity tags "
		     "enabled events match except more; sequences: window step join)",
		     rg_ini_show(a, key, SIZE_MAX));
}

/* Messages name the file after the caller's buffer is gone. */
static const char *own_name(struct loader *ld, const char *name)
{
	free(ld->name);
	ld->name = rg_strdup(name);
	return ld->name;
}

static void load_text(struct loader *ld, const char *name, const char *text, size_t len,
		      bool skip_other)
{
	ld->ini = (struct rg_ini){.name = own_name(ld, name), .section_ok = section_ok,
				  .on_key = on_key, .user = ld};
	ld->cur = NULL;
	ld->skip_other = skip_other;
	rg_ini_parse(&ld->ini, text, len);
	finish_rule(ld);
	ld->cur = NULL;
}

static void load_file(struct loader *ld, const char *path, bool skip_other)
{
	struct rg_buf text = {0};
	ld->ini = (struct rg_ini){.name = own_name(ld, path)};
	if (rg_ini_read_file(&ld->ini, path, &text))
		load_text(ld, path, rg_buf_cstr(&text), text.len, skip_other);
	rg_buf_free(&text);
}

static int is_rules_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 6 && !strcmp(d->d_name + n - 6, ".rules");
}

static void load_dir(struct loader *ld, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, is_rules_file, alphasort);
	if (n < 0) {
		ld->ini = (struct rg_ini){.name = own_name(ld, dir)};
		rg_ini_fail(&ld->ini, 0, "cannot read the rules directory: %s", strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (!ld->ini.failed)
			load_file(ld, path, false);
		free(names[i]);
	}
	free(names);
}

/* A condition as parsed: layout, quoting and how values are split over
 * "more" lines do not change it. Every part is length-prefixed. */
static void digest_cond(struct rg_sha256 *h, const struct rg_cond *c)
{
	uint32_t head[4] = {c->except, c->neg, c->op, c->nfields};
	rg_sha256_add(h, head, sizeof(head));
	for (unsigned k = 0; k < c->nfields; k++)
		rg_sha256_add(h, c->fields[k].name, strlen(c->fields[k].name) + 1);
	for (unsigned i = 0; i < c->nvals; i++) {
		if (c->num) { /* 0x10 and 16 are one value */
			rg_sha256_add(h, &c->ints[i], sizeof(c->ints[i]));
			continue;
		}
		uint64_t n = c->lens[i];
		rg_sha256_add(h, &n, sizeof(n));
		rg_sha256_add(h, c->strs[i], c->lens[i]);
	}
}

/* A step: its types, conditions and join (a single-event rule's one step
 * hashes as rules did before sequences existed). */
static void digest_step(struct rg_sha256 *h, const struct rg_step *st)
{
	char num[32];
	snprintf(num, sizeof(num), "%" PRIu32, st->types);
	rg_sha256_add(h, num, strlen(num) + 1);
	for (unsigned c = 0; c < st->nconds; c++)
		digest_cond(h, &st->conds[c]);
	const struct join *j = &st->join;
	if (j->kind == J_NONE)
		return;
	uint32_t head[3] = {j->kind, j->nleft, j->nright};
	rg_sha256_add(h, head, sizeof(head));
	for (unsigned k = 0; k < j->nleft; k++)
		rg_sha256_add(h, j->left[k].name, strlen(j->left[k].name) + 1);
	for (unsigned k = 0; k < j->nright; k++)
		rg_sha256_add(h, j->right[k].name, strlen(j->right[k].name) + 1);
}

/* The digest covers what the rules mean, in order, not the files' bytes:
 * comments and layout do not change it. */
static void digest(struct rg_ruleset *rs)
{
	struct rg_sha256 h;
	char num[64];
	rg_sha256_init(&h);
	for (unsigned i = 0; i < rs->nrules; i++) {
		const struct rg_rule *r = &rs->rules[i];
		const char *parts[] = {r->id, r->name, r->tags ? r->tags : "",
				       rg_severity_name(r->severity), r->enabled ? "on" : "off"};
		for (size_t k = 0; k < sizeof(parts) / sizeof(parts[0]); k++)
			rg_sha256_add(&h, parts[k], strlen(parts[k]) + 1);
		if (r->nsteps > 1) {
			snprintf(num, sizeof(num), "sequence %u %" PRId64, r->nsteps, r->window_ns);
			rg_sha256_add(&h, num, strlen(num) + 1);
		}
		for (unsigned k = 0; k < r->nsteps; k++)
			digest_step(&h, &r->steps[k]);
	}
	rg_sha256_hex(&h, rs->digest);
}

static uint64_t refs_fields(const struct fref *refs, unsigned n)
{
	uint64_t m = 0;
	for (unsigned k = 0; k < n; k++)
		if (refs[k].f)
			m |= 1ull << (refs[k].f - rg_fields);
	return m;
}

/* The registry fields a step reads from the event. */
static uint64_t step_fields(const struct rg_step *st)
{
	uint64_t m = refs_fields(st->join.left, st->join.nleft) |
		     refs_fields(st->join.right, st->join.nright);
	for (unsigned c = 0; c < st->nconds; c++)
		m |= refs_fields(st->conds[c].fields, st->conds[c].nfields);
	return m;
}

static void index_types(struct rg_ruleset *rs)
{
	for (int t = 0; t < RG_ET_COUNT; t++) {
		rs->by_type[t] = rg_calloc(rs->nrules, sizeof(unsigned));
		for (unsigned i = 0; i < rs->nrules; i++)
			if (rs->rules[i].enabled && (rs->rules[i].types & RG_ET_BIT(t)))
				rs->by_type[t][rs->nby_type[t]++] = i;
	}
	for (unsigned i = 0; i < rs->nrules; i++) {
		const struct rg_rule *r = &rs->rules[i];
		rs->nenabled += r->enabled;
		rs->nsequences += r->enabled && r->nsteps > 1;
		if (r->enabled && r->window_ns > rs->max_window_ns)
			rs->max_window_ns = r->window_ns;
		for (unsigned k = 0; r->enabled && k < r->nsteps; k++)
			rs->fields_used |= step_fields(&r->steps[k]);
	}
}

static int finish_load(struct loader *ld, struct rg_ruleset **out, char *err, size_t errlen)
{
	rg_buf_free(&ld->tok);
	if (ld->ini.failed)
		rg_ini_message(&ld->ini, err, errlen);
	free(ld->name);
	if (ld->ini.failed) {
		rg_rules_free(ld->rs);
		return 2;
	}
	digest(ld->rs);
	index_types(ld->rs);
	*out = ld->rs;
	return 0;
}

int rg_rules_load(struct rg_ruleset **out, const struct rg_rules_source *src, unsigned n,
		  char *err, size_t errlen)
{
	struct loader ld = {.rs = rg_calloc(1, sizeof(struct rg_ruleset))};
	for (unsigned i = 0; i < n && !ld.ini.failed; i++) {
		if (src[i].is_dir)
			load_dir(&ld, src[i].path);
		else
			load_file(&ld, src[i].path, src[i].skip_other);
	}
	return finish_load(&ld, out, err, errlen);
}

int rg_rules_load_string(struct rg_ruleset **out, const char *name, const char *text,
			 char *err, size_t errlen)
{
	struct loader ld = {.rs = rg_calloc(1, sizeof(struct rg_ruleset))};
	load_text(&ld, name, text, strlen(text), false);
	return finish_load(&ld, out, err, errlen);
}

void rg_rules_free(struct rg_ruleset *rs)
{
	if (!rs)
		return;
	for (unsigned i = 0; i < rs->nrules; i++) {
		struct rg_rule *r = &rs->rules[i];
		for (unsigned k = 0; k < r->nsteps; k++) {
			for (unsigned c = 0; c < r->steps[k].nconds; c++)
				cond_free(&r->steps[k].conds[c]);
			free(r->steps[k].conds);
			free(r->steps[k].join.text);
		}
		free(r->steps);
		free(r->id);
		free(r->name);
		free(r->description);
		free(r->tags);
		free(r->file);
	}
	for (int t = 0; t < RG_ET_COUNT; t++)
		free(rs->by_type[t]);
	free(rs->rules);
	free(rs);
}

const char *rg_severity_name(enum rg_severity s)
{
	static const char *const names[] = {"low", "medium", "high", "critical"};
	return (unsigned)s < 4 ? names[s] : "unknown";
}

/* ---- evaluation --------------------------------------------------------------- */

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

static bool str_op(const struct rg_cond *c, unsigned i, const char *s, size_t n,
		   struct rg_buf *scratch)
{
	const char *v = c->strs[i];
	size_t vn = c->lens[i];
	switch (c->op) {
	case OP_EQ:
		return n == vn && !memcmp(s, v, n);
	case OP_PREFIX:
		return c->path ? rg_path_has_prefix(s, n, v, vn) : n >= vn && !memcmp(s, v, vn);
	case OP_SUFFIX:
		return n >= vn && !memcmp(s + n - vn, v, vn);
	case OP_CONTAINS:
		return memmem(s, n, v, vn) != NULL;
	case OP_GLOB:
		if (c->path)
			return rg_path_glob(v, s, n);
		scratch->len = 0;
		rg_buf_add(scratch, s, n);
		return fnmatch(v, rg_buf_cstr(scratch), 0) == 0;
	default:
		return false;
	}
}

static bool int_op(const struct rg_cond *c, unsigned i, int64_t x)
{
	int64_t v = c->ints[i];
	switch (c->op) {
	case OP_EQ: return x == v;
	case OP_LT: return x < v;
	case OP_LE: return x <= v;
	case OP_GT: return x > v;
	case OP_GE: return x >= v;
	case OP_ANYBITS: return (x & v) != 0;
	default: return false;
	}
}

/* A path glob over many values: the path is copied and split once (and a
 * value without wildcards is a byte compare), with rg_path_glob's meaning. */
static bool test_path_glob(const struct rg_cond *c, struct eval *e, struct rg_str s)
{
	if (s.len >= 8192)
		return false; /* as rg_path_glob: never a match */
	e->globbuf.len = 0;
	rg_buf_add(&e->globbuf, s.p, s.len);
	const char *path = rg_buf_cstr(&e->globbuf), *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	for (unsigned i = 0; i < c->nvals; i++) {
		const char *v = c->strs[i];
		if (c->literal[i] ? !strcmp(v, strchr(v, '/') ? path : base)
				  : rg_path_glob_at(v, path, base))
			return true;
	}
	return false;
}

static bool test_str(const struct rg_cond *c, struct eval *e, struct rg_str s)
{
	if (c->op == OP_GLOB && c->path)
		return test_path_glob(c, e, s);
	for (unsigned i = 0; i < c->nvals; i++)
		if (str_op(c, i, s.p, s.len, &e->globbuf))
			return true;
	return false;
}

static bool test_int(const struct rg_cond *c, int64_t x)
{
	for (unsigned i = 0; i < c->nvals; i++)
		if (int_op(c, i, x))
			return true;
	return false;
}

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

static bool visit_str(val_fn fn, void *arg, const char *p, size_t n)
{
	struct val v = {p ? p : "", n, 0, false};
	return fn(arg, &v);
}

static bool visit_int(val_fn fn, void *arg, int64_t i)
{
	struct val v = {NULL, 0, i, true};
	return fn(arg, &v);
}

/* argv as one space-joined line (in e->scratch). */
static bool visit_cmdline(struct eval *e, struct rg_str argv, val_fn fn, void *arg)
{
	e->scratch.len = 0;
	rg_buf_add_cmdline(&e->scratch, argv);
	return visit_str(fn, arg, e->scratch.p, e->scratch.len);
}

/* A lineage attribute's value. */
static bool visit_attr(struct eval *e, const struct rg_lproc *p, enum attr a, val_fn fn,
		       void *arg)
{
	switch (a) {
	case A_COMM: return p->comm.p && visit_str(fn, arg, p->comm.p, p->comm.len);
	case A_EXE: return p->exe.p && visit_str(fn, arg, p->exe.p, p->exe.len);
	case A_CMDLINE: return p->argv.p && visit_cmdline(e, p->argv, fn, arg);
	case A_UID: return visit_int(fn, arg, p->uid);
	case A_EUID: return p->creds_known && visit_int(fn, arg, p->euid);
	case A_AUID: return p->creds_known && visit_int(fn, arg, p->auid);
	default: return false;
	}
}

/* An event field's value (or values: each of argv). */
static bool visit_event_field(struct eval *e, const struct rg_field *f, val_fn fn, void *arg)
{
	const struct rg_event *ev = e->ev;
	if (rg_field_is_null(f, ev))
		return false;
	if (rg_field_is_int(f))
		return visit_int(fn, arg, rg_field_int(f, ev));
	if (f->type == RG_FT_ETYPE) {
		const char *n = rg_etype_name(ev->type);
		return visit_str(fn, arg, n, strlen(n));
	}
	struct rg_str s = rg_field_str(f, ev);
	if (f->type == RG_FT_CMDLINE)
		return visit_cmdline(e, s, fn, arg);
	if (f->type == RG_FT_ARGV) { /* any one argument */
		for (uint32_t at = 0; at < s.len;) {
			const char *nul = memchr(s.p + at, 0, s.len - at);
			uint32_t n = nul ? (uint32_t)(nul - (s.p + at)) : s.len - at;
			if (visit_str(fn, arg, s.p + at, n))
				return true;
			at += n + 1;
		}
		return false;
	}
	return visit_str(fn, arg, s.p, s.len);
}

/* The values of a field reference: the event's, its process's, its
 * parent's or every ancestor's. */
static bool visit_fref(struct eval *e, const struct fref *r, val_fn fn, void *arg)
{
	const struct rg_event *ev = e->ev;
	if (r->whose == W_SELF) {
		if (r->f->types & RG_ET_BIT(ev->type))
			return visit_event_field(e, r->f, fn, arg);
		const struct rg_lproc *p = rg_lineage_get(e->lin, ev->proc_id);
		return p && visit_attr(e, p, r->attr, fn, arg);
	}
	const struct rg_lproc *p = rg_lineage_get(e->lin, ev->parent_proc_id);
	if (r->whose == W_PARENT)
		return p && visit_attr(e, p, r->attr, fn, arg);
	for (int depth = 0; p && depth < MAX_ANCESTORS; depth++) {
		if (visit_attr(e, p, r->attr, fn, arg))
			return true;
		p = p->parent_proc_id != p->proc_id ? rg_lineage_get(e->lin, p->parent_proc_id)
						    : NULL;
	}
	return false;
}

/* ---- single-event evaluation ------------------------------------------------ */

struct cond_arg {
	const struct rg_cond *c;
	struct eval *e;
};

static bool cond_val(void *arg, const struct val *v)
{
	const struct cond_arg *a = arg;
	if (v->num)
		return test_int(a->c, v->i);
	return test_str(a->c, a->e, (struct rg_str){v->p, (uint32_t)v->n});
}

static bool holds(const struct rg_cond *c, struct eval *e)
{
	struct cond_arg a = {c, e};
	bool any = false;
	for (unsigned k = 0; k < c->nfields && !any; k++)
		any = visit_fref(e, &c->fields[k], cond_val, &a);
	return any != c->neg;
}

static bool step_fires(const struct rg_step *st, struct eval *e)
{
	for (unsigned i = 0; i < st->nconds; i++)
		if (holds(&st->conds[i], e) == st->conds[i].except)
			return false;
	return true;
}

static void add_str(struct rg_buf *b, struct rg_str s)
{
	if (s.p)
		rg_buf_add(b, s.p, s.len);
	else
		rg_buf_adds(b, "?");
}

/* Cuts a summary to SUMMARY_MAX bytes, ending "..." when it was longer. */
static void cap_summary(struct rg_buf *b)
{
	if (b->len > SUMMARY_MAX) {
		b->len = SUMMARY_MAX - 3;
		rg_buf_adds(b, "...");
	}
}

/* "<event_type> <object> by <exe> (pid N)", at most SUMMARY_MAX bytes.
 * Made for every event a sequence step matches: no printf. */
static void summarize(struct rg_buf *b, const struct rg_event *ev)
{
	b->len = 0;
	rg_buf_adds(b, rg_etype_name(ev->type));
	rg_buf_addc(b, ' ');
	if (RG_ET_BIT(ev->type) & RG_ET_FILE_MASK) {
		add_str(b, ev->path);
		if (ev->type == RG_ET_FILE_RENAME) {
			rg_buf_adds(b, " -> ");
			add_str(b, ev->new_path);
		}
	} else if (RG_ET_BIT(ev->type) & RG_ET_NET_MASK) {
		bool remote = ev->type == RG_ET_NET_CONNECT || ev->type == RG_ET_NET_ACCEPT;
		add_str(b, remote ? ev->remote_addr : ev->local_addr);
		rg_buf_adds(b, " port ");
		rg_buf_add_u64(b, remote ? ev->remote_port : ev->local_port);
	} else if (ev->type == RG_ET_PROCESS_START) {
		rg_buf_add_cmdline(b, ev->argv);
	} else if (ev->type == RG_ET_PROCESS_RELATIONSHIP) {
		rg_buf_adds(b, "child pid ");
		rg_buf_add_u64(b, ev->child_pid);
	} else if (ev->type == RG_ET_PROCESS_EXIT && ev->signal) {
		rg_buf_adds(b, "signal ");
		rg_buf_add_u64(b, ev->signal);
	} else if (ev->type == RG_ET_PROCESS_EXIT) {
		rg_buf_adds(b, "code ");
		rg_buf_add_i64(b, ev->exit_code);
	}
	rg_buf_adds(b, " by ");
	add_str(b, ev->exe);
	rg_buf_adds(b, " (pid ");
	rg_buf_add_u64(b, ev->pid);
	rg_buf_addc(b, ')');
	cap_summary(b);
}

/* The event's own summary, made once. */
static const char *event_summary(struct eval *e)
{
	if (!e->sum.len)
		summarize(&e->sum, e->ev);
	return rg_buf_cstr(&e->sum);
}

static void report(struct eval *e, const struct rg_rule *r, const char *summary,
		   const uint64_t *steps, unsigned nsteps)
{
	struct rg_match m = {r, e->ev, e->rs->digest, summary, steps, nsteps};
	e->hits++;
	e->fn(e->arg, &m);
}

/* ---- sequences ---------------------------------------------------------------- *
 *
 * A partial match of rule R's first k steps waits in e->sq under the key
 * that step k+1's join needs: a proc_id (process, descendant) or a value
 * of the join's left fields. An event matching step k+1's conditions looks
 * itself up by its proc_id (descendant: and each ancestor's) or by the
 * values of the join's right fields; the most recent partial found (by its
 * last step's seq) is the one it continues. Steps are tried from the last
 * to the first, so one event never takes a sequence two steps at once. */

struct seqwalk {
	struct eval *e;
	unsigned rule, stage;
	const struct rg_partial *best; /* the lookup's result */
	struct rg_partial next;        /* what put stores */
};

static void key_num(struct rg_buf *b, int64_t v)
{
	b->len = 0;
	rg_buf_addc(b, 'N');
	rg_buf_add(b, &v, sizeof(v));
}

static void key_val(struct rg_buf *b, const struct val *v)
{
	if (v->num)
		return key_num(b, v->i);
	b->len = 0;
	rg_buf_addc(b, 'T');
	rg_buf_add(b, v->p, v->n);
}

static void consider(struct seqwalk *w)
{
	struct eval *e = w->e;
	const struct rg_partial *p =
		rg_seqstate_find(e->sq, w->rule, w->stage, e->key.p, e->key.len, e->ev->ts_ns);
	if (p && (!w->best || p->seqs[p->stage - 1] > w->best->seqs[w->best->stage - 1]))
		w->best = p;
}

static bool find_val(void *arg, const struct val *v)
{
	struct seqwalk *w = arg;
	key_val(&w->e->key, v);
	consider(w);
	return false; /* every value is a candidate */
}

static void find_proc(struct seqwalk *w, int64_t proc_id)
{
	if (!proc_id)
		return;
	key_num(&w->e->key, proc_id);
	consider(w);
}

/* The partial of the steps before step k (0-based) that ev continues. */
static const struct rg_partial *find_before(struct eval *e, unsigned ri, unsigned k)
{
	const struct join *j = &e->rs->rules[ri].steps[k].join;
	struct seqwalk w = {e, ri, k, NULL, {0}};
	const struct rg_event *ev = e->ev;
	if (j->kind == J_FIELDS) {
		for (unsigned f = 0; f < j->nright; f++)
			visit_fref(e, &j->right[f], find_val, &w);
		return w.best;
	}
	find_proc(&w, ev->proc_id);
	if (j->kind != J_PROCESS) { /* up the parents: one for a child */
		int levels = j->kind == J_CHILD ? 1 : MAX_ANCESTORS;
		const struct rg_lproc *p = rg_lineage_get(e->lin, ev->proc_id);
		int64_t up = p ? p->parent_proc_id : ev->parent_proc_id;
		for (int depth = 0; up && depth < levels; depth++) {
			find_proc(&w, up);
			p = rg_lineage_get(e->lin, up);
			up = p && p->parent_proc_id != p->proc_id ? p->parent_proc_id : 0;
		}
	}
	return w.best;
}

static bool put_val(void *arg, const struct val *v)
{
	struct seqwalk *w = arg;
	key_val(&w->e->key, v);
	rg_seqstate_put(w->e->sq, w->e->key.p, w->e->key.len, &w->next);
	return false; /* a partial per value */
}

/* Stores next (its first `stage` steps matched, ev the last of them) under
 * the keys step `stage`'s join will look for. */
static void put_after(struct eval *e, const struct rg_step *following, struct seqwalk *w)
{
	const struct join *j = &following->join;
	if (j->kind == J_FIELDS) {
		for (unsigned f = 0; f < j->nleft; f++)
			visit_fref(e, &j->left[f], put_val, w);
	} else if (e->ev->proc_id) {
		key_num(&e->key, e->ev->proc_id);
		rg_seqstate_put(e->sq, e->key.p, e->key.len, &w->next);
	}
}

/* "<last step's summary> after <first step's summary>", bounded. */
static const char *sequence_summary(struct eval *e, const char *first)
{
	struct rg_buf *b = &e->seqsum;
	b->len = 0;
	rg_buf_adds(b, event_summary(e));
	rg_buf_adds(b, " after ");
	rg_buf_adds(b, first);
	cap_summary(b);
	return rg_buf_cstr(b);
}

static void sequence_eval(struct eval *e, unsigned ri)
{
	const struct rg_rule *r = &e->rs->rules[ri];
	const struct rg_event *ev = e->ev;
	for (unsigned k = r->nsteps; k-- > 0;) {
		const struct rg_step *st = &r->steps[k];
		if (!(st->types & RG_ET_BIT(ev->type)) || !step_fires(st, e))
			continue;
		struct seqwalk w = {e, ri, k + 1, NULL, {.rule = ri, .stage = k + 1}};
		if (k == 0) {
			w.next.deadline_ns = ev->ts_ns + r->window_ns;
			w.next.summary = event_summary(e);
		} else {
			const struct rg_partial *p =
				rg_seqstate_any(e->sq, ri, k) ? find_before(e, ri, k) : NULL;
			if (!p)
				continue;
			if (k == r->nsteps - 1) {
				uint64_t steps[RG_SEQ_MAX_STEPS];
				memcpy(steps, p->seqs, k * sizeof(steps[0]));
				steps[k] = ev->seq;
				report(e, r, sequence_summary(e, p->summary), steps, r->nsteps);
				rg_seqstate_remove(e->sq, p); /* each first step completes once */
				e->stepped = true;
				continue;
			}
			memcpy(w.next.seqs, p->seqs, k * sizeof(p->seqs[0]));
			w.next.deadline_ns = p->deadline_ns;
			e->first.len = 0; /* put may free p (the bound), and with it this */
			rg_buf_adds(&e->first, p->summary);
			w.next.summary = rg_buf_cstr(&e->first);
		}
		w.next.seqs[k] = ev->seq;
		e->stepped = true; /* a partial now holds this event's seq */
		put_after(e, &r->steps[k + 1], &w);
	}
}

unsigned rg_rules_eval(const struct rg_ruleset *rs, struct rg_seqstate *sq,
		       const struct rg_event *ev, const struct rg_lineage *lin, rg_match_fn fn,
		       void *arg, bool *stepped)
{
	if (stepped)
		*stepped = false;
	if (!rs || (unsigned)ev->type >= RG_ET_COUNT || !rs->nby_type[ev->type])
		return 0;
	struct eval e = {.ev = ev, .lin = lin, .rs = rs, .sq = sq, .fn = fn, .arg = arg};
	if (sq && rs->nsequences)
		rg_seqstate_expire(sq, ev->ts_ns);
	for (unsigned i = 0; i < rs->nby_type[ev->type]; i++) {
		unsigned ri = rs->by_type[ev->type][i];
		const struct rg_rule *r = &rs->rules[ri];
		if (r->nsteps > 1) {
			if (sq)
				sequence_eval(&e, ri);
		} else if (step_fires(&r->steps[0], &e)) {
			report(&e, r, event_summary(&e), NULL, 0);
		}
	}
	struct rg_buf *bufs[] = {&e.scratch, &e.globbuf, &e.sum, &e.seqsum, &e.key, &e.first};
	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
		rg_buf_free(bufs[i]);
	if (stepped)
		*stepped = e.stepped;
	return e.hits;
}
