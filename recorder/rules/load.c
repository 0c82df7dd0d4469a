/* load.c: rule files to a rule set: the fields a condition can name, files
 * and directories, the digest and the index by event type (rules.h). */
#include "rules_int.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "sha256.h"

/* ---- fields a condition can name ------------------------------------------ */

/* A registry name (core/fields.h): a context field, or an event field with
 * the lineage attribute that stands in for it. What the rules know of it
 * (type, path or not, event types) is the registry entry's: a field added
 * there needs nothing here. A stand-in makes an event field one of every
 * type, as a context field is: the lineage has a process for each. */
/* The rules' own views of event fields: argN (one argument by position,
 * argv[N]) and target_path (the file an event creates or changes: a
 * rename's, link's or symlink's new_path, else path), for Sigma's auditd
 * EXECVE records and TargetFilename, and for INI rules alike. */
static bool find_virtual(const char *name, struct fref *out)
{
	static const char *const args[] = {"arg0", "arg1", "arg2", "arg3", "arg4", "arg5", "arg6", "arg7", "arg8", "arg9", "arg10", "arg11", "arg12", "arg13", "arg14", "arg15", "arg16", "arg17", "arg18", "arg19", "arg20", "arg21", "arg22", "arg23", "arg24", "arg25", "arg26", "arg27", "arg28", "arg29", "arg30", "arg31"};
	_Static_assert(sizeof(args) / sizeof(args[0]) <= RULES_ARGS_MAX, "eval.c splits argN's");
	for (unsigned i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		if (strcmp(name, args[i]))
			continue;
		const struct rg_field *f = rg_field_find("argv");
		*out = (struct fref){.f = f, .whose = RG_CTX_SELF, .type = RG_FT_STR, .name = args[i],
				     .types = f->types & ALL_TYPES, .virt = V_ARG, .argi = i};
		return true;
	}
	if (strcmp(name, "target_path"))
		return false;
	const struct rg_field *f = rg_field_find("path");
	*out = (struct fref){.f = f, .whose = RG_CTX_SELF, .type = f->type, .opts = f->opts,
			     .name = "target_path", .types = f->types & RG_ET_FILE_MASK,
			     .virt = V_TARGET};
	return true;
}

bool rules_find_field(const char *name, struct fref *out)
{
	if (find_virtual(name, out))
		return true;
	const struct rg_ctx_field *c = rg_ctx_field_find(name);
	if (c) {
		*out = (struct fref){.whose = c->whose, .attr = c->attr, .type = c->type,
				     .opts = c->opts, .types = c->types & ALL_TYPES, .name = c->name};
		return true;
	}
	const struct rg_field *f = rg_field_find(name);
	if (!f)
		return false;
	*out = (struct fref){.f = f, .whose = RG_CTX_SELF, .attr = f->ctx, .type = f->type,
			     .opts = f->opts, .name = f->name,
			     .types = f->ctx != RG_CTX_NONE ? ALL_TYPES : f->types & ALL_TYPES};
	return true;
}

/* Numbers, bools and flags: compared as integers (rg_ftype_int_range). */
bool rules_fref_is_int(const struct fref *r)
{
	int64_t lo, hi;
	return rg_ftype_int_range(r->type, &lo, &hi);
}

/* Paths get component-aware prefixes and path globs (pathmatch.h). */
bool rules_fref_is_path(const struct fref *r)
{
	return r->opts & RG_FO_PATH;
}

static const char *own_name(struct loader *ld, const char *name)
{
	free(ld->name);
	ld->name = rg_strdup(name);
	return ld->name;
}

static void load_text(struct loader *ld, const char *name, const char *text, size_t len,
		      bool skip_other)
{
	ld->ini = (struct rg_ini){.name = own_name(ld, name), .section_ok = rules_section_ok,
				  .on_key = rules_on_key, .user = ld};
	ld->cur = NULL;
	ld->skip_other = skip_other;
	rg_ini_parse(&ld->ini, text, len);
	rules_finish_rule(ld);
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
	uint32_t head[8] = {c->role == C_EXCEPT, c->neg, c->op, c->nfields, c->nocase, c->all,
			    c->re_opts, c->role == C_NAMED};
	/* a rule without the newer modifiers hashes as it did before them */
	rg_sha256_add(h, head, head[4] | head[5] | head[6] | head[7] ? sizeof(head) : 4 * 4);
	if (c->name)
		rg_sha256_add(h, c->name, strlen(c->name) + 1);
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
	snprintf(num, sizeof(num), "%" PRIu64, st->types);
	rg_sha256_add(h, num, strlen(num) + 1);
	for (unsigned c = 0; c < st->nconds; c++)
		digest_cond(h, &st->conds[c]);
	for (unsigned i = 0; i < st->nx; i++) { /* the expression's shape */
		const struct xnode *x = &st->x[i];
		uint32_t node[4] = {x->kind, x->cond, x->need, x->nkids};
		rg_sha256_add(h, node, sizeof(node));
		rg_sha256_add(h, x->kids, x->nkids * sizeof(*x->kids));
	}
	if (st->xroot)
		rg_sha256_add(h, &st->xroot, sizeof(st->xroot));
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

static rg_fmask refs_fields(const struct fref *refs, unsigned n)
{
	rg_fmask m = 0;
	for (unsigned k = 0; k < n; k++) {
		if (refs[k].f)
			m |= RG_FBIT(refs[k].f - rg_fields);
		if (refs[k].virt == V_TARGET)
			m |= RG_FBIT(rg_field_find("new_path") - rg_fields);
	}
	return m;
}

/* The registry fields a step reads from the event. */
static rg_fmask step_fields(const struct rg_step *st)
{
	rg_fmask m = refs_fields(st->join.left, st->join.nleft) |
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
		rg_fmask m = 0;
		for (unsigned k = 0; r->enabled && k < r->nsteps; k++)
			m |= step_fields(&r->steps[k]);
		rs->fields_used |= m;
		/* by the rule's types: a superset of each step's (a step's
		 * join fields are read on the step before's events too) */
		for (int t = 0; t < RG_ET_COUNT; t++)
			if (r->types & RG_ET_BIT(t))
				rs->fields_by_type[t] |= m;
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
	rules_prefilter_build(ld->rs);
	*out = ld->rs;
	return 0;
}

int rg_rules_load(struct rg_ruleset **out, const struct rg_rules_source *src, unsigned n,
		  char *err, size_t errlen)
{
	struct loader ld = {.rs = rg_calloc(1, sizeof(struct rg_ruleset))};
	for (unsigned i = 0; i < n && !ld.ini.failed; i++) {
		if (src[i].sigma && src[i].is_dir)
			rules_load_sigma_dir(&ld, src[i].path);
		else if (src[i].sigma)
			rules_load_sigma_file(&ld, src[i].path);
		else if (src[i].is_dir)
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

int rg_rules_load_sigma_string(struct rg_ruleset **out, const char *name, const char *text,
			       size_t len, char *err, size_t errlen)
{
	struct loader ld = {.rs = rg_calloc(1, sizeof(struct rg_ruleset))};
	rules_load_sigma_text(&ld, name, text, len);
	return finish_load(&ld, out, err, errlen);
}

void rules_rule_free(struct rg_rule *r)
{
	for (unsigned k = 0; k < r->nsteps; k++) {
		for (unsigned c = 0; c < r->steps[k].nconds; c++)
			rules_cond_free(&r->steps[k].conds[c]);
		free(r->steps[k].conds);
		free(r->steps[k].join.text);
		rules_expr_free(&r->steps[k]);
	}
	free(r->steps);
	free(r->id);
	free(r->name);
	free(r->description);
	free(r->tags);
	free(r->file);
}

void rg_rules_free(struct rg_ruleset *rs)
{
	if (!rs)
		return;
	for (unsigned i = 0; i < rs->nrules; i++)
		rules_rule_free(&rs->rules[i]);
	for (int t = 0; t < RG_ET_COUNT; t++)
		free(rs->by_type[t]);
	free(rs->sigma_report);
	rules_prefilter_free(rs);
	free(rs->rules);
	free(rs);
}

const char *rg_severity_name(enum rg_severity s)
{
	static const char *const names[] = {"low", "medium", "high", "critical"};
	return (unsigned)s < 4 ? names[s] : "unknown";
}


void rg_rules_sigma_report(const struct rg_ruleset *rs, FILE *f, bool lines)
{
	if (!rs->sigma_files)
		return;
	fprintf(f, "sigma: %u files: %u rules loaded, %u skipped, %u for other products\n",
		rs->sigma_files, rs->sigma_loaded, rs->sigma_skipped, rs->sigma_other);
	if (lines && rs->sigma_report)
		fputs(rs->sigma_report, f);
}
