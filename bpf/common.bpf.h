/* common.bpf.h: maps and helpers every rand-guard program uses (kernel only).
 *
 * Records are built in a per-CPU scratch buffer and copied to the ring with
 * bpf_ringbuf_output() at their real size, because bpf_ringbuf_reserve()
 * needs a size the verifier knows: reserving RG_RECORD_MAX for every exec
 * would fill the ring with padding.
 */
#ifndef RG_COMMON_BPF_H
#define RG_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "rg_abi.h"

/* Set by the recorder before load. */
const volatile __u32 rg_self_tgid = 0;   /* the recorder: never recorded */
const volatile __u64 rg_wakeup_bytes = 0; /* wake the reader past this fill */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized from config before load */
} events SEC(".maps");

/* Per-CPU counters by kind (struct rg_counts): records the ring could not
 * take (invariant: no silent loss) and records a kernel filter left out.
 * A plain array the recorder maps into its memory (BPF_F_MMAPABLE) and
 * reads with loads, not per-CPU arrays read with bpf(2): a map lookup
 * from userspace raises that CPU's bpf_prog_active until it returns, and
 * trace_call_bpf() skips every tracepoint program that fires on the CPU
 * meanwhile (silently before Linux 6.7, as recursion_misses since). On a
 * preemptible kernel (PREEMPT_RT, preempt=full) the reading thread can be
 * preempted inside its lookup, and the CPU's other tasks then run
 * unrecorded until it runs again. Each CPU writes only its own row, with
 * preemption off (see scratch), so no atomics. The recorder sets
 * max_entries to the number of possible CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rg_counts);
} counts SEC(".maps");

static __always_inline struct rg_counts *rg_counts_get(void)
{
	__u32 cpu = bpf_get_smp_processor_id();
	return bpf_map_lookup_elem(&counts, &cpu);
}

static __always_inline void rg_count_filtered(__u32 kind)
{
	struct rg_counts *c = rg_counts_get();
	if (c)
		c->filtered[kind & (RG_COUNT_SLOTS - 1)] += 1;
}

struct rg_scratch {
	__u8 rec[RG_RECORD_MAX];
	char path[2 * RG_PATH_MAX]; /* path walker works right to left here */
	struct rg_prefix_key key;   /* file filter: the path being looked up */
	/* Before base: a verifier that loses rg_name_hit's len <= 32 bound
	 * (Linux 6.1's) still sees a 255-byte copy into nkey.name fit. */
	struct rg_name_key nkey;    /* file filter: a name pattern lookup */
	char base[256];             /* file filter: its final component */
	__u32 base_len;
	__u64 unwoken;              /* bytes this CPU sent since its last wakeup */
};

/* One scratch area per CPU. A plain array indexed by CPU rather than a
 * per-CPU array, whose values are limited to 32 KiB: a record alone may be
 * that big. The two are equally private: a program runs start to end on
 * one CPU, and no other program of ours starts on that CPU before it ends.
 * That holds on PREEMPT_RT too, where BPF programs in general run only
 * with migration disabled: every program here runs from a tracepoint, and
 * tracepoints call their probes with preemption disabled (6.1's
 * __DO_TRACE; guard(preempt_notrace) since; perf_syscall_exit() takes it
 * itself where syscall tracepoints may fault), none of ours fires in
 * interrupt context, and trace_call_bpf() skips (counts as missed) a
 * program that would nest on a CPU. RT makes locks sleep, not tracepoint
 * probes preemptible. tests/vm checks it on 6.1-rt: tasks pinned to one
 * CPU, then spread over two (where a shared scratch area shows), every
 * recorded path that of the task that opened it. The recorder
 * sets max_entries to the number of possible CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rg_scratch);
} scratch SEC(".maps");

static __always_inline struct rg_scratch *rg_scratch_get(void)
{
	__u32 cpu = bpf_get_smp_processor_id();
	return bpf_map_lookup_elem(&scratch, &cpu);
}

/* What the kernel lets a program use, a constant at each entry point:
 * workers take it as `lv` and build the reads it allows, with no call to a
 * missing helper or kfunc left in the program. rand_guard.bpf.c defines a
 * variant of each entry point per level it needs; the recorder loads one
 * (see bpf_loader.c).
 *   RG_LV_CAST  bpf_rdonly_cast (6.2+): kernel objects read with plain
 *               loads that cannot fault (PROBE_MEM), not a helper call
 *               each. The file filter runs on every open in the system,
 *               and these loads are most of its cost.
 *   RG_LV_PR    the same reads as probe reads; the current task still from
 *               bpf_get_current_task_btf (5.11+), the syscall's registers
 *               from bpf_task_pt_regs (5.15+), path walks in bpf_loop
 *               (5.17+).
 *   RG_LV_OLD   none of those (5.8+): the task read with probe reads, the
 *               registers at the top of its stack, walks as bounded loops
 *               over a global function. */
#define RG_LV_OLD 0
#define RG_LV_PR 1
#define RG_LV_CAST 2

/* Weak: on kernels before 6.2 libbpf leaves it unresolved, and only
 * programs built without it (lv below RG_LV_CAST) load. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
#define RG_CAST(lv, type, p)                                                    \
	((lv) == RG_LV_CAST ? (type *)bpf_rdonly_cast((p), bpf_core_type_id_kernel(type)) \
			    : (type *)(p))
/* p->field of a pointer from RG_CAST (or a field of one). */
#define RG_LD(lv, p, field) ((lv) == RG_LV_CAST ? (p)->field : BPF_CORE_READ(p, field))
/* task->field of the current task (trusted from RG_LV_PR on). */
#define RG_TLD(lv, task, field) ((lv) >= RG_LV_PR ? (task)->field : BPF_CORE_READ(task, field))

/* The current task: trusted (plain loads) from RG_LV_PR on. */
static __always_inline struct task_struct *rg_current(int lv)
{
	if (lv >= RG_LV_PR)
		return bpf_get_current_task_btf();
	return (struct task_struct *)bpf_get_current_task();
}

/* Stack size of x86_64 and arm64 (without KASAN, which Debian's kernels
 * do not enable): the syscall's registers sit at its top. */
#define RG_THREAD_SIZE (16 << 10)

/* The registers the current syscall entered with, where its arguments
 * are: bpf_task_pt_regs, or where that helper finds them (the kernel's
 * task_pt_regs()). Read with RG_ARG. */
static __always_inline struct pt_regs *rg_regs(struct task_struct *task, int lv)
{
	if (lv >= RG_LV_PR)
		return (struct pt_regs *)bpf_task_pt_regs(task);
	return (struct pt_regs *)((__u64)BPF_CORE_READ(task, stack) + RG_THREAD_SIZE -
				  bpf_core_type_size(struct pt_regs));
}

/* Argument n (1 to 6) of the current syscall, from rg_regs(task, lv): a
 * plain load from RG_LV_PR on, where bpf_task_pt_regs gives a typed
 * pointer, else a probe read. A probe read costs ~17 ns here, and an
 * open's record takes four of them. */
#define RG_ARG(lv, regs, n)                                                     \
	((lv) >= RG_LV_PR ? PT_REGS_PARM##n##_SYSCALL(regs) : PT_REGS_PARM##n##_CORE_SYSCALL(regs))

static __always_inline bool rg_is_self(struct task_struct *task, int lv)
{
	return RG_TLD(lv, task, tgid) == rg_self_tgid;
}

static __always_inline struct file *rg_fd_file(struct task_struct *task, long fd, int lv)
{
	struct fdtable *fdt = lv >= RG_LV_PR ? task->files->fdt : BPF_CORE_READ(task, files, fdt);
	struct file *f = NULL;

	if (fd < 0 || fd >= RG_TLD(lv, fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &RG_TLD(lv, fdt, fd)[fd]);
	return f ? RG_CAST(lv, struct file, f) : NULL;
}

/* bpf_loop's fallback (RG_LV_OLD): the loop's state, per CPU, where the
 * global function that runs each step finds it (before Linux 5.12 a global
 * function takes no pointer). */
struct rg_loop_state {
	__u8 data[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rg_loop_state);
} loop_state SEC(".maps");

static __always_inline void *rg_loop_state(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&loop_state, &zero);
}

/* RG_LOOP_STEP(name, cb) defines name(i), a global function that calls
 * the bpf_loop callback cb on the state in loop_state: the verifier checks
 * a global function once, as it does a bpf_loop callback, where cb inlined
 * in a bounded loop is checked once per iteration and a path walk's
 * branches exceed its budget. Returns cb's result (1: stop). */
#define RG_LOOP_STEP(name, cb)                                                  \
	__noinline int name(__u32 i)                                            \
	{                                                                       \
		void *st = rg_loop_state();                                     \
		return st ? (int)cb(i, st) : 1;                                 \
	}

/* bpf_loop(n, cb, ctx) from RG_LV_PR on; else the same steps as a bounded
 * loop over step, cb's RG_LOOP_STEP, with *ctx copied to loop_state and
 * back. */
#define RG_LOOP(lv, n, cb, ctx, step)                                           \
	do {                                                                    \
		_Static_assert(sizeof(*(ctx)) <= sizeof(struct rg_loop_state),  \
			       "loop state too big");                           \
		if ((lv) >= RG_LV_PR) {                                         \
			bpf_loop((n), (cb), (ctx), 0);                          \
		} else {                                                        \
			void *st_ = rg_loop_state();                            \
			if (st_) {                                              \
				__builtin_memcpy(st_, (ctx), sizeof(*(ctx)));   \
				_Pragma("clang loop unroll(disable)")           \
				for (__u32 i_ = 0; i_ < (n); i_++)              \
					if (step(i_))                           \
						break;                          \
				__builtin_memcpy((ctx), st_, sizeof(*(ctx)));   \
			}                                                       \
		}                                                               \
	} while (0)

/* Fills the common header for an event about `task` (the current task for
 * every hook here). The rest of the record is the caller's. */
static __always_inline void rg_hdr_fill(struct rg_hdr *h, enum rg_kind kind,
					struct task_struct *task, int lv)
{
	h->version = RG_ABI_VERSION;
	h->kind = kind;
	h->size = 0;
	h->flags = 0;
	h->cpu = bpf_get_smp_processor_id();
	h->boot_ns = bpf_ktime_get_boot_ns();
	h->start_ns = lv >= RG_LV_PR ? task->group_leader->start_boottime
				     : BPF_CORE_READ(task, group_leader, start_boottime);
	h->tgid = RG_TLD(lv, task, tgid);
	h->tid = RG_TLD(lv, task, pid);
	if (lv >= RG_LV_PR) {
		/* What bpf_get_current_uid_gid() gives (the ids as the initial
		 * user namespace sees them: the kernel's own values) in two
		 * loads, without its from_kuid() map walks: ~6% of a watched
		 * open's program. */
		const struct cred *c = task->cred;
		h->uid = c->uid.val;
		h->gid = c->gid.val;
	} else {
		__u64 ug = bpf_get_current_uid_gid();
		h->uid = (__u32)ug;
		h->gid = (__u32)(ug >> 32);
	}
}

/* Sends size bytes of s->rec. Without a wakeup until this CPU has sent
 * rg_wakeup_bytes since its last one: a wakeup per event costs ~4.7 us
 * here, and the reader polls on a short timer anyway. The count is per CPU
 * (in the scratch area) because asking the ring how full it is reads a
 * cache line the reader keeps writing. A failure is counted, never
 * retried: the traced workload must not wait for us. */
static __always_inline void rg_emit(struct rg_scratch *s, __u32 size, __u32 kind)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (size > RG_RECORD_MAX)
		size = RG_RECORD_MAX;
	s->unwoken += size;
	if (s->unwoken >= rg_wakeup_bytes) {
		flags = BPF_RB_FORCE_WAKEUP;
		s->unwoken = 0;
	}
	((struct rg_hdr *)s->rec)->size = size;
	if (bpf_ringbuf_output(&events, s->rec, size, flags)) {
		struct rg_counts *c = rg_counts_get();
		if (c)
			c->drops[kind & (RG_COUNT_SLOTS - 1)] += 1;
	}
}

#endif /* RG_COMMON_BPF_H */
