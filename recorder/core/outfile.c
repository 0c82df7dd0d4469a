/* outfile.c: see outfile.h. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* SQLite's lock bytes are its file format's lock-byte range, 2^30 to
 * 2^30 + 511: the byte after it is locked by no SQLite connection. */
#define LOCK_BYTE (((off_t)1 << 30) + 512)

enum { OPENED = 0, FAILED = 1, REFUSED = 2 };

/* Fills err, sets *code, and returns -1 (errno kept) for the caller. */
static int say(int *code, int c, char *err, size_t errlen, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	*code = c;
	errno = saved;
	return -1;
}

static bool trusted(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* A directory we may write in: owned by root or us, and writable by
 * others only with the sticky bit (then they cannot rename or remove our
 * files). 0, or -1 with the reason; shown is its name (len bytes). */
static int check_dir(int fd, const char *shown, int len, char *err, size_t errlen, int *code)
{
	struct stat sb;
	if (fstat(fd, &sb))
		return say(code, FAILED, err, errlen, "%.*s: %s", len, shown, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return say(code, FAILED, err, errlen, "%.*s: not a directory", len, shown);
	if (!trusted(sb.st_uid))
		return say(code, REFUSED, err, errlen, "%.*s: the directory is owned by uid %u, "
			   "not by root or uid %u: refusing to write in it", len, shown,
			   (unsigned)sb.st_uid, (unsigned)geteuid());
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) && !(sb.st_mode & S_ISVTX))
		return say(code, REFUSED, err, errlen, "%.*s: others can write the directory "
			   "(mode %04o, no sticky bit): refusing to write in it", len, shown,
			   (unsigned)(sb.st_mode & 07777));
	return 0;
}

/* Follows the symlink name in dfd (whose stat is sb) to a directory, if
 * root or we own it and the directory holding it passes check_dir (then
 * no one else can swap it): another user's link could steer the output
 * into a directory of their choosing. dir's first len bytes name the link,
 * its first at bytes the directory holding it. */
static int follow(int dfd, const char *name, const struct stat *sb, const char *dir, int at,
		  int len, char *err, size_t errlen, int *code)
{
	if (!trusted(sb->st_uid))
		return say(code, REFUSED, err, errlen, "%.*s: a symlink owned by uid %u: refusing "
			   "to follow it", len, dir, (unsigned)sb->st_uid);
	const char *holder = at ? dir : dir[0] == '/' ? "/" : ".";
	if (check_dir(dfd, holder, at > 1 ? at - 1 : 1, err, errlen, code))
		return -1;
	return openat(dfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Opens dir (O_PATH) one component at a time from / or the working
 * directory, following a symlink on the way only as follow() allows.
 * -1 with the reason (errno ENOENT when a component is missing). */
static int open_dir(const char *dir, char *err, size_t errlen, int *code)
{
	char buf[PATH_MAX], *save = NULL;
	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return say(code, FAILED, err, errlen, "%.64s...: path too long", dir);
	int fd = open(buf[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (char *c = strtok_r(buf, "/", &save); c && fd >= 0; c = strtok_r(NULL, "/", &save)) {
		int at = (int)(c - buf);
		struct stat sb;
		int next = openat(fd, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (next >= 0 && fstat(next, &sb) == 0 && S_ISLNK(sb.st_mode)) {
			close(next);
			next = follow(fd, c, &sb, dir, at, at + (int)strlen(c), err, errlen, code);
			if (next < 0 && *code == REFUSED) {
				close(fd);
				return -1;
			}
		}
		close(fd);
		fd = next;
	}
	if (fd < 0)
		return say(code, FAILED, err, errlen, "%s: %s", dir, strerror(errno));
	return fd;
}

/* The directory part of path into dir ("." or "/" when that is all), and
 * the last component (empty when path ends with a slash). */
static const char *split(const char *path, char dir[PATH_MAX])
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, PATH_MAX, ".");
	else
		snprintf(dir, PATH_MAX, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	return slash ? slash + 1 : path;
}

/* open_dir, and when only the last directory is missing, creates it 0750
 * (e.g. var/ for the default database) in its checked parent. */
static int open_or_make_dir(const char *dir, char *err, size_t errlen, int *code)
{
	*code = OPENED;
	int fd = open_dir(dir, err, errlen, code);
	if (fd >= 0 || errno != ENOENT || *code == REFUSED)
		return fd;
	char parent[PATH_MAX];
	const char *base = split(dir, parent);
	int pfd = open_dir(parent, err, errlen, code);
	if (pfd < 0)
		return -1;
	int bad = check_dir(pfd, parent, (int)strlen(parent), err, errlen, code) ||
		  (mkdirat(pfd, base, 0750) && errno != EEXIST &&
		   say(code, FAILED, err, errlen, "%s: %s", dir, strerror(errno)));
	close(pfd);
	if (bad)
		return -1;
	*code = OPENED; /* the first open_dir's failure is gone */
	return open_dir(dir, err, errlen, code);
}

/* Opens name in dfd without following a symlink; when missing and create
 * is set, creates it 0600 with O_EXCL (if someone else creates it first,
 * theirs is opened, to be checked and refused). */
static int open_at(int dfd, const char *name, int flags, bool create)
{
	for (int tries = 0; tries < 4; tries++) {
		int fd = openat(dfd, name, flags | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT || !create)
			return fd;
		fd = openat(dfd, name, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* The file is ours alone: a regular file (or, for a stream, a FIFO or a
 * character device: nothing else can be read back), owned by us, not
 * writable by group or others, with no second name. *regular: lock it. */
static int check_file(int fd, const char *shown, bool stream, bool *regular, char *err,
		      size_t errlen, int *code)
{
	struct stat sb;
	if (fstat(fd, &sb))
		return say(code, FAILED, err, errlen, "%s: %s", shown, strerror(errno));
	*regular = S_ISREG(sb.st_mode);
	if (stream && S_ISCHR(sb.st_mode))
		return 0; /* /dev/null: only root makes devices */
	if (!*regular && !(stream && S_ISFIFO(sb.st_mode)))
		return say(code, REFUSED, err, errlen, "%s: not a regular file: refusing it", shown);
	if (sb.st_uid != geteuid())
		return say(code, REFUSED, err, errlen, "%s: owned by uid %u, not by uid %u that "
			   "records: refusing it", shown, (unsigned)sb.st_uid, (unsigned)geteuid());
	if (sb.st_mode & (S_IWGRP | S_IWOTH))
		return say(code, REFUSED, err, errlen, "%s: writable by group or others (mode "
			   "%04o): refusing it", shown, (unsigned)(sb.st_mode & 07777));
	if (*regular && sb.st_nlink != 1)
		return say(code, REFUSED, err, errlen, "%s: has %ju hard links (another name "
			   "writes it too): refusing it", shown, (uintmax_t)sb.st_nlink);
	return 0;
}

/* open_at + check_file; a missing file is -1 with errno ENOENT, *code 0. */
static int open_checked(int dfd, const char *name, const char *shown, int flags, bool create,
			bool stream, bool *regular, char *err, size_t errlen, int *code)
{
	int fd = open_at(dfd, name, flags, create);
	if (fd < 0 && errno == ELOOP)
		return say(code, REFUSED, err, errlen, "%s: a symlink: refusing to follow it "
			   "(remove it to start)", shown);
	if (fd < 0 && errno == ENOENT && !create)
		return -1;
	if (fd < 0)
		return say(code, FAILED, err, errlen, "%s: cannot open it: %s", shown,
			   strerror(errno));
	if (check_file(fd, shown, stream, regular, err, errlen, code)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int take_lock(int fd, const char *shown, char *err, size_t errlen, int *code)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = LOCK_BYTE,
			   .l_len = 1};
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno == EAGAIN || errno == EACCES)
		return say(code, REFUSED, err, errlen, "%s: another rand-guard is recording to "
			   "it: refusing a second writer", shown);
	return say(code, FAILED, err, errlen, "%s: cannot lock it: %s", shown, strerror(errno));
}

/* Checks (and creates) the companions; 0 or -1 with the reason. */
static int companions(int dfd, const char *name, const char *path,
		      const struct rg_companion *cs, char *err, size_t errlen, int *code)
{
	char cname[NAME_MAX + 1], shown[PATH_MAX];
	bool regular;
	for (const struct rg_companion *c = cs; c && c->suffix; c++) {
		snprintf(shown, sizeof(shown), "%s%s", path, c->suffix);
		if (snprintf(cname, sizeof(cname), "%s%s", name, c->suffix) >= (int)sizeof(cname))
			return say(code, FAILED, err, errlen, "%s: name too long", shown);
		int fd = open_checked(dfd, cname, shown, O_RDONLY | O_NONBLOCK, c->create, false,
				      &regular, err, errlen, code);
		if (fd < 0 && *code)
			return -1;
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

int rg_outfile_open(const char *path, const struct rg_outfile *how, char *err, size_t errlen,
		    int *code)
{
	char dir[PATH_MAX];
	const char *name = split(path, dir);
	bool regular = false;
	*code = OPENED;
	if (!*name)
		return say(code, REFUSED, err, errlen, "%s: not a file name", path);
	int dfd = open_or_make_dir(dir, err, errlen, code);
	if (dfd < 0)
		return -1;
	int fd = -1;
	if (!check_dir(dfd, dir, (int)strlen(dir), err, errlen, code))
		fd = open_checked(dfd, name, path, how->flags, true, how->stream, &regular, err,
				  errlen, code);
	if (fd >= 0 && regular &&
	    (take_lock(fd, path, err, errlen, code) ||
	     companions(dfd, name, path, how->companions, err, errlen, code))) {
		close(fd);
		fd = -1;
	}
	close(dfd);
	return fd;
}
