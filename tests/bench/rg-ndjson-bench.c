/* rg-ndjson-bench: ns per NDJSON line, formatted in memory (no write), for
 * a mix of event types with times 1 us apart (as a busy recorder's are).
 * Run by hand: build/rg-ndjson-bench [LINES [ecs]]; it prints one line per
 * type. Not a test: its numbers depend on the machine. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ndjson.h"

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static const char argv_text[] = "/usr/bin/python3\0-c\0import sys; print(sys.argv)\0";

static struct rg_event sample(enum rg_etype t)
{
	struct rg_event ev = {
		.type = t, .seq = 1000, .ts_ns = 1764689788000000000, .boot_ns = 5000000000,
		.proc_id = 42, .pid = 4242, .tid = 4242, .uid = 1000, .gid = 1000, .ppid = 1,
		.parent_proc_id = 7, .comm = {"python3", 7}, .exe = {"/usr/bin/python3.11", 19},
		.argv = {argv_text, sizeof(argv_text) - 1}, .argc = 3, .cwd = {"/home/alice", 11},
		.syscall = "openat", .path = {"/etc/cron.d/backup-job", 22}, .fflags = 577,
		.mode = 0644, .result = 3, .family = "ipv4", .protocol = "tcp",
		.local_addr = {"10.0.0.5", 8}, .local_port = 43210, .remote_addr = {"93.184.216.34", 13},
		.remote_port = 443, .socket_id = 99,
		.who = {.user = {"alice", 5}, .euser = {"alice", 5}, .group = {"alice", 5}},
	};
	return ev;
}


int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	static const enum rg_etype types[] = {RG_ET_PROCESS_START, RG_ET_FILE_OPEN,
					      RG_ET_NET_CONNECT, RG_ET_PROCESS_EXIT};
	struct rg_ndjson_fmt fmt;
	rg_ndjson_fmt_init(&fmt, &(struct rg_ndjson_opts){"bench-host.example",
			   "88a1f0ed-5ae5-41ee-af6b-41921c311872",
			   argc > 2 && !strcmp(argv[2], "ecs") ? RG_NDJSON_ECS : RG_NDJSON_NATIVE});
	struct rg_buf b = {0};
	for (unsigned k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
		struct rg_event ev = sample(types[k]);
		size_t bytes = 0;
		int64_t t0 = now_ns();
		for (long i = 0; i < n; i++) {
			ev.ts_ns += 1000; /* 1 us apart */
			b.len = 0;
			rg_ndjson_format_event(&fmt, &b, &ev);
			bytes += b.len;
		}
		int64_t t1 = now_ns();
		printf("%-16s %7.1f ns/line  %5zu B/line\n", rg_etype_name(types[k]),
		       (double)(t1 - t0) / (double)n, bytes / (size_t)n);
	}
	rg_buf_free(&b);
	rg_ndjson_fmt_free(&fmt);
	return 0;
}
