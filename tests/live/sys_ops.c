/* sys_ops: privilege and system operations, for tests/live/test_system.sh.
 * Each makes one call that works and one that fails, and prints what the
 * test checks against (pids, paths) on stdout.
 *
 *   sys_ops cred               children: setuid(65534) then setuid(0)
 *                              (EPERM); setresuid(65534 x3); capset to no
 *                              effective capability, then a bad version
 *   sys_ops ptrace PID         PTRACE_SEIZE of PID, PTRACE_INTERRUPT, a
 *                              POKEDATA of a word with its own value,
 *                              detach; then PTRACE_ATTACH of a pid no
 *                              process has (ESRCH)
 *   sys_ops procmem PID        opens /proc/PID/mem and /proc/self/mem
 *                              read-write
 *   sys_ops memfd NAME         memfd_create(NAME, CLOEXEC|ALLOW_SEALING),
 *                              then with flags the kernel refuses
 *   sys_ops bpf NAME           BPF_PROG_LOAD of a two-instruction socket
 *                              filter named NAME, then of a type no
 *                              kernel has (EINVAL)
 *   sys_ops mount DIR          in a child's new mount namespace: a tmpfs
 *                              on DIR/a, a bind of it on DIR/b, umount of
 *                              "b" from DIR, again (EINVAL), a mount on a
 *                              missing directory (ENOENT)
 *   sys_ops setns PID          setns to /proc/PID/ns/mnt as a mount
 *                              namespace, then as a network one (EINVAL)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "sys_ops: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Runs fn in a child (its credential changes stay there); returns fn's
 * status. */
static int in_child(int (*fn)(void))
{
	pid_t pid = fork();
	int st = 0;
	if (pid == 0)
		_exit(fn());
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return die("fork");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static int cred_setuid(void)
{
	if (setuid(65534))
		return die("setuid(65534)");
	if (setuid(0) == 0 || errno != EPERM)
		return die("setuid(0) worked");
	return 0;
}

static int cred_setresuid(void)
{
	return setresuid(65534, 65534, 65534) ? die("setresuid") : 0;
}

static int cred_capset(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d))
		return die("capget");
	d[0].effective = d[1].effective = 0;
	if (syscall(SYS_capset, &h, d))
		return die("capset");
	h.version = 0x12345678;
	if (syscall(SYS_capset, &h, d) == 0 || errno != EINVAL)
		return die("capset with a bad version worked");
	return 0;
}

static int run_cred(void)
{
	return in_child(cred_setuid) || in_child(cred_setresuid) || in_child(cred_capset);
}

/* The start of a writable mapping of pid, from its maps. */
static unsigned long writable_addr(pid_t pid)
{
	char path[64], line[512];
	unsigned long lo = 0, hi;
	char perms[8];
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && perms[1] == 'w')
			break;
	if (f)
		fclose(f);
	return lo;
}

static int run_ptrace(pid_t pid)
{
	int st;
	if (ptrace(PTRACE_SEIZE, pid, 0, 0))
		return die("PTRACE_SEIZE");
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) || waitpid(pid, &st, __WALL) < 0)
		return die("PTRACE_INTERRUPT");
	unsigned long addr = writable_addr(pid);
	errno = 0;
	long word = ptrace(PTRACE_PEEKDATA, pid, addr, 0);
	if (errno || ptrace(PTRACE_POKEDATA, pid, addr, word))
		return die("PTRACE_POKEDATA");
	if (ptrace(PTRACE_DETACH, pid, 0, 0))
		return die("PTRACE_DETACH");
	printf("%lx\n", addr);
	if (ptrace(PTRACE_ATTACH, 0x3ffffff0, 0, 0) == 0 || errno != ESRCH)
		return die("PTRACE_ATTACH of no process worked");
	return 0;
}

static int run_procmem(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return die(path);
	close(fd);
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return die("/proc/self/mem");
	close(fd);
	return 0;
}

static int run_memfd(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return die("memfd_create");
	printf("%d\n", fd);
	if (memfd_create(name, 0x8000) >= 0 || errno != EINVAL)
		return die("memfd_create with a bad flag worked");
	return 0;
}

static long prog_load(const char *name, unsigned type)
{
	struct bpf_insn insns[2] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.insns = (unsigned long)insns;
	a.insn_cnt = 2;
	a.license = (unsigned long)"GPL";
	strncpy(a.prog_name, name, sizeof(a.prog_name) - 1);
	return syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
}

static int run_bpf(const char *name)
{
	long fd = prog_load(name, BPF_PROG_TYPE_SOCKET_FILTER);
	if (fd < 0)
		return die("BPF_PROG_LOAD");
	printf("%ld\n", fd);
	if (prog_load(name, 9999) >= 0 || errno != EINVAL)
		return die("BPF_PROG_LOAD of no such type worked");
	return 0;
}

static const char *mount_dir;

static int mount_ops(void)
{
	char a[4096], b[4096], missing[4096];
	snprintf(a, sizeof(a), "%s/a", mount_dir);
	snprintf(b, sizeof(b), "%s/b", mount_dir);
	snprintf(missing, sizeof(missing), "%s/missing", mount_dir);
	if (unshare(CLONE_NEWNS))
		return die("unshare");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return die("making / private");
	if (mount("rg-tmpfs", a, "tmpfs", MS_NOSUID, "size=1m"))
		return die("mount tmpfs");
	if (mount(a, b, NULL, MS_BIND, NULL))
		return die("bind mount");
	if (chdir(mount_dir) || umount2("b", 0))
		return die("umount2 b");
	if (umount2("b", 0) == 0 || errno != EINVAL)
		return die("umount2 of no mount worked");
	if (mount("rg-tmpfs", missing, "tmpfs", 0, NULL) == 0 || errno != ENOENT)
		return die("mount on a missing directory worked");
	return 0;
}

static int run_setns(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return die(path);
	if (setns(fd, CLONE_NEWNS))
		return die("setns");
	if (setns(fd, CLONE_NEWNET) == 0 || errno != EINVAL)
		return die("setns as the wrong type worked");
	return 0;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(op, "cred") == 0)
		return run_cred();
	if (strcmp(op, "ptrace") == 0 && argc == 3)
		return run_ptrace(atoi(argv[2]));
	if (strcmp(op, "procmem") == 0 && argc == 3)
		return run_procmem(atoi(argv[2]));
	if (strcmp(op, "memfd") == 0 && argc == 3)
		return run_memfd(argv[2]);
	if (strcmp(op, "bpf") == 0 && argc == 3)
		return run_bpf(argv[2]);
	if (strcmp(op, "mount") == 0 && argc == 3) {
		mount_dir = argv[2];
		return in_child(mount_ops);
	}
	if (strcmp(op, "setns") == 0 && argc == 3)
		return run_setns(atoi(argv[2]));
	fprintf(stderr, "usage: sys_ops cred|ptrace PID|procmem PID|memfd NAME|bpf NAME|"
		"mount DIR|setns PID\n");
	return 2;
}
