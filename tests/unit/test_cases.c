/* test_cases.c: every rule and sequence case in tests/cases/rules/ (see
 * tests/lib/cases.h) through the rule engine, as the recorder's pipeline
 * runs it: lineage, then rules with the sequence state. Each case is one
 * check that shows got and want; tests/cli/test_cases.sh runs the same
 * cases through `rgq replay`. And each malformed case in tests/cases/bad/
 * fails to load with the message its "error" file holds (file:line). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "lineage.h"
#include "rules.h"
#include "sequence.h"
#include "tap.h"

struct run {
	char *got;
	size_t len;
	FILE *out;
};

static void on_match(void *arg, const struct rg_match *m)
{
	struct run *r = arg;
	char line[2048];
	fprintf(r->out, "%s\n", rg_case_alert_line(m, line, sizeof(line)));
}

/* The alerts the case's events raise, as expected.alerts lines. */
static char *alerts(const struct rg_case *c, const struct rg_ruleset *rs)
{
	struct run r = {0};
	r.out = open_memstream(&r.got, &r.len);
	struct rg_lineage *lin = rg_lineage_new(RG_CASE_LINEAGE_MAX);
	struct rg_seqstate *sq = rg_seqstate_new(RG_SEQUENCE_MAX_DEFAULT);
	for (unsigned i = 0; i < c->nev; i++) {
		struct rg_event ev = c->ev[i];
		ev.seq = i + 1;
		rg_lineage_event(lin, &ev);
		rg_rules_eval(rs, sq, &ev, lin, on_match, &r, NULL);
	}
	rg_seqstate_free(sq);
	rg_lineage_free(lin);
	fclose(r.out);
	return r.got;
}

static void run_case(const char *dir, const char *name)
{
	char err[1024], what[512];
	struct rg_case c;
	struct rg_ruleset *rs = NULL;
	snprintf(what, sizeof(what), "case %s", name);
	if (rg_case_load(&c, dir, err, sizeof(err))) {
		CHECK_STR(err, "", what);
		return;
	}
	struct rg_rules_source src[2] = {{c.rules, false, true}, {c.sigma, false, true, true}};
	if (rg_rules_load(&rs, src, c.sigma[0] ? 2 : 1, err, sizeof(err))) {
		CHECK_STR(err, "", what);
	} else {
		char *got = alerts(&c, rs);
		CHECK_STR(got, c.expected, what);
		free(got);
		rg_rules_free(rs);
	}
	rg_case_free(&c);
}

static void bad_case(const char *dir, const char *name)
{
	char err[1024] = "", what[512], path[1200];
	struct rg_case c;
	snprintf(path, sizeof(path), "%s/error", dir);
	FILE *f = fopen(path, "r");
	char want[512] = "";
	if (f) {
		if (fgets(want, sizeof(want), f))
			want[strcspn(want, "\n")] = '\0';
		fclose(f);
	}
	snprintf(what, sizeof(what), "malformed case %s fails with file:line", name);
	if (rg_case_load(&c, dir, err, sizeof(err)) == 0)
		rg_case_free(&c);
	/* the message names the file under the case's directory */
	const char *at = strstr(err, name);
	CHECK_STR(at ? at + strlen(name) + 1 : err, want, what);
}

/* Calls fn for each subdirectory of tests/cases/kind, in name order. */
static unsigned each_case(const char *kind, void (*fn)(const char *dir, const char *name))
{
	char root[1024], dir[2048];
	const char *src = getenv("RG_SOURCE_DIR");
	snprintf(root, sizeof(root), "%s/tests/cases/%s", src ? src : ".", kind);
	struct dirent **names;
	int n = scandir(root, &names, NULL, alphasort);
	unsigned ran = 0;
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && names[i]->d_type == DT_DIR) {
			snprintf(dir, sizeof(dir), "%s/%s", root, names[i]->d_name);
			fn(dir, names[i]->d_name);
			ran++;
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return ran;
}

int main(void)
{
	CHECK(each_case("rules", run_case) >= 1, "there are rule cases");
	CHECK(each_case("bad", bad_case) >= 1, "there are malformed cases");
	return tap_done();
}
