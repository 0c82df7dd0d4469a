/* rg-gen: a synthetic recording, written the way the recorder writes one.
 *
 *   rg-gen --db OUT.db [--events N] [--rules DIR] [--runs K] [--seed S]
 *          [--rate EVENTS_PER_S] [--start EPOCH_S] [--gap-every N]
 *          [--ndjson PATH] [--pid-max N]
 *
 * A small host, simulated: systemd, sshd, cron and nginx; login shells
 * that run compilers, curl and python; nginx workers; processes that fork,
 * exec and exit (pids wrap at 32768, so pids are reused); file opens,
 * writes, renames and unlinks; outbound connections; and now and then
 * something the shipped rules catch (a unit file, a cron job, a shell
 * from nginx, a binary run from /tmp, a connection to port 4444). Every
 * event goes through the recorder's own pipeline (pipeline.h): lineage,
 * rules, NDJSON and the store, so the database is what a recorder would
 * have written, alerts included. Deterministic for a given seed.
 *
 * For rgq's fixtures (tests/cli) and benchmarks (docs/benchmarks.md).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "lineage.h"
#include "pipeline.h"
#include "rules.h"
#include "sign_key.h"

#define MAX_LIVE 256
#define NS 1000000000LL

struct prog {
	const char *exe, *comm, *args; /* args: space-separated, '%d' gets a number */
};

enum {
	P_SYSTEMD, P_SSHD, P_CRON, P_NGINX, P_BASH, P_DASH, P_LS, P_CAT, P_CURL, P_PY,
	P_CP, P_TAR, P_GCC, P_SYSTEMCTL, P_PAYLOAD, P_MAKE, NPROGS
};

static const struct prog progs[NPROGS] = {
	[P_SYSTEMD] = {"/usr/lib/systemd/systemd", "systemd", "/sbin/init"},
	[P_SSHD] = {"/usr/sbin/sshd", "sshd", "sshd: alice [priv]"},
	[P_CRON] = {"/usr/sbin/cron", "cron", "/usr/sbin/cron -f"},
	[P_NGINX] = {"/usr/sbin/nginx", "nginx", "nginx: worker process"},
	[P_BASH] = {"/usr/bin/bash", "bash", "-bash"},
	[P_DASH] = {"/usr/bin/dash", "sh", "sh -c id;uname -a"},
	[P_LS] = {"/usr/bin/ls", "ls", "ls -la /home/alice/project"},
	[P_CAT] = {"/usr/bin/cat", "cat", "cat /var/log/nginx/access.log"},
	[P_CURL] = {"/usr/bin/curl", "curl", "curl -s https://example.org/release-%d.tar.gz"},
	[P_PY] = {"/usr/bin/python3", "python3", "python3 manage.py runjob %d"},
	[P_CP] = {"/usr/bin/cp", "cp", "cp build/out-%d.bin /srv/app/"},
	[P_TAR] = {"/usr/bin/tar", "tar", "tar xzf release-%d.tar.gz"},
	[P_GCC] = {"/usr/bin/gcc", "gcc", "gcc -O2 -c src/file%d.c"},
	[P_SYSTEMCTL] = {"/usr/bin/systemctl", "systemctl", "systemctl status nginx"},
	[P_PAYLOAD] = {"/tmp/.cache/payload", "payload", "/tmp/.cache/payload -d"},
	[P_MAKE] = {"/usr/bin/make", "make", "make -j2"},
};

struct sproc {
	int64_t proc_id, parent;
	uint32_t pid, ppid, uid, auid;
	int prog, daemon;
	bool contained; /* in the web container (the nginx workers and their children) */
	char argv[160];
	uint32_t argvlen;
	uint64_t start_boot;
	int64_t start_ns;
};

struct gen {
	struct rg_pipeline pl;
	struct rg_store *store;
	int64_t max_age_s; /* --max-age: retention while writing */
	bool no_chain;     /* --no-chain: to measure what the chain costs */
	const uint8_t *sign_key; /* --sign-key: signed checkpoints (sign_key.h) */
	int checkpoint_s;  /* --checkpoint-s: 0, every batch (the most it costs) */
	bool writer_cpu;   /* --writer-cpu: report the writer thread's CPU */
	uint64_t writer_ns, writer_rows;
	struct rg_proctab *pt;
	struct rg_lineage *lin;
	struct rg_seqstate *seqs;
	struct rg_ruleset *rules;
	struct rg_ndjson *nd;
	struct sproc live[MAX_LIVE];
	unsigned nlive;
	uint64_t rng;
	int64_t ts, boot_wall, step_ns, next_health;
	int64_t next_proc_id;
	uint32_t next_pid;
	uint64_t events, processes, gap_every, drops_pending;
	uint32_t pid_max;
	const char *db;
};

static uint64_t rnd(struct gen *g)
{
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 0x2545F4914F6CDD1DULL;
}

static unsigned pick(struct gen *g, unsigned n)
{
	return (unsigned)(rnd(g) % n);
}

static struct rg_str S(const char *s)
{
	return (struct rg_str){s, (uint32_t)strlen(s)};
}

static void set_argv(struct gen *g, struct sproc *p)
{
	char line[160];
	snprintf(line, sizeof(line), progs[p->prog].args, (int)pick(g, 100));
	size_t n = strlen(line);
	memcpy(p->argv, line, n + 1);
	for (size_t i = 0; i < n; i++)
		if (p->argv[i] == ' ' && p->prog != P_SSHD && p->prog != P_NGINX)
			p->argv[i] = '\0'; /* separate arguments (not inside a title) */
	p->argvlen = (uint32_t)n + 1;
}

/* The recorder's names and place for p: the host's users, and the nginx
 * workers in a docker container (rgq events --container). */
#define WEB_CONTAINER "5e1f0c3a9b7d2e4f6a8c0b1d3e5f7a9c2b4d6e8f0a1c3e5b7d9f1a3c5e7b9d0f"
static struct rg_who who_of(const struct sproc *p)
{
	static const struct {
		uint32_t uid;
		const char *name;
	} users[] = {{0, "root"}, {33, "www-data"}, {1000, "alice"}};
	struct rg_who w = {0};
	for (unsigned i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		if (users[i].uid == p->uid)
			w.user = w.euser = w.group = S(users[i].name);
		if (users[i].uid == p->auid)
			w.login_user = S(users[i].name);
	}
	if (p->auid == 4294967295u)
		w.login_user = S("unset");
	w.cgroup_id = p->contained ? 9001 : 2;
	w.cgroup_path = S(p->contained ? "/system.slice/docker-" WEB_CONTAINER ".scope"
				       : "/system.slice/host.service");
	if (p->contained) {
		w.container_id = S(WEB_CONTAINER);
		w.container_runtime = "docker";
	}
	return w;
}

static struct rg_process as_process(const struct gen *g, const struct sproc *p)
{
	(void)g;
	const struct prog *pr = &progs[p->prog];
	return (struct rg_process){
		.proc_id = p->proc_id, .pid = p->pid, .start_boot_ns = p->start_boot,
		.start_ns = p->start_ns, .ppid = p->ppid, .parent_proc_id = p->parent,
		.uid = p->uid, .gid = p->uid, .euid = p->uid, .auid = p->auid, .sessionid = 1,
		.comm = S(pr->comm), .exe = S(pr->exe), .argv = {p->argv, p->argvlen},
		.cwd = S(p->uid ? "/home/alice" : "/"), .source = RG_PSRC_FORK, .who = who_of(p),
	};
}

/* An event by p with the common fields filled. */
static struct rg_event base(struct gen *g, const struct sproc *p, enum rg_etype t)
{
	g->ts += g->step_ns / 2 + (int64_t)pick(g, (unsigned)g->step_ns + 1);
	const struct prog *pr = &progs[p->prog];
	return (struct rg_event){
		.type = t, .ts_ns = g->ts, .boot_ns = (uint64_t)(g->ts - g->boot_wall),
		.proc_id = p->proc_id, .pid = p->pid, .tid = p->pid, .uid = p->uid, .gid = p->uid,
		.parent_proc_id = p->parent, .ppid = p->ppid, .comm = S(pr->comm),
		.exe = S(pr->exe), .argv = {p->argv, p->argvlen},
	};
}

static void emit(struct gen *g, struct rg_event *ev)
{
	rg_pipeline_event(&g->pl, ev);
	g->events++;
	if (g->gap_every && !(g->events % g->gap_every))
		g->drops_pending += 5; /* as if the ring had been full */
	if (g->ts >= g->next_health) {
		g->pl.kernel_drops += g->drops_pending; /* a gap row with this health row */
		g->drops_pending = 0;
		rg_pipeline_health(&g->pl, g->ts);
		g->next_health = g->ts + NS;
	}
	if (!(g->events % 100000))
		rg_store_sync(g->store); /* the queue never overflows: nothing dropped */
}

static uint32_t new_pid(struct gen *g)
{
	for (;;) {
		uint32_t pid = g->next_pid++;
		if (g->next_pid >= g->pid_max)
			g->next_pid = 1000;
		bool used = false;
		for (unsigned i = 0; i < g->nlive && !used; i++)
			used = g->live[i].pid == pid;
		if (!used)
			return pid;
	}
}

/* What a parent runs: shells run tools, nginx now and then a shell. */
static int child_prog(struct gen *g, int parent)
{
	static const int tools[] = {P_LS, P_CAT, P_CURL, P_PY, P_CP, P_TAR, P_GCC, P_GCC,
				    P_GCC, P_MAKE, P_SYSTEMCTL, P_BASH};
	switch (parent) {
	case P_SSHD: return P_BASH;
	case P_CRON: return P_DASH;
	case P_NGINX: return pick(g, 50) ? P_CAT : P_DASH; /* a web shell, rarely */
	case P_MAKE: return P_GCC;
	case P_BASH:
		if (!pick(g, 400))
			return P_PAYLOAD;
		return tools[pick(g, sizeof(tools) / sizeof(tools[0]))];
	default: return P_LS;
	}
}

static void spawn(struct gen *g)
{
	if (g->nlive >= MAX_LIVE)
		return;
	struct sproc *parent = &g->live[pick(g, g->nlive)];
	if (parent->prog == P_SYSTEMD)
		return;
	struct sproc c = *parent;
	c.proc_id = g->next_proc_id++;
	c.parent = parent->proc_id;
	c.pid = new_pid(g);
	c.ppid = parent->pid;
	c.daemon = 0;
	c.prog = child_prog(g, parent->prog);
	if (parent->prog == P_SSHD)
		c.uid = c.auid = 1000; /* a login */
	struct rg_event fork = base(g, parent, RG_ET_PROCESS_RELATIONSHIP);
	fork.child_proc_id = c.proc_id;
	fork.child_pid = c.pid;
	fork.syscall = NULL;
	c.start_ns = g->ts;
	c.start_boot = (uint64_t)(g->ts - g->boot_wall);
	g->live[g->nlive++] = c;
	struct sproc *cp = &g->live[g->nlive - 1];
	struct rg_process row = as_process(g, cp); /* still the parent's image */
	rg_pipeline_process(&g->pl, &row);
	emit(g, &fork);
	set_argv(g, cp);
	struct rg_event ex = base(g, cp, RG_ET_PROCESS_START);
	ex.argc = rg_argv_count(ex.argv);
	ex.cwd = S(cp->uid ? "/home/alice/project" : "/");
	ex.euid = cp->uid;
	ex.egid = cp->uid;
	ex.auid = cp->auid;
	ex.sessionid = 1;
	ex.syscall = "execve";
	ex.who = who_of(cp);
	row = as_process(g, cp);
	row.source = RG_PSRC_FORK;
	rg_pipeline_process(&g->pl, &row);
	emit(g, &ex);
	g->processes++;
}

static void exit_one(struct gen *g)
{
	unsigned i = pick(g, g->nlive);
	if (g->live[i].daemon)
		return;
	struct sproc p = g->live[i];
	/* its children keep it as their parent_proc_id, as the recorder's
	 * process table does (the creator, not the reaper) */
	g->live[i] = g->live[--g->nlive];
	struct rg_event ev = base(g, &p, RG_ET_PROCESS_EXIT);
	ev.exit_code = pick(g, 10) ? 0 : 1;
	struct rg_process row = as_process(g, &p);
	row.exited = true;
	row.exit_ns = g->ts;
	row.exit_code = ev.exit_code;
	rg_pipeline_process(&g->pl, &row);
	emit(g, &ev);
}

static void file_event(struct gen *g)
{
	static const char *const common[] = {
		"/etc/ld.so.cache", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/etc/passwd",
		"/etc/hosts", "/var/log/nginx/access.log", "/etc/nsswitch.conf",
		"/usr/lib/locale/locale-archive", "/etc/resolv.conf",
	};
	static const char *const rare[] = {
		"/etc/systemd/system/backdoor.service", "/etc/cron.d/update",
		"/root/.ssh/authorized_keys", "/etc/shadow", "/etc/ld.so.preload",
	};
	struct sproc *p = &g->live[pick(g, g->nlive)];
	unsigned r = pick(g, 100);
	enum rg_etype t = r < 60 ? RG_ET_FILE_OPEN : r < 85 ? RG_ET_FILE_WRITE
			: r < 93 ? RG_ET_FILE_RENAME : RG_ET_FILE_UNLINK;
	struct rg_event ev = base(g, p, t);
	char path[128], np[128];
	if (!pick(g, 2000))
		snprintf(path, sizeof(path), "%s", rare[pick(g, 5)]);
	else if (pick(g, 2))
		snprintf(path, sizeof(path), "%s", common[pick(g, 8)]);
	else
		snprintf(path, sizeof(path), "/home/alice/project/src/file%u.c", pick(g, 5000));
	ev.path = S(path);
	ev.syscall = t == RG_ET_FILE_OPEN ? "openat" : t == RG_ET_FILE_WRITE ? "write"
		   : t == RG_ET_FILE_RENAME ? "renameat2" : "unlinkat";
	ev.fflags = t == RG_ET_FILE_OPEN ? (pick(g, 4) ? 0x80000 : 0x80241) : 0;
	ev.mode = t == RG_ET_FILE_OPEN && (ev.fflags & 0x40) ? 0644 : 0;
	ev.result = t == RG_ET_FILE_OPEN ? (pick(g, 20) ? 3 + (int64_t)pick(g, 10) : -2)
		  : t == RG_ET_FILE_WRITE ? 1 + (int64_t)pick(g, 4096) : 0;
	if (t == RG_ET_FILE_RENAME) {
		snprintf(np, sizeof(np), "%s", path);
		snprintf(path, sizeof(path), "/tmp/tmp.%06u", pick(g, 1000000));
		ev.path = S(path);
		ev.new_path = S(np);
	}
	emit(g, &ev);
}

static void net_event(struct gen *g)
{
	struct sproc *p = &g->live[pick(g, g->nlive)];
	struct rg_event ev = base(g, p, RG_ET_NET_CONNECT);
	char local[32];
	bool bad = !pick(g, 5000);
	snprintf(local, sizeof(local), "10.0.0.%u", 2 + pick(g, 3));
	ev.syscall = "connect";
	ev.family = "ipv4";
	ev.protocol = "tcp";
	ev.local_addr = S(local);
	ev.local_port = 32768 + pick(g, 28000);
	ev.remote_addr = S(bad ? "203.0.113.9" : pick(g, 2) ? "93.184.216.34" : "10.0.0.1");
	ev.remote_port = bad ? 4444 : pick(g, 3) ? 443 : 5432;
	ev.socket_id = rnd(g) | 1;
	ev.result = pick(g, 30) ? 0 : -111;
	emit(g, &ev);
}

/* A privilege or system operation: mostly a daemon dropping root and
 * memfds, rarely a ptrace attach or a tmpfs mount. */
static void sys_event(struct gen *g)
{
	struct sproc *p = &g->live[pick(g, g->nlive)];
	unsigned r = pick(g, 100);
	enum rg_etype t = r < 60 ? RG_ET_CRED_CHANGE : r < 95 ? RG_ET_MEMFD_CREATE
			: r < 98 ? RG_ET_MOUNT : RG_ET_PTRACE;
	struct rg_event ev = base(g, p, t);
	ev.result = 0;
	switch (t) {
	case RG_ET_CRED_CHANGE:
		ev.syscall = "setresuid";
		ev.old_uid = ev.old_euid = ev.old_fsuid = 0;
		ev.uid = ev.euid = ev.fsuid = 33;
		ev.old_cap_effective = 0x1ffffffffff;
		break;
	case RG_ET_MEMFD_CREATE:
		ev.syscall = "memfd_create";
		ev.name = S("pulseaudio");
		ev.fflags = 1;
		ev.result = 5;
		break;
	case RG_ET_MOUNT:
		ev.syscall = "mount";
		ev.source = S("tmpfs");
		ev.path = S("/run/user/1000");
		ev.fstype = S("tmpfs");
		break;
	default:
		ev.syscall = "ptrace";
		ev.ptrace_request = 0x4206;
		struct sproc *target = &g->live[pick(g, g->nlive)];
		ev.target_pid = target->pid;
		ev.target_proc_id = target->proc_id;
		break;
	}
	emit(g, &ev);
}

static void step(struct gen *g)
{
	unsigned r = pick(g, 100);
	if (r < 6 || g->nlive < 8)
		spawn(g);
	else if (r < 12 || g->nlive > 200)
		exit_one(g);
	else if (r < 81)
		file_event(g);
	else if (r < 82)
		sys_event(g);
	else
		net_event(g);
}

static int begin_run(struct gen *g, int64_t run_start)
{
	char err[512];
	struct rg_store_opts so = {5000, 200, 1 << 20};
	so.max_age_s = g->max_age_s;
	so.prune_interval_ms = 1;
	so.no_chain = g->no_chain;
	g->store = rg_store_open(g->db, &so, err, sizeof(err), NULL);
	if (!g->store) {
		fprintf(stderr, "rg-gen: %s\n", err);
		return 1;
	}
	rg_store_sign(g->store, g->sign_key, g->checkpoint_s);
	uint64_t max_seq;
	int64_t max_proc;
	rg_store_max_ids(g->store, &max_seq, &max_proc);
	int64_t run = rg_store_begin_run(g->store, "gen-host", "gen-boot", RG_VERSION, run_start,
					 max_seq + 1, 65536, RG_SEQUENCE_MAX_DEFAULT);
	rg_pipeline_init(&g->pl, g->pt, g->nd, g->store, run, max_seq + 1, run_start);
	g->lin = rg_lineage_new(65536);
	g->pl.lin = g->lin;
	g->seqs = rg_seqstate_new(RG_SEQUENCE_MAX_DEFAULT);
	g->pl.seqs = g->seqs;
	g->pl.rules = g->rules;
	if (g->rules)
		rg_store_put_meta(g->store, "rules_digest", g->rules->digest);
	/* what a recorder finds in /proc at start: seeds the lineage */
	for (unsigned i = 0; i < g->nlive; i++) {
		struct rg_process row = as_process(g, &g->live[i]);
		row.source = RG_PSRC_PROC;
		rg_pipeline_known_process(&g->pl, &row);
	}
	return 0;
}

/* The CPU time of this process's store writer thread ("rg-writer"), from
 * the scheduler's own count (ns); 0 if there is none. */
static uint64_t writer_cpu_ns(void)
{
	uint64_t ns = 0;
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char path[300], comm[32] = "";
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		bool writer = fgets(comm, sizeof(comm), f) && !strcmp(comm, "rg-writer\n");
		fclose(f);
		snprintf(path, sizeof(path), "/proc/self/task/%s/schedstat", e->d_name);
		unsigned long long v = 0;
		if (writer && (f = fopen(path, "r"))) {
			if (fscanf(f, "%llu", &v) == 1)
				ns += v;
			fclose(f);
		}
	}
	if (d)
		closedir(d);
	return ns;
}

static void end_run(struct gen *g, unsigned long long run)
{
	if (g->writer_cpu) { /* every row written, before the thread ends */
		struct rg_store_stats st;
		rg_store_sync(g->store);
		rg_store_stats(g->store, &st);
		uint64_t ns = writer_cpu_ns();
		uint64_t rows = st.rows_processes + st.rows_process_events + st.rows_file_events +
				st.rows_network_events + st.rows_system_events + st.rows_health +
				st.rows_gaps + st.rows_alerts;
		/* per run: the writer's cost as the database grows (--runs K) */
		fprintf(stderr, "rg-gen: run %llu, after %llu rows of earlier runs: writer %.3f us "
				"per row\n",
			run + 1, (unsigned long long)g->writer_rows,
			rows ? (double)ns / 1e3 / (double)rows : 0.0);
		g->writer_ns += ns;
		g->writer_rows += rows;
	}
	g->pl.kernel_drops += g->drops_pending;
	g->drops_pending = 0;
	rg_pipeline_health(&g->pl, g->ts);
	rg_store_close(g->store, g->ts);
	rg_pipeline_free(&g->pl);
	rg_lineage_free(g->lin);
	rg_seqstate_free(g->seqs);
}

static void add_daemon(struct gen *g, int prog, uint32_t pid, uint32_t uid, int64_t parent)
{
	struct sproc *p = &g->live[g->nlive++];
	*p = (struct sproc){.proc_id = g->next_proc_id++, .parent = parent, .pid = pid,
			    .ppid = parent ? 1 : 0, .uid = uid, .auid = 4294967295u, .prog = prog,
			    .daemon = 1, .contained = prog == P_NGINX, .start_boot = 2 * NS,
			    .start_ns = g->boot_wall + 2 * NS};
	set_argv(g, p);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: rg-gen --db OUT.db [--events N] [--rules DIR] [--runs K] [--seed S]\n"
		   "              [--rate EVENTS_PER_S] [--start EPOCH_S] [--gap-every N]\n"
		   "              [--ndjson PATH] [--pid-max N (>= 1500; pids wrap there)]\n"
		   "              [--max-age SECONDS (retention, by the wall clock)] [--no-chain]\n"
		   "              [--writer-cpu (the store writer's CPU per row, on stderr, per run\n"
		   "               and in all)]\n"
		   "              [--sign-key FILE (signed checkpoints; made if missing)]\n"
		   "              [--checkpoint-s N (default 0: one every batch)]\n"
		   "Writes a synthetic recording through the recorder's pipeline (see the\n"
		   "source for what it simulates). OUT.db must not exist.\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"db", required_argument, 0, 'd'},    {"events", required_argument, 0, 'n'},
		{"rules", required_argument, 0, 'r'}, {"runs", required_argument, 0, 'k'},
		{"seed", required_argument, 0, 's'},  {"rate", required_argument, 0, 'R'},
		{"start", required_argument, 0, 't'}, {"gap-every", required_argument, 0, 'g'},
		{"ndjson", required_argument, 0, 'j'}, {"pid-max", required_argument, 0, 'p'},
		{"max-age", required_argument, 0, 'a'}, {"no-chain", no_argument, 0, 'C'},
		{"writer-cpu", no_argument, 0, 'W'},
		{"sign-key", required_argument, 0, 'K'}, {"checkpoint-s", required_argument, 0, 'c'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	struct gen *g = calloc(1, sizeof(*g));
	unsigned long long events = 1000000, runs = 1, seed = 1, rate = 20000, start = 1793491200;
	unsigned long long pid_max = 32768;
	const char *rules = NULL, *ndjson = NULL;
	int ch;
	while ((ch = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		char *end = NULL;
		unsigned long long v = 0;
		if (strchr("nksRtgpac", ch)) {
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg) {
				fprintf(stderr, "rg-gen: '%s' is not a number\n", optarg);
				return 2;
			}
		}
		switch (ch) {
		case 'd': g->db = optarg; break;
		case 'n': events = v; break;
		case 'r': rules = optarg; break;
		case 'k': runs = v ? v : 1; break;
		case 's': seed = v; break;
		case 'R': rate = v ? v : 1; break;
		case 't': start = v; break;
		case 'g': g->gap_every = v; break;
		case 'j': ndjson = optarg; break;
		case 'p': pid_max = v < 1500 ? 1500 : v; break;
		case 'a': g->max_age_s = (int64_t)v; break;
		case 'C': g->no_chain = true; break;
		case 'W': g->writer_cpu = true; break;
		case 'c': g->checkpoint_s = (int)v; break;
		case 'K': {
			bool made;
			int code;
			char err[512];
			g->sign_key = rg_sign_key_load(optarg, &made, err, sizeof(err), &code);
			if (!g->sign_key) {
				fprintf(stderr, "rg-gen: %s\n", err);
				return 2;
			}
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	struct stat sb;
	if (!g->db || optind < argc) {
		usage(stderr);
		return 2;
	}
	if (stat(g->db, &sb) == 0) {
		fprintf(stderr, "rg-gen: %s exists\n", g->db);
		return 2;
	}
	char err[512];
	if (rules) {
		struct stat rs;
		struct rg_rules_source src = {rules, false, stat(rules, &rs) == 0 && S_ISDIR(rs.st_mode)};
		if (rg_rules_load(&g->rules, &src, 1, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
	}
	if (ndjson && !(g->nd = rg_ndjson_open(ndjson, &(struct rg_ndjson_opts){"gen-host", "gen-boot", RG_NDJSON_NATIVE},
					   err, sizeof(err), NULL))) {
		fprintf(stderr, "rg-gen: %s\n", err);
		return 1;
	}
	g->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	g->ts = (int64_t)start * NS;
	g->boot_wall = g->ts - 1000 * NS;
	g->step_ns = NS / (int64_t)rate;
	g->next_proc_id = 1;
	g->next_pid = 1000;
	g->pid_max = (uint32_t)pid_max;
	g->pt = rg_proctab_new(1024, 1, 10000000);
	add_daemon(g, P_SYSTEMD, 1, 0, 0);
	add_daemon(g, P_SSHD, 800, 0, 1);
	add_daemon(g, P_CRON, 700, 0, 1);
	add_daemon(g, P_NGINX, 900, 33, 1);
	add_daemon(g, P_NGINX, 901, 33, 1);
	int64_t t0 = rg_mono_ns();
	uint64_t alerts = 0;
	for (unsigned long long r = 0; r < runs; r++) {
		if (begin_run(g, g->ts))
			return 1;
		uint64_t until = events * (r + 1) / runs;
		while (g->events < until)
			step(g);
		alerts += g->pl.alerts;
		end_run(g, r);
		g->ts += 5 * NS; /* the recorder was down for a moment */
	}
	double secs = (double)(rg_mono_ns() - t0) / 1e9;
	fprintf(stderr, "rg-gen: %llu events, %llu processes, %llu alerts, %llu runs in %.1f s "
			"(%.0f events/s) to %s\n",
		(unsigned long long)g->events, (unsigned long long)g->processes,
		(unsigned long long)alerts, runs, secs, (double)g->events / secs, g->db);
	if (g->writer_cpu && g->writer_rows)
		fprintf(stderr, "rg-gen: writer %llu rows, %.3f s CPU, %.3f us per row (chain %s)\n",
			(unsigned long long)g->writer_rows, (double)g->writer_ns / 1e9,
			(double)g->writer_ns / 1e3 / (double)g->writer_rows,
			g->no_chain ? "off" : g->sign_key ? "on, signed" : "on");
	rg_ndjson_close(g->nd);
	rg_sign_key_free(g->sign_key);
	rg_rules_free(g->rules);
	rg_proctab_free(g->pt);
	free(g);
	return 0;
}
