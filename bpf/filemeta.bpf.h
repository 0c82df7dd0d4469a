/* filemeta.bpf.h: changes to files' metadata and names (chmod, chown,
 * link, symlink, mkdir, utimes, setxattr, truncate), filtered in the kernel.
 *
 * The hooks, paths and filter are file.bpf.h's: a syscall exit program
 * reads the call's arguments from the saved registers; a call given a name
 * sends it (rg_put_named) unless the filter rules it out (rg_named_wanted,
 * the recorder deciding what it cannot); a call on an fd resolves the open
 * file's path and asks its verdict. Each of these calls changes the file,
 * so a watch_writes prefix records them all.
 *
 * Two changes are recorded on any path, watched, unwatched or excluded:
 * a mode that sets the setuid or setgid bit, and the security.capability
 * attribute. Both give whoever runs the file privileges: the way back to
 * root an attacker leaves behind, wherever they put it.
 *
 * None of these calls bumps rg_dir_gen: the directory cache maps a
 * directory's dentry to its path's verdict, and only a rename or the
 * removal of a directory moves or frees such a dentry. mkdir, link and
 * symlink add new names (a new dentry has no cache entry to retire); the
 * others change an inode, not a name.
 *
 * The fd calls (fchmod, fchown, futimens, fsetxattr) walk the open file's
 * path without the directory cache: they are rare next to opens (cp -p and
 * tar make one of each per file they write, after its open).
 */
#ifndef RG_FILEMETA_BPF_H
#define RG_FILEMETA_BPF_H

#include "file.bpf.h"

#define RG_S_ISUGID 06000                /* S_ISUID | S_ISGID */
#define RG_UTIME_NOW ((1l << 30) - 1)    /* tv_nsec: set to now */
#define RG_UTIME_OMIT ((1l << 30) - 2)   /* tv_nsec: leave as it is */
#define RG_XATTR_SECURITY "security."
#define RG_XATTR_CAPS "security.capability"

/* utime's times (struct utimbuf, x86-only: not in arm64's BTF). */
struct rg_utimbuf {
	__s64 actime, modtime;
};

/* setxattrat's arguments (include/uapi/linux/xattr.h, Linux 6.13). */
struct rg_xattr_args {
	__u64 value;
	__u32 size;
	__u32 flags;
};

/* Sends the record started in s->rec, data up to off, with the path the
 * call acted on: uname relative to dfd, or with on_fd the open file dfd
 * itself. Unless any, only when the filter may want it. on_fd is a
 * constant but for the calls that may be either (futimens is utimensat
 * with no name): each branch is a path walk the verifier checks, which
 * costs seconds per program on old kernels' bounded loops. */
static __always_inline int rg_meta_send(struct rg_scratch *s, struct task_struct *task,
					__u32 off, long dfd, const char *uname, bool on_fd,
					bool any, int lv)
{
	struct rg_file *f = (struct rg_file *)s->rec;

	if (!on_fd) {
		if (!rg_put_named(s, &off, &f->dir, &f->name, task, dfd, uname, RG_F_PATH_TRUNC,
				  lv) ||
		    (!any && !rg_named_wanted(s, f->dir, f->name, true, lv)))
			return 0;
		rg_emit(s, off, RG_KIND_FILE);
		return 0;
	}
	struct file *file = rg_fd_file(task, dfd, lv);
	if (!file)
		return 0; /* a bad fd (the call failed): no file to name */
	bool trunc = false;
	__u32 pos = rg_path_resolve(s->path, &file->f_path, task, &trunc, lv);
	if (!any && !trunc) { /* a cut path lost its prefix: kept */
		rg_key_resolved(s, pos, RG_LD(lv, file, f_path.dentry), lv);
		if (!rg_verdict_wants(rg_file_verdict(s), true))
			return 0;
	}
	if (rg_put_resolved(s, &off, &f->dir, pos, trunc, RG_F_PATH_TRUNC))
		rg_emit(s, off, RG_KIND_FILE);
	return 0;
}

/* chmod(name, mode), fchmod(fd, mode), fchmodat(dfd, name, mode),
 * fchmodat2(dfd, name, mode, flags). */
static __always_inline int rg_on_chmod(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	struct rg_scratch *s = rg_scratch_get();
	long dfd = RG_AT_FDCWD;
	const char *name = NULL;
	__u32 mode;

	if (!s || rg_is_self(task, lv))
		return 0;
	if (sys == RG_FSYS_CHMOD || sys == RG_FSYS_FCHMOD) {
		if (sys == RG_FSYS_CHMOD)
			name = (const char *)RG_ARG(lv, regs, 1);
		else
			dfd = RG_ARG(lv, regs, 1);
		mode = RG_ARG(lv, regs, 2);
	} else {
		dfd = RG_ARG(lv, regs, 1);
		name = (const char *)RG_ARG(lv, regs, 2);
		mode = RG_ARG(lv, regs, 3);
	}
	struct rg_file *f = rg_file_start(s, task, RG_FOP_CHMOD, sys, ret, lv);
	f->mode = mode & 07777;
	if (sys == RG_FSYS_FCHMODAT2)
		f->flags = RG_ARG(lv, regs, 4);
	return rg_meta_send(s, task, sizeof(*f), dfd, name, sys == RG_FSYS_FCHMOD,
			    mode & RG_S_ISUGID, lv);
}

/* chown and lchown(name, uid, gid), fchown(fd, uid, gid),
 * fchownat(dfd, name, uid, gid, flags). */
static __always_inline int rg_on_chown(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	struct rg_scratch *s = rg_scratch_get();
	long dfd = RG_AT_FDCWD;
	const char *name = NULL;
	__u32 uid, gid, flags = 0;

	if (!s || rg_is_self(task, lv))
		return 0;
	if (sys == RG_FSYS_FCHOWNAT) {
		dfd = RG_ARG(lv, regs, 1);
		name = (const char *)RG_ARG(lv, regs, 2);
		uid = RG_ARG(lv, regs, 3);
		gid = RG_ARG(lv, regs, 4);
		flags = RG_ARG(lv, regs, 5);
	} else {
		if (sys == RG_FSYS_FCHOWN)
			dfd = RG_ARG(lv, regs, 1);
		else
			name = (const char *)RG_ARG(lv, regs, 1);
		uid = RG_ARG(lv, regs, 2);
		gid = RG_ARG(lv, regs, 3);
	}
	struct rg_file *f = rg_file_start(s, task, RG_FOP_CHOWN, sys, ret, lv);
	f->owner_uid = uid;
	f->owner_gid = gid;
	f->flags = flags;
	return rg_meta_send(s, task, sizeof(*f), dfd, name, sys == RG_FSYS_FCHOWN, false, lv);
}

/* link(old, new), linkat(olddfd, old, newdfd, new, flags),
 * symlink(target, new), symlinkat(target, newdfd, new). The link made
 * decides: a hard link into a watched directory creates a file there. A
 * symlink's target is sent as written, without a directory: the kernel
 * resolves it from the link's directory, and only when it is followed. */
static __always_inline int rg_on_link(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	struct rg_scratch *s = rg_scratch_get();
	bool sym = sys == RG_FSYS_SYMLINK || sys == RG_FSYS_SYMLINKAT;
	long odfd = RG_AT_FDCWD, ndfd = RG_AT_FDCWD;
	const char *oldname, *newname;
	__u32 flags = 0;

	if (!s || rg_is_self(task, lv))
		return 0;
	if (sys == RG_FSYS_LINKAT) {
		odfd = RG_ARG(lv, regs, 1);
		oldname = (const char *)RG_ARG(lv, regs, 2);
		ndfd = RG_ARG(lv, regs, 3);
		newname = (const char *)RG_ARG(lv, regs, 4);
		flags = RG_ARG(lv, regs, 5);
	} else if (sys == RG_FSYS_SYMLINKAT) {
		oldname = (const char *)RG_ARG(lv, regs, 1);
		ndfd = RG_ARG(lv, regs, 2);
		newname = (const char *)RG_ARG(lv, regs, 3);
	} else {
		oldname = (const char *)RG_ARG(lv, regs, 1);
		newname = (const char *)RG_ARG(lv, regs, 2);
	}
	struct rg_file *f = rg_file_start(s, task, sym ? RG_FOP_SYMLINK : RG_FOP_LINK, sys, ret, lv);
	__u32 off = sizeof(*f);
	f->flags = flags;
	if (!rg_put_named(s, &off, &f->new_dir, &f->new_name, task, ndfd, newname,
			  RG_F_NEW_PATH_TRUNC, lv) ||
	    !rg_named_wanted(s, f->new_dir, f->new_name, true, lv))
		return 0;
	if (sym) { /* an empty target (ENOENT) names nothing: not sent */
		if (!rg_put_user_str(s, &off, &f->name, oldname, RG_F_PATH_TRUNC) || !f->name.len)
			return 0;
	} else if (!rg_put_named(s, &off, &f->dir, &f->name, task, odfd, oldname,
				 RG_F_PATH_TRUNC, lv)) {
		return 0;
	}
	rg_emit(s, off, RG_KIND_FILE);
	return 0;
}

/* mkdir(name, mode), mkdirat(dfd, name, mode). */
static __always_inline int rg_on_mkdir(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	struct rg_scratch *s = rg_scratch_get();
	long dfd = RG_AT_FDCWD;
	const char *name;
	__u32 mode;

	if (!s || rg_is_self(task, lv))
		return 0;
	if (sys == RG_FSYS_MKDIRAT) {
		dfd = RG_ARG(lv, regs, 1);
		name = (const char *)RG_ARG(lv, regs, 2);
		mode = RG_ARG(lv, regs, 3);
	} else {
		name = (const char *)RG_ARG(lv, regs, 1);
		mode = RG_ARG(lv, regs, 2);
	}
	struct rg_file *f = rg_file_start(s, task, RG_FOP_MKDIR, sys, ret, lv);
	f->mode = mode & 07777;
	return rg_meta_send(s, task, sizeof(*f), dfd, name, false, false, lv);
}

/* The modification time a utimes call sets, from its times argument (the
 * second of two: access, then modification), in ns since the epoch; or
 * RG_MTIME_NOW for none given, "now", UTIME_OMIT, or one it could not read. */
static __always_inline __s64 rg_mtime(__u16 sys, const void *times)
{
	if (!times)
		return RG_MTIME_NOW;
	if (sys == RG_FSYS_UTIMENSAT) {
		struct __kernel_timespec t[2];
		if (bpf_probe_read_user(t, sizeof(t), times) || t[1].tv_nsec == RG_UTIME_NOW ||
		    t[1].tv_nsec == RG_UTIME_OMIT)
			return RG_MTIME_NOW;
		return t[1].tv_sec * 1000000000ll + t[1].tv_nsec;
	}
	if (sys == RG_FSYS_UTIME) {
		struct rg_utimbuf b;
		if (bpf_probe_read_user(&b, sizeof(b), times))
			return RG_MTIME_NOW;
		return b.modtime * 1000000000ll;
	}
	struct __kernel_old_timeval tv[2]; /* utimes, futimesat */
	if (bpf_probe_read_user(tv, sizeof(tv), times))
		return RG_MTIME_NOW;
	return tv[1].tv_sec * 1000000000ll + tv[1].tv_usec * 1000;
}

/* utimensat(dfd, name, times, flags) (futimens: name NULL, dfd the file),
 * utimes(name, times), utime(name, times), futimesat(dfd, name, times). */
static __always_inline int rg_on_utimes(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	struct rg_scratch *s = rg_scratch_get();
	long dfd = RG_AT_FDCWD;
	const char *name;
	const void *times;
	__u32 flags = 0;
	bool at = sys == RG_FSYS_UTIMENSAT || sys == RG_FSYS_FUTIMESAT;

	if (!s || rg_is_self(task, lv))
		return 0;
	if (at) {
		dfd = RG_ARG(lv, regs, 1);
		name = (const char *)RG_ARG(lv, regs, 2);
		times = (const void *)RG_ARG(lv, regs, 3);
		if (sys == RG_FSYS_UTIMENSAT)
			flags = RG_ARG(lv, regs, 4);
	} else {
		name = (const char *)RG_ARG(lv, regs, 1);
		times = (const void *)RG_ARG(lv, regs, 2);
	}
	if (!name && dfd == RG_AT_FDCWD)
		return 0; /* no file at all: EFAULT or EINVAL */
	struct rg_file *f = rg_file_start(s, task, RG_FOP_UTIMES, sys, ret, lv);
	f->flags = flags;
	f->mtime_ns = rg_mtime(sys, times);
	return rg_meta_send(s, task, sizeof(*f), dfd, name, at && !name, false, lv);
}

/* Whether the n bytes at s->rec + at begin with the C string p. */
static __always_inline bool rg_rec_starts(struct rg_scratch *s, __u32 at, __u32 n,
					  const char *p, __u32 plen)
{
	if (n < plen)
		return false;
	for (__u32 i = 0; i < plen; i++)
		if (s->rec[(at + i) & (RG_RECORD_MAX - 1)] != p[i])
			return false;
	return true;
}

/* setxattr and lsetxattr(name, xname, value, size, flags),
 * fsetxattr(fd, xname, value, size, flags), setxattrat(dfd, name,
 * at_flags, xname, args, size). Only security.* attributes: they decide
 * what a file may do (capabilities, SELinux and IMA labels); the others
 * are the files' users' business. */
static __always_inline int rg_on_setxattr(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	struct rg_scratch *s = rg_scratch_get();
	long dfd = RG_AT_FDCWD;
	const char *name = NULL, *xname;
	__u32 flags;

	if (!s || rg_is_self(task, lv))
		return 0;
	if (sys == RG_FSYS_SETXATTRAT) {
		struct rg_xattr_args a = {};
		dfd = RG_ARG(lv, regs, 1);
		name = (const char *)RG_ARG(lv, regs, 2);
		xname = (const char *)RG_ARG(lv, regs, 4);
		bpf_probe_read_user(&a, sizeof(a), (void *)RG_ARG(lv, regs, 5));
		/* XATTR_* and AT_* bits do not overlap: both kept */
		flags = a.flags | (__u32)RG_ARG(lv, regs, 3);
	} else {
		if (sys == RG_FSYS_FSETXATTR)
			dfd = RG_ARG(lv, regs, 1);
		else
			name = (const char *)RG_ARG(lv, regs, 1);
		xname = (const char *)RG_ARG(lv, regs, 2);
		flags = RG_ARG(lv, regs, 5);
	}
	struct rg_file *f = rg_file_start(s, task, RG_FOP_SETXATTR, sys, ret, lv);
	__u32 off = sizeof(*f);
	long n = bpf_probe_read_user_str(s->rec + off, RG_NAME_MAX, xname);
	if (n <= 1 || !rg_rec_starts(s, off, n - 1, RG_XATTR_SECURITY,
				     sizeof(RG_XATTR_SECURITY) - 1))
		return 0;
	f->xattr.off = off;
	f->xattr.len = n - 1;
	f->flags = flags;
	bool caps = n == sizeof(RG_XATTR_CAPS) &&
		    rg_rec_starts(s, off, n - 1, RG_XATTR_CAPS, sizeof(RG_XATTR_CAPS) - 1);
	return rg_meta_send(s, task, off + (n - 1), dfd, name, sys == RG_FSYS_FSETXATTR, caps, lv);
}

/* truncate(name, length); ftruncate(fd, length) of a wanted file open for
 * writing (as a write is decided: see rg_wanted_wfile). */
static __always_inline int rg_on_truncate(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	struct rg_scratch *s = rg_scratch_get();

	if (!s || rg_is_self(task, lv))
		return 0;
	if (sys == RG_FSYS_FTRUNCATE) {
		struct rg_wfile *w = NULL;
		struct file *file = rg_wanted_wfile(task, RG_ARG(lv, regs, 1), &w, lv);
		if (!file || !w)
			return 0;
		return rg_file_fd_event(s, task, file, RG_FOP_TRUNCATE, sys, ret, false, lv);
	}
	rg_file_start(s, task, RG_FOP_TRUNCATE, sys, ret, lv);
	return rg_meta_send(s, task, sizeof(struct rg_file), RG_AT_FDCWD,
			    (const char *)RG_ARG(lv, regs, 1), false, false, lv);
}

#endif /* RG_FILEMETA_BPF_H */
