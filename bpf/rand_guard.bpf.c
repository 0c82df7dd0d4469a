/* rand_guard.bpf.c: the BPF programs' entry points.
 *
 * Each SEC() entry is thin: it hands its typed arguments to one worker in
 * the family's header. The recorder switches families off with
 * bpf_program__set_autoload() before load.
 */
#include "dns.bpf.h"
#include "filemeta.bpf.h"
#include "net.bpf.h"
#include "process.bpf.h"
#include "sys.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* rg_exec walks paths with bpf_loop (Linux 5.17+), rg_exec_old without
 * (RG_LV_OLD); the recorder loads one. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(rg_exec, struct task_struct *task, pid_t old_tid, struct linux_binprm *bprm)
{
	return rg_on_exec(task, old_tid, bprm, RG_LV_PR);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(rg_exec_old, struct task_struct *task, pid_t old_tid, struct linux_binprm *bprm)
{
	return rg_on_exec(task, old_tid, bprm, RG_LV_OLD);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(rg_fork, struct task_struct *parent, struct task_struct *child)
{
	return rg_on_fork(parent, child);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(rg_exit, struct task_struct *task)
{
	return rg_on_exit(task);
}

/* The exec system calls, noted by thread for rg_exec (see process.bpf.h).
 * Program names start with rg_exec_: the recorder loads them with the
 * process programs. */
SEC("tracepoint/syscalls/sys_enter_execve")
int rg_exec_enter_execve(void *ctx)
{
	return rg_on_exec_enter(RG_SYS_EXECVE);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int rg_exec_enter_execveat(void *ctx)
{
	return rg_on_exec_enter(RG_SYS_EXECVEAT);
}

/* File and network events: syscall exit tracepoints (see file.bpf.h and
 * net.bpf.h). Each call has three programs, one per level of
 * common.bpf.h: rg_X reads kernel memory through bpf_rdonly_cast (Linux
 * 6.2+), rg_X_pr with probe reads, rg_X_old also without
 * bpf_get_current_task_btf, bpf_task_pt_regs and bpf_loop (Linux 5.8+);
 * the recorder loads the first the kernel can run. The x86-only legacy
 * calls (open, creat, rename, unlink, rmdir) are switched off by the
 * recorder where the kernel has no such tracepoint.
 * The context is struct syscall_trace_exit, the record these tracepoints
 * really write (int nr, then ret), not the raw_syscalls event (long id):
 * the two agree only while struct trace_entry is 8 bytes, and PREEMPT_RT
 * kernels (6.1-rt) make it longer, where reading ret through the other
 * struct goes past the record and the attach is refused (EACCES). */
#define RG_SYS_EXIT(prog, tp, worker, ...)                                      \
	SEC("tracepoint/syscalls/" tp)                                          \
	int prog(struct syscall_trace_exit *ctx)                                \
	{                                                                       \
		return worker(ctx->ret, ##__VA_ARGS__, RG_LV_CAST);             \
	}                                                                       \
	SEC("tracepoint/syscalls/" tp)                                          \
	int prog##_pr(struct syscall_trace_exit *ctx)                           \
	{                                                                       \
		return worker(ctx->ret, ##__VA_ARGS__, RG_LV_PR);               \
	}                                                                       \
	SEC("tracepoint/syscalls/" tp)                                          \
	int prog##_old(struct syscall_trace_exit *ctx)                          \
	{                                                                       \
		return worker(ctx->ret, ##__VA_ARGS__, RG_LV_OLD);              \
	}

/* The exec calls' returns: a failed exec (process.bpf.h). */
RG_SYS_EXIT(rg_exec_exit_execve, "sys_exit_execve", rg_on_exec_exit, RG_SSYS_EXECVE)
RG_SYS_EXIT(rg_exec_exit_execveat, "sys_exit_execveat", rg_on_exec_exit, RG_SSYS_EXECVEAT)

RG_SYS_EXIT(rg_open, "sys_exit_open", rg_on_open, RG_FSYS_OPEN)
RG_SYS_EXIT(rg_creat, "sys_exit_creat", rg_on_open, RG_FSYS_CREAT)
RG_SYS_EXIT(rg_openat, "sys_exit_openat", rg_on_open, RG_FSYS_OPENAT)
RG_SYS_EXIT(rg_openat2, "sys_exit_openat2", rg_on_open, RG_FSYS_OPENAT2)
RG_SYS_EXIT(rg_write, "sys_exit_write", rg_on_write, RG_FSYS_WRITE)
RG_SYS_EXIT(rg_writev, "sys_exit_writev", rg_on_write, RG_FSYS_WRITEV)
RG_SYS_EXIT(rg_pwrite64, "sys_exit_pwrite64", rg_on_write, RG_FSYS_PWRITE64)
RG_SYS_EXIT(rg_pwritev, "sys_exit_pwritev", rg_on_write, RG_FSYS_PWRITEV)
RG_SYS_EXIT(rg_pwritev2, "sys_exit_pwritev2", rg_on_write, RG_FSYS_PWRITEV2)
RG_SYS_EXIT(rg_copy_file_range, "sys_exit_copy_file_range", rg_on_write,
	    RG_FSYS_COPY_FILE_RANGE)
RG_SYS_EXIT(rg_sendfile64, "sys_exit_sendfile64", rg_on_write, RG_FSYS_SENDFILE64)
RG_SYS_EXIT(rg_splice, "sys_exit_splice", rg_on_write, RG_FSYS_SPLICE)
RG_SYS_EXIT(rg_rename, "sys_exit_rename", rg_on_rename, RG_FSYS_RENAME)
RG_SYS_EXIT(rg_renameat, "sys_exit_renameat", rg_on_rename, RG_FSYS_RENAMEAT)
RG_SYS_EXIT(rg_renameat2, "sys_exit_renameat2", rg_on_rename, RG_FSYS_RENAMEAT2)
RG_SYS_EXIT(rg_unlink, "sys_exit_unlink", rg_on_unlink, RG_FSYS_UNLINK)
RG_SYS_EXIT(rg_unlinkat, "sys_exit_unlinkat", rg_on_unlink, RG_FSYS_UNLINKAT)
RG_SYS_EXIT(rg_rmdir, "sys_exit_rmdir", rg_on_unlink, RG_FSYS_RMDIR)

/* Changes to metadata and names (filemeta.bpf.h). chmod, chown, lchown,
 * link, symlink, mkdir, utimes, utime and futimesat are x86-only legacy
 * calls, fchmodat2 is Linux 6.6+, setxattrat 6.13+: where the tracepoint
 * is missing the recorder leaves the program out and says so. */
RG_SYS_EXIT(rg_chmod, "sys_exit_chmod", rg_on_chmod, RG_FSYS_CHMOD)
RG_SYS_EXIT(rg_fchmod, "sys_exit_fchmod", rg_on_chmod, RG_FSYS_FCHMOD)
RG_SYS_EXIT(rg_fchmodat, "sys_exit_fchmodat", rg_on_chmod, RG_FSYS_FCHMODAT)
RG_SYS_EXIT(rg_fchmodat2, "sys_exit_fchmodat2", rg_on_chmod, RG_FSYS_FCHMODAT2)
RG_SYS_EXIT(rg_chown, "sys_exit_chown", rg_on_chown, RG_FSYS_CHOWN)
RG_SYS_EXIT(rg_fchown, "sys_exit_fchown", rg_on_chown, RG_FSYS_FCHOWN)
RG_SYS_EXIT(rg_fchownat, "sys_exit_fchownat", rg_on_chown, RG_FSYS_FCHOWNAT)
RG_SYS_EXIT(rg_lchown, "sys_exit_lchown", rg_on_chown, RG_FSYS_LCHOWN)
RG_SYS_EXIT(rg_link, "sys_exit_link", rg_on_link, RG_FSYS_LINK)
RG_SYS_EXIT(rg_linkat, "sys_exit_linkat", rg_on_link, RG_FSYS_LINKAT)
RG_SYS_EXIT(rg_symlink, "sys_exit_symlink", rg_on_link, RG_FSYS_SYMLINK)
RG_SYS_EXIT(rg_symlinkat, "sys_exit_symlinkat", rg_on_link, RG_FSYS_SYMLINKAT)
RG_SYS_EXIT(rg_mkdir, "sys_exit_mkdir", rg_on_mkdir, RG_FSYS_MKDIR)
RG_SYS_EXIT(rg_mkdirat, "sys_exit_mkdirat", rg_on_mkdir, RG_FSYS_MKDIRAT)
RG_SYS_EXIT(rg_utimensat, "sys_exit_utimensat", rg_on_utimes, RG_FSYS_UTIMENSAT)
RG_SYS_EXIT(rg_utimes, "sys_exit_utimes", rg_on_utimes, RG_FSYS_UTIMES)
RG_SYS_EXIT(rg_utime, "sys_exit_utime", rg_on_utimes, RG_FSYS_UTIME)
RG_SYS_EXIT(rg_futimesat, "sys_exit_futimesat", rg_on_utimes, RG_FSYS_FUTIMESAT)
RG_SYS_EXIT(rg_setxattr, "sys_exit_setxattr", rg_on_setxattr, RG_FSYS_SETXATTR)
RG_SYS_EXIT(rg_lsetxattr, "sys_exit_lsetxattr", rg_on_setxattr, RG_FSYS_LSETXATTR)
RG_SYS_EXIT(rg_fsetxattr, "sys_exit_fsetxattr", rg_on_setxattr, RG_FSYS_FSETXATTR)
RG_SYS_EXIT(rg_setxattrat, "sys_exit_setxattrat", rg_on_setxattr, RG_FSYS_SETXATTRAT)
RG_SYS_EXIT(rg_truncate, "sys_exit_truncate", rg_on_truncate, RG_FSYS_TRUNCATE)
RG_SYS_EXIT(rg_ftruncate, "sys_exit_ftruncate", rg_on_truncate, RG_FSYS_FTRUNCATE)

/* Network events; loaded only with [network] enabled, and by hook. Program
 * names start with rg_net_ so the recorder can tell. */
RG_SYS_EXIT(rg_net_connect, "sys_exit_connect", rg_on_connect, RG_NSYS_CONNECT)
RG_SYS_EXIT(rg_net_sendto, "sys_exit_sendto", rg_on_connect, RG_NSYS_SENDTO)
RG_SYS_EXIT(rg_net_accept, "sys_exit_accept", rg_on_accept, RG_NSYS_ACCEPT)
RG_SYS_EXIT(rg_net_accept4, "sys_exit_accept4", rg_on_accept, RG_NSYS_ACCEPT4)
RG_SYS_EXIT(rg_net_bind, "sys_exit_bind", rg_on_bind)
RG_SYS_EXIT(rg_net_listen, "sys_exit_listen", rg_on_listen)

/* DNS messages (dns.bpf.h): the [network] hook "dns". */
RG_SYS_EXIT(rg_net_dns_sendto, "sys_exit_sendto", rg_on_dns_xfer, RG_NOP_DNS_QUERY,
	    RG_NSYS_SENDTO)
RG_SYS_EXIT(rg_net_dns_recvfrom, "sys_exit_recvfrom", rg_on_dns_xfer, RG_NOP_DNS_ANSWER,
	    RG_NSYS_RECVFROM)
RG_SYS_EXIT(rg_net_dns_sendmsg, "sys_exit_sendmsg", rg_on_dns_msg, RG_NOP_DNS_QUERY,
	    RG_NSYS_SENDMSG)
RG_SYS_EXIT(rg_net_dns_recvmsg, "sys_exit_recvmsg", rg_on_dns_msg, RG_NOP_DNS_ANSWER,
	    RG_NSYS_RECVMSG)
RG_SYS_EXIT(rg_net_dns_sendmmsg, "sys_exit_sendmmsg", rg_on_dns_mmsg)
RG_SYS_EXIT(rg_net_dns_connect, "sys_exit_connect", rg_on_dns_connect)
RG_SYS_EXIT(rg_net_dns_write, "sys_exit_write", rg_on_dns_rw, RG_NOP_DNS_QUERY, RG_NSYS_WRITE)
RG_SYS_EXIT(rg_net_dns_writev, "sys_exit_writev", rg_on_dns_rw, RG_NOP_DNS_QUERY,
	    RG_NSYS_WRITEV)
RG_SYS_EXIT(rg_net_dns_read, "sys_exit_read", rg_on_dns_rw, RG_NOP_DNS_ANSWER, RG_NSYS_READ)
/* Linux 6.3+: the three above from inside the socket's send and receive
 * instead, which file reads and writes do not reach; the recorder loads
 * these or those (bpf_loader.c). */
SEC("tp_btf/sock_send_length")
int BPF_PROG(rg_net_dns_sock_send, struct sock *sk, int ret, int flags)
{
	return rg_on_dns_sock(sk, ret, false);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(rg_net_dns_sock_recv, struct sock *sk, int ret, int flags)
{
	return rg_on_dns_sock(sk, ret, true);
}

/* Privilege and system operations (see sys.bpf.h); loaded on every
 * kernel that has their tracepoints. Program names start with rg_sys_ so
 * the recorder can tell. The set*id and capset calls note the credential
 * at entry (probe reads only: one program for every kernel). */
#define RG_SYS_CRED(call, SYS)                                                  \
	SEC("tracepoint/syscalls/sys_enter_" #call)                             \
	int rg_sys_enter_##call(void *ctx)                                      \
	{                                                                       \
		return rg_on_cred_enter();                                      \
	}                                                                       \
	RG_SYS_EXIT(rg_sys_##call, "sys_exit_" #call, rg_on_cred, SYS)

RG_SYS_CRED(setuid, RG_SSYS_SETUID)
RG_SYS_CRED(setgid, RG_SSYS_SETGID)
RG_SYS_CRED(setreuid, RG_SSYS_SETREUID)
RG_SYS_CRED(setregid, RG_SSYS_SETREGID)
RG_SYS_CRED(setresuid, RG_SSYS_SETRESUID)
RG_SYS_CRED(setresgid, RG_SSYS_SETRESGID)
RG_SYS_CRED(setfsuid, RG_SSYS_SETFSUID)
RG_SYS_CRED(setfsgid, RG_SSYS_SETFSGID)
RG_SYS_CRED(capset, RG_SSYS_CAPSET)

RG_SYS_EXIT(rg_sys_ptrace, "sys_exit_ptrace", rg_on_ptrace)
RG_SYS_EXIT(rg_sys_memfd_create, "sys_exit_memfd_create", rg_on_memfd)
RG_SYS_EXIT(rg_sys_init_module, "sys_exit_init_module", rg_on_module, RG_SSYS_INIT_MODULE)
RG_SYS_EXIT(rg_sys_finit_module, "sys_exit_finit_module", rg_on_module, RG_SSYS_FINIT_MODULE)
RG_SYS_EXIT(rg_sys_bpf, "sys_exit_bpf", rg_on_bpf)
RG_SYS_EXIT(rg_sys_mount, "sys_exit_mount", rg_on_mount, RG_SSYS_MOUNT)
RG_SYS_EXIT(rg_sys_move_mount, "sys_exit_move_mount", rg_on_mount, RG_SSYS_MOVE_MOUNT)
RG_SYS_EXIT(rg_sys_umount, "sys_exit_umount", rg_on_umount)
RG_SYS_EXIT(rg_sys_unshare, "sys_exit_unshare", rg_on_ns, RG_SSYS_UNSHARE)
RG_SYS_EXIT(rg_sys_setns, "sys_exit_setns", rg_on_ns, RG_SSYS_SETNS)

/* The module a load names, noted for rg_sys_init_module and
 * rg_sys_finit_module; switched off with them on a kernel without
 * modules. */
SEC("tp_btf/module_load")
int BPF_PROG(rg_sys_module_name, struct module *mod)
{
	return rg_on_module_load(mod);
}
