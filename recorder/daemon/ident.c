/* ident.c: user, group and cgroup names (see ident.h). */
#include "ident.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "clock.h"

#define WALK_NS 1000000000LL     /* walks of the cgroup hierarchy */
#define WALK_DIRS 65536u         /* cgroups one walk visits at most */
#define WALK_DEPTH 64
#define CG_SLOTS 8192u           /* the id -> path cache (a power of two) */

/* ---- the passwd and group files ---------------------------------------------- */

struct name_ent {
	uint32_t id;
	uint32_t off; /* into block; also the entry's order in the file */
};

/* One parse of a file: its names, and from when they held. */
struct table {
	struct name_ent *v;
	unsigned n, cap;
	struct rg_buf block;
	int64_t from; /* boot clock; INT64_MIN: the first parse */
};

/* The file as last read (cur), and as read before it (prev): an event
 * read after a change but made before it is named from prev. */
struct names {
	char *path;
	bool group;
	struct table cur, prev;
	unsigned parsed; /* 0: never read; prev is valid from 2 */
	struct stat st;
	int64_t checked; /* boot clock of the last look */
	int64_t retry;   /* boot clock: no look before (the file would not open) */
	bool warned;
	uint64_t loads;
};

#define RETRY_NS 100000000LL /* after a file that is there would not open */
#define LINE_MAX_BYTES (1u << 20) /* a longer line is skipped */

static int ent_cmp(const void *a, const void *b)
{
	const struct name_ent *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static void add_name(struct table *t, uint32_t id, const char *name)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = rg_realloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n++] = (struct name_ent){id, (uint32_t)t->block.len};
	rg_buf_add(&t->block, name, strlen(name) + 1);
}

/* Parses f (NULL: no file, no names) whole into a new cur, holding from
 * `from`; the old cur becomes prev. Lines glibc cannot parse are skipped,
 * as getpwuid would skip them; an id listed twice keeps its first name. */
static void load(struct names *nm, FILE *f, int64_t from)
{
	struct table spare = nm->prev;
	nm->prev = nm->cur;
	nm->cur = spare; /* reuses the older parse's memory */
	struct table *t = &nm->cur;
	size_t size = 16384;
	char *buf = rg_malloc(size);

	t->n = 0;
	t->block.len = 0;
	t->from = nm->parsed++ ? from : INT64_MIN;
	nm->loads++;
	while (f) {
		int rc;
		if (nm->group) {
			struct group g, *r;
			rc = fgetgrent_r(f, &g, buf, size, &r);
			if (!rc)
				add_name(t, g.gr_gid, g.gr_name);
		} else {
			struct passwd p, *r;
			rc = fgetpwent_r(f, &p, buf, size, &r);
			if (!rc)
				add_name(t, p.pw_uid, p.pw_name);
		}
		/* ERANGE: glibc has put the line back; a group with thousands of
		 * members takes more than 16 KiB. ENOENT: the end. */
		if (rc == ERANGE && size < LINE_MAX_BYTES) {
			size *= 2;
			buf = rg_realloc(buf, size);
		} else if (rc == ERANGE) {
			int c;
			while ((c = getc(f)) != EOF && c != '\n')
				;
		} else if (rc) {
			break;
		}
	}
	free(buf);
	if (t->n)
		qsort(t->v, t->n, sizeof(*t->v), ent_cmp);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* When the file read (st; looked at at boot time now) took its content,
 * on the boot clock: its ctime (useradd and vipw replace the file by a
 * rename, which sets it; an edit in place sets it too), kept between the
 * last look, which still saw the old file, and now, which a wall clock
 * set back or forward would otherwise move it out of. A file gone has no
 * time: from the last look. */
static int64_t changed_at(const struct names *nm, const struct stat *st, int64_t now)
{
	if (!st->st_ino)
		return nm->checked;
	if (st->st_ctim.tv_sec < 0 || st->st_ctim.tv_sec > 9000000000LL)
		return now; /* no time in ns: before 1970 or after 2255 */
	int64_t at = (int64_t)st->st_ctim.tv_sec * 1000000000LL + st->st_ctim.tv_nsec -
		     rg_wall_offset_ns(NULL);
	return at < nm->checked ? nm->checked : at > now ? now : at;
}

/* Opens the file to be parsed, *st what fstat says of it (zeros: it is
 * gone, *f NULL). False when it is there but would not open (EMFILE,
 * EACCES): the parse is kept and tried again after RETRY_NS, said once on
 * stderr. */
static bool open_names(struct names *nm, FILE **f, struct stat *st, int64_t now)
{
	*f = fopen(nm->path, "re");
	if (*f ? fstat(fileno(*f), st) == 0 : errno == ENOENT || errno == ENOTDIR) {
		if (!*f)
			memset(st, 0, sizeof(*st));
		return true;
	}
	if (!nm->warned)
		fprintf(stderr, "rand-guard: %s: %s; its names are kept as last read\n", nm->path,
			strerror(errno));
	nm->warned = true;
	nm->retry = now + RETRY_NS;
	if (*f)
		fclose(*f);
	return false;
}

/* Parses the file again if it changed since the last look, unless that
 * look came after since (the boot-clock time of the event to be named):
 * the table then already held at the event. */
static void refresh(struct names *nm, int64_t since)
{
	if (nm->parsed && nm->checked >= since)
		return;
	int64_t now = rg_boot_ns();
	if (now < nm->retry)
		return;
	struct stat st;
	FILE *f = NULL;
	if (stat(nm->path, &st) != 0)
		memset(&st, 0, sizeof(st));
	if (nm->parsed && same_file(&st, &nm->st))
		goto same;
	if (!open_names(nm, &f, &st, now))
		return;
	if (nm->parsed && same_file(&st, &nm->st)) /* the path's stat failed a moment */
		goto same;
	load(nm, f, changed_at(nm, &st, now)); /* st: what was read */
	nm->st = st;
same:
	if (f)
		fclose(f);
	nm->checked = now;
}

/* id's name as the file had it at boot time `at` (0: now). The look after
 * `at` found the current parse; an event before its change is named by
 * the parse before it (if the file changed twice between two looks, the
 * middle version was never read, and its events get the older names). */
static const char *find_name(const struct names *nm, uint32_t id, int64_t at)
{
	const struct table *t = at && at < nm->cur.from && nm->parsed > 1 ? &nm->prev : &nm->cur;
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (t->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->n && t->v[lo].id == id ? t->block.p + t->v[lo].off : NULL;
}

/* ---- cgroups ----------------------------------------------------------------- */

struct cg_slot {
	uint64_t id; /* 0: free */
	char *path;
};

struct rg_ident {
	struct names users, groups;
	char *proc;
	char *cgroot; /* NULL: no v2 hierarchy */
	struct cg_slot *cg;
	unsigned ncg;
	int64_t walked;
	struct rg_ident_stats st;
};

static unsigned cg_hash(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return (unsigned)id & (CG_SLOTS - 1);
}

static struct cg_slot *cg_find(struct rg_ident *d, uint64_t id)
{
	for (unsigned i = cg_hash(id);; i = (i + 1) & (CG_SLOTS - 1)) {
		if (d->cg[i].id == id || !d->cg[i].id)
			return &d->cg[i];
	}
}

static void cg_clear(struct rg_ident *d)
{
	for (unsigned i = 0; i < CG_SLOTS; i++) {
		free(d->cg[i].path);
		d->cg[i] = (struct cg_slot){0};
	}
	d->ncg = 0;
}

/* Keeps id -> path; the cache starts over when three quarters full. */
static const char *cg_put(struct rg_ident *d, uint64_t id, const char *path, size_t len)
{
	struct cg_slot *s = cg_find(d, id);
	if (s->id) {
		free(s->path);
	} else {
		if (d->ncg >= CG_SLOTS / 4 * 3) {
			cg_clear(d);
			s = cg_find(d, id);
		}
		d->ncg++;
	}
	s->id = id;
	s->path = rg_malloc(len + 1);
	memcpy(s->path, path, len);
	s->path[len] = '\0';
	return s->path;
}

/* "0::/a/b" of /proc/PID/cgroup, if it names the directory of inode id. */
static const char *cg_from_proc(struct rg_ident *d, uint64_t id, uint32_t pid)
{
	char name[PATH_MAX], line[PATH_MAX];
	snprintf(name, sizeof(name), "%s/%u/cgroup", d->proc, pid);
	FILE *f = fopen(name, "re");
	const char *r = NULL;
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::/", 4) != 0)
			continue;
		size_t len = strcspn(line + 3, "\n");
		line[3 + len] = '\0';
		char full[PATH_MAX * 2];
		struct stat st;
		snprintf(full, sizeof(full), "%s%s", d->cgroot, line + 3);
		if (stat(full, &st) == 0 && st.st_ino == id)
			r = cg_put(d, id, line + 3, len);
		break;
	}
	fclose(f);
	return r;
}

/* Records every cgroup below dir (path rel, of length len in buf) by
 * inode: kernfs gives a directory's id as d_ino, no stat needed. */
static void cg_walk(struct rg_ident *d, int fd0, char *buf, size_t len, unsigned depth,
		    unsigned *budget)
{
	DIR *dir = fdopendir(fd0);
	if (!dir) {
		close(fd0);
		return;
	}
	struct dirent *e;
	while ((e = readdir(dir)) && *budget) {
		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		size_t n = strlen(e->d_name);
		if (len + 1 + n >= PATH_MAX)
			continue;
		buf[len] = '/';
		memcpy(buf + len + 1, e->d_name, n + 1);
		(*budget)--;
		cg_put(d, e->d_ino, buf, len + 1 + n);
		int fd = depth < WALK_DEPTH ? openat(dirfd(dir), e->d_name,
						     O_RDONLY | O_DIRECTORY | O_CLOEXEC)
					    : -1;
		if (fd >= 0)
			cg_walk(d, fd, buf, len + 1 + n, depth + 1, budget);
		buf[len] = '\0';
	}
	closedir(dir);
}

static void cg_walk_all(struct rg_ident *d)
{
	int64_t now = rg_boot_ns();
	if (d->walked && now - d->walked < WALK_NS)
		return;
	d->walked = now;
	d->st.cgroup_walks++;
	int fd = open(d->cgroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0)
		cg_put(d, st.st_ino, "/", 1);
	char buf[PATH_MAX] = "";
	unsigned budget = WALK_DIRS;
	cg_walk(d, fd, buf, 0, 0, &budget);
}

const char *rg_ident_cgroup(struct rg_ident *d, uint64_t cgid, uint32_t pid)
{
	if (!d->cgroot || !cgid)
		return NULL;
	struct cg_slot *s = cg_find(d, cgid);
	if (s->id)
		return s->path;
	d->st.cgroup_misses++;
	const char *p = pid ? cg_from_proc(d, cgid, pid) : NULL;
	if (!p) {
		cg_walk_all(d);
		s = cg_find(d, cgid);
		p = s->id ? s->path : NULL;
	}
	if (!p)
		d->st.cgroup_unknown++;
	return p;
}

uint64_t rg_ident_cgroup_id(struct rg_ident *d, const char *path)
{
	char full[PATH_MAX * 2];
	struct stat st;
	if (!d->cgroot || path[0] != '/')
		return 0;
	snprintf(full, sizeof(full), "%s%s", d->cgroot, path);
	if (stat(full, &st) != 0)
		return 0;
	cg_put(d, st.st_ino, path, strlen(path));
	return st.st_ino;
}

/* mountinfo escapes a space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* The first cgroup2 mount of /proc/self/mountinfo: "ID PARENT MAJ:MIN
 * ROOT MOUNTPOINT OPTIONS [TAGS...] - FSTYPE SOURCE SUPEROPTIONS". */
static char *cg_mount(const char *proc)
{
	char name[PATH_MAX], line[PATH_MAX * 2];
	snprintf(name, sizeof(name), "%s/self/mountinfo", proc);
	FILE *f = fopen(name, "re");
	char *r = NULL;
	if (!f)
		return NULL;
	while (!r && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		char *save = NULL, *w = strtok_r(line, " ", &save);
		for (int i = 0; w && i < 4; i++)
			w = strtok_r(NULL, " ", &save);
		if (w) {
			unescape(w);
			r = rg_strdup(w);
		}
	}
	fclose(f);
	return r;
}

/* ---- the whole ------------------------------------------------------------------ */

struct rg_ident *rg_ident_new(const struct rg_ident_opts *o)
{
	struct rg_ident *d = rg_calloc(1, sizeof(*d));
	d->users.path = rg_strdup(o && o->passwd ? o->passwd : "/etc/passwd");
	d->groups.path = rg_strdup(o && o->group ? o->group : "/etc/group");
	d->groups.group = true;
	d->proc = rg_strdup(o && o->proc ? o->proc : "/proc");
	if (o && o->cgroup_root)
		d->cgroot = o->cgroup_root[0] ? rg_strdup(o->cgroup_root) : NULL;
	else
		d->cgroot = cg_mount(d->proc);
	d->cg = rg_calloc(CG_SLOTS, sizeof(*d->cg));
	return d;
}

static void names_free(struct names *nm)
{
	free(nm->path);
	free(nm->cur.v);
	free(nm->prev.v);
	rg_buf_free(&nm->cur.block);
	rg_buf_free(&nm->prev.block);
}

void rg_ident_free(struct rg_ident *d)
{
	if (!d)
		return;
	names_free(&d->users);
	names_free(&d->groups);
	cg_clear(d);
	free(d->cg);
	free(d->proc);
	free(d->cgroot);
	free(d);
}

void rg_ident_refresh(struct rg_ident *d, int64_t since_boot_ns)
{
	refresh(&d->users, since_boot_ns);
	refresh(&d->groups, since_boot_ns);
}

const char *rg_ident_user(const struct rg_ident *d, uint32_t uid, int64_t at_boot_ns)
{
	return find_name(&d->users, uid, at_boot_ns);
}

const char *rg_ident_group(const struct rg_ident *d, uint32_t gid, int64_t at_boot_ns)
{
	return find_name(&d->groups, gid, at_boot_ns);
}

const char *rg_ident_cgroup_root(const struct rg_ident *d)
{
	return d->cgroot;
}

void rg_ident_stats(const struct rg_ident *d, struct rg_ident_stats *out)
{
	*out = d->st;
	out->user_loads = d->users.loads;
	out->group_loads = d->groups.loads;
}
