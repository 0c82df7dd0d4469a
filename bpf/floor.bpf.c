/* floor.bpf.c: the benchmark's physical floor. The same hooks as
 * rand_guard.bpf.c with empty bodies, so a benchmark can separate what
 * attaching a program costs from what rand-guard's programs add. With
 * floor_submit set, every call also sends a fixed-size record to a ring
 * buffer with rand-guard's wakeup policy (rg-floor --submit reads and
 * discards them): the floor of a recorder that sends every event. With
 * floor_clock as well, each record carries the time of its event, as a
 * recorder's records must (rg-floor --submit --clock): the clock read is
 * the one cost such a recorder cannot leave out and floor+ring does. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "rg_abi.h"

char LICENSE[] SEC("license") = "GPL";

#define FLOOR_RECORD 128 /* about a watched open's record: header, body, path */

const volatile bool floor_submit = false;
const volatile bool floor_clock = false;
const volatile __u64 floor_wakeup_bytes = 256 << 10; /* rand-guard's default */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* rand-guard's default */
} floor_ring SEC(".maps");

struct floor_cpu {
	__u8 rec[FLOOR_RECORD];
	__u64 unwoken;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct floor_cpu);
} floor_scratch SEC(".maps");

/* What rg_emit does, minus building the record. */
static __always_inline int floor_send(void)
{
	__u32 zero = 0;
	struct floor_cpu *c;
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (!floor_submit || !(c = bpf_map_lookup_elem(&floor_scratch, &zero)))
		return 0;
	c->unwoken += FLOOR_RECORD;
	if (c->unwoken >= floor_wakeup_bytes) {
		flags = BPF_RB_FORCE_WAKEUP;
		c->unwoken = 0;
	}
	if (floor_clock) /* where rand-guard's header has it */
		*(__u64 *)(c->rec + __builtin_offsetof(struct rg_hdr, boot_ns)) =
			bpf_ktime_get_boot_ns();
	bpf_ringbuf_output(&floor_ring, c->rec, FLOOR_RECORD, flags);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(floor_exec) { return floor_send(); }

SEC("tp_btf/sched_process_fork")
int BPF_PROG(floor_fork) { return floor_send(); }

SEC("tp_btf/sched_process_exit")
int BPF_PROG(floor_exit) { return floor_send(); }

#define FLOOR_SYS(prog, tp)                                                     \
	SEC("tracepoint/syscalls/" tp)                                          \
	int prog(void *ctx) { return floor_send(); }

FLOOR_SYS(floor_open, "sys_exit_open")
FLOOR_SYS(floor_creat, "sys_exit_creat")
FLOOR_SYS(floor_openat, "sys_exit_openat")
FLOOR_SYS(floor_openat2, "sys_exit_openat2")
FLOOR_SYS(floor_write, "sys_exit_write")
FLOOR_SYS(floor_writev, "sys_exit_writev")
FLOOR_SYS(floor_pwrite64, "sys_exit_pwrite64")
FLOOR_SYS(floor_pwritev, "sys_exit_pwritev")
FLOOR_SYS(floor_pwritev2, "sys_exit_pwritev2")
FLOOR_SYS(floor_copy_file_range, "sys_exit_copy_file_range")
FLOOR_SYS(floor_sendfile64, "sys_exit_sendfile64")
FLOOR_SYS(floor_splice, "sys_exit_splice")
FLOOR_SYS(floor_rename, "sys_exit_rename")
FLOOR_SYS(floor_renameat, "sys_exit_renameat")
FLOOR_SYS(floor_renameat2, "sys_exit_renameat2")
FLOOR_SYS(floor_unlink, "sys_exit_unlink")
FLOOR_SYS(floor_unlinkat, "sys_exit_unlinkat")
FLOOR_SYS(floor_rmdir, "sys_exit_rmdir")
FLOOR_SYS(floor_connect, "sys_exit_connect")
FLOOR_SYS(floor_sendto, "sys_exit_sendto")
FLOOR_SYS(floor_bind, "sys_exit_bind")
FLOOR_SYS(floor_listen, "sys_exit_listen")
FLOOR_SYS(floor_accept, "sys_exit_accept")
FLOOR_SYS(floor_accept4, "sys_exit_accept4")
