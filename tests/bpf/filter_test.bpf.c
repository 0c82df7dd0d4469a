/* filter_test.bpf.c: the kernel file filter's name-pattern decision
 * (file.bpf.h's rg_name_wanted), run on its own through BPF_PROG_TEST_RUN
 * by tests/unit/test_bpf_filter.c. A syscall program takes its input and
 * hands its verdict back in the context; it calls the same inline helper
 * the recorder's tracepoints do, with the same maps and rodata. */
#include "file.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Shared with tests/unit/test_bpf_filter.c. */
struct rg_name_case {
	__u32 len;    /* bytes of name */
	__u32 wanted; /* out: rg_name_wanted's verdict, or 2 when it could not run */
	char name[256];
};

SEC("syscall")
int name_wanted(struct rg_name_case *c)
{
	struct rg_scratch *s = rg_scratch_get();

	c->wanted = 2;
	if (!s || c->len > 255)
		return 0;
	__builtin_memcpy(s->base, c->name, sizeof(s->base));
	s->base_len = c->len;
	c->wanted = rg_name_wanted(s);
	return 0;
}
