/* test_fields.c: the rules' vocabulary is the field registry's. The
 * context fields (a relative's, from the lineage) and the event fields the
 * lineage can stand in for are the rows of docs/rules.md's "Process
 * context" table, and the path fields are those its `prefix` row names:
 * a field added to or dropped from the registry without the docs, or the
 * other way round, fails here. What the lineage and the rules say they
 * read of an event (rgq replay reads only that) names registry fields,
 * and grows with the fields a loaded rule names. And what the rules make
 * of each field comes from its registry entry: the event types a rule may
 * name it on, number or text, and a number's range, which values of the
 * field hold and a rule then matches.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "lineage.h"
#include "rules.h"
#include "tap.h"

#define MAX_NAMES 64

struct names {
	char v[MAX_NAMES][32];
	int n;
};

static void add(struct names *s, const char *name)
{
	if (s->n < MAX_NAMES)
		snprintf(s->v[s->n++], sizeof(s->v[0]), "%s", name);
}

static int has(const struct names *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return 1;
	return 0;
}

/* Every `name` in text up to end (or the line's end). */
static void backticked(struct names *s, const char *p, const char *end)
{
	char name[32];
	while ((p = strchr(p, '`')) && (!end || p < end)) {
		if (sscanf(p, "`%31[^`]`", name) == 1)
			add(s, name);
		p = strchr(p + 1, '`');
		if (!p)
			break;
		p++;
	}
}

/* The Field column of the table after "Process context", and the names
 * in the parentheses of the `prefix` operator's row. */
static int load_doc(const char *path, struct names *ctx, struct names *paths)
{
	char line[2048];
	int in_ctx = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Process context", 15))
			in_ctx = 1;
		else if (in_ctx && !strncmp(line, "| `", 3))
			backticked(ctx, line, strchr(line + 1, '|'));
		else if (in_ctx == 1 && !strncmp(line, "|-", 2))
			in_ctx = 2;
		else if (in_ctx == 2 && line[0] != '|')
			in_ctx = 0;
		if (!strncmp(line, "| `prefix` |", 12)) {
			const char *open = strchr(line, '(');
			if (open)
				backticked(paths, open, strchr(open, ')'));
		}
	}
	fclose(f);
	return 0;
}

static rg_fmask bit(const char *name)
{
	const struct rg_field *f = rg_field_find(name);
	return f ? RG_FBIT(f - rg_fields) : RG_FIELDS_UNKNOWN;
}

static void check_read_fields(void)
{
	struct rg_ruleset *rs = NULL;
	char err[256];
	const char *text = "[rule \"M\"]\nname = m\nseverity = low\n"
			   "match = mode equals 384\nmatch = parent_exe prefix /usr\n";
	rg_fmask lin = rg_lineage_fields();
	CHECK(!(lin & RG_FIELDS_UNKNOWN), "the lineage's fields are all the registry's");
	CHECK((lin & bit("parent_proc_id")) && (lin & bit("argv")) && (lin & bit("auid")),
	      "the lineage reads the parent, argv and the credentials");
	CHECK(rg_rules_load_string(&rs, "t.rules", text, err, sizeof(err)) == 0, "load a rule");
	rg_fmask m = rs ? rg_rules_event_fields(rs) : 0;
	CHECK(!(m & RG_FIELDS_UNKNOWN), "the rules' fields are all the registry's");
	CHECK(m & bit("mode"), "a field a rule names is read");
	CHECK((m & bit("path")) && (m & bit("exit_code")) && (m & bit("remote_port")),
	      "the summary's fields are read");
	CHECK(!(m & bit("sessionid")) && !(m & bit("cwd")), "a field nothing reads is not");
	rg_rules_free(rs);
	/* by event type: a rule's fields on its types only, none where no rule applies */
	const char *typed = "[rule \"T\"]\nname = t\nseverity = low\nevents = file_open\n"
			    "match = mode equals 384\n";
	rs = NULL;
	CHECK(rg_rules_load_string(&rs, "t.rules", typed, err, sizeof(err)) == 0, "load a typed rule");
	rg_fmask open = rs ? rg_rules_type_fields(rs, RG_ET_FILE_OPEN) : 0;
	CHECK((open & bit("mode")) && (open & bit("path")) && (open & bit("ts_ns")),
	      "a type's rules' fields and the match's are read on it");
	CHECK(rs && !rg_rules_type_fields(rs, RG_ET_FILE_WRITE) &&
		      !rg_rules_type_fields(rs, RG_ET_PROCESS_START),
	      "nothing is read for a type no rule applies to");
	rg_rules_free(rs);
	CHECK(rg_lineage_type_fields(RG_ET_PROCESS_START) == lin &&
		      rg_lineage_type_fields(RG_ET_CRED_CHANGE) == lin,
	      "the lineage reads its fields on an exec and a credential change");
	CHECK(!(rg_lineage_type_fields(RG_ET_FILE_OPEN) & bit("argv")) &&
		      (rg_lineage_type_fields(RG_ET_FILE_OPEN) & bit("proc_id")),
	      "and only the type and proc_id of other events");
	const char *const bad[] = {"path", "no_such_field", NULL};
	CHECK(rg_fields_mask(bad) & RG_FIELDS_UNKNOWN, "an unknown name is seen");
}

#define RULE_TYPES (RG_ET_PROCESS_MASK | RG_ET_FILE_MASK | RG_ET_NET_MASK | RG_ET_SYS_MASK)

static char err[256];

/* Loads a rule "match = FIELD COND", with "events = EVENTS" when given:
 * returns the error, "" when it loads (the set in *out, if asked). */
static const char *try_rule(const char *events, const char *field, const char *cond,
			    struct rg_ruleset **out)
{
	char text[512];
	struct rg_ruleset *rs = NULL;
	snprintf(text, sizeof(text), "[rule \"F\"]\nname = f\nseverity = low\n%s%s%smatch = %s %s\n",
		 events ? "events = " : "", events ? events : "", events ? "\n" : "", field, cond);
	err[0] = '\0';
	if (!rg_rules_load_string(&rs, "t.rules", text, err, sizeof(err)) && out)
		*out = rs;
	else
		rg_rules_free(rs);
	return err;
}

static void count_match(void *arg, const struct rg_match *m)
{
	(void)m;
	++*(int *)arg;
}

/* v, set in an event's field f, reads back as itself. */
static bool held(const struct rg_field *f, int64_t v)
{
	struct rg_event ev = {.type = RG_ET_PROCESS_START};
	rg_field_set_int(f, &ev, v);
	return rg_field_int(f, &ev) == v;
}

/* "FIELD equals v" fires on an event of f's first type whose f is v. */
static bool matches(const struct rg_field *f, int64_t v)
{
	struct rg_ruleset *rs = NULL;
	enum rg_etype t = (enum rg_etype)__builtin_ctzll(f->types);
	struct rg_event ev = {.type = t, .proc_id = 1};
	char cond[48];
	int n = 0;
	rg_field_set_int(f, &ev, v);
	snprintf(cond, sizeof(cond), "equals %" PRId64, v);
	if (*try_rule(rg_etype_name(t), f->name, cond, &rs))
		return false;
	rg_rules_eval(rs, NULL, &ev, NULL, count_match, &n, NULL);
	rg_rules_free(rs);
	return n == 1;
}

/* A number's range from its registry type: both ends load, one past
 * either end is refused; for an event field, the range is what the field
 * holds and a rule on either end matches. */
static void check_range(const char *name, int64_t lo, int64_t hi, const struct rg_field *f)
{
	char what[160], cond[48], want[120];
	snprintf(want, sizeof(want), "out of range for field '%s' (%" PRId64 " to %" PRId64 ")",
		 name, lo, hi);
	snprintf(cond, sizeof(cond), "equals %" PRId64, lo);
	bool ok = !*try_rule(NULL, name, cond, NULL);
	snprintf(cond, sizeof(cond), "equals %" PRId64, hi);
	ok = ok && !*try_rule(NULL, name, cond, NULL);
	if (lo > INT64_MIN) {
		snprintf(cond, sizeof(cond), "equals %" PRId64, lo - 1);
		ok = ok && strstr(try_rule(NULL, name, cond, NULL), want);
	}
	if (hi < INT64_MAX) {
		snprintf(cond, sizeof(cond), "equals %" PRId64, hi + 1);
		ok = ok && strstr(try_rule(NULL, name, cond, NULL), want);
	}
	snprintf(what, sizeof(what), "a rule on %s takes %" PRId64 " to %" PRId64 ", no more",
		 name, lo, hi);
	if (!CHECK(ok, what))
		printf("#   last error \"%s\"\n", err);
	if (!f)
		return;
	/* a u64 keeps its bits, so -1 reads back as itself: the range leaves
	 * out what rg_field_int makes negative, 2^63 and up */
	ok = held(f, lo) && held(f, hi) && (hi == INT64_MAX || !held(f, hi + 1)) &&
	     (lo == INT64_MIN || f->type == RG_FT_U64 || !held(f, lo - 1));
	snprintf(what, sizeof(what), "%s holds %" PRId64 " to %" PRId64 ", no more", name, lo,
		 hi);
	CHECK(ok, what);
	/* 0 is null where RG_FO_ZERO_NULL says so, a negative value where
	 * RG_FO_NEG_NULL does: nothing matches it */
	snprintf(what, sizeof(what), "a rule on %s matches either end", name);
	CHECK(matches(f, hi) && ((lo == 0 && (f->opts & RG_FO_ZERO_NULL)) ||
				 (lo < 0 && (f->opts & RG_FO_NEG_NULL)) || matches(f, lo)),
	      what);
}

/* What the rules make of one field, from its registry entry: named on
 * exactly the event types `want`, a number or text by its type, and a
 * number's range. f: the event field, NULL for a context field. */
static void check_rule_field(const char *name, enum rg_ftype type, rg_etmask want,
			     const struct rg_field *f)
{
	char what[160];
	int64_t lo, hi;
	bool num = rg_ftype_int_range(type, &lo, &hi);
	rg_etmask got = 0;
	/* an event_type value must name a type */
	const char *eq = num ? "equals 1" : type == RG_FT_ETYPE ? "equals file_open" : "equals x";
	for (int t = 0; t < RG_ET_COUNT; t++)
		if ((RG_ET_BIT(t) & RULE_TYPES) && !*try_rule(rg_etype_name(t), name, eq, NULL))
			got |= RG_ET_BIT(t);
	snprintf(what, sizeof(what), "%s is named on the event types its registry entry says",
		 name);
	CHECK_INT(got, want & RULE_TYPES, what);
	snprintf(what, sizeof(what), "%s is %s, as its registry type", name,
		 num ? "a number" : "text");
	if (!CHECK(strstr(try_rule(NULL, name, num ? "prefix /x" : "lt 1", NULL),
			  num ? "does not apply to numeric" : "does not apply to text"), what))
		printf("#   got \"%s\"\n", err);
	if (num)
		check_range(name, lo, hi, f);
}

/* Every rule field: an event field is named on its types, or on every
 * type where the lineage stands in for it (ctx); a context field on its. */
static void check_rule_fields(void)
{
	for (unsigned i = 0; i < rg_nfields; i++) {
		const struct rg_field *f = &rg_fields[i];
		check_rule_field(f->name, f->type, f->ctx != RG_CTX_NONE ? RULE_TYPES : f->types, f);
	}
	for (unsigned i = 0; i < rg_nctx_fields; i++)
		check_rule_field(rg_ctx_fields[i].name, rg_ctx_fields[i].type,
				 rg_ctx_fields[i].types, NULL);
}

int main(void)
{
	const char *src = getenv("RG_SOURCE_DIR");
	char doc[1024];
	struct names dctx = {0}, dpaths = {0}, rctx = {0}, rpaths = {0};
	char what[160];

	if (!src)
		return printf("not ok 1 - needs RG_SOURCE_DIR\n"), 1;
	snprintf(doc, sizeof(doc), "%s/docs/rules.md", src);
	CHECK(load_doc(doc, &dctx, &dpaths) == 0, "read docs/rules.md");
	CHECK(dctx.n > 5 && dpaths.n > 3, "docs/rules.md has the context table and prefix row");

	for (unsigned i = 0; i < rg_nfields; i++) {
		if (rg_fields[i].ctx != RG_CTX_NONE)
			add(&rctx, rg_fields[i].name);
		if (rg_fields[i].opts & RG_FO_PATH)
			add(&rpaths, rg_fields[i].name);
	}
	for (unsigned i = 0; i < rg_nctx_fields; i++) {
		const struct rg_ctx_field *c = &rg_ctx_fields[i];
		add(&rctx, c->name);
		if (c->opts & RG_FO_PATH)
			add(&rpaths, c->name);
		snprintf(what, sizeof(what), "context field %s is no event field's name", c->name);
		CHECK(!rg_field_find(c->name), what);
		snprintf(what, sizeof(what),
			 "context field %s is a relative's, of every type, or a target's, of "
			 "ptrace and proc_mem_write", c->name);
		rg_etmask all = RG_ET_PROCESS_MASK | RG_ET_FILE_MASK | RG_ET_NET_MASK |
			       RG_ET_SYS_MASK;
		rg_etmask target = RG_ET_BIT(RG_ET_PTRACE) | RG_ET_BIT(RG_ET_PROC_MEM_WRITE);
		CHECK(c->whose != RG_CTX_SELF && c->attr != RG_CTX_NONE &&
			      c->types == (c->whose == RG_CTX_TARGET ? target : all),
		      what);
		CHECK(rg_ctx_field_find(c->name) == c, "rg_ctx_field_find finds it");
	}
	for (int i = 0; i < rctx.n; i++) {
		snprintf(what, sizeof(what), "docs/rules.md's context table lists %s", rctx.v[i]);
		CHECK(has(&dctx, rctx.v[i]), what);
	}
	for (int i = 0; i < dctx.n; i++) {
		snprintf(what, sizeof(what), "documented context field %s is the registry's",
			 dctx.v[i]);
		CHECK(has(&rctx, dctx.v[i]), what);
	}
	for (int i = 0; i < rpaths.n; i++) {
		snprintf(what, sizeof(what), "docs/rules.md's prefix row names path field %s",
			 rpaths.v[i]);
		CHECK(has(&dpaths, rpaths.v[i]), what);
	}
	for (int i = 0; i < dpaths.n; i++) {
		snprintf(what, sizeof(what), "documented path field %s is one in the registry",
			 dpaths.v[i]);
		CHECK(has(&rpaths, dpaths.v[i]), what);
	}
	check_read_fields();
	check_rule_fields();
	return tap_done();
}
