/* parse.c: one key of a rule file: conditions, values, events, steps and
 * joins (rules.h, docs/rules.md). */
#include "rules_int.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "alloc.h"

/* ---- conditions -------------------------------------------------------------- */

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
	{"anybits", OP_ANYBITS, 0, 1}, {"regex", OP_REGEX, 1, 0}, {"cidr", OP_CIDR, 1, 0},
	{"exists", OP_EXISTS, 1, 1},
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

void rules_cond_free(struct rg_cond *c)
{
	for (unsigned i = 0; i < c->nvals; i++)
		free(c->strs[i]);
	free(c->strs);
	free(c->lens);
	free(c->ints);
	free(c->literal);
	free(c->globs);
	for (unsigned i = 0; c->res && i < c->nvals; i++)
		pcre2_code_free(c->res[i]);
	free(c->res);
	free(c->nets);
	free(c->grams);
	free(c->text);
	free(c->name);
}

/* ---- compiling a condition's values ---------------------------------------- */

static bool cfail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool cfail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

/* "10.0.0.0/8", "fc00::/7" or a bare address (all its bits). */
static bool parse_cidr(const char *v, struct cidr *out)
{
	char addr[64];
	const char *slash = strchr(v, '/');
	size_t n = slash ? (size_t)(slash - v) : strlen(v);
	if (n >= sizeof(addr))
		return false;
	memcpy(addr, v, n);
	addr[n] = '\0';
	out->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(out->family, addr, out->addr) != 1)
		return false;
	unsigned max = out->family == AF_INET ? 32 : 128;
	out->bits = max;
	if (!slash)
		return true;
	char *end;
	errno = 0;
	unsigned long bits = strtoul(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || bits > max)
		return false;
	out->bits = (unsigned)bits;
	return true;
}

static bool compile_regex(struct rg_cond *c, unsigned i, char *err, size_t errlen)
{
	int code;
	PCRE2_SIZE at;
	uint32_t opts = c->re_opts | (c->nocase ? PCRE2_CASELESS : 0);
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)c->strs[i], c->lens[i], opts, &code, &at, NULL);
	if (!re) {
		PCRE2_UCHAR msg[120];
		pcre2_get_error_message(code, msg, sizeof(msg));
		return cfail(err, errlen, "bad regular expression '%s': %s at offset %zu",
			     c->strs[i], (const char *)msg, (size_t)at);
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* without JIT it still matches */
	c->res[i] = re;
	return true;
}

/* Makes c's values ready to evaluate, once its fields, operator, modifiers
 * and values are set: lowercases them for nocase, compiles regular
 * expressions and reads CIDR blocks. The INI parser and the Sigma
 * compiler both end a condition here. */
bool rules_cond_compile(struct rg_cond *c, char *err, size_t errlen)
{
	if (c->nocase && c->num)
		return cfail(err, errlen, "'nocase' applies to text fields, not '%s'",
			     c->fields[0].name);
	if (c->op == OP_EXISTS && c->nvals)
		return cfail(err, errlen, "'exists' takes no value");
	if (c->op != OP_EXISTS && !c->nvals)
		return cfail(err, errlen, "condition '%s' has no value", c->text);
	if (c->op == OP_EQ && c->nfields == 1 && c->fields[0].type == RG_FT_ETYPE && !c->all) {
		for (unsigned i = 0; i < c->nvals; i++) {
			int t = rg_etype_parse(c->strs[i]);
			if (t >= 0)
				c->etypes |= RG_ET_BIT(t);
		}
		for (unsigned i = 0; i < c->nvals; i++)
			if (rg_etype_parse(c->strs[i]) < 0)
				return cfail(err, errlen, "unknown event type '%s'", c->strs[i]);
	}
	if (c->op == OP_REGEX)
		c->res = rg_calloc(c->nvals, sizeof(*c->res));
	if (c->op == OP_CIDR)
		c->nets = rg_calloc(c->nvals, sizeof(*c->nets));
	if (c->op == OP_CONTAINS)
		c->grams = rg_calloc(c->nvals, sizeof(*c->grams));
	for (unsigned i = 0; i < c->nvals; i++) {
		if (c->op == OP_REGEX) {
			if (!compile_regex(c, i, err, errlen))
				return false;
			continue; /* PCRE2_CASELESS folds, not the pattern */
		}
		if (c->op == OP_CIDR && !parse_cidr(c->strs[i], &c->nets[i]))
			return cfail(err, errlen, "bad CIDR block '%s' (e.g. 10.0.0.0/8, fc00::/7)",
				     c->strs[i]);
		for (size_t k = 0; c->nocase && k < c->lens[i]; k++)
			c->strs[i][k] = (char)tolower((unsigned char)c->strs[i][k]);
		if (c->grams && c->lens[i] >= RULES_GRAM_MIN)
			c->grams[i] = rules_gram(c->strs[i] + (c->lens[i] - RULES_GRAM_MIN) / 2);
		c->lenbits |= 1ull << (c->lens[i] % 64);
	}
	if (c->op == OP_GLOB && c->path && !c->num) {
		c->globs = rg_calloc(c->nvals, sizeof(*c->globs));
		for (unsigned i = 0; i < c->nvals; i++)
			rg_glob_init(&c->globs[i], c->strs[i]);
	}
	return true;
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

/* ---- loading ------------------------------------------------------------------ */

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
static rg_etmask frefs_types(const struct fref *refs, unsigned n)
{
	rg_etmask t = 0;
	for (unsigned k = 0; k < n; k++)
		t |= refs[k].types;
	return t;
}

/* Fields named on types that lack them: "field 'x' does not exist on ..." */
static bool check_types(struct loader *ld, int line, rg_etmask types, const struct fref *refs,
			unsigned n, const char *text)
{
	rg_etmask missing = types & ~frefs_types(refs, n);
	if (!missing)
		return true;
	return rfail(ld, line, "%s '%s' does not exist on %s events",
		     n > 1 ? "none of the fields in" : "field", n > 1 ? text : refs[0].name,
		     rg_etype_name(__builtin_ctzll(missing)));
}

/* The step's `condition` over its `when` names, each name the AND of its
 * `when` lines; a `when` needs a `condition` that can name it. */
static bool build_expr(struct loader *ld, struct rg_step *st)
{
	struct xname *names = NULL;
	unsigned nn = 0;
	for (unsigned i = 0; i < st->nconds; i++) {
		const struct rg_cond *c = &st->conds[i];
		if (c->role != C_NAMED)
			continue;
		if (!st->xtext) {
			free(names);
			return rfail(ld, c->line, "'when = %s: ...' is named by no 'condition'",
				     c->name);
		}
		unsigned j = 0;
		while (j < nn && strcmp(names[j].name, c->name))
			j++;
		if (j == nn) {
			names = rg_realloc(names, (nn + 1) * sizeof(*names));
			names[nn++] = (struct xname){c->name, rules_expr_add(st, X_ATLEAST, 0, 0)};
		}
		rules_expr_kid(st, names[j].node, rules_expr_add(st, X_COND, i, 0));
		st->x[names[j].node].need++;
	}
	char err[160];
	int root = st->xtext ? rules_expr_parse(st, st->xtext, names, nn, err, sizeof(err)) : -1;
	free(names);
	if (st->xtext && root < 0)
		return rfail(ld, st->xline, "condition '%s': %s", st->xtext, err);
	st->xroot = (unsigned)(root + 1);
	return true;
}

/* The event types a step applies to when it names none: those on which
 * every field of its matches has a value, or with only a `condition`,
 * those on which some field it names has one. */
static rg_etmask step_types(const struct rg_step *st)
{
	rg_etmask all = ALL_TYPES, any = 0;
	bool matches = false;
	for (unsigned i = 0; i < st->nconds; i++) {
		const struct rg_cond *c = &st->conds[i];
		if (c->role == C_MATCH)
			all &= frefs_types(c->fields, c->nfields), matches = true;
		else if (c->role == C_NAMED)
			any |= frefs_types(c->fields, c->nfields);
	}
	return matches ? all : any;
}

/* A step's conditions and event types; after the first, its join. */
static bool finish_step(struct loader *ld, unsigned k)
{
	struct rg_rule *r = ld->cur;
	struct rg_step *st = &r->steps[k];
	char which[32] = "", err[200];
	if (ld->seq)
		snprintf(which, sizeof(which), "step %u ", k + 1);
	if (!build_expr(ld, st))
		return false;
	unsigned matches = st->xroot != 0;
	for (unsigned i = 0; i < st->nconds; i++) {
		matches += st->conds[i].role == C_MATCH;
		st->nplain += st->conds[i].role != C_NAMED;
	}
	/* a later step's join may be all it asks of its events */
	if (!matches && !(k && st->events_line))
		return rfail(ld, ld->seq ? st->line : r->line,
			     k ? "%sneeds 'events' or a 'match' condition"
			       : "%sneeds at least one 'match' condition or a 'condition'", which);
	if (!st->types && !(st->types = step_types(st)))
		return rfail(ld, ld->seq ? st->line : r->line,
			     "%sno event type has all the fields its conditions name", which);
	for (unsigned i = 0; i < st->nconds; i++) {
		struct rg_cond *c = &st->conds[i];
		if (!rules_cond_compile(c, err, sizeof(err)))
			return rfail(ld, c->line, "%s", err);
		/* a named condition (and `exists`) may test a field some of the
		 * types lack: there it does not hold, as in Sigma */
		bool some = c->role == C_NAMED || c->op == OP_EXISTS;
		if (!check_types(ld, c->line, some ? 0 : st->types, c->fields, c->nfields, c->text))
			return false;
		if (some && !(frefs_types(c->fields, c->nfields) & st->types))
			return rfail(ld, c->line, "no event type of the rule has '%s'", c->text);
	}
	if (st->xroot) /* the condition's event_type tests narrow the step */
		st->types &= rules_expr_optimize(st);
	if (!st->types)
		return rfail(ld, st->xline, "%sno event type can satisfy the condition", which);
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
void rules_finish_rule(struct loader *ld)
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

bool rules_section_ok(void *user, const char *name, size_t n)
{
	struct loader *ld = user;
	rules_finish_rule(ld);
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
		if (!rules_find_field(name, r))
			return rfail(ld, ld->ini.line, "unknown field '%s'", rg_ini_show(a, name, len));
		bool isnum = rules_fref_is_int(r);
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
		c->path = c->path && rules_fref_is_path(&c->fields[k]);
	return true;
}

/* The operator token (maybe after "not"); checks it suits the fields. */
static bool parse_op(struct loader *ld, struct rg_cond *c, const char **p)
{
	bool bad = false;
	if (!next_token(p, &ld->tok, &bad))
		return rfail(ld, ld->ini.line, "condition '%s' has no operator", c->text);
	/* modifiers, in any order: not, nocase, all */
	for (;;) {
		const char *m = rg_buf_cstr(&ld->tok);
		bool *flag = !strcmp(m, "not") ? &c->neg : !strcmp(m, "nocase") ? &c->nocase
						 : !strcmp(m, "all") ? &c->all : NULL;
		if (!flag)
			break;
		/* not m: the next token may move the buffer m points into */
		const char *mod = flag == &c->neg ? "not" : flag == &c->nocase ? "nocase" : "all";
		if (*flag)
			return rfail(ld, ld->ini.line, "'%s' twice in '%s'", mod, c->text);
		*flag = true;
		if (!next_token(p, &ld->tok, &bad))
			return rfail(ld, ld->ini.line, "'%s' without an operator", mod);
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
		     "contains regex cidr exists lt le gt ge anybits, each maybe after not, "
		     "nocase, all)",
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
		/* a value the field cannot hold could never match */
		rg_ftype_int_range(c->fields[k].type, &lo, &hi);
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
		if (n > 1 && v[0] == '@') { /* a list file's values (listfile.c) */
			char *list = rules_listfile(ld, v + 1);
			bool ok = list && parse_values(ld, c, list);
			free(list);
			if (!ok)
				return false;
			continue;
		}
		unsigned i = c->nvals++;
		c->strs = rg_realloc(c->strs, c->nvals * sizeof(*c->strs));
		c->lens = rg_realloc(c->lens, c->nvals * sizeof(*c->lens));
		c->ints = rg_realloc(c->ints, c->nvals * sizeof(*c->ints));
		c->literal = rg_realloc(c->literal, c->nvals * sizeof(*c->literal));
		c->literal[i] = !memchr(v, '*', n) && !memchr(v, '?', n) && !memchr(v, '[', n) &&
				!memchr(v, '\\', n) && !memchr(v, 0, n); /* lens[i] is strlen */
		c->strs[i] = rg_calloc(1, n + 1);
		memcpy(c->strs[i], v, n);
		c->lens[i] = n;
		c->ints[i] = 0;
		if (c->num && !check_int(ld, c, v, n, &c->ints[i]))
			return false;
		if (!c->num && (c->op == OP_GLOB || c->op == OP_REGEX) && memchr(v, 0, n))
			return rfail(ld, ld->ini.line, "a %s cannot hold a NUL byte",
				     c->op == OP_GLOB ? "glob" : "regular expression");
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
	if (!c->nvals && c->op != OP_EXISTS)
		return rfail(ld, ld->ini.line, "condition '%s' has no value", c->text);
	return true;
}

static bool add_cond(struct loader *ld, const char *text, enum cond_role role)
{
	struct rg_step *r = cur_step(ld);
	char a[RG_INI_SHOW_BUF], *name = NULL;
	if (role == C_NAMED) { /* "NAME: CONDITION" */
		size_t n = strcspn(text, ":");
		while (n && isspace((unsigned char)text[n - 1]))
			n--;
		if (!text[strcspn(text, ":")] || !valid_id(text, n))
			return rfail(ld, ld->ini.line, "'when' needs NAME: CONDITION, the name of "
				     "letters, digits, '.', '_', '-' (got '%s')",
				     rg_ini_show(a, text, SIZE_MAX));
		name = rg_strndup(text, n);
		text += strcspn(text, ":") + 1;
		text += strspn(text, " \t");
	}
	r->conds = rg_realloc(r->conds, (r->nconds + 1) * sizeof(*r->conds));
	struct rg_cond *c = &r->conds[r->nconds++];
	*c = (struct rg_cond){.role = role, .name = name, .text = rg_strdup(text),
			      .line = ld->ini.line};
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
		return rfail(ld, ld->ini.line, "'more' must follow a 'match', 'except', 'when' or "
			     "'more'");
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

/* "condition = EXPR" over the step's `when` names (expr.c); parsed when
 * the step is complete, as names may follow it. */
static bool set_condition(struct loader *ld, const char *value)
{
	struct rg_step *st = cur_step(ld);
	ld->last = NULL;
	if (st->xtext)
		return rfail(ld, ld->ini.line, "duplicate key 'condition' (first set on line %d)",
			     st->xline);
	if (!value[strspn(value, " \t")])
		return rfail(ld, ld->ini.line, "'condition' is empty");
	st->xtext = rg_strdup(value);
	st->xline = ld->ini.line;
	return true;
}

int rules_on_key(void *user, const char *section, const char *key, const char *value)
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
	if (!strcmp(key, "match") || !strcmp(key, "except") || !strcmp(key, "when"))
		return add_cond(ld, value, key[0] == 'm' ? C_MATCH : key[0] == 'e' ? C_EXCEPT
										 : C_NAMED);
	if (!strcmp(key, "condition"))
		return set_condition(ld, value);
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
		     "enabled events match except when condition more; sequences: window step "
		     "join)",
		     rg_ini_show(a, key, SIZE_MAX));
}

/* Messages name the file after the caller's buffer is gone. */
