/* test_pathmatch.c: path semantics shared by the file filter and rules:
 * component-aware prefixes, longest prefix wins, globs, the kernel's
 * superset form of a pattern, and lexical joining of (dir, name). */
#include <string.h>

#include "pathmatch.h"
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
	CHECK_INT(rg_pathmatch_init(&m, "/etc /home/a/ /", "*.service authorized_keys "
				    "/srv/*/conf", "/etc/ssl /proc /", err, sizeof(err)),
		  0, "builds (a trailing '/' is dropped)");
	rg_pathmatch_free(&m);
	CHECK_INT(rg_pathmatch_init(&m, "/etc /home/a/", "*.service authorized_keys /srv/*/conf",
				    "/etc/ssl /proc", err, sizeof(err)), 0, "builds");
	static const struct {
		const char *path;
		int want;
	} cases[] = {
		{"/etc/passwd", 1},
		{"/etc", 1},
		{"/etcfoo/x", 0},
		{"/etc/ssl/certs/ca.pem", 0},            /* longer exclude wins */
		{"/etc/ssl", 0},
		{"/etc/sslx", 1},                        /* not under /etc/ssl */
		{"/home/a/.bashrc", 1},
		{"/usr/lib/systemd/system/x.service", 1}, /* pattern, no prefix */
		{"/proc/1/x.service", 0},                /* exclude beats a pattern */
		{"/home/b/.ssh/authorized_keys", 1},
		{"/home/b/.ssh/authorized_keys.bak", 0},
		{"/srv/web/conf", 1},                    /* path glob */
		{"/srv/web/x/conf", 0},                  /* '*' does not cross '/' */
		{"/usr/bin/ls", 0},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char what[128];
		snprintf(what, sizeof(what), "%s %s", cases[i].path,
			 cases[i].want ? "recorded" : "not recorded");
		CHECK_INT(rg_pathmatch_wanted(&m, cases[i].path, strlen(cases[i].path)),
			  cases[i].want, what);
	}
	rg_pathmatch_free(&m);

	static const char *const bad[][3] = {
		{"etc", "", ""}, {"/a/../b", "", ""}, {"/a//b", "", ""}, {"", "x/y", ""},
		{"", "", "/a/./b"},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = rg_pathmatch_init(&m, bad[i][0], bad[i][1], bad[i][2], err, sizeof(err));
		CHECK(rc == -1 && strchr(err, '\''), "a bad entry is refused and quoted");
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

int main(void)
{
	check_prefix();
	check_wanted();
	check_kernel_pattern();
	check_join();
	return tap_done();
}
