/* path_test.bpf.c: the path walk (path.bpf.h) and the directory verdict
 * cache (file.bpf.h's rg_dir_cached, rg_dir_learn and rg_dir_gen) on their
 * own, for tests/unit/test_bpf_path.c.
 *
 * They need real dentries and mounts, which BPF_PROG_TEST_RUN cannot give,
 * so these programs sit on the syscall exit tracepoints the recorder's do
 * and look at one process, the driver's (rg_test_tgid). After each of its
 * opens, the file just opened goes through the same helpers in the order
 * rg_file_fd_event calls them (cache lookup, walk, verdict, learn), and
 * what each said lands in `result` for the driver to read. Its renames and
 * removals go through the recorder's own workers, which retire the cache.
 * Each entry point has a variant per level of common.bpf.h (X, X_pr,
 * X_old, as in rand_guard.bpf.c); the driver loads one level at a time.
 */
#include "file.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 rg_test_tgid = 0; /* set before load: the driver */

#define RG_TEST_NO_VERDICT 255 /* a cut path: the filter keeps it, unjudged */

/* One open, as the helpers saw it. Shared with tests/unit/test_bpf_path.c. */
struct rg_path_result {
	__u32 opens;      /* opens seen since the driver zeroed it */
	__u32 trunc;      /* the record's RG_F_PATH_TRUNC from rg_put_resolved */
	__u32 verdict;    /* rg_file_verdict of the walked path, or RG_TEST_NO_VERDICT */
	__u32 hit;        /* rg_dir_cached knew the directory before this open */
	__u32 hit_action; /* the cached verdict */
	__u32 hit_len;    /* bytes of hit_path */
	__u32 len;        /* bytes of path */
	__u32 pad;
	char hit_path[2 * RG_PREFIX_LEN]; /* rg_put_cached: the path from the cache */
	char path[RG_PATH_MAX];           /* rg_put_resolved: the path from the walk */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rg_path_result);
} result SEC(".maps");

static __always_inline bool rg_test_mine(void)
{
	return bpf_get_current_pid_tgid() >> 32 == rg_test_tgid;
}

/* Copies what the cache holds for the directory: the path the record
 * would carry (rg_put_cached, the final component from s->base or the
 * dentry as rg_file_fd_event takes it) and the verdict. */
static __always_inline void rg_test_hit(struct rg_scratch *s, struct rg_path_result *r,
					struct rg_dirval *dv, struct dentry *d, int lv)
{
	struct rg_sref ref = {};
	__u32 off = 0;

	r->hit = 1;
	r->hit_action = dv->action;
	if (!dv->action) /* the name filter's turn: it reads the base */
		rg_read_base(s, d, lv);
	if (!rg_put_cached(s, &off, &ref, dv, d, !dv->action, lv))
		return;
	__u32 n = ref.len < sizeof(r->hit_path) ? ref.len : sizeof(r->hit_path);
	r->hit_len = n;
	bpf_probe_read_kernel(r->hit_path, n, s->rec);
}

/* Walks the file's path into the record as rg_file_fd_event does and
 * copies it; returns the walk's start in s->path and sets *trunc. */
static __always_inline __u32 rg_test_walk(struct rg_scratch *s, struct rg_path_result *r,
					  struct file *file, struct task_struct *task,
					  bool *trunc, int lv)
{
	struct rg_file *f = (struct rg_file *)s->rec;
	__u32 off = sizeof(*f);

	f->hdr.flags = 0;
	__u32 pos = rg_path_resolve(s->path, &file->f_path, task, trunc, lv);
	if (!rg_put_resolved(s, &off, &f->dir, pos, *trunc, RG_F_PATH_TRUNC))
		return pos;
	__u32 n = f->dir.len < RG_PATH_MAX ? f->dir.len : RG_PATH_MAX;
	r->len = n;
	bpf_probe_read_kernel(r->path, n, s->rec + sizeof(*f));
	r->trunc = !!(f->hdr.flags & RG_F_PATH_TRUNC);
	return pos;
}

static __always_inline int rg_test_open(long ret, int lv)
{
	struct task_struct *task = rg_current(lv);
	struct rg_scratch *s = rg_scratch_get();
	__u32 zero = 0;
	struct rg_path_result *r = bpf_map_lookup_elem(&result, &zero);
	struct file *file = rg_fd_file(task, ret, lv);

	if (!s || !r || !file)
		return 0;
	r->opens++;
	struct dentry *d = RG_LD(lv, file, f_path.dentry);
	struct rg_dirkey dk = rg_dir_key(task, file, d, lv);
	struct rg_dirval *dv = dk.dentry != (__u64)d ? rg_dir_cached(&dk, lv) : NULL;
	if (dv)
		rg_test_hit(s, r, dv, d, lv);

	__u64 gen = rg_dir_gen; /* before the walk, as rg_file_fd_event reads it */
	bool trunc = false;
	__u32 pos = rg_test_walk(s, r, file, task, &trunc, lv);
	r->verdict = RG_TEST_NO_VERDICT;
	if (trunc)
		return 0;
	rg_key_resolved(s, pos, d, lv);
	r->verdict = rg_file_verdict(s);
	if (!dv && dk.dentry != (__u64)d) /* the recorder learns when it walked */
		rg_dir_learn(s, pos, &dk, gen, lv);
	return 0;
}

/* As RG_SYS_EXIT in rand_guard.bpf.c, for the driver's calls only. */
#define RG_TEST_EXIT(prog, tp, worker, ...)                                     \
	SEC("tracepoint/syscalls/" tp)                                          \
	int prog(struct syscall_trace_exit *ctx)                                \
	{                                                                       \
		return rg_test_mine() ? worker(ctx->ret, ##__VA_ARGS__, RG_LV_CAST) : 0; \
	}                                                                       \
	SEC("tracepoint/syscalls/" tp)                                          \
	int prog##_pr(struct syscall_trace_exit *ctx)                           \
	{                                                                       \
		return rg_test_mine() ? worker(ctx->ret, ##__VA_ARGS__, RG_LV_PR) : 0; \
	}                                                                       \
	SEC("tracepoint/syscalls/" tp)                                          \
	int prog##_old(struct syscall_trace_exit *ctx)                          \
	{                                                                       \
		return rg_test_mine() ? worker(ctx->ret, ##__VA_ARGS__, RG_LV_OLD) : 0; \
	}

RG_TEST_EXIT(t_openat, "sys_exit_openat", rg_test_open)
RG_TEST_EXIT(t_rename, "sys_exit_rename", rg_on_rename, RG_FSYS_RENAME)
RG_TEST_EXIT(t_renameat, "sys_exit_renameat", rg_on_rename, RG_FSYS_RENAMEAT)
RG_TEST_EXIT(t_renameat2, "sys_exit_renameat2", rg_on_rename, RG_FSYS_RENAMEAT2)
RG_TEST_EXIT(t_unlinkat, "sys_exit_unlinkat", rg_on_unlink, RG_FSYS_UNLINKAT)
RG_TEST_EXIT(t_rmdir, "sys_exit_rmdir", rg_on_unlink, RG_FSYS_RMDIR)
