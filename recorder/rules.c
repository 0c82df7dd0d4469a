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
	unsigned nvals;
	char *text; /* the condition as written, for messages */
	int line;
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		abort();
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

static void cond_free(struct rg_cond *c)
{
	for (unsigned i = 0; i < c->nvals; i++)
		free(c->strs[i]);
	free(c->strs);
	free(c->lens);
	free(c->ints);
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
	int events_line;
	struct rg_cond *last; /* the condition a "more" line extends */
	char *name;           /* owned copy of the file name in messages */
	struct rg_buf tok;
};

static const char *const single_keys[] = {"name", "description", "severity", "enabled"};
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
	else {
		unsigned matches = 0;
		for (unsigned i = 0; i < r->nconds; i++)
			matches += !r->conds[i].except;
		if (!matches)
			rfail(ld, r->line, "needs at least one 'match' condition");
	}
	if (ld->ini.failed)
		return;
	uint32_t carried = ALL_TYPES;
	for (unsigned i = 0; i < r->nconds; i++) {
		const struct rg_cond *c = &r->conds[i];
		uint32_t t = 0; /* one of a condition's fields is enough */
		for (unsigned k = 0; k < c->nfields; k++)
			t |= fref_types(&c->fields[k]);
		if (r->types & ~t) {
			int et = __builtin_ctz(r->types & ~t);
			rfail(ld, c->line, "%s '%s' does not exist on %s events",
			      c->nfields > 1 ? "none of the fields in" : "field",
			      c->nfields > 1 ? c->text : c->fields[0].name, rg_etype_name(et));
			return;
		}
		carried &= t;
	}
	if (!r->types && !(r->types = carried))
		rfail(ld, r->line, "no event type has all the fields its conditions name");
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
	rs->rules = xrealloc(rs->rules, (rs->nrules + 1) * sizeof(*rs->rules));
	struct rg_rule *r = &rs->rules[rs->nrules++];
	*r = (struct rg_rule){.enabled = true, .line = ld->ini.line};
	r->id = strndup(id, idn);
	r->file = xstrdup(ld->ini.name ? ld->ini.name : "-");
	if (!r->id)
		abort();
	ld->cur = r;
	memset(ld->key_line, 0, sizeof(ld->key_line));
	ld->events_line = 0;
	return true;
}

/* "FIELD[|FIELD...]": each name known, all of one kind. */
static bool parse_fields(struct loader *ld, struct rg_cond *c, const char *spec)
{
	char a[RG_INI_SHOW_BUF];
	const char *p = spec;
	if (!*spec || spec[strlen(spec) - 1] == '|') /* "" (quoted) or "path|" */
		return rfail(ld, ld->ini.line, "bad field list '%s'",
			     rg_ini_show(a, spec, SIZE_MAX));
	while (*p) {
		size_t n = strcspn(p, "|");
		char name[64];
		if (!n || n >= sizeof(name))
			return rfail(ld, ld->ini.line, "bad field list '%s'",
				     rg_ini_show(a, spec, SIZE_MAX));
		memcpy(name, p, n);
		name[n] = '\0';
		if (c->nfields == MAX_FIELDS)
			return rfail(ld, ld->ini.line, "more than %d fields in one condition",
				     MAX_FIELDS);
		struct fref *r = &c->fields[c->nfields++];
		if (!find_field(name, r))
			return rfail(ld, ld->ini.line, "unknown field '%s'", rg_ini_show(a, name, n));
		bool num = fref_is_int(r);
		if (c->nfields > 1 && num != c->num)
			return rfail(ld, ld->ini.line, "fields '%s' and '%s' differ in kind "
				     "(number vs text)", c->fields[0].name, r->name);
		c->num = num;
		c->path = c->nfields == 1 ? fref_is_path(r) : c->path && fref_is_path(r);
		p += n + (p[n] == '|');
	}
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
		c->strs = xrealloc(c->strs, c->nvals * sizeof(*c->strs));
		c->lens = xrealloc(c->lens, c->nvals * sizeof(*c->lens));
		c->ints = xrealloc(c->ints, c->nvals * sizeof(*c->ints));
		c->strs[i] = xcalloc(1, n + 1);
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
	struct rg_rule *r = ld->cur;
	r->conds = xrealloc(r->conds, (r->nconds + 1) * sizeof(*r->conds));
	struct rg_cond *c = &r->conds[r->nconds++];
	*c = (struct rg_cond){.except = except, .text = xstrdup(text), .line = ld->ini.line};
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
	c->text = xrealloc(c->text, n + strlen(values) + 2);
	c->text[n] = ' ';
	strcpy(c->text + n + 1, values);
	return parse_values(ld, c, values);
}

static bool set_events(struct loader *ld, const char *list)
{
	const char *p = list;
	bool bad = false;
	char a[RG_INI_SHOW_BUF];
	if (ld->events_line)
		return rfail(ld, ld->ini.line, "duplicate key 'events' (first set on line %d)",
			     ld->events_line);
	while (next_token(&p, &ld->tok, &bad)) {
		int t = rg_etype_parse(rg_buf_cstr(&ld->tok));
		if (t < 0 || !(RG_ET_BIT(t) & ALL_TYPES))
			return rfail(ld, ld->ini.line, "unknown event type '%s'",
				     rg_ini_show(a, rg_buf_cstr(&ld->tok), SIZE_MAX));
		ld->cur->types |= RG_ET_BIT(t);
	}
	if (bad || !ld->cur->types)
		return rfail(ld, ld->ini.line, "'events' names no event type");
	ld->events_line = ld->ini.line;
	return true;
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
		r->name = xstrdup(value);
		return true;
	case 1:
		r->description = xstrdup(value);
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
	default:
		if (!strcmp(value, "true") || !strcmp(value, "false")) {
			r->enabled = !strcmp(value, "true");
			return true;
		}
		return rfail(ld, ld->ini.line, "'enabled' must be true or false, not '%s'",
			     rg_ini_show(a, value, SIZE_MAX));
	}
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
	r->tags = xstrdup(rg_buf_cstr(&b));
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
	return rfail(ld, ld->ini.line, "unknown key '%s' (name description severity tags "
		     "enabled events match except more)", rg_ini_show(a, key, SIZE_MAX));
}

/* Messages name the file after the caller's buffer is gone. */
static const char *own_name(struct loader *ld, const char *name)
{
	free(ld->name);
	ld->name = xstrdup(name);
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
		snprintf(num, sizeof(num), "%" PRIu32, r->types);
		rg_sha256_add(&h, num, strlen(num) + 1);
		for (unsigned c = 0; c < r->nconds; c++)
			digest_cond(&h, &r->conds[c]);
	}
	rg_sha256_hex(&h, rs->digest);
}

static void index_types(struct rg_ruleset *rs)
{
	for (int t = 0; t < RG_ET_COUNT; t++) {
		rs->by_type[t] = xcalloc(rs->nrules, sizeof(unsigned));
		for (unsigned i = 0; i < rs->nrules; i++)
			if (rs->rules[i].enabled && (rs->rules[i].types & RG_ET_BIT(t)))
				rs->by_type[t][rs->nby_type[t]++] = i;
	}
	for (unsigned i = 0; i < rs->nrules; i++) {
		const struct rg_rule *r = &rs->rules[i];
		rs->nenabled += r->enabled;
		for (unsigned c = 0; r->enabled && c < r->nconds; c++)
			for (unsigned k = 0; k < r->conds[c].nfields; k++)
				if (r->conds[c].fields[k].f)
					rs->fields_used |= 1ull << (r->conds[c].fields[k].f - rg_fields);
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
	struct loader ld = {.rs = xcalloc(1, sizeof(struct rg_ruleset))};
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
	struct loader ld = {.rs = xcalloc(1, sizeof(struct rg_ruleset))};
	load_text(&ld, name, text, strlen(text), false);
	return finish_load(&ld, out, err, errlen);
}

void rg_rules_free(struct rg_ruleset *rs)
{
	if (!rs)
		return;
	for (unsigned i = 0; i < rs->nrules; i++) {
		struct rg_rule *r = &rs->rules[i];
		for (unsigned c = 0; c < r->nconds; c++)
			cond_free(&r->conds[c]);
		free(r->conds);
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
	struct rg_buf scratch; /* a joined cmdline */
	struct rg_buf globbuf; /* a NUL-terminated copy for fnmatch */
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

static bool test_str(const struct rg_cond *c, struct eval *e, struct rg_str s)
{
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

/* A lineage attribute's value under the condition. */
static bool test_attr(const struct rg_cond *c, struct eval *e, const struct rg_lproc *p,
		      enum attr a)
{
	switch (a) {
	case A_COMM: return p->comm.p && test_str(c, e, p->comm);
	case A_EXE: return p->exe.p && test_str(c, e, p->exe);
	case A_CMDLINE:
		if (!p->argv.p)
			return false;
		e->scratch.len = 0;
		rg_buf_add_cmdline(&e->scratch, p->argv);
		return test_str(c, e, (struct rg_str){e->scratch.p ? e->scratch.p : "",
						      (uint32_t)e->scratch.len});
	case A_UID: return test_int(c, p->uid);
	case A_EUID: return p->creds_known && test_int(c, p->euid);
	case A_AUID: return p->creds_known && test_int(c, p->auid);
	default: return false;
	}
}

/* An event field's value (or values: argv) under the condition. */
static bool test_event_field(const struct rg_cond *c, struct eval *e, const struct rg_field *f)
{
	const struct rg_event *ev = e->ev;
	if (rg_field_is_null(f, ev))
		return false;
	if (rg_field_is_int(f))
		return test_int(c, rg_field_int(f, ev));
	if (f->type == RG_FT_ETYPE) {
		const char *n = rg_etype_name(ev->type);
		return test_str(c, e, (struct rg_str){n, (uint32_t)strlen(n)});
	}
	struct rg_str s = rg_field_str(f, ev);
	if (f->type == RG_FT_CMDLINE) {
		e->scratch.len = 0;
		rg_buf_add_cmdline(&e->scratch, s);
		return test_str(c, e, (struct rg_str){e->scratch.p ? e->scratch.p : "",
						      (uint32_t)e->scratch.len});
	}
	if (f->type == RG_FT_ARGV) { /* any one argument */
		for (uint32_t at = 0; at < s.len;) {
			const char *nul = memchr(s.p + at, 0, s.len - at);
			uint32_t n = nul ? (uint32_t)(nul - (s.p + at)) : s.len - at;
			if (test_str(c, e, (struct rg_str){s.p + at, n}))
				return true;
			at += n + 1;
		}
		return false;
	}
	return test_str(c, e, s);
}

static bool test_fref(const struct rg_cond *c, struct eval *e, const struct fref *r)
{
	const struct rg_event *ev = e->ev;
	if (r->whose == W_SELF) {
		if (r->f->types & RG_ET_BIT(ev->type))
			return test_event_field(c, e, r->f);
		const struct rg_lproc *p = rg_lineage_get(e->lin, ev->proc_id);
		return p && test_attr(c, e, p, r->attr);
	}
	const struct rg_lproc *p = rg_lineage_get(e->lin, ev->parent_proc_id);
	if (r->whose == W_PARENT)
		return p && test_attr(c, e, p, r->attr);
	for (int depth = 0; p && depth < MAX_ANCESTORS; depth++) {
		if (test_attr(c, e, p, r->attr))
			return true;
		p = p->parent_proc_id != p->proc_id ? rg_lineage_get(e->lin, p->parent_proc_id)
						    : NULL;
	}
	return false;
}

static bool holds(const struct rg_cond *c, struct eval *e)
{
	bool any = false;
	for (unsigned k = 0; k < c->nfields && !any; k++)
		any = test_fref(c, e, &c->fields[k]);
	return any != c->neg;
}

static bool rule_fires(const struct rg_rule *r, struct eval *e)
{
	for (unsigned i = 0; i < r->nconds; i++)
		if (holds(&r->conds[i], e) == r->conds[i].except)
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

/* "<event_type> <object> by <exe> (pid N)", at most SUMMARY_MAX bytes. */
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
		rg_buf_printf(b, " port %u", remote ? ev->remote_port : ev->local_port);
	} else if (ev->type == RG_ET_PROCESS_START) {
		rg_buf_add_cmdline(b, ev->argv);
	} else if (ev->type == RG_ET_PROCESS_RELATIONSHIP) {
		rg_buf_printf(b, "child pid %u", ev->child_pid);
	} else if (ev->type == RG_ET_PROCESS_EXIT) {
		if (ev->signal)
			rg_buf_printf(b, "signal %u", ev->signal);
		else
			rg_buf_printf(b, "code %d", ev->exit_code);
	}
	rg_buf_adds(b, " by ");
	add_str(b, ev->exe);
	rg_buf_printf(b, " (pid %u)", ev->pid);
	if (b->len > SUMMARY_MAX) {
		b->len = SUMMARY_MAX - 3;
		rg_buf_adds(b, "...");
	}
}

unsigned rg_rules_eval(const struct rg_ruleset *rs, const struct rg_event *ev,
		       const struct rg_lineage *lin, rg_match_fn fn, void *arg)
{
	if (!rs || (unsigned)ev->type >= RG_ET_COUNT || !rs->nby_type[ev->type])
		return 0;
	struct eval e = {ev, lin, {0}, {0}};
	struct rg_buf sum = {0};
	unsigned hits = 0;
	for (unsigned i = 0; i < rs->nby_type[ev->type]; i++) {
		const struct rg_rule *r = &rs->rules[rs->by_type[ev->type][i]];
		if (!rule_fires(r, &e))
			continue;
		if (!hits++)
			summarize(&sum, ev);
		struct rg_match m = {r, ev, rs->digest, rg_buf_cstr(&sum)};
		fn(arg, &m);
	}
	rg_buf_free(&e.scratch);
	rg_buf_free(&e.globbuf);
	rg_buf_free(&sum);
	return hits;
}
