/* sigma_values.c: one Sigma field and its values (FIELD|MODIFIERS: VALUE,
 * or keywords) as conditions of the step being built and a node over
 * them: the modifiers, base64/windash spellings, wildcards compiled to
 * the cheapest operator, nulls, numbers (sigma_int.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "alloc.h"
#include "sigma_int.h"
#include <openssl/evp.h>

#define MAX_VARIANTS 8 /* a value's spellings: base64offset's 3, windash's 5 */

/* ---- values ---------------------------------------------------------------------- */

struct mods {
	bool contains, startswith, endswith, all, cased, re, re_i, re_m, re_s, base64,
		base64offset, windash, exists, cidr;
	enum op cmp; /* OP_EQ, or gt/gte/lt/lte's */
};

static int parse_mods(struct sc *s, char *list, struct mods *m)
{
	static const struct {
		const char *name;
		size_t off;
	} flags[] = {
#define F(x) {#x, offsetof(struct mods, x)}
		F(contains), F(startswith), F(endswith), F(all), F(cased), F(re), F(base64),
		F(base64offset), F(windash), F(exists), F(cidr),
#undef F
	};
	*m = (struct mods){.cmp = OP_EQ};
	for (char *save = NULL, *t = strtok_r(list, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		bool known = false;
		for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]) && !known; i++)
			if (!strcmp(t, flags[i].name))
				known = *(bool *)((char *)m + flags[i].off) = true;
		if (known)
			continue;
		if (m->re && (!strcmp(t, "i") || !strcmp(t, "m") || !strcmp(t, "s"))) {
			bool *f = t[0] == 'i' ? &m->re_i : t[0] == 'm' ? &m->re_m : &m->re_s;
			*f = true;
		} else if (!strcmp(t, "gt") || !strcmp(t, "gte") || !strcmp(t, "lt") ||
			   !strcmp(t, "lte")) {
			m->cmp = t[0] == 'g' ? (t[2] ? OP_GE : OP_GT) : (t[2] ? OP_LE : OP_LT);
		} else {
			return sc_skip(s, "modifier '%s' is not supported", t);
		}
	}
	if (m->contains + m->startswith + m->endswith > 1)
		return sc_skip(s, "more than one of contains, startswith, endswith");
	return SC_OK;
}

/* base64 of n bytes of p into out (NUL-terminated). */
static size_t b64(const char *p, size_t n, char *out)
{
	return (size_t)EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)p, (int)n);
}

/* A value's spellings: itself, or as base64 (base64offset: the three ways
 * it can sit in a longer base64 text), or with each Windows dash. Each is
 * malloc'd. Returns how many. */
static unsigned variants(const struct mods *m, const char *v, char **out)
{
	size_t n = strlen(v);
	if (m->base64 || m->base64offset) {
		char *in = rg_calloc(1, n + 3);
		unsigned k = 0;
		for (unsigned i = 0; i < (m->base64offset ? 3u : 1u); i++) {
			static const size_t start[] = {0, 2, 3}, end[] = {0, 3, 2};
			memset(in, ' ', i);
			memcpy(in + i, v, n);
			char *enc = rg_calloc(1, 4 * (n + 3) / 3 + 8);
			size_t len = b64(in, n + i, enc);
			size_t cut = m->base64offset ? end[(n + i) % 3] : 0;
			size_t from = m->base64offset ? start[i] : 0;
			if (len < from + cut + 1) {
				free(enc);
				continue;
			}
			enc[len - cut] = '\0';
			memmove(enc, enc + from, len - cut - from + 1);
			out[k++] = enc;
		}
		free(in);
		return k;
	}
	if (!m->windash) {
		out[0] = rg_strdup(v);
		return 1;
	}
	/* a '-' or '/' that starts a word, spelled each way Windows takes */
	static const char *const dashes[] = {"-", "/", "\xe2\x80\x93", "\xe2\x80\x94",
					     "\xe2\x80\x95"};
	for (unsigned d = 0; d < 5; d++) {
		struct rg_buf b = {0};
		for (size_t i = 0; i < n; i++) {
			bool starts = (v[i] == '-' || v[i] == '/') && (!i || v[i - 1] == ' ');
			if (starts)
				rg_buf_adds(&b, dashes[d]);
			else
				rg_buf_addc(&b, v[i]);
		}
		out[d] = rg_strdup(rg_buf_cstr(&b));
		rg_buf_free(&b);
	}
	return 5;
}

/* A Sigma string (with `*`, `?` wildcards and `\` escapes; contains,
 * startswith, endswith adding wildcards) as the cheapest operator that
 * means it: equals, prefix, suffix, contains, exists (`*`), or else a
 * regular expression. The text goes to b: a literal, or the pattern. */
static enum op classify(const char *v, bool lead, bool trail, bool escapes, struct rg_buf *b)
{
	struct rg_buf lit = {0}, re = {0};
	unsigned wild_inner = 0;
	bool star_first = lead, star_last = trail;
	size_t n = strlen(v);
	rg_buf_adds(&re, "^");
	if (lead)
		rg_buf_adds(&re, ".*");
	for (size_t i = 0; i < n; i++) {
		char ch = v[i];
		if (escapes && ch == '\\' && i + 1 < n && strchr("*?\\", v[i + 1])) {
			ch = v[++i];
		} else if (escapes && (ch == '*' || ch == '?')) {
			rg_buf_adds(&re, ch == '*' ? ".*" : ".");
			if (ch == '*' && !lit.len && i == 0)
				star_first = true;
			else if (ch == '*' && i == n - 1)
				star_last = true;
			else
				wild_inner++;
			continue;
		}
		rg_buf_addc(&lit, ch);
		if (!isalnum((unsigned char)ch))
			rg_buf_addc(&re, '\\');
		rg_buf_addc(&re, ch);
	}
	if (trail)
		rg_buf_adds(&re, ".*");
	rg_buf_adds(&re, "$");
	enum op op = OP_REGEX;
	if (!wild_inner)
		op = !lit.len ? (star_first || star_last ? OP_EXISTS : OP_EQ)
		     : star_first && star_last ? OP_CONTAINS
		     : star_first ? OP_SUFFIX : star_last ? OP_PREFIX : OP_EQ;
	b->len = 0;
	rg_buf_add(b, op == OP_REGEX ? re.p : lit.p ? lit.p : "", op == OP_REGEX ? re.len : lit.len);
	rg_buf_free(&lit);
	rg_buf_free(&re);
	return op;
}

/* The conditions of one field and its values, OR'd (AND'd with `all`),
 * as one node in *out. */
struct item {
	struct sc *s;
	const struct fref *f;
	const struct mods *m;
	const char *text;
	int line;
	int bycond[OP_EXISTS + 1]; /* the condition of each operator, -1 none */
	unsigned kids[256];        /* nodes to join */
	unsigned nkids;
	bool full;                 /* more than kids holds: the rule is skipped */
};

static void item_kid(struct item *it, unsigned node)
{
	if (it->nkids < sizeof(it->kids) / sizeof(it->kids[0]))
		it->kids[it->nkids++] = node;
	else
		it->full = true;
}

/* A value into the condition of its operator (one per operator, so that
 * a list of 40 suffixes is one condition, not 40). */
static void item_value(struct item *it, enum op op, const char *v, size_t n, int64_t i,
		       bool own_cond)
{
	struct sc *s = it->s;
	/* Sigma compares text without case unless |cased; base64 text and
	 * addresses have one spelling; a regular expression folds by re|i */
	bool nocase = !rules_fref_is_int(it->f) && !it->m->cased && !it->m->base64 &&
		      !it->m->base64offset && op != OP_CIDR;
	if (it->m->re)
		nocase = it->m->re_i;
	int c = own_cond ? -1 : it->bycond[op];
	if (c < 0) {
		c = (int)sc_new_cond(s, it->f, op, nocase, it->text, it->line);
		s->st->conds[c].all = it->m->all && !own_cond;
		if (it->m->re)
			s->st->conds[c].re_opts = (it->m->re_m ? PCRE2_MULTILINE : 0) |
						  (it->m->re_s ? PCRE2_DOTALL : 0);
		else if (op == OP_REGEX)
			s->st->conds[c].re_opts = PCRE2_DOTALL;
		item_kid(it, sc_cond_node(s, (unsigned)c));
		if (!own_cond)
			it->bycond[op] = c;
	}
	if (op != OP_EXISTS)
		sc_add_val(&s->st->conds[c], v, n, i);
}

/* A null value: the field has none, or an empty one. */
static void item_null(struct item *it)
{
	struct sc *s = it->s;
	unsigned none = sc_new_cond(s, it->f, OP_EXISTS, false, it->text, it->line);
	s->st->conds[none].neg = true;
	unsigned kids[2] = {sc_cond_node(s, none), 0};
	unsigned n = 1;
	if (!rules_fref_is_int(it->f)) {
		unsigned empty = sc_new_cond(s, it->f, OP_EQ, false, it->text, it->line);
		sc_add_val(&s->st->conds[empty], "", 0, 0);
		kids[n++] = sc_cond_node(s, empty);
	}
	item_kid(it, sc_join(s, kids, n, false));
}

static int parse_number(const char *v, int64_t *out)
{
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (errno || end == v || *end)
		return -1;
	*out = x;
	return 0;
}

/* One value of the item. */
static int item_add(struct item *it, const yaml_node_t *vn)
{
	struct sc *s = it->s;
	const struct mods *m = it->m;
	const char *v = sc_scalar(vn);
	if (!v)
		return sc_bad(s, vn, "'%s': a value must be a scalar", it->text);
	if (sc_is_null(vn)) {
		item_null(it);
		return SC_OK;
	}
	if (m->exists) {
		bool yes = !strcasecmp(v, "true") || !strcasecmp(v, "yes");
		unsigned c = sc_new_cond(s, it->f, OP_EXISTS, false, it->text, it->line);
		s->st->conds[c].neg = !yes;
		item_kid(it, sc_cond_node(s, c));
		return SC_OK;
	}
	if (rules_fref_is_int(it->f)) {
		int64_t x;
		if (m->contains || m->startswith || m->endswith || m->re || m->cidr || m->base64 ||
		    m->base64offset || m->windash)
			return sc_skip(s, "'%s': a text modifier on a numeric field", it->text);
		if (parse_number(v, &x))
			return sc_skip(s, "'%s': '%s' is not a number (the field is numeric)", it->text,
				    v);
		item_value(it, m->cmp, v, strlen(v), x, false);
		return SC_OK;
	}
	if (m->cmp != OP_EQ)
		return sc_skip(s, "'%s': gt/gte/lt/lte on a text field", it->text);
	if (m->re || m->cidr) {
		item_value(it, m->re ? OP_REGEX : OP_CIDR, v, strlen(v), 0, false);
		return SC_OK;
	}
	char *vars[MAX_VARIANTS];
	unsigned nv = variants(m, v, vars);
	/* with `all`, a value of several spellings is its own OR */
	bool own = m->all && nv > 1;
	unsigned first = it->nkids;
	struct rg_buf b = {0};
	for (unsigned k = 0; k < nv; k++) {
		bool lit = m->base64 || m->base64offset; /* no wildcards in base64 text */
		enum op op = classify(vars[k], m->contains || m->endswith,
				      m->contains || m->startswith, !lit, &b);
		item_value(it, op, b.p ? b.p : "", b.len, 0, own);
		free(vars[k]);
	}
	rg_buf_free(&b);
	if (own && it->nkids > first + 1) { /* OR the spellings into one kid */
		unsigned node = sc_join(s, it->kids + first, it->nkids - first, false);
		it->nkids = first;
		item_kid(it, node);
	}
	return SC_OK;
}

/* FIELD|MODIFIERS: VALUE(S) as one node. */
int sc_compile_item(struct sc *s, const char *key, const yaml_node_t *vn, bool keywords,
			unsigned *out)
{
	char name[128];
	snprintf(name, sizeof(name), "%s", key);
	char *bar = strchr(name, '|');
	struct mods m;
	int rc = parse_mods(s, bar ? bar + 1 : name + strlen(name), &m);
	if (rc)
		return rc;
	if (bar)
		*bar = '\0';
	const struct sigma_field *sf = NULL;
	char fieldname[sizeof(name) + 4];
	const char *field;
	if (keywords) {
		if (!(sf = sigma_keywords(s->category)))
			return sc_skip(s, "keywords (a search of the whole log line) have no counterpart "
				    "in %s events", s->category);
		field = sf->field;
		if (!m.startswith && !m.endswith && !m.re)
			m.contains = true; /* a keyword is found anywhere */
	} else if (!strcmp(s->category, "auditd") && name[0] == 'a' && name[1] &&
		   strspn(name + 1, "0123456789") == strlen(name + 1)) {
		if (s->sel_syscall)
			return sc_skip(s, "'%s': auditd's syscall arguments are not recorded", name);
		snprintf(fieldname, sizeof(fieldname), "arg%s", name + 1);
		field = fieldname;
	} else {
		if (!(sf = sigma_field_find(s->category, name)))
			return sc_skip(s, "field '%s' has no rand-guard counterpart in %s", name,
				    s->category);
		field = sf->field;
	}
	if (sf && (sf->flags & (SF_INITIATED | SF_AUDIT_TYPE))) {
		if (bar)
			return sc_skip(s, "'%s': modifiers on '%s' are not supported", key, name);
		*out = SC_NO_NODE; /* the selection made this event type test */
		return SC_OK;
	}
	struct fref f;
	if (!rules_find_field(field, &f))
		return sc_skip(s, "field '%s' needs '%s', which rand-guard does not record", name,
			    field);
	struct item it = {.s = s, .f = &f, .m = &m, .text = key, .line = (int)vn->start_mark.line + 1};
	for (size_t i = 0; i < sizeof(it.bycond) / sizeof(it.bycond[0]); i++)
		it.bycond[i] = -1;
	uint32_t sys_types = 0; /* SYSCALL: only names rand-guard records */
	const yaml_node_t *one;
	for (int i = 0; sf && (sf->flags & SF_SYSCALL) && (one = sc_each(s, vn, i)); i++) {
		rg_etmask t = sc_scalar(one) ? sigma_syscall_types(sc_scalar(one)) : 0;
		if (!t)
			return sc_skip(s, "syscall '%s' is not recorded",
				       sc_scalar(one) ? sc_scalar(one) : "?");
		sys_types |= t;
	}
	if (sys_types) /* the event types first: cheap, and they narrow the rule */
		item_kid(&it, sc_etype_node(s, sys_types, it.line));
	for (int i = 0; (one = sc_each(s, vn, i)); i++)
		if ((rc = item_add(&it, one)))
			return rc;
	if (!it.nkids)
		return sc_bad(s, vn, "'%s' has no value", key);
	if (it.full)
		return sc_skip(s, "'%s': more than %zu null, exists or spelled-out values", key,
			       sizeof(it.kids) / sizeof(it.kids[0]));
	if (sys_types) { /* (the types) and (the names) */
		unsigned both[2] = {it.kids[0], sc_join(s, it.kids + 1, it.nkids - 1, m.all)};
		*out = sc_join(s, both, 2, true);
		return SC_OK;
	}
	*out = sc_join(s, it.kids, it.nkids, m.all);
	return SC_OK;
}
