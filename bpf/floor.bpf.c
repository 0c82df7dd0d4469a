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

SEC("tp_btf/module_load")
int BPF_PROG(floor_module_load) { return floor_send(); }

/* rand-guard's DNS programs on Linux 6.3+, instead of those on read,
 * write and writev (rg-floor chooses as the recorder does) */
SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_sock_send) { return floor_send(); }

SEC("tp_btf/sock_recv_length")
int BPF_PROG(floor_sock_recv) { return floor_send(); }

FLOOR_SYS(floor_enter_execve, "sys_enter_execve")
FLOOR_SYS(floor_enter_execveat, "sys_enter_execveat")
FLOOR_SYS(floor_execve, "sys_exit_execve")
FLOOR_SYS(floor_execveat, "sys_exit_execveat")

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
FLOOR_SYS(floor_bpf, "sys_exit_bpf")
FLOOR_SYS(floor_chmod, "sys_exit_chmod")
FLOOR_SYS(floor_chown, "sys_exit_chown")
FLOOR_SYS(floor_fchmod, "sys_exit_fchmod")
FLOOR_SYS(floor_fchmodat, "sys_exit_fchmodat")
FLOOR_SYS(floor_fchmodat2, "sys_exit_fchmodat2")
FLOOR_SYS(floor_fchown, "sys_exit_fchown")
FLOOR_SYS(floor_fchownat, "sys_exit_fchownat")
FLOOR_SYS(floor_finit_module, "sys_exit_finit_module")
FLOOR_SYS(floor_fsetxattr, "sys_exit_fsetxattr")
FLOOR_SYS(floor_ftruncate, "sys_exit_ftruncate")
FLOOR_SYS(floor_futimesat, "sys_exit_futimesat")
FLOOR_SYS(floor_init_module, "sys_exit_init_module")
FLOOR_SYS(floor_lchown, "sys_exit_lchown")
FLOOR_SYS(floor_link, "sys_exit_link")
FLOOR_SYS(floor_linkat, "sys_exit_linkat")
FLOOR_SYS(floor_lsetxattr, "sys_exit_lsetxattr")
FLOOR_SYS(floor_memfd_create, "sys_exit_memfd_create")
FLOOR_SYS(floor_mkdir, "sys_exit_mkdir")
FLOOR_SYS(floor_mkdirat, "sys_exit_mkdirat")
FLOOR_SYS(floor_mount, "sys_exit_mount")
FLOOR_SYS(floor_move_mount, "sys_exit_move_mount")
FLOOR_SYS(floor_ptrace, "sys_exit_ptrace")
FLOOR_SYS(floor_read, "sys_exit_read")
FLOOR_SYS(floor_recvfrom, "sys_exit_recvfrom")
FLOOR_SYS(floor_recvmsg, "sys_exit_recvmsg")
FLOOR_SYS(floor_sendmmsg, "sys_exit_sendmmsg")
FLOOR_SYS(floor_sendmsg, "sys_exit_sendmsg")
FLOOR_SYS(floor_setns, "sys_exit_setns")
FLOOR_SYS(floor_setxattr, "sys_exit_setxattr")
FLOOR_SYS(floor_setxattrat, "sys_exit_setxattrat")
FLOOR_SYS(floor_symlink, "sys_exit_symlink")
FLOOR_SYS(floor_symlinkat, "sys_exit_symlinkat")
FLOOR_SYS(floor_truncate, "sys_exit_truncate")
FLOOR_SYS(floor_umount, "sys_exit_umount")
FLOOR_SYS(floor_unshare, "sys_exit_unshare")
FLOOR_SYS(floor_utime, "sys_exit_utime")
FLOOR_SYS(floor_utimensat, "sys_exit_utimensat")
FLOOR_SYS(floor_utimes, "sys_exit_utimes")
FLOOR_SYS(floor_enter_capset, "sys_enter_capset")
FLOOR_SYS(floor_capset, "sys_exit_capset")
FLOOR_SYS(floor_enter_setfsgid, "sys_enter_setfsgid")
FLOOR_SYS(floor_setfsgid, "sys_exit_setfsgid")
FLOOR_SYS(floor_enter_setfsuid, "sys_enter_setfsuid")
FLOOR_SYS(floor_setfsuid, "sys_exit_setfsuid")
FLOOR_SYS(floor_enter_setgid, "sys_enter_setgid")
FLOOR_SYS(floor_setgid, "sys_exit_setgid")
FLOOR_SYS(floor_enter_setregid, "sys_enter_setregid")
FLOOR_SYS(floor_setregid, "sys_exit_setregid")
FLOOR_SYS(floor_enter_setresgid, "sys_enter_setresgid")
FLOOR_SYS(floor_setresgid, "sys_exit_setresgid")
FLOOR_SYS(floor_enter_setresuid, "sys_enter_setresuid")
FLOOR_SYS(floor_setresuid, "sys_exit_setresuid")
FLOOR_SYS(floor_enter_setreuid, "sys_enter_setreuid")
FLOOR_SYS(floor_setreuid, "sys_exit_setreuid")
FLOOR_SYS(floor_enter_setuid, "sys_enter_setuid")
FLOOR_SYS(floor_setuid, "sys_exit_setuid")
