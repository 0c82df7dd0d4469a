/* rules_fixture.h: a few events of every family through a loaded rule
 * set, twice (sequences see their steps repeat, and a small state bound
 * evicts): what the rule fuzzers (INI and Sigma) evaluate a set on. */
#ifndef RG_FUZZ_RULES_FIXTURE_H
#define RG_FUZZ_RULES_FIXTURE_H

#include <stdint.h>

#include "lineage.h"
#include "rules.h"

static inline void fuzz_on_match(void *arg, const struct rg_match *m)
{
	(*(unsigned *)arg) += m->summary[0] != 0;
}

static inline void fuzz_eval_rules(const struct rg_ruleset *rs)
{
	struct rg_lineage *lin = rg_lineage_new(16);
	struct rg_seqstate *sq = rg_seqstate_new(2);
	static const char argv[] = "sh\0-c\0id\0";
	struct rg_event evs[] = {
		{.type = RG_ET_PROCESS_START, .proc_id = 2, .parent_proc_id = 1, .pid = 20,
		 .exe = {"/tmp/x", 6}, .comm = {"x", 1}, .argv = {argv, sizeof(argv) - 1},
		 .cwd = {"/", 1}, .syscall = "execve"},
		{.type = RG_ET_FILE_RENAME, .proc_id = 2, .pid = 20, .path = {"/tmp/a", 6},
		 .new_path = {"/etc/cron.d/a", 13}, .exe = {"/tmp/x", 6}, .result = -2},
		{.type = RG_ET_NET_CONNECT, .proc_id = 2, .pid = 20, .remote_addr = {"::1", 3},
		 .remote_port = 4444, .family = "ipv6", .protocol = "tcp"},
		{.type = RG_ET_PROCESS_START, .proc_id = 3, .parent_proc_id = 2, .pid = 21,
		 .exe = {"/etc/cron.d/a", 13}, .comm = {"a", 1}, .syscall = "execve"},
		{.type = RG_ET_PROCESS_EXIT, .proc_id = 2, .pid = 20, .signal = 9},
	};
	unsigned hits = 0;
	size_t nev = sizeof(evs) / sizeof(evs[0]);
	for (size_t i = 0; i < 2 * nev; i++) {
		struct rg_event ev = evs[i % nev];
		ev.seq = i + 1;
		ev.ts_ns = (int64_t)i * 1000000000;
		rg_lineage_event(lin, &ev);
		rg_rules_eval(rs, sq, &ev, lin, fuzz_on_match, &hits, NULL);
	}
	rg_seqstate_free(sq);
	rg_lineage_free(lin);
}

#endif /* RG_FUZZ_RULES_FIXTURE_H */
