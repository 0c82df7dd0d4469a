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

/* Records a kernel filter decided not to send, per CPU and per kind (for
 * the health rows' `filtered`). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RG_KIND_MAX);
	__type(key, __u32);
	__type(value, __u64);
} kfiltered SEC(".maps");

static __always_inline void rg_count_filtered(__u32 kind)
{
	__u64 *n = bpf_map_lookup_elem(&kfiltered, &kind);
	if (n)
		*n += 1;
}

/* Records the ring could not take, per CPU and per kind (invariant: no
 * silent loss). Userspace sums the CPUs and reports the per-kind totals. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RG_KIND_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

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

/* task comes from tp_btf or bpf_get_current_task_btf(): a trusted
 * pointer, read with a plain load rather than a helper call. */
static __always_inline bool rg_is_self(struct task_struct *task)
{
	return task->tgid == rg_self_tgid;
}

/* A typed view of a kernel pointer: loads through it are plain loads
 * that cannot fault (PROBE_MEM), not a helper call each. The file filter
 * runs on every open in the system, and these loads are most of its
 * cost. (kfunc, Linux 6.2+.) Weak: on older kernels libbpf leaves it
 * unresolved, and only programs built without it (cast false) load.
 *
 * Workers that read through such pointers take `cast`, a constant at
 * each entry point: true builds today's code (RG_CAST, plain loads),
 * false builds the same reads as probe reads (Linux 5.8+), with no call
 * to the kfunc left in the program. rand_guard.bpf.c defines both
 * variants of each entry point; the recorder loads one (see
 * bpf_loader.c). */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
#define RG_CAST(cast, type, p)                                                  \
	((cast) ? (type *)bpf_rdonly_cast((p), bpf_core_type_id_kernel(type)) : (type *)(p))
/* p->field of a pointer from RG_CAST (or a field of one). */
#define RG_LD(cast, p, field) ((cast) ? (p)->field : BPF_CORE_READ(p, field))

/* task is trusted (bpf_get_current_task_btf), so its fields load directly. */
static __always_inline struct file *rg_fd_file(struct task_struct *task, long fd, bool cast)
{
	struct fdtable *fdt = task->files->fdt;
	struct file *f = NULL;

	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fdt->fd[fd]);
	return f ? RG_CAST(cast, struct file, f) : NULL;
}

/* Fills the common header for an event about `task` (the current task for
 * every hook here). The rest of the record is the caller's. */
static __always_inline void rg_hdr_fill(struct rg_hdr *h, enum rg_kind kind,
					struct task_struct *task)
{
	__u64 ug = bpf_get_current_uid_gid();

	h->version = RG_ABI_VERSION;
	h->kind = kind;
	h->size = 0;
	h->flags = 0;
	h->cpu = bpf_get_smp_processor_id();
	h->boot_ns = bpf_ktime_get_boot_ns();
	h->start_ns = task->group_leader->start_boottime; /* plain loads: see rg_is_self */
	h->tgid = task->tgid;
	h->tid = task->pid;
	h->uid = (__u32)ug;
	h->gid = (__u32)(ug >> 32);
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
		__u64 *n = bpf_map_lookup_elem(&drops, &kind);
		if (n)
			*n += 1; /* per-CPU slot: no atomics needed */
	}
}

#endif /* RG_COMMON_BPF_H */
