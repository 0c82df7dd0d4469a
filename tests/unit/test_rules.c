/* test_rules.c: the rule language, the lineage context and validation, on
 * synthetic events (no kernel needed); and the shipped rules on the
 * activity each is meant to catch. Every operator on a stream of events is
 * a case in tests/cases/rules/operators (tests/unit/test_cases.c). */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lineage.h"
#include "rules.h"
#include "tap.h"

static char err[512];
static char fired[1024]; /* ids of the rules that matched, space-separated */
static char summary[512];

static struct rg_str S(const char *s)
{
	return (struct rg_str){s, s ? (uint32_t)strlen(s) : 0};
}

static void on_match(void *arg, const struct rg_match *m)
{
	(void)arg;
	if (fired[0])
		strcat(fired, " ");
	strcat(fired, m->rule->id);
	snprintf(summary, sizeof(summary), "%s", m->summary);
}

static const char *eval(const struct rg_ruleset *rs, const struct rg_event *ev,
			const struct rg_lineage *lin)
{
	fired[0] = '\0';
	rg_rules_eval(rs, NULL, ev, lin, on_match, NULL, NULL);
	return fired;
}

static struct rg_ruleset *load(const char *text)
{
	struct rg_ruleset *rs = NULL;
	if (rg_rules_load_string(&rs, "t.rules", text, err, sizeof(err)))
		printf("# load failed: %s\n", err);
	return rs;
}

/* The error a text gives, or "" when it loads. */
static const char *load_error(const char *text)
{
	struct rg_ruleset *rs = NULL;
	err[0] = '\0';
	if (!rg_rules_load_string(&rs, "t.rules", text, err, sizeof(err)))
		rg_rules_free(rs);
	return err;
}

static struct rg_event file_ev(enum rg_etype t, const char *path, const char *exe)
{
	return (struct rg_event){.type = t, .seq = 7, .proc_id = 3, .parent_proc_id = 2,
				 .pid = 300, .uid = 1000, .exe = S(exe), .comm = S("cmd"),
				 .path = S(path), .syscall = "openat"};
}

#define LONG_TEXT32 "abcdefghijklmnopqrstuvwxyz012345"
#define LONG_TEXT LONG_TEXT32 LONG_TEXT32 LONG_TEXT32 LONG_TEXT32 LONG_TEXT32
#define RULE(id, body) "[rule \"" id "\"]\nname = " id "\nseverity = low\n" body "\n"

/* The summaries of the event types whose text carries a number. */
static void test_summaries(void)
{
	struct rg_ruleset *rs = load(
		RULE("EXIT", "events = process_exit\nmatch = exe equals /bin/x")
		RULE("REL", "events = process_relationship\nmatch = exe equals /bin/x")
		RULE("NET", "events = network_bind\nmatch = exe equals /bin/x"));
	CHECK(rs != NULL, "rules load");
	struct rg_event ev = {.type = RG_ET_PROCESS_EXIT, .proc_id = 7, .pid = 4294967295u,
			      .exe = S("/bin/x"), .exit_code = -2147483647 - 1};
	CHECK_STR(eval(rs, &ev, NULL), "EXIT", "exit");
	CHECK_STR(summary, "process_exit code -2147483648 by /bin/x (pid 4294967295)",
		  "summary of an exit: its code");
	ev.signal = 9;
	CHECK_STR(eval(rs, &ev, NULL), "EXIT", "exit by a signal");
	CHECK_STR(summary, "process_exit signal 9 by /bin/x (pid 4294967295)",
		  "summary of an exit by a signal");
	ev = (struct rg_event){.type = RG_ET_PROCESS_RELATIONSHIP, .proc_id = 7, .pid = 0,
			       .exe = S("/bin/x"), .child_pid = 77};
	CHECK_STR(eval(rs, &ev, NULL), "REL", "fork");
	CHECK_STR(summary, "process_relationship child pid 77 by /bin/x (pid 0)",
		  "summary of a fork");
	ev = (struct rg_event){.type = RG_ET_NET_BIND, .proc_id = 7, .pid = 3,
			       .exe = S("/bin/x"), .local_addr = S("::"), .local_port = 65535};
	CHECK_STR(eval(rs, &ev, NULL), "NET", "bind");
	CHECK_STR(summary, "network_bind :: port 65535 by /bin/x (pid 3)",
		  "summary of a bind: the local side");
	rg_rules_free(rs);
}

static void test_fields_and_exceptions(void)
{
	struct rg_ruleset *rs = load(
		RULE("MV", "events = file_rename\nmatch = path|new_path prefix /etc/systemd/system")
		RULE("EXC", "match = path prefix /etc\nexcept = exe in /usr/bin/dpkg\n"
			    "except = comm equals apt\nmore = apt-get")
		RULE("ARGV", "match = argv equals --reverse")
		RULE("Q", "match = path equals \"/tmp/a b\" \"/tmp/q\\\"\\x01\"")
		RULE("OFF", "enabled = false\nmatch = path prefix /"));
	CHECK(rs != NULL, "rules load");
	CHECK_INT(rs->nrules, 5, "five rules");
	CHECK_INT(rs->nenabled, 4, "one disabled");
	struct rg_event ev = file_ev(RG_ET_FILE_RENAME, "/tmp/x.service", "/usr/bin/mv");
	ev.new_path = S("/etc/systemd/system/x.service");
	CHECK_STR(eval(rs, &ev, NULL), "MV", "either of two fields (rename target)");
	CHECK_STR(summary, "file_rename /tmp/x.service -> /etc/systemd/system/x.service by "
		  "/usr/bin/mv (pid 300)", "summary of a rename");
	ev = file_ev(RG_ET_FILE_WRITE, "/etc/hosts", "/usr/bin/vi");
	CHECK_STR(eval(rs, &ev, NULL), "EXC", "no exception applies");
	ev.exe = S("/usr/bin/dpkg");
	CHECK_STR(eval(rs, &ev, NULL), "", "an exception on exe");
	ev.exe = S("/usr/bin/x");
	ev.comm = S("apt-get");
	CHECK_STR(eval(rs, &ev, NULL), "", "an exception whose list continues on a 'more' line");
	struct rg_event ex = {.type = RG_ET_PROCESS_START, .proc_id = 5, .pid = 5,
			      .exe = S("/usr/bin/nc"),
			      .argv = {"nc\0--reverse\0host\0", 18}};
	CHECK_STR(eval(rs, &ex, NULL), "ARGV", "argv matches any one argument");
	CHECK_STR(summary, "process_start nc --reverse host by /usr/bin/nc (pid 5)",
		  "summary of an exec");
	ev = file_ev(RG_ET_FILE_OPEN, "/tmp/a b", "/x");
	CHECK_STR(eval(rs, &ev, NULL), "Q", "a quoted value keeps its space");
	ev.path = S("/tmp/q\"\x01");
	CHECK_STR(eval(rs, &ev, NULL), "Q", "escapes in a quoted value");
	rg_rules_free(rs);
}

/* nocase folds A-Z and nothing else: not the bytes beside them ('@', '[',
 * '`', '{'), nor a byte past ASCII whose low seven bits are a letter's;
 * the text is long enough to be folded a word at a time and a byte at a
 * time. */
static void test_nocase(void)
{
	struct rg_ruleset *rs = load(RULE(
		"NC", "match = path nocase equals \"/tmp/@[`{\\xc1\\xdaabcz/@[`{\\xc1\\xda/q\""));
	CHECK(rs != NULL, "rules load");
	struct rg_event ev = file_ev(RG_ET_FILE_OPEN, "/TMP/@[`{\xc1\xda" "ABCZ/@[`{\xc1\xda/Q", "/x");
	CHECK_STR(eval(rs, &ev, NULL), "NC", "upper case ASCII letters fold");
	ev.path = S("/tmp/`{@[\xc1\xda" "abcz/@[`{\xc1\xda/q");
	CHECK_STR(eval(rs, &ev, NULL), "", "'@' and '[' do not fold to '`' and '{'");
	ev.path = S("/tmp/@[`{\xe1\xda" "abcz/@[`{\xc1\xda/q");
	CHECK_STR(eval(rs, &ev, NULL), "", "a byte past ASCII is not folded (word)");
	ev.path = S("/tmp/@[`{\xc1\xda" "abcz/@[`{\xc1\xfa/q");
	CHECK_STR(eval(rs, &ev, NULL), "", "a byte past ASCII is not folded (tail)");
	ev.path = S("/tmp/@[`{\xc1\xda" "abcz/@[`{\xc1\xdaq");
	CHECK_STR(eval(rs, &ev, NULL), "", "a different text does not match");
	rg_rules_free(rs);
}

/* The prefilter walks a value every few positions (prefilter.c): a text
 * is found wherever it starts, of the shortest length or longer, at the
 * value's start, middle or end. */
static void test_prefilter_offsets(void)
{
	struct rg_ruleset *rs = load(
		RULE("SHORT", "match = path contains qwerty")
		RULE("LONG", "match = path nocase contains ZXCVBNMASDFG"));
	CHECK(rs != NULL, "rules load");
	char path[64];
	bool all = true;
	for (int at = 0; at <= 20; at++) {
		memset(path, 'x', sizeof(path));
		memcpy(path + at, "qwerty", 6);
		path[at + 6 + (at % 3) * 7] = '\0';
		struct rg_event ev = file_ev(RG_ET_FILE_OPEN, path, "/x");
		all &= !strcmp(eval(rs, &ev, NULL), "SHORT");
		memcpy(path + at, "zxCVBnmasdfg", 12);
		path[at + 12 + (at % 3) * 5] = '\0';
		ev = file_ev(RG_ET_FILE_OPEN, path, "/x");
		all &= !strcmp(eval(rs, &ev, NULL), "LONG");
		path[at + 11] = '\0';
		ev = file_ev(RG_ET_FILE_OPEN, path, "/x");
		all &= !strcmp(eval(rs, &ev, NULL), "");
	}
	CHECK(all, "a text is found at every offset; one byte short is not");
	rg_rules_free(rs);
}

/* A glob's literal part is a text the prefilter looks for (prefilter.c):
 * what a glob matches is never filtered out. Each rule has one glob (a
 * head, a tail, runs between wildcards, brackets, an escape, '?', a value
 * without wildcards, nocase); every path goes through them all and fires
 * exactly the rules whose glob fnmatch says matches it (rg_path_glob's
 * meaning: the whole path with FNM_PATHNAME for a pattern with '/', the
 * base name otherwise), paths that hold a literal part but do not match
 * among them. */
static void test_prefilter_globs(void)
{
	static const struct {
		const char *pattern;
		bool nocase;
	} globs[] = {
		{"*.pem", false}, {"id_*", false}, {"/home/*/.config/systemd/user/*", false},
		{"/etc/cron.?/*job", false}, {"authorized_keys", false}, {"[!.]*rc.local", false},
		{"x\\*yz", false}, {"*abc[de]fgh", false}, {"ab?cd*efghij", false},
		{"/srv/a]b*/zzzz", false}, {"*.bash_history", true}, {"/opt/*/*/lib*.so", false},
		{"/var/[abcdefgh]xy", false},
	};
	enum { N = sizeof(globs) / sizeof(globs[0]) };
	char text[4096] = "";
	for (unsigned i = 0; i < N; i++) {
		char rule[256], value[128];
		size_t k = 0;
		for (const char *c = globs[i].pattern; *c; c++) { /* a quoted rule value */
			if (*c == '\\' || *c == '"')
				value[k++] = '\\';
			value[k++] = *c;
		}
		value[k] = '\0';
		snprintf(rule, sizeof(rule), "[rule \"G%u\"]\nname = g\nseverity = low\n"
			 "match = path %sglob \"%s\"\n", i, globs[i].nocase ? "nocase " : "", value);
		strcat(text, rule);
	}
	static const char *const paths[] = {
		"/etc/ssl/x.pem", "/etc/ssl/x.pem.bak", "/root/.ssh/id_rsa", "/root/.ssh/xid_rsa",
		"/home/u/.config/systemd/user/a.service", "/home/.config/systemd/user/a",
		"/home/u/v/.config/systemd/user/a", "/etc/cron.d/nightjob", "/etc/cron.dd/job",
		"/q/authorized_keys", "/q/authorized_keys2", "/etc/rc.local", "/etc/.rc.local",
		"/etc/xrc.local", "/x*yz", "/xqyz", "/x\\*yz", "/tmp/qabcdfgh", "/tmp/abcfgh",
		"/tmp/abcffgh", "/abXcdZZefghij", "/abcdefghij", "/ab/cdefghij", "/srv/a]bq/zzzz",
		"/srv/a]b/q/zzzz", "/home/U/.BASH_HISTORY", "/home/u/.bash_history.old",
		"/opt/a/b/libx.so", "/opt/a/libx.so", "/opt/a/b/c/libx.so", "/var/axy", "/var/abxy",
		"/", "",
	};
	struct rg_ruleset *rs = load(text);
	CHECK(rs != NULL, "glob rules load");
	bool all = rs != NULL;
	for (size_t p = 0; rs && p < sizeof(paths) / sizeof(paths[0]); p++) {
		char want[256] = "", folded[128], *base;
		for (unsigned i = 0; i < N; i++) {
			snprintf(folded, sizeof(folded), "%s", paths[p]);
			for (char *c = folded; globs[i].nocase && *c; c++)
				*c = (char)(*c >= 'A' && *c <= 'Z' ? *c | 0x20 : *c);
			base = strrchr(folded, '/') ? strrchr(folded, '/') + 1 : folded;
			bool whole = strchr(globs[i].pattern, '/') != NULL;
			if (fnmatch(globs[i].pattern, whole ? folded : base, whole ? FNM_PATHNAME : 0))
				continue;
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%sG%u",
				 want[0] ? " " : "", i);
		}
		struct rg_event ev = file_ev(RG_ET_FILE_OPEN, paths[p], "/x");
		const char *got = eval(rs, &ev, NULL);
		if (strcmp(got, want)) {
			all = false;
			printf("#   %s: got \"%s\", want \"%s\"\n", paths[p], got, want);
		}
	}
	CHECK(all, "a path fires exactly the globs that match it (none filtered out)");
	rg_rules_free(rs);
}

/* The prefilter keeps what recent values' scans found (prefilter.c): a
 * value met again, among many others that take its slot and give it back,
 * in another case, longer than what is kept, or finding more rules than a
 * slot holds, fires what it fired the first time; and a rule set never
 * takes another's scans (both have one source, in the same place). */
#define OPEN "events = file_open\n"
static void test_prefilter_memo(void)
{
	char text[2048] = "";
	strcat(text, RULE("N", OPEN "match = exe nocase suffix /TOOL")
		     RULE("C", OPEN "match = exe suffix /tool") RULE("S", OPEN "match = comm equals zsh"));
	for (int i = 0; i < 6; i++) { /* with N and C, eight rules find "/usr/bin/tool" */
		char r[128];
		snprintf(r, sizeof(r), RULE("M%d", OPEN "match = exe contains /bin/too"), i, i);
		strcat(text, r);
	}
	struct rg_ruleset *rs = load(text);
	static const char *const all = "N C M0 M1 M2 M3 M4 M5";
	char longer[128] = "/opt/";
	memset(longer + 5, 'x', 70);
	strcpy(longer + 75, "/bin/tool");
	bool ok = rs != NULL;
	for (int i = 0; ok && i < 600; i++) { /* other values, in every slot */
		char exe[32];
		snprintf(exe, sizeof(exe), "/usr/bin/x%03d", i % 200); /* as long as "/usr/bin/tool" */
		struct rg_event ev = file_ev(RG_ET_FILE_OPEN, "/etc/hosts", exe);
		ev.comm = S(i % 2 ? "zsh" : "sh");
		ok &= !strcmp(eval(rs, &ev, NULL), i % 2 ? "S" : "");
		for (int again = 0; !(i % 25) && again < 2; again++) {
			ev.exe = S("/usr/bin/tool");
			ok &= !strcmp(eval(rs, &ev, NULL), i % 2 ? "N C S M0 M1 M2 M3 M4 M5" : all);
			ev.exe = S("/USR/BIN/TOOL");
			ok &= !strcmp(eval(rs, &ev, NULL), i % 2 ? "N S" : "N");
			ev.exe = S(longer);
			ok &= !strcmp(eval(rs, &ev, NULL), i % 2 ? "N C S M0 M1 M2 M3 M4 M5" : all);
		}
	}
	CHECK(ok, "a value met again fires what it fired first");
	rg_rules_free(rs);
	struct rg_ruleset *a = load(RULE("A", OPEN "match = exe suffix /tool"));
	struct rg_ruleset *b = load(RULE("B", OPEN "match = exe suffix /other"));
	ok = a && b;
	for (int i = 0; ok && i < 2; i++) {
		struct rg_event ev = file_ev(RG_ET_FILE_OPEN, "/etc/hosts", "/usr/bin/other");
		ok &= !strcmp(eval(a, &ev, NULL), "") && !strcmp(eval(b, &ev, NULL), "B");
		ev.exe = S("/usr/bin/tool");
		ok &= !strcmp(eval(b, &ev, NULL), "") && !strcmp(eval(a, &ev, NULL), "A");
	}
	CHECK(ok, "one rule set's scans are not another's");
	rg_rules_free(a);
	rg_rules_free(b);
}

/* A text of one or two bytes is looked for byte by byte (prefilter.c: memchr
 * or a two-byte compare), at
 * any place in the value, and leaves the walk for the longer texts of the
 * same field as it was. */
static void test_prefilter_short(void)
{
	struct rg_ruleset *rs = load(RULE("TWO", "match = path nocase contains Qz")
				     RULE("ONE", "match = comm equals w")
				     RULE("LONG", "match = path contains qwertyuiop"));
	CHECK(rs != NULL, "rules load");
	char path[64];
	bool all = rs != NULL;
	for (int at = 0; rs && at <= 20; at++) {
		memset(path, 'x', sizeof(path));
		memcpy(path + at, "qZ", 2);
		path[at + 2 + (at % 3) * 5] = '\0';
		struct rg_event ev = file_ev(RG_ET_FILE_OPEN, path, "/x");
		all &= !strcmp(eval(rs, &ev, NULL), "TWO");
		memcpy(path + at, "qwertyuiop", 10);
		path[at + 10 + (at % 3) * 5] = '\0';
		ev = file_ev(RG_ET_FILE_OPEN, path, "/x");
		all &= !strcmp(eval(rs, &ev, NULL), "LONG");
		path[at + 1] = '\0';
		ev = file_ev(RG_ET_FILE_OPEN, path, "/x");
		ev.comm = S(at % 2 ? "w" : "ww");
		all &= !strcmp(eval(rs, &ev, NULL), at % 2 ? "ONE" : "");
	}
	CHECK(all, "short texts are found anywhere; the long text's walk is unchanged");
	rg_rules_free(rs);
}

/* The prefilter reads an event's text field in place (prefilter.c): a
 * C-string field too, and a null one (no value) finds nothing. */
static void test_prefilter_cstr(void)
{
	struct rg_ruleset *rs = load(RULE("TCP", "match = protocol equals tcp")
				     RULE("SYS", "match = syscall nocase contains AT"));
	CHECK(rs != NULL, "rules load");
	struct rg_event ev = {.type = RG_ET_NET_CONNECT, .proc_id = 3, .pid = 3,
			      .exe = S("/x"), .protocol = "tcp", .syscall = "connect"};
	CHECK_STR(eval(rs, &ev, NULL), "TCP", "a C-string field's text");
	ev.protocol = "udp";
	ev.syscall = "sendto";
	CHECK_STR(eval(rs, &ev, NULL), "", "another text");
	ev.protocol = NULL;
	ev.syscall = "openAT";
	CHECK_STR(eval(rs, &ev, NULL), "SYS", "a null field has no value; nocase on a C string");
	rg_rules_free(rs);
}

/* equals over a list compares only the values of the text's length
 * (eval.c), folding a nocase text only for those. */
static void test_equals_list(void)
{
	struct rg_ruleset *rs = load(RULE("NC", "match = comm nocase in ab ABC abcd \"\"")
				     RULE("CS", "match = exe in /bin/A /bin/ab /bin/abc"));
	CHECK(rs != NULL, "rules load");
	static const struct {
		const char *comm, *exe, *want;
	} cases[] = {
		{"aBc", "/bin/ab", "NC CS"}, {"ABCD", "/bin/AB", "NC"}, {"abcde", "/bin/A", "CS"},
		{"abd", "/bin/a", ""},      {"", "/bin/abcd", "NC"}, {"x", "/bin/abc", "CS"},
	};
	for (size_t i = 0; rs && i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rg_event ev = file_ev(RG_ET_FILE_OPEN, "/etc/hosts", cases[i].exe);
		ev.comm = S(cases[i].comm);
		char what[64];
		snprintf(what, sizeof(what), "comm '%s', exe %s", cases[i].comm, cases[i].exe);
		CHECK_STR(eval(rs, &ev, NULL), cases[i].want, what);
	}
	rg_rules_free(rs);
}

/* equals skips a list when no value has the text's length modulo 64
 * (rg_cond.lenbits): lengths 1, 65 and 129 share a bit, and only the
 * value's own length is equal. */
static void test_equals_lengths(void)
{
	char v65[66], v129[130];
	memset(v65, 'a', 65);
	v65[65] = '\0';
	memset(v129, 'a', 129);
	v129[129] = '\0';
	char text[256];
	snprintf(text, sizeof(text), RULE("LEN", "match = comm in a %s"), v65);
	struct rg_ruleset *rs = load(text);
	CHECK(rs != NULL, "rules load");
	static const char *const comms[] = {"a", "aa", "b", NULL, NULL, NULL};
	const char *want[] = {"LEN", "", "", "LEN", "", ""};
	const char *cs[] = {comms[0], comms[1], comms[2], v65, v129, v65 + 1};
	for (size_t i = 0; rs && i < sizeof(cs) / sizeof(cs[0]); i++) {
		struct rg_event ev = file_ev(RG_ET_FILE_OPEN, "/etc/hosts", "/x");
		ev.comm = S(cs[i]);
		char what[64];
		snprintf(what, sizeof(what), "comm of %zu bytes ('%c...')", strlen(cs[i]), cs[i][0]);
		CHECK_STR(eval(rs, &ev, NULL), want[i], what);
	}
	rg_rules_free(rs);
}

/* prefix, suffix and a path's prefix test a byte before their compare
 * (eval.c): a path prefix is whole components ("/" holds of any absolute
 * path), a text prefix and suffix any bytes, the empty one every text. */
static void test_prefix_suffix(void)
{
	struct rg_ruleset *rs = load(RULE("PP", "match = path prefix /etc/ssh /var")
				     RULE("ROOT", "match = new_path prefix /")
				     RULE("PRE", "match = comm prefix ab xyz")
				     RULE("SUF", "match = exe suffix /sh .py"));
	CHECK(rs != NULL, "rules load");
	static const struct {
		const char *path, *comm, *exe, *want;
	} cases[] = {
		{"/etc/ssh", "ab", "/bin/sh", "PP PRE SUF"},
		{"/etc/ssh/sshd_config", "abc", "x.py", "PP PRE SUF"},
		{"/etc/sshd", "a", "/bin/bash", ""},
		{"/etc/ss", "xy", "sh", ""},
		{"/var/x", "xyzzy", "/sh", "PP PRE SUF"},
		{"/varx", "bab", ".py", "SUF"},
		{"/vaq", "", "/bin/shx", ""},
	};
	for (size_t i = 0; rs && i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rg_event ev = file_ev(RG_ET_FILE_OPEN, cases[i].path, cases[i].exe);
		ev.comm = S(cases[i].comm);
		char what[96];
		snprintf(what, sizeof(what), "path %s, comm '%s', exe %s", cases[i].path,
			 cases[i].comm, cases[i].exe);
		CHECK_STR(eval(rs, &ev, NULL), cases[i].want, what);
	}
	struct rg_event ev = file_ev(RG_ET_FILE_RENAME, "/a", "/x");
	ev.new_path = S("/b");
	CHECK_STR(eval(rs, &ev, NULL), "ROOT", "'/' is a prefix of any absolute path");
	ev.new_path = S("b");
	CHECK_STR(eval(rs, &ev, NULL), "", "not of a relative one");
	rg_rules_free(rs);
	rs = load(RULE("EP", "match = comm prefix \"\"") RULE("ES", "match = comm suffix \"\""));
	CHECK(rs != NULL, "empty values load");
	ev = file_ev(RG_ET_FILE_OPEN, "/x", "/x");
	ev.comm = S("");
	CHECK_STR(eval(rs, &ev, NULL), "EP ES", "the empty prefix and suffix hold of an empty text");
	ev.comm = S("abc");
	CHECK_STR(eval(rs, &ev, NULL), "EP ES", "and of any text");
	rg_rules_free(rs);
}

/* A path glob reads what fnmatch would see of the path, up to a NUL
 * (eval.c test_path_glob copies it only for fnmatch): a base name, a
 * whole path, a literal name, and a tail only past the NUL. */
static void test_glob_nul(void)
{
	struct rg_ruleset *rs = load(RULE("BASE", "match = path glob *.pem")
				     RULE("WHOLE", "match = path glob /tmp/*.pem")
				     RULE("LIT", "match = path glob a.pem")
				     RULE("PAST", "match = path glob *.x"));
	CHECK(rs != NULL, "rules load");
	static const char text[] = "/tmp/a.pem\0.x";
	struct rg_event ev = file_ev(RG_ET_FILE_OPEN, "/", "/x");
	ev.path = (struct rg_str){text, sizeof(text) - 1};
	CHECK_STR(eval(rs, &ev, NULL), "BASE WHOLE LIT", "the path up to its NUL");
	ev.path = S("/tmp/d/a.pem.x");
	CHECK_STR(eval(rs, &ev, NULL), "PAST", "a name ending .x; a directory between");
	ev.path = S("a.pem");
	CHECK_STR(eval(rs, &ev, NULL), "BASE LIT", "a path without a slash is its base name");
	rg_rules_free(rs);
}

/* argN reads an argument by position from argv split once an event
 * (eval.c visit_arg): the next event's argv, though at the same address,
 * is split anew; an empty argument counts; arg31 is the 32nd. */
static void test_args(void)
{
	struct rg_ruleset *rs = load(RULE("A1", "events = process_start\nmatch = arg1 equals -x")
				     RULE("A2", "events = process_start\nmatch = arg2 equals y")
				     RULE("A31", "events = process_start\nmatch = arg31 equals z"));
	CHECK(rs != NULL, "rules load");
	char argv[128];
	struct rg_event ev = {.type = RG_ET_PROCESS_START, .proc_id = 3, .pid = 3, .exe = S("/x")};
	memcpy(argv, "sh\0-x\0y", 8);
	ev.argv = (struct rg_str){argv, 8};
	CHECK_STR(eval(rs, &ev, NULL), "A1 A2", "arg1 and arg2");
	memcpy(argv, "\0\0\0-x\0y", 8);
	CHECK_STR(eval(rs, &ev, NULL), "", "the same place and length, another argv: empty args");
	memcpy(argv, "sh\0\0-x\0y", 9);
	ev.argv = (struct rg_str){argv, 9};
	CHECK_STR(eval(rs, &ev, NULL), "", "an empty arg1: arg2 is -x, arg3 y");
	size_t n = 0;
	for (int i = 0; i < 33; i++) {
		argv[n++] = i == 31 ? 'z' : 'a';
		argv[n++] = '\0';
	}
	ev.argv = (struct rg_str){argv, (uint32_t)n};
	CHECK_STR(eval(rs, &ev, NULL), "A31", "arg31 of 33 arguments");
	ev.argv = (struct rg_str){argv, 62};
	CHECK_STR(eval(rs, &ev, NULL), "", "31 arguments have no arg31");
	rg_rules_free(rs);
}

/* A condition on the event's own number or text reads it in place
 * (eval.c own_value): a null field has no value, so a condition on it
 * does not hold and its `not` does; a zero that means "unknown" is null. */
static void test_own_values(void)
{
	struct rg_ruleset *rs = load(RULE("NOTTCP", "events = network_connect\n"
						    "match = protocol not equals tcp")
				     RULE("PPID", "events = network_connect\n"
						  "match = ppid lt 5\nexcept = remote_port equals 53"));
	CHECK(rs != NULL, "rules load");
	struct rg_event ev = {.type = RG_ET_NET_CONNECT, .proc_id = 3, .pid = 3, .ppid = 1,
			      .exe = S("/x"), .protocol = "tcp", .remote_port = 443};
	CHECK_STR(eval(rs, &ev, NULL), "PPID", "tcp, a known parent, port 443");
	ev.protocol = NULL;
	ev.remote_port = 53;
	CHECK_STR(eval(rs, &ev, NULL), "NOTTCP", "a null text: its `not` holds; port 53 excepted");
	ev.protocol = "udp";
	ev.ppid = 0;
	ev.remote_port = 80;
	CHECK_STR(eval(rs, &ev, NULL), "NOTTCP", "ppid 0 is unknown: 'lt 5' has no value");
	rg_rules_free(rs);
}

/* nginx (1) forks 2, which execs sh; sh forks 3, which execs cat and opens
 * a file; 4 is an unrelated root process. */
static void test_lineage(void)
{
	struct rg_lineage *lin = rg_lineage_new(64);
	struct rg_process boot = {.proc_id = 1, .pid = 100, .comm = S("nginx"),
				  .exe = S("/usr/sbin/nginx"),
				  .argv = {"nginx\0-g\0daemon off;\0", 22}, .auid = 1001};
	rg_lineage_process(lin, &boot);
	struct rg_event fork1 = {.type = RG_ET_PROCESS_RELATIONSHIP, .proc_id = 1, .pid = 100,
				 .comm = S("nginx"), .exe = S("/usr/sbin/nginx"),
				 .child_proc_id = 2, .child_pid = 200, .uid = 33};
	rg_lineage_event(lin, &fork1);
	const struct rg_lproc *c = rg_lineage_get(lin, 2);
	CHECK(c && c->parent_proc_id == 1 && c->exe.len == 15 && c->auid == 1001,
	      "a forked child has its parent's image and auid");
	struct rg_event exec2 = {.type = RG_ET_PROCESS_START, .proc_id = 2, .pid = 200,
				 .parent_proc_id = 1, .comm = S("sh"), .exe = S("/usr/bin/dash"),
				 .argv = {"sh\0-c\0id\0", 9}, .uid = 33, .auid = 1001};
	rg_lineage_event(lin, &exec2);
	struct rg_event fork2 = {.type = RG_ET_PROCESS_RELATIONSHIP, .proc_id = 2, .pid = 200,
				 .child_proc_id = 3, .child_pid = 300, .uid = 33};
	rg_lineage_event(lin, &fork2);
	struct rg_event exec3 = {.type = RG_ET_PROCESS_START, .proc_id = 3, .pid = 300,
				 .parent_proc_id = 2, .comm = S("cat"), .exe = S("/usr/bin/cat"),
				 .argv = {"cat\0/etc/shadow\0", 16}, .uid = 33, .auid = 1001};
	rg_lineage_event(lin, &exec3);

	struct rg_ruleset *rs = load(
		RULE("PARENT", "events = process_start\nmatch = parent_exe equals /usr/bin/dash\n"
			       "match = parent_cmdline equals \"sh -c id\"")
		RULE("ANC", "events = process_start\nmatch = ancestor_comm equals nginx")
		RULE("NOTANC", "events = process_start\nmatch = ancestor_comm not equals nginx")
		RULE("CTX", "events = file_open\nmatch = cmdline contains /etc/shadow\n"
			    "match = auid equals 1001\nmatch = parent_comm equals sh"));
	CHECK(rs != NULL, "context rules load");
	CHECK_STR(eval(rs, &exec2, lin), "ANC", "the shell's exec: its parent is the web server");
	CHECK_STR(eval(rs, &exec3, lin), "PARENT ANC",
		  "parent fields are the parent's at exec time; any ancestor");
	struct rg_event open3 = file_ev(RG_ET_FILE_OPEN, "/etc/shadow", "/usr/bin/cat");
	open3.parent_proc_id = 2;
	CHECK_STR(eval(rs, &open3, lin), "CTX",
		  "cmdline, auid and parent on a file event come from the lineage");
	struct rg_event other = {.type = RG_ET_PROCESS_START, .proc_id = 4, .pid = 400,
				 .parent_proc_id = 0, .exe = S("/bin/ls")};
	rg_lineage_event(lin, &other);
	CHECK_STR(eval(rs, &other, lin), "NOTANC", "no ancestor known: 'not' holds");
	rg_rules_free(rs);

	/* a credential change: the process's later events see the new ids */
	rs = load(RULE("NOBODY", "events = file_open\nmatch = euid equals 65534"));
	struct rg_event open3b = open3;
	open3b.proc_id = 3;
	CHECK_STR(eval(rs, &open3b, lin), "", "before setuid: euid 0");
	struct rg_event cred3 = {.type = RG_ET_CRED_CHANGE, .proc_id = 3, .pid = 300,
				 .uid = 65534, .euid = 65534, .old_uid = 0, .old_euid = 0};
	rg_lineage_event(lin, &cred3);
	CHECK_STR(eval(rs, &open3b, lin), "NOBODY", "after setuid: the new euid");
	rg_rules_free(rs);

	/* a child of a process the lineage never knew: euid/auid unknown */
	struct rg_event fork9 = {.type = RG_ET_PROCESS_RELATIONSHIP, .proc_id = 90, .pid = 900,
				 .comm = S("x"), .exe = S("/x"), .child_proc_id = 91, .uid = 5};
	rg_lineage_event(lin, &fork9);
	c = rg_lineage_get(lin, 91);
	CHECK(c && !c->creds_known && c->uid == 5, "an unknown parent lends its uid, not euid/auid");
	rs = load(RULE("ROOT", "events = file_open\nmatch = auid|euid equals 0")
		  RULE("NOTROOT", "events = file_open\nmatch = euid not equals 0"));
	struct rg_event open9 = file_ev(RG_ET_FILE_OPEN, "/etc/shadow", "/x");
	open9.proc_id = 91;
	CHECK_STR(eval(rs, &open9, lin), "NOTROOT", "unknown euid/auid are not 0: they fail tests");
	rg_rules_free(rs);

	/* bounded: the oldest exited process goes first */
	struct rg_lineage *small = rg_lineage_new(4);
	for (int64_t id = 1; id <= 10; id++) {
		struct rg_event e = {.type = RG_ET_PROCESS_START, .proc_id = id, .exe = S("/x")};
		rg_lineage_event(small, &e);
		if (id == 2) {
			e.type = RG_ET_PROCESS_EXIT;
			rg_lineage_event(small, &e);
		}
	}
	CHECK_INT(rg_lineage_evictions(small), 6, "evictions are counted");
	CHECK(rg_lineage_get(small, 10) && rg_lineage_get(small, 7) && !rg_lineage_get(small, 2),
	      "the newest stay, the exited one went first");
	/* 7 is the oldest live one; when it forks it is touched, so the
	 * child's add evicts 8, not its parent */
	struct rg_event f7 = {.type = RG_ET_PROCESS_RELATIONSHIP, .proc_id = 7, .child_proc_id = 11,
			      .exe = S("/x")};
	rg_lineage_event(small, &f7);
	CHECK(rg_lineage_get(small, 7) && rg_lineage_get(small, 11) && !rg_lineage_get(small, 8),
	      "a forking parent is not evicted for its child; the least active goes");
	rg_lineage_free(small);
	rg_lineage_free(lin);
}

static void test_validation(void)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{RULE("A", "match = nosuch equals 1"), "t.rules:4: rule \"A\": unknown field 'nosuch'"},
		{RULE("A", "match = path like /x"), "t.rules:4: rule \"A\": unknown operator 'like'"},
		{RULE("A", "match = pid equals abc"), "t.rules:4: rule \"A\": 'abc' is not a number"},
		{RULE("A", "match = pid prefix 1"), "operator 'prefix' does not apply to numeric"},
		{RULE("A", "match = path lt 1"), "operator 'lt' does not apply to text"},
		{RULE("A", "match = path prefix etc"), "path prefix 'etc' is not absolute"},
		{RULE("A", "match = path equals"), "has no value"},
		{RULE("A", "match = path equals \"open"), "unterminated quote"},
		{RULE("A", "events = process_start\nmatch = path prefix /etc"),
		 "t.rules:5: rule \"A\": field 'path' does not exist on process_start events"},
		{RULE("A", "events = file_opened\nmatch = path prefix /"), "unknown event type"},
		{RULE("A", "events =\nmatch = path prefix /"), "'events' names no event type"},
		{RULE("A", "match = path prefix /\nseverity = high"), "duplicate key 'severity'"},
		{RULE("A", "match = path prefix /") RULE("A", "match = path prefix /"),
		 "t.rules:5: rule \"A\": duplicate id (first defined at t.rules:1)"},
		{RULE("A", "colour = red"), "t.rules:4: rule \"A\": unknown key 'colour'"},
		{"[rule \"A\"]\nseverity = low\nmatch = path prefix /\n", "missing 'name'"},
		{"[rule \"A\"]\nname = a\nmatch = path prefix /\n", "missing 'severity'"},
		{RULE("A", "severity = urgent"), "duplicate key 'severity'"},
		{"[rule \"A\"]\nname = a\nseverity = urgent\n", "bad severity 'urgent'"},
		{RULE("A", "except = exe equals /x"), "needs at least one 'match'"},
		{RULE("A", "more = /x"), "'more' must follow"},
		{RULE("A", "enabled = maybe\nmatch = path prefix /"), "'enabled' must be true or false"},
		{"[rule \"bad id!\"]\n", "bad rule id"},
		{"[rules]\n", "t.rules:1: unknown section [rules]"},
		{"name = x\n", "key outside a [rule \"ID\"] section"},
		{RULE("A", " match = path prefix /"), "line starts with whitespace"},
		{RULE("A", "match = path|pid equals 1"), "differ in kind"},
		{RULE("A", "match = path| prefix /etc"), "bad field list 'path|'"},
		{RULE("A", "match = |path prefix /etc"), "bad field list '|path'"},
		{RULE("A", "match = \"\" equals x"), "bad field list ''"},
		{RULE("A", "match = path prefix /etc\nmore ="), "t.rules:5: rule \"A\": 'more' has no value"},
		{RULE("A", "events = file_open\nevents = file_write\nmatch = path prefix /"),
		 "t.rules:5: rule \"A\": duplicate key 'events' (first set on line 4)"},
		{RULE("A", "match = path glob etc/*.conf"), "path glob 'etc/*.conf' has a '/' but is not absolute"},
		{RULE("A", "match = comm glob \"a\\x00b\""), "a glob cannot hold a NUL byte"},
		{RULE("A", "match = mode anybits 0644"), "'0644' is not a number (field 'mode'; decimal, 0x hex or 0o octal)"},
		{RULE("A", "match = auid equals -1"), "-1 is out of range for field 'auid' (0 to 4294967295)"},
		{RULE("A", "match = pid equals 4294967296"), "out of range for field 'pid'"},
		{RULE("A", "match = exit_code equals 2147483648"), "out of range for field 'exit_code'"},
		{RULE("A", "match = path_truncated equals 2"), "out of range for field 'path_truncated' (0 to 1)"},
		{RULE("A", "match = seq equals 9223372036854775808"), "is not a number"},
		{RULE("A", "match = result equals -9223372036854775809"), "is not a number"},
		{RULE("A", "match = pid equals \" 1\""), "is not a number"},
		{RULE("A", "match = pid equals 0x"), "is not a number"},
		{RULE("A", "match = pid equals --1"), "is not a number"},
		/* condition expressions, regular expressions, CIDR, modifiers */
		{RULE("A", "when = a: exe equals /x"), "t.rules:4: rule \"A\": 'when = a: ...' is named by no 'condition'"},
		{RULE("A", "when = a: exe equals /x\ncondition = a or b"), "t.rules:5: rule \"A\": condition 'a or b': unknown name 'b'"},
		{RULE("A", "when = a: exe equals /x\ncondition = (a"), "missing ')'"},
		{RULE("A", "when = a: exe equals /x\ncondition = a and"), "the condition ends early"},
		{RULE("A", "when = a: exe equals /x\ncondition = a b"), "unexpected 'b'"},
		{RULE("A", "when = a: exe equals /x\ncondition = 2 of a*"), "'2 of a*': only 1 match"},
		{RULE("A", "when = a: exe equals /x\ncondition = 1 of z*"), "'z*' names nothing"},
		{RULE("A", "when = a: exe equals /x\ncondition = 0 of a"), "'0 of' never holds"},
		{RULE("A", "when = a: exe equals /x\ncondition = a\ncondition = a"), "duplicate key 'condition'"},
		{RULE("A", "when = exe equals /x"), "'when' needs NAME: CONDITION"},
		{RULE("A", "when = a: child_pid equals 1\nevents = file_open\ncondition = a"), "no event type of the rule has 'child_pid equals 1'"},
		{RULE("A", "events = process_start\nwhen = a: path equals /x\ncondition = a"), "no event type of the rule has 'path equals /x'"},
		{RULE("A", "match = cmdline regex \"a(\""), "t.rules:4: rule \"A\": bad regular expression 'a(': missing closing parenthesis"},
		{RULE("A", "match = remote_addr cidr 10.0.0.0/33"), "bad CIDR block '10.0.0.0/33'"},
		{RULE("A", "match = remote_addr cidr nonsense"), "bad CIDR block 'nonsense'"},
		{RULE("A", "match = pid nocase equals 1"), "'nocase' applies to text fields, not 'pid'"},
		{RULE("A", "match = exe exists /x"), "'exists' takes no value"},
		{RULE("A", "match = exe not not equals /x"), "'not' twice"},
		{RULE("A", "match = exe nocase"), "'nocase' without an operator"},
		/* an open quote after a modifier: the token grows past where the
		 * modifier's name was (ASan builds saw the old buffer read) */
		{RULE("A", "match = exe not \"" LONG_TEXT), "'not' without an operator"},
		{RULE("A", "match = arg99 equals x"), "unknown field 'arg99'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *got = load_error(bad[i].text);
		if (!CHECK(strstr(got, bad[i].want) != NULL, bad[i].want))
			printf("#   got \"%s\"\n", got);
	}
	char big[4096];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(strstr(load_error(big), "line longer than") != NULL, "a huge line is an error");
	CHECK(load_error("\x01\x02[[[\n===\n")[0] != '\0', "garbage is an error, not a crash");
}

static void test_digest(void)
{
	struct rg_ruleset *a = load(RULE("A", "match = path prefix /etc"));
	struct rg_ruleset *b = load("; a comment\n\n" RULE("A", "match = path prefix /etc"));
	struct rg_ruleset *c = load(RULE("A", "match = path prefix /etc\nenabled = false"));
	CHECK(a && b && c, "three sets load");
	CHECK_STR(a->digest, b->digest, "comments and blank lines do not change the digest");
	CHECK(strcmp(a->digest, c->digest) != 0, "disabling a rule changes the digest");
	CHECK_INT(strlen(a->digest), 64, "the digest is SHA-256 hex");
	rg_rules_free(a);
	rg_rules_free(b);
	rg_rules_free(c);
	struct rg_ruleset *e = load("");
	CHECK_STR(e ? e->digest : NULL,
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		  "SHA-256 of nothing");
	rg_rules_free(e);

	/* the digest is of the parsed rules: layout and quoting do not count */
	a = load(RULE("A", "match = path in /a /b\nmatch = uid equals 0x10"));
	b = load(RULE("A", "match =  path   in \"/a\"\nmore = /b\nmatch = uid equals 16"));
	c = load(RULE("A", "match = path in /a /c\nmatch = uid equals 16"));
	struct rg_ruleset *d = load(RULE("A", "match = path not in /a /b\nmatch = uid equals 16"));
	CHECK(a && b && c && d, "four more sets load");
	CHECK_STR(a->digest, b->digest, "spacing, quotes, 'more' and 0x do not change the digest");
	CHECK(strcmp(a->digest, c->digest) != 0, "another value changes the digest");
	CHECK(strcmp(a->digest, d->digest) != 0, "'not' changes the digest");
	rg_rules_free(a);
	rg_rules_free(b);
	rg_rules_free(c);
	rg_rules_free(d);
}

static void test_numbers(void)
{
	struct rg_ruleset *rs = load(
		RULE("OCT", "events = file_open\nmatch = mode anybits 0o002")
		RULE("DEC", "events = file_write\nmatch = result equals 010")
		RULE("NEG", "events = file_unlink\nmatch = result equals -0x2")
		RULE("MAX", "events = file_rename\nmatch = uid equals 4294967295"));
	CHECK(rs == NULL, "'010' is refused");
	rs = load(RULE("OCT", "events = file_open\nmatch = mode anybits 0o002")
		  RULE("DEC", "events = file_write\nmatch = result equals 10")
		  RULE("NEG", "events = file_unlink\nmatch = result equals -0x2")
		  RULE("MAX", "events = file_rename\nmatch = uid equals 4294967295"));
	CHECK(rs != NULL, "octal, decimal, negative hex and the u32 maximum load");
	struct rg_event ev = file_ev(RG_ET_FILE_OPEN, "/x", "/bin/x");
	ev.mode = 0666;
	CHECK_STR(eval(rs, &ev, NULL), "OCT", "0o002 is octal");
	ev.mode = 0644;
	CHECK_STR(eval(rs, &ev, NULL), "", "0o002 is not in 0644");
	ev.type = RG_ET_FILE_WRITE;
	ev.result = 10;
	CHECK_STR(eval(rs, &ev, NULL), "DEC", "decimal");
	ev.type = RG_ET_FILE_UNLINK;
	ev.result = -2;
	CHECK_STR(eval(rs, &ev, NULL), "NEG", "negative hex");
	ev.type = RG_ET_FILE_RENAME;
	ev.uid = 4294967295u;
	CHECK_STR(eval(rs, &ev, NULL), "MAX", "the u32 maximum");
	rg_rules_free(rs);
}

/* The shipped rule files, each on what it should and should not catch. */
static void test_shipped(void)
{
	char dir[1024];
	const char *src = getenv("RG_SOURCE_DIR");
	snprintf(dir, sizeof(dir), "%s/config/rules.d", src ? src : ".");
	struct rg_rules_source s = {dir, false, true};
	struct rg_ruleset *rs = NULL;
	int rc = rg_rules_load(&rs, &s, 1, err, sizeof(err));
	CHECK_INT(rc, 0, "the shipped rules load");
	if (rc) {
		printf("# %s\n", err);
		return;
	}
	struct rg_lineage *lin = rg_lineage_new(16);
	static const struct {
		enum rg_etype t;
		const char *path, *new_path, *exe, *want;
	} cases[] = {
		{RG_ET_FILE_WRITE, "/etc/systemd/system/evil.service", 0, "/usr/bin/cp", "PERSIST-SYSTEMD-001"},
		{RG_ET_FILE_RENAME, "/tmp/t", "/usr/lib/systemd/system/t.timer", "/usr/bin/mv", "PERSIST-SYSTEMD-001"},
		{RG_ET_FILE_OPEN, "/etc/systemd/system/evil.service", 0, "/usr/bin/cat", ""},
		{RG_ET_FILE_WRITE, "/home/ann/.config/systemd/user/x.service", 0, "/bin/sh", "PERSIST-SYSTEMD-002"},
		{RG_ET_FILE_WRITE, "/etc/cron.d/job", 0, "/bin/sh", "PERSIST-CRON-001"},
		{RG_ET_FILE_UNLINK, "/var/spool/cron/crontabs/root", 0, "/usr/bin/crontab", "PERSIST-CRON-001"},
		{RG_ET_FILE_WRITE, "/etc/cron.dailyx", 0, "/bin/sh", ""},
		{RG_ET_FILE_WRITE, "/root/.ssh/authorized_keys", 0, "/bin/sh", "PERSIST-SSH-KEYS-001"},
		{RG_ET_FILE_WRITE, "/etc/ld.so.preload", 0, "/bin/sh", "PERSIST-LD-PRELOAD-001"},
		{RG_ET_FILE_WRITE, "/etc/rc.local", 0, "/bin/sh", "PERSIST-RC-LOCAL-001"},
		{RG_ET_FILE_RENAME, "/etc/sudoers.tmp", "/etc/sudoers", "/usr/sbin/visudo", "PERSIST-SUDOERS-001"},
		{RG_ET_FILE_WRITE, "/etc/sudoers.d/90-x", 0, "/bin/sh", "PERSIST-SUDOERS-001"},
		{RG_ET_FILE_WRITE, "/home/ann/.bashrc", 0, "/usr/bin/vim", "PERSIST-SHELL-PROFILE-001"},
		{RG_ET_FILE_WRITE, "/etc/profile.d/x.sh", 0, "/bin/sh", "PERSIST-SHELL-PROFILE-001"},
		{RG_ET_FILE_OPEN, "/etc/shadow", 0, "/usr/bin/cat", "CRED-SHADOW-001"},
		{RG_ET_FILE_OPEN, "/etc/shadow", 0, "/usr/sbin/unix_chkpwd", ""},
		{RG_ET_FILE_OPEN, "/etc/shadow", 0, "/usr/lib/systemd/systemd-logind", ""},
		{RG_ET_FILE_OPEN, "/etc/passwd", 0, "/usr/bin/cat", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rg_event ev = file_ev(cases[i].t, cases[i].path, cases[i].exe);
		ev.new_path = S(cases[i].new_path);
		char what[200];
		snprintf(what, sizeof(what), "%s %s by %s: %s", rg_etype_name(cases[i].t),
			 cases[i].new_path ? cases[i].new_path : cases[i].path, cases[i].exe,
			 cases[i].want[0] ? cases[i].want : "no alert");
		CHECK_STR(eval(rs, &ev, lin), cases[i].want, what);
	}
	struct rg_event ex = {.type = RG_ET_PROCESS_START, .proc_id = 9, .pid = 9,
			      .exe = S("/dev/shm/x"), .comm = S("x")};
	CHECK_STR(eval(rs, &ex, lin), "EXEC-TMP-001", "exec from /dev/shm");
	ex.exe = S("/tmpfoo/x");
	CHECK_STR(eval(rs, &ex, lin), "", "exec from /tmpfoo is not /tmp");
	ex.exe = S("memfd:x");
	ex.flags = RG_EF_EXE_MEMFD;
	CHECK_STR(eval(rs, &ex, lin), "EXEC-MEMFD-001", "exec from a memfd");
	ex.exe = S("/usr/bin/x");
	ex.flags = RG_EF_EXE_DELETED;
	CHECK_STR(eval(rs, &ex, lin), "", "exec of an unlinked file: not a memfd");
	ex.flags = 0;

	struct rg_process web = {.proc_id = 20, .comm = S("php-fpm8.2"), .exe = S("/usr/sbin/php-fpm8.2")};
	rg_lineage_process(lin, &web);
	struct rg_event sh = {.type = RG_ET_PROCESS_START, .proc_id = 21, .parent_proc_id = 20,
			      .comm = S("sh"), .exe = S("/usr/bin/dash")};
	rg_lineage_event(lin, &sh);
	CHECK_STR(eval(rs, &sh, lin), "EXEC-WEBSHELL-001", "a shell under php-fpm");
	struct rg_process login = {.proc_id = 30, .comm = S("sshd"), .exe = S("/usr/sbin/sshd")};
	rg_lineage_process(lin, &login);
	sh.proc_id = 31;
	sh.parent_proc_id = 30;
	rg_lineage_event(lin, &sh);
	CHECK_STR(eval(rs, &sh, lin), "", "a shell under sshd is not an alert");

	struct rg_event net = {.type = RG_ET_NET_CONNECT, .proc_id = 9, .pid = 9,
			       .exe = S("/usr/bin/nc"), .remote_addr = S("10.0.0.1"),
			       .remote_port = 4444};
	CHECK_STR(eval(rs, &net, lin), "NET-SUSPICIOUS-PORT-001", "connect to port 4444");
	CHECK_STR(summary, "network_connect 10.0.0.1 port 4444 by /usr/bin/nc (pid 9)",
		  "summary of a connect");
	net.remote_port = 443;
	CHECK_STR(eval(rs, &net, lin), "", "connect to 443 is not");
	net.type = RG_ET_NET_BIND;
	net.local_port = 4444;
	CHECK_STR(eval(rs, &net, lin), "", "a bind is not outbound");
	rg_lineage_free(lin);

	/* docs/rules.md describes every shipped rule */
	char doc_path[1100], row[200];
	snprintf(doc_path, sizeof(doc_path), "%s/docs/rules.md", src ? src : ".");
	FILE *f = fopen(doc_path, "r");
	static char doc[65536];
	size_t n = f ? fread(doc, 1, sizeof(doc) - 1, f) : 0;
	doc[n] = '\0';
	if (f)
		fclose(f);
	unsigned documented = 0;
	for (unsigned i = 0; i < rs->nrules; i++) {
		snprintf(row, sizeof(row), "| `%s` | %s |", rs->rules[i].id,
			 rg_severity_name(rs->rules[i].severity));
		if (strstr(doc, row))
			documented++;
		else
			printf("#   %s not in docs/rules.md with its severity\n", rs->rules[i].id);
	}
	CHECK_INT(documented, rs->nrules, "docs/rules.md lists every shipped rule and its severity");
	rg_rules_free(rs);
}

int main(void)
{
	test_fields_and_exceptions();
	test_nocase();
	test_prefilter_offsets();
	test_prefilter_globs();
	test_prefilter_memo();
	test_prefilter_short();
	test_prefilter_cstr();
	test_equals_list();
	test_equals_lengths();
	test_prefix_suffix();
	test_own_values();
	test_glob_nul();
	test_args();
	test_summaries();
	test_lineage();
	test_validation();
	test_digest();
	test_numbers();
	test_shipped();
	return tap_done();
}
