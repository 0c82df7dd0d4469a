/* test_pathmatch.c: path semantics shared by the file filter and rules:
 * component-aware prefixes, longest prefix wins, globs, the kernel's
 * superset form of a pattern, writes-only prefixes, prefixes through
 * symlinks, the pattern count, and lexical joining of (dir, name). */
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pathmatch.h"
#include "rg_abi.h"
#include "tap.h"

static void check_prefix(void)
{
	static const struct {
		const char *path, *prefix;
		int want;
	} cases[] = {
		{"/etc", "/etc", 1},         {"/etc/passwd", "/etc", 1},
		{"/etcfoo", "/etc", 0},      {"/et", "/etc", 0},
		{"/etc/cron.d/x", "/etc/cron.d", 1}, {"/anything", "/", 1},
		{"relative", "/", 0},        {"/etc", "/etc/passwd", 0},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char what[128];
		snprintf(what, sizeof(what), "prefix %s of %s: %d", cases[i].prefix, cases[i].path,
			 cases[i].want);
		CHECK_INT(rg_path_has_prefix(cases[i].path, strlen(cases[i].path), cases[i].prefix,
					     strlen(cases[i].prefix)), cases[i].want, what);
	}
}

static void check_wanted(void)
{
	struct rg_pathmatch m;
	char err[256];
	struct rg_pm_lists root = {"/etc /home/a/ /", NULL, "/etc/ssl /proc",
				   "*.service authorized_keys /srv/*/conf"};
	CHECK_INT(rg_pathmatch_init(&m, &root, err, sizeof(err)), 0,
		  "builds (a trailing '/' is dropped)");
	rg_pathmatch_free(&m);
	struct rg_pm_lists lists = {"/etc /home/a/", "/tmp /dev/shm", "/etc/ssl /proc /dev",
				    "*.service authorized_keys /srv/*/conf"};
	CHECK_INT(rg_pathmatch_init(&m, &lists, err, sizeof(err)), 0, "builds");
	static const struct {
		const char *path;
		int want, want_writing;
	} cases[] = {
		{"/etc/passwd", 1, 1},
		{"/etc", 1, 1},
		{"/etcfoo/x", 0, 0},
		{"/etc/ssl/certs/ca.pem", 0, 0},            /* longer exclude wins */
		{"/etc/ssl", 0, 0},
		{"/etc/sslx", 1, 1},                        /* not under /etc/ssl */
		{"/home/a/.bashrc", 1, 1},
		{"/usr/lib/systemd/system/x.service", 1, 1}, /* pattern, no prefix */
		{"/proc/1/x.service", 0, 0},                /* exclude beats a pattern */
		{"/home/b/.ssh/authorized_keys", 1, 1},
		{"/home/b/.ssh/authorized_keys.bak", 0, 0},
		{"/srv/web/conf", 1, 1},                    /* path glob */
		{"/srv/web/x/conf", 0, 0},                  /* '*' does not cross '/' */
		{"/srv/.web/conf", 1, 1},                   /* '*' matches a leading '.' */
		{"/home/b/.x.service", 1, 1},               /* in a name glob too */
		{"/usr/bin/ls", 0, 0},
		{"/tmp/x", 0, 1},                           /* writes only */
		{"/tmp/a/b.service", 0, 1},                 /* a prefix beats a pattern */
		{"/tmpx/y", 0, 0},
		{"/dev/shm/x", 0, 1},                       /* longer than the /dev exclude */
		{"/dev/null", 0, 0},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char what[160];
		for (int w = 0; w < 2; w++) {
			int want = w ? cases[i].want_writing : cases[i].want;
			snprintf(what, sizeof(what), "%s %s %s", cases[i].path,
				 w ? "changed" : "read", want ? "recorded" : "not recorded");
			CHECK_INT(rg_pathmatch_wanted(&m, cases[i].path, strlen(cases[i].path), w),
				  want, what);
		}
	}
	rg_pathmatch_free(&m);

	static const struct rg_pm_lists bad[] = {
		{"etc", NULL, NULL, NULL}, {"/a/../b", NULL, NULL, NULL}, {"/a//b", NULL, NULL, NULL},
		{NULL, NULL, NULL, "x/y"}, {NULL, NULL, "/a/./b", NULL}, {NULL, "tmp", NULL, NULL},
		{"/tmp", "/tmp/", NULL, NULL}, {NULL, "/tmp", "/tmp", NULL},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = rg_pathmatch_init(&m, &bad[i], err, sizeof(err));
		CHECK(rc == -1 && strchr(err, '\''), "a bad entry is refused and quoted");
	}
	CHECK(strstr(err, "listed twice") != NULL, "a path in two lists is refused");

	/* what a watch_writes prefix counts as a change */
	CHECK(!rg_open_flags_write(O_RDONLY), "O_RDONLY reads");
	CHECK(!rg_open_flags_write(O_RDONLY | O_CLOEXEC | O_NOFOLLOW), "O_RDONLY|O_CLOEXEC reads");
	CHECK(rg_open_flags_write(O_WRONLY) && rg_open_flags_write(O_RDWR), "write access");
	CHECK(rg_open_flags_write(O_RDONLY | O_CREAT), "O_CREAT changes");
	CHECK(rg_open_flags_write(O_RDONLY | O_TRUNC), "O_TRUNC changes");
}

/* rg_path_glob answers as fnmatch does (FNM_PATHNAME on the path for a
 * pattern with '/', the base name otherwise), its quick no on a literal
 * head or tail included: every pattern against every path, among them
 * brackets, escapes, ']' outside a bracket and tails shorter than the
 * path. */
static void check_glob_is_fnmatch(void)
{
	static const char *const patterns[] = {
		"*.pem", "id_*", "*.key", "/tmp/.*", "/etc/profile.d/*", "/home/*/.ssh/*",
		"authorized_keys", "a]b*", "*[ab]", "[!.]*rc", "x\\*y", "\\[z", "*\\]",
		"/etc/cron.?/*", "*", "?", "[", "*[", "ab*ab", "/a/[bc]/*.sh", NULL,
	};
	static const char *const paths[] = {
		"/root/.ssh/id_rsa", "/etc/ssl/x.pem", "/tmp/.hidden", "/tmp/visible",
		"/etc/profile.d/a.sh", "/home/u/.ssh/authorized_keys", "/a]bc", "/q/xa",
		"/q/.bashrc", "/q/zshrc", "/x*y", "/[z", "/p]", "/etc/cron.d/job", "/", "/ab",
		"/[", "/x[", "/a/b/run.sh", "/a/d/run.sh", "/abab", "/ab.pem.key", NULL,
	};
	for (unsigned i = 0; patterns[i]; i++)
		for (unsigned k = 0; paths[k]; k++) {
			const char *pat = patterns[i], *path = paths[k];
			const char *base = strrchr(path, '/') + 1;
			bool want = strchr(pat, '/') ? !fnmatch(pat, path, FNM_PATHNAME)
						     : !fnmatch(pat, base, 0);
			char what[128];
			snprintf(what, sizeof(what), "glob %s on %s: %d", pat, path, want);
			CHECK_INT(rg_path_glob(pat, path, strlen(path)), want, what);
		}
}

/* A pattern read once (rg_glob_init): its literal head and tail end at
 * the first and last special character, ']' and a backslash included. */
static void check_glob_init(void)
{
	static const struct {
		const char *pattern;
		size_t head, tail;
		bool whole;
	} cases[] = {
		{"*.pem", 0, 1, false},      {"id_*", 3, 4, false},
		{"authorized_keys", 15, 15, false}, {"/home/*/.ssh/*", 6, 14, true},
		{"a]b*", 1, 4, false},       {"x\\*y", 1, 3, false},
		{"/a/[bc]/*.sh", 3, 9, true}, {"", 0, 0, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rg_glob g;
		rg_glob_init(&g, cases[i].pattern);
		char what[96];
		snprintf(what, sizeof(what), "glob %s: head %zu, tail at %zu", cases[i].pattern,
			 cases[i].head, cases[i].tail);
		CHECK(g.pattern == cases[i].pattern && g.len == strlen(cases[i].pattern) &&
		      g.head == cases[i].head && g.tail == cases[i].tail &&
		      g.whole == cases[i].whole, what);
	}
}

static void check_kernel_pattern(void)
{
	static const struct {
		const char *pattern;
		int kind;
		const char *key;
	} cases[] = {
		{"authorized_keys", RG_NAME_EXACT, "authorized_keys"},
		{"*.service", RG_NAME_TAIL, ".service"},
		{"id_*", RG_NAME_HEAD, "id_"},
		{"a*b?c", RG_NAME_TAIL, "c"},
		{"/home/*/.ssh/authorized_keys", RG_NAME_EXACT, "authorized_keys"},
		{"x[ab]", RG_NAME_HEAD, "x"},
		{"*", 0, ""},
		{"0123456789012345678901234567890123456789", RG_NAME_HEAD,
		 "01234567890123456789012345678901"},
		{"*0123456789012345678901234567890123456789", RG_NAME_TAIL,
		 "89012345678901234567890123456789"},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rg_name_key k;
		bool some = rg_pathmatch_kernel_pattern(cases[i].pattern, &k);
		size_t n = strlen(cases[i].key);
		int ok = some == (cases[i].kind != 0) && k.kind == cases[i].kind && k.len == n &&
			 !memcmp(k.name, cases[i].key, n);
		for (size_t j = n; j < sizeof(k.name); j++)
			ok &= k.name[j] == 0; /* the hash compares every byte */
		CHECK(ok, cases[i].pattern);
	}
}

static void check_join(void)
{
	static const struct {
		const char *dir, *name, *want;
	} cases[] = {
		{"/etc/cron.d", "job", "/etc/cron.d/job"},
		{"/etc/cron.d", "/abs/x", "/abs/x"},
		{"/", "etc", "/etc"},
		{"/tmp", "../etc/cron.d/./job", "/etc/cron.d/job"},
		{"/a/b", "../../../..", "/"},
		{"/a", ".//b//c/", "/a/b/c"},
		{"/etc/passwd", "", "/etc/passwd"},
		{"", "rel/x", "rel/x"},                /* no dir known: as given */
		{"/d", "n\nq\"\xff", "/d/n\nq\"\xff"}, /* bytes kept */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rg_buf b = {0};
		rg_path_join(&b, cases[i].dir, strlen(cases[i].dir), cases[i].name,
			     strlen(cases[i].name));
		CHECK_STR(rg_buf_cstr(&b), cases[i].want, cases[i].want);
		rg_buf_free(&b);
	}
}

/* RG_PATTERN_MAX patterns load; one more is refused, saying the bound. */
static void check_pattern_count(void)
{
	struct rg_pathmatch m;
	char err[256], list[RG_PATTERN_MAX * 16] = "";
	for (int i = 1; i <= RG_PATTERN_MAX + 1; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%sname%d",
			 i > 1 ? " " : "", i);
	*strrchr(list, ' ') = '\0';
	struct rg_pm_lists l = {NULL, NULL, NULL, list};
	CHECK_INT(rg_pathmatch_init(&m, &l, err, sizeof(err)), 0, "128 patterns load");
	CHECK_INT(m.npatterns, RG_PATTERN_MAX, "all of them");
	CHECK(rg_pathmatch_wanted(&m, "/x/name100", 10, false), "the 100th matches");
	CHECK(rg_pathmatch_wanted(&m, "/x/name128", 10, false), "the 128th matches");
	rg_pathmatch_free(&m);
	strcat(list, " name129");
	CHECK_INT(rg_pathmatch_init(&m, &l, err, sizeof(err)), -1, "129 patterns are refused");
	CHECK_STR(err, "more than 128 watch patterns", "saying the bound");
}

static void note(void *ctx, const char *listed, const char *canonical)
{
	snprintf(ctx, 256, "%s -> %s", listed, canonical);
}

/* Paths in a temporary directory (itself resolved: /tmp may be a link). */
static const char *at(const char *dir, const char *rel)
{
	static char buf[4][PATH_MAX];
	static int n;
	char *b = buf[n++ & 3];
	snprintf(b, PATH_MAX, "%.2048s/%s", dir, rel);
	return b;
}

/* A prefix through a symlink also matches as its canonical form, with the
 * same action; a second resolve follows a changed link and forgets the
 * form of the old one. */
static void check_resolve(void)
{
	char tmpl[] = "/tmp/rg-pm-XXXXXX", d[PATH_MAX], err[256], last[256] = "";
	static char lists[4][4 * PATH_MAX + 8];
	struct rg_pathmatch m;
	if (!mkdtemp(tmpl) || !realpath(tmpl, d)) {
		CHECK(0, "a temporary directory");
		return;
	}
	CHECK(!mkdir(at(d, "usr"), 0700) && !mkdir(at(d, "usr/bin"), 0700) &&
	      !mkdir(at(d, "other"), 0700) && !symlink("usr/bin", at(d, "bin")) &&
	      !close(open(at(d, "usr/os-release"), O_CREAT | O_WRONLY, 0600)) &&
	      !symlink("../usr/os-release", at(d, "usr/bin/os-release")) &&
	      !symlink("usr/bin", at(d, "tmp")),
	      "a tree of symlinks");
	snprintf(lists[0], sizeof(lists[0]), "%s %s %s", at(d, "bin/"), at(d, "bin/os-release"),
		 at(d, "bin/notyet/x"));
	snprintf(lists[1], sizeof(lists[1]), "%s", at(d, "tmp"));
	snprintf(lists[2], sizeof(lists[2]), "%s %s", at(d, "usr/bin/skip"), at(d, "bin/skip"));
	struct rg_pm_lists l = {lists[0], NULL, lists[2], "os-release"};
	CHECK_INT(rg_pathmatch_init(&m, &l, err, sizeof(err)), 0, "builds");
	CHECK_INT(rg_pathmatch_resolve(&m, note, last), 3,
		  "bin/, bin/os-release and bin/notyet/x resolve; bin/skip is usr/bin/skip, "
		  "listed");
	char want[2 * PATH_MAX + 8];
	snprintf(want, sizeof(want), "%s -> %s", at(d, "bin/notyet/x"), at(d, "usr/bin/notyet/x"));
	CHECK_STR(last, want, "a path that does not exist resolves through its ancestor");
	static const struct {
		const char *rel;
		int want;
	} cases[] = {
		{"usr/bin/ls", 1},          /* what the kernel says of bin/ls */
		{"bin/ls", 1},              /* what a failed open says */
		{"usr/os-release", 1},      /* bin/os-release's file */
		{"usr/bin/notyet/x/y", 1},
		{"usr/bin/skip/z", 0},      /* the excluded path stays excluded */
		{"bin/skip/z", 0},
		{"usr/binx", 0},
		{"other/x", 0},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *p = at(d, cases[i].rel);
		CHECK_INT(rg_pathmatch_wanted(&m, p, strlen(p), false), cases[i].want, cases[i].rel);
	}
	rg_pathmatch_free(&m);

	struct rg_pm_lists w = {NULL, lists[1], NULL, NULL};
	CHECK_INT(rg_pathmatch_init(&m, &w, err, sizeof(err)), 0, "a writes-only link");
	CHECK_INT(rg_pathmatch_resolve(&m, NULL, NULL), 1, "resolves");
	const char *f = at(d, "usr/bin/f");
	CHECK(!rg_pathmatch_wanted(&m, f, strlen(f), false) &&
	      rg_pathmatch_wanted(&m, f, strlen(f), true), "keeping its action");
	CHECK(!unlink(at(d, "tmp")) && !symlink("other", at(d, "tmp")), "the link is changed");
	CHECK_INT(rg_pathmatch_resolve(&m, NULL, NULL), 1, "resolves anew");
	CHECK_INT(m.nprefixes, 2, "the old form is gone");
	const char *o = at(d, "other/f");
	CHECK(!rg_pathmatch_wanted(&m, f, strlen(f), true) &&
	      rg_pathmatch_wanted(&m, o, strlen(o), true), "the new target is matched");
	rg_pathmatch_free(&m);

	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	CHECK_INT(system(cmd), 0, "cleaned up");
}

int main(void)
{
	check_prefix();
	check_wanted();
	check_kernel_pattern();
	check_glob_is_fnmatch();
	check_glob_init();
	check_pattern_count();
	check_resolve();
	check_join();
	return tap_done();
}
