/* sigma.c: Sigma rules (YAML, read with libyaml) compiled into the rule
 * set as rules like any other: one step whose condition expression
 * (expr.c) is the detection's, over conditions built here. A rule whose
 * logsource, field or modifier rand-guard cannot serve is skipped with the
 * reason in the set's load report; one that is not valid Sigma (or not
 * YAML) fails the load with FILE:LINE, as a bad INI rule does. */
#include "rules_int.h"
#include "sigma.h"

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <openssl/evp.h>

#include "alloc.h"

#define MAX_VARIANTS 8 /* a value's spellings: base64offset's 3, windash's 5 */

enum { SC_OK, SC_SKIP, SC_ERR, SC_OTHER };

/* One rule being compiled. */
struct sc {
	yaml_document_t *doc;
	const char *category; /* the logsource category, or "auditd" */
	struct rg_step *st;
	uint32_t audit_types; /* auditd: the record types the selections name */
	bool sel_syscall;     /* the selection being compiled is auditd's SYSCALL */
	char why[240];        /* a skip's reason or an error's message */
	int line;             /* an error's line */
};

static int skip(struct sc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int skip(struct sc *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	return SC_SKIP;
}

static int bad(struct sc *s, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct sc *s, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	s->line = n ? (int)n->start_mark.line + 1 : 0;
	return SC_ERR;
}

/* ---- YAML ---------------------------------------------------------------------- */

static yaml_node_t *ynode(const struct sc *s, int i)
{
	return yaml_document_get_node(s->doc, i);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* YAML's null: ~, null or nothing, unquoted. */
static bool is_null(const yaml_node_t *n)
{
	const char *v = scalar(n);
	return v && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*v || !strcmp(v, "~") || !strcasecmp(v, "null"));
}

static yaml_node_t *map_get(const struct sc *s, const yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(ynode(s, p->key));
		if (k && !strcmp(k, key))
			return ynode(s, p->value);
	}
	return NULL;
}

/* ---- conditions ----------------------------------------------------------------- */

static unsigned new_cond(struct sc *s, const struct fref *f, enum op op, bool nocase,
			 const char *text, int line)
{
	struct rg_step *st = s->st;
	st->conds = rg_realloc(st->conds, (st->nconds + 1) * sizeof(*st->conds));
	struct rg_cond *c = &st->conds[st->nconds];
	*c = (struct rg_cond){.nfields = 1, .op = op, .role = C_NAMED, .nocase = nocase,
			      .num = rules_fref_is_int(f), .text = rg_strdup(text), .line = line};
	c->fields[0] = *f;
	return st->nconds++;
}

static void add_val(struct rg_cond *c, const char *v, size_t n, int64_t i)
{
	unsigned k = c->nvals++;
	c->strs = rg_realloc(c->strs, c->nvals * sizeof(*c->strs));
	c->lens = rg_realloc(c->lens, c->nvals * sizeof(*c->lens));
	c->ints = rg_realloc(c->ints, c->nvals * sizeof(*c->ints));
	c->literal = rg_realloc(c->literal, c->nvals * sizeof(*c->literal));
	c->strs[k] = rg_strndup(v, n);
	c->lens[k] = n;
	c->ints[k] = i;
	c->literal[k] = false;
}

static unsigned cond_node(struct sc *s, unsigned cond)
{
	return rules_expr_add(s->st, X_COND, cond, 0);
}

/* A node over kids: all of them (and) or one (or); one kid is itself. */
static unsigned join(struct sc *s, const unsigned *kids, unsigned n, bool all)
{
	if (n == 1)
		return kids[0];
	unsigned node = rules_expr_add(s->st, X_ATLEAST, 0, all ? n : 1);
	for (unsigned i = 0; i < n; i++)
		rules_expr_kid(s->st, node, kids[i]);
	return node;
}

/* event_type equals one of names (NULL-terminated). */
static unsigned etype_node(struct sc *s, uint32_t types, int line)
{
	struct fref f;
	rules_find_field("event_type", &f);
	unsigned c = new_cond(s, &f, OP_EQ, false, "event_type", line);
	for (int t = 0; t < RG_ET_COUNT; t++) {
		const char *n = rg_etype_name(t);
		if (types & RG_ET_BIT(t))
			add_val(&s->st->conds[c], n, strlen(n), 0);
	}
	return cond_node(s, c);
}

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
			return skip(s, "modifier '%s' is not supported", t);
		}
	}
	if (m->contains + m->startswith + m->endswith > 1)
		return skip(s, "more than one of contains, startswith, endswith");
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
};

static void item_kid(struct item *it, unsigned node)
{
	if (it->nkids < sizeof(it->kids) / sizeof(it->kids[0]))
		it->kids[it->nkids++] = node;
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
		c = (int)new_cond(s, it->f, op, nocase, it->text, it->line);
		s->st->conds[c].all = it->m->all && !own_cond;
		if (it->m->re)
			s->st->conds[c].re_opts = (it->m->re_m ? PCRE2_MULTILINE : 0) |
						  (it->m->re_s ? PCRE2_DOTALL : 0);
		else if (op == OP_REGEX)
			s->st->conds[c].re_opts = PCRE2_DOTALL;
		item_kid(it, cond_node(s, (unsigned)c));
		if (!own_cond)
			it->bycond[op] = c;
	}
	if (op != OP_EXISTS)
		add_val(&s->st->conds[c], v, n, i);
}

/* A null value: the field has none, or an empty one. */
static void item_null(struct item *it)
{
	struct sc *s = it->s;
	unsigned none = new_cond(s, it->f, OP_EXISTS, false, it->text, it->line);
	s->st->conds[none].neg = true;
	unsigned kids[2] = {cond_node(s, none), 0};
	unsigned n = 1;
	if (!rules_fref_is_int(it->f)) {
		unsigned empty = new_cond(s, it->f, OP_EQ, false, it->text, it->line);
		add_val(&s->st->conds[empty], "", 0, 0);
		kids[n++] = cond_node(s, empty);
	}
	item_kid(it, join(s, kids, n, false));
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
	const char *v = scalar(vn);
	if (!v)
		return bad(s, vn, "'%s': a value must be a scalar", it->text);
	if (is_null(vn)) {
		item_null(it);
		return SC_OK;
	}
	if (m->exists) {
		bool yes = !strcasecmp(v, "true") || !strcasecmp(v, "yes");
		unsigned c = new_cond(s, it->f, OP_EXISTS, false, it->text, it->line);
		s->st->conds[c].neg = !yes;
		item_kid(it, cond_node(s, c));
		return SC_OK;
	}
	if (rules_fref_is_int(it->f)) {
		int64_t x;
		if (m->contains || m->startswith || m->endswith || m->re || m->cidr || m->base64 ||
		    m->base64offset || m->windash)
			return skip(s, "'%s': a text modifier on a numeric field", it->text);
		if (parse_number(v, &x))
			return skip(s, "'%s': '%s' is not a number (the field is numeric)", it->text,
				    v);
		item_value(it, m->cmp, v, strlen(v), x, false);
		return SC_OK;
	}
	if (m->cmp != OP_EQ)
		return skip(s, "'%s': gt/gte/lt/lte on a text field", it->text);
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
		unsigned node = join(s, it->kids + first, it->nkids - first, false);
		it->nkids = first;
		item_kid(it, node);
	}
	return SC_OK;
}

/* FIELD|MODIFIERS: VALUE(S) as one node. */
static int compile_item(struct sc *s, const char *key, const yaml_node_t *vn, bool keywords,
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
			return skip(s, "keywords (a search of the whole log line) have no counterpart "
				    "in %s events", s->category);
		field = sf->field;
		if (!m.startswith && !m.endswith && !m.re)
			m.contains = true; /* a keyword is found anywhere */
	} else if (!strcmp(s->category, "auditd") && name[0] == 'a' && name[1] &&
		   strspn(name + 1, "0123456789") == strlen(name + 1)) {
		if (s->sel_syscall)
			return skip(s, "'%s': auditd's syscall arguments are not recorded", name);
		snprintf(fieldname, sizeof(fieldname), "arg%s", name + 1);
		field = fieldname;
	} else {
		if (!(sf = sigma_field_find(s->category, name)))
			return skip(s, "field '%s' has no rand-guard counterpart in %s", name,
				    s->category);
		field = sf->field;
	}
	if (sf && (sf->flags & (SF_INITIATED | SF_AUDIT_TYPE)))
		return SC_OK; /* the caller made these event type tests */
	struct fref f;
	if (!rules_find_field(field, &f))
		return skip(s, "field '%s' needs '%s', which rand-guard does not record", name,
			    field);
	struct item it = {.s = s, .f = &f, .m = &m, .text = key, .line = (int)vn->start_mark.line + 1};
	for (size_t i = 0; i < sizeof(it.bycond) / sizeof(it.bycond[0]); i++)
		it.bycond[i] = -1;
	if (sf && (sf->flags & SF_SYSCALL)) { /* only names rand-guard records */
		const yaml_node_t *one = vn;
		for (int i = 0;; i++) {
			if (vn->type == YAML_SEQUENCE_NODE) {
				if (vn->data.sequence.items.start + i >= vn->data.sequence.items.top)
					break;
				one = ynode(s, vn->data.sequence.items.start[i]);
			} else if (i) {
				break;
			}
			if (scalar(one) && !sigma_syscall_recorded(scalar(one)))
				return skip(s, "syscall '%s' is not recorded", scalar(one));
		}
	}
	if (vn->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *p = vn->data.sequence.items.start;
		     p < vn->data.sequence.items.top; p++)
			if ((rc = item_add(&it, ynode(s, *p))))
				return rc;
	} else if ((rc = item_add(&it, vn))) {
		return rc;
	}
	if (!it.nkids)
		return bad(s, vn, "'%s' has no value", key);
	*out = join(s, it.kids, it.nkids, m.all);
	return SC_OK;
}

/* ---- selections and the rule ------------------------------------------------------ */

/* The event type tests a selection's own keys make: auditd's `type` and
 * network_connection's `Initiated`. */
static int selection_types(struct sc *s, const yaml_node_t *map, unsigned *kids, unsigned *n)
{
	s->sel_syscall = false;
	const yaml_node_t *type = NULL, *init = NULL;
	if (!strcmp(s->category, "auditd"))
		type = map_get(s, map, "type");
	else if (!strcmp(s->category, "network_connection"))
		init = map_get(s, map, "Initiated");
	const yaml_node_t *vn = type ? type : init;
	if (!vn)
		return SC_OK;
	uint32_t types = 0;
	for (int i = 0;; i++) {
		const yaml_node_t *one = vn;
		if (vn->type == YAML_SEQUENCE_NODE) {
			if (vn->data.sequence.items.start + i >= vn->data.sequence.items.top)
				break;
			one = ynode(s, vn->data.sequence.items.start[i]);
		} else if (i) {
			break;
		}
		const char *v = scalar(one);
		if (!v)
			return bad(s, one, "'%s' must be a scalar or a list of them",
				   type ? "type" : "Initiated");
		if (init) {
			bool yes = !strcasecmp(v, "true") || !strcasecmp(v, "yes");
			types |= RG_ET_BIT(yes ? RG_ET_NET_CONNECT : RG_ET_NET_ACCEPT);
			continue;
		}
		uint32_t t = sigma_audit_type(v);
		if (!t)
			return skip(s, "auditd record type '%s' has no rand-guard counterpart", v);
		s->sel_syscall = s->sel_syscall || !strcasecmp(v, "SYSCALL");
		types |= t;
	}
	s->audit_types |= types;
	kids[(*n)++] = etype_node(s, types, (int)vn->start_mark.line + 1);
	return SC_OK;
}

/* A detection map: every key holds (AND). */
static int compile_map(struct sc *s, const yaml_node_t *map, unsigned *out)
{
	unsigned kids[64], n = 0;
	int rc = selection_types(s, map, kids, &n);
	if (rc)
		return rc;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = ynode(s, p->key), *v = ynode(s, p->value);
		if (!scalar(k))
			return bad(s, k, "a detection key must be a scalar");
		if (n == sizeof(kids) / sizeof(kids[0]))
			return skip(s, "a selection of more than %zu fields", sizeof(kids) / sizeof(kids[0]));
		unsigned node;
		bool keywords = scalar(k)[0] == '|' || !scalar(k)[0];
		if ((rc = compile_item(s, scalar(k), v, keywords, &node)))
			return rc;
		const struct sigma_field *sf = sigma_field_find(s->category, scalar(k));
		if (!(sf && (sf->flags & (SF_INITIATED | SF_AUDIT_TYPE))))
			kids[n++] = node;
	}
	if (!n)
		return bad(s, map, "an empty selection");
	*out = join(s, kids, n, true);
	return SC_OK;
}

/* A selection: a map, a list of maps (any), or a list of keywords. */
static int compile_selection(struct sc *s, const yaml_node_t *n, unsigned *out)
{
	if (n->type == YAML_MAPPING_NODE)
		return compile_map(s, n, out);
	if (n->type == YAML_SCALAR_NODE)
		return compile_item(s, "", n, true, out);
	if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.start == n->data.sequence.items.top)
		return bad(s, n, "a selection must be a map, a list of maps or a list of keywords");
	const yaml_node_t *first = ynode(s, *n->data.sequence.items.start);
	if (first->type != YAML_MAPPING_NODE)
		return compile_item(s, "", n, true, out);
	unsigned kids[64], k = 0;
	for (yaml_node_item_t *p = n->data.sequence.items.start; p < n->data.sequence.items.top; p++) {
		const yaml_node_t *m = ynode(s, *p);
		if (m->type != YAML_MAPPING_NODE)
			return bad(s, m, "a list of maps and keywords mixed");
		if (k == sizeof(kids) / sizeof(kids[0]))
			return skip(s, "a selection of more than %u maps", k);
		int rc = compile_map(s, m, &kids[k]);
		if (rc)
			return rc;
		k++;
	}
	*out = join(s, kids, k, false);
	return SC_OK;
}

/* The detection: its selections by name, and the condition over them. */
static int compile_detection(struct sc *s, const yaml_node_t *det)
{
	if (!det || det->type != YAML_MAPPING_NODE)
		return bad(s, det, "missing 'detection' (a map)");
	const yaml_node_t *cond = map_get(s, det, "condition");
	if (!cond)
		return bad(s, det, "the detection has no 'condition'");
	if (map_get(s, det, "timeframe"))
		return skip(s, "'timeframe' (an aggregation) is not supported");
	struct xname names[64];
	unsigned nn = 0;
	for (yaml_node_pair_t *p = det->data.mapping.pairs.start; p < det->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(ynode(s, p->key));
		if (!k)
			return bad(s, ynode(s, p->key), "a selection name must be a scalar");
		if (!strcmp(k, "condition"))
			continue;
		if (nn == sizeof(names) / sizeof(names[0]))
			return skip(s, "more than %u selections", nn);
		names[nn].name = k;
		int rc = compile_selection(s, ynode(s, p->value), &names[nn].node);
		if (rc)
			return rc;
		nn++;
	}
	unsigned roots[16], nr = 0;
	for (int i = 0;; i++) { /* a list of conditions: any */
		const yaml_node_t *one = cond;
		if (cond->type == YAML_SEQUENCE_NODE) {
			if (cond->data.sequence.items.start + i >= cond->data.sequence.items.top)
				break;
			one = ynode(s, cond->data.sequence.items.start[i]);
		} else if (i) {
			break;
		}
		const char *text = scalar(one);
		if (!text)
			return bad(s, one, "'condition' must be a string or a list of them");
		if (strchr(text, '|'))
			return skip(s, "an aggregation in the condition ('|') is not supported");
		if (nr == sizeof(roots) / sizeof(roots[0]))
			return skip(s, "more than %u conditions", nr);
		char err[160];
		int root = rules_expr_parse(s->st, text, names, nn, err, sizeof(err));
		if (root < 0)
			return bad(s, one, "condition '%s': %s", text, err);
		roots[nr++] = (unsigned)root;
	}
	if (!nr)
		return bad(s, cond, "an empty 'condition'");
	unsigned root = join(s, roots, nr, false);
	s->st->xroot = root + 1;
	return SC_OK;
}

/* file_event: an open counts when it may create (O_CREAT). */
static void add_create_guard(struct sc *s)
{
	struct fref flags;
	rules_find_field("flags", &flags);
	unsigned open = etype_node(s, RG_ET_BIT(RG_ET_FILE_OPEN), 0);
	unsigned notopen = rules_expr_add(s->st, X_NOT, 0, 0);
	rules_expr_kid(s->st, notopen, open);
	unsigned c = new_cond(s, &flags, OP_ANYBITS, false, "flags (O_CREAT)", 0);
	add_val(&s->st->conds[c], "0o100", 5, 0100);
	unsigned guard[2] = {notopen, cond_node(s, c)};
	unsigned kids[2] = {s->st->xroot - 1, join(s, guard, 2, false)};
	s->st->xroot = join(s, kids, 2, true) + 1;
}

static enum rg_severity severity_of(const char *level)
{
	if (!level)
		return RG_SEV_MEDIUM;
	if (!strcasecmp(level, "critical"))
		return RG_SEV_CRITICAL;
	if (!strcasecmp(level, "high"))
		return RG_SEV_HIGH;
	if (!strcasecmp(level, "medium"))
		return RG_SEV_MEDIUM;
	return RG_SEV_LOW; /* low, informational */
}

static char *tags_of(const struct sc *s, const yaml_node_t *tags)
{
	struct rg_buf b = {0};
	if (tags && tags->type == YAML_SEQUENCE_NODE)
		for (yaml_node_item_t *p = tags->data.sequence.items.start;
		     p < tags->data.sequence.items.top; p++) {
			const char *t = scalar(ynode(s, *p));
			if (!t)
				continue;
			if (b.len)
				rg_buf_addc(&b, ' ');
			rg_buf_adds(&b, t);
		}
	char *out = rg_strdup(b.p ? rg_buf_cstr(&b) : "");
	rg_buf_free(&b);
	return out;
}

/* The logsource: the category (or "auditd") and its event types. */
static int logsource(struct sc *s, const yaml_node_t *ls, uint32_t *types, bool *creates)
{
	if (!ls || ls->type != YAML_MAPPING_NODE)
		return bad(s, ls, "missing 'logsource' (a map)");
	const char *product = scalar(map_get(s, ls, "product"));
	const char *category = scalar(map_get(s, ls, "category"));
	const char *service = scalar(map_get(s, ls, "service"));
	if (!product || strcasecmp(product, "linux"))
		return SC_OTHER;
	*creates = false;
	if (service && !strcasecmp(service, "auditd") && !category) {
		s->category = "auditd";
		*types = 0; /* from the selections' record types */
		return SC_OK;
	}
	if (service)
		return skip(s, "logsource service '%s': rand-guard does not read its logs", service);
	if (!category)
		return skip(s, "logsource names no category (keywords over system logs)");
	const struct sigma_category *c = sigma_category_find(category);
	if (!c)
		return skip(s, "logsource category '%s' has no rand-guard events", category);
	s->category = c->name;
	*types = c->types;
	*creates = c->creates;
	return SC_OK;
}

/* The rule in root into r (its step allocated); SC_OK, or a skip, error or
 * other product with s->why set. */
static int compile_rule(struct sc *s, const yaml_node_t *root, struct rg_rule *r)
{
	if (root->type != YAML_MAPPING_NODE)
		return bad(s, root, "not a Sigma rule (a YAML map)");
	const char *title = scalar(map_get(s, root, "title"));
	const char *id = scalar(map_get(s, root, "id"));
	const char *status = scalar(map_get(s, root, "status"));
	if (!title || !*title)
		return bad(s, root, "missing 'title'");
	uint32_t types = 0;
	bool creates = false;
	int rc = logsource(s, map_get(s, root, "logsource"), &types, &creates);
	if (rc)
		return rc;
	if (!id)
		return skip(s, "no 'id'");
	if (status && (!strcasecmp(status, "deprecated") || !strcasecmp(status, "unsupported")))
		return skip(s, "status '%s'", status);
	r->id = rg_strdup(id);
	r->name = rg_strdup(title);
	const char *desc = scalar(map_get(s, root, "description"));
	r->description = desc ? rg_strdup(desc) : NULL;
	r->severity = severity_of(scalar(map_get(s, root, "level")));
	r->tags = tags_of(s, map_get(s, root, "tags"));
	r->sigma = true;
	if ((rc = compile_detection(s, map_get(s, root, "detection"))))
		return rc;
	if (creates)
		add_create_guard(s);
	if (!types) /* auditd: the record types named, else every syscall's */
		types = s->audit_types ? s->audit_types : sigma_audit_type("SYSCALL");
	char err[200];
	for (unsigned i = 0; i < s->st->nconds; i++)
		if (!rules_cond_compile(&s->st->conds[i], err, sizeof(err)))
			return skip(s, "%s", err);
	s->st->types = r->types = types;
	return SC_OK;
}

/* ---- files ------------------------------------------------------------------------- */

static void free_rule(struct rg_rule *r)
{
	for (unsigned c = 0; c < r->steps[0].nconds; c++)
		rules_cond_free(&r->steps[0].conds[c]);
	free(r->steps[0].conds);
	rules_expr_free(&r->steps[0]);
	free(r->steps);
	free(r->id);
	free(r->name);
	free(r->description);
	free(r->tags);
	free(r->file);
}

static void report(struct rg_ruleset *rs, const char *path, const char *id, const char *why)
{
	struct rg_buf b = {0};
	if (rs->sigma_report)
		rg_buf_adds(&b, rs->sigma_report);
	rg_buf_adds(&b, path);
	if (id) {
		rg_buf_adds(&b, " (");
		rg_buf_adds(&b, id);
		rg_buf_adds(&b, ")");
	}
	rg_buf_adds(&b, ": skipped: ");
	rg_buf_adds(&b, why);
	rg_buf_addc(&b, '\n');
	free(rs->sigma_report);
	rs->sigma_report = rg_strdup(rg_buf_cstr(&b));
	rg_buf_free(&b);
}

/* Adds the compiled rule to the set, unless its id is taken. */
static void keep_rule(struct loader *ld, struct rg_rule *r, const char *path)
{
	struct rg_ruleset *rs = ld->rs;
	for (unsigned i = 0; i < rs->nrules; i++) {
		if (strcmp(rs->rules[i].id, r->id))
			continue;
		char why[300];
		snprintf(why, sizeof(why), "duplicate id (first defined at %s:%d)", rs->rules[i].file,
			 rs->rules[i].line);
		report(rs, path, r->id, why);
		rs->sigma_skipped++;
		free_rule(r);
		return;
	}
	rs->rules = rg_realloc(rs->rules, (rs->nrules + 1) * sizeof(*rs->rules));
	rs->rules[rs->nrules++] = *r;
	rs->sigma_loaded++;
}

static void load_yaml(struct loader *ld, const char *path, const unsigned char *text, size_t n)
{
	yaml_parser_t p;
	yaml_document_t doc;
	struct rg_ruleset *rs = ld->rs;
	ld->ini = (struct rg_ini){.name = ld->name};
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, text, n);
	if (!yaml_parser_load(&p, &doc)) {
		rg_ini_fail(&ld->ini, (int)p.problem_mark.line + 1, "YAML: %s%s%s",
			    p.problem ? p.problem : "cannot parse", p.context ? " " : "",
			    p.context ? p.context : "");
		yaml_parser_delete(&p);
		return;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	yaml_document_t next;
	bool more = root && yaml_parser_load(&p, &next);
	if (more) {
		bool empty = !yaml_document_get_root_node(&next);
		yaml_document_delete(&next);
		more = !empty;
	}
	struct rg_rule r = {.enabled = true, .line = 1, .nsteps = 1};
	r.steps = rg_calloc(1, sizeof(*r.steps));
	r.file = rg_strdup(path);
	struct sc s = {.doc = &doc, .st = r.steps};
	int rc = !root ? bad(&s, NULL, "an empty file")
		 : more ? skip(&s, "a multi-document rule collection is not supported")
			: compile_rule(&s, root, &r);
	if (rc == SC_OK) {
		keep_rule(ld, &r, path);
	} else {
		if (rc == SC_ERR)
			rg_ini_fail(&ld->ini, s.line, "sigma rule: %s", s.why);
		else if (rc == SC_SKIP)
			report(rs, path, r.id ? r.id : scalar(map_get(&s, root, "id")), s.why);
		rs->sigma_skipped += rc == SC_SKIP;
		rs->sigma_other += rc == SC_OTHER;
		free_rule(&r);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
}

void rules_load_sigma_file(struct loader *ld, const char *path)
{
	struct rg_buf text = {0};
	free(ld->name);
	ld->name = rg_strdup(path);
	ld->ini = (struct rg_ini){.name = ld->name};
	if (rg_ini_read_file(&ld->ini, path, &text))
		load_yaml(ld, path, (const unsigned char *)(text.p ? text.p : ""), text.len);
	rg_buf_free(&text);
}

/* nftw has no argument for its callback: the walk's list, one walk at a
 * time (loading is one thread's). */
static __thread struct {
	char **paths;
	size_t n;
} walk;

static int collect(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	const char *base = path + ftw->base;
	size_t n = strlen(base);
	if (flag == FTW_F && base[0] != '.' &&
	    ((n > 4 && !strcmp(base + n - 4, ".yml")) || (n > 5 && !strcmp(base + n - 5, ".yaml")))) {
		walk.paths = rg_realloc(walk.paths, (walk.n + 1) * sizeof(*walk.paths));
		walk.paths[walk.n++] = rg_strdup(path);
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.yml and *.yaml file under dir, in path order (so the digest
 * does not depend on the directory's order). */
void rules_load_sigma_dir(struct loader *ld, const char *dir)
{
	walk.paths = NULL;
	walk.n = 0;
	if (nftw(dir, collect, 16, FTW_PHYS) != 0) {
		free(ld->name);
		ld->name = rg_strdup(dir);
		ld->ini = (struct rg_ini){.name = ld->name};
		rg_ini_fail(&ld->ini, 0, "cannot read the Sigma directory: %s", strerror(errno));
	} else {
		qsort(walk.paths, walk.n, sizeof(*walk.paths), by_name);
	}
	ld->rs->sigma_files += (unsigned)walk.n;
	for (size_t i = 0; i < walk.n; i++) {
		if (!ld->ini.failed)
			rules_load_sigma_file(ld, walk.paths[i]);
		free(walk.paths[i]);
	}
	free(walk.paths);
}
