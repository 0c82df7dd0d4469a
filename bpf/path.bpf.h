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

/* ---- the host's path of a file ---------------------------------------------
 *
 * A process in another mount namespace, under a chroot or behind a bind
 * mount reaches a file by a path the host does not use. Where the file
 * lives on the host is its path inside its superblock (its dentries up to
 * the superblock's root, mounts ignored) after the host's mount point of
 * that superblock, which the recorder writes from /proc/1/mountinfo into
 * host_mounts (key: the superblock's s_dev). A superblock the host does
 * not mount at its root (only a subdirectory of it, or not at all) has no
 * host path.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RG_HOSTMNT_MAX);
	__type(key, __u32); /* s_dev, the kernel's encoding */
	__type(value, struct rg_hostmnt);
} host_mounts SEC(".maps");

struct rg_sbwalk {
	struct dentry *dentry;
	__u32 pos; /* as rg_walk's */
	bool trunc;
	bool done;
};

/* bpf_loop callback: one step up the dentries, mounts ignored; done at
 * the superblock's root (its own parent). */
static long rg_sbwalk_cb(__u32 index, void *ctx)
{
	struct rg_sbwalk *w = ctx;
	struct rg_scratch *s = rg_scratch_get();
	struct dentry *d = w->dentry;

	if (!s) {
		w->done = true;
		return 1;
	}
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	if (d == parent) {
		w->done = true;
		return 1;
	}
	struct qstr name = BPF_CORE_READ(d, d_name);
	__u32 len = name.len & RG_PMASK;
	if (len + 1 > w->pos) {
		w->trunc = true;
		w->done = true;
		return 1;
	}
	w->pos -= len;
	bpf_probe_read_kernel(s->path + (w->pos & RG_PMASK), len, name.name);
	w->pos -= 1;
	s->path[w->pos & RG_PMASK] = '/';
	w->dentry = parent;
	return 0;
}

RG_LOOP_STEP(rg_sbwalk_step_g, rg_sbwalk_cb)

/* The host's root directory, as the recorder's stat("/") gives it (set
 * before load; 0: unknown, no task is taken for chrooted). */
const volatile __u32 rg_host_root_dev = 0; /* s_dev, the kernel's encoding */
const volatile __u64 rg_host_root_ino = 0;

/* Whether the process may see file under another path than the host:
 * the file's mount shows a subdirectory of its superblock (a bind mount),
 * or the task's root directory is not the host's (a chroot, a container's
 * pivot_root). A task in the host's view pays these loads: plain loads
 * where file comes through RG_CAST and task is trusted (lv), else probe
 * reads (about 10 ns each). */
static __always_inline bool rg_foreign(struct task_struct *task, struct file *file, int lv)
{
	struct vfsmount *m = RG_LD(lv, file, f_path.mnt);
	struct super_block *sb = RG_LD(lv, m, mnt_sb);
	if (RG_LD(lv, m, mnt_root) != RG_LD(lv, sb, s_root))
		return true;
	if (!rg_host_root_ino)
		return false;
	if (lv >= RG_LV_PR) {
		struct dentry *rd = task->fs->root.dentry;
		return rd->d_inode->i_ino != rg_host_root_ino || rd->d_sb->s_dev != rg_host_root_dev;
	}
	struct dentry *rd = BPF_CORE_READ(task, fs, root.dentry);
	return BPF_CORE_READ(rd, d_inode, i_ino) != rg_host_root_ino ||
	       BPF_CORE_READ(rd, d_sb, s_dev) != rg_host_root_dev;
}

/* The host's path of the file at p into s->path (as rg_path_resolve);
 * false when the host does not mount its superblock's root. */
static __always_inline bool rg_host_resolve(struct rg_scratch *s, const struct path *p,
					    __u32 *pos, bool *trunc, int lv)
{
	__u32 dev = BPF_CORE_READ(p, mnt, mnt_sb, s_dev);
	struct rg_hostmnt *hm = bpf_map_lookup_elem(&host_mounts, &dev);
	struct rg_sbwalk w = {.dentry = BPF_CORE_READ(p, dentry), .pos = RG_PATH_MAX};

	if (!hm)
		return false;
	RG_LOOP(lv, RG_PATH_DEPTH, rg_sbwalk_cb, &w, rg_sbwalk_step_g);
	if (!w.done)
		w.trunc = true;
	__u32 mlen = hm->len & (RG_HOSTMNT_LEN - 1);
	if (mlen > 1) { /* not "/": the mount point first */
		if (mlen + 1 > w.pos) {
			w.trunc = true;
		} else {
			w.pos -= mlen;
			bpf_probe_read_kernel(s->path + (w.pos & RG_PMASK), mlen, hm->path);
		}
	} else if (w.pos == RG_PATH_MAX) {
		w.pos--;
		s->path[w.pos & RG_PMASK] = '/';
	}
	*pos = w.pos;
	*trunc = w.trunc;
	return true;
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
