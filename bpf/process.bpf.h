/* process.bpf.h: exec, fork (of a process) and exit, from sched tracepoints.
 *
 * tp_btf gives typed task_struct pointers, so everything is read from the
 * task with CO-RE: identity is (tgid, group leader's start_boottime), which
 * de_thread() keeps stable when a non-leader thread execs.
 */
#ifndef RG_PROCESS_BPF_H
#define RG_PROCESS_BPF_H

#include "path.bpf.h"

/* The system call of each exec in flight, by thread (its pid_tgid at the
 * call). At sched_process_exec the registers can no longer tell: x86-64's
 * set_personality_64bit() has already set orig_ax to execve for every
 * execveat (and so for glibc's fexecve). A hash map rather than task
 * storage (Linux 5.11+), so the programs load on older kernels. The exec
 * takes its entry; the syscall's exit removes the one a failed exec
 * leaves; LRU so that an entry neither removed (a thread killed in the
 * call) can never fill the map. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u16); /* enum rg_exec_syscall */
} exec_calls SEC(".maps");

static __always_inline int rg_on_exec_enter(__u16 sys)
{
	__u64 id = bpf_get_current_pid_tgid();

	bpf_map_update_elem(&exec_calls, &id, &sys, BPF_ANY);
	return 0;
}

static __always_inline int rg_on_exec_exit(void)
{
	__u64 id = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&exec_calls, &id);
	return 0;
}

/* Takes the call noted at entry. The thread that called exec was old_tid:
 * a non-leader's exec has already made it the leader (pid = tgid) here.
 * None noted: an exec the kernel started itself (init, a usermode helper),
 * which made no system call. */
static __always_inline __u16 rg_exec_syscall(struct task_struct *task, pid_t old_tid)
{
	__u64 id = (__u64)task->tgid << 32 | (__u32)old_tid;
	__u16 *sys = bpf_map_lookup_elem(&exec_calls, &id);
	__u16 r = RG_SYS_UNKNOWN;

	if (sys) {
		r = *sys;
		bpf_map_delete_elem(&exec_calls, &id);
	}
	return r;
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

/* Whether dentry d is a memfd's: a file with no path at all. Its dentry
 * is its own parent without being its mount's root (alloc_file_pseudo()
 * on a kernel-internal mount), and memfd_create() names it "memfd:NAME".
 * The name tells it from a disconnected dentry (named "/"), which file
 * handles can give a file on a real file system. */
static __always_inline bool rg_dentry_memfd(struct dentry *d, struct vfsmount *mnt)
{
	char head[6] = {};

	if (d != BPF_CORE_READ(d, d_parent) || d == BPF_CORE_READ(mnt, mnt_root))
		return false;
	bpf_probe_read_kernel(head, sizeof(head), BPF_CORE_READ(d, d_name.name));
	return head[0] == 'm' && head[1] == 'e' && head[2] == 'm' && head[3] == 'f' &&
	       head[4] == 'd' && head[5] == ':';
}

/* The new image's file, with what its path alone would hide: a memfd is
 * sent as its name ("memfd:NAME", which is all the kernel knows; a path
 * walk would give "/"), flagged RG_F_EXE_MEMFD; a file already unlinked
 * (no links left, or this name removed: the dentry is unhashed) is sent
 * as the path it had, flagged RG_F_EXE_DELETED. */
static __always_inline void rg_put_exe(struct rg_scratch *s, __u32 *off, struct rg_exec *e,
				       struct file *exe, struct task_struct *task, int lv)
{
	struct dentry *d = BPF_CORE_READ(exe, f_path.dentry);
	__u32 at = *off;

	if (rg_dentry_memfd(d, BPF_CORE_READ(exe, f_path.mnt))) {
		struct qstr name = BPF_CORE_READ(d, d_name);
		__u32 len = name.len & 0xff; /* NAME_MAX: a memfd's name fits */

		if (at > RG_RECORD_MAX - RG_PATH_MAX)
			return;
		bpf_probe_read_kernel(s->rec + at, len, name.name);
		e->exe.off = at;
		e->exe.len = len;
		*off = at + len;
		e->hdr.flags |= RG_F_EXE_MEMFD;
		return;
	}
	if (BPF_CORE_READ(d, d_inode, i_nlink) == 0 || !BPF_CORE_READ(d, d_hash.pprev))
		e->hdr.flags |= RG_F_EXE_DELETED;
	rg_put_path(s, off, &e->exe, &exe->f_path, task, RG_F_EXE_TRUNC, lv);
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

/* lv (common.bpf.h) only for the path walks: task, from tp_btf, is trusted
 * on every kernel. */
static __always_inline int rg_on_exec(struct task_struct *task, pid_t old_tid,
				      struct linux_binprm *bprm, int lv)
{
	if (rg_is_self(task, RG_LV_PR))
		return 0;
	struct rg_scratch *s = rg_scratch_get();
	if (!s)
		return 0;

	struct rg_exec *e = (struct rg_exec *)s->rec;
	__builtin_memset(e, 0, sizeof(*e)); /* zeroed padding, empty srefs */
	rg_hdr_fill(&e->hdr, RG_KIND_EXEC, task, RG_LV_PR);

	struct task_struct *parent = BPF_CORE_READ(task, real_parent);
	e->ppid = BPF_CORE_READ(parent, tgid);
	e->parent_start_ns = BPF_CORE_READ(parent, group_leader, start_boottime);
	e->euid = BPF_CORE_READ(task, cred, euid.val);
	e->egid = BPF_CORE_READ(task, cred, egid.val);
	rg_audit_ids(task, e);
	e->argc = BPF_CORE_READ(bprm, argc);
	e->syscall = rg_exec_syscall(task, old_tid);
	e->old_tid = old_tid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));

	__u32 off = sizeof(*e);
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	if (exe)
		rg_put_exe(s, &off, e, exe, task, lv);
	rg_put_argv(s, &off, e, task);
	rg_put_path(s, &off, &e->cwd, &task->fs->pwd, task, RG_F_CWD_TRUNC, lv);
	rg_emit(s, off, RG_KIND_EXEC);
	return 0;
}

/* A fork that creates a process (not a thread): the new task leads its own
 * thread group. The header describes the parent, which is current. */
static __always_inline int rg_on_fork(struct task_struct *parent,
				      struct task_struct *child)
{
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid) || rg_is_self(parent, RG_LV_PR))
		return 0;
	struct rg_scratch *s = rg_scratch_get();
	if (!s)
		return 0;

	struct rg_fork *f = (struct rg_fork *)s->rec;
	__builtin_memset(f, 0, sizeof(*f));
	rg_hdr_fill(&f->hdr, RG_KIND_FORK, parent, RG_LV_PR);
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
	if (BPF_CORE_READ(task, signal, live.counter) != 0 || rg_is_self(task, RG_LV_PR))
		return 0;
	struct rg_scratch *s = rg_scratch_get();
	if (!s)
		return 0;

	struct rg_exit *x = (struct rg_exit *)s->rec;
	__builtin_memset(x, 0, sizeof(*x));
	rg_hdr_fill(&x->hdr, RG_KIND_EXIT, task, RG_LV_PR);
	int code = BPF_CORE_READ(task, exit_code);
	x->exit_code = (code >> 8) & 0xff;
	x->signal = code & 0x7f;
	x->core = (code & 0x80) != 0;
	bpf_get_current_comm(x->comm, sizeof(x->comm));
	rg_emit(s, sizeof(*x), RG_KIND_EXIT);
	return 0;
}

#endif /* RG_PROCESS_BPF_H */
