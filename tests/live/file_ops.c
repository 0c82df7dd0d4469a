/* file_ops: file system calls the shell cannot make exactly, for the live
 * file tests.
 *
 *   file_ops unlinkat DIR NAME   unlinkat() of NAME relative to an fd of DIR
 *   file_ops writes PATH N       one open, N one-byte write()s, one close
 *   file_ops cfr-fallback PATH   one open, a copy_file_range() from a bad fd
 *                                (-EBADF), then the write() cp falls back to
 *   file_ops deep DIR LEVELS     chdir down LEVELS new 200-byte directories
 *                                below DIR, then create "leaf" by a relative
 *                                open: an absolute path longer than 4096
 *   file_ops sys CALL ARGS...    one metadata system call, made directly
 *                                (not through libc, which picks its own):
 *                                prints its result, or -errno; see meta()
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#endif

static int die(const char *what)
{
	fprintf(stderr, "file_ops: %s: %s\n", what, strerror(errno));
	return 1;
}

static int deep(const char *dir, int levels)
{
	char name[201];
	memset(name, 'd', 200);
	name[200] = '\0';
	if (chdir(dir))
		return die(dir);
	for (int i = 0; i < levels; i++)
		if ((mkdir(name, 0700) && errno != EEXIST) || chdir(name))
			return die("mkdir/chdir");
	int fd = open("leaf", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	return fd < 0 ? die("leaf") : close(fd);
}

/* A directory's fd, or AT_FDCWD for "." (a *at call's dirfd). */
static int dir_fd(const char *dir)
{
	return strcmp(dir, ".") ? open(dir, O_RDONLY | O_DIRECTORY) : AT_FDCWD;
}

/* A file's fd for the f* calls, opened for writing when it can be (an
 * ftruncate needs it; the others do not care). */
static int file_fd(const char *path)
{
	int fd = open(path, O_WRONLY);
	return fd >= 0 ? fd : open(path, O_RDONLY);
}

/* security.capability's value for cap_net_raw+p (VFS_CAP_REVISION_2). */
static const uint32_t caps_v2[5] = {0x02000000, 1u << 13, 0, 0, 0};

/* The call named by a[0] with the arguments after it (modes octal, times
 * in seconds since the epoch set as the modification time); its result. */
static long meta(int n, char **a)
{
	struct timespec ts[2] = {{0, UTIME_OMIT}, {n > 3 ? atol(a[3]) : 0, 123456789}};
	struct timeval tv[2] = {{0, 0}, {n > 2 ? atol(a[2]) : 0, 250000}};
	struct xattr_args { uint64_t value; uint32_t size, flags; } xa = {
		(uintptr_t)caps_v2, sizeof(caps_v2), 0};
	const char *c = a[0];
#define IS(name, argc) (!strcmp(c, name) && n == (argc) + 1)
	if (IS("chmod", 2)) return syscall(SYS_chmod, a[1], strtol(a[2], 0, 8));
	if (IS("fchmod", 2)) return syscall(SYS_fchmod, file_fd(a[1]), strtol(a[2], 0, 8));
	if (IS("fchmodat", 3))
		return syscall(SYS_fchmodat, dir_fd(a[1]), a[2], strtol(a[3], 0, 8));
	if (IS("fchmodat2", 3))
		return syscall(SYS_fchmodat2, dir_fd(a[1]), a[2], strtol(a[3], 0, 8),
			       AT_SYMLINK_NOFOLLOW);
	if (IS("chown", 3)) return syscall(SYS_chown, a[1], atoi(a[2]), atoi(a[3]));
	if (IS("lchown", 3)) return syscall(SYS_lchown, a[1], atoi(a[2]), atoi(a[3]));
	if (IS("fchown", 3)) return syscall(SYS_fchown, file_fd(a[1]), atoi(a[2]), atoi(a[3]));
	if (IS("fchownat", 4))
		return syscall(SYS_fchownat, dir_fd(a[1]), a[2], atoi(a[3]), atoi(a[4]),
			       AT_SYMLINK_NOFOLLOW);
	if (IS("link", 2)) return syscall(SYS_link, a[1], a[2]);
	if (IS("linkat", 4))
		return syscall(SYS_linkat, dir_fd(a[1]), a[2], dir_fd(a[3]), a[4],
			       AT_SYMLINK_FOLLOW);
	if (IS("symlink", 2)) return syscall(SYS_symlink, a[1], a[2]);
	if (IS("symlinkat", 3)) return syscall(SYS_symlinkat, a[1], dir_fd(a[2]), a[3]);
	if (IS("mkdir", 2)) return syscall(SYS_mkdir, a[1], strtol(a[2], 0, 8));
	if (IS("mkdirat", 3)) return syscall(SYS_mkdirat, dir_fd(a[1]), a[2], strtol(a[3], 0, 8));
	if (IS("utimensat", 3)) return syscall(SYS_utimensat, dir_fd(a[1]), a[2], ts, 0);
	if (IS("futimens", 1)) return syscall(SYS_utimensat, file_fd(a[1]), NULL, NULL, 0);
	if (IS("utimes", 2)) return syscall(SYS_utimes, a[1], tv);
	if (IS("utime", 2)) {
		struct utimbuf b = {0, atol(a[2])};
		return syscall(SYS_utime, a[1], &b);
	}
	if (IS("futimesat", 3)) {
		tv[1].tv_sec = atol(a[3]);
		return syscall(SYS_futimesat, dir_fd(a[1]), a[2], tv);
	}
	/* setxattr: security.capability gets a valid value, others "x" */
	const void *v = n > 2 && !strcmp(a[2], "security.capability") ? (const void *)caps_v2 : "x";
	size_t vn = v == caps_v2 ? sizeof(caps_v2) : 1;
	if (IS("setxattr", 2)) return syscall(SYS_setxattr, a[1], a[2], v, vn, 0);
	if (IS("lsetxattr", 2)) return syscall(SYS_lsetxattr, a[1], a[2], v, vn, 0);
	if (IS("fsetxattr", 2)) return syscall(SYS_fsetxattr, file_fd(a[1]), a[2], v, vn, 0);
	if (IS("setxattrat", 3))
		return syscall(SYS_setxattrat, dir_fd(a[1]), a[2], 0, a[3], &xa, sizeof(xa));
	if (IS("truncate", 2)) return syscall(SYS_truncate, a[1], atol(a[2]));
	if (IS("ftruncate", 2)) return syscall(SYS_ftruncate, file_fd(a[1]), atol(a[2]));
#undef IS
	fprintf(stderr, "file_ops sys: unknown call or arguments: %s\n", c);
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "sys")) {
		long rc = meta(argc - 2, argv + 2);
		printf("%ld\n", rc < 0 ? -(long)errno : rc);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "unlinkat")) {
		int dfd = open(argv[2], O_RDONLY | O_DIRECTORY);
		if (dfd < 0 || unlinkat(dfd, argv[3], 0))
			return die("unlinkat");
		return close(dfd);
	}
	if (argc == 4 && !strcmp(argv[1], "writes")) {
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			return die(argv[2]);
		for (long i = 0; i < atol(argv[3]); i++)
			if (write(fd, "x", 1) != 1)
				return die("write");
		return close(fd);
	}
	if (argc == 3 && !strcmp(argv[1], "cfr-fallback")) {
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			return die(argv[2]);
		if (copy_file_range(-1, NULL, fd, NULL, 1, 0) != -1 || errno != EBADF)
			return die("copy_file_range from fd -1 did not fail with EBADF");
		if (write(fd, "x", 1) != 1)
			return die("write");
		return close(fd);
	}
	if (argc == 4 && !strcmp(argv[1], "deep"))
		return deep(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: file_ops unlinkat DIR NAME | writes PATH N | cfr-fallback PATH | "
		"deep DIR LEVELS | sys CALL ARGS...\n");
	return 2;
}
