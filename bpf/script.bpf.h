/* script.bpf.h: a #! script's own file, noted at the exec's first check
 * (kernel only). Included by process.bpf.h, which takes the note at
 * sched_process_exec, and by script.bpf.c, the hook that makes it: an
 * object of its own, so that a kernel which refuses the hook (no fentry
 * or kprobes, or tracing of kernel functions forbidden) still loads every
 * other program. The recorder gives both objects one exec_scripts map.
 */
#ifndef RG_SCRIPT_BPF_H
#define RG_SCRIPT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* The inode's change time, as stat gives it, under its older names: a timespec64 i_ctime
 * before Linux 6.6, __i_ctime in 6.6 to 6.10; i_ctime_sec and
 * i_ctime_nsec since (this tree's vmlinux.h). */
struct inode___ctime_old {
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));
struct inode___ctime_66 {
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

static __always_inline __s64 rg_inode_ctime_ns(struct inode *ino)
{
	__s64 sec, nsec;

	if (bpf_core_field_exists(ino->i_ctime_sec)) {
		sec = BPF_CORE_READ(ino, i_ctime_sec);
		nsec = BPF_CORE_READ(ino, i_ctime_nsec);
	} else if (bpf_core_field_exists(((struct inode___ctime_66 *)ino)->__i_ctime)) {
		struct timespec64 t = BPF_CORE_READ((struct inode___ctime_66 *)ino, __i_ctime);
		sec = t.tv_sec, nsec = t.tv_nsec;
	} else {
		struct timespec64 t = BPF_CORE_READ((struct inode___ctime_old *)ino, i_ctime);
		sec = t.tv_sec, nsec = t.tv_nsec;
	}
	/* Multigrain timestamps (Linux 6.13+) keep a flag in bit 31 of the
	 * nanoseconds (I_CTIME_QUERIED); a real value is below 2^30. */
	return sec * 1000000000 + (nsec & 0x3fffffff);
}

/* A #! script's own file, noted by thread when the kernel first checks
 * the exec (security_bprm_check, before load_script puts the interpreter
 * in its place): at sched_process_exec the script's file has been let go
 * and only its name is left. The bprm tells a note from an older exec's
 * (a failed exec's note is removed with its exec_calls entry); LRU for
 * the same reason as exec_calls. */
struct rg_script_note {
	__u64 bprm;
	__u64 ino, size;
	__s64 ctime_ns;
	__u32 dev, pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct rg_script_note);
} exec_scripts SEC(".maps");

/* The kernel checks each file of an exec in turn (search_binary_handler:
 * the name the caller gave, then the interpreter a #! line names, ...).
 * The first check is the one whose bprm->interp is still bprm->filename
 * (load_script changes it); bprm->buf then holds the file's first bytes.
 * Only a #! file is noted: every other exec costs this compare. */
static __always_inline int rg_on_bprm_check(struct linux_binprm *bprm)
{
	char magic[2];

	if (BPF_CORE_READ(bprm, interp) != BPF_CORE_READ(bprm, filename) ||
	    bpf_probe_read_kernel(magic, sizeof(magic), &bprm->buf[0]) ||
	    magic[0] != '#' || magic[1] != '!')
		return 0;
	struct inode *ino = BPF_CORE_READ(bprm, file, f_inode);
	struct rg_script_note n = {
		.bprm = (__u64)bprm,
		.dev = BPF_CORE_READ(ino, i_sb, s_dev),
		.ino = BPF_CORE_READ(ino, i_ino),
		.size = BPF_CORE_READ(ino, i_size),
		.ctime_ns = rg_inode_ctime_ns(ino),
	};
	__u64 id = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&exec_scripts, &id, &n, BPF_ANY);
	return 0;
}

#endif /* RG_SCRIPT_BPF_H */
