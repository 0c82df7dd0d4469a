/* script.bpf.c: the note of a #! script's own file (script.bpf.h).
 *
 * The kernel has no tracepoint where the script's file is still in hand:
 * fentry where the kernel has BPF trampolines (x86-64; arm64 since 6.0),
 * else a kprobe; the recorder loads one, after the main object, and goes
 * on without it where the kernel refuses both (a #! script is then hashed
 * by its name, and says so).
 */
#include "script.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("fentry/security_bprm_check")
int BPF_PROG(rg_script_fentry, struct linux_binprm *bprm)
{
	return rg_on_bprm_check(bprm);
}

SEC("kprobe/security_bprm_check")
int BPF_KPROBE(rg_script_kprobe, struct linux_binprm *bprm)
{
	return rg_on_bprm_check(bprm);
}
