/* path.bpf.h: absolute paths from (dentry, vfsmount), in the kernel.
 *
 * bpf_d_path() is not available to tracepoints, so we walk d_parent up to
 * the task's root, crossing mount points through struct mount, writing the
 * components right to left into the scratch path buffer. The result is the
 * path as the task sees it (relative to its root: chroots and containers
 * see their own paths). When the buffer or the depth bound runs out, the
 * deepest components are kept and the caller flags the string truncated.
 *
 * Layout of scratch->path (2 * RG_PATH_MAX bytes):
 *
 *   [0 ...................... pos ........... RG_PATH_MAX) [ RG_PATH_MAX ... )
 *                             "/etc/cron.d/job"            spill room: lets the
 *                                                          verifier accept a copy
 *                                                          at any masked pos
 */
#ifndef RG_PATH_BPF_H
#define RG_PATH_BPF_H

#include "common.bpf.h"

#define RG_PATH_DEPTH 256 /* components walked; deeper paths are truncated */
#define RG_AT_FDCWD -100
#define RG_PMASK (RG_PATH_MAX - 1)

struct rg_walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
	__u32 pos; /* start of the path in buf; RG_PATH_MAX when empty */
	bool trunc;
	bool done;
};

/* One step up: prepends dentry's name, or crosses to the mount point the
 * current mount is attached to. Returns false when the walk is complete. */
static __always_inline bool rg_walk_step(struct rg_walk *w, char *buf)
{
	/* Locals, not w->x, inside BPF_CORE_READ: the macro would otherwise
	 * ask for a CO-RE relocation of our own struct rg_walk. */
	struct dentry *d = w->dentry;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct mount *mnt = w->mnt;

	if (d == w->root_dentry && vfsmnt == w->root_mnt)
		return false;

	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	if (d == BPF_CORE_READ(vfsmnt, mnt_root) || d == parent) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
		if (up == mnt)
			return false; /* the root of the mount tree */
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		w->vfsmnt = &up->mnt;
		return true;
	}

	struct qstr name = BPF_CORE_READ(d, d_name);
	__u32 len = name.len & RG_PMASK;
	if (len + 1 > w->pos) {
		w->trunc = true;
		return false;
	}
	w->pos -= len;
	/* The masks are no-ops at run time (pos < RG_PATH_MAX) but give the
	 * verifier a bound: pos + len < 2 * RG_PATH_MAX. */
	bpf_probe_read_kernel(buf + (w->pos & RG_PMASK), len, name.name);
	w->pos -= 1;
	buf[w->pos & RG_PMASK] = '/';
	w->dentry = parent;
	return true;
}

/* bpf_loop callback: one step. The loop body is verified once, where an
 * unrolled or bounded loop would be verified per iteration; two walks per
 * exec at 40 steps already exceeded the verifier's 1M-instruction budget. */
static long rg_walk_cb(__u32 index, void *ctx)
{
	struct rg_walk *w = ctx;
	struct rg_scratch *s = rg_scratch_get();

	if (!s || !rg_walk_step(w, s->path)) {
		w->done = true;
		return 1;
	}
	return 0;
}

RG_LOOP_STEP(rg_walk_step_g, rg_walk_cb)

/* Resolves p into buf; returns the start offset of the path in buf (it ends
 * at RG_PATH_MAX, not NUL-terminated) and sets *trunc. */
static __always_inline __u32 rg_path_resolve(char *buf, const struct path *p,
					     struct task_struct *task, bool *trunc, int lv)
{
	struct rg_walk w = {
		.dentry = BPF_CORE_READ(p, dentry),
		.vfsmnt = BPF_CORE_READ(p, mnt),
		.root_dentry = BPF_CORE_READ(task, fs, root.dentry),
		.root_mnt = BPF_CORE_READ(task, fs, root.mnt),
		.pos = RG_PATH_MAX,
	};
	w.mnt = container_of(w.vfsmnt, struct mount, mnt);

	RG_LOOP(lv, RG_PATH_DEPTH, rg_walk_cb, &w, rg_walk_step_g);
	if (!w.done)
		w.trunc = true; /* deeper than RG_PATH_DEPTH */
	if (w.pos == RG_PATH_MAX) { /* the root itself */
		w.pos--;
		buf[w.pos & RG_PMASK] = '/';
	}
	*trunc = w.trunc;
	return w.pos;
}

/* Appends the path resolved at s->path + pos to the record at *off and
 * fills ref. Returns false when there is no room. */
static __always_inline bool rg_put_resolved(struct rg_scratch *s, __u32 *off,
					    struct rg_sref *ref, __u32 pos, bool trunc,
					    __u32 trunc_flag)
{
	__u32 len = RG_PATH_MAX - (pos & RG_PMASK);
	__u32 at = *off;

	if (at > RG_RECORD_MAX - RG_PATH_MAX || len > RG_PATH_MAX)
		return false;
	bpf_probe_read_kernel(s->rec + at, len, s->path + (pos & RG_PMASK));
	ref->off = at;
	ref->len = len;
	*off = at + len;
	if (trunc)
		((struct rg_hdr *)s->rec)->flags |= trunc_flag;
	return true;
}

/* Resolves p and appends it to the record (see rg_put_resolved). */
static __always_inline bool rg_put_path(struct rg_scratch *s, __u32 *off,
					struct rg_sref *ref, const struct path *p,
					struct task_struct *task, __u32 trunc_flag, int lv)
{
	bool trunc = false;
	__u32 pos = rg_path_resolve(s->path, p, task, &trunc, lv);
	return rg_put_resolved(s, off, ref, pos, trunc, trunc_flag);
}

/* Appends a string from user memory (a name a syscall was given) at *off
 * and fills ref; flags the record trunc_flag when it fills RG_PATH_MAX.
 * Returns false when it cannot be read or there is no room. */
static __always_inline bool rg_put_user_str(struct rg_scratch *s, __u32 *off,
					    struct rg_sref *ref, const char *uname,
					    __u32 trunc_flag)
{
	__u32 at = *off;

	if (at > RG_RECORD_MAX - RG_PATH_MAX)
		return false;
	long n = bpf_probe_read_user_str(s->rec + at, RG_PATH_MAX, uname);
	if (n <= 0)
		return false;
	n--; /* the NUL */
	if (n >= RG_PATH_MAX - 1)
		((struct rg_hdr *)s->rec)->flags |= trunc_flag;
	ref->off = at;
	ref->len = n;
	*off = at + n;
	return true;
}

/* The directory a syscall's dirfd stands for: the working directory for
 * AT_FDCWD, else the open file's path; NULL for a bad fd. */
static __always_inline const struct path *rg_dirfd_path(struct task_struct *task, long dfd,
							int lv)
{
	if ((int)dfd == RG_AT_FDCWD) {
		struct fs_struct *fs = BPF_CORE_READ(task, fs);
		return &fs->pwd;
	}
	struct file *f = rg_fd_file(task, (int)dfd, lv);
	return f ? &f->f_path : NULL;
}

/* Appends a name from user memory as one string: when it is relative, the
 * resolved path of the dirfd (or working directory) first, then '/' and
 * the name (an empty name, as with AT_EMPTY_PATH: the fd's own path). The
 * recorder folds "." and ".." (rg_path_join). Returns false when the name
 * cannot be read or there is no room. */
static __always_inline bool rg_put_user_path(struct rg_scratch *s, __u32 *off,
					     struct rg_sref *ref, struct task_struct *task,
					     long dfd, const char *uname, __u32 trunc_flag, int lv)
{
	__u32 at = *off;
	char c = 0;

	if (bpf_probe_read_user(&c, 1, uname))
		return false;
	if (c != '/') {
		const struct path *base = rg_dirfd_path(task, dfd, lv);
		struct rg_sref dir = {};
		if (base && rg_put_path(s, off, &dir, base, task, trunc_flag, lv) && c) {
			s->rec[*off & (RG_RECORD_MAX - 1)] = '/';
			*off += 1;
		}
	}
	struct rg_sref name = {};
	if (!rg_put_user_str(s, off, &name, uname, trunc_flag))
		return false;
	ref->off = at;
	ref->len = *off - at;
	return true;
}

#endif /* RG_PATH_BPF_H */
