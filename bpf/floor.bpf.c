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

#define FLOOR_SYS(prog, tp)                                                     \
	SEC("tracepoint/syscalls/" tp)                                          \
	int prog(void *ctx) { return 0; }

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
