/* test_script.c: which argument of an interpreter's command line is the
 * script it runs (core/script.h), from a table of command lines. */
#include <string.h>

#include "script.h"
#include "tap.h"

/* argv written with spaces between arguments (none has one here). */
static void check(const char *exe, const char *cmdline, const char *want)
{
	char argv[256], what[320];
	size_t n = strlen(cmdline);
	memcpy(argv, cmdline, n + 1);
	for (size_t i = 0; i < n; i++)
		if (argv[i] == ' ')
			argv[i] = '\0';
	struct rg_str got = rg_script_arg((struct rg_str){exe, (uint32_t)strlen(exe)},
					  (struct rg_str){argv, (uint32_t)n + 1});
	snprintf(what, sizeof(what), "%s: %s -> %s", exe, cmdline, want ? want : "none");
	if (!want) {
		CHECK(got.p == NULL, what);
		return;
	}
	CHECK(got.p && got.len == strlen(want) && !memcmp(got.p, want, got.len), what);
}

int main(void)
{
	static const struct {
		const char *exe, *cmdline, *want;
	} cases[] = {
		{"/usr/bin/dash", "sh /tmp/x.sh", "/tmp/x.sh"},
		{"/usr/bin/bash", "bash ./x", "./x"},
		{"/usr/bin/bash", "bash -c cmd", NULL},
		{"/usr/bin/bash", "bash -xc cmd", NULL},
		{"/usr/bin/bash", "bash -x x.sh a b", "x.sh"},
		{"/usr/bin/bash", "bash -o pipefail x.sh", "x.sh"},
		{"/usr/bin/bash", "bash +x -eu x.sh", "x.sh"},
		{"/usr/bin/bash", "bash --rcfile rc x.sh", "x.sh"},
		{"/usr/bin/bash", "bash --norc x.sh", "x.sh"},
		{"/usr/bin/bash", "bash -s arg", NULL},
		{"/usr/bin/bash", "bash", NULL},
		{"/usr/bin/bash", "bash -", NULL},
		{"/usr/bin/bash", "bash -- -x.sh", "-x.sh"},
		{"/usr/bin/python3.11", "python3 x.py", "x.py"},
		{"/usr/bin/python3.11", "python3 -m mod", NULL},
		{"/usr/bin/python3.11", "python3 -c code", NULL},
		{"/usr/bin/python3.11", "python3 -u -W ignore x.py", "x.py"},
		{"/usr/bin/python3.11", "python3 -Wignore x.py", "x.py"},
		{"/usr/bin/python3.11", "python3 -Bm mod", NULL},
		{"/usr/bin/perl", "perl -e code", NULL},
		{"/usr/bin/perl", "perl -w ./x.pl", "./x.pl"},
		{"/usr/bin/ruby3.1", "ruby -r json x.rb", "x.rb"},
		{"/usr/bin/ruby3.1", "ruby -e code", NULL},
		{"/usr/bin/node", "node --require hook x.js", "x.js"},
		{"/usr/bin/node", "node --eval code", NULL},
		{"/usr/bin/node", "node -p code", NULL},
		{"/usr/bin/php8.2", "php -d a=b x.php", "x.php"},
		{"/usr/bin/php8.2", "php -r code", NULL},
		{"/usr/bin/lua5.4", "lua -e stat x.lua", "x.lua"},
		{"/usr/bin/ls", "ls x.sh", NULL},              /* not an interpreter */
		{"/usr/bin/bashful", "bashful x.sh", NULL},    /* a name's prefix is not it */
		{"/usr/bin/python3-config", "python3-config x", NULL},
		{"memfd:sh", "sh x.sh", NULL},                 /* no path: no name known */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(cases[i].exe, cases[i].cmdline, cases[i].want);
	/* an argv that ends without its NUL (cut by the kernel's bound) */
	char cut[] = {'s', 'h', 0, 'x', '.', 's'};
	struct rg_str got = rg_script_arg((struct rg_str){"/bin/sh", 7},
					  (struct rg_str){cut, sizeof(cut)});
	CHECK(got.p == cut + 3 && got.len == 3, "an argument cut at the end of argv");
	return tap_done();
}
