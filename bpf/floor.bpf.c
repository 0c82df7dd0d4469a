/* floor.bpf.c: the benchmark's physical floor. The same hooks as
 * rand_guard.bpf.c with empty bodies, so a benchmark can separate what
 * attaching a program costs from what rand-guard's programs add. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sched_process_exec")
int BPF_PROG(floor_exec) { return 0; }

SEC("tp_btf/sched_process_fork")
int BPF_PROG(floor_fork) { return 0; }

SEC("tp_btf/sched_process_exit")
int BPF_PROG(floor_exit) { return 0; }
