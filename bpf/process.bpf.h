/* process.bpf.h: exec, fork (of a process) and exit, from sched tracepoints.
 *
 * tp_btf gives typed task_struct pointers, so everything is read from the
 * task with CO-RE: identity is (tgid, group leader's start_boottime), which
 * de_thread() keeps stable when a non-leader thread execs.
 */
#ifndef RG_PROCESS_BPF_H
#define RG_PROCESS_BPF_H

#include "script.bpf.h"
#include "sys.bpf.h"

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

#define RG_AT_EMPTY_PATH 0x1000

/* An exec call returns: 0 after a successful exec, whose note rg_exec has
 * already taken (nothing to do: the success path stays as cheap as it
 * was), or -errno. A failed exec removes its note and is sent as a
 * process_exec_failed with the name it tried (execveat's relative to its
 * dirfd; with AT_EMPTY_PATH, the fd's own path). Every one is sent: a PATH
 * search (execvp, env) fails with ENOENT once per directory before it
 * finds the program, and those failures are part of the record. */
static __always_inline int rg_on_exec_exit(long ret, __u16 sys, int lv)
{
	if (ret >= 0)
		return 0;
	__u64 id = bpf_get_current_pid_tgid();
	bpf_map_delete_elem(&exec_calls, &id);
	bpf_map_delete_elem(&exec_scripts, &id);

	struct task_struct *task = rg_current(lv);
	struct rg_scratch *s = rg_scratch_get();
	if (!s || rg_is_self(task, lv))
		return 0;
	struct pt_regs *regs = rg_regs(task, lv);
	long dfd = RG_AT_FDCWD;
	const char *name = (const char *)RG_ARG(lv, regs, 1);
	__u32 flags = 0;
	if (sys == RG_SSYS_EXECVEAT) {
		dfd = RG_ARG(lv, regs, 1);
		name = (const char *)RG_ARG(lv, regs, 2);
		flags = RG_ARG(lv, regs, 5);
	}
	struct rg_sys *y = rg_sys_start(s, task, RG_SOP_EXEC_FAILED, sys, ret, lv);
	y->flags = flags;
	__u32 off = sizeof(*y);
	if (rg_put_user_path(s, &off, &y->path, task, dfd, name, RG_F_PATH_TRUNC, lv))
		rg_emit(s, off, RG_KIND_SYS);
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

/* A namespace's inode number, as /proc/PID/ns/NAME shows it: every kind
 * embeds a struct ns_common named ns. */
#define RG_NS_INUM(p) BPF_CORE_READ(p, ns.inum)

/* The pid namespace task's own pid lives in (task_active_pid_ns):
 * thread_pid->numbers[level].ns. numbers[] is a flexible array, so its
 * offset and element size come from the kernel's BTF. */
static __always_inline __u32 rg_pidns(struct task_struct *task)
{
	struct pid *p = BPF_CORE_READ(task, thread_pid);
	struct upid up = {};

	if (!p)
		return 0;
	__u32 level = BPF_CORE_READ(p, level) & 63; /* MAX_PID_NS_LEVEL is 32 */
	__u64 at = (__u64)p + bpf_core_field_offset(struct pid, numbers) +
		   (__u64)level * bpf_core_type_size(struct upid);
	if (bpf_probe_read_kernel(&up, sizeof(up), (void *)at))
		return 0;
	return RG_NS_INUM(up.ns);
}

/* Where task runs: its v2 cgroup's id and its namespaces' inode numbers
 * (rg_abi.h). Probe reads only, valid on every kernel the programs load
 * on: a kernel thread or an exiting task without an nsproxy keeps 0s. */
static __always_inline void rg_place(struct task_struct *task, struct rg_place *pl)
{
	struct nsproxy *ns = BPF_CORE_READ(task, nsproxy);
	struct user_namespace *user = BPF_CORE_READ(task, real_cred, user_ns);

	pl->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	pl->userns = RG_NS_INUM(user);
	pl->pidns = rg_pidns(task);
	if (!ns)
		return;
	struct mnt_namespace *mnt = BPF_CORE_READ(ns, mnt_ns);
	struct net *net = BPF_CORE_READ(ns, net_ns);
	struct uts_namespace *uts = BPF_CORE_READ(ns, uts_ns);
	struct cgroup_namespace *cg = BPF_CORE_READ(ns, cgroup_ns);
	pl->mntns = RG_NS_INUM(mnt);
	pl->netns = RG_NS_INUM(net);
	pl->utsns = RG_NS_INUM(uts);
	pl->cgroupns = RG_NS_INUM(cg);
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

/* The identity the recorder checks before it hashes the file that ran. */
static __always_inline void rg_put_exe_id(struct rg_exec *e, struct file *exe)
{
	struct inode *ino = BPF_CORE_READ(exe, f_inode);

	e->exe_dev = BPF_CORE_READ(ino, i_sb, s_dev);
	e->exe_ino = BPF_CORE_READ(ino, i_ino);
	e->exe_size = BPF_CORE_READ(ino, i_size);
	e->exe_ctime_ns = rg_inode_ctime_ns(ino);
}

/* Takes the script's note of this exec (the thread that called it was
 * old_tid, as in rg_exec_syscall), when it ran one. */
static __always_inline void rg_put_script_id(struct rg_exec *e, struct task_struct *task,
					     pid_t old_tid, struct linux_binprm *bprm)
{
	__u64 id = (__u64)BPF_CORE_READ(task, tgid) << 32 | (__u32)old_tid;
	struct rg_script_note *n = bpf_map_lookup_elem(&exec_scripts, &id);

	if (!n)
		return;
	if (n->bprm == (__u64)bprm) {
		e->script_dev = n->dev;
		e->script_ino = n->ino;
		e->script_size = n->size;
		e->script_ctime_ns = n->ctime_ns;
	}
	bpf_map_delete_elem(&exec_scripts, &id);
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

/* A script run through its #! line (or a binfmt_misc interpreter): the
 * kernel has replaced bprm->interp with the interpreter, and
 * bprm->filename is still the name the caller gave, which the recorder
 * joins to cwd. */
static __always_inline void rg_put_script(struct rg_scratch *s, __u32 *off, struct rg_exec *e,
					  struct linux_binprm *bprm)
{
	const char *name = BPF_CORE_READ(bprm, filename);
	__u32 at = *off;

	if (name == BPF_CORE_READ(bprm, interp) || at > RG_RECORD_MAX - RG_PATH_MAX)
		return;
	long n = bpf_probe_read_kernel_str(s->rec + at, RG_PATH_MAX, name);
	if (n <= 1)
		return;
	n--; /* the NUL */
	if (n >= RG_PATH_MAX - 1)
		e->hdr.flags |= RG_F_SCRIPT_TRUNC;
	e->script.off = at;
	e->script.len = n;
	*off = at + n;
}

/* The allow-list of environment variables ([process] env), set by the
 * recorder before load: "NAME=" in the first bytes of rg_env_words[i],
 * the bytes that count set in rg_env_masks[i]; rg_env_count names. */
const volatile __u32 rg_env_count = 0;
const volatile __u64 rg_env_words[RG_ENV_NAMES][RG_ENV_NAME_LEN / 8] = {};
const volatile __u64 rg_env_masks[RG_ENV_NAMES][RG_ENV_NAME_LEN / 8] = {};

/* Whether the variable copied to s->rec + at is on the allow-list: its
 * first 32 bytes compared a word at a time, read in place (the scratch
 * area goes on past the record: the verifier sees them inside it). Bytes
 * past the variable's end are whatever the buffer held; the masks leave
 * them out, and a name's '=' cannot match the variable's NUL. */
static __always_inline bool rg_env_wanted(struct rg_scratch *s, __u32 at)
{
	const __u64 *w = (const __u64 *)(s->rec + (at & (RG_RECORD_MAX - 1)));

	for (__u32 i = 0; i < RG_ENV_NAMES; i++) {
		if (i >= rg_env_count)
			break;
		if (!((w[0] ^ rg_env_words[i][0]) & rg_env_masks[i][0]) &&
		    !((w[1] ^ rg_env_words[i][1]) & rg_env_masks[i][1]) &&
		    !((w[2] ^ rg_env_words[i][2]) & rg_env_masks[i][2]) &&
		    !((w[3] ^ rg_env_words[i][3]) & rg_env_masks[i][3]))
			return true;
	}
	return false;
}

struct rg_env_scan {
	__u64 p, end;  /* the next variable, and the end of the environment */
	__u32 at;      /* where the kept variables start in the record */
	__u32 kept;    /* their bytes */
	bool trunc;
};

/* bpf_loop callback: one variable. It is copied where the next kept one
 * goes (the copy gives its length) and kept when its name is wanted. A
 * variable longer than RG_ENV_MAX ends the scan: its end is unknown. */
static long rg_env_cb(__u32 index, void *ctx)
{
	struct rg_env_scan *c = ctx;
	struct rg_scratch *s = rg_scratch_get();
	__u32 at = c->at + c->kept;

	if (!s || c->p >= c->end)
		return 1;
	if (at > RG_RECORD_MAX - RG_ENV_MAX) {
		c->trunc = true;
		return 1;
	}
	long n = bpf_probe_read_user_str(s->rec + at, RG_ENV_MAX, (void *)c->p);
	if (n <= 0 || n >= RG_ENV_MAX) {
		c->trunc = true;
		return 1;
	}
	c->p += n;
	if (!rg_env_wanted(s, at))
		return 0;
	if (c->kept + n > RG_ENV_MAX) {
		c->trunc = true;
		return 1;
	}
	c->kept += n;
	return 0;
}

RG_LOOP_STEP(rg_env_step_g, rg_env_cb)

/* The allow-listed variables of the new image's environment
 * (mm->env_start..env_end, as exec laid it out), NUL-terminated, in its
 * order. Each variable costs a copy and a few compares; an exec with none
 * of them sends nothing more. RG_F_ENV_TRUNC: more than RG_ENV_SCAN
 * variables, one longer than RG_ENV_MAX, or more than RG_ENV_MAX kept. */
static __always_inline void rg_put_env(struct rg_scratch *s, __u32 *off, struct rg_exec *e,
				       struct task_struct *task, int lv)
{
	struct rg_env_scan c = {
		.p = BPF_CORE_READ(task, mm, env_start),
		.end = BPF_CORE_READ(task, mm, env_end),
		.at = *off,
	};

	if (!rg_env_count)
		return;
	RG_LOOP(lv, RG_ENV_SCAN, rg_env_cb, &c, rg_env_step_g);
	if (c.trunc || c.p < c.end)
		e->hdr.flags |= RG_F_ENV_TRUNC;
	/* Bounds the callback kept, restated for the verifier, which does
	 * not carry them out of the loop's context. */
	if (!c.kept || c.kept > RG_ENV_MAX || c.at > RG_RECORD_MAX - RG_ENV_MAX)
		return;
	e->env.off = c.at;
	e->env.len = c.kept;
	*off = c.at + c.kept;
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
	rg_place(task, &e->place);

	__u32 off = sizeof(*e);
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	if (exe) {
		rg_put_exe(s, &off, e, exe, task, lv);
		rg_put_exe_id(e, exe);
	}
	rg_put_argv(s, &off, e, task);
	rg_put_path(s, &off, &e->cwd, &task->fs->pwd, task, RG_F_CWD_TRUNC, lv);
	rg_put_script(s, &off, e, bprm);
	if (e->script.len)
		rg_put_script_id(e, task, old_tid, bprm);
	rg_put_env(s, &off, e, task, lv);
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
	rg_place(child, &f->child_place);
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
