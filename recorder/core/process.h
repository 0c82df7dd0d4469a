/* process.h: one process as the process table and the `processes` table
 * know it. Identity is (pid, start_boot_ns) on one boot; proc_id is the row id
 * the recorder assigns, stable across recorder restarts on the same boot.
 */
#ifndef RG_PROCESS_H
#define RG_PROCESS_H

#include "event.h"

enum rg_proc_source {
	RG_PSRC_PROC = 0, /* found in /proc at start-up: start_boot_ns is tick-precise */
	RG_PSRC_FORK = 1, /* seen being created */
	RG_PSRC_EXEC = 2, /* first seen at an exec (its fork was missed) */
	RG_PSRC_SEEN = 3, /* first seen forking a child or exiting (its creation was missed) */
};

struct rg_process {
	int64_t proc_id;
	uint32_t pid;
	uint64_t start_boot_ns; /* boot-time clock (task start_boottime): identity */
	int64_t start_ns;       /* the same instant, wall clock */
	uint32_t ppid;
	int64_t parent_proc_id; /* 0 = unknown */
	uint32_t uid, gid, euid, auid, sessionid;
	struct rg_str comm, exe, argv, cwd; /* argv NUL-separated */
	struct rg_str script, env; /* of the last exec (event.h) */
	struct rg_who who;         /* names, origin, cgroup and namespaces (event.h) */
	uint32_t flags;       /* RG_EF_*_TRUNC for exe/argv/cwd/script/env,
			       * RG_EF_EXE_ORIGIN */
	enum rg_proc_source source;
	bool exited;
	int64_t exit_ns;      /* wall clock, valid when exited */
	int32_t exit_code;
	uint32_t signal;
};

/* Copies t's strings into one new block and points t at the copies (t's
 * may point into the caller's old block, which it frees only after):
 * returns the block, which the caller owns. The process tables' and
 * rgq import's way to keep an entry's strings, one allocation a change. */
char *rg_process_dup_strs(struct rg_process *t);

#endif /* RG_PROCESS_H */
