/* rg-queue-mem: what one event waiting in the store's queue costs in
 * memory.
 *
 *   rg-queue-mem DB [N]
 *
 * Opens a store at DB (which must not exist) without starting its writer,
 * queues N (default 65536, the shipped queue_events) watched opens like
 * the zero-loss knee's (scripts/bench --knee: rg-workload opening a file
 * in a temporary directory), and prints the heap they take (glibc's
 * mallinfo2: bytes in use, chunk headers included) and the process's RSS
 * growth, each in all and per event. The queue is where the recorder's
 * memory goes when the writer falls behind: its fill at a rate is this
 * times the events waiting. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

#define S(lit) ((struct rg_str){lit, sizeof(lit) - 1})

static long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f && fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = 0;
	if (f)
		fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: rg-queue-mem DB [N]\n");
		return 2;
	}
	long n = argc == 3 ? atol(argv[2]) : 65536;
	struct rg_store_opts o = {1000, 200, (int)n};
	char err[512];
	struct rg_store *s = rg_store_open(argv[1], &o, err, sizeof(err), NULL);
	if (!s) {
		fprintf(stderr, "rg-queue-mem: %s\n", err);
		return 1;
	}
	struct rg_event ev = {
		.type = RG_ET_FILE_OPEN, .ts_ns = 1796256000000000000, .boot_ns = 21000000000000,
		.proc_id = 4000001, .pid = 41234, .tid = 41234, .ppid = 41200,
		.parent_proc_id = 4000000, .comm = S("rg-workload"),
		.exe = S("/work/rand-guard/build/rg-workload"), .syscall = "openat",
		.path = S("/var/tmp/rg-knee.x1y2z3ab/watched/f0"), .fflags = 0100, .mode = 0644,
		.result = 3,
	};
	struct mallinfo2 before = mallinfo2();
	long rss0 = rss_kib();
	for (long i = 0; i < n; i++) {
		ev.seq = (uint64_t)i + 1;
		ev.ts_ns += 4000;
		rg_store_put_event(s, &ev, false);
	}
	struct mallinfo2 after = mallinfo2();
	long rss1 = rss_kib();
	size_t heap = after.uordblks - before.uordblks + after.hblkhd - before.hblkhd;
	printf("%ld events queued: heap %.1f MiB (%.0f bytes per event), RSS +%.1f MiB (%.0f "
	       "bytes per event)\n",
	       n, (double)heap / 1048576, (double)heap / (double)n, (double)(rss1 - rss0) / 1024,
	       (double)(rss1 - rss0) * 1024 / (double)n);
	rg_store_close(s, ev.ts_ns);
	return 0;
}
