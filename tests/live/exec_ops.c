/* exec_ops: execs the shell cannot make, for the live process tests.
 *
 *   exec_ops memfd NAME PROGRAM [ARGS...]    PROGRAM copied into a memfd
 *                                            named NAME, run by fexecve()
 *   exec_ops execveat PROGRAM [ARGS...]      execveat(fd, "", AT_EMPTY_PATH)
 *                                            of an fd of PROGRAM
 *   exec_ops unlinked COPY PROGRAM [ARGS...] PROGRAM copied to COPY, which is
 *                                            opened, unlinked, then run as
 *                                            /proc/self/fd/N
 *
 * The new image gets PROGRAM and ARGS as its argv.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static int die(const char *what)
{
	fprintf(stderr, "exec_ops: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Copies the file at path to the fd out. Returns 0 or -1. */
static int copy_to(const char *path, int out)
{
	char buf[65536];
	ssize_t n;
	int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	close(in);
	return n < 0 ? -1 : 0;
}

static int run_memfd(const char *name, char **args)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0 || copy_to(args[0], fd))
		return die("memfd");
	fexecve(fd, args, environ);
	return die("fexecve");
}

static int run_execveat(char **args)
{
	int fd = open(args[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return die(args[0]);
	syscall(SYS_execveat, fd, "", args, environ, AT_EMPTY_PATH);
	return die("execveat");
}

static int run_unlinked(const char *copy, char **args)
{
	char self[64];
	int out = open(copy, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	if (out < 0 || copy_to(args[0], out) || close(out))
		return die(copy);
	int fd = open(copy, O_RDONLY); /* not close-on-exec: /proc/self/fd needs it */
	if (fd < 0 || unlink(copy))
		return die("unlink");
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	execve(self, args, environ);
	return die("execve");
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "memfd"))
		return run_memfd(argv[2], argv + 3);
	if (argc >= 3 && !strcmp(argv[1], "execveat"))
		return run_execveat(argv + 2);
	if (argc >= 4 && !strcmp(argv[1], "unlinked"))
		return run_unlinked(argv[2], argv + 3);
	fprintf(stderr, "usage: exec_ops memfd NAME PROGRAM [ARGS...] | execveat PROGRAM "
		"[ARGS...] | unlinked COPY PROGRAM [ARGS...]\n");
	return 2;
}
