/* sys.bpf.h: privilege and system operations, at syscall exit.
 *
 * Credential changes, ptrace requests that take or write another process,
 * opens for writing of another process's /proc/PID/mem, memfds, module
 * and BPF program loads, mounts, unmounts and namespace changes: one
 * struct rg_sys each, on any path and by any process but the recorder,
 * failed calls included (the result says which).
 *
 * What the exit cannot see is noted at the entry or on the way, by thread
 * (its pid_tgid), in LRU hash maps (no task storage: 5.8 is the floor),
 * where an entry a killed thread leaves is pushed out, never piling up:
 *   - a credential's ids and capabilities before a set*id or capset call;
 *   - a module's name, from the module_load tracepoint inside the call.
 */
#ifndef RG_SYS_BPF_H
#define RG_SYS_BPF_H

#include "path.bpf.h"

#define RG_SYS_AT_FDCWD -100
#define RG_FMODE_WRITE 0x2
#define RG_PROC_SUPER_MAGIC 0x9fa0
#define RG_NSFS_MAGIC 0x6e736673
#define RG_MS_MGC_MSK 0xffff0000u /* mount(2)'s old magic in the flags' top half */
#define RG_MS_MGC_VAL 0xc0ed0000u
#define RG_MS_BIND 0x1000u
#define RG_MS_MOVE 0x2000u
#define RG_BPF_PROG_LOAD 5
#define RG_BPF_OBJ_NAME_LEN 16
/* union bpf_attr's prog_name for BPF_PROG_LOAD: UAPI, fixed for good */
#define RG_BPF_ATTR_PROG_NAME 48
#define RG_MODULE_NAME_LEN 56 /* MODULE_NAME_LEN on 64-bit */
#define RG_PTRACED_MAX 16     /* tracees of one tracer searched for a target */

/* A credential before a set*id or capset call, by thread. */
struct rg_cred_old {
	__u32 ids[RG_ID_N];
	__u32 pad0;
	__u64 caps;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct rg_cred_old);
} cred_calls SEC(".maps");

struct rg_module_name {
	char name[RG_MODULE_NAME_LEN];
};

/* The name of the module an init_module or finit_module call is loading
 * (the call's arguments do not say), by thread. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, struct rg_module_name);
} module_names SEC(".maps");

/* ---- reads ------------------------------------------------------------------ */

/* The ids and effective capabilities of cred c. kernel_cap_t is a u64
 * since 6.3 and two u32s (low first) before: the same 8 bytes either way
 * on a little-endian machine, so they are read as bytes, not as a field. */
static __always_inline void rg_cred_read(const struct cred *c, __u32 ids[RG_ID_N], __u64 *caps)
{
	ids[RG_ID_UID] = BPF_CORE_READ(c, uid.val);
	ids[RG_ID_EUID] = BPF_CORE_READ(c, euid.val);
	ids[RG_ID_FSUID] = BPF_CORE_READ(c, fsuid.val);
	ids[RG_ID_GID] = BPF_CORE_READ(c, gid.val);
	ids[RG_ID_EGID] = BPF_CORE_READ(c, egid.val);
	ids[RG_ID_FSGID] = BPF_CORE_READ(c, fsgid.val);
	*caps = 0;
	bpf_probe_read_kernel(caps, sizeof(*caps),
			      (void *)c + bpf_core_field_offset(struct cred, cap_effective));
}

/* The number of task t's thread in the pid namespace at `level` (its
 * pid as a process there sees it), or 0 when t is not in it. */
static __always_inline __u32 rg_vpid(struct task_struct *t, __u32 level)
{
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	int nr = 0;

	if (!pid || BPF_CORE_READ(pid, level) < level)
		return 0;
	bpf_probe_read_kernel(&nr, sizeof(nr),
			      (void *)pid + bpf_core_field_offset(struct pid, numbers) +
				      (level & 31) * bpf_core_type_size(struct upid) +
				      bpf_core_field_offset(struct upid, nr));
	return nr;
}

/* The tracee of `task` whose pid, in task's namespace, is vpid: every
 * ptrace request but an attach needs one, and an attach that worked made
 * one. NULL when there is none (a failed attach). */
static __always_inline struct task_struct *rg_tracee(struct task_struct *task, __u32 vpid)
{
	__u32 level = BPF_CORE_READ(task, thread_pid, level);
	struct list_head *head = &task->ptraced;
	struct list_head *pos = BPF_CORE_READ(task, ptraced.next);
	__u64 off = bpf_core_field_offset(struct task_struct, ptrace_entry);

	for (int i = 0; i < RG_PTRACED_MAX; i++) {
		if (!pos || pos == head)
			break;
		struct task_struct *t = (void *)pos - off;
		if (rg_vpid(t, level) == vpid)
			return t;
		pos = BPF_CORE_READ(pos, next);
	}
	return NULL;
}

/* ---- records ---------------------------------------------------------------- */

static __always_inline struct rg_sys *rg_sys_start(struct rg_scratch *s, struct task_struct *task,
						   __u16 op, __u16 sys, long ret, int lv)
{
	struct rg_sys *y = (struct rg_sys *)s->rec;

	__builtin_memset(y, 0, sizeof(*y)); /* zeroed padding, empty srefs */
	rg_hdr_fill(&y->hdr, RG_KIND_SYS, task, lv);
	y->op = op;
	y->syscall = sys;
	y->result = ret;
	return y;
}

/* The process t (any thread of it) as the record's target. */
static __always_inline void rg_sys_target(struct rg_sys *y, struct task_struct *t)
{
	y->target_tgid = BPF_CORE_READ(t, tgid);
	y->target_start_ns = BPF_CORE_READ(t, group_leader, start_boottime);
}

/* Appends a string from user memory, at most max bytes with its NUL (a
 * constant), and flags it cut with trunc_flag when it filled them. Returns
 * false when there is no string (NULL, unreadable) or no room. */
static __always_inline bool rg_sys_put_ustr(struct rg_scratch *s, __u32 *off, struct rg_sref *ref,
					    const char *u, __u32 max, __u32 trunc_flag)
{
	__u32 at = *off;

	if (!u || at > RG_RECORD_MAX - RG_PATH_MAX)
		return false;
	/* clang proves the mask a no-op and drops it; the barrier keeps it,
	 * and it gives the verifier the bound a caller's arithmetic lost */
	barrier_var(at);
	long n = bpf_probe_read_user_str(s->rec + (at & (RG_RECORD_MAX - 1)), max, u);
	if (n <= 0)
		return false;
	n--; /* the NUL */
	if (n >= max - 1)
		((struct rg_hdr *)s->rec)->flags |= trunc_flag;
	ref->off = at;
	ref->len = n;
	*off = at + n;
	return true;
}

/* Appends len bytes of kernel memory at k (a name: len < RG_NAME_MAX). */
static __always_inline void rg_sys_put_kstr(struct rg_scratch *s, __u32 *off, struct rg_sref *ref,
					    const char *k, __u32 len)
{
	__u32 at = *off;

	len &= RG_NAME_MAX - 1;
	if (at > RG_RECORD_MAX - RG_PATH_MAX ||
	    bpf_probe_read_kernel(s->rec + (at & (RG_RECORD_MAX - 1)), len, k))
		return;
	ref->off = at;
	ref->len = len;
	*off = at + len;
}

/* Appends the path a *at-style call names (dfd, uname) as one string: the
 * name when it is absolute, else the dirfd's or cwd's path resolved now,
 * "/", and the name (the dirfd itself for an empty name). A bad dirfd
 * leaves the name alone. */
static __always_inline void rg_sys_put_at(struct rg_scratch *s, __u32 *off, struct rg_sref *ref,
					  struct task_struct *task, long dfd, const char *uname,
					  int lv)
{
	const struct path *base = NULL;
	char c = 0;

	if (!uname || bpf_probe_read_user(&c, 1, uname))
		return;
	if (c == '/') {
		rg_sys_put_ustr(s, off, ref, uname, RG_PATH_MAX, RG_F_PATH_TRUNC);
		return;
	}
	if ((int)dfd == RG_SYS_AT_FDCWD) {
		struct fs_struct *fs = BPF_CORE_READ(task, fs);
		base = &fs->pwd;
	} else {
		struct file *f = rg_fd_file(task, (int)dfd, lv);
		if (f)
			base = &f->f_path;
	}
	if (!base || !rg_put_path(s, off, ref, base, task, RG_F_PATH_TRUNC, lv)) {
		rg_sys_put_ustr(s, off, ref, uname, RG_PATH_MAX, RG_F_PATH_TRUNC);
		return;
	}
	__u32 at = *off;
	struct rg_sref tail;
	if (c == 0 || at > RG_RECORD_MAX - RG_PATH_MAX - 1)
		return;
	s->rec[at & (RG_RECORD_MAX - 1)] = '/';
	at++;
	if (rg_sys_put_ustr(s, &at, &tail, uname, RG_PATH_MAX, RG_F_PATH_TRUNC)) {
		ref->len = at - ref->off;
		*off = at;
	}
}

/* ---- the workers the entry points call ---------------------------------------- */

/* sys_enter of a set*id or capset call: the credential before it. Probe
 * reads only, so one program serves every kernel. */
static __always_inline int rg_on_cred_enter(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	struct rg_cred_old old = {};

	if ((__u32)(id >> 32) == rg_self_tgid)
		return 0;
	rg_cred_read(BPF_CORE_READ(task, cred), old.ids, &old.caps);
	bpf_map_update_elem(&cred_calls, &id, &old, BPF_ANY);
	return 0;
}

/* The credential after the call, from the task, against the one noted at
 * entry (none noted: the call began before the recorder attached, and the
 * ids before are sent as the ids after). */
static __always_inline int rg_on_cred(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct rg_scratch *s = rg_scratch_get();
	__u64 id = bpf_get_current_pid_tgid();

	if (!s || rg_is_self(task, lv))
		return 0;
	struct rg_sys *y = rg_sys_start(s, task, RG_SOP_CRED, sys, ret, lv);
	rg_cred_read(BPF_CORE_READ(task, cred), y->new_ids, &y->caps);
	struct rg_cred_old *old = bpf_map_lookup_elem(&cred_calls, &id);
	if (old) {
		__builtin_memcpy(y->old_ids, old->ids, sizeof(y->old_ids));
		y->old_caps = old->caps;
		bpf_map_delete_elem(&cred_calls, &id);
	} else {
		__builtin_memcpy(y->old_ids, y->new_ids, sizeof(y->old_ids));
		y->old_caps = y->caps;
	}
	rg_emit(s, sizeof(*y), RG_KIND_SYS);
	return 0;
}

/* The ptrace requests that take a process or write into it. */
static __always_inline bool rg_ptrace_wanted(__u64 req)
{
	switch (req) {
	case 4: case 5: case 6:   /* PTRACE_POKETEXT, POKEDATA, POKEUSER */
	case 13: case 15:         /* PTRACE_SETREGS, SETFPREGS */
	case 16:                  /* PTRACE_ATTACH */
	case 0x4205: case 0x4206: /* PTRACE_SETREGSET, SEIZE */
		return true;
	default:
		return false;
	}
}

static __always_inline int rg_on_ptrace(long ret, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	__u64 req = RG_ARG(lv, regs, 1);
	__u32 vpid = RG_ARG(lv, regs, 2);
	struct rg_scratch *s;

	if (!rg_ptrace_wanted(req) || !(s = rg_scratch_get()) || rg_is_self(task, lv))
		return 0;
	struct rg_sys *y = rg_sys_start(s, task, RG_SOP_PTRACE, RG_SSYS_PTRACE, ret, lv);
	y->request = req;
	struct task_struct *t = rg_tracee(task, vpid);
	if (t)
		rg_sys_target(y, t);
	else
		y->target_tgid = vpid; /* the caller's number for it (docs/schema.md) */
	rg_emit(s, sizeof(*y), RG_KIND_SYS);
	return 0;
}

/* From the file family's open (file.bpf.h): a successful open of file for
 * writing that is another process's /proc/PID/mem (or a thread's
 * /proc/PID/task/TID/mem). Costs an open for reading one load and a test;
 * an open for writing of anything but procfs two loads more. */
static __always_inline void rg_sys_proc_mem(struct task_struct *task, struct file *file, long ret,
					    __u16 fsys, int lv)
{
	if (!(RG_LD(lv, file, f_mode) & RG_FMODE_WRITE))
		return;
	struct inode *inode = RG_LD(lv, file, f_inode);
	struct super_block *sb = RG_LD(lv, inode, i_sb);
	if (RG_LD(lv, sb, s_magic) != RG_PROC_SUPER_MAGIC)
		return;
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry);
	char name[4] = {};
	if (BPF_CORE_READ(d, d_name.len) != 3 ||
	    bpf_probe_read_kernel(name, 3, BPF_CORE_READ(d, d_name.name)) || name[0] != 'm' ||
	    name[1] != 'e' || name[2] != 'm')
		return;
	/* the process the file is about: its proc inode's pid */
	struct proc_inode *pi = (void *)inode - bpf_core_field_offset(struct proc_inode, vfs_inode);
	struct hlist_node *first = BPF_CORE_READ(pi, pid, tasks[0].first); /* PIDTYPE_PID */
	if (!first)
		return; /* it has exited */
	struct task_struct *t =
		(void *)first - bpf_core_field_offset(struct task_struct, pid_links);
	struct rg_scratch *s = rg_scratch_get();
	if (!s || BPF_CORE_READ(t, tgid) == RG_TLD(lv, task, tgid) || rg_is_self(task, lv))
		return;
	__u16 sys = fsys == RG_FSYS_OPENAT ? RG_SSYS_OPENAT
		    : fsys == RG_FSYS_OPENAT2 ? RG_SSYS_OPENAT2 : RG_SSYS_OPEN;
	struct rg_sys *y = rg_sys_start(s, task, RG_SOP_PROC_MEM, sys, ret, lv);
	__u32 off = sizeof(*y);
	y->flags = BPF_CORE_READ(file, f_flags);
	rg_sys_target(y, t);
	rg_put_path(s, &off, &y->path, &file->f_path, task, RG_F_PATH_TRUNC, lv);
	rg_emit(s, off, RG_KIND_SYS);
}

static __always_inline int rg_on_memfd(long ret, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	struct rg_scratch *s = rg_scratch_get();

	if (!s || rg_is_self(task, lv))
		return 0;
	struct rg_sys *y = rg_sys_start(s, task, RG_SOP_MEMFD, RG_SSYS_MEMFD_CREATE, ret, lv);
	__u32 off = sizeof(*y);
	y->flags = RG_ARG(lv, regs, 2);
	rg_sys_put_ustr(s, &off, &y->name, (const char *)RG_ARG(lv, regs, 1),
			RG_NAME_MAX, 0);
	rg_emit(s, off, RG_KIND_SYS);
	return 0;
}

/* module_load, inside init_module or finit_module: the module's name. */
static __always_inline int rg_on_module_load(struct module *mod)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct rg_module_name m = {};

	if ((__u32)(id >> 32) == rg_self_tgid)
		return 0;
	bpf_probe_read_kernel_str(m.name, sizeof(m.name), mod->name);
	bpf_map_update_elem(&module_names, &id, &m, BPF_ANY);
	return 0;
}

static __always_inline int rg_on_module(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	struct rg_scratch *s = rg_scratch_get();
	__u64 id = bpf_get_current_pid_tgid();

	if (!s || rg_is_self(task, lv))
		return 0;
	struct rg_sys *y = rg_sys_start(s, task, RG_SOP_MODULE, sys, ret, lv);
	__u32 off = sizeof(*y);
	struct rg_module_name *m = bpf_map_lookup_elem(&module_names, &id);
	if (m) {
		__u32 len = 0;
		for (; len < RG_MODULE_NAME_LEN - 1 && m->name[len]; len++)
			;
		rg_sys_put_kstr(s, &off, &y->name, m->name, len);
	}
	if (sys == RG_SSYS_FINIT_MODULE) {
		struct file *f = rg_fd_file(task, (int)RG_ARG(lv, regs, 1), lv);
		y->flags = RG_ARG(lv, regs, 3);
		if (f)
			rg_put_path(s, &off, &y->path, &f->f_path, task, RG_F_PATH_TRUNC, lv);
	}
	if (m)
		bpf_map_delete_elem(&module_names, &id); /* after: m points into it */
	rg_emit(s, off, RG_KIND_SYS);
	return 0;
}

/* bpf(BPF_PROG_LOAD): the program's type and name, from the caller's
 * attributes (the name only when the size it gave covers it). */
static __always_inline int rg_on_bpf(long ret, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	const void *attr = (const void *)RG_ARG(lv, regs, 2);
	__u32 size = RG_ARG(lv, regs, 3);
	struct rg_scratch *s;
	__u32 type = 0;

	if (RG_ARG(lv, regs, 1) != RG_BPF_PROG_LOAD || !(s = rg_scratch_get()) ||
	    rg_is_self(task, lv))
		return 0;
	struct rg_sys *y = rg_sys_start(s, task, RG_SOP_BPF, RG_SSYS_BPF, ret, lv);
	__u32 off = sizeof(*y);
	bpf_probe_read_user(&type, sizeof(type), attr);
	y->request = type;
	if (attr && size >= RG_BPF_ATTR_PROG_NAME + RG_BPF_OBJ_NAME_LEN)
		rg_sys_put_ustr(s, &off, &y->name, attr + RG_BPF_ATTR_PROG_NAME,
				RG_BPF_OBJ_NAME_LEN, 0);
	rg_emit(s, off, RG_KIND_SYS);
	return 0;
}

/* mount(2): source, target, type and flags; move_mount(2): where to. */
static __always_inline int rg_on_mount(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	struct rg_scratch *s = rg_scratch_get();

	if (!s || rg_is_self(task, lv))
		return 0;
	struct rg_sys *y = rg_sys_start(s, task, RG_SOP_MOUNT, sys, ret, lv);
	__u32 off = sizeof(*y);
	if (sys == RG_SSYS_MOVE_MOUNT) {
		y->flags = RG_ARG(lv, regs, 5);
		rg_sys_put_at(s, &off, &y->path, task, RG_ARG(lv, regs, 3),
			      (const char *)RG_ARG(lv, regs, 4), lv);
		rg_emit(s, off, RG_KIND_SYS);
		return 0;
	}
	__u32 flags = RG_ARG(lv, regs, 4);
	if ((flags & RG_MS_MGC_MSK) == RG_MS_MGC_VAL)
		flags &= ~RG_MS_MGC_MSK; /* as the kernel does */
	y->flags = flags;
	rg_sys_put_ustr(s, &off, &y->source, (const char *)RG_ARG(lv, regs, 1),
			RG_PATH_MAX, RG_F_SOURCE_TRUNC);
	rg_sys_put_at(s, &off, &y->path, task, RG_SYS_AT_FDCWD,
		      (const char *)RG_ARG(lv, regs, 2), lv);
	if (!(flags & (RG_MS_BIND | RG_MS_MOVE))) /* the type is ignored there */
		rg_sys_put_ustr(s, &off, &y->name, (const char *)RG_ARG(lv, regs, 3),
				RG_NAME_MAX, 0);
	rg_emit(s, off, RG_KIND_SYS);
	return 0;
}

static __always_inline int rg_on_umount(long ret, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	struct rg_scratch *s = rg_scratch_get();

	if (!s || rg_is_self(task, lv))
		return 0;
	struct rg_sys *y = rg_sys_start(s, task, RG_SOP_UMOUNT, RG_SSYS_UMOUNT, ret, lv);
	__u32 off = sizeof(*y);
	y->flags = RG_ARG(lv, regs, 2);
	rg_sys_put_at(s, &off, &y->path, task, RG_SYS_AT_FDCWD,
		      (const char *)RG_ARG(lv, regs, 1), lv);
	rg_emit(s, off, RG_KIND_SYS);
	return 0;
}

/* The name nsfs shows for a namespace file, "TYPE:[INODE]"
 * ("mnt:[4026531841]"), appended: nsfs makes it up when asked (its
 * d_dname), so it is built here from the namespace's type name and the
 * inode's number. Nothing for a file of another file system (a pidfd). */
static __always_inline void rg_sys_put_nsname(struct rg_scratch *s, __u32 *off, struct rg_sref *ref,
					      struct file *f)
{
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	struct ns_common *ns = BPF_CORE_READ(inode, i_private);
	const char *type = BPF_CORE_READ(ns, ops, name);
	__u64 ino = BPF_CORE_READ(inode, i_ino);
	__u32 at = *off;
	char digits[32];
	int i = sizeof(digits);

	if (BPF_CORE_READ(inode, i_sb, s_magic) != RG_NSFS_MAGIC || !type ||
	    at > RG_RECORD_MAX - RG_PATH_MAX)
		return;
	digits[--i & 31] = ']';
	for (int n = 0; n < 20; n++) {
		digits[--i & 31] = '0' + ino % 10;
		ino /= 10;
		if (!ino)
			break;
	}
	digits[--i & 31] = '[';
	digits[--i & 31] = ':';
	barrier_var(at);
	long n = bpf_probe_read_kernel_str(s->rec + (at & (RG_RECORD_MAX - 1)), 16, type);
	if (n <= 1)
		return;
	at += n - 1;
	__u32 len = sizeof(digits) - i;
	barrier_var(at);
	bpf_probe_read_kernel(s->rec + (at & (RG_RECORD_MAX - 1)), len & 31, digits + (i & 31));
	ref->off = *off;
	ref->len = at + len - *off;
	*off = at + len;
}

/* unshare(flags); setns(fd, nstype): the namespace file's name. */
static __always_inline int rg_on_ns(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	struct rg_scratch *s = rg_scratch_get();

	if (!s || rg_is_self(task, lv))
		return 0;
	struct rg_sys *y = rg_sys_start(s, task, RG_SOP_NS, sys, ret, lv);
	__u32 off = sizeof(*y);
	if (sys == RG_SSYS_UNSHARE) {
		y->flags = RG_ARG(lv, regs, 1);
	} else {
		struct file *f = rg_fd_file(task, (int)RG_ARG(lv, regs, 1), lv);
		y->flags = RG_ARG(lv, regs, 2);
		if (f)
			rg_sys_put_nsname(s, &off, &y->name, f);
	}
	rg_emit(s, off, RG_KIND_SYS);
	return 0;
}

#endif /* RG_SYS_BPF_H */
