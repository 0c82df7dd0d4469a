/* file.bpf.h: open, first write, rename and unlink, filtered in the kernel.
 *
 * Every hook is a syscall *exit* tracepoint: the result is known there,
 * and the arguments are still in the task's saved user registers, so one
 * program per call does what an enter/exit pair and a map would. Paths:
 *
 *   - a successful open (and a write) resolves the opened file's own
 *     dentries: the canonical absolute path, whatever the caller wrote;
 *   - a failed open, rename and unlink send the caller's name and, when it
 *     is relative, the dirfd's or cwd's path resolved now (see rg_abi.h).
 *
 * The filter (watch/exclude prefixes in an LPM trie, name patterns) runs
 * before anything is copied to the ring. What it cannot decide exactly (a
 * name with "." or ".." components, or longer than its key) goes to the
 * recorder, which decides with the same rules and counts what it filters.
 *
 * Writes: an open for writing of a wanted file is remembered by its struct
 * file; the first write through it from each process that succeeds sends
 * one file_write, and so does the first that fails.
 * Every other write costs a fd-table read and a hash miss.
 */
#ifndef RG_FILE_BPF_H
#define RG_FILE_BPF_H

#include "path.bpf.h"
#include "sys.bpf.h"

#define RG_O_ACCMODE 03
#define RG_O_WRONLY 01
#define RG_O_CREAT 0100
#define RG_O_TRUNC 01000
#define RG_AT_REMOVEDIR 0x200
#define RG_KMASK (RG_PREFIX_LEN - 1)

/* Set by the recorder from the patterns (see rg_abi.h). */
const volatile bool rg_name_any = false; /* a pattern matches every name */
/* By byte value c, bit L-1: an exact or tail key of length L ends with c,
 * or a head key of length L starts with it. A name costs a map lookup only
 * for the lengths its own first and last bytes allow: most names none,
 * and one more pattern adds lookups only to names that share its key's
 * length and end byte (a bitmap over bytes alone gave "summary" the
 * lookups of every tail ending in 'y'). */
const volatile __u32 rg_head_lens = 0; /* bit L-1: a head key of length L */
const volatile __u32 rg_tail_lens = 0; /* bit L-1: a tail key of length L */
const volatile __u32 rg_exact_by_last[256] = {};
const volatile __u32 rg_tail_by_last[256] = {};
const volatile __u32 rg_head_by_first[256] = {};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, RG_PREFIX_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rg_prefix_key);
	__type(value, __u32); /* enum rg_prefix_action */
} file_prefixes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RG_PATTERN_MAX);
	__type(key, struct rg_name_key);
	__type(value, __u8);
} file_names SEC(".maps");

/* A wanted file open for writing. The dentry guards against the struct
 * file being freed and reused for another file between open and write. */
struct rg_wfile {
	__u64 dentry;
	__u32 tgid; /* the process `sent` is about */
	__u32 sent; /* enum rg_wsent: the file_writes sent for it */
};

/* The first write that succeeds is the one that matters; a failed call
 * (copy_file_range's -EBADF or -EXDEV, after which cp falls back to write)
 * must not take its place. The first failure is sent on its own bit, so a
 * loop of failing calls sends one. */
enum rg_wsent {
	RG_WSENT_OK = 1,
	RG_WSENT_FAILED = 2,
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* struct file * */
	__type(value, struct rg_wfile);
} wfiles SEC(".maps");

/* ---- the filter ----------------------------------------------------------- */

/* Is there a name key of this kind for the first (head) or last (tail)
 * len bytes of s->base? */
static __always_inline bool rg_name_hit(struct rg_scratch *s, __u8 kind, __u32 len)
{
	struct rg_name_key *k = &s->nkey;
	__u32 blen = s->base_len & 0xff;
	__u32 from = kind == RG_NAME_TAIL ? blen - len : 0;

	if (len > RG_PATTERN_PART)
		return false;
	__builtin_memset(k, 0, sizeof(*k));
	k->kind = kind;
	k->len = len;
	bpf_probe_read_kernel(k->name, len, s->base + (from & 0xff));
	return bpf_map_lookup_elem(&file_names, k) != NULL;
}

/* Could a watch pattern match the name in s->base? */
static __always_inline bool rg_name_wanted(struct rg_scratch *s)
{
	__u32 blen = s->base_len & 0xff;

	if (rg_name_any)
		return true;
	if (blen == 0)
		return false;
	__u32 li = blen - 1;
	barrier_var(li); /* keeps the mask: 5.10's verifier loses the range otherwise */
	__u8 last = s->base[li & 0xff];
	__u32 fit = blen >= RG_PATTERN_PART ? ~0u : (1u << blen) - 1; /* lengths <= blen */
	__u32 head = rg_head_by_first[(__u8)s->base[0]] & fit;
	__u32 tail = rg_tail_by_last[last] & fit;

	if (blen <= RG_PATTERN_PART && (rg_exact_by_last[last] & (1u << (blen - 1))) &&
	    rg_name_hit(s, RG_NAME_EXACT, blen))
		return true;
	if (!(head | tail))
		return false;
	/* The rodata masks are known at load: the verifier walks only the
	 * lengths in use, where the per-byte masks alone would make it walk
	 * every branch of all 32 turns (a slower load). */
	for (__u32 len = 1; len <= RG_PATTERN_PART; len++) {
		__u32 bit = 1u << (len - 1);
		if ((rg_head_lens & bit) && (head & bit) && rg_name_hit(s, RG_NAME_HEAD, len))
			return true;
		if ((rg_tail_lens & bit) && (tail & bit) && rg_name_hit(s, RG_NAME_TAIL, len))
			return true;
		if (!((__u64)(rg_head_lens | rg_tail_lens) >> len))
			break; /* no longer key in use */
	}
	return false;
}

/* Whether an open's flags change the file: what a watch_writes prefix
 * records (pathmatch.h holds the same test). */
static __always_inline bool rg_flags_write(__u32 flags)
{
	return (flags & RG_O_ACCMODE) || (flags & (RG_O_CREAT | RG_O_TRUNC));
}

/* The verdict for the path in s->key / s->base: the longest prefix's
 * action; with none, RG_PREFIX_WATCH when a name pattern wants it, else 0. */
static __always_inline __u32 rg_file_verdict(struct rg_scratch *s)
{
	__u32 *action = bpf_map_lookup_elem(&file_prefixes, &s->key);

	if (action)
		return *action;
	return rg_name_wanted(s) ? RG_PREFIX_WATCH : 0;
}

/* Whether a call with that verdict is recorded: a writes-only prefix
 * records only calls that change the file. */
static __always_inline bool rg_verdict_wants(__u32 v, bool writing)
{
	return v == RG_PREFIX_WATCH || (v == RG_PREFIX_WRITES && writing);
}

/* Ends the key at n bytes: with a '/' appended when it fits, which makes
 * the trie's byte prefixes component-aware (prefixes are stored "/etc/"). */
static __always_inline void rg_key_end(struct rg_prefix_key *k, __u32 n)
{
	if (n < RG_PREFIX_LEN) {
		k->data[n & RG_KMASK] = '/';
		n++;
	}
	k->prefixlen = n * 8;
}

/* The final component of the dentry d into s->base. d comes through a
 * typed kernel pointer (RG_CAST): its fields are plain loads, only the
 * name a copy. */
static __always_inline void rg_read_base(struct rg_scratch *s, struct dentry *d, int lv)
{
	s->base_len = RG_LD(lv, d, d_name.len) & 0xff;
	bpf_probe_read_kernel(s->base, s->base_len, RG_LD(lv, d, d_name.name));
}

/* Key and base for a path resolved at s->path + pos, whose final
 * component is the dentry d. */
static __always_inline void rg_key_resolved(struct rg_scratch *s, __u32 pos, struct dentry *d,
					    int lv)
{
	__u32 len = RG_PATH_MAX - (pos & RG_PMASK);
	__u32 n = len < RG_PREFIX_LEN - 1 ? len : RG_PREFIX_LEN - 1;

	bpf_probe_read_kernel(s->key.data, n & RG_KMASK, s->path + (pos & RG_PMASK));
	rg_key_end(&s->key, n);
	rg_read_base(s, d, lv);
}

struct rg_scan_ctx {
	__u32 n, last_slash;
	bool odd; /* "//", "/./" or "/../" (or at the end): not in normal form */
};

/* bpf_loop callback over s->key.data[0..n): finds the final component and
 * whether the name is in normal form. */
static long rg_scan_cb(__u32 i, void *ctx)
{
	struct rg_scan_ctx *c = ctx;
	struct rg_scratch *s = rg_scratch_get();

	if (!s || i >= c->n)
		return 1;
	if (s->key.data[i & RG_KMASK] != '/')
		return 0;
	c->last_slash = i;
	char a = i + 1 < c->n ? s->key.data[(i + 1) & RG_KMASK] : '/';
	char b = i + 2 < c->n ? s->key.data[(i + 2) & RG_KMASK] : '/';
	char d = i + 3 < c->n ? s->key.data[(i + 3) & RG_KMASK] : '/';
	if (i + 1 < c->n && (a == '/' || (a == '.' && (b == '/' || (b == '.' && d == '/')))))
		c->odd = true;
	return 0;
}

RG_LOOP_STEP(rg_scan_step_g, rg_scan_cb)

/* Key and base for a caller-supplied path (dir, name) in the record.
 * Returns false when the key cannot stand for it exactly: the recorder
 * must decide. */
static __always_inline bool rg_key_named(struct rg_scratch *s, struct rg_sref dir,
					 struct rg_sref name, int lv)
{
	struct rg_prefix_key *k = &s->key;
	__u32 n = 0;

	if (dir.len + 1 + name.len > RG_PREFIX_LEN - 2 || name.len == 0)
		return false;
	if (dir.len) {
		bpf_probe_read_kernel(k->data, dir.len & RG_KMASK,
				      s->rec + (dir.off & (RG_RECORD_MAX - 1)));
		n = dir.len;
		if (n > 1) /* not the root: a separator */
			k->data[n++ & RG_KMASK] = '/';
	}
	bpf_probe_read_kernel(k->data + (n & RG_KMASK), name.len & RG_KMASK,
			      s->rec + (name.off & (RG_RECORD_MAX - 1)));
	n += name.len;

	struct rg_scan_ctx c = {.n = n};
	RG_LOOP(lv, RG_PREFIX_LEN, rg_scan_cb, &c, rg_scan_step_g);
	if (c.odd || k->data[0] != '/')
		return false;
	s->base_len = (n - c.last_slash - 1) & 0xff;
	bpf_probe_read_kernel(s->base, s->base_len, k->data + ((c.last_slash + 1) & RG_KMASK));
	rg_key_end(k, n);
	return true;
}

static __always_inline bool rg_named_wanted(struct rg_scratch *s, struct rg_sref dir,
					    struct rg_sref name, bool writing, int lv)
{
	return !rg_key_named(s, dir, name, lv) || rg_verdict_wants(rg_file_verdict(s), writing);
}

/* ---- the directory verdict cache --------------------------------------------
 *
 * Most opens are of files nobody watches, and resolving their path (a walk
 * up the dentries) is most of what deciding that costs. The verdict of the
 * prefixes for a file is its directory's verdict, unless a prefix lies
 * below that directory (those directories, the "ancestors" of a prefix,
 * are never cached). So the verdict is cached by directory: its dentry, in
 * its mount, as seen from the task's root (chroots see other paths).
 *
 * The cache is per CPU and direct-mapped: each directory has one slot,
 * which the next directory to land there overwrites. A lookup is an array
 * index and a few compares; with an LRU hash map (a hash of the key, a
 * bucket walk, a reference bit) an unwatched open's program took ~207 ns
 * instead of ~160 (bpf_stats, docs/benchmarks.md). A slot is filled in
 * place, without tearing, because only the syscall exit programs use the
 * cache: they run with preemption off, PREEMPT_RT included (see scratch in
 * common.bpf.h), and trace_call_bpf() does not let another tracepoint
 * program start on a CPU while one runs there.
 *
 * A cached dentry may be freed and its memory reused by another directory;
 * the entry also holds the inode and the name hash, which would differ.
 * A rename or a directory removal anywhere moves paths under dentries:
 * it bumps rg_dir_gen, which retires every entry at once.
 */
#define RG_DIRCACHE_BITS 10 /* 1024 slots of 312 bytes: 312 KiB per CPU */

__u64 rg_dir_gen = 1;

struct rg_dirkey {
	__u64 dentry, mnt, root;
};

struct rg_dirval {
	struct rg_dirkey key;
	__u64 gen;
	__u64 inode;
	__u64 hash_len;           /* d_name.hash_len */
	__u32 action;             /* 0: no prefix, else enum rg_prefix_action */
	__u32 plen;               /* bytes of path (1 to RG_PREFIX_LEN - 2) */
	char path[RG_PREFIX_LEN]; /* the directory's absolute path */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1u << RG_DIRCACHE_BITS);
	__type(key, __u32);
	__type(value, struct rg_dirval);
} dircache SEC(".maps");

/* This CPU's slot for the directory dir, or NULL. Chosen by Fibonacci
 * hashing of its name's hash, which the kernel salts with the parent
 * dentry's address (so every "bin" has its own); the verifier forbids
 * arithmetic on the dentry's address itself. */
static __always_inline struct rg_dirval *rg_dir_slot(struct dentry *dir, int lv)
{
	__u64 hash_len = RG_LD(lv, dir, d_name.hash_len);
	__u32 slot = (hash_len * 0x9E3779B97F4A7C15ull) >> (64 - RG_DIRCACHE_BITS);
	return bpf_map_lookup_elem(&dircache, &slot);
}

/* Strict ancestors of the prefixes, stored like prefixes; the value is the
 * stored key's length in bytes, so a lookup can tell an exact hit. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, RG_PREFIX_MAX * 8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rg_prefix_key);
	__type(value, __u32);
} file_ancestors SEC(".maps");

/* The cache key of the directory holding d, the dentry file was opened
 * at, as task sees it. For the root directory (d its own parent) the
 * dentry is d: callers then neither look up nor learn. */
static __always_inline struct rg_dirkey rg_dir_key(struct task_struct *task, struct file *file,
						   struct dentry *d, int lv)
{
	return (struct rg_dirkey){
		.dentry = (__u64)RG_LD(lv, d, d_parent),
		.mnt = (__u64)RG_LD(lv, file, f_path.mnt),
		.root = (__u64)(lv >= RG_LV_PR ? task->fs->root.dentry
					       : BPF_CORE_READ(task, fs, root.dentry)),
	};
}

/* The valid cache entry for the directory of dk, or NULL. */
static __always_inline struct rg_dirval *rg_dir_cached(const struct rg_dirkey *dk, int lv)
{
	struct dentry *dir = RG_CAST(lv, struct dentry, (void *)dk->dentry);
	struct rg_dirval *v = rg_dir_slot(dir, lv);

	if (!v || v->key.dentry != dk->dentry || v->key.mnt != dk->mnt ||
	    v->key.root != dk->root || v->gen != rg_dir_gen ||
	    v->inode != (__u64)RG_LD(lv, dir, d_inode) ||
	    v->hash_len != RG_LD(lv, dir, d_name.hash_len))
		return NULL;
	return v;
}

/* After a full resolve at s->path + pos whose final component has
 * s->base_len bytes: caches the verdict of its directory, if allowed, as
 * of generation gen (read before the walk: a rename during it leaves the
 * entry already stale). Uses s->key. */
static __always_inline void rg_dir_learn(struct rg_scratch *s, __u32 pos,
					 const struct rg_dirkey *dk, __u64 gen, int lv)
{
	__u32 len = RG_PATH_MAX - (pos & RG_PMASK);
	__u32 dlen = len - (s->base_len & 0xff) - 1; /* without "/name" */
	struct dentry *dir = RG_CAST(lv, struct dentry, (void *)dk->dentry);
	struct rg_dirval *v = rg_dir_slot(dir, lv);

	if (!v || dlen == 0 || dlen >= len || dlen > RG_PREFIX_LEN - 2)
		return; /* the root directory, or too long to be a key */
	bpf_probe_read_kernel(s->key.data, dlen & RG_KMASK, s->path + (pos & RG_PMASK));
	rg_key_end(&s->key, dlen);
	__u32 *anc = bpf_map_lookup_elem(&file_ancestors, &s->key);
	if (anc && *anc == dlen + 1)
		return; /* some prefix lies below this directory */
	__u32 *action = bpf_map_lookup_elem(&file_prefixes, &s->key);
	v->key = *dk;
	v->gen = gen;
	v->inode = (__u64)RG_LD(lv, dir, d_inode);
	v->hash_len = RG_LD(lv, dir, d_name.hash_len);
	v->action = action ? *action : 0;
	v->plen = dlen; /* the key holds the path: dlen bytes, then '/' */
	bpf_probe_read_kernel(v->path, dlen & RG_KMASK, s->key.data);
}

/* Appends the cached directory path, '/', and the final component to the
 * record: the file's path without a walk. The component is s->base when
 * the name filter read it (have_base: the record then holds the name the
 * filter saw), else d's name read straight into the record, one copy
 * fewer (~25 ns). */
static __always_inline bool rg_put_cached(struct rg_scratch *s, __u32 *off, struct rg_sref *ref,
					  struct rg_dirval *v, struct dentry *d, bool have_base,
					  int lv)
{
	__u32 at = *off, plen = v->plen & RG_KMASK;
	const void *base = s->base;

	/* The length goes through s->base_len either way: the verifier
	 * refuses one load that reads a map value on one path and a kernel
	 * object on another, which two loads of the length would become. */
	if (!have_base) {
		s->base_len = RG_LD(lv, d, d_name.len) & 0xff;
		base = RG_LD(lv, d, d_name.name);
	}
	__u32 blen = s->base_len & 0xff;
	if (at > RG_RECORD_MAX - RG_PATH_MAX)
		return false;
	bpf_probe_read_kernel(s->rec + at, plen, v->path);
	s->rec[(at + plen) & (RG_RECORD_MAX - 1)] = '/';
	bpf_probe_read_kernel(s->rec + ((at + plen + 1) & (RG_RECORD_MAX - 1)), blen, base);
	ref->off = at;
	ref->len = plen + 1 + blen;
	*off = at + plen + 1 + blen;
	return true;
}

/* ---- records -------------------------------------------------------------- */

static __always_inline struct rg_file *rg_file_start(struct rg_scratch *s,
						     struct task_struct *task, __u16 op,
						     __u16 sys, long ret, int lv)
{
	struct rg_file *f = (struct rg_file *)s->rec;

	__builtin_memset(f, 0, sizeof(*f)); /* zeroed padding, empty srefs */
	rg_hdr_fill(&f->hdr, RG_KIND_FILE, task, lv);
	f->op = op;
	f->syscall = sys;
	f->result = ret;
	return f;
}

/* Appends a caller-supplied path: the name from user memory and, when it
 * is relative, the resolved dirfd or cwd. */
static __always_inline bool rg_put_named(struct rg_scratch *s, __u32 *off,
					 struct rg_sref *dir, struct rg_sref *name,
					 struct task_struct *task, long dfd, const char *uname,
					 __u32 trunc_flag, int lv)
{
	if (!rg_put_user_str(s, off, name, uname, trunc_flag))
		return false;
	if (name->len > 0 && s->rec[name->off & (RG_RECORD_MAX - 1)] == '/')
		return true;

	const struct path *base = rg_dirfd_path(task, dfd, lv);
	if (!base)
		return true; /* a bad dirfd: the call failed, the name stays */
	return rg_put_path(s, off, dir, base, task, trunc_flag, lv);
}

struct rg_open_args {
	long dfd;
	const char *name;
	__u32 flags, mode;
};

/* The open's arguments, from the registers it entered with: found only
 * here, since most opens are filtered out without them (bpf_task_pt_regs
 * is a helper call). */
static __always_inline void rg_open_args(struct task_struct *task, __u16 sys,
					 struct rg_open_args *a, int lv)
{
	struct pt_regs *regs = rg_regs(task, lv);

	a->dfd = RG_AT_FDCWD;
	switch (sys) {
	case RG_FSYS_OPEN:
		a->name = (const char *)RG_ARG(lv, regs, 1);
		a->flags = RG_ARG(lv, regs, 2);
		a->mode = RG_ARG(lv, regs, 3);
		break;
	case RG_FSYS_CREAT:
		a->name = (const char *)RG_ARG(lv, regs, 1);
		a->flags = RG_O_CREAT | RG_O_WRONLY | RG_O_TRUNC;
		a->mode = RG_ARG(lv, regs, 2);
		break;
	case RG_FSYS_OPENAT:
		a->dfd = RG_ARG(lv, regs, 1);
		a->name = (const char *)RG_ARG(lv, regs, 2);
		a->flags = RG_ARG(lv, regs, 3);
		a->mode = RG_ARG(lv, regs, 4);
		break;
	default: { /* openat2: flags and mode are in struct open_how */
		struct open_how how = {};
		a->dfd = RG_ARG(lv, regs, 1);
		a->name = (const char *)RG_ARG(lv, regs, 2);
		bpf_probe_read_user(&how, sizeof(how), (void *)RG_ARG(lv, regs, 3));
		a->flags = how.flags;
		a->mode = how.mode;
	}
	}
}

/* After an open (a, have_args) or a write (its file's flags): a file
 * opened for writing is remembered for its first write. */
static __always_inline void rg_note_wfile(struct file *file, struct dentry *d, __u16 op,
					  __u32 flags)
{
	if (op == RG_FOP_OPEN && (flags & RG_O_ACCMODE) != 0) { /* written through */
		__u64 key = (__u64)file;
		struct rg_wfile w = {.dentry = (__u64)d};
		bpf_map_update_elem(&wfiles, &key, &w, BPF_ANY);
	}
}

/* The verdict on the path resolved at s->path + pos (file d): wanted, or
 * cut (a cut path lost its prefix: kept). Reads the open's arguments into
 * a when a writes-only prefix needs the flags. */
static __always_inline bool rg_resolved_wanted(struct rg_scratch *s, __u32 pos, bool trunc,
					       struct dentry *d, struct task_struct *task, __u16 sys,
					       struct rg_open_args *a, bool *have_args, int lv)
{
	if (trunc)
		return true;
	rg_key_resolved(s, pos, d, lv);
	__u32 v = rg_file_verdict(s);
	if (v == RG_PREFIX_WRITES && !*have_args) {
		rg_open_args(task, sys, a, lv);
		*have_args = true;
	}
	return rg_verdict_wants(v, rg_flags_write(a->flags));
}

/* rg_file_fd_event for a file the process may see under another path
 * than the host (rg_foreign): both paths are resolved, the record gets
 * both (the host's when the host mounts the file's superblock), and it is
 * sent when either is wanted. The directory cache is neither read nor
 * fed: its verdicts are on the process's paths alone. */
static __always_inline int rg_file_fd_foreign(struct rg_scratch *s, struct task_struct *task,
					      struct file *file, __u16 op, __u16 sys, long ret,
					      bool filter, int lv)
{
	const struct path *fp = &file->f_path;
	struct dentry *d = RG_LD(lv, file, f_path.dentry);
	struct rg_open_args a = {};
	bool have_args = false, trunc = false, htrunc = false;

	struct rg_file *f = rg_file_start(s, task, op, sys, ret, lv);
	__u32 off = sizeof(*f);
	__u32 pos = rg_path_resolve(s->path, fp, task, &trunc, lv);
	if (!rg_put_resolved(s, &off, &f->dir, pos, trunc, RG_F_PATH_TRUNC))
		return 0;
	bool wanted = !filter || rg_resolved_wanted(s, pos, trunc, d, task, sys, &a, &have_args, lv);
	__u32 hpos = 0;
	bool host = rg_host_resolve(s, fp, &hpos, &htrunc, lv);
	if (host && !wanted)
		wanted = rg_resolved_wanted(s, hpos, htrunc, d, task, sys, &a, &have_args, lv);
	if (!wanted)
		return 0;
	if (host)
		rg_put_resolved(s, &off, &f->host, hpos, htrunc, RG_F_PATH_TRUNC);
	if (filter && !have_args)
		rg_open_args(task, sys, &a, lv);
	else if (!filter)
		a.flags = BPF_CORE_READ(file, f_flags);
	f->flags = a.flags;
	f->mode = a.mode;
	rg_emit(s, off, RG_KIND_FILE);
	rg_note_wfile(file, d, op, a.flags);
	return 0;
}

/* A file event about an open struct file: its own resolved path. An open
 * (filter set) is filtered first and reads its arguments only when it is
 * sent or a writes-only prefix needs its flags; a write (and an ftruncate)
 * was filtered at its open and takes the file's flags. */
static __always_inline int rg_file_fd_event(struct rg_scratch *s, struct task_struct *task,
					    struct file *file, __u16 op, __u16 sys, long ret,
					    bool filter, int lv)
{
	const struct path *fp = &file->f_path;
	if (rg_foreign(task, file, lv))
		return rg_file_fd_foreign(s, task, file, op, sys, ret, filter, lv);
	struct dentry *d = RG_LD(lv, file, f_path.dentry);
	struct rg_dirkey dk = rg_dir_key(task, file, d, lv);
	bool trunc = false;
	struct rg_dirval *dv = filter && dk.dentry != (__u64)d ? rg_dir_cached(&dk, lv) : NULL;
	__u32 pos = 0;

	struct rg_open_args a = {};
	bool have_args = false;
	if (dv) { /* the directory's verdict is known (dv implies filter) */
		if (dv->action == RG_PREFIX_WRITES) { /* only then the flags matter */
			rg_open_args(task, sys, &a, lv);
			have_args = true;
		}
		if (dv->action && !rg_verdict_wants(dv->action, rg_flags_write(a.flags)))
			return 0;
		if (!dv->action) { /* no prefix: only a pattern */
			rg_read_base(s, d, lv);
			if (!rg_name_wanted(s))
				return 0;
		}
	}
	if (!dv) {
		__u64 gen = rg_dir_gen;
		pos = rg_path_resolve(s->path, fp, task, &trunc, lv);
		if (filter && !trunc) { /* a cut path lost its prefix: kept */
			rg_key_resolved(s, pos, d, lv);
			__u32 v = rg_file_verdict(s);
			if (v == RG_PREFIX_WRITES) { /* only then the flags matter */
				rg_open_args(task, sys, &a, lv);
				have_args = true;
			}
			bool wanted = rg_verdict_wants(v, rg_flags_write(a.flags));
			if (dk.dentry != (__u64)d)
				rg_dir_learn(s, pos, &dk, gen, lv);
			if (!wanted)
				return 0;
		}
	}
	if (filter && !have_args)
		rg_open_args(task, sys, &a, lv);
	else if (!filter)
		a.flags = BPF_CORE_READ(file, f_flags);
	struct rg_file *f = rg_file_start(s, task, op, sys, ret, lv);
	__u32 off = sizeof(*f);
	f->flags = a.flags;
	f->mode = a.mode;
	if (dv)
		rg_put_cached(s, &off, &f->dir, dv, d, !dv->action, lv);
	else
		rg_put_resolved(s, &off, &f->dir, pos, trunc, RG_F_PATH_TRUNC);
	rg_emit(s, off, RG_KIND_FILE);
	rg_note_wfile(file, d, op, a.flags);
	return 0;
}

/* ---- the workers the entry points call --------------------------------------- */

static __always_inline int rg_on_open(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct rg_scratch *s = rg_scratch_get();
	struct rg_open_args a;

	if (!s || rg_is_self(task, lv))
		return 0;
	if (ret >= 0) {
		struct file *file = rg_fd_file(task, ret, lv);
		if (file) /* another process's /proc/PID/mem opened for writing */
			rg_sys_proc_mem(task, file, ret, sys, lv);
		return file ? rg_file_fd_event(s, task, file, RG_FOP_OPEN, sys, ret, true, lv) : 0;
	}
	rg_open_args(task, sys, &a, lv);
	struct rg_file *f = rg_file_start(s, task, RG_FOP_OPEN, sys, ret, lv);
	__u32 off = sizeof(*f);
	f->flags = a.flags;
	f->mode = a.mode;
	if (!rg_put_named(s, &off, &f->dir, &f->name, task, a.dfd, a.name, RG_F_PATH_TRUNC, lv) ||
	    !rg_named_wanted(s, f->dir, f->name, rg_flags_write(a.flags), lv))
		return 0;
	rg_emit(s, off, RG_KIND_FILE);
	return 0;
}

/* The open file fd when it is a wanted file open for writing (in wfiles),
 * with its entry in *wp; else NULL. No path is walked for any other fd. */
static __always_inline struct file *rg_wanted_wfile(struct task_struct *task, long fd,
						     struct rg_wfile **wp, int lv)
{
	struct file *file = rg_fd_file(task, fd, lv);
	__u64 key = (__u64)file;
	struct rg_wfile *w;

	if (!file || !(w = bpf_map_lookup_elem(&wfiles, &key)))
		return NULL;
	if (w->dentry != (__u64)BPF_CORE_READ(file, f_path.dentry)) {
		bpf_map_delete_elem(&wfiles, &key); /* a reused struct file */
		return NULL;
	}
	*wp = w;
	return file;
}

static __always_inline int rg_on_write(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	/* the fd written to: copy_file_range and splice name it third */
	long fd = sys == RG_FSYS_COPY_FILE_RANGE || sys == RG_FSYS_SPLICE
			  ? RG_ARG(lv, regs, 3)
			  : RG_ARG(lv, regs, 1);
	struct rg_wfile *w = NULL;
	struct file *file = rg_wanted_wfile(task, fd, &w, lv);

	if (!file || !w)
		return 0;
	__u32 tgid = BPF_CORE_READ(task, tgid);
	__u32 bit = ret >= 0 ? RG_WSENT_OK : RG_WSENT_FAILED;
	if (w->tgid != tgid) {
		w->tgid = tgid;
		w->sent = 0;
	}
	if (w->sent & bit)
		return 0;
	w->sent |= bit;
	struct rg_scratch *s = rg_scratch_get();
	if (!s || rg_is_self(task, lv))
		return 0;
	return rg_file_fd_event(s, task, file, RG_FOP_WRITE, sys, ret, false, lv);
}

static __always_inline int rg_on_rename(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	struct rg_scratch *s = rg_scratch_get();
	long odfd = RG_AT_FDCWD, ndfd = RG_AT_FDCWD;
	const char *oldname, *newname;
	__u32 flags = 0;

	if (!s || rg_is_self(task, lv))
		return 0;
	if (sys == RG_FSYS_RENAME) {
		oldname = (const char *)RG_ARG(lv, regs, 1);
		newname = (const char *)RG_ARG(lv, regs, 2);
	} else {
		odfd = RG_ARG(lv, regs, 1);
		oldname = (const char *)RG_ARG(lv, regs, 2);
		ndfd = RG_ARG(lv, regs, 3);
		newname = (const char *)RG_ARG(lv, regs, 4);
		if (sys == RG_FSYS_RENAMEAT2)
			flags = RG_ARG(lv, regs, 5);
	}
	if (ret == 0)
		__sync_fetch_and_add(&rg_dir_gen, 1); /* paths under dentries moved */
	struct rg_file *f = rg_file_start(s, task, RG_FOP_RENAME, sys, ret, lv);
	__u32 off = sizeof(*f);
	f->flags = flags;
	if (!rg_put_named(s, &off, &f->dir, &f->name, task, odfd, oldname, RG_F_PATH_TRUNC, lv) ||
	    !rg_put_named(s, &off, &f->new_dir, &f->new_name, task, ndfd, newname,
			  RG_F_NEW_PATH_TRUNC, lv))
		return 0;
	if (!rg_named_wanted(s, f->dir, f->name, true, lv) &&
	    !rg_named_wanted(s, f->new_dir, f->new_name, true, lv))
		return 0;
	rg_emit(s, off, RG_KIND_FILE);
	return 0;
}

static __always_inline int rg_on_unlink(long ret, __u16 sys, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct pt_regs *regs = rg_regs(task, lv);
	struct rg_scratch *s = rg_scratch_get();
	long dfd = RG_AT_FDCWD;
	const char *name;
	__u32 flags = 0;

	if (!s || rg_is_self(task, lv))
		return 0;
	if (sys == RG_FSYS_UNLINKAT) {
		dfd = RG_ARG(lv, regs, 1);
		name = (const char *)RG_ARG(lv, regs, 2);
		flags = RG_ARG(lv, regs, 3);
	} else {
		name = (const char *)RG_ARG(lv, regs, 1);
	}
	if (ret == 0 && (sys == RG_FSYS_RMDIR || (flags & RG_AT_REMOVEDIR)))
		__sync_fetch_and_add(&rg_dir_gen, 1); /* a directory's dentry goes */
	struct rg_file *f = rg_file_start(s, task, RG_FOP_UNLINK, sys, ret, lv);
	__u32 off = sizeof(*f);
	f->flags = flags;
	if (!rg_put_named(s, &off, &f->dir, &f->name, task, dfd, name, RG_F_PATH_TRUNC, lv) ||
	    !rg_named_wanted(s, f->dir, f->name, true, lv))
		return 0;
	rg_emit(s, off, RG_KIND_FILE);
	return 0;
}

#endif /* RG_FILE_BPF_H */
