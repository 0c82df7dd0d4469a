/* expr.c: a step's condition expression: parsing `sel1 and not (1 of
 * filter_*)` over named conditions, and evaluating it with short cuts.
 * One grammar for INI rules' `condition` and Sigma's detection condition
 * (rules_int.h, docs/rules.md):
 *
 *   expr    := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | '(' expr ')' | quant | NAME
 *   quant   := ('1' | 'any' | 'all' | N) 'of' (PATTERN | 'them')
 *
 * A PATTERN is a name with '*' wildcards; `them` is every name not
 * starting with '_'. Keywords are matched without regard to case. */
#include "rules_int.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"

#define XDEPTH 32 /* nesting a condition may have: bounds the recursion */

unsigned rules_expr_add(struct rg_step *st, enum xkind kind, unsigned cond, unsigned need)
{
	st->x = rg_realloc(st->x, (st->nx + 1) * sizeof(*st->x));
	st->x[st->nx] = (struct xnode){.kind = kind, .cond = cond, .need = need};
	return st->nx++;
}

void rules_expr_kid(struct rg_step *st, unsigned node, unsigned kid)
{
	struct xnode *n = &st->x[node];
	n->kids = rg_realloc(n->kids, (n->nkids + 1) * sizeof(*n->kids));
	n->kids[n->nkids++] = kid;
}

void rules_expr_free(struct rg_step *st)
{
	for (unsigned i = 0; i < st->nx; i++)
		free(st->x[i].kids);
	free(st->x);
	free(st->xtext);
	st->x = NULL;
	st->nx = 0;
}

bool rules_expr_holds(const struct rg_step *st, unsigned node, struct eval *e)
{
	const struct xnode *n = &st->x[node];
	if (n->kind == X_COND)
		return rules_cond_holds(&st->conds[n->cond], e);
	if (n->kind == X_NOT)
		return !rules_expr_holds(st, n->kids[0], e);
	unsigned yes = 0;
	for (unsigned i = 0; i < n->nkids; i++) {
		if (rules_expr_holds(st, n->kids[i], e) && ++yes >= n->need)
			return true;
		if (yes + (n->nkids - i - 1) < n->need)
			return false; /* too few left to get there */
	}
	return yes >= n->need;
}

/* ---- optimizing ------------------------------------------------------------------ */

/* What a condition costs to test, roughly: a type bit, a number, the
 * event's text, a joined command line, the lineage's context, a regular
 * expression. */
static unsigned cond_cost(const struct rg_cond *c)
{
	if (c->etypes)
		return 0;
	unsigned cost = c->num ? 1 : 2;
	for (unsigned k = 0; k < c->nfields; k++) {
		if (c->fields[k].type == RG_FT_CMDLINE)
			cost += 1;
		if (c->fields[k].whose != RG_CTX_SELF)
			cost += 3;
	}
	if (c->op == OP_REGEX)
		cost += 4;
	return cost * (c->all ? c->nvals : 1) + c->nfields - 1;
}

static unsigned node_cost(const struct rg_step *st, unsigned node)
{
	const struct xnode *n = &st->x[node];
	if (n->kind == X_COND)
		return cond_cost(&st->conds[n->cond]);
	unsigned cost = 0;
	for (unsigned i = 0; i < n->nkids; i++)
		cost += node_cost(st, n->kids[i]);
	return cost;
}

/* The event types on which node can hold. */
static rg_etmask node_types(const struct rg_step *st, unsigned node)
{
	const struct xnode *n = &st->x[node];
	if (n->kind == X_COND) {
		const struct rg_cond *c = &st->conds[n->cond];
		return c->etypes && !c->neg ? c->etypes : ~(rg_etmask)0;
	}
	if (n->kind == X_NOT)
		return ~(rg_etmask)0;
	rg_etmask all = ~(rg_etmask)0, any = 0;
	for (unsigned i = 0; i < n->nkids; i++) {
		rg_etmask t = node_types(st, n->kids[i]);
		all &= t;
		any |= t;
	}
	return n->need == n->nkids ? all : any;
}

rg_etmask rules_expr_optimize(struct rg_step *st)
{
	for (unsigned i = 0; i < st->nx; i++) {
		struct xnode *n = &st->x[i];
		/* insertion sort by cost, stable: the kids are few */
		for (unsigned a = 1; a < n->nkids; a++) {
			unsigned kid = n->kids[a], cost = node_cost(st, kid), b = a;
			for (; b > 0 && node_cost(st, n->kids[b - 1]) > cost; b--)
				n->kids[b] = n->kids[b - 1];
			n->kids[b] = kid;
		}
	}
	return st->xroot ? node_types(st, st->xroot - 1) : ~(rg_etmask)0;
}

/* ---- parsing ----------------------------------------------------------------- */

struct xparse {
	struct rg_step *st;
	const struct xname *names;
	unsigned nnames;
	const char *p;
	char tok[128];
	size_t toklen;
	char *err;
	size_t errlen;
	bool failed;
	int depth;
};

static int xfail(struct xparse *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int xfail(struct xparse *x, const char *fmt, ...)
{
	if (!x->failed) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(x->err, x->errlen, fmt, ap);
		va_end(ap);
	}
	x->failed = true;
	return -1;
}

/* The next token into x->tok: '(' or ')' or a run of other non-space
 * characters. Returns its length, 0 at the end. */
static size_t peek(struct xparse *x)
{
	while (isspace((unsigned char)*x->p))
		x->p++;
	size_t n = strchr("()", *x->p) && *x->p ? 1 : strcspn(x->p, " \t\r\n()");
	if (n >= sizeof(x->tok)) {
		xfail(x, "a name of more than %zu bytes", sizeof(x->tok) - 1);
		return 0;
	}
	memcpy(x->tok, x->p, n);
	x->tok[n] = '\0';
	x->toklen = n;
	return n;
}

static void take(struct xparse *x)
{
	x->p += x->toklen;
}

static bool is_kw(const struct xparse *x, const char *kw)
{
	return x->toklen && !strcasecmp(x->tok, kw);
}

static bool reserved(const struct xparse *x)
{
	static const char *const kws[] = {"and", "or", "not", "of", "(", ")"};
	for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (is_kw(x, kws[i]))
			return true;
	return false;
}

static int parse_or(struct xparse *x);

/* "N of PATTERN": at least N (all: every one) of the names that match. */
static int parse_quant(struct xparse *x, unsigned need, bool all)
{
	take(x); /* the count */
	if (!peek(x) || !is_kw(x, "of"))
		return xfail(x, "expected 'of' after '%s'", all ? "all" : "a count");
	take(x);
	if (!peek(x) || reserved(x))
		return xfail(x, "expected a name pattern or 'them' after 'of'");
	char pat[sizeof(x->tok)];
	memcpy(pat, x->tok, x->toklen + 1);
	take(x);
	bool them = !strcasecmp(pat, "them");
	unsigned node = rules_expr_add(x->st, X_ATLEAST, 0, need);
	for (unsigned i = 0; i < x->nnames; i++) {
		const char *n = x->names[i].name;
		if (them ? n[0] != '_' : !fnmatch(pat, n, 0))
			rules_expr_kid(x->st, node, x->names[i].node);
	}
	struct xnode *q = &x->st->x[node];
	if (!q->nkids)
		return xfail(x, "'%s' names nothing", pat);
	if (all)
		q->need = q->nkids;
	else if (q->need > q->nkids)
		return xfail(x, "'%u of %s': only %u match", need, pat, q->nkids);
	return (int)node;
}

static int parse_unary(struct xparse *x)
{
	if (!peek(x))
		return x->failed ? -1 : xfail(x, "the condition ends early");
	if (++x->depth > XDEPTH)
		return xfail(x, "nested more than %d deep", XDEPTH);
	int node;
	if (is_kw(x, "not")) {
		take(x);
		int kid = parse_unary(x);
		if (kid < 0)
			return -1;
		node = (int)rules_expr_add(x->st, X_NOT, 0, 0);
		rules_expr_kid(x->st, (unsigned)node, (unsigned)kid);
	} else if (is_kw(x, "(")) {
		take(x);
		node = parse_or(x);
		if (node < 0)
			return -1;
		if (!peek(x) || !is_kw(x, ")"))
			return xfail(x, "missing ')'");
		take(x);
	} else if (is_kw(x, "all") || is_kw(x, "any") ||
		   strspn(x->tok, "0123456789") == x->toklen) {
		unsigned need = isdigit((unsigned char)x->tok[0]) ? (unsigned)atoi(x->tok) : 1;
		if (!need)
			return xfail(x, "'0 of' never holds");
		node = parse_quant(x, need, is_kw(x, "all"));
	} else if (reserved(x)) {
		return xfail(x, "unexpected '%s'", x->tok);
	} else {
		node = -1;
		for (unsigned i = 0; i < x->nnames && node < 0; i++)
			if (!strcmp(x->names[i].name, x->tok))
				node = (int)x->names[i].node;
		if (node < 0)
			return xfail(x, "unknown name '%s'", x->tok);
		take(x);
	}
	x->depth--;
	return node;
}

/* One level: kids joined by kw ("and": all must hold; "or": one). */
static int parse_level(struct xparse *x, const char *kw, int (*sub)(struct xparse *))
{
	int first = sub(x);
	if (first < 0 || !peek(x) || !is_kw(x, kw))
		return first;
	bool and = kw[0] == 'a';
	unsigned node = rules_expr_add(x->st, X_ATLEAST, 0, 1);
	rules_expr_kid(x->st, node, (unsigned)first);
	while (peek(x) && is_kw(x, kw)) {
		take(x);
		int kid = sub(x);
		if (kid < 0)
			return -1;
		rules_expr_kid(x->st, node, (unsigned)kid);
	}
	if (and)
		x->st->x[node].need = x->st->x[node].nkids;
	return (int)node;
}

static int parse_and(struct xparse *x)
{
	return parse_level(x, "and", parse_unary);
}

static int parse_or(struct xparse *x)
{
	return parse_level(x, "or", parse_and);
}

int rules_expr_parse(struct rg_step *st, const char *text, const struct xname *names,
		     unsigned nnames, char *err, size_t errlen)
{
	struct xparse x = {.st = st, .names = names, .nnames = nnames, .p = text, .err = err,
			   .errlen = errlen};
	int root = parse_or(&x);
	if (root >= 0 && peek(&x))
		return xfail(&x, "unexpected '%s'", x.tok);
	return x.failed ? -1 : root;
}
