/* test_bpf_path.c: the kernel's path walk and directory verdict cache on
 * their own, from a table of named cases. tests/bpf/path_test.bpf.c sits
 * on the syscall exit tracepoints for this process alone: after each of
 * its opens it runs path.bpf.h's rg_path_resolve and file.bpf.h's
 * rg_dir_cached, rg_file_verdict and rg_dir_learn on the file just
 * opened, and this driver reads what they said: the walked path and its
 * truncation flag, the verdict, and whether the cache knew the directory,
 * with the path it would have given. Renames and directory removals go
 * through the recorder's own workers, which retire the cache (rg_dir_gen).
 *
 * The steps build a tree under a fresh temporary directory T and run in
 * order, since the cache is state: nested paths, a symlinked directory, a
 * bind mount, a chroot, a deleted file and a removed directory, paths
 * longer than a prefix key, at RG_PATH_MAX and deeper than the walk goes,
 * watched, excluded and writes-only prefixes (written by the recorder's
 * rg_bpf_filter_fill), and directories moved after their verdict was
 * cached. The whole table runs at each level of common.bpf.h.
 *
 * The process pins itself to one CPU (the cache is per CPU) and works in
 * a mount namespace of its own (the bind mount goes with it). Needs root:
 * skipped (77) without, failed under RG_REQUIRE_LIVE=1. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf_filter.h"
#include "path_test.skel.h"
#include "rg_abi.h"
#include "tap.h"
#include "tracefs.h"

/* As in path_test.bpf.c. */
#define NO_VERDICT 255
struct rg_path_result {
	uint32_t opens, trunc, verdict, hit, hit_action, hit_len, len, pad;
	char hit_path[2 * RG_PREFIX_LEN];
	char path[RG_PATH_MAX];
};

#define PATH_DEPTH 256 /* path.bpf.h's RG_PATH_DEPTH: components walked */

enum op {
	MKDIR,     /* mkdir -p a */
	SYMLINK,   /* b -> a */
	BIND,      /* a bound on b */
	CHROOT,    /* into a */
	UNCHROOT,  /* back to the real root */
	RENAME,    /* a to b */
	RMDIR,     /* a */
	OPEN,      /* a (created when missing) */
	REOPEN_UNLINKED, /* a, opened and unlinked, opened again through /proc */
	REOPEN_RMDIR,    /* the directory a, opened and removed, opened again as "." */
	DEEP,      /* a file below a whose path has n bytes */
	DEPTH,     /* a file n directories below a */
};

enum { MISS, HIT };
#define NONE 0
#define WATCH RG_PREFIX_WATCH
#define EXCLUDE RG_PREFIX_EXCLUDE
#define WRITES RG_PREFIX_WRITES

/* A step: a change to the tree, or an open (what set) and what the
 * helpers must say of it. Paths are under T unless they start with '/'
 * (in the chroot); want NULL: the path opened, or for DEEP and DEPTH the
 * file made (its deepest components that fit, when cut). */
struct step {
	enum op op;
	const char *a, *b;
	const char *what, *want;
	int trunc;
	unsigned verdict;
	int hit;
	size_t n;
};

#define DO(op, a, b) {op, a, b, NULL, NULL, 0, 0, 0, 0}
#define SEE(op, a, what, want, trunc, verdict, hit) {op, a, NULL, what, want, trunc, verdict, hit, 0}
#define SEE_N(op, a, n, what, trunc, verdict) {op, a, NULL, what, NULL, trunc, verdict, MISS, n}

#define C10 "c123456789"
#define C100 C10 C10 C10 C10 C10 C10 C10 C10 C10 C10
#define LONGDIR "w/" C100 "/" C100 "/" C100

/* Watched: T/w and T/src; excluded: T/w/ex; writes only: T/wr. T and
 * /tmp lie above prefixes: never cached. */
static const struct step steps[] = {
	DO(MKDIR, "plain/a/b/c", NULL),
	SEE(OPEN, "plain/a/b/c/f1", "a nested path under no prefix", NULL, 0, NONE, MISS),
	SEE(OPEN, "plain/a/b/c/f2", "the same directory again: the cache answers", NULL, 0, NONE,
	    HIT),
	SEE(OPEN, "plain/a/./b/../b/c/f3", "a name with . and ..: the canonical path, cached",
	    "plain/a/b/c/f3", 0, NONE, HIT),
	SEE(OPEN, "top1", "the directory above the prefixes", NULL, 0, NONE, MISS),
	SEE(OPEN, "top2", "the directory above the prefixes is never cached", NULL, 0, NONE, MISS),

	DO(MKDIR, "w/ex", NULL),
	DO(MKDIR, "w/ex2", NULL),
	SEE(OPEN, "w/f1", "a watched prefix", NULL, 0, WATCH, MISS),
	SEE(OPEN, "w/f2", "a watched directory with an excluded one below: never cached", NULL, 0,
	    WATCH, MISS),
	SEE(OPEN, "w/ex/f1", "an excluded sub-prefix", NULL, 0, EXCLUDE, MISS),
	SEE(OPEN, "w/ex/f2", "an excluded directory, cached with its verdict", NULL, 0, EXCLUDE,
	    HIT),
	SEE(OPEN, "w/ex2/f1", "a sibling that starts like the excluded one: watched", NULL, 0,
	    WATCH, MISS),
	SEE(OPEN, "w/ex2/f2", "the sibling, cached as watched", NULL, 0, WATCH, HIT),
	DO(MKDIR, "wr", NULL),
	SEE(OPEN, "wr/f1", "a writes-only prefix", NULL, 0, WRITES, MISS),
	SEE(OPEN, "wr/f2", "a writes-only directory, cached with its verdict", NULL, 0, WRITES,
	    HIT),

	DO(MKDIR, "real/dir", NULL),
	DO(SYMLINK, "real", "link"),
	SEE(OPEN, "link/dir/f1", "through a symlinked directory: the canonical path",
	    "real/dir/f1", 0, NONE, MISS),
	SEE(OPEN, "real/dir/f2", "the canonical directory is the one cached", NULL, 0, NONE, HIT),

	DO(MKDIR, "src/d", NULL),
	DO(MKDIR, "mnt", NULL),
	DO(BIND, "src", "mnt"),
	SEE(OPEN, "src/d/f1", "a bind mount's source, watched", NULL, 0, WATCH, MISS),
	SEE(OPEN, "mnt/d/f2",
	    "through the bind mount: the path seen through it, its own verdict and cache entry",
	    NULL, 0, NONE, MISS),
	SEE(OPEN, "mnt/d/f3", "the directory through the bind mount, cached", NULL, 0, NONE, HIT),

	DO(MKDIR, "jail/sub", NULL),
	DO(CHROOT, "jail", NULL),
	SEE(OPEN, "/sub/f1", "in a chroot: the path from the task's root", NULL, 0, NONE, MISS),
	SEE(OPEN, "/sub/f2", "in a chroot: cached with the path from its root", NULL, 0, NONE,
	    HIT),
	DO(UNCHROOT, NULL, NULL),
	SEE(OPEN, "jail/sub/f3", "out of the chroot: the same directory is another cache entry",
	    NULL, 0, NONE, MISS),

	DO(MKDIR, "del", NULL),
	SEE(REOPEN_UNLINKED, "del/f", "a deleted file opened again: the name it had", NULL, 0, NONE,
	    HIT),
	DO(MKDIR, "rmd/gone", NULL),
	SEE(REOPEN_RMDIR, "rmd/gone",
	    "a removed directory opened again: the name it had, its parent's entry retired", NULL,
	    0, NONE, MISS),
	DO(MKDIR, "rmd/keep", NULL),
	DO(MKDIR, "rmd/empty", NULL),
	SEE(OPEN, "rmd/keep/f1", "a directory before an rmdir elsewhere", NULL, 0, NONE, MISS),
	SEE(OPEN, "rmd/keep/f2", "a directory before an rmdir elsewhere, cached", NULL, 0, NONE,
	    HIT),
	DO(RMDIR, "rmd/empty", NULL),
	SEE(OPEN, "rmd/keep/f3", "after an rmdir elsewhere: retired", NULL, 0, NONE, MISS),

	DO(MKDIR, "ren/old", NULL),
	SEE(OPEN, "ren/old/f1", "a directory about to be renamed", NULL, 0, NONE, MISS),
	SEE(OPEN, "ren/old/f2", "a directory about to be renamed, cached", NULL, 0, NONE, HIT),
	DO(RENAME, "ren/old", "ren/new"),
	SEE(OPEN, "ren/new/f3", "a directory renamed after it was cached: the new path", NULL, 0,
	    NONE, MISS),
	DO(MKDIR, "w/x/d", NULL),
	SEE(OPEN, "w/x/d/f1", "a watched directory whose parent is about to move", NULL, 0, WATCH,
	    MISS),
	SEE(OPEN, "w/x/d/f2", "a watched directory whose parent is about to move, cached", NULL, 0,
	    WATCH, HIT),
	DO(RENAME, "w/x", "moved"),
	SEE(OPEN, "moved/d/f3",
	    "a directory whose parent moved out of the prefix after it was cached: the new path "
	    "and verdict",
	    NULL, 0, NONE, MISS),

	DO(MKDIR, LONGDIR, NULL),
	SEE(OPEN, LONGDIR "/f1", "a path longer than a prefix key: whole, the verdict of its head",
	    NULL, 0, WATCH, MISS),
	SEE(OPEN, LONGDIR "/f2", "a directory longer than a prefix key is never cached", NULL, 0,
	    WATCH, MISS),
	SEE_N(DEEP, "w/deep1", RG_PATH_MAX, "a path of RG_PATH_MAX bytes: whole", 0, WATCH),
	SEE_N(DEEP, "w/deep2", RG_PATH_MAX + 1,
	      "a path of RG_PATH_MAX + 1 bytes: its deepest components, flagged cut", 1,
	      NO_VERDICT),
	SEE_N(DEPTH, "w/depth", PATH_DEPTH + 10,
	      "a path deeper than RG_PATH_DEPTH: its deepest components, flagged cut", 1,
	      NO_VERDICT),
};

static char T[64];  /* the tree's root: /tmp/rg-path.XXXXXX */
static int rootfd = -1; /* the real root, to leave a chroot by */

/* p as an absolute path: under T unless it starts with '/'. */
static const char *abs_path(const char *p, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s", p[0] == '/' ? "" : T, p[0] == '/' ? "" : "/", p);
	return buf;
}

static int mkdir_p(const char *path)
{
	char buf[RG_PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *c = buf + 1;; c++) {
		if (*c != '/' && *c)
			continue;
		char end = *c;
		*c = 0;
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -1;
		if (!end)
			return 0;
		*c = '/';
	}
}

static int result_fd;

static void result_clear(void)
{
	static struct rg_path_result zero;
	uint32_t k = 0;
	bpf_map_update_elem(result_fd, &k, &zero, BPF_ANY);
}

static void result_read(struct rg_path_result *r)
{
	uint32_t k = 0;
	memset(r, 0, sizeof(*r));
	bpf_map_lookup_elem(result_fd, &k, r);
}

/* Creates a directory named by len bytes of c below the open directory
 * *dfd, moves *dfd down into it and appends "/name" to full. */
static int descend(int *dfd, char *full, size_t cap, size_t len, char c)
{
	char name[256];
	memset(name, c, len);
	name[len] = 0;
	if (mkdirat(*dfd, name, 0700))
		return -1;
	int fd = openat(*dfd, name, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return -1;
	close(*dfd);
	*dfd = fd;
	size_t at = strlen(full);
	snprintf(full + at, cap - at, "/%s", name);
	return 0;
}

/* DEEP and DEPTH: makes the directories below base, leaves *dfd open on
 * the last and the file's name in name, and the whole path in full
 * (longer than the kernel takes in one name: built with dirfds). */
static int make_deep(const struct step *st, int *dfd, char *name, char *full, size_t cap)
{
	abs_path(st->a, full, cap);
	if (mkdir_p(full) || (*dfd = open(full, O_PATH | O_DIRECTORY)) < 0)
		return -1;
	if (st->op == DEPTH) {
		for (size_t i = 0; i < st->n; i++)
			if (descend(dfd, full, cap, 1, 'd'))
				return -1;
		snprintf(name, 256, "f");
		return 0;
	}
	while (st->n - strlen(full) > 256)
		if (descend(dfd, full, cap, 200, 'd'))
			return -1;
	size_t len = st->n - strlen(full) - 1;
	memset(name, 'f', len);
	name[len] = 0;
	return 0;
}

/* What the walk keeps of a path it cut: the deepest whole components, as
 * many as fit in RG_PATH_MAX bytes and PATH_DEPTH steps. */
static const char *kept(const char *full)
{
	size_t len = strlen(full), comps = 0;
	const char *k = full + len;
	for (const char *c = full + len - 1; c >= full; c--) {
		if (*c != '/')
			continue;
		if ((size_t)(full + len - c) > RG_PATH_MAX || comps == PATH_DEPTH)
			break;
		k = c;
		comps++;
	}
	return k;
}

/* Runs an open step: *r is what the program saw of the measured open;
 * want receives the path it should have seen. Returns 0 or -1 (errno). */
static int open_step(const struct step *st, struct rg_path_result *r, char *want, size_t wcap)
{
	char path[RG_PATH_MAX], name[256];
	int fd = -1, fd2 = -1, dfd = -1, rc = -1;

	if (st->op == DEEP || st->op == DEPTH) {
		static char full[2 * RG_PATH_MAX];
		if (make_deep(st, &dfd, name, full, sizeof(full)))
			goto out;
		result_clear();
		fd = openat(dfd, name, O_RDONLY | O_CREAT, 0600);
		snprintf(full + strlen(full), sizeof(full) - strlen(full), "/%s", name);
		snprintf(want, wcap, "%s", st->trunc ? kept(full) : full);
	} else {
		abs_path(st->a, path, sizeof(path));
		abs_path(st->want ? st->want : st->a, want, wcap);
		if (st->op == OPEN)
			result_clear();
		fd = open(path, st->op == REOPEN_RMDIR ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_CREAT,
			  0600);
	}
	if (fd < 0)
		goto out;
	if (st->op == REOPEN_UNLINKED || st->op == REOPEN_RMDIR) {
		if (st->op == REOPEN_UNLINKED ? unlink(path) : rmdir(path))
			goto out;
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		result_clear();
		fd2 = st->op == REOPEN_UNLINKED ? open(proc, O_RDONLY) : openat(fd, ".", O_RDONLY);
		if (fd2 < 0)
			goto out;
	}
	result_read(r);
	rc = 0;
out:
	if (rc)
		rc = -errno;
	if (fd2 >= 0)
		close(fd2);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

static int change_step(const struct step *st)
{
	char a[RG_PATH_MAX], b[RG_PATH_MAX];
	abs_path(st->a ? st->a : "", a, sizeof(a));
	abs_path(st->b ? st->b : "", b, sizeof(b));
	switch (st->op) {
	case MKDIR:
		return mkdir_p(a);
	case SYMLINK:
		return symlink(a, b);
	case BIND:
		return mount(a, b, NULL, MS_BIND, NULL);
	case CHROOT:
		return chroot(a) || chdir("/");
	case UNCHROOT:
		return fchdir(rootfd) || chroot(".") || chdir("/");
	case RENAME:
		return rename(a, b);
	case RMDIR:
		return rmdir(a);
	default:
		return -1;
	}
}

static const char *verdict_name(unsigned v)
{
	static const char *const names[] = {"none", "watch", "exclude", "writes"};
	return v < 4 ? names[v] : v == NO_VERDICT ? "unjudged" : "?";
}

/* One line for what an open was seen as (or should have been). */
static void describe(char *out, size_t cap, unsigned opens, const char *path, size_t len,
		     int trunc, unsigned verdict, int hit, const char *hpath, size_t hlen,
		     unsigned haction)
{
	int n = snprintf(out, cap, "opens %u, %.*s, cut %d, verdict %s, cache %s", opens, (int)len,
			 path, trunc, verdict_name(verdict), hit ? "hit" : "miss");
	if (hit && n > 0 && (size_t)n < cap)
		snprintf(out + n, cap - (size_t)n, " (%.*s, %s)", (int)hlen, hpath,
			 verdict_name(haction));
}

static void run_step(const char *level, const struct step *st)
{
	static char got[3 * RG_PATH_MAX], wantline[3 * RG_PATH_MAX], want[2 * RG_PATH_MAX];
	static struct rg_path_result r;
	char what[512];

	if (!st->what) { /* a change: reported only when it fails */
		if (change_step(st)) {
			snprintf(what, sizeof(what), "[%s] step %d on %s: %s", level, (int)st->op,
				 st->a ? st->a : "/", strerror(errno));
			CHECK(0, what);
		}
		return;
	}
	snprintf(what, sizeof(what), "[%s] %s", level, st->what);
	int rc = open_step(st, &r, want, sizeof(want));
	if (rc) {
		snprintf(what + strlen(what), sizeof(what) - strlen(what), ": %s", strerror(-rc));
		CHECK(0, what);
		return;
	}
	describe(got, sizeof(got), r.opens, r.path, r.len, (int)r.trunc, r.verdict, (int)r.hit,
		 r.hit_path, r.hit_len, r.hit_action);
	describe(wantline, sizeof(wantline), 1, want, strlen(want), st->trunc, st->verdict,
		 st->hit, want, strlen(want), st->verdict);
	CHECK_STR(got, wantline, what);
}

/* Loads the programs of one level (the suffix of their names: "", "_pr"
 * or "_old") with the recorder's filter for the prefixes of m. */
static struct path_test_bpf *load(const char *suffix, const struct rg_pathmatch *m)
{
	struct path_test_bpf *skel = path_test_bpf__open();
	struct bpf_program *prog;
	if (!skel)
		return NULL;
	rg_tracefs_mount(); /* the programs attach to syscall tracepoints */
	skel->rodata->rg_test_tgid = (uint32_t)getpid();
	RG_BPF_FILTER_RODATA(skel->rodata, m);
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog), *u = strrchr(name, '_');
		const char *v = u && (!strcmp(u, "_pr") || !strcmp(u, "_old")) ? u : "";
		bpf_program__set_autoload(prog, strcmp(v, suffix) == 0);
	}
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0 || bpf_map__set_max_entries(skel->maps.scratch, (uint32_t)ncpu) ||
	    bpf_map__set_max_entries(skel->maps.events, 1u << 16) || path_test_bpf__load(skel) ||
	    rg_bpf_filter_fill(bpf_map__fd(skel->maps.file_prefixes),
			       bpf_map__fd(skel->maps.file_ancestors),
			       bpf_map__fd(skel->maps.file_names), m) ||
	    path_test_bpf__attach(skel)) {
		path_test_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* The whole table at one level, in a fresh tree. */
static void run_level(const char *level, const char *suffix)
{
	char lists[3][256], what[128], path[RG_PATH_MAX];
	struct rg_pathmatch m = {0};
	struct path_test_bpf *skel = NULL;

	snprintf(T, sizeof(T), "/tmp/rg-path.XXXXXX");
	if (!mkdtemp(T)) {
		CHECK(0, "a temporary directory");
		return;
	}
	snprintf(lists[0], sizeof(lists[0]), "%s/w %s/src", T, T);
	snprintf(lists[1], sizeof(lists[1]), "%s/w/ex", T);
	snprintf(lists[2], sizeof(lists[2]), "%s/wr", T);
	struct rg_pm_lists l = {.watch_paths = lists[0], .exclude_paths = lists[1],
				.watch_writes = lists[2]};
	char err[256] = "";
	if (!rg_pathmatch_init(&m, &l, err, sizeof(err)))
		skel = load(suffix, &m);
	snprintf(what, sizeof(what), "[%s] the test programs load with the recorder's filter",
		 level);
	CHECK_STR(skel ? "" : err[0] ? err : "load failed (libbpf said why)", "", what);
	if (skel) {
		result_fd = bpf_map__fd(skel->maps.result);
		for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
			run_step(level, &steps[i]);
		path_test_bpf__destroy(skel);
	}
	if (fchdir(rootfd) || chroot(".") || chdir("/")) /* out of the jail, if a step failed */
		perror("leaving the chroot");
	umount2(abs_path("mnt", path, sizeof(path)), MNT_DETACH);
	snprintf(path, sizeof(path), "rm -rf --one-file-system -- '%s'", T);
	if (system(path) != 0)
		fprintf(stderr, "could not remove %s\n", T);
	rg_pathmatch_free(&m);
}

int main(void)
{
	int rc = tap_need_root("needs root to load BPF programs, mount and chroot");
	if (rc >= 0)
		return rc;
	/* one CPU: the cache is per CPU; a mount namespace of our own: the
	 * bind mount goes away with us */
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu(), &cpus);
	CHECK(sched_setaffinity(0, sizeof(cpus), &cpus) == 0 && unshare(CLONE_NEWNS) == 0 &&
		      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
		      (rootfd = open("/", O_PATH | O_DIRECTORY)) >= 0,
	      "one CPU and a mount namespace of the test's own");
	if (rootfd >= 0) {
		run_level("cast", "");
		run_level("pr", "_pr");
		run_level("old", "_old");
		close(rootfd);
	}
	return tap_done();
}
