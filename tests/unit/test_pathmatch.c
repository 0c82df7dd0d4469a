/* test_pathmatch.c: path semantics shared by the file filter and rules:
 * component-aware prefixes, longest prefix wins, globs, the kernel's
 * superset form of a pattern, writes-only prefixes, and lexical joining
 * of (dir, name). */
#include <fcntl.h>
#include <string.h>

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

int main(void)
{
	check_prefix();
	check_wanted();
	check_kernel_pattern();
	check_join();
	return tap_done();
}
