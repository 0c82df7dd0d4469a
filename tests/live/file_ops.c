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
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int main(int argc, char **argv)
{
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
		"deep DIR LEVELS\n");
	return 2;
}
