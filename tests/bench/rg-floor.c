/* rg-floor: loads bpf/floor.bpf.c (empty programs on rand-guard's hooks)
 * and keeps them attached until SIGINT/SIGTERM. Prints "attached" on
 * stderr when ready.
 *
 *   rg-floor            empty programs
 *   rg-floor --submit   each program sends a record; they are read (polled
 *                       like the recorder polls) and discarded */
#include <errno.h>
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

static int discard(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	return 0;
}

int main(int argc, char **argv)
{
	bool submit = argc > 1 && strcmp(argv[1], "--submit") == 0;
	struct ring_buffer *rb = NULL;
	int rc = 0;

	if (argc > 2 || (argc == 2 && !submit)) {
		fprintf(stderr, "usage: rg-floor [--submit]\n");
		return 2;
	}
	struct floor_bpf *skel = floor_bpf__open();
	if (skel) {
		skip_missing(skel);
		skel->rodata->floor_submit = submit;
	}
	if (!skel || floor_bpf__load(skel) || floor_bpf__attach(skel) ||
	    (submit &&
	     !(rb = ring_buffer__new(bpf_map__fd(skel->maps.floor_ring), discard, NULL, NULL)))) {
		fprintf(stderr, "rg-floor: cannot load or attach the floor programs\n");
		rc = 3;
		goto cleanup;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "attached\n");
	while (!stop) {
		if (!submit) {
			pause();
			continue;
		}
		/* as the recorder: a short timed poll, then whatever is left */
		int n = ring_buffer__poll(rb, 50);
		if (n >= 0 || n == -EINTR)
			n = ring_buffer__consume(rb);
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "rg-floor: reading the ring: %s\n", strerror(-n));
			rc = 1;
			break;
		}
	}
cleanup:
	ring_buffer__free(rb);
	floor_bpf__destroy(skel);
	return rc;
}
