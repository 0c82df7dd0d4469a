/* test_bpf_filter.c: the kernel file filter's name-pattern decision on its
 * own, from a table of named cases: tests/bpf/filter_test.bpf.c calls
 * file.bpf.h's rg_name_wanted through BPF_PROG_TEST_RUN, with the name
 * keys and rodata the recorder writes from the same patterns
 * (bpf_filter.h). The kernel's answer is a superset: it may pass a name
 * no pattern matches (the recorder decides those), never drop one that
 * does, which each case checks against rg_path_glob too. Then the same
 * with RG_PATTERN_MAX patterns of every kind: each one's names pass.
 *
 * Needs root to load BPF: skipped (77) without, failed under
 * RG_REQUIRE_LIVE=1. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf_filter.h"
#include "filter_test.skel.h"
#include "pathmatch.h"
#include "rg_abi.h"
#include "tap.h"

/* As in filter_test.bpf.c. */
struct rg_name_case {
	uint32_t len;
	uint32_t wanted;
	char name[256];
};

static const char *const patterns =
	"*.service authorized_keys id_rsa* /etc/cron.d/job-?? "
	"a-name-of-exactly-thirty-two-b.x a-name-longer-than-thirty-two-bytes.ext*";

/* want: the kernel's verdict (1 pass to the recorder, 0 drop). */
static const struct {
	const char *what, *name;
	int want;
} cases[] = {
	{"a tail key: the suffix", "nginx.service", 1},
	{"a tail key: the suffix alone", ".service", 1},
	{"a tail key: one byte short", "nginx.servic", 0},
	{"a tail key: the last byte in the set, the rest not", "x.device", 0},
	{"an exact key", "authorized_keys", 1},
	{"an exact key: a prefix of it", "authorized_key", 0},
	{"an exact key: longer", "authorized_keys2", 0},
	{"a head key: the prefix", "id_rsa.pub", 1},
	{"a head key: the prefix alone", "id_rsa", 1},
	{"a head key: not at the start", "xid_rsa", 0},
	{"a path pattern keys its final component: the head", "job-42", 1},
	{"a path pattern keys its final component: not another name", "jo", 0},
	{"an empty name", "", 0},
	{"32 bytes: an exact key", "a-name-of-exactly-thirty-two-b.x", 1},
	{"over 32 bytes: a head key of its first 32",
	 "a-name-longer-than-thirty-two-bytes.ext.old", 1},
	{"over 32 bytes: the same first 32, the rest not", "a-name-longer-than-thirty-two-byXXX", 1},
	{"over 32 bytes: differing in the first 32", "a-name-longer-than-thirty-two-bX-tes.ext", 0},
};

static struct rg_pathmatch pm;

/* Loads the program with the recorder's name keys for list. */
static struct filter_test_bpf *load(const char *list, char *err, size_t len)
{
	struct rg_pm_lists l = {.watch_patterns = list};
	if (rg_pathmatch_init(&pm, &l, err, len))
		return NULL;
	struct filter_test_bpf *skel = filter_test_bpf__open();
	if (!skel) {
		snprintf(err, len, "open failed");
		return NULL;
	}
	RG_BPF_FILTER_RODATA(skel->rodata, &pm);
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0 || bpf_map__set_max_entries(skel->maps.scratch, (uint32_t)ncpu) ||
	    filter_test_bpf__load(skel)) {
		snprintf(err, len, "load failed");
		filter_test_bpf__destroy(skel);
		return NULL;
	}
	if (rg_bpf_filter_fill(bpf_map__fd(skel->maps.file_prefixes),
			       bpf_map__fd(skel->maps.file_ancestors),
			       bpf_map__fd(skel->maps.file_names), &pm)) {
		snprintf(err, len, "writing the name keys failed");
		filter_test_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* The program's verdict on name: 0, 1, or -1 when it did not run. */
static int run(struct filter_test_bpf *skel, const char *name)
{
	struct rg_name_case c = {.len = (uint32_t)strlen(name)};
	memcpy(c.name, name, c.len);
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &c, .ctx_size_in = sizeof(c));
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.name_wanted), &o))
		return -1;
	return c.wanted <= 1 ? (int)c.wanted : -1;
}

/* Does some pattern match name as the recorder matches a final component? */
static bool user_match(const char *name)
{
	char path[300];
	snprintf(path, sizeof(path), "/etc/cron.d/%s", name);
	for (unsigned i = 0; i < pm.npatterns; i++)
		if (rg_path_glob(pm.patterns[i], path, strlen(path)))
			return true;
	return false;
}

/* RG_PATTERN_MAX patterns, exact names, tails and heads in turn: every
 * key fits the map, and each pattern's names pass while near misses do
 * not. */
static void check_many(void)
{
	char err[512] = "", list[RG_PATTERN_MAX * 24] = "", name[64], what[128];
	static const char *const forms[3][3] = {
		/* pattern, a name it matches, a near miss */
		{"exact-%d", "exact-%d", "exact-%dx"},
		{"*.t%d", "file.t%d", "file.t%dx"},
		{"h%d-*", "h%d-file", "xh%d-file"},
	};
	for (int i = 0; i < RG_PATTERN_MAX; i++) {
		size_t n = strlen(list);
		n += (size_t)snprintf(list + n, sizeof(list) - n, forms[i % 3][0], i);
		snprintf(list + n, sizeof(list) - n, " ");
	}
	rg_pathmatch_free(&pm);
	struct filter_test_bpf *skel = load(list, err, sizeof(err));
	CHECK_STR(skel ? "" : err, "", "128 patterns load and their keys fit the map");
	CHECK_INT(pm.npatterns, RG_PATTERN_MAX, "all of them are kept");
	int pass = 0, miss = 0;
	for (int i = 0; skel && i < RG_PATTERN_MAX; i++) {
		snprintf(name, sizeof(name), forms[i % 3][1], i);
		pass += run(skel, name) == 1;
		snprintf(name, sizeof(name), forms[i % 3][2], i);
		miss += run(skel, name) == 0;
	}
	snprintf(what, sizeof(what), "each of the %d patterns passes its names", RG_PATTERN_MAX);
	CHECK_INT(pass, RG_PATTERN_MAX, what);
	CHECK_INT(miss, RG_PATTERN_MAX, "and drops its near misses");
	snprintf(name, sizeof(name), forms[99 % 3][1], 99);
	CHECK_INT(skel ? run(skel, name) : -1, 1, "the 100th pattern's name passes");
	filter_test_bpf__destroy(skel);
}

int main(void)
{
	char err[512] = "";
	int rc = tap_need_root("needs root to load BPF programs");
	if (rc >= 0)
		return rc;
	struct filter_test_bpf *skel = load(patterns, err, sizeof(err));
	CHECK_STR(skel ? "" : err, "", "the test program loads with the recorder's name keys");
	for (size_t i = 0; skel && i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(run(skel, cases[i].name), cases[i].want, cases[i].what);
		if (user_match(cases[i].name) && run(skel, cases[i].name) != 1) {
			char what[300];
			snprintf(what, sizeof(what), "%s: a name a pattern matches is never dropped",
				 cases[i].what);
			CHECK(0, what);
		}
	}
	filter_test_bpf__destroy(skel);
	check_many();
	rg_pathmatch_free(&pm);
	return tap_done();
}
