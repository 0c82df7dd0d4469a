/* test_sigma.c: the Sigma compiler on rule texts: what is an error (with
 * FILE:LINE), what is skipped and why (the load report), and the mapping's
 * syscalls against those records carry. What rules match is tested on
 * events in tests/cases/rules/sigma (unit and rgq replay). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "rules.h"
#include "sigma.h"
#include "tap.h"

static char err[512];

#define HEAD "title: t\nid: 11111111-2222-3333-4444-555555555555\n"
#define PROC "logsource:\n  product: linux\n  category: process_creation\n"

/* The error a text gives ("" when it loads), and its report. */
static const char *load(const char *text, char *report, size_t n)
{
	struct rg_ruleset *rs = NULL;
	err[0] = '\0';
	if (report)
		report[0] = '\0';
	if (!rg_rules_load_sigma_string(&rs, "t.yml", text, strlen(text), err, sizeof(err))) {
		if (report && rs->sigma_report)
			snprintf(report, n, "%s", rs->sigma_report);
		rg_rules_free(rs);
	}
	return err;
}

static void test_errors(void)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{"title: [unclosed\n", "t.yml:2: YAML: "},
		{"- a\n- b\n", "t.yml:1: sigma rule: not a Sigma rule (a YAML map)"},
		{"id: x\n" PROC "detection:\n  s:\n    Image: x\n  condition: s\n",
		 "t.yml:1: sigma rule: missing 'title'"},
		{HEAD PROC, "sigma rule: missing 'detection' (a map)"},
		{HEAD PROC "detection:\n  s:\n    Image: x\n", "the detection has no 'condition'"},
		{HEAD PROC "detection:\n  s:\n    Image: x\n  condition: s and\n",
		 "t.yml:9: sigma rule: condition 's and': the condition ends early"},
		{HEAD PROC "detection:\n  s:\n    Image: x\n  condition: s or t\n",
		 "condition 's or t': unknown name 't'"},
		{HEAD PROC "detection:\n  s:\n    Image:\n      - [a]\n  condition: s\n",
		 "t.yml:9: sigma rule: 'Image': a value must be a scalar"},
		{HEAD PROC "detection:\n  s: {}\n  condition: s\n", "an empty selection"},
		{HEAD PROC "detection:\n  s: 3\n  condition: 1 of x*\n", "'x*' names nothing"},
		{"", "t.yml: sigma rule: an empty file"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *got = load(bad[i].text, NULL, 0);
		if (!CHECK(strstr(got, bad[i].want) != NULL, bad[i].want))
			printf("#   got \"%s\"\n", got);
	}
}

static void test_skips(void)
{
	static const struct {
		const char *text, *want;
	} skipped[] = {
		{HEAD "logsource:\n  product: linux\n  service: sshd\n"
		      "detection:\n  k:\n    - x\n  condition: k\n",
		 "logsource service 'sshd': rand-guard does not read its logs"},
		{HEAD "logsource:\n  product: linux\n  category: dns_query\n"
		      "detection:\n  s:\n    QueryName: x\n  condition: s\n",
		 "logsource category 'dns_query' has no rand-guard events"},
		{HEAD "logsource:\n  product: linux\n"
		      "detection:\n  k:\n    - x\n  condition: k\n",
		 "logsource names no category"},
		{"title: t\n" PROC "detection:\n  s:\n    Image: x\n  condition: s\n", "no 'id'"},
		{HEAD "status: deprecated\n" PROC "detection:\n  s:\n    Image: x\n  condition: s\n",
		 "status 'deprecated'"},
		{HEAD PROC "detection:\n  s:\n    Image|expand: '%x%'\n  condition: s\n",
		 "modifier 'expand' is not supported"},
		{HEAD PROC "detection:\n  s:\n    OriginalFileName: x\n  condition: s\n",
		 "field 'OriginalFileName' has no rand-guard counterpart in process_creation"},
		{HEAD PROC "detection:\n  s:\n    ProcessId|contains: 1\n  condition: s\n",
		 "'ProcessId|contains': a text modifier on a numeric field"},
		{HEAD PROC "detection:\n  s:\n    ProcessId: abc\n  condition: s\n",
		 "'abc' is not a number"},
		{HEAD PROC "detection:\n  s:\n    Image|re: 'a('\n  condition: s\n",
		 "bad regular expression 'a('"},
		{HEAD PROC "detection:\n  s:\n    Image: x\n  timeframe: 5m\n  condition: s\n",
		 "'timeframe' (an aggregation) is not supported"},
		{HEAD PROC "detection:\n  s:\n    Image: x\n  condition: s | count() > 5\n",
		 "an aggregation in the condition"},
		{HEAD "logsource:\n  product: linux\n  service: auditd\n"
		      "detection:\n  s:\n    type: SYSCALL\n    SYSCALL: mknod\n  condition: s\n",
		 "syscall 'mknod' is not recorded"},
		{HEAD "logsource:\n  product: linux\n  service: auditd\n"
		      "detection:\n  s:\n    type: SYSCALL\n    a0: 26\n  condition: s\n",
		 "'a0': auditd's syscall arguments are not recorded"},
		{HEAD "logsource:\n  product: linux\n  service: auditd\n"
		      "detection:\n  s:\n    type|contains: EXEC\n    a0: x\n  condition: s\n",
		 "'type|contains': modifiers on 'type' are not supported"},
		{HEAD "logsource:\n  product: linux\n  service: auditd\n"
		      "detection:\n  s:\n    type: USER_TTY\n  condition: s\n",
		 "auditd record type 'USER_TTY' has no rand-guard counterpart"},
		{HEAD "logsource:\n  product: linux\n  service: auditd\n"
		      "detection:\n  k:\n    - x\n  condition: k\n",
		 "keywords (a search of the whole log line) have no counterpart in auditd"},
		{HEAD PROC "detection:\n  s:\n    Image: x\n  condition: s\n---\n" HEAD PROC
		      "detection:\n  s:\n    Image: y\n  condition: s\n",
		 "a multi-document rule collection is not supported"},
	};
	char report[1024];
	for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++) {
		const char *got = load(skipped[i].text, report, sizeof(report));
		if (!CHECK(!got[0] && strstr(report, skipped[i].want) &&
				   !strncmp(report, "t.yml", 5),
			   skipped[i].want))
			printf("#   got \"%s\" report \"%s\"\n", got, report);
	}
	/* another product: counted, not listed */
	struct rg_ruleset *rs = NULL;
	const char *win = HEAD "logsource:\n  product: windows\n  category: process_creation\n"
			       "detection:\n  s:\n    Image: x\n  condition: s\n";
	CHECK(!rg_rules_load_sigma_string(&rs, "w.yml", win, strlen(win), err, sizeof(err)) &&
		      rs->sigma_other == 1 && !rs->sigma_report && !rs->nrules,
	      "a rule for another product is counted, not listed");
	rg_rules_free(rs);
}

/* What a loaded rule becomes: its alert's names and the types it applies to. */
static void test_rule(void)
{
	struct rg_ruleset *rs = NULL;
	const char *text = HEAD "level: informational\ntags:\n  - attack.t1059\n  - attack.execution\n"
			   "logsource:\n  product: linux\n  service: auditd\n"
			   "detection:\n  s:\n    type: SYSCALL\n    SYSCALL: memfd_create\n"
			   "  condition: s\n";
	if (!CHECK(!rg_rules_load_sigma_string(&rs, "r.yml", text, strlen(text), err,
					       sizeof(err)), "an auditd SYSCALL rule loads"))
		return;
	const struct rg_rule *r = &rs->rules[0];
	CHECK_STR(r->id, "11111111-2222-3333-4444-555555555555", "the id is Sigma's");
	CHECK_STR(r->name, "t", "the name is its title");
	CHECK_STR(rg_severity_name(r->severity), "low", "informational is low");
	CHECK_STR(r->tags, "attack.t1059 attack.execution", "the tags");
	CHECK(r->sigma && !strcmp(r->file, "r.yml"), "a Sigma rule, from its file");
	CHECK_INT(r->types, RG_ET_BIT(RG_ET_MEMFD_CREATE),
		  "a syscall test narrows the rule to the events that carry it");
	rg_rules_free(rs);
}

static const char *decoded[128]; /* the names records carry, once each */
static unsigned ndecoded;

static void add_syscall(const char *name, void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < ndecoded; i++)
		if (!strcmp(decoded[i], name))
			return;
	if (ndecoded < 128)
		decoded[ndecoded++] = name;
}

static void test_syscalls(void)
{
	rg_decode_syscalls(add_syscall, NULL);
	unsigned known = 0, listed = 0;
	for (unsigned i = 0; i < ndecoded; i++) {
		known += sigma_syscall_types(decoded[i]) != 0;
		if (!sigma_syscall_types(decoded[i]))
			printf("#   %s: not in the Sigma mapping\n", decoded[i]);
	}
	for (const struct sigma_syscall *s = sigma_syscalls; s->name; s++)
		listed++;
	CHECK_INT(known, ndecoded, "every syscall a record carries is in the Sigma mapping");
	CHECK_INT(listed, ndecoded, "and the mapping lists no other");
}

int main(void)
{
	test_errors();
	test_skips();
	test_rule();
	test_syscalls();
	return tap_done();
}
