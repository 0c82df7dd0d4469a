/* script.c: the script argument of an interpreter's command line (script.h). */
#include "script.h"

#include <string.h>

/* How one interpreter reads its command line, getopt-like: short options
 * cluster ("-xe"), and the first argument that is not an option (or the
 * one after "--") is the script. Letters in `none` mean the program text
 * comes from elsewhere (-c, -e, -m, stdin): no script file. Letters in
 * `arg` take a value, the rest of the cluster or the next argument. Long
 * options take a separate value when listed in `long_arg`, and mean no
 * script when listed in `long_none` (space-separated lists). */
struct interp {
	const char *name; /* the image's name, a version suffix aside */
	const char *none, *arg, *long_arg, *long_none;
};

static const struct interp interps[] = {
	{"sh", "cs", "oO", "--rcfile --init-file", ""},
	{"bash", "cs", "oO", "--rcfile --init-file", ""},
	{"dash", "cs", "oO", "", ""},
	{"zsh", "cs", "oO", "", ""},
	{"ksh", "cs", "oO", "", ""},
	{"mksh", "cs", "oO", "", ""},
	{"ash", "cs", "oO", "", ""},
	{"fish", "c", "C", "--init-command", "--command"},
	{"csh", "cs", "", "", ""},
	{"tcsh", "cs", "", "", ""},
	{"python", "cm", "WXQ", "", ""},
	{"pypy", "cm", "WXQ", "", ""},
	{"perl", "eE", "", "", ""},
	{"ruby", "e", "IrCEx", "", ""},
	{"node", "ep", "r", "--require --import --loader", "--eval --print"},
	{"nodejs", "ep", "r", "--require --import --loader", "--eval --print"},
	{"php", "rBRE", "cdz", "", ""},
	{"lua", "", "el", "", ""},
};

/* Whether the space-separated list has the word w (n bytes). */
static bool has_word(const char *list, const char *w, size_t n)
{
	for (const char *p = list; *p;) {
		size_t m = strcspn(p, " ");
		if (m == n && !memcmp(p, w, n))
			return true;
		p += m + (p[m] == ' ');
	}
	return false;
}

/* The interpreter named by the last component of exe: the name itself, or
 * the name and a version made of digits and dots ("python3.11", "php8.2"). */
static const struct interp *which(struct rg_str exe)
{
	const char *base = exe.p, *end = exe.p + exe.len;
	for (const char *q = exe.p; q < end; q++)
		if (*q == '/')
			base = q + 1;
	for (size_t i = 0; i < sizeof(interps) / sizeof(interps[0]); i++) {
		size_t n = strlen(interps[i].name);
		if ((size_t)(end - base) < n || memcmp(base, interps[i].name, n))
			continue;
		const char *v = base + n;
		while (v < end && ((*v >= '0' && *v <= '9') || *v == '.'))
			v++;
		if (v == end)
			return &interps[i];
	}
	return NULL;
}

struct rg_str rg_script_arg(struct rg_str exe, struct rg_str argv)
{
	const struct rg_str none = {NULL, 0};
	const struct interp *in = exe.p ? which(exe) : NULL;
	if (!in || !argv.p)
		return none;
	const char *p = argv.p, *end = argv.p + argv.len;
	p += strnlen(p, (size_t)(end - p)) + 1; /* argv[0] */
	bool skip = false, opts = true;
	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));
		const char *a = p;
		p += n + 1;
		if (skip) { /* an option's value */
			skip = false;
			continue;
		}
		if (!opts || n == 0 || (a[0] != '-' && a[0] != '+'))
			return n ? (struct rg_str){a, (uint32_t)n} : none;
		if (n == 1) /* "-": standard input */
			return none;
		if (a[1] == '-') {
			if (n == 2)
				opts = false; /* "--": the script follows */
			else if (has_word(in->long_none, a, n))
				return none;
			else
				skip = has_word(in->long_arg, a, n);
			continue;
		}
		for (size_t i = 1; i < n; i++) {
			if (strchr(in->none, a[i]))
				return none;
			if (strchr(in->arg, a[i])) {
				skip = i == n - 1; /* its value is the next argument */
				break;
			}
		}
	}
	return none;
}
