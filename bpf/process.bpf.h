/* process.bpf.h: exec, fork (of a process) and exit, from sched tracepoints.
 *
 * tp_btf gives typed task_struct pointers, so everything is read from the
 * task with CO-RE: identity is (tgid, group leader's start_boottime), which
 * de_thread() keeps stable when a non-leader thread execs.
 */
#ifndef RG_PROCESS_BPF_H
#define RG_PROCESS_BPF_H

#include "path.bpf.h"

#if defined(__TARGET_ARCH_x86)
#define RG_NR_EXECVE 59
#define RG_NR_EXECVEAT 322
#define RG_SYSCALL_NR(regs) BPF_CORE_READ(regs, orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define RG_NR_EXECVE 221
#define RG_NR_EXECVEAT 281
#define RG_SYSCALL_NR(regs) BPF_CORE_READ((struct user_pt_regs *)regs, regs[8])
#endif

static __always_inline __u16 rg_exec_syscall(struct task_struct *task)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	long nr = RG_SYSCALL_NR(regs);

	if (nr == RG_NR_EXECVE)
		return RG_SYS_EXECVE;
	if (nr == RG_NR_EXECVEAT)
		return RG_SYS_EXECVEAT;
	return RG_SYS_UNKNOWN;
}

/* Audit ids exist only with CONFIG_AUDIT: probe the fields, not a version. */
static __always_inline void rg_audit_ids(struct task_struct *task, struct rg_exec *e)
{
	e->auid = (__u32)-1;
	e->sessionid = (__u32)-1;
	if (bpf_core_field_exists(task->loginuid)) {
		e->auid = BPF_CORE_READ(task, loginuid.val);
		e->sessionid = BPF_CORE_READ(task, sessionid);
	}
}

/* Copies the new image's arguments (NUL-separated, as the kernel laid them
 * out at mm->arg_start) after the record's other strings. */
static __always_inline void rg_put_argv(struct rg_scratch *s, __u32 *off,
					struct rg_exec *e, struct task_struct *task)
{
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	__u32 at = *off;
	__u32 len = end > start ? end - start : 0;

	if (len > RG_ARGV_MAX) {
		len = RG_ARGV_MAX;
		e->hdr.flags |= RG_F_ARGV_TRUNC;
	}
	if (at > RG_RECORD_MAX - RG_ARGV_MAX)
		return;
	/* A no-op after the clamp, but clang proves that too and drops it,
	 * and the verifier loses the clamp's bound across its 64-bit compare:
	 * the barrier keeps the mask, the mask gives the verifier a bound. */
	barrier_var(len);
	len &= 2 * RG_ARGV_MAX - 1;
	if (bpf_probe_read_user(s->rec + at, len, (void *)start))
		len = 0;
	e->argv.off = at;
	e->argv.len = len;
	*off = at + len;
}

static __always_inline int rg_on_exec(struct task_struct *task, pid_t old_tid,
				      struct linux_binprm *bprm)
{
	if (rg_is_self(task))
		return 0;
	struct rg_scratch *s = rg_scratch_get();
	if (!s)
		return 0;

	struct rg_exec *e = (struct rg_exec *)s->rec;
	__builtin_memset(e, 0, sizeof(*e)); /* zeroed padding, empty srefs */
	rg_hdr_fill(&e->hdr, RG_KIND_EXEC, task);

	struct task_struct *parent = BPF_CORE_READ(task, real_parent);
	e->ppid = BPF_CORE_READ(parent, tgid);
	e->parent_start_ns = BPF_CORE_READ(parent, group_leader, start_boottime);
	e->euid = BPF_CORE_READ(task, cred, euid.val);
	e->egid = BPF_CORE_READ(task, cred, egid.val);
	rg_audit_ids(task, e);
	e->argc = BPF_CORE_READ(bprm, argc);
	e->syscall = rg_exec_syscall(task);
	e->old_tid = old_tid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));

	__u32 off = sizeof(*e);
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	if (exe)
		rg_put_path(s, &off, &e->exe, &exe->f_path, task, RG_F_EXE_TRUNC);
	rg_put_argv(s, &off, e, task);
	rg_put_path(s, &off, &e->cwd, &task->fs->pwd, task, RG_F_CWD_TRUNC);
	rg_emit(s, off, RG_KIND_EXEC);
	return 0;
}

/* A fork that creates a process (not a thread): the new task leads its own
 * thread group. The header describes the parent, which is current. */
static __always_inline int rg_on_fork(struct task_struct *parent,
				      struct task_struct *child)
{
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid) || rg_is_self(parent))
		return 0;
	struct rg_scratch *s = rg_scratch_get();
	if (!s)
		return 0;

	struct rg_fork *f = (struct rg_fork *)s->rec;
	__builtin_memset(f, 0, sizeof(*f));
	rg_hdr_fill(&f->hdr, RG_KIND_FORK, parent);
	f->child_tgid = BPF_CORE_READ(child, tgid);
	f->child_start_ns = BPF_CORE_READ(child, start_boottime);
	bpf_get_current_comm(f->comm, sizeof(f->comm));
	rg_emit(s, sizeof(*f), RG_KIND_FORK);
	return 0;
}

/* The last thread of a process is exiting when signal->live has dropped to
 * zero (do_exit decrements it before this tracepoint). Two threads racing
 * through exit can both see zero; userspace ignores the second exit of an
 * identity. */
static __always_inline int rg_on_exit(struct task_struct *task)
{
	if (BPF_CORE_READ(task, signal, live.counter) != 0 || rg_is_self(task))
		return 0;
	struct rg_scratch *s = rg_scratch_get();
	if (!s)
		return 0;

	struct rg_exit *x = (struct rg_exit *)s->rec;
	__builtin_memset(x, 0, sizeof(*x));
	rg_hdr_fill(&x->hdr, RG_KIND_EXIT, task);
	int code = BPF_CORE_READ(task, exit_code);
	x->exit_code = (code >> 8) & 0xff;
	x->signal = code & 0x7f;
	x->core = (code & 0x80) != 0;
	bpf_get_current_comm(x->comm, sizeof(x->comm));
	rg_emit(s, sizeof(*x), RG_KIND_EXIT);
	return 0;
}

#endif /* RG_PROCESS_BPF_H */
