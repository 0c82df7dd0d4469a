/* prefilter.c: which rules an event can fire at all, found with one pass
 * over each field the rules read, before any rule is evaluated.
 *
 * Most rules (nearly every Sigma rule) can hold only if some field holds
 * some text: `exe suffix /curl /wget` needs "/curl" or "/wget" in exe,
 * `path glob *.pem id_*` ".pem" or "id_" in path (a glob's longest
 * literal part), a regular expression its longest literal run, an
 * AND needs what any one of its parts needs, an OR what all of its parts
 * need together. That set of (field, text) alternatives is the rule's
 * necessary set (a sequence's: its first step's, on the types only that
 * step takes); a rule without one (a negation, a number, an empty text)
 * is always evaluated.
 *
 * For each event type and each field (and case mode) the necessary sets
 * name, the texts sit in a table keyed by trigrams of each. An event's
 * field value is walked trigram by trigram, every step-th position only,
 * where step is the shortest text's length less two (at most MAX_STEP),
 * and a text is entered once for each of step consecutive trigrams of
 * its middle, so an occurrence puts one of them at a walked position.
 * Each text whose trigram is there is compared where it would have to
 * start for that trigram to be the one entered, and a text found makes
 * its rule a candidate. A text of one or two bytes has no trigram: it is
 * looked for byte by byte, and does not shorten the walk's step. Only
 * candidates, and the rules without a set, are evaluated. A false "maybe"
 * costs a compare; a "no" is exact, as the set is necessary. */
#include "rules_int.h"

#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "alloc.h"
#include "table.h"

#define PCRE2_DOTALL_OPT PCRE2_DOTALL /* the only option a literal survives */

#define BUCKETS 1024
#define MAX_ALTS 512 /* a rule with more alternatives is evaluated always */
#define MAX_STEP 8   /* a text is entered step times: a bound on the table */

/* One necessary alternative: the text s (n bytes) in field ref. */
struct alt {
	const struct fref *ref;
	bool nocase;
	const char *s;
	uint32_t n;
};

struct alts {
	struct alt *a;
	unsigned n;
	bool none; /* no necessary set: the rule is always evaluated */
};

struct lit {
	const char *s;
	uint32_t n;
	uint32_t at; /* where gram sits in s */
	uint16_t gram;
	unsigned rule;
	uint32_t next; /* the bucket's next lit + 1; 0 ends */
};

/* A text under RULES_GRAM_MIN bytes, looked for byte by byte (has_short). */
struct shortlit {
	const char *s;
	uint32_t n;
	unsigned rule;
};

struct source {
	struct fref ref;
	bool nocase;
	uint32_t shortest; /* the shortest text's length, of RULES_GRAM_MIN or more */
	uint32_t step;     /* the walk's: shortest - RULES_GRAM_MIN + 1, at most MAX_STEP */
	uint32_t heads[BUCKETS]; /* lit index + 1 */
	struct lit *lits;
	unsigned nlits;
	struct shortlit *shorts;
	unsigned nshorts;
	bool direct; /* the event's own text field, which the type has: read in place */
	unsigned memo; /* its recent values: memo.m[memo * MEMO_SLOTS ...] */
};

struct rg_prefilter {
	struct source *src;
	unsigned nsrc;
	uint64_t *always; /* a bit per rule of the type without a set: always evaluated */
	size_t words;
	uint64_t set;   /* the rule set's, unique in the process: whose memo is whose */
	unsigned nmemo; /* sources in the whole set */
};

/* Texts the prefilter made itself (from regular expressions), kept until
 * the set is freed. */
struct owned {
	char **s;
	unsigned n;
};

/* ---- the necessary sets ---------------------------------------------------------- */

static void add_alt(struct alts *out, const struct alt *a)
{
	if (out->n == MAX_ALTS) {
		out->none = true;
		return;
	}
	out->a = rg_realloc(out->a, (out->n + 1) * sizeof(*out->a));
	out->a[out->n++] = *a;
}

/* The longest text a match of regular expression re must contain: a run
 * of literal characters outside any group, class or alternation (the last
 * one dropped before a quantifier). NULL when there is none of three
 * bytes, or the pattern alternates or sets options at its top level. */
static char *regex_literal(const char *re, size_t n, bool fold)
{
	char run[256], best[256];
	size_t rn = 0, bn = 0;
	int depth = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = re[i];
		bool lit = false;
		if (ch == '\\' && i + 1 < n) {
			ch = re[++i];
			bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				     (ch >= '0' && ch <= '9');
			/* a class or an assertion ends a run; an escape with an
			 * argument (\x41, \p{L}, \k<n>, \1, ...) is not read here */
			if (alnum && !strchr("dDsSwWbBAzZGhHvVRKntrfe", ch))
				return NULL;
			lit = !alnum;
		} else if (ch == '[') { /* a class: skip to its end */
			while (i + 1 < n && re[++i] != ']')
				i += re[i] == '\\';
		} else if (ch == '(') {
			if (i + 1 < n && re[i + 1] == '?' && !depth)
				return NULL; /* options or lookaround: be safe */
			depth++;
		} else if (ch == ')') {
			depth--;
		} else if (ch == '|' && !depth) {
			return NULL;
		} else if (ch == '{') { /* a count: the char before may be absent */
			while (i + 1 < n && re[i] != '}')
				i++;
			rn -= rn > 0;
		} else if (ch == '?' || ch == '*') {
			rn -= rn > 0; /* the char before may be absent */
		} else if (!strchr(".^$+|", ch)) {
			lit = true;
		}
		if (lit && !depth && rn < sizeof(run))
			run[rn++] = fold && ch >= 'A' && ch <= 'Z' ? (char)(ch | 0x20) : ch;
		else if (!lit || depth) {
			if (rn > bn)
				memcpy(best, run, bn = rn);
			rn = 0;
		}
	}
	if (rn > bn)
		memcpy(best, run, bn = rn);
	if (bn < RULES_GRAM_MIN || memchr(best, 0, bn))
		return NULL;
	char *out = rg_calloc(1, bn + 1);
	memcpy(out, best, bn);
	return out;
}

/* What a regular expression condition needs: each value's literal. */
static struct alts regex_alts(const struct rg_cond *c, struct owned *own)
{
	struct alts out = {0};
	for (unsigned i = 0; i < c->nvals && !out.none; i++) {
		char *lit = regex_literal(c->strs[i], c->lens[i], c->nocase);
		if (!lit) {
			out.none = true;
			break;
		}
		own->s = rg_realloc(own->s, (own->n + 1) * sizeof(*own->s));
		own->s[own->n++] = lit;
		for (unsigned k = 0; k < c->nfields && !out.none; k++)
			add_alt(&out, &(struct alt){&c->fields[k], c->nocase, lit,
						    (uint32_t)strlen(lit)});
	}
	return out;
}

/* The longest part of a glob value that matches only itself: its literal
 * head or tail (pathmatch.h), or in a pattern of '*' and '?' alone any run
 * between them. A text the glob matches has it. */
static struct rg_str glob_text(const char *v, size_t n)
{
	struct rg_str best = {v, 0};
	bool runs = !memchr(v, '[', n) && !memchr(v, ']', n) && !memchr(v, '\\', n);
	for (size_t i = 0; i <= n;) {
		size_t k = i;
		while (k < n && v[k] != '*' && v[k] != '?' && v[k] != '[' && v[k] != ']' &&
		       v[k] != '\\')
			k++;
		bool edge = i == 0 || k == n; /* the head, or the tail */
		if ((runs || edge) && k - i > best.len)
			best = (struct rg_str){v + i, (uint32_t)(k - i)};
		i = k + 1;
	}
	return best;
}

/* The text value i of c needs in its field: the value itself, or a glob's
 * literal part. */
static struct rg_str needed_text(const struct rg_cond *c, unsigned i)
{
	if (c->op == OP_GLOB)
		return glob_text(c->strs[i], c->lens[i]);
	return (struct rg_str){c->strs[i], (uint32_t)c->lens[i]};
}

/* What a condition needs: each value's text in some field (all: the
 * longest). */
static struct alts cond_alts(const struct rg_cond *c, struct owned *own)
{
	struct alts out = {0};
	bool text_op = c->op == OP_EQ || c->op == OP_PREFIX || c->op == OP_SUFFIX ||
		       c->op == OP_CONTAINS || c->op == OP_GLOB;
	if (c->op == OP_REGEX && !c->neg && !c->all && !(c->re_opts & ~PCRE2_DOTALL_OPT))
		return regex_alts(c, own);
	if (c->neg || c->num || c->etypes || !text_op || !c->nvals) {
		out.none = true;
		return out;
	}
	unsigned lo = 0, hi = c->nvals;
	if (c->all) { /* every value must hold: the longest is the best witness */
		for (unsigned i = 1; i < c->nvals; i++)
			if (needed_text(c, i).len > needed_text(c, lo).len)
				lo = i;
		hi = lo + 1;
	}
	for (unsigned i = lo; i < hi && !out.none; i++) {
		struct rg_str t = needed_text(c, i);
		if (!t.len || memchr(c->strs[i], 0, c->lens[i]))
			out.none = true;
		for (unsigned k = 0; k < c->nfields && !out.none; k++)
			add_alt(&out, &(struct alt){&c->fields[k], c->nocase, t.p, t.len});
	}
	return out;
}

/* How good a set is as a filter (lower is better): fewer alternatives,
 * longer texts; a text under three bytes (found in most values) only when
 * nothing else will do, an ancestor's field (every event of the type then
 * walks the whole chain) after that. */
static unsigned score(const struct alts *a)
{
	uint32_t shortest = UINT32_MAX;
	unsigned tiny = 0, far = 0;
	for (unsigned i = 0; i < a->n; i++) {
		if (a->a[i].n < shortest)
			shortest = a->a[i].n;
		tiny += a->a[i].n < RULES_GRAM_MIN;
		far += a->a[i].ref->whose == RG_CTX_ANCESTOR;
	}
	return a->n * 16 + (shortest < 16 ? 16 - shortest : 0) + tiny * 256 + far * 4096;
}

static struct alts node_alts(const struct rg_step *st, unsigned node, struct owned *own)
{
	const struct xnode *x = &st->x[node];
	struct alts out = {0};
	if (x->kind == X_COND)
		return cond_alts(&st->conds[x->cond], own);
	if (x->kind == X_NOT || !x->nkids) {
		out.none = true;
		return out;
	}
	bool and = x->need == x->nkids;
	out.none = and; /* an AND keeps its best kid; an OR needs every kid's */
	for (unsigned i = 0; i < x->nkids; i++) {
		struct alts k = node_alts(st, x->kids[i], own);
		if (and && !k.none && (out.none || score(&k) < score(&out))) {
			free(out.a);
			out = k;
			continue;
		}
		if (!and && !out.none && !k.none)
			for (unsigned j = 0; j < k.n; j++)
				add_alt(&out, &k.a[j]);
		if (!and && k.none)
			out.none = true;
		free(k.a);
	}
	return out;
}

/* A rule's first step's set: its matches and its condition together (an
 * AND). A single-event rule's; a sequence's on the types only its first
 * step takes (first_only). */
static struct alts rule_alts(const struct rg_rule *r, struct owned *own)
{
	struct alts out = {.none = true};
	const struct rg_step *st = &r->steps[0];
	if (st->xroot)
		out = node_alts(st, st->xroot - 1, own);
	for (unsigned i = 0; i < st->nconds; i++) {
		if (st->conds[i].role != C_MATCH)
			continue;
		struct alts k = cond_alts(&st->conds[i], own);
		if (!k.none && (out.none || score(&k) < score(&out))) {
			free(out.a);
			out = k;
		} else {
			free(k.a);
		}
	}
	if (out.none) {
		free(out.a);
		out.a = NULL;
		out.n = 0;
	}
	return out;
}

/* ---- the tables ------------------------------------------------------------------- */

/* Whether no step but the first takes events of type t. On such an event
 * a sequence can only start a partial, which its first step's conditions
 * decide, so the first step's set is the rule's; a later step's event
 * continues a partial whatever the texts it has (its step may have no
 * condition at all), and the rule is evaluated always. */
static bool first_only(const struct rg_rule *r, int t)
{
	for (unsigned k = 1; k < r->nsteps; k++)
		if (r->steps[k].types & RG_ET_BIT(t))
			return false;
	return true;
}

static bool same_ref(const struct fref *a, const struct fref *b)
{
	return a->f == b->f && a->whose == b->whose && a->attr == b->attr && a->virt == b->virt &&
	       a->argi == b->argi;
}

/* The field an alternative reads on events of type t: target_path is
 * path on a type without new_path (visit_virtual), and one source then
 * scans the text for both. */
static struct fref canonical(const struct alt *a, int t)
{
	struct fref out = *a->ref;
	if (a->ref->virt != V_TARGET)
		return out;
	const struct rg_field *new_path = rg_field_find("new_path");
	if ((a->ref->types & RG_ET_BIT(t)) && !(new_path->types & RG_ET_BIT(t)))
		rules_find_field(a->ref->f->name, &out);
	return out;
}

/* Whether the field has no value on any event of type t: the event's own
 * field (or a view of it) where the type lacks it and the lineage has no
 * stand-in, or the target's where the type names none (rules_visit_fref
 * gives no value then). An alternative in such a field can never be met
 * on t, so it is left out of t's sources: a rule whose every alternative
 * is left out cannot hold on t and is not evaluated, and the field is not
 * visited on every event of t for nothing. */
static bool never_on(const struct fref *r, int t)
{
	return (r->whose == RG_CTX_SELF || r->whose == RG_CTX_TARGET) &&
	       !(r->types & RG_ET_BIT(t));
}

/* The source of a field: one per field, whatever the case mode (see
 * add_lit). */
static struct source *source_of(struct rg_prefilter *pf, const struct fref *ref)
{
	for (unsigned i = 0; i < pf->nsrc; i++)
		if (same_ref(&pf->src[i].ref, ref))
			return &pf->src[i];
	pf->src = rg_realloc(pf->src, (pf->nsrc + 1) * sizeof(*pf->src));
	struct source *s = &pf->src[pf->nsrc++];
	memset(s, 0, sizeof(*s));
	s->ref = *ref;
	s->shortest = UINT32_MAX;
	return s;
}

/* A text lowercased (ASCII, as rules_text_folded), kept in own; the text
 * itself when it has no upper case. */
static const char *folded(const char *p, uint32_t n, struct owned *own)
{
	uint32_t i = 0;
	while (i < n && !(p[i] >= 'A' && p[i] <= 'Z'))
		i++;
	if (i == n)
		return p;
	char *f = rg_calloc(1, n + 1);
	for (i = 0; i < n; i++)
		f[i] = p[i] >= 'A' && p[i] <= 'Z' ? (char)(p[i] | 0x20) : p[i];
	own->s = rg_realloc(own->s, (own->n + 1) * sizeof(*own->s));
	own->s[own->n++] = f;
	return f;
}

/* A source any of whose texts is case-blind scans the folded value, and
 * its case-sensitive texts are folded too: a text in the value is then
 * in the folded value, so a rule is never missed, only now and then
 * evaluated for nothing (the set is necessary, not sufficient). One scan
 * of a field instead of one per case mode. */
static void add_lit(struct source *s, const struct alt *a, unsigned rule, struct owned *own)
{
	const char *text = s->nocase && !a->nocase ? folded(a->s, a->n, own) : a->s;
	if (a->n < RULES_GRAM_MIN) {
		s->shorts = rg_realloc(s->shorts, (s->nshorts + 1) * sizeof(*s->shorts));
		s->shorts[s->nshorts++] = (struct shortlit){text, a->n, rule};
		return;
	}
	if (!s->step) {
		uint32_t fit = s->shortest - RULES_GRAM_MIN + 1; /* trigrams in the shortest */
		s->step = fit < MAX_STEP ? fit : MAX_STEP;
	}
	/* the step trigrams at first..first+step-1, central in the text: the
	 * last ends at most shortest bytes after first, within the text */
	uint32_t first = (a->n - (s->step + RULES_GRAM_MIN - 1)) / 2;
	for (uint32_t at = first; at < first + s->step; at++) {
		uint16_t g = rules_gram(text + at);
		s->lits = rg_realloc(s->lits, (s->nlits + 1) * sizeof(*s->lits));
		s->lits[s->nlits] = (struct lit){text, a->n, at, g, rule, s->heads[g % BUCKETS]};
		s->heads[g % BUCKETS] = ++s->nlits;
	}
}

/* Whether rule ri's set holds on events of type t. */
static bool has_set(const struct rg_ruleset *rs, const struct alts *sets, unsigned ri, int t)
{
	return !sets[ri].none && first_only(&rs->rules[ri], t);
}

static uint64_t sets_built; /* rule sets' prefilters, for their memo (below) */

void rules_prefilter_build(struct rg_ruleset *rs)
{
	struct owned own = {0};
	unsigned nmemo = 0;
	struct alts *sets = rg_calloc(rs->nrules ? rs->nrules : 1, sizeof(*sets));
	for (unsigned i = 0; i < rs->nrules; i++)
		sets[i] = rule_alts(&rs->rules[i], &own);
	for (int t = 0; t < RG_ET_COUNT; t++) {
		struct rg_prefilter *pf = NULL;
		for (int pass = 0; pass < 2; pass++) /* the sources' case modes, then their texts */
			for (unsigned k = 0; k < rs->nby_type[t]; k++) {
				unsigned ri = rs->by_type[t][k];
				if (!has_set(rs, sets, ri, t))
					continue;
				if (!pf)
					pf = rg_calloc(1, sizeof(*pf));
				for (unsigned j = 0; j < sets[ri].n; j++) {
					const struct alt *a = &sets[ri].a[j];
					struct fref ref = canonical(a, t);
					if (never_on(&ref, t))
						continue; /* never there: the rule needs another */
					struct source *s = source_of(pf, &ref);
					if (!pass) {
						s->nocase |= a->nocase;
						if (a->n >= RULES_GRAM_MIN && a->n < s->shortest)
							s->shortest = a->n;
					} else
						add_lit(s, a, ri, &own);
				}
			}
		if (pf) {
			for (unsigned i = 0; i < pf->nsrc; i++) {
				struct source *src = &pf->src[i];
				src->memo = nmemo++;
				src->direct = src->ref.whose == RG_CTX_SELF && !src->ref.virt &&
					      (src->ref.f->types & RG_ET_BIT(t)) &&
					      (src->ref.f->type == RG_FT_STR ||
					       src->ref.f->type == RG_FT_CSTR);
			}
			pf->words = (rs->nrules + 63) / 64;
			pf->always = rg_calloc(pf->words, sizeof(*pf->always));
			for (unsigned k = 0; k < rs->nby_type[t]; k++) {
				unsigned ri = rs->by_type[t][k];
				if (!has_set(rs, sets, ri, t))
					pf->always[ri / 64] |= 1ull << (ri % 64);
			}
		}
		rs->prefilter[t] = pf;
	}
	uint64_t set = __atomic_add_fetch(&sets_built, 1, __ATOMIC_RELAXED);
	for (int t = 0; t < RG_ET_COUNT; t++)
		if (rs->prefilter[t]) {
			rs->prefilter[t]->set = set;
			rs->prefilter[t]->nmemo = nmemo;
		}
	for (unsigned i = 0; i < rs->nrules; i++)
		free(sets[i].a);
	free(sets);
	rs->prefilter_texts = own.s;
	rs->nprefilter_texts = own.n;
}

void rules_prefilter_free(struct rg_ruleset *rs)
{
	for (int t = 0; t < RG_ET_COUNT; t++) {
		struct rg_prefilter *pf = rs->prefilter[t];
		for (unsigned i = 0; pf && i < pf->nsrc; i++) {
			free(pf->src[i].lits);
			free(pf->src[i].shorts);
		}
		if (pf) {
			free(pf->src);
			free(pf->always);
		}
		free(pf);
	}
	for (unsigned i = 0; i < rs->nprefilter_texts; i++)
		free(rs->prefilter_texts[i]);
	free(rs->prefilter_texts);
}

/* ---- an event ----------------------------------------------------------------------- *
 *
 * Events repeat their values: a process's exe and comm come with each of
 * its events, every program opens the same few libraries and
 * configuration files. What the scan of a value found (the rules whose
 * text it holds, usually none) is kept per source for recent values, in
 * a slot picked by a hash of the value's bytes, so a value met again costs
 * a hash and a compare instead of a fold and a walk. The memo is the
 * evaluating thread's (evaluation is one thread's, as in text.c) and made
 * anew when another rule set is evaluated. It lives as long as the thread:
 * the recorder and rgq each evaluate on one long-lived thread (a thread
 * that evaluated and then ended would leave its memo allocated), and one
 * thread alternating between two rule sets would remake it each time. */

#define MEMO_SLOTS 64 /* values kept per source */
#define MEMO_TEXT 64  /* the longest value kept */
#define MEMO_RULES 6  /* a value that finds more rules is not kept */

struct memo {
	uint16_t len1;   /* the value's length + 1; 0: an empty slot */
	uint16_t nrules; /* MEMO_RULES + 1: too many to keep */
	unsigned rules[MEMO_RULES];
	char text[MEMO_TEXT];
};

static __thread struct {
	uint64_t set;    /* the prefilter's set whose memo this is; 0: none */
	struct memo *m;  /* MEMO_SLOTS per source */
} memo;

/* The slot of (p, n) among a source's MEMO_SLOTS: the top bits of a hash
 * of its bytes (values that share a slot are told apart by their text). */
static unsigned memo_slot(const char *p, uint32_t n)
{
	_Static_assert(MEMO_SLOTS == 64, "memo_slot takes 6 bits");
	return (unsigned)(rg_hash_bytes(0, p, n) >> 58);
}

struct run {
	const struct source *s;
	uint64_t *cand;
	struct memo *memo; /* the source's slots */
};

static void mark(struct run *r, unsigned rule, struct memo *found)
{
	r->cand[rule / 64] |= 1ull << (rule % 64);
	if (!found || found->nrules > MEMO_RULES)
		return;
	for (unsigned i = 0; i < found->nrules; i++)
		if (found->rules[i] == rule)
			return;
	if (found->nrules < MEMO_RULES)
		found->rules[found->nrules] = rule;
	found->nrules++;
}

/* Whether t holds q's one or two bytes: memchr, or a compare at each
 * place (memmem's set-up costs more than the search, values are short). */
static bool has_short(struct rg_str t, const struct shortlit *q)
{
	if (q->n == 1)
		return memchr(t.p, q->s[0], t.len) != NULL;
	for (uint32_t i = 0; i + 1 < t.len; i++)
		if (t.p[i] == q->s[0] && t.p[i + 1] == q->s[1])
			return true;
	return false;
}

/* Walks text t for the source's texts; marks the rules found as
 * candidates and, with found, keeps them there (a rule already a
 * candidate is then looked for all the same). */
static void scan_text(struct run *r, struct rg_str t, struct memo *found)
{
	const struct source *s = r->s;
	for (unsigned k = 0; k < s->nshorts; k++) {
		const struct shortlit *q = &s->shorts[k];
		if ((found || !(r->cand[q->rule / 64] & (1ull << (q->rule % 64)))) &&
		    has_short(t, q))
			mark(r, q->rule, found);
	}
	for (uint32_t i = 0; s->nlits && i + RULES_GRAM_MIN <= t.len; i += s->step) {
		uint16_t g = rules_gram(t.p + i);
		for (uint32_t k = s->heads[g % BUCKETS]; k; k = s->lits[k - 1].next) {
			const struct lit *l = &s->lits[k - 1];
			if (l->gram != g ||
			    (!found && (r->cand[l->rule / 64] & (1ull << (l->rule % 64)))))
				continue;
			if (i < l->at || t.len - (i - l->at) < l->n)
				continue;
			/* the gram's hash matched: the text's last byte before
			 * a call (texts sharing a common part end apart) */
			const char *at = t.p + i - l->at;
			if (at[l->n - 1] == l->s[l->n - 1] && !memcmp(at, l->s, l->n))
				mark(r, l->rule, found);
		}
	}
}

static bool scan_value(void *arg, const struct val *v)
{
	struct run *r = arg;
	if (v->num)
		return false;
	struct memo *m = NULL;
	if (v->n <= MEMO_TEXT) {
		m = &r->memo[memo_slot(v->p, (uint32_t)v->n)];
		if (m->len1 == v->n + 1 && !memcmp(m->text, v->p, v->n)) {
			for (unsigned i = 0; i < m->nrules; i++)
				mark(r, m->rules[i], NULL);
			return false;
		}
		m->len1 = 0; /* the slot is this value's, once its scan is kept */
		m->nrules = 0;
	}
	struct rg_str t = r->s->nocase ? rules_text_folded(v) : (struct rg_str){v->p, (uint32_t)v->n};
	scan_text(r, t, m);
	if (m && m->nrules <= MEMO_RULES) {
		m->len1 = (uint16_t)(v->n + 1);
		memcpy(m->text, v->p, v->n);
	}
	return false; /* every value of the field */
}

void rules_prefilter_run(const struct rg_prefilter *pf, struct eval *e, uint64_t *cand)
{
	memcpy(cand, pf->always, pf->words * sizeof(*cand));
	if (memo.set != pf->set) {
		free(memo.m);
		memo.m = rg_calloc((size_t)pf->nmemo * MEMO_SLOTS, sizeof(*memo.m));
		memo.set = pf->set;
	}
	for (unsigned i = 0; i < pf->nsrc; i++) {
		const struct source *s = &pf->src[i];
		struct run r = {s, cand, &memo.m[(size_t)s->memo * MEMO_SLOTS]};
		if (!s->direct) {
			rules_visit_fref(e, &s->ref, scan_value, &r);
			continue;
		}
		/* what rules_visit_fref gives for such a field, without its turns */
		struct rg_str t = rg_field_str(s->ref.f, e->ev);
		if (t.p)
			scan_value(&r, &(struct val){t.p, t.len, 0, false, t.p, t.len, false});
	}
}
