/* rg-ringpath: the recorder's main thread on a watched-open storm, without
 * BPF, for counting its instructions per event.
 *
 *   rg-ringpath -c CONFIG --db OUT.db --dir DIR [--ndjson PATH] [--events N]
 *               [--rate EVENTS_PER_S]
 *
 * What scripts/bench --knee makes the kernel send, built by hand
 * (tests/lib/rawrec.h): two workers (an exec record each), then N opens
 * of DIR/f0 and DIR/f1 (O_RDONLY|O_CREAT|O_CLOEXEC, as rg-workload's),
 * alternating, RATE a second apart by the kernel's clock. Each raw record
 * goes through rg_pipeline_record, the function the daemon's ring
 * callback calls, with the CONFIG's file filter, rules, process table
 * (names from this host), NDJSON and store; after every POLL_RECORDS the
 * NDJSON is flushed, as the daemon does after each poll. CONFIG must watch
 * DIR (scripts/bench's bench config does).
 *
 * Deterministic: the wall clock, host and boot id are fixed, so two
 * builds given the same arguments write the same NDJSON and rows. Left
 * out, as they carry the time they were made: health rows, checkpoints
 * (no signing key) and the hasher (it only sees the two execs).
 *
 * For callgrind: the records go through feed_poll alone, so
 *   valgrind --tool=callgrind --separate-threads=yes --dump-instr=no \
 *     --toggle-collect=feed_poll build/rg-ringpath ...
 * counts the main thread's work on them in the file of thread 1; the
 * writer's thread has its own. Between polls the store is synced now and
 * then (outside feed_poll), so that under valgrind's one-thread-at-a-time
 * scheduling the queue never fills and drops: the daemon's writer keeps
 * up on its own CPU.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "ident.h"
#include "pipeline.h"
#include "rawrec.h"

#define NS 1000000000LL
#define START_S 1793491200LL /* the wall clock at the run's start (2026-11-01) */
#define BOOT_NS (1000 * NS)  /* the kernel's clock then */
#define WORKERS 2
#define POLL_RECORDS 2048 /* about what one wakeup of the knee's ring holds */
#define SYNC_EVERY 16     /* polls */

struct bench {
	struct rg_config cfg;
	struct rg_ruleset *rules;
	struct rg_pathmatch files;
	struct rg_proctab *pt;
	struct rg_ident *ident;
	struct rg_lineage *lin;
	struct rg_seqstate *seqs;
	struct rg_ndjson *nd;
	struct rg_store *store;
	struct rg_pipeline pl;
	unsigned char rec[WORKERS][RG_RECORD_MAX]; /* each worker's open record */
	uint64_t start_ns[WORKERS];                /* each worker's start */
	uint64_t boot_ns;                          /* the next record's time */
	int64_t step_ns;
};

static struct rg_hdr worker_hdr(const struct bench *b, unsigned w)
{
	uint32_t pid = 40000 + w;
	return (struct rg_hdr){.boot_ns = b->boot_ns, .start_ns = b->start_ns[w], .tgid = pid,
			       .tid = pid};
}

/* The worker's exec, as the kernel sends it for rg-workload. */
static void exec_worker(struct bench *b, unsigned w, const char *path)
{
	static unsigned char rec[RG_RECORD_MAX];
	char argv[512];
	int n = snprintf(argv, sizeof(argv), "rg-workload%cpaced%c100000%c100000%c%s%c", 0, 0, 0,
			 0, path, 0);
	b->start_ns[w] = b->boot_ns - 1000; /* forked just before */
	struct rg_hdr h = worker_hdr(b, w);
	uint32_t size = rawrec_exec(rec, &h, "/usr/local/bin/rg-workload", argv, (uint32_t)n,
				    "/var/tmp");
	struct rg_exec *e = (struct rg_exec *)rec;
	e->ppid = 1;
	e->auid = e->sessionid = 0xffffffffu;
	e->argc = 5;
	e->syscall = RG_SYS_EXECVE;
	e->old_tid = h.tid;
	snprintf(e->comm, sizeof(e->comm), "rg-workload");
	rg_pipeline_record(&b->pl, rec, size);
	b->boot_ns += (uint64_t)b->step_ns;
}

/* The open record of worker w: the kernel resolved the path (dir holds it
 * whole, name is empty), the fd was 3. */
static int make_open(struct bench *b, unsigned w, const char *path)
{
	struct rg_hdr h = worker_hdr(b, w);
	const char *parts[4] = {path, NULL, NULL, NULL};
	uint32_t size = rawrec_file(b->rec[w], &h, RG_FOP_OPEN, RG_FSYS_OPENAT, parts);
	struct rg_file *f = (struct rg_file *)b->rec[w];
	f->result = 3;
	f->flags = O_RDONLY | O_CREAT | O_CLOEXEC;
	f->mode = 0600;
	f->mtime_ns = RG_MTIME_NOW;
	return (int)size;
}

/* One poll's records, opens by the workers in turn; then the flush the
 * daemon does after each poll. Not inlined: callgrind counts from here. */
__attribute__((noinline)) static void feed_poll(struct bench *b, const uint32_t *size,
					       unsigned n, uint64_t first)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned w = (unsigned)((first + i) % WORKERS);
		struct rg_hdr *h = (struct rg_hdr *)b->rec[w];
		h->boot_ns = b->boot_ns;
		b->boot_ns += (uint64_t)b->step_ns;
		rg_pipeline_record(&b->pl, b->rec[w], size[w]);
	}
	if (b->nd)
		rg_ndjson_flush(b->nd);
}

static int load(struct bench *b, const char *config, const char *db, const char *ndjson)
{
	char err[1024], notice[1024];
	rg_config_defaults(&b->cfg);
	if (rg_config_load(&b->cfg, config, err, sizeof(err)) ||
	    rg_config_set(&b->cfg, "store", "db", db, err, sizeof(err)) ||
	    rg_config_set(&b->cfg, "recorder", "ndjson", ndjson ? ndjson : "", err, sizeof(err)) ||
	    rg_rules_load_config(&b->cfg, config, &b->rules, err, sizeof(err), notice,
				 sizeof(notice))) {
		fprintf(stderr, "rg-ringpath: %s\n", err);
		return -1;
	}
	const struct rg_config *c = &b->cfg;
	struct rg_pm_lists lists = {c->watch_paths, c->watch_writes, c->exclude_paths,
				    c->watch_patterns};
	if (rg_pathmatch_init(&b->files, &lists, err, sizeof(err))) {
		fprintf(stderr, "rg-ringpath: [file]: %s\n", err);
		return -1;
	}
	rg_pathmatch_resolve(&b->files, NULL, NULL);
	return 0;
}

/* The outputs and the pipeline, as the daemon's open_outputs and start
 * make them, the wall clock fixed. */
static int open_all(struct bench *b)
{
	char err[512];
	const struct rg_config *c = &b->cfg;
	struct rg_ndjson_opts no = {"bench-host", "bench-boot",
				    (enum rg_ndjson_profile)rg_ndjson_profile_parse(c->ndjson_format)};
	if (c->ndjson[0] && !(b->nd = rg_ndjson_open(c->ndjson, &no, err, sizeof(err), NULL))) {
		fprintf(stderr, "rg-ringpath: %s\n", err);
		return -1;
	}
	struct rg_store_opts so = {c->batch_rows, c->batch_ms, c->queue_events,
				   (int64_t)c->max_age_h * 3600, c->max_size_mb, 1000,
				   c->wal_warn_mb, !c->chain, NULL, 0};
	if (!(b->store = rg_store_open(c->db, &so, err, sizeof(err), NULL))) {
		fprintf(stderr, "rg-ringpath: %s\n", err);
		return -1;
	}
	uint64_t max_seq;
	int64_t max_proc_id;
	rg_store_max_ids(b->store, &max_seq, &max_proc_id);
	b->pt = rg_proctab_new((unsigned)c->table_max, max_proc_id + 1, NS / 100);
	b->ident = rg_ident_new(NULL);
	rg_proctab_set_ident(b->pt, b->ident);
	b->lin = rg_lineage_new((unsigned)c->table_max);
	b->seqs = rg_seqstate_new((unsigned)c->sequence_max);
	int64_t now = START_S * NS;
	int64_t run_id = rg_store_begin_run(b->store, "bench-host", "bench-boot", RG_VERSION, now,
					    max_seq + 1, (unsigned)c->table_max,
					    (unsigned)c->sequence_max);
	rg_pipeline_init(&b->pl, b->pt, b->nd, b->store, run_id, max_seq + 1, now);
	b->pl.files = c->file_enabled ? &b->files : NULL;
	b->pl.rules = b->rules;
	b->pl.lin = b->lin;
	b->pl.seqs = b->seqs;
	b->pl.wall_offset = now - BOOT_NS;
	rg_store_put_meta(b->store, "rules_digest", b->rules->digest);
	return 0;
}

static void close_all(struct bench *b)
{
	rg_store_close(b->store, b->pl.wall_offset + (int64_t)b->boot_ns);
	rg_ndjson_close(b->nd);
	rg_pipeline_free(&b->pl);
	rg_lineage_free(b->lin);
	rg_seqstate_free(b->seqs);
	rg_proctab_free(b->pt);
	rg_ident_free(b->ident);
	rg_pathmatch_free(&b->files);
	rg_rules_free(b->rules);
	rg_config_free(&b->cfg);
}

/* The workers' execs, then n opens, a poll at a time. */
static int run(struct bench *b, const char *dir, uint64_t n)
{
	char path[WORKERS][256];
	uint32_t size[WORKERS];
	for (unsigned w = 0; w < WORKERS; w++) {
		snprintf(path[w], sizeof(path[w]), "%s/f%u", dir, w);
		if (b->pl.files && !rg_pathmatch_wanted(b->pl.files, path[w], strlen(path[w]), true)) {
			fprintf(stderr, "rg-ringpath: the configuration does not watch %s\n",
				path[w]);
			return -1;
		}
	}
	for (unsigned w = 0; w < WORKERS; w++)
		exec_worker(b, w, path[w]);
	for (unsigned w = 0; w < WORKERS; w++)
		size[w] = (uint32_t)make_open(b, w, path[w]);
	for (uint64_t done = 0, polls = 0; done < n; polls++) {
		unsigned k = n - done < POLL_RECORDS ? (unsigned)(n - done) : POLL_RECORDS;
		feed_poll(b, size, k, done);
		done += k;
		if (polls % SYNC_EVERY == SYNC_EVERY - 1)
			rg_store_sync(b->store);
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: rg-ringpath -c CONFIG --db OUT.db --dir DIR [--ndjson PATH]\n"
		   "                   [--events N (200000)] [--rate EVENTS_PER_S (250000)]\n"
		   "Feeds raw watched-open records of DIR/f0 and DIR/f1 through the\n"
		   "recorder's pipeline (see the source). OUT.db must not exist.\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"config", required_argument, 0, 'c'}, {"db", required_argument, 0, 'd'},
		{"dir", required_argument, 0, 'D'},    {"ndjson", required_argument, 0, 'j'},
		{"events", required_argument, 0, 'n'}, {"rate", required_argument, 0, 'R'},
		{"help", no_argument, 0, 'h'},         {0, 0, 0, 0},
	};
	const char *config = NULL, *db = NULL, *dir = NULL, *ndjson = NULL;
	unsigned long long events = 200000, rate = 250000;
	int ch;
	while ((ch = getopt_long(argc, argv, "c:h", lopts, NULL)) != -1) {
		char *end = NULL;
		unsigned long long v = 0;
		if (ch == 'n' || ch == 'R') {
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg || !v) {
				fprintf(stderr, "rg-ringpath: '%s' is not a positive number\n", optarg);
				return 2;
			}
		}
		switch (ch) {
		case 'c': config = optarg; break;
		case 'd': db = optarg; break;
		case 'D': dir = optarg; break;
		case 'j': ndjson = optarg; break;
		case 'n': events = v; break;
		case 'R': rate = v; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	struct stat sb;
	if (!config || !db || !dir || optind < argc) {
		usage(stderr);
		return 2;
	}
	if (stat(db, &sb) == 0) {
		fprintf(stderr, "rg-ringpath: %s exists\n", db);
		return 2;
	}
	if (rate > (unsigned long long)NS) { /* the records' times are whole ns apart */
		fprintf(stderr, "rg-ringpath: --rate is at most %lld events/s\n", (long long)NS);
		return 2;
	}
	struct bench *b = calloc(1, sizeof(*b));
	b->boot_ns = BOOT_NS;
	b->step_ns = NS / (int64_t)rate;
	if (load(b, config, db, ndjson) || open_all(b) || run(b, dir, events))
		return 1;
	struct rg_store_stats st;
	rg_store_sync(b->store);
	rg_store_stats(b->store, &st);
	fprintf(stderr, "rg-ringpath: %llu records read, %llu events, %llu alerts, %llu filtered, "
			"%llu file rows, %llu dropped\n",
		(unsigned long long)b->pl.events_read, (unsigned long long)b->pl.events,
		(unsigned long long)b->pl.alerts, (unsigned long long)b->pl.filtered,
		(unsigned long long)st.rows_file_events, (unsigned long long)st.user_drops);
	bool lost = st.user_drops || b->pl.filtered || b->pl.events_invalid;
	close_all(b);
	free(b);
	return lost ? 1 : 0;
}
