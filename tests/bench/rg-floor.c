/* rg-floor: loads bpf/floor.bpf.c (empty programs on rand-guard's hooks)
 * and keeps them attached until SIGINT/SIGTERM. Prints "attached" on
 * stderr when ready. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "floor.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(void)
{
	struct floor_bpf *skel = floor_bpf__open_and_load();
	if (!skel || floor_bpf__attach(skel)) {
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
