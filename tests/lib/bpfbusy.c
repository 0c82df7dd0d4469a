/* rg-bpfbusy: another process's map lookups, as any BPF tool makes them.
 * A lookup through bpf(2) raises the CPU's bpf_prog_active while it runs,
 * and the kernel skips every tracepoint program that fires on that CPU
 * meanwhile; on a preemptible kernel the lookup can be preempted, and the
 * CPU's other tasks then run with it raised. tests/vm pins this beside
 * tasks that open watched files: the recorder must count what it missed
 * (the programs' recursion_misses, Linux 6.7+ for tracepoints).
 *
 *   rg-bpfbusy SECONDS
 *
 * Prints the number of lookups made when the time is up or on SIGTERM.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define VALUE 16384

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	if (argc != 2 || atof(argv[1]) <= 0) {
		fprintf(stderr, "usage: rg-bpfbusy SECONDS\n");
		return 2;
	}
	/* A large value: the kernel copies it with bpf_prog_active raised, so
	 * most of each call's time is inside that window (the kernel allows
	 * per-CPU values up to 32 KiB). */
	int fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "rg_busy", 4, VALUE, 1, NULL);
	if (fd < 0) {
		fprintf(stderr, "rg-bpfbusy: bpf_map_create: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGTERM, on_term);
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	double end = t.tv_sec + t.tv_nsec / 1e9 + atof(argv[1]), now;
	unsigned long long n = 0;
	int ncpus = libbpf_num_possible_cpus();
	char *vals = calloc(ncpus > 0 ? (size_t)ncpus : 1, VALUE);
	if (ncpus <= 0 || !vals)
		return 1;
	__u32 key = 0;
	do {
		for (int i = 0; i < 1000; i++, n++)
			if (bpf_map_lookup_elem(fd, &key, vals)) {
				fprintf(stderr, "rg-bpfbusy: lookup: %s\n", strerror(errno));
				return 1;
			}
		clock_gettime(CLOCK_MONOTONIC, &t);
		now = t.tv_sec + t.tv_nsec / 1e9;
	} while (now < end && !stop);
	printf("%llu\n", n);
	return 0;
}
