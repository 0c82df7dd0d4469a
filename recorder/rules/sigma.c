/* sigma.c: Sigma rules (YAML, read with libyaml) compiled into the rule
 * set as rules like any other: one step whose condition expression
 * (expr.c) is the detection's, over conditions built here. A rule whose
 * logsource, field or modifier rand-guard cannot serve is skipped with the
 * reason in the set's load report; one that is not valid Sigma (or not
 * YAML) fails the load with FILE:LINE, as a bad INI rule does. */
#include "sigma_int.h"

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"

int sc_skip(struct sc *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	return SC_SKIP;
}

int sc_bad(struct sc *s, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	s->line = n ? (int)n->start_mark.line + 1 : 0;
	return SC_ERR;
}

/* ---- YAML ---------------------------------------------------------------------- */

yaml_node_t *sc_node(const struct sc *s, int i)
{
	return yaml_document_get_node(s->doc, i);
}

const char *sc_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* YAML's null: ~, null or nothing, unquoted. */
bool sc_is_null(const yaml_node_t *n)
{
	const char *v = sc_scalar(n);
	return v && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*v || !strcmp(v, "~") || !strcasecmp(v, "null"));
}

const yaml_node_t *sc_each(const struct sc *s, const yaml_node_t *n, int i)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return i ? NULL : n;
	if (n->data.sequence.items.start + i >= n->data.sequence.items.top)
		return NULL;
	return sc_node(s, n->data.sequence.items.start[i]);
}

yaml_node_t *sc_map_get(const struct sc *s, const yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *k = sc_scalar(sc_node(s, p->key));
		if (k && !strcmp(k, key))
			return sc_node(s, p->value);
	}
	return NULL;
}

/* ---- conditions ----------------------------------------------------------------- */

unsigned sc_new_cond(struct sc *s, const struct fref *f, enum op op, bool nocase,
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

void sc_add_val(struct rg_cond *c, const char *v, size_t n, int64_t i)
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

unsigned sc_cond_node(struct sc *s, unsigned cond)
{
	return rules_expr_add(s->st, X_COND, cond, 0);
}

/* A node over kids: all of them (and) or one (or); one kid is itself. */
unsigned sc_join(struct sc *s, const unsigned *kids, unsigned n, bool all)
{
	if (n == 1)
		return kids[0];
	unsigned node = rules_expr_add(s->st, X_ATLEAST, 0, all ? n : 1);
	for (unsigned i = 0; i < n; i++)
		rules_expr_kid(s->st, node, kids[i]);
	return node;
}

/* event_type equals one of names (NULL-terminated). */
unsigned sc_etype_node(struct sc *s, rg_etmask types, int line)
{
	struct fref f;
	rules_find_field("event_type", &f);
	unsigned c = sc_new_cond(s, &f, OP_EQ, false, "event_type", line);
	for (int t = 0; t < RG_ET_COUNT; t++) {
		const char *n = rg_etype_name(t);
		if (types & RG_ET_BIT(t))
			sc_add_val(&s->st->conds[c], n, strlen(n), 0);
	}
	return sc_cond_node(s, c);
}

/* ---- selections and the rule ------------------------------------------------------ */

/* The event type tests a selection's own keys make: auditd's `type` and
 * network_connection's `Initiated`. */
static int selection_types(struct sc *s, const yaml_node_t *map, unsigned *kids, unsigned *n)
{
	s->sel_syscall = false;
	const yaml_node_t *type = NULL, *init = NULL;
	if (!strcmp(s->category, "auditd"))
		type = sc_map_get(s, map, "type");
	else if (!strcmp(s->category, "network_connection"))
		init = sc_map_get(s, map, "Initiated");
	const yaml_node_t *vn = type ? type : init;
	if (!vn)
		return SC_OK;
	rg_etmask types = 0;
	const yaml_node_t *one;
	for (int i = 0; (one = sc_each(s, vn, i)); i++) {
		const char *v = sc_scalar(one);
		if (!v)
			return sc_bad(s, one, "'%s' must be a scalar or a list of them",
				   type ? "type" : "Initiated");
		if (init) {
			bool yes = !strcasecmp(v, "true") || !strcasecmp(v, "yes");
			types |= RG_ET_BIT(yes ? RG_ET_NET_CONNECT : RG_ET_NET_ACCEPT);
			continue;
		}
		rg_etmask t = sigma_audit_type(v);
		if (!t)
			return sc_skip(s, "auditd record type '%s' has no rand-guard counterpart", v);
		s->sel_syscall = s->sel_syscall || !strcasecmp(v, "SYSCALL");
		types |= t;
	}
	s->audit_types |= types;
	kids[(*n)++] = sc_etype_node(s, types, (int)vn->start_mark.line + 1);
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
		const yaml_node_t *k = sc_node(s, p->key), *v = sc_node(s, p->value);
		if (!sc_scalar(k))
			return sc_bad(s, k, "a detection key must be a scalar");
		if (n == sizeof(kids) / sizeof(kids[0]))
			return sc_skip(s, "a selection of more than %zu fields", sizeof(kids) / sizeof(kids[0]));
		unsigned node;
		bool keywords = sc_scalar(k)[0] == '|' || !sc_scalar(k)[0];
		if ((rc = sc_compile_item(s, sc_scalar(k), v, keywords, &node)))
			return rc;
		if (node != SC_NO_NODE)
			kids[n++] = node;
	}
	if (!n)
		return sc_bad(s, map, "an empty selection");
	*out = sc_join(s, kids, n, true);
	return SC_OK;
}

/* A selection: a map, a list of maps (any), or a list of keywords. */
static int compile_selection(struct sc *s, const yaml_node_t *n, unsigned *out)
{
	if (n->type == YAML_MAPPING_NODE)
		return compile_map(s, n, out);
	if (n->type == YAML_SCALAR_NODE)
		return sc_compile_item(s, "", n, true, out);
	if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.start == n->data.sequence.items.top)
		return sc_bad(s, n, "a selection must be a map, a list of maps or a list of keywords");
	const yaml_node_t *first = sc_node(s, *n->data.sequence.items.start);
	if (first->type != YAML_MAPPING_NODE)
		return sc_compile_item(s, "", n, true, out);
	unsigned kids[64], k = 0;
	for (yaml_node_item_t *p = n->data.sequence.items.start; p < n->data.sequence.items.top; p++) {
		const yaml_node_t *m = sc_node(s, *p);
		if (m->type != YAML_MAPPING_NODE)
			return sc_bad(s, m, "a list of maps and keywords mixed");
		if (k == sizeof(kids) / sizeof(kids[0]))
			return sc_skip(s, "a selection of more than %u maps", k);
		int rc = compile_map(s, m, &kids[k]);
		if (rc)
			return rc;
		k++;
	}
	*out = sc_join(s, kids, k, false);
	return SC_OK;
}

/* The detection: its selections by name, and the condition over them. */
static int compile_detection(struct sc *s, const yaml_node_t *det)
{
	if (!det || det->type != YAML_MAPPING_NODE)
		return sc_bad(s, det, "missing 'detection' (a map)");
	const yaml_node_t *cond = sc_map_get(s, det, "condition");
	if (!cond)
		return sc_bad(s, det, "the detection has no 'condition'");
	if (sc_map_get(s, det, "timeframe"))
		return sc_skip(s, "'timeframe' (an aggregation) is not supported");
	struct xname names[64];
	unsigned nn = 0;
	for (yaml_node_pair_t *p = det->data.mapping.pairs.start; p < det->data.mapping.pairs.top;
	     p++) {
		const char *k = sc_scalar(sc_node(s, p->key));
		if (!k)
			return sc_bad(s, sc_node(s, p->key), "a selection name must be a scalar");
		if (!strcmp(k, "condition"))
			continue;
		if (nn == sizeof(names) / sizeof(names[0]))
			return sc_skip(s, "more than %u selections", nn);
		names[nn].name = k;
		int rc = compile_selection(s, sc_node(s, p->value), &names[nn].node);
		if (rc)
			return rc;
		nn++;
	}
	unsigned roots[16], nr = 0;
	const yaml_node_t *one;
	for (int i = 0; (one = sc_each(s, cond, i)); i++) { /* a list of conditions: any */
		const char *text = sc_scalar(one);
		if (!text)
			return sc_bad(s, one, "'condition' must be a string or a list of them");
		if (strchr(text, '|'))
			return sc_skip(s, "an aggregation in the condition ('|') is not supported");
		if (nr == sizeof(roots) / sizeof(roots[0]))
			return sc_skip(s, "more than %u conditions", nr);
		char err[160];
		int root = rules_expr_parse(s->st, text, names, nn, err, sizeof(err));
		if (root < 0)
			return sc_bad(s, one, "condition '%s': %s", text, err);
		roots[nr++] = (unsigned)root;
	}
	if (!nr)
		return sc_bad(s, cond, "an empty 'condition'");
	unsigned root = sc_join(s, roots, nr, false);
	s->st->xroot = root + 1;
	return SC_OK;
}

/* file_event: an open counts when it may create (O_CREAT). */
static void add_create_guard(struct sc *s)
{
	struct fref flags;
	rules_find_field("flags", &flags);
	unsigned open = sc_etype_node(s, RG_ET_BIT(RG_ET_FILE_OPEN), 0);
	unsigned notopen = rules_expr_add(s->st, X_NOT, 0, 0);
	rules_expr_kid(s->st, notopen, open);
	unsigned c = sc_new_cond(s, &flags, OP_ANYBITS, false, "flags (O_CREAT)", 0);
	sc_add_val(&s->st->conds[c], "0o100", 5, 0100);
	unsigned guard[2] = {notopen, sc_cond_node(s, c)};
	unsigned kids[2] = {s->st->xroot - 1, sc_join(s, guard, 2, false)};
	s->st->xroot = sc_join(s, kids, 2, true) + 1;
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
			const char *t = sc_scalar(sc_node(s, *p));
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
static int logsource(struct sc *s, const yaml_node_t *ls, rg_etmask *types, bool *creates)
{
	if (!ls || ls->type != YAML_MAPPING_NODE)
		return sc_bad(s, ls, "missing 'logsource' (a map)");
	const char *product = sc_scalar(sc_map_get(s, ls, "product"));
	const char *category = sc_scalar(sc_map_get(s, ls, "category"));
	const char *service = sc_scalar(sc_map_get(s, ls, "service"));
	if (!product || strcasecmp(product, "linux"))
		return SC_OTHER;
	*creates = false;
	if (service && !strcasecmp(service, "auditd") && !category) {
		s->category = "auditd";
		*types = 0; /* from the selections' record types */
		return SC_OK;
	}
	if (service)
		return sc_skip(s, "logsource service '%s': rand-guard does not read its logs", service);
	if (!category)
		return sc_skip(s, "logsource names no category (keywords over system logs)");
	const struct sigma_category *c = sigma_category_find(category);
	if (!c)
		return sc_skip(s, "logsource category '%s' has no rand-guard events", category);
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
		return sc_bad(s, root, "not a Sigma rule (a YAML map)");
	const char *title = sc_scalar(sc_map_get(s, root, "title"));
	const char *id = sc_scalar(sc_map_get(s, root, "id"));
	const char *status = sc_scalar(sc_map_get(s, root, "status"));
	if (!title || !*title)
		return sc_bad(s, root, "missing 'title'");
	rg_etmask types = 0;
	bool creates = false;
	int rc = logsource(s, sc_map_get(s, root, "logsource"), &types, &creates);
	if (rc)
		return rc;
	if (!id)
		return sc_skip(s, "no 'id'");
	if (status && (!strcasecmp(status, "deprecated") || !strcasecmp(status, "unsupported")))
		return sc_skip(s, "status '%s'", status);
	r->id = rg_strdup(id);
	r->name = rg_strdup(title);
	const char *desc = sc_scalar(sc_map_get(s, root, "description"));
	r->description = desc ? rg_strdup(desc) : NULL;
	r->severity = severity_of(sc_scalar(sc_map_get(s, root, "level")));
	r->tags = tags_of(s, sc_map_get(s, root, "tags"));
	r->sigma = true;
	if ((rc = compile_detection(s, sc_map_get(s, root, "detection"))))
		return rc;
	if (creates)
		add_create_guard(s);
	if (!types) /* auditd: the record types named, else every syscall's */
		types = s->audit_types ? s->audit_types : sigma_audit_type("SYSCALL");
	char err[200];
	for (unsigned i = 0; i < s->st->nconds; i++)
		if (!rules_cond_compile(&s->st->conds[i], err, sizeof(err)))
			return sc_skip(s, "%s", err);
	types &= rules_expr_optimize(s->st);
	if (!types)
		return sc_skip(s, "no event type can satisfy the condition");
	s->st->types = r->types = types;
	return SC_OK;
}

/* ---- files ------------------------------------------------------------------------- */

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
		rules_rule_free(r);
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
	int rc = !root ? sc_bad(&s, NULL, "an empty file")
		 : more ? sc_skip(&s, "a multi-document rule collection is not supported")
			: compile_rule(&s, root, &r);
	if (rc == SC_OK) {
		keep_rule(ld, &r, path);
	} else {
		if (rc == SC_ERR)
			rg_ini_fail(&ld->ini, s.line, "sigma rule: %s", s.why);
		else if (rc == SC_SKIP)
			report(rs, path, r.id ? r.id : sc_scalar(sc_map_get(&s, root, "id")), s.why);
		rs->sigma_skipped += rc == SC_SKIP;
		rs->sigma_other += rc == SC_OTHER;
		rules_rule_free(&r);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
}

void rules_load_sigma_text(struct loader *ld, const char *name, const char *text, size_t n)
{
	free(ld->name);
	ld->name = rg_strdup(name);
	ld->rs->sigma_files++;
	load_yaml(ld, name, (const unsigned char *)text, n);
}

void rules_load_sigma_file(struct loader *ld, const char *path)
{
	ld->rs->sigma_files++;
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
		if (walk.n)
			qsort(walk.paths, walk.n, sizeof(*walk.paths), by_name);
	}
	for (size_t i = 0; i < walk.n; i++) {
		if (!ld->ini.failed)
			rules_load_sigma_file(ld, walk.paths[i]);
		free(walk.paths[i]);
	}
	free(walk.paths);
}
