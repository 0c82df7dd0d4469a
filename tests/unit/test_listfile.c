/* test_listfile.c: "@FILE" rule values (rules/listfile.c): a list of
 * known-bad hashes in sha256sum's format, comments and blank lines, the
 * errors, and a rule on exe_sha256 that matches by it, on the process_start
 * that carries the hash and on the binary_hashed event that brings it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules.h"
#include "rules_int.h"
#include "tap.h"

static char fired[256];

static void on_match(void *arg, const struct rg_match *m)
{
	(void)arg;
	snprintf(fired, sizeof(fired), "%s", m->rule->id);
}

static const char *eval(const struct rg_ruleset *rs, enum rg_etype t, const char *sha)
{
	struct rg_event ev = {.type = t, .proc_id = 3, .pid = 30, .exe = {"/x", 2},
			      .exe_sha256 = {sha, sha ? (uint32_t)strlen(sha) : 0}};
	fired[0] = '\0';
	rg_rules_eval(rs, NULL, &ev, NULL, on_match, NULL, NULL);
	return fired;
}

static const char *split(const char *text)
{
	static char out[512];
	unsigned n;
	char *v = rules_listfile_values(text, strlen(text), &n);
	snprintf(out, sizeof(out), "%u: %s", n, v ? v : "(null)");
	free(v);
	return out;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

#define A64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B64 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

int main(void)
{
	char dir[] = "/tmp/test_listfile.XXXXXX", path[256], rules[1024], err[512];
	if (!mkdtemp(dir))
		return 1;

	CHECK_STR(split(A64 "  /usr/bin/evil\n" B64 " *x\n"), "2: \"" A64 "\" \"" B64 "\" ",
		  "sha256sum output: the first word of each line");
	CHECK_STR(split("# known bad\n\n   \n\tx1\r\ny\"2"), "2: \"x1\" \"y\\\"2\" ",
		  "comments, blank lines, CRLF skipped; quotes escaped");
	CHECK_STR(split("a\n@/etc/other\n"), "0: (null)", "a nested @FILE is refused");
	CHECK_STR(split(""), "0: ", "an empty list holds no value");

	snprintf(path, sizeof(path), "%s/bad.sha256", dir);
	write_file(path, "# from the incident\n" A64 "  /tmp/dropper\n");
	snprintf(rules, sizeof(rules),
		 "[rule \"BAD\"]\nname = known bad\nseverity = high\n"
		 "match = exe_sha256 in @%s\n", path);
	struct rg_ruleset *rs = NULL;
	int rc = rg_rules_load_string(&rs, "t.rules", rules, err, sizeof(err));
	CHECK_INT(rc, 0, "a rule with an absolute @FILE loads");
	if (rs) {
		CHECK_STR(eval(rs, RG_ET_PROCESS_START, A64), "BAD", "a process_start with a listed hash");
		CHECK_STR(eval(rs, RG_ET_BINARY_HASHED, A64), "BAD", "a binary_hashed with it");
		CHECK_STR(eval(rs, RG_ET_PROCESS_START, B64), "", "another hash does not match");
		CHECK_STR(eval(rs, RG_ET_PROCESS_START, NULL), "", "no hash yet does not match");
		rg_rules_free(rs);
	}

	/* relative: to the rule file's directory */
	char name[300];
	snprintf(name, sizeof(name), "%s/t.rules", dir);
	rs = NULL;
	rc = rg_rules_load_string(&rs, name,
				  "[rule \"BAD\"]\nname = b\nseverity = low\n"
				  "match = exe_sha256 in " B64 " @bad.sha256\n",
				  err, sizeof(err));
	CHECK_INT(rc, 0, "a relative @FILE is read beside the rule file, with other values");
	if (rs) {
		CHECK_STR(eval(rs, RG_ET_PROCESS_START, A64), "BAD", "the list's value");
		CHECK_STR(eval(rs, RG_ET_PROCESS_START, B64), "BAD", "the value beside it");
		rg_rules_free(rs);
	}

	static const struct {
		const char *file, *text, *want;
	} bad[] = {
		{"missing", NULL, "list file %s/missing: No such file or directory"},
		{"empty", "# nothing\n", "list file %s/empty: has no value"},
		{"nest", "@x\n", "list file %s/nest: a value starts with '@'"},
		{".", NULL, "list file %s/.: not a regular file"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[512], file[300];
		snprintf(file, sizeof(file), "%s/%s", dir, bad[i].file);
		if (bad[i].text)
			write_file(file, bad[i].text);
		snprintf(rules, sizeof(rules),
			 "[rule \"R\"]\nname = r\nseverity = low\nmatch = exe_sha256 in @%s\n",
			 bad[i].file);
		rs = NULL;
		err[0] = '\0';
		rc = rg_rules_load_string(&rs, name, rules, err, sizeof(err));
		snprintf(want, sizeof(want), bad[i].want, dir);
		CHECK(rc == 2 && strstr(err, want) && strstr(err, "t.rules:4: rule \"R\""), want);
		if (!strstr(err, want))
			printf("#   got %s\n", err);
		rg_rules_free(rs);
		if (bad[i].text)
			unlink(file);
	}
	unlink(path);
	rmdir(dir);
	return tap_done();
}
