/* test_proctab.c: identity, lineage and bounds of the process table, on
 * synthetic events (no kernel needed). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "proctab.h"
#include "tap.h"

#define TICK 10000000ull /* 10 ms, CLK_TCK 100 */

static struct rg_event ev;
static struct rg_ids ids;

static const struct rg_process *fork_(struct rg_proctab *pt, uint32_t parent,
				      uint64_t pstart, uint32_t child, uint64_t cstart)
{
	memset(&ev, 0, sizeof(ev));
	memset(&ids, 0, sizeof(ids));
	ev.type = RG_ET_PROCESS_RELATIONSHIP;
	ev.pid = ev.tid = parent;
	ev.child_pid = child;
	ids.start_boot_ns = pstart;
	ids.child_start_boot_ns = cstart;
	return rg_proctab_apply(pt, &ev, &ids);
}

static const struct rg_process *exec_flags(struct rg_proctab *pt, uint32_t pid, uint64_t start,
					   uint32_t ppid, uint64_t pstart, const char *exe,
					   uint32_t flags)
{
	memset(&ev, 0, sizeof(ev));
	memset(&ids, 0, sizeof(ids));
	ev.type = RG_ET_PROCESS_START;
	ev.flags = flags;
	ev.pid = ev.tid = pid;
	ev.ppid = ppid;
	ev.exe = (struct rg_str){exe, (uint32_t)strlen(exe)};
	ev.argv = (struct rg_str){exe, (uint32_t)strlen(exe) + 1};
	ids.start_boot_ns = start;
	ids.parent_start_boot_ns = pstart;
	return rg_proctab_apply(pt, &ev, &ids);
}

static const struct rg_process *exec_(struct rg_proctab *pt, uint32_t pid, uint64_t start,
				      uint32_t ppid, uint64_t pstart, const char *exe)
{
	return exec_flags(pt, pid, start, ppid, pstart, exe, 0);
}

static const struct rg_process *exit_(struct rg_proctab *pt, uint32_t pid, uint64_t start, int code)
{
	memset(&ev, 0, sizeof(ev));
	memset(&ids, 0, sizeof(ids));
	ev.type = RG_ET_PROCESS_EXIT;
	ev.pid = ev.tid = pid;
	ev.exit_code = code;
	ev.ts_ns = 99;
	ids.start_boot_ns = start;
	return rg_proctab_apply(pt, &ev, &ids);
}

static void test_lifecycle(void)
{
	struct rg_proctab *pt = rg_proctab_new(1024, 1, TICK);
	const struct rg_process *sh = exec_(pt, 10, 100, 1, 1, "/bin/sh");
	int64_t sh_id = sh->proc_id;
	const struct rg_process *child = fork_(pt, 10, 100, 11, 200);
	CHECK(child && child->pid == 11, "fork: child row");
	CHECK_INT(child->parent_proc_id, sh_id, "fork: child linked to parent");
	CHECK_INT(ev.child_proc_id, child->proc_id, "fork: event names the child");
	CHECK(child->exe.p && memcmp(child->exe.p, "/bin/sh", 7) == 0, "fork: child runs parent's image");
	int64_t child_id = child->proc_id;

	const struct rg_process *echo = exec_(pt, 11, 200, 10, 100, "/bin/echo");
	CHECK_INT(echo->proc_id, child_id, "exec: same process, same proc_id");
	CHECK_INT(ev.parent_proc_id, sh_id, "exec: event carries parent_proc_id");
	CHECK(memcmp(echo->exe.p, "/bin/echo", 9) == 0, "exec: new image");

	const struct rg_process *gone = exit_(pt, 11, 200, 3);
	CHECK(gone && gone->exited && gone->exit_code == 3, "exit: recorded with code");
	CHECK(ev.exe.p && memcmp(ev.exe.p, "/bin/echo", 9) == 0, "exit: event gets the process's exe");
	CHECK(exit_(pt, 11, 200, 3) == NULL, "exit: a second exit changes nothing");
	rg_proctab_free(pt);
}

/* A process first seen forking or exiting was not seen being created: its
 * row must not say `fork` (its creation was recorded) or `exec`. */
static void test_first_seen_source(void)
{
	struct rg_proctab *pt = rg_proctab_new(1024, 1, TICK);
	const struct rg_process *child = fork_(pt, 30, 300, 31, 310);
	CHECK(child && child->source == RG_PSRC_FORK, "fork: the child's creation is recorded");
	const struct rg_process *parent = rg_proctab_find(pt, 30, 300);
	CHECK(parent && parent->source == RG_PSRC_SEEN, "fork: an unknown parent is first seen");
	const struct rg_process *gone = exit_(pt, 40, 400, 0);
	CHECK(gone && gone->source == RG_PSRC_SEEN, "exit: an unknown process is first seen");
	rg_proctab_free(pt);
}

/* A fork's child runs its parent's image: a memfd's too, until it execs. */
static void test_fork_keeps_image_flags(void)
{
	struct rg_proctab *pt = rg_proctab_new(1024, 1, TICK);
	const struct rg_process *m = exec_flags(pt, 10, 100, 1, 1, "memfd:x", RG_EF_EXE_MEMFD);
	CHECK(m && (m->flags & RG_EF_EXE_MEMFD), "exec from a memfd: the process is flagged");
	const struct rg_process *child = fork_(pt, 10, 100, 11, 200);
	CHECK(child && (child->flags & RG_EF_EXE_MEMFD), "its child runs the memfd too");
	const struct rg_process *echo = exec_(pt, 11, 200, 10, 100, "/bin/echo");
	CHECK(echo && !(echo->flags & RG_EF_EXE_ORIGIN), "the child's exec of a file clears it");
	rg_proctab_free(pt);
}

static void test_pid_reuse(void)
{
	struct rg_proctab *pt = rg_proctab_new(1024, 1, TICK);
	exec_(pt, 10, 100, 1, 1, "/bin/sh");
	int64_t a = fork_(pt, 10, 100, 500, 1000)->proc_id;
	exit_(pt, 500, 1000, 0);
	int64_t b = fork_(pt, 10, 100, 500, 5000)->proc_id;
	CHECK(a != b, "pid reuse: two processes, two proc_ids");
	CHECK(rg_proctab_find(pt, 500, 5000) != NULL, "pid reuse: the new one is current");
	CHECK(rg_proctab_find(pt, 500, 1000) == NULL, "pid reuse: the old identity does not match");
	struct rg_proctab_stats st;
	rg_proctab_stats(pt, &st);
	CHECK_INT(st.pid_reuse, 1, "pid reuse: counted");
	rg_proctab_free(pt);
}

static void test_orphan_keeps_parent(void)
{
	struct rg_proctab *pt = rg_proctab_new(1024, 1, TICK);
	int64_t p = exec_(pt, 10, 100, 1, 1, "/bin/sh")->proc_id;
	fork_(pt, 10, 100, 11, 200);
	exit_(pt, 10, 100, 0);
	/* the orphan execs: the kernel now names init as its parent */
	const struct rg_process *c = exec_(pt, 11, 200, 1, 1, "/bin/sleep");
	CHECK_INT(c->parent_proc_id, p, "orphan: parent stays the process that forked it");
	CHECK_INT(c->ppid, 10, "orphan: ppid stays the forking pid");
	rg_proctab_free(pt);
}

/* A record naming the parent's own pid as the child (the kernel never
 * does; a fuzzer did) must not free the parent under the fork. */
/* A process keeps its last exec's script and environment, a fork's child
 * its parent's until it execs; a failed exec changes nothing and gets the
 * process's context. */
static void test_script_env(void)
{
	struct rg_proctab *pt = rg_proctab_new(1024, 1, TICK);
	memset(&ev, 0, sizeof(ev));
	memset(&ids, 0, sizeof(ids));
	ev.type = RG_ET_PROCESS_START;
	ev.pid = ev.tid = 10;
	ev.exe = (struct rg_str){"/bin/sh", 7};
	ev.script = (struct rg_str){"/tmp/x.sh", 9};
	ev.env = (struct rg_str){"SUDO_UID=1\0", 11};
	ids.start_boot_ns = 100;
	const struct rg_process *sh = rg_proctab_apply(pt, &ev, &ids);
	CHECK(sh && sh->script.len == 9 && !memcmp(sh->script.p, "/tmp/x.sh", 9) &&
	      sh->env.len == 11 && !memcmp(sh->env.p, "SUDO_UID=1", 11),
	      "exec: the process keeps script and env");
	const struct rg_process *child = fork_(pt, 10, 100, 11, 200);
	CHECK(child && child->script.len == 9 && child->env.len == 11,
	      "fork: the child has its parent's");
	memset(&ev, 0, sizeof(ev));
	ev.type = RG_ET_PROCESS_EXEC_FAILED;
	ev.pid = ev.tid = 11;
	ev.path = (struct rg_str){"/nx", 3};
	ids.start_boot_ns = 200;
	CHECK(rg_proctab_apply(pt, &ev, &ids) == NULL, "failed exec: no process changes");
	CHECK(ev.proc_id == child->proc_id && ev.exe.len == 7, "failed exec: the process's context");
	const struct rg_process *echo = exec_(pt, 11, 200, 10, 100, "/bin/echo");
	CHECK(echo && !echo->script.p && !echo->env.p, "the child's exec replaces them");
	rg_proctab_free(pt);
}

/* Every type that names a process without changing it, the file metadata
 * and failed exec included, gets that process's context. */
static void test_context_every_type(void)
{
	struct rg_proctab *pt = rg_proctab_new(1024, 1, TICK);
	const struct rg_process *p = exec_(pt, 20, 300, 1, 1, "/usr/bin/chmod");
	char what[96];
	for (int t = 0; t < RG_ET_COUNT; t++) {
		rg_etmask bit = RG_ET_BIT(t);
		if (t == RG_ET_HEALTH || (bit & RG_ET_SYS_MASK) ||
		    t == RG_ET_PROCESS_START || t == RG_ET_PROCESS_RELATIONSHIP ||
		    t == RG_ET_PROCESS_EXIT)
			continue;
		memset(&ev, 0, sizeof(ev));
		memset(&ids, 0, sizeof(ids));
		ev.type = (enum rg_etype)t;
		ev.pid = ev.tid = 20;
		ids.start_boot_ns = 300;
		rg_proctab_apply(pt, &ev, &ids);
		snprintf(what, sizeof(what), "%s: the acting process's context", rg_etype_name(t));
		CHECK(p && ev.proc_id == p->proc_id && ev.exe.len == 14, what);
	}
	rg_proctab_free(pt);
}

static void test_fork_of_itself(void)
{
	struct rg_proctab *pt = rg_proctab_new(1024, 1, TICK);
	exec_(pt, 10, 100, 1, 1, "/bin/sh");
	CHECK(fork_(pt, 10, 100, 10, 200) == NULL, "fork: a child with the parent's pid is refused");
	const struct rg_process *p = exec_(pt, 10, 100, 1, 1, "/bin/ls");
	CHECK(p && p->exe.len == 7 && !memcmp(p->exe.p, "/bin/ls", 7), "fork: the parent is intact");
	rg_proctab_free(pt);
}

static void test_eviction(void)
{
	struct rg_proctab *pt = rg_proctab_new(256, 1, TICK);
	exec_(pt, 1, 1, 0, 0, "/sbin/init");
	for (uint32_t i = 0; i < 10; i++) { /* ten that exit */
		fork_(pt, 1, 1, 1000 + i, 10 + i);
		exit_(pt, 1000 + i, 10 + i, 0);
	}
	for (uint32_t i = 0; i < 300; i++)
		fork_(pt, 1, 1, 2000 + i, 100 + i);
	struct rg_proctab_stats st;
	rg_proctab_stats(pt, &st);
	CHECK(st.size <= 256, "eviction: size stays within max");
	CHECK_INT(st.evictions, 311 - 256, "eviction: every eviction counted");
	CHECK(rg_proctab_find(pt, 1000, 10) == NULL, "eviction: exited processes go first");
	CHECK(rg_proctab_find(pt, 2299, 399) != NULL, "eviction: the newest stays");
	rg_proctab_free(pt);
}

/* A full table of running processes whose oldest is the forking parent:
 * the parent must survive the child's arrival (its strings are lent to the
 * event). ASan builds turn a mistake here into a failure. */
static void test_eviction_spares_parent(void)
{
	struct rg_proctab *pt = rg_proctab_new(256, 1, TICK);
	exec_(pt, 1, 1, 0, 0, "/sbin/init");
	for (uint32_t i = 0; i < 255; i++)
		fork_(pt, 1, 1, 2000 + i, 100 + i);
	const struct rg_process *c = fork_(pt, 1, 1, 9999, 99999);
	CHECK(c != NULL, "full table: fork still recorded");
	CHECK(rg_proctab_find(pt, 1, 1) != NULL, "full table: forking parent not evicted");
	CHECK(ev.exe.p && memcmp(ev.exe.p, "/sbin/init", 10) == 0, "full table: lent exe intact");
	rg_proctab_free(pt);
}

static void count(void *arg, const struct rg_process *p)
{
	(void)p;
	++*(int *)arg;
}

static void test_bootstrap(void)
{
	struct rg_proctab *pt = rg_proctab_new(1024, 100, TICK);
	rg_proctab_known(pt, 7, 20, 300 * TICK);
	struct rg_process procs[2] = {
		{.pid = 20, .ppid = 1, .start_boot_ns = 300 * TICK, .comm = {"bash", 4}},
		{.pid = 1, .ppid = 0, .start_boot_ns = 0, .comm = {"init", 4}},
	};
	int rows = 0;
	rg_proctab_bootstrap(pt, procs, 2, count, &rows);
	CHECK_INT(rows, 2, "bootstrap: a row per process");
	const struct rg_process *bash = rg_proctab_find(pt, 20, 300 * TICK);
	CHECK(bash && bash->proc_id == 7, "bootstrap: known process keeps its proc_id");
	CHECK(bash && bash->parent_proc_id == rg_proctab_find(pt, 1, 0)->proc_id,
	      "bootstrap: parent linked even when listed after the child");
	/* the kernel's precise start lies within the tick /proc truncated */
	const struct rg_process *again = exec_(pt, 20, 300 * TICK + 4000000, 1, 0, "/bin/ls");
	CHECK(again && again->proc_id == 7, "bootstrap: precise start matches the tick");
	CHECK(rg_proctab_find(pt, 20, 301 * TICK + 1) == NULL, "bootstrap: a tick later is another process");
	rg_proctab_free(pt);

	/* a process the last run saw created (precise start) is found again by
	 * the next run's /proc scan (start truncated to the tick) */
	pt = rg_proctab_new(1024, 100, TICK);
	rg_proctab_known(pt, 9, 30, 500 * TICK + 1234567);
	rg_proctab_known(pt, 10, 31, 600 * TICK);
	struct rg_process later[2] = {
		{.pid = 30, .ppid = 1, .start_boot_ns = 500 * TICK, .comm = {"sh", 2}},
		{.pid = 31, .ppid = 1, .start_boot_ns = 601 * TICK, .comm = {"sh", 2}},
	};
	rg_proctab_bootstrap(pt, later, 2, count, &rows);
	const struct rg_process *sh = rg_proctab_find(pt, 30, 500 * TICK);
	CHECK(sh && sh->proc_id == 9, "bootstrap: a precisely known process keeps its proc_id");
	sh = rg_proctab_find(pt, 31, 601 * TICK);
	CHECK(sh && sh->proc_id != 10, "bootstrap: the same pid a tick later is a new process");
	rg_proctab_free(pt);

	/* a process the scan found while its fork was still on the way: the
	 * fork, seen next, is its creation (source and the exact start) */
	pt = rg_proctab_new(1024, 100, TICK);
	struct rg_process racing[2] = {
		{.pid = 40, .ppid = 1, .start_boot_ns = 700 * TICK, .comm = {"sh", 2}},
		{.pid = 41, .ppid = 40, .start_boot_ns = 800 * TICK, .comm = {"sh", 2}},
	};
	rg_proctab_bootstrap(pt, racing, 2, count, &rows);
	const struct rg_process *c = fork_(pt, 40, 700 * TICK + 5, 41, 800 * TICK + 777);
	CHECK(c && c->source == RG_PSRC_FORK, "bootstrap, then its fork: source fork");
	CHECK(c && c->start_boot_ns == 800 * TICK + 777, "bootstrap, then its fork: exact start");
	CHECK(rg_proctab_find(pt, 41, 800 * TICK + 777) == c, "found by its exact start");
	const struct rg_process *p = rg_proctab_find(pt, 40, 700 * TICK + 5);
	CHECK(p && p->source == RG_PSRC_PROC, "its parent stays as the scan found it");
	rg_proctab_free(pt);
}

static void test_parse_stat(void)
{
	struct rg_str comm;
	uint32_t ppid;
	uint64_t start;
	const char *ok = "123 (a (b) c) S 45 1 1 0 -1 4194560 100 0 0 0 1 2 0 0 20 -5 1 0 777 1000 10";
	CHECK_INT(rg_procfs_parse_stat(ok, &comm, &ppid, &start), 0, "stat: parses");
	CHECK(comm.len == 7 && memcmp(comm.p, "a (b) c", 7) == 0, "stat: comm to the last paren");
	CHECK_INT(ppid, 45, "stat: ppid");
	CHECK_INT(start, 777, "stat: starttime");
	CHECK_INT(rg_procfs_parse_stat("123 (x S 1", &comm, &ppid, &start), -1, "stat: no close paren");
	CHECK_INT(rg_procfs_parse_stat("123 (x) S 1 2", &comm, &ppid, &start), -1, "stat: too few fields");
	CHECK_INT(rg_procfs_parse_stat("", &comm, &ppid, &start), -1, "stat: empty");
	CHECK_INT(rg_procfs_parse_stat("1 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 zz",
				       &comm, &ppid, &start), -1, "stat: junk number");
}

static void test_scan_self(void)
{
	struct rg_process *procs;
	int n = rg_procfs_scan("/proc", TICK, 0, &procs);
	CHECK(n > 1, "scan: finds processes");
	int found = 0;
	for (int i = 0; i < n; i++)
		if (procs[i].pid == (uint32_t)getpid())
			found = procs[i].ppid == (uint32_t)getppid() && procs[i].exe.p &&
				procs[i].argv.p && procs[i].cwd.p;
	CHECK(found, "scan: this test with its ppid, exe, argv and cwd");
	rg_procfs_free(procs, n);
	CHECK(rg_procfs_scan("/nonexistent", TICK, 0, &procs) < 0, "scan: missing root is an error");
}

/* A system event of pid 10 (start 100) naming pid target (start tstart,
 * 0: unknown). */
static const struct rg_process *sys_(struct rg_proctab *pt, enum rg_etype type, uint32_t uid,
				     uint32_t target, uint64_t tstart)
{
	memset(&ev, 0, sizeof(ev));
	memset(&ids, 0, sizeof(ids));
	ev.type = type;
	ev.pid = ev.tid = 10;
	ev.uid = ev.euid = uid;
	ev.target_pid = target;
	ids.start_boot_ns = 100;
	ids.target_start_boot_ns = tstart;
	return rg_proctab_apply(pt, &ev, &ids);
}

/* System events borrow their process's context, name the other process
 * by proc_id, and a credential change updates the process's row. */
static void test_sys_events(void)
{
	struct rg_proctab *pt = rg_proctab_new(1024, 1, TICK);
	int64_t sh = exec_(pt, 10, 100, 1, 1, "/bin/sh")->proc_id;
	int64_t target = exec_(pt, 11, 200, 1, 1, "/bin/sleep")->proc_id;

	CHECK(sys_(pt, RG_ET_PTRACE, 0, 11, 200) == NULL, "ptrace: no row changes");
	CHECK(ev.proc_id == sh && ev.exe.p && memcmp(ev.exe.p, "/bin/sh", 7) == 0,
	      "ptrace: the actor's context");
	CHECK_INT(ev.target_proc_id, target, "ptrace: target by pid and start time");
	sys_(pt, RG_ET_PROC_MEM_WRITE, 0, 11, 0);
	CHECK_INT(ev.target_proc_id, target, "proc_mem_write: target by pid (start unknown)");
	sys_(pt, RG_ET_PTRACE, 0, 11, 999);
	CHECK_INT(ev.target_proc_id, 0, "ptrace: another process with that pid is not the target");
	sys_(pt, RG_ET_PTRACE, 0, 12, 0);
	CHECK_INT(ev.target_proc_id, 0, "ptrace: an unknown target has no proc_id");

	const struct rg_process *row = sys_(pt, RG_ET_CRED_CHANGE, 65534, 0, 0);
	CHECK(row && row->proc_id == sh && row->uid == 65534 && row->euid == 65534,
	      "cred_change: the process row has the new ids");
	CHECK(sys_(pt, RG_ET_CRED_CHANGE, 65534, 0, 0) == NULL,
	      "cred_change: the same ids again change nothing");
	CHECK(sys_(pt, RG_ET_MOUNT, 0, 0, 0) == NULL && ev.proc_id == sh,
	      "mount: context only, the ids of a row are a cred_change's to change");
	rg_proctab_free(pt);
}

int main(void)
{
	test_lifecycle();
	test_first_seen_source();
	test_sys_events();
	test_fork_keeps_image_flags();
	test_script_env();
	test_pid_reuse();
	test_orphan_keeps_parent();
	test_context_every_type();
	test_fork_of_itself();
	test_eviction();
	test_eviction_spares_parent();
	test_bootstrap();
	test_parse_stat();
	test_scan_self();
	return tap_done();
}
