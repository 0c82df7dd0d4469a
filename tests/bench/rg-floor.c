/* rg-floor: loads bpf/floor.bpf.c (empty programs on rand-guard's hooks)
 * and keeps them attached until SIGINT/SIGTERM. Prints "attached" on
 * stderr when ready. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "floor.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Like the recorder: a syscall tracepoint the kernel lacks is skipped. */
static void skip_missing(struct floor_bpf *skel)
{
	const char *pre = "tracepoint/syscalls/";
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, skel->obj) {
		const char *sec = bpf_program__section_name(prog);
		char path[256];
		if (strncmp(sec, pre, strlen(pre)))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/tracing/events/syscalls/%s",
			 sec + strlen(pre));
		bpf_program__set_autoload(prog, access(path, F_OK) == 0);
	}
}

int main(void)
{
	struct floor_bpf *skel = floor_bpf__open();
	if (skel)
		skip_missing(skel);
	if (!skel || floor_bpf__load(skel) || floor_bpf__attach(skel)) {
		fprintf(stderr, "rg-floor: cannot load or attach the floor programs\n");
		floor_bpf__destroy(skel);
		return 3;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "attached\n");
	while (!stop)
		pause();
	floor_bpf__destroy(skel);
	return 0;
}
