/* rand_guard.bpf.c: the BPF programs' entry points.
 *
 * Each SEC() entry is thin: it hands its typed arguments to one worker in
 * the family's header. The recorder switches families off with
 * bpf_program__set_autoload() before load.
 */
#include "process.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sched_process_exec")
int BPF_PROG(rg_exec, struct task_struct *task, pid_t old_tid, struct linux_binprm *bprm)
{
	return rg_on_exec(task, old_tid, bprm);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(rg_fork, struct task_struct *parent, struct task_struct *child)
{
	return rg_on_fork(parent, child);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(rg_exit, struct task_struct *task)
{
	return rg_on_exit(task);
}
