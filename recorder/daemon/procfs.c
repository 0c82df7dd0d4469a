/* procfs.c: scans /proc for the processes that were running at start-up
 * (see procfs.h). A process may exit while we read it: any file that
 * vanishes leaves that field unknown, and a process whose stat cannot be
 * read is skipped. */
#include "procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "alloc.h"
#include "rg_abi.h"

int rg_procfs_parse_stat(const char *text, struct rg_str *comm, uint32_t *ppid,
			 uint64_t *start_ticks)
{
	const char *open = strchr(text, '(');
	const char *close = strrchr(text, ')');
	if (!open || !close || close < open || close[1] != ' ')
		return -1;
	*comm = (struct rg_str){open + 1, (uint32_t)(close - open - 1)};

	/* After ") " come the one-letter state (field 3), then numbers: ppid
	 * is field 4, starttime field 22. Some fields are negative (nice). */
	const char *p = close + 2;
	if (!*p || p[1] != ' ')
		return -1;
	p += 2;
	unsigned long long v[19]; /* fields 4..22 */
	for (int i = 0; i < 19; i++) {
		char *end;
		v[i] = strtoull(p, &end, 10);
		if (end == p || (*end && *end != ' ' && *end != '\n'))
			return -1;
		p = end;
	}
	*ppid = (uint32_t)v[0];
	*start_ticks = v[18];
	return 0;
}
/* Reads up to max bytes of a /proc file into a malloc'd buffer. Returns the
 * length, or -1; *trunc says the file had more. */
static ssize_t slurp(int dirfd, const char *name, size_t max, char **out, bool *trunc)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char *buf = rg_malloc(max + 1);
	ssize_t len = 0, n = 0;
	while ((size_t)len < max + 1 &&
	       (n = read(fd, buf + len, max + 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	if (n < 0) {
		free(buf);
		return -1;
	}
	*trunc = (size_t)len > max;
	if (*trunc)
		len = (ssize_t)max;
	buf[len] = '\0';
	*out = buf;
	return len;
}

static struct rg_str link_at(int dirfd, const char *name, uint32_t *flags, uint32_t trunc_flag)
{
	char *buf = rg_malloc(RG_PATH_MAX + 1);
	ssize_t n = readlinkat(dirfd, name, buf, RG_PATH_MAX + 1);
	if (n <= 0) {
		free(buf);
		return (struct rg_str){NULL, 0};
	}
	if (n > RG_PATH_MAX) {
		n = RG_PATH_MAX;
		*flags |= trunc_flag;
	}
	return (struct rg_str){buf, (uint32_t)n};
}

/* The exe link (p->exe, from link_at) as an exec would have recorded it.
 * The kernel shows a file with no name left as "PATH (deleted)", and a
 * memfd as "/memfd:NAME (deleted)": here they become PATH flagged
 * RG_EF_EXE_DELETED and "memfd:NAME" flagged RG_EF_EXE_MEMFD. The suffix
 * alone proves nothing (a file may be named so): the file is deleted
 * unless its link's text still names it. A memfd is a deleted "/memfd:"
 * file in shared memory (where the kernel sees that it has no path at all;
 * a file of that name at the root of a tmpfs root, unlinked, looks the
 * same from here). */
static void exe_origin(int dirfd, struct rg_process *p)
{
	static const char mark[] = " (deleted)";
	const size_t mlen = sizeof(mark) - 1;
	char *text = (char *)p->exe.p;
	struct stat file, named;
	struct statfs fs;

	if (!text || (p->flags & RG_EF_EXE_TRUNC) || p->exe.len <= mlen ||
	    memcmp(text + p->exe.len - mlen, mark, mlen) != 0)
		return;
	int fd = openat(dirfd, "exe", O_PATH | O_CLOEXEC);
	if (fd < 0)
		return;
	text[p->exe.len] = '\0'; /* link_at leaves room for it */
	bool named_so = fstat(fd, &file) == 0 && stat(text, &named) == 0 &&
			named.st_dev == file.st_dev && named.st_ino == file.st_ino;
	if (!named_so) {
		p->exe.len -= mlen;
		p->flags |= RG_EF_EXE_DELETED;
		if (!strncmp(text, "/memfd:", 7) && fstatfs(fd, &fs) == 0 &&
		    ((uint32_t)fs.f_type == TMPFS_MAGIC || (uint32_t)fs.f_type == HUGETLBFS_MAGIC)) {
			memmove(text, text + 1, --p->exe.len);
			p->flags ^= RG_EF_EXE_DELETED | RG_EF_EXE_MEMFD;
		}
	}
	close(fd);
}

static uint32_t read_u32(int dirfd, const char *name, uint32_t dflt)
{
	char *text;
	bool trunc;
	if (slurp(dirfd, name, 32, &text, &trunc) < 0)
		return dflt;
	char *end;
	unsigned long v = strtoul(text, &end, 10);
	uint32_t r = end != text ? (uint32_t)v : dflt;
	free(text);
	return r;
}

/* Real and effective ids from the Uid:/Gid: lines of status. */
static void read_ids(int dirfd, struct rg_process *p)
{
	char *text;
	bool trunc;
	if (slurp(dirfd, "status", 8192, &text, &trunc) < 0)
		return;
	const char *u = strstr(text, "\nUid:");
	const char *g = strstr(text, "\nGid:");
	unsigned a, b;
	if (u && sscanf(u + 5, "%u %u", &a, &b) == 2) {
		p->uid = a;
		p->euid = b;
	}
	if (g && sscanf(g + 5, "%u", &a) == 1)
		p->gid = a;
	free(text);
}

/* A namespace's inode number from its link's text, "net:[4026531840]";
 * 0 when unreadable. */
static uint32_t ns_inum(int dirfd, const char *name)
{
	char text[64];
	ssize_t n = readlinkat(dirfd, name, text, sizeof(text) - 1);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	const char *open = strchr(text, '[');
	return open ? (uint32_t)strtoul(open + 1, NULL, 10) : 0;
}

/* Where the process runs: its namespaces, and the path of its v2 cgroup
 * (the "0::" line of cgroup), whose id the process table finds from it. */
static void read_place(int dirfd, struct rg_process *p)
{
	struct rg_who *w = &p->who;
	w->pidns = ns_inum(dirfd, "ns/pid");
	w->mntns = ns_inum(dirfd, "ns/mnt");
	w->netns = ns_inum(dirfd, "ns/net");
	w->userns = ns_inum(dirfd, "ns/user");
	w->utsns = ns_inum(dirfd, "ns/uts");
	w->cgroupns = ns_inum(dirfd, "ns/cgroup");
	char *text;
	bool trunc;
	if (slurp(dirfd, "cgroup", 16384, &text, &trunc) < 0)
		return;
	const char *line = !strncmp(text, "0::/", 4) ? text : strstr(text, "\n0::/");
	if (line && !trunc) {
		line += line[0] == '\n' ? 4 : 3;
		size_t len = strcspn(line, "\n");
		char *path = rg_malloc(len + 1);
		memcpy(path, line, len);
		path[len] = '\0'; /* the table's cgroup lookup takes a C string */
		w->cgroup_path = (struct rg_str){path, (uint32_t)len};
	}
	free(text);
}

static struct rg_str dup_str(struct rg_str s)
{
	char *p = rg_malloc(s.len);
	memcpy(p, s.p, s.len);
	return (struct rg_str){p, s.len};
}

/* Fills p from /proc/PID (dirfd). Returns 0, or -1 when the process is gone. */
static int read_process(int dirfd, uint32_t pid, uint64_t tick_ns, int64_t wall_offset,
			struct rg_process *p)
{
	char *stat;
	bool trunc;
	if (slurp(dirfd, "stat", 4096, &stat, &trunc) < 0)
		return -1;
	struct rg_str comm;
	uint64_t ticks;
	int rc = rg_procfs_parse_stat(stat, &comm, &p->ppid, &ticks);
	if (rc == 0)
		p->comm = dup_str(comm);
	free(stat);
	if (rc)
		return -1;

	p->pid = pid;
	p->start_boot_ns = ticks * tick_ns;
	p->start_ns = (int64_t)p->start_boot_ns + wall_offset;
	p->source = RG_PSRC_PROC;
	read_ids(dirfd, p);
	p->auid = read_u32(dirfd, "loginuid", (uint32_t)-1);
	p->sessionid = read_u32(dirfd, "sessionid", (uint32_t)-1);
	p->exe = link_at(dirfd, "exe", &p->flags, RG_EF_EXE_TRUNC);
	exe_origin(dirfd, p);
	read_place(dirfd, p);
	p->cwd = link_at(dirfd, "cwd", &p->flags, RG_EF_CWD_TRUNC);
	char *argv;
	ssize_t n = slurp(dirfd, "cmdline", RG_ARGV_MAX, &argv, &trunc);
	if (n > 0) {
		p->argv = (struct rg_str){argv, (uint32_t)n};
		if (trunc)
			p->flags |= RG_EF_ARGV_TRUNC;
	} else if (n == 0) {
		free(argv); /* kernel threads have no arguments */
	}
	return 0;
}

static void free_one(struct rg_process *p)
{
	free((void *)p->comm.p);
	free((void *)p->exe.p);
	free((void *)p->argv.p);
	free((void *)p->cwd.p);
	free((void *)p->who.cgroup_path.p);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int rg_procfs_scan(const char *root, uint64_t tick_ns, int64_t wall_offset,
		   struct rg_process **out)
{
	DIR *d = opendir(root);
	if (!d)
		return -errno;
	struct rg_process *list = NULL;
	int n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!all_digits(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			list = rg_realloc(list, (size_t)cap * sizeof(*list));
		}
		int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&list[n], 0, sizeof(list[n]));
		if (read_process(fd, (uint32_t)strtoul(de->d_name, NULL, 10), tick_ns,
				 wall_offset, &list[n]) == 0)
			n++;
		else
			free_one(&list[n]);
		close(fd);
	}
	closedir(d);
	*out = list;
	return n;
}

void rg_procfs_free(struct rg_process *procs, int n)
{
	for (int i = 0; i < n; i++)
		free_one(&procs[i]);
	free(procs);
}
